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
/// stack text, weights of equal texts summed, zero-weight stacks dropped; an
/// empty stack is the empty text.
pub fn fold(profile: &Profile, metric: MetricId, filter: &SampleFilter) -> Vec<(String, Weight)> {
    let stacks = FoldedStacks::build(profile, metric, filter);
    let mut lines = Vec::with_capacity(stacks.rows.len() + 1);
    stacks
        .for_each(profile, |frames, w| {
            let names: Vec<&str> = frames.iter().map(|f| profile.frames.name(*f)).collect();
            lines.push((names.join(";"), w));
            Ok(())
        })
        .ok();
    lines
}

/// A predicate over sample indices for the thread, time and label parts of `filter`.
pub fn sample_predicate<'a>(profile: &'a Profile, filter: &'a SampleFilter) -> impl Fn(usize) -> bool + 'a {
    let label_ok = crate::model::calltree::label_sets_matching(profile, filter);
    move |i| {
        if filter.thread.is_some() && profile.samples.thread(i) != filter.thread {
            return false;
        }
        if let Some((lo, hi)) = filter.time_range_ns {
            match profile.samples.time_ns(i) {
                Some(t) if t >= lo && t < hi => {}
                _ => return false,
            }
        }
        label_ok.is_empty() || label_ok[profile.samples.labels[i].index()]
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
    let m = profile.metric(metric);
    FoldedStacks::build(profile, metric, filter).for_each(profile, |frames, weight| {
        for (k, f) in frames.iter().enumerate() {
            if k > 0 {
                w.write_all(b";")?;
            }
            w.write_all(profile.frames.name(*f).as_bytes())?;
        }
        writeln!(w, " {}", m.format_exact(weight))
    })
}

/// The distinct stacks of one metric and filter, sorted by their folded text.
///
/// Representation: root-first frame paths in one arena (`rows` hold start,
/// length and weight), so a stack costs 4 bytes a frame rather than the
/// bytes of its text.
struct FoldedStacks {
    arena: Vec<FrameId>,
    rows: Vec<(usize, usize, Weight)>,
    empty: Weight,
}

impl FoldedStacks {
    fn build(profile: &Profile, metric: MetricId, filter: &SampleFilter) -> Self {
        let n = profile.stacks.len();
        let mut weights: Vec<Weight> = vec![0; n];
        let mut touched = vec![false; n];
        let mut empty: Weight = 0;
        let plain = SampleFilter {
            labels: filter.labels.clone(),
            without_labels: filter.without_labels.clone(),
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
                None => empty += wt,
            }
        }
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
        let frames = |&(start, len, _): &(usize, usize, Weight)| &arena[start..start + len];
        rows.sort_unstable_by(|a, b| cmp_texts(profile, frames(a), frames(b)));
        Self { arena, rows, empty }
    }

    /// Calls `f(frames, weight)` for each distinct text in order (equal
    /// texts merged, zero sums skipped); the empty stack comes first.
    fn for_each(&self, profile: &Profile, mut f: impl FnMut(&[FrameId], Weight) -> io::Result<()>) -> io::Result<()> {
        if self.empty != 0 {
            f(&[], self.empty)?;
        }
        let frames = |&(start, len, _): &(usize, usize, Weight)| &self.arena[start..start + len];
        let mut i = 0;
        while i < self.rows.len() {
            let mut total = self.rows[i].2;
            let mut j = i + 1;
            while j < self.rows.len() && cmp_texts(profile, frames(&self.rows[j]), frames(&self.rows[i])).is_eq() {
                total += self.rows[j].2;
                j += 1;
            }
            if total != 0 {
                f(frames(&self.rows[i]), total)?;
            }
            i = j;
        }
        Ok(())
    }
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
