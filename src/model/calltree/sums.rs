//! The function table's sums over a call tree's prefix tree of kept
//! stacks: self weight per function, and total counted once per path (a
//! function already on the path above does not add again).
//!
//! One pass over the stacks in index order, reading every column front to
//! back: which stacks are recursive calls (their frame already on the path
//! above) is a column of the stack table (`StackTable::recursion`, made
//! once per table or handed over by the loader), so no path is needed
//! here. The pass that kept each stack's path (climbing from a stack's
//! parent to the path of the stack before it) was two thirds of a deep
//! profile's comparison and of its call tree's function table.

use crate::model::ids::FrameId;
use crate::model::units::Weight;

/// Per function (indexed by frame), the sums a [`crate::model::FunctionTable`]
/// is made of: self weight, total counted once per path, and whether the
/// function is on any kept path.
pub(crate) struct FunctionSums {
    pub(crate) self_w: Vec<Weight>,
    pub(crate) total: Vec<Weight>,
    pub(crate) seen: Vec<bool>,
}

/// The sums over the stacks with a nonzero `kept` (the absolute total);
/// `frames`, `self_w`, `total`, `kept` and `recursion` (the frame already
/// on the path above, `StackTable::recursion`) are per stack.
pub(crate) fn function_sums(
    frames: &[FrameId],
    self_w: &[Weight],
    total: &[Weight],
    kept: &[Weight],
    recursion: &[bool],
    frame_count: usize,
) -> FunctionSums {
    let mut out = FunctionSums::new(frame_count);
    let n = frames.len().min(self_w.len()).min(total.len()).min(kept.len()).min(recursion.len());
    for s in 0..n {
        let f = frames[s].index();
        if kept[s] == 0 || f >= frame_count {
            continue;
        }
        out.seen[f] = true;
        out.self_w[f] += self_w[s];
        if !recursion[s] {
            out.total[f] += total[s];
        }
    }
    out
}

impl FunctionSums {
    fn new(frame_count: usize) -> Self {
        Self { self_w: vec![0; frame_count], total: vec![0; frame_count], seen: vec![false; frame_count] }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ids::StackId;
    use crate::model::stack::Parent;

    #[test]
    fn totals_count_a_recursive_function_once_and_skip_what_is_not_kept() {
        // main > a > a > b, main > a > c, main > d (weightless), main > b.
        let p = |i: Option<usize>| Parent::from(i.map(StackId::from_index));
        let f = FrameId::from_index;
        let parents = [p(None), p(Some(0)), p(Some(1)), p(Some(2)), p(Some(1)), p(Some(0)), p(Some(0))];
        let frames = [f(0), f(1), f(1), f(2), f(3), f(4), f(2)];
        let self_w: [Weight; 7] = [1, 2, 4, 8, 16, 0, 32];
        let mut total = self_w;
        for s in (0..7).rev() {
            if let Some(q) = parents[s].get() {
                total[q.index()] += total[s];
            }
        }
        let rec = crate::model::stack::recursion_of(&parents, &frames);
        assert_eq!(rec, [false, false, true, false, false, false, false]);
        let sums = function_sums(&frames, &self_w, &total, &total, &rec, 6);
        assert_eq!(sums.self_w, [1, 6, 40, 16, 0, 0]);
        assert_eq!(sums.total, [63, 30, 40, 16, 0, 0]);
        assert_eq!(sums.seen, [true, true, true, true, false, false]);
    }
}
