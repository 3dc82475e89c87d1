//! The flamegraph view: layout (pure) -> hit test (pure) -> paint (one Mesh).
//!
//! `ui` lays out the visible rows once per frame, answers hover, click,
//! drag and wheel from that layout, paints it, and returns [`Command`]s; it
//! never changes the document itself. Imports `model` and `ui` only.

pub mod hit;
pub mod layout;
pub mod paint;

use egui::{Rect, Sense, Ui, Vec2};

use self::hit::RowGeometry;
use self::layout::{LaidBox, Layout, LayoutParams};
use self::paint::PaintInput;
use crate::model::{CallTree, FrameId, FrameKind, Metric, NodeId, Profile, Weight};
use crate::ui::command::Command;
use crate::ui::document::percent;
use crate::ui::settings::Orientation;
use crate::ui::view_range::ViewRange;

/// Height of one row, px.
pub const ROW_HEIGHT: f32 = 18.0;

/// Widget state kept between frames.
#[derive(Clone, Debug, Default)]
pub struct FlameState {
    /// Vertical scroll, px from the zoomed node's row (deep stacks).
    pub scroll_px: f32,
    /// The last frame's layout, its geometry and the view rect (for tests
    /// and for hit testing outside `ui`).
    pub last: Option<(Layout, RowGeometry, Rect)>,
    /// Frame fill colours, kept across frames.
    pub colors: paint::ColorCache,
    /// The box whose right-click menu is open.
    pub menu_node: Option<NodeId>,
}

impl FlameState {
    /// Screen rect of the first laid-out, unmerged box of `node` in the last frame.
    pub fn box_rect(&self, node: NodeId) -> Option<Rect> {
        let (layout, g, rect) = self.last.as_ref()?;
        layout.rows.iter().find_map(|row| {
            row.boxes.iter().find(|b| b.node == node && !b.is_merged()).map(|b| {
                let y = g.level_top(row.level);
                Rect::from_min_max(
                    egui::pos2(rect.left() + b.x0.max(0.0), y),
                    egui::pos2(rect.left() + b.x1.min(rect.width()), y + g.row_height),
                )
            })
        })
    }
}

/// What the flamegraph shows.
pub struct FlameInput<'a> {
    /// The profile (names, kinds, modules).
    pub profile: &'a Profile,
    /// The tree for `metric`.
    pub tree: &'a CallTree,
    /// The metric of the weights.
    pub metric: &'a Metric,
    /// The zoomed node.
    pub zoom: NodeId,
    /// The horizontal window.
    pub view: ViewRange,
    /// Root at the top or at the bottom.
    pub orientation: Orientation,
    /// Selected function (highlighted).
    pub selected: Option<FrameId>,
    /// Per function frame, whether it matches the search.
    pub matches: Option<&'a [bool]>,
    /// The metric's total over every sample, when a filter (a label pick)
    /// leaves some out of `tree`; tooltips then give shares of both.
    pub unfiltered_total: Option<Weight>,
}

