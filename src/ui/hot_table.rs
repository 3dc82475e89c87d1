//! The hot-function table: self and total per function, sortable, filterable,
//! linked to the flamegraph by selection.
//!
//! egui_extras' `TableBuilder` lays out only the visible rows. The row order
//! is cached and recomputed only when the table, the sort or the filter
//! changes. When the metric has an objects/bytes partner (heap and
//! allocation profiles) the rows are the memory view instead
//! ([`crate::ui::memory_table`]), unless the person turns it off. Returns
//! [`Command`]s; imports `model`, `analysis` and `ui` only.

use egui::Ui;
use egui_extras::{Column, TableBuilder};

use crate::analysis::memory::MemoryView;
use crate::model::{FrameId, FunctionTable, Metric, Profile};
use crate::ui::command::Command;
use crate::ui::document::percent;
use crate::ui::memory_table::{self, MemoryTableState};

/// A sortable column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortKey {
    /// Function name.
    Function,
    /// Module name.
    Module,
    /// Self weight (and self %, cumulative self %). Default.
    #[default]
    SelfWeight,
    /// Total weight (and total %).
    Total,
}

/// Table state kept between frames.
#[derive(Clone, Debug, Default)]
pub struct HotTableState {
    /// Sort column. Default: self.
    pub sort: SortKey,
    /// Ascending instead of the column's natural order. Default: false.
    pub reversed: bool,
    /// The filter box text (case-insensitive substring of function or module).
    pub filter: String,
    /// Row indices into the function table, in display order.
    order: Vec<usize>,
    /// What `order` was computed for: (table address, sort, reversed, filter).
    order_key: Option<(usize, SortKey, bool, String)>,
    /// Last selection seen, to scroll a newly selected row into view.
    last_selected: Option<FrameId>,
    /// Show self/total rows even where a memory view exists. Default: false.
    pub hide_memory: bool,
    /// The memory view's sort and row order.
    pub memory: MemoryTableState,
}

impl HotTableState {
    /// Function table rows in display order (after sort and filter), as indices.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// Recomputes the row order when its inputs changed.
    pub fn refresh(&mut self, profile: &Profile, functions: &FunctionTable) {
        let key = (functions as *const FunctionTable as usize, self.sort, self.reversed, self.filter.clone());
        if self.order_key.as_ref() == Some(&key) {
            return;
        }
        let needle = self.filter.trim().to_lowercase();
        let mut order: Vec<usize> = (0..functions.rows.len())
            .filter(|&i| {
                if needle.is_empty() {
                    return true;
                }
                let f = profile.frames.frame(functions.rows[i].frame);
                f.name.to_lowercase().contains(&needle) || f.module.to_lowercase().contains(&needle)
            })
            .collect();
        let rows = &functions.rows;
        let name = |i: usize| &profile.frames.frame(rows[i].frame).name;
        let module = |i: usize| &profile.frames.frame(rows[i].frame).module;
        // The table arrives sorted by self; stable sorts keep that as the tie-break.
        match self.sort {
            SortKey::SelfWeight => {}
            SortKey::Total => order.sort_by(|&a, &b| rows[b].total.cmp(&rows[a].total)),
            SortKey::Function => order.sort_by(|&a, &b| name(a).cmp(name(b))),
            SortKey::Module => order.sort_by(|&a, &b| module(a).cmp(module(b))),
        }
        if self.reversed {
            order.reverse();
        }
        self.order = order;
        self.order_key = Some(key);
    }
}

/// What the table shows.
pub struct TableInput<'a> {
    /// The profile (names, modules).
    pub profile: &'a Profile,
    /// The rows.
    pub functions: &'a FunctionTable,
    /// The metric of the weights.
    pub metric: &'a Metric,
    /// The selected function.
    pub selected: Option<FrameId>,
    /// The memory view, when the metric has an objects/bytes partner.
    pub memory: Option<&'a MemoryView>,
}

