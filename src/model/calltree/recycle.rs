//! The node buffers of dropped call trees, kept for the next build.
//!
//! A tree of a million nodes is 80 MB of nodes. Fresh from the operating
//! system, every page of it faults on its first write, which on these
//! machines costs about ten times writing it (0.4 ms per MB: a third of
//! rebuilding the tree after a transform). The window drops the tree it
//! showed once the next one is drawn, so the buffer of the tree before is
//! handed to the build after: the pages are already there.
//!
//! The first rebuild after a file opens has no dropped tree to take from
//! (the tree on screen is still alive), so the load's worker, once the tab
//! has its views, prepares a spare buffer of the tree's size ([`prepare`]):
//! the pages are touched there, while the person reads the first picture.
//!
//! Bounded: at most [`KEEP`] buffers and [`KEEP_BYTES`] in all (a buffer
//! that would pass either is freed as before), and a spare of at most
//! [`SPARE_BYTES`].

use std::sync::Mutex;

use super::CallTreeNode;

/// Buffers kept at most.
const KEEP: usize = 2;
/// Bytes kept at most, over every buffer (two trees of 1.6 million nodes).
const KEEP_BYTES: usize = 256 << 20;
/// Largest spare buffer prepared ahead ([`prepare`]): memory the process
/// holds for a tree not yet built, so less than what dropped trees may
/// leave (a tree of 1.6 million nodes; bigger ones pay for fresh pages on
/// their first rebuild).
const SPARE_BYTES: usize = 128 << 20;
/// Buffers smaller than this are not worth keeping.
const MIN_BYTES: usize = 1 << 20;

static POOL: Mutex<Vec<Vec<CallTreeNode>>> = Mutex::new(Vec::new());

fn bytes(v: &Vec<CallTreeNode>) -> usize {
    v.capacity() * std::mem::size_of::<CallTreeNode>()
}

/// An empty buffer with room for `len` nodes: the smallest kept one that
/// is large enough but not more than four times so (a small tree does not
/// hold a big tree's memory), else a new one.
pub(super) fn take(len: usize) -> Vec<CallTreeNode> {
    if len * std::mem::size_of::<CallTreeNode>() >= MIN_BYTES
        && let Ok(mut pool) = POOL.lock()
    {
        let fits = |v: &Vec<CallTreeNode>| v.capacity() >= len && v.capacity() / 4 <= len;
        let best = pool.iter().enumerate().filter(|(_, v)| fits(v)).min_by_key(|(_, v)| v.capacity());
        if let Some((i, _)) = best {
            return pool.swap_remove(i);
        }
    }
    Vec::with_capacity(len)
}

/// Keeps the buffer of a dropped tree (emptied) if the bounds allow.
pub(super) fn give(mut nodes: Vec<CallTreeNode>) {
    if bytes(&nodes) < MIN_BYTES {
        return;
    }
    nodes.clear();
    let Ok(mut pool) = POOL.lock() else { return };
    pool.push(nodes);
    // Over a bound: free the smallest buffers first.
    pool.sort_by_key(|v| std::cmp::Reverse(v.capacity()));
    while pool.len() > KEEP || pool.iter().map(bytes).sum::<usize>() > KEEP_BYTES {
        pool.pop();
    }
}

/// Makes sure a buffer for `len` nodes is kept, its pages already touched:
/// a no-op when one is, or when it would not be kept.
pub(super) fn prepare(len: usize) {
    let bytes = len.saturating_mul(std::mem::size_of::<CallTreeNode>());
    if !(MIN_BYTES..=SPARE_BYTES).contains(&bytes) {
        return;
    }
    if POOL.lock().is_ok_and(|pool| pool.iter().any(|v| v.capacity() >= len && v.capacity() / 4 <= len)) {
        return;
    }
    let mut v = Vec::with_capacity(len);
    v.resize(len, CallTreeNode::default());
    give(v);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spare_buffer_is_prepared_reused_and_the_pool_stays_bounded() {
        // Big enough to be kept; the other unit tests' trees are far smaller,
        // so they never reach the pool.
        let len = 80_000;
        prepare(len);
        let v = take(len);
        assert!(v.capacity() >= len && v.is_empty());
        let cap = v.capacity();
        give(v);
        // The same buffer comes back: no new allocation.
        let again = take(len);
        assert_eq!(again.capacity(), cap);
        // A tree a quarter of the buffer's size or less gets a buffer of its own.
        assert!(take(cap / 4 - 1).capacity() < cap);
        // Too small to keep: neither taken from nor given to the pool.
        let small = take(10);
        assert!(small.capacity() < len);
        give(small);
        for _ in 0..4 {
            give(Vec::with_capacity(len));
        }
        let pool = POOL.lock().map(|p| p.len()).unwrap_or(0);
        assert!(pool <= KEEP, "{pool} buffers kept");
        give(again);
    }
}
