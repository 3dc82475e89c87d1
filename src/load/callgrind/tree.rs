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
//!
//! In a cycle (a strongly connected component), a call's inclusive cost
//! holds the calls that come back round the cycle, whose costs the
//! functions already open count in their own self cost and calls: adding
//! both counted the same instructions twice (a 479 M Ir recording loaded
//! as 504 M). So the self cost and the calls that leave the cycle are
//! never scaled; the calls that stay in it get what the callers give
//! beyond those, and what the callers give beyond what a function spends
//! is dropped. A function of a cycle its callers give too little (it is
//! called back from later functions of the cycle) takes the rest under the
//! cycle's first function. Every function's self cost, so the total, is
//! the file's; inclusive costs are the file's outside cycles and for the
//! functions above them, and estimated inside.
//!
//! Source lines ([`LineIndex`]): an occurrence is a parent stack, and its
//! frames carry lines. Its self part is split over the function's lines in
//! proportion to their self costs, and a call's part over the call's sites
//! (the caller's frame at the call's line is the callee's parent), with the
//! same matrix rounding across all occurrences. So every line's self cost,
//! and every call site's inclusive cost, is the file's exactly, and a
//! function's lines sum to its self cost; cost the file gives no line
//! (line 0) stays on the function's frame without a line.

use crate::model::frame::FrameRef;
use crate::model::{FrameId, FrameKind, MetricId, ProfileBuilder, StackId, ThreadId};

use super::parse::{Graph, Sites};

/// Most cells the proportional split of [`allocate`] computes; past it the
/// split is by the north-west-corner rule alone (sums still exact, each
/// row's share no longer in proportion), so a function with many
/// occurrences and many lines costs linear time.
const MAX_CELLS: usize = 1 << 22;

/// The source lines of the graph: per function its self-cost lines, per
/// call edge its call sites, each with the frame (function at that file
/// and line) that stands for it.
#[derive(Debug, Default)]
pub struct LineIndex {
    func_sites: Vec<Vec<u32>>,
    edge_sites: Vec<Vec<u32>>,
    self_frames: Vec<FrameId>,
    call_frames: Vec<FrameId>,
}

impl LineIndex {
    /// Interns a frame per site of `g` (the function's frame with the
    /// site's file and line).
    pub fn new(g: &Graph, b: &mut ProfileBuilder) -> Self {
        let owners = |sites: &Sites, n: usize| {
            let mut by: Vec<Vec<u32>> = vec![Vec::new(); n];
            for (i, &(owner, _, _)) in sites.keys.iter().enumerate() {
                by[owner as usize].push(i as u32);
            }
            by
        };
        // The frame keeps the function's own file (the one its plain frame
        // has), so a function's frames are one function in every view; a
        // line in another file (`fi=`/`fe=`) names that file apart.
        let frame = |b: &mut ProfileBuilder, f: u32, file: u32, line: u32| {
            let (name, module, kind) = function_parts(g, f as usize);
            let own = g.func_files[f as usize];
            let known = |id: u32| Some(g.names[id as usize].as_str()).filter(|n| *n != "???");
            let line_file = if file == own { None } else { Some(known(file).unwrap_or("???")) };
            b.frame_with_line_file(FrameRef { name, module, file: known(own), line: Some(line), kind }, line_file)
        };
        let self_frames = g.self_sites.keys.iter().map(|&(f, file, line)| frame(b, f, file, line)).collect();
        let call_frames =
            g.call_sites.keys.iter().map(|&(e, file, line)| frame(b, g.edges[e as usize].0, file, line)).collect();
        Self {
            func_sites: owners(&g.self_sites, g.funcs.len()),
            edge_sites: owners(&g.call_sites, g.edges.len()),
            self_frames,
            call_frames,
        }
    }

