//! Trace analysis: the trace list, latency percentiles, service and
//! operation tables, and the critical path. Pure functions over
//! [`TraceSet`]/[`Trace`]; imports `model` only.
//!
//! Definitions (the same as the oracles in the sample data):
//! - a trace's duration is its latest span end minus its earliest start;
//! - percentiles are nearest-rank over trace durations: the value at rank
//!   `ceil(p/100 * n)` of the sorted durations;
//! - a span's self time is its duration minus the union of its children's
//!   intervals clipped to it ([`Trace::self_times_ns`]); total time is the
//!   sum of span durations;
//! - the critical path is Jaeger UI's, extended to the whole trace: start at
//!   the latest end and walk back, at each span descending into the child
//!   whose subtree finished last before the current point, and returning to
//!   the parent at a span's start; spans that end after their parent
//!   (asynchronous work) are not cut off at the parent's end
//!   ([`critical_path`]).

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use crate::model::trace::{Trace, TraceSet};

/// One row of the trace list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceSummary {
    /// Index in [`TraceSet::traces`].
    pub index: usize,
    /// The trace id as hex (see `TraceId`'s `Display`).
    pub trace_id: String,
    /// Service of the root span (the earliest root).
    pub root_service: String,
    /// Name of the root span.
    pub root_name: String,
    /// Earliest span start, ns since the Unix epoch.
    pub start_unix_ns: u64,
    /// Latest end minus earliest start, ns.
    pub duration_ns: u64,
    /// Number of spans.
    pub spans: usize,
    /// Number of error spans.
    pub errors: usize,
}

/// The trace list, in the set's order (by start time).
pub fn trace_summaries(set: &TraceSet) -> Vec<TraceSummary> {
    set.traces
        .iter()
        .enumerate()
        .map(|(index, t)| {
            let root = t.root();
            TraceSummary {
                index,
                trace_id: t.id.to_string(),
                root_service: root.map(|r| r.service.to_string()).unwrap_or_default(),
                root_name: root.map(|r| r.name.to_string()).unwrap_or_default(),
                start_unix_ns: t.start_ns(),
                duration_ns: t.duration_ns(),
                spans: t.spans.len(),
                errors: t.error_count(),
            }
        })
        .collect()
}

/// The nearest-rank `p`-th percentile (0 < p <= 100) of `sorted` (ascending);
/// `None` when empty.
pub fn nearest_rank(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// P50, P90 and P99 of trace durations, in ns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Percentiles {
    /// Median.
    pub p50_ns: u64,
    /// 90th percentile.
    pub p90_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
}

/// Nearest-rank P50/P90/P99 over the durations of the traces; `None` for no trace.
pub fn latency_percentiles(set: &TraceSet) -> Option<Percentiles> {
    let mut d: Vec<u64> = set.traces.iter().map(Trace::duration_ns).collect();
    d.sort_unstable();
    Some(Percentiles {
        p50_ns: nearest_rank(&d, 50.0)?,
        p90_ns: nearest_rank(&d, 90.0)?,
        p99_ns: nearest_rank(&d, 99.0)?,
    })
}

/// Index of the trace with the longest duration (the first on ties).
pub fn slowest_trace(set: &TraceSet) -> Option<usize> {
    let mut best: Option<(usize, u64)> = None;
    for (i, t) in set.traces.iter().enumerate() {
        let d = t.duration_ns();
        if best.is_none_or(|(_, b)| d > b) {
            best = Some((i, d));
        }
    }
    best.map(|(i, _)| i)
}

/// Span figures for a service or a (service, span name) pair.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpanStats {
    /// The service.
    pub service: String,
    /// The span name; empty in the service table.
    pub name: String,
    /// Number of spans.
    pub spans: usize,
    /// Number of error spans.
    pub errors: usize,
    /// Sum of span durations, ns: more than the wall time when spans of
    /// the group nest or overlap (a service calling itself).
    pub total_ns: u64,
    /// Sum of span self times, ns.
    pub self_ns: u64,
    /// Wall time: how long at least one span of the group was running, the
    /// union of their intervals in each trace, summed over the traces, ns.
    pub wall_ns: u64,
}

/// The service table over all traces (`trace = None`) or one, sorted by self
/// time descending, then name: the slow service comes first.
pub fn service_table(set: &TraceSet, trace: Option<usize>) -> Vec<SpanStats> {
    tables(set, trace, [true, false]).0
}

/// The (service, span name) table, sorted like [`service_table`].
pub fn operation_table(set: &TraceSet, trace: Option<usize>) -> Vec<SpanStats> {
    tables(set, trace, [false, true]).1
}

/// [`service_table`] and [`operation_table`] in one pass over the spans.
pub fn service_and_operation_tables(set: &TraceSet, trace: Option<usize>) -> (Vec<SpanStats>, Vec<SpanStats>) {
    tables(set, trace, [true, true])
}

/// Numbers (service, span name) pairs of a trace set's spans in order of
/// first sight. Loaders intern names, so a pair is first looked up by the
/// addresses and lengths of its two strings (a hash of four numbers); only
/// a miss hashes the strings.
#[derive(Default)]
pub struct PairIndex<'a> {
    by_text: HashMap<(&'a str, &'a str), u32, FxBuildHasher>,
    by_address: HashMap<[usize; 4], u32, FxBuildHasher>,
}

