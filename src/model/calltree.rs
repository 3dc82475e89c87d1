//! `CallTree`: the aggregated tree for one metric and one filter.
//!
//! Representation: one flat arena of nodes, every parent before its
//! children. Node 0 is the root ("all"); the children of every node are
//! contiguous and sorted by function name, as flamegraphs order them
//! (inferno, Brendan Gregg's flamegraph.pl). Each node carries `total` (its
//! subtree) and `self_weight` (samples whose leaf it is). Building never
//! recurses over stack depth: it interns transformed paths into a prefix
//! tree (parent index below child index), sums totals with one reverse pass,
//! then lays the sibling blocks out depth first with an explicit stack
//! (`arena`). Top-down and inverted (bottom-up) trees come from the same
//! builder.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use super::ids::{FrameId, LabelSetId, MetricId, NodeId, StackId, ThreadId};
use super::profile::{LabelValue, Profile};
use super::stack::{Parent, StackTable};
use super::units::Weight;

mod arena;
mod recycle;
mod sample_test;
mod sums;
pub use sample_test::{SampleTest, label_sets_matching};
pub(crate) use sums::FunctionSums;

/// Which samples and which parts of their stacks a tree aggregates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SampleFilter {
    /// Only samples of this thread. Default: all threads.
    pub thread: Option<ThreadId>,
    /// Only samples with a timestamp in `[start, end)` ns. Default: all.
    pub time_range_ns: Option<(u64, u64)>,
    /// Only samples of one of these threads (the timeline's thread
    /// selection, `--thread TID`, `--pid PID`); combines with `thread` by
    /// AND. Default: empty, every thread.
    pub threads: Vec<ThreadId>,
    /// Only samples carrying every one of these labels (key, value as
    /// printed). Default: none required.
    pub labels: Vec<(String, String)>,
    /// Only samples carrying no label with any of these keys (the label
    /// panel's "(none)" row of a key). Default: none.
    pub without_labels: Vec<String>,
    /// Only samples whose label set is marked here (indexed by label set
    /// id; sets past the end are not marked): how a span's samples are
    /// picked, whatever the spelling of their `span_id` labels. Default:
    /// `None`, every label set.
    pub label_sets: Option<std::sync::Arc<[bool]>>,
    /// Only samples whose stack contains this function, re-rooted at its
    /// first (outermost) occurrence (Firefox Profiler's "focus on
    /// function"). Default: none.
    pub focus: Option<FrameId>,
    /// Functions removed from every stack, their callees attached to their
    /// callers (pprof's `hide`). Default: none.
    pub hide: Vec<FrameId>,
    /// Build the bottom-up tree: roots are leaf functions, children their
    /// callers. Default: false (top-down).
    pub inverted: bool,
}

/// The label `go tool pprof -proto -diff_base` puts on the base profile's
/// (negated) samples; shares of such a diff are of the base's total.
pub const DIFF_BASE_LABEL: &str = "pprof::base";

/// Sums what a share base (see [`CallTree::share_base`]) is made of, sample
/// by sample: the absolute weights, whether any is negative, and the
/// absolute weights of a diff's base samples ([`DIFF_BASE_LABEL`]` = true`).
/// Shared by the call tree and the label panel's shares.
#[derive(Clone, Debug, Default)]
pub struct ShareBase {
    /// Per label set of the profile, whether it marks a base sample.
    base_sets: Vec<bool>,
    abs_total: Weight,
    negative: bool,
    base_abs_total: Weight,
}

impl ShareBase {
    /// An empty sum over the samples of `profile`.
    pub fn new(profile: &Profile) -> Self {
        let base_sets = profile
            .label_sets
            .iter()
            .map(|set| set.iter().any(|l| l.key == DIFF_BASE_LABEL && l.value == LabelValue::Str("true".into())))
            .collect();
        Self { base_sets, ..Self::default() }
    }

    /// Counts a sample of weight `w` with label set `labels`.
    #[inline]
    pub fn add(&mut self, w: Weight, labels: LabelSetId) {
        self.abs_total += w.abs();
        self.negative |= w < 0;
        if self.base_sets.get(labels.index()).copied().unwrap_or(false) {
            self.base_abs_total += w.abs();
        }
    }