    /// The parts of `total` (function `f`'s self cost, or edge `edge`'s
    /// inclusive cost, of event `e`) by line: (frame, cost), the cost with
    /// no line on `lineless`.
    fn parts(&self, g: &Graph, e: usize, of: Owner, total: u64, lineless: FrameId, out: &mut Vec<(FrameId, u64)>) {
        out.clear();
        let n = g.events.len();
        let (ids, sites, frames) = match of {
            Owner::Func(f) => (self.func_sites.get(f), &g.self_sites, &self.self_frames),
            Owner::Edge(k) => (self.edge_sites.get(k), &g.call_sites, &self.call_frames),
        };
        let mut lined = 0u64;
        for &i in ids.into_iter().flatten() {
            let c = sites.cost[i as usize * n + e];
            if c > 0 {
                out.push((frames[i as usize], c));
                lined = lined.saturating_add(c);
            }
        }
        if total > lined || out.is_empty() {
            out.push((lineless, total.saturating_sub(lined)));
        }
    }
}

#[derive(Clone, Copy)]
enum Owner {
    Func(usize),
    Edge(usize),
}

/// Most nodes unfolded per event; past it, calls are not unfolded further
/// and their cost stays in the caller's self cost (with a warning).
pub const MAX_NODES: usize = 2_000_000;

/// What unfolding one event did that the numbers do not show.
#[derive(Debug, Default)]
pub struct Unfolded {
    /// Functions whose callers' costs did not add up to what they spent
    /// (a cycle through them, or an inconsistent file): their calls in the cycle or their callers' parts are scaled.
    pub scaled: u64,
    /// Of those, functions in no cycle: their callers' calls to them cost
    /// more than they spend, which only an inconsistent file records.
    pub inconsistent: u64,
    /// Cost units left in callers' self cost because the node cap was reached.
    pub truncated: u64,
    /// Call edges cut because they close a cycle.
    pub cut: u64,
}

