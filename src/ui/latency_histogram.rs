//! The latency histogram of a trace set (egui_plot `BarChart`), with P50, P90
//! and P99 marked. Clicking a bar picks that bar's traces; the buttons above
//! pick every trace at or above P90 or P99.
//!
//! Durations span decades (a 10 ms request and its 2 s outliers), so the
//! time axis is logarithmic: bins are equal steps of log10(duration), and
//! bar heights are log10(1 + count) so one slow trace among a thousand
//! still shows as a bar. Binning is a pure function ([`bins`]), tested
//! without a window. Imports `model`, `analysis` and egui.

use egui::{Color32, Pos2, Role, Ui, WidgetInfo};
use egui_plot::{Bar, BarChart, GridInput, GridMark, Legend, Plot, PlotPoint, VLine};

use crate::analysis::traces::{Percentiles, latency_percentiles};
use crate::model::trace::TraceSet;
use crate::model::units::format_duration_ns;
use crate::ui::trace_colors::ERROR;

/// Number of bins across the range of durations.
pub const BINS: usize = 40;

/// One bar: the traces whose duration falls in `[lo_ns, hi_ns]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Bin {
    /// Left edge, log10 of ns.
    pub x_lo: f64,
    /// Right edge, log10 of ns.
    pub x_hi: f64,
    /// Indices of the traces in the bin, slowest first.
    pub traces: Vec<usize>,
}

/// Bins `durations_ns` (indexed like the trace set) into `n` equal steps of
/// log10 between the shortest and the longest; empty bins are kept. A zero
/// duration counts as 1 ns.
pub fn bins(durations_ns: &[u64], n: usize) -> Vec<Bin> {
    let Some(&min) = durations_ns.iter().min() else { return Vec::new() };
    let max = durations_ns.iter().copied().max().unwrap_or(min);
    let lo = (min.max(1) as f64).log10();
    let hi = (max.max(1) as f64).log10();
    let (lo, hi, n) = if hi - lo < 1e-9 { (lo - 0.05, hi + 0.05, 1) } else { (lo, hi, n.max(1)) };
    let step = (hi - lo) / n as f64;
    let mut out: Vec<Bin> = (0..n)
        .map(|k| Bin { x_lo: lo + k as f64 * step, x_hi: lo + (k + 1) as f64 * step, traces: Vec::new() })
        .collect();
    for (i, &d) in durations_ns.iter().enumerate() {
        let x = (d.max(1) as f64).log10();
        let k = (((x - lo) / step).floor().max(0.0) as usize).min(n - 1);
        out[k].traces.push(i);
    }
    for b in &mut out {
        b.traces.sort_by_key(|&i| std::cmp::Reverse(durations_ns[i]));
    }
    out
}

/// Traces picked in the histogram: the list shows them, slowest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Pick {
    /// What was picked, for the list's caption (`12–15 ms`, `≥ P99 (1.9 s)`).
    pub label: String,
    /// Trace indices, slowest first.
    pub traces: Vec<usize>,
}

/// The histogram's state: bins of the current set, the selected bar and
/// where the bars were drawn last frame.
#[derive(Debug, Default)]
pub struct LatencyHistogram {
    durations: Vec<u64>,
    bins: Vec<Bin>,
    percentiles: Option<Percentiles>,
    selected: Option<usize>,
    bar_tops: Vec<Pos2>,
}

impl LatencyHistogram {
    /// Rebuilds the bins for `set`.
    pub fn new(set: &TraceSet) -> Self {
        let durations: Vec<u64> = set.traces.iter().map(|t| t.duration_ns()).collect();
        Self {
            bins: bins(&durations, BINS),
            percentiles: latency_percentiles(set),
            durations,
            selected: None,
            bar_tops: Vec::new(),
        }
    }

    /// The bins.
    pub fn bins(&self) -> &[Bin] {
        &self.bins
    }

    /// The selected bin, if any.
    pub fn selected(&self) -> Option<usize> {
        self.selected
    }

    /// Clears the selected bin.
    pub fn clear_selection(&mut self) {
        self.selected = None;
    }

