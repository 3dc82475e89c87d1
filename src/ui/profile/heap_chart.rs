//! Heap size over time (massif): useful heap, the allocator's extra bytes
//! and stacks, one line each, with the peak snapshot marked. The flamegraph
//! below it shows the peak's allocation tree (the default metric); the
//! `useful heap over time` metric with a time range shows another snapshot.
//!
//! Draws [`crate::analysis::heap_series::HeapSeries`] with egui_plot; the
//! series is recomputed from the profile each frame only for profiles that
//! have its metrics (a massif profile holds a few hundred samples).

use egui::{Color32, Ui};
use egui_plot::{Legend, Line, Plot, PlotPoints, VLine};

use crate::analysis::heap_series::{HeapSeries, heap_series};
use crate::model::Profile;
use crate::model::units::{format_bytes, format_count};

/// Height of the chart, points.
pub const HEIGHT: f32 = 170.0;

/// The chart's title line: the peak and the unit of time.
pub fn title(s: &HeapSeries) -> String {
    match s.peak.and_then(|i| s.points.get(i)) {
        Some(p) => format!(
            "Heap over time ({} snapshots, time in {}): peak {} at {} (useful {}, extra {}, stacks {})",
            s.points.len(),
            s.time_unit,
            format_bytes(p.total_bytes() as f64),
            format_count(p.time as f64),
            format_bytes(p.useful_bytes as f64),
            format_bytes(p.extra_bytes as f64),
            format_bytes(p.stacks_bytes as f64)
        ),
        None => "Heap over time: no snapshots".to_string(),
    }
}

/// Draws the chart for `profile` when it has a heap series; returns whether it did.
pub fn ui(ui: &mut Ui, profile: &Profile) -> bool {
    let Some(s) = heap_series(profile) else { return false };
    ui.label(title(&s));
    let line = |f: &dyn Fn(&crate::analysis::heap_series::HeapPoint) -> u64| -> PlotPoints<'static> {
        s.points.iter().map(|p| [p.time as f64, f(p) as f64]).collect()
    };
    let useful = line(&|p| p.useful_bytes);
    let total = line(&|p| p.total_bytes());
    let stacks = line(&|p| p.stacks_bytes);
    let peak_at = s.peak.and_then(|i| s.points.get(i)).map(|p| p.time as f64);
    let has_stacks = s.points.iter().any(|p| p.stacks_bytes > 0);
    let unit = s.time_unit.clone();
    Plot::new("heap_over_time")
        .height(HEIGHT)
        .legend(Legend::default())
        .allow_scroll(false)
        .include_y(0.0)
        .y_axis_formatter(|m, _| format_bytes(m.value))
        .x_axis_formatter(move |m, _| format!("{} {unit}", format_count(m.value)))
        .show(ui, |plot_ui| {
            plot_ui.line(Line::new("useful + extra + stacks", total).color(Color32::from_rgb(230, 140, 60)));
            plot_ui.line(Line::new("useful heap", useful).color(Color32::from_rgb(60, 130, 220)).fill(0.0));
            if has_stacks {
                plot_ui.line(Line::new("stacks", stacks).color(Color32::from_rgb(120, 180, 90)));
            }
            if let Some(x) = peak_at {
                plot_ui.vline(VLine::new("peak", x).color(Color32::from_rgb(200, 60, 60)).width(1.5));
            }
        });
    true
}
