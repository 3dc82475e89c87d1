//! The sortable list of traces: root service and name, start, duration, span
//! count and errors. A pick in the histogram narrows it to those traces
//! (slowest first); clicking a row opens the trace.
//!
//! Rows come from `analysis::traces::trace_summaries`, computed once per
//! set; the display order is recomputed only when the sort or the pick
//! changes. egui_extras `TableBuilder` lays out only the visible rows.
//! Imports `model`, `analysis` and egui.

use std::collections::HashMap;

use egui::{RichText, Sense, Ui};
use egui_extras::{Column, TableBuilder};
use rustc_hash::FxBuildHasher;

use crate::analysis::traces::{TraceSummary, trace_summaries};
use crate::model::trace::TraceSet;
use crate::model::units::format_duration_ns;
use crate::ui::latency_histogram::Pick;
use crate::ui::trace_colors::ERROR;

/// A sortable column of the trace list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TraceKey {
    /// Root service, then root name.
    Root,
    /// Start time (the default, ascending).
    #[default]
    Start,
    /// Duration.
    Duration,
    /// Span count.
    Spans,
    /// Error count.
    Errors,
}

/// The list's state.
#[derive(Debug, Default)]
pub struct TraceList {
    rows: Vec<TraceSummary>,
    order: Vec<usize>,
    sort: (TraceKey, bool),
    pick: Option<Pick>,
    /// Per trace, whether the list's filters keep it (`None`: no filter).
    filter: Option<Vec<bool>>,
    /// Per trace, the rank of its (root service, root name): sorting by
    /// root compares numbers, not strings (computed once per set).
    root_rank: Vec<u32>,
}

impl TraceList {
    /// The list of `set`, by start time.
    pub fn new(set: &TraceSet) -> Self {
        let rows = trace_summaries(set);
        // Each distinct root (service, name) once, then ranked: a sort of
        // a few names instead of one of every trace.
        let mut distinct: HashMap<(&str, &str), u32, FxBuildHasher> = HashMap::default();
        let of_row: Vec<u32> = rows
            .iter()
            .map(|r| {
                let next = distinct.len() as u32;
                *distinct.entry((r.root_service.as_str(), r.root_name.as_str())).or_insert(next)
            })
            .collect();
        let mut names: Vec<((&str, &str), u32)> = distinct.into_iter().collect();
        names.sort_unstable();
        let mut rank_of = vec![0u32; names.len()];
        for (rank, (_, id)) in names.iter().enumerate() {
            rank_of[*id as usize] = rank as u32;
        }
        let root_rank: Vec<u32> = of_row.iter().map(|&id| rank_of[id as usize]).collect();
        let mut s =
            Self { rows, order: Vec::new(), sort: (TraceKey::Start, true), pick: None, filter: None, root_rank };
        s.reorder();
        s
    }

    /// Trace indices in display order.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The summary of trace `i`.
    pub fn summary(&self, i: usize) -> Option<&TraceSummary> {
        self.rows.get(i)
    }

    /// What the histogram picked, when the list shows only that.
    pub fn pick(&self) -> Option<&Pick> {
        self.pick.as_ref()
    }

    /// Shows only the picked traces, slowest first (`None`: all, by the current sort).
    pub fn set_pick(&mut self, pick: Option<Pick>) {
        if pick.is_some() {
            self.sort = (TraceKey::Duration, false);
        }
        self.pick = pick;
        self.reorder();
    }

    /// Sorts by `key`, ascending or not.
    pub fn sort_by(&mut self, key: TraceKey, ascending: bool) {
        self.sort = (key, ascending);
        self.reorder();
    }

    /// Shows only the traces `keep` marks (indexed like the set; `None`: all).
    pub fn set_filter(&mut self, keep: Option<Vec<bool>>) {
        self.filter = keep;
        self.reorder();
    }

    fn reorder(&mut self) {
        let mut order: Vec<usize> = match &self.pick {
            Some(p) => p.traces.iter().copied().filter(|&i| i < self.rows.len()).collect(),
            None => (0..self.rows.len()).collect(),
        };
        if let Some(keep) = &self.filter {
            order.retain(|&i| keep.get(i).copied().unwrap_or(false));
        }
        let (key, ascending) = self.sort;
        let (rows, rank) = (&self.rows, &self.root_rank);
        // One (key, index) pair per row, sorted as numbers: comparing the
        // summaries themselves took most of a frame for 200 000 traces.
        let mut keyed: Vec<(u64, usize)> = order
            .iter()
            .map(|&i| {
                let r = &rows[i];
                let k = match key {
                    TraceKey::Root => u64::from(rank.get(i).copied().unwrap_or(0)),
                    TraceKey::Start => r.start_unix_ns,
                    TraceKey::Duration => r.duration_ns,
                    TraceKey::Spans => r.spans as u64,
                    TraceKey::Errors => r.errors as u64,
                };
                (if ascending { k } else { u64::MAX - k }, r.index)
            })
            .collect();
        keyed.sort_unstable();
        order.clear();
        order.extend(keyed.iter().map(|&(_, i)| i));
        self.order = order;
    }

