//! Painting the waterfall: one `Mesh` for every bar, grid line, critical-path
//! strip and error mark of the visible rows, then text only for the visible
//! rows. Culls rows above and below the view and bars outside the time
//! window; a bar narrower than a pixel is drawn one pixel wide so that short
//! spans stay visible. No interaction here (see `mod.rs`).

use egui::epaint::{Mesh, Shape};
use egui::text::LayoutJob;
use egui::{Align2, Color32, FontId, Painter, Pos2, Rect, Stroke, TextFormat, Vec2};

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

fn add_rect(mesh: &mut Mesh, rect: Rect, color: Color32) {
    if rect.width() > 0.0 && rect.height() > 0.0 {
        mesh.add_colored_rect(rect, color);
    }
}

/// Paints the visible rows into `painter`.
pub fn paint_rows(painter: &Painter, cx: &PaintCtx<'_>) {
    let t0 = cx.t0_ns;
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
    for (k, row) in (cx.first_row..cx.last_row).enumerate() {
        let y = cx.top_y + k as f32 * ROW_HEIGHT;
        paint_bar(&mut mesh, cx, cx.rows[row] as usize, y, t0);
    }
    painter.add(Shape::mesh(mesh));
    paint_text(painter, cx, t0);
}

fn bar_x(cx: &PaintCtx<'_>, a_ns: u64, b_ns: u64, t0: u64) -> Option<(f32, f32)> {
    let w = cx.bars.width();
    let a = cx.window.to_px(a_ns.saturating_sub(t0) as f64, w);
    let b = cx.window.to_px(b_ns.saturating_sub(t0) as f64, w);
    if b < 0.0 || a > w {
        return None; // Culled: outside the time window.
    }
    let a = a.max(-2.0);
    let b = b.min(w + 2.0).max(a + 1.0);
    Some((cx.bars.left() + a, cx.bars.left() + b))
}

fn paint_bar(mesh: &mut Mesh, cx: &PaintCtx<'_>, i: usize, y: f32, t0: u64) {
    let s = &cx.trace.spans[i];
    let bar_y = y + 4.0..=y + ROW_HEIGHT - 4.0;
    // Service swatch in the label column.
    let sx = cx.labels.left() + 4.0 + s.depth.min(40) as f32 * INDENT + 14.0;
    let swatch = Rect::from_x_y_ranges(sx..=sx + 4.0, y + 4.0..=y + ROW_HEIGHT - 4.0);
    add_rect(mesh, swatch, cx.colors.get(&s.service));
    let Some((a, b)) = bar_x(cx, s.start_ns, s.end_ns, t0) else { return };
    let rect = Rect::from_x_y_ranges(a..=b, bar_y.clone());
    let fill = cx.colors.get(&s.service);
    if s.is_error() {
        add_rect(mesh, rect.expand(2.0), ERROR);
    }
    add_rect(mesh, rect, fill);
    // Critical path: a dark strip over the stretches where this span itself
    // was what the request waited for.
    let lo = cx.critical.partition_point(|c| c.span < i);
    for c in cx.critical[lo..].iter().take_while(|c| c.span == i) {
        if let Some((ca, cb)) = bar_x(cx, c.start_ns, c.end_ns, t0) {
            let mid = y + ROW_HEIGHT / 2.0;
            let strip = Rect::from_x_y_ranges(ca..=cb, mid - 2.5..=mid + 2.5);
            add_rect(mesh, strip, Color32::from_rgba_unmultiplied(0, 0, 0, 170));
        }
    }
}

fn paint_text(painter: &Painter, cx: &PaintCtx<'_>, t0: u64) {
    let font = FontId::proportional(13.0);
    let small = FontId::proportional(11.5);
    let text = if cx.dark { Color32::from_gray(225) } else { Color32::from_gray(25) };
    let weak = if cx.dark { Color32::from_gray(150) } else { Color32::from_gray(105) };
    let label_painter = painter.with_clip_rect(cx.labels.intersect(painter.clip_rect()));
    let bar_painter = painter.with_clip_rect(cx.bars.intersect(painter.clip_rect()));
    for (k, row) in (cx.first_row..cx.last_row).enumerate() {
        let i = cx.rows[row] as usize;
        let s = &cx.trace.spans[i];
        let y = cx.top_y + k as f32 * ROW_HEIGHT;
        let mid = y + ROW_HEIGHT / 2.0;
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
        if s.parent_missing || s.clock_skew {
            let flag = if s.parent_missing { "parent missing" } else { "clock skew" };
            job.append(flag, 6.0, TextFormat::simple(small.clone(), Color32::from_rgb(200, 130, 0)));
        }
        job.wrap.max_rows = 1;
        job.wrap.max_width = (cx.labels.right() - x - 24.0).max(10.0);
        job.wrap.break_anywhere = true;
        let galley = painter.layout_job(job);
        label_painter.galley(Pos2::new(x + 22.0, mid - galley.size().y / 2.0), galley, text);
        // Duration (and the name inside wide bars) on the time axis.
        let Some((a, b)) = bar_x(cx, s.start_ns, s.end_ns, t0) else { continue };
        let dur = format_duration_ns(s.duration_ns() as f64);
        let dur_galley = painter.layout_no_wrap(dur, small.clone(), text);
        let room_right = cx.bars.right() - b;
        if room_right > dur_galley.size().x + 8.0 {
            bar_painter.galley(Pos2::new(b + 4.0, mid - dur_galley.size().y / 2.0), dur_galley, text);
        } else if b - a > dur_galley.size().x + 8.0 {
            let pos = Pos2::new(b.min(cx.bars.right()) - dur_galley.size().x - 4.0, mid - dur_galley.size().y / 2.0);
            bar_painter.galley(pos, dur_galley, Color32::from_gray(15));
        } else {
            let pos = Pos2::new(a - dur_galley.size().x - 4.0, mid - dur_galley.size().y / 2.0);
            bar_painter.galley(pos, dur_galley, text);
        }
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
        clip.text(
            Pos2::new(x + 3.0, rect.center().y - 2.0),
            Align2::LEFT_CENTER,
            format_duration_ns(t),
            FontId::proportional(11.5),
            text,
        );
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
