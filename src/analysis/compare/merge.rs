//! The merged call tree, built without a hash lookup per node: each side's
//! stacks are first folded into a call tree of its own (by function path,
//! every sibling list sorted by function rank; the two sides
//! on two threads), then the two trees are merged top down by walking both
//! sides' sibling lists together (a merge-join on the rank), one pass.
//! Each side's walk also sums every function's self and total weight, which
//! is the table's half of the comparison.
//!
//! Why: keying nodes by `(parent, function)` in a hash map and laying the
//! result out breadth-first afterwards touches memory at random for every
//! node, which on two deep perf scripts (1.9 million merged nodes) cost
//! more than half the two loads. Here each side is read once through its
//! stack table and the merge reads both side trees and writes the merged
//! one front to back.
//!
//! The result is the one [`super::Comparison`] documents: a node per
//! function path present on either side (a stack counts when its weight or
//! a descendant's is not 0), every parent before its children, children
//! contiguous and in name, then module, order; sibling blocks are laid
//! out depth first (as the call tree's arena is, for the same reason: a
//! chain of single children is read and written front to back, where
//! breadth first read it at random).

use super::{CompareNode, SideWeight};
use crate::model::{Profile, Weight};

/// No node on that side.
const NONE: u32 = u32::MAX;

/// One side's call tree by function path (sibling blocks, depth first);
/// node 0 is the root; each node's children are contiguous and sorted by rank.
#[derive(Debug, Default)]
pub(super) struct SideTree {
    /// Rank of the node's function (`NONE` for the root).
    rank: Vec<u32>,
    /// Weight of the stacks that end at the node.
    own: Vec<Weight>,
    /// Weight of the node's subtree.
    total: Vec<Weight>,
    /// First child.
    first_child: Vec<u32>,
    /// One past the last child.
    end_child: Vec<u32>,
}

/// One side's weights by node of its own tree: what the merged nodes
/// point at.
#[derive(Clone, Debug, Default)]
pub(super) struct SideWeights {
    own: Vec<Weight>,
    total: Vec<Weight>,
}

impl SideWeights {
    /// Node `i`'s weight; nothing for `NONE` (no node on this side).
    pub(super) fn weight(&self, i: u32) -> SideWeight {
        match (self.own.get(i as usize), self.total.get(i as usize)) {
            (Some(&self_weight), Some(&total)) => SideWeight { self_weight, total },
            _ => SideWeight::default(),
        }
    }

    /// True when no node's own weight is below 0.
    pub(super) fn non_negative(&self) -> bool {
        self.own.iter().all(|&w| w >= 0)
    }
}

impl SideTree {
    fn children(&self, i: u32) -> std::ops::Range<usize> {
        if i == NONE { 0..0 } else { self.first_child[i as usize] as usize..self.end_child[i as usize] as usize }
    }

    /// The weights, for the merged tree to read; the shape is done with.
    pub(super) fn into_weights(self) -> SideWeights {
        SideWeights { own: self.own, total: self.total }
    }

    fn push(&mut self, rank: u32, own: Weight) {
        self.rank.push(rank);
        self.own.push(own);
        self.total.push(0);
        self.first_child.push(0);
        self.end_child.push(0);
    }

