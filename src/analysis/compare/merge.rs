//! The merged tree, built in passes over each side's stack table in its own
//! order: no hash lookup per node and no depth-first walk of either side.
//!
//! Each side is read as a prefix tree by function path: the profile's
//! stack table itself when no two of its frames are one function (then no
//! two sibling stacks are), else the stacks interned again by function
//! ([`function_trie`], rare: frames per line or address). Per side, on a
//! thread of its own ([`SideTree::fold`]):
//!
//! 1. each stack's own weight and, in one reverse pass, its subtree total
//!    and whether anything below it weighs (`keep`);
//! 2. each function's self weight and total, counted at its outermost call
//!    on a path (the table's half of the comparison): the call tree's
//!    function sums, in the same pass (a function's total is added where
//!    the stack table's recursion column says it is not already above,
//!    `StackTable::recursion`);
//! 3. the kept children of every stack, sorted by function rank (a counting
//!    sort on the parent, then each short list sorted).
//!
//! Then the merged nodes (`compare::nodes`): the kept stacks of the
//! before side in their own order, then one forward pass over the after
//! side that finds each stack's node under its parent's node through the
//! before side's sorted children (a binary search in a short list), and
//! numbers a node where the before side has none. A merged node's children
//! are not copied: they are the merge-join of its two sides' sorted
//! children ([`Children`]), read only for the boxes a view draws.
//!
//! Why: the stack table is interned path by path, so a chain of single
//! children (most of a deep profile) sits front to back in it. Passes in
//! stack order read and write every column front to back, where a
//! depth-first walk in name order (the layout before) jumped at every
//! branch, a cache miss in each of its columns, and wrote a copy of each
//! side's tree (on two deep perf scripts, 1.9 million merged nodes: the
//! build took 0.105 s, of which 0.06 s was that walk).

use super::SideWeight;
use crate::analysis::diff::SlotWeights;
use crate::model::{FrameId, Parent, StackId, StackTable, Weight};

/// No node, stack or slot.
pub(super) const NONE: u32 = u32::MAX;

/// A weight column's element: 64 bits when the side's weights in absolute
/// value sum to at most `i64::MAX` (then no own weight or subtree total
/// can overflow it; the rule), else 128. Half the memory for the rule.
pub(super) trait Column: Copy + Default + PartialEq + std::ops::Add<Output = Self> {
    /// As a weight.
    fn weight(self) -> Weight;
}

impl Column for i64 {
    fn weight(self) -> Weight {
        Weight::from(self)
    }
}

impl Column for i128 {
    fn weight(self) -> Weight {
        self
    }
}

/// Own weight and subtree total by slot (0 the root, `s + 1` stack `s`).
#[derive(Clone, Debug, Default)]
pub(super) struct Columns<W> {
    own: Vec<W>,
    total: Vec<W>,
}

/// One side's weights by slot: what the merged nodes point at.
#[derive(Clone, Debug)]
pub(super) enum SideWeights {
    /// 64-bit columns (see [`Column`]).
    Narrow(Columns<i64>),
    /// 128-bit columns.
    Wide(Columns<i128>),
}

impl Default for SideWeights {
    fn default() -> Self {
        Self::Narrow(Columns::default())
    }
}

impl SideWeights {
    /// Slot `i`'s weight; nothing for `NONE` (no node on this side).
    pub(super) fn weight(&self, i: u32) -> SideWeight {
        fn read<W: Column>(c: &Columns<W>, i: u32) -> SideWeight {
            match (c.own.get(i as usize), c.total.get(i as usize)) {
                (Some(&own), Some(&total)) => SideWeight { self_weight: own.weight(), total: total.weight() },
                _ => SideWeight::default(),
            }
        }
        match self {
            Self::Narrow(c) => read(c, i),
            Self::Wide(c) => read(c, i),
        }
    }

    /// True when no own weight is below 0.
    pub(super) fn non_negative(&self) -> bool {
        match self {
            Self::Narrow(c) => c.own.iter().all(|&w| w >= 0),
            Self::Wide(c) => c.own.iter().all(|&w| w >= 0),
        }
    }
}

/// What one side is folded from: a prefix tree by function path.
#[derive(Clone, Copy)]
pub(super) struct SideInput<'a> {
    /// Parent of every stack (below it).
    pub(super) parents: &'a [Parent],
    /// Frame of every stack.
    pub(super) frames: &'a [FrameId],
    /// The function of every frame.
    pub(super) fids: &'a [u32],
    /// The sort position of every function.
    pub(super) rank: &'a [u32],
    /// Whether each stack's function is already on the path above it
    /// (`StackTable::recursion`).
    pub(super) recursion: &'a [bool],
}

impl SideInput<'_> {
    pub(super) fn len(&self) -> usize {
        self.parents.len().min(self.frames.len()).min(self.recursion.len())
    }

    #[inline]
    pub(super) fn function(&self, s: usize) -> u32 {
        self.fids[self.frames[s].index()]
    }

    /// Slot of stack `s`'s parent (0 at a root).
    #[inline]
    pub(super) fn parent_slot(&self, s: usize) -> usize {
        self.parents[s].get().map_or(0, |p| p.index() + 1)
    }
}

