//! The span waterfall of one trace: spans as bars on a time axis, nested
//! under their parents, coloured by service, with the critical path drawn
//! as a strip in its own lane under the bars it runs through (never across
//! their duration labels).
//!
//! Interaction (all on one custom-painted canvas, never a widget per span):
//! the wheel over the bars zooms the time axis around the pointer, the wheel
//! over the names scrolls the rows, a drag pans time and rows, a click on a
//! triangle collapses or expands a subtree, a click elsewhere selects a span,
//! a double click fits the span to the view, Esc fits the whole trace.
//! Hover shows the span's attributes, events and status.
//!
//! Layout is [`rows`] (pure) and [`time_window`] (pure); hit testing is one
//! division (rows have a fixed height); [`paint`] draws one `Mesh` for the
//! rows on screen only, so a 50 000-span trace costs what 50 rows cost.
//! Imports `model`, `analysis` and egui; never `load`.

pub mod paint;
pub mod rows;
pub mod time_window;
pub mod tooltip;

use std::collections::HashSet;

use egui::{Color32, Pos2, Rect, Role, Sense, Stroke, Ui, Vec2, WidgetInfo};

use crate::analysis::traces::CriticalSection;
use crate::model::trace::{Trace, TraceSet};
use crate::model::units::format_duration_ns;
use crate::ui::trace_colors::{ERROR, ServiceColors};
use paint::{INDENT, PaintCtx, ROW_HEIGHT, RULER_HEIGHT};
use time_window::TimeWindow;

const SCROLLBAR_WIDTH: f32 = 10.0;

/// State of the waterfall of one open trace.
#[derive(Debug, Default)]
pub struct Waterfall {
    trace: Option<usize>,
    collapsed: HashSet<u32>,
    rows: Vec<u32>,
    window: Option<TimeWindow>,
    scroll_y: f32,
    selected: Option<u32>,
    self_ns: Vec<u64>,
    /// Critical-path sections sorted by span, then start (for painting).
    critical_by_span: Vec<CriticalSection>,
    /// Whether the critical path is drawn. Default: on.
    hide_critical: bool,
    scroll_to: Option<u32>,
    last_layout: Option<CanvasLayout>,
    /// Where the visible rows were painted last frame.
    painted: Vec<paint::PaintedRow>,
    /// Start, duration and error count of the open trace (cached: each is a
    /// pass over every span).
    t0_ns: u64,
    duration_ns: u64,
    errors: usize,
    /// Per span of the open trace, its CPU time beside its wall time from a
    /// linked profile (the hover card's last line); empty when none is linked.
    cpu_lines: Vec<String>,
}

/// Where the canvas was drawn last frame (for tests and the app's tooltips).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CanvasLayout {
    /// The label column (names and collapse triangles), rows only.
    pub labels: Rect,
    /// The bar area (time axis), rows only.
    pub bars: Rect,
    /// Vertical scroll offset, points.
    pub scroll_y: f32,
}

impl CanvasLayout {
    /// Screen y of the middle of row `row`.
    pub fn row_mid_y(&self, row: usize) -> f32 {
        self.labels.top() + row as f32 * ROW_HEIGHT - self.scroll_y + ROW_HEIGHT / 2.0
    }

    /// Screen x of the collapse triangle of a span at `depth`.
    pub fn triangle_x(&self, depth: u32) -> f32 {
        self.labels.left() + 4.0 + depth.min(40) as f32 * INDENT + 5.0
    }
}

impl Waterfall {
    /// Index of the trace shown, if any.
    pub fn trace(&self) -> Option<usize> {
        self.trace
    }

    /// The selected span (index in the trace's spans), if any.
    pub fn selected(&self) -> Option<u32> {
        self.selected
    }

    /// The visible rows, span indices top to bottom.
    pub fn rows(&self) -> &[u32] {
        &self.rows
    }

    /// Self time of each span of the open trace, ns.
    pub fn self_times_ns(&self) -> &[u64] {
        &self.self_ns
    }

    /// The visible time window, ns since the trace's start (`None` before
    /// the first frame).
    pub fn window(&self) -> Option<TimeWindow> {
        self.window
    }

    /// Where the canvas was drawn last frame.
    pub fn layout(&self) -> Option<CanvasLayout> {
        self.last_layout
    }

    /// Where each visible row's bar, critical-path strips and duration
    /// label were painted last frame (screen points, top row first).
    pub fn painted_rows(&self) -> &[paint::PaintedRow] {
        &self.painted
    }

