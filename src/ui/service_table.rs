//! "Which service is slow": the service table and the (service, span name)
//! table with self time, wall time, span count and errors, for the open
//! trace or over every trace, and the critical path of the open trace
//! listed with each span's share of it.
//!
//! Rows come from `analysis::traces` (`service_table`, `operation_table`,
//! `critical_path`) and are cached; headers sort (click again to reverse).
//! Names get their width first: number columns are as wide as their widest
//! value, the name column takes the rest but never less than its widest
//! name (up to [`NAME_MAX_PX`], longer names are elided and whole on
//! hover), and a table that does not fit scrolls sideways
//! ([`crate::ui::table_fit`]). No column is sized by egui_extras' sizing
//! pass, so the first frame is laid out as the next. Imports `model`,
//! `analysis` and egui. With a linked CPU profile both tables gain a CPU
//! column ([`CpuColumn`]), sortable like the others.

use egui::{RichText, Sense, Ui};
use egui_extras::TableBuilder;

use crate::analysis::traces::{CriticalSection, SpanStats, service_and_operation_tables};
use crate::model::trace::TraceSet;
use crate::model::units::format_duration_ns;
use crate::ui::table_fit;
use crate::ui::trace::cpu_column::CpuColumn;
pub use crate::ui::trace::path_rows::PathRow;
use crate::ui::trace::path_rows::path_rows;
use crate::ui::trace::stats_table::{
    ExactColumns, SHARE_PX, SWATCH_PX, fitted, share_bar, stats_table, stats_widths, swatch,
};
use crate::ui::trace_colors::ServiceColors;

/// Widest a name column gets before it elides (whole on hover), px.
pub const NAME_MAX_PX: f32 = 360.0;

/// A sortable column of the stats tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StatsKey {
    /// Service, then span name.
    Name,
    /// Self time (the default, descending: the slow service first).
    #[default]
    SelfTime,
    /// Wall time: the union of the spans' intervals.
    Wall,
    /// Span count.
    Spans,
    /// Error count.
    Errors,
    /// CPU time of a linked profile's samples.
    Cpu,
}

/// Which lower table is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lower {
    /// The critical path (the default).
    #[default]
    CriticalPath,
    /// The (service, span name) table.
    Operations,
}

/// Which traces the service and span-name tables sum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Scope {
    /// The open trace (the default).
    #[default]
    OpenTrace,
    /// Every trace of the file, as `firesight services` sums them.
    AllTraces,
}

/// The tables, cached, and how they are sorted.
#[derive(Debug, Default)]
pub struct ServiceTables {
    trace: Option<usize>,
    services: Vec<SpanStats>,
    operations: Vec<SpanStats>,
    all_services: Vec<SpanStats>,
    all_operations: Vec<SpanStats>,
    /// (trace list address, count) the all-traces rows are for.
    all_key: Option<(usize, usize)>,
    path: Vec<PathRow>,
    /// The operations of the path's rows: (`service: span name`, service).
    path_ops: Vec<(String, String)>,
    duration_ns: u64,
    /// Time of the open trace in no section of its critical path.
    in_no_span_ns: u64,
    sort: (StatsKey, bool),
    lower: Lower,
    scope: Scope,
    cpu: Option<CpuColumn>,
    widths: super::table_widths::WidthCache,
}

impl ServiceTables {
    /// Computes the tables of trace `trace` of `set` (and, once per set,
    /// those over every trace) with its critical path `sections`.
    pub fn open(&mut self, set: &TraceSet, trace: usize, sections: &[CriticalSection]) {
        self.open_stats(set, trace);
        self.open_path(set, trace, sections);
    }

    /// The service and operation tables of [`ServiceTables::open`], which
    /// do not need the critical path (the trace view computes them while
    /// it finds the path).
    pub fn open_stats(&mut self, set: &TraceSet, trace: usize) {
        if set.traces.get(trace).is_none() {
            return;
        }
        self.trace = Some(trace);
        self.widths.clear();
        (self.services, self.operations) = service_and_operation_tables(set, Some(trace));
        let key = (set.traces.as_ptr() as usize, set.traces.len());
        if self.all_key != Some(key) {
            // A set of one trace: every trace is this one.
            (self.all_services, self.all_operations) = if set.traces.len() == 1 {
                (self.services.clone(), self.operations.clone())
            } else {
                service_and_operation_tables(set, None)
            };
            self.all_key = Some(key);
        }
        if let Some(cpu) = &mut self.cpu {
            cpu.open_trace(set, trace);
        }
    }

    /// The critical-path table of [`ServiceTables::open`].
    pub fn open_path(&mut self, set: &TraceSet, trace: usize, sections: &[CriticalSection]) {
        let Some(t) = set.traces.get(trace) else { return };
        self.widths.clear();
        self.duration_ns = t.duration_ns();
        let on_path: u64 = sections.iter().map(|c| c.end_ns - c.start_ns).sum();
        self.in_no_span_ns = self.duration_ns.saturating_sub(on_path);
        let (path, path_ops) = path_rows(t, sections);
        self.path = path;
        self.path_ops = path_ops;
        self.apply_sort();
    }

