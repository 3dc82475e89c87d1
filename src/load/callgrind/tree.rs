//! Unfolding a weighted call graph into stacks whose per-function self and
//! inclusive costs are the graph's own, exactly.
//!
//! A call graph does not fix one call tree: it says how much `malloc` cost
//! when called from `parse` and from `render`, not how much of what
//! `malloc` called happened under each. The tree is unfolded from the
//! roots in topological order: every occurrence (node) of a function
//! carries a budget (its share of the function's inclusive cost), and the
//! budgets of all occurrences are split over the function's self cost and
//! its outgoing calls in proportion, in integers, such that the parts of
//! each occurrence sum to its budget and the parts of each call (or of the
//! self cost) over all occurrences sum to the file's number (a matrix
//! rounding: floors, then the remainders by the north-west-corner rule). So
//! every function's self cost is exact, and, with no recursion through it,
//! so is its inclusive cost (the sum of its occurrences' budgets); only
//! which caller's subtree holds which part of a callee's callees is
//! estimated, as speedscope and KCachegrind's flame views do.
//!
//! Cycles are cut: a call back into a function on the current path (a
//! recursion callgrind did not separate with `'2` names) is left out of the
//! unfolding, its cost staying in the function that is already open; a
//! function entered from outside the graph (a thread start, `_start`) gets
//! a root occurrence for what its callers do not account for. Nothing here
//! recurses over the depth of the graph.

use crate::model::frame::FrameRef;
use crate::model::{FrameId, FrameKind, MetricId, ProfileBuilder, StackId};

use super::parse::Graph;

/// Most nodes unfolded per event; past it, calls are not unfolded further
/// and their cost stays in the caller's self cost (with a warning).
pub const MAX_NODES: usize = 2_000_000;

/// What unfolding one event did that the numbers do not show.
#[derive(Debug, Default)]
pub struct Unfolded {
    /// Functions whose callers' costs did not add up to what they spent
    /// (a cycle through them, or an inconsistent file): their split is scaled.
    pub scaled: u64,
    /// Cost units left in callers' self cost because the node cap was reached.
    pub truncated: u64,
    /// Call edges cut because they close a cycle.
    pub cut: u64,
}

/// Adds the samples of event `e` (metric `m`) to `b`: one per node with a
/// self cost.
pub fn unfold(g: &Graph, e: usize, m: MetricId, frames: &[FrameId], b: &mut ProfileBuilder) -> Unfolded {
    let n_ev = g.events.len();
    let nf = g.funcs.len();
    let mut out = Unfolded::default();
    // Out-edges per function (self calls left out: callgrind's inclusive
    // cost of a recursive call is already inside the caller's).
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); nf];
    for (k, &(from, to)) in g.edges.iter().enumerate() {
        if from != to {
            out_edges[from as usize].push(k);
        }
    }
    let (order, back) = topo_order(g, &out_edges);
    out.cut = back.iter().filter(|&&c| c).count() as u64;
    let cost = |k: usize| g.edge_cost[k * n_ev + e];
    let mut incoming = vec![0u64; nf];
    for (k, &(from, to)) in g.edges.iter().enumerate() {
        if from != to && !back[k] {
            incoming[to as usize] = incoming[to as usize].saturating_add(cost(k));
        }
    }
    let mut rows: Vec<Vec<(StackId, u64)>> = vec![Vec::new(); nf];
    let mut nodes = 0usize;
    let mut cols: Vec<u64> = Vec::new();
    let mut targets: Vec<usize> = Vec::new();
    for &f in &order {
        let self_cost = g.self_cost[f * n_ev + e];
        cols.clear();
        targets.clear();
        cols.push(self_cost);
        for &k in &out_edges[f] {
            if !back[k] && cost(k) > 0 {
                cols.push(cost(k));
                targets.push(g.edges[k].1 as usize);
            }
        }
        let spent: u64 = cols.iter().fold(0u64, |a, &c| a.saturating_add(c));
        let mut my_rows = std::mem::take(&mut rows[f]);
        if spent > incoming[f] {
            let root = b.stack(None, frames[f]);
            my_rows.push((root, spent - incoming[f]));
        }
        let budget: u64 = my_rows.iter().fold(0u64, |a, &(_, r)| a.saturating_add(r));
        if budget == 0 {
            continue;
        }
        if budget != spent {
            out.scaled += 1;
            rescale(&mut cols, budget);
        }
        let capped = nodes >= MAX_NODES;
        allocate(&my_rows, &cols, |row, col, x| {
            let stack = my_rows[row].0;
            if col == 0 || capped {
                if col != 0 {
                    out.truncated = out.truncated.saturating_add(x);
                }
                b.add_sample_for(Some(stack), m, i128::from(x), None, None);
            } else {
                let to = targets[col - 1];
                let child = b.stack(Some(stack), frames[to]);
                rows[to].push((child, x));
                nodes += 1;
            }
        });
    }
    out
}

