//! Label shares: for each label key of a profile (pprof labels such as
//! `endpoint=/orders`), its values and how much of a metric the samples
//! carrying each value weigh. The window's label filter panel lists them.
//! Imports `model` only.

use std::collections::BTreeMap;

use crate::model::{MetricId, Profile, Weight};

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
}

/// One label key with its values, heaviest first (ties by value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelKeyShare {
    /// The key (`endpoint`).
    pub key: String,
    /// Its values, sorted by weight (descending), then value.
    pub values: Vec<LabelValueShare>,
}

/// The label keys of a profile for one metric, and the whole the shares
/// are of.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelShares {
    /// The metric's total over every sample (labelled or not).
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
    let mut total: Weight = 0;
    for i in 0..profile.samples.len() {
        let w = profile.weight(i, metric);
        total += w;
        let Some(slot) = profile.samples.labels.get(i).and_then(|s| per_set.get_mut(s.index())) else { continue };
        slot.0 += w;
        slot.1 += 1;
    }
    let mut keys: BTreeMap<&str, BTreeMap<String, (Weight, u64)>> = BTreeMap::new();
    for (set, &(weight, samples)) in profile.label_sets.iter().zip(&per_set) {
        if samples == 0 {
            continue;
        }
        for label in set {
            let slot = keys.entry(label.key.as_str()).or_default().entry(label.value.to_string()).or_default();
            slot.0 += weight;
            slot.1 += samples;
        }
    }
    let keys = keys
        .into_iter()
        .map(|(key, values)| {
            let mut values: Vec<LabelValueShare> = values
                .into_iter()
                .map(|(value, (weight, samples))| LabelValueShare { value, weight, samples })
                .collect();
            values.sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| a.value.cmp(&b.value)));
            LabelKeyShare { key: key.to_string(), values }
        })
        .collect();
    LabelShares { total, keys }
}