    fn header(&mut self, ui: &mut Ui, title: &str, key: TraceKey) {
        // `self.sort.1` is "ascending".
        let sorted = (self.sort.0 == key).then_some(!self.sort.1);
        if super::sort_header::sort_header(ui, "trace_list", title, sorted) {
            let ascending =
                if self.sort.0 == key { !self.sort.1 } else { matches!(key, TraceKey::Root | TraceKey::Start) };
            self.sort_by(key, ascending);
        }
    }

    /// Shows the list; `open` is the trace shown in the waterfall
    /// (highlighted). Returns the trace whose row was clicked.
    pub fn ui(&mut self, ui: &mut Ui, open: Option<usize>) -> Option<usize> {
        let mut clicked = None;
        ui.horizontal(|ui| {
            match &self.pick {
                Some(p) => {
                    ui.strong(format!("{} of {} traces: {}", self.order.len(), self.rows.len(), p.label));
                    if ui.button("Show all").clicked() {
                        self.set_pick(None);
                    }
                }
                None if self.filter.is_some() => {
                    ui.strong(format!("{} of {} traces match the filters", self.order.len(), self.rows.len()));
                }
                None => {
                    ui.strong(match self.rows.len() {
                        1 => "The only trace".to_string(),
                        n => format!("All {n} traces"),
                    });
                }
            };
        });
        // Selectable labels would take the click from the row under them.
        ui.style_mut().interaction.selectable_labels = false;
        let ctx = ui.ctx().clone();
        let table = TableBuilder::new(ui).min_scrolled_height(0.0).id_salt("trace_list");
        super::sort_header::top_after_sort(&ctx, "trace_list", table)
            .striped(true)
            .sense(Sense::click())
            .auto_shrink([false, false])
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::remainder().at_least(160.0).clip(true))
            .column(Column::auto().at_least(96.0))
            .columns(Column::auto().at_least(64.0), 3)
            .header(22.0, |mut h| {
                for (title, key) in [
                    ("Root span", TraceKey::Root),
                    ("Start (UTC)", TraceKey::Start),
                    ("Duration", TraceKey::Duration),
                    ("Spans", TraceKey::Spans),
                    ("Errors", TraceKey::Errors),
                ] {
                    h.col(|ui| self.header(ui, title, key));
                }
            })
            .body(|body| {
                body.rows(20.0, self.order.len(), |mut row| {
                    let i = self.order[row.index()];
                    let r = &self.rows[i];
                    row.set_selected(Some(i) == open);
                    row.col(|ui| {
                        ui.label(RichText::new(&r.root_service).weak());
                        // Elided with … when the column is narrower; whole on hover.
                        ui.add(egui::Label::new(&r.root_name).truncate())
                            .on_hover_text(format!("{}: {}", r.root_service, r.root_name));
                    });
                    row.col(|ui| {
                        ui.label(clock_utc(r.start_unix_ns));
                    });
                    row.col(|ui| {
                        ui.label(format_duration_ns(r.duration_ns as f64));
                    });
                    row.col(|ui| {
                        ui.label(r.spans.to_string());
                    });
                    row.col(|ui| {
                        let t = RichText::new(r.errors.to_string());
                        ui.label(if r.errors > 0 { t.color(ERROR).strong() } else { t });
                    });
                    if row.response().clicked() {
                        clicked = Some(i);
                    }
                });
            });
        clicked
    }
}

/// `HH:MM:SS.mmm` (UTC) of a Unix time in ns.
pub fn clock_utc(unix_ns: u64) -> String {
    let ms = unix_ns / 1_000_000;
    let s = ms / 1000;
    format!("{:02}:{:02}:{:02}.{:03}", (s / 3600) % 24, (s / 60) % 60, s % 60, ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_utc_time_of_day() {
        // 2026-11-30T23:54:18.123Z
        assert_eq!(clock_utc(1_796_082_858_123_000_000), "23:54:18.123");
    }
}
