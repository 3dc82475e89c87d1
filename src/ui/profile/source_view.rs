//! The source view: the selected function's source file with self and total
//! weight per line in the metric's unit, hot lines shaded, the hottest line
//! scrolled into view. Shown beside the flamegraph while open; it follows
//! the selection. Lines inlined callees run on are attributed as pprof
//! attributes them (their call site's line in the caller counts their
//! total). A file that cannot be found still shows the line table, with
//! where it was looked for.
//!
//! The listing is built on a worker thread ([`crate::jobs::source`]); this
//! file only draws it and asks for it through [`Command::ShowSource`].

use std::collections::HashMap;

use egui::{Color32, RichText, Ui};
use egui_extras::{Column, TableBuilder};

use crate::analysis::source_lines::hottest_line;
use crate::jobs::Poll;
use crate::jobs::source::{SourceFile, SourceJob, SourceListing};
use crate::model::{FrameId, Metric, MetricId};
use crate::ui::command::Command;
use crate::ui::document::percent;
use crate::ui::table_fit;

/// The source view's state in one document.
#[derive(Debug, Default)]
pub struct SourcePanel {
    /// Shown beside the flamegraph.
    pub open: bool,
    /// The listing being built.
    pub job: Option<SourceJob>,
    /// The listing shown.
    pub listing: Option<SourceListing>,
    /// What `job` or `listing` was asked for: function, metric and the
    /// identity of the call tree (a new tree means a new filter).
    pub key: Option<(FrameId, MetricId, usize)>,
    /// Scroll to the hottest line on the next frame (a new listing).
    scroll_pending: bool,
}

impl SourcePanel {
    /// Starts showing `job`'s listing for `key`.
    pub fn start(&mut self, job: SourceJob, key: (FrameId, MetricId, usize)) {
        self.open = true;
        self.job = Some(job);
        self.key = Some(key);
    }

    /// Takes a finished listing from the worker.
    fn poll(&mut self) {
        if let Some(job) = &self.job
            && let Poll::Done(result) = job.poll()
        {
            self.job = None;
            if let Some(listing) = result {
                self.listing = Some(listing);
                self.scroll_pending = true;
            }
        }
    }
}

/// What the source view reads from the document.
pub struct SourceInput<'a> {
    /// The selected function, which the view follows.
    pub selected: Option<FrameId>,
    /// The metric shown and its id.
    pub metric: &'a Metric,
    /// Id of the metric shown.
    pub metric_id: MetricId,
    /// Identity of the call tree shown (changes with the filter).
    pub tree_key: usize,
}

/// Draws the source view into `ui`.
pub fn ui(ui: &mut Ui, panel: &mut SourcePanel, input: &SourceInput<'_>) -> Vec<Command> {
    let mut commands = Vec::new();
    panel.poll();
    if let Some(f) = input.selected
        && panel.key != Some((f, input.metric_id, input.tree_key))
    {
        commands.push(Command::ShowSource(Some(f)));
    }
    ui.horizontal(|ui| {
        ui.heading("Source");
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button("✖").on_hover_text("Close the source view").clicked() {
                commands.push(Command::ShowSource(None));
            }
            if ui
                .button("Folders…")
                .on_hover_text("Where source files are looked for (View ▸ Source folders…)")
                .clicked()
            {
                commands.push(Command::EditSourceFolders);
            }
        });
    });
    if panel.job.is_some() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Reading the source…");
        });
    }
    let Some(listing) = &panel.listing else {
        if panel.job.is_none() {
            ui.label("Select a function (click a box or a row) to see its source lines.");
        }
        return commands;
    };
    ui.label(RichText::new(crate::model::frame::shown_name(&listing.name)).strong());
    if listing.files.is_empty() {
        ui.label(format!("No sample in {} reaches this function.", input.metric.name));
        return commands;
    }
    let scroll = std::mem::take(&mut panel.scroll_pending);
    for (i, file) in listing.files.iter().enumerate() {
        file_ui(ui, i, file, listing, input.metric, scroll && i == 0);
    }
    commands
}

