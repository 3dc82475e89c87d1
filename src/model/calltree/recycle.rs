//! The node buffers of dropped call trees, kept for the next build.
//!
//! A tree of a million nodes is 80 MB of nodes. Fresh from the operating
//! system, every page of it faults on its first write, which on these
//! machines costs about ten times writing it (0.4 ms per MB: a third of
//! rebuilding the tree after a transform). The window drops the tree it
//! showed once the next one is drawn, so the buffer of the tree before is
//! handed to the build after: the pages are already there.
//!
//! Bounded: at most [`KEEP`] buffers and [`KEEP_BYTES`] in all; a buffer
//! that would pass either is freed as before.

use std::sync::Mutex;

use super::CallTreeNode;

/// Buffers kept at most.
const KEEP: usize = 2;
/// Bytes kept at most, over every buffer.
const KEEP_BYTES: usize = 512 << 20;
/// Buffers smaller than this are not worth keeping.
const MIN_BYTES: usize = 1 << 20;

static POOL: Mutex<Vec<Vec<CallTreeNode>>> = Mutex::new(Vec::new());

fn bytes(v: &Vec<CallTreeNode>) -> usize {
    v.capacity() * std::mem::size_of::<CallTreeNode>()
}

/// An empty buffer with room for `len` nodes: the smallest kept one that
/// is large enough, else a new one.
pub(super) fn take(len: usize) -> Vec<CallTreeNode> {
    if len * std::mem::size_of::<CallTreeNode>() >= MIN_BYTES
        && let Ok(mut pool) = POOL.lock()
    {
        let best = pool.iter().enumerate().filter(|(_, v)| v.capacity() >= len).min_by_key(|(_, v)| v.capacity());
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
