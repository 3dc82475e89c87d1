//! Opens a window with only the trace view on one trace file.
//!
//! `cargo run --example trace_view -- FILE` (OTLP JSON/protobuf or Jaeger JSON).

use std::path::PathBuf;

use firesight::load::{LoadOptions, Progress, load_path};
use firesight::model::trace::TraceSet;
use firesight::ui::trace_view::TraceView;

struct App {
    traces: TraceSet,
    view: TraceView,
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            let _ = self.view.ui(ui, &self.traces);
        });
    }
}

fn main() -> anyhow::Result<()> {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        anyhow::bail!("usage: trace_view FILE");
    };
    let loaded = load_path(&path, &LoadOptions::default(), Progress::new())?;
    let Some(traces) = loaded.traces else {
        anyhow::bail!("{} is a {} file, not traces", path.display(), loaded.format.name());
    };
    let view = TraceView::new(&traces);
    let title = format!("Firesight traces: {}", path.display());
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_title(title.clone()).with_inner_size([1600.0, 1000.0]),
        ..Default::default()
    };
    eframe::run_native(&title, options, Box::new(|_cc| Ok(Box::new(App { traces, view }))))
        .map_err(|e| anyhow::anyhow!("cannot open a window: {e}"))
}
