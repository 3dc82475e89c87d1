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
//! Beside the histogram, three tabs: the trace list (with filters by
//! service, operation, attribute value, errors and duration), the
//! slow-versus-rest panel (the histogram's pick, ≥ P90/P99 or the listed
//! traces against the rest) and latency per operation. With a linked CPU
//! profile ([`LinkedProfile`]) a panel under the waterfall shows the
//! selected span's CPU flamegraph, the hover card its CPU time, and the
//! service and span-name tables a CPU column.
//!
//! The view owns its state and never mutates the app: it returns a
//! [`TraceAction`] for the app to apply or ignore. Imports `model`,
//! `analysis` and egui; never `load`.

use std::sync::Arc;

use egui::Ui;

use crate::analysis::traces::slowest_trace;
use crate::model::trace::TraceSet;
use crate::ui::latency_histogram::LatencyHistogram;
use crate::ui::service_table::ServiceTables;
use crate::ui::trace::cpu_column::CpuColumn;
use crate::ui::trace::filters::FilterBar;
use crate::ui::trace::operations_table::OperationsTable;
use crate::ui::trace::slow_panel::{SlowAction, SlowPanel};
use crate::ui::trace::span_profile::{LinkedProfile, SpanFlame, names_without_samples_ui};
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

/// Height of the tab row beside the histogram, points.
const TAB_ROW_PX: f32 = 32.0;

/// What the area beside the histogram shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TopTab {
    /// The trace list and its filters (the default).
    #[default]
    Traces,
    /// Slow traces against the rest.
    SlowVsRest,
    /// Latency per operation.
    Operations,
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
    /// The set, shared, so long computations can run on a worker thread.
    shared: Option<Arc<TraceSet>>,
    top: TopTab,
    filters: FilterBar,
    slow: SlowPanel,
    operations: OperationsTable,
    linked: Option<Arc<LinkedProfile>>,
    span_flame: SpanFlame,
    /// The view being built on a worker thread ([`TraceView::new_in_background`]);
    /// it replaces this one when done.
    building: Option<crate::jobs::Work<Box<TraceView>>>,
    /// A big trace being opened on a worker thread (its index, and the
    /// tables and waterfall it hands back), and the trace clicked meanwhile.
    opening: Option<(usize, crate::jobs::Work<(ServiceTables, Waterfall)>)>,
    queued: Option<usize>,
}

/// Traces with at least this many spans are opened on a worker thread when
/// clicked: opening passes over every span (0.3 s for a million).
const OPEN_IN_BACKGROUND_SPANS: usize = 20_000;