    /// Counts samples of label set `labels` at once: `abs` is the sum of
    /// their absolute weights, `negative` whether any weighs less than 0.
    pub fn add_sum(&mut self, abs: Weight, negative: bool, labels: LabelSetId) {
        self.abs_total += abs;
        self.negative |= negative;
        if self.base_sets.get(labels.index()).copied().unwrap_or(false) {
            self.base_abs_total += abs;
        }
    }

    /// The 100% of shares for samples that sum to `total`: the base
    /// samples' absolute total if any, else the absolute total if any
    /// weight is negative, else `total`.
    pub fn of(&self, total: Weight) -> Weight {
        match self.kind() {
            ShareOf::DiffBase => self.base_abs_total,
            ShareOf::AbsoluteTotal => self.abs_total,
            ShareOf::Total => total,
        }
    }

    /// What [`ShareBase::of`] takes as 100%.
    pub fn kind(&self) -> ShareOf {
        if self.base_abs_total > 0 {
            ShareOf::DiffBase
        } else if self.negative {
            ShareOf::AbsoluteTotal
        } else {
            ShareOf::Total
        }
    }

    /// True when some sample counted weighs less than 0 (a diff profile).
    pub fn negative(&self) -> bool {
        self.negative
    }
}

/// What the 100% of a tree's shares ([`CallTree::share_base`]) is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ShareOf {
    /// The total: no sample weighs less than 0.
    #[default]
    Total,
    /// The sum of the samples' absolute weights (a diff profile).
    AbsoluteTotal,
    /// The absolute total of a pprof diff's base samples ([`DIFF_BASE_LABEL`]).
    DiffBase,
}

impl ShareOf {
    /// How views name the 100%: "all", "the base profile", "all changes".
    pub fn name(self) -> &'static str {
        match self {
            Self::Total => "all",
            Self::AbsoluteTotal => "all changes (increases + decreases)",
            Self::DiffBase => "the base profile",
        }
    }
}

/// One node of a [`CallTree`], with its weights: what [`CallTree::node`]
/// returns (a copy made from the arena's [`ArenaNode`] and the weight
/// columns).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallTreeNode {
    /// The function (see [`Profile::function`]); `None` only for the root.
    pub frame: Option<FrameId>,
    /// Parent node; `None` only for the root.
    pub parent: Option<NodeId>,
    /// 0 for the root, 1 for its children ...
    pub depth: u32,
    /// Weight of every sample through this node.
    pub total: Weight,
    /// Weight of the samples whose stack ends here.
    pub self_weight: Weight,
    /// Sum of the absolute weights of every sample through this node: the
    /// increases plus the decreases of a diff profile, where `total` is
    /// their net. Equal to `total` when no weight is negative. The
    /// flamegraph lays boxes out by it (as pprof's web UI does), so a
    /// node's children never add up to more than the node.
    pub abs_total: Weight,
    /// Index of the first child; children are `first_child..first_child+child_count`.
    pub first_child: u32,
    /// Number of children.
    pub child_count: u32,
}

/// A node as the arena stores it: its place in the tree, and where its
/// weights are (`slot` into the tree's weight columns). 32 bytes where a
/// node with its three 128-bit weights took 80: the build writes a
/// million of them after every transform, and the weights are already
/// in per-stack columns it has made anyway (totals, self weights), so
/// the node points there instead of copying them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ArenaNode {
    /// The function (see [`Profile::function`]); `None` only for the root.
    pub frame: Option<FrameId>,
    /// Parent node; `None` only for the root.
    pub parent: Option<NodeId>,
    /// 0 for the root, 1 for its children ...
    pub depth: u32,
    /// Index of the first child; children are `first_child..first_child+child_count`.
    pub first_child: u32,
    /// Number of children.
    pub child_count: u32,
    /// The node's row in the weight columns ([`Weights::ROOT`]: the root's own).
    slot: u32,
}

/// The weights of a tree's nodes, by slot: the per-stack columns of the
/// build (a node's slot is its stack), and the root's apart.
#[derive(Clone, Debug, Default)]
struct Weights {
    total: Vec<Weight>,
    self_w: Vec<Weight>,
    /// Absolute totals; empty when no weight is negative (they are the totals).
    abs: Vec<Weight>,
    /// The root's total, self and absolute total.
    root: [Weight; 3],
}

