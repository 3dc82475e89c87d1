//! Background work for the window: load a file and build its call tree on a
//! worker thread, hand the result back through a channel.
//!
//! Owns the worker threads and their channels; imports `load` and `model`,
//! never egui (the repaint callback is a plain closure), so the window
//! never waits on parsing or tree building. Progress (bytes read of total)
//! and the cancel flag are the loader's own [`Progress`].

pub mod compare;

/// Every format Firesight reads, for the window to name (see [`crate::load::FORMATS_READ`]).
pub use crate::load::FORMATS_READ;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use crate::analysis::insights::{Input, Insight, Thresholds, evaluate};
use crate::analysis::labels::{LabelShares, label_shares};
use crate::analysis::memory::{MemoryView, memory_view};
use crate::analysis::sample_count::{SampleCount, count_samples};
use crate::analysis::timeline::{Timeline, timeline};
use crate::load::{self, Format, LoadError, LoadOptions, Progress};
use crate::model::{CallTree, FunctionTable, MetricId, Profile, SampleFilter};

pub mod source;

/// Where a load reads from.
#[derive(Clone, Debug)]
pub enum Source {
    /// A file on disk.
    Path(PathBuf),
    /// Bytes embedded in the binary (the bundled sample), with a display name.
    Embedded {
        /// Name shown in the tab and used as the sniffing hint.
        name: String,
        /// The file's bytes.
        bytes: &'static [u8],
    },
}

impl Source {
    /// The name a tab shows: the file name, or the embedded name.
    pub fn display_name(&self) -> String {
        match self {
            Self::Path(p) => {
                let name = |p: &std::path::Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
                match (name(p), p.parent().and_then(name)) {
                    // `perf record --threads` writes DIR/data: the tab is DIR's.
                    (Some(n), Some(dir)) if n == "data" && dir.ends_with(".data") => format!("{dir}/data"),
                    (Some(n), _) => n,
                    (None, _) => p.display().to_string(),
                }
            }
            Self::Embedded { name, .. } => name.clone(),
        }
    }

    /// The path, for files on disk.
    pub fn path(&self) -> Option<&PathBuf> {
        match self {
            Self::Path(p) => Some(p),
            Self::Embedded { .. } => None,
        }
    }
}

/// The views of one profile for one metric and filter: the call tree, the
/// function table, the memory view when the metric has an objects/bytes
/// partner, and the label shares.
#[derive(Clone, Debug)]
pub struct Views {
    /// The metric all are in.
    pub metric: MetricId,
    /// The samples the tree, table and memory view aggregate.
    pub filter: SampleFilter,
    /// Top-down call tree over the samples `filter` keeps.
    pub tree: Arc<CallTree>,
    /// Self/total per function, from `tree`.
    pub functions: Arc<FunctionTable>,
    /// Objects and bytes per function, when `metric` has a partner.
    pub memory: Option<Arc<MemoryView>>,
    /// Label keys and values with their weight in `metric`, each key's
    /// over the samples the other keys' picks keep (so a picked value never
    /// hides the other values of its key).
    pub labels: Arc<LabelShares>,
    /// The samples `tree` counts, of those with weight in `metric`.
    pub samples: SampleCount,
    /// Sample density over time per thread in `metric` (every time and
    /// thread, the label picks applied), when samples carry timestamps.
    pub timeline: Option<Arc<Timeline>>,
}

impl Views {
    /// Builds everything for `profile`, `metric` and `filter` (on the caller's thread).
    pub fn build(profile: &Profile, metric: MetricId, filter: &SampleFilter) -> Self {
        let (tree, functions) = CallTree::build_with_functions(profile, metric, filter);
        let memory = memory_view(profile, metric, filter).map(Arc::new);
        Self {
            metric,
            filter: filter.clone(),
            tree: Arc::new(tree),
            functions: Arc::new(functions),
            memory,
            labels: Arc::new(label_shares(profile, metric, filter)),
            samples: count_samples(profile, metric, filter),
            timeline: timeline(profile, metric, TIMELINE_BUCKETS, filter).map(Arc::new),
        }
    }
}

/// Buckets per timeline track: enough for a wide window's pixel columns.
pub const TIMELINE_BUCKETS: usize = 2048;

