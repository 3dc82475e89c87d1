//! Events to samples: events of one type, stack and thread that start in
//! the same time bucket become one sample with their weights summed and
//! the earliest start as its time.
//!
//! A busy recording holds millions of events (a 255 MB one, 7.2 million)
//! and the model stores one weight per metric per sample, so one sample
//! per event cost 2.3 GB and ten seconds there. Buckets are the
//! recording's span over [`BUCKETS`], rounded up to a power of two ns
//! (at least 1 µs): about as fine as a timeline can draw (a 4 s recording
//! has 1 ms buckets, a 95 s one 34 ms), so totals, stacks, threads and the
//! timeline are what they were, while samples shrink to what the timeline
//! can show.
//!
//! Each chunk is accumulated on its own ([`ChunkAcc`], keyed by the
//! chunk's own pool keys, so chunks can be read on several threads while
//! the rest of the file is still being read), in buckets of the span it
//! guesses for the recording; the keys are resolved to model stacks and
//! threads afterwards, once per distinct key, and [`coarsen`] merges a
//! chunk that guessed too fine into the recording's buckets. Buckets are
//! powers of two ns counted from the epoch.

use rustc_hash::FxHashMap;

use super::events::SPECS;
use crate::model::{LabelSetId, MetricId, ProfileBuilder, StackId, ThreadId, Weight};

/// At most this many buckets over the recording's span.
pub const BUCKETS: i64 = 4_096;

/// Bucket width for a recording spanning `start_ns..end_ns`, as a power of
/// two (a shift, not a division per event): the smallest of at least 1 µs
/// (2^10 ns) that covers the span in [`BUCKETS`].
pub fn bucket_shift(start_ns: i64, end_ns: i64) -> u32 {
    let span = end_ns.saturating_sub(start_ns).max(0) as u64;
    let width = span.div_ceil(BUCKETS as u64).max(1 << 10);
    width.next_power_of_two().trailing_zeros().min(62)
}

/// What one chunk's events are grouped by: the event type (index into
/// [`SPECS`]), the chunk's stack trace and thread keys, and the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawKey {
    /// Index into [`SPECS`].
    pub spec: u8,
    /// Stack trace pool key (0 = none).
    pub stack: i64,
    /// Thread pool key (0 = none).
    pub thread: i64,
    bucket: i64,
}

/// Summed weights of one sample.
#[derive(Debug, Clone, Copy)]
pub struct Acc {
    /// The metric's weight.
    pub weight: Weight,
    /// The bytes metric's weight (I/O).
    pub bytes: Weight,
    /// Earliest start, ns since the epoch.
    pub first_ns: i64,
}

/// One chunk's accumulated events.
#[derive(Debug)]
pub struct ChunkAcc {
    shift: u32,
    map: FxHashMap<RawKey, usize>,
    rows: Vec<(RawKey, Acc)>,
    /// Per spec, the key added last and its row: a thread's buffer holds
    /// runs of its events, each type mostly on the stack it had last.
    last: [Option<(RawKey, usize)>; SPECS.len()],
    /// Events per spec.
    pub events: [u64; SPECS.len()],
}

impl ChunkAcc {
    /// Buckets of `2^shift` ns from the epoch; room for about `rows` samples.
    pub fn new(shift: u32, rows: usize) -> Self {
        let mut map = FxHashMap::default();
        map.reserve(rows);
        Self { shift, map, rows: Vec::with_capacity(rows), last: [None; SPECS.len()], events: [0; SPECS.len()] }
    }

    /// Adds one event of spec `spec`.
    #[inline]
    pub fn add(&mut self, spec: usize, stack: i64, thread: i64, time_ns: i64, weight: i64, bytes: i64) {
        let key = RawKey { spec: spec as u8, stack, thread, bucket: time_ns >> self.shift };
        self.events[spec] += 1;
        let i = match self.last[spec] {
            Some((k, i)) if k == key => i,
            _ => {
                let n = self.rows.len();
                let i = *self.map.entry(key).or_insert(n);
                if i == n {
                    self.rows.push((key, Acc { weight: 0, bytes: 0, first_ns: time_ns }));
                }
                self.last[spec] = Some((key, i));
                i
            }
        };
        let a = &mut self.rows[i].1;
        a.weight += Weight::from(weight);
        a.bytes += Weight::from(bytes);
        a.first_ns = a.first_ns.min(time_ns);
    }

    /// The accumulated samples.
    pub fn into_rows(self) -> Vec<(RawKey, Acc)> {
        self.rows
    }
}

/// A chunk's samples in buckets of `2^from` ns merged into the wider ones
/// of `2^to` ns (a bucket lies inside exactly one wider one: both count
/// from the epoch); as they are when `to` is not wider.
pub fn coarsen(rows: Vec<(RawKey, Acc)>, from: u32, to: u32) -> Vec<(RawKey, Acc)> {
    if to <= from {
        return rows;
    }
    let by = to - from;
    let mut map: FxHashMap<RawKey, usize> = FxHashMap::default();
    let mut out: Vec<(RawKey, Acc)> = Vec::with_capacity(rows.len());
    for (mut k, a) in rows {
        k.bucket >>= by;
        let n = out.len();
        let i = *map.entry(k).or_insert(n);
        if i == n {
            out.push((k, a));
        } else {
            let o = &mut out[i].1;
            o.weight += a.weight;
            o.bytes += a.bytes;
            o.first_ns = o.first_ns.min(a.first_ns);
        }
    }
    out
}

/// One resolved sample.
pub type Row = (u8, Option<StackId>, Option<ThreadId>, Acc);

/// Adds the metrics of the specs with events (`events`, per spec; in
/// [`SPECS`] order, the first the default) and the samples, ordered by
/// time.
pub fn finish(mut rows: Vec<Row>, events: &[u64], b: &mut ProfileBuilder) {
    let mut metrics: Vec<Option<(MetricId, Option<MetricId>)>> = Vec::with_capacity(SPECS.len());
    for (s, &n) in SPECS.iter().zip(events) {
        if n == 0 {
            metrics.push(None);
            continue;
        }
        let m = b.add_metric(s.name, s.unit.unit());
        let bytes = s.bytes.map(|f| b.add_metric(&format!("{}.{f}", s.name), crate::model::Unit::Bytes));
        metrics.push(Some((m, bytes)));
    }
    if let Some((m, _)) = metrics.iter().flatten().next() {
        b.set_default_metric(*m);
    }
    rows.sort_unstable_by_key(|(spec, stack, thread, a)| (a.first_ns, *spec, *thread, *stack));
    b.reserve_samples(rows.len());
    let mut weights: Vec<Weight> = vec![0; b.metric_count()];
    for (spec, stack, thread, a) in rows {
        let Some(Some((m, bm))) = metrics.get(usize::from(spec)) else { continue };
        weights.fill(0);
        weights[m.index()] = a.weight;
        if let Some(bm) = bm {
            weights[bm.index()] = a.bytes;
        }
        b.add_sample(stack, &weights, u64::try_from(a.first_ns).ok(), thread, LabelSetId(0));
    }
}
