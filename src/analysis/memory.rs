//! The memory view: for heap and allocation profiles, bytes and objects of
//! the same function side by side, and the average size per object, so that
//! "json_parse 10,000 objects x 2 MiB = 20 GiB" is one row.
//!
//! Go's heap profile (runtime/pprof) carries four sample types:
//! `alloc_objects`/`alloc_space` and `inuse_objects`/`inuse_space`; other
//! producers use `objects`/`space` or `*_count`/`*_bytes`. Pairs are found
//! by name (shared prefix) and unit (count beside bytes).

use crate::model::{CallTree, FrameId, FunctionTable, MetricId, Profile, SampleFilter, Unit, Weight};

/// The object-count metric paired with `metric` (a bytes metric), or the
/// bytes metric paired with it (a count metric); `None` when the profile has
/// no such pair.
pub fn paired_metric(profile: &Profile, metric: MetricId) -> Option<MetricId> {
    let m = profile.metric(metric);
    let (prefix, want_unit) = split_memory_name(&m.name, &m.unit)?;
    profile.metrics.iter().enumerate().find_map(|(i, other)| {
        let (p, u) = split_memory_name(&other.name, &other.unit)?;
        (i != metric.index() && p == prefix && u != want_unit && other.unit == want_unit)
            .then_some(MetricId::from_index(i))
    })
}

/// `(prefix, the unit of the partner)` for `alloc_space`-style names.
fn split_memory_name(name: &str, unit: &Unit) -> Option<(String, Unit)> {
    let lower = name.to_ascii_lowercase();
    for (suffix, own, partner) in [
        ("objects", Unit::Count, Unit::Bytes),
        ("count", Unit::Count, Unit::Bytes),
        ("space", Unit::Bytes, Unit::Count),
        ("bytes", Unit::Bytes, Unit::Count),
    ] {
        if let Some(prefix) = lower.strip_suffix(suffix)
            && *unit == own
        {
            return Some((prefix.trim_end_matches(['_', '-', ' ']).to_string(), partner));
        }
    }
    None
}

/// One function of the memory view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryRow {
    /// The function.
    pub frame: FrameId,
    /// Objects allocated (or in use) by the function itself.
    pub self_objects: Weight,
    /// Bytes allocated (or in use) by the function itself.
    pub self_bytes: Weight,
    /// Objects under the function, once per sample.
    pub total_objects: Weight,
    /// Bytes under the function, once per sample.
    pub total_bytes: Weight,
}

impl MemoryRow {
    /// Average bytes per object allocated by the function itself; `None` with no objects.
    pub fn avg_self_size(&self) -> Option<f64> {
        (self.self_objects != 0).then(|| self.self_bytes as f64 / self.self_objects as f64)
    }
}

/// The memory view of one objects/bytes metric pair, sorted by self bytes
/// (descending), then self objects, then frame id.
pub fn memory_table(profile: &Profile, objects: MetricId, bytes: MetricId, filter: &SampleFilter) -> Vec<MemoryRow> {
    let n = profile.frames.len();
    let by_frame = |m: MetricId| {
        let tree = CallTree::build(profile, m, filter);
        let mut v: Vec<Option<(Weight, Weight)>> = vec![None; n];
        for r in FunctionTable::build(&tree, n).rows {
            v[r.frame.index()] = Some((r.self_weight, r.total));
        }
        v
    };
    let (o, b) = (by_frame(objects), by_frame(bytes));
    let mut rows: Vec<MemoryRow> = (0..n)
        .filter(|&i| o[i].is_some() || b[i].is_some())
        .map(|i| {
            let (so, to) = o[i].unwrap_or((0, 0));
            let (sb, tb) = b[i].unwrap_or((0, 0));
            MemoryRow {
                frame: FrameId::from_index(i),
                self_objects: so,
                self_bytes: sb,
                total_objects: to,
                total_bytes: tb,
            }
        })
        .collect();
    rows.sort_by(|x, y| {
        y.self_bytes.cmp(&x.self_bytes).then(y.self_objects.cmp(&x.self_objects)).then(x.frame.cmp(&y.frame))
    });
    rows
}

/// The memory view of one metric: which metric counts objects, which counts
/// bytes, and the rows (the window computes it on a worker with the tree).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryView {
    /// The object-count metric of the pair.
    pub objects: MetricId,
    /// The bytes metric of the pair.
    pub bytes: MetricId,
    /// One row per function, sorted as [`memory_table`] sorts.
    pub rows: Vec<MemoryRow>,
}

/// The memory view for `metric` over the samples `filter` keeps; `None`
/// when `metric` has no objects/bytes partner (see [`paired_metric`]).
pub fn memory_view(profile: &Profile, metric: MetricId, filter: &SampleFilter) -> Option<MemoryView> {
    let pair = paired_metric(profile, metric)?;
    let (objects, bytes) = if profile.metric(metric).unit == Unit::Count { (metric, pair) } else { (pair, metric) };
    Some(MemoryView { objects, bytes, rows: memory_table(profile, objects, bytes, filter) })
}
