//! The comparison model: two profiles of the same kind ("before" and
//! "after", or base and new) merged into one call tree by path, each node
//! carrying its weight in both, plus the per-function table of self and
//! total weight on both sides ([`Diff`], built by `analysis::diff`, which
//! the CLI's `diff` reads alone). A differential flamegraph and a delta
//! table read [`Comparison`].
//!
//! - **Matching.** Frame ids differ between two profiles, so functions are
//!   matched by name and module; when either profile tells functions apart
//!   by name alone (pprof's `-functions` granularity, see
//!   `ProfileBuilder::functions_by_name`), by name alone. A function found
//!   only before in one module and only after in another (a binary renamed
//!   or moved between the two builds) is one function, its module reading
//!   `before → after`, as `go tool pprof -diff_base` matches by name.
//! - **The merged tree.** Paths are function paths (as [`CallTree`] builds
//!   them); a path present on one side only stays in the tree with the other
//!   side's weight 0, so frames that vanished are still there to draw.
//!   Node 0 is the root and every parent comes before its children;
//!   [`Comparison::children`] lists a node's children sorted by name, then
//!   module, as flamegraphs order them.
//! - **Normalisation** (`normalize`): the after side's samples are scaled so
//!   its total equals the before side's, each sample rounded half away from
//!   zero after samples with the same stack, labels and origin (pprof's
//!   location list, `Samples::origins`) are summed, which is what
//!   `go tool pprof -normalize` does (`Merge`, then `Normalize`'s `ScaleN`).
//!   `inferno-diff-folded -n` scales the other way (see
//!   `export::diff_folded`).
//! - **Swap**: build again with the two sides exchanged; without
//!   normalisation that exchanges every before and after weight.
//! - **Heap growth**: a later snapshot as "after" and an earlier one as
//!   "before" gives the growth in between (pprof `-base`).
//!
//! Cost: one pass over each side's samples and a few over its stack table
//! in the table's own order, the two sides on two threads, without a hash
//! lookup per node (`compare::merge`); the table's function weights are
//! summed in the same passes. The merged tree has one node per distinct
//! function path but is not written out node by node: a node is its two
//! sides' stacks, and the comparison keeps the profiles (shared, see
//! [`SharedSide`]) to read a node's function and parent from
//! (`compare::nodes`).
//!
//! [`CallTree`]: crate::model::CallTree

use std::sync::Arc;

pub use merge::Children;
use merge::{FunctionTrie, SideInput, SideTree};
use nodes::{Nodes, SideStacks};

use super::diff::{Diff, Prepared, SlotWeights};
use crate::model::{MetricId, Profile, SampleFilter, Weight};

/// One side of a comparison: a profile and the metric compared.
#[derive(Clone, Copy, Debug)]
pub struct Side<'a> {
    /// The profile.
    pub profile: &'a Profile,
    /// The metric of that profile.
    pub metric: MetricId,
}

/// How two profiles are compared.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CompareOptions {
    /// The samples kept on both sides: its thread, time range and labels
    /// apply to both (focus, hide and inverted are not used).
    pub filter: SampleFilter,
    /// Scale the after side so both totals are equal (see the module docs).
    pub normalize: bool,
    /// The factor normalising scales the after side by, in place of the
    /// ratio of the totals: for two trace files, the ratio of their trace
    /// counts ([`super::trace_compare::trace_scale`]), so that the function
    /// table scales as the trace comparison does (per trace).
    pub scale: Option<f64>,
    /// Match functions by name alone, whatever their module: one row per
    /// name, whose total counts a sample once however many of the name's
    /// modules are on its stack (a gate on a name in several modules).
    pub by_name: bool,
}

/// A function of the comparison (an index into [`Diff::functions`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionKey {
    /// The function's name.
    pub name: String,
    /// Its module; `before → after` when the function moved between modules.
    pub module: String,
}

/// Self and total weight of a node or function on one side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SideWeight {
    /// Weight of the samples whose stack ends here.
    pub self_weight: Weight,
    /// Weight of every sample through here.
    pub total: Weight,
}

/// One node of the merged call tree, as [`Comparison::node`] reads it: its
/// function and parent. Its weights are read through
/// [`Comparison::before`] and [`Comparison::after`], its children through
/// [`Comparison::children`] and its depth through [`Comparison::depth`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompareNode {
    /// Index into [`Diff::functions`]; `NO_NODE` for the root (see
    /// [`Self::function`]).
    function: u32,
    /// Parent node; `NO_NODE` for the root (see [`Self::parent`]).
    parent: u32,
}

/// What a node's `function` and `parent` hold at the root (an `Option`
/// would double their size).
const NO_NODE: u32 = u32::MAX;

impl CompareNode {
    /// Index into [`Diff::functions`]; `None` only for the root.
    pub fn function(&self) -> Option<u32> {
        Some(self.function).filter(|&f| f != NO_NODE)
    }

