//! The timeline: for files whose samples carry timestamps (perf script;
//! later formats), how a metric's weight spreads over time on each thread,
//! as density buckets, and the selections it feeds back into a
//! [`SampleFilter`]: a time range relative to the first sample
//! (`--from/--to`, a drag in the window) and threads by tid or pid
//! (`--thread`, `--pid`, a click on a track). Imports `model` only.
//!
//! One pass over the samples; buckets are a fixed count (at most
//! [`MAX_BUCKETS`] per track), so memory follows threads x buckets, never
//! the number of samples.

use crate::model::{MetricId, Profile, SampleFilter, ThreadId, Weight};

/// The most buckets a track gets, whatever is asked.
pub const MAX_BUCKETS: usize = 4096;

/// One thread's row of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Track {
    /// The thread; `None` for samples with a time but no thread.
    pub thread: Option<ThreadId>,
    /// "comm pid/tid" as people read it (`io worker 4242/4244`).
    pub name: String,
    /// Process id, when known.
    pub pid: Option<u32>,
    /// Thread id, when known.
    pub tid: Option<u32>,
    /// Timed samples of the thread with weight in the metric.
    pub samples: u64,
    /// Their summed weight.
    pub weight: Weight,
    /// Weight per bucket, oldest first (`Timeline::buckets` long).
    pub buckets: Vec<Weight>,
}

/// Sample density over time per thread, for one metric. See the module docs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    /// Time of the first sample, ns (the format's epoch).
    pub start_ns: u64,
    /// One past the last sample's time, ns: the span is `[start_ns, end_ns)`.
    pub end_ns: u64,
    /// Number of buckets per track.
    pub buckets: usize,
    /// Tracks, heaviest first (ties by thread id).
    pub tracks: Vec<Track>,
    /// Samples with weight in the metric but no timestamp (not drawn).
    pub untimed: u64,
}

impl Timeline {
    /// The span, ns.
    pub fn span_ns(&self) -> u64 {
        self.end_ns - self.start_ns
    }

    /// Bucket of time `t` (clamped into the span).
    pub fn bucket_of(&self, t: u64) -> usize {
        let span = u128::from(self.span_ns().max(1));
        let off = u128::from(t.clamp(self.start_ns, self.end_ns - 1) - self.start_ns);
        ((off * self.buckets as u128 / span) as usize).min(self.buckets.saturating_sub(1))
    }

    /// `[start, end)` ns of bucket `b`.
    pub fn bucket_range_ns(&self, b: usize) -> (u64, u64) {
        let span = u128::from(self.span_ns());
        let at = |k: usize| self.start_ns + (span * k as u128).div_ceil(self.buckets.max(1) as u128) as u64;
        (at(b), at(b + 1))
    }

    /// The heaviest bucket of any track (0 when there is none).
    pub fn max_bucket(&self) -> Weight {
        self.tracks.iter().flat_map(|t| t.buckets.iter().copied()).max().unwrap_or(0).max(0)
    }
}

/// The timeline of `profile` for `metric` with `buckets` buckets (1 to
/// [`MAX_BUCKETS`]) over the samples the label part of `labels` keeps;
/// `None` when no sample has a timestamp.
pub fn timeline(profile: &Profile, metric: MetricId, buckets: usize, labels: &SampleFilter) -> Option<Timeline> {
    let (start_ns, last) = profile.time_range_ns()?;
    // Memory follows tracks x buckets: a perf file of many short-lived
    // processes gets fewer buckets (at most 2^20 cells).
    let per_track = ((1usize << 20) / (profile.threads.len() + 1)).max(16);
    let buckets = buckets.clamp(1, MAX_BUCKETS).min(per_track);
    let mut tl = Timeline { start_ns, end_ns: last.saturating_add(1), buckets, tracks: Vec::new(), untimed: 0 };
    let label_only = SampleFilter {
        labels: labels.labels.clone(),
        without_labels: labels.without_labels.clone(),
        ..SampleFilter::default()
    };
    let test = crate::model::calltree::SampleTest::new(profile, &label_only);
    // Slot 0: samples with no thread; slot k + 1: thread k.
    let mut slots: Vec<Option<Track>> = vec![None; profile.threads.len() + 1];
    let s = &profile.samples;
    for i in 0..s.len() {
        let w = profile.weight(i, metric);
        if w == 0 || !test.passes(i) {
            continue;
        }
        let Some(t) = s.time_ns(i) else {
            tl.untimed += 1;
            continue;
        };
        let thread = s.thread(i);
        let slot = thread.map_or(0, |t| t.index() + 1);
        let Some(track) = slots.get_mut(slot) else { continue };
        let track = track.get_or_insert_with(|| new_track(profile, thread, buckets));
        track.samples += 1;
        track.weight += w;
        let b = tl.bucket_of(t);
        track.buckets[b] += w;
    }
    tl.tracks = slots.into_iter().flatten().collect();
    tl.tracks.sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| a.thread.cmp(&b.thread)));
    Some(tl)
}

