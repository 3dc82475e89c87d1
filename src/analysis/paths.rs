//! The hottest path and search matches over a [`CallTree`].

use crate::model::{CallTree, NodeId, Profile, Weight};

/// The hottest path: from the root, always the child with the largest total
/// (by size: in a diff profile, the largest change either way)
/// (the first in name order on ties), down to a leaf. Returns the nodes below
/// the root, outermost first. This is where a flamegraph's widest tower goes.
pub fn hottest_path(tree: &CallTree) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut cur = tree.root();
    loop {
        let mut best: Option<(NodeId, Weight)> = None;
        for c in tree.children(cur) {
            // By size: in a diff profile the largest change, either way.
            let t = tree.node(c).total.abs();
            if best.is_none_or(|(_, bt)| t > bt) {
                best = Some((c, t));
            }
        }
        match best {
            Some((c, t)) if t > 0 => {
                out.push(c);
                cur = c;
            }
            _ => return out,
        }
    }
}

/// Which nodes' functions match `query` (case-insensitive substring of the
/// name), and the weight of the samples with at least one match on their
/// stack, counted once per sample (a match below a match adds nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchResult {
    /// For each node of the tree, whether its function matches.
    pub matches: Vec<bool>,
    /// Weight of samples through any matching node, once per sample.
    pub matched_weight: Weight,
    /// Number of matching nodes.
    pub matched_nodes: usize,
}

/// Searches `tree` for `query` (see [`SearchResult`]). An empty query matches nothing.
pub fn search(profile: &Profile, tree: &CallTree, query: &str) -> SearchResult {
    let q = query.to_lowercase();
    let mut res = SearchResult { matches: vec![false; tree.len()], ..SearchResult::default() };
    if q.is_empty() {
        return res;
    }
    let mut frame_match: Vec<Option<bool>> = vec![None; profile.frames.len()];
    // `covered[i]`: node i or an ancestor matches. Parents precede children
    // in the arena, so one forward pass suffices.
    let mut covered = vec![false; tree.len()];
    for i in 1..tree.len() {
        let node = tree.node(NodeId::from_index(i));
        let Some(f) = node.frame else { continue };
        let m = *frame_match[f.index()].get_or_insert_with(|| profile.frames.name(f).to_lowercase().contains(&q));
        let parent_covered = node.parent.is_some_and(|p| covered[p.index()]);
        if m {
            res.matches[i] = true;
            res.matched_nodes += 1;
            if !parent_covered {
                res.matched_weight += node.total;
            }
        }
        covered[i] = m || parent_covered;
    }
    res
}