    /// Shows trace `index` of `set`: everything expanded, the whole trace in
    /// view, nothing selected. An index out of range shows nothing.
    pub fn open(&mut self, set: &TraceSet, index: usize, critical: &[CriticalSection]) {
        let Some(trace) = set.traces.get(index) else {
            *self = Self::default();
            return;
        };
        self.trace = Some(index);
        self.collapsed.clear();
        self.rows = rows::visible_rows(trace, &self.collapsed);
        self.window = Some(TimeWindow::full(trace.duration_ns() as f64));
        self.scroll_y = 0.0;
        self.selected = None;
        self.scroll_to = None;
        self.self_ns = trace.self_times_ns();
        self.t0_ns = trace.start_ns();
        self.duration_ns = trace.duration_ns();
        self.errors = trace.error_count();
        self.critical_by_span = by_span(critical);
    }

    /// Sets each span's CPU line for the hover card (indexed like the open
    /// trace's spans; empty: no linked profile).
    pub fn set_cpu_lines(&mut self, lines: Vec<String>) {
        self.cpu_lines = lines;
    }

    /// Selects span `span`, expands its ancestors and scrolls it into view.
    pub fn select(&mut self, set: &TraceSet, span: u32) {
        let Some(trace) = self.trace.and_then(|t| set.traces.get(t)) else { return };
        if span as usize >= trace.spans.len() {
            return;
        }
        rows::expand_to(trace, &mut self.collapsed, span);
        self.rows = rows::visible_rows(trace, &self.collapsed);
        self.selected = Some(span);
        self.scroll_to = Some(span);
    }

    /// Fits span `span` to the time axis (5 % margin each side).
    pub fn fit_span(&mut self, trace: &Trace, span: u32) {
        let Some(s) = trace.spans.get(span as usize) else { return };
        let t0 = trace.start_ns();
        let d = trace.duration_ns() as f64;
        self.window =
            Some(TimeWindow::fit(s.start_ns.saturating_sub(t0) as f64, s.end_ns.saturating_sub(t0) as f64, d));
    }

    /// Collapses span `span`'s subtree, or expands it when collapsed.
    pub fn toggle(&mut self, trace: &Trace, span: u32) {
        if !self.collapsed.remove(&span) && rows::has_children(trace, span as usize) {
            self.collapsed.insert(span);
        }
        self.rows = rows::visible_rows(trace, &self.collapsed);
    }

    /// Shows the toolbar and the canvas. Returns the span newly selected by
    /// a click, if any.
    pub fn ui(&mut self, ui: &mut Ui, set: &TraceSet, colors: &ServiceColors) -> Option<u32> {
        let Some(trace) = self.trace.and_then(|t| set.traces.get(t)) else {
            ui.label("No trace open: pick one in the list or click a bar of the histogram.");
            return None;
        };
        self.toolbar(ui, trace);
        self.canvas(ui, trace, colors)
    }

    fn toolbar(&mut self, ui: &mut Ui, trace: &Trace) {
        ui.horizontal_wrapped(|ui| {
            if let Some(root) = trace.root() {
                ui.strong(format!("{}: {}", root.service, root.name));
            }
            ui.label(format!(
                "{} · {} · trace {}",
                format_duration_ns(self.duration_ns as f64),
                crate::ui::latency_histogram::plural(trace.spans.len(), "span"),
                trace.id
            ));
            let errors = self.errors;
            if errors > 0 {
                ui.colored_label(ERROR, crate::ui::latency_histogram::plural(errors, "error"));
            }
            ui.separator();
            if ui.button("Fit trace").on_hover_text("Show the whole trace (Esc)").clicked() {
                self.window = Some(TimeWindow::full(self.duration_ns as f64));
            }
            if ui.button("Expand all").clicked() {
                self.collapsed.clear();
                self.rows = rows::visible_rows(trace, &self.collapsed);
            }
            if ui.button("Collapse to 2 levels").clicked() {
                self.collapsed = rows::collapse_at_depth(trace, 1);
                self.rows = rows::visible_rows(trace, &self.collapsed);
            }
            let mut show = !self.hide_critical;
            if ui
                .checkbox(&mut show, "Critical path")
                .on_hover_text("The line under the bars: the spans the request waited on")
                .changed()
            {
                self.hide_critical = !show;
            }
        });
    }

