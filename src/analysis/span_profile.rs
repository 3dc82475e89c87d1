//! Span ↔ profile: a trace file and a CPU profile of the same run whose
//! samples carry span labels, joined. Pure functions over [`TraceSet`] and
//! [`Profile`]; imports `model` only. Shared by `firesight span-profile`
//! and the window's linked trace and profile tabs.
//!
//! How samples name spans (what Go's `pprof.Do` writes with
//! otel-profiling-go, and what Grafana Pyroscope reads):
//! - `span_id`: the span the sample ran in, as hex; the sample counts as
//!   that span's own CPU, never its parent's (a child span carries its own
//!   id), so "with descendants" adds the subtree's;
//! - `profile_id` without `span_id`: otel-profiling-go's older form, set on
//!   root spans only and inherited by what runs under them; it names the
//!   root span by its id or by its `pyroscope.profile.id` attribute, so the
//!   sample counts as that root's own CPU;
//! - `span_name`, when present, is the span's name: it names sampled spans
//!   that are not in the trace file (unsampled requests).
//!
//! Label values are compared as span ids (hex of any case, with or without
//! zero padding), not as text. The metric is the profile's CPU time: the
//! first metric in nanoseconds (or another time unit) whose name says
//! `cpu`, else the first time metric, else the default metric.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::model::trace::{AttrValue, SpanId, TraceSet};
use crate::model::units::Unit;
use crate::model::{LabelValue, MetricId, Profile, SampleFilter, Weight};

/// The label that names a sample's span.
pub const SPAN_ID: &str = "span_id";
/// The label otel-profiling-go sets for a whole request (its root span).
pub const PROFILE_ID: &str = "profile_id";
/// The label with the span's name.
pub const SPAN_NAME: &str = "span_name";
/// The root-span attribute otel-profiling-go sets to the `profile_id`.
pub const PROFILE_ID_ATTRIBUTE: &str = "pyroscope.profile.id";

/// A span of a trace set: (trace index, span index in the trace).
pub type SpanRef = (usize, usize);

/// A sampled span id that names no span of the trace file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnmatchedSpan {
    /// The label value as the profile writes it.
    pub id: String,
    /// Its `span_name` label, when the samples carry one.
    pub name: Option<String>,
    /// Its weight in the link's metric.
    pub weight: Weight,
    /// Number of samples.
    pub samples: u64,
}

/// A trace set and a profile joined by span labels.
#[derive(Clone, Debug)]
pub struct SpanProfile {
    /// The profile's metric the CPU figures are in.
    pub metric: MetricId,
    /// The label key the join used: [`SPAN_ID`] or [`PROFILE_ID`].
    pub key: &'static str,
    /// Per trace, per span: the weight of the samples naming the span.
    pub cpu: Vec<Vec<Weight>>,
    /// Per trace, per span: that plus the weight of its descendants'.
    pub cpu_with_descendants: Vec<Vec<Weight>>,
    /// Per trace, per span: the number of samples naming the span.
    pub samples: Vec<Vec<u64>>,
    /// Per label set of the profile, the span it names, if any.
    pub label_set_span: Vec<Option<SpanRef>>,
    /// Sampled spans not in the trace file, heaviest first.
    pub unmatched: Vec<UnmatchedSpan>,
    /// Weight and samples without a span label.
    pub unlabeled: (Weight, u64),
    /// Weight of every sample.
    pub total: Weight,
}

/// The metric a span's CPU is read from (see the module docs).
pub fn cpu_metric(profile: &Profile) -> MetricId {
    let is_time = |u: &Unit| matches!(u, Unit::Nanoseconds | Unit::Microseconds | Unit::Milliseconds | Unit::Seconds);
    let pick = profile
        .metrics
        .iter()
        .position(|m| is_time(&m.unit) && m.name.to_ascii_lowercase().contains("cpu"))
        .or_else(|| profile.metrics.iter().position(|m| is_time(&m.unit)));
    pick.map_or(profile.default_metric, MetricId::from_index)
}

