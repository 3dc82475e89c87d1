//! The differential flamegraph: the merged tree of a comparison laid out
//! by [`compare_flame::layout`] (before plus after, so vanished frames keep
//! their box), hit-tested with the single-profile flamegraph's row
//! geometry, painted as one `Mesh`, coloured by the change (red more, blue
//! less, saturation by size, grey unchanged). Click zooms and selects,
//! drag pans, the wheel zooms around the pointer, as in a single profile.
//! Returns what the pair view applies to its own state.

use egui::text::{LayoutJob, TextFormat, TextWrapping};
use egui::{Color32, Mesh, Pos2, Rect, Sense, Shape, Stroke, StrokeKind, Ui, Vec2, pos2};

use crate::analysis::compare::Comparison;
use crate::analysis::compare_flame::{self, FlameBox, FlameModel, FlameParams};
use crate::model::{Metric, Weight};
use crate::ui::flamegraph::ROW_HEIGHT;
use crate::ui::flamegraph::hit::RowGeometry;
use crate::ui::settings::Orientation;
use crate::ui::theme;
use crate::ui::view_range::ViewRange;

/// What a person did in the flamegraph.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FlameAction {
    /// Zoom to the node and select its function.
    Zoom(u32),
    /// A new horizontal window.
    SetView(ViewRange),
}

/// Widget state kept between frames.
#[derive(Clone, Debug, Default)]
pub struct DiffFlameState {
    /// Vertical scroll, px.
    pub scroll_px: f32,
    /// Last frame's rows, geometry and rect (tests and hit testing).
    pub last: Option<(Vec<compare_flame::FlameRow>, RowGeometry, Rect)>,
}

impl DiffFlameState {
    /// Screen rect of the first unmerged box of `node` in the last frame.
    pub fn box_rect(&self, node: u32) -> Option<Rect> {
        let (rows, g, rect) = self.last.as_ref()?;
        rows.iter().find_map(|row| {
            row.boxes.iter().find(|b| b.node == node && b.merged == 1).map(|b| {
                let y = g.level_top(row.level);
                Rect::from_min_max(
                    pos2(rect.left() + b.x0.max(0.0), y),
                    pos2(rect.left() + b.x1.min(rect.width()), y + g.row_height),
                )
            })
        })
    }

    /// The nodes with a box (plain, not merged) in the last frame.
    pub fn shown_nodes(&self) -> Vec<u32> {
        let Some((rows, _, _)) = &self.last else { return Vec::new() };
        rows.iter().flat_map(|r| r.boxes.iter().filter(|b| b.merged == 1).map(|b| b.node)).collect()
    }
}

/// What the differential flamegraph shows.
pub struct DiffFlameInput<'a> {
    /// The comparison.
    pub cmp: &'a Comparison,
    /// Widths and colours.
    pub model: &'a FlameModel,
    /// The metric (after side's) for the tooltip.
    pub metric: &'a Metric,
    /// Zoomed node.
    pub zoom: u32,
    /// Horizontal window, fractions of the root's width.
    pub view: ViewRange,
    /// Root at the top or bottom.
    pub orientation: Orientation,
    /// Selected function (outlined).
    pub selected: Option<u32>,
    /// Per function, whether it matches the search (empty: no search).
    pub matches: &'a [bool],
}

