//! Heap size over time, for profiles that carry it (massif): the useful
//! heap, the allocator's extra bytes and the stacks of every snapshot at
//! its time, and which snapshot is the peak. The window draws it as a
//! chart above the memory flamegraph; the CLI's `info` names the peak.
//!
//! The loader stores each snapshot as samples of the metrics
//! `useful heap over time`, `extra heap over time` and `stacks over time`
//! stamped with the snapshot's time ([`crate::load::massif`]); a point is
//! the sum of each metric's weights at one time. Imports `model` only.

use std::collections::BTreeMap;

use crate::model::{MetricId, Profile};

/// The metric of the peak snapshot's tree, as the massif loader names it.
pub const PEAK_METRIC: &str = "useful heap at peak";
/// Names of the three series' metrics, as the massif loader writes them
/// (`crate::load::massif` names them too; a test keeps the two equal).
pub const SERIES_METRICS: [&str; 3] = ["useful heap over time", "extra heap over time", "stacks over time"];
/// The `info` key naming the unit of the times.
pub const TIME_UNIT_META: &str = "time unit";

/// The unit a profile counts its times in when it is not time (massif's
/// `time_unit: i` or `B`: instructions, bytes allocated); `None` for ns.
pub fn untimed_unit(p: &Profile) -> Option<&str> {
    p.meta.iter().find(|(k, v)| k == TIME_UNIT_META && v != "ns").map(|(_, v)| v.as_str())
}

/// One snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeapPoint {
    /// When, in the profile's time unit ([`HeapSeries::time_unit`]).
    pub time: u64,
    /// Bytes the program asked for and holds.
    pub useful_bytes: u64,
    /// Allocator overhead (headers, alignment).
    pub extra_bytes: u64,
    /// Stack bytes (massif `--stacks=yes`; else 0).
    pub stacks_bytes: u64,
}

impl HeapPoint {
    /// Useful + extra + stacks: what `ms_print` charts.
    pub fn total_bytes(&self) -> u64 {
        self.useful_bytes.saturating_add(self.extra_bytes).saturating_add(self.stacks_bytes)
    }
}

/// Heap size over time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeapSeries {
    /// The snapshots in time order.
    pub points: Vec<HeapPoint>,
    /// Index of the peak snapshot in `points`: the one whose tree is the
    /// peak metric's (massif's `heap_tree=peak`), else the largest total
    /// (the first of equal ones); `None` when there are no points.
    pub peak: Option<usize>,
    /// What the times count: `instructions`, `bytes allocated`, `ns`.
    pub time_unit: String,
}

/// The heap series of `p`, or `None` when it has none (not a massif profile).
pub fn heap_series(p: &Profile) -> Option<HeapSeries> {
    let ids: Vec<MetricId> = SERIES_METRICS
        .iter()
        .map(|n| p.metrics.iter().position(|m| m.name == *n).map(MetricId::from_index))
        .collect::<Option<Vec<_>>>()?;
    let mut at: BTreeMap<u64, [i128; 3]> = BTreeMap::new();
    for i in 0..p.samples.len() {
        let Some(t) = p.samples.time_ns(i) else { continue };
        let row = at.entry(t).or_default();
        for (k, &m) in ids.iter().enumerate() {
            row[k] += p.weight(i, m);
        }
    }
    let clamp = |w: i128| u64::try_from(w.max(0)).unwrap_or(u64::MAX);
    let points: Vec<HeapPoint> = at
        .into_iter()
        .map(|(time, w)| HeapPoint {
            time,
            useful_bytes: clamp(w[0]),
            extra_bytes: clamp(w[1]),
            stacks_bytes: clamp(w[2]),
        })
        .collect();
    let marked = p.metrics.iter().position(|m| m.name == PEAK_METRIC).and_then(|m| {
        let m = MetricId::from_index(m);
        (0..p.samples.len()).find(|&i| p.weight(i, m) != 0).and_then(|i| p.samples.time_ns(i))
    });
    let mut peak: Option<usize> = marked.and_then(|t| points.iter().position(|pt| pt.time == t));
    for (i, pt) in points.iter().enumerate() {
        if marked.is_some() {
            break;
        }
        if peak.is_none_or(|k| pt.total_bytes() > points[k].total_bytes()) {
            peak = Some(i);
        }
    }
    let time_unit = untimed_unit(p).unwrap_or("ns").to_string();
    Some(HeapSeries { points, peak, time_unit })
}