/// The label key through which `profile`'s samples name spans: [`SPAN_ID`]
/// when any sample carries it, else [`PROFILE_ID`]; `None` when neither.
pub fn span_label_key(profile: &Profile) -> Option<&'static str> {
    let has = |key: &str| profile.label_sets.iter().flatten().any(|l| l.key == key);
    if has(SPAN_ID) {
        Some(SPAN_ID)
    } else if has(PROFILE_ID) {
        Some(PROFILE_ID)
    } else {
        None
    }
}

fn label_text(v: &LabelValue) -> String {
    v.to_string()
}

/// Joins `set` and `profile`; `None` when no sample carries a span label.
pub fn link(set: &TraceSet, profile: &Profile) -> Option<SpanProfile> {
    let key = span_label_key(profile)?;
    let metric = cpu_metric(profile);
    // Span ids (and, for profile_id, the attribute naming a root) to spans.
    let mut by_id: FxHashMap<SpanId, SpanRef> = FxHashMap::default();
    for (ti, t) in set.traces.iter().enumerate() {
        for (si, s) in t.spans.iter().enumerate() {
            by_id.entry(s.id).or_insert((ti, si));
            if key == PROFILE_ID {
                let named = s.attributes.iter().find(|a| &*a.key == PROFILE_ID_ATTRIBUTE);
                if let Some(AttrValue::Str(v)) = named.map(|a| &a.value)
                    && let Some(id) = SpanId::parse_hex(v)
                {
                    by_id.insert(id, (ti, si));
                }
            }
        }
    }
    // Per label set: the span it names, or the unmatched id it carries.
    let mut label_set_span = Vec::with_capacity(profile.label_sets.len());
    let mut unmatched_of: Vec<Option<usize>> = Vec::with_capacity(profile.label_sets.len());
    let mut unmatched: Vec<UnmatchedSpan> = Vec::new();
    let mut unmatched_index: FxHashMap<String, usize> = FxHashMap::default();
    for set_labels in &profile.label_sets {
        let value = set_labels.iter().find(|l| l.key == key).map(|l| label_text(&l.value));
        let name = set_labels.iter().find(|l| l.key == SPAN_NAME).map(|l| label_text(&l.value));
        let span = value.as_deref().and_then(|v| SpanId::parse_hex(v.trim())).and_then(|id| by_id.get(&id).copied());
        label_set_span.push(span);
        unmatched_of.push(match (span, value) {
            (None, Some(v)) => Some(*unmatched_index.entry(v.clone()).or_insert_with(|| {
                unmatched.push(UnmatchedSpan { id: v, name: name.clone(), weight: 0, samples: 0 });
                unmatched.len() - 1
            })),
            _ => None,
        });
    }
    let mut cpu: Vec<Vec<Weight>> = set.traces.iter().map(|t| vec![0; t.spans.len()]).collect();
    let mut samples: Vec<Vec<u64>> = set.traces.iter().map(|t| vec![0; t.spans.len()]).collect();
    let (mut unlabeled, mut total): ((Weight, u64), Weight) = ((0, 0), 0);
    for i in 0..profile.samples.len() {
        let w = profile.weight(i, metric);
        total += w;
        let ls = profile.samples.labels.get(i).map_or(0, |l| l.index());
        match (label_set_span.get(ls).copied().flatten(), unmatched_of.get(ls).copied().flatten()) {
            (Some((t, s)), _) => {
                cpu[t][s] += w;
                samples[t][s] += 1;
            }
            (None, Some(u)) => {
                unmatched[u].weight += w;
                unmatched[u].samples += 1;
            }
            (None, None) => {
                unlabeled.0 += w;
                unlabeled.1 += 1;
            }
        }
    }
    let cpu_with_descendants = set
        .traces
        .iter()
        .zip(&cpu)
        .map(|(t, own)| {
            let mut sum = own.clone();
            // Depth-first order: children after parents, so one reverse pass.
            for (i, s) in t.spans.iter().enumerate().rev() {
                if let (Some(p), false) = (s.parent, s.parent_missing) {
                    sum[p as usize] += sum[i];
                }
            }
            sum
        })
        .collect();
    unmatched.sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| a.id.cmp(&b.id)));
    Some(SpanProfile { metric, key, cpu, cpu_with_descendants, samples, label_set_span, unmatched, unlabeled, total })
}

