//! Slow versus the rest: what sets a group of slow traces apart from all
//! the other traces of a set. Pure functions over [`TraceSet`]; imports
//! `model` and `analysis::traces` only. Shared by `firesight slow` and the
//! window's slow-versus-rest panel.
//!
//! Two questions, each answered per trace so groups of different sizes
//! compare:
//! - **Where the time goes**: per operation (service + span name) and per
//!   service, the self time ([`Trace::self_times_ns`]) and the time on the
//!   critical path ([`critical_path`]) that a slow trace carries on average
//!   (the sum over the slow traces divided by their number), against the
//!   same average over the rest. Operations are ranked by the difference of
//!   self time per trace, largest first: the one slow query is the first
//!   line.
//! - **What the slow ones carry**: per span attribute value (and resource
//!   attribute value, and span status), the share of slow traces with at
//!   least one span carrying it against the share of the other traces.
//!   Ranked by the difference of the shares, then by the slow count; a value
//!   only one slow trace carries says nothing of a group and is left out
//!   when the slow group has more than one trace (so are values no slow
//!   trace carries: they are not over-represented).

use rustc_hash::FxHashMap;

use crate::analysis::traces::{critical_path, nearest_rank};
use crate::model::trace::{AttrValue, StatusCode, Trace, TraceSet};

/// How to pick the slow traces.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SlowPick {
    /// Traces at or above this nearest-rank percentile of durations (0-100).
    Percentile(f64),
    /// Traces lasting at least this long, ns.
    AtLeastNs(u64),
    /// The N longest traces (ties by the set's order).
    Slowest(usize),
}

impl SlowPick {
    /// Parses `--above`'s value: `P99`, `p99.9` (a percentile), or a duration
    /// with a unit: `500ms`, `1.5s`, `250us`, `250µs`, `1000ns`, `2m`.
    pub fn parse_above(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if let Some(p) = t.strip_prefix(['P', 'p']) {
            return match p.parse::<f64>() {
                Ok(v) if v > 0.0 && v <= 100.0 => Ok(Self::Percentile(v)),
                _ => Err(format!("{text:?}: a percentile is P followed by a number above 0 and at most 100 (P99)")),
            };
        }
        parse_duration_ns(t).map(Self::AtLeastNs).ok_or_else(|| {
            format!("{text:?}: expected a percentile (P90, P99) or a duration with a unit (500ms, 1.5s, 250us, 1000ns)")
        })
    }

    /// A short description: `≥ P99 (1.85 s)`, `≥ 500 ms`, `the 5 slowest`.
    pub fn describe(&self, set: &TraceSet) -> String {
        match *self {
            Self::Percentile(p) => match percentile_ns(set, p) {
                Some(ns) => format!("≥ P{p} ({})", crate::model::units::format_duration_ns(ns as f64)),
                None => format!("≥ P{p}"),
            },
            Self::AtLeastNs(ns) => format!("≥ {}", crate::model::units::format_duration_ns(ns as f64)),
            Self::Slowest(n) => format!("the {n} slowest"),
        }
    }
}

/// Parses a duration with a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`);
/// fractions allowed. `None` for anything else or past 2^64 ns.
pub fn parse_duration_ns(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (num, unit) = t.split_at(split);
    let scale: f64 = match unit.trim() {
        "ns" => 1.0,
        "us" | "µs" | "μs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" | "min" => 60e9,
        "h" => 3600e9,
        _ => return None,
    };
    let v: f64 = num.parse().ok()?;
    let ns = (v * scale).round();
    (ns.is_finite() && ns >= 0.0 && ns < u64::MAX as f64).then_some(ns as u64)
}

/// The nearest-rank `p`-th percentile of the set's trace durations.
pub fn percentile_ns(set: &TraceSet, p: f64) -> Option<u64> {
    let mut d: Vec<u64> = set.traces.iter().map(Trace::duration_ns).collect();
    d.sort_unstable();
    nearest_rank(&d, p)
}

/// Per trace of `set`, whether `pick` calls it slow.
pub fn pick_slow(set: &TraceSet, pick: SlowPick) -> Vec<bool> {
    let durations: Vec<u64> = set.traces.iter().map(Trace::duration_ns).collect();
    match pick {
        SlowPick::Percentile(p) => {
            let mut sorted = durations.clone();
            sorted.sort_unstable();
            match nearest_rank(&sorted, p) {
                Some(t) => durations.iter().map(|&d| d >= t).collect(),
                None => Vec::new(),
            }
        }
        SlowPick::AtLeastNs(t) => durations.iter().map(|&d| d >= t).collect(),
        SlowPick::Slowest(n) => {
            let mut order: Vec<usize> = (0..durations.len()).collect();
            order.sort_by_key(|&i| std::cmp::Reverse(durations[i]));
            let mut out = vec![false; durations.len()];
            for &i in order.iter().take(n) {
                out[i] = true;
            }
            out
        }
    }
}