    /// The trace the per-trace tables are for.
    pub fn trace(&self) -> Option<usize> {
        self.trace
    }

    /// Service rows of the open trace, in display order.
    pub fn services(&self) -> &[SpanStats] {
        &self.services
    }

    /// (service, span name) rows of the open trace, in display order.
    pub fn operations(&self) -> &[SpanStats] {
        &self.operations
    }

    /// Service rows over every trace, in display order.
    pub fn all_services(&self) -> &[SpanStats] {
        &self.all_services
    }

    /// (service, span name) rows over every trace, in display order.
    pub fn all_operations(&self) -> &[SpanStats] {
        &self.all_operations
    }

    /// Critical-path rows, largest share first.
    pub fn path(&self) -> &[PathRow] {
        &self.path
    }

    /// `service: span name` and service of a critical-path row.
    pub fn path_op(&self, row: &PathRow) -> (&str, &str) {
        self.path_ops.get(row.op as usize).map_or(("", ""), |(l, s)| (l.as_str(), s.as_str()))
    }

    /// Time of the open trace on no span of its critical path, ns.
    pub fn in_no_span_ns(&self) -> u64 {
        self.in_no_span_ns
    }

    /// The width the service tables want, px: every column whole, for the
    /// panel's first size (span names may be longer: that table scrolls
    /// sideways when they do not fit).
    pub fn wanted_width(&self, ui: &Ui) -> f32 {
        let gap = ui.spacing().item_spacing.x;
        [(&self.services, false), (&self.all_services, true)]
            .into_iter()
            .map(|(rows, all)| {
                let w = stats_widths(ui, rows, false, self.cpu.as_ref().map(|c| (c, all)));
                let rest = &w[1..];
                w[0].min(NAME_MAX_PX) + rest.iter().sum::<f32>() + gap * rest.len() as f32
            })
            .fold(0.0, f32::max)
    }

    /// Shows a CPU column from a linked profile (`None` removes it).
    pub fn set_cpu(&mut self, cpu: Option<CpuColumn>) {
        self.cpu = cpu;
        self.widths.clear();
        if self.cpu.is_none() && self.sort.0 == StatsKey::Cpu {
            self.sort = (StatsKey::default(), false);
        }
        self.apply_sort();
    }

    /// The CPU column, when a profile is linked.
    pub fn cpu(&self) -> Option<&CpuColumn> {
        self.cpu.as_ref()
    }

    /// Sorts the tables by `key`, `ascending` or not (as a header click does).
    pub fn sort_by(&mut self, key: StatsKey, ascending: bool) {
        self.resort(Some((key, ascending)));
    }

    /// Which traces the tables sum.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// Sums the tables over `scope`.
    pub fn set_scope(&mut self, scope: Scope) {
        self.scope = scope;
    }

    fn apply_sort(&mut self) {
        let (key, ascending) = self.sort;
        let cpu = self.cpu.as_ref();
        let tables = [
            (&mut self.services, false, false),
            (&mut self.operations, false, true),
            (&mut self.all_services, true, false),
            (&mut self.all_operations, true, true),
        ];
        for (rows, all, by_name) in tables {
            let cpu_of =
                |r: &SpanStats| cpu.map_or(0, |c| c.weight(all, &r.service, by_name.then_some(r.name.as_str())));
            rows.sort_by(|a, b| {
                let o = match key {
                    StatsKey::Name => (&a.service, &a.name).cmp(&(&b.service, &b.name)),
                    StatsKey::SelfTime => a.self_ns.cmp(&b.self_ns),
                    StatsKey::Wall => a.wall_ns.cmp(&b.wall_ns),
                    StatsKey::Spans => a.spans.cmp(&b.spans),
                    StatsKey::Errors => a.errors.cmp(&b.errors),
                    StatsKey::Cpu => cpu_of(a).cmp(&cpu_of(b)),
                };
                let o = if ascending { o } else { o.reverse() };
                o.then_with(|| (&a.service, &a.name).cmp(&(&b.service, &b.name)))
            });
        }
    }

