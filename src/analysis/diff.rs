//! Before/after comparison by function, for "what changed after the
//! optimisation": each function's self and total in both profiles, and the
//! change. The table half of the comparison model ([`super::compare`],
//! whose module docs give the matching and normalisation rules); it needs
//! no merged tree, so the CLI's `diff` costs one pass over each side's
//! samples and one over its stacks.
//!
//! Functions are matched by name and module (frame ids differ between
//! profiles), or by name alone when a profile tells functions apart by
//! name; a function found in one module before and in one other module
//! after (a binary renamed or moved between the two builds) is one row, as
//! `go tool pprof -diff_base` matches by function name.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use super::compare::{CompareOptions, FunctionKey, Side, SideWeight};
use crate::model::{MetricId, Profile, SampleFilter, StackId, Weight};

/// One function in a comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffRow {
    /// Function name.
    pub name: String,
    /// Module (DSO, package, service); empty when unknown; `before → after`
    /// when the function moved between modules.
    pub module: String,
    /// Self weight before (0 when absent).
    pub before_self: Weight,
    /// Self weight after.
    pub after_self: Weight,
    /// Total weight before, once per sample.
    pub before_total: Weight,
    /// Total weight after.
    pub after_total: Weight,
    /// The function: an index into [`Diff::functions`] (and into the merged
    /// tree's nodes' `function`).
    pub function: u32,
}

impl DiffRow {
    /// `after_self - before_self`.
    pub fn self_delta(&self) -> Weight {
        self.after_self - self.before_self
    }

    /// `after_total - before_total`.
    pub fn total_delta(&self) -> Weight {
        self.after_total - self.before_total
    }
}

/// A comparison of two profiles in one metric each, by function.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    /// Total before.
    pub before_total: Weight,
    /// Total after as compared (scaled when normalised).
    pub after_total: Weight,
    /// Total after as loaded, before any scaling.
    pub after_raw_total: Weight,
    /// The factor the after side was scaled by, when normalised.
    pub scale: Option<f64>,
    /// Every function of either side (a moved function once, under its
    /// before index; the after index of a moved function is unused).
    pub functions: Vec<FunctionKey>,
    /// One row per function with weight on either side, by the absolute
    /// self change (largest first), then name and module.
    pub rows: Vec<DiffRow>,
    /// By function: whether another row has the same name (in another
    /// module), so a table must say the module to tell them apart.
    pub shared_name: Vec<bool>,
}

impl DiffRow {
    /// The row's name, with its module in brackets when `diff` has another
    /// row of that name (`helper [liba.so]`).
    pub fn display_name(&self, diff: &Diff) -> String {
        if diff.shared_name.get(self.function as usize).copied().unwrap_or(false) && !self.module.is_empty() {
            self.qualified_name()
        } else {
            self.name.clone()
        }
    }

    /// `name [module]`, as gates name one module's row.
    pub fn qualified_name(&self) -> String {
        format!("{} [{}]", self.name, self.module)
    }
}

impl Diff {
    /// Compares `before` with `after` by function.
    pub fn build(before: Side<'_>, after: Side<'_>, opts: &CompareOptions) -> Self {
        let mut prepared = Prepared::new(before, after, opts);
        let mut weights = super::compare::function_weights(&mut prepared, [before.profile, after.profile]);
        prepared.match_moved(&mut weights);
        prepared.diff(&weights)
    }

    /// The rows of every function named `name` (several when the name is in
    /// several modules).
    pub fn rows_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s DiffRow> + 's {
        self.rows.iter().filter(move |r| r.name == name)
    }
}

/// Compares `before` (metric `bm`) with `after` (metric `am`), each over
/// the samples `filter` keeps (labels, thread, time; the same filter on both
/// sides), without normalisation.
pub fn diff(before: &Profile, bm: MetricId, after: &Profile, am: MetricId, filter: &SampleFilter) -> Diff {
    let opts = CompareOptions { filter: filter.clone(), ..CompareOptions::default() };
    Diff::build(Side { profile: before, metric: bm }, Side { profile: after, metric: am }, &opts)
}

/// What the table and the merged tree are built from: the two sides and
/// the filter, the function of every frame, and the function table with
/// the totals. Each side's weight per stack is made where it is read
/// ([`Prepared::stack_weights`], on the side's own thread).
pub(super) struct Prepared<'a> {
    sides: [Side<'a>; 2],
    filter: &'a SampleFilter,
    pub(super) fids: [Vec<u32>; 2],
    pub(super) functions: Vec<FunctionKey>,
    before_total: Weight,
    /// The after side's total as compared (scaled when normalised): set
    /// from its stack weights.
    pub(super) after_total: Weight,
    after_raw_total: Weight,
    scale: Option<f64>,
}

