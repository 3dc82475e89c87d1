//! Comparisons on a worker thread: load the files not yet loaded (in
//! parallel, each with its own progress; one cancel stops them all), then
//! build what the window shows: two profiles compared (with the trace
//! comparison when both are trace files), or a heap series of three or
//! more snapshots. Rebuilding a comparison (normalise, swap, label filter)
//! runs here too. No egui.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use super::Poll;
use crate::analysis::compare::{CompareOptions, Comparison, SharedSide, Side, paired_metric};
use crate::analysis::compare_flame::{FlameModel, WidthMode};
use crate::analysis::growth::{Growth, growth};
use crate::analysis::labels::{LabelShares, label_shares};
use crate::analysis::trace_compare::TraceComparison;
use crate::load::{self, LoadError, LoadOptions, Progress};
use crate::model::trace::TraceSet;
use crate::model::{MetricId, Profile, SampleFilter};

/// One file of a comparison.
#[derive(Clone, Debug)]
pub struct CompareFile {
    /// The name a tab shows (the file name).
    pub name: String,
    /// The file, when it came from disk.
    pub path: Option<PathBuf>,
    /// Format name.
    pub format: String,
    /// The profile.
    pub profile: Arc<Profile>,
    /// The traces, for trace files.
    pub traces: Option<Arc<TraceSet>>,
}

/// A file of a comparison: already open in a tab, or still to load.
#[derive(Clone, Debug)]
pub enum CompareInput {
    /// A file already loaded (the tab "Compare with…" starts from).
    Loaded(CompareFile),
    /// A file to load.
    Path(PathBuf),
}

impl CompareInput {
    /// The file name.
    pub fn display_name(&self) -> String {
        match self {
            Self::Loaded(f) => f.name.clone(),
            Self::Path(p) => super::Source::Path(p.clone()).display_name(),
        }
    }
}

/// Two profiles compared.
#[derive(Clone, Debug)]
pub struct ProfilePair {
    /// The base ("before").
    pub before: CompareFile,
    /// The new profile ("after").
    pub after: CompareFile,
    /// Metric of `before`.
    pub before_metric: MetricId,
    /// Metric of `after` (the one of the same name).
    pub after_metric: MetricId,
    /// What `comparison` was built with.
    pub opts: CompareOptions,
    /// The comparison.
    pub comparison: Arc<Comparison>,
    /// Both trace sets compared, when both files are trace files.
    pub traces: Option<Arc<TraceComparison>>,
    /// Label keys and values of the new side with their weight (the label
    /// filter's panel; a pick applies to both sides).
    pub labels: Arc<LabelShares>,
    /// The differential flamegraph's widths in [`WidthMode::All`], made
    /// here so the window does not pass over a million nodes when the
    /// comparison arrives (the view takes them).
    pub flame: FlameModel,
}

impl ProfilePair {
    /// Compares `before` with `after` in `before`'s default metric (or
    /// `metric`), with `opts` (on the caller's thread).
    pub fn build(
        before: CompareFile,
        after: CompareFile,
        metric: Option<MetricId>,
        opts: CompareOptions,
    ) -> Result<Self, String> {
        // Two trace files normalise per trace, the function table as the
        // trace comparison; a trace file and a profile do not compare.
        let mut opts = opts;
        opts.scale = crate::analysis::trace_compare::pair_scale(
            (&before.name, before.traces.as_deref()),
            (&after.name, after.traces.as_deref()),
        )?;
        let bm = metric.unwrap_or(before.profile.default_metric);
        let am = paired_metric(&before.profile, bm, &after.profile)?;
        let comparison = Comparison::build(
            &SharedSide { profile: Arc::clone(&before.profile), metric: bm },
            &SharedSide { profile: Arc::clone(&after.profile), metric: am },
            &opts,
        );
        let traces = match (&before.traces, &after.traces) {
            (Some(b), Some(a)) => Some(Arc::new(TraceComparison::build(b, a, opts.normalize))),
            _ => None,
        };
        let labels = Arc::new(label_shares(&after.profile, am, &opts.filter));
        let flame = FlameModel::new(&comparison, WidthMode::All);
        let comparison = Arc::new(comparison);
        Ok(Self { before, after, before_metric: bm, after_metric: am, opts, comparison, traces, labels, flame })
    }

