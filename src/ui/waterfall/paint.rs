//! Painting the waterfall: one `Mesh` for every bar, grid line, critical-path
//! strip and error mark of the visible rows, then text only for the visible
//! rows. Each row has a bar lane and, under it, a lane of its own for the
//! critical-path strip, so the strip never crosses a duration label. Culls rows above and below the view and bars outside the time
//! window; a bar narrower than a pixel is drawn one pixel wide so that short
//! spans stay visible. No interaction here (see `mod.rs`).

use egui::epaint::{Mesh, Shape};
use egui::text::LayoutJob;
use std::sync::Arc;

use egui::{Align2, Color32, FontId, Galley, Painter, Pos2, Rect, Stroke, TextFormat, Vec2};

use super::time_window::{TimeWindow, tick_step_ns};
use crate::analysis::traces::CriticalSection;
use crate::model::trace::Trace;
use crate::model::units::format_duration_ns;
use crate::ui::trace_colors::{ERROR, ServiceColors};

/// Height of one row, points.
pub const ROW_HEIGHT: f32 = 22.0;
/// Height of the time ruler above the rows, points.
pub const RULER_HEIGHT: f32 = 22.0;
/// Indent per tree level in the label column, points.
pub const INDENT: f32 = 12.0;

/// What one paint pass needs to know.
pub struct PaintCtx<'a> {
    /// The trace.
    pub trace: &'a Trace,
    /// The trace's start, ns since the epoch.
    pub t0_ns: u64,
    /// Visible rows (span indices), top to bottom.
    pub rows: &'a [u32],
    /// First visible row and one past the last.
    pub first_row: usize,
    /// One past the last row to paint.
    pub last_row: usize,
    /// Top of `first_row` on screen.
    pub top_y: f32,
    /// The label column.
    pub labels: Rect,
    /// The bar area (time axis).
    pub bars: Rect,
    /// The visible time window.
    pub window: TimeWindow,
    /// Critical-path sections, sorted by span then start (see `mod.rs`).
    pub critical: &'a [CriticalSection],
    /// Span indices that are collapsed.
    pub is_collapsed: &'a dyn Fn(u32) -> bool,
    /// The selected span.
    pub selected: Option<u32>,
    /// The hovered span.
    pub hovered: Option<u32>,
    /// Dark theme.
    pub dark: bool,
    /// Colours by service.
    pub colors: &'a ServiceColors,
}

/// Top of a bar below its row's top, points.
const BAR_TOP: f32 = 3.0;
/// Height of a bar, points.
const BAR_HEIGHT: f32 = 14.0;
/// Top of the critical-path lane below its row's top: a strip of its own
/// under the bar, so it never crosses the bar's text.
const CRITICAL_TOP: f32 = BAR_TOP + BAR_HEIGHT + 1.5;
/// Height of the critical-path strip, points.
const CRITICAL_HEIGHT: f32 = 2.5;

/// Where the duration label of a bar sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelPlace {
    /// Right of the bar, on the row background.
    Right,
    /// Inside the bar's right end, dark text on the (light) service colour.
    Inside,
    /// Left of the bar, on the row background.
    Left,
}

/// Where one visible row's parts were painted last frame, in screen points
/// (what tests check: the duration label never meets a critical strip).
#[derive(Clone, Debug, PartialEq)]
pub struct PaintedRow {
    /// The span (index in the trace's spans).
    pub span: u32,
    /// The bar, `None` when it is outside the time window.
    pub bar: Option<Rect>,
    /// The critical-path strips drawn for this span.
    pub critical: Vec<Rect>,
    /// The duration label and where it sits, when the bar is drawn.
    pub duration: Option<(Rect, LabelPlace)>,
}

fn add_rect(mesh: &mut Mesh, rect: Rect, color: Color32) {
    if rect.width() > 0.0 && rect.height() > 0.0 {
        mesh.add_colored_rect(rect, color);
    }
}

