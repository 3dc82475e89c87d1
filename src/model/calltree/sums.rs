//! The function table's sums over a call tree's prefix tree of kept
//! stacks: self weight per function, and total counted once per path (a
//! function already on the path above does not add again).
//!
//! One pass over the stacks in index order, reading every column front to
//! back. The stack table is interned path by path, so a stack's parent
//! comes before it and consecutive stacks are mostly parent and child: the
//! pass keeps the path of the stack it saw last (with a count per function
//! of its calls on that path) and moves it to the next stack's parent,
//! which is usually where it already is. A move climbs from the new parent
//! to the first stack still on the path, so its cost is the part of the
//! new stack's path that differs from the last one's: over the table at
//! most the frames of the stacks as the input spelled them out, and a
//! chain of single children (a 100 000-frame stack) costs one step a
//! stack.
//!
//! Walking the tree depth first instead (by the sibling groups) read the
//! stack-indexed columns (frames, self weights, totals) at random, a cache
//! miss per node: 18 ms for a million nodes, where this pass takes a
//! third of that.
//!
//! A table whose stacks are not in that order (a file that lists its
//! nodes breadth first, say) could make every move a long climb; once the
//! climbs pass a budget of a few steps a stack, the sums are made again by
//! a depth-first walk of children lists, which costs one step a stack
//! whatever the order.

use crate::model::ids::FrameId;
use crate::model::stack::Parent;
use crate::model::units::Weight;

/// A per-stack weight column's element: the call tree's 128-bit weights,
/// or a comparison side's 64-bit ones.
pub(crate) trait StackWeight: Copy {
    /// As a weight.
    fn weight(self) -> Weight;
}

impl StackWeight for Weight {
    fn weight(self) -> Weight {
        self
    }
}

impl StackWeight for i64 {
    fn weight(self) -> Weight {
        Weight::from(self)
    }
}

/// Whether a stack is kept: a nonzero absolute total, or a flag.
pub(crate) trait Kept: Copy {
    /// True when the stack counts.
    fn kept(self) -> bool;
}

impl Kept for Weight {
    fn kept(self) -> bool {
        self != 0
    }
}

impl Kept for bool {
    fn kept(self) -> bool {
        self
    }
}

/// Per function (indexed by frame), the sums a [`crate::model::FunctionTable`]
/// is made of: self weight, total counted once per path, and whether the
/// function is on any kept path.
pub(crate) struct FunctionSums {
    pub(crate) self_w: Vec<Weight>,
    pub(crate) total: Vec<Weight>,
    pub(crate) seen: Vec<bool>,
}

/// The sums over the stacks `kept` keeps (a nonzero absolute total, or a
/// flag); `parents`, `frames`, `self_w` and `total` are per stack, a
/// parent before its children.
pub(crate) fn function_sums<W: StackWeight, K: Kept>(
    parents: &[Parent],
    frames: &[FrameId],
    self_w: &[W],
    total: &[W],
    kept: &[K],
    frame_count: usize,
) -> FunctionSums {
    let cols = Columns { parents, frames, self_w, total, kept };
    in_order(&cols, frame_count).unwrap_or_else(|| depth_first(&cols, frame_count))
}

/// The per-stack columns the sums read.
#[derive(Clone, Copy)]
struct Columns<'a, W, K> {
    parents: &'a [Parent],
    frames: &'a [FrameId],
    self_w: &'a [W],
    total: &'a [W],
    kept: &'a [K],
}

impl FunctionSums {
    fn new(frame_count: usize) -> Self {
        Self { self_w: vec![0; frame_count], total: vec![0; frame_count], seen: vec![false; frame_count] }
    }

    /// Stack `s` of `c` counts: its function's self weight, and its total
    /// when the function is not above it (`on_path`, calls on the path to
    /// it, is then counted up).
    #[inline]
    fn add<W: StackWeight, K>(&mut self, c: &Columns<'_, W, K>, s: usize, on_path: &mut [u32]) {
        let f = c.frames[s].index();
        if f < self.seen.len() {
            self.seen[f] = true;
            self.self_w[f] += c.self_w[s].weight();
            if on_path[f] == 0 {
                self.total[f] += c.total[s].weight();
            }
            on_path[f] += 1;
        }
    }
}

/// The pass in index order; `None` when its climbs ran past the budget.
fn in_order<W: StackWeight, K: Kept>(cols: &Columns<'_, W, K>, frame_count: usize) -> Option<FunctionSums> {
    let Columns { parents, frames, kept, .. } = *cols;
    let n = parents.len();
    let mut out = FunctionSums::new(frame_count);
    // Per function, its calls on `path`.
    let mut on_path = vec![0u32; frame_count];
    // Each stack's depth (1 for a root), and the path of the stack seen
    // last, root first: `path[d - 1]` is its stack at depth `d`.
    let mut depth: Vec<u32> = Vec::with_capacity(n);
    let mut path: Vec<u32> = Vec::new();
    let mut climbed: Vec<u32> = Vec::new();
    let function = |s: usize| frames[s].index();
    // Climbing steps left before the order is given up on.
    let mut budget: usize = n.saturating_mul(8).saturating_add(1 << 20);
    for s in 0..n {
        let parent = parents[s].get().map(|p| p.index());
        let d = parent.map_or(1, |p| depth[p] + 1);
        depth.push(d);
        if !kept[s].kept() {
            // Nothing below it weighs anything: it adds nothing, and no
            // kept stack has it on its path.
            continue;
        }
        // Move the path to end at the parent: climb to the first stack on it.
        climbed.clear();
        let mut on = 0;
        let mut c = parent;
        while let Some(x) = c {
            let dx = depth[x] as usize;
            if dx <= path.len() && path[dx - 1] as usize == x {
                on = dx;
                break;
            }
            climbed.push(x as u32);
            c = parents[x].get().map(|p| p.index());
        }
        budget = budget.checked_sub(climbed.len() + path.len() - on)?;
        for &x in &path[on..] {
            if let Some(k) = on_path.get_mut(function(x as usize)) {
                *k -= 1;
            }
        }
        path.truncate(on);
        for &x in climbed.iter().rev() {
            if let Some(k) = on_path.get_mut(function(x as usize)) {
                *k += 1;
            }
            path.push(x);
        }
        out.add(cols, s, &mut on_path);
        path.push(s as u32);
    }
    Some(out)
}

