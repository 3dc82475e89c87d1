//! The merged tree's nodes, numbered without being written out.
//!
//! Node 0 is the root. Nodes `1..before` are the before side's kept
//! stacks in its stack order (node `i` is slot `i` when every stack is
//! kept, the rule); the nodes after them are the after side's kept stacks
//! that the before side does not have, in the after side's stack order.
//! So every parent comes before its children, and a node is its two
//! sides' slots: what it weighs is in the sides' columns, its function and
//! parent in the sides' own stack tables ([`SideStacks`]). Writing each
//! node out (function, parent, depth and both slots: 20 bytes) cost a
//! third of the comparison on two deep perf scripts (1.9 million nodes, 37
//! MB of fresh pages); what is kept instead is the after slot of each
//! before node and the after slot of each node the after side adds.

use std::sync::Arc;

use super::merge::{FunctionTrie, NONE, SideInput, SideTree};
use crate::model::{FrameId, Parent, Profile};

/// How a side's slots read as stacks: the profile's stack table, or the
/// side's stacks interned again by function ([`FunctionTrie`]).
#[derive(Clone, Debug, Default)]
pub(super) struct SideStacks {
    pub(super) profile: Option<Arc<Profile>>,
    pub(super) trie: Option<FunctionTrie>,
    /// The function of every frame of the profile (unused with a trie,
    /// whose frames are functions).
    pub(super) fids: Vec<u32>,
}

impl SideStacks {
    fn columns(&self) -> (&[Parent], &[FrameId]) {
        match (&self.trie, &self.profile) {
            (Some(t), _) => (&t.parents, &t.frames),
            (None, Some(p)) => (p.stacks.parents(), p.stacks.frames()),
            (None, None) => (&[], &[]),
        }
    }

    /// The function and parent slot of slot `slot` (not the root's).
    pub(super) fn stack(&self, slot: u32) -> (u32, u32) {
        let (parents, frames) = self.columns();
        let s = slot as usize - 1;
        let (Some(parent), Some(frame)) = (parents.get(s), frames.get(s)) else { return (NONE, 0) };
        let function = if self.trie.is_some() {
            frame.index() as u32
        } else {
            self.fids.get(frame.index()).copied().unwrap_or(NONE)
        };
        (function, parent.get().map_or(0, |p| p.index() as u32 + 1))
    }
}

/// The merged nodes as their sides' slots (see the module docs).
#[derive(Clone, Debug, Default)]
pub(super) struct Nodes {
    /// Number of nodes from the before side, the root included.
    pub(super) before: u32,
    /// The before slot of each of those nodes; empty when node `i` is
    /// slot `i` (every stack kept).
    before_slot: Vec<u32>,
    /// The after slot of each of those nodes (`NONE`: the after side has
    /// no such path).
    after_of_before: Vec<u32>,
    /// The after slot of each node past them.
    after_only: Vec<u32>,
}

impl Nodes {
    /// Number of nodes.
    pub(super) fn len(&self) -> usize {
        self.before as usize + self.after_only.len()
    }

    /// Node `i`'s slot on each side (`NONE` where a side has none).
    #[inline]
    pub(super) fn slots(&self, i: u32) -> [u32; 2] {
        if i < self.before {
            let b = if self.before_slot.is_empty() { i } else { self.before_slot[i as usize] };
            [b, self.after_of_before.get(i as usize).copied().unwrap_or(NONE)]
        } else {
            [NONE, self.after_only.get((i - self.before) as usize).copied().unwrap_or(NONE)]
        }
    }
}

/// Numbers the before side's kept stacks (its slot-to-node map too, when
/// not every stack is kept), then each kept stack of the after side in its
/// stack order: the node of its path on the before side, found from its
/// parent's node by a binary search in that node's before slot's sorted
/// children, or a node of its own.
pub(super) fn number(
    (before, keep): (&mut SideTree, &[bool]),
    after_input: SideInput<'_>,
    (after, after_keep): (&mut SideTree, &[bool]),
) -> Nodes {
    let kept = keep.iter().filter(|&&k| k).count();
    let mut before_slot = Vec::new();
    if kept < keep.len() {
        let mut node = vec![NONE; keep.len() + 1];
        node[0] = 0;
        before_slot.reserve(kept + 1);
        before_slot.push(0);
        for (s, _) in keep.iter().enumerate().filter(|(_, k)| **k) {
            node[s + 1] = before_slot.len() as u32;
            before_slot.push(s as u32 + 1);
        }
        before.node = node;
    }
    let count = kept as u32 + 1;
    let n = after_input.len().min(after_keep.len());
    let after_of_before = vec![NONE; count as usize];
    let mut nodes = Nodes { before: count, before_slot, after_of_before, after_only: Vec::with_capacity(n) };
    nodes.after_of_before[0] = 0;
    let mut node = vec![NONE; n + 1];
    node[0] = 0;
    for s in (0..n).filter(|&s| after_keep[s]) {
        let parent = node[after_input.parent_slot(s)];
        let found = if parent < count {
            // A node of the before side: its child of this function, if any.
            let rank = u64::from(after_input.rank[after_input.function(s) as usize]);
            let list = before.shape.children(nodes.slots(parent)[0]);
            list.binary_search_by_key(&rank, |k| k >> 32).ok().map(|i| before.node_of(list[i] as u32 as usize + 1))
        } else {
            None
        };
        node[s + 1] = match found {
            Some(id) => {
                nodes.after_of_before[id as usize] = s as u32 + 1;
                id
            }
            None => {
                nodes.after_only.push(s as u32 + 1);
                count + nodes.after_only.len() as u32 - 1
            }
        };
    }
    after.node = node;
    nodes
}