impl<'a> Prepared<'a> {
    pub(super) fn new(before: Side<'a>, after: Side<'a>, opts: &'a CompareOptions) -> Self {
        let before_total = weights_total(before, &opts.filter);
        let after_raw_total = weights_total(after, &opts.filter);
        let scale = opts.normalize.then(|| {
            // pprof: a source total of 0 scales by 0.
            opts.scale.unwrap_or(if after_raw_total == 0 { 0.0 } else { before_total as f64 / after_raw_total as f64 })
        });
        let by_name = opts.by_name || functions_by_name(before.profile) || functions_by_name(after.profile);
        let mut keys = Keys::default();
        let bf = keys.frame_functions(before.profile, by_name);
        let af = keys.frame_functions(after.profile, by_name);
        Self {
            sides: [before, after],
            filter: &opts.filter,
            fids: [bf, af],
            functions: keys.functions,
            before_total,
            after_total: after_raw_total,
            after_raw_total,
            scale,
        }
    }

    /// Side `i`'s (0 before, 1 after) weight per slot (see
    /// [`SlotWeights`]) and its total as compared (the after side scaled
    /// when normalised).
    pub(super) fn stack_weights(&self, i: usize) -> (SlotWeights, Weight) {
        let scale = if i == 1 { self.scale.filter(|&s| s != 1.0) } else { None };
        stack_weights(self.sides[i], self.filter, scale)
    }

    /// Matches the functions that moved between modules (one row each, the
    /// after weights under the before index, every frame of the after
    /// function mapped to the before one). True when any moved: then the
    /// function table and `fids` changed.
    pub(super) fn match_moved(&mut self, weights: &mut [[SideWeight; 2]]) -> bool {
        let pairs = moved_pairs(&self.functions, weights);
        for &(b, a) in &pairs {
            let after_module = self.functions[a as usize].module.clone();
            let m = &mut self.functions[b as usize].module;
            *m = format!("{m} → {after_module}");
            weights[b as usize][1] = weights[a as usize][1];
            weights[a as usize][1] = SideWeight::default();
            for f in self.fids.iter_mut().flatten().filter(|f| **f == a) {
                *f = b;
            }
        }
        !pairs.is_empty()
    }

    /// The table from each function's weights (moved functions matched).
    pub(super) fn diff(&self, weights: &[[SideWeight; 2]]) -> Diff {
        let functions = &self.functions;
        let mut rows: Vec<DiffRow> = weights
            .iter()
            .enumerate()
            .filter(|(_, w)| w.iter().any(|s| s.self_weight != 0 || s.total != 0))
            .map(|(f, w)| DiffRow {
                name: functions[f].name.clone(),
                module: functions[f].module.clone(),
                before_self: w[0].self_weight,
                after_self: w[1].self_weight,
                before_total: w[0].total,
                after_total: w[1].total,
                function: f as u32,
            })
            .collect();
        rows.sort_by(|a, b| {
            b.self_delta()
                .abs()
                .cmp(&a.self_delta().abs())
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.module.cmp(&b.module))
        });
        let mut shared_name = vec![false; functions.len()];
        let mut by_name: HashMap<&str, Vec<u32>, FxBuildHasher> = HashMap::default();
        for r in &rows {
            by_name.entry(r.name.as_str()).or_default().push(r.function);
        }
        for ids in by_name.values().filter(|ids| ids.len() > 1) {
            for &f in ids {
                shared_name[f as usize] = true;
            }
        }
        Diff {
            shared_name,
            before_total: self.before_total,
            after_total: self.after_total,
            after_raw_total: self.after_raw_total,
            scale: self.scale,
            functions: functions.clone(),
            rows,
        }
    }
}

/// Whether `p` merges frames of one name in different modules into one
/// function (pprof's granularity).
fn functions_by_name(p: &Profile) -> bool {
    p.frames.iter().any(|(id, f)| {
        let rep = p.function(id);
        rep != id && p.frames.frame(rep).module != f.module
    })
}

/// A sample predicate for the thread, time and label parts of `filter`
/// ([`crate::model::calltree::SampleTest`]).
fn keep_sample<'a>(p: &'a Profile, filter: &'a SampleFilter) -> impl Fn(usize) -> bool + 'a {
    let test = crate::model::calltree::SampleTest::new(p, filter);
    move |i| test.passes(i)
}

fn weights_total(side: Side<'_>, filter: &SampleFilter) -> Weight {
    let keep = keep_sample(side.profile, filter);
    (0..side.profile.samples.len()).filter(|&i| keep(i)).map(|i| side.profile.weight(i, side.metric)).sum()
}

/// A side's own weight per slot (0 the samples with no stack, `s + 1`
/// stack `s`): 64-bit when the weights in absolute value sum to at most
/// `i64::MAX` (then no sum of them can overflow; the rule, and half the
/// memory to write), else 128.
#[derive(Clone, Debug)]
pub(super) enum SlotWeights {
    /// 64-bit.
    Narrow(Vec<i64>),
    /// 128-bit.
    Wide(Vec<Weight>),
}

impl SlotWeights {
    /// `w` narrowed when its magnitude allows.
    fn from_wide(w: Vec<Weight>) -> Self {
        let magnitude = w.iter().map(|v| v.unsigned_abs()).fold(0u128, u128::saturating_add);
        if magnitude <= i64::MAX as u128 {
            Self::Narrow(w.into_iter().map(|v| v as i64).collect())
        } else {
            Self::Wide(w)
        }
    }

