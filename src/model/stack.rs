//! The stack table: every distinct stack once, as a prefix tree.
//!
//! Representation (after fxprof-processed-profile's `stack_table.rs`): a stack
//! is `(parent stack, frame)`, where the frame is the leaf and the parent is
//! the stack of its callers (`None` at a root). Identical stacks share one id,
//! so memory grows with unique stacks, never with samples: a million samples
//! of the same 40-frame stack cost 40 entries. A parent's index is always
//! below its child's, because a child can only be interned after its parent.
//! That order lets every consumer aggregate with one reverse pass over the
//! table instead of recursion, so a 100 000-frame stack cannot overflow the
//! call stack. The price: walking a stack from root to leaf needs a reversal
//! (see [`StackTable::frames_root_first`]).
//!
//! The `(parent, frame) -> id` index only serves [`StackTable::intern`]. A
//! table made whole by [`StackTable::from_parts`] (a transform's output,
//! rebuilt in one pass without hashing) has none until something interns
//! into it; the first `intern` then builds it.

use std::hash::BuildHasher;
use std::sync::OnceLock;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use super::ids::{FrameId, StackId};

/// A stack's parent as the table stores it: a [`StackId`], or none at a
/// root, in 4 bytes (an `Option<StackId>` takes 8, and the parent column is
/// a third of a perf script load's stack memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct Parent(u32);

impl Parent {
    /// No parent: the stack is a root.
    pub const ROOT: Parent = Parent(u32::MAX);

    /// The parent stack, `None` at a root.
    #[inline]
    pub fn get(self) -> Option<StackId> {
        (self != Self::ROOT).then_some(StackId(self.0))
    }
}

impl From<Option<StackId>> for Parent {
    #[inline]
    fn from(p: Option<StackId>) -> Self {
        p.map_or(Self::ROOT, |p| Parent(p.0))
    }
}

/// The prefix tree of stacks. See the module docs for the representation.
#[derive(Clone, Debug, Default)]
pub struct StackTable {
    parents: Vec<Parent>,
    frames: Vec<FrameId>,
    /// Every stack's id, found by the hash of its `(parent, frame)` key and
    /// compared against the columns above: 4 bytes a stack (5 with
    /// hashbrown's control byte) instead of 17 for a map that stores the
    /// key beside the id, which was two thirds of a folded load's peak
    /// memory (benches/memory.sh).
    index: HashTable<StackId>,
    /// Per stack, whether its frame is already on the path above it (see
    /// [`StackTable::recursion`]): made on first use, or handed over by the
    /// loader; dropped when a stack is added.
    recursion: OnceLock<Vec<bool>>,
}

fn key(parent: Parent, frame: FrameId) -> u64 {
    (u64::from(parent.0) << 32) | u64::from(frame.0)
}