/// Shows the flamegraph in all of `ui`'s available space.
pub fn ui(ui: &mut Ui, state: &mut FlameState, input: &FlameInput<'_>) -> Vec<Command> {
    let mut commands = Vec::new();
    let (rect, response) = ui.allocate_exact_size(ui.available_size().max(Vec2::splat(10.0)), Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "Flamegraph"));
    let bounds = layout::extent(input.tree, input.zoom);
    let depth_below = input.tree.max_depth.saturating_sub(input.tree.node(input.zoom).depth);
    // Scrolling moves whole rows (the first level shown is scroll / row
    // height), so the end is where the deepest row is the last whole row.
    let whole_rows = (rect.height() / ROW_HEIGHT).floor().max(1.0) as u32;
    let max_scroll = (depth_below + 1).saturating_sub(whole_rows) as f32 * ROW_HEIGHT;
    state.scroll_px = state.scroll_px.clamp(0.0, max_scroll);
    let mut geometry = RowGeometry {
        top: rect.top(),
        bottom: rect.bottom(),
        row_height: ROW_HEIGHT,
        first_level: 0,
        flame: input.orientation == Orientation::Flame,
    };
    let bar = (max_scroll > 0.0)
        .then(|| scrollbar(ui, state, rect, response.id.with("depth-scroll"), max_scroll, geometry.flame));
    let first_level = (state.scroll_px / ROW_HEIGHT).floor() as u32;
    geometry.first_level = first_level;
    let params = LayoutParams {
        zoom: input.zoom,
        view: input.view,
        width_px: rect.width(),
        first_level,
        levels: geometry.visible_levels() + 1,
        min_box_px: 1.0,
    };
    let laid = layout::layout(input.tree, &params);

    // Interaction, from the same layout that is painted.
    let hovered = response.hover_pos().and_then(|p| {
        let level = geometry.level_at(p.y)?;
        hit::hit(&laid, level, p.x - rect.left()).copied()
    });
    if response.clicked()
        && let Some(b) = hovered
    {
        if b.is_merged() {
            let start = input.view.from_px(b.x0, rect.width());
            let end = input.view.from_px(b.x1, rect.width());
            commands.push(Command::SetView(ViewRange { start, end: end.max(start + 1e-12) }));
        } else {
            commands.push(Command::Zoom(b.node));
            commands.push(Command::Select(input.tree.node(b.node).frame));
        }
    }
    // A double click on a box opens the source view of its function.
    if response.double_clicked()
        && let Some(b) = hovered
        && !b.is_merged()
        && let Some(f) = input.tree.node(b.node).frame
    {
        commands.push(Command::ShowSource(Some(f)));
    }
    if response.secondary_clicked() {
        state.menu_node = hovered.filter(|b| !b.is_merged()).map(|b| b.node);
    }
    response.context_menu(|ui| {
        let at = state.menu_node.and_then(|n| input.tree.nodes.get(n.index()).and_then(|x| x.frame).map(|f| (n, f)));
        match at {
            Some((n, f)) => {
                commands.extend(crate::ui::profile::menu::function_menu(ui, input.profile, f, Some((input.tree, n))));
            }
            None => ui.close(),
        }
    });
    if response.dragged() {
        let d = response.drag_delta();
        if d.x != 0.0 {
            let delta = -f64::from(d.x) / f64::from(rect.width().max(1.0)) * input.view.span();
            commands.push(Command::SetView(input.view.pan(delta, bounds)));
        }
        let dy = if geometry.flame { d.y } else { -d.y };
        state.scroll_px = (state.scroll_px + dy).clamp(0.0, max_scroll);
    }
    if response.hovered() {
        let (scroll, zoom_delta) = ui.input(|i| (i.smooth_scroll_delta(), i.zoom_delta()));
        let factor = f64::from(zoom_delta) * (f64::from(scroll.y) * 0.004).exp();
        if let Some(p) = response.hover_pos() {
            if (factor - 1.0).abs() > 1e-6 {
                let at = input.view.from_px(p.x - rect.left(), rect.width());
                commands.push(Command::SetView(input.view.zoom_around(factor, at, bounds)));
            } else if scroll.x != 0.0 {
                let delta = -f64::from(scroll.x) / f64::from(rect.width().max(1.0)) * input.view.span();
                commands.push(Command::SetView(input.view.pan(delta, bounds)));
            }
        }
    }
    if let Some(b) = hovered {
        response.clone().on_hover_ui_at_pointer(|ui| tooltip_ui(ui, input, &b));
    }

    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, ui.visuals().extreme_bg_color);
    let font = egui::FontId::proportional(12.0);
    paint::paint(
        &painter,
        &PaintInput {
            profile: input.profile,
            tree: input.tree,
            layout: &laid,
            geometry,
            left: rect.left(),
            width: rect.width(),
            selected: input.selected,
            matches: input.matches,
            dark_mode: ui.visuals().dark_mode,
            font,
        },
        &mut state.colors,
    );
    if let Some(bar) = bar {
        paint_scrollbar(ui, bar);
    }
    state.last = Some((laid, geometry, rect));
    commands
}

/// Width of the vertical scrollbar, px.
pub const SCROLLBAR_PX: f32 = 10.0;