/// A side's stacks interned again by function path, for a side where two
/// frames are one function (so two sibling stacks can be): parents,
/// frames (a function id as the frame id), own weights by slot and the
/// recursion column, with the identity as the frames' functions. `None`
/// when the stack table already is one (every function has one frame).
#[derive(Clone, Debug)]
pub(super) struct FunctionTrie {
    pub(super) parents: Vec<Parent>,
    pub(super) frames: Vec<FrameId>,
    pub(super) fids: Vec<u32>,
    pub(super) recursion: Vec<bool>,
}

/// See [`FunctionTrie`]; `own` (by slot) becomes the trie's.
pub(super) fn function_trie(
    parents: &[Parent],
    frames: &[FrameId],
    fids: &[u32],
    own: &mut SlotWeights,
    functions: usize,
) -> Option<FunctionTrie> {
    let mut seen = vec![false; functions];
    if fids.iter().all(|&f| !std::mem::replace(&mut seen[f as usize], true)) {
        return None;
    }
    let n = parents.len().min(frames.len()).min(own.len().saturating_sub(1));
    let mut table = StackTable::new();
    let mut node: Vec<StackId> = Vec::with_capacity(n);
    // Slot by slot; sums of the stacks' weights stay within their
    // magnitude, so a 64-bit column stays one.
    let mut slot_of: Vec<usize> = Vec::with_capacity(n);
    for s in 0..n {
        let parent = parents[s].get().map(|p| node[p.index()]);
        let id = table.intern(parent, FrameId::from_index(fids[frames[s].index()] as usize));
        node.push(id);
        slot_of.push(id.index() + 1);
    }
    let slots = table.len() + 1;
    *own = match own {
        SlotWeights::Narrow(w) => SlotWeights::Narrow(regroup(w, &slot_of, slots)),
        SlotWeights::Wide(w) => SlotWeights::Wide(regroup(w, &slot_of, slots)),
    };
    let (parents, frames) = table.into_parts();
    let recursion = crate::model::stack::recursion_of(&parents, &frames);
    Some(FunctionTrie { parents, frames, fids: (0..functions as u32).collect(), recursion })
}

/// Weights by slot summed into new slots (`slot_of[s]` for stack `s`'s
/// slot `s + 1`; the root's slot stays 0).
fn regroup<W: Copy + Default + std::ops::AddAssign>(w: &[W], slot_of: &[usize], slots: usize) -> Vec<W> {
    let mut out = vec![W::default(); slots];
    if let Some(&root) = w.first() {
        out[0] = root;
    }
    for (s, &q) in slot_of.iter().enumerate() {
        out[q] += w[s + 1];
    }
    out
}

/// The kept children of every slot, sorted by function rank:
/// `keys[start[q]..start[q + 1]]`, each `rank << 32 | stack`.
#[derive(Clone, Debug, Default)]
pub(super) struct Shape {
    start: Vec<u32>,
    keys: Vec<u64>,
}

