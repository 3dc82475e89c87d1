//! The sortable column header every table shares: a selectable title with
//! ⏷ (descending) or ⏶ (ascending) on the sorted column. The caller keeps
//! its own sort state; this only draws and reports the click.

use egui::Ui;

/// Draws `title` as a header cell; `sorted` is `None` for an unsorted
/// column, `Some(descending)` for the sorted one. Returns true when clicked.
pub fn sort_header(ui: &mut Ui, title: &str, sorted: Option<bool>) -> bool {
    let arrow = match sorted {
        None => "",
        Some(true) => " ⏷",
        Some(false) => " ⏶",
    };
    ui.selectable_label(sorted.is_some(), format!("{title}{arrow}"))
        .on_hover_text(format!("Sort by {}", title.to_lowercase()))
        .clicked()
}
