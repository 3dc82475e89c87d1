//! The callers and callees of one function (speedscope's sandwich): its
//! callers as an upward flamegraph above it, its callees as an icicle
//! below, both rooted at the function, so every box's width is its share
//! of the function's total.

use egui::Ui;

use crate::analysis::sandwich::Sandwich;
use crate::model::{FrameId, Metric, NodeId};
use crate::ui::command::Command;
use crate::ui::document::percent;
use crate::ui::flamegraph::{self, FlameInput, FlameState, layout::extent};
use crate::ui::settings::Orientation;
use crate::ui::view_range::ViewRange;

/// One half: a flamegraph's zoom, window and widget state.
pub struct Half {
    /// Zoomed node (the function's node when not zoomed further).
    pub zoom: NodeId,
    /// Horizontal window.
    pub view: ViewRange,
    /// Widget state.
    pub flame: FlameState,
}

/// The open view.
pub struct SandwichView {
    /// The function.
    pub frame: FrameId,
    /// Its trees.
    pub data: Sandwich,
    /// Callers (above).
    pub callers: Half,
    /// Callees (below).
    pub callees: Half,
}

impl SandwichView {
    /// The view of `data` (for function `frame`), each half zoomed to the function.
    pub fn new(frame: FrameId, data: Sandwich) -> Self {
        let half = |tree: &crate::model::CallTree, root: NodeId| Half {
            zoom: root,
            view: extent(tree, root),
            flame: FlameState::default(),
        };
        let callers = half(&data.callers, data.callers_root);
        let callees = half(&data.callees, data.callees_root);
        Self { frame, data, callers, callees }
    }
}

/// Shows the view in `ui`; the header has a close button.
/// `matches` is the search's per frame of the profile (the halves are
/// transforms of it, so its frames keep their ids).
pub fn ui(
    ui: &mut Ui,
    v: &mut SandwichView,
    metric: &Metric,
    selected: Option<FrameId>,
    matches: Option<&[bool]>,
) -> Vec<Command> {
    let mut out = Vec::new();
    let d = &v.data;
    let callers_n = d.callers.children(d.callers_root).count();
    let callees_n = d.callees.children(d.callees_root).count();
    ui.horizontal(|ui| {
        ui.strong(format!("Callers and callees of {}", crate::model::frame::shown_name(&d.name)));
        ui.label(format!(
            "total {} · {} above · {} below · widths are shares of its total",
            metric.format(d.total),
            crate::ui::latency_histogram::plural(callers_n, "caller"),
            crate::ui::latency_histogram::plural(callees_n, "callee"),
        ));
        if ui.button("Close").on_hover_text("Back to the flamegraph").clicked() {
            out.push(Command::ShowCallers(None));
        }
    });
    let h = (ui.available_height() - 24.0).max(40.0) / 2.0;
    for (callers, text) in [(true, "Callers (who calls it, upward)"), (false, "Callees (what it calls, downward)")] {
        ui.label(text);
        let (tree, profile, root, half) = if callers {
            (&d.callers, &d.callers_profile, d.callers_root, &mut v.callers)
        } else {
            (&d.callees, &d.callees_profile, d.callees_root, &mut v.callees)
        };
        let share = percent(tree.node(half.zoom).total, tree.node(root).total);
        let input = FlameInput {
            profile,
            tree,
            metric,
            zoom: half.zoom,
            view: half.view,
            orientation: if callers { Orientation::Flame } else { Orientation::Icicle },
            selected,
            matches,
            unfiltered_total: None,
        };
        let size = egui::vec2(ui.available_width(), h - 20.0);
        let cmds = ui
            .allocate_ui(size, |ui| {
                ui.set_min_size(size);
                flamegraph::ui(ui, &mut half.flame, &input)
            })
            .inner;
        if half.zoom != root {
            ui.label(format!("zoomed: {share:.1}% of the function's total (click the function's box to zoom out)"));
        }
        for c in cmds {
            match c {
                Command::Zoom(n) => {
                    // Never above the function: it is the root of both halves.
                    let n = if tree.node(n).depth < tree.node(root).depth { root } else { n };
                    half.zoom = n;
                    half.view = extent(tree, n);
                }
                Command::SetView(r) => half.view = r.clamp_to(extent(tree, half.zoom)),
                Command::Select(f) => out.push(Command::Select(f)),
                Command::ZoomOut => {
                    half.zoom = root;
                    half.view = extent(tree, root);
                }
                Command::PushTransform(crate::analysis::transform::Transform::FocusSubtree(_)) => {}
                other @ (Command::PushTransform(_) | Command::ShowCallers(_)) => out.push(other),
                _ => {}
            }
        }
    }
    out
}
