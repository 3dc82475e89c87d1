//! Before/after comparison by function, for "what changed after the
//! optimisation": each function's self and total in both profiles, and the
//! change. Functions are matched by name and module (frame ids differ
//! between profiles).

use std::collections::HashMap;

use crate::model::{CallTree, FunctionTable, MetricId, Profile, SampleFilter, Weight};

/// One function in a comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffRow {
    /// Function name.
    pub name: String,
    /// Module (DSO, package, service); empty when unknown.
    pub module: String,
    /// Self weight before (0 when absent).
    pub before_self: Weight,
    /// Self weight after.
    pub after_self: Weight,
    /// Total weight before, once per sample.
    pub before_total: Weight,
    /// Total weight after.
    pub after_total: Weight,
}

impl DiffRow {
    /// `after_self - before_self`.
    pub fn self_delta(&self) -> Weight {
        self.after_self - self.before_self
    }
}

/// A comparison of two profiles in one metric each.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    /// Total of the `before` metric.
    pub before_total: Weight,
    /// Total of the `after` metric.
    pub after_total: Weight,
    /// Every function in either profile, sorted by the absolute self change
    /// (largest first), then by name and module.
    pub rows: Vec<DiffRow>,
}

/// Compares `before` (metric `bm`) with `after` (metric `am`). Weights are
/// raw, not normalised: divide by the totals to compare shares.
pub fn diff(before: &Profile, bm: MetricId, after: &Profile, am: MetricId) -> Diff {
    let mut rows: HashMap<(String, String), DiffRow> = HashMap::new();
    let mut totals = [0; 2];
    for (side, (p, m)) in [(before, bm), (after, am)].into_iter().enumerate() {
        let tree = CallTree::build(p, m, &SampleFilter::default());
        totals[side] = tree.total();
        let table = FunctionTable::build(&tree, p.frames.len());
        for r in table.rows {
            let f = p.frames.frame(r.frame);
            let row = rows.entry((f.name.clone(), f.module.clone())).or_insert_with(|| DiffRow {
                name: f.name.clone(),
                module: f.module.clone(),
                before_self: 0,
                after_self: 0,
                before_total: 0,
                after_total: 0,
            });
            if side == 0 {
                row.before_self += r.self_weight;
                row.before_total += r.total;
            } else {
                row.after_self += r.self_weight;
                row.after_total += r.total;
            }
        }
    }
    let mut rows: Vec<DiffRow> = rows.into_values().collect();
    rows.sort_by(|a, b| {
        b.self_delta()
            .abs()
            .cmp(&a.self_delta().abs())
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.module.cmp(&b.module))
    });
    Diff { before_total: totals[0], after_total: totals[1], rows }
}