    /// The same comparison with base and new exchanged.
    pub fn swapped(&self) -> Result<Self, String> {
        Self::build(self.after.clone(), self.before.clone(), Some(self.after_metric), self.opts.clone())
    }
}

/// Heap snapshots of one process compared interval by interval.
#[derive(Clone, Debug)]
pub struct HeapSeries {
    /// The snapshots, oldest first.
    pub files: Vec<CompareFile>,
    /// The metric of each snapshot (in-use space where there is one).
    pub metrics: Vec<MetricId>,
    /// Growth per interval and overall, with the leak suspects.
    pub growth: Arc<Growth>,
}

impl HeapSeries {
    /// Compares `files` (oldest first) in `inuse_space` when the first has
    /// it, else in its default metric.
    pub fn build(files: Vec<CompareFile>) -> Result<Self, String> {
        let Some(first) = files.first() else { return Err("no snapshot to compare".into()) };
        let m0 = first.profile.metric_by_name("inuse_space").unwrap_or(first.profile.default_metric);
        let mut metrics = vec![m0];
        for f in &files[1..] {
            metrics.push(paired_metric(&first.profile, m0, &f.profile).map_err(|e| format!("{}: {e}", f.name))?);
        }
        let sides: Vec<Side<'_>> =
            files.iter().zip(&metrics).map(|(f, &metric)| Side { profile: &f.profile, metric }).collect();
        let growth = Arc::new(growth(&sides, &SampleFilter::default()));
        Ok(Self { files, metrics, growth })
    }
}

/// What a comparison job hands back.
#[derive(Clone, Debug)]
pub enum Compared {
    /// Two files.
    Pair(Box<ProfilePair>),
    /// Three or more heap snapshots.
    Series(Box<HeapSeries>),
}

/// A comparison loading and building on a worker thread.
#[derive(Debug)]
pub struct CompareJob {
    /// The files' names, base first.
    pub names: Vec<String>,
    progress: Vec<Arc<Progress>>,
    rx: Receiver<Result<Compared, LoadError>>,
}

impl CompareJob {
    /// Starts comparing `inputs` (base first; two: a pair, more: a heap
    /// series); `on_done` is called from the worker when the result is in.
    pub fn spawn(inputs: Vec<CompareInput>, on_done: impl FnOnce() + Send + 'static) -> Self {
        let names = inputs.iter().map(CompareInput::display_name).collect();
        let progress: Vec<Arc<Progress>> = inputs.iter().map(|_| Progress::new()).collect();
        for (input, p) in inputs.iter().zip(&progress) {
            match input {
                CompareInput::Path(path) => {
                    if let Ok(meta) = std::fs::metadata(path) {
                        p.bytes_total.store(meta.len(), Relaxed);
                    }
                }
                CompareInput::Loaded(_) => {
                    // Nothing to read: show it as read.
                    p.bytes_total.store(1, Relaxed);
                    p.bytes_read.store(1, Relaxed);
                }
            }
        }
        let (tx, rx) = channel();
        let worker_progress = progress.clone();
        let spawned = std::thread::Builder::new().name("firesight-compare".into()).spawn(move || {
            let _ = tx.send(run(inputs, &worker_progress));
            on_done();
        });
        if let Err(e) = spawned {
            let (tx, rx2) = channel();
            let _ = tx.send(Err(LoadError::io("input", None, format!("cannot start a worker thread: {e}"))));
            return Self { names, progress, rx: rx2 };
        }
        Self { names, progress, rx }
    }

    /// Stops every load of the job.
    pub fn cancel(&self) {
        for p in &self.progress {
            p.cancel.store(true, Relaxed);
        }
    }

    /// Bytes read and total over all files (0 total when unknown).
    pub fn bytes(&self) -> (u64, u64) {
        self.progress.iter().fold((0, 0), |(r, t), p| (r + p.bytes_read.load(Relaxed), t + p.bytes_total.load(Relaxed)))
    }