/// Shows the flamegraph in all of `ui`'s available space.
pub fn ui(ui: &mut Ui, state: &mut DiffFlameState, input: &DiffFlameInput<'_>) -> Vec<FlameAction> {
    let mut actions = Vec::new();
    let (rect, response) = ui.allocate_exact_size(ui.available_size().max(Vec2::splat(10.0)), Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "Differential flamegraph"));
    let (s, w) = input.model.extent(input.cmp, input.zoom);
    let bounds = ViewRange::new(s, w);
    let depth_below = input.cmp.max_depth.saturating_sub(input.cmp.depth(input.zoom));
    let whole_rows = (rect.height() / ROW_HEIGHT).floor().max(1.0) as u32;
    let max_scroll = (depth_below + 1).saturating_sub(whole_rows) as f32 * ROW_HEIGHT;
    state.scroll_px = state.scroll_px.clamp(0.0, max_scroll);
    let first_level = (state.scroll_px / ROW_HEIGHT).floor() as u32;
    let geometry = RowGeometry {
        top: rect.top(),
        bottom: rect.bottom(),
        row_height: ROW_HEIGHT,
        first_level,
        flame: input.orientation == Orientation::Flame,
    };
    let params = FlameParams {
        zoom: input.zoom,
        view: (input.view.start, input.view.end),
        width_px: rect.width(),
        first_level,
        levels: geometry.visible_levels() + 1,
    };
    let rows = compare_flame::layout(input.cmp, input.model, &params);
    let hovered = response.hover_pos().and_then(|p| {
        let level = geometry.level_at(p.y)?;
        let row = rows.iter().find(|r| r.level == level)?;
        let x = p.x - rect.left();
        let i = row.boxes.partition_point(|b| b.x1 <= x);
        row.boxes.get(i).filter(|b| b.x0 <= x).copied()
    });
    if response.clicked()
        && let Some(b) = hovered
    {
        if b.merged > 1 {
            let start = input.view.from_px(b.x0, rect.width());
            let end = input.view.from_px(b.x1, rect.width());
            actions.push(FlameAction::SetView(ViewRange { start, end: end.max(start + 1e-12) }));
        } else {
            actions.push(FlameAction::Zoom(b.node));
        }
    }
    if response.dragged() {
        let d = response.drag_delta();
        if d.x != 0.0 {
            let delta = -f64::from(d.x) / f64::from(rect.width().max(1.0)) * input.view.span();
            actions.push(FlameAction::SetView(input.view.pan(delta, bounds)));
        }
        let dy = if geometry.flame { d.y } else { -d.y };
        state.scroll_px = (state.scroll_px + dy).clamp(0.0, max_scroll);
    }
    if response.hovered() {
        let (scroll, zoom_delta) = ui.input(|i| (i.smooth_scroll_delta(), i.zoom_delta()));
        let factor = f64::from(zoom_delta) * (f64::from(scroll.y) * 0.004).exp();
        if let Some(p) = response.hover_pos()
            && (factor - 1.0).abs() > 1e-6
        {
            let at = input.view.from_px(p.x - rect.left(), rect.width());
            actions.push(FlameAction::SetView(input.view.zoom_around(factor, at, bounds)));
        }
    }
    if let Some(b) = hovered {
        response.clone().on_hover_ui_at_pointer(|ui| tooltip_ui(ui, input, &b));
    }
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, ui.visuals().extreme_bg_color);
    paint(&painter, input, &rows, geometry, rect, ui.visuals().dark_mode);
    state.last = Some((rows, geometry, rect));
    actions
}

/// Fill of box `b`: by the change, dimmed when a search runs and the
/// function does not match.
fn fill(input: &DiffFlameInput<'_>, b: &FlameBox, dark_mode: bool) -> Color32 {
    if b.merged > 1 {
        return theme::MERGED;
    }
    let base = theme::diff_color(input.model.change(input.cmp, b.node));
    let f = input.cmp.node(b.node).function();
    if input.matches.is_empty() || f == input.selected {
        return base;
    }
    match f.and_then(|f| input.matches.get(f as usize)) {
        Some(true) => base,
        _ => theme::dimmed(base, dark_mode),
    }
}

/// The text of a box: its function's name ("all" for the root).
fn label(cmp: &Comparison, node: u32) -> &str {
    cmp.function_of(node).map_or("all", |f| &f.name)
}

