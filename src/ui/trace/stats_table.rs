//! The cells of the trace view's stats tables (services, operations, the
//! critical path): their headers, widths and rows, the fitted layout
//! that gives names their width first, and the swatch and share bar.
//! Drawn for [`crate::ui::service_table`]. Imports `model`, `analysis` and egui.

use egui::{Color32, RichText, Sense, Ui};
use egui_extras::{Column, TableBuilder};

use crate::analysis::traces::SpanStats;
use crate::model::units::format_duration_ns;
use crate::ui::service_table::{NAME_MAX_PX, StatsKey};
use crate::ui::table_fit;
use crate::ui::trace::cpu_column::CpuColumn;
use crate::ui::trace_colors::{ERROR, ServiceColors};

/// Width of the service swatch before a name, px.
pub(crate) const SWATCH_PX: f32 = 8.0;
/// Width of the share bar, px.
pub(crate) const SHARE_PX: f32 = 64.0;

/// Lays out a table whose first column wants `name_w` px (at most
/// [`NAME_MAX_PX`]) and the others `rest`: the name column takes what the
/// numbers leave but never less than it wants; when that does not fit, the
/// table scrolls sideways. `table` draws it at the given widths.
pub(crate) fn fitted(ui: &mut Ui, salt: &str, name_w: f32, rest: &[f32], table: impl FnOnce(&mut Ui, &[f32])) {
    let fit = table_fit::fit(ui.available_width(), ui.spacing().item_spacing.x, name_w.min(NAME_MAX_PX), rest);
    if fit.scroll {
        egui::ScrollArea::horizontal().id_salt(salt).auto_shrink([false, true]).show(ui, |ui| {
            ui.set_width(fit.total);
            table(ui, &fit.widths);
        });
    } else {
        table(ui, &fit.widths);
    }
}

/// `TableBuilder::columns` at exact widths.
pub(crate) trait ExactColumns {
    fn columns_exact(self, widths: &[f32]) -> Self;
}

impl ExactColumns for TableBuilder<'_> {
    fn columns_exact(mut self, widths: &[f32]) -> Self {
        for &w in widths {
            self = self.column(Column::exact(w).clip(true));
        }
        self
    }
}

/// The CPU column of a table, when a profile is linked: the figures and
/// whether the table sums every trace.
pub(crate) type Cpu<'a> = Option<(&'a CpuColumn, bool)>;

/// Where the CPU column goes among [`STATS_HEADERS`]: after "Self %".
pub(crate) const CPU_AT: usize = 2;

/// The titles of the stats tables after the name, with their sort keys and
/// hovers; with a linked profile, "CPU" is inserted at [`CPU_AT`].
pub(crate) const STATS_HEADERS: [(&str, Option<StatsKey>, &str); 5] = [
    ("Self", Some(StatsKey::SelfTime), "Time in the spans not covered by their children"),
    ("Self %", None, "Share of the self time of all rows"),
    (
        "Wall",
        Some(StatsKey::Wall),
        "Wall time: how long at least one of the spans was running (the union of their intervals, per trace); \
         nested spans count once",
    ),
    ("Spans", Some(StatsKey::Spans), "Number of spans"),
    ("Errors", Some(StatsKey::Errors), "Spans with an error status"),
];

pub(crate) fn total_self(rows: &[SpanStats]) -> u64 {
    rows.iter().map(|r| r.self_ns).sum::<u64>().max(1)
}

/// The number columns' titles, sort keys and hovers: [`STATS_HEADERS`],
/// with the CPU column when there is one.
pub(crate) fn stats_headers(cpu: Cpu) -> Vec<(&'static str, Option<StatsKey>, String)> {
    let mut h: Vec<_> = STATS_HEADERS.iter().map(|&(t, k, hover)| (t, k, hover.to_string())).collect();
    if let Some((c, _)) = cpu {
        h.insert(CPU_AT, ("CPU", Some(StatsKey::Cpu), c.hover()));
    }
    h
}

/// The texts of a row's number columns ([`stats_headers`]).
pub(crate) fn stats_cells(r: &SpanStats, total_self: u64, by_name: bool, cpu: Cpu) -> Vec<String> {
    let mut cells = vec![
        format_duration_ns(r.self_ns as f64),
        format!("{:.1}%", r.self_ns as f64 * 100.0 / total_self as f64),
        format_duration_ns(r.wall_ns as f64),
        r.spans.to_string(),
        r.errors.to_string(),
    ];
    if let Some((c, all)) = cpu {
        cells.insert(CPU_AT, c.text(all, &r.service, by_name.then_some(r.name.as_str())));
    }
    cells
}

