//! A parser's own stack table: the stacks it has sent to the merger, as a
//! prefix tree `(parent, frame)` in local ids.
//!
//! Two indexes over one column of nodes. The node index finds the child
//! `(parent, frame)` of a stack, one lookup per frame; the path index finds a
//! whole sample's stack (root and frames) in one lookup, checked by walking
//! the node column from the leaf, so a stack sampled before costs one hash
//! of its frame ids and a walk through nearby memory instead of a hash
//! lookup per frame. Both indexes hold only ids (4 and 12 bytes a slot).

use std::hash::{BuildHasher, Hasher};

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHasher};

use super::block::NONE;

/// A whole path seen before: its hash, leaf and number of frames.
#[derive(Clone, Copy, Debug)]
struct Path {
    hash: u64,
    leaf: u32,
    len: u32,
}

/// A stack a parser added, in local ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NewStack {
    /// Its parent, `NONE` at a root.
    pub parent: u32,
    pub frame: u32,
    /// The frame is already on the path above it (a recursive call; see
    /// `StackTable::recursion`), known here for free: the sample's frames
    /// are in hand when a stack is added.
    pub recursive: bool,
}

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct LocalStacks {
    /// `(parent or NONE, frame)` of each stack, by local id.
    nodes: Vec<(u32, u32)>,
    /// Per stack, the child last found or added under it (`NONE`: none
    /// yet): a walk down a path that went the same way last time finds each
    /// child here (checked by its frame) instead of through a hash probe
    /// into the index. 4 bytes a stack.
    last_child: Vec<u32>,
    index: HashTable<u32>,
    paths: HashTable<Path>,
    /// For a long walk (past [`LONG_WALK`] frames), the frames on its
    /// path: per local frame id, the number of the last walk that met it
    /// (`walk`), so a new walk needs no clearing.
    on_path: Vec<u32>,
    walk: u32,
}

/// A walk longer than this marks its frames exactly instead of scanning
/// the frames above where the filter hits: a scan per new stack would make
/// a stack of 300 000 distinct frames quadratic (6 s instead of 0.9).
const LONG_WALK: usize = 256;

/// True when `frames` holds `f`: eight at a time, without a branch per
/// frame (a walk asks this only for a new stack whose frame may be above).
fn holds(frames: &[u32], f: u32) -> bool {
    let mut chunks = frames.chunks_exact(8);
    let found = chunks.by_ref().any(|c| c.iter().fold(false, |any, &x| any | (x == f)));
    found || chunks.remainder().contains(&f)
}

fn node_hash(parent: u32, frame: u32) -> u64 {
    FxBuildHasher.hash_one((u64::from(parent) << 32) | u64::from(frame))
}

fn path_hash(root: u32, leaf_first: &[u32]) -> u64 {
    let mut h = FxHasher::default();
    h.write_u32(root);
    for &f in leaf_first {
        h.write_u32(f);
    }
    h.finish()
}

impl LocalStacks {
    /// Number of stacks.
    pub(crate) fn len(&self) -> u32 {
        self.nodes.len() as u32
    }

    /// Marks frame `f` as on the path of the current walk; true when it
    /// was already.
    fn mark(&mut self, f: u32) -> bool {
        let f = f as usize;
        if f >= self.on_path.len() {
            self.on_path.resize(f + 1 + f / 2, 0);
        }
        std::mem::replace(&mut self.on_path[f], self.walk) == self.walk
    }

    /// Starts a walk that marks its frames: none is on its path yet.
    fn new_walk(&mut self) {
        self.walk = self.walk.wrapping_add(1);
        if self.walk == 0 {
            self.on_path.fill(0);
            self.walk = 1;
        }
    }

    /// Forgets every stack (ids start again at 0).
    pub(crate) fn clear(&mut self) {
        self.nodes.clear();
        self.last_child.clear();
        self.index.clear();
        self.paths.clear();
    }

    /// The stack `parent` + `frame`; a new one is pushed to `new` too (not
    /// yet flagged recursive: the caller knows the path).
    fn node(&mut self, parent: u32, frame: u32, new: &mut Vec<NewStack>) -> u32 {
        if let Some(&c) = self.last_child.get(parent as usize)
            && self.nodes.get(c as usize).is_some_and(|&(_, f)| f == frame)
        {
            return c;
        }
        let h = node_hash(parent, frame);
        let nodes = &self.nodes;
        if let Some(&id) = self.index.find(h, |&id| nodes[id as usize] == (parent, frame)) {
            if let Some(last) = self.last_child.get_mut(parent as usize) {
                *last = id;
            }
            return id;
        }
        let id = self.nodes.len() as u32;
        self.nodes.push((parent, frame));
        self.last_child.push(NONE);
        if let Some(last) = self.last_child.get_mut(parent as usize) {
            *last = id;
        }
        new.push(NewStack { parent, frame, recursive: false });
        let nodes = &self.nodes;
        self.index.insert_unique(h, id, |&s| {
            let (p, f) = nodes[s as usize];
            node_hash(p, f)
        });
        id
    }

