//! `TraceView`: everything Firesight shows for a trace file, in one view.
//!
//! Top: the latency histogram (left) and the trace list (right): a click on
//! a bar lists that bar's traces slowest first and opens the slowest, a
//! click on a row opens that trace. Centre: the waterfall of the open
//! trace. Right: the service table, the critical path and the span-name
//! table of the open trace; a click on a critical-path row selects that
//! span in the waterfall. So "the 5 slow requests out of 1000" is two
//! clicks: the rightmost bar, then a row.
//!
//! The view owns its state and never mutates the app: it returns a
//! [`TraceAction`] for the app to apply or ignore. Imports `model`,
//! `analysis` and egui; never `load`.

use egui::Ui;

use crate::analysis::traces::slowest_trace;
use crate::model::trace::TraceSet;
use crate::ui::latency_histogram::LatencyHistogram;
use crate::ui::service_table::ServiceTables;
use crate::ui::trace_colors::ServiceColors;
use crate::ui::trace_list::TraceList;
use crate::ui::waterfall::Waterfall;

/// What the trace view tells the app after a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceAction {
    /// Trace `trace` (index in the set) is now shown in the waterfall.
    OpenedTrace {
        /// Index in [`TraceSet::traces`].
        trace: usize,
    },
    /// Span `span` of trace `trace` was selected.
    SelectedSpan {
        /// Index in [`TraceSet::traces`].
        trace: usize,
        /// Index in the trace's spans.
        span: u32,
    },
}

/// The trace view's state for one trace set.
#[derive(Debug, Default)]
pub struct TraceView {
    set_key: Option<(usize, usize)>,
    colors: ServiceColors,
    histogram: LatencyHistogram,
    list: TraceList,
    waterfall: Waterfall,
    tables: ServiceTables,
    /// Whether a frame was laid out since the last reset.
    laid_out: bool,
}

fn key_of(set: &TraceSet) -> (usize, usize) {
    (set.traces.as_ptr() as usize, set.traces.len())
}

impl TraceView {
    /// A view of `set` with its slowest trace open.
    pub fn new(set: &TraceSet) -> Self {
        let mut v = Self::default();
        v.reset(set);
        v
    }

    fn reset(&mut self, set: &TraceSet) {
        *self = Self {
            set_key: Some(key_of(set)),
            colors: ServiceColors::new(set),
            histogram: LatencyHistogram::new(set),
            list: TraceList::new(set),
            waterfall: Waterfall::default(),
            tables: ServiceTables::default(),
            laid_out: false,
        };
        if let Some(i) = slowest_trace(set) {
            self.open_trace(set, i);
        }
    }

    /// Opens trace `index` in the waterfall and the tables.
    pub fn open_trace(&mut self, set: &TraceSet, index: usize) {
        self.waterfall.open(set, index);
        self.tables.open(set, index);
    }

    /// The waterfall.
    pub fn waterfall(&self) -> &Waterfall {
        &self.waterfall
    }

    /// The histogram.
    pub fn histogram(&self) -> &LatencyHistogram {
        &self.histogram
    }

    /// The trace list.
    pub fn list(&self) -> &TraceList {
        &self.list
    }

    /// The service, span-name and critical-path tables.
    pub fn tables(&self) -> &ServiceTables {
        &self.tables
    }

    /// Shows the view of `traces` in `ui` (its whole available rect). A
    /// different set than last frame resets the view.
    pub fn ui(&mut self, ui: &mut Ui, traces: &TraceSet) -> Option<TraceAction> {
        if self.set_key != Some(key_of(traces)) {
            self.reset(traces);
        }
        let first_frame = !std::mem::replace(&mut self.laid_out, true);
        if first_frame {
            // Resizable panels take their content's size, and the plot its
            // axes' size, from the frame before: lay the first frame out
            // twice (egui throws the first pass away) so it is shown as the
            // next one will be, not until the pointer moves.
            ui.ctx().request_discard("the trace view's first layout");
        }
        let mut action = None;
        let open = self.waterfall.trace();
        // Default sizes from the window, not from what is left of it: the
        // space left differs from one layout pass to the next while panels
        // settle, and a default taken from it moved the panels after the
        // first frame.
        let window = ui.ctx().content_rect();
        egui::Panel::top("trace_overview")
            .resizable(true)
            .default_size((window.height() * 0.3).clamp(180.0, 320.0))
            .min_size(140.0)
            .show(ui, |ui| {
                let width = ui.available_width();
                egui::Panel::left("latency_histogram_panel")
                    .resizable(true)
                    .default_size(width * 0.45)
                    .min_size(240.0)
                    .show(ui, |ui| {
                        if let Some(pick) = self.histogram.ui(ui) {
                            if let Some(&first) = pick.traces.first() {
                                self.open_trace(traces, first);
                                action = Some(TraceAction::OpenedTrace { trace: first });
                            }
                            self.list.set_pick(Some(pick));
                        }
                    });
                if let Some(i) = self.list.ui(ui, open) {
                    self.open_trace(traces, i);
                    action = Some(TraceAction::OpenedTrace { trace: i });
                }
                if self.list.pick().is_none() {
                    // "Show all": no bar stands for the list any more.
                    self.histogram.clear_selection();
                }
            });
        egui::Panel::right("trace_tables_panel")
            .resizable(true)
            // Wide enough for the service table's columns (plus the panel's
            // margins), within reason; only the first frame's value counts.
            .default_size(if first_frame {
                (self.tables.wanted_width(ui) + 24.0).clamp(320.0, (window.width() * 0.4).max(320.0))
            } else {
                320.0
            })
            .min_size(220.0)
            .show(ui, |ui| {
                if let Some(span) = self.tables.ui(ui, &self.colors, traces.traces.len()) {
                    self.waterfall.select(traces, span);
                    if let Some(trace) = self.waterfall.trace() {
                        action = Some(TraceAction::SelectedSpan { trace, span });
                    }
                }
            });
        if let Some(span) = self.waterfall.ui(ui, traces, &self.colors)
            && let Some(trace) = self.waterfall.trace()
        {
            action = Some(TraceAction::SelectedSpan { trace, span });
        }
        action
    }
}
