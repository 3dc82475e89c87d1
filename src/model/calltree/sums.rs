//! The function table's sums over a call tree's prefix tree of kept
//! stacks: self weight per function, and total counted once per path (a
//! function already on the path above does not add again), made on both
//! cores.
//!
//! The work is split into subtrees. A [`Plan`] takes the heaviest subtree
//! apart into its root (part of the *crown*, a few hundred nodes at the
//! top, walked first by one thread) and its children's subtrees, until
//! there are enough pieces; then each thread takes the next piece, the
//! heaviest first, until none is left (the tree's own walk joins in once
//! it is done). A piece is walked with the functions of its ancestors
//! already known, so per-path totals come out as in one walk: the sums
//! of the pieces add up.

use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustc_hash::FxHashSet;

use super::arena::Groups;
use crate::model::ids::FrameId;
use crate::model::stack::Parent;
use crate::model::units::Weight;

/// Per function (indexed by frame), the sums a [`crate::model::FunctionTable`]
/// is made of: self weight, total counted once per path, and whether the
/// function is on any kept path.
pub(crate) struct FunctionSums {
    pub(crate) self_w: Vec<Weight>,
    pub(crate) total: Vec<Weight>,
    pub(crate) seen: Vec<bool>,
}

/// Pieces the plan aims for: enough that the two threads finish close
/// together when the pieces' weights only roughly follow their sizes.
const PIECES: usize = 64;
/// Crown nodes at most (a long chain at the top is not taken apart further).
const CROWN: usize = 4096;

/// What the sums are made from: the prefix tree of kept stacks and its
/// per-stack weights.
pub(super) struct Input<'a> {
    pub(super) groups: &'a Groups,
    pub(super) parents: &'a [Parent],
    pub(super) frames: &'a [FrameId],
    pub(super) self_w: &'a [Weight],
    pub(super) total: &'a [Weight],
    pub(super) frame_count: usize,
}

/// The crown and the pieces below it.
pub(super) struct Plan {
    /// Stacks taken apart, each with its depth (1 for a root).
    crown: FxHashSet<u32>,
    /// Subtrees left whole, (stack, depth), heaviest first.
    pieces: Vec<(u32, u32)>,
    next: AtomicUsize,
}

impl Plan {
    /// Takes the heaviest subtree apart (by absolute total: a size's
    /// stand-in that costs nothing) until there are [`PIECES`], the
    /// heaviest weighs at most 1/[`PIECES`] of all, or the crown is full.
    pub(super) fn new(input: &Input<'_>, abs_total: impl Fn(usize) -> Weight) -> Self {
        let groups = input.groups;
        let n = groups.start.len() - 2;
        let whole: Weight = groups.children(n).map(&abs_total).sum();
        let mut heap: BinaryHeap<(Weight, u32, u32)> =
            groups.children(n).map(|k| (abs_total(k), k as u32, 1)).collect();
        let mut crown = FxHashSet::default();
        while let Some(&(w, k, depth)) = heap.peek() {
            if heap.len() >= PIECES || w.saturating_mul(PIECES as Weight) <= whole || crown.len() >= CROWN {
                break;
            }
            heap.pop();
            crown.insert(k);
            heap.extend(groups.children(k as usize).map(|c| (abs_total(c), c as u32, depth + 1)));
        }
        let pieces = heap.into_sorted_vec().into_iter().rev().map(|(_, k, d)| (k, d)).collect();
        Self { crown, pieces, next: AtomicUsize::new(0) }
    }

    /// The crown's own sums: its nodes, walked from the roots in
    /// depth-first preorder, without descending into the pieces.
    fn crown(&self, input: &Input<'_>, walk: &mut Walk) {
        let groups = input.groups;
        let n = groups.start.len() - 2;
        let mut todo: Vec<(u32, u32)> =
            groups.children(n).filter(|&k| self.crown.contains(&(k as u32))).map(|k| (k as u32, 1)).collect();
        while let Some((k, depth)) = todo.pop() {
            let k = k as usize;
            walk.visit(input.frames[k].index(), k as u32, depth, input.self_w[k], input.total[k]);
            todo.extend(
                groups.children(k).filter(|&c| self.crown.contains(&(c as u32))).map(|c| (c as u32, depth + 1)),
            );
        }
    }

