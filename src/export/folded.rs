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

/// Writes the same lines as [`fold`] + [`write`] without building the
/// stack texts: each stack is kept as its root-first frame ids (4 bytes a
/// frame instead of the name's bytes), sorted by comparing the texts lazily,
/// and printed as it goes. Peak memory is a few bytes per frame of the
/// distinct stacks, not the size of the output (which for a big perf file
/// is a quarter of the input or more).
pub fn write_streaming(
    profile: &Profile,
    metric: MetricId,
    filter: &SampleFilter,
    w: &mut dyn Write,
) -> io::Result<()> {
    let n = profile.stacks.len();
    let mut weights: Vec<Weight> = vec![0; n];
    let mut touched = vec![false; n];
    let mut empty: Option<Weight> = None;
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
        let wt = profile.weight(i, metric);
        match profile.samples.stacks[i] {
            Some(s) => {
                weights[s.index()] += wt;
                touched[s.index()] = true;
            }
            None => *empty.get_or_insert(0) += wt,
        }
    }
    // Root-first frame paths of the stacks to print, in one arena.
    let mut arena: Vec<FrameId> = Vec::new();
    let mut rows: Vec<(usize, usize, Weight)> = Vec::new();
    let mut path = Vec::new();
    for s in 0..n {
        if touched[s] && weights[s] != 0 {
            profile.stacks.frames_root_first(crate::model::StackId::from_index(s), &mut path);
            rows.push((arena.len(), path.len(), weights[s]));
            arena.extend_from_slice(&path);
        }
    }
    drop(touched);
    drop(weights);
    let frames = |&(start, len, _): &(usize, usize, Weight)| &arena[start..start + len];
    rows.sort_unstable_by(|a, b| cmp_texts(profile, frames(a), frames(b)));
    let m = profile.metric(metric);
    if let Some(e) = empty.filter(|e| *e != 0) {
        writeln!(w, " {}", m.format_exact(e))?;
    }
    let mut i = 0;
    while i < rows.len() {
        let mut total = rows[i].2;
        let mut j = i + 1;
        while j < rows.len() && cmp_texts(profile, frames(&rows[j]), frames(&rows[i])).is_eq() {
            total += rows[j].2;
            j += 1;
        }
        if total != 0 {
            let (start, len, _) = rows[i];
            for (k, f) in arena[start..start + len].iter().enumerate() {
                if k > 0 {
                    w.write_all(b";")?;
                }
                w.write_all(profile.frames.name(*f).as_bytes())?;
            }
            writeln!(w, " {}", m.format_exact(total))?;
        }
        i = j;
    }
    Ok(())
}

/// Compares the folded texts (`name;name;...`) of two root-first frame
/// paths bytewise, without building them.
fn cmp_texts(profile: &Profile, a: &[FrameId], b: &[FrameId]) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    for i in 0.. {
        let (x, y) = match (a.get(i), b.get(i)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => (x, y),
        };
        if x == y {
            continue;
        }
        let (na, nb) = (profile.frames.name(*x).as_bytes(), profile.frames.name(*y).as_bytes());
        let k = na.iter().zip(nb).take_while(|(p, q)| p == q).count();
        // The byte after the common part: the name's next byte, else `;`
        // when more frames follow, else the end of the text.
        let next = |n: &[u8], path: &[FrameId]| n.get(k).copied().or_else(|| (i + 1 < path.len()).then_some(b';'));
        match (next(na, a), next(nb, b)) {
            (Some(p), Some(q)) if p != q => return p.cmp(&q),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            // Equal names (distinct frames), or both end here.
            _ if na.len() == nb.len() => {}
            // A `;` inside a name meets the separator: compare whole texts (rare).
            _ => {
                let text = |p: &[FrameId]| p.iter().map(|f| profile.frames.name(*f)).collect::<Vec<_>>().join(";");
                return text(a).cmp(&text(b));
            }
        }
    }
    Ordering::Equal
}
