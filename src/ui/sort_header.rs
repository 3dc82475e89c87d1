//! The sortable column header every table shares: a selectable title with
//! ⏷ (descending) or ⏶ (ascending) on the sorted column. The caller keeps
//! its own sort state; this draws, reports the click, and remembers that
//! the table was re-sorted so that [`top_after_sort`] scrolls it back to its
//! first row on the next frame (the header is drawn after the table's
//! scroll position is set, so the same frame is too late).

use egui::{Id, Ui};
use egui_extras::TableBuilder;

fn sorted_flag(table: &str) -> Id {
    Id::unique(("firesight_table_sorted", table))
}

/// Draws `title` as a header cell of the table named `table` (its
/// `id_salt`); `sorted` is `None` for an unsorted column, `Some(descending)`
/// for the sorted one. Returns true when clicked.
pub fn sort_header(ui: &mut Ui, table: &str, title: &str, sorted: Option<bool>) -> bool {
    let arrow = match sorted {
        None => "",
        Some(true) => " ⏷",
        Some(false) => " ⏶",
    };
    let clicked = ui
        .selectable_label(sorted.is_some(), format!("{title}{arrow}"))
        .on_hover_text(format!("Sort by {}", title.to_lowercase()))
        .clicked();
    if clicked {
        mark_sorted(ui.ctx(), table);
    }
    clicked
}

/// [`sort_header`] whose hover says what the column holds (`what`) before
/// that a click sorts by it.
pub fn sort_header_explained(ui: &mut Ui, table: &str, title: &str, sorted: Option<bool>, what: &str) -> bool {
    let arrow = match sorted {
        None => "",
        Some(true) => " ⏷",
        Some(false) => " ⏶",
    };
    let clicked = ui
        .selectable_label(sorted.is_some(), format!("{title}{arrow}"))
        .on_hover_text(format!("{what}. Click to sort by it."))
        .clicked();
    if clicked {
        mark_sorted(ui.ctx(), table);
    }
    clicked
}

/// Remembers that the table named `table` was re-sorted (by a click or by
/// a metric switch), so that [`top_after_sort`] shows its first row.
pub fn mark_sorted(ctx: &egui::Context, table: &str) {
    ctx.data_mut(|d| d.insert_temp(sorted_flag(table), true));
    ctx.request_repaint();
}

/// True (once) when the table named `table` was sorted since it was last
/// drawn: a caller with its own scroll area scrolls it to the top.
pub fn take_sorted(ctx: &egui::Context, table: &str) -> bool {
    ctx.data_mut(|d| d.remove_temp::<bool>(sorted_flag(table))).unwrap_or(false)
}

/// `builder` scrolled to the top when the table named `table` was sorted
/// since it was last drawn; otherwise unchanged.
pub fn top_after_sort<'a>(ctx: &egui::Context, table: &str, builder: TableBuilder<'a>) -> TableBuilder<'a> {
    if take_sorted(ctx, table) { builder.vertical_scroll_offset(0.0) } else { builder }
}