impl<'a> PairIndex<'a> {
    /// The number of (`service`, `name`); `new` is called once for a pair
    /// not seen before and returns its number.
    pub fn number(&mut self, service: &'a str, name: &'a str, new: impl FnOnce() -> u32) -> u32 {
        let address = [service.as_ptr() as usize, service.len(), name.as_ptr() as usize, name.len()];
        if let Some(&k) = self.by_address.get(&address) {
            return k;
        }
        let k = *self.by_text.entry((service, name)).or_insert_with(new);
        self.by_address.insert(address, k);
        k
    }
}

/// Rows of one table being summed: each row's intervals of the current
/// trace beside it.
#[derive(Default)]
struct Rows<'a> {
    by_name: bool,
    index: PairIndex<'a>,
    rows: Vec<SpanStats>,
    intervals: Vec<Vec<(u64, u64)>>,
}

impl<'a> Rows<'a> {
    fn add(&mut self, s: &'a crate::model::trace::Span, own: u64) {
        let name: &'a str = if self.by_name { &s.name } else { "" };
        let (rows, intervals) = (&mut self.rows, &mut self.intervals);
        let k = self.index.number(&s.service, name, || {
            rows.push(SpanStats { service: s.service.to_string(), name: name.to_string(), ..SpanStats::default() });
            intervals.push(Vec::new());
            (rows.len() - 1) as u32
        }) as usize;
        let row = &mut self.rows[k];
        row.spans += 1;
        row.errors += usize::from(s.is_error());
        // Saturating: spans whose start was never set (0) can add up past
        // 2^64 ns.
        row.total_ns = row.total_ns.saturating_add(s.duration_ns());
        row.self_ns = row.self_ns.saturating_add(own);
        self.intervals[k].push((s.start_ns, s.end_ns));
    }

    /// Ends a trace: each row's wall time in it.
    fn end_trace(&mut self) {
        for (row, iv) in self.rows.iter_mut().zip(self.intervals.iter_mut()) {
            if !iv.is_empty() {
                row.wall_ns = row.wall_ns.saturating_add(union_ns(iv));
                iv.clear();
            }
        }
    }

    fn sorted(self) -> Vec<SpanStats> {
        let mut out = self.rows;
        out.sort_by(|a, b| b.self_ns.cmp(&a.self_ns).then_with(|| (&a.service, &a.name).cmp(&(&b.service, &b.name))));
        out
    }
}

fn tables(set: &TraceSet, trace: Option<usize>, want: [bool; 2]) -> (Vec<SpanStats>, Vec<SpanStats>) {
    let traces: &[Trace] = match trace {
        Some(i) => set.traces.get(i..=i).unwrap_or_default(),
        None => &set.traces,
    };
    let mut services = Rows::default();
    let mut operations = Rows { by_name: true, ..Rows::default() };
    for t in traces {
        let self_ns = t.self_times_ns();
        for (s, own) in t.spans.iter().zip(self_ns) {
            if want[0] {
                services.add(s, own);
            }
            if want[1] {
                operations.add(s, own);
            }
        }
        services.end_trace();
        operations.end_trace();
    }
    (services.sorted(), operations.sorted())
}

/// Length of the union of `intervals` (sorted in place), ns.
pub fn union_ns(intervals: &mut [(u64, u64)]) -> u64 {
    intervals.sort_unstable();
    let mut total = 0;
    let mut current: Option<(u64, u64)> = None;
    for &(a, b) in intervals.iter() {
        match current {
            Some((ca, cb)) if a <= cb => current = Some((ca, cb.max(b))),
            _ => {
                total += current.map_or(0, |(ca, cb)| cb - ca);
                current = Some((a, b));
            }
        }
    }
    total + current.map_or(0, |(ca, cb)| cb - ca)
}

/// A stretch of time on the critical path spent in one span itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CriticalSection {
    /// Index of the span in [`Trace::spans`].
    pub span: usize,
    /// Start, ns since the epoch.
    pub start_ns: u64,
    /// End, ns since the epoch.
    pub end_ns: u64,
}

/// Where the walk of [`critical_path`] is: above every top-level span (the
/// trace as a whole), or in a span.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Trace,
    Span(usize),
}

