//! Before/after comparison by function, for "what changed after the
//! optimisation": each function's self and total in both profiles, and the
//! change. Functions are matched by name and module (frame ids differ
//! between profiles); a function found in one module before and in one
//! other module after (a binary renamed or moved between the two builds) is
//! matched by its name alone, as `go tool pprof -diff_base` matches by
//! function name.

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

/// Compares `before` (metric `bm`) with `after` (metric `am`), each over
/// the samples `filter` keeps (labels, thread, time; the same filter on both
/// sides). Weights are raw, not normalised: divide by the totals to compare
/// shares.
pub fn diff(before: &Profile, bm: MetricId, after: &Profile, am: MetricId, filter: &SampleFilter) -> Diff {
    let mut rows: HashMap<(String, String), DiffRow> = HashMap::new();
    let mut totals = [0; 2];
    for (side, (p, m)) in [(before, bm), (after, am)].into_iter().enumerate() {
        let tree = CallTree::build(p, m, filter);
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
    merge_moved(&mut rows);
    rows.sort_by(|a, b| {
        b.self_delta()
            .abs()
            .cmp(&a.self_delta().abs())
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.module.cmp(&b.module))
    });
    Diff { before_total: totals[0], after_total: totals[1], rows }
}

/// Merges the rows of a function that is in exactly one row present only
/// before and one row present only after, under different modules: the
/// merged row's module reads `before → after`.
fn merge_moved(rows: &mut Vec<DiffRow>) {
    let only = |r: &DiffRow, before: bool| {
        let (this, other) = if before {
            ((r.before_self, r.before_total), (r.after_self, r.after_total))
        } else {
            ((r.after_self, r.after_total), (r.before_self, r.before_total))
        };
        this != (0, 0) && other == (0, 0)
    };
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_name.entry(r.name.as_str()).or_default().push(i);
    }
    let mut pairs: Vec<(usize, usize)> = by_name
        .values()
        .filter(|ix| ix.len() == 2)
        .filter_map(|ix| {
            let (a, b) = (ix[0], ix[1]);
            if only(&rows[a], true) && only(&rows[b], false) {
                Some((a, b))
            } else if only(&rows[b], true) && only(&rows[a], false) {
                Some((b, a))
            } else {
                None
            }
        })
        .collect();
    pairs.sort_unstable();
    let mut gone = vec![false; rows.len()];
    for &(before, after) in &pairs {
        let (after_self, after_total, after_module) =
            (rows[after].after_self, rows[after].after_total, rows[after].module.clone());
        let r = &mut rows[before];
        r.after_self = after_self;
        r.after_total = after_total;
        r.module = format!("{} → {after_module}", r.module);
        gone[after] = true;
    }
    let mut i = 0;
    rows.retain(|_| {
        i += 1;
        !gone[i - 1]
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::frame::FrameRef;
    use crate::model::{FrameKind, ProfileBuilder, Unit};

    /// One sample per (function, module, weight), each its own one-frame stack.
    fn profile(samples: &[(&str, &str, Weight)]) -> Profile {
        let mut b = ProfileBuilder::new("test");
        let m = b.add_metric("cpu", Unit::Nanoseconds);
        for &(name, module, w) in samples {
            let f = b.frame(FrameRef::new(name, module, FrameKind::User));
            let s = b.stack(None, f);
            b.add_sample_for(Some(s), m, w, None, None);
        }
        b.finish().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_function_whose_binary_was_renamed_is_one_row() {
        let before = profile(&[("runtime.mallocgc", "old", 1130), ("memcpy", "libc", 5), ("memcpy", "kernel", 7)]);
        let after = profile(&[("runtime.mallocgc", "new", 20), ("memcpy", "libc", 6)]);
        let d = diff(&before, MetricId(0), &after, MetricId(0), &SampleFilter::default());
        let row = |name: &str, module: &str| d.rows.iter().find(|r| r.name == name && r.module == module).cloned();
        let m = row("runtime.mallocgc", "old → new").unwrap_or_else(|| panic!("{:?}", d.rows));
        assert_eq!((m.before_self, m.after_self, m.self_delta()), (1130, 20, -1110));
        // memcpy is in two modules before: matched by module, never merged across.
        assert_eq!(row("memcpy", "libc").map(|r| (r.before_self, r.after_self)), Some((5, 6)));
        assert_eq!(row("memcpy", "kernel").map(|r| (r.before_self, r.after_self)), Some((7, 0)));
        assert_eq!(d.rows.len(), 3);
        assert_eq!(d.rows[0].name, "runtime.mallocgc");
    }
}
