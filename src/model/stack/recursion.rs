//! Which stacks are recursive calls: a stack whose frame is already on the
//! path above it. A function's total counts a sample once however often
//! the function recurses, so the function table adds a stack's total to
//! its frame only where the stack is not recursive; with this column that
//! is one pass in any order (`calltree::function_sums`), where it used to
//! need each stack's path.
//!
//! A loader that interns whole paths knows the answer as it adds a stack
//! (the sample's frames are in hand) and hands it over
//! ([`super::StackTable::set_recursion`]); for any other table it is made
//! once, on first use, by [`recursion`].
//!
//! The pass: stacks in index order. The stack table is interned path by
//! path, so a stack's parent comes before it and consecutive stacks are
//! mostly parent and child: the pass keeps the path of the stack it saw
//! last (with a count per frame of its calls on that path) and moves it to
//! the next stack's parent, which is usually where it already is. A move
//! climbs from the new parent to the first stack still on the path, so its
//! cost is the part of the new stack's path that differs from the last
//! one's, and a chain of single children (a 100 000-frame stack) costs one
//! step a stack.
//!
//! A table whose stacks are not in that order (a file that lists its nodes
//! breadth first, say) could make every move a long climb; once the climbs
//! pass a budget of a few steps a stack, the column is made again by a
//! depth-first walk of children lists, which costs one step a stack
//! whatever the order.

use crate::model::ids::FrameId;
use crate::model::stack::Parent;

/// For every stack of the prefix tree `parents` / `frames` (a parent
/// before its children), true when its frame is on the path above it.
pub(crate) fn recursion(parents: &[Parent], frames: &[FrameId]) -> Vec<bool> {
    let n = parents.len().min(frames.len());
    let (parents, frames) = (&parents[..n], &frames[..n]);
    let frame_count = frames.iter().map(|f| f.index() + 1).max().unwrap_or(0);
    in_order(parents, frames, frame_count).unwrap_or_else(|| depth_first(parents, frames, frame_count))
}

/// The pass in index order; `None` when its climbs ran past the budget.
fn in_order(parents: &[Parent], frames: &[FrameId], frame_count: usize) -> Option<Vec<bool>> {
    let n = parents.len();
    let mut out = Vec::with_capacity(n);
    // Per frame, its calls on `path`.
    let mut on_path = vec![0u32; frame_count];
    // Each stack's depth (1 for a root), and the path of the stack seen
    // last, root first: `path[d - 1]` is its stack at depth `d`.
    let mut depth: Vec<u32> = Vec::with_capacity(n);
    let mut path: Vec<u32> = Vec::new();
    let mut climbed: Vec<u32> = Vec::new();
    let frame = |s: usize| frames[s].index();
    // Climbing steps left before the order is given up on.
    let mut budget: usize = n.saturating_mul(8).saturating_add(1 << 20);
    for s in 0..n {
        let parent = parents[s].get().map(|p| p.index());
        depth.push(parent.map_or(1, |p| depth[p] + 1));
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
            on_path[frame(x as usize)] -= 1;
        }
        path.truncate(on);
        for &x in climbed.iter().rev() {
            on_path[frame(x as usize)] += 1;
            path.push(x);
        }
        let calls = &mut on_path[frame(s)];
        out.push(*calls > 0);
        *calls += 1;
        path.push(s as u32);
    }
    Some(out)
}

/// The same column by a depth-first walk of children lists (a counting
/// sort by parent): one step a stack in any order of the table.
fn depth_first(parents: &[Parent], frames: &[FrameId], frame_count: usize) -> Vec<bool> {
    let n = parents.len();
    let mut out = vec![false; n];
    // Children of stack p at kids[start[p]..start[p + 1]]; the roots under n.
    let slot = |s: usize| parents[s].get().map_or(n, |p| p.index());
    let mut start = vec![0u32; n + 2];
    for s in 0..n {
        start[slot(s) + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut fill = start.clone();
    let mut kids = vec![0u32; n];
    for s in 0..n {
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
            let calls = &mut on_path[frames[c].index()];
            out[c] = *calls > 0;
            *calls += 1;
            walk.push((c, start[c]));
        } else {
            walk.pop();
            if s < n {
                on_path[frames[s].index()] -= 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ids::StackId;

    /// The column by brute force: every stack's path spelled out.
    fn brute(parents: &[Parent], frames: &[FrameId]) -> Vec<bool> {
        (0..parents.len())
            .map(|s| {
                let mut c = parents[s].get();
                while let Some(p) = c {
                    if frames[p.index()] == frames[s] {
                        return true;
                    }
                    c = parents[p.index()].get();
                }
                false
            })
            .collect()
    }

    #[test]
    fn a_table_in_breadth_first_order_gives_the_same_column_by_the_depth_first_walk() {
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
        let want = brute(&parents, &frames);
        assert!(want.iter().any(|&r| r) && want.iter().any(|&r| !r));
        assert!(in_order(&parents, &frames, 50).is_none(), "the pass gives up");
        assert_eq!(recursion(&parents, &frames), want);
        // The same tree numbered chain by chain: the pass itself, one step a stack.
        let n = parents.len();
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
        let col = in_order(&p2, &f2, 50).unwrap_or_else(|| panic!("a chain order is within the budget"));
        assert_eq!(col, brute(&p2, &f2));
        assert_eq!(col.iter().filter(|&&r| r).count(), want.iter().filter(|&&r| r).count());
    }

    #[test]
    fn interleaved_paths_and_sibling_recursion() {
        // a > b > a > c, then a > c > b > c, interned one frame at a time
        // in an order that jumps between the two paths.
        let p = |i: Option<usize>| Parent::from(i.map(StackId::from_index));
        let f = FrameId::from_index;
        let parents = [p(None), p(Some(0)), p(Some(0)), p(Some(1)), p(Some(2)), p(Some(3)), p(Some(4)), p(None)];
        let frames = [f(0), f(1), f(2), f(0), f(1), f(2), f(2), f(2)];
        let want = brute(&parents, &frames);
        assert_eq!(want, [false, false, false, true, false, false, true, false]);
        assert_eq!(recursion(&parents, &frames), want);
        assert_eq!(depth_first(&parents, &frames, 3), want);
    }
}
