//! The tab of a file that could not be opened: its load error (format,
//! where, what was expected, path) with Try again and Close. The error
//! lives in the tab of its file, so it never sits over a document that
//! loaded fine. Returns [`Command`]s; imports `ui` only.

use std::path::PathBuf;

use egui::{Color32, Ui};

use crate::ui::command::Command;

/// A load that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedLoad {
    /// The id the load was given when it was asked for (tab order).
    pub id: u64,
    /// The file name.
    pub title: String,
    /// The file, when it came from disk (Try again opens it).
    pub path: Option<PathBuf>,
    /// The error as the loader gave it: format, where, what was expected, path.
    pub error: String,
}

/// Shows `failed`, the tab at position `tab`.
pub fn ui(ui: &mut Ui, failed: &FailedLoad, tab: usize) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.add_space(8.0);
    ui.heading(format!("{} could not be opened", failed.title));
    ui.add_space(4.0);
    let fill = Color32::from_rgb(0x7a, 0x1c, 0x1c);
    egui::Frame::new().fill(fill).inner_margin(8.0).corner_radius(4.0).show(ui, |ui| {
        ui.add(egui::Label::new(egui::RichText::new(&failed.error).color(Color32::WHITE)).wrap());
    });
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        if let Some(path) = &failed.path
            && ui.button("Try again").on_hover_text(format!("Open {} again", path.display())).clicked()
        {
            commands.push(Command::Reopen(tab, path.clone()));
        }
        if ui.button("Close").on_hover_text("Close this tab").clicked() {
            commands.push(Command::CloseTab(tab));
        }
    });
    ui.add_space(8.0);
    ui.label(format!("Firesight opens {} (each may be gzipped).", crate::jobs::FORMATS_READ));
    commands
}
