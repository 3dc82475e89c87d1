//! The per-function table: self and total weight of every function.
//!
//! Total is counted once per sample even when a function recurses (as
//! `go tool pprof -top` counts `cum`): a walk of the call tree keeps, per
//! function, how many times it is on the current path, and adds a node's
//! total only when the function is not already on the path above it. The
//! walk is iterative, so stack depth is no limit.

use super::calltree::{CallTree, FunctionSums};
use super::ids::{FrameId, NodeId};
use super::units::Weight;

/// One function's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionRow {
    /// The function's frame (see [`crate::model::Profile::function`]).
    pub frame: FrameId,
    /// Weight of samples whose leaf is this function.
    pub self_weight: Weight,
    /// Weight of samples with this function anywhere on the stack, once per sample.
    pub total: Weight,
}

/// Every function with non-zero weight, sorted by the size of its self
/// weight (descending; a diff profile's largest changes first, either way, as
/// pprof sorts), then total (descending), then frame id, so the order is
/// deterministic.
#[derive(Clone, Debug, Default)]
pub struct FunctionTable {
    /// The rows, sorted as described.
    pub rows: Vec<FunctionRow>,
    /// Total of the tree the table came from.
    pub total: Weight,
    /// The 100% of percentages: [`CallTree::share_base`].
    pub share_base: Weight,
}

impl FunctionTable {
    /// Builds the table from a top-down `tree` over `frame_count` frames.
    pub fn build(tree: &CallTree, frame_count: usize) -> Self {
        let mut self_w: Vec<Weight> = vec![0; frame_count];
        let mut total: Vec<Weight> = vec![0; frame_count];
        let mut seen = vec![false; frame_count];
        let mut on_path = vec![0u32; frame_count];
        // Iterative DFS: (node, next child offset).
        let mut stack: Vec<(NodeId, u32)> = vec![(tree.root(), 0)];
        while let Some(&mut (id, ref mut next)) = stack.last_mut() {
            let node = tree.node(id);
            if *next == 0
                && let Some(f) = node.frame
            {
                let f = f.index();
                seen[f] = true;
                self_w[f] += node.self_weight;
                if on_path[f] == 0 {
                    total[f] += node.total;
                }
                on_path[f] += 1;
            }
            if *next < node.child_count {
                let child = NodeId(node.first_child + *next);
                *next += 1;
                stack.push((child, 0));
            } else {
                if let Some(f) = node.frame {
                    on_path[f.index()] -= 1;
                }
                stack.pop();
            }
        }
        Self::from_parts(&self_w, &total, &seen, tree)
    }

    /// The table from sums made beside the tree's arena
    /// ([`CallTree::build_with_functions`]): the same rows as
    /// [`FunctionTable::build`] of that tree.
    pub(crate) fn from_sums(sums: FunctionSums, tree: &CallTree) -> Self {
        Self::from_parts(&sums.self_w, &sums.total, &sums.seen, tree)
    }

    fn from_parts(self_w: &[Weight], total: &[Weight], seen: &[bool], tree: &CallTree) -> Self {
        let frame_count = self_w.len();
        let mut rows: Vec<FunctionRow> = (0..frame_count)
            // A function whose weights cancel to 0 (in a diff profile, the same
            // in both) has nothing to show, as pprof leaves it out.
            .filter(|&f| seen[f] && (self_w[f] != 0 || total[f] != 0))
            .map(|f| FunctionRow { frame: FrameId::from_index(f), self_weight: self_w[f], total: total[f] })
            .collect();
        rows.sort_by(|a, b| {
            b.self_weight.abs().cmp(&a.self_weight.abs()).then(b.total.cmp(&a.total)).then(a.frame.cmp(&b.frame))
        });
        Self { rows, total: tree.total(), share_base: tree.share_base }
    }

    /// Running share of the self weights down the rows in `order` (indices
    /// into [`FunctionTable::rows`]; others are skipped and get no share of
    /// their own but repeat the last one): entry `k` is the sum of `|self|`
    /// over `order[..=k]` divided by the sum of `|self|` over every row and
    /// `|no_stack|` (the samples with an empty stack). Without negative
    /// weights that whole is the total, and in self order this is the "20%
    /// of functions take 80%" column; with them (a diff profile) it is the
    /// share of all changes, so it only grows and ends at 100%.
    pub fn cumulative_abs_self(&self, order: &[usize], no_stack: Weight) -> Vec<f64> {
        let whole: Weight = self.rows.iter().map(|r| r.self_weight.abs()).sum::<Weight>() + no_stack.abs();
        let mut acc: Weight = 0;
        order
            .iter()
            .map(|&i| {
                acc += self.rows.get(i).map_or(0, |r| r.self_weight.abs());
                if whole == 0 { 0.0 } else { acc as f64 / whole as f64 }
            })
            .collect()
    }

    /// Cumulative self share down the list as `go tool pprof -top` prints
    /// its `sum%`: entry `i` is the net self weight of rows `0..=i` as a
    /// share of [`FunctionTable::share_base`], unsigned (so in a diff
    /// profile, where gains and losses offset, it can fall).
    pub fn cumulative_self_fraction(&self) -> Vec<f64> {
        let mut acc: Weight = 0;
        self.rows
            .iter()
            .map(|r| {
                acc += r.self_weight;
                // Unsigned, as pprof's sum% (a diff's gains and losses offset).
                if self.share_base == 0 { 0.0 } else { acc.unsigned_abs() as f64 / self.share_base as f64 }
            })
            .collect()
    }
}
