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

use super::{CompareNode, NO_NODE, SideWeight};
use crate::model::{Profile, Weight};

/// No node on that side.
const NONE: u32 = u32::MAX;

/// One side's call tree by function path (sibling blocks, depth first);
/// node 0 is the root; each node's children are contiguous and sorted by
/// rank.
#[derive(Debug, Default)]
pub(super) struct SideTree {
    shape: Shape,
    weights: SideWeights,
}

/// A side tree's nodes without their weights (what the merge reads).
#[derive(Debug, Default)]
struct Shape {
    /// Rank of the node's function (`NONE` for the root).
    rank: Vec<u32>,
    /// First child.
    first_child: Vec<u32>,
    /// One past the last child.
    end_child: Vec<u32>,
}

impl Shape {
    fn children(&self, i: u32) -> std::ops::Range<usize> {
        if i == NONE { 0..0 } else { self.first_child[i as usize] as usize..self.end_child[i as usize] as usize }
    }
}

/// A weight column's element: 64 bits when the side's weights in absolute
/// value sum to at most `i64::MAX` (then no own weight or subtree total
/// can overflow it; the rule), else 128. Half the memory for the rule: on
/// two deep perf scripts, 30 MB of fresh pages fewer.
trait Column: Copy + Default + std::ops::Add<Output = Self> + std::iter::Sum<Self> {
    /// `w`, which the caller knows fits.
    fn narrow(w: Weight) -> Self;
    /// As a weight.
    fn wide(self) -> Weight;
}

impl Column for i64 {
    fn narrow(w: Weight) -> Self {
        w as i64
    }
    fn wide(self) -> Weight {
        Weight::from(self)
    }
}

impl Column for i128 {
    fn narrow(w: Weight) -> Self {
        w
    }
    fn wide(self) -> Weight {
        self
    }
}

/// Own weight and subtree total of every node.
#[derive(Clone, Debug, Default)]
pub(super) struct Columns<W> {
    own: Vec<W>,
    total: Vec<W>,
}

/// One side's weights by node of its own tree: what the merged nodes
/// point at.
#[derive(Clone, Debug)]
pub(super) enum SideWeights {
    /// 64-bit columns (see [`Column`]).
    Narrow(Columns<i64>),
    /// 128-bit columns.
    Wide(Columns<i128>),
}

impl Default for SideWeights {
    fn default() -> Self {
        Self::Narrow(Columns::default())
    }
}

impl SideWeights {
    /// Node `i`'s weight; nothing for `NONE` (no node on this side).
    pub(super) fn weight(&self, i: u32) -> SideWeight {
        fn read<W: Column>(c: &Columns<W>, i: u32) -> SideWeight {
            match (c.own.get(i as usize), c.total.get(i as usize)) {
                (Some(&own), Some(&total)) => SideWeight { self_weight: own.wide(), total: total.wide() },
                _ => SideWeight::default(),
            }
        }
        match self {
            Self::Narrow(c) => read(c, i),
            Self::Wide(c) => read(c, i),
        }
    }

    /// True when no node's own weight is below 0.
    pub(super) fn non_negative(&self) -> bool {
        match self {
            Self::Narrow(c) => c.own.iter().all(|&w| w >= 0),
            Self::Wide(c) => c.own.iter().all(|&w| w >= 0),
        }
    }
}

/// What one side's tree is folded from.
#[derive(Clone, Copy)]
pub(super) struct SideInput<'a> {
    /// The side's profile.
    pub(super) profile: &'a Profile,
    /// The function of every frame.
    pub(super) fids: &'a [u32],
    /// The sort position of every function.
    pub(super) rank: &'a [u32],
    /// The function of every rank.
    pub(super) order: &'a [u32],
    /// The weight of every stack.
    pub(super) stack_w: &'a [Weight],
    /// The weight of the samples with no stack (the root's own).
    pub(super) empty: Weight,
}

