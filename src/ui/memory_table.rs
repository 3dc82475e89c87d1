//! The memory view of the hot table: for heap and allocation profiles, the
//! objects and bytes of each function side by side with the average size,
//! so "json_parse 10,000 objects × 2 MiB = 20 GiB" is one row.
//!
//! The rows come from [`crate::analysis::memory::memory_view`], built on a
//! worker with the tree; this file only sorts, filters and lays out the
//! visible rows (egui_extras' `TableBuilder`). Returns [`Command`]s;
//! imports `model`, `analysis` and `ui` only.

use egui::Ui;
use egui_extras::{Column, TableBuilder};

use crate::analysis::memory::{MemoryRow, MemoryView};
use crate::model::{FrameId, Profile, Unit};
use crate::ui::command::Command;
use crate::ui::table_fit;

/// A sortable column of the memory view.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MemorySort {
    /// Function name.
    Function,
    /// Objects of the function itself.
    SelfObjects,
    /// Average bytes per object of the function itself.
    AvgSize,
    /// Bytes of the function itself. Default.
    #[default]
    SelfBytes,
    /// Objects under the function.
    TotalObjects,
    /// Bytes under the function.
    TotalBytes,
}

/// Memory table state kept between frames.
#[derive(Clone, Debug, Default)]
pub struct MemoryTableState {
    /// Sort column. Default: self bytes.
    pub sort: MemorySort,
    /// Ascending instead of the column's natural order. Default: false.
    pub reversed: bool,
    order: Vec<usize>,
    /// What `order` was computed for: (rows address, sort, reversed, filter).
    order_key: Option<(usize, MemorySort, bool, String)>,
    /// Column widths of the current rows.
    measured: Measured,
    /// The metric shown is the object count (not the bytes) of the pair.
    objects_metric: bool,
}

impl MemoryTableState {
    /// Rows of the memory view in display order (after sort and filter), as indices.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// Makes the sort follow a metric switch: when the metric shown becomes
    /// the object count (`objects`) or the bytes of the pair, a sort by the
    /// other one's self or total column moves to the same column of the
    /// metric shown (the name, average size and a sort of the same kind
    /// stay). Returns true when the sort changed.
    pub fn follow_metric(&mut self, objects: bool) -> bool {
        if self.objects_metric == objects {
            return false;
        }
        self.objects_metric = objects;
        let sort = match (self.sort, objects) {
            (MemorySort::SelfBytes, true) => MemorySort::SelfObjects,
            (MemorySort::TotalBytes, true) => MemorySort::TotalObjects,
            (MemorySort::SelfObjects, false) => MemorySort::SelfBytes,
            (MemorySort::TotalObjects, false) => MemorySort::TotalBytes,
            (same, _) => same,
        };
        let changed = sort != self.sort;
        self.sort = sort;
        changed
    }

    /// Recomputes the row order when the rows, the sort or `filter` changed.
    pub fn refresh(&mut self, profile: &Profile, view: &MemoryView, filter: &str) {
        let key = (view.rows.as_ptr() as usize, self.sort, self.reversed, filter.to_string());
        if self.order_key.as_ref() == Some(&key) {
            return;
        }
        let needle = filter.trim().to_lowercase();
        let rows = &view.rows;
        let mut order: Vec<usize> = (0..rows.len())
            .filter(|&i| {
                let f = profile.frames.frame(rows[i].frame);
                needle.is_empty()
                    || f.name.to_lowercase().contains(&needle)
                    || f.module.to_lowercase().contains(&needle)
            })
            .collect();
        let name = |i: usize| &profile.frames.frame(rows[i].frame).name;
        let avg = |i: usize| rows[i].avg_self_size().unwrap_or(0.0);
        // Rows arrive sorted by self bytes; stable sorts keep that as the tie-break.
        match self.sort {
            MemorySort::SelfBytes => {}
            MemorySort::Function => order.sort_by(|&a, &b| name(a).cmp(name(b))),
            MemorySort::SelfObjects => order.sort_by(|&a, &b| rows[b].self_objects.cmp(&rows[a].self_objects)),
            MemorySort::AvgSize => order.sort_by(|&a, &b| avg(b).total_cmp(&avg(a))),
            MemorySort::TotalObjects => order.sort_by(|&a, &b| rows[b].total_objects.cmp(&rows[a].total_objects)),
            MemorySort::TotalBytes => order.sort_by(|&a, &b| rows[b].total_bytes.cmp(&rows[a].total_bytes)),
        }
        if self.reversed {
            order.reverse();
        }
        self.order = order;
        self.order_key = Some(key);
    }
}

/// The cells of one row, in people's units: self objects, avg size, self
/// bytes, total objects, total bytes.
pub fn row_cells(profile: &Profile, view: &MemoryView, r: &MemoryRow) -> [String; 5] {
    let objects = profile.metric(view.objects);
    let bytes = profile.metric(view.bytes);
    [
        objects.format(r.self_objects),
        r.avg_self_size().map_or_else(|| "–".to_string(), |b| Unit::Bytes.format(b)),
        bytes.format(r.self_bytes),
        objects.format(r.total_objects),
        bytes.format(r.total_bytes),
    ]
}

/// Smallest width of the function column, px; below it the table scrolls sideways.
const FUNCTION_MIN_PX: f32 = 160.0;

/// Widths of the widest value of each numeric column over every row, kept
/// until the rows or the font change.
#[derive(Clone, Debug, Default)]
struct Measured {
    /// (rows address, font size bits) the widths are for.
    key: Option<(usize, u32)>,
    /// Self objects, avg size, self bytes, total objects, total bytes, px.
    widths: [f32; 5],
}

