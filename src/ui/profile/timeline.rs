//! The timeline above the flamegraph (files whose samples carry times):
//! one track per thread with its name and its sample density over time, a
//! drag across the tracks to keep only that time range, a click on a
//! thread's name to keep only its samples (Ctrl+click adds or removes
//! threads), double-click or "Whole profile" to clear. Every view (the
//! flamegraph, the tables, insights, the status bar) is rebuilt for the
//! selection through [`Command::SetTimeRange`] and [`Command::SetThreads`].
//!
//! Draws only: the density buckets come from
//! [`crate::analysis::timeline`], built on the worker with the views.

use egui::{Color32, CornerRadius, Pos2, Rect, Sense, Stroke, Ui, Vec2};

use crate::analysis::timeline::{Timeline, Track, range_text};
use crate::model::{SampleFilter, ThreadId, Weight};
use crate::ui::command::Command;

/// Height of one track, px.
pub const TRACK_HEIGHT: f32 = 18.0;
/// Width of the thread-name column, px.
pub const NAME_WIDTH: f32 = 190.0;
/// Width of one density column, px.
const COLUMN_PX: f32 = 3.0;
/// The tracks shown before the list scrolls.
const VISIBLE_TRACKS: usize = 6;

/// Widget state: a drag in progress, in screen x.
#[derive(Clone, Debug, Default)]
pub struct TimelineState {
    /// Where the drag started and where the pointer is now.
    pub drag: Option<(f32, f32)>,
    /// True while the views of a new selection are being built.
    pub pending: bool,
}

/// The screen x range of the plot column and the time span it shows.
#[derive(Clone, Copy, Debug)]
struct Axis {
    left: f32,
    width: f32,
    start_ns: u64,
    span_ns: u64,
}

impl Axis {
    fn time_at(&self, x: f32) -> u64 {
        let f = ((x - self.left) / self.width.max(1.0)).clamp(0.0, 1.0) as f64;
        self.start_ns + (f * self.span_ns as f64).round() as u64
    }

    fn x_of(&self, t: u64) -> f32 {
        let f = t.saturating_sub(self.start_ns) as f64 / self.span_ns.max(1) as f64;
        self.left + (f.clamp(0.0, 1.0) as f32) * self.width
    }
}

/// Shows the timeline of `timeline` with the selection of `filter`.
pub fn ui(ui: &mut Ui, state: &mut TimelineState, timeline: &Timeline, filter: &SampleFilter) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.horizontal(|ui| {
        ui.strong("Timeline");
        let range = filter.time_range_ns.map_or_else(
            || format!("whole profile, {:.3} s", timeline.span_ns() as f64 / 1e9),
            |r| range_text(timeline, r),
        );
        ui.label(range);
        if filter.time_range_ns.is_some() && ui.button("Whole profile").clicked() {
            commands.push(Command::SetTimeRange(None));
        }
        ui.separator();
        let shown = timeline.tracks.iter().filter(|t| t.thread.is_some()).count();
        if filter.threads.is_empty() {
            ui.label(crate::ui::latency_histogram::plural(shown, "thread"));
        } else {
            let of = crate::ui::latency_histogram::plural(shown, "thread");
            ui.label(format!("{} of {of}", filter.threads.len()));
            if ui.button("All threads").clicked() {
                commands.push(Command::SetThreads(Vec::new()));
            }
        }
        if state.pending {
            ui.spinner();
        }
        if timeline.untimed > 0 {
            ui.label(format!("({} samples without a time not shown)", timeline.untimed));
        }
    })
    .response
    .on_hover_text("Drag across the tracks to keep a time range; click a thread's name to keep its samples (Ctrl+click adds); double-click to see the whole profile");
    let rows = timeline.tracks.len().min(VISIBLE_TRACKS);
    let height = rows as f32 * TRACK_HEIGHT;
    egui::ScrollArea::vertical().id_salt("timeline_tracks").max_height(height).auto_shrink([false, true]).show(
        ui,
        |ui| {
            let width = ui.available_width();
            let axis = Axis {
                left: ui.min_rect().left() + NAME_WIDTH,
                width: (width - NAME_WIDTH).max(10.0),
                start_ns: timeline.start_ns,
                span_ns: timeline.span_ns(),
            };
            // Columns of a few pixels: single pixels of a 1 kHz profile read as noise.
            let columns = (axis.width / COLUMN_PX).round().max(1.0) as usize;
            let sums: Vec<Vec<Weight>> = timeline.tracks.iter().map(|t| column_sums(t, columns)).collect();
            let max = sums.iter().flatten().copied().max().unwrap_or(0).max(1);
            for (k, track) in timeline.tracks.iter().enumerate() {
                track_ui(ui, state, (k, track), &sums[k], max, axis, filter, &mut commands);
            }
        },
    );
    commands
}

