//! The call-tree tables: top-down (self and total per call path) and
//! inverted (leaves first, each expanding to its callers with the weight
//! that flows through that caller path). One widget over a [`CallTree`]:
//! the tree decides which it is.
//!
//! Keyboard (when no text field has focus and the pointer is over the
//! table): Up/Down move the selection, Right expands (or steps into the
//! first child), Left collapses (or steps to the parent). The hottest path
//! is expanded when a tree is first shown. Children are listed heaviest
//! first.

use egui::{Key, Ui};
use egui_extras::{Column, TableBuilder};
use rustc_hash::FxHashSet;

use crate::model::{CallTree, Metric, NodeId, Profile};
use crate::ui::command::Command;
use crate::ui::document::percent;
use crate::ui::table_fit;

/// Widget state kept between frames.
#[derive(Clone, Debug, Default)]
pub struct TreeTableState {
    expanded: FxHashSet<NodeId>,
    rows: Vec<NodeId>,
    /// (tree address, version of `expanded`) the rows were listed for.
    rows_for: Option<(usize, u64)>,
    version: u64,
    /// The tree whose hot path was expanded.
    opened_for: Option<usize>,
    /// The selected row's node.
    pub selected: Option<NodeId>,
    scroll_to_selected: bool,
}

impl TreeTableState {
    /// The visible rows, in order (for tests).
    pub fn rows(&self) -> &[NodeId] {
        &self.rows
    }

    /// Whether `node` is expanded.
    pub fn is_expanded(&self, node: NodeId) -> bool {
        self.expanded.contains(&node)
    }

    /// Expands or collapses `node`.
    pub fn toggle(&mut self, node: NodeId) {
        if !self.expanded.remove(&node) {
            self.expanded.insert(node);
        }
        self.version += 1;
    }

    fn prepare(&mut self, tree: &CallTree) {
        let addr = tree as *const CallTree as usize;
        if self.opened_for != Some(addr) {
            self.opened_for = Some(addr);
            self.expanded.clear();
            self.selected = None;
            let path = crate::analysis::paths::hottest_path(tree);
            // Expand down the hot path, leaving its last node closed.
            for &n in path.iter().take(path.len().saturating_sub(1)) {
                self.expanded.insert(n);
            }
            self.selected = path.first().copied();
            self.version += 1;
        }
        if self.rows_for == Some((addr, self.version)) {
            return;
        }
        self.rows.clear();
        let mut stack: Vec<NodeId> = sorted_children(tree, tree.root());
        stack.reverse();
        while let Some(n) = stack.pop() {
            self.rows.push(n);
            if self.expanded.contains(&n) {
                let mut kids = sorted_children(tree, n);
                kids.reverse();
                stack.extend(kids);
            }
        }
        self.rows_for = Some((addr, self.version));
    }

    fn keys(&mut self, ui: &Ui, tree: &CallTree) {
        let Some(sel) = self.selected else { return };
        let (down, up, right, left) = ui.input(|i| {
            (
                i.key_pressed(Key::ArrowDown),
                i.key_pressed(Key::ArrowUp),
                i.key_pressed(Key::ArrowRight),
                i.key_pressed(Key::ArrowLeft),
            )
        });
        let pos = self.rows.iter().position(|&r| r == sel);
        let has_kids = tree.node(sel).child_count > 0;
        if down && let Some(p) = pos {
            self.selected = self.rows.get(p + 1).copied().or(Some(sel));
        } else if up && let Some(p) = pos {
            self.selected = Some(self.rows[p.saturating_sub(1)]);
        } else if right && has_kids {
            if self.expanded.contains(&sel) {
                self.selected = sorted_children(tree, sel).first().copied();
            } else {
                self.toggle(sel);
            }
        } else if left {
            if self.expanded.contains(&sel) {
                self.toggle(sel);
            } else if let Some(p) = tree.node(sel).parent.filter(|p| p.0 != 0) {
                self.selected = Some(p);
            }
        } else {
            return;
        }
        self.scroll_to_selected = true;
    }
}

fn sorted_children(tree: &CallTree, n: NodeId) -> Vec<NodeId> {
    let mut kids: Vec<NodeId> = tree.children(n).collect();
    kids.sort_by(|&a, &b| tree.node(b).abs_total.cmp(&tree.node(a).abs_total).then(a.cmp(&b)));
    kids
}

