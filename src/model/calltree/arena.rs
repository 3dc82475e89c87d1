//! Laying a prefix tree of stacks out as the call tree's breadth-first
//! arena, and (optionally, on a second thread) the per-function sums of the
//! function table from the same prefix tree.
//!
//! Cost model: the arena's breadth-first order is far from the stack
//! table's order, so every pass that follows one order while reading the
//! other misses the cache once per node. The layout therefore works in
//! passes that each read at most small (`u32`) columns at random: totals
//! and kept flags in stack order (one reverse pass), the sibling groups
//! sorted in stack order (a counting sort, then each group of packed
//! `name rank << 32 | stack` keys), and the breadth-first numbering over
//! `u32` columns only (which stack each node is, how many children it
//! has). Only the last pass, which writes the nodes in order, reads the
//! 128-bit weights, by independent loads rather than a chain of dependent
//! ones. The function table's walk runs over the stack table's own child
//! groups, whose order follows the stacks' (a child is usually interned
//! right after its parent), so it barely misses at all; it runs on a
//! second thread beside the layout.

use super::{CallTree, CallTreeNode, SelfWeights, ShareOf};
use crate::model::ids::{FrameId, MetricId, NodeId, StackId};
use crate::model::profile::Profile;
use crate::model::units::Weight;

/// Per function (indexed by frame), the sums a [`crate::model::FunctionTable`]
/// is made of: self weight, total counted once per path, and whether the
/// function is on any kept path.
pub(crate) struct FunctionSums {
    pub(crate) self_w: Vec<Weight>,
    pub(crate) total: Vec<Weight>,
    pub(crate) seen: Vec<bool>,
}

/// A stack's total and self weight side by side, aligned to a half cache
/// line: the node writes read both for a stack met at random, and one
/// line is one miss where two columns were two.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(32))]
struct StackSums {
    total: Weight,
    self_w: Weight,
}