    /// Folds the stacks of `p` into a call tree by function path: `fids` is
    /// the function of every frame, `rank` the sort position of every
    /// function and `order[rank]` the function of a rank, `stack_w` the
    /// weight of every stack, `empty` the weight of the samples with no
    /// stack (the root's own). Also returns each function's self and total
    /// weight on this side (a total counted at the function's outermost
    /// call on the path, so once per sample however often it recurses):
    /// the table's half, without a second walk of the stacks.
    pub(super) fn build(
        p: &Profile,
        fids: &[u32],
        rank: &[u32],
        order: &[u32],
        stack_w: &[Weight],
        empty: Weight,
    ) -> (Self, Vec<SideWeight>) {
        let parents = p.stacks.parents();
        let frames = p.stacks.frames();
        let n = stack_w.len().min(parents.len());
        // A stack counts when it or a descendant carries weight; parents
        // come before their children, so one reverse pass marks them.
        let mut needed: Vec<bool> = stack_w[..n].iter().map(|&w| w != 0).collect();
        for s in (0..n).rev() {
            if needed[s]
                && let Some(q) = parents[s].get()
            {
                needed[q.index()] = true;
            }
        }
        // Children of every stack (slot s + 1; slot 0 the root), by counting
        // sort, each child as (rank of its function << 32 | stack): the
        // rank is read once per stack, in stack order, and each sibling
        // list is then sorted in place, so the walk below reads its
        // children front to back instead of chasing frame -> function ->
        // rank for each of them.
        let slot = |s: usize| parents[s].get().map_or(0, |q| q.index() + 1);
        let mut start = vec![0u32; n + 2];
        for s in (0..n).filter(|&s| needed[s]) {
            start[slot(s) + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut kids = vec![0u64; start[n + 1] as usize];
        {
            let mut fill = start.clone();
            for s in (0..n).filter(|&s| needed[s]) {
                let p = slot(s);
                let r = rank[fids[frames[s].index()] as usize];
                kids[fill[p] as usize] = u64::from(r) << 32 | s as u64;
                fill[p] += 1;
            }
        }
        drop(needed);
        for w in start.windows(2) {
            let list = &mut kids[w[0] as usize..w[1] as usize];
            if list.len() > 1 {
                list.sort_unstable();
            }
        }
        let cap = kids.len() + 1;
        let mut t = Self {
            rank: Vec::with_capacity(cap),
            own: Vec::with_capacity(cap),
            total: Vec::with_capacity(cap),
            first_child: Vec::with_capacity(cap),
            end_child: Vec::with_capacity(cap),
        };
        t.push(NONE, empty);
        // The stacks each node stands for (several when frames of one
        // function are siblings): node i's are `members[mstart[i]..mstart[i + 1]]`,
        // each as its slot (stack + 1; 0 the root).
        let mut members: Vec<u32> = Vec::with_capacity(cap);
        members.push(0);
        let mut mstart: Vec<u32> = Vec::with_capacity(cap + 1);
        mstart.extend([0, 1]);
        let mut buf: Vec<u64> = Vec::new();
        // Depth first: a node's children are made as one block when it is
        // expanded, the first child expanded next, so a chain of single
        // children reads its stacks and writes its nodes front to back.
        // The first child is expanded right after its parent, a chain of
        // single children without going through the stack.
        //
        // Nodes are expanded in depth-first preorder, so `path[d]` is the
        // node last expanded at depth `d` and the ancestors of the node in
        // hand are `path[..depth]`; `outer[f]` is (depth, node) where
        // function `f` last started a path of its own: it is above the node
        // in hand exactly when that node is still on the path. A node whose
        // function is not above it is its function's outermost call.
        let mut outermost: Vec<bool> = Vec::with_capacity(cap);
        outermost.push(false);
        let mut outer: Vec<(u32, u32)> = vec![(u32::MAX, 0); order.len()];
        let mut path: Vec<u32> = Vec::new();
        // (node, depth) still to expand.
        let mut todo: Vec<(u32, u32)> = Vec::new();
        let mut next = Some((0u32, 0u32));
        while let Some((head, depth)) = next.take().or_else(|| todo.pop()) {
            let head = head as usize;
            if let Some(&f) = order.get(t.rank[head] as usize) {
                let d = depth as usize;
                if path.len() <= d {
                    path.resize(d + 1, u32::MAX);
                }
                path[d] = head as u32;
                let (od, on) = outer[f as usize];
                if !(od < depth && path[od as usize] == on) {
                    outermost[head] = true;
                    outer[f as usize] = (depth, head as u32);
                }
            }
            let (m0, m1) = (mstart[head] as usize, mstart[head + 1] as usize);
            // The node's children, sorted by rank: one member's list as it
            // is, several members' lists gathered and sorted.
            let list: &[u64] = if m1 - m0 == 1 {
                let m = members[m0] as usize;
                &kids[start[m] as usize..start[m + 1] as usize]
            } else {
                buf.clear();
                for &m in &members[m0..m1] {
                    let m = m as usize;
                    buf.extend_from_slice(&kids[start[m] as usize..start[m + 1] as usize]);
                }
                buf.sort_unstable();
                &buf
            };
            t.first_child[head] = t.own.len() as u32;
            let mut i = 0;
            while i < list.len() {
                let r = (list[i] >> 32) as u32;
                let mut own: Weight = 0;
                while i < list.len() && (list[i] >> 32) as u32 == r {
                    let k = list[i] as u32;
                    own += stack_w[k as usize];
                    members.push(k + 1);
                    i += 1;
                }
                mstart.push(members.len() as u32);
                t.push(r, own);
                outermost.push(false);
            }
            t.end_child[head] = t.own.len() as u32;
            let (first, end) = (t.first_child[head], t.end_child[head]);
            if first < end {
                next = Some((first, depth + 1));
                todo.extend((first + 1..end).rev().map(|c| (c, depth + 1)));
            }
        }
        // Children come after their parent: totals in one reverse pass.
        for i in (0..t.own.len()).rev() {
            let below: Weight = t.total[t.first_child[i] as usize..t.end_child[i] as usize].iter().sum();
            t.total[i] = t.own[i] + below;
        }
        // Each function's weights, one pass in node order.
        let mut functions = vec![SideWeight::default(); order.len()];
        for i in 1..t.own.len() {
            let w = &mut functions[order[t.rank[i] as usize] as usize];
            w.self_weight += t.own[i];
            if outermost[i] {
                w.total += t.total[i];
            }
        }
        (t, functions)
    }
}

/// Merges the two side trees (before, after) into the comparison's nodes;
/// `order[rank]` is the function of a rank. Returns the nodes and the
/// deepest depth.
pub(super) fn merge(before: &SideTree, after: &SideTree, order: &[u32]) -> (Vec<CompareNode>, u32) {
    let bound = (before.own.len() + after.own.len()).saturating_sub(1).max(1);
    let mut nodes: Vec<CompareNode> = Vec::with_capacity(bound);
    nodes.push(CompareNode { function: None, parent: None, depth: 0, first_child: 0, child_count: 0, side: [0, 0] });
    let mut max_depth = 0;
    // Depth first, as the side trees are laid out: the merge reads both
    // and writes its nodes nearly front to back.
    let (mut todo, mut next): (Vec<u32>, Option<u32>) = (Vec::new(), Some(0));
    while let Some(head) = next.take().or_else(|| todo.pop()) {
        let head = head as usize;
        let [x, y] = nodes[head].side;
        let (mut bs, mut as_) = (before.children(x), after.children(y));
        let depth = nodes[head].depth + 1;
        let first = nodes.len();
        loop {
            let rb = bs.clone().next().map_or(NONE, |i| before.rank[i]);
            let ra = as_.clone().next().map_or(NONE, |i| after.rank[i]);
            if rb == NONE && ra == NONE {
                break;
            }
            let r = rb.min(ra);
            let b = if rb == r { bs.next().map_or(NONE, |i| i as u32) } else { NONE };
            let a = if ra == r { as_.next().map_or(NONE, |i| i as u32) } else { NONE };
            nodes.push(CompareNode {
                function: Some(order[r as usize]),
                parent: Some(head as u32),
                depth,
                first_child: 0,
                child_count: 0,
                side: [b, a],
            });
            max_depth = max_depth.max(depth);
        }
        nodes[head].first_child = first as u32;
        nodes[head].child_count = (nodes.len() - first) as u32;
        let (first, end) = (first as u32, nodes.len() as u32);
        if first < end {
            next = Some(first);
            todo.extend((first + 1..end).rev());
        }
    }
    (nodes, max_depth)
}
