//! The latency histogram of a trace set (egui_plot `BarChart`), with P50, P90
//! and P99 marked. Clicking a bar picks that bar's traces; the buttons above
//! pick every trace at or above P90 or P99.
//!
//! Durations span decades (a 10 ms request and its 2 s outliers), so the
//! time axis is logarithmic: bins are equal steps of log10(duration), and
//! bar heights are log10(1 + count) so one slow trace among a thousand
//! still shows as a bar. Binning is a pure function ([`bins`]), tested
//! without a window. Durations closer together than [`MIN_SPAN_DECADES`]
//! are spread over that range, centred on them, so a single trace (or many
//! of one duration) is one bar of sane width, labelled with its value, not a
//! block filling the plot. The plot keeps a margin on its right, where egui_plot
//! centres the last tick label past the plot's edge, so no text is clipped.
//! Imports `model`, `analysis` and egui.

use egui::{Align2, Color32, Pos2, Rect, RichText, Role, Ui, WidgetInfo};
use egui_plot::{AxisHints, Bar, BarChart, GridInput, GridMark, Plot, PlotPoint, Text, VLine};

use crate::analysis::traces::{Percentiles, latency_percentiles};
use crate::model::trace::TraceSet;
use crate::model::units::format_duration_ns;
use crate::ui::trace_colors::ERROR;

/// Number of bins across the range of durations.
pub const BINS: usize = 40;

/// The narrowest range of the time axis, in decades of log10(ns) (×1.58):
/// durations closer together are spread over this range, centred on them.
pub const MIN_SPAN_DECADES: f64 = 0.2;

/// Bins across [`MIN_SPAN_DECADES`] when every duration is the same: the one
/// bar is then a ninth of the plot wide, centred.
pub const LONE_BINS: usize = 9;

/// Room kept right of the plot, points: egui_plot centres each tick label on
/// its tick, so the last one reaches past the plot's right edge.
const RIGHT_MARGIN: f32 = 32.0;

/// egui_plot's smallest grid spacing, points (set on the plot, and used to
/// turn its step hint into points per decade).
const GRID_SPACING_MIN_PX: f32 = 8.0;