/// Adds the samples of event `e` (metric `m`) to `b`: one per node with a
/// self cost.
pub fn unfold(
    g: &Graph,
    (e, m): (usize, MetricId),
    frames: &[FrameId],
    lines: &LineIndex,
    thread: Option<ThreadId>,
    b: &mut ProfileBuilder,
) -> Unfolded {
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
    let comp = components(g, &order);
    let mut comp_size = vec![0u32; nf];
    for &c in &comp {
        comp_size[c as usize] += 1;
    }
    // Per cycle, the occurrences of its first function: (stack, budget).
    let mut heads: Vec<Vec<(StackId, u64)>> = vec![Vec::new(); nf];
    let mut head_seen = vec![false; nf];
    let cost = |k: usize| g.edge_cost[k * n_ev + e];
    // What the callers give each function (their parts of the calls,
    // capped or not); a function is a root for what they do not cover.
    let mut expected = vec![0u64; nf];
    // Per function, its occurrences: (parent stack, budget).
    let mut rows: Vec<Vec<(Option<StackId>, u64)>> = vec![Vec::new(); nf];
    let mut nodes = 0usize;
    let mut cols: Vec<u64> = Vec::new();
    let mut col_edge: Vec<usize> = Vec::new();
    let mut inner: Vec<usize> = Vec::new();
    let mut inner_costs: Vec<u64> = Vec::new();
    let mut cells: Vec<(usize, usize, u64)> = Vec::new();
    let mut parts: Vec<(FrameId, u64)> = Vec::new();
    let mut part_costs: Vec<u64> = Vec::new();
    let mut budgets: Vec<u64> = Vec::new();
    let mut cell_rows: Vec<usize> = Vec::new();
    for &f in &order {
        let self_cost = g.self_cost[f * n_ev + e];
        cols.clear();
        col_edge.clear();
        inner.clear();
        cols.push(self_cost);
        for &k in &out_edges[f] {
            if !back[k] && cost(k) > 0 {
                if comp[g.edges[k].1 as usize] == comp[f] {
                    inner.push(cols.len());
                }
                cols.push(cost(k));
                col_edge.push(k);
            }
        }
        // In a cycle, a call's inclusive cost holds the recursive calls
        // back into the functions already open, whose costs those
        // functions count already (their self cost is all their calls').
        // Calls that stay in the cycle get what the callers give beyond
        // the self cost and the calls leaving the cycle, which are exact.
        let sum = |v: &[u64]| v.iter().fold(0u64, |a, &c| a.saturating_add(c));
        let inner_sum = inner.iter().fold(0u64, |a, &i| a.saturating_add(cols[i]));
        let fixed = sum(&cols).saturating_sub(inner_sum);
        let mut adjusted = false;
        if inner_sum > 0 && expected[f] > 0 && fixed.saturating_add(inner_sum) > expected[f] {
            inner_costs.clear();
            inner_costs.extend(inner.iter().map(|&i| cols[i]));
            rescale(&mut inner_costs, expected[f].saturating_sub(fixed));
            for (&i, &c) in inner.iter().zip(&inner_costs) {
                cols[i] = c;
            }
            adjusted = true;
        }
        let spent = sum(&cols);
        let mut my_rows = std::mem::take(&mut rows[f]);
        let c = comp[f] as usize;
        if spent > expected[f] {
            let missing = spent - expected[f];
            if comp_size[c] > 1 && !heads[c].is_empty() {
                // Called back from later functions of its cycle (calls cut
                // here): under the cycle's first function, not a root.
                budgets.clear();
                budgets.extend(heads[c].iter().map(|&(_, w)| w));
                rescale(&mut budgets, missing);
                my_rows.extend(heads[c].iter().zip(&budgets).filter(|p| *p.1 > 0).map(|(&(s, _), &x)| (Some(s), x)));
            } else if comp_size[c] > 1 && !my_rows.is_empty() {
                // The cycle's first function, called back from the
                // cycle too: its occurrences hold that as well.
                budgets.clear();
                budgets.extend(my_rows.iter().map(|&(_, r)| r));
                let total = budgets.iter().fold(0u64, |a, &r| a.saturating_add(r));
                rescale(&mut budgets, total.saturating_add(missing));
                for (row, &r) in my_rows.iter_mut().zip(&budgets) {
                    row.1 = r;
                }
            } else {
                my_rows.push((None, missing));
            }
        }
        let mut budget: u64 = my_rows.iter().fold(0u64, |a, &(_, r)| a.saturating_add(r));
        if budget == 0 {
            continue;
        }
        if budget > spent {
            // The callers' parts count recursive calls again: keep what
            // the function spends.
            budgets.clear();
            budgets.extend(my_rows.iter().map(|&(_, r)| r));
            rescale(&mut budgets, spent);
            for (row, &r) in my_rows.iter_mut().zip(&budgets) {
                row.1 = r;
            }
            my_rows.retain(|&(_, r)| r > 0);
            budget = spent;
            adjusted = true;
        } else if budget < spent {
            // Callers past the node cap: their parts stayed with them.
            rescale(&mut cols, budget);
        }
        if adjusted {
            out.scaled += 1;
            out.inconsistent += u64::from(comp_size[c] == 1);
        }
        if comp_size[c] > 1 && !head_seen[c] {
            head_seen[c] = true;
            heads[c] = my_rows.iter().map(|&(parent, r)| (b.stack(parent, frames[f]), r)).collect();
        }
        let capped = nodes >= MAX_NODES;
        // First the occurrences' parts of the self cost and of each call,
        // then each column's parts over its lines.
        budgets.clear();
        budgets.extend(my_rows.iter().map(|&(_, r)| r));
        cells.clear();
        allocate(&budgets, &cols, |row, col, x| cells.push((col, row, x)));
        cells.sort_unstable_by_key(|&(col, row, _)| (col, row));
        let mut i = 0;
        while i < cells.len() {
            let col = cells[i].0;
            let j = i + cells[i..].iter().take_while(|c| c.0 == col).count();
            let owner = if col == 0 { Owner::Func(f) } else { Owner::Edge(col_edge[col - 1]) };
            let full = if col == 0 { self_cost } else { cost(col_edge[col - 1]) };
            lines.parts(g, e, owner, full, frames[f], &mut parts);
            budgets.clear();
            cell_rows.clear();
            for &(_, row, x) in &cells[i..j] {
                budgets.push(x);
                cell_rows.push(row);
            }
            part_costs.clear();
            part_costs.extend(parts.iter().map(|p| p.1));
            let given: u64 = budgets.iter().fold(0u64, |a, &x| a.saturating_add(x));
            if given != full {
                rescale(&mut part_costs, given);
            }
            allocate(&budgets, &part_costs, |r, p, x| {
                let stack = b.stack(my_rows[cell_rows[r]].0, parts[p].0);
                if col != 0 {
                    let to = g.edges[col_edge[col - 1]].1 as usize;
                    expected[to] = expected[to].saturating_add(x);
                    if !capped {
                        rows[to].push((Some(stack), x));
                        nodes += 1;
                        return;
                    }
                    out.truncated = out.truncated.saturating_add(x);
                }
                b.add_sample_for(Some(stack), m, i128::from(x), None, thread);
            });
            i = j;
        }
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

/// The strongly connected component of each function (a cycle of calls,
/// or the function alone), by Kosaraju's second pass: `order` is a reverse
/// post-order of the graph, so a search over the callers from each
/// function in turn, through functions not yet assigned, finds exactly
/// its component.
fn components(g: &Graph, order: &[usize]) -> Vec<u32> {
    let nf = g.funcs.len();
    let mut callers: Vec<Vec<u32>> = vec![Vec::new(); nf];
    for &(from, to) in &g.edges {
        if from != to {
            callers[to as usize].push(from);
        }
    }
    let mut comp = vec![u32::MAX; nf];
    let mut todo: Vec<usize> = Vec::new();
    for (c, &f) in order.iter().enumerate() {
        if comp[f] != u32::MAX {
            continue;
        }
        comp[f] = c as u32;
        todo.push(f);
        while let Some(x) = todo.pop() {
            for &p in &callers[x] {
                if comp[p as usize] == u32::MAX {
                    comp[p as usize] = c as u32;
                    todo.push(p as usize);
                }
            }
        }
    }
    comp
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
/// corner first (for more than [`MAX_CELLS`] cells, north-west corner
/// only). Calls `emit(row, column, amount)` for every amount > 0, in
/// (row, column) order.
fn allocate(rows: &[u64], cols: &[u64], mut emit: impl FnMut(usize, usize, u64)) {
    let total: u128 = cols.iter().map(|&c| u128::from(c)).sum();
    if total == 0 {
        return;
    }
    let proportional = rows.len().saturating_mul(cols.len()) <= MAX_CELLS;
    let mut col_left: Vec<u64> = cols.to_vec();
    let mut row_left: Vec<u64> = Vec::with_capacity(rows.len());
    let mut cell: Vec<u64> = vec![0; cols.len()];
    let mut pending: Vec<(usize, usize, u64)> = Vec::new();
    for (r, &budget) in rows.iter().enumerate() {
        let mut left = budget;
        if !proportional {
            row_left.push(left);
            continue;
        }
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
/// function's file, without a line. (Interned before any frame with a
/// line, so it is the one views show for the function.)
pub fn frames(g: &Graph, b: &mut ProfileBuilder) -> Vec<FrameId> {
    (0..g.funcs.len())
        .map(|f| {
            let (name, module, kind) = function_parts(g, f);
            let file = &g.names[g.func_files[f] as usize];
            let file = (file != "???").then_some(file.as_str());
            b.frame(FrameRef { name, module, file, line: None, kind })
        })
        .collect()
}

/// A function's name, module (its object, empty when unknown) and kind.
fn function_parts(g: &Graph, f: usize) -> (&str, &str, FrameKind) {
    let key = &g.funcs[f];
    let name = g.names[key.name as usize].as_str();
    let object = g.names[key.object as usize].as_str();
    let kind = if name.starts_with("0x") { FrameKind::Unknown } else { FrameKind::User };
    (name, if object == "???" { "" } else { object }, kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_keeps_row_and_column_sums() {
        let rows = [7, 5, 1];
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