    /// Walks the crown when asked to, then takes pieces until none is
    /// left; the sums of what it walked.
    pub(super) fn work(&self, input: &Input<'_>, with_crown: bool) -> Walk {
        let mut walk = Walk::new(input.frame_count);
        if with_crown {
            self.crown(input, &mut walk);
        }
        let mut above: Vec<usize> = Vec::new();
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(&(root, depth)) = self.pieces.get(i) else { break };
            // The piece's ancestors, root first, as if walked down to it.
            above.clear();
            let mut c = input.parents[root as usize].get();
            while let Some(p) = c {
                above.push(p.index());
                c = input.parents[p.index()].get();
            }
            for (d, &a) in above.iter().rev().enumerate() {
                walk.enter(input.frames[a].index(), a as u32, d as u32 + 1);
            }
            walk.subtree(input, root, depth);
        }
        walk
    }
}

/// Adds up the two walks' sums.
pub(super) fn merge(one: Walk, other: Walk) -> FunctionSums {
    let mut acc = one.acc;
    for (a, b) in acc.iter_mut().zip(other.acc) {
        a.self_w += b.self_w;
        a.total += b.total;
        a.seen |= b.seen;
    }
    FunctionSums {
        self_w: acc.iter().map(|a| a.self_w).collect(),
        total: acc.iter().map(|a| a.total).collect(),
        seen: acc.iter().map(|a| a.seen).collect(),
    }
}

/// A depth-first walk's sums.
///
/// How "already on the path" is one lookup without a stack of the path:
/// in depth-first preorder, when a node at depth `d` is visited,
/// `path[..d]` (the node visited last at each depth) are its ancestors.
/// A function's `outer` is the node (and its depth) where it last started
/// a path of its own: it is above the node in hand exactly when that node
/// is still on the path (`path[depth] == node`). An inner call does not
/// replace it, so the outermost call is the one remembered; once its
/// subtree is done, a later node at its depth takes its place on the
/// path, and the check fails as it should. A piece starts by entering its
/// ancestors the same way, without adding their weights.
///
/// A function's sums and its `outer` sit in one 48-byte entry: a visit
/// touches one cache line of the per-function table instead of four.
pub(super) struct Walk {
    acc: Vec<FunctionAcc>,
    path: Vec<u32>,
}

#[derive(Clone, Copy)]
struct FunctionAcc {
    self_w: Weight,
    total: Weight,
    outer_depth: u32,
    outer_node: u32,
    seen: bool,
}

impl Walk {
    fn new(frame_count: usize) -> Self {
        let none = FunctionAcc { self_w: 0, total: 0, outer_depth: u32::MAX, outer_node: 0, seen: false };
        Self { acc: vec![none; frame_count], path: Vec::new() }
    }

    /// The node `at` (at `depth` >= 1, of function `f`) is on the path;
    /// whether `f` was above it already.
    #[inline]
    fn step(&mut self, f: usize, at: u32, depth: u32) -> Option<(&mut FunctionAcc, bool)> {
        let d = depth as usize;
        if self.path.len() <= d {
            self.path.resize(d + 1, u32::MAX);
        }
        self.path[d] = at;
        let a = self.acc.get_mut(f)?;
        let above = a.outer_depth < depth && self.path[a.outer_depth as usize] == a.outer_node;
        if !above {
            a.outer_depth = depth;
            a.outer_node = at;
        }
        Some((a, above))
    }

    /// An ancestor of a piece, entered without its weights.
    fn enter(&mut self, f: usize, at: u32, depth: u32) {
        self.step(f, at, depth);
    }

    /// The node `at` is visited: its weights count.
    #[inline]
    fn visit(&mut self, f: usize, at: u32, depth: u32, self_w: Weight, total: Weight) {
        let Some((a, above)) = self.step(f, at, depth) else { return };
        a.seen = true;
        if self_w != 0 {
            a.self_w += self_w;
        }
        if !above {
            a.total += total;
        }
    }

    /// Visits the subtree of `root` (at `depth`) in depth-first preorder;
    /// a chain of single children goes on without the explicit stack.
    fn subtree(&mut self, input: &Input<'_>, root: u32, depth: u32) {
        let groups = input.groups;
        let mut todo: Vec<(u32, u32)> = vec![(root, depth)];
        while let Some(entry) = todo.pop() {
            let mut next = Some(entry);
            while let Some((k, depth)) = next.take() {
                let k = k as usize;
                self.visit(input.frames[k].index(), k as u32, depth, input.self_w[k], input.total[k]);
                let (a, b) = (groups.start[k] as usize, groups.start[k + 1] as usize);
                if b > a {
                    let child = |key: u64| ((key & u64::from(u32::MAX)) as u32, depth + 1);
                    next = Some(child(groups.keys[a]));
                    todo.extend(groups.keys[a + 1..b].iter().map(|&key| child(key)));
                }
            }
        }
    }
}