/// One source file of the function: a header with its figures and where it
/// was found (or looked for), and the line table.
fn file_ui(ui: &mut Ui, index: usize, file: &SourceFile, listing: &SourceListing, metric: &Metric, scroll: bool) {
    let f = &file.lines;
    ui.label(format!(
        "self {} · total {} ({:.2}% of all {})",
        metric.format(f.self_weight),
        metric.format(f.inclusive),
        percent(f.inclusive, listing.total),
        metric.name
    ));
    let text = match &file.text {
        // Lines without a file (JFR frames carry line numbers only): the
        // line table alone.
        None if !f.lines.is_empty() => {
            ui.label("The profile records line numbers but no source file for this function.");
            None
        }
        None => {
            ui.label("No source information: the profile records no file and line for this function.");
            return;
        }
        Some(Ok((path, lines))) => {
            ui.label(RichText::new(path.display().to_string()).small())
                .on_hover_text(format!("recorded as {}", f.file));
            Some(lines.as_slice())
        }
        Some(Err(missing)) => {
            ui.add(egui::Label::new(RichText::new(missing.to_string()).color(ui.visuals().warn_fg_color)).wrap());
            None
        }
    };
    let cost: HashMap<u32, (i128, i128)> = f.lines.iter().map(|l| (l.line, (l.self_weight, l.total))).collect();
    // Rows: every line of the file when it was read, else the lines with a weight.
    let rows: Vec<u32> = match text {
        Some(t) => (1..=t.len() as u32).collect(),
        None => f.lines.iter().map(|l| l.line).collect(),
    };
    let hottest = hottest_line(f).and_then(|h| rows.iter().position(|&r| r == h));
    let max_total = f.lines.iter().map(|l| l.total.unsigned_abs()).max().unwrap_or(0).max(1);
    let heat = ui.visuals().warn_fg_color;
    let mut table = TableBuilder::new(ui)
        .min_scrolled_height(0.0)
        .id_salt(("source_table", index))
        .striped(false)
        .max_scroll_height(if index == 0 { f32::INFINITY } else { 240.0 })
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::exact(48.0))
        .column(Column::exact(84.0))
        .column(Column::exact(84.0))
        .column(Column::remainder().clip(true));
    if scroll && let Some(row) = hottest {
        table = table.scroll_to_row(row, Some(egui::Align::Center));
    }
    table
        .header(20.0, |mut h| {
            for name in ["Line", "Self", "Total", "Source"] {
                h.col(|ui| {
                    ui.strong(name);
                });
            }
        })
        .body(|body| {
            body.rows(18.0, rows.len(), |mut row| {
                let n = rows[row.index()];
                let (s, t) = cost.get(&n).copied().unwrap_or((0, 0));
                let shade = (t.unsigned_abs() as f32 / max_total as f32).clamp(0.0, 1.0);
                row.col(|ui| table_fit::number_cell(ui, n.to_string(), 0.0));
                row.col(|ui| table_fit::number_cell(ui, if s == 0 { String::new() } else { metric.format(s) }, 0.0));
                row.col(|ui| table_fit::number_cell(ui, if t == 0 { String::new() } else { metric.format(t) }, 0.0));
                row.col(|ui| {
                    if shade > 0.0 {
                        let a = (24.0 + 120.0 * shade) as u8;
                        let c = Color32::from_rgba_unmultiplied(heat.r(), heat.g(), heat.b(), a);
                        ui.painter().rect_filled(ui.max_rect(), 0.0, c);
                    }
                    let line = text.and_then(|t| t.get(n as usize - 1)).map_or("", String::as_str);
                    ui.add(egui::Label::new(RichText::new(line.replace('\t', "    ")).monospace()).extend());
                });
            });
        });
}