    /// Number of slots.
    pub(super) fn len(&self) -> usize {
        match self {
            Self::Narrow(w) => w.len(),
            Self::Wide(w) => w.len(),
        }
    }
}

/// Weight per slot (see [`SlotWeights`]) and the total, over the samples
/// `filter` keeps; with `scale`, samples with the same stack, labels and
/// origin are summed and each sum scaled and rounded (pprof's `Merge` then
/// `ScaleN`).
fn stack_weights(side: Side<'_>, filter: &SampleFilter, scale: Option<f64>) -> (SlotWeights, Weight) {
    let p = side.profile;
    let keep = keep_sample(p, filter);
    let slot = |stack: Option<StackId>| stack.map_or(0, |s| s.index() + 1);
    let slots = p.stacks.len() + 1;
    match scale {
        None => {
            // 64-bit sums while the weights' magnitude allows (each
            // addition then exact), 128-bit from the samples again if not.
            let mut w: Vec<i64> = vec![0; slots];
            let mut magnitude: u128 = 0;
            for i in (0..p.samples.len()).filter(|&i| keep(i)) {
                let v = p.weight(i, side.metric);
                magnitude = magnitude.saturating_add(v.unsigned_abs());
                w[slot(p.samples.stacks[i])] = w[slot(p.samples.stacks[i])].wrapping_add(v as i64);
            }
            if magnitude <= i64::MAX as u128 {
                let total = w.iter().map(|&v| Weight::from(v)).sum();
                return (SlotWeights::Narrow(w), total);
            }
            drop(w);
            let mut w: Vec<Weight> = vec![0; slots];
            for i in (0..p.samples.len()).filter(|&i| keep(i)) {
                w[slot(p.samples.stacks[i])] += p.weight(i, side.metric);
            }
            let total = w.iter().sum();
            (SlotWeights::from_wide(w), total)
        }
        Some(ratio) => {
            type Key = (Option<StackId>, u32, Option<u32>);
            let mut merged: HashMap<Key, Weight, FxBuildHasher> = HashMap::default();
            for i in (0..p.samples.len()).filter(|&i| keep(i)) {
                let key = (p.samples.stacks[i], p.samples.labels[i].0, p.samples.origin(i));
                *merged.entry(key).or_default() += p.weight(i, side.metric);
            }
            let mut w: Vec<Weight> = vec![0; slots];
            for ((stack, _, _), v) in merged {
                w[slot(stack)] += (v as f64 * ratio).round() as Weight;
            }
            let total = w.iter().sum();
            (SlotWeights::from_wide(w), total)
        }
    }
}

/// The merged function table, filled side by side.
#[derive(Default)]
struct Keys<'a> {
    functions: Vec<FunctionKey>,
    /// Per name, the function ids with that name and their matching module.
    by_name: HashMap<&'a str, Vec<(u32, &'a str)>, FxBuildHasher>,
}

impl<'a> Keys<'a> {
    /// The merged function id of every frame of `p`.
    fn frame_functions(&mut self, p: &'a Profile, by_name: bool) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::with_capacity(p.frames.len());
        for (id, f) in p.frames.iter() {
            let rep = p.function(id);
            if rep != id && rep.index() < out.len() {
                out.push(out[rep.index()]);
                continue;
            }
            let module: &str = if by_name { "" } else { &f.module };
            let ids = self.by_name.entry(f.name.as_str()).or_default();
            let fid = match ids.iter().find(|(_, m)| *m == module) {
                Some(&(fid, _)) => fid,
                None => {
                    let fid = self.functions.len() as u32;
                    self.functions.push(FunctionKey { name: f.name.clone(), module: f.module.clone() });
                    ids.push((fid, module));
                    fid
                }
            };
            out.push(fid);
        }
        out
    }
}

/// Pairs (before-only function, after-only function) of the same name in
/// different modules, each name having exactly those two functions.
fn moved_pairs(functions: &[FunctionKey], weights: &[[SideWeight; 2]]) -> Vec<(u32, u32)> {
    let present = |f: usize, side: usize| weights[f][side] != SideWeight::default();
    let mut by_name: HashMap<&str, Vec<u32>, FxBuildHasher> = HashMap::default();
    for (i, f) in functions.iter().enumerate() {
        by_name.entry(f.name.as_str()).or_default().push(i as u32);
    }
    let mut pairs: Vec<(u32, u32)> = by_name
        .values()
        .filter(|ids| ids.len() == 2)
        .filter_map(|ids| {
            let (a, b) = (ids[0] as usize, ids[1] as usize);
            let only_before = |f: usize| present(f, 0) && !present(f, 1);
            let only_after = |f: usize| present(f, 1) && !present(f, 0);
            if only_before(a) && only_after(b) {
                Some((ids[0], ids[1]))
            } else if only_before(b) && only_after(a) {
                Some((ids[1], ids[0]))
            } else {
                None
            }
        })
        .collect();
    pairs.sort_unstable();
    pairs
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
