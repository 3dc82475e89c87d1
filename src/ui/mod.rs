//! The desktop window (eframe/egui), behind the `gui` feature.
//!
//! `app.rs` owns tabs, menus and jobs and applies the [`command::Command`]s
//! that views return; views (`flamegraph/`, `hot_table.rs`,
//! `profile_view.rs`, `shell.rs`, and the trace views composed by
//! `trace_view.rs`) never import `load` or `export`.

pub mod app;
pub mod command;
pub mod compare;
pub mod document;
pub mod export_job;
pub mod failed_tab;
pub mod flamegraph;
pub mod fonts;
pub mod hot_table;
pub mod label_panel;
pub mod latency_histogram;
pub mod memory_table;
pub mod open_path;
pub mod profile;
pub mod profile_view;
pub mod sample;
pub mod service_table;
pub mod settings;
pub mod shell;
pub mod sort_header;
pub mod table_fit;
pub mod table_widths;
pub mod tabs;
pub mod theme;
pub mod trace;
pub mod trace_colors;
pub mod trace_list;
pub mod trace_view;
pub mod view_range;
pub mod waterfall;

use std::path::PathBuf;

pub use app::{AppOptions, FiresightApp};

/// Characters of a name a tooltip shows at most.
pub const TOOLTIP_NAME_CHARS: usize = 400;

/// `name` for a tooltip: whole when short, else its first
/// [`TOOLTIP_NAME_CHARS`] characters and how many more there are, so a
/// 200 000-character symbol does not push the figures off the screen.
pub fn tooltip_name(name: &str) -> std::borrow::Cow<'_, str> {
    match name.char_indices().nth(TOOLTIP_NAME_CHARS) {
        None => name.into(),
        Some((cut, _)) => {
            let more = name[cut..].chars().count();
            format!("{}… ({more} more characters)", &name[..cut]).into()
        }
    }
}

/// Opens the window and runs until it is closed; `files` open in tabs (none:
/// the bundled sample). Errors: no window could be created (no display, no
/// GPU or GL driver).
pub fn run(files: Vec<PathBuf>) -> eframe::Result {
    run_compare(None, files)
}

/// Opens the window like [`run`]; with `base`, `files` are compared with it
/// in one tab instead (two files: a comparison, more: a heap series).
pub fn run_compare(base: Option<PathBuf>, files: Vec<PathBuf>) -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Firesight")
            .with_app_id("firesight")
            .with_inner_size([1400.0, 900.0])
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "Firesight",
        options,
        Box::new(move |cc| {
            Ok(Box::new(match base {
                None => FiresightApp::new(cc, AppOptions { files, bundled_sample: true }),
                Some(base) => {
                    let mut app = FiresightApp::new(cc, AppOptions { files: Vec::new(), bundled_sample: false });
                    app.apply(command::Command::ComparePaths(std::iter::once(base).chain(files).collect()));
                    app
                }
            }))
        }),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_name_is_capped_for_its_tooltip() {
        assert_eq!(super::tooltip_name("main"), "main");
        let long = "é".repeat(200_000);
        let t = super::tooltip_name(&long);
        assert!(t.starts_with(&"é".repeat(400)) && t.ends_with("… (199600 more characters)"), "{}", &t[t.len() - 40..]);
    }
}