impl Measured {
    fn refresh(&mut self, ui: &Ui, profile: &Profile, view: &MemoryView) {
        let font = table_fit::body_font(ui);
        let key = (view.rows.as_ptr() as usize, font.size.to_bits());
        if self.key == Some(key) {
            return;
        }
        let cells: Vec<[String; 5]> = view.rows.iter().map(|r| row_cells(profile, view, r)).collect();
        for (k, w) in self.widths.iter_mut().enumerate() {
            *w = table_fit::widest(ui, &font, cells.iter().map(|c| c[k].clone()));
        }
        self.key = Some(key);
    }
}

/// Shows the memory view's rows (the filter box is the hot table's), at
/// widths that fit every value ([`table_fit`]); the table scrolls sideways
/// when the view is narrower than that.
pub fn ui(
    ui: &mut Ui,
    state: &mut MemoryTableState,
    profile: &Profile,
    view: &MemoryView,
    filter: &str,
    selected: Option<FrameId>,
) -> Vec<Command> {
    let mut commands = Vec::new();
    state.refresh(profile, view, filter);
    state.measured.refresh(ui, profile, view);
    let objects = &profile.metric(view.objects).name;
    let bytes = &profile.metric(view.bytes).name;
    let headers = [
        ("Function".to_string(), MemorySort::Function),
        (format!("Self {objects}"), MemorySort::SelfObjects),
        ("Avg size".to_string(), MemorySort::AvgSize),
        (format!("Self {bytes}"), MemorySort::SelfBytes),
        (format!("Total {objects}"), MemorySort::TotalObjects),
        (format!("Total {bytes}"), MemorySort::TotalBytes),
    ];
    let gutter = table_fit::scroll_gutter(ui);
    let mut rest = [0.0; 5];
    for (k, w) in rest.iter_mut().enumerate() {
        *w = state.measured.widths[k].max(table_fit::header_width(ui, &headers[k + 1].0, true));
    }
    rest[4] += gutter;
    let fit = table_fit::fit(ui.available_width(), ui.spacing().item_spacing.x, FUNCTION_MIN_PX, &rest);
    let mut draw = |ui: &mut Ui| {
        let input = RowsInput { profile, view, selected, headers: &headers, widths: &fit.widths, gutter };
        rows_ui(ui, state, &input, &mut commands);
    };
    if fit.scroll {
        egui::ScrollArea::horizontal().id_salt("memory_table_sideways").auto_shrink([false, false]).show(ui, |ui| {
            ui.set_width(fit.total);
            draw(ui);
        });
    } else {
        draw(ui);
    }
    commands
}

/// What [`rows_ui`] draws.
struct RowsInput<'a> {
    profile: &'a Profile,
    view: &'a MemoryView,
    selected: Option<FrameId>,
    headers: &'a [(String, MemorySort); 6],
    widths: &'a [f32],
    gutter: f32,
}

/// Header and visible rows at `input.widths` (one per column).
fn rows_ui(ui: &mut Ui, state: &mut MemoryTableState, input: &RowsInput<'_>, commands: &mut Vec<Command>) {
    let ctx = ui.ctx().clone();
    let mut table = TableBuilder::new(ui)
        .min_scrolled_height(0.0)
        .auto_shrink([false, false])
        .id_salt("memory_table")
        .striped(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
    for &w in input.widths {
        table = table.column(Column::exact(w));
    }
    let (profile, view, selected) = (input.profile, input.view, input.selected);
    super::sort_header::top_after_sort(&ctx, "memory_table", table)
        .header(22.0, |mut header| {
            for (k, (title, key)) in input.headers.iter().enumerate() {
                // Numbers and their titles are right-aligned.
                header.col(|ui| match k {
                    0 => header_cell(ui, state, title, *key),
                    _ => {
                        let pad = if k == 5 { input.gutter } else { 0.0 };
                        table_fit::right_aligned(ui, pad, |ui| header_cell(ui, state, title, *key));
                    }
                });
            }
        })
        .body(|body| {
            body.rows(20.0, state.order.len(), |mut row| {
                let r = &view.rows[state.order[row.index()]];
                let frame = profile.frames.frame(r.frame);
                let is_selected = selected == Some(r.frame);
                row.set_selected(is_selected);
                let mut resp = None;
                row.col(|ui| {
                    let module = if frame.module.is_empty() { String::new() } else { format!("\n{}", frame.module) };
                    // Elided with … when the column is narrower than the name.
                    let name = crate::model::frame::shown_name(&frame.name);
                    let button = egui::Button::selectable(is_selected, name).truncate();
                    resp = Some(ui.add(button).on_hover_text(format!("{name}{module}")));
                });
                for (k, text) in row_cells(profile, view, r).into_iter().enumerate() {
                    let pad = if k == 4 { input.gutter } else { 0.0 };
                    row.col(|ui| table_fit::number_cell(ui, text, pad));
                }
                if let Some(resp) = resp {
                    if resp.double_clicked() {
                        commands.push(Command::Select(Some(r.frame)));
                        commands.push(Command::ZoomToHeaviest(r.frame));
                    } else if resp.clicked() {
                        commands.push(Command::Select(Some(r.frame)));
                    }
                }
            });
        });
}

fn header_cell(ui: &mut Ui, state: &mut MemoryTableState, title: &str, key: MemorySort) {
    let sorted = (state.sort == key).then_some(!state.reversed);
    if super::sort_header::sort_header(ui, "memory_table", title, sorted) {
        if state.sort == key {
            state.reversed = !state.reversed;
        } else {
            state.sort = key;
            state.reversed = false;
        }
    }
}