/// The critical path of `trace` over the whole trace, from its first start
/// to its last end, in time order; empty sections are left out.
///
/// Jaeger UI's walk, extended: start at the latest end and walk back, at
/// each span descending into the child whose subtree finished last before
/// the current point, and returning to the parent at a span's start. What
/// Jaeger UI cuts off is kept: a child that ends after its parent
/// (asynchronous work) is not clipped to the parent's end, so work that
/// outlives the root is on the path, and the walk starts above the roots,
/// so several roots and spans whose parent is missing count too. Children
/// that start before their parent (clock skew) are clipped to its start, and
/// one that ends before it is ignored with its subtree, as Jaeger UI does.
/// When nothing ends after its parent this is Jaeger UI's path exactly.
/// Time in no span (after a span ended and before its asynchronous child
/// began) is in no section. Iterative: each span is entered at most once.
pub fn critical_path(trace: &Trace) -> Vec<CriticalSection> {
    let n = trace.spans.len();
    let top = |s: &crate::model::trace::Span| s.parent.is_none() || s.parent_missing;
    // Start clipped to the parent's (clipped) start, in depth-first order
    // (parents first); `None` for spans the path ignores.
    let mut iv: Vec<Option<(u64, u64)>> = vec![None; n];
    for (i, s) in trace.spans.iter().enumerate() {
        iv[i] = if top(s) {
            Some((s.start_ns, s.end_ns))
        } else {
            s.parent.and_then(|p| iv[p as usize]).and_then(|(ps, _)| {
                let a = s.start_ns.max(ps);
                (a < s.end_ns || (a == s.end_ns && s.start_ns >= ps)).then_some((a, s.end_ns))
            })
        };
    }
    // End of each span's subtree (children last in depth-first order).
    let mut sub_end: Vec<u64> = iv.iter().map(|v| v.map_or(0, |v| v.1)).collect();
    for i in (0..n).rev() {
        let s = &trace.spans[i];
        if let (Some(p), false, Some(_)) = (s.parent, top(s), iv[i]) {
            sub_end[p as usize] = sub_end[p as usize].max(sub_end[i]);
        }
    }
    let by_end = |mut k: Vec<usize>| {
        k.sort_by_key(|&c| std::cmp::Reverse(sub_end[c]));
        k
    };
    let tops = by_end((0..n).filter(|&i| iv[i].is_some() && top(&trace.spans[i])).collect());
    let Some(&last) = tops.first() else { return Vec::new() };
    // Every span's children on the path's terms, latest subtree end first,
    // in one flat list (`kids[kstart[i]..kstart[i + 1]]`): no hash lookup
    // or allocation per span on a trace of a million spans.
    let mut kstart: Vec<u32> = Vec::with_capacity(n + 1);
    let mut kids: Vec<usize> = Vec::with_capacity(n);
    kstart.push(0);
    for i in 0..n {
        let from = kids.len();
        kids.extend(
            trace.children(i).iter().map(|&c| c as usize).filter(|&c| iv[c].is_some() && !top(&trace.spans[c])),
        );
        kids[from..].sort_by_key(|&c| std::cmp::Reverse(sub_end[c]));
        kstart.push(kids.len() as u32);
    }
    let mut out = Vec::new();
    let (mut cur, mut spawn): (At, Option<u64>) = (At::Trace, None);
    loop {
        let (own, point) = match cur {
            At::Trace => (None, spawn.unwrap_or(sub_end[last])),
            At::Span(i) => (iv[i], spawn.unwrap_or(sub_end[i])),
        };
        let children = match cur {
            At::Trace => tops.as_slice(),
            At::Span(i) => &kids[kstart[i] as usize..kstart[i + 1] as usize],
        };
        let next = match spawn {
            None => children.first().copied(),
            Some(t) => children.get(children.partition_point(|&c| sub_end[c] >= t)).copied(),
        };
        let until = next.map(|c| sub_end[c]);
        // The span's own time between the child (or its start) and the point.
        if let (At::Span(i), Some((cs, ce))) = (cur, own) {
            let (a, b) = (until.unwrap_or(cs).max(cs), point.min(ce));
            if a < b {
                out.push(CriticalSection { span: i, start_ns: a, end_ns: b });
            }
        }
        match (next, cur) {
            (Some(c), _) => (cur, spawn) = (At::Span(c), None),
            (None, At::Trace) => break,
            (None, At::Span(i)) => {
                let s = &trace.spans[i];
                spawn = own.map(|o| o.0);
                cur = match s.parent.filter(|_| !top(s)) {
                    Some(p) => At::Span(p as usize),
                    None => At::Trace,
                };
            }
        }
    }
    out.reverse();
    out
}

/// Time on the critical path per span, in order of each span's first
/// section counted back from the end (the root first), as `(span index, ns)`.
pub fn critical_path_shares(sections: &[CriticalSection]) -> Vec<(usize, u64)> {
    let mut out: Vec<(usize, u64)> = Vec::new();
    // Each span's place in `out`, indexed by span (u32::MAX: none yet).
    let n = sections.iter().map(|s| s.span + 1).max().unwrap_or(0);
    let mut at: Vec<u32> = vec![u32::MAX; n];
    for s in sections.iter().rev() {
        if at[s.span] == u32::MAX {
            at[s.span] = out.len() as u32;
            out.push((s.span, 0));
        }
        out[at[s.span] as usize].1 += s.end_ns - s.start_ns;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_matches_definition() {
        let v: Vec<u64> = (1..=10).collect();
        assert_eq!(nearest_rank(&v, 50.0), Some(5));
        assert_eq!(nearest_rank(&v, 90.0), Some(9));
        assert_eq!(nearest_rank(&v, 99.0), Some(10));
        assert_eq!(nearest_rank(&[], 50.0), None);
    }
}
