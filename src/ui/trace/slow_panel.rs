//! The slow-versus-rest panel, beside the latency histogram: a group of
//! slow traces (the histogram's pick, ≥ P90, ≥ P99, or the traces the list
//! shows) against all the others. Two tables from
//! [`crate::analysis::slow::compare`]: the attribute values the slow traces
//! carry more often (ranked by slow share minus rest share, with counts),
//! and per operation the self and critical-path time a slow trace carries
//! against another. A click on an attribute row filters the trace list by
//! that value. Imports `model`, `analysis` and egui.

use std::sync::Arc;

use egui::{RichText, Sense, Ui};
use egui_extras::{Column, TableBuilder};

use crate::analysis::slow::{SlowPick, SlowReport, compare, mask_of, pick_slow};
use crate::model::trace::TraceSet;
use crate::model::units::format_duration_ns;
use crate::ui::trace::background::Background;

/// Attribute rows shown (the first of the ranking; the CLI lists more).
pub const ATTRIBUTE_ROWS: usize = 8;
/// Operation rows shown.
pub const OPERATION_ROWS: usize = 6;

/// What the panel asks of the trace view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlowAction {
    /// Filter the trace list to traces carrying `key=value`.
    FilterAttribute(String),
    /// Compare the traces the list shows now.
    CompareListed,
    /// Compare the histogram's pick.
    ComparePick,
}

/// The panel's state.
#[derive(Debug, Default)]
pub struct SlowPanel {
    label: String,
    report: Background<SlowReport>,
}

impl SlowPanel {
    /// Compares the traces `pick` calls slow with the rest.
    pub fn compare_pick(
        &mut self,
        set: &TraceSet,
        shared: Option<&Arc<TraceSet>>,
        ctx: &egui::Context,
        pick: SlowPick,
    ) {
        self.label = pick.describe(set);
        self.report = Background::start(set, shared, ctx, move |s| compare(s, &pick_slow(s, pick)));
    }

    /// Compares the traces `traces` (indices) with the rest; `label` says which they are.
    pub fn compare_traces(
        &mut self,
        set: &TraceSet,
        shared: Option<&Arc<TraceSet>>,
        ctx: &egui::Context,
        label: String,
        traces: &[usize],
    ) {
        self.label = label;
        let mask = mask_of(set.traces.len(), traces);
        self.report = Background::start(set, shared, ctx, move |s| compare(s, &mask));
    }

    /// The report, once computed.
    pub fn report(&self) -> Option<&SlowReport> {
        self.report.done()
    }

    /// Which traces the report calls slow.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Shows the panel; `have_pick` says whether the histogram has a pick.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        set: &TraceSet,
        shared: Option<&Arc<TraceSet>>,
        have_pick: bool,
    ) -> Option<SlowAction> {
        let mut action = None;
        let running = self.report.poll();
        ui.horizontal_wrapped(|ui| {
            ui.label("Slow:");
            for p in [90.0, 99.0] {
                if ui
                    .button(format!("≥ P{p}"))
                    .on_hover_text("Traces at or above this percentile of durations")
                    .clicked()
                {
                    self.compare_pick(set, shared, ui.ctx(), SlowPick::Percentile(p));
                }
            }
            if ui
                .add_enabled(have_pick, egui::Button::new("Histogram pick"))
                .on_hover_text("The traces of the bar (or range) picked in the histogram")
                .clicked()
            {
                action = Some(SlowAction::ComparePick);
            }
            if ui.button("Listed traces").on_hover_text("The traces the list shows (after its filters)").clicked() {
                action = Some(SlowAction::CompareListed);
            }
            if running {
                ui.spinner();
            }
        });
        let Some(r) = self.report.done() else {
            if !running {
                ui.label("Pick the slow traces: a bar of the histogram, ≥ P90 or ≥ P99, or the listed traces.");
            }
            return action;
        };
        if r.slow == 0 || r.rest == 0 {
            ui.label(format!("{} slow and {} other traces ({}): nothing to compare with.", r.slow, r.rest, self.label));
            return action;
        }
        ui.strong(format!("{} slow traces ({}) against the other {}", r.slow, self.label, r.rest));
        ui.label(RichText::new("Attribute values the slow traces carry more often (slow share − rest share)").weak());
        if let Some(a) = attribute_table(ui, r) {
            action = Some(a);
        }
        ui.add_space(6.0);
        ui.label(RichText::new("Per trace: self time and critical-path time, slow against rest").weak());
        operation_table(ui, r);
        action
    }
}

fn attribute_table(ui: &mut Ui, r: &SlowReport) -> Option<SlowAction> {
    let mut action = None;
    let rows = r.attributes.len().min(ATTRIBUTE_ROWS);
    ui.push_id("slow_attributes", |ui| {
        ui.style_mut().interaction.selectable_labels = false;
        TableBuilder::new(ui)
            .min_scrolled_height(0.0)
            .id_salt("slow_attributes")
            .striped(true)
            .sense(Sense::click())
            .vscroll(false)
            .auto_shrink([false, true])
            .column(Column::remainder().at_least(140.0).clip(true))
            .columns(Column::auto().at_least(72.0), 2)
            .header(20.0, |mut h| {
                h.col(|ui| {
                    ui.strong("Attribute value");
                });
                h.col(|ui| {
                    ui.strong("Slow");
                });
                h.col(|ui| {
                    ui.strong("Rest");
                });
            })
            .body(|body| {
                body.rows(20.0, rows, |mut row| {
                    let a = &r.attributes[row.index()];
                    let text = format!("{}={}", a.key, a.value);
                    row.col(|ui| {
                        ui.add(egui::Label::new(&text).truncate()).on_hover_text(format!(
                            "{text}{}\nslow share − rest share = {:+.1} points; click to list the traces carrying it",
                            if a.resource { " (resource attribute)" } else { "" },
                            a.difference() * 100.0
                        ));
                    });
                    row.col(|ui| {
                        ui.label(format!("{:.0}% ({})", a.slow_share * 100.0, a.slow_count));
                    });
                    row.col(|ui| {
                        ui.label(format!("{:.0}% ({})", a.rest_share * 100.0, a.rest_count));
                    });
                    if row.response().clicked() {
                        action = Some(SlowAction::FilterAttribute(text));
                    }
                });
            });
    });
    action
}

fn operation_table(ui: &mut Ui, r: &SlowReport) {
    let rows = r.operations.len().min(OPERATION_ROWS);
    let ns = |v: f64| format_duration_ns(v);
    ui.push_id("slow_operations", |ui| {
        TableBuilder::new(ui)
            .min_scrolled_height(0.0)
            .id_salt("slow_operations")
            .striped(true)
            .vscroll(false)
            .auto_shrink([false, true])
            .column(Column::remainder().at_least(140.0).clip(true))
            .columns(Column::auto().at_least(64.0), 4)
            .header(20.0, |mut h| {
                for t in ["Operation", "Self slow", "Self rest", "Path slow", "Path rest"] {
                    h.col(|ui| {
                        ui.strong(t);
                    });
                }
            })
            .body(|body| {
                body.rows(20.0, rows, |mut row| {
                    let o = &r.operations[row.index()];
                    row.col(|ui| {
                        ui.add(egui::Label::new(format!("{}: {}", o.service, o.name)).truncate());
                    });
                    for v in [
                        o.slow_self_ns_per_trace,
                        o.rest_self_ns_per_trace,
                        o.slow_critical_path_ns_per_trace,
                        o.rest_critical_path_ns_per_trace,
                    ] {
                        row.col(|ui| {
                            ui.label(ns(v));
                        });
                    }
                });
            });
    });
}