    /// Parent node; `None` only for the root.
    pub fn parent(&self) -> Option<u32> {
        Some(self.parent).filter(|&p| p != NO_NODE)
    }
}

/// One side of a comparison whose merged tree is kept: the profile, shared
/// with the tree (which reads its stack table), and the metric compared.
#[derive(Clone, Debug)]
pub struct SharedSide {
    /// The profile.
    pub profile: Arc<Profile>,
    /// The metric of that profile.
    pub metric: MetricId,
}

impl SharedSide {
    fn side(&self) -> Side<'_> {
        Side { profile: &self.profile, metric: self.metric }
    }
}

/// Two profiles compared. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct Comparison {
    /// The per-function table, totals and scale ([`Diff::functions`] is
    /// what a node's function indexes).
    pub table: Diff,
    /// Deepest node's depth.
    pub max_depth: u32,
    /// Each side's weights, sorted children and nodes by slot (before,
    /// after).
    sides: [SideTree; 2],
    /// Each side's slots as stacks (function, parent).
    stacks: [SideStacks; 2],
    /// The merged nodes as the sides' slots (`compare::nodes`).
    nodes: Nodes,
}

impl Comparison {
    /// Compares `before` with `after`: the table and the merged tree. (The
    /// table alone is [`Diff::build`], which needs no tree.)
    pub fn build(before: &SharedSide, after: &SharedSide, opts: &CompareOptions) -> Self {
        let mut prepared = Prepared::new(before.side(), after.side(), opts);
        let profiles = [&before.profile, &after.profile];
        let (mut built, mut functions) = merged(&mut prepared, profiles);
        // A function that moved between modules becomes one function, which
        // can reorder siblings: the sides are folded again with the
        // functions matched (a renamed binary; rare).
        if prepared.match_moved(&mut functions) {
            (built, functions) = merged(&mut prepared, profiles);
        }
        Self { table: prepared.diff(&functions), ..built }
    }

    /// Number of nodes, the root included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when the tree is empty (a default comparison; a built one has
    /// its root).
    pub fn is_empty(&self) -> bool {
        self.nodes.len() == 0
    }

    /// Node `i`'s weight before.
    pub fn before(&self, i: u32) -> SideWeight {
        self.sides[0].weights.weight(self.nodes.slots(i)[0])
    }

    /// Node `i`'s weight after (scaled when normalised).
    pub fn after(&self, i: u32) -> SideWeight {
        self.sides[1].weights.weight(self.nodes.slots(i)[1])
    }

    /// True when no node's own weight is below 0 on either side (then a
    /// node's absolute weight is its total).
    pub fn weights_non_negative(&self) -> bool {
        self.sides.iter().all(|s| s.weights.non_negative())
    }

    /// Node `i`'s `after.total - before.total`.
    pub fn total_change(&self, i: u32) -> Weight {
        self.after(i).total - self.before(i).total
    }

    /// Node `i`'s `after.self_weight - before.self_weight`.
    pub fn self_change(&self, i: u32) -> Weight {
        self.after(i).self_weight - self.before(i).self_weight
    }

    /// The node at `i`: its function and parent, read from the side it
    /// comes from.
    pub fn node(&self, i: u32) -> CompareNode {
        if i == 0 || i as usize >= self.nodes.len() {
            return CompareNode { function: NO_NODE, parent: NO_NODE };
        }
        let slots = self.nodes.slots(i);
        let side = usize::from(slots[0] == merge::NONE);
        let (function, parent_slot) = self.stacks[side].stack(slots[side]);
        CompareNode { function, parent: self.sides[side].node_of(parent_slot as usize) }
    }

    /// Node `i`'s depth: 0 for the root (a walk up its parents).
    pub fn depth(&self, i: u32) -> u32 {
        let mut depth = 0;
        let mut cur = self.node(i).parent();
        while let Some(p) = cur {
            depth += 1;
            cur = self.node(p).parent();
        }
        depth
    }

    /// Children of node `i`, in name order.
    pub fn children(&self, i: u32) -> Children<'_> {
        Children::new(&self.sides, self.nodes.slots(i))
    }

    /// The function of node `i` (`None` for the root).
    pub fn function_of(&self, i: u32) -> Option<&FunctionKey> {
        self.node(i).function().map(|f| &self.table.functions[f as usize])
    }

    /// Path from the root's child down to `i` (the root excluded).
    pub fn path_to(&self, i: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut cur = Some(i);
        while let Some(c) = cur.filter(|&c| c != 0) {
            out.push(c);
            cur = self.node(c).parent();
        }
        out.reverse();
        out
    }

    /// Change of a node's share of its side's total, in percentage points
    /// (after share minus before share); a side with total 0 has share 0.
    pub fn share_change(&self, i: u32) -> f64 {
        share(self.after(i).total, self.table.after_total) - share(self.before(i).total, self.table.before_total)
    }
}