fn paint(
    painter: &egui::Painter,
    input: &DiffFlameInput<'_>,
    rows: &[compare_flame::FlameRow],
    g: RowGeometry,
    rect: Rect,
    dark: bool,
) {
    let mut mesh = Mesh::default();
    let mut labels: Vec<(Rect, u32)> = Vec::new();
    let mut outlined: Vec<(Rect, bool)> = Vec::new();
    for row in rows {
        let y0 = g.level_top(row.level);
        if y0 + g.row_height < g.top || y0 > g.bottom {
            continue;
        }
        for b in &row.boxes {
            let x0 = rect.left() + b.x0.max(-1.0);
            let x1 = rect.left() + b.x1.min(rect.width() + 1.0);
            let gap = if x1 - x0 > 3.0 { 1.0 } else { 0.0 };
            let r = Rect::from_min_max(pos2(x0, y0), pos2(x1 - gap, y0 + g.row_height - 1.0));
            mesh.add_colored_rect(r, fill(input, b, dark));
            if b.merged > 1 {
                continue;
            }
            let node = input.cmp.node(b.node);
            let selected = input.selected.is_some() && node.function() == input.selected;
            // A frame that vanished (nothing after) or is new (nothing
            // before) gets a dashed-looking thin outline so it reads as such.
            let one_sided = node.function().is_some()
                && (input.cmp.after(b.node).total == 0) != (input.cmp.before(b.node).total == 0);
            if selected || (one_sided && r.width() > 4.0) {
                outlined.push((r, selected));
            }
            if r.width() >= 24.0 {
                labels.push((r, b.node));
            }
        }
    }
    painter.add(Shape::mesh(mesh));
    for (r, selected) in outlined {
        let stroke =
            if selected { Stroke::new(2.0, theme::SELECTED) } else { Stroke::new(1.0, Color32::from_gray(90)) };
        painter.rect_stroke(r, 0.0, stroke, StrokeKind::Inside);
    }
    let font = egui::FontId::proportional(12.0);
    for (r, node) in labels {
        let mut job = LayoutJob::single_section(
            label(input.cmp, node).to_owned(),
            TextFormat { font_id: font.clone(), color: theme::LABEL, ..Default::default() },
        );
        job.wrap = TextWrapping {
            max_width: r.width() - 6.0,
            max_rows: 1,
            break_anywhere: true,
            overflow_character: Some('…'),
        };
        let galley = painter.layout_job(job);
        let y = r.center().y - galley.size().y / 2.0;
        painter.galley(Pos2::new(r.left() + 3.0, y), galley, theme::LABEL);
    }
}

/// "+1.20 s", "−3", "0".
pub fn signed(m: &Metric, w: Weight) -> String {
    match w {
        0 => m.format(0),
        w if w > 0 => format!("+{}", m.format(w)),
        w => format!("\u{2212}{}", m.format(-w)),
    }
}

/// "+4.20 pp" (percentage points).
pub fn signed_points(pp: f64) -> String {
    if pp.abs() < 0.005 {
        "0.00 pp".into()
    } else if pp > 0.0 {
        format!("+{pp:.2} pp")
    } else {
        format!("\u{2212}{:.2} pp", -pp)
    }
}

fn tooltip_ui(ui: &mut Ui, input: &DiffFlameInput<'_>, b: &FlameBox) {
    if b.merged > 1 {
        ui.label(format!("{} functions, each narrower than a pixel", b.merged));
        ui.label("Click to zoom into them");
        return;
    }
    let cmp = input.cmp;
    let node = cmp.node(b.node);
    let (before, after) = (cmp.before(b.node), cmp.after(b.node));
    let m = input.metric;
    match cmp.function_of(b.node) {
        Some(f) => {
            ui.strong(crate::ui::tooltip_name(&f.name));
            if !f.module.is_empty() {
                ui.label(format!("Module: {}", crate::ui::tooltip_name(&f.module)));
            }
        }
        None => {
            ui.strong("all");
        }
    }
    if node.function().is_some() && after.total == 0 {
        ui.label("Vanished: only in the base");
    } else if node.function().is_some() && before.total == 0 {
        ui.label("New: only in the new profile");
    }
    let t = &cmp.table;
    let share = |w: Weight, total: Weight| if total == 0 { 0.0 } else { w as f64 * 100.0 / total as f64 };
    egui::Grid::new("diff_tooltip").num_columns(4).spacing([12.0, 2.0]).show(ui, |ui| {
        for h in ["", "Before", "After", "Change"] {
            ui.strong(h);
        }
        ui.end_row();
        for (name, bw, aw) in [("Total", before.total, after.total), ("Self", before.self_weight, after.self_weight)] {
            ui.label(name);
            ui.label(format!("{} ({:.2}%)", m.format(bw), share(bw, t.before_total)));
            ui.label(format!("{} ({:.2}%)", m.format(aw), share(aw, t.after_total)));
            ui.label(signed(m, aw - bw));
            ui.end_row();
        }
    });
    ui.label(format!("Change of share of the total: {}", signed_points(cmp.share_change(b.node))));
    if t.scale.is_some() {
        ui.weak("After is normalised: scaled so both totals are equal");
    }
}