impl SideTree {
    /// The weights, for the merged tree to read; the shape is done with.
    pub(super) fn into_weights(self) -> SideWeights {
        self.weights
    }

    /// Folds the stacks of one side into a call tree by function path,
    /// with 64-bit weight columns when they fit (see [`Column`]). Also
    /// returns each function's self and total weight on this side (a total
    /// counted at the function's outermost call on the path, so once per
    /// sample however often it recurses): the table's half, without a
    /// second walk of the stacks.
    pub(super) fn build(input: SideInput<'_>) -> (Self, Vec<SideWeight>) {
        let magnitude: u128 =
            input.stack_w.iter().chain([&input.empty]).map(|w| w.unsigned_abs()).fold(0, u128::saturating_add);
        if magnitude <= i64::MAX as u128 {
            let (shape, c, functions) = Self::fold::<i64>(input);
            (Self { shape, weights: SideWeights::Narrow(c) }, functions)
        } else {
            let (shape, c, functions) = Self::fold::<i128>(input);
            (Self { shape, weights: SideWeights::Wide(c) }, functions)
        }
    }

    /// [`Self::build`] in columns of `W`.
    fn fold<W: Column>(input: SideInput<'_>) -> (Shape, Columns<W>, Vec<SideWeight>) {
        let SideInput { profile: p, fids, rank, order, stack_w, empty } = input;
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
        let mut sh = Shape {
            rank: Vec::with_capacity(cap),
            first_child: Vec::with_capacity(cap),
            end_child: Vec::with_capacity(cap),
        };
        let mut c: Columns<W> = Columns { own: Vec::with_capacity(cap), total: Vec::with_capacity(cap) };
        let push = |sh: &mut Shape, c: &mut Columns<W>, rank: u32, own: Weight| {
            sh.rank.push(rank);
            sh.first_child.push(0);
            sh.end_child.push(0);
            c.own.push(W::narrow(own));
            c.total.push(W::default());
        };
        push(&mut sh, &mut c, NONE, empty);
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
            if let Some(&f) = order.get(sh.rank[head] as usize) {
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
            sh.first_child[head] = c.own.len() as u32;
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
                push(&mut sh, &mut c, r, own);
                outermost.push(false);
            }
            sh.end_child[head] = c.own.len() as u32;
            let (first, end) = (sh.first_child[head], sh.end_child[head]);
            if first < end {
                next = Some((first, depth + 1));
                todo.extend((first + 1..end).rev().map(|c| (c, depth + 1)));
            }
        }
        // Children come after their parent: totals in one reverse pass.
        for i in (0..c.own.len()).rev() {
            let below: W = c.total[sh.first_child[i] as usize..sh.end_child[i] as usize].iter().copied().sum();
            c.total[i] = c.own[i] + below;
        }
        // Each function's weights, one pass in node order.
        let mut functions = vec![SideWeight::default(); order.len()];
        for i in 1..c.own.len() {
            let w = &mut functions[order[sh.rank[i] as usize] as usize];
            w.self_weight += c.own[i].wide();
            if outermost[i] {
                w.total += c.total[i].wide();
            }
        }
        (sh, c, functions)
    }
}

/// Merges the two side trees (before, after) into the comparison's nodes;
/// `order[rank]` is the function of a rank. Returns the nodes and the
/// deepest depth.
pub(super) fn merge(before: &SideTree, after: &SideTree, order: &[u32]) -> (Vec<CompareNode>, u32) {
    let (before, after) = (&before.shape, &after.shape);
    let bound = (before.rank.len() + after.rank.len()).saturating_sub(1).max(1);
    let mut nodes: Vec<CompareNode> = Vec::with_capacity(bound);
    nodes.push(CompareNode {
        function: NO_NODE,
        parent: NO_NODE,
        depth: 0,
        first_child: 0,
        child_count: 0,
        side: [0, 0],
    });
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
                function: order[r as usize],
                parent: head as u32,
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