    /// Screen position just inside the top of bar `bin` as drawn last frame
    /// (what a test clicks); `None` for an empty bin or before drawing.
    pub fn bar_point(&self, bin: usize) -> Option<Pos2> {
        self.bar_tops.get(bin).copied().filter(|_| self.bins.get(bin).is_some_and(|b| !b.traces.is_empty()))
    }

    /// The bin of the slowest traces (the last non-empty one).
    pub fn slowest_bin(&self) -> Option<usize> {
        self.bins.iter().rposition(|b| !b.traces.is_empty())
    }

    /// Picks bin `k`, as a click on its bar does.
    pub fn pick_bin(&mut self, k: usize) -> Option<Pick> {
        let b = self.bins.get(k).filter(|b| !b.traces.is_empty())?;
        self.selected = Some(k);
        let (lo, hi) = (10f64.powf(b.x_lo), 10f64.powf(b.x_hi));
        Some(Pick {
            label: format!("{} – {}", format_duration_ns(lo), format_duration_ns(hi)),
            traces: b.traces.clone(),
        })
    }

    fn pick_at_least(&mut self, name: &str, threshold_ns: u64) -> Pick {
        self.selected = None;
        let mut traces: Vec<usize> = (0..self.durations.len()).filter(|&i| self.durations[i] >= threshold_ns).collect();
        traces.sort_by_key(|&i| std::cmp::Reverse(self.durations[i]));
        Pick { label: format!("≥ {name} ({})", format_duration_ns(threshold_ns as f64)), traces }
    }

    /// Shows the percentile buttons and the plot. Returns what was picked.
    pub fn ui(&mut self, ui: &mut Ui) -> Option<Pick> {
        let mut pick = None;
        let Some(p) = self.percentiles else {
            ui.label("No traces.");
            return None;
        };
        ui.horizontal_wrapped(|ui| {
            ui.strong(plural(self.durations.len(), "trace"));
            ui.label(format!(
                "P50 {} · P90 {} · P99 {}",
                format_duration_ns(p.p50_ns as f64),
                format_duration_ns(p.p90_ns as f64),
                format_duration_ns(p.p99_ns as f64)
            ));
            if ui.button("≥ P90").on_hover_text("List the traces at or above P90").clicked() {
                pick = Some(self.pick_at_least("P90", p.p90_ns));
            }
            if ui.button("≥ P99").on_hover_text("List the traces at or above P99").clicked() {
                pick = Some(self.pick_at_least("P99", p.p99_ns));
            }
        });
        let clicked_bin = self.plot(ui, p);
        if let Some(k) = clicked_bin {
            pick = self.pick_bin(k).or(pick);
        }
        pick
    }