/// The mask of `indices` (trace indices; those out of range are ignored)
/// over a set of `n` traces.
pub fn mask_of(n: usize, indices: &[usize]) -> Vec<bool> {
    let mut out = vec![false; n];
    for &i in indices {
        if let Some(slot) = out.get_mut(i) {
            *slot = true;
        }
    }
    out
}

/// Where the time of slow and other traces goes, for one operation (or one
/// service, with an empty name).
#[derive(Clone, Debug, PartialEq)]
pub struct TimeDelta {
    /// The service.
    pub service: String,
    /// The span name; empty in the service rows.
    pub name: String,
    /// Self time per slow trace, ns (sum over slow traces / their number).
    pub slow_self_ns_per_trace: f64,
    /// Self time per other trace, ns.
    pub rest_self_ns_per_trace: f64,
    /// Time on the critical path per slow trace, ns.
    pub slow_critical_path_ns_per_trace: f64,
    /// Time on the critical path per other trace, ns.
    pub rest_critical_path_ns_per_trace: f64,
    /// Spans of this operation in the slow traces.
    pub slow_spans: usize,
    /// Spans of this operation in the other traces.
    pub rest_spans: usize,
}

impl TimeDelta {
    /// How much more self time a slow trace carries here, ns per trace.
    pub fn self_difference(&self) -> f64 {
        self.slow_self_ns_per_trace - self.rest_self_ns_per_trace
    }
}

/// One attribute value and how often slow and other traces carry it.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeShare {
    /// The key (`db.statement`, `http.route`; `status.code` for the span status).
    pub key: String,
    /// The value as text.
    pub value: String,
    /// True for a resource attribute (`host.name`, `service.version`).
    pub resource: bool,
    /// Share of slow traces with a span carrying it, 0 to 1.
    pub slow_share: f64,
    /// Share of the other traces with a span carrying it, 0 to 1.
    pub rest_share: f64,
    /// Number of slow traces carrying it.
    pub slow_count: usize,
    /// Number of other traces carrying it.
    pub rest_count: usize,
}

impl AttributeShare {
    /// The ranking statistic: `slow_share - rest_share`.
    pub fn difference(&self) -> f64 {
        self.slow_share - self.rest_share
    }
}

/// Slow traces compared with the rest.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SlowReport {
    /// Number of slow traces.
    pub slow: usize,
    /// Number of other traces.
    pub rest: usize,
    /// Operations (service + span name), largest self-time difference first.
    pub operations: Vec<TimeDelta>,
    /// Services (name empty), ranked like the operations.
    pub services: Vec<TimeDelta>,
    /// Attribute values, largest share difference first, then by slow count.
    pub attributes: Vec<AttributeShare>,
}