/// Paints the visible rows into `painter`; returns where each row's bar,
/// critical strips and duration label went.
pub fn paint_rows(painter: &Painter, cx: &PaintCtx<'_>) -> Vec<PaintedRow> {
    let w = cx.bars.width();
    let mut mesh = Mesh::default();
    let grid = if cx.dark { Color32::from_gray(50) } else { Color32::from_gray(228) };
    let zebra = if cx.dark { Color32::from_gray(32) } else { Color32::from_gray(246) };
    let highlight = if cx.dark { Color32::from_rgb(40, 60, 90) } else { Color32::from_rgb(214, 230, 250) };
    let hover = if cx.dark { Color32::from_gray(45) } else { Color32::from_gray(236) };
    let full_width = cx.labels.left()..=cx.bars.right();
    // Zebra, selection and hover backgrounds.
    for (k, row) in (cx.first_row..cx.last_row).enumerate() {
        let y = cx.top_y + k as f32 * ROW_HEIGHT;
        let span = cx.rows[row];
        let r = Rect::from_x_y_ranges(full_width.clone(), y..=y + ROW_HEIGHT);
        let bg = if Some(span) == cx.selected {
            Some(highlight)
        } else if Some(span) == cx.hovered {
            Some(hover)
        } else {
            (row % 2 == 1).then_some(zebra)
        };
        if let Some(bg) = bg {
            add_rect(&mut mesh, r, bg);
        }
    }
    // Vertical grid lines at the ruler's ticks.
    let step = tick_step_ns(cx.window.width_ns(), w, 90.0);
    let mut t = (cx.window.start_ns / step).ceil() * step;
    while t <= cx.window.end_ns {
        let x = cx.bars.left() + cx.window.to_px(t, w);
        add_rect(&mut mesh, Rect::from_x_y_ranges(x..=x + 1.0, cx.bars.top()..=cx.bars.bottom()), grid);
        t += step;
    }
    let small = FontId::proportional(11.5);
    let mut painted = Vec::with_capacity(cx.last_row.saturating_sub(cx.first_row));
    let mut durations = Vec::with_capacity(painted.capacity());
    for (k, row) in (cx.first_row..cx.last_row).enumerate() {
        let y = cx.top_y + k as f32 * ROW_HEIGHT;
        let i = cx.rows[row] as usize;
        let dur = format_duration_ns(cx.trace.spans[i].duration_ns() as f64);
        let galley = painter.layout_no_wrap(dur, small.clone(), Color32::PLACEHOLDER);
        let row = paint_bar(&mut mesh, cx, i, y, galley.size());
        durations.push(galley);
        painted.push(row);
    }
    painter.add(Shape::mesh(mesh));
    paint_text(painter, cx, &painted, durations);
    painted
}

fn bar_x(cx: &PaintCtx<'_>, a_ns: u64, b_ns: u64) -> Option<(f32, f32)> {
    let w = cx.bars.width();
    let a = cx.window.to_px(a_ns.saturating_sub(cx.t0_ns) as f64, w);
    let b = cx.window.to_px(b_ns.saturating_sub(cx.t0_ns) as f64, w);
    if b < 0.0 || a > w {
        return None; // Culled: outside the time window.
    }
    let a = a.max(-2.0);
    let b = b.min(w + 2.0).max(a + 1.0);
    Some((cx.bars.left() + a, cx.bars.left() + b))
}

/// Where the duration label of size `size` goes for a bar `bar` in a bar
/// area `bars`: right of the bar when it fits before the area's edge, else
/// inside the bar when the bar is wide enough, else left of the bar. The
/// label is centred on the bar vertically. Pure.
pub fn place_duration(bar: Rect, size: Vec2, bars: Rect) -> (Rect, LabelPlace) {
    let y = bar.center().y - size.y / 2.0;
    let (x, place) = if bars.right() - bar.right() > size.x + 8.0 {
        (bar.right() + 4.0, LabelPlace::Right)
    } else if bar.width() > size.x + 8.0 {
        (bar.right().min(bars.right()) - size.x - 4.0, LabelPlace::Inside)
    } else {
        (bar.left() - size.x - 4.0, LabelPlace::Left)
    };
    (Rect::from_min_size(Pos2::new(x, y), size), place)
}

