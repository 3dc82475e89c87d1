//! View ▸ Source folders…: the folders the source view looks for source
//! files in (pprof's `-source_path`), persisted with the settings. A folder
//! is typed or pasted; one that does not exist is refused with a word.

use std::path::PathBuf;

use egui::{Context, Id};

/// The dialog's state, in egui's memory while it is open.
#[derive(Clone, Debug, Default)]
struct DialogState {
    typed: String,
    error: Option<String>,
}

fn id() -> Id {
    Id::unique("firesight_source_folders")
}

/// Opens the dialog.
pub fn open(ctx: &Context) {
    ctx.data_mut(|d| d.insert_temp(id(), DialogState::default()));
}

/// True while the dialog is open.
pub fn is_open(ctx: &Context) -> bool {
    ctx.data(|d| d.get_temp::<DialogState>(id()).is_some())
}

/// Draws the dialog when open; returns the new folder list when the person changed it.
pub fn ui(ctx: &Context, dirs: &[PathBuf]) -> Option<Vec<PathBuf>> {
    let mut state = ctx.data(|d| d.get_temp::<DialogState>(id()))?;
    let mut changed: Option<Vec<PathBuf>> = None;
    let mut open = true;
    egui::Window::new("Source folders").open(&mut open).collapsible(false).resizable(true).show(ctx, |ui| {
        ui.label(
            "The source view looks for a function's file where the profile recorded it, then under these \
             folders: after a folder's own name found in the recorded path, and by the recorded path's \
             last parts (as go tool pprof -source_path does). The profile's own folder is always searched.",
        );
        ui.separator();
        if dirs.is_empty() {
            ui.weak("No folders yet.");
        }
        for (i, d) in dirs.iter().enumerate() {
            ui.horizontal(|ui| {
                if ui.small_button("Remove").clicked() {
                    let mut v = dirs.to_vec();
                    v.remove(i);
                    changed = Some(v);
                }
                ui.label(d.display().to_string());
            });
        }
        ui.separator();
        ui.horizontal(|ui| {
            let r = ui
                .add(egui::TextEdit::singleline(&mut state.typed).hint_text("/path/to/checkout").desired_width(320.0));
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Add").clicked() || enter {
                let p = PathBuf::from(state.typed.trim());
                if state.typed.trim().is_empty() {
                    state.error = Some("Type a folder path first.".to_owned());
                } else if !p.is_dir() {
                    state.error = Some(format!("{} is not a folder on this machine.", p.display()));
                } else if dirs.contains(&p) {
                    state.error = Some(format!("{} is already in the list.", p.display()));
                } else {
                    let mut v = dirs.to_vec();
                    v.push(p);
                    changed = Some(v);
                    state.typed.clear();
                    state.error = None;
                }
            }
        });
        if let Some(e) = &state.error {
            ui.colored_label(ui.visuals().warn_fg_color, e);
        }
    });
    if open {
        ctx.data_mut(|d| d.insert_temp(id(), state));
    } else {
        ctx.data_mut(|d| d.remove::<DialogState>(id()));
    }
    changed
}
