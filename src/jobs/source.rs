//! The source view's work on a worker thread: line costs of one function
//! (see [`crate::analysis::source_lines`]) and its source files read from
//! disk, so neither a big profile nor a slow disk holds up the window.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use crate::analysis::source_lines::{FunctionLines, line_costs};
use crate::load::source_code::{SourceMissing, SourceSearch};
use crate::model::{FrameId, MetricId, Profile, SampleFilter, Weight};

/// One source file of the function: its line costs and text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The function's lines in this file.
    pub lines: FunctionLines,
    /// Where the file was found and its lines, or where it was looked for;
    /// `None` when the profile records no file for the function.
    pub text: Option<Result<(PathBuf, Vec<String>), SourceMissing>>,
}

/// What the source view shows for one function.
#[derive(Clone, Debug)]
pub struct SourceListing {
    /// The function frame asked for.
    pub function: FrameId,
    /// Its name.
    pub name: String,
    /// The metric of the weights.
    pub metric: MetricId,
    /// The 100% of shares (pprof's "of Total").
    pub total: Weight,
    /// One entry per source file (most functions have one).
    pub files: Vec<SourceFile>,
}

/// A source listing being built.
#[derive(Debug)]
pub struct SourceJob {
    /// The function being listed.
    pub function: FrameId,
    rx: Receiver<SourceListing>,
}

impl SourceJob {
    /// Starts listing `function` of `profile` in `metric` over the samples
    /// `filter` keeps, looking for its files with `search`; `on_done` as in
    /// [`super::LoadJob::spawn`].
    pub fn spawn(
        profile: Arc<Profile>,
        metric: MetricId,
        filter: SampleFilter,
        function: FrameId,
        search: SourceSearch,
        on_done: impl FnOnce() + Send + 'static,
    ) -> Option<Self> {
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("firesight-source".into())
            .spawn(move || {
                let name = profile.frames.frame(function).name.clone();
                let listing = line_costs(&profile, metric, &filter, |n| n == name);
                let files = listing
                    .functions
                    .into_iter()
                    .map(|lines| {
                        let text = (!lines.file.is_empty()).then(|| search.read(&lines.file));
                        SourceFile { lines, text }
                    })
                    .collect();
                let _ = tx.send(SourceListing { function, name, metric, total: listing.total, files });
                on_done();
            })
            .ok()?;
        Some(Self { function, rx })
    }

    /// Takes the listing when ready; `Done(None)` when the worker died.
    pub fn poll(&self) -> super::Poll<Option<SourceListing>> {
        match self.rx.try_recv() {
            Ok(v) => super::Poll::Done(Some(v)),
            Err(TryRecvError::Empty) => super::Poll::Pending,
            Err(TryRecvError::Disconnected) => super::Poll::Done(None),
        }
    }
}
