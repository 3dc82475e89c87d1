//! Two trace files compared: both latency histograms overlaid on one log
//! time axis (each bar the share of its side's traces, so runs of different
//! length compare), each side's P50/P90/P99 as lines with the change in a
//! table, then per service and per span name: self time, spans and errors
//! before and after with the change, and each service's share of the
//! critical path before and after. Figures come from
//! [`crate::analysis::trace_compare`].

use egui::{Color32, RichText, Ui};
use egui_extras::{Column, TableBuilder};
use egui_plot::{Bar, BarChart, Legend, LineStyle, Plot, VLine};

use crate::analysis::trace_compare::{SpanDelta, TraceComparison};
use crate::model::units::format_duration_ns;
use crate::ui::latency_histogram::{bins, plural};
use crate::ui::theme;

/// Bars of the overlaid histogram.
const BINS: usize = 40;
/// Colour of the base's bars and lines.
pub const BEFORE: Color32 = Color32::from_rgb(0x5a, 0x8c, 0xf0);
/// Colour of the new side's bars and lines.
pub const AFTER: Color32 = Color32::from_rgb(0xf0, 0x8a, 0x30);

/// Which table the lower half shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TraceTable {
    /// Per service. Default.
    #[default]
    Services,
    /// Per (service, span name).
    SpanNames,
}

/// Widget state.
#[derive(Clone, Debug, Default)]
pub struct TraceCompareState {
    /// The table shown.
    pub table: TraceTable,
}

/// A duration change: "+12.0 ms", "−3.1 ms".
pub fn signed_duration(before: u64, after: u64) -> String {
    let d = i128::from(after) - i128::from(before);
    match d {
        0 => "0".into(),
        d if d > 0 => format!("+{}", format_duration_ns(d as f64)),
        d => format!("\u{2212}{}", format_duration_ns((-d) as f64)),
    }
}

/// "P99 120.0 ms → 80.0 ms (−33%)" for each of P50, P90 and P99.
pub fn percentile_lines(t: &TraceComparison) -> Vec<String> {
    [50u8, 90, 99]
        .iter()
        .map(|&p| {
            let (b, a) = t.percentile(p);
            let line = crate::analysis::compare_flame::change_line(i128::from(b), i128::from(a), |w| {
                format_duration_ns(w as f64)
            });
            format!("P{p} {line}")
        })
        .collect()
}

/// The whole trace comparison.
pub fn ui(ui: &mut Ui, state: &mut TraceCompareState, t: &TraceComparison, before: &str, after: &str) {
    ui.horizontal_wrapped(|ui| {
        swatch(ui, BEFORE);
        ui.label(format!("Base: {before}, {}", plural(t.before.traces, "trace")));
        swatch(ui, AFTER);
        ui.label(format!("New: {after}, {}", plural(t.after.traces, "trace")));
        ui.weak("Lines: P50, P90, P99 of each side (dashed: base)");
        if let Some(k) = t.scale {
            ui.label(format!("(times of the new side scaled by {k:.3} per trace)"));
        }
    });
    ui.horizontal_wrapped(|ui| {
        for line in percentile_lines(t) {
            ui.strong(line);
            ui.separator();
        }
    });
    let plot_h = (ui.available_height() * 0.4).max(140.0);
    ui.allocate_ui(egui::vec2(ui.available_width(), plot_h), |ui| histogram(ui, t));
    ui.separator();
    ui.horizontal(|ui| {
        ui.selectable_value(&mut state.table, TraceTable::Services, "Services");
        ui.selectable_value(&mut state.table, TraceTable::SpanNames, "Span names");
        ui.weak("Self time: span duration minus its children's; critical path: the share of each trace's critical path the service holds.");
    });
    let rows = match state.table {
        TraceTable::Services => &t.services,
        TraceTable::SpanNames => &t.operations,
    };
    table(ui, rows, t, state.table == TraceTable::SpanNames);
}

fn swatch(ui: &mut Ui, c: Color32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
    ui.painter().rect_filled(rect, 2.0, c);
}