/// What the table shows.
pub struct TreeTableInput<'a> {
    /// Names and modules.
    pub profile: &'a Profile,
    /// The tree (top-down or inverted).
    pub tree: &'a CallTree,
    /// The metric of the weights.
    pub metric: &'a Metric,
}

/// Shows the tree table; returns selection, zoom and menu commands.
pub fn ui(ui: &mut Ui, state: &mut TreeTableState, input: &TreeTableInput<'_>) -> Vec<Command> {
    let mut commands = Vec::new();
    let tree = input.tree;
    state.prepare(tree);
    let over = ui.rect_contains_pointer(ui.max_rect());
    if over && ui.memory(|m| m.focused().is_none()) {
        state.keys(ui, tree);
        state.prepare(tree);
    }
    let whole = tree.share_base;
    let inverted = tree.inverted;
    let heads: &[&str] = if inverted {
        &["Function (callers below)", "Weight", "Weight %", "Self", "Self %"]
    } else {
        &["Function (callees below)", "Total", "Total %", "Self", "Self %"]
    };
    let scroll_row =
        if state.scroll_to_selected { state.rows.iter().position(|&r| Some(r) == state.selected) } else { None };
    state.scroll_to_selected = false;
    let mut table = TableBuilder::new(ui)
        .min_scrolled_height(0.0)
        .auto_shrink([false, false])
        .id_salt(if inverted { "inverted_tree_table" } else { "call_tree_table" })
        .striped(true)
        // Not resizable: egui_extras keeps a resizable column's width when
        // the space shrinks, so opening the Insights panel pushed the number
        // columns under it.
        .resizable(false)
        .sense(egui::Sense::click())
        .column(Column::remainder().at_least(200.0).clip(true))
        .columns(Column::auto().at_least(70.0), 4);
    if let Some(r) = scroll_row {
        table = table.scroll_to_row(r, Some(egui::Align::Center));
    }
    let mut toggles = Vec::new();
    table
        .header(20.0, |mut h| {
            for t in heads {
                h.col(|ui| {
                    ui.strong(*t);
                });
            }
        })
        .body(|body| {
            body.rows(20.0, state.rows.len(), |mut row| {
                let id = state.rows[row.index()];
                let node = tree.node(id);
                let selected = state.selected == Some(id);
                row.set_selected(selected);
                let Some(frame) = node.frame else { return };
                let name = input.profile.frames.shown_name(frame);
                let mut menu = Vec::new();
                let mut clicked = false;
                row.col(|ui| {
                    ui.horizontal(|ui| {
                        ui.add_space((node.depth.saturating_sub(1) as f32 * 14.0).min(600.0));
                        if node.child_count > 0 {
                            let arrow = if state.expanded.contains(&id) { "⏷" } else { "⏵" };
                            if ui.small_button(arrow).clicked() {
                                toggles.push(id);
                            }
                        } else {
                            ui.add_space(18.0);
                        }
                        let resp = ui.add(egui::Button::selectable(selected, name)).on_hover_text(name);
                        clicked |= resp.clicked();
                        if resp.double_clicked() && node.child_count > 0 {
                            toggles.push(id);
                        }
                        resp.context_menu(|ui| {
                            let at = (!inverted).then_some((tree, id));
                            menu = super::menu::function_menu(ui, input.profile, frame, at);
                        });
                    });
                });
                // Bottom-up, a root's weight is its function's self weight;
                // deeper rows are caller paths, which have no self of their own.
                let self_w = if inverted { (node.depth == 1).then_some(node.total) } else { Some(node.self_weight) };
                let cells = [
                    input.metric.format(node.total),
                    format!("{:.2}%", percent(node.total, whole)),
                    self_w.map(|w| input.metric.format(w)).unwrap_or_default(),
                    self_w.map(|w| format!("{:.2}%", percent(w, whole))).unwrap_or_default(),
                ];
                for text in cells {
                    row.col(|ui| table_fit::number_cell(ui, text, 0.0));
                }
                if clicked || row.response().clicked() {
                    state.selected = Some(id);
                    commands.push(Command::Select(Some(frame)));
                }
                commands.extend(menu);
            });
        });
    for t in toggles {
        state.toggle(t);
        state.selected = Some(t);
    }
    commands
}