impl Shape {
    pub(super) fn children(&self, slot: u32) -> &[u64] {
        let q = slot as usize;
        match (self.start.get(q), self.start.get(q + 1)) {
            (Some(&a), Some(&b)) => &self.keys[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// One side as the comparison keeps it: weights, sorted children and the
/// merged node of every slot.
#[derive(Clone, Debug, Default)]
pub(super) struct SideTree {
    pub(super) weights: SideWeights,
    pub(super) shape: Shape,
    /// Merged node of every slot; `NONE` for a stack not kept; empty when
    /// slot `i` is node `i` (every stack kept, on the before side).
    pub(super) node: Vec<u32>,
}

impl SideTree {
    /// The merged node of slot `i`.
    #[inline]
    pub(super) fn node_of(&self, i: usize) -> u32 {
        if self.node.is_empty() { i as u32 } else { self.node.get(i).copied().unwrap_or(NONE) }
    }
}

/// A side folded: the tree, which stacks are kept, and each function's weights.
pub(super) struct Folded {
    pub(super) tree: SideTree,
    pub(super) keep: Vec<bool>,
    pub(super) functions: Vec<SideWeight>,
    /// Depth of the deepest kept stack (1 for a root; 0 when none is
    /// kept), with the sorted children.
    pub(super) max_depth: u32,
}

impl SideTree {
    /// Folds one side (see the module docs) from its own weight by slot;
    /// with `shape`, also the sorted children the merge needs (the table
    /// alone does not).
    pub(super) fn fold(input: SideInput<'_>, own: SlotWeights, functions: usize, shape: bool) -> Folded {
        match own {
            SlotWeights::Narrow(own) => Self::fold_in::<i64>(input, own, functions, shape, SideWeights::Narrow),
            SlotWeights::Wide(own) => Self::fold_in::<i128>(input, own, functions, shape, SideWeights::Wide),
        }
    }

    fn fold_in<W: Column>(
        input: SideInput<'_>,
        own: Vec<W>,
        functions: usize,
        shape: bool,
        wrap: fn(Columns<W>) -> SideWeights,
    ) -> Folded {
        let (c, keep, f, counts) = fold_pass::<W>(input, own, functions, shape);
        let (shape, max_depth) = if shape {
            (sorted_children(input, &keep, counts), max_kept_depth(input, &keep))
        } else {
            Default::default()
        };
        Folded { tree: SideTree { weights: wrap(c), shape, node: Vec::new() }, keep, functions: f, max_depth }
    }
}

/// One reverse pass over the stacks (children before their parent, so a
/// stack's subtree is summed when the pass reaches it): each slot's
/// subtree total, which stacks are kept (they or a stack below them carry
/// weight), each function's self weight and total (the total where the
/// function is not already above, `input.recursion`: once per sample
/// however often it recurses), and with `count`, each slot's number of
/// kept children (at `counts[slot + 1]`, for [`sorted_children`]).
fn fold_pass<W: Column>(
    input: SideInput<'_>,
    mut own: Vec<W>,
    functions: usize,
    count: bool,
) -> (Columns<W>, Vec<bool>, Vec<SideWeight>, Vec<u32>) {
    let n = input.len();
    own.resize(n + 1, W::default());
    let mut total = own.clone();
    let mut keep = vec![false; n];
    let mut by_function = vec![SideWeight::default(); functions];
    let mut counts = if count { vec![0u32; n + 2] } else { Vec::new() };
    for s in (0..n).rev() {
        let q = input.parent_slot(s);
        let t = total[s + 1];
        total[q] = total[q] + t;
        if !keep[s] && own[s + 1] == W::default() {
            continue;
        }
        keep[s] = true;
        if q > 0 {
            keep[q - 1] = true;
        }
        if let Some(c) = counts.get_mut(q + 1) {
            *c += 1;
        }
        if let Some(w) = by_function.get_mut(input.function(s) as usize) {
            w.self_weight += own[s + 1].weight();
            if !input.recursion[s] {
                w.total += t.weight();
            }
        }
    }
    (Columns { own, total }, keep, by_function, counts)
}

/// The kept children of every slot, sorted by function rank, from their
/// number per slot (`start[slot + 1]`, [`fold_pass`]).
fn sorted_children(input: SideInput<'_>, keep: &[bool], mut start: Vec<u32>) -> Shape {
    let n = input.len();
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    // `start[q]` serves as q's fill cursor, which leaves it at q's end,
    // the start of q + 1: one shift back.
    let mut keys = vec![0u64; start[n + 1] as usize];
    for s in (0..n).filter(|&s| keep[s]) {
        let q = input.parent_slot(s);
        keys[start[q] as usize] = u64::from(input.rank[input.function(s) as usize]) << 32 | s as u64;
        start[q] += 1;
    }
    start.copy_within(0..=n, 1);
    start[0] = 0;
    for q in 0..=n {
        let list = &mut keys[start[q] as usize..start[q + 1] as usize];
        if list.len() > 1 {
            list.sort_unstable();
        }
    }
    Shape { start, keys }
}

/// The depth of the deepest kept stack (1 for a root): one forward pass,
/// a parent's depth known before its children's.
fn max_kept_depth(input: SideInput<'_>, keep: &[bool]) -> u32 {
    let n = input.len();
    let mut depth: Vec<u32> = Vec::with_capacity(n);
    let mut deepest = 0;
    for (parent, &kept) in input.parents[..n].iter().zip(keep) {
        let d = parent.get().map_or(1, |p| depth[p.index()] + 1);
        depth.push(d);
        if kept {
            deepest = deepest.max(d);
        }
    }
    deepest
}

/// A merged node's children in name order: the merge-join of its two
/// sides' sorted children.
#[derive(Clone, Debug)]
pub struct Children<'a> {
    before: &'a [u64],
    after: &'a [u64],
    sides: &'a [SideTree; 2],
}

impl<'a> Children<'a> {
    pub(super) fn new(sides: &'a [SideTree; 2], slots: [u32; 2]) -> Self {
        let list = |i: usize| if slots[i] == NONE { &[][..] } else { sides[i].shape.children(slots[i]) };
        Self { before: list(0), after: list(1), sides }
    }
}

impl Iterator for Children<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let node = |side: &SideTree, key: u64| side.node_of(key as u32 as usize + 1);
        let (b, a) = (self.before.first().copied(), self.after.first().copied());
        let before_first = match (b, a) {
            (None, None) => return None,
            (Some(b), Some(a)) => b >> 32 <= a >> 32,
            (b, _) => b.is_some(),
        };
        if before_first {
            let b = b?;
            // The same function on both sides: one node.
            if a.is_some_and(|a| a >> 32 == b >> 32) {
                self.after = &self.after[1..];
            }
            self.before = &self.before[1..];
            Some(node(&self.sides[0], b))
        } else {
            let a = a?;
            self.after = &self.after[1..];
            Some(node(&self.sides[1], a))
        }
    }
}