impl Weights {
    const ROOT: u32 = u32::MAX;
}

/// An aggregated call tree for one metric and filter. See the module docs.
#[derive(Clone, Debug)]
pub struct CallTree {
    /// The metric the weights are in.
    pub metric: MetricId,
    /// The nodes, parents before children; node 0 is the root. Their
    /// weights are read through [`CallTree::node`].
    pub nodes: Vec<ArenaNode>,
    weights: Weights,
    /// Deepest node's depth.
    pub max_depth: u32,
    /// Whether this is the bottom-up tree.
    pub inverted: bool,
    /// The 100% of shares: the total, or when some sample weighs less than
    /// 0 (a diff profile), the sum of the samples' absolute weights, as
    /// `go tool pprof` takes it (`computeTotal` in its report package), so a
    /// share never exceeds 100% nor turns negative with the net total; in a
    /// diff made by `pprof -diff_base` (base samples labelled
    /// [`DIFF_BASE_LABEL`]`=true`), the base profile's absolute total, as
    /// pprof does.
    pub share_base: Weight,
    /// What `share_base` is.
    pub share_of: ShareOf,
    /// True when some sample counted weighs less than 0 (a diff profile):
    /// views then colour by the sign of the change.
    pub signed: bool,
}

impl Drop for CallTree {
    fn drop(&mut self) {
        recycle::give(std::mem::take(&mut self.nodes));
        let w = &mut self.weights;
        for column in [std::mem::take(&mut w.total), std::mem::take(&mut w.self_w), std::mem::take(&mut w.abs)] {
            recycle::give_column(column);
        }
    }
}

impl CallTree {
    /// Keeps a node buffer for a tree of `nodes` nodes and weight columns
    /// for a profile of `stacks` stacks ready, their memory already
    /// touched, for the next build of about that size (the next transform
    /// or filter of a tab just opened: the tree on screen stays alive
    /// while it is built, so there is no dropped tree to reuse). Bounded
    /// (128 MB a buffer: 4 million nodes, 8 million stacks; bigger ones
    /// get none); call it on a worker, it writes the whole buffers once.
    pub fn prepare_spare(nodes: usize, stacks: usize) {
        recycle::prepare(nodes, stacks);
    }

    /// Builds the tree of `profile` for `metric` over the samples `filter` keeps.
    pub fn build(profile: &Profile, metric: MetricId, filter: &SampleFilter) -> Self {
        Self::build_parts(profile, metric, filter, None).0
    }

    /// Builds the tree as [`CallTree::build`] does and, from the same
    /// prefix tree (on a second thread, without walking the arena), the
    /// function table `FunctionTable::build` would make of it.
    pub fn build_with_functions(
        profile: &Profile,
        metric: MetricId,
        filter: &SampleFilter,
    ) -> (Self, super::functions::FunctionTable) {
        let (tree, sums) = Self::build_parts(profile, metric, filter, Some(profile.frames.len()));
        let table = match sums {
            Some(sums) => super::functions::FunctionTable::from_sums(sums, &tree),
            None => super::functions::FunctionTable::build(&tree, profile.frames.len()),
        };
        (tree, table)
    }

    fn build_parts(
        profile: &Profile,
        metric: MetricId,
        filter: &SampleFilter,
        functions: Option<usize>,
    ) -> (Self, Option<FunctionSums>) {
        let stack_weight = stack_weights(profile, metric, filter);
        let identity = filter.focus.is_none() && filter.hide.is_empty() && !filter.inverted;
        let share = stack_weight.share.clone();
        let root_self = (stack_weight.empty_stack, stack_weight.empty_stack_neg);
        // The profile's own stack table when nothing reshapes the stacks
        // (borrowed: copying its columns was a sixth of the build).
        let (owned, self_w) = if identity && functions_are_frames(profile) {
            (None, SelfWeights { net: stack_weight.weights, neg: stack_weight.neg })
        } else {
            let (parents, frames, w) = transform(profile, filter, &stack_weight);
            recycle::give_column(stack_weight.weights);
            (Some((parents, frames)), w)
        };
        let (parents, frames) = match &owned {
            Some((p, f)) => (p.as_slice(), f.as_slice()),
            None => (profile.stacks.parents(), profile.stacks.frames()),
        };
        // The function table counts top-down paths; an inverted tree's
        // table is built from its arena as before.
        let functions = functions.filter(|_| !filter.inverted);
        let table = (parents, frames, owned.is_none());
        let (mut tree, sums) = arena::arena(profile, table, self_w, root_self, functions);
        tree.metric = metric;
        tree.inverted = filter.inverted;
        tree.share_base = share.of(tree.total());
        tree.share_of = share.kind();
        tree.signed = share.negative();
        (tree, sums)
    }