/// The hashable form of an attribute value, borrowed from the set.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum ValueKey<'a> {
    Str(&'a str),
    Int(i64),
    Double(u64),
    Bool(bool),
    Bytes(&'a [u8]),
    Empty,
    Status(StatusCode),
}

impl<'a> ValueKey<'a> {
    fn of(v: &'a AttrValue) -> Self {
        match v {
            AttrValue::Str(s) => Self::Str(s),
            AttrValue::Json(s) => Self::Str(s),
            AttrValue::Int(i) => Self::Int(*i),
            AttrValue::Double(d) => Self::Double(d.to_bits()),
            AttrValue::Bool(b) => Self::Bool(*b),
            AttrValue::Bytes(b) => Self::Bytes(b),
            AttrValue::Empty => Self::Empty,
        }
    }

    fn text(self) -> String {
        match self {
            Self::Str(s) => s.to_string(),
            Self::Int(i) => i.to_string(),
            Self::Double(d) => f64::from_bits(d).to_string(),
            Self::Bool(b) => b.to_string(),
            Self::Bytes(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
            Self::Empty => String::new(),
            Self::Status(StatusCode::Error) => "ERROR".into(),
            Self::Status(StatusCode::Ok) => "OK".into(),
            Self::Status(StatusCode::Unset) => "UNSET".into(),
        }
    }
}

/// Key of an attribute value: (key, value, is a resource attribute).
type AttrKey<'a> = (&'a str, ValueKey<'a>, bool);

/// Attribute values, numbered in order of first sight, with per value the
/// number of slow and other traces carrying it.
#[derive(Default)]
struct Values<'a> {
    ids: FxHashMap<AttrKey<'a>, u32>,
    /// (key pointer, value kind, value bits or pointer) to id.
    by_ptr: FxHashMap<(usize, u8, u64), u32>,
    keys: Vec<AttrKey<'a>>,
    counts: Vec<[usize; 2]>,
}

impl<'a> Values<'a> {
    /// [`Values::intern`] of a span attribute, first through a map keyed
    /// by the key's and the value's pointers (loaders share one `Arc` per
    /// key and per short string value), so most attributes are not hashed
    /// as text.
    fn intern_fast(&mut self, key: &'a std::sync::Arc<str>, value: &'a AttrValue, seen: &mut Vec<u32>) {
        let vk = match value {
            AttrValue::Str(v) => (0, v.as_ptr() as usize as u64),
            AttrValue::Int(i) => (1, *i as u64),
            AttrValue::Bool(b) => (2, u64::from(*b)),
            AttrValue::Double(d) => (3, d.to_bits()),
            _ => {
                self.intern((key, ValueKey::of(value), false), seen);
                return;
            }
        };
        let fast = (key.as_ptr() as usize, vk.0, vk.1);
        if let Some(&id) = self.by_ptr.get(&fast) {
            seen.push(id);
            return;
        }
        self.intern((key, ValueKey::of(value), false), seen);
        if let Some(&id) = seen.last() {
            self.by_ptr.insert(fast, id);
        }
    }

    fn intern(&mut self, key: AttrKey<'a>, seen: &mut Vec<u32>) {
        let next = self.keys.len() as u32;
        let id = *self.ids.entry(key).or_insert(next);
        if id == next {
            self.keys.push(key);
            self.counts.push([0, 0]);
        }
        seen.push(id);
    }
}

#[derive(Default)]
struct Sums {
    self_ns: [u128; 2],
    path_ns: [u128; 2],
    spans: [usize; 2],
}

/// Compares the traces `slow` marks (indexed like `set.traces`; missing
/// entries are not slow) with all the others.
pub fn compare(set: &TraceSet, slow: &[bool]) -> SlowReport {
    let is_slow = |i: usize| slow.get(i).copied().unwrap_or(false);
    let n_slow = (0..set.traces.len()).filter(|&i| is_slow(i)).count();
    let n_rest = set.traces.len() - n_slow;
    // Operations numbered by name; loaders share one `Arc` per name, so a
    // map keyed by the two pointers answers most spans without hashing text
    // (a pointer pair always names the same text: the set outlives this).
    let mut op_ids: FxHashMap<(&str, &str), usize> = FxHashMap::default();
    let mut op_by_ptr: FxHashMap<(usize, usize), usize> = FxHashMap::default();
    let mut op_names: Vec<(&str, &str)> = Vec::new();
    let mut sums: Vec<Sums> = Vec::new();
    let mut values = Values::default();
    let mut resource_ids: FxHashMap<usize, Vec<u32>> = FxHashMap::default();
    let mut seen: Vec<u32> = Vec::new();
    let mut resources: Vec<usize> = Vec::new();
    let mut span_op: Vec<usize> = Vec::new();
    for (ti, t) in set.traces.iter().enumerate() {
        let g = usize::from(!is_slow(ti));
        let self_ns = t.self_times_ns();
        span_op.clear();
        for (s, own) in t.spans.iter().zip(&self_ns) {
            let ptrs = (s.service.as_ptr() as usize, s.name.as_ptr() as usize);
            let op = *op_by_ptr.entry(ptrs).or_insert_with(|| {
                *op_ids.entry((&s.service, &s.name)).or_insert_with(|| {
                    op_names.push((&s.service, &s.name));
                    sums.push(Sums::default());
                    sums.len() - 1
                })
            });
            span_op.push(op);
            sums[op].self_ns[g] += u128::from(*own);
            sums[op].spans[g] += 1;
        }
        for c in critical_path(t) {
            sums[span_op[c.span]].path_ns[g] += u128::from(c.end_ns - c.start_ns);
        }
        // Each value once per trace.
        seen.clear();
        resources.clear();
        for s in &t.spans {
            for a in &s.attributes {
                values.intern_fast(&a.key, &a.value, &mut seen);
            }
            if s.status.code != StatusCode::Unset {
                values.intern(("status.code", ValueKey::Status(s.status.code), false), &mut seen);
            }
            let r = s.resource.as_ptr() as usize;
            if !resources.contains(&r) {
                resources.push(r);
                let ids = resource_ids.entry(r).or_insert_with(|| {
                    let mut ids = Vec::new();
                    for a in s.resource.iter() {
                        values.intern((&a.key, ValueKey::of(&a.value), true), &mut ids);
                    }
                    ids
                });
                seen.extend_from_slice(ids);
            }
        }
        seen.sort_unstable();
        seen.dedup();
        for &id in &seen {
            values.counts[id as usize][g] += 1;
        }
    }
    let mut services: FxHashMap<&str, Sums> = FxHashMap::default();
    for (&(service, _), s) in op_names.iter().zip(&sums) {
        let sv = services.entry(service).or_default();
        for g in 0..2 {
            sv.self_ns[g] += s.self_ns[g];
            sv.path_ns[g] += s.path_ns[g];
            sv.spans[g] += s.spans[g];
        }
    }
    let ops: Vec<((&str, &str), &Sums)> = op_names.iter().copied().zip(&sums).collect();
    let per = |sum: u128, n: usize| if n == 0 { 0.0 } else { sum as f64 / n as f64 };
    let delta = |service: &str, name: &str, s: &Sums| TimeDelta {
        service: service.to_string(),
        name: name.to_string(),
        slow_self_ns_per_trace: per(s.self_ns[0], n_slow),
        rest_self_ns_per_trace: per(s.self_ns[1], n_rest),
        slow_critical_path_ns_per_trace: per(s.path_ns[0], n_slow),
        rest_critical_path_ns_per_trace: per(s.path_ns[1], n_rest),
        slow_spans: s.spans[0],
        rest_spans: s.spans[1],
    };
    let rank = |v: &mut Vec<TimeDelta>| {
        v.sort_by(|a, b| {
            b.self_difference()
                .total_cmp(&a.self_difference())
                .then_with(|| (&a.service, &a.name).cmp(&(&b.service, &b.name)))
        })
    };
    let mut operations: Vec<TimeDelta> = ops.iter().map(|((sv, name), s)| delta(sv, name, s)).collect();
    rank(&mut operations);
    let mut service_rows: Vec<TimeDelta> = services.iter().map(|(sv, s)| delta(sv, "", s)).collect();
    rank(&mut service_rows);
    let share = |c: usize, n: usize| if n == 0 { 0.0 } else { c as f64 / n as f64 };
    let mut attributes: Vec<AttributeShare> = values
        .keys
        .iter()
        .zip(&values.counts)
        .filter(|(_, c)| c[0] >= 2 || (n_slow == 1 && c[0] == 1))
        .map(|(&(key, value, resource), c)| AttributeShare {
            key: key.to_string(),
            value: value.text(),
            resource,
            slow_share: share(c[0], n_slow),
            rest_share: share(c[1], n_rest),
            slow_count: c[0],
            rest_count: c[1],
        })
        .collect();
    attributes.sort_by(|a, b| {
        b.difference()
            .total_cmp(&a.difference())
            .then_with(|| b.slow_count.cmp(&a.slow_count))
            .then_with(|| (&a.key, &a.value).cmp(&(&b.key, &b.value)))
    });
    SlowReport { slow: n_slow, rest: n_rest, operations, services: service_rows, attributes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn above_takes_percentiles_and_durations() {
        assert_eq!(SlowPick::parse_above("P99"), Ok(SlowPick::Percentile(99.0)));
        assert_eq!(SlowPick::parse_above("p99.9"), Ok(SlowPick::Percentile(99.9)));
        assert_eq!(SlowPick::parse_above("500ms"), Ok(SlowPick::AtLeastNs(500_000_000)));
        assert_eq!(SlowPick::parse_above("1.5s"), Ok(SlowPick::AtLeastNs(1_500_000_000)));
        assert_eq!(SlowPick::parse_above("250us"), Ok(SlowPick::AtLeastNs(250_000)));
        assert!(SlowPick::parse_above("P0").is_err());
        assert!(SlowPick::parse_above("P101").is_err());
        assert!(SlowPick::parse_above("500").is_err());
        assert!(SlowPick::parse_above("fast").is_err());
    }
}