/// Both histograms over common bins, as shares of each side's traces.
fn histogram(ui: &mut Ui, t: &TraceComparison) {
    let nb = t.before.durations_ns.len();
    let all: Vec<u64> = t.before.durations_ns.iter().chain(&t.after.durations_ns).copied().collect();
    let bins = bins(&all, BINS);
    let side = |after: bool, color: Color32, name: &str| {
        let n = if after { t.after.durations_ns.len() } else { nb }.max(1) as f64;
        let bars: Vec<Bar> = bins
            .iter()
            .filter_map(|b| {
                let count = b.traces.iter().filter(|&&i| (i >= nb) == after).count();
                (count > 0).then(|| {
                    let share = count as f64 * 100.0 / n;
                    // Side by side in each bin: the base left, the new side right.
                    let w = b.x_hi - b.x_lo;
                    let x = (b.x_lo + b.x_hi) / 2.0 + if after { w / 4.0 } else { -w / 4.0 };
                    Bar::new(x, share)
                        .width(w * 0.46)
                        .fill(color.gamma_multiply(0.55))
                        .stroke(egui::Stroke::new(1.0, color))
                        .name(format!(
                            "{name}: {count} traces ({share:.1}%), {}–{}",
                            format_duration_ns(10f64.powf(b.x_lo)),
                            format_duration_ns(10f64.powf(b.x_hi))
                        ))
                })
            })
            .collect();
        BarChart::new(name.to_owned(), bars).color(color).element_formatter(Box::new(|bar, _| bar.name.clone()))
    };
    let before = side(false, BEFORE, "Base");
    let after = side(true, AFTER, "New");
    Plot::new("compare_latency")
        .legend(Legend::default())
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .x_axis_label("trace duration (log scale)")
        .y_axis_label("% of the side's traces")
        .x_axis_formatter(|m, _| format_duration_ns(10f64.powf(m.value)))
        .show(ui, |plot| {
            plot.bar_chart(before);
            plot.bar_chart(after);
            for (side, color, style) in [(false, BEFORE, LineStyle::dashed_loose()), (true, AFTER, LineStyle::Solid)] {
                for p in [50u8, 90, 99] {
                    let (b, a) = t.percentile(p);
                    let v = if side { a } else { b };
                    // Named as their side's bars: one legend entry per side.
                    let who = if side { "New" } else { "Base" };
                    plot.vline(VLine::new(who, (v.max(1) as f64).log10()).color(color).style(style).width(1.5));
                }
            }
        });
}

fn change_cell(ui: &mut Ui, text: String, delta: i128) {
    let rich = RichText::new(text);
    let rich = match delta.signum() {
        1 => rich.color(theme::DIFF_MORE),
        -1 => rich.color(theme::DIFF_LESS),
        _ => rich,
    };
    ui.label(rich);
}

/// Share of the critical path before and after, percent of each side's
/// critical-path time (`totals`).
pub fn critical_shares(r: &SpanDelta, totals: (u64, u64)) -> (f64, f64) {
    let pct = |v: u64, t: u64| if t == 0 { 0.0 } else { v as f64 * 100.0 / t as f64 };
    (pct(r.before.critical_ns, totals.0), pct(r.after.critical_ns, totals.1))
}

const TITLES: [&str; 11] = [
    "Service",
    "Span name",
    "Self before",
    "Self after",
    "Self change",
    "Spans before",
    "Spans after",
    "Errors before",
    "Errors after",
    "Critical path before",
    "Critical path after",
];

fn table(ui: &mut Ui, rows: &[SpanDelta], _t: &TraceComparison, by_name: bool) {
    let totals = rows.iter().fold((0u64, 0u64), |(b, a), r| (b + r.before.critical_ns, a + r.after.critical_ns));
    let row_h = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    let titles: Vec<&str> = TITLES.iter().copied().filter(|&h| by_name || h != "Span name").collect();
    let mut table = TableBuilder::new(ui)
        .min_scrolled_height(0.0)
        .id_salt(("trace_compare_table", by_name))
        .striped(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::auto().at_least(120.0).clip(true));
    for _ in 1..titles.len() {
        table = table.column(Column::auto().at_least(70.0));
    }
    table
        .header(row_h, |mut h| {
            for t in &titles {
                h.col(|ui| {
                    ui.strong(*t);
                });
            }
        })
        .body(|body| {
            body.rows(row_h, rows.len(), |mut row| {
                let r = &rows[row.index()];
                row.col(|ui| {
                    ui.label(&r.name);
                });
                if by_name {
                    row.col(|ui| {
                        ui.label(&r.span);
                    });
                }
                let (b, a) = (&r.before, &r.after);
                row.col(|ui| {
                    ui.label(format_duration_ns(b.self_ns as f64));
                });
                row.col(|ui| {
                    ui.label(format_duration_ns(a.self_ns as f64));
                });
                row.col(|ui| change_cell(ui, signed_duration(b.self_ns, a.self_ns), r.self_change()));
                row.col(|ui| {
                    ui.label(b.spans.to_string());
                });
                row.col(|ui| {
                    ui.label(a.spans.to_string());
                });
                row.col(|ui| {
                    ui.label(b.errors.to_string());
                });
                row.col(|ui| {
                    let d = a.errors as i128 - b.errors as i128;
                    change_cell(ui, a.errors.to_string(), d);
                });
                let (sb, sa) = critical_shares(r, totals);
                row.col(|ui| {
                    ui.label(format!("{sb:.1}%"));
                });
                row.col(|ui| {
                    let d = if (sa - sb).abs() < 0.05 { 0 } else { (sa - sb).signum() as i128 };
                    change_cell(ui, format!("{sa:.1}% ({})", super::flame::signed_points(sa - sb)), d);
                });
            });
        });
}