/// Adds span `i`'s swatch, bar, error outline and critical strips to the
/// mesh; returns where they went and where its duration label goes.
fn paint_bar(mesh: &mut Mesh, cx: &PaintCtx<'_>, i: usize, y: f32, label: Vec2) -> PaintedRow {
    let s = &cx.trace.spans[i];
    let mut row = PaintedRow { span: i as u32, bar: None, critical: Vec::new(), duration: None };
    let bar_y = y + BAR_TOP..=y + BAR_TOP + BAR_HEIGHT;
    // Service swatch in the label column.
    let sx = cx.labels.left() + 4.0 + s.depth.min(40) as f32 * INDENT + 14.0;
    let swatch = Rect::from_x_y_ranges(sx..=sx + 4.0, bar_y.clone());
    add_rect(mesh, swatch, cx.colors.get(&s.service));
    let Some((a, b)) = bar_x(cx, s.start_ns, s.end_ns) else { return row };
    let rect = Rect::from_x_y_ranges(a..=b, bar_y);
    let fill = cx.colors.get(&s.service);
    if s.is_error() {
        add_rect(mesh, rect.expand(2.0), ERROR);
    }
    add_rect(mesh, rect, fill);
    row.bar = Some(rect);
    row.duration = Some(place_duration(rect, label, cx.bars));
    // Critical path: a strip in its own lane under the bar, over the
    // stretches where this span itself was what the request waited for.
    let strip = if cx.dark { Color32::from_gray(235) } else { Color32::from_gray(20) };
    let lo = cx.critical.partition_point(|c| c.span < i);
    for c in cx.critical[lo..].iter().take_while(|c| c.span == i) {
        if let Some((ca, cb)) = bar_x(cx, c.start_ns, c.end_ns) {
            let r = Rect::from_x_y_ranges(ca..=cb, y + CRITICAL_TOP..=y + CRITICAL_TOP + CRITICAL_HEIGHT);
            add_rect(mesh, r, strip);
            row.critical.push(r);
        }
    }
    row
}

fn paint_text(painter: &Painter, cx: &PaintCtx<'_>, painted: &[PaintedRow], durations: Vec<Arc<Galley>>) {
    let font = FontId::proportional(13.0);
    let small = FontId::proportional(11.5);
    let text = if cx.dark { Color32::from_gray(225) } else { Color32::from_gray(25) };
    let weak = if cx.dark { Color32::from_gray(150) } else { Color32::from_gray(105) };
    let label_painter = painter.with_clip_rect(cx.labels.intersect(painter.clip_rect()));
    let bar_painter = painter.with_clip_rect(cx.bars.intersect(painter.clip_rect()));
    for ((k, row), dur) in painted.iter().enumerate().zip(durations) {
        let i = row.span as usize;
        let s = &cx.trace.spans[i];
        let y = cx.top_y + k as f32 * ROW_HEIGHT;
        let mid = y + BAR_TOP + BAR_HEIGHT / 2.0;
        let x = cx.labels.left() + 4.0 + s.depth.min(40) as f32 * INDENT;
        if s.subtree_end as usize > i + 1 {
            let c = Pos2::new(x + 5.0, mid);
            let tri = if (cx.is_collapsed)(i as u32) {
                vec![c + Vec2::new(-3.0, -4.5), c + Vec2::new(4.0, 0.0), c + Vec2::new(-3.0, 4.5)]
            } else {
                vec![c + Vec2::new(-4.5, -3.0), c + Vec2::new(4.5, -3.0), c + Vec2::new(0.0, 4.0)]
            };
            label_painter.add(Shape::convex_polygon(tri, weak, Stroke::NONE));
        }
        let mut job = LayoutJob::default();
        let name_color = if s.is_error() { ERROR } else { text };
        job.append(&s.service, 0.0, TextFormat::simple(small.clone(), weak));
        job.append(&s.name, 6.0, TextFormat::simple(font.clone(), name_color));
        if (cx.is_collapsed)(i as u32) {
            let hidden = s.subtree_end as usize - i - 1;
            job.append(&format!("+{hidden}"), 6.0, TextFormat::simple(small.clone(), weak));
        }
        if let Some(flag) = span_flag(s) {
            let color = if s.ends_after_parent && !s.parent_missing { weak } else { Color32::from_rgb(200, 130, 0) };
            job.append(flag, 6.0, TextFormat::simple(small.clone(), color));
        }
        job.wrap.max_rows = 1;
        job.wrap.max_width = (cx.labels.right() - x - 24.0).max(10.0);
        job.wrap.break_anywhere = true;
        let galley = painter.layout_job(job);
        label_painter.galley(Pos2::new(x + 22.0, mid - galley.size().y / 2.0), galley, text);
        // The duration on the time axis: dark on the light service colours
        // inside a bar, the theme's text colour beside it.
        let Some((rect, place)) = row.duration else { continue };
        let color = if place == LabelPlace::Inside { Color32::from_gray(20) } else { text };
        bar_painter.galley(rect.min, dur, color);
    }
}