/// A loaded file with its first views, ready for a tab.
#[derive(Debug)]
pub struct Opened {
    /// Where it came from.
    pub source: Source,
    /// The format that was read.
    pub format: Format,
    /// The profile (shared with later tree-building jobs).
    pub profile: Arc<Profile>,
    /// Tree and table for the profile's default metric.
    pub views: Views,
    /// The traces, for trace formats (OTLP, Jaeger).
    pub traces: Option<Arc<crate::model::trace::TraceSet>>,
    /// Syscall and lock tables and the off-CPU split.
    pub waits: crate::analysis::waits::Waits,
}

/// A load running on a worker thread.
#[derive(Debug)]
pub struct LoadJob {
    /// What is being read.
    pub source: Source,
    /// Bytes read of total, and the cancel flag.
    pub progress: Arc<Progress>,
    rx: Receiver<Result<Opened, LoadError>>,
}

/// What [`LoadJob::poll`] found.
#[derive(Debug)]
pub enum Poll<T> {
    /// Still running.
    Pending,
    /// Finished (successfully or not); the job is spent.
    Done(T),
}

impl LoadJob {
    /// Starts loading `source` with `opts` on a new thread; `on_done` is
    /// called from the worker when the result is in the channel (the window
    /// passes `request_repaint`).
    pub fn spawn(source: Source, opts: LoadOptions, on_done: impl FnOnce() + Send + 'static) -> Self {
        let progress = Progress::new();
        if let Source::Path(p) = &source {
            // One stat, so the progress row shows the size from its first frame.
            if let Ok(meta) = std::fs::metadata(p) {
                progress.bytes_total.store(meta.len(), std::sync::atomic::Ordering::Relaxed);
            }
        }
        let (tx, rx) = channel();
        let worker_progress = Arc::clone(&progress);
        let worker_source = source.clone();
        let spawned = std::thread::Builder::new().name("firesight-load".into()).spawn(move || {
            let result = run_load(worker_source, &opts, worker_progress);
            let size = result.as_ref().map_or((0, 0), |o| (o.views.tree.len(), o.profile.stacks.len()));
            // The receiver is gone when the window closed or dropped the job: nothing to do.
            let _ = tx.send(result);
            on_done();
            // Once the tab has what it shows: a spare node buffer and
            // weight columns of the tree's size, so the first transform or
            // rebuild does not pay for fresh pages either (see
            // `CallTree::prepare_spare`).
            CallTree::prepare_spare(size.0, size.1);
        });
        if let Err(e) = spawned {
            let (tx, rx2) = channel();
            let _ = tx.send(Err(LoadError::io("input", None, format!("cannot start a worker thread: {e}"))));
            return Self { source, progress, rx: rx2 };
        }
        Self { source, progress, rx }
    }

    /// Asks the loader to stop; [`LoadJob::poll`] then yields a cancelled error.
    pub fn cancel(&self) {
        self.progress.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Bytes read and total bytes (0 when unknown).
    pub fn bytes(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.progress.bytes_read.load(Relaxed), self.progress.bytes_total.load(Relaxed))
    }

    /// Takes the result when the worker has finished.
    pub fn poll(&self) -> Poll<Result<Opened, LoadError>> {
        match self.rx.try_recv() {
            Ok(r) => Poll::Done(r),
            Err(TryRecvError::Empty) => Poll::Pending,
            Err(TryRecvError::Disconnected) => {
                Poll::Done(Err(LoadError::io("input", None, "the loading thread stopped without a result")))
            }
        }
    }
}

