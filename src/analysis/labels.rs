//! Label shares: for each label key of a profile (pprof labels such as
//! `endpoint=/orders`), its values and how much of a metric the samples
//! carrying each value weigh. The window's label filter panel lists them.
//! Imports `model` only.

use std::collections::BTreeMap;

use crate::model::calltree::ShareBase;

use crate::model::{LabelValue, MetricId, Profile, Unit, Weight};

/// One value of a label key and the weight of the samples carrying it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelValueShare {
    /// The value as printed (`/orders`, `1024 bytes`); what
    /// [`crate::model::SampleFilter::labels`] matches.
    pub value: String,
    /// Sum of the metric over the samples carrying `key=value`.
    pub weight: Weight,
    /// Number of samples carrying it.
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

/// One label key with its values, heaviest first (ties by number, then text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelKeyShare {
    /// The key (`endpoint`).
    pub key: String,
    /// Its values, sorted by weight (descending), then number (numeric
    /// labels), then value.
    pub values: Vec<LabelValueShare>,
}

/// The label keys of a profile for one metric, and the whole the shares
/// are of.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelShares {
    /// The 100% of the shares: the metric's total over every sample
    /// (labelled or not), or in a diff profile the share base
    /// ([`crate::model::CallTree::share_base`]).
    pub total: Weight,
    /// The keys, sorted by name; empty when no sample has a label.
    pub keys: Vec<LabelKeyShare>,
}

/// The label keys of `profile` sorted by name, each with its values' weight
/// in `metric` over every sample (no filter). One pass over the samples;
/// label sets are summed once each.
pub fn label_shares(profile: &Profile, metric: MetricId) -> LabelShares {
    if profile.label_sets.iter().all(Vec::is_empty) {
        return LabelShares { total: profile.total(metric), keys: Vec::new() };
    }
    // Weight and sample count per label set first: sets are few, samples many.
    let mut per_set: Vec<(Weight, u64)> = vec![(0, 0); profile.label_sets.len()];
    let mut share = ShareBase::new(profile);
    let mut total: Weight = 0;
    for i in 0..profile.samples.len() {
        let w = profile.weight(i, metric);
        total += w;
        share.add(w, profile.samples.labels[i]);
        let Some(slot) = profile.samples.labels.get(i).and_then(|s| per_set.get_mut(s.index())) else { continue };
        slot.0 += w;
        slot.1 += 1;
    }
    let mut keys: BTreeMap<&str, BTreeMap<String, LabelValueShare>> = BTreeMap::new();
    for (set, &(weight, samples)) in profile.label_sets.iter().zip(&per_set) {
        if samples == 0 {
            continue;
        }
        for label in set {
            let value = label.value.to_string();
            let slot = keys.entry(label.key.as_str()).or_default().entry(value.clone()).or_insert_with(|| {
                let (number, unit) = match &label.value {
                    LabelValue::Str(_) => (None, None),
                    LabelValue::Num { value, unit } => (Some(*value), label_unit(&label.key, unit.as_deref())),
                };
                LabelValueShare { value, weight: 0, samples: 0, number, unit }
            });
            slot.weight += weight;
            slot.samples += samples;
        }
    }
    let keys = keys
        .into_iter()
        .map(|(key, values)| {
            let mut values: Vec<LabelValueShare> = values.into_values().collect();
            values.sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| by_value(a, b)));
            LabelKeyShare { key: key.to_string(), values }
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
