//! Two trace files compared: the latency of their traces (sorted durations
//! for the two histograms, P50/P90/P99 and the change) and, per service and
//! per (service, span name), spans, errors, total and self time and time on
//! the critical path before and after. Definitions are those of
//! [`super::traces`] (nearest-rank percentiles, self time = duration minus
//! the union of the children, Jaeger UI's critical path of every trace).
//!
//! Normalisation scales the after side's times (total, self, critical path)
//! by `before traces / after traces`, rounded, so two runs of different
//! length compare per trace; counts of spans and errors and the
//! percentiles are never scaled.

use std::collections::HashMap;

use super::traces::{Percentiles, SpanStats, critical_path, latency_percentiles, operation_table, service_table};
use crate::model::trace::TraceSet;

/// One side's latency figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LatencySide {
    /// Number of traces.
    pub traces: usize,
    /// Trace durations in ns, ascending (for a histogram).
    pub durations_ns: Vec<u64>,
    /// P50/P90/P99; `None` without traces.
    pub percentiles: Option<Percentiles>,
}

/// Figures of a service or a (service, span name) on one side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpanFigures {
    /// Number of spans.
    pub spans: usize,
    /// Number of error spans.
    pub errors: usize,
    /// Sum of span durations, ns (scaled when normalised).
    pub total_ns: u64,
    /// Sum of self times, ns (scaled when normalised).
    pub self_ns: u64,
    /// Time on the critical paths of the traces, ns (scaled when normalised).
    pub critical_ns: u64,
}

/// A service, or a span name of a service, before and after.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpanDelta {
    /// The service.
    pub name: String,
    /// The span name; empty in the service table.
    pub span: String,
    /// Before.
    pub before: SpanFigures,
    /// After.
    pub after: SpanFigures,
}

impl SpanDelta {
    /// Change of self time, ns.
    pub fn self_change(&self) -> i128 {
        i128::from(self.after.self_ns) - i128::from(self.before.self_ns)
    }
}

/// Two trace sets compared. See the module docs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceComparison {
    /// Latency before.
    pub before: LatencySide,
    /// Latency after.
    pub after: LatencySide,
    /// Per service, by the absolute change of self time (largest first), then name.
    pub services: Vec<SpanDelta>,
    /// Per (service, span name), sorted the same way.
    pub operations: Vec<SpanDelta>,
    /// The factor the after side's times were scaled by, when normalised.
    pub scale: Option<f64>,
}

impl TraceComparison {
    /// Compares `before` with `after`.
    pub fn build(before: &TraceSet, after: &TraceSet, normalize: bool) -> Self {
        let scale = normalize.then(|| trace_scale(before, after));
        let services = merge(side(before, false, None), side(after, false, scale));
        let operations = merge(side(before, true, None), side(after, true, scale));
        Self { before: latency(before), after: latency(after), services, operations, scale }
    }

    /// P`p` (50, 90 or 99) before and after, ns; 0 on a side without traces.
    pub fn percentile(&self, p: u8) -> (u64, u64) {
        let pick = |s: &LatencySide| {
            s.percentiles.map_or(0, |q| match p {
                50 => q.p50_ns,
                90 => q.p90_ns,
                _ => q.p99_ns,
            })
        };
        (pick(&self.before), pick(&self.after))
    }
}

fn latency(set: &TraceSet) -> LatencySide {
    let mut durations_ns: Vec<u64> = set.traces.iter().map(|t| t.duration_ns()).collect();
    durations_ns.sort_unstable();
    LatencySide { traces: set.traces.len(), durations_ns, percentiles: latency_percentiles(set) }
}

type Key = (String, String);

/// The table of one side keyed by (service, span name), with critical-path time.
/// The per-trace scale of two files compared (`name` and traces of each):
/// `None` for two profiles, the trace scale for two trace files, and an
/// error naming both when one is a trace file and the other a profile
/// (their weights are span times and samples). Shared by the CLI's `diff`
/// and the window's comparison.
pub fn pair_scale(before: (&str, Option<&TraceSet>), after: (&str, Option<&TraceSet>)) -> Result<Option<f64>, String> {
    match (before.1, after.1) {
        (Some(b), Some(a)) => Ok(Some(trace_scale(b, a))),
        (None, None) => Ok(None),
        _ => {
            let (t, p) = if before.1.is_some() { (before.0, after.0) } else { (after.0, before.0) };
            Err(format!(
                "cannot compare a trace file ({t}) with a profile ({p}): their weights are span times and samples; \
                 compare two trace files, or two profiles"
            ))
        }
    }
}

/// What normalising scales the after side's times by: the ratio of the
/// trace counts (before over after; 0 when after has none), so both sides
/// weigh as many traces.
pub fn trace_scale(before: &TraceSet, after: &TraceSet) -> f64 {
    let (nb, na) = (before.traces.len(), after.traces.len());
    if na == 0 { 0.0 } else { nb as f64 / na as f64 }
}

fn side(set: &TraceSet, by_name: bool, scale: Option<f64>) -> HashMap<Key, SpanFigures> {
    let rows: Vec<SpanStats> = if by_name { operation_table(set, None) } else { service_table(set, None) };
    let mut critical: HashMap<(&str, &str), u64> = HashMap::new();
    for t in &set.traces {
        for s in critical_path(t) {
            let span = &t.spans[s.span];
            let name = if by_name { &*span.name } else { "" };
            let c = critical.entry((&span.service, name)).or_default();
            // Saturating: unset (0) starts can add up past 2^64 ns.
            *c = c.saturating_add(s.end_ns - s.start_ns);
        }
    }
    let scaled = |ns: u64| scale.map_or(ns, |k| (ns as f64 * k).round() as u64);
    rows.into_iter()
        .map(|r| {
            let crit = critical.get(&(r.service.as_str(), r.name.as_str())).copied().unwrap_or(0);
            let fig = SpanFigures {
                spans: r.spans,
                errors: r.errors,
                total_ns: scaled(r.total_ns),
                self_ns: scaled(r.self_ns),
                critical_ns: scaled(crit),
            };
            ((r.service, r.name), fig)
        })
        .collect()
}

fn merge(before: HashMap<Key, SpanFigures>, mut after: HashMap<Key, SpanFigures>) -> Vec<SpanDelta> {
    let mut out: Vec<SpanDelta> = before
        .into_iter()
        .map(|(k, b)| {
            let a = after.remove(&k).unwrap_or_default();
            SpanDelta { name: k.0, span: k.1, before: b, after: a }
        })
        .collect();
    out.extend(after.into_iter().map(|(k, a)| SpanDelta {
        name: k.0,
        span: k.1,
        before: SpanFigures::default(),
        after: a,
    }));
    out.sort_by(|x, y| {
        y.self_change().abs().cmp(&x.self_change().abs()).then_with(|| (&x.name, &x.span).cmp(&(&y.name, &y.span)))
    });
    out
}
