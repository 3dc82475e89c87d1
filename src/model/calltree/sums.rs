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

/// The sums over the stacks whose `kept` weight (the absolute total) is
/// not 0; `parents`, `frames`, `self_w` and `total` are per stack, a
/// parent before its children.
pub(super) fn function_sums(
    parents: &[Parent],
    frames: &[FrameId],
    self_w: &[Weight],
    total: &[Weight],
    kept: &[Weight],
    frame_count: usize,
) -> FunctionSums {
    let n = parents.len();
    let mut out =
        FunctionSums { self_w: vec![0; frame_count], total: vec![0; frame_count], seen: vec![false; frame_count] };
    // Per function, its calls on `path`.
    let mut on_path = vec![0u32; frame_count];
    // Each stack's depth (1 for a root), and the path of the stack seen
    // last, root first: `path[d - 1]` is its stack at depth `d`.
    let mut depth: Vec<u32> = Vec::with_capacity(n);
    let mut path: Vec<u32> = Vec::new();
    let mut climbed: Vec<u32> = Vec::new();
    let function = |s: usize| frames[s].index();
    for s in 0..n {
        let parent = parents[s].get().map(|p| p.index());
        let d = parent.map_or(1, |p| depth[p] + 1);
        depth.push(d);
        if kept[s] == 0 {
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
        let f = function(s);
        if f < frame_count {
            out.seen[f] = true;
            out.self_w[f] += self_w[s];
            if on_path[f] == 0 {
                out.total[f] += total[s];
            }
            on_path[f] += 1;
        }
        path.push(s as u32);
    }
    out
}