/// Functions in topological order of the graph without its back edges
/// (reverse post-order of an iterative depth-first search from the
/// functions nobody calls, then from any left), and which edges are back
/// edges.
fn topo_order(g: &Graph, out_edges: &[Vec<usize>]) -> (Vec<usize>, Vec<bool>) {
    let nf = g.funcs.len();
    let mut called = vec![false; nf];
    for &(from, to) in &g.edges {
        if from != to {
            called[to as usize] = true;
        }
    }
    let starts = (0..nf).filter(|&f| !called[f]).chain((0..nf).filter(|&f| called[f]));
    // 0 unvisited, 1 on the path, 2 done.
    let mut state = vec![0u8; nf];
    let mut back = vec![false; g.edges.len()];
    let mut post = Vec::with_capacity(nf);
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for s in starts {
        if state[s] != 0 {
            continue;
        }
        state[s] = 1;
        stack.push((s, 0));
        while let Some(&mut (f, ref mut i)) = stack.last_mut() {
            if let Some(&k) = out_edges[f].get(*i) {
                *i += 1;
                let to = g.edges[k].1 as usize;
                match state[to] {
                    0 => {
                        state[to] = 1;
                        stack.push((to, 0));
                    }
                    1 => back[k] = true,
                    _ => {}
                }
            } else {
                state[f] = 2;
                post.push(f);
                stack.pop();
            }
        }
    }
    post.reverse();
    (post, back)
}

/// Scales `cols` to sum to `total` (largest remainder), keeping proportions.
fn rescale(cols: &mut [u64], total: u64) {
    let sum: u128 = cols.iter().map(|&c| u128::from(c)).sum();
    if sum == 0 {
        // Nothing to split in proportion: all of it is self cost.
        cols.iter_mut().for_each(|c| *c = 0);
        cols[0] = total;
        return;
    }
    let mut rem: Vec<(u128, usize)> = Vec::with_capacity(cols.len());
    let mut given = 0u64;
    for (i, c) in cols.iter_mut().enumerate() {
        let exact = u128::from(*c) * u128::from(total);
        *c = (exact / sum) as u64;
        given += *c;
        rem.push((exact % sum, i));
    }
    rem.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in rem.iter().take((total - given) as usize) {
        cols[i] += 1;
    }
}

/// Splits rows (budgets) over columns (totals, same sum) in integers: the
/// floor of each proportional share, then the remainders north-west
/// corner first. Calls `emit(row, column, amount)` for every amount > 0.
fn allocate(rows: &[(StackId, u64)], cols: &[u64], mut emit: impl FnMut(usize, usize, u64)) {
    let total: u128 = cols.iter().map(|&c| u128::from(c)).sum();
    if total == 0 {
        return;
    }
    let mut col_left: Vec<u64> = cols.to_vec();
    let mut row_left: Vec<u64> = Vec::with_capacity(rows.len());
    let mut cell: Vec<u64> = vec![0; cols.len()];
    let mut pending: Vec<(usize, usize, u64)> = Vec::new();
    for (r, &(_, budget)) in rows.iter().enumerate() {
        let mut left = budget;
        for (c, &col) in cols.iter().enumerate() {
            let x = (u128::from(budget) * u128::from(col) / total) as u64;
            cell[c] = x;
            left -= x;
            col_left[c] -= x;
        }
        row_left.push(left);
        for (c, &x) in cell.iter().enumerate() {
            if x > 0 {
                pending.push((r, c, x));
            }
        }
    }
    // Remainders: row and column residues have the same sum.
    let (mut r, mut c) = (0usize, 0usize);
    while r < row_left.len() && c < col_left.len() {
        if row_left[r] == 0 {
            r += 1;
            continue;
        }
        if col_left[c] == 0 {
            c += 1;
            continue;
        }
        let x = row_left[r].min(col_left[c]);
        pending.push((r, c, x));
        row_left[r] -= x;
        col_left[c] -= x;
    }
    // Cells of one row and column given in two parts are one amount.
    pending.sort_unstable_by_key(|&(r, c, _)| (r, c));
    let mut i = 0;
    while i < pending.len() {
        let (r, c, mut x) = pending[i];
        i += 1;
        while i < pending.len() && pending[i].0 == r && pending[i].1 == c {
            x += pending[i].2;
            i += 1;
        }
        emit(r, c, x);
    }
}

/// Interns one frame per function: the name, the object as module and the
/// function's file.
pub fn frames(g: &Graph, b: &mut ProfileBuilder) -> Vec<FrameId> {
    g.funcs
        .iter()
        .zip(&g.func_files)
        .map(|(f, &file)| {
            let name = &g.names[f.name as usize];
            let object = &g.names[f.object as usize];
            let file = &g.names[file as usize];
            let kind = if name.starts_with("0x") { FrameKind::Unknown } else { FrameKind::User };
            let module = if object == "???" { "" } else { object.as_str() };
            let file = (file != "???").then_some(file.as_str());
            b.frame(FrameRef { name, module, file, line: None, kind })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_keeps_row_and_column_sums() {
        let rows = [(StackId(0), 7), (StackId(1), 5), (StackId(2), 1)];
        let cols = [4, 6, 3];
        let mut by_row = [0u64; 3];
        let mut by_col = [0u64; 3];
        allocate(&rows, &cols, |r, c, x| {
            by_row[r] += x;
            by_col[c] += x;
        });
        assert_eq!(by_row, [7, 5, 1]);
        assert_eq!(by_col, [4, 6, 3]);
        let mut cols = vec![1, 1, 1];
        rescale(&mut cols, 10);
        assert_eq!(cols.iter().sum::<u64>(), 10);
    }
}