/// Opens trace `index` in `tables` and `waterfall`. Two threads, two steps,
/// each a pass over every span on a trace of a million: the service and
/// operation tables beside the critical path (found once, for the waterfall
/// and the path table), then the path table beside the waterfall's layout.
fn open_parts(set: &TraceSet, index: usize, tables: &mut ServiceTables, waterfall: &mut Waterfall) {
    let ((), critical) = crate::parallel::join(
        "firesight-trace-view",
        || tables.open_stats(set, index),
        || set.traces.get(index).map(crate::analysis::traces::critical_path).unwrap_or_default(),
    );
    crate::parallel::join(
        "firesight-trace-view",
        || tables.open_path(set, index, &critical),
        || waterfall.open(set, index, &critical),
    );
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
        // The shared set and the linked profile belong to the set, not to the view's state.
        let shared = self.shared.take().filter(|s| key_of(s) == key_of(set));
        let linked = self.linked.take();
        *self = Self { set_key: Some(key_of(set)), shared, linked, ..Self::default() };
        // The colours, histogram and trace list (passes over every trace)
        // beside opening the slowest trace.
        let ((colors, histogram, list), ()) = crate::parallel::join(
            "firesight-trace-view",
            || (ServiceColors::new(set), LatencyHistogram::new(set), TraceList::new(set)),
            || {
                self.set_cpu_column(set);
                if let Some(i) = slowest_trace(set) {
                    self.open_trace(set, i);
                }
            },
        );
        (self.colors, self.histogram, self.list) = (colors, histogram, list);
    }

    /// The view of the shared `set`: long computations (slow versus rest,
    /// latency per operation) run on worker threads.
    pub fn new_shared(set: &Arc<TraceSet>) -> Self {
        let mut v = Self { shared: Some(Arc::clone(set)), ..Self::default() };
        v.reset(set);
        v
    }

    /// The view of the shared `set`, built on a worker thread: the
    /// colours, histogram, list, and the slowest trace's waterfall and
    /// tables are passes over every span (a second or more for a trace of
    /// 1 000 000 spans), so the window shows a spinner meanwhile instead of
    /// freezing. `ctx` is repainted when the view is ready.
    pub fn new_in_background(set: &Arc<TraceSet>, ctx: &egui::Context) -> Self {
        let worker_set = Arc::clone(set);
        let ctx = ctx.clone();
        let building =
            crate::jobs::Work::spawn(move || Box::new(Self::new_shared(&worker_set)), move || ctx.request_repaint());
        match building {
            Some(b) => {
                Self { set_key: Some(key_of(set)), shared: Some(Arc::clone(set)), building: Some(b), ..Self::default() }
            }
            // No thread could be started: build it here.
            None => Self::new_shared(set),
        }
    }

    /// True while the view is being built on its worker.
    pub fn is_building(&self) -> bool {
        self.building.is_some()
    }

    /// Takes the view built on the worker, if it is done; keeps what was
    /// set on this one meanwhile (a linked profile). True while building.
    pub fn poll_building(&mut self, set: &TraceSet) -> bool {
        let Some(work) = &self.building else { return false };
        match work.poll() {
            crate::jobs::Poll::Pending => true,
            crate::jobs::Poll::Done(built) => {
                let linked = self.linked.take();
                match built {
                    Some(v) => *self = *v,
                    // The worker died: build here, once.
                    None => {
                        self.building = None;
                        self.reset(set);
                    }
                }
                if linked.is_some() {
                    self.link(set, linked);
                }
                false
            }
        }
    }

    /// Opens trace `index` in the waterfall and the tables.
    pub fn open_trace(&mut self, set: &TraceSet, index: usize) {
        if self.waterfall.trace() == Some(index) && self.tables.trace() == Some(index) {
            // Already open (a click on its row again): keep the waterfall
            // as it is rather than lay out every span again (355 ms on
            // the window's thread for a trace of a million spans).
            return;
        }
        self.opening = None;
        self.queued = None;
        open_parts(set, index, &mut self.tables, &mut self.waterfall);
        self.update_cpu_lines(set);
    }

    /// Opens trace `index` on a click: a big trace of a shared set on a
    /// worker thread (the waterfall and tables show a spinner meanwhile; a
    /// click during it is kept and opened next), any other here.
    fn open_clicked(&mut self, set: &TraceSet, index: usize, ctx: &egui::Context) {
        if let Some((at, _)) = &self.opening {
            self.queued = (*at != index).then_some(index);
            return;
        }
        if self.waterfall.trace() == Some(index) && self.tables.trace() == Some(index) {
            return;
        }
        let big = set.traces.get(index).is_some_and(|t| t.spans.len() >= OPEN_IN_BACKGROUND_SPANS);
        let shared = self.shared.clone().filter(|s| key_of(s) == key_of(set));
        let Some(shared) = shared.filter(|_| big) else {
            self.open_trace(set, index);
            return;
        };
        let (mut tables, mut waterfall) = (std::mem::take(&mut self.tables), std::mem::take(&mut self.waterfall));
        let ctx = ctx.clone();
        let work = crate::jobs::Work::spawn(
            move || {
                open_parts(&shared, index, &mut tables, &mut waterfall);
                (tables, waterfall)
            },
            move || ctx.request_repaint(),
        );
        match work {
            Some(w) => self.opening = Some((index, w)),
            // No thread could be started: open it here (the tables' state
            // went with the closure).
            None => self.open_trace(set, index),
        }
    }

    /// Takes a trace opened on the worker, if done; then opens the one
    /// clicked meanwhile. The trace being opened, if any.
    fn poll_opening(&mut self, set: &TraceSet, ctx: &egui::Context) -> Option<usize> {
        let (index, work) = self.opening.as_ref()?;
        let index = *index;
        match work.poll() {
            crate::jobs::Poll::Pending => return Some(index),
            crate::jobs::Poll::Done(Some((tables, waterfall))) => {
                self.opening = None;
                (self.tables, self.waterfall) = (tables, waterfall);
                self.update_cpu_lines(set);
            }
            // The worker died: open it here.
            crate::jobs::Poll::Done(None) => self.open_trace(set, index),
        }
        if let Some(next) = self.queued.take() {
            self.open_clicked(set, next, ctx);
        }
        self.opening.as_ref().map(|(i, _)| *i)
    }

    fn update_cpu_lines(&mut self, set: &TraceSet) {
        let lines = match (&self.linked, self.waterfall.trace()) {
            (Some(l), Some(t)) => (0..set.traces.get(t).map_or(0, |tr| tr.spans.len()))
                .map(|s| l.cpu_line(set, t, s).unwrap_or_default())
                .collect(),
            _ => Vec::new(),
        };
        self.waterfall.set_cpu_lines(lines);
    }

    /// Links a CPU profile whose samples name this set's spans (`None` unlinks).
    pub fn link(&mut self, set: &TraceSet, linked: Option<Arc<LinkedProfile>>) {
        self.linked = linked;
        self.span_flame = SpanFlame::default();
        self.update_cpu_lines(set);
        self.set_cpu_column(set);
    }

    /// The service tables' CPU column, from the linked profile.
    fn set_cpu_column(&mut self, set: &TraceSet) {
        let cpu = self.linked.clone().map(|l| CpuColumn::new(l, set, self.tables.trace()));
        self.tables.set_cpu(cpu);
    }

    /// The linked profile, if any.
    pub fn linked(&self) -> Option<&LinkedProfile> {
        self.linked.as_deref()
    }

    /// The selected span's CPU flamegraph.
    pub fn span_flame(&self) -> &SpanFlame {
        &self.span_flame
    }

    /// The slow-versus-rest panel.
    pub fn slow_panel(&self) -> &SlowPanel {
        &self.slow
    }

    /// The operations table.
    pub fn operations(&self) -> &OperationsTable {
        &self.operations
    }

    /// What the area beside the histogram shows.
    pub fn top_tab(&self) -> TopTab {
        self.top
    }

    /// Shows `tab` beside the histogram.
    pub fn set_top_tab(&mut self, tab: TopTab) {
        self.top = tab;
    }

    /// The waterfall.
    pub fn waterfall(&self) -> &Waterfall {
        &self.waterfall
    }

    /// The histogram.
    pub fn histogram(&self) -> &LatencyHistogram {
        &self.histogram
    }

    /// The trace being opened on a worker thread, if any.
    pub fn opening(&self) -> Option<usize> {
        self.opening.as_ref().map(|(i, _)| *i)
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
        if self.poll_building(traces) {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!(
                    "Preparing the trace views of {} spans in {} traces…",
                    traces.span_count(),
                    traces.traces.len()
                ));
            });
            return None;
        }
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
        let opening = self.poll_opening(traces, ui.ctx());
        let open = opening.or(self.waterfall.trace());
        // Default sizes from the window, not from what is left of it: the
        // space left differs from one layout pass to the next while panels
        // settle, and a default taken from it moved the panels after the
        // first frame.
        let window = ui.ctx().content_rect();
        // The tabs of the area beside the histogram and the list's filters,
        // in a panel of fixed height above it: a row inside the overview
        // panel changed its height after the first frame.
        egui::Panel::top("trace_top_tabs").resizable(false).exact_size(TAB_ROW_PX).show_separator_line(false).show(
            ui,
            |ui| {
                ui.horizontal(|ui| {
                    ui.selectable_value(&mut self.top, TopTab::Traces, "Traces")
                        .on_hover_text("The trace list and its filters");
                    ui.selectable_value(&mut self.top, TopTab::SlowVsRest, "Slow vs rest")
                        .on_hover_text("What sets the slow traces apart: attribute values and time per operation");
                    ui.selectable_value(&mut self.top, TopTab::Operations, "Operations")
                        .on_hover_text("Latency per operation: P50, P90, P99 and max of duration and self time");
                    ui.separator();
                    ui.label("Filter traces:");
                    if self.filters.ui(ui) {
                        self.apply_filter(traces);
                        self.top = TopTab::Traces;
                    }
                });
            },
        );
        // In a small window the waterfall (the main view) keeps the most:
        // the overview at most 35% of the height, the tables 45% of the width.
        let overview_max = (window.height() * 0.35).max(90.0);
        egui::Panel::top("trace_overview")
            .resizable(true)
            .default_size((window.height() * 0.3).clamp(180.0, 320.0).min(overview_max))
            .size_range(140.0_f32.min(overview_max)..=overview_max)
            .show(ui, |ui| {
                let width = ui.available_width();
                egui::Panel::left("latency_histogram_panel")
                    .resizable(true)
                    .default_size(width * 0.45)
                    .size_range(240.0_f32.min(width * 0.35)..=(width * 0.6).max(120.0))
                    .show(ui, |ui| {
                        if let Some(pick) = self.histogram.ui(ui) {
                            if let Some(&first) = pick.traces.first() {
                                self.open_clicked(traces, first, ui.ctx());
                                action = Some(TraceAction::OpenedTrace { trace: first });
                            }
                            let shared = self.shared.clone();
                            self.slow.compare_traces(
                                traces,
                                shared.as_ref(),
                                ui.ctx(),
                                pick.label.clone(),
                                &pick.traces,
                            );
                            self.list.set_pick(Some(pick));
                        }
                    });
                if let Some(i) = self.top_ui(ui, traces, open) {
                    self.open_clicked(traces, i, ui.ctx());
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
            .size_range(220.0_f32.min(window.width() * 0.3)..=(window.width() * 0.45).max(220.0))
            .show(ui, |ui| {
                if let Some(linked) = &self.linked {
                    names_without_samples_ui(ui, linked);
                    ui.separator();
                }
                if let Some(i) = self.opening() {
                    opening_ui(ui, traces, i);
                } else if let Some(span) = self.tables.ui(ui, &self.colors, traces.traces.len()) {
                    self.waterfall.select(traces, span);
                    if let Some(trace) = self.waterfall.trace() {
                        action = Some(TraceAction::SelectedSpan { trace, span });
                    }
                }
            });
        if let Some(linked) = self.linked.clone() {
            egui::Panel::bottom("span_cpu_panel")
                .resizable(true)
                .default_size((window.height() * 0.35).min(420.0))
                // The panel takes its content's size: a short note before a
                // span is picked must not leave the flamegraph no room after.
                .min_size((window.height() * 0.3).min(360.0))
                .show(ui, |ui| {
                    let selected = self.waterfall.trace().zip(self.waterfall.selected().map(|s| s as usize));
                    self.span_flame.ui(ui, &linked, traces, selected);
                });
        }
        if let Some(i) = self.opening() {
            opening_ui(ui, traces, i);
        } else if let Some(span) = self.waterfall.ui(ui, traces, &self.colors)
            && let Some(trace) = self.waterfall.trace()
        {
            action = Some(TraceAction::SelectedSpan { trace, span });
        }
        action
    }

    /// The tabs beside the histogram; returns a trace to open.
    fn top_ui(&mut self, ui: &mut Ui, traces: &TraceSet, open: Option<usize>) -> Option<usize> {
        let shared = self.shared.clone();
        match self.top {
            TopTab::Traces => self.list.ui(ui, open),
            TopTab::Operations => self.operations.ui(ui, traces, shared.as_ref()),
            TopTab::SlowVsRest => {
                let have_pick = self.list.pick().is_some();
                match self.slow.ui(ui, traces, shared.as_ref(), have_pick) {
                    Some(SlowAction::FilterAttribute(text)) => {
                        self.filters.set_attribute(text);
                        self.apply_filter(traces);
                        self.top = TopTab::Traces;
                    }
                    Some(SlowAction::ComparePick) => {
                        if let Some(p) = self.list.pick().cloned() {
                            self.slow.compare_traces(traces, shared.as_ref(), ui.ctx(), p.label, &p.traces);
                        }
                    }
                    Some(SlowAction::CompareListed) => {
                        let listed = self.list.order().to_vec();
                        let label = format!("the {} listed", listed.len());
                        self.slow.compare_traces(traces, shared.as_ref(), ui.ctx(), label, &listed);
                    }
                    None => {}
                }
                None
            }
        }
    }

    fn apply_filter(&mut self, traces: &TraceSet) {
        let f = self.filters.filter();
        self.list.set_filter(if f.is_empty() { None } else { Some(f.mask(traces)) });
    }

    /// Filters the trace list (as typing in the filter row does).
    pub fn set_filter(&mut self, traces: &TraceSet, filter: crate::analysis::trace_filter::TraceFilter) {
        self.filters.clear();
        self.filters.set_filter(filter);
        self.apply_filter(traces);
    }
}

/// What the waterfall and the tables show while trace `i` opens on a worker.
fn opening_ui(ui: &mut Ui, traces: &TraceSet, i: usize) {
    ui.horizontal(|ui| {
        ui.spinner();
        let trace = traces.traces.get(i);
        let spans = crate::model::units::format_count(trace.map_or(0, |t| t.spans.len()) as f64);
        // Named by its root span, as the list names it.
        match trace.and_then(|t| t.root()) {
            Some(root) => ui.label(format!("Opening trace {}: {} ({spans} spans)…", root.service, root.name)),
            None => ui.label(format!("Opening trace {} ({spans} spans)…", i + 1)),
        };
    });
}