fn run_load(source: Source, opts: &LoadOptions, progress: Arc<Progress>) -> Result<Opened, LoadError> {
    let loaded = match &source {
        Source::Path(p) => load::load_path(p, opts, Arc::clone(&progress))?,
        Source::Embedded { name, bytes } => {
            progress.bytes_total.store(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
            let mut input = load::Input::from_reader(
                std::io::Cursor::new(*bytes),
                Some(name.clone()),
                Arc::clone(&progress),
                opts.chunk_size,
                opts.max_decompressed,
            )?;
            load::load_input(&mut input, opts)?
        }
    };
    if progress.is_cancelled() {
        return Err(LoadError::cancelled());
    }
    // Off-CPU and wall time from context switches (perf script).
    let profile = crate::analysis::offcpu::with_off_cpu(loaded.profile);
    let views = Views::build(&profile, profile.default_metric, &SampleFilter::default());
    if progress.is_cancelled() {
        return Err(LoadError::cancelled());
    }
    let traces = loaded.traces.map(Arc::new);
    let waits = crate::analysis::waits::Waits::of(&profile);
    Ok(Opened { source, format: loaded.format, profile: Arc::new(profile), views, traces, waits })
}

/// A rebuild of the views for another metric or filter, on a worker thread.
#[derive(Debug)]
pub struct TreeJob {
    /// The metric being built.
    pub metric: MetricId,
    rx: Receiver<Views>,
}

impl TreeJob {
    /// Starts building the views of `profile` for `metric` over the samples
    /// `filter` keeps; `on_done` as in [`LoadJob::spawn`].
    pub fn spawn(
        profile: Arc<Profile>,
        metric: MetricId,
        filter: SampleFilter,
        on_done: impl FnOnce() + Send + 'static,
    ) -> Option<Self> {
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("firesight-tree".into())
            .spawn(move || {
                let _ = tx.send(Views::build(&profile, metric, &filter));
                on_done();
            })
            .ok()?;
        Some(Self { metric, rx })
    }

    /// Takes the views when built; `Done(None)` when the worker died.
    pub fn poll(&self) -> Poll<Option<Views>> {
        match self.rx.try_recv() {
            Ok(v) => Poll::Done(Some(v)),
            Err(TryRecvError::Empty) => Poll::Pending,
            Err(TryRecvError::Disconnected) => Poll::Done(None),
        }
    }
}

/// The insights of one view, evaluated on a worker thread.
#[derive(Debug)]
pub struct InsightsJob {
    rx: Receiver<Vec<Insight>>,
}

impl InsightsJob {
    /// Starts evaluating every rule over `tree` and `functions` (the views
    /// of `profile` in `metric` over the samples `filter` keeps) with
    /// `thresholds`; `on_done` as in [`LoadJob::spawn`].
    pub fn spawn(
        profile: Arc<Profile>,
        views: (MetricId, Arc<CallTree>, Arc<FunctionTable>, SampleFilter),
        thresholds: Thresholds,
        on_done: impl FnOnce() + Send + 'static,
    ) -> Option<Self> {
        let (tx, rx) = channel();
        let (metric, tree, functions, filter) = views;
        std::thread::Builder::new()
            .name("firesight-insights".into())
            .spawn(move || {
                let input =
                    Input { profile: &profile, metric, tree: &tree, table: &functions, filter: &filter, series: &[] };
                let _ = tx.send(evaluate(&input, &thresholds));
                on_done();
            })
            .ok()?;
        Some(Self { rx })
    }

    /// Takes the insights when evaluated; `Done(None)` when the worker died.
    pub fn poll(&self) -> Poll<Option<Vec<Insight>>> {
        match self.rx.try_recv() {
            Ok(v) => Poll::Done(Some(v)),
            Err(TryRecvError::Empty) => Poll::Pending,
            Err(TryRecvError::Disconnected) => Poll::Done(None),
        }
    }
}

/// Any pure computation on a worker thread, its result polled by the
/// window (transforms, the inverted tree, callers and callees).
#[derive(Debug)]
pub struct Work<T> {
    rx: Receiver<T>,
}

impl<T: Send + 'static> Work<T> {
    /// Runs `f` on a new thread, then `on_done` (a repaint request);
    /// `None` when no thread could be started.
    pub fn spawn(f: impl FnOnce() -> T + Send + 'static, on_done: impl FnOnce() + Send + 'static) -> Option<Self> {
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("firesight-work".into())
            .spawn(move || {
                let _ = tx.send(f());
                on_done();
            })
            .ok()?;
        Some(Self { rx })
    }

    /// The result when done; `Done(None)` when the worker died.
    pub fn poll(&self) -> Poll<Option<T>> {
        match self.rx.try_recv() {
            Ok(v) => Poll::Done(Some(v)),
            Err(TryRecvError::Empty) => Poll::Pending,
            Err(TryRecvError::Disconnected) => Poll::Done(None),
        }
    }
}
