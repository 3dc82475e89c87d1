//! The node buffers of dropped call trees, kept for the next build.
//!
//! A tree of a million nodes is 32 MB of nodes and two weight columns of
//! 16 MB (totals and self weights per stack). Fresh from the operating
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

use super::ArenaNode;
use crate::model::units::Weight;

/// Buffers kept at most, of each kind.
const KEEP: usize = 2;
/// Weight columns kept at most: a tree holds two (totals, self weights),
/// three with negative weights.
const KEEP_COLUMNS: usize = 6;
/// Bytes kept at most, over every buffer of a kind (two trees of 1.6
/// million nodes or stacks).
const KEEP_BYTES: usize = 256 << 20;
/// Largest spare buffer prepared ahead ([`prepare`]): memory the process
/// holds for a tree not yet built, so less than what dropped trees may
/// leave (a tree of 1.6 million nodes; bigger ones pay for fresh pages on
/// their first rebuild).
const SPARE_BYTES: usize = 128 << 20;
/// Buffers smaller than this are not worth keeping.
const MIN_BYTES: usize = 1 << 20;

/// The kept buffers of one element type.
struct Pool<T: 'static> {
    buffers: Mutex<Vec<Vec<T>>>,
    keep: usize,
}

static NODES: Pool<ArenaNode> = Pool { buffers: Mutex::new(Vec::new()), keep: KEEP };
static COLUMNS: Pool<Weight> = Pool { buffers: Mutex::new(Vec::new()), keep: KEEP_COLUMNS };

fn bytes<T>(v: &Vec<T>) -> usize {
    v.capacity() * std::mem::size_of::<T>()
}

/// Whether a kept buffer of capacity `cap` serves `len`: large enough, and
/// not more than four times so (a small tree does not hold a big tree's memory).
fn fits(cap: usize, len: usize) -> bool {
    cap >= len && cap / 4 <= len
}

impl<T: Clone + Default> Pool<T> {
    /// An empty buffer with room for `len` elements: the smallest kept one
    /// that fits, else a new one.
    fn take(&self, len: usize) -> Vec<T> {
        if len * std::mem::size_of::<T>() >= MIN_BYTES
            && let Ok(mut pool) = self.buffers.lock()
        {
            let best =
                pool.iter().enumerate().filter(|(_, v)| fits(v.capacity(), len)).min_by_key(|(_, v)| v.capacity());
            if let Some((i, _)) = best {
                return pool.swap_remove(i);
            }
        }
        Vec::with_capacity(len)
    }

    /// Keeps a dropped buffer (emptied) if the bounds allow.
    fn give(&self, mut v: Vec<T>) {
        if bytes(&v) < MIN_BYTES {
            return;
        }
        v.clear();
        let Ok(mut pool) = self.buffers.lock() else { return };
        pool.push(v);
        // Over a bound: free the smallest buffers first.
        pool.sort_by_key(|v| std::cmp::Reverse(v.capacity()));
        while pool.len() > self.keep || pool.iter().map(bytes).sum::<usize>() > KEEP_BYTES {
            pool.pop();
        }
    }

    /// Makes sure `count` buffers for `len` elements are kept, their pages
    /// already touched.
    fn prepare(&self, len: usize, count: usize) {
        let size = len.saturating_mul(std::mem::size_of::<T>());
        if !(MIN_BYTES..=SPARE_BYTES).contains(&size) {
            return;
        }
        let have = self.buffers.lock().map_or(count, |pool| pool.iter().filter(|v| fits(v.capacity(), len)).count());
        for _ in have..count {
            let mut v = Vec::with_capacity(len);
            v.resize(len, T::default());
            self.give(v);
        }
    }
}

/// An empty node buffer with room for `len` nodes.
pub(super) fn take(len: usize) -> Vec<ArenaNode> {
    NODES.take(len)
}

/// Keeps the node buffer of a dropped tree.
pub(super) fn give(nodes: Vec<ArenaNode>) {
    NODES.give(nodes);
}

/// An empty weight column with room for `len` stacks.
pub(super) fn take_column(len: usize) -> Vec<Weight> {
    COLUMNS.take(len)
}

/// Keeps a weight column of a dropped tree.
pub(super) fn give_column(column: Vec<Weight>) {
    COLUMNS.give(column);
}

/// Makes sure a node buffer for `nodes` nodes and the two weight columns
/// of a tree over `stacks` stacks are kept, their pages touched: a no-op
/// for what is already kept, or would not be.
pub(super) fn prepare(nodes: usize, stacks: usize) {
    NODES.prepare(nodes, 1);
    COLUMNS.prepare(stacks, 2);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spare_buffer_is_prepared_reused_and_the_pool_stays_bounded() {
        // Big enough to be kept; the other unit tests' trees are far smaller,
        // so they never reach the pool.
        let len = 80_000;
        prepare(len, 0);
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
        let pool = NODES.buffers.lock().map(|p| p.len()).unwrap_or(0);
        assert!(pool <= KEEP, "{pool} buffers kept");
        give(again);
    }
}
