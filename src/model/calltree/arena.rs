//! Laying a prefix tree of stacks out as the call tree's arena, and
//! (optionally, on a second thread) the per-function sums of the function
//! table from the same prefix tree.
//!
//! Order: depth first from the root, expanding a node appends all its
//! children as one block (so siblings are contiguous and sorted, and a
//! parent always comes before its children). Why not breadth first: the
//! stack table is interned path by path, so a chain of single children
//! (most of a deep profile) sits front to back in it; walked depth first,
//! the group, weight and node columns are read and written nearly in
//! order, where breadth first read them at random, a cache miss per node.
//!
//! Cost model (1 000 000 nodes, `benches/transform.rs`): what remains is
//! mostly memory that is new to the process. On these machines a page
//! touched for the first time costs about 0.4 ms per MB, ten times writing
//! it again, so the columns are few (no copy of the self weights; the
//! groups fill in place) and the node buffer of a dropped tree is
//! reused ([`super::recycle`]). The function table's walk follows the same
//! order on a second thread.

use super::sums::{self, FunctionSums};
use super::{ArenaNode, CallTree, SelfWeights, ShareOf, Weights, recycle};
use crate::model::ids::{FrameId, MetricId, NodeId};
use crate::model::profile::Profile;
use crate::model::stack::Parent;
use crate::model::units::Weight;

/// Lays a prefix tree out as an arena with contiguous, sorted siblings;
/// with `functions: Some(frame_count)`, also sums the function table over
/// the same tree (on a second thread, beside the walk). `own_table`: the
/// tree is the profile's own stack table, whose recursion column is kept.
pub(super) fn arena(
    profile: &Profile,
    (parents, frames, own_table): (&[Parent], &[FrameId], bool),
    weights: SelfWeights,
    (root_self, root_neg): (Weight, Weight),
    functions: Option<usize>,
) -> (CallTree, Option<FunctionSums>) {
    let n = parents.len();
    let self_w = &weights.net;
    // Totals (and absolute totals), then the function sums, on a second
    // thread; kept flags, the sibling groups and the walk that lays the
    // arena out here. The walk reads no weight (a node keeps its stack's
    // row), so neither side waits for the other until the roots' sums.
    let ((total, abs, sums), (groups, nodes, max_depth)) = crate::parallel::join(
        "firesight-tree-totals",
        || {
            let mut total: Vec<Weight> = recycle::take_column(n);
            total.extend_from_slice(self_w);
            // Absolute totals only when some weight is negative; else they are the totals.
            let mut abs: Vec<Weight> =
                if weights.neg.is_empty() { Vec::new() } else { (0..n).map(|i| weights.abs(i)).collect() };
            for i in (0..n).rev() {
                if let Some(p) = parents[i].get() {
                    let p = p.index();
                    let t = total[i];
                    total[p] += t;
                    if !abs.is_empty() {
                        let a = abs[i];
                        abs[p] += a;
                    }
                }
            }
            let sums = functions.map(|count| {
                let kept = if abs.is_empty() { &total } else { &abs };
                let made;
                let recursion = if own_table {
                    profile.stacks.recursion()
                } else {
                    made = crate::model::stack::recursion_of(parents, frames);
                    &made
                };
                sums::function_sums(frames, self_w, &total, kept, recursion, count)
            });
            (total, abs, sums)
        },
        || {
            // A stack is kept when any sample with a weight passes through
            // it; negative weights (pprof diff profiles) can net to zero, so
            // keep a non-zero absolute self weight anywhere below.
            let mut keep: Vec<bool> =
                (0..n).map(|i| self_w[i] != 0 || weights.neg.get(i).is_some_and(|&w| w != 0)).collect();
            for i in (0..n).rev() {
                if keep[i]
                    && let Some(p) = parents[i].get()
                {
                    keep[p.index()] = true;
                }
            }
            let groups = Groups::new(profile, parents, frames, &keep);
            drop(keep);
            let (nodes, max_depth) = walk(&groups, n);
            (groups, nodes, max_depth)
        },
    );
    let abs_total = |i: usize| if abs.is_empty() { total[i] } else { abs[i] };
    let roots = groups.children(n);
    let root_total: Weight = root_self + roots.clone().map(|i| total[i]).sum::<Weight>();
    let root_abs: Weight = root_self + 2 * root_neg + roots.map(abs_total).sum::<Weight>();
    let tree = CallTree {
        metric: MetricId(0),
        nodes,
        weights: Weights { total, self_w: weights.net, abs, root: [root_total, root_self, root_abs] },
        max_depth,
        inverted: false,
        share_base: root_total,
        share_of: ShareOf::Total,
        signed: false,
    };
    (tree, sums)
}

