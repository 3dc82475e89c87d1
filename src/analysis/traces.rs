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
//! - the critical path is Jaeger UI's: start at the root's end and walk back,
//!   at each span descending into the child that finished last before the
//!   current point, and returning to the parent at a span's start.

use std::collections::HashMap;

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
                root_name: root.map(|r| r.name.clone()).unwrap_or_default(),
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
    /// Sum of span durations, ns.
    pub total_ns: u64,
    /// Sum of span self times, ns.
    pub self_ns: u64,
}

/// The service table over all traces (`trace = None`) or one, sorted by self
/// time descending, then name: the slow service comes first.
pub fn service_table(set: &TraceSet, trace: Option<usize>) -> Vec<SpanStats> {
    table(set, trace, false)
}

/// The (service, span name) table, sorted like [`service_table`].
pub fn operation_table(set: &TraceSet, trace: Option<usize>) -> Vec<SpanStats> {
    table(set, trace, true)
}

fn table(set: &TraceSet, trace: Option<usize>, by_name: bool) -> Vec<SpanStats> {
    let traces: &[Trace] = match trace {
        Some(i) => set.traces.get(i..=i).unwrap_or_default(),
        None => &set.traces,
    };
    let mut rows: HashMap<(&str, &str), SpanStats> = HashMap::new();
    for t in traces {
        let self_ns = t.self_times_ns();
        for (s, own) in t.spans.iter().zip(self_ns) {
            let name = if by_name { s.name.as_str() } else { "" };
            let row = rows.entry((&s.service, name)).or_insert_with(|| SpanStats {
                service: s.service.to_string(),
                name: name.to_string(),
                ..SpanStats::default()
            });
            row.spans += 1;
            row.errors += usize::from(s.is_error());
            row.total_ns += s.duration_ns();
            row.self_ns += own;
        }
    }
    let mut out: Vec<SpanStats> = rows.into_values().collect();
    out.sort_by(|a, b| b.self_ns.cmp(&a.self_ns).then_with(|| (&a.service, &a.name).cmp(&(&b.service, &b.name))));
    out
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

/// The critical path of `trace` (Jaeger UI's algorithm, in time order).
/// Empty sections are left out. As Jaeger UI does, children are first
/// clipped to their parent's (clipped) interval, and a child wholly outside
/// it is ignored with its subtree; spans whose parent is missing are not
/// children. Jaeger UI drops a child that overflows its parent on both sides;
/// here it is clipped on both sides instead. Iterative: each span is entered
/// at most once, and children are found by binary search.
pub fn critical_path(trace: &Trace) -> Vec<CriticalSection> {
    let Some(&root) = trace.roots.first() else { return Vec::new() };
    let root = root as usize;
    let n = trace.spans.len();
    // Clipped intervals, in depth-first order (parents first).
    let mut iv: Vec<Option<(u64, u64)>> = vec![None; n];
    iv[root] = Some((trace.spans[root].start_ns, trace.spans[root].end_ns));
    for i in root + 1..trace.spans[root].subtree_end as usize {
        let s = &trace.spans[i];
        let Some(p) = s.parent.filter(|_| !s.parent_missing) else { continue };
        let Some((ps, pe)) = iv[p as usize] else { continue };
        let (a, b) = (s.start_ns.max(ps), s.end_ns.min(pe));
        let inside = a < b || (a == b && s.start_ns >= ps && s.end_ns <= pe);
        if inside {
            iv[i] = Some((a, b));
        }
    }
    // Children that count, by clipped end descending (then start order).
    let kids = |i: usize| -> Vec<usize> {
        let mut k: Vec<usize> = trace
            .children(i)
            .iter()
            .map(|&c| c as usize)
            .filter(|&c| iv[c].is_some() && !trace.spans[c].parent_missing)
            .collect();
        k.sort_by_key(|&c| std::cmp::Reverse(iv[c].map_or(0, |v| v.1)));
        k
    };
    let end_of = |c: usize| iv[c].map_or(0, |v| v.1);
    let mut out = Vec::new();
    let mut cache: HashMap<usize, Vec<usize>> = HashMap::new();
    let (mut cur, mut spawn): (usize, Option<u64>) = (root, None);
    loop {
        let (cs, ce) = iv[cur].unwrap_or((0, 0));
        let point = spawn.unwrap_or(ce);
        let children = cache.entry(cur).or_insert_with(|| kids(cur));
        let lfc = match spawn {
            None => children.first().copied(),
            Some(t) => {
                let k = children.partition_point(|&c| end_of(c) >= t);
                children.get(k).copied()
            }
        };
        if let Some(c) = lfc {
            let c_end = end_of(c);
            if c_end < point {
                out.push(CriticalSection { span: cur, start_ns: c_end, end_ns: point });
            }
            cur = c;
            spawn = None;
        } else {
            if cs < point {
                out.push(CriticalSection { span: cur, start_ns: cs, end_ns: point });
            }
            match trace.spans[cur].parent.filter(|_| cur != root) {
                Some(p) => {
                    spawn = Some(cs);
                    cur = p as usize;
                }
                None => break,
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
    let mut at: HashMap<usize, usize> = HashMap::new();
    for s in sections.iter().rev() {
        let i = *at.entry(s.span).or_insert_with(|| {
            out.push((s.span, 0));
            out.len() - 1
        });
        out[i].1 += s.end_ns - s.start_ns;
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