/// Room between two time labels, points (egui_plot hides x labels closer
/// than 60 and fades them below 80).
const LABEL_GAP_PX: f32 = 90.0;

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
/// duration counts as 1 ns. Durations less than [`MIN_SPAN_DECADES`] apart
/// are binned over that span, centred on them; when all are equal, into
/// [`LONE_BINS`] bins with the value at the centre of the middle one.
pub fn bins(durations_ns: &[u64], n: usize) -> Vec<Bin> {
    let Some(&min) = durations_ns.iter().min() else { return Vec::new() };
    let max = durations_ns.iter().copied().max().unwrap_or(min);
    let lo = (min.max(1) as f64).log10();
    let hi = (max.max(1) as f64).log10();
    let mid = (lo + hi) / 2.0;
    let half = MIN_SPAN_DECADES / 2.0;
    let (lo, hi, n) = if min.max(1) == max.max(1) {
        (mid - half, mid + half, LONE_BINS)
    } else if hi - lo < MIN_SPAN_DECADES {
        (mid - half, mid + half, n.max(1))
    } else {
        (lo, hi, n.max(1))
    };
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
    rect: Option<Rect>,
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
            rect: None,
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
        Some(Pick { label: self.bin_label(b), traces: b.traces.clone() })
    }

    /// What bin `b` holds, in durations: `2.60 s` when all its traces take
    /// the same time, else its range `12.0 ms – 15.0 ms`.
    pub fn bin_label(&self, b: &Bin) -> String {
        let d = |i: usize| self.durations.get(i).copied().unwrap_or(0);
        match (b.traces.first(), b.traces.last()) {
            (Some(&slow), Some(&fast)) if d(slow) == d(fast) => format_duration_ns(d(slow) as f64),
            _ => format!("{} – {}", format_duration_ns(10f64.powf(b.x_lo)), format_duration_ns(10f64.powf(b.x_hi))),
        }
    }

    /// Where the histogram (buttons and plot) was drawn last frame.
    pub fn rect(&self) -> Option<Rect> {
        self.rect
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
        self.rect = Some(ui.max_rect());
        let Some(p) = self.percentiles else {
            ui.label("No traces.");
            return None;
        };
        ui.horizontal_wrapped(|ui| {
            ui.strong(plural(self.durations.len(), "trace"));
            // The key of the lines, outside the plot where no line crosses it.
            for (name, v, color) in percentile_lines(p) {
                let (rect, _) = ui.allocate_exact_size(egui::vec2(3.0, 14.0), egui::Sense::hover());
                ui.painter().rect_filled(rect, 0.0, color);
                ui.label(format!("{name} {}", format_duration_ns(v as f64)))
                    .on_hover_text(format!("{name} of the trace durations (nearest rank): the line in that colour"));
            }
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
        let slow = SLOW;
        let selected_color = if dark { Color32::WHITE } else { Color32::from_rgb(20, 20, 60) };
        // A percentile marks a slow tail only when it lies above the median:
        // one trace, or all of one duration, has no tail to colour.
        let p90x = (p.p90_ns > p.p50_ns).then(|| (p.p90_ns.max(1) as f64).log10());
        let p99x = (p.p99_ns > p.p50_ns).then(|| (p.p99_ns.max(1) as f64).log10());
        let bars: Vec<Bar> = self
            .bins
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.traces.is_empty())
            .map(|(k, b)| {
                let fill = if Some(k) == self.selected {
                    selected_color
                } else if p99x.is_some_and(|x| b.x_hi > x) {
                    ERROR
                } else if p90x.is_some_and(|x| b.x_hi > x) {
                    slow
                } else {
                    normal
                };
                Bar::new((b.x_lo + b.x_hi) / 2.0, (1.0 + b.traces.len() as f64).log10())
                    .width((b.x_hi - b.x_lo) * 0.92)
                    .fill(fill)
                    .name(format!("{}, {}", plural(b.traces.len(), "trace"), self.bin_label(b)))
            })
            .collect();
        let chart = BarChart::new("Traces", bars).element_formatter(Box::new(|bar, _| bar.name.clone()));
        let max_count = self.bins.iter().map(|b| b.traces.len()).max().unwrap_or(1);
        let x_lo = self.bins.first().map_or(0.0, |b| b.x_lo);
        let x_hi = self.bins.last().map_or(1.0, |b| b.x_hi);
        // The one bar of a set with a single bar carries its value as text.
        let mut lone = self.bins.iter().filter(|b| !b.traces.is_empty());
        let y_top = (2.0 + max_count as f64).log10() * 1.25;
        let lone_label = match (lone.next(), lone.next()) {
            (Some(b), None) => Some((
                PlotPoint::new((b.x_lo + b.x_hi) / 2.0, (1.0 + b.traces.len() as f64).log10() + y_top * 0.04),
                format!("{} · {}", plural(b.traces.len(), "trace"), self.bin_label(b)),
            )),
            _ => None,
        };
        let size = ui.available_size();
        // Axes as thick as their text from the first frame: egui_plot
        // otherwise sizes them from the frame before, and the first frame
        // had the axis title over the tick labels.
        let body = egui::TextStyle::Body.resolve(ui.style());
        let line = ui.fonts_mut(|f| f.row_height(&body));
        let widest_count = crate::ui::table_fit::widest(ui, &body, count_labels(max_count));
        let x_axis = AxisHints::new_x()
            .label("trace duration (log scale)")
            .formatter(|m, _| format_duration_ns(10f64.powf(m.value)))
            .min_thickness(line * (2.0 + AXIS_LABEL_GAP));
        let response = Plot::new("latency_histogram")
            .width((size.x - RIGHT_MARGIN).max(120.0))
            .height((size.y - 2.0).max(120.0))
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .show_grid([false, true])
            .grid_spacing(GRID_SPACING_MIN_PX..=300.0)
            .include_x(x_lo)
            .include_x(x_hi)
            .include_y(0.0)
            .include_y(y_top)
            .custom_x_axes(vec![x_axis])
            .x_grid_spacer(duration_marks)
            .y_grid_spacer(count_marks)
            .y_axis_formatter(|m, _| format!("{:.0}", 10f64.powf(m.value) - 1.0))
            .y_axis_min_width(widest_count)
            .label_formatter(|_: &egui_plot::HoverPosition<'_>| None)
            .show(ui, |plot_ui| {
                plot_ui.bar_chart(chart);
                for (name, v, color) in percentile_lines(p) {
                    let label = format!("{name} {}", format_duration_ns(v as f64));
                    plot_ui.vline(VLine::new(label, (v.max(1) as f64).log10()).color(color).width(1.5));
                }
                if let Some((at, text)) = lone_label {
                    let text = RichText::new(text).size(13.0).strong();
                    plot_ui.text(Text::new("", at, text).id("lone_bar_label").anchor(Align2::CENTER_BOTTOM));
                }
                let clicked = plot_ui.response().clicked();
                (clicked, plot_ui.pointer_coordinate())
            });
        response.response.widget_info(|| WidgetInfo::labeled(Role::Figure, true, "Latency histogram"));
        // The margin is part of what the histogram takes: a resizable panel
        // fits its content, and would otherwise shrink by it every frame.
        ui.expand_to_include_x(response.response.rect.right() + RIGHT_MARGIN);
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

/// Colour of the bars of traces above P90 (and of the P90 line).
const SLOW: Color32 = Color32::from_rgb(230, 140, 40);

/// The percentile lines: name, duration, colour.
fn percentile_lines(p: Percentiles) -> [(&'static str, u64, Color32); 3] {
    [("P50", p.p50_ns, Color32::from_rgb(60, 160, 90)), ("P90", p.p90_ns, SLOW), ("P99", p.p99_ns, ERROR)]
}

/// Grid marks of the time axis (x is log10 of ns): over wide ranges at each
/// power of ten (and 2 and 5 times it up to 2.5 decades); over narrow ones
/// (under 1.5 decades) at round durations, 1, 2 or 5 times a power of ten
/// apart, about five of them, so even the narrowest axis has labels.
pub fn duration_marks(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let mut out = Vec::new();
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || hi - lo > 30.0 {
        return out;
    }
    if hi - lo >= 1.5 {
        for k in lo.floor() as i32..=hi.ceil() as i32 {
            for (m, step) in [(1.0, 1.0), (2.0, 0.3), (5.0, 0.3)] {
                if m != 1.0 && hi - lo > 2.5 {
                    continue;
                }
                let v = (m * 10f64.powi(k)).log10();
                if v >= lo && v <= hi {
                    out.push(GridMark { value: v, step_size: step });
                }
            }
        }
        return out;
    }
    let (a, b) = (10f64.powf(lo), 10f64.powf(hi));
    // Decades per point, from egui_plot's hint (0 in tests: no constraint).
    let per_px = input.base_step_size.max(0.0) / f64::from(GRID_SPACING_MIN_PX);
    // The smallest gap, in log10, is the last one: labels are spaced by it,
    // and egui_plot draws a label only when that gap is wide enough.
    let gap_of = |step: f64| b.log10() - (b - step).max(f64::MIN_POSITIVE).log10();
    let first = 10f64.powf(((b - a) / 10.0).log10().floor());
    let step = (0..12)
        .map(|k| [1.0, 2.0, 5.0][k % 3] * first * 10f64.powi((k / 3) as i32))
        .find(|&s| s >= (b - a) / 8.0 && gap_of(s) >= f64::from(LABEL_GAP_PX) * per_px)
        .unwrap_or(b - a);
    let gap = gap_of(step);
    let mut v = (a / step).ceil() * step;
    while v <= b && out.len() < 20 {
        out.push(GridMark { value: v.log10(), step_size: gap });
        v += step;
    }
    out
}

/// Grid marks at counts 0, 1, 10, 100, ... (y is log10 of 1 + count). Each
/// mark's step is its distance from the one below, so egui_plot leaves out
/// a label that would sit on the one below it (`1` is 0.3 decades above
/// `0`: on a short plot the two would overlap); `0` always shows.
pub fn count_marks(input: GridInput) -> Vec<GridMark> {
    let (_, hi) = input.bounds;
    let mut out = vec![GridMark { value: 0.0, step_size: 1.0 }];
    let (mut c, mut below) = (1.0f64, 0.0);
    while (1.0 + c).log10() <= hi && c < 1e12 {
        let value = (1.0 + c).log10();
        out.push(GridMark { value, step_size: value - below });
        below = value;
        c *= 10.0;
    }
    out
}

/// The count labels of the y axis up to `max_count`: `0`, `1`, `10`, ...
fn count_labels(max_count: usize) -> Vec<String> {
    let mut out = vec!["0".to_string()];
    // The plot reaches 1.25 times log10(2 + max_count) (see `plot`).
    let top = (2.0 + max_count as f64).powf(1.25);
    let mut c: u64 = 1;
    while (1 + c) as f64 <= top && c < 1_000_000_000_000 {
        out.push(c.to_string());
        c *= 10;
    }
    out
}

/// egui_plot's gap between an axis title and the tick labels, in lines.
const AXIS_LABEL_GAP: f32 = 0.25;

/// `1 trace`, `280 traces`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
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
        assert!(bins(&[], 10).is_empty());
    }

    #[test]
    fn one_duration_is_one_bar_of_a_ninth_centred_on_it() {
        let d = [2_596_640_423u64; 3];
        let b = bins(&d, BINS);
        assert_eq!(b.len(), LONE_BINS);
        assert_eq!(b[4].traces, vec![0, 1, 2]);
        assert_eq!(b.iter().map(|b| b.traces.len()).sum::<usize>(), 3);
        let centre = (b[4].x_lo + b[4].x_hi) / 2.0;
        assert!((centre - (2_596_640_423f64).log10()).abs() < 1e-9);
        assert!((b[8].x_hi - b[0].x_lo - MIN_SPAN_DECADES).abs() < 1e-9);
    }

    #[test]
    fn close_durations_spread_over_the_narrowest_span() {
        // 10.0 ms and 10.3 ms: 0.013 decades apart, binned over 0.2.
        let b = bins(&[10_000_000, 10_300_000], BINS);
        assert_eq!(b.len(), BINS);
        assert!((b[BINS - 1].x_hi - b[0].x_lo - MIN_SPAN_DECADES).abs() < 1e-9);
        let used: Vec<usize> = (0..BINS).filter(|&k| !b[k].traces.is_empty()).collect();
        assert_eq!(used, vec![18, 21]);
    }

    #[test]
    fn a_count_label_too_close_to_the_one_below_is_left_out() {
        // egui_plot draws a label only where its mark's step, in points, is
        // wider than the label: each step is the gap to the mark below.
        let marks = count_marks(GridInput { bounds: (0.0, 5.0), base_step_size: 0.01 });
        let values: Vec<f64> = marks.iter().map(|m| 10f64.powf(m.value) - 1.0).collect();
        assert_eq!(values.iter().map(|v| v.round() as u64).collect::<Vec<_>>(), [0, 1, 10, 100, 1000, 10000]);
        assert_eq!(marks[0].step_size, 1.0, "0 always shows");
        assert!((marks[1].step_size - 2f64.log10()).abs() < 1e-12, "1 is 0.3 decades above 0");
        // At 30 points a decade, "1" is 9 points above "0": too close for a 13-point label.
        assert!(marks[1].step_size * 30.0 < 13.0);
        assert!((marks[2].step_size - (11f64.log10() - 2f64.log10())).abs() < 1e-12);
        assert_eq!(count_labels(100), ["0", "1", "10", "100"]);
    }

    #[test]
    fn narrow_axes_get_round_duration_marks() {
        // 2.07 s to 3.26 s (the lone bar of a 2.6 s trace).
        let c = (2.6e9f64).log10();
        let marks = duration_marks(GridInput { bounds: (c - 0.1, c + 0.1), base_step_size: 0.001 });
        let ns: Vec<String> = marks.iter().map(|m| format_duration_ns(10f64.powf(m.value))).collect();
        assert_eq!(ns, ["2.20 s", "2.40 s", "2.60 s", "2.80 s", "3.00 s", "3.20 s"]);
        let wide = duration_marks(GridInput { bounds: (6.0, 9.6), base_step_size: 0.01 });
        let ns: Vec<String> = wide.iter().map(|m| format_duration_ns(10f64.powf(m.value))).collect();
        assert_eq!(ns, ["1.00 ms", "10.0 ms", "100.0 ms", "1.00 s"]);
    }
}
