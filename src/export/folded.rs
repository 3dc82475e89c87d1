//! Folded-stack export: one line per unique stack, `frame;frame;frame count`,
//! root first, sorted bytewise, as `inferno-collapse-*` prints them.
//!
//! Stacks are keyed by their printed text, so two distinct frames that share
//! a name fold into one line exactly as inferno would fold them. Counts print
//! exactly: integers as integers, fixed-point metrics with their decimals.

use std::io::{self, Write};

use crate::model::calltree::SampleFilter;
use crate::model::{FrameId, MetricId, Profile, Weight};

/// The folded lines of `profile` for `metric` over the samples `filter`
/// keeps (`focus`, `hide` and `inverted` are ignored: folded text is always
/// full top-down stacks). Returns `(stack text, weight)` sorted bytewise by
/// stack text, weights of equal texts summed, zero-weight stacks dropped.
pub fn fold(profile: &Profile, metric: MetricId, filter: &SampleFilter) -> Vec<(String, Weight)> {
    let n = profile.stacks.len();
    let mut weights: Vec<Weight> = vec![0; n];
    let mut touched = vec![false; n];
    let mut empty: Weight = 0;
    let mut any_empty = false;
    let plain = SampleFilter {
        labels: filter.labels.clone(),
        thread: filter.thread,
        time_range_ns: filter.time_range_ns,
        ..SampleFilter::default()
    };
    let keep = sample_predicate(profile, &plain);
    for i in 0..profile.samples.len() {
        if !keep(i) {
            continue;
        }
        let w = profile.weight(i, metric);
        match profile.samples.stacks[i] {
            Some(s) => {
                weights[s.index()] += w;
                touched[s.index()] = true;
            }
            None => {
                empty += w;
                any_empty = true;
            }
        }
    }
    let mut lines: Vec<(String, Weight)> = Vec::new();
    let mut path: Vec<FrameId> = Vec::new();
    for s in 0..n {
        if !touched[s] || weights[s] == 0 {
            continue;
        }
        let text = crate::model::dump::stack_string(profile, crate::model::StackId::from_index(s), &mut path);
        lines.push((text, weights[s]));
    }
    if any_empty && empty != 0 {
        lines.push((String::new(), empty));
    }
    lines.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    lines.dedup_by(|later, earlier| {
        if later.0 == earlier.0 {
            earlier.1 += later.1;
            true
        } else {
            false
        }
    });
    lines
}

/// A predicate over sample indices for the thread, time and label parts of `filter`.
pub fn sample_predicate<'a>(profile: &'a Profile, filter: &'a SampleFilter) -> impl Fn(usize) -> bool + 'a {
    move |i| {
        if filter.thread.is_some() && profile.samples.threads[i] != filter.thread {
            return false;
        }
        if let Some((lo, hi)) = filter.time_range_ns {
            match profile.samples.times_ns[i] {
                Some(t) if t >= lo && t < hi => {}
                _ => return false,
            }
        }
        filter.labels.iter().all(|(k, v)| profile.labels(i).iter().any(|l| l.key == *k && l.value.to_string() == *v))
    }
}

/// Writes folded `lines` of `metric` to `w`, one `stack count` per line.
pub fn write(profile: &Profile, metric: MetricId, lines: &[(String, Weight)], w: &mut dyn Write) -> io::Result<()> {
    let m = profile.metric(metric);
    for (stack, weight) in lines {
        writeln!(w, "{stack} {}", m.format_exact(*weight))?;
    }
    Ok(())
}