/// The word after a span's name in the label column: what is odd about
/// its place in the tree, or that it ran on after its parent ended
/// (asynchronous work, which is normal); `None` for most spans.
pub fn span_flag(s: &crate::model::trace::Span) -> Option<&'static str> {
    if s.parent_loop {
        Some("parent loop")
    } else if s.parent_missing {
        Some("parent missing")
    } else if s.clock_skew {
        Some("clock skew")
    } else if s.ends_after_parent {
        Some("async: ends after parent")
    } else {
        None
    }
}

/// Paints the time ruler (tick labels in people units) into `rect`.
pub fn paint_ruler(painter: &Painter, rect: Rect, window: TimeWindow, dark: bool) {
    let bg = if dark { Color32::from_gray(35) } else { Color32::from_gray(240) };
    painter.rect_filled(rect, 0.0, bg);
    let text = if dark { Color32::from_gray(200) } else { Color32::from_gray(60) };
    let step = tick_step_ns(window.width_ns(), rect.width(), 90.0);
    let mut t = (window.start_ns / step).ceil() * step;
    let clip = painter.with_clip_rect(rect.intersect(painter.clip_rect()));
    while t <= window.end_ns {
        let x = rect.left() + window.to_px(t, rect.width());
        clip.line_segment([Pos2::new(x, rect.bottom() - 6.0), Pos2::new(x, rect.bottom())], Stroke::new(1.0, text));
        // Right of its tick, or left of it when it would run past the edge.
        let galley = painter.layout_no_wrap(format_duration_ns(t), FontId::proportional(11.5), text);
        let y = rect.center().y - 2.0 - galley.size().y / 2.0;
        let left = if x + 3.0 + galley.size().x <= rect.right() { x + 3.0 } else { x - 3.0 - galley.size().x };
        clip.galley(Pos2::new(left, y), galley, text);
        t += step;
    }
}

/// Paints the label column's header ("Service and span") into `rect`.
pub fn paint_label_header(painter: &Painter, rect: Rect, dark: bool, title: &str) {
    let bg = if dark { Color32::from_gray(35) } else { Color32::from_gray(240) };
    painter.rect_filled(rect, 0.0, bg);
    let text = if dark { Color32::from_gray(200) } else { Color32::from_gray(60) };
    painter.text(
        rect.left_center() + Vec2::new(6.0, -1.0),
        Align2::LEFT_CENTER,
        title,
        FontId::proportional(12.0),
        text,
    );
}