impl StackTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// A table from its columns: `parents[i]` and `frames[i]` of stack `i`,
    /// every parent's index below its child's, and no `(parent, frame)`
    /// twice (the caller's promise; a transform pass keeps both). `None`
    /// when the columns differ in length or a parent is not below its child.
    pub fn from_parts(parents: Vec<Parent>, frames: Vec<FrameId>) -> Option<Self> {
        if parents.len() != frames.len()
            || parents.iter().enumerate().any(|(i, p)| p.get().is_some_and(|p| p.index() >= i))
        {
            return None;
        }
        Some(Self { parents, frames, index: HashTable::new(), recursion: OnceLock::new() })
    }

    /// The stack `parent` + `frame`, adding it if it is new.
    pub fn intern(&mut self, parent: Option<StackId>, frame: FrameId) -> StackId {
        if self.index.len() != self.frames.len() {
            // A table from `from_parts`: index it once.
            self.index.clear();
            let (parents, frames) = (&self.parents, &self.frames);
            let rehash = |&id: &StackId| FxBuildHasher.hash_one(key(parents[id.index()], frames[id.index()]));
            self.index.reserve(frames.len(), rehash);
            for (i, (&p, &f)) in parents.iter().zip(frames).enumerate() {
                self.index.insert_unique(FxBuildHasher.hash_one(key(p, f)), StackId::from_index(i), rehash);
            }
        }
        let parent = Parent::from(parent);
        let hash = FxBuildHasher.hash_one(key(parent, frame));
        let (parents, frames) = (&self.parents, &self.frames);
        let same = |&id: &StackId| frames[id.index()] == frame && parents[id.index()] == parent;
        if let Some(&id) = self.index.find(hash, same) {
            return id;
        }
        self.add(parent, frame, hash)
    }

    /// Appends the stack `parent` + `frame` (not in the table; `hash` its
    /// key's) to the columns and the index.
    fn add(&mut self, parent: Parent, frame: FrameId, hash: u64) -> StackId {
        let id = StackId::from_index(self.frames.len());
        if self.recursion.get().is_some() {
            self.forget_recursion();
        }
        self.parents.push(parent);
        self.frames.push(frame);
        let (parents, frames) = (&self.parents, &self.frames);
        let rehash = |&id: &StackId| FxBuildHasher.hash_one(key(parents[id.index()], frames[id.index()]));
        self.index.insert_unique(hash, id, rehash);
        id
    }

    /// Drops the recursion column (a stack is being added), out of the
    /// interning path's way.
    #[cold]
    #[inline(never)]
    fn forget_recursion(&mut self) {
        self.recursion.take();
    }

    /// The new stack `parent` + `frame`, without looking it up: for a
    /// caller that knows it is not in the table, because `parent` was added
    /// in the same pass and has no child with this frame yet (a loader
    /// copying a prefix tree of its own, whose siblings have distinct
    /// frames). Saves the lookup's cache miss; the index is kept whole.
    pub fn push_new(&mut self, parent: StackId, frame: FrameId) -> StackId {
        if self.index.len() != self.frames.len() {
            return self.intern(Some(parent), frame);
        }
        let parent = Parent::from(Some(parent));
        let hash = FxBuildHasher.hash_one(key(parent, frame));
        debug_assert!(
            self.index
                .find(hash, |&id| self.frames[id.index()] == frame && self.parents[id.index()] == parent)
                .is_none(),
            "push_new of a stack already in the table"
        );
        self.add(parent, frame, hash)
    }

    /// Interns a whole stack given root first; `None` for an empty slice.
    pub fn intern_path(&mut self, frames_root_first: &[FrameId]) -> Option<StackId> {
        let mut s = None;
        for &f in frames_root_first {
            s = Some(self.intern(s, f));
        }
        s
    }

    /// The stack's callers, `None` at a root.
    #[inline]
    pub fn parent(&self, id: StackId) -> Option<StackId> {
        self.parents[id.index()].get()
    }

    /// The stack's leaf frame.
    #[inline]
    pub fn frame(&self, id: StackId) -> FrameId {
        self.frames[id.index()]
    }

    /// Depth of the leaf: 0 for a root. Walks to the root (a column of
    /// depths would cost 4 bytes a stack for this rare question); for every
    /// stack's depth use [`StackTable::max_depth`]'s one pass.
    pub fn depth(&self, id: StackId) -> u32 {
        let mut d = 0;
        let mut s = self.parent(id);
        while let Some(p) = s {
            d += 1;
            s = self.parent(p);
        }
        d
    }

    /// The depth of the deepest stack (0 for a root), `None` when the table
    /// is empty: one forward pass, as a parent comes before its children.
    pub fn max_depth(&self) -> Option<u32> {
        let mut depths: Vec<u32> = Vec::with_capacity(self.parents.len());
        for p in &self.parents {
            let d = p.get().map_or(0, |p| depths[p.index()] + 1);
            depths.push(d);
        }
        depths.into_iter().max()
    }

    /// Number of distinct stacks (prefix-tree nodes).
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The frames of stack `id`, root first, into `out` (cleared first).
    pub fn frames_root_first(&self, id: StackId, out: &mut Vec<FrameId>) {
        out.clear();
        let mut s = Some(id);
        while let Some(cur) = s {
            out.push(self.frames[cur.index()]);
            s = self.parents[cur.index()].get();
        }
        out.reverse();
    }

    /// Parents of every stack, in id order (parent index below child index).
    pub fn parents(&self) -> &[Parent] {
        &self.parents
    }

    /// The parent and frame columns, for a caller done with the table.
    pub fn into_parts(self) -> (Vec<Parent>, Vec<FrameId>) {
        (self.parents, self.frames)
    }

    /// Leaf frames of every stack, in id order.
    pub fn frames(&self) -> &[FrameId] {
        &self.frames
    }

    /// Per stack, in id order, whether its frame is already on the path
    /// above it: a recursive call, whose total its function has counted
    /// at the outermost call. Made once, on first use (one pass over the
    /// table, see `stack::recursion`), unless the loader handed it over.
    pub fn recursion(&self) -> &[bool] {
        self.recursion.get_or_init(|| recursion::recursion(&self.parents, &self.frames))
    }

    /// True when the recursion column is made or was handed over.
    #[cfg(test)]
    pub(crate) fn recursion_is_known(&self) -> bool {
        self.recursion.get().is_some()
    }

    /// Hands over the [`Self::recursion`] column, for a loader that knew
    /// it as it added each stack; ignored unless it has a flag per stack.
    pub fn set_recursion(&mut self, flags: Vec<bool>) {
        if flags.len() == self.frames.len() {
            self.recursion = OnceLock::from(flags);
        }
    }
}

mod recursion;
pub(crate) use recursion::recursion as recursion_of;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_prefixes_and_handles_deep_stacks() {
        let mut t = StackTable::new();
        let a = t.intern_path(&[FrameId(0), FrameId(1), FrameId(2)]);
        let b = t.intern_path(&[FrameId(0), FrameId(1), FrameId(3)]);
        assert_eq!(t.len(), 4);
        assert_eq!(t.parent(a.unwrap_or(StackId(0))), t.parent(b.unwrap_or(StackId(0))));
        let deep: Vec<FrameId> = (0..100_000).map(|i| FrameId(i % 7)).collect();
        let d = t.intern_path(&deep).unwrap_or(StackId(0));
        assert_eq!(t.depth(d), 99_999);
        assert_eq!(t.max_depth(), Some(99_999));
        let mut out = Vec::new();
        t.frames_root_first(d, &mut out);
        assert_eq!(out, deep);
    }

    #[test]
    fn a_table_from_parts_interns_as_the_original() {
        let mut t = StackTable::new();
        let a = t.intern_path(&[FrameId(0), FrameId(1), FrameId(2)]);
        let mut u = StackTable::from_parts(t.parents().to_vec(), t.frames().to_vec()).unwrap_or_default();
        assert_eq!(u.depth(StackId(2)), 2);
        assert_eq!(u.intern_path(&[FrameId(0), FrameId(1), FrameId(2)]), a);
        assert_eq!(u.intern_path(&[FrameId(0), FrameId(3)]), Some(StackId(3)));
        assert!(StackTable::from_parts(vec![Parent::from(Some(StackId(0)))], vec![FrameId(0)]).is_none());
    }
}
