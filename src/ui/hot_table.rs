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
use crate::model::{FrameId, FunctionTable, Metric, MetricId, Profile, Weight};
use crate::ui::command::Command;
use crate::ui::document::percent;
use crate::ui::memory_table::{self, MemoryTableState};
use crate::ui::table_fit;

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
    /// Cumulative self share of each row of `order`, in that order.
    cumulative: Vec<f64>,
    /// What `order` was computed for: (table address, sort, reversed, filter).
    order_key: Option<(usize, SortKey, bool, String)>,
    /// Last selection seen, to scroll a newly selected row into view.
    last_selected: Option<FrameId>,
    /// Show self/total rows even where a memory view exists. Default: false.
    pub hide_memory: bool,
    /// The memory view's sort and row order.
    pub memory: MemoryTableState,
    /// Column widths and cumulative shares of the current function table.
    measured: Measured,
}

/// The row, in [`HotTableState::order`], of the samples with an empty
/// stack ("[no stack]"): their weight is the root's self, which no function
/// owns. `firesight top` lists them under the same name.
pub const NO_STACK: usize = usize::MAX;

/// Name of the [`NO_STACK`] row.
pub const NO_STACK_NAME: &str = "[no stack]";

impl HotTableState {
    /// Rows in display order (after sort and filter): indices into the
    /// function table, and [`NO_STACK`] for the samples with no stack.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The "Cumulative self %" of each row of [`HotTableState::order`]
    /// (0..=1): the running sum of `|self|` down the rows as shown, of the
    /// `|self|` of every function and the samples with no stack
    /// ([`FunctionTable::cumulative_abs_self`]). The "[no stack]" row adds
    /// nothing (it is not a function) and shows none.
    pub fn cumulative(&self) -> &[f64] {
        &self.cumulative
    }

