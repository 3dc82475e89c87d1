//! The right-click menu of a function (a flamegraph box, a table row):
//! the transforms that apply to it, and its callers and callees.

use egui::Ui;

use crate::analysis::transform::Transform;
use crate::model::{CallTree, FrameId, NodeId, Profile};
use crate::ui::command::Command;

/// The menu's items for function `frame`; `node` is the box or tree row
/// clicked, in a top-down `tree` (for "focus on subtree"). Returns what was
/// picked.
pub fn function_menu(
    ui: &mut Ui,
    profile: &Profile,
    frame: FrameId,
    node: Option<(&CallTree, NodeId)>,
) -> Vec<Command> {
    let mut out = Vec::new();
    let f = profile.frames.frame(frame);
    let name = f.name.clone();
    ui.label(egui::RichText::new(crate::model::frame::shown_name(&name)).strong());
    ui.separator();
    let mut item = |ui: &mut Ui, text: &str, hint: &str, c: Command| {
        if ui.button(text).on_hover_text(hint).clicked() {
            out.push(c);
            ui.close();
        }
    };
    item(
        ui,
        "Focus on function",
        "Every stack through it, cut above it: all its call sites merged into one root",
        Command::PushTransform(Transform::FocusFunction(name.clone())),
    );
    if let Some((tree, n)) = node.filter(|(t, _)| !t.inverted) {
        let path: Vec<String> = tree
            .path_to(n)
            .into_iter()
            .filter_map(|id| tree.node(id).frame.map(|fr| profile.frames.name(fr).to_string()))
            .collect();
        item(
            ui,
            "Focus on subtree",
            "Only this call path, with this box as the root",
            Command::PushTransform(Transform::FocusSubtree(path)),
        );
    }
    item(
        ui,
        "Merge function",
        "Remove it from every stack; its self weight goes to its caller",
        Command::PushTransform(Transform::Merge(name.clone())),
    );
    item(
        ui,
        "Drop samples with this function",
        "Remove every sample whose stack contains it",
        Command::PushTransform(Transform::Drop(name.clone())),
    );
    item(
        ui,
        "Collapse recursion",
        "Direct and indirect: an inner call of it continues from its outermost call",
        Command::PushTransform(Transform::CollapseRecursion(Some(name.clone()))),
    );
    item(
        ui,
        "Collapse direct recursion",
        "Only where it calls itself with nothing in between",
        Command::PushTransform(Transform::CollapseDirectRecursion(Some(name.clone()))),
    );
    item(
        ui,
        "Collapse what it calls",
        "Everything it calls becomes its self weight",
        Command::PushTransform(Transform::CollapseSubtree(name.clone())),
    );
    if !f.module.is_empty() {
        let text = format!("Collapse module {}", f.module);
        item(
            ui,
            &text,
            "Consecutive frames of this module (library, binary, service) become one frame",
            Command::PushTransform(Transform::CollapseModule(f.module.clone())),
        );
    }
    ui.separator();
    item(
        ui,
        "Show callers and callees",
        "Who calls it (above) and what it calls (below), merged over every place it occurs",
        Command::ShowCallers(Some(frame)),
    );
    out
}
