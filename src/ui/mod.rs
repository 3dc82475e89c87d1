//! The desktop window (eframe/egui), behind the `gui` feature.
//!
//! Views never import `load` or `export`. The trace views (`trace_view.rs`
//! and the files it composes) are self-contained: `TraceView::ui` takes a
//! `TraceSet` and returns a `TraceAction`.

pub mod latency_histogram;
pub mod service_table;
pub mod trace_colors;
pub mod trace_list;
pub mod trace_view;
pub mod waterfall;

/// Placeholder until the app shell (`app.rs`, the `gui` branch) lands and
/// replaces this file: a window that says so. `files` are ignored.
/// Errors: no window could be created.
pub fn run(files: Vec<std::path::PathBuf>) -> eframe::Result {
    let _ = files;
    eframe::run_ui_native("Firesight", eframe::NativeOptions::default(), |ui, _| {
        ui.label("The window lands with the gui branch; run `cargo run --example trace_view -- FILE` for traces.");
    })
}
