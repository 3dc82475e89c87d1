//! A heap series in the window: three or more snapshots of one process,
//! oldest first. One table: per function the change of in-use self weight
//! in every interval and over the whole series (and of total over the
//! series), leak suspects (functions that grew in every interval) first,
//! strongest first, then the rest by the size of their overall change.
//! Figures come from [`crate::analysis::growth`].

use std::collections::HashMap;

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};

use super::flame::signed;
use crate::jobs::compare::HeapSeries;
use crate::model::{Metric, Weight};
use crate::ui::theme;

/// One row of the series table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeriesRow {
    /// Function name.
    pub name: String,
    /// Module.
    pub module: String,
    /// Grows in every interval.
    pub suspect: bool,
    /// Self change in each interval.
    pub per_interval: Vec<Weight>,
    /// Self change over the series (last minus first).
    pub overall_self: Weight,
    /// Total change over the series.
    pub overall_total: Weight,
}

/// The heap-series view.
pub struct SeriesView {
    /// The snapshots and their growth.
    pub series: HeapSeries,
    /// Table rows, suspects first.
    pub rows: Vec<SeriesRow>,
    /// The metric's total in the first and in the last snapshot.
    pub totals: (Weight, Weight),
}

impl SeriesView {
    /// The view of `series`.
    pub fn new(series: HeapSeries) -> Self {
        let rows = rows(&series);
        let total = |i: usize| {
            let (f, m) = (&series.files[i], series.metrics[i]);
            crate::analysis::diff::diff(&f.profile, m, &f.profile, m, &Default::default()).before_total
        };
        let totals = if series.files.is_empty() { (0, 0) } else { (total(0), total(series.files.len() - 1)) };
        Self { series, rows, totals }
    }

    /// The metric (the newest snapshot's).
    pub fn metric(&self) -> Option<&Metric> {
        let f = self.series.files.last()?;
        Some(f.profile.metric(*self.series.metrics.last()?))
    }

    /// "inuse_space 1.2 MiB → 3.4 MiB (+183%) over 5 snapshots".
    pub fn status_line(&self) -> String {
        let Some(m) = self.metric() else { return String::new() };
        let (b, a) = self.totals;
        let line = crate::analysis::compare_flame::change_line(b, a, |w| m.format(w));
        format!("{} {line} over {} snapshots", m.name, self.series.files.len())
    }

    /// The table.
    pub fn ui(&self, ui: &mut Ui) {
        let Some(m) = self.metric() else { return };
        let g = &self.series.growth;
        ui.horizontal_wrapped(|ui| {
            ui.label("Snapshots, oldest first:");
            for (i, f) in self.series.files.iter().enumerate() {
                ui.label(format!("{}. {}", i + 1, f.name));
            }
        });
        if let Some((a, b)) = g.out_of_order {
            let name = |i: usize| self.series.files.get(i).map_or("?", |f| f.name.as_str());
            ui.colored_label(
                theme::DIFF_MORE,
                format!(
                    "\u{26a0} {} was taken before {} (its recorded time is earlier): the series runs backwards \
                     there; give the snapshots oldest first.",
                    name(b),
                    name(a)
                ),
            );
        }
        ui.label(format!(
            "{} leak suspects (in-use {} grew in every interval), listed first.",
            g.suspects.len(),
            m.name
        ));
        let row_h = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
        let n = self.series.files.len();
        let mut table = TableBuilder::new(ui)
            .min_scrolled_height(0.0)
            .id_salt("heap_series_table")
            .striped(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::remainder().at_least(200.0).clip(true));
        for _ in 0..n + 1 {
            table = table.column(Column::auto().at_least(80.0));
        }
        table
            .header(row_h, |mut h| {
                h.col(|ui| {
                    ui.strong("Function");
                });
                for k in 1..n {
                    h.col(|ui| {
                        ui.strong(format!("Self {k}\u{2192}{}", k + 1));
                    });
                }
                h.col(|ui| {
                    ui.strong(format!("Self 1\u{2192}{n}"));
                });
                h.col(|ui| {
                    ui.strong(format!("Total 1\u{2192}{n}"));
                });
            })
            .body(|body| {
                body.rows(row_h, self.rows.len(), |mut row| {
                    let r = &self.rows[row.index()];
                    row.col(|ui| {
                        let text = if r.suspect { format!("\u{26a0} {}", r.name) } else { r.name.clone() };
                        let rich = if r.suspect { RichText::new(text).strong() } else { RichText::new(text) };
                        ui.add(egui::Label::new(rich).truncate()).on_hover_text(if r.suspect {
                            format!("Leak suspect: grew in every interval. {}", r.module)
                        } else {
                            r.module.clone()
                        });
                    });
                    for &w in r.per_interval.iter().chain([&r.overall_self, &r.overall_total]) {
                        row.col(|ui| {
                            let rich = RichText::new(signed(m, w));
                            ui.label(match w.signum() {
                                1 => rich.color(theme::DIFF_MORE),
                                -1 => rich.color(theme::DIFF_LESS),
                                _ => rich,
                            });
                        });
                    }
                });
            });
    }
}

/// The table rows of `series`: every function that changed in some
/// interval, suspects first (in the analysis's order), then by the size of
/// the overall self change, then name.
pub fn rows(series: &HeapSeries) -> Vec<SeriesRow> {
    let g = &series.growth;
    let mut by_key: HashMap<(String, String), SeriesRow> = HashMap::new();
    let k = g.intervals.len();
    for (i, iv) in g.intervals.iter().enumerate() {
        for r in &iv.rows {
            let row = by_key.entry((r.name.clone(), r.module.clone())).or_insert_with(|| SeriesRow {
                name: r.name.clone(),
                module: r.module.clone(),
                suspect: false,
                per_interval: vec![0; k],
                overall_self: 0,
                overall_total: 0,
            });
            row.per_interval[i] = r.self_change;
        }
    }
    if let Some(o) = &g.overall {
        for r in &o.rows {
            if let Some(row) = by_key.get_mut(&(r.name.clone(), r.module.clone())) {
                row.overall_self = r.self_change;
                row.overall_total = r.total_change;
            }
        }
    }
    let rank: HashMap<(&str, &str), usize> =
        g.suspects.iter().enumerate().map(|(i, s)| ((s.name.as_str(), s.module.as_str()), i)).collect();
    let mut rows: Vec<SeriesRow> = by_key.into_values().collect();
    for r in &mut rows {
        r.suspect = rank.contains_key(&(r.name.as_str(), r.module.as_str()));
    }
    rows.sort_by(|a, b| {
        let ra = rank.get(&(a.name.as_str(), a.module.as_str())).copied().unwrap_or(usize::MAX);
        let rb = rank.get(&(b.name.as_str(), b.module.as_str())).copied().unwrap_or(usize::MAX);
        ra.cmp(&rb)
            .then_with(|| b.overall_self.abs().cmp(&a.overall_self.abs()))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.module.cmp(&b.module))
    });
    rows
}
