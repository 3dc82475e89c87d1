//! Latency per operation: every (service, span name) across all traces with
//! its count, errors, and P50/P90/P99/max of its span durations and of its
//! span self times, as Jaeger's trace statistics and service performance
//! view give them. Pure functions over [`TraceSet`]; imports `model` and
//! `analysis::traces` only. Shared by `firesight operations` and the
//! window's operations table.
//!
//! Percentiles are nearest-rank ([`nearest_rank`]), the same definition as
//! the trace latency percentiles. Memory: two `u64` per span.

use rustc_hash::FxHashMap;

use crate::analysis::traces::nearest_rank;
use crate::model::trace::TraceSet;

/// P50, P90, P99 and max of a list of times, ns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Quantiles {
    /// Median (nearest rank).
    pub p50_ns: u64,
    /// 90th percentile.
    pub p90_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// Largest.
    pub max_ns: u64,
}

impl Quantiles {
    /// Nearest-rank quantiles of `values` (sorted in place); all 0 when empty.
    pub fn of(values: &mut [u64]) -> Self {
        values.sort_unstable();
        Self {
            p50_ns: nearest_rank(values, 50.0).unwrap_or(0),
            p90_ns: nearest_rank(values, 90.0).unwrap_or(0),
            p99_ns: nearest_rank(values, 99.0).unwrap_or(0),
            max_ns: values.last().copied().unwrap_or(0),
        }
    }
}

/// One operation's latency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationLatency {
    /// The service.
    pub service: String,
    /// The span name.
    pub name: String,
    /// Number of spans.
    pub count: usize,
    /// Number of error spans.
    pub errors: usize,
    /// Of the span durations.
    pub duration: Quantiles,
    /// Of the span self times.
    pub self_time: Quantiles,
    /// Index of the slowest trace (longest duration) with a span of this
    /// operation; the first in the set on ties.
    pub slowest_trace: usize,
}

/// Every operation of `set`, by service then name.
pub fn operation_latencies(set: &TraceSet) -> Vec<OperationLatency> {
    struct Acc {
        durations: Vec<u64>,
        selfs: Vec<u64>,
        errors: usize,
        slowest: (usize, u64),
    }
    let mut ops: FxHashMap<(&str, &str), Acc> = FxHashMap::default();
    for (ti, t) in set.traces.iter().enumerate() {
        let trace_ns = t.duration_ns();
        let self_ns = t.self_times_ns();
        for (s, own) in t.spans.iter().zip(self_ns) {
            let a = ops.entry((&s.service, &s.name)).or_insert_with(|| Acc {
                durations: Vec::new(),
                selfs: Vec::new(),
                errors: 0,
                slowest: (ti, trace_ns),
            });
            a.durations.push(s.duration_ns());
            a.selfs.push(own);
            a.errors += usize::from(s.is_error());
            if trace_ns > a.slowest.1 {
                a.slowest = (ti, trace_ns);
            }
        }
    }
    let mut out: Vec<OperationLatency> = ops
        .into_iter()
        .map(|((service, name), mut a)| OperationLatency {
            service: service.to_string(),
            name: name.to_string(),
            count: a.durations.len(),
            errors: a.errors,
            duration: Quantiles::of(&mut a.durations),
            self_time: Quantiles::of(&mut a.selfs),
            slowest_trace: a.slowest.0,
        })
        .collect();
    out.sort_by(|a, b| (&a.service, &a.name).cmp(&(&b.service, &b.name)));
    out
}

/// A sortable column of the operations table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OperationKey {
    /// Service, then span name (the default).
    #[default]
    Name,
    /// Span count.
    Count,
    /// Error count.
    Errors,
    /// Duration P50.
    P50,
    /// Duration P90.
    P90,
    /// Duration P99.
    P99,
    /// Longest duration.
    Max,
    /// Self time P50.
    SelfP50,
    /// Self time P90.
    SelfP90,
    /// Self time P99.
    SelfP99,
    /// Longest self time.
    SelfMax,
}

impl OperationKey {
    /// Every key, in column order.
    pub const ALL: [Self; 11] = [
        Self::Name,
        Self::Count,
        Self::Errors,
        Self::P50,
        Self::P90,
        Self::P99,
        Self::Max,
        Self::SelfP50,
        Self::SelfP90,
        Self::SelfP99,
        Self::SelfMax,
    ];

    /// The CLI name (`--sort p99`) and column title.
    pub fn name(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Count => "count",
            Self::Errors => "errors",
            Self::P50 => "p50",
            Self::P90 => "p90",
            Self::P99 => "p99",
            Self::Max => "max",
            Self::SelfP50 => "self-p50",
            Self::SelfP90 => "self-p90",
            Self::SelfP99 => "self-p99",
            Self::SelfMax => "self-max",
        }
    }

    /// The key named `name` (see [`OperationKey::name`]).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name().eq_ignore_ascii_case(name))
    }

    fn value(self, r: &OperationLatency) -> u64 {
        match self {
            Self::Name => 0,
            Self::Count => r.count as u64,
            Self::Errors => r.errors as u64,
            Self::P50 => r.duration.p50_ns,
            Self::P90 => r.duration.p90_ns,
            Self::P99 => r.duration.p99_ns,
            Self::Max => r.duration.max_ns,
            Self::SelfP50 => r.self_time.p50_ns,
            Self::SelfP90 => r.self_time.p90_ns,
            Self::SelfP99 => r.self_time.p99_ns,
            Self::SelfMax => r.self_time.max_ns,
        }
    }
}

/// Sorts `rows` by `key`: names ascending, numbers largest first, each
/// reversed when `reverse`; ties by service and name.
pub fn sort_operations(rows: &mut [OperationLatency], key: OperationKey, reverse: bool) {
    rows.sort_by(|a, b| {
        let by_name = (&a.service, &a.name).cmp(&(&b.service, &b.name));
        let primary = match key {
            OperationKey::Name => by_name,
            _ => key.value(b).cmp(&key.value(a)),
        };
        let primary = if reverse { primary.reverse() } else { primary };
        primary.then(by_name)
    });
}