impl SpanProfile {
    /// Weight of the samples naming span `s` of trace `t` (0 when out of range).
    pub fn cpu_of(&self, t: usize, s: usize) -> Weight {
        self.cpu.get(t).and_then(|v| v.get(s)).copied().unwrap_or(0)
    }

    /// Weight of span `s` and its descendants (0 when out of range).
    pub fn cpu_with_descendants_of(&self, t: usize, s: usize) -> Weight {
        self.cpu_with_descendants.get(t).and_then(|v| v.get(s)).copied().unwrap_or(0)
    }

    /// Number of spans with at least one sample.
    pub fn spans_with_samples(&self) -> usize {
        self.samples.iter().flatten().filter(|&&n| n > 0).count()
    }

    /// Weight of the samples that name a span of the trace file.
    pub fn matched_weight(&self) -> Weight {
        self.cpu.iter().flatten().sum()
    }

    /// The sample filter keeping the samples of span `s` of trace `t`, and
    /// with `descendants` those of its subtree too (children of a missing
    /// parent are not its descendants).
    pub fn filter(&self, set: &TraceSet, t: usize, s: usize, descendants: bool) -> SampleFilter {
        let mut wanted = vec![false; set.traces.get(t).map_or(0, |tr| tr.spans.len())];
        if let Some(trace) = set.traces.get(t)
            && s < wanted.len()
        {
            wanted[s] = true;
            if descendants {
                // Depth-first order: a span's descendants follow it.
                for i in s + 1..trace.spans.len() {
                    let sp = &trace.spans[i];
                    if let (Some(p), false) = (sp.parent, sp.parent_missing) {
                        wanted[i] = wanted[p as usize];
                    }
                }
            }
        }
        let mask: Arc<[bool]> = self
            .label_set_span
            .iter()
            .map(|r| matches!(r, Some((rt, rs)) if *rt == t && wanted.get(*rs).copied().unwrap_or(false)))
            .collect();
        SampleFilter { label_sets: Some(mask), ..SampleFilter::default() }
    }

    /// Per service, the weight of the samples of its spans, heaviest first.
    pub fn service_cpu(&self, set: &TraceSet) -> Vec<(String, Weight)> {
        let mut by: FxHashMap<&str, Weight> = FxHashMap::default();
        for (t, trace) in set.traces.iter().enumerate() {
            for (s, span) in trace.spans.iter().enumerate() {
                *by.entry(&span.service).or_default() += self.cpu_of(t, s);
            }
        }
        let mut out: Vec<(String, Weight)> = by.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }

    /// Per (service, span name), the weight of the samples of its spans, in
    /// trace `trace` or (`None`) in every trace; sorted by service, then
    /// name. Names whose spans have no sample are listed with 0, so a table
    /// row without samples reads 0 rather than nothing.
    pub fn operation_cpu(&self, set: &TraceSet, trace: Option<usize>) -> Vec<(String, String, Weight)> {
        let mut by: FxHashMap<(&str, &str), Weight> = FxHashMap::default();
        for (t, tr) in set.traces.iter().enumerate() {
            if trace.is_some_and(|want| want != t) {
                continue;
            }
            for (s, span) in tr.spans.iter().enumerate() {
                *by.entry((&span.service, &span.name)).or_default() += self.cpu_of(t, s);
            }
        }
        let mut out: Vec<(String, String, Weight)> =
            by.into_iter().map(|((sv, n), w)| (sv.to_string(), n.to_string(), w)).collect();
        out.sort();
        out
    }

    /// Span names with no sample in any of their spans, with how many spans
    /// each has, by name.
    pub fn names_without_samples(&self, set: &TraceSet) -> Vec<(String, String, usize)> {
        let mut by: FxHashMap<(&str, &str), (usize, bool)> = FxHashMap::default();
        for (t, trace) in set.traces.iter().enumerate() {
            for (s, span) in trace.spans.iter().enumerate() {
                let e = by.entry((&span.service, &span.name)).or_default();
                e.0 += 1;
                e.1 |= self.samples[t][s] > 0;
            }
        }
        let mut out: Vec<(String, String, usize)> = by
            .into_iter()
            .filter(|(_, (_, sampled))| !sampled)
            .map(|((sv, n), (count, _))| (sv.to_string(), n.to_string(), count))
            .collect();
        out.sort();
        out
    }
}
