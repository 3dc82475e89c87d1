//! The one test of whether a sample passes a [`SampleFilter`]'s sample
//! part (threads, time, labels), and the label part per label set.

use super::SampleFilter;
use crate::model::ids::ThreadId;
use crate::model::profile::{Profile, Samples};

/// Whether a sample passes the sample part of a [`SampleFilter`]: its
/// thread (`thread`, `threads`), time (`time_range_ns`) and labels. The one
/// place this test lives; the call tree, folded export, the comparison and
/// sample counts all ask it. Focus and hide act on stacks, not here.
#[derive(Clone, Debug)]
pub struct SampleTest<'a> {
    samples: &'a Samples,
    thread: Option<ThreadId>,
    time_range_ns: Option<(u64, u64)>,
    /// Per label set, whether it passes; empty when labels are not asked.
    labels_ok: Vec<bool>,
    /// Per thread of the profile, whether it is in `threads`; empty when
    /// every thread passes.
    threads_ok: Vec<bool>,
}

impl<'a> SampleTest<'a> {
    /// The test of `filter` over the samples of `profile`.
    pub fn new(profile: &'a Profile, filter: &SampleFilter) -> Self {
        let mut threads_ok = Vec::new();
        if !filter.threads.is_empty() {
            threads_ok = vec![false; profile.threads.len()];
            for t in &filter.threads {
                if let Some(slot) = threads_ok.get_mut(t.index()) {
                    *slot = true;
                }
            }
        }
        Self {
            samples: &profile.samples,
            thread: filter.thread,
            time_range_ns: filter.time_range_ns,
            labels_ok: label_sets_matching(profile, filter),
            threads_ok,
        }
    }

    /// True when the filter asks nothing of samples (every one passes).
    pub fn is_all(&self) -> bool {
        self.thread.is_none() && self.time_range_ns.is_none() && self.labels_ok.is_empty() && self.threads_ok.is_empty()
    }

    /// True when sample `i` passes.
    #[inline]
    pub fn passes(&self, i: usize) -> bool {
        let s = self.samples;
        if self.thread.is_some() && s.thread(i) != self.thread {
            return false;
        }
        if !self.threads_ok.is_empty() && s.thread(i).is_none_or(|t| self.threads_ok.get(t.index()) != Some(&true)) {
            return false;
        }
        if let Some((lo, hi)) = self.time_range_ns
            && !s.time_ns(i).is_some_and(|t| t >= lo && t < hi)
        {
            return false;
        }
        self.labels_ok.is_empty() || s.labels.get(i).is_some_and(|l| self.labels_ok.get(l.index()) == Some(&true))
    }
}

/// Per label set of `profile`, whether it passes the label part of
/// `filter`: it carries every wanted (key, value) label, values compared
/// with [`crate::model::LabelValue::matches`], and no label of a key in
/// `without_labels`. Empty when the filter asks nothing of labels. Shared by
/// the call tree, folded export and counts.
pub fn label_sets_matching(profile: &Profile, filter: &SampleFilter) -> Vec<bool> {
    if filter.labels.is_empty() && filter.without_labels.is_empty() && filter.label_sets.is_none() {
        return Vec::new();
    }
    profile
        .label_sets
        .iter()
        .enumerate()
        .map(|(i, set)| {
            filter.labels.iter().all(|(k, v)| set.iter().any(|l| l.key == *k && l.value.matches(&l.key, v)))
                && !set.iter().any(|l| filter.without_labels.contains(&l.key))
                && filter.label_sets.as_ref().is_none_or(|m| m.get(i).copied().unwrap_or(false))
        })
        .collect()
}
