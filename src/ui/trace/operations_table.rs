//! Latency per operation: every (service, span name) of the file with its
//! count, errors and P50/P90/P99/max of duration and of self time
//! ([`crate::analysis::operations`]), sortable by any column (click again
//! to reverse); a click on a row opens the slowest trace containing that
//! operation. Computed when first shown. Imports `model`, `analysis` and egui.

use std::sync::Arc;

use egui::{RichText, Sense, Ui};
use egui_extras::{Column, TableBuilder};

use crate::analysis::operations::{OperationKey, OperationLatency, operation_latencies, sort_operations};
use crate::model::trace::TraceSet;
use crate::model::units::format_duration_ns;
use crate::ui::trace::background::Background;
use crate::ui::trace_colors::ERROR;

/// The table's state.
#[derive(Debug)]
pub struct OperationsTable {
    rows: Background<Vec<OperationLatency>>,
    sort: (OperationKey, bool),
    sorted_as: Option<(OperationKey, bool)>,
}

impl Default for OperationsTable {
    fn default() -> Self {
        Self { rows: Background::Idle, sort: (OperationKey::P99, false), sorted_as: None }
    }
}

impl OperationsTable {
    /// The rows in display order, once computed.
    pub fn rows(&self) -> &[OperationLatency] {
        self.rows.done().map_or(&[], Vec::as_slice)
    }

    /// Sorts by `key` (numbers largest first unless `reverse`).
    pub fn sort_by(&mut self, key: OperationKey, reverse: bool) {
        self.sort = (key, reverse);
    }

    /// Shows the table; returns the trace to open when a row is clicked.
    pub fn ui(&mut self, ui: &mut Ui, set: &TraceSet, shared: Option<&Arc<TraceSet>>) -> Option<usize> {
        if matches!(self.rows, Background::Idle) {
            self.rows = Background::start(set, shared, ui.ctx(), operation_latencies);
            self.sorted_as = None;
        }
        if self.rows.poll() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Computing latency per operation…");
            });
            return None;
        }
        if self.sorted_as != Some(self.sort)
            && let Background::Done(rows) = &mut self.rows
        {
            sort_operations(rows, self.sort.0, self.sort.1);
            self.sorted_as = Some(self.sort);
        }
        let mut open = None;
        let mut sort_click = None;
        let rows = self.rows();
        ui.label(
            RichText::new(format!(
                "{} operations; nearest-rank percentiles of span duration and self time. Click a row to open \
                 the slowest trace containing it.",
                rows.len()
            ))
            .weak(),
        );
        ui.style_mut().interaction.selectable_labels = false;
        let titles = [
            "Operation",
            "Count",
            "Errors",
            "P50",
            "P90",
            "P99",
            "Max",
            "Self P50",
            "Self P90",
            "Self P99",
            "Self max",
        ];
        TableBuilder::new(ui)
            .min_scrolled_height(0.0)
            .id_salt("operations_latency")
            .striped(true)
            .sense(Sense::click())
            .auto_shrink([false, false])
            .column(Column::remainder().at_least(160.0).clip(true))
            .columns(Column::auto().at_least(56.0), titles.len() - 1)
            .header(22.0, |mut h| {
                for (title, key) in titles.iter().zip(OperationKey::ALL) {
                    h.col(|ui| {
                        let mark = match self.sort {
                            (k, rev) if k == key => {
                                if rev == (key == OperationKey::Name) {
                                    " ⏷"
                                } else {
                                    " ⏶"
                                }
                            }
                            _ => "",
                        };
                        if ui
                            .add(egui::Button::new(RichText::new(format!("{title}{mark}")).strong()).frame(false))
                            .clicked()
                        {
                            sort_click = Some(key);
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(20.0, rows.len(), |mut row| {
                    let r = &rows[row.index()];
                    row.col(|ui| {
                        ui.label(RichText::new(&r.service).weak());
                        ui.add(egui::Label::new(&r.name).truncate())
                            .on_hover_text(format!("{}: {}", r.service, r.name));
                    });
                    row.col(|ui| {
                        ui.label(r.count.to_string());
                    });
                    row.col(|ui| {
                        let t = RichText::new(r.errors.to_string());
                        ui.label(if r.errors > 0 { t.color(ERROR).strong() } else { t });
                    });
                    let q = [&r.duration, &r.self_time];
                    for v in q.iter().flat_map(|q| [q.p50_ns, q.p90_ns, q.p99_ns, q.max_ns]) {
                        row.col(|ui| {
                            ui.label(format_duration_ns(v as f64));
                        });
                    }
                    if row.response().clicked() {
                        open = Some(r.slowest_trace);
                    }
                });
            });
        if let Some(key) = sort_click {
            let reverse = self.sort.0 == key && !self.sort.1;
            self.sort_by(key, reverse);
        }
        open
    }
}