    fn canvas(&mut self, ui: &mut Ui, trace: &Trace, colors: &ServiceColors) -> Option<u32> {
        let full = ui.available_rect_before_wrap();
        let full = Rect::from_min_size(full.min, Vec2::new(full.width(), full.height().max(120.0)));
        ui.allocate_rect(full, Sense::hover());
        let label_w = (full.width() * 0.32).clamp(160.0, 440.0);
        let body_top = full.top() + RULER_HEIGHT;
        let labels = Rect::from_x_y_ranges(full.left()..=full.left() + label_w, body_top..=full.bottom());
        let bars = Rect::from_x_y_ranges(
            labels.right() + 8.0..=full.right() - SCROLLBAR_WIDTH - 8.0,
            body_top..=full.bottom(),
        );
        let track = Rect::from_x_y_ranges(full.right() - SCROLLBAR_WIDTH..=full.right(), body_top..=full.bottom());
        let body = labels.union(bars);
        let duration = self.duration_ns as f64;
        let mut window = self.window.unwrap_or_else(|| TimeWindow::full(duration));

        let id = ui.scope_id().with("waterfall");
        let response = ui.interact(
            body.union(Rect::from_x_y_ranges(bars.x_range(), full.top()..=body_top)),
            id,
            Sense::click_and_drag(),
        );
        response.widget_info(|| WidgetInfo::labeled(Role::Canvas, true, "Span waterfall"));
        let bar_response = ui.interact(track, id.with("scrollbar"), Sense::drag());
        bar_response.widget_info(|| WidgetInfo::labeled(Role::ScrollBar, true, "Waterfall scroll bar"));

        let content_h = self.rows.len() as f32 * ROW_HEIGHT;
        let max_scroll = (content_h - body.height()).max(0.0);
        if let Some(span) = self.scroll_to.take()
            && let Some(row) = rows::row_of(&self.rows, span)
        {
            let y = row as f32 * ROW_HEIGHT;
            if y < self.scroll_y || y + ROW_HEIGHT > self.scroll_y + body.height() {
                self.scroll_y = y - body.height() / 2.0;
            }
        }

        // Wheel: zoom over the bars, scroll over the names.
        let pointer = ui.input(|i| i.pointer.hover_pos());
        if response.hovered()
            && let Some(p) = pointer
        {
            let (scroll, zoom) = ui.input(|i| (i.smooth_scroll_delta, i.zoom_delta()));
            if bars.x_range().contains(p.x) {
                let at = window.from_px(p.x - bars.left(), bars.width());
                if scroll.y != 0.0 {
                    window = window.zoom_around(f64::from((scroll.y / 200.0).exp()), at, duration);
                }
                if zoom != 1.0 {
                    window = window.zoom_around(f64::from(zoom), at, duration);
                }
                if scroll.x != 0.0 {
                    window = window.pan(-f64::from(scroll.x) / f64::from(bars.width()) * window.width_ns(), duration);
                }
            } else {
                self.scroll_y -= scroll.y;
            }
            if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                window = TimeWindow::full(duration);
            }
        }
        if response.dragged() {
            let d = response.drag_delta();
            window = window.pan(-f64::from(d.x) / f64::from(bars.width()) * window.width_ns(), duration);
            self.scroll_y -= d.y;
        }
        if bar_response.dragged() && content_h > 0.0 {
            self.scroll_y += bar_response.drag_delta().y * content_h / body.height().max(1.0);
        }
        self.scroll_y = self.scroll_y.clamp(0.0, max_scroll);

        // Hit test: rows have a fixed height, so it is one division.
        let (scroll_y, rows_now) = (self.scroll_y, &self.rows);
        let hit = |p: Pos2| -> Option<u32> {
            if !body.contains(p) {
                return None;
            }
            let row = ((p.y - body.top() + scroll_y) / ROW_HEIGHT).floor();
            (row >= 0.0).then(|| rows_now.get(row as usize).copied()).flatten()
        };
        let hovered = pointer.and_then(hit).filter(|_| response.hovered());
        let press = response.interact_pointer_pos();
        let clicked = press.filter(|_| response.clicked()).and_then(|p| hit(p).map(|s| (p, s)));
        let double = press.filter(|_| response.double_clicked()).and_then(hit);
        let mut newly_selected = None;
        if let Some((p, span)) = clicked {
            let s = &trace.spans[span as usize];
            let tri_x = labels.left() + 4.0 + s.depth.min(40) as f32 * INDENT;
            if labels.contains(p) && p.x <= tri_x + 16.0 && rows::has_children(trace, span as usize) {
                self.toggle(trace, span);
            } else {
                self.selected = Some(span);
                newly_selected = Some(span);
            }
        }
        if let Some(span) = double {
            let s = &trace.spans[span as usize];
            let t0 = self.t0_ns;
            window =
                TimeWindow::fit(s.start_ns.saturating_sub(t0) as f64, s.end_ns.saturating_sub(t0) as f64, duration);
        }
        self.window = Some(window);
        self.last_layout = Some(CanvasLayout { labels, bars, scroll_y: self.scroll_y });