    /// Recomputes the row order when its inputs changed. `no_stack` is the
    /// weight of the samples with an empty stack (the root's self); when
    /// not 0 it is a row of its own, sorted with the others (self and
    /// total are both that weight; ties after the functions).
    pub fn refresh(&mut self, profile: &Profile, functions: &FunctionTable, no_stack: Weight) {
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
        if no_stack != 0 && NO_STACK_NAME.contains(&needle) {
            order.push(NO_STACK);
        }
        let rows = &functions.rows;
        let name = |i: usize| if i == NO_STACK { NO_STACK_NAME } else { &profile.frames.frame(rows[i].frame).name };
        let module = |i: usize| if i == NO_STACK { "" } else { &profile.frames.frame(rows[i].frame).module };
        let self_w = |i: usize| if i == NO_STACK { no_stack } else { rows[i].self_weight };
        let total = |i: usize| if i == NO_STACK { no_stack } else { rows[i].total };
        // The table arrives sorted by self; stable sorts keep that as the tie-break.
        match self.sort {
            // By size, as the table arrives (diff profiles have negative weights).
            SortKey::SelfWeight => order.sort_by_key(|&a| std::cmp::Reverse(self_w(a).abs())),
            SortKey::Total => order.sort_by_key(|&a| std::cmp::Reverse(total(a))),
            SortKey::Function => order.sort_by(|&a, &b| name(a).cmp(name(b))),
            SortKey::Module => order.sort_by(|&a, &b| module(a).cmp(module(b))),
        }
        if self.reversed {
            order.reverse();
        }
        // In the order shown: a share carried over from another order would
        // not add up down the column.
        self.cumulative = functions.cumulative_abs_self(&order, no_stack);
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
    /// Its id (the memory view sorts by the column of the metric shown).
    pub metric_id: MetricId,
    /// Weight of the samples with an empty stack (the tree root's self),
    /// shown as the "[no stack]" row when not 0.
    pub no_stack: Weight,
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
            if state.memory.follow_metric(input.metric_id == view.objects) {
                // The rows come in a new order: show them from the top.
                super::sort_header::mark_sorted(ui.ctx(), "memory_table");
            }
            state.memory.refresh(input.profile, view, &state.filter);
            (state.memory.order().len(), view.rows.len())
        }
        None => {
            state.refresh(input.profile, input.functions, input.no_stack);
            // The heading counts functions; "[no stack]" is not one.
            let functions = state.order.iter().filter(|&&i| i != NO_STACK).count();
            (functions, input.functions.rows.len())
        }
    };
    ui.horizontal(|ui| {
        let count = crate::model::units::format_int(all as u64);
        if state.filter.trim().is_empty() {
            ui.label(format!("Hot functions ({count})"));
        } else {
            ui.label(format!("Hot functions ({} of {count})", crate::model::units::format_int(shown as u64)));
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
    state.refresh(input.profile, input.functions, input.no_stack);
    table_ui(ui, state, input, &mut commands);
    commands
}

/// Smallest width of the function column, px; below it the table scrolls sideways.
const FUNCTION_MIN_PX: f32 = 160.0;
/// Widest the module column gets, px; longer modules are elided (whole on hover).
const MODULE_MAX_PX: f32 = 200.0;

/// The columns: title and sort key.
const HEADERS: [(&str, Option<SortKey>); 7] = [
    ("Function", Some(SortKey::Function)),
    ("Module", Some(SortKey::Module)),
    ("Self", Some(SortKey::SelfWeight)),
    ("Self %", None),
    ("Total", Some(SortKey::Total)),
    ("Total %", None),
    (CUMULATIVE_TITLE, None),
];

/// Title of the cumulative self share column.
const CUMULATIVE_TITLE: &str = "Cumulative self %";

/// Widths of the widest module and of the widest value of each numeric
/// column over every row, kept until the function table or the font changes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Measured {
    /// (function table address, font size bits) the values are for.
    key: Option<(usize, u32)>,
    /// Module, self, self %, total, total %, cumulative %, px.
    widths: [f32; 6],
}

impl Measured {
    fn refresh(&mut self, ui: &Ui, input: &TableInput<'_>) {
        let font = table_fit::body_font(ui);
        let key = (input.functions as *const FunctionTable as usize, font.size.to_bits());
        if self.key == Some(key) {
            return;
        }
        let rows = &input.functions.rows;
        let (m, whole) = (input.metric, input.functions.share_base);
        let frames = &input.profile.frames;
        let pct = |w| format!("{:.2}%", percent(w, whole));
        // The "[no stack]" row's self and total are the same weight.
        let extra = (input.no_stack != 0).then_some(input.no_stack);
        let weights = |f: fn(&crate::model::FunctionRow) -> Weight| rows.iter().map(f).chain(extra);
        self.widths = [
            table_fit::widest(ui, &font, rows.iter().map(|r| frames.frame(r.frame).module.clone())),
            table_fit::widest(ui, &font, weights(|r| r.self_weight).map(|w| m.format(w))),
            table_fit::widest(ui, &font, weights(|r| r.self_weight).map(pct)),
            table_fit::widest(ui, &font, weights(|r| r.total).map(|w| m.format(w))),
            table_fit::widest(ui, &font, weights(|r| r.total).map(pct)),
            // Cumulative shares run up to 100% in any order.
            table_fit::widest(ui, &font, ["100.00%".to_string()]),
        ];
        self.key = Some(key);
    }
}

/// The table itself, at widths that fit its values ([`table_fit`]); it
/// scrolls sideways when the view is narrower than that.
fn table_ui(ui: &mut Ui, state: &mut HotTableState, input: &TableInput<'_>, commands: &mut Vec<Command>) {
    state.measured.refresh(ui, input);
    let gutter = table_fit::scroll_gutter(ui);
    let mut rest = [0.0; 6];
    for (i, w) in rest.iter_mut().enumerate() {
        let (title, key) = HEADERS[i + 1];
        *w = state.measured.widths[i].max(table_fit::header_width(ui, title, key.is_some()));
    }
    rest[0] = rest[0].min(MODULE_MAX_PX.max(table_fit::header_width(ui, HEADERS[1].0, true)));
    rest[5] += gutter;
    let fit = table_fit::fit(ui.available_width(), ui.spacing().item_spacing.x, FUNCTION_MIN_PX, &rest);
    if fit.scroll {
        egui::ScrollArea::horizontal().id_salt("hot_table_sideways").auto_shrink([false, false]).show(ui, |ui| {
            ui.set_width(fit.total);
            rows_ui(ui, state, input, &fit.widths, gutter, commands);
        });
    } else {
        rows_ui(ui, state, input, &fit.widths, gutter, commands);
    }
}

/// Header and visible rows at `widths` (one per column).
fn rows_ui(
    ui: &mut Ui,
    state: &mut HotTableState,
    input: &TableInput<'_>,
    widths: &[f32],
    gutter: f32,
    commands: &mut Vec<Command>,
) {
    let scroll_to = if input.selected != state.last_selected {
        state.last_selected = input.selected;
        let rows = &input.functions.rows;
        input.selected.and_then(|f| state.order.iter().position(|&i| rows.get(i).is_some_and(|r| r.frame == f)))
    } else {
        None
    };
    let ctx = ui.ctx().clone();
    let mut table = TableBuilder::new(ui)
        .min_scrolled_height(0.0)
        .id_salt("hot_table")
        .striped(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
    for &w in widths {
        table = table.column(Column::exact(w));
    }
    if let Some(row) = scroll_to {
        table = table.scroll_to_row(row, Some(egui::Align::Center));
    }
    let table = super::sort_header::top_after_sort(&ctx, "hot_table", table);
    // Diff profiles: shares of the share base (the sum of absolute weights, or the base profile's).
    let whole = input.functions.share_base;
    let last = HEADERS.len() - 1;
    table
        .header(22.0, |mut header| {
            for (k, (title, key)) in HEADERS.into_iter().enumerate() {
                // Numbers and their titles are right-aligned.
                header.col(|ui| match k {
                    0 | 1 => header_cell(ui, state, title, key),
                    _ => {
                        let pad = if k == last { gutter } else { 0.0 };
                        table_fit::right_aligned(ui, pad, |ui| header_cell(ui, state, title, key));
                    }
                });
            }
        })
        .body(|body| {
            body.rows(20.0, state.order.len(), |mut row| {
                let i = state.order[row.index()];
                if i == NO_STACK {
                    no_stack_row(&mut row, input, gutter);
                    return;
                }
                let r = &input.functions.rows[i];
                let frame = input.profile.frames.frame(r.frame);
                let selected = input.selected == Some(r.frame);
                row.set_selected(selected);
                let mut clicked = false;
                let mut double = false;
                let mut menu = Vec::new();
                row.col(|ui| {
                    // Elided with … when the column is narrower than the name.
                    let name = crate::model::frame::shown_name(&frame.name);
                    let button = egui::Button::selectable(selected, name).truncate();
                    let resp = ui.add(button).on_hover_text(crate::ui::tooltip_name(name));
                    clicked |= resp.clicked();
                    double |= resp.double_clicked();
                    resp.context_menu(|ui| {
                        menu = crate::ui::profile::menu::function_menu(ui, input.profile, r.frame, None)
                    });
                });
                commands.extend(menu);
                row.col(|ui| {
                    ui.add(egui::Label::new(&frame.module).truncate());
                });
                let cumulative = state.cumulative.get(row.index()).copied().unwrap_or(0.0);
                let cells = [
                    input.metric.format(r.self_weight),
                    format!("{:.2}%", percent(r.self_weight, whole)),
                    input.metric.format(r.total),
                    format!("{:.2}%", percent(r.total, whole)),
                    format!("{:.2}%", cumulative * 100.0),
                ];
                for (k, text) in cells.into_iter().enumerate() {
                    let pad = if k + 2 == last { gutter } else { 0.0 };
                    row.col(|ui| table_fit::number_cell(ui, text, pad));
                }
                if double {
                    commands.push(Command::Select(Some(r.frame)));
                    commands.push(Command::ZoomToHeaviest(r.frame));
                    commands.push(Command::ShowSource(Some(r.frame)));
                } else if clicked {
                    commands.push(Command::Select(Some(r.frame)));
                }
            });
        });
}

/// The "[no stack]" row: the weight of samples with an empty stack, self
/// and total alike; no function, so no module, no cumulative share (as in
/// `firesight top`) and nothing to select.
fn no_stack_row(row: &mut egui_extras::TableRow<'_, '_>, input: &TableInput<'_>, gutter: f32) {
    let (w, whole) = (input.no_stack, input.functions.share_base);
    row.col(|ui| {
        // Lined up with the function names, which are buttons.
        ui.add_space(ui.spacing().button_padding.x);
        ui.add(egui::Label::new(egui::RichText::new(NO_STACK_NAME).italics()).truncate()).on_hover_text(
            "Samples with an empty stack (no frame at all): they count in the total but belong to no function",
        );
    });
    row.col(|_| {});
    let cells = [input.metric.format(w), format!("{:.2}%", percent(w, whole))];
    for text in [cells[0].clone(), cells[1].clone(), cells[0].clone(), cells[1].clone()] {
        row.col(|ui| table_fit::number_cell(ui, text, 0.0));
    }
    row.col(|ui| table_fit::number_cell(ui, "–".to_string(), gutter));
}

/// One header cell: a plain title, or a sort toggle for sortable columns.
fn header_cell(ui: &mut Ui, state: &mut HotTableState, title: &str, key: Option<SortKey>) {
    let Some(key) = key else {
        let label = ui.strong(title);
        if title == CUMULATIVE_TITLE {
            label.on_hover_text(
                "Running sum of the self column down the rows in the order shown, as a share of the self \
                 weight of every function (sizes of changes, in a diff profile)",
            );
        }
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