    /// The stack of frame `root` then `leaf_first` reversed (the sample's
    /// frames, leaf first); new stacks are pushed to `new`, parent first.
    pub(crate) fn path(&mut self, root: u32, leaf_first: &[u32], new: &mut Vec<NewStack>) -> u32 {
        let h = path_hash(root, leaf_first);
        let len = leaf_first.len() as u32;
        let nodes = &self.nodes;
        if let Some(p) =
            self.paths.find(h, |p| p.hash == h && p.len == len && walk_matches(nodes, p.leaf, root, leaf_first))
        {
            return p.leaf;
        }
        // A walk frame by frame. A new stack is recursive when its frame
        // is above it on the path: looked for only where a 128-bit filter
        // of the frames above says it may be, or, on a long walk, marked.
        let long = leaf_first.len() > LONG_WALK;
        if long {
            self.new_walk();
            self.mark(root);
        }
        let mut above: u128 = 1 << (root & 127);
        let mut s = self.node(NONE, root, new);
        for (k, &f) in leaf_first.iter().enumerate().rev() {
            let bit = 1u128 << (f & 127);
            let marked = long && self.mark(f);
            let added = new.len();
            s = self.node(s, f, new);
            if new.len() > added {
                let above_it = || f == root || holds(&leaf_first[k + 1..], f);
                let recursive = if long { marked } else { above & bit != 0 && above_it() };
                if let Some(n) = new.last_mut() {
                    n.recursive = recursive;
                }
            }
            above |= bit;
        }
        self.paths.insert_unique(h, Path { hash: h, leaf: s, len }, |p| p.hash);
        s
    }
}

/// True when stack `leaf` is `root` then `leaf_first` reversed.
fn walk_matches(nodes: &[(u32, u32)], leaf: u32, root: u32, leaf_first: &[u32]) -> bool {
    let mut s = leaf;
    for &f in leaf_first {
        match nodes.get(s as usize) {
            Some(&(parent, frame)) if frame == f && parent != NONE => s = parent,
            _ => return false,
        }
    }
    nodes.get(s as usize) == Some(&(NONE, root))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `new` as `(parent, frame)` pairs.
    fn pairs(new: &[NewStack]) -> Vec<(u32, u32)> {
        new.iter().map(|n| (n.parent, n.frame)).collect()
    }

    #[test]
    fn new_stacks_say_whether_their_frame_is_on_the_path_above() {
        let mut t = LocalStacks::default();
        let mut new = Vec::new();
        // 7 > 1 > 2 > 1 > 7 > 3 (leaf first below), then 7 > 1 > 2 > 3.
        t.path(7, &[3, 7, 1, 2, 1], &mut new);
        let flags: Vec<bool> = new.iter().map(|n| n.recursive).collect();
        assert_eq!(flags, [false, false, false, true, true, false]);
        new.clear();
        t.path(7, &[3, 2, 1], &mut new);
        assert_eq!(new, [NewStack { parent: 2, frame: 3, recursive: false }]);
        // Frame ids past the filter's 128 bits, and two that share a bit
        // (1 and 129) without being one frame.
        new.clear();
        t.path(700, &[700, 65], &mut new);
        assert_eq!(new.iter().map(|n| n.recursive).collect::<Vec<_>>(), [false, false, true]);
        new.clear();
        t.path(7, &[129, 1], &mut new);
        assert_eq!(new, [NewStack { parent: 1, frame: 129, recursive: false }]);
        // A deep path: the frame 20 levels up, past the chunks of eight.
        new.clear();
        let deep: Vec<u32> = [5].into_iter().chain(200..230).chain([5]).collect();
        t.path(9, &deep, &mut new);
        let flags: Vec<bool> = new.iter().map(|n| n.recursive).collect();
        assert_eq!(flags.len(), 33);
        assert_eq!(flags.iter().filter(|&&r| r).count(), 1);
        assert!(flags[32]);
        // A walk past LONG_WALK frames marks them: the same flags.
        new.clear();
        let long: Vec<u32> = [7].into_iter().chain(1000..1600).chain([1100, 7]).collect();
        t.path(8, &long, &mut new);
        let flags: Vec<bool> = new.iter().map(|n| n.recursive).collect();
        assert_eq!(flags.len(), 604);
        assert_eq!(flags.iter().filter(|&&r| r).count(), 2);
        assert!(flags[3 + (1599 - 1100)] && flags[603]);
    }

    #[test]
    fn paths_share_prefixes_and_match_exactly() {
        let mut t = LocalStacks::default();
        let mut new = Vec::new();
        let a = t.path(7, &[3, 2, 1], &mut new);
        assert_eq!(pairs(&new), [(NONE, 7), (0, 1), (1, 2), (2, 3)]);
        new.clear();
        assert_eq!(t.path(7, &[3, 2, 1], &mut new), a);
        assert!(new.is_empty());
        let b = t.path(7, &[4, 2, 1], &mut new);
        assert_eq!(pairs(&new), [(2, 4)]);
        assert_ne!(a, b);
        // A prefix of a known path, and another root.
        new.clear();
        assert_eq!(t.path(7, &[2, 1], &mut new), 2);
        assert!(new.is_empty());
        assert_eq!(t.path(8, &[], &mut new), 5);
        assert_eq!(t.path(7, &[], &mut new), 0);
        assert_eq!(t.len(), 6);
        t.clear();
        assert_eq!(t.path(8, &[], &mut new), 0);
    }
}
