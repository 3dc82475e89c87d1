//! Label shares: for each label key of a profile (pprof labels such as
//! `endpoint=/orders`), its values and how much of a metric the samples
//! carrying each value weigh, plus a "(none)" row for the samples that carry
//! no value of the key. The window's label filter panel lists them.
//!
//! Shares follow the label filter the way faceted search does: the values
//! of a key are weighed over the samples that the picks of the *other* keys
//! keep, so after picking `endpoint=/orders` the `tier` values show how the
//! `/orders` samples split, while the `endpoint` values (whose own pick is
//! left out) still show every endpoint to switch to. A value no kept sample
//! carries stays listed with weight 0, so rows never vanish under the
//! pointer. Imports `model` only.

use std::collections::BTreeMap;

use crate::model::calltree::ShareBase;

use crate::model::{LabelValue, MetricId, Profile, SampleFilter, Unit, Weight};

/// One value of a label key and the weight of the samples carrying it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelValueShare {
    /// The value as printed (`/orders`, `1024 bytes`); what
    /// [`crate::model::SampleFilter::labels`] matches.
    pub value: String,
    /// Sum of the metric over the samples carrying `key=value` (and kept by
    /// the other keys' picks).
    pub weight: Weight,
    /// Number of those samples.
    pub samples: u64,
    /// The number, for a numeric label (pprof `num`, e.g. a heap profile's
    /// `bytes=2048`); `None` for a string label.
    pub number: Option<i64>,
    /// The number's unit: the producer's (`num_unit`), else inferred from
    /// the key as pprof does (`bytes` from `bytes`, `alignment` and
    /// `request`; a key that names no known unit gives `None`).
    pub unit: Option<Unit>,
}

/// The unit of numeric label `key` given `named` by the producer (pprof's
/// `NumLabelUnits`: "alignment" and "request" are bytes, other keys are
/// their own unit); `None` when that names no known unit.
pub fn label_unit(key: &str, named: Option<&str>) -> Option<Unit> {
    let name = match named {
        Some(u) if !u.is_empty() => u,
        _ if key == "alignment" || key == "request" => "bytes",
        _ => key,
    };
    match Unit::from_name(name) {
        Unit::Other(_) if named.is_none_or(str::is_empty) => None,
        u => Some(u),
    }
}

/// The samples that carry no value of a key: the "(none)" row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoValueShare {
    /// Sum of the metric over them (kept by the other keys' picks).
    pub weight: Weight,
    /// Number of them.
    pub samples: u64,
}

/// One label key with its values, heaviest first (ties by number, then text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelKeyShare {
    /// The key (`endpoint`).
    pub key: String,
    /// Its values, sorted by weight (descending), then number (numeric
    /// labels), then value.
    pub values: Vec<LabelValueShare>,
    /// The samples with no value of the key; `None` when every sample of
    /// the profile carries one.
    pub none: Option<NoValueShare>,
    /// The 100% of this key's shares: the metric over the samples the
    /// other keys' picks keep (every sample when no other key is picked),
    /// or their share base in a diff profile.
    pub total: Weight,
    /// Whether another key is picked (so `total` is part of the whole).
    pub narrowed: bool,
}

/// The label keys of a profile for one metric, and the whole the shares
/// are of.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelShares {
    /// The metric's total over every sample (labelled or not), or in a diff
    /// profile the share base ([`crate::model::CallTree::share_base`]).
    pub total: Weight,
    /// The keys, sorted by name; empty when no sample has a label.
    pub keys: Vec<LabelKeyShare>,
}

/// One pick of the label filter: a value of a key (`Some`), or no value of
/// it (`None`, the "(none)" row).
pub type LabelPick = (String, Option<String>);

/// The picks of the label part of `filter`, sorted by key.
pub fn picks_of(filter: &SampleFilter) -> Vec<LabelPick> {
    let values = filter.labels.iter().map(|(k, v)| (k.clone(), Some(v.clone())));
    let absent = filter.without_labels.iter().map(|k| (k.clone(), None));
    let mut out: Vec<LabelPick> = values.chain(absent).collect();
    out.sort();
    out
}

/// `filter` with its label part replaced by `picks`.
pub fn with_picks(filter: &SampleFilter, picks: &[LabelPick]) -> SampleFilter {
    let mut f = filter.clone();
    f.labels = picks.iter().filter_map(|(k, v)| Some((k.clone(), v.clone()?))).collect();
    f.without_labels = picks.iter().filter(|(_, v)| v.is_none()).map(|(k, _)| k.clone()).collect();
    f
}

/// One pick as people read it: `endpoint=/orders`, or `no tier label`.
pub fn pick_text((key, value): &LabelPick) -> String {
    match value {
        Some(v) => format!("{key}={v}"),
        None => format!("no {key} label"),
    }
}