    /// Shows the scope switch, the service table, then the critical path or
    /// the span-name table. Returns the span clicked in the critical-path
    /// list, if any.
    pub fn ui(&mut self, ui: &mut Ui, colors: &ServiceColors, traces: usize) -> Option<u32> {
        if self.trace.is_none() {
            ui.label("No trace open.");
            return None;
        }
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.scope, Scope::OpenTrace, "This trace")
                .on_hover_text("Sum the spans of the trace in the waterfall");
            ui.selectable_value(&mut self.scope, Scope::AllTraces, "All traces").on_hover_text(format!(
                "Sum the spans of all {traces} traces in the file, as `firesight services` does"
            ));
        });
        let all = self.scope == Scope::AllTraces;
        ui.strong(if all { format!("Services in all {traces} traces") } else { "Services in this trace".into() });
        let rows = if all { &self.all_services } else { &self.services };
        let cpu = self.cpu.as_ref().map(|c| (c, all));
        let table = match (all, cpu.is_some()) {
            (true, true) => "all_services_cpu",
            (true, false) => "all_services",
            (false, true) => "services_cpu",
            (false, false) => "services",
        };
        let widths = self.widths.get(ui, table, rows.len(), || stats_widths(ui, rows, false, cpu));
        let resort = stats_table(ui, "service_table", rows, &widths, (self.sort, false), cpu, colors, 180.0);
        self.resort(resort);
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.lower, Lower::CriticalPath, "Critical path")
                .on_hover_text("Of the trace in the waterfall");
            ui.selectable_value(&mut self.lower, Lower::Operations, "Span names");
        });
        match self.lower {
            Lower::CriticalPath => self.path_table(ui, colors),
            Lower::Operations => {
                let rows = if all { &self.all_operations } else { &self.operations };
                let cpu = self.cpu.as_ref().map(|c| (c, all));
                let table = match (all, cpu.is_some()) {
                    (true, true) => "all_operations_cpu",
                    (true, false) => "all_operations",
                    (false, true) => "operations_cpu",
                    (false, false) => "operations",
                };
                let widths = self.widths.get(ui, table, rows.len(), || stats_widths(ui, rows, true, cpu));
                let sort = (self.sort, true);
                let resort = stats_table(ui, "operation_table", rows, &widths, sort, cpu, colors, f32::INFINITY);
                self.resort(resort);
                None
            }
        }
    }

    fn resort(&mut self, sort: Option<(StatsKey, bool)>) {
        if let Some(sort) = sort {
            self.sort = sort;
            self.apply_sort();
        }
    }

    fn path_table(&mut self, ui: &mut Ui, colors: &ServiceColors) -> Option<u32> {
        let mut clicked = None;
        let total = self.duration_ns.max(1);
        let mut note = format!(
            "The spans this trace waited on, from its first start to its last end ({}), by time on the path \
             (the line under the bars in the waterfall)",
            format_duration_ns(self.duration_ns as f64)
        );
        if self.in_no_span_ns > 0 {
            note += &format!(
                "; {} in no span (after a span ended, before its asynchronous work began)",
                format_duration_ns(self.in_no_span_ns as f64)
            );
        }
        ui.add(egui::Label::new(RichText::new(note).weak().small()).wrap());
        // Selectable labels would take the click from the row under them.
        ui.style_mut().interaction.selectable_labels = false;
        let path = &self.path;
        let measured = self.widths.get(ui, "critical_path", path.len(), || {
            let font = table_fit::body_font(ui);
            let on_path = table_fit::widest_duration(ui, &font, path.iter().map(|r| r.path_ns))
                .max(table_fit::header_width(ui, "On path", false));
            let names = self.path_ops.iter().map(|(label, _)| label.as_str());
            vec![SWATCH_PX + ui.spacing().item_spacing.x + table_fit::widest(ui, &font, names), on_path]
        });
        let gutter = table_fit::scroll_gutter(ui);
        let name_w = measured[0];
        let rest = [measured[1], SHARE_PX + gutter];
        fitted(ui, "critical_path_sideways", name_w, &rest, |ui, widths| {
            TableBuilder::new(ui)
                .min_scrolled_height(0.0)
                .id_salt("critical_path_table")
                .striped(true)
                .sense(Sense::click())
                .auto_shrink([false, true])
                .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
                .columns_exact(widths)
                .header(22.0, |mut h| {
                    h.col(|ui| {
                        ui.strong("Span");
                    });
                    h.col(|ui| {
                        let title = table_fit::right_aligned(ui, 0.0, |ui| ui.strong("On path"));
                        title.on_hover_text("Time on the critical path spent in the span itself");
                    });
                    h.col(|ui| {
                        ui.strong("Share").on_hover_text("Of the trace's duration");
                    });
                })
                .body(|body| {
                    body.rows(20.0, self.path.len(), |mut row| {
                        let r = &self.path[row.index()];
                        let (label, service) = self.path_op(r);
                        row.col(|ui| {
                            swatch(ui, colors.get(service));
                            ui.add(egui::Label::new(label).truncate()).on_hover_text(label);
                        });
                        row.col(|ui| table_fit::number_cell(ui, format_duration_ns(r.path_ns as f64), 0.0));
                        row.col(|ui| share_bar(ui, r.path_ns as f64 / total as f64));
                        if row.response().clicked() {
                            clicked = Some(r.span);
                        }
                    });
                });
        });
        clicked
    }
}
