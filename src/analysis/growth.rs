//! A heap series: snapshots of one process in time order, each interval
//! compared as `go tool pprof -base=OLDER NEWER` compares it (the newer
//! snapshot minus the older, by function), plus the whole series (last
//! minus first). Functions whose self weight grows in every interval are
//! the leak suspects, strongest (largest growth over the series) first.

use std::collections::HashMap;

use super::compare::{CompareOptions, Side};
use super::diff::Diff;
use crate::model::{SampleFilter, Weight};

/// One function's change over an interval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrowthRow {
    /// Function name.
    pub name: String,
    /// Module (see [`super::compare::FunctionKey`]).
    pub module: String,
    /// Change of self weight (newer minus older).
    pub self_change: Weight,
    /// Change of total weight.
    pub total_change: Weight,
}

/// The change between two snapshots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interval {
    /// Index of the older snapshot.
    pub older: usize,
    /// Index of the newer snapshot.
    pub newer: usize,
    /// Change of the total.
    pub total_change: Weight,
    /// Functions whose self or total changed, by the size of the self
    /// change (largest first), then name, then the size of the total
    /// change, as `pprof -top` orders them.
    pub rows: Vec<GrowthRow>,
}

/// A function that grows in every interval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suspect {
    /// Function name.
    pub name: String,
    /// Module.
    pub module: String,
    /// Self growth over the whole series (last minus first).
    pub growth: Weight,
    /// Self growth in each interval (all above 0).
    pub per_interval: Vec<Weight>,
}

/// A heap series compared. See the module docs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Growth {
    /// Consecutive intervals, oldest first.
    pub intervals: Vec<Interval>,
    /// Last snapshot minus first; `None` with fewer than two snapshots.
    pub overall: Option<Interval>,
    /// Functions whose self weight grows in every interval, largest growth first.
    pub suspects: Vec<Suspect>,
    /// Two consecutive snapshots (older, newer by the order given) whose
    /// recorded times (pprof's `time_nanos`) run backwards: the series is
    /// then computed backwards from there.
    pub out_of_order: Option<(usize, usize)>,
}

/// The first two consecutive snapshots whose recorded times run backwards
/// (see [`Growth::out_of_order`]); snapshots without a time are not judged.
fn out_of_order(series: &[Side<'_>]) -> Option<(usize, usize)> {
    let time = |i: usize| series[i].profile.meta.iter().find(|(k, _)| k == "time").map(|(_, v)| v.as_str());
    // pprof's times read "YYYY-MM-DD HH:MM:SS.nnnnnnnnn UTC": text order is time order.
    (1..series.len()).find(|&i| matches!((time(i - 1), time(i)), (Some(a), Some(b)) if b < a)).map(|i| (i - 1, i))
}

/// Compares each snapshot of `series` (oldest first) with the one before
/// it, over the samples `filter` keeps.
pub fn growth(series: &[Side<'_>], filter: &SampleFilter) -> Growth {
    let opts = CompareOptions { filter: filter.clone(), ..CompareOptions::default() };
    let interval = |older: usize, newer: usize| {
        let c = Diff::build(series[older], series[newer], &opts);
        let mut rows: Vec<GrowthRow> = c
            .rows
            .iter()
            .map(|r| GrowthRow {
                name: r.name.clone(),
                module: r.module.clone(),
                self_change: r.after_self - r.before_self,
                total_change: r.after_total - r.before_total,
            })
            .filter(|r| r.self_change != 0 || r.total_change != 0)
            .collect();
        rows.sort_by(|a, b| {
            b.self_change
                .abs()
                .cmp(&a.self_change.abs())
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| b.total_change.abs().cmp(&a.total_change.abs()))
                .then_with(|| a.module.cmp(&b.module))
        });
        Interval { older, newer, total_change: c.after_total - c.before_total, rows }
    };
    let intervals: Vec<Interval> = (1..series.len()).map(|i| interval(i - 1, i)).collect();
    let overall = (series.len() >= 2).then(|| interval(0, series.len() - 1));
    let mut suspects: Vec<Suspect> = Vec::new();
    if let Some(first) = intervals.first() {
        let changes: Vec<HashMap<(&str, &str), Weight>> = intervals
            .iter()
            .map(|iv| iv.rows.iter().map(|x| ((x.name.as_str(), x.module.as_str()), x.self_change)).collect())
            .collect();
        for r in first.rows.iter().filter(|r| r.self_change > 0) {
            let key = (r.name.as_str(), r.module.as_str());
            let per_interval: Option<Vec<Weight>> =
                changes.iter().map(|c| c.get(&key).copied().filter(|&c| c > 0)).collect();
            let Some(per_interval) = per_interval else { continue };
            // Self changes telescope: their sum is last minus first.
            let growth = per_interval.iter().sum();
            suspects.push(Suspect { name: r.name.clone(), module: r.module.clone(), growth, per_interval });
        }
    }
    suspects.sort_by(|a, b| b.growth.cmp(&a.growth).then_with(|| a.name.cmp(&b.name)));
    Growth { intervals, overall, suspects, out_of_order: out_of_order(series) }
}