fn new_track(profile: &Profile, thread: Option<ThreadId>, buckets: usize) -> Track {
    let info = thread.and_then(|t| profile.threads.get(t.index()));
    let (pid, tid) = info.map_or((None, None), |t| (t.pid, t.tid));
    Track { thread, name: thread_name(profile, thread), pid, tid, samples: 0, weight: 0, buckets: vec![0; buckets] }
}

/// "comm pid/tid" for `thread` (`(no thread)` for `None`).
pub fn thread_name(profile: &Profile, thread: Option<ThreadId>) -> String {
    let Some(t) = thread.and_then(|t| profile.threads.get(t.index())) else { return "(no thread)".into() };
    let ids = match (t.pid, t.tid) {
        (Some(p), Some(t)) if p != t => format!("{p}/{t}"),
        (_, Some(t)) => t.to_string(),
        (Some(p), None) => p.to_string(),
        (None, None) => String::new(),
    };
    match (t.name.is_empty(), ids.is_empty()) {
        (false, false) => format!("{} {ids}", t.name),
        (false, true) => t.name.clone(),
        (true, false) => format!("thread {ids}"),
        (true, true) => "(unnamed thread)".into(),
    }
}

/// Why a time or thread selection cannot be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    /// The file's samples carry no timestamps.
    #[error(
        "{format} samples carry no timestamps, so there is no time range to select (--from/--to need a file with sample times, such as perf script output)"
    )]
    NoTimes {
        /// The format name.
        format: String,
    },
    /// The file's samples carry no threads.
    #[error("{format} samples carry no thread or process ids, so --thread/--pid select nothing")]
    NoThreads {
        /// The format name.
        format: String,
    },
    /// A process id asked for where the samples carry thread ids only.
    #[error(
        "{format} samples carry thread ids but no process ids, so --pid selects nothing; select threads with \
         --thread (perf script prints process ids with `-F +pid`)"
    )]
    NoPids {
        /// The format name.
        format: String,
    },
    /// A range that is empty or negative.
    #[error("{0}")]
    BadRange(String),
    /// No thread has the ids asked for.
    #[error("no thread has {asked}; the threads are: {known}")]
    NoMatch {
        /// What was asked (`tid 7`, `pid 3 and tid 7`).
        asked: String,
        /// Up to 20 threads as `name pid/tid`.
        known: String,
    },
}

/// The absolute `[start, end)` ns of `from_s..to_s` seconds after the
/// first sample (`to_s` `None`: to the last sample, included).
pub fn relative_range_ns(profile: &Profile, from_s: Option<f64>, to_s: Option<f64>) -> Result<(u64, u64), SelectError> {
    let (first, last) =
        profile.time_range_ns().ok_or_else(|| SelectError::NoTimes { format: profile.format.clone() })?;
    let to_ns = |s: f64, what: &str| -> Result<u64, SelectError> {
        if !s.is_finite() || s < 0.0 {
            return Err(SelectError::BadRange(format!("{what} {s} is not a number of seconds at or after 0")));
        }
        Ok(first.saturating_add((s * 1e9).round().min(u64::MAX as f64) as u64))
    };
    let lo = from_s.map(|s| to_ns(s, "--from")).transpose()?.unwrap_or(first);
    let hi = to_s.map(|s| to_ns(s, "--to")).transpose()?.unwrap_or_else(|| last.saturating_add(1));
    if hi <= lo {
        return Err(SelectError::BadRange(format!(
            "--from {} s must come before {} (the samples span {:.6} s)",
            from_s.unwrap_or(0.0),
            to_s.map_or_else(|| "the end of the samples".into(), |t| format!("--to {t} s")),
            (last - first) as f64 / 1e9
        )));
    }
    Ok((lo, hi))
}