    fn plot(&mut self, ui: &mut Ui, p: Percentiles) -> Option<usize> {
        let dark = ui.visuals().dark_mode;
        let normal = if dark { Color32::from_rgb(90, 140, 200) } else { Color32::from_rgb(70, 130, 190) };
        let slow = Color32::from_rgb(230, 140, 40);
        let selected_color = if dark { Color32::WHITE } else { Color32::from_rgb(20, 20, 60) };
        let p90x = (p.p90_ns.max(1) as f64).log10();
        let p99x = (p.p99_ns.max(1) as f64).log10();
        let bars: Vec<Bar> = self
            .bins
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.traces.is_empty())
            .map(|(k, b)| {
                let fill = if Some(k) == self.selected {
                    selected_color
                } else if b.x_hi > p99x {
                    ERROR
                } else if b.x_hi > p90x {
                    slow
                } else {
                    normal
                };
                let (lo, hi) = (10f64.powf(b.x_lo), 10f64.powf(b.x_hi));
                Bar::new((b.x_lo + b.x_hi) / 2.0, (1.0 + b.traces.len() as f64).log10())
                    .width((b.x_hi - b.x_lo) * 0.92)
                    .fill(fill)
                    .name(format!(
                        "{}, {} – {}",
                        plural(b.traces.len(), "trace"),
                        format_duration_ns(lo),
                        format_duration_ns(hi)
                    ))
            })
            .collect();
        let chart = BarChart::new("Traces", bars).element_formatter(Box::new(|bar, _| bar.name.clone()));
        let max_count = self.bins.iter().map(|b| b.traces.len()).max().unwrap_or(1);
        let response = Plot::new("latency_histogram")
            .height(ui.available_height().max(120.0))
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .show_grid([false, true])
            .include_y(0.0)
            .include_y((2.0 + max_count as f64).log10() * 1.12)
            .legend(Legend::default().position(egui_plot::Corner::RightTop))
            .x_axis_label("trace duration (log scale)")
            .x_grid_spacer(decade_marks)
            .x_axis_formatter(|m, _| format_duration_ns(10f64.powf(m.value)))
            .y_grid_spacer(count_marks)
            .y_axis_formatter(|m, _| format!("{:.0}", 10f64.powf(m.value) - 1.0))
            .label_formatter(|_: &egui_plot::HoverPosition<'_>| None)
            .show(ui, |plot_ui| {
                plot_ui.bar_chart(chart);
                for (name, v, color) in [
                    ("P50", p.p50_ns, Color32::from_rgb(60, 160, 90)),
                    ("P90", p.p90_ns, slow),
                    ("P99", p.p99_ns, ERROR),
                ] {
                    let label = format!("{name} {}", format_duration_ns(v as f64));
                    plot_ui.vline(VLine::new(label, (v.max(1) as f64).log10()).color(color).width(1.5));
                }
                let clicked = plot_ui.response().clicked();
                (clicked, plot_ui.pointer_coordinate())
            });
        response.response.widget_info(|| WidgetInfo::labeled(Role::Figure, true, "Latency histogram"));
        self.bar_tops = self
            .bins
            .iter()
            .map(|b| {
                let y = (1.0 + b.traces.len() as f64).log10() * 0.5;
                response.transform.position_from_point(&PlotPoint::new((b.x_lo + b.x_hi) / 2.0, y))
            })
            .collect();
        let (clicked, at) = response.inner;
        let at = at.filter(|_| clicked)?;
        self.bins.iter().position(|b| {
            at.x >= b.x_lo && at.x < b.x_hi && !b.traces.is_empty() && at.y <= (1.0 + b.traces.len() as f64).log10()
        })
    }
}

/// Grid marks at 1, 2 and 5 times each power of ten (x is log10 of ns).
fn decade_marks(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let mut out = Vec::new();
    if !(lo.is_finite() && hi.is_finite()) || hi - lo > 30.0 {
        return out;
    }
    let minor = hi - lo < 1.5;
    for k in lo.floor() as i32..=hi.ceil() as i32 {
        for (m, step) in [(1.0, 1.0), (2.0, 0.3), (5.0, 0.3)] {
            if m != 1.0 && !minor && hi - lo > 2.5 {
                continue;
            }
            let v = (m * 10f64.powi(k)).log10();
            if v >= lo && v <= hi {
                out.push(GridMark { value: v, step_size: step });
            }
        }
    }
    out
}

/// Grid marks at counts 1, 10, 100, ... (y is log10 of 1 + count).
fn count_marks(input: GridInput) -> Vec<GridMark> {
    let (_, hi) = input.bounds;
    let mut out = vec![GridMark { value: 0.0, step_size: 1.0 }];
    let mut c = 1.0f64;
    while (1.0 + c).log10() <= hi && c < 1e12 {
        out.push(GridMark { value: (1.0 + c).log10(), step_size: 1.0 });
        c *= 10.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_put_outliers_in_the_last_bar_slowest_first() {
        let d = [10_000_000, 12_000_000, 11_000_000, 2_000_000_000, 1_500_000_000];
        let b = bins(&d, 10);
        assert_eq!(b.len(), 10);
        assert_eq!(b.iter().map(|b| b.traces.len()).sum::<usize>(), 5);
        assert_eq!(b[9].traces, vec![3, 4]);
        assert_eq!(b[0].traces, vec![1, 2, 0]);
        assert_eq!(bins(&[5, 5], 10).len(), 1);
        assert!(bins(&[], 10).is_empty());
    }
}

/// `1 trace`, `280 traces`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}
