//! Which spans of a trace are rows of the waterfall, given the collapsed
//! subtrees. Pure functions over the trace arena; no egui.
//!
//! A trace keeps its spans in depth-first order with each span's subtree the
//! index range `i..subtree_end`, so the visible rows are one forward pass
//! that jumps over collapsed subtrees: O(visible rows), no recursion.

use std::collections::HashSet;

use crate::model::trace::Trace;

/// The span indices shown as rows, top to bottom (ascending), skipping the
/// descendants of every span in `collapsed`.
///
/// The collapsed spans are sorted once and walked beside the rows, so a
/// row costs a comparison, not a hash lookup (a 1 000 000-span trace is
/// re-listed within a frame when a subtree is toggled).
pub fn visible_rows(trace: &Trace, collapsed: &HashSet<u32>) -> Vec<u32> {
    let n = trace.spans.len();
    if collapsed.is_empty() {
        return (0..n as u32).collect();
    }
    let mut folded: Vec<u32> = collapsed.iter().copied().collect();
    folded.sort_unstable();
    let mut next = folded.iter().copied().peekable();
    let mut rows = Vec::with_capacity(n.min(1 << 16));
    let mut i = 0usize;
    while i < n {
        rows.push(i as u32);
        while next.next_if(|&c| (c as usize) < i).is_some() {}
        let end = trace.spans[i].subtree_end as usize;
        i = if next.peek() == Some(&(i as u32)) && end > i + 1 { end.min(n) } else { i + 1 };
    }
    rows
}

/// The row showing span `span`, if it is visible (rows are ascending).
pub fn row_of(rows: &[u32], span: u32) -> Option<usize> {
    rows.binary_search(&span).ok()
}

/// True when span `i` has descendants.
pub fn has_children(trace: &Trace, i: usize) -> bool {
    trace.spans.get(i).is_some_and(|s| s.subtree_end as usize > i + 1)
}

/// Removes every ancestor of `span` from `collapsed`, so it becomes a row.
/// Walks parent links at most `spans.len()` steps (a cycle cannot hang it).
pub fn expand_to(trace: &Trace, collapsed: &mut HashSet<u32>, span: u32) {
    let mut cur = trace.spans.get(span as usize).and_then(|s| s.parent);
    let mut steps = 0usize;
    while let Some(p) = cur {
        collapsed.remove(&p);
        steps += 1;
        if steps > trace.spans.len() {
            break;
        }
        cur = trace.spans.get(p as usize).and_then(|s| s.parent);
    }
}

/// Collapses every span at `depth` that has children (and expands the rest),
/// so the tree shows `depth + 1` levels.
pub fn collapse_at_depth(trace: &Trace, depth: u32) -> HashSet<u32> {
    (0..trace.spans.len())
        .filter(|&i| trace.spans[i].depth == depth && has_children(trace, i))
        .map(|i| i as u32)
        .collect()
}
