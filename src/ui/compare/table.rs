//! The delta table: one row per function with self and total before, after
//! and the change, and the change of its share of the total; sorted by the
//! absolute change (self or total, the person picks). Linked to the
//! differential flamegraph as the hot table is to the flamegraph: a click
//! selects the function (its boxes outlined), a double click zooms to its
//! widest box, and a function selected in the flamegraph scrolls into view.

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};

use super::flame::{signed, signed_points};
use crate::analysis::diff::{Diff, DiffRow};
use crate::model::Metric;
use crate::ui::theme;

/// How the rows are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeltaSort {
    /// By the absolute change of self weight, largest first. Default.
    #[default]
    SelfChange,
    /// By the absolute change of total weight, largest first.
    TotalChange,
}

/// Table state kept between frames.
#[derive(Clone, Debug, Default)]
pub struct DeltaTableState {
    /// The order.
    pub sort: DeltaSort,
    /// Row order as indices into [`Diff::rows`] for `sort`.
    order: Vec<usize>,
    /// (rows address, rows, sort) `order` is for.
    key: Option<(usize, usize, DeltaSort)>,
    /// Selection last scrolled to.
    last_selected: Option<u32>,
    /// Only functions whose name contains this.
    pub filter: String,
}

impl DeltaTableState {
    /// Indices into `diff.rows` in table order (before the text filter).
    pub fn order(&mut self, diff: &Diff) -> &[usize] {
        let key = (diff.rows.as_ptr() as usize, diff.rows.len(), self.sort);
        if self.key != Some(key) {
            let mut order: Vec<usize> = (0..diff.rows.len()).collect();
            if self.sort == DeltaSort::TotalChange {
                // Stable: equal total changes keep the self-change order.
                order.sort_by_key(|&i| std::cmp::Reverse(diff.rows[i].total_delta().abs()));
            }
            self.order = order;
            self.key = Some(key);
        }
        &self.order
    }
}

/// What a person did in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableAction {
    /// Select the function (a row click).
    Select(u32),
    /// Zoom the flamegraph to the function's widest box (a double click).
    ZoomTo(u32),
}

/// Change of `r`'s share of its side's total, percentage points.
pub fn share_change(diff: &Diff, r: &DiffRow) -> f64 {
    let share = |w: i128, t: i128| if t == 0 { 0.0 } else { w as f64 * 100.0 / t as f64 };
    share(r.after_total, diff.after_total) - share(r.before_total, diff.before_total)
}

/// The cells of a row as text, in column order (for tests and the table).
pub fn row_texts(diff: &Diff, r: &DiffRow, m: &Metric) -> [String; 8] {
    [
        r.display_name(diff),
        m.format(r.before_self),
        m.format(r.after_self),
        signed(m, r.self_delta()),
        m.format(r.before_total),
        m.format(r.after_total),
        signed(m, r.total_delta()),
        signed_points(share_change(diff, r)),
    ]
}

const TITLES: [&str; 8] = [
    "Function",
    "Self before",
    "Self after",
    "Self change",
    "Total before",
    "Total after",
    "Total change",
    "Share change",
];

