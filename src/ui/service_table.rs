//! "Which service is slow" for the open trace: the service table and the
//! (service, span name) table with self time, total time, span count and
//! errors, and the critical path listed with each span's share of it.
//!
//! Rows come from `analysis::traces` ([`service_table`], [`operation_table`],
//! [`critical_path`]) and are cached per trace; headers sort (click again to
//! reverse). egui_extras `TableBuilder` lays out only visible rows. Imports
//! `model`, `analysis` and egui.

use egui::{Color32, RichText, Sense, Ui};
use egui_extras::{Column, TableBuilder};

use crate::analysis::traces::{SpanStats, critical_path, critical_path_shares, operation_table, service_table};
use crate::model::trace::TraceSet;
use crate::model::units::format_duration_ns;
use crate::ui::trace_colors::{ERROR, ServiceColors};

/// A sortable column of the stats tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StatsKey {
    /// Service, then span name.
    Name,
    /// Self time (the default, descending: the slow service first).
    #[default]
    SelfTime,
    /// Total time.
    Total,
    /// Span count.
    Spans,
    /// Error count.
    Errors,
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

/// One span on the critical path.
#[derive(Clone, Debug, PartialEq)]
pub struct PathRow {
    /// Span index in the trace.
    pub span: u32,
    /// `service: span name`.
    pub label: String,
    /// The service.
    pub service: String,
    /// Time on the critical path, ns.
    pub path_ns: u64,
}

/// The tables of one trace, cached, and how they are sorted.
#[derive(Debug, Default)]
pub struct ServiceTables {
    trace: Option<usize>,
    services: Vec<SpanStats>,
    operations: Vec<SpanStats>,
    path: Vec<PathRow>,
    duration_ns: u64,
    sort: (StatsKey, bool),
    lower: Lower,
}

impl ServiceTables {
    /// Computes the tables of trace `trace` of `set`.
    pub fn open(&mut self, set: &TraceSet, trace: usize) {
        let Some(t) = set.traces.get(trace) else { return };
        self.trace = Some(trace);
        self.services = service_table(set, Some(trace));
        self.operations = operation_table(set, Some(trace));
        self.duration_ns = t.duration_ns();
        let mut path: Vec<PathRow> = critical_path_shares(&critical_path(t))
            .into_iter()
            .filter_map(|(i, ns)| {
                let s = t.spans.get(i)?;
                Some(PathRow {
                    span: i as u32,
                    label: format!("{}: {}", s.service, s.name),
                    service: s.service.to_string(),
                    path_ns: ns,
                })
            })
            .collect();
        path.sort_by_key(|r| std::cmp::Reverse(r.path_ns));
        self.path = path;
        self.apply_sort();
    }

    /// The trace the tables are for.
    pub fn trace(&self) -> Option<usize> {
        self.trace
    }

    /// Service rows, in display order.
    pub fn services(&self) -> &[SpanStats] {
        &self.services
    }

    /// (service, span name) rows, in display order.
    pub fn operations(&self) -> &[SpanStats] {
        &self.operations
    }

    /// Critical-path rows, largest share first.
    pub fn path(&self) -> &[PathRow] {
        &self.path
    }

    fn apply_sort(&mut self) {
        let (key, ascending) = self.sort;
        for rows in [&mut self.services, &mut self.operations] {
            rows.sort_by(|a, b| {
                let o = match key {
                    StatsKey::Name => (&a.service, &a.name).cmp(&(&b.service, &b.name)),
                    StatsKey::SelfTime => a.self_ns.cmp(&b.self_ns),
                    StatsKey::Total => a.total_ns.cmp(&b.total_ns),
                    StatsKey::Spans => a.spans.cmp(&b.spans),
                    StatsKey::Errors => a.errors.cmp(&b.errors),
                };
                let o = if ascending { o } else { o.reverse() };
                o.then_with(|| (&a.service, &a.name).cmp(&(&b.service, &b.name)))
            });
        }
    }