/// `a`, `both a and b`, `a, b and c`.
fn joined(terms: &[String], both: bool) -> String {
    match terms {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] if both => format!("both {a} and {b}"),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The picks joined for a caption: `endpoint=/orders and tier=premium`.
pub fn picks_text(picks: &[LabelPick]) -> String {
    joined(&picks.iter().map(pick_text).collect::<Vec<_>>(), false)
}

/// Why a label filter keeps nothing, in one sentence, given the samples it
/// keeps whatever their weight (`matching`) and the metric's name: `no
/// sample has both endpoint=/orders and tier=premium`, or, when samples
/// match but weigh 0 in the metric, `the 3 samples with endpoint=/orders
/// weigh 0 in inuse_space`.
pub fn empty_filter_text(picks: &[LabelPick], matching: u64, metric: &str) -> String {
    let terms: Vec<String> = picks.iter().map(pick_text).collect();
    match matching {
        0 => format!("no sample has {}", joined(&terms, true)),
        1 => format!("the one sample with {} weighs 0 in {metric}", joined(&terms, false)),
        n => format!("the {n} samples with {} weigh 0 in {metric}", joined(&terms, false)),
    }
}

/// Sums of one label set's samples.
#[derive(Clone, Copy, Default)]
struct SetSum {
    weight: Weight,
    abs: Weight,
    negative: bool,
    samples: u64,
}

/// The label keys of `profile` sorted by name, each with its values'
/// weight in `metric` over the samples that the label picks of `filter` on
/// the other keys keep (see the module docs), and its "(none)" row. Only
/// the label part of `filter` counts. One pass over the samples; then one
/// pass over the label sets per key.
pub fn label_shares(profile: &Profile, metric: MetricId, filter: &SampleFilter) -> LabelShares {
    if profile.label_sets.iter().all(Vec::is_empty) {
        return LabelShares { total: profile.total(metric), keys: Vec::new() };
    }
    // Weight and sample count per label set first: sets are few, samples many.
    let mut per_set: Vec<SetSum> = vec![SetSum::default(); profile.label_sets.len()];
    let mut share = ShareBase::new(profile);
    let mut total: Weight = 0;
    for i in 0..profile.samples.len() {
        let w = profile.weight(i, metric);
        total += w;
        let set = profile.samples.labels[i];
        share.add(w, set);
        let Some(slot) = per_set.get_mut(set.index()) else { continue };
        slot.weight += w;
        slot.abs += w.abs();
        slot.negative |= w < 0;
        slot.samples += 1;
    }
    let picks = picks_of(filter);
    // Per set: the keys of the picks it fails (the facets it still counts in).
    let failed: Vec<Vec<&str>> = profile
        .label_sets
        .iter()
        .map(|set| {
            let mut keys: Vec<&str> = picks
                .iter()
                .filter(|(k, v)| {
                    let has = |l: &&crate::model::Label| l.key == *k;
                    match v {
                        Some(v) => !set.iter().filter(has).any(|l| l.value.matches(&l.key, v)),
                        None => set.iter().any(|l| l.key == *k),
                    }
                })
                .map(|(k, _)| k.as_str())
                .collect();
            keys.dedup();
            keys
        })
        .collect();
    // Every key and value that some sample carries, whatever the picks.
    let mut universe: BTreeMap<&str, BTreeMap<String, LabelValueShare>> = BTreeMap::new();
    for (set, sum) in profile.label_sets.iter().zip(&per_set) {
        if sum.samples == 0 {
            continue;
        }
        for label in set {
            let value = label.value.to_string();
            universe.entry(label.key.as_str()).or_default().entry(value.clone()).or_insert_with(|| {
                let (number, unit) = match &label.value {
                    LabelValue::Str(_) => (None, None),
                    LabelValue::Num { value, unit } => (Some(*value), label_unit(&label.key, unit.as_deref())),
                };
                LabelValueShare { value, weight: 0, samples: 0, number, unit }
            });
        }
    }
    let keys = universe
        .into_iter()
        .map(|(key, mut values)| {
            let mut none: Option<NoValueShare> = None;
            let mut base = ShareBase::new(profile);
            let mut key_total: Weight = 0;
            for (k, (set, sum)) in profile.label_sets.iter().zip(&per_set).enumerate() {
                if sum.samples == 0 {
                    continue;
                }
                let carries = set.iter().any(|l| l.key == key);
                if !carries {
                    // Counted in the "(none)" row even when a pick drops it.
                    none.get_or_insert_default();
                }
                if !failed[k].iter().all(|f| *f == key) {
                    continue;
                }
                key_total += sum.weight;
                base.add_sum(sum.abs, sum.negative, crate::model::LabelSetId::from_index(k));
                if !carries {
                    let n = none.get_or_insert_default();
                    n.weight += sum.weight;
                    n.samples += sum.samples;
                    continue;
                }
                let mut seen: Vec<String> = Vec::new();
                for label in set.iter().filter(|l| l.key == key) {
                    let value = label.value.to_string();
                    if seen.contains(&value) {
                        continue;
                    }
                    if let Some(slot) = values.get_mut(&value) {
                        slot.weight += sum.weight;
                        slot.samples += sum.samples;
                    }
                    seen.push(value);
                }
            }
            let mut values: Vec<LabelValueShare> = values.into_values().collect();
            values.sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| by_value(a, b)));
            let narrowed = picks.iter().any(|(k, _)| k != key);
            LabelKeyShare { key: key.to_string(), values, none, total: base.of(key_total), narrowed }
        })
        .collect();
    LabelShares { total: share.of(total), keys }
}

/// Value order: numbers by number (before strings), strings by text.
pub fn by_value(a: &LabelValueShare, b: &LabelValueShare) -> std::cmp::Ordering {
    match (a.number, b.number) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.value.cmp(&b.value)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.value.cmp(&b.value),
    }
}