/// The threads with a tid in `tids` (any, when empty) and a pid in `pids`
/// (any, when empty), in id order. Errors when the profile has no thread
/// ids, or when none matches (listing the threads there are).
pub fn threads_matching(profile: &Profile, tids: &[u32], pids: &[u32]) -> Result<Vec<ThreadId>, SelectError> {
    if profile.threads.iter().all(|t| t.pid.is_none() && t.tid.is_none()) {
        return Err(SelectError::NoThreads { format: profile.format.clone() });
    }
    if !pids.is_empty() && profile.threads.iter().all(|t| t.pid.is_none()) {
        return Err(SelectError::NoPids { format: profile.format.clone() });
    }
    let hit: Vec<ThreadId> = profile
        .threads
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            (tids.is_empty() || t.tid.is_some_and(|x| tids.contains(&x)))
                && (pids.is_empty() || t.pid.is_some_and(|x| pids.contains(&x)))
        })
        .map(|(i, _)| ThreadId::from_index(i))
        .collect();
    if hit.is_empty() {
        let list = |what: &str, ids: &[u32]| ids.iter().map(|i| format!("{what} {i}")).collect::<Vec<_>>().join(" or ");
        let asked = match (pids.is_empty(), tids.is_empty()) {
            (true, _) => list("tid", tids),
            (_, true) => list("pid", pids),
            _ => format!("{} and {}", list("pid", pids), list("tid", tids)),
        };
        let mut known: Vec<String> =
            (0..profile.threads.len()).take(20).map(|i| thread_name(profile, Some(ThreadId::from_index(i)))).collect();
        if profile.threads.len() > 20 {
            known.push(format!("and {} more", profile.threads.len() - 20));
        }
        return Err(SelectError::NoMatch { asked, known: known.join(", ") });
    }
    Ok(hit)
}

/// "0.250 s to 1.500 s of 3.000 s" for `range` over `timeline` (seconds
/// from the first sample, as `--from/--to` take them).
pub fn range_text(timeline: &Timeline, (lo, hi): (u64, u64)) -> String {
    let s = |t: u64| t.saturating_sub(timeline.start_ns) as f64 / 1e9;
    format!("{:.3} s to {:.3} s of {:.3} s", s(lo), s(hi), timeline.span_ns() as f64 / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::frame::FrameRef;
    use crate::model::{FrameKind, ProfileBuilder, Unit};

    fn profile() -> Profile {
        let mut b = ProfileBuilder::new("test");
        let m = b.add_metric("samples", Unit::Count);
        let f = b.frame(FrameRef::new("main", "", FrameKind::User));
        let s = b.stack_from_root(&[f]);
        let t1 = b.thread(crate::model::Thread { pid: Some(1), tid: Some(1), name: "app".into() });
        let t2 = b.thread(crate::model::Thread { pid: Some(1), tid: Some(2), name: "worker".into() });
        for (k, t) in [(0u64, t1), (1, t2), (2, t2), (9, t2)] {
            b.add_sample_for(s, m, 1, Some(1_000 + k * 100), Some(t));
        }
        b.finish().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn buckets_sum_to_each_thread_and_ranges_are_relative() {
        let p = profile();
        let tl = timeline(&p, p.default_metric, 10, &SampleFilter::default()).unwrap_or_else(|| panic!("times"));
        assert_eq!((tl.start_ns, tl.end_ns, tl.tracks.len()), (1_000, 1_901, 2));
        assert_eq!(tl.tracks[0].name, "worker 1/2");
        assert_eq!(tl.tracks[0].buckets.iter().sum::<Weight>(), 3);
        assert_eq!(tl.tracks[0].buckets[9], 1);
        assert_eq!(relative_range_ns(&p, Some(0.0000001), None), Ok((1_100, 1_901)));
        assert!(relative_range_ns(&p, Some(1.0), Some(0.5)).is_err());
        assert_eq!(threads_matching(&p, &[2], &[]), Ok(vec![ThreadId(1)]));
        assert!(matches!(threads_matching(&p, &[7], &[1]), Err(SelectError::NoMatch { .. })));
    }
}