/// Lays the kept stacks out as the arena's nodes, depth first from the
/// root (the virtual root `n`): expanding a node appends its children as
/// one block, so a chain of single children (most of a deep profile) is
/// read from the stack table and written to the arena front to back.
/// Entries: (the node's group of children in `groups.keys`, the node, its
/// depth); the group is looked up when the node is made, rather than when
/// it is expanded, after its elder siblings' subtrees.
fn walk(groups: &Groups, n: usize) -> (Vec<ArenaNode>, u32) {
    let mut nodes = recycle::take(groups.kept() + 1);
    nodes.push(ArenaNode { frame: None, parent: None, depth: 0, first_child: 0, child_count: 0, slot: Weights::ROOT });
    let mut todo: Vec<(u32, u32, u32, u32)> = vec![(groups.start[n], groups.start[n + 1], 0, 0)];
    let mut max_depth = 0;
    while let Some(entry) = todo.pop() {
        let mut next = Some(entry);
        // A node with one child goes on with that child here, without
        // the stack: a chain is one pass.
        while let Some((a, b, at, depth)) = next.take() {
            let (a, b) = (a as usize, b as usize);
            let first = nodes.len() as u32;
            let count = (b - a) as u32;
            let node = &mut nodes[at as usize];
            node.first_child = first;
            node.child_count = count;
            if count == 0 {
                continue;
            }
            let depth = depth + 1;
            max_depth = max_depth.max(depth);
            let parent = Some(NodeId(at));
            nodes.extend(groups.keys[a..b].iter().map(|&key| ArenaNode {
                frame: Some(groups.frame(key)),
                parent,
                depth,
                first_child: first + count,
                child_count: 0,
                slot: key as u32,
            }));
            // The first child is expanded next (pushed last).
            for (t, &key) in groups.keys[a..b].iter().enumerate().rev() {
                let k = (key & u64::from(u32::MAX)) as usize;
                let entry = (groups.start[k], groups.start[k + 1], first + t as u32, depth);
                if t == 0 {
                    next = Some(entry);
                } else {
                    todo.push(entry);
                }
            }
        }
    }
    (nodes, max_depth)
}

/// The kept children of every stack (and of the virtual root, index `n`),
/// each group contiguous and sorted by function name: `keys[start[p]..
/// start[p + 1]]`, each key `name rank << 32 | stack`.
struct Groups {
    start: Vec<u32>,
    keys: Vec<u64>,
    /// The frame of each name rank: a key names its frame without a look
    /// at the (large, randomly read) frame column.
    by_rank: Vec<FrameId>,
}

impl Groups {
    fn new(profile: &Profile, parents: &[Parent], frames: &[FrameId], keep: &[bool]) -> Self {
        let n = parents.len();
        let (rank, by_rank) = name_rank(profile);
        let mut start = vec![0u32; n + 2];
        for i in 0..n {
            if keep[i] {
                start[parents[i].get().map_or(n, |p| p.index()) + 1] += 1;
            }
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        // Each child as its sort key (the name rank of its frame, unique per
        // frame, so siblings never tie) above its stack index: sorting a
        // group reads nothing else. `start[p]` serves as p's fill cursor,
        // which leaves it at p's end, the start of p + 1: one shift back.
        let mut keys = vec![0u64; start[n + 1] as usize];
        for i in 0..n {
            if keep[i] {
                let p = parents[i].get().map_or(n, |p| p.index());
                keys[start[p] as usize] = (u64::from(rank[frames[i].index()]) << 32) | i as u64;
                start[p] += 1;
            }
        }
        start.copy_within(0..=n, 1);
        start[0] = 0;
        for p in 0..=n {
            let (a, b) = (start[p] as usize, start[p + 1] as usize);
            if b - a > 1 {
                keys[a..b].sort_unstable();
            }
        }
        Self { start, keys, by_rank }
    }

    /// The frame of a key.
    #[inline]
    fn frame(&self, key: u64) -> FrameId {
        self.by_rank[(key >> 32) as usize]
    }

    /// The kept children of stack `p` (`n`: the roots), by name.
    fn children(&self, p: usize) -> impl Iterator<Item = usize> + Clone + '_ {
        let (a, b) = (self.start[p] as usize, self.start[p + 1] as usize);
        self.keys[a..b].iter().map(|&k| (k & u64::from(u32::MAX)) as usize)
    }

    /// Number of kept stacks.
    fn kept(&self) -> usize {
        self.keys.len()
    }
}

/// Rank of every frame by name (then module), so sibling sorting compares
/// integers, and the frame of every rank.
fn name_rank(profile: &Profile) -> (Vec<u32>, Vec<FrameId>) {
    let mut ids: Vec<usize> = (0..profile.frames.len()).collect();
    ids.sort_by(|&a, &b| {
        let fa = profile.frames.frame(FrameId::from_index(a));
        let fb = profile.frames.frame(FrameId::from_index(b));
        fa.name.cmp(&fb.name).then_with(|| fa.module.cmp(&fb.module))
    });
    let mut rank = vec![0u32; ids.len()];
    for (r, &i) in ids.iter().enumerate() {
        rank[i] = r as u32;
    }
    (rank, ids.into_iter().map(FrameId::from_index).collect())
}