/// The table in `ui`'s available space; with `changed_only` (the
/// flamegraph's "Changed only"), without the functions whose self and
/// total did not change.
pub fn ui(
    ui: &mut Ui,
    state: &mut DeltaTableState,
    diff: &Diff,
    m: &Metric,
    (selected, changed_only): (Option<u32>, bool),
) -> Vec<TableAction> {
    let mut actions = Vec::new();
    let changed = |i: usize| !changed_only || diff.rows[i].self_delta() != 0 || diff.rows[i].total_delta() != 0;
    ui.horizontal_wrapped(|ui| {
        let count = |n: usize| crate::model::units::format_int(n as u64);
        let all = diff.rows.len();
        let title = if changed_only {
            let n = (0..all).filter(|&i| changed(i)).count();
            format!("Functions by change ({} changed of {})", count(n), count(all))
        } else {
            format!("Functions by change ({})", count(all))
        };
        ui.label(title);
        ui.label("Sort by the size of the");
        ui.radio_value(&mut state.sort, DeltaSort::SelfChange, "self change");
        ui.radio_value(&mut state.sort, DeltaSort::TotalChange, "total change");
        ui.add(egui::TextEdit::singleline(&mut state.filter).hint_text("Filter functions").desired_width(180.0));
    });
    let needle = state.filter.trim().to_lowercase();
    let rows: Vec<usize> = state
        .order(diff)
        .iter()
        .copied()
        .filter(|&i| changed(i) && (needle.is_empty() || diff.rows[i].name.to_lowercase().contains(&needle)))
        .collect();
    let scroll_to = if selected != state.last_selected {
        state.last_selected = selected;
        selected.and_then(|f| rows.iter().position(|&i| diff.rows[i].function == f))
    } else {
        None
    };
    let row_h = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    // Narrower than its columns' least widths, the table scrolls sideways
    // instead of losing its change columns past the window's edge.
    let least = 160.0 + (TITLES.len() - 1) as f32 * 80.0 + TITLES.len() as f32 * ui.spacing().item_spacing.x * 2.0;
    if ui.available_width() < least {
        egui::ScrollArea::horizontal().id_salt("delta_table_sideways").auto_shrink([false, false]).show(ui, |ui| {
            ui.set_width(least);
            draw(ui, diff, m, selected, &rows, scroll_to, row_h, &mut actions);
        });
    } else {
        draw(ui, diff, m, selected, &rows, scroll_to, row_h, &mut actions);
    }
    actions
}

/// The table's rows (`rows` indexes `diff.rows`), scrolled to `scroll_to`.
#[allow(clippy::too_many_arguments)]
fn draw(
    ui: &mut Ui,
    diff: &Diff,
    m: &Metric,
    selected: Option<u32>,
    rows: &[usize],
    scroll_to: Option<usize>,
    row_h: f32,
    actions: &mut Vec<TableAction>,
) {
    let mut table = TableBuilder::new(ui)
        .min_scrolled_height(0.0)
        .auto_shrink([false, false])
        .id_salt("delta_table")
        .striped(true)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::remainder().at_least(160.0).clip(true));
    for _ in 1..TITLES.len() {
        table = table.column(Column::auto().at_least(80.0));
    }
    if let Some(r) = scroll_to {
        table = table.scroll_to_row(r, Some(egui::Align::Center));
    }
    table
        .header(row_h, |mut header| {
            for t in TITLES {
                header.col(|ui| {
                    ui.strong(t);
                });
            }
        })
        .body(|body| {
            body.rows(row_h, rows.len(), |mut row| {
                let r = &diff.rows[rows[row.index()]];
                row.set_selected(selected == Some(r.function));
                let texts = row_texts(diff, r, m);
                for (k, text) in texts.into_iter().enumerate() {
                    row.col(|ui| {
                        let change = k == 3 || k == 6;
                        let delta = if k == 3 { r.self_delta() } else { r.total_delta() };
                        let rich = RichText::new(text);
                        let rich = match (change, delta.signum()) {
                            (true, 1) => rich.color(theme::DIFF_MORE),
                            (true, -1) => rich.color(theme::DIFF_LESS),
                            _ => rich,
                        };
                        if k == 0 {
                            // The whole name, capped, and the module on hover
                            // (egui's own tooltip of an elided label is the
                            // whole name, however long).
                            let hover = if r.module.is_empty() {
                                crate::ui::tooltip_name(&r.name).into_owned()
                            } else {
                                format!("{}\n{}", crate::ui::tooltip_name(&r.name), crate::ui::tooltip_name(&r.module))
                            };
                            ui.add(egui::Label::new(rich).truncate().show_tooltip_when_elided(false).selectable(false))
                                .on_hover_text(hover);
                        } else {
                            ui.add(egui::Label::new(rich).selectable(false));
                        }
                    });
                }
                let response = row.response();
                if response.double_clicked() {
                    actions.push(TableAction::ZoomTo(r.function));
                } else if response.clicked() {
                    actions.push(TableAction::Select(r.function));
                }
            });
        });
}
