//! Folded-stack export: one line per unique stack, `frame;frame;frame count`,
//! root first, sorted bytewise, as `inferno-collapse-*` prints them.
//!
//! Stacks are keyed by their printed text, so two distinct frames that share
//! a name fold into one line exactly as inferno would fold them. Counts print
//! exactly: integers as integers, fixed-point metrics with their decimals.
//!
//! The lines stream from the profile's prefix tree ([`crate::model::stack`])
//! in one depth-first walk, never as a path per stack: the folded text of a
//! deep stack repeats every caller, so a trace whose 20 000 spans form one
//! parent chain has 2.4 GB of folded text, but the walk holds only the
//! current path (its text, and the siblings still to visit at each level),
//! linear in the number of stacks.

use std::io::{self, Write};

use crate::model::calltree::SampleFilter;
use crate::model::{MetricId, Profile, Weight};

/// The folded lines of `profile` for `metric` over the samples `filter`
/// keeps (`focus`, `hide` and `inverted` are ignored: folded text is always
/// full top-down stacks). Returns `(stack text, weight)` sorted bytewise by
/// stack text, weights of equal texts summed, zero-weight stacks dropped; an
/// empty stack is the empty text.
///
/// The texts are materialised: for a profile with very deep stacks they can
/// be far larger than the profile (see [`folded_size`]); [`write_streaming`]
/// writes the same lines without holding them.
pub fn fold(profile: &Profile, metric: MetricId, filter: &SampleFilter) -> Vec<(String, Weight)> {
    let mut lines = Vec::new();
    for_each_line(profile, metric, filter, |text, w| {
        lines.push((text.to_string(), w));
        Ok(())
    })
    .ok();
    lines
}

/// Calls `f(stack text, weight)` for each line [`fold`] returns, in the same
/// order, without materialising them: one walk of the prefix tree. Stops at
/// the first error `f` returns.
pub fn for_each_line(
    profile: &Profile,
    metric: MetricId,
    filter: &SampleFilter,
    f: impl FnMut(&str, Weight) -> io::Result<()>,
) -> io::Result<()> {
    let weights = StackWeights::build(profile, metric, filter);
    super::folded_walk::walk(profile, &weights.weight, &weights.live, weights.empty, f)
}

/// Size of the folded text [`write_streaming`] would write: (lines, bytes
/// of the stack texts without counts or line ends). Computed from the prefix
/// tree in one walk, nothing materialised: callers that must hold the text
/// (the SVG renderer) check it first.
pub fn folded_size(profile: &Profile, metric: MetricId, filter: &SampleFilter) -> (u64, u64) {
    let (mut lines, mut bytes) = (0u64, 0u64);
    for_each_line(profile, metric, filter, |text, _| {
        lines += 1;
        bytes += text.len() as u64;
        Ok(())
    })
    .ok();
    (lines, bytes)
}

/// A predicate over sample indices for the thread, time and label parts of
/// `filter` ([`crate::model::calltree::SampleTest`]).
pub fn sample_predicate<'a>(profile: &'a Profile, filter: &'a SampleFilter) -> impl Fn(usize) -> bool + 'a {
    let test = crate::model::calltree::SampleTest::new(profile, filter);
    move |i| test.passes(i)
}

/// Writes folded `lines` of `metric` to `w`, one `stack count` per line.
pub fn write(profile: &Profile, metric: MetricId, lines: &[(String, Weight)], w: &mut dyn Write) -> io::Result<()> {
    let m = profile.metric(metric);
    for (stack, weight) in lines {
        writeln!(w, "{stack} {}", m.format_exact(*weight))?;
    }
    Ok(())
}

/// Writes the same lines as `fold` + `write` without building them:
/// each line is printed as the walk of the prefix tree reaches it. Peak
/// memory is linear in the number of distinct stacks, not the size of the
/// output (a quarter of the input or more for a big perf file, quadratic in
/// the depth for a deep chain of spans).
pub fn write_streaming(
    profile: &Profile,
    metric: MetricId,
    filter: &SampleFilter,
    w: &mut dyn Write,
) -> io::Result<()> {
    let m = profile.metric(metric);
    for_each_line(profile, metric, filter, |text, weight| {
        w.write_all(text.as_bytes())?;
        writeln!(w, " {}", m.format_exact(weight))
    })
}

/// Each stack's own weight for one metric and filter, and which stacks lead
/// to a weighed one.
struct StackWeights {
    /// Summed weight of the kept samples whose stack is this one.
    weight: Vec<Weight>,
    /// True when this stack or one below it has a kept sample.
    live: Vec<bool>,
    /// Weight of the kept samples with no stack.
    empty: Weight,
}

impl StackWeights {
    fn build(profile: &Profile, metric: MetricId, filter: &SampleFilter) -> Self {
        let n = profile.stacks.len();
        let mut weight: Vec<Weight> = vec![0; n];
        let mut live = vec![false; n];
        let mut empty: Weight = 0;
        let plain = SampleFilter {
            labels: filter.labels.clone(),
            without_labels: filter.without_labels.clone(),
            label_sets: filter.label_sets.clone(),
            thread: filter.thread,
            time_range_ns: filter.time_range_ns,
            threads: filter.threads.clone(),
            ..SampleFilter::default()
        };
        let keep = sample_predicate(profile, &plain);
        for i in 0..profile.samples.len() {
            if !keep(i) {
                continue;
            }
            let wt = profile.weight(i, metric);
            match profile.samples.stacks[i] {
                Some(s) => {
                    weight[s.index()] += wt;
                    live[s.index()] = true;
                }
                None => empty += wt,
            }
        }
        // A parent's index is below its child's: one reverse pass marks the callers.
        let parents = profile.stacks.parents();
        for s in (0..n).rev() {
            if live[s]
                && let Some(p) = parents[s].get()
            {
                live[p.index()] = true;
            }
        }
        Self { weight, live, empty }
    }
}