    /// The root node ("all").
    pub fn root(&self) -> NodeId {
        NodeId(0)
    }

    /// The node behind `id`, with its weights.
    #[inline]
    pub fn node(&self, id: NodeId) -> CallTreeNode {
        let n = &self.nodes[id.index()];
        let w = &self.weights;
        let (total, self_weight) = if n.slot == Weights::ROOT {
            (w.root[0], w.root[1])
        } else {
            (w.total[n.slot as usize], w.self_w[n.slot as usize])
        };
        let abs_total = self.abs_total_of(id);
        CallTreeNode {
            frame: n.frame,
            parent: n.parent,
            depth: n.depth,
            total,
            self_weight,
            abs_total,
            first_child: n.first_child,
            child_count: n.child_count,
        }
    }

    /// Node `id`'s absolute total alone (see [`CallTreeNode::abs_total`]):
    /// what the flamegraph's layout reads for every box, without the rest.
    #[inline]
    pub fn abs_total_of(&self, id: NodeId) -> Weight {
        let slot = self.nodes[id.index()].slot;
        let w = &self.weights;
        if slot == Weights::ROOT {
            w.root[2]
        } else if w.abs.is_empty() {
            w.total[slot as usize]
        } else {
            w.abs[slot as usize]
        }
    }

    /// Every node with its weights, in arena order (index = [`NodeId`]).
    pub fn iter_nodes(&self) -> impl Iterator<Item = CallTreeNode> + '_ {
        (0..self.nodes.len()).map(|i| self.node(NodeId::from_index(i)))
    }

    /// Children of `id`, in name order.
    pub fn children(&self, id: NodeId) -> impl Iterator<Item = NodeId> + use<> {
        let n = &self.nodes[id.index()];
        (n.first_child..n.first_child + n.child_count).map(NodeId)
    }

    /// Total weight of the tree (the root's total).
    pub fn total(&self) -> Weight {
        if self.nodes.is_empty() { 0 } else { self.node(self.root()).total }
    }

    /// Number of nodes including the root.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when the tree has only its root.
    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 1
    }

    /// Path from the root's child down to `id` (the root itself excluded).
    pub fn path_to(&self, id: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut cur = Some(id);
        while let Some(c) = cur {
            if c.0 == 0 {
                break;
            }
            out.push(c);
            cur = self.nodes[c.index()].parent;
        }
        out.reverse();
        out
    }

    /// Child of `parent` whose function is `frame`, found by scan (children are few).
    pub fn child_with_frame(&self, parent: NodeId, frame: FrameId) -> Option<NodeId> {
        self.children(parent).find(|&c| self.nodes[c.index()].frame == Some(frame))
    }
}

struct StackWeights {
    weights: Vec<Weight>,
    /// Per stack, the absolute sum of its negative sample weights; empty
    /// until a sample weighs less than 0 (so profiles without negative
    /// weights pay nothing for it).
    neg: Vec<Weight>,
    touched: Vec<bool>,
    empty_stack: Weight,
    /// The absolute sum of the negative weights of samples with an empty stack.
    empty_stack_neg: Weight,
    /// The share base of the samples kept.
    share: ShareBase,
}

/// Net self weight per stack, and the absolute sum of the negative
/// weights in it (empty when there are none): the absolute weight is
/// `net + 2 * neg`.
struct SelfWeights {
    net: Vec<Weight>,
    neg: Vec<Weight>,
}