/// Shows the filter box and the table.
pub fn ui(ui: &mut Ui, state: &mut HotTableState, input: &TableInput<'_>) -> Vec<Command> {
    let mut commands = Vec::new();
    let memory = input.memory.filter(|_| !state.hide_memory);
    // Rows of the (label-)filtered tree, and those the text filter leaves.
    let (shown, all) = match memory {
        Some(view) => {
            state.memory.refresh(input.profile, view, &state.filter);
            (state.memory.order().len(), view.rows.len())
        }
        None => {
            state.refresh(input.profile, input.functions);
            (state.order.len(), input.functions.rows.len())
        }
    };
    ui.horizontal(|ui| {
        let count = crate::model::units::format_count(all as f64);
        if state.filter.trim().is_empty() {
            ui.label(format!("Hot functions ({count})"));
        } else {
            ui.label(format!("Hot functions ({} of {count})", crate::model::units::format_count(shown as f64)));
        }
        ui.add(egui::TextEdit::singleline(&mut state.filter).hint_text("Filter functions").desired_width(220.0));
        if !state.filter.is_empty() && ui.button("Clear filter").clicked() {
            state.filter.clear();
        }
        if input.memory.is_some() {
            let mut show = !state.hide_memory;
            ui.checkbox(&mut show, "Memory view: objects and bytes side by side")
                .on_hover_text("Objects, average size and bytes of each function in one row");
            state.hide_memory = !show;
        }
    });
    if let Some(view) = memory {
        return memory_table::ui(ui, &mut state.memory, input.profile, view, &state.filter, input.selected);
    }
    state.refresh(input.profile, input.functions);
    let cumulative = input.functions.cumulative_self_fraction();
    let scroll_to = if input.selected != state.last_selected {
        state.last_selected = input.selected;
        input.selected.and_then(|f| state.order.iter().position(|&i| input.functions.rows[i].frame == f))
    } else {
        None
    };
    let ctx = ui.ctx().clone();
    let mut table = TableBuilder::new(ui)
        .id_salt("hot_table")
        .striped(true)
        .resizable(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        // The function column takes what is left, so the numbers (and the
        // cumulative share) stay on screen when a side panel narrows the table.
        .column(Column::remainder().at_least(120.0).clip(true))
        .column(Column::initial(160.0).at_least(60.0).clip(true))
        .columns(Column::initial(90.0).at_least(60.0), 4)
        .column(Column::initial(120.0).at_least(80.0));
    if let Some(row) = scroll_to {
        table = table.scroll_to_row(row, Some(egui::Align::Center));
    }
    let table = super::sort_header::top_after_sort(&ctx, "hot_table", table);
    let headers = [
        ("Function", Some(SortKey::Function)),
        ("Module", Some(SortKey::Module)),
        ("Self", Some(SortKey::SelfWeight)),
        ("Self %", None),
        ("Total", Some(SortKey::Total)),
        ("Total %", None),
        ("Cumulative self %", None),
    ];
    let whole = input.functions.share_base;
    table
        .header(22.0, |mut header| {
            for (title, key) in headers {
                header.col(|ui| header_cell(ui, state, title, key));
            }
        })
        .body(|body| {
            body.rows(20.0, state.order.len(), |mut row| {
                let i = state.order[row.index()];
                let r = &input.functions.rows[i];
                let frame = input.profile.frames.frame(r.frame);
                let selected = input.selected == Some(r.frame);
                row.set_selected(selected);
                let mut clicked = false;
                let mut double = false;
                row.col(|ui| {
                    let resp = ui.selectable_label(selected, &frame.name).on_hover_text(&frame.name);
                    clicked |= resp.clicked();
                    double |= resp.double_clicked();
                });
                row.col(|ui| {
                    ui.label(&frame.module);
                });
                let cells = [
                    input.metric.format(r.self_weight),
                    format!("{:.2}%", percent(r.self_weight, whole)),
                    input.metric.format(r.total),
                    format!("{:.2}%", percent(r.total, whole)),
                    format!("{:.2}%", cumulative.get(i).copied().unwrap_or(0.0) * 100.0),
                ];
                for text in cells {
                    row.col(|ui| {
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| ui.label(text));
                    });
                }
                if double {
                    commands.push(Command::Select(Some(r.frame)));
                    commands.push(Command::ZoomToHeaviest(r.frame));
                } else if clicked {
                    commands.push(Command::Select(Some(r.frame)));
                }
            });
        });
    commands
}

/// One header cell: a plain title, or a sort toggle for sortable columns.
fn header_cell(ui: &mut Ui, state: &mut HotTableState, title: &str, key: Option<SortKey>) {
    let Some(key) = key else {
        ui.strong(title);
        return;
    };
    let sorted = (state.sort == key).then_some(!state.reversed);
    if super::sort_header::sort_header(ui, "hot_table", title, sorted) {
        if state.sort == key {
            state.reversed = !state.reversed;
        } else {
            state.sort = key;
            state.reversed = false;
        }
    }
}
