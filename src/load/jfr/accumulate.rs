//! Events to samples: events of one type, stack and thread that start in
//! the same time bucket become one sample with their weights summed and
//! the earliest start as its time.
//!
//! A busy recording holds millions of events (a 255 MB one, 7.2 million)
//! and the model stores one weight per metric per sample, so one sample
//! per event cost 2.3 GB and ten seconds there. Buckets are the
//! recording's span over [`BUCKETS`] (at least 1 µs): finer than any
//! timeline can draw (a 4 s recording has 244 µs buckets, a 95 s one 5.8
//! ms), so totals, stacks, threads and the timeline are what they were,
//! while samples shrink to what the timeline can show.

use rustc_hash::FxHashMap;

use super::events::SPECS;
use crate::model::{LabelSetId, MetricId, ProfileBuilder, StackId, ThreadId, Weight};

/// Buckets over the recording's span.
pub const BUCKETS: i64 = 16_384;

/// No stack or thread in a key.
const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    spec: u8,
    stack: u32,
    thread: u32,
    bucket: i64,
}

#[derive(Debug, Clone, Copy)]
struct Acc {
    weight: Weight,
    bytes: Weight,
    first_ns: i64,
    events: u64,
}

/// The accumulated samples of a load.
#[derive(Debug)]
pub struct Accumulator {
    origin_ns: i64,
    width_ns: i64,
    map: FxHashMap<Key, usize>,
    accs: Vec<(Key, Acc)>,
    /// Per spec, the key added last and its index: a thread's buffer holds
    /// runs of its events, each type mostly on the stack it had last.
    last: [Option<(Key, usize)>; SPECS.len()],
    /// Events per spec.
    pub events: [u64; SPECS.len()],
}

impl Accumulator {
    /// Buckets over `start_ns..end_ns`.
    pub fn new(start_ns: i64, end_ns: i64) -> Self {
        let span = end_ns.saturating_sub(start_ns).max(0);
        Self { origin_ns: start_ns, width_ns: (span / BUCKETS).max(1_000), map: FxHashMap::default(), accs: Vec::new(), last: [None; SPECS.len()], events: [0; SPECS.len()] }
    }

    /// Bucket width in ns.
    pub fn width_ns(&self) -> i64 {
        self.width_ns
    }

    /// Adds one event of spec `spec`.
    #[inline]
    pub fn add(&mut self, spec: usize, stack: Option<StackId>, thread: Option<ThreadId>, time_ns: i64, weight: i64, bytes: i64) {
        let key = Key {
            spec: spec as u8,
            stack: stack.map_or(NONE, |s| s.0),
            thread: thread.map_or(NONE, |t| t.0),
            bucket: time_ns.saturating_sub(self.origin_ns).div_euclid(self.width_ns),
        };
        self.events[spec] += 1;
        let i = match self.last[spec] {
            Some((k, i)) if k == key => i,
            _ => {
                let n = self.accs.len();
                let i = *self.map.entry(key).or_insert(n);
                if i == n {
                    self.accs.push((key, Acc { weight: 0, bytes: 0, first_ns: time_ns, events: 0 }));
                }
                self.last[spec] = Some((key, i));
                i
            }
        };
        let a = &mut self.accs[i].1;
        a.weight += Weight::from(weight);
        a.bytes += Weight::from(bytes);
        a.first_ns = a.first_ns.min(time_ns);
        a.events += 1;
    }

    /// Number of samples so far.
    pub fn samples(&self) -> usize {
        self.accs.len()
    }

    /// Adds the metrics of the specs with events (in [`SPECS`] order, the
    /// CPU samples the default) and the samples, ordered by time.
    pub fn finish(self, b: &mut ProfileBuilder) {
        let mut metrics: Vec<Option<(MetricId, Option<MetricId>)>> = Vec::with_capacity(SPECS.len());
        for (i, s) in SPECS.iter().enumerate() {
            if self.events[i] == 0 {
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
        drop(self.map);
        let mut rows = self.accs;
        rows.sort_unstable_by_key(|(k, a)| (a.first_ns, k.spec, k.thread, k.stack));
        b.reserve_samples(rows.len());
        let mut weights: Vec<Weight> = vec![0; b.metric_count()];
        for (k, a) in rows {
            let Some((m, bm)) = metrics[usize::from(k.spec)] else { continue };
            weights.fill(0);
            weights[m.index()] = a.weight;
            if let Some(bm) = bm {
                weights[bm.index()] = a.bytes;
            }
            let stack = (k.stack != NONE).then_some(StackId(k.stack));
            let thread = (k.thread != NONE).then_some(ThreadId(k.thread));
            b.add_sample(stack, &weights, u64::try_from(a.first_ns).ok(), thread, LabelSetId(0));
        }
    }
}