        let dark = ui.visuals().dark_mode;
        let painter = ui.painter_at(full);
        paint::paint_label_header(
            &painter,
            Rect::from_x_y_ranges(labels.x_range(), full.top()..=body_top),
            dark,
            "Service and span",
        );
        paint::paint_ruler(
            &painter,
            Rect::from_x_y_ranges(bars.left()..=bars.right(), full.top()..=body_top),
            window,
            dark,
        );
        let first_row = (self.scroll_y / ROW_HEIGHT).floor() as usize;
        let visible = (body.height() / ROW_HEIGHT).ceil() as usize + 1;
        let last_row = (first_row + visible).min(self.rows.len());
        let collapsed = &self.collapsed;
        let is_collapsed = |s: u32| collapsed.contains(&s);
        let cx = PaintCtx {
            trace,
            t0_ns: self.t0_ns,
            rows: &self.rows,
            first_row: first_row.min(last_row),
            last_row,
            top_y: body.top() - (self.scroll_y - first_row as f32 * ROW_HEIGHT),
            labels,
            bars,
            window,
            critical: if self.hide_critical { &[] } else { &self.critical_by_span[..] },
            is_collapsed: &is_collapsed,
            selected: self.selected,
            hovered,
            dark,
            colors,
        };
        self.painted = paint::paint_rows(&painter.with_clip_rect(body.intersect(ui.clip_rect())), &cx);
        let sep = if dark { Color32::from_gray(70) } else { Color32::from_gray(200) };
        painter.vline(labels.right() + 4.0, full.y_range(), Stroke::new(1.0, sep));
        paint_scrollbar(&painter, track, self.scroll_y, content_h, body.height(), dark);

        if let Some(span) = hovered
            && !response.dragged()
        {
            let own = self.self_ns.get(span as usize).copied().unwrap_or(0);
            let cpu = self.cpu_lines.get(span as usize);
            response.on_hover_ui_at_pointer(|ui| {
                tooltip::span_card(ui, trace, span as usize, own);
                if let Some(line) = cpu {
                    ui.separator();
                    ui.label(line);
                }
            });
        }
        newly_selected
    }
}

fn paint_scrollbar(painter: &egui::Painter, track: Rect, scroll_y: f32, content_h: f32, view_h: f32, dark: bool) {
    if content_h <= view_h || content_h <= 0.0 {
        return;
    }
    let bg = if dark { Color32::from_gray(40) } else { Color32::from_gray(235) };
    let fg = if dark { Color32::from_gray(110) } else { Color32::from_gray(160) };
    painter.rect_filled(track, 3.0, bg);
    let h = (view_h / content_h * track.height()).max(16.0);
    let top = track.top() + scroll_y / content_h * track.height();
    painter.rect_filled(Rect::from_x_y_ranges(track.x_range(), top..=(top + h).min(track.bottom())), 3.0, fg);
}

/// `critical` ordered by (span, start): a counting sort by span (a pass, where
/// a comparison sort of a million sections was a sixth of opening the
/// trace), each span's sections then put in start order (the path gives
/// them so already; checked, sorted when not).
fn by_span(critical: &[CriticalSection]) -> Vec<CriticalSection> {
    let Some(&first) = critical.first() else { return Vec::new() };
    let n = critical.iter().map(|c| c.span + 1).max().unwrap_or(0);
    let mut start = vec![0usize; n + 1];
    for c in critical {
        start[c.span + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut fill = start.clone();
    let mut out = vec![first; critical.len()];
    for c in critical {
        out[fill[c.span]] = *c;
        fill[c.span] += 1;
    }
    for w in start.windows(2) {
        let group = &mut out[w[0]..w[1]];
        if !group.is_sorted_by_key(|c| c.start_ns) {
            group.sort_unstable_by_key(|c| c.start_ns);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_span_orders_sections_as_a_sort_by_span_and_start() {
        // Sections of spans 0..7 out of order, some spans twice, one group
        // not in start order.
        let spans = [3usize, 1, 3, 0, 6, 1, 1, 4, 3, 0];
        let starts = [50u64, 10, 20, 5, 70, 40, 30, 60, 90, 1];
        let critical: Vec<CriticalSection> = spans
            .iter()
            .zip(starts)
            .map(|(&span, start_ns)| CriticalSection { span, start_ns, end_ns: start_ns + 1 })
            .collect();
        let mut want = critical.clone();
        want.sort_by_key(|c| (c.span, c.start_ns));
        assert_eq!(by_span(&critical), want);
        assert!(by_span(&[]).is_empty());
    }
}
