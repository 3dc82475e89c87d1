//! File ▸ Export: the native save dialog, then the active profile (its
//! metric, the samples the picked labels keep) written
//! there as folded stacks or an inferno SVG, on a worker thread; the outcome
//! comes back as a [`Message`].
//!
//! rfd's `save_file` returns `None` both when the person cancels and when no
//! dialog could be shown (no XDG desktop portal, no `zenity`). An answer
//! faster than [`open_path::QUICK_ANSWER`] cannot be a person cancelling,
//! so it is reported as a missing dialog, with the command line that does
//! the same export, instead of nothing happening. Imports `ui`, `export`
//! and `model` only.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::ui::document::Document;
use crate::ui::open_path;
use crate::ui::shell::Message;

/// What the save dialog gave back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveAnswer {
    /// A file name was picked.
    Picked(PathBuf),
    /// The person closed the dialog.
    Cancelled,
    /// No dialog could be shown.
    Unavailable,
}

/// Reads rfd's `save_file()` answer after `elapsed`; see the module docs.
pub fn classify(result: Option<PathBuf>, elapsed: Duration) -> SaveAnswer {
    match result {
        Some(p) => SaveAnswer::Picked(p),
        None if elapsed < open_path::QUICK_ANSWER => SaveAnswer::Unavailable,
        None => SaveAnswer::Cancelled,
    }
}

/// What an export writes, for the message when no dialog can be shown: the
/// file it came from, the metric, the picked labels.
#[derive(Clone, Debug)]
pub struct ExportSpec {
    /// Folded stacks (`false`) or an SVG (`true`).
    pub svg: bool,
    /// The profile's file, or its tab title when it has none (the bundled sample).
    pub file: String,
    /// The metric's name.
    pub metric: String,
    /// The picked labels (key, value), as `--tag` takes them.
    pub tags: Vec<(String, String)>,
    /// The keys picked as "(none)", as `--no-tag` takes them.
    pub without: Vec<String>,
}

/// `s` quoted for a POSIX shell when it needs it.
fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-+=:,@%".contains(&b)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The message for a save dialog that could not be shown, with the command
/// line that writes the same file.
pub fn unavailable_message(spec: &ExportSpec) -> Message {
    let (cmd, out) = if spec.svg { ("svg", "-o OUT.svg") } else { ("fold", "> OUT.folded") };
    let mut line = format!("firesight {cmd} {} --metric {}", shell_word(&spec.file), shell_word(&spec.metric));
    for (k, v) in &spec.tags {
        line += &format!(" --tag {}", shell_word(&format!("{k}={v}")));
    }
    for k in &spec.without {
        line += &format!(" --no-tag {}", shell_word(k));
    }
    Message {
        text: format!(
            "No save dialog could be shown (no XDG desktop portal, no zenity). The command line writes the same \
             file: {line} {out}"
        ),
        is_error: true,
        about_dialog: false,
    }
}

/// Asks for a file name and writes `doc`'s profile there, both on a worker
/// thread; `None` when the thread could not be started. The receiver gets
/// one message, or none when the person cancelled.
pub fn spawn(doc: &Document, svg: bool, ctx: egui::Context) -> Option<Receiver<Message>> {
    let profile = doc.profile.clone();
    let metric = doc.metric;
    // What the window shows: the metric, and the picked labels.
    let filter = crate::analysis::labels::with_picks(&Default::default(), &doc.picked_labels());
    let spec = ExportSpec {
        svg,
        file: doc.path.as_ref().map_or_else(|| doc.title.clone(), |p| p.display().to_string()),
        metric: doc.profile.metric(metric).name.clone(),
        tags: filter.labels.clone(),
        without: filter.without_labels.clone(),
    };
    let stem = doc.title.split(' ').next().unwrap_or("profile").to_string();
    let title = doc.title.clone();
    let (tx, rx) = channel();
    let spawned = std::thread::Builder::new().name("firesight-export".into()).spawn(move || {
        let (ext, kind) = if svg { ("svg", "SVG") } else { ("folded", "folded stacks") };
        let asked = Instant::now();
        let picked = rfd::FileDialog::new()
            .set_title(format!("Export {kind}"))
            .set_file_name(format!("{stem}.{ext}"))
            .save_file();
        let out = match classify(picked, asked.elapsed()) {
            SaveAnswer::Picked(out) => out,
            SaveAnswer::Cancelled => return,
            SaveAnswer::Unavailable => {
                let _ = tx.send(unavailable_message(&spec));
                ctx.request_repaint();
                return;
            }
        };
        let _ = tx.send(write_export(&profile, metric, &filter, svg, &title, &out));
        ctx.request_repaint();
    });
    spawned.ok().map(|_| rx)
}

/// Writes `profile`'s `metric` (the samples `filter` keeps) to `out` as
/// folded stacks (streamed, whatever their size) or an SVG titled `title`
/// (refused with a message when too big, see
/// [`crate::export::svg::MAX_SVG_FOLDED_BYTES`]); the message for the
/// status bar. A panic in the export becomes an error message too: a
/// failed export must not take the window and its tabs down.
pub fn write_export(
    profile: &crate::model::Profile,
    metric: crate::model::MetricId,
    filter: &crate::model::SampleFilter,
    svg: bool,
    title: &str,
    out: &std::path::Path,
) -> Message {
    let kind = if svg { "SVG" } else { "folded stacks" };
    let work = || {
        if svg {
            crate::export::svg::write_svg(profile, metric, filter, title, out).map(|s| s.note(profile, metric))
        } else {
            crate::export::write_atomically(out, |w| crate::export::folded::write_streaming(profile, metric, filter, w))
                .map(|()| String::new())
        }
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "internal error".into());
        Err(std::io::Error::other(format!("the export stopped on an internal error ({why})")))
    });
    match result {
        Ok(note) if note.is_empty() => {
            Message { text: format!("Exported {kind} to {}", out.display()), is_error: false, about_dialog: false }
        }
        Ok(note) => Message {
            text: format!("Exported {kind} to {}; {note}", out.display()),
            is_error: false,
            about_dialog: false,
        },
        Err(e) => {
            Message { text: format!("Export to {} failed: {e}", out.display()), is_error: true, about_dialog: false }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quick_none_is_a_missing_dialog_and_says_what_to_run() {
        assert_eq!(classify(None, Duration::from_millis(5)), SaveAnswer::Unavailable);
        assert_eq!(classify(None, Duration::from_secs(3)), SaveAnswer::Cancelled);
        let p = PathBuf::from("/tmp/x.svg");
        assert_eq!(classify(Some(p.clone()), Duration::from_millis(5)), SaveAnswer::Picked(p));
        let spec = ExportSpec {
            svg: true,
            file: "/data/my heap.pb.gz".into(),
            metric: "alloc_space".into(),
            tags: vec![("bytes".into(), "32768 bytes".into())],
            without: vec!["endpoint".into()],
        };
        let m = unavailable_message(&spec);
        assert!(m.is_error);
        assert!(
            m.text.ends_with(
                "firesight svg '/data/my heap.pb.gz' --metric alloc_space --tag 'bytes=32768 bytes' --no-tag endpoint -o OUT.svg"
            ),
            "{}",
            m.text
        );
        let spec =
            ExportSpec { svg: false, file: "cpu.pb.gz".into(), metric: "cpu".into(), tags: vec![], without: vec![] };
        assert!(unavailable_message(&spec).text.ends_with("firesight fold cpu.pb.gz --metric cpu > OUT.folded"));
    }
}