/// Lays a prefix tree out as a breadth-first arena with sorted siblings;
/// with `functions: Some(frame_count)`, also sums the function table over
/// the same tree (on a second thread).
pub(super) fn arena(
    profile: &Profile,
    parents: &[Option<StackId>],
    frames: &[FrameId],
    weights: &SelfWeights,
    (root_self, root_neg): (Weight, Weight),
    functions: Option<usize>,
) -> (CallTree, Option<FunctionSums>) {
    let n = parents.len();
    let self_w = &weights.net;
    let mut stack_sums: Vec<StackSums> = self_w.iter().map(|&w| StackSums { total: w, self_w: w }).collect();
    // Absolute totals only when some weight is negative; else they are the totals.
    let mut abs: Vec<Weight> =
        if weights.neg.is_empty() { Vec::new() } else { (0..n).map(|i| weights.abs(i)).collect() };
    // A stack is kept when any sample with a weight passes through it;
    // negative weights (pprof diff profiles) can net to zero, so keep a
    // non-zero absolute self weight anywhere below.
    let mut keep: Vec<bool> = (0..n).map(|i| self_w[i] != 0 || weights.neg.get(i).is_some_and(|&w| w != 0)).collect();
    for i in (0..n).rev() {
        if let Some(p) = parents[i] {
            let p = p.index();
            let t = stack_sums[i].total;
            stack_sums[p].total += t;
            if !abs.is_empty() {
                let a = abs[i];
                abs[p] += a;
            }
            if keep[i] {
                keep[p] = true;
            }
        }
    }
    let groups = Groups::new(profile, parents, frames, &keep);
    let walk = || {
        let abs_total = |i: usize| if abs.is_empty() { stack_sums[i].total } else { abs[i] };
        let roots = groups.children(n);
        let root_total: Weight = root_self + roots.clone().map(|i| stack_sums[i].total).sum::<Weight>();
        let root_abs: Weight = root_self + 2 * root_neg + roots.map(abs_total).sum::<Weight>();
        let bfs = Bfs::new(&groups);
        let mut nodes = Vec::with_capacity(bfs.origin.len());
        nodes.push(CallTreeNode {
            frame: None,
            parent: None,
            depth: 0,
            total: root_total,
            self_weight: root_self,
            abs_total: root_abs,
            first_child: 0,
            child_count: 0,
        });
        // Node `j`'s children are the next `count[j]` nodes after those of
        // the nodes before it: one sequential walk writes every node.
        let mut next = 1u32;
        let mut max_depth = 0;
        for (head, &count) in bfs.count.iter().enumerate() {
            let depth = nodes[head].depth + 1;
            nodes[head].first_child = next;
            nodes[head].child_count = count;
            if count > 0 {
                max_depth = max_depth.max(depth);
            }
            let parent = Some(NodeId::from_index(head));
            nodes.extend(bfs.origin[next as usize..(next + count) as usize].iter().map(|&key| {
                let k = (key & u64::from(u32::MAX)) as usize;
                let w = stack_sums[k];
                CallTreeNode {
                    frame: Some(groups.frame(key)),
                    parent,
                    depth,
                    total: w.total,
                    self_weight: w.self_w,
                    abs_total: abs_total(k),
                    first_child: 0,
                    child_count: 0,
                }
            }));
            next += count;
        }
        let share_base = nodes.first().map_or(0, |n| n.total);
        CallTree {
            metric: MetricId(0),
            nodes,
            max_depth,
            inverted: false,
            share_base,
            share_of: ShareOf::Total,
            signed: false,
        }
    };
    // The function table's sums, when asked for, on a second thread beside
    // the tree's walk.
    let (sums, tree) = match functions {
        Some(count) => crate::parallel::join(
            "firesight-function-sums",
            || Some(function_sums(&groups, frames, &stack_sums, count)),
            walk,
        ),
        None => (None, walk()),
    };
    (tree, sums)
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
    fn new(profile: &Profile, parents: &[Option<StackId>], frames: &[FrameId], keep: &[bool]) -> Self {
        let n = parents.len();
        let (rank, by_rank) = name_rank(profile);
        let mut start = vec![0u32; n + 2];
        for i in 0..n {
            if keep[i] {
                start[parents[i].map_or(n, |p| p.index()) + 1] += 1;
            }
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut fill = start.clone();
        // Each child as its sort key (the name rank of its frame, unique per
        // frame, so siblings never tie) above its stack index: sorting a
        // group reads nothing else.
        let mut keys = vec![0u64; start[n + 1] as usize];
        for i in 0..n {
            if keep[i] {
                let p = parents[i].map_or(n, |p| p.index());
                keys[fill[p] as usize] = (u64::from(rank[frames[i].index()]) << 32) | i as u64;
                fill[p] += 1;
            }
        }
        drop(fill);
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

/// The breadth-first numbering, in columns indexed by node: the key of
/// the stack each node stands for (the root: `n`) and its number of
/// children.
struct Bfs {
    origin: Vec<u64>,
    count: Vec<u32>,
}

impl Bfs {
    fn new(groups: &Groups) -> Self {
        let len = groups.kept() + 1;
        let n = groups.start.len() - 2;
        let mut b = Self { origin: Vec::with_capacity(len), count: Vec::with_capacity(len) };
        b.origin.push(n as u64);
        let mut head = 0;
        while head < b.origin.len() {
            let src = (b.origin[head] & u64::from(u32::MAX)) as usize;
            let (lo, hi) = (groups.start[src] as usize, groups.start[src + 1] as usize);
            b.count.push((hi - lo) as u32);
            b.origin.extend_from_slice(&groups.keys[lo..hi]);
            head += 1;
        }
        b
    }
}

/// The function table's sums over the kept stacks: self per function, and
/// total once per path (a function already on the path above does not add
/// again), by an iterative walk of the stack groups.
fn function_sums(groups: &Groups, frames: &[FrameId], sums: &[StackSums], frame_count: usize) -> FunctionSums {
    let n = groups.start.len() - 2;
    let mut out =
        FunctionSums { self_w: vec![0; frame_count], total: vec![0; frame_count], seen: vec![false; frame_count] };
    let mut on_path = vec![0u32; frame_count];
    // (stack, next child offset in its group); the virtual root has no frame.
    let mut stack: Vec<(u32, u32)> = vec![(n as u32, groups.start[n])];
    while let Some(&mut (s, ref mut next)) = stack.last_mut() {
        let s = s as usize;
        if *next < groups.start[s + 1] {
            let k = (groups.keys[*next as usize] & u64::from(u32::MAX)) as usize;
            *next += 1;
            let Some(f) = frames.get(k).map(|f| f.index()).filter(|&f| f < frame_count) else { continue };
            let w = sums[k];
            out.seen[f] = true;
            out.self_w[f] += w.self_w;
            if on_path[f] == 0 {
                out.total[f] += w.total;
            }
            on_path[f] += 1;
            stack.push((k as u32, groups.start[k]));
        } else {
            stack.pop();
            if s < n {
                let f = frames[s].index();
                if f < frame_count {
                    on_path[f] -= 1;
                }
            }
        }
    }
    out
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