    /// Takes the result when the worker has finished.
    pub fn poll(&self) -> Poll<Result<Compared, LoadError>> {
        match self.rx.try_recv() {
            Ok(r) => Poll::Done(r),
            Err(TryRecvError::Empty) => Poll::Pending,
            Err(TryRecvError::Disconnected) => {
                Poll::Done(Err(LoadError::io("input", None, "the comparing thread stopped without a result")))
            }
        }
    }
}

fn run(inputs: Vec<CompareInput>, progress: &[Arc<Progress>]) -> Result<Compared, LoadError> {
    let opts = LoadOptions::default();
    // Each file on a thread of its own: the two sides of a pair load side by side.
    let loaded: Vec<Result<CompareFile, LoadError>> = std::thread::scope(|s| {
        let handles: Vec<_> = inputs
            .into_iter()
            .zip(progress)
            .map(|(input, p)| {
                let opts = &opts;
                s.spawn(move || match input {
                    CompareInput::Loaded(f) => Ok(f),
                    CompareInput::Path(path) => {
                        let l = load::load_path(&path, opts, Arc::clone(p)).inspect_err(|_| {
                            // One side failed: the comparison cannot be made, stop the others.
                            progress.iter().for_each(|q| q.cancel.store(true, Relaxed));
                        })?;
                        Ok(CompareFile {
                            name: CompareInput::Path(path.clone()).display_name(),
                            format: l.format.name().to_string(),
                            path: Some(path),
                            profile: Arc::new(l.profile),
                            traces: l.traces.map(Arc::new),
                        })
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(LoadError::io("input", None, "a loading thread panicked"))))
            .collect()
    });
    // The error of the file that failed, not the cancellations it caused.
    if let Some(e) = loaded.iter().filter_map(|r| r.as_ref().err()).find(|e| !e.is_cancelled()) {
        return Err(e.clone());
    }
    let files = loaded.into_iter().collect::<Result<Vec<_>, _>>()?;
    if progress.iter().any(|p| p.is_cancelled()) {
        return Err(LoadError::cancelled());
    }
    let invalid = |what: String| LoadError::io("comparison", None, what);
    match <[CompareFile; 2]>::try_from(files) {
        Ok([before, after]) => ProfilePair::build(before, after, None, CompareOptions::default())
            .map(|p| Compared::Pair(Box::new(p)))
            .map_err(invalid),
        Err(files) if files.len() >= 3 => {
            HeapSeries::build(files).map(|s| Compared::Series(Box::new(s))).map_err(invalid)
        }
        Err(files) => Err(invalid(format!("a comparison needs two files or more, got {}", files.len()))),
    }
}

/// A comparison rebuilt (normalised, swapped, filtered) on a worker thread.
#[derive(Debug)]
pub struct RebuildJob {
    rx: Receiver<Result<ProfilePair, String>>,
}

impl RebuildJob {
    /// Rebuilds `pair` with `opts`, swapped first when `swap`.
    pub fn spawn(
        pair: &ProfilePair,
        opts: CompareOptions,
        swap: bool,
        on_done: impl FnOnce() + Send + 'static,
    ) -> Option<Self> {
        let (tx, rx) = channel();
        let (before, after, metric) = if swap {
            (pair.after.clone(), pair.before.clone(), pair.after_metric)
        } else {
            (pair.before.clone(), pair.after.clone(), pair.before_metric)
        };
        std::thread::Builder::new()
            .name("firesight-compare".into())
            .spawn(move || {
                let _ = tx.send(ProfilePair::build(before, after, Some(metric), opts));
                on_done();
            })
            .ok()?;
        Some(Self { rx })
    }

    /// Takes the rebuilt pair when done; `Done(Err)` when the worker died.
    pub fn poll(&self) -> Poll<Result<ProfilePair, String>> {
        match self.rx.try_recv() {
            Ok(r) => Poll::Done(r),
            Err(TryRecvError::Empty) => Poll::Pending,
            Err(TryRecvError::Disconnected) => Poll::Done(Err("the comparing thread stopped".into())),
        }
    }
}
