//! Before/after comparison by function, for "what changed after the
//! optimisation": each function's self and total in both profiles, and the
//! change. Functions are matched by name and module (frame ids differ
//! between profiles); a function found in one module before and in one
//! other module after (a binary renamed or moved between the two builds) is
//! matched by its name alone, as `go tool pprof -diff_base` matches by
//! function name.

use super::compare::{CompareOptions, Comparison, Side};
use crate::model::{MetricId, Profile, SampleFilter, Weight};

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
/// shares. The table of [`super::compare::Comparison`], which also has the
/// merged call tree and normalisation.
pub fn diff(before: &Profile, bm: MetricId, after: &Profile, am: MetricId, filter: &SampleFilter) -> Diff {
    let opts = CompareOptions { filter: filter.clone(), normalize: false };
    let c = Comparison::build(Side { profile: before, metric: bm }, Side { profile: after, metric: am }, &opts);
    Diff { before_total: c.before_total, after_total: c.after_total, rows: c.rows }
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