/// Per pixel column, the summed weight of the buckets under it.
fn column_sums(track: &Track, columns: usize) -> Vec<Weight> {
    let n = track.buckets.len();
    let mut out = vec![0; columns];
    for (b, &w) in track.buckets.iter().enumerate() {
        let c = (b * columns / n.max(1)).min(columns - 1);
        out[c] += w.max(0);
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn track_ui(
    ui: &mut Ui,
    state: &mut TimelineState,
    (k, track): (usize, &Track),
    sums: &[Weight],
    max: Weight,
    axis: Axis,
    filter: &SampleFilter,
    commands: &mut Vec<Command>,
) {
    let (row, _) = ui.allocate_exact_size(Vec2::new(ui.available_width(), TRACK_HEIGHT), Sense::hover());
    let name_rect = Rect::from_min_max(row.min, Pos2::new(axis.left - 4.0, row.max.y));
    let plot =
        Rect::from_min_max(Pos2::new(axis.left, row.min.y + 1.0), Pos2::new(axis.left + axis.width, row.max.y - 1.0));
    let selected = track.thread.is_some_and(|t| filter.threads.contains(&t));
    let active = filter.threads.is_empty() || selected;
    // The thread's name: a click keeps only it, Ctrl+click adds or removes it.
    let button = egui::Button::selectable(selected, track.name.as_str()).truncate();
    let layout = egui::Layout::left_to_right(egui::Align::Center);
    let name = ui.scope_builder(egui::UiBuilder::new().max_rect(name_rect).layout(layout), |ui| ui.add(button)).inner;
    let name = name.on_hover_text(format!(
        "{}: {} samples, {} of the metric; click to keep only this thread, Ctrl+click to add or remove it",
        track.name, track.samples, track.weight
    ));
    if name.clicked()
        && let Some(t) = track.thread
    {
        let ctrl = ui.input(|i| i.modifiers.command);
        commands.push(Command::SetThreads(toggled(&filter.threads, t, ctrl)));
    }
    let resp = ui.interact(plot, ui.make_persistent_id(("timeline_track", k)), Sense::click_and_drag());
    let visuals = ui.visuals();
    let painter = ui.painter_at(plot);
    painter.rect_filled(plot, CornerRadius::ZERO, visuals.extreme_bg_color);
    let colour = if active { visuals.selection.bg_fill } else { visuals.weak_text_color().gamma_multiply(0.5) };
    for (c, &w) in sums.iter().enumerate() {
        if w <= 0 {
            continue;
        }
        let h = (w as f64 / max as f64) as f32 * plot.height();
        let x = plot.left() + c as f32 * COLUMN_PX;
        painter.rect_filled(
            Rect::from_min_max(Pos2::new(x, plot.bottom() - h.max(1.0)), Pos2::new(x + COLUMN_PX - 0.5, plot.bottom())),
            CornerRadius::ZERO,
            colour,
        );
    }
    // The committed range: dim what is outside it.
    if let Some((lo, hi)) = filter.time_range_ns {
        let shade = if visuals.dark_mode { Color32::from_black_alpha(190) } else { Color32::from_white_alpha(190) };
        let (a, b) = (axis.x_of(lo), axis.x_of(hi));
        painter.rect_filled(Rect::from_min_max(plot.min, Pos2::new(a, plot.max.y)), CornerRadius::ZERO, shade);
        painter.rect_filled(Rect::from_min_max(Pos2::new(b, plot.min.y), plot.max), CornerRadius::ZERO, shade);
        let edge = Stroke::new(1.5, visuals.selection.stroke.color);
        painter.vline(a, plot.y_range(), edge);
        painter.vline(b, plot.y_range(), edge);
    }
    if resp.drag_started()
        && let Some(p) = resp.interact_pointer_pos()
    {
        state.drag = Some((p.x, p.x));
    }
    if resp.dragged()
        && let (Some(p), Some((start, _))) = (resp.interact_pointer_pos(), state.drag)
    {
        state.drag = Some((start, p.x));
    }
    if let Some((a, b)) = state.drag {
        let r = Rect::from_x_y_ranges(a.min(b)..=a.max(b), plot.y_range());
        painter.rect(
            r,
            CornerRadius::ZERO,
            visuals.selection.bg_fill.gamma_multiply(0.3),
            Stroke::new(1.0, visuals.selection.stroke.color),
            egui::StrokeKind::Inside,
        );
    }
    if resp.drag_stopped()
        && let Some((a, b)) = state.drag.take()
        && (a - b).abs() >= 3.0
    {
        let (lo, hi) = (axis.time_at(a.min(b)), axis.time_at(a.max(b)));
        if hi > lo {
            commands.push(Command::SetTimeRange(Some((lo, hi))));
        }
    }
    if resp.double_clicked() {
        commands.push(Command::SetTimeRange(None));
    }
    if let Some(p) = resp.hover_pos() {
        let t = axis.time_at(p.x).saturating_sub(axis.start_ns);
        resp.on_hover_text_at_pointer(format!("{}: {:.3} s", track.name, t as f64 / 1e9));
    }
}

/// `threads` after a click on `t`: only `t`, or with `add` (Ctrl) `t`
/// added or removed. Clicking the only selected thread clears the selection.
pub fn toggled(threads: &[ThreadId], t: ThreadId, add: bool) -> Vec<ThreadId> {
    if add {
        let mut v: Vec<ThreadId> = threads.iter().copied().filter(|&x| x != t).collect();
        if !threads.contains(&t) {
            v.push(t);
            v.sort_unstable();
        }
        v
    } else if threads == [t] {
        Vec::new()
    } else {
        vec![t]
    }
}