/// The width the name column wants and the widths of the number columns
/// (the last with the scroll bar's gutter), px.
pub(crate) fn stats_widths(ui: &Ui, rows: &[SpanStats], by_name: bool, cpu: Cpu) -> Vec<f32> {
    let total_self = total_self(rows);
    let font = table_fit::body_font(ui);
    let small = egui::TextStyle::Small.resolve(ui.style());
    let gap = ui.spacing().item_spacing.x;
    let headers = stats_headers(cpu);
    let cells: Vec<Vec<String>> = rows.iter().map(|r| stats_cells(r, total_self, by_name, cpu)).collect();
    let mut rest: Vec<f32> = headers
        .iter()
        .enumerate()
        .map(|(k, (title, key, _))| {
            let values = table_fit::widest(ui, &font, cells.iter().map(|c| c[k].clone()));
            values.max(table_fit::header_width(ui, title, key.is_some()))
        })
        .collect();
    if let Some(last) = rest.last_mut() {
        *last += table_fit::scroll_gutter(ui);
    }
    let name_w = rows
        .iter()
        .map(|r| {
            let name = table_fit::widest(ui, &font, [if by_name { r.name.clone() } else { r.service.clone() }]);
            let service = if by_name { table_fit::widest(ui, &small, [r.service.clone()]) + gap } else { 0.0 };
            SWATCH_PX + gap + service + name
        })
        .fold(table_fit::header_width(ui, "Service", true), f32::max);
    std::iter::once(name_w).chain(rest).collect()
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn stats_table(
    ui: &mut Ui,
    id: &str,
    rows: &[SpanStats],
    widths: &[f32],
    (sort, by_name): ((StatsKey, bool), bool),
    cpu: Cpu,
    colors: &ServiceColors,
    max_h: f32,
) -> Option<(StatsKey, bool)> {
    let mut out = None;
    let total_self = total_self(rows);
    let cells = |r: &SpanStats| stats_cells(r, total_self, by_name, cpu);
    let headers = stats_headers(cpu);
    let last = headers.len() - 1;
    // Selectable labels would take the click from the row under them.
    ui.style_mut().interaction.selectable_labels = false;
    let gutter = table_fit::scroll_gutter(ui);
    let (name_w, rest) = (widths[0], &widths[1..]);
    let ctx = ui.ctx().clone();
    fitted(ui, &format!("{id}_sideways"), name_w, rest, |ui, widths| {
        let table = TableBuilder::new(ui).min_scrolled_height(0.0).id_salt(id);
        crate::ui::sort_header::top_after_sort(&ctx, id, table)
            .striped(true)
            .max_scroll_height(max_h)
            .auto_shrink([false, true])
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .columns_exact(widths)
            .header(22.0, |mut h| {
                let title = if by_name { "Span" } else { "Service" };
                h.col(|ui| header(ui, id, sort, title, StatsKey::Name, "The name", &mut out));
                for (k, (title, key, hover)) in headers.iter().enumerate() {
                    let pad = if k == last { gutter } else { 0.0 };
                    h.col(|ui| {
                        table_fit::right_aligned(ui, pad, |ui| match *key {
                            Some(key) => header(ui, id, sort, title, key, hover, &mut out),
                            None => {
                                ui.strong(*title).on_hover_text(hover);
                            }
                        });
                    });
                }
            })
            .body(|body| {
                body.rows(20.0, rows.len(), |mut row| {
                    let r = &rows[row.index()];
                    row.col(|ui| {
                        swatch(ui, colors.get(&r.service));
                        let whole = if by_name { format!("{}: {}", r.service, r.name) } else { r.service.clone() };
                        if by_name {
                            ui.label(RichText::new(&r.service).weak().small());
                        }
                        let name = if by_name { &r.name } else { &r.service };
                        let hover = format!(
                            "{whole}\nspan durations summed: {} (nested spans count each time)",
                            format_duration_ns(r.total_ns as f64)
                        );
                        ui.add(egui::Label::new(name).truncate()).on_hover_text(hover);
                    });
                    for (k, text) in cells(r).into_iter().enumerate() {
                        let pad = if k == last { gutter } else { 0.0 };
                        row.col(|ui| {
                            let text = RichText::new(text);
                            let text = if k == last && r.errors > 0 { text.color(ERROR).strong() } else { text };
                            table_fit::right_aligned(ui, pad, |ui| ui.label(text));
                        });
                    }
                });
            });
    });
    out
}

pub(crate) fn header(
    ui: &mut Ui,
    table: &str,
    sort: (StatsKey, bool),
    title: &str,
    key: StatsKey,
    hover: &str,
    out: &mut Option<(StatsKey, bool)>,
) {
    // `sort.1` is "ascending".
    let sorted = (sort.0 == key).then_some(!sort.1);
    if crate::ui::sort_header::sort_header_explained(ui, table, title, sorted, hover) {
        *out = Some(if sort.0 == key { (key, !sort.1) } else { (key, key == StatsKey::Name) });
    }
}

pub(crate) fn swatch(ui: &mut Ui, color: Color32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(SWATCH_PX, 14.0), Sense::hover());
    ui.painter().rect_filled(rect, 1.0, color);
}

pub(crate) fn share_bar(ui: &mut Ui, share: f64) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(SHARE_PX, 14.0), Sense::hover());
    let bg = if ui.visuals().dark_mode { Color32::from_gray(50) } else { Color32::from_gray(225) };
    ui.painter().rect_filled(rect, 2.0, bg);
    let mut fill = rect;
    fill.set_width(rect.width() * share.clamp(0.0, 1.0) as f32);
    ui.painter().rect_filled(fill, 2.0, Color32::from_rgb(70, 130, 190));
    ui.painter().text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        format!("{:.1}%", share * 100.0),
        egui::FontId::proportional(11.0),
        ui.visuals().strong_text_color(),
    );
}