/// The vertical scrollbar shown at the right edge when the stacks are deeper
/// than the view: drag the thumb, click the track to page, or turn the wheel
/// over it (over the graph the wheel zooms). The thumb sits at the root's
/// end: the top for an icicle graph, the bottom for a flame graph.
/// Returns what to paint (track, thumb, whether it is active) once the graph is drawn.
fn scrollbar(
    ui: &mut Ui,
    state: &mut FlameState,
    rect: Rect,
    id: egui::Id,
    max_scroll: f32,
    flame: bool,
) -> (Rect, Rect, bool) {
    let track = Rect::from_min_max(egui::pos2(rect.right() - SCROLLBAR_PX, rect.top()), rect.right_bottom());
    let response = ui.interact(track, id, Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::ScrollBar, true, "Flamegraph depth scroll"));
    let h = track.height();
    let thumb_h = (h * h / (h + max_scroll)).clamp(20.0_f32.min(h), h);
    let room = (h - thumb_h).max(1.0);
    // Pixels of scroll per pixel of thumb travel; `sign` turns screen-down
    // into deeper for an icicle and into shallower for a flame graph.
    let per_px = max_scroll / room;
    let sign = if flame { -1.0 } else { 1.0 };
    let mut scroll = state.scroll_px;
    if response.dragged() {
        scroll += sign * response.drag_delta().y * per_px;
    } else if response.clicked()
        && let Some(p) = response.interact_pointer_pos()
    {
        let f = ((p.y - track.top() - thumb_h / 2.0) / room).clamp(0.0, 1.0);
        scroll = if flame { (1.0 - f) * max_scroll } else { f * max_scroll };
    }
    if response.hovered() {
        let wheel = ui.input(|i| i.smooth_scroll_delta().y);
        scroll -= sign * wheel;
    }
    state.scroll_px = scroll.clamp(0.0, max_scroll);
    let f = state.scroll_px / max_scroll;
    let top = track.top() + if flame { 1.0 - f } else { f } * room;
    let thumb = Rect::from_min_size(egui::pos2(track.left() + 2.0, top), Vec2::new(SCROLLBAR_PX - 4.0, thumb_h));
    (track, thumb, response.hovered() || response.dragged())
}

/// Paints the scrollbar [`scrollbar`] laid out.
fn paint_scrollbar(ui: &Ui, (track, thumb, active): (Rect, Rect, bool)) {
    let v = ui.visuals();
    let painter = ui.painter_at(track);
    painter.rect_filled(track, 0.0, v.extreme_bg_color);
    let fill = if active { v.widgets.hovered.fg_stroke.color } else { v.widgets.inactive.fg_stroke.color };
    painter.rect_filled(thumb, 3.0, fill);
}

fn tooltip_ui(ui: &mut Ui, input: &FlameInput<'_>, b: &LaidBox) {
    let tree = input.tree;
    let node = tree.node(b.node);
    if b.is_merged() {
        ui.label(format!("{} functions, each narrower than a pixel", b.merged));
        ui.label("Click to zoom into them");
        return;
    }
    if tree.signed {
        diff_tooltip_ui(ui, input, b);
        return;
    }
    let shares = |w: Weight| shares_text(w, tree.share_base, input.unfiltered_total);
    let Some(f) = node.frame else {
        ui.strong("all");
        ui.label(format!("Total: {} ({})", input.metric.format(node.total), shares(node.total)));
        if node.self_weight != 0 {
            // Samples with an empty stack: the hot table's "[no stack]" row.
            let w = node.self_weight;
            ui.label(format!("No stack: {} ({})", input.metric.format(w), shares(w)));
        }
        return;
    };
    let frame = input.profile.frames.frame(f);
    ui.strong(crate::ui::tooltip_name(crate::model::frame::shown_name(&frame.name)));
    if !frame.module.is_empty() {
        ui.label(format!("Module: {}", crate::ui::tooltip_name(&frame.module)));
    }
    if frame.kind != FrameKind::User {
        ui.label(format!("Kind: {}", frame.kind.name()));
    }
    ui.label(format!("Self: {} ({})", input.metric.format(node.self_weight), shares(node.self_weight)));
    ui.label(format!(
        "Total: {} ({}, {:.2}% of zoomed)",
        input.metric.format(node.total),
        shares(node.total),
        percent(node.abs_total, tree.node(input.zoom).abs_total)
    ));
}