impl SelfWeights {
    fn abs(&self, i: usize) -> Weight {
        self.net[i] + 2 * self.neg.get(i).copied().unwrap_or(0)
    }
}

fn stack_weights(profile: &Profile, metric: MetricId, filter: &SampleFilter) -> StackWeights {
    let n = profile.stacks.len();
    let mut weights = recycle::take_column(n);
    weights.resize(n, 0);
    let mut out = StackWeights {
        weights,
        neg: Vec::new(),
        touched: vec![false; n],
        empty_stack: 0,
        empty_stack_neg: 0,
        share: ShareBase::new(profile),
    };
    let test = SampleTest::new(profile, filter);
    let s = &profile.samples;
    for i in 0..s.len() {
        if !test.passes(i) {
            continue;
        }
        let w = profile.weight(i, metric);
        out.share.add(w, s.labels[i]);
        match s.stacks[i] {
            Some(st) => {
                out.weights[st.index()] += w;
                out.touched[st.index()] = true;
                if w < 0 {
                    if out.neg.is_empty() {
                        out.neg = vec![0; n];
                    }
                    out.neg[st.index()] -= w;
                }
            }
            None => {
                out.empty_stack += w;
                out.empty_stack_neg -= w.min(0);
            }
        }
    }
    out
}

/// Per stack of `profile` (indexed by [`StackId`]), the net weight for
/// `metric` of the samples `filter` keeps whose stack ends there, and the
/// weight of kept samples with an empty stack. Only the sample part of the
/// filter applies (threads, time, labels); focus, hide and inversion shape
/// trees, not samples. For analyses that need frames the call tree merges
/// away (source lines).
pub fn kept_stack_weights(profile: &Profile, metric: MetricId, filter: &SampleFilter) -> (Vec<Weight>, Weight) {
    let sw = stack_weights(profile, metric, filter);
    (sw.weights, sw.empty_stack)
}

fn functions_are_frames(profile: &Profile) -> bool {
    profile.function_of.iter().enumerate().all(|(i, f)| f.index() == i)
}

/// Interns every weighted stack, transformed by the filter, into a new prefix tree.
fn transform(profile: &Profile, filter: &SampleFilter, sw: &StackWeights) -> (Vec<Parent>, Vec<FrameId>, SelfWeights) {
    let mut table = StackTable::new();
    let mut weights: Vec<Weight> = Vec::new();
    let mut neg: Vec<Weight> = Vec::new();
    let mut path = Vec::new();
    for s in 0..profile.stacks.len() {
        if !sw.touched[s] {
            continue;
        }
        profile.stacks.frames_root_first(StackId::from_index(s), &mut path);
        for f in path.iter_mut() {
            *f = profile.function(*f);
        }
        if !filter.hide.is_empty() {
            path.retain(|f| !filter.hide.contains(f));
        }
        let start = match filter.focus {
            Some(focus) => match path.iter().position(|&f| f == focus) {
                Some(p) => p,
                None => continue,
            },
            None => 0,
        };
        let slice = &mut path[start..];
        if filter.inverted {
            slice.reverse();
        }
        let Some(leaf) = table.intern_path(slice) else { continue };
        if weights.len() < table.len() {
            weights.resize(table.len(), 0);
        }
        weights[leaf.index()] += sw.weights[s];
        if let Some(&n) = sw.neg.get(s)
            && n != 0
        {
            if neg.len() < table.len() {
                neg.resize(table.len(), 0);
            }
            neg[leaf.index()] += n;
        }
    }
    weights.resize(table.len(), 0);
    if !neg.is_empty() {
        neg.resize(table.len(), 0);
    }
    let (parents, frames) = table.into_parts();
    (parents, frames, SelfWeights { net: weights, neg })
}

/// Groups frame ids that share a name, for callers that look functions up by name.
pub fn frames_by_name(profile: &Profile) -> HashMap<&str, Vec<FrameId>, FxBuildHasher> {
    let mut m: HashMap<&str, Vec<FrameId>, FxBuildHasher> = HashMap::default();
    for (id, f) in profile.frames.iter() {
        m.entry(f.name.as_str()).or_default().push(id);
    }
    m
}

#[cfg(test)]
mod tests;