    /// Shows the service table, then the critical path or the span-name
    /// table. Returns the span clicked in the critical-path list, if any.
    pub fn ui(&mut self, ui: &mut Ui, colors: &ServiceColors) -> Option<u32> {
        if self.trace.is_none() {
            ui.label("No trace open.");
            return None;
        }
        ui.strong("Services in this trace");
        let resort = stats_table(ui, "service_table", &self.services, self.sort, false, colors, 180.0);
        self.resort(resort);
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.lower, Lower::CriticalPath, "Critical path");
            ui.selectable_value(&mut self.lower, Lower::Operations, "Span names");
        });
        match self.lower {
            Lower::CriticalPath => self.path_table(ui, colors),
            Lower::Operations => {
                let resort =
                    stats_table(ui, "operation_table", &self.operations, self.sort, true, colors, f32::INFINITY);
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
        ui.label(
            RichText::new(
                "Spans the request waited on, by time on the path (the line under the bars in the waterfall)",
            )
            .weak()
            .small(),
        );
        // Selectable labels would take the click from the row under them.
        ui.style_mut().interaction.selectable_labels = false;
        TableBuilder::new(ui)
            .id_salt("critical_path_table")
            .striped(true)
            .sense(Sense::click())
            .auto_shrink([false, true])
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::remainder().at_least(140.0).clip(true))
            .columns(Column::auto().at_least(64.0), 2)
            .header(22.0, |mut h| {
                h.col(|ui| {
                    ui.strong("Span");
                });
                h.col(|ui| {
                    ui.strong("On path");
                });
                h.col(|ui| {
                    ui.strong("Share");
                });
            })
            .body(|body| {
                body.rows(20.0, self.path.len(), |mut row| {
                    let r = &self.path[row.index()];
                    row.col(|ui| {
                        swatch(ui, colors.get(&r.service));
                        ui.label(&r.label);
                    });
                    row.col(|ui| {
                        ui.label(format_duration_ns(r.path_ns as f64));
                    });
                    row.col(|ui| {
                        share_bar(ui, r.path_ns as f64 / total as f64);
                    });
                    if row.response().clicked() {
                        clicked = Some(r.span);
                    }
                });
            });
        clicked
    }
}

fn stats_table(
    ui: &mut Ui,
    id: &str,
    rows: &[SpanStats],
    sort: (StatsKey, bool),
    by_name: bool,
    colors: &ServiceColors,
    max_h: f32,
) -> Option<(StatsKey, bool)> {
    let mut out = None;
    let total_self: u64 = rows.iter().map(|r| r.self_ns).sum::<u64>().max(1);
    // Selectable labels would take the click from the row under them.
    ui.style_mut().interaction.selectable_labels = false;
    let ctx = ui.ctx().clone();
    let table = TableBuilder::new(ui).id_salt(id);
    super::sort_header::top_after_sort(&ctx, id, table)
        .striped(true)
        .max_scroll_height(max_h)
        .auto_shrink([false, true])
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::remainder().at_least(120.0).clip(true))
        .columns(Column::auto().at_least(56.0), 5)
        .header(22.0, |mut h| {
            h.col(|ui| header(ui, id, sort, if by_name { "Span" } else { "Service" }, StatsKey::Name, &mut out));
            h.col(|ui| header(ui, id, sort, "Self", StatsKey::SelfTime, &mut out));
            h.col(|ui| {
                ui.strong("Self %");
            });
            h.col(|ui| header(ui, id, sort, "Total", StatsKey::Total, &mut out));
            h.col(|ui| header(ui, id, sort, "Spans", StatsKey::Spans, &mut out));
            h.col(|ui| header(ui, id, sort, "Errors", StatsKey::Errors, &mut out));
        })
        .body(|body| {
            body.rows(20.0, rows.len(), |mut row| {
                let r = &rows[row.index()];
                row.col(|ui| {
                    swatch(ui, colors.get(&r.service));
                    if by_name {
                        ui.label(RichText::new(&r.service).weak().small());
                        ui.label(&r.name);
                    } else {
                        ui.label(&r.service);
                    }
                });
                row.col(|ui| {
                    ui.label(format_duration_ns(r.self_ns as f64));
                });
                row.col(|ui| {
                    ui.label(format!("{:.1}%", r.self_ns as f64 * 100.0 / total_self as f64));
                });
                row.col(|ui| {
                    ui.label(format_duration_ns(r.total_ns as f64));
                });
                row.col(|ui| {
                    ui.label(r.spans.to_string());
                });
                row.col(|ui| {
                    let text = RichText::new(r.errors.to_string());
                    ui.label(if r.errors > 0 { text.color(ERROR).strong() } else { text });
                });
            });
        });
    out
}

fn header(
    ui: &mut Ui,
    table: &str,
    sort: (StatsKey, bool),
    title: &str,
    key: StatsKey,
    out: &mut Option<(StatsKey, bool)>,
) {
    // `sort.1` is "ascending".
    if super::sort_header::sort_header(ui, table, title, (sort.0 == key).then_some(!sort.1)) {
        *out = Some(if sort.0 == key { (key, !sort.1) } else { (key, key == StatsKey::Name) });
    }
}

fn swatch(ui: &mut Ui, color: Color32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(8.0, 14.0), Sense::hover());
    ui.painter().rect_filled(rect, 1.0, color);
}

fn share_bar(ui: &mut Ui, share: f64) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(64.0, 14.0), Sense::hover());
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
