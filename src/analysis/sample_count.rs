//! How many samples a view counts: the samples that carry weight in one
//! metric and pass a [`SampleFilter`] (thread, time range, labels, focus,
//! hide), against those that carry weight in the metric at all. The status
//! bar shows them as "12,345 of 915,426 samples". Imports `model` only.
//!
//! A sample counts when its weight in the metric is not zero (a perf file
//! with `cycles` and `instructions` events has samples of each; a heap
//! profile's in-use bytes are zero for memory since freed) and the filter
//! keeps it: the same thread, time and label tests as
//! [`crate::model::CallTree::build`], with focus keeping samples whose stack
//! holds the focused function and hide dropping samples whose every frame is
//! hidden.

use crate::model::{FrameId, MetricId, Profile, SampleFilter, Weight};

/// The samples of one view, and the whole they are part of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SampleCount {
    /// Samples with weight in the metric that the filter keeps.
    pub kept: u64,
    /// Samples with weight in the metric, unfiltered.
    pub in_metric: u64,
    /// Every sample of the profile.
    pub in_profile: u64,
    /// The metric's total over every sample, unfiltered (the whole that a
    /// filtered tree's total is part of).
    pub metric_total: Weight,
    /// Samples the filter keeps whatever their weight in the metric (0
    /// included): tells "no sample has these labels" from "they weigh 0".
    pub matching: u64,
}

impl SampleCount {
    /// True when the filter drops some of the metric's samples.
    pub fn is_filtered(&self) -> bool {
        self.kept != self.in_metric
    }
}

/// Counts the samples of `profile` that `metric` and `filter` keep. One pass
/// over the samples, one over the stacks when focus or hide is set.
pub fn count_samples(profile: &Profile, metric: MetricId, filter: &SampleFilter) -> SampleCount {
    let stack_ok = stack_test(profile, filter);
    let test = crate::model::calltree::SampleTest::new(profile, filter);
    let s = &profile.samples;
    let mut out = SampleCount { in_profile: s.len() as u64, ..SampleCount::default() };
    for i in 0..s.len() {
        let w = profile.weight(i, metric);
        out.metric_total += w;
        out.in_metric += u64::from(w != 0);
        if !test.passes(i) {
            continue;
        }
        if let Some(ok) = &stack_ok {
            let kept = match s.stacks.get(i).copied().flatten() {
                Some(st) => ok.get(st.index()).copied().unwrap_or(false),
                None => filter.focus.is_none() && filter.hide.is_empty(),
            };
            if !kept {
                continue;
            }
        }
        out.matching += 1;
        out.kept += u64::from(w != 0);
    }
    out
}

/// Per stack, whether focus and hide keep its samples; `None` when neither is set.
fn stack_test(profile: &Profile, filter: &SampleFilter) -> Option<Vec<bool>> {
    if filter.focus.is_none() && filter.hide.is_empty() {
        return None;
    }
    let parents = profile.stacks.parents();
    let frames = profile.stacks.frames();
    // Parents come before their children, so one forward pass sees each
    // parent's answer first: (holds the focused function, has a shown frame).
    let mut seen: Vec<(bool, bool)> = Vec::with_capacity(parents.len());
    for (parent, &frame) in parents.iter().zip(frames) {
        let f: FrameId = profile.function(frame);
        let above = parent.get().and_then(|p| seen.get(p.index()).copied()).unwrap_or((false, false));
        let hidden = filter.hide.contains(&f);
        seen.push((above.0 || (filter.focus == Some(f) && !hidden), above.1 || !hidden));
    }
    Some(seen.into_iter().map(|(focus, shown)| (filter.focus.is_none() || focus) && shown).collect())
}