/// The metric of `after` to compare with metric `bm` of `before`: the one
/// of the same name, else `after`'s default; an error naming both when
/// their units differ (seconds never compare with bytes).
pub fn paired_metric(before: &Profile, bm: MetricId, after: &Profile) -> Result<MetricId, String> {
    let b = before.metric(bm);
    let am = after.metric_by_name(&b.name).unwrap_or(after.default_metric);
    let a = after.metric(am);
    if a.unit != b.unit {
        return Err(format!(
            "cannot compare {} [{}] with {} [{}]: the units differ",
            b.name,
            b.unit.name(),
            a.name,
            a.unit.name()
        ));
    }
    Ok(am)
}

/// The merged tree (its table still empty) and each function's weights
/// on both sides (the two sides folded on two threads).
type Merged = (Comparison, Vec<[SideWeight; 2]>);

fn merged(p: &mut Prepared<'_>, profiles: [&Arc<Profile>; 2]) -> Merged {
    let rank = name_rank(&p.functions);
    let n = p.functions.len();
    let p_ref = &*p;
    // Each side folded on a thread of its own (the after side inline when
    // no thread can be started).
    let fold = |i: usize| {
        let (d, own) = SideData::new(p_ref, profiles[i], i);
        (SideTree::fold(d.input(p_ref, profiles[i], i, &rank), own, n, true), d)
    };
    let ((mut a, ad), (mut b, bd)) = crate::parallel::join("firesight-compare-side", || fold(1), || fold(0));
    let after_in = ad.input(p_ref, profiles[1], 1, &rank);
    let nodes = nodes::number((&mut b.tree, &b.keep), after_in, (&mut a.tree, &a.keep));
    p.after_total = ad.total;
    let functions = std::mem::take(&mut b.functions)
        .into_iter()
        .zip(std::mem::take(&mut a.functions))
        .map(|(b, a)| [b, a])
        .collect();
    let stacks = |d: SideData, i: usize| SideStacks {
        profile: Some(Arc::clone(profiles[i])),
        trie: d.trie,
        fids: p.fids[i].clone(),
    };
    let c = Comparison {
        table: Diff::default(),
        max_depth: a.max_depth.max(b.max_depth),
        sides: [b.tree, a.tree],
        stacks: [stacks(bd, 0), stacks(ad, 1)],
        nodes,
    };
    (c, functions)
}

/// Each function's self and total weight on both sides, without the tree
/// (the two sides on two threads): the table's half, what the CLI's `diff`
/// needs.
pub(super) fn function_weights(p: &mut Prepared<'_>, profiles: [&Profile; 2]) -> Vec<[SideWeight; 2]> {
    let n = p.functions.len();
    let p_ref = &*p;
    let side = |i: usize| {
        let (d, own) = SideData::new(p_ref, profiles[i], i);
        (SideTree::fold(d.input(p_ref, profiles[i], i, &[]), own, n, false).functions, d.total)
    };
    let ((a, after_total), (b, _)) = crate::parallel::join("firesight-diff-side", || side(1), || side(0));
    p.after_total = after_total;
    b.into_iter().zip(a).map(|(b, a)| [b, a]).collect()
}

/// One side's total, and its stacks interned again by function where two
/// of its frames are one function (see [`merge::function_trie`]).
struct SideData {
    total: Weight,
    trie: Option<FunctionTrie>,
}

impl SideData {
    /// The side and its own weight by slot (the trie's when there is one),
    /// which folding it takes over.
    fn new(p: &Prepared<'_>, profile: &Profile, i: usize) -> (Self, SlotWeights) {
        let (mut own, total) = p.stack_weights(i);
        let stacks = &profile.stacks;
        let trie = merge::function_trie(stacks.parents(), stacks.frames(), &p.fids[i], &mut own, p.functions.len());
        (Self { total, trie }, own)
    }

    fn input<'a>(&'a self, p: &'a Prepared<'_>, profile: &'a Profile, i: usize, rank: &'a [u32]) -> SideInput<'a> {
        match &self.trie {
            Some(t) => {
                SideInput { parents: &t.parents, frames: &t.frames, fids: &t.fids, rank, recursion: &t.recursion }
            }
            None => SideInput {
                parents: profile.stacks.parents(),
                frames: profile.stacks.frames(),
                fids: &p.fids[i],
                rank,
                recursion: profile.stacks.recursion(),
            },
        }
    }
}

/// Each function's sort position by name, then module.
fn name_rank(functions: &[FunctionKey]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..functions.len() as u32).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (&functions[a as usize], &functions[b as usize]);
        fa.name.cmp(&fb.name).then_with(|| fa.module.cmp(&fb.module))
    });
    let mut rank = vec![0u32; functions.len()];
    for (r, &f) in order.iter().enumerate() {
        rank[f as usize] = r as u32;
    }
    rank
}

fn share(w: Weight, total: Weight) -> f64 {
    if total == 0 { 0.0 } else { w as f64 * 100.0 / total as f64 }
}

mod merge;
mod nodes;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;
