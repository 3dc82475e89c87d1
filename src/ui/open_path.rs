//! Opening a file without the native dialog: the "Open file" modal with a
//! path field, and how the app tells a dialog that could not be shown from
//! one the person cancelled.
//!
//! rfd 0.17 on Linux and the BSDs asks the XDG desktop portal, falls back to
//! `zenity`, and returns `None` only when neither could show a dialog: a
//! cancel comes back as an empty list (`Some(vec![])`, see
//! `backend/xdg_desktop_portal.rs::pick_files` and `linux/zenity.rs`). On
//! other platforms `None` is a cancel. A portal that answers at once with
//! "ended some other way" also looks like a cancel, so two empty answers in a
//! row, each faster than a person can press Esc, count as "no dialog" too.
//! Returns [`Command`]s; imports `ui` only.

use std::path::PathBuf;
use std::time::Duration;

use egui::{Id, Key, Ui};

use crate::ui::command::Command;

/// An answer faster than this cannot be a person cancelling.
pub const QUICK_ANSWER: Duration = Duration::from_millis(100);

/// Where else files come from, shown wherever the dialog is missing.
pub const HINT: &str = "You can also drop files on this window, or name them on the command line: firesight FILE…";

/// What the native dialog gave back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DialogAnswer {
    /// Files were picked.
    Picked(Vec<PathBuf>),
    /// The person closed the dialog; `quick` when it answered faster than
    /// [`QUICK_ANSWER`].
    Cancelled {
        /// Answered faster than a person could.
        quick: bool,
    },
    /// No dialog could be shown.
    Unavailable,
}

/// Reads rfd's answer (`pick_files()`) after `elapsed`; see the module docs.
pub fn classify(result: Option<Vec<PathBuf>>, elapsed: Duration) -> DialogAnswer {
    match result {
        Some(paths) if !paths.is_empty() => DialogAnswer::Picked(paths),
        Some(_) => DialogAnswer::Cancelled { quick: elapsed < QUICK_ANSWER },
        None if cfg!(any(
            target_os = "linux",
            target_os = "freebsd",
            target_os = "dragonfly",
            target_os = "netbsd",
            target_os = "openbsd"
        )) =>
        {
            DialogAnswer::Unavailable
        }
        None => DialogAnswer::Cancelled { quick: elapsed < QUICK_ANSWER },
    }
}

/// The "Open file" modal's state.
#[derive(Clone, Debug, Default)]
pub struct OpenPathState {
    /// The path field's text.
    pub input: String,
    /// Why the modal is shown instead of the dialog, if it is.
    pub reason: Option<String>,
    focused: bool,
}

impl OpenPathState {
    /// A modal with an empty field; `reason` is shown above it.
    pub fn new(reason: Option<String>) -> Self {
        Self { input: String::new(), reason, focused: false }
    }
}

/// The path the person typed: trimmed, quotes a shell would strip removed,
/// `~/` expanded from `$HOME`; `None` when empty.
pub fn typed_path(input: &str) -> Option<PathBuf> {
    let t = input.trim();
    let t = ['\'', '"'].iter().find_map(|q| t.strip_prefix(*q)?.strip_suffix(*q)).unwrap_or(t).trim();
    if t.is_empty() {
        return None;
    }
    if let Some(rest) = t.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return Some(PathBuf::from(home).join(rest));
    }
    Some(PathBuf::from(t))
}

/// Id of the path field.
pub fn field_id() -> Id {
    Id::unique("firesight_open_path_field")
}

/// Shows the modal. Returns `Open` for an entered path; `keep_open` turns
/// false when it is closed (Enter, Open, Cancel, Esc, a click outside).
pub fn ui(ctx: &egui::Context, state: &mut OpenPathState, keep_open: &mut bool) -> Vec<Command> {
    let mut commands = Vec::new();
    let modal = egui::Modal::new(Id::unique("firesight_open_path")).show(ctx, |ui: &mut Ui| {
        ui.set_width(560.0);
        ui.heading("Open file");
        if let Some(reason) = &state.reason {
            ui.label(reason);
        }
        ui.label("Path of a profile or trace:");
        let field = ui.add(
            egui::TextEdit::singleline(&mut state.input)
                .id(field_id())
                .hint_text("/path/to/profile.pb.gz")
                .desired_width(f32::INFINITY),
        );
        if !state.focused {
            field.request_focus();
            state.focused = true;
        }
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        ui.label(HINT);
        ui.horizontal(|ui| {
            let path = typed_path(&state.input);
            let open = ui.add_enabled(path.is_some(), egui::Button::new("Open"));
            if let Some(p) = path.filter(|_| entered || open.clicked()) {
                commands.push(Command::Open(p));
                *keep_open = false;
            }
            if ui.button("Cancel").clicked() {
                *keep_open = false;
            }
        });
    });
    if modal.should_close() {
        *keep_open = false;
    }
    commands
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_is_a_missing_dialog_on_linux_and_empty_is_a_cancel() {
        let slow = Duration::from_secs(2);
        assert_eq!(classify(Some(vec![]), slow), DialogAnswer::Cancelled { quick: false });
        assert_eq!(classify(Some(vec![]), Duration::from_millis(3)), DialogAnswer::Cancelled { quick: true });
        assert_eq!(classify(Some(vec!["a.txt".into()]), slow), DialogAnswer::Picked(vec!["a.txt".into()]));
        #[cfg(target_os = "linux")]
        assert_eq!(classify(None, slow), DialogAnswer::Unavailable);
    }

    #[test]
    fn typed_paths_lose_quotes_and_blanks() {
        assert_eq!(typed_path("  '/tmp/a b.txt' "), Some(PathBuf::from("/tmp/a b.txt")));
        assert_eq!(typed_path("\"x.folded\""), Some(PathBuf::from("x.folded")));
        assert_eq!(typed_path("   "), None);
        assert_eq!(typed_path("''"), None);
    }
}