/// The tooltip of a box of a diff profile (some weight below 0): the
/// signed self and total changes with their shares of the share base
/// (signed, so they never read as more of the profile than there is), and
/// what the box's width is: the increases plus the decreases under it, and
/// its part of the zoomed box's width (never above 100%).
fn diff_tooltip_ui(ui: &mut Ui, input: &FlameInput<'_>, b: &LaidBox) {
    let tree = input.tree;
    let node = tree.node(b.node);
    let m = input.metric;
    let base = tree.share_of.name();
    let share = |w: Weight| {
        let pct = percent(w, tree.share_base);
        let s = if w == 0 { format!("0.00% of {base}") } else { format!("{pct:+.2}% of {base}") };
        match input.unfiltered_total {
            None => s,
            Some(_) => format!("{s} in the filtered samples"),
        }
    };
    let signed = |w: Weight| signed_weight(m, w);
    match node.frame {
        Some(f) => {
            let frame = input.profile.frames.frame(f);
            ui.strong(crate::model::frame::shown_name(&frame.name));
            if !frame.module.is_empty() {
                ui.label(format!("Module: {}", frame.module));
            }
            if frame.kind != FrameKind::User {
                ui.label(format!("Kind: {}", frame.kind.name()));
            }
            ui.label(format!("Self: {} ({})", signed(node.self_weight), share(node.self_weight)));
        }
        None => {
            ui.strong("all");
            if node.self_weight != 0 {
                let w = node.self_weight;
                ui.label(format!("No stack: {} ({})", signed(w), share(w)));
            }
        }
    }
    ui.label(format!("Total: {} ({})", signed(node.total), share(node.total)));
    let (up, down) = increase_decrease(node.total, node.abs_total);
    let zoomed = tree.node(input.zoom).abs_total;
    ui.label(format!(
        "Width: {} increase + {} decrease = {} ({:.2}% of the zoomed box)",
        m.format(up),
        m.format(down),
        m.format(node.abs_total),
        percent(node.abs_total, zoomed)
    ));
}

/// A change with its sign: `+1.20 s`, `-3`, `0`.
pub fn signed_weight(m: &Metric, w: Weight) -> String {
    if w > 0 { format!("+{}", m.format(w)) } else { m.format(w) }
}

/// The increases and the decreases (both `>= 0`) that net to `total` and
/// add up to `abs_total`.
pub fn increase_decrease(total: Weight, abs_total: Weight) -> (Weight, Weight) {
    ((abs_total + total) / 2, (abs_total - total) / 2)
}

/// "54.08% of all"; with a filter in force (`unfiltered` is the whole
/// before it), the share of the samples it keeps and of all of them:
/// "100.00% of the filtered samples, 29.31% of all".
pub fn shares_text(w: Weight, shown: Weight, unfiltered: Option<Weight>) -> String {
    match unfiltered {
        None => format!("{:.2}% of all", percent(w, shown)),
        Some(all) => format!("{:.2}% of the filtered samples, {:.2}% of all", percent(w, shown), percent(w, all)),
    }
}

/// The breadcrumb bar: the zoomed node's ancestors, each a button that zooms to it.
pub fn breadcrumb_ui(ui: &mut Ui, path: &[(NodeId, &str)]) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 2.0;
        if ui.button("all").on_hover_text("Zoom out to the whole profile").clicked() {
            commands.push(Command::Zoom(NodeId(0)));
        }
        // Deep recursion: the first two and the last six keep the bar on one line.
        let skip = if path.len() > 8 { path.len() - 6 } else { 0 };
        for (i, (id, name)) in path.iter().enumerate() {
            if skip > 0 && (2..skip).contains(&i) {
                if i == 2 {
                    ui.label(format!("› … {} more", skip - 2));
                }
                continue;
            }
            ui.label("›");
            let text: String = if name.chars().count() > 48 {
                name.chars().take(47).chain(['…']).collect()
            } else {
                (*name).to_owned()
            };
            if ui.button(text).on_hover_text(*name).clicked() {
                commands.push(Command::Zoom(*id));
            }
        }
    });
    commands
}