/// The same sums by a depth-first walk of children lists (a counting sort
/// by parent): one step a stack in any order of the table.
fn depth_first<W: StackWeight, K: Kept>(cols: &Columns<'_, W, K>, frame_count: usize) -> FunctionSums {
    let Columns { parents, frames, kept, .. } = *cols;
    let n = parents.len();
    let mut out = FunctionSums::new(frame_count);
    // Children of stack p at kids[start[p]..start[p + 1]]; the roots under n.
    let slot = |s: usize| parents[s].get().map_or(n, |p| p.index());
    let mut start = vec![0u32; n + 2];
    for s in (0..n).filter(|&s| kept[s].kept()) {
        start[slot(s) + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut fill = start.clone();
    let mut kids = vec![0u32; start[n + 1] as usize];
    for s in (0..n).filter(|&s| kept[s].kept()) {
        let p = slot(s);
        kids[fill[p] as usize] = s as u32;
        fill[p] += 1;
    }
    drop(fill);
    let mut on_path = vec![0u32; frame_count];
    // (stack or n for the virtual root, next child position).
    let mut walk: Vec<(usize, u32)> = vec![(n, start[n])];
    while let Some(&mut (s, ref mut next)) = walk.last_mut() {
        if *next < start[s + 1] {
            let c = kids[*next as usize] as usize;
            *next += 1;
            out.add(cols, c, &mut on_path);
            walk.push((c, start[c]));
        } else {
            walk.pop();
            if s < n
                && let Some(k) = on_path.get_mut(frames[s].index())
            {
                *k -= 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ids::StackId;

    /// Sums by brute force: every kept stack's path spelled out.
    fn brute(
        parents: &[Parent],
        frames: &[FrameId],
        self_w: &[Weight],
        total: &[Weight],
        fc: usize,
    ) -> Vec<(Weight, Weight)> {
        let mut out = vec![(0, 0); fc];
        for s in 0..parents.len() {
            if total[s] == 0 {
                continue;
            }
            let f = frames[s].index();
            let mut above = false;
            let mut c = parents[s].get();
            while let Some(p) = c {
                above |= frames[p.index()].index() == f;
                c = parents[p.index()].get();
            }
            out[f].0 += self_w[s];
            if !above {
                out[f].1 += total[s];
            }
        }
        out
    }

    #[test]
    fn a_table_in_breadth_first_order_gives_the_same_sums_by_the_depth_first_walk() {
        // 100 chains of 600 stacks, numbered level by level: consecutive
        // stacks are in different chains, so every move of the pass would
        // climb to the root (100 x 600^2 / 2 steps, past its budget).
        // Frames repeat along a chain (recursion) and across chains.
        let (chains, len) = (100usize, 600usize);
        let mut parents = Vec::new();
        let mut frames = Vec::new();
        for level in 0..len {
            for c in 0..chains {
                let parent = (level > 0).then(|| StackId::from_index((level - 1) * chains + c));
                parents.push(Parent::from(parent));
                frames.push(FrameId::from_index((level * 7 + c) % 50));
            }
        }
        let n = parents.len();
        let self_w: Vec<Weight> = (0..n).map(|s| if s >= n - chains { (s % 5 + 1) as Weight } else { 0 }).collect();
        let mut total = self_w.clone();
        for s in (0..n).rev() {
            if let Some(p) = parents[s].get() {
                total[p.index()] += total[s];
            }
        }
        let pairs = |s: FunctionSums| s.self_w.into_iter().zip(s.total).collect::<Vec<_>>();
        let want = brute(&parents, &frames, &self_w, &total, 50);
        let cols = Columns { parents: &parents, frames: &frames, self_w: &self_w, total: &total, kept: &total };
        assert!(in_order(&cols, 50).is_none(), "the pass gives up");
        assert_eq!(pairs(function_sums(&parents, &frames, &self_w, &total, &total, 50)), want);
        // The same tree numbered chain by chain: the pass itself, one step a stack.
        let order: Vec<usize> = (0..chains).flat_map(|c| (0..len).map(move |l| l * chains + c)).collect();
        let mut new_id = vec![0; n];
        for (i, &s) in order.iter().enumerate() {
            new_id[s] = i;
        }
        let p2: Vec<Parent> = order
            .iter()
            .map(|&s| Parent::from(parents[s].get().map(|p| StackId::from_index(new_id[p.index()]))))
            .collect();
        let f2: Vec<FrameId> = order.iter().map(|&s| frames[s]).collect();
        let (s2, t2): (Vec<Weight>, Vec<Weight>) = order.iter().map(|&s| (self_w[s], total[s])).unzip();
        let sums = in_order(&Columns { parents: &p2, frames: &f2, self_w: &s2, total: &t2, kept: &t2 }, 50)
            .unwrap_or_else(|| panic!("a chain order is within the budget"));
        assert_eq!(pairs(sums), want);
    }
}
