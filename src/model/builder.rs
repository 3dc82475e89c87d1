//! `ProfileBuilder`: the only way into the model.
//!
//! Loaders add metrics, frames, stacks, threads and samples, then call
//! [`ProfileBuilder::finish`], which validates every invariant (as
//! google/pprof's `CheckValid` does after each parse) so that views can index
//! without checks.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;
use thiserror::Error;

use super::frame::{FrameRef, FrameTable};
use super::ids::{FrameId, LabelSetId, MetricId, StackId, ThreadId};
use super::profile::{Label, Metric, Profile, Thread, Warning, push_sparse};
use super::stack::StackTable;
use super::switch::SwitchRecord;
use super::units::{Unit, Weight};

/// At most this many warnings keep their text; the rest are only counted.
pub const MAX_STORED_WARNINGS: usize = 10_000;

/// A broken invariant found by [`ProfileBuilder::finish`]: a loader bug or an
/// input the loader let through unchecked.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ModelError {
    /// The profile has no metric.
    #[error("the profile has no metric")]
    NoMetric,
    /// A sample carried a different number of weights than there are metrics.
    #[error("sample {sample} has {got} weights, expected one per metric ({expected})")]
    WeightCount {
        /// Sample index.
        sample: usize,
        /// Weights given.
        got: usize,
        /// Metrics defined.
        expected: usize,
    },
    /// An id that does not exist in its table.
    #[error("sample {sample} refers to a missing {what}")]
    DanglingId {
        /// Sample index.
        sample: usize,
        /// `stack`, `thread` or `label set`.
        what: &'static str,
    },
    /// A context switch record with an id that does not exist in its table.
    #[error("context switch {index} refers to a missing {what}")]
    DanglingSwitch {
        /// Index into [`Profile::switches`].
        index: usize,
        /// `stack`, `thread` or `sample`.
        what: &'static str,
    },
    /// A table grew past `u32::MAX` entries.
    #[error("too many {0} (more than 2^32)")]
    TooMany(&'static str),
}

/// Builds a [`Profile`]. See the module docs.
#[derive(Debug)]
pub struct ProfileBuilder {
    p: Profile,
    thread_index: HashMap<Thread, ThreadId, FxBuildHasher>,
    label_index: HashMap<Vec<Label>, LabelSetId, FxBuildHasher>,
    default_set: bool,
    bad_sample: Option<ModelError>,
    functions_by_name: bool,
}

impl ProfileBuilder {
    /// A builder for a profile of format `format` (`perf-script`, `pprof` ...).
    pub fn new(format: &str) -> Self {
        let p = Profile { format: format.to_string(), label_sets: vec![Vec::new()], ..Profile::default() };
        Self {
            p,
            thread_index: HashMap::default(),
            label_index: HashMap::default(),
            default_set: false,
            bad_sample: None,
            functions_by_name: false,
        }
    }

    /// A builder that continues `p`: analysis adds derived metrics and
    /// samples to a loaded profile this way; [`ProfileBuilder::finish`]
    /// validates the whole again. The default metric stays as it was.
    pub fn from_profile(p: Profile) -> Self {
        let thread_index = p.threads.iter().enumerate().map(|(i, t)| (t.clone(), ThreadId::from_index(i))).collect();
        let label_index =
            p.label_sets.iter().enumerate().skip(1).map(|(i, l)| (l.clone(), LabelSetId::from_index(i))).collect();
        // Frames that differ only by module share a function exactly when
        // the profile was built by name.
        let functions_by_name =
            p.frames.iter().any(|(id, f)| p.function(id) != id && p.frames.frame(p.function(id)).module != f.module);
        Self { p, thread_index, label_index, default_set: true, bad_sample: None, functions_by_name }
    }

    /// Sets sample `i`'s weight in metric `m` (no-op when either is out of range).
    pub fn set_weight(&mut self, i: usize, m: MetricId, w: Weight) {
        let n = self.p.metrics.len();
        if m.index() < n
            && let Some(slot) = self.p.samples.weights.get_mut(i * n + m.index())
        {
            *slot = w;
        }
    }

    /// Weight of sample `i` in metric `m` so far (0 when out of range).
    pub fn weight(&self, i: usize, m: MetricId) -> Weight {
        let n = self.p.metrics.len();
        if m.index() >= n {
            return 0;
        }
        self.p.samples.weights.get(i * n + m.index()).copied().unwrap_or(0)
    }

    /// The profile so far (for analysis that reads while it adds).
    pub fn profile(&self) -> &Profile {
        &self.p
    }

    /// Tells functions apart by name (and kind) alone, not name and module:
    /// pprof's `-functions` granularity, under which one function found in
    /// two binaries (a diff of two builds, a library loaded twice) is one
    /// row. Formats without this (perf script) keep `memcpy` in libc and in
    /// the kernel apart.
    pub fn functions_by_name(&mut self) {
        self.functions_by_name = true;
    }

    /// Adds a metric; samples added afterwards carry one weight per metric.
    /// Call before adding samples (a metric added later gets weight 0 in
    /// the samples already added).
    pub fn add_metric(&mut self, name: &str, unit: Unit) -> MetricId {
        let n = self.p.metrics.len();
        if !self.p.samples.is_empty() {
            // Widen existing rows with a zero for the new metric.
            let old = std::mem::take(&mut self.p.samples.weights);
            let mut w = Vec::with_capacity(old.len() / n.max(1) * (n + 1));
            for row in old.chunks(n.max(1)) {
                w.extend_from_slice(row);
                w.push(0);
            }
            self.p.samples.weights = w;
        }
        self.p.metrics.push(Metric { name: name.to_string(), unit, decimals: 0 });
        MetricId::from_index(n)
    }

    /// Number of metrics so far.
    pub fn metric_count(&self) -> usize {
        self.p.metrics.len()
    }

    /// The metric behind `id`.
    pub fn metric(&self, id: MetricId) -> &Metric {
        &self.p.metrics[id.index()]
    }

    /// Raises metric `m`'s fixed-point scale to `decimals` places, rescaling
    /// every weight already added, so fractional folded counts stay exact.
    /// Lowering is ignored.
    pub fn ensure_decimals(&mut self, m: MetricId, decimals: u32) {
        let cur = self.p.metrics[m.index()].decimals;
        if decimals <= cur {
            return;
        }
        let factor: Weight = 10i128.pow(decimals - cur);
        let n = self.p.metrics.len();
        for w in self.p.samples.weights.iter_mut().skip(m.index()).step_by(n) {
            *w = w.saturating_mul(factor);
        }
        self.p.metrics[m.index()].decimals = decimals;
    }

    /// Makes `m` the metric views show first (default: pprof's rule, the last
    /// metric added).
    pub fn set_default_metric(&mut self, m: MetricId) {
        self.p.default_metric = m;
        self.default_set = true;
    }

    /// Interns a frame.
    #[inline]
    pub fn frame(&mut self, f: FrameRef<'_>) -> FrameId {
        self.p.frames.intern(f)
    }

    /// Interns a frame whose line is in `line_file`, not in the function's
    /// own file (see [`crate::model::Frame::line_file`]).
    pub fn frame_with_line_file(&mut self, f: FrameRef<'_>, line_file: Option<&str>) -> FrameId {
        self.p.frames.intern_with_line_file(f, line_file)
    }

    /// Interns the stack `parent` + `frame`.
    #[inline]
    pub fn stack(&mut self, parent: Option<StackId>, frame: FrameId) -> StackId {
        self.p.stacks.intern(parent, frame)
    }

    /// Adds the stack `parent` + `frame` known to be new (see
    /// [`StackTable::push_new`]).
    pub fn stack_new(&mut self, parent: StackId, frame: FrameId) -> StackId {
        self.p.stacks.push_new(parent, frame)
    }

    /// Interns a stack given root first; `None` for an empty slice.
    pub fn stack_from_root(&mut self, frames: &[FrameId]) -> Option<StackId> {
        self.p.stacks.intern_path(frames)
    }

    /// The frame table so far (for loaders that look frames up).
    pub fn frames(&self) -> &FrameTable {
        &self.p.frames
    }

    /// The stack table so far.
    pub fn stacks(&self) -> &StackTable {
        &self.p.stacks
    }

    /// Hands the stack table its recursion column
    /// ([`StackTable::set_recursion`]), for a loader that knew each
    /// stack's flag as it added the stack.
    pub fn set_stack_recursion(&mut self, flags: Vec<bool>) {
        self.p.stacks.set_recursion(flags);
    }

    /// Interns a thread.
    pub fn thread(&mut self, t: Thread) -> ThreadId {
        if let Some(&id) = self.thread_index.get(&t) {
            return id;
        }
        let id = ThreadId::from_index(self.p.threads.len());
        self.p.threads.push(t.clone());
        self.thread_index.insert(t, id);
        id
    }

    /// Interns a label set (empty = `LabelSetId(0)`).
    pub fn label_set(&mut self, labels: Vec<Label>) -> LabelSetId {
        if labels.is_empty() {
            return LabelSetId(0);
        }
        if let Some(&id) = self.label_index.get(&labels) {
            return id;
        }
        let id = LabelSetId::from_index(self.p.label_sets.len());
        self.p.label_sets.push(labels.clone());
        self.label_index.insert(labels, id);
        id
    }

    /// Number of label sets so far (the empty set included).
    pub fn label_set_count(&self) -> usize {
        self.p.label_sets.len()
    }

    /// True when `labels` is already an interned set (interning it adds nothing).
    pub fn has_label_set(&self, labels: &[Label]) -> bool {
        labels.is_empty() || self.label_index.contains_key(labels)
    }

    /// Gives the sample added last the labels `labels` (an id from
    /// [`ProfileBuilder::label_set`]); no-op before the first sample.
    pub fn set_sample_labels(&mut self, labels: LabelSetId) {
        if let Some(l) = self.p.samples.labels.last_mut() {
            *l = labels;
        }
    }

    /// Adds a sample: its leaf stack (`None` = empty stack), one weight per
    /// metric, and optional time, thread and labels.
    pub fn add_sample(
        &mut self,
        stack: Option<StackId>,
        weights: &[Weight],
        time_ns: Option<u64>,
        thread: Option<ThreadId>,
        labels: LabelSetId,
    ) {
        let n = self.p.metrics.len();
        if weights.len() != n && self.bad_sample.is_none() {
            self.bad_sample =
                Some(ModelError::WeightCount { sample: self.p.samples.len(), got: weights.len(), expected: n });
        }
        let s = &mut self.p.samples;
        let i = s.stacks.len();
        s.stacks.push(stack);
        if weights.len() == n {
            s.weights.extend_from_slice(weights);
        } else {
            for i in 0..n {
                s.weights.push(weights.get(i).copied().unwrap_or(0));
            }
        }
        push_sparse(&mut s.times_ns, i, time_ns);
        push_sparse(&mut s.threads, i, thread);
        s.labels.push(labels);
    }

    /// Records the producer's stack identity of the sample added last (see
    /// [`crate::model::Samples::origins`]); no-op before the first sample.
    pub fn set_sample_origin(&mut self, origin: u32) {
        let s = &mut self.p.samples;
        let Some(i) = s.stacks.len().checked_sub(1) else { return };
        if s.origins.len() <= i {
            s.origins.resize(i + 1, super::profile::NO_ORIGIN);
        }
        s.origins[i] = origin;
    }

    /// Adds a sample with weight `w` in metric `m` and 0 in every other.
    pub fn add_sample_for(
        &mut self,
        stack: Option<StackId>,
        m: MetricId,
        w: Weight,
        time_ns: Option<u64>,
        thread: Option<ThreadId>,
    ) {
        let n = self.p.metrics.len();
        let s = &mut self.p.samples;
        let i = s.stacks.len();
        s.stacks.push(stack);
        let base = s.weights.len();
        s.weights.resize(base + n, 0);
        if m.index() < n {
            s.weights[base + m.index()] = w;
        }
        push_sparse(&mut s.times_ns, i, time_ns);
        push_sparse(&mut s.threads, i, thread);
        s.labels.push(LabelSetId(0));
    }

    /// Adds a context switch record (see [`crate::model::switch`]), in
    /// load order.
    pub fn add_switch(&mut self, record: SwitchRecord) {
        self.p.switches.push(record);
    }

    /// Number of context switch records so far.
    pub fn switch_count(&self) -> usize {
        self.p.switches.len()
    }

    /// Reserves room for `n` more samples in the dense columns, for loaders that
    /// know the count up front (it saves the reallocations and page faults
    /// of growing; pprof's 900 000-sample benchmark profile spent 13% there).
    /// Pass only a count backed by input already in memory.
    pub fn reserve_samples(&mut self, n: usize) {
        let s = &mut self.p.samples;
        s.stacks.reserve(n);
        s.weights.reserve(n.saturating_mul(self.p.metrics.len()));
        s.labels.reserve(n);
    }

    /// Number of samples so far.
    pub fn sample_count(&self) -> usize {
        self.p.samples.len()
    }

    /// Records a warning (the first [`MAX_STORED_WARNINGS`] keep their text).
    pub fn warn(&mut self, line: Option<u64>, offset: Option<u64>, message: impl Into<String>) {
        self.p.warnings_total += 1;
        if self.p.warnings.len() < MAX_STORED_WARNINGS {
            self.p.warnings.push(Warning { line, offset, message: message.into() });
        }
    }

    /// Adds a descriptive key/value pair shown by `info`.
    pub fn meta(&mut self, key: &str, value: impl Into<String>) {
        self.p.meta.push((key.to_string(), value.into()));
    }

    /// Validates and returns the profile.
    ///
    /// Errors: no metric, a sample with the wrong number of weights, an id
    /// that points outside its table, a table past `u32::MAX` entries.
    pub fn finish(mut self) -> Result<Profile, ModelError> {
        if let Some(e) = self.bad_sample.take() {
            return Err(e);
        }
        let p = &mut self.p;
        if p.metrics.is_empty() {
            return Err(ModelError::NoMetric);
        }
        if p.frames.len() > u32::MAX as usize {
            return Err(ModelError::TooMany("frames"));
        }
        if p.stacks.len() >= u32::MAX as usize {
            return Err(ModelError::TooMany("stacks"));
        }
        if !self.default_set {
            p.default_metric = MetricId::from_index(p.metrics.len() - 1);
        }
        let (ns, nt, nl) = (p.stacks.len(), p.threads.len(), p.label_sets.len());
        for i in 0..p.samples.len() {
            if p.samples.stacks[i].is_some_and(|s| s.index() >= ns) {
                return Err(ModelError::DanglingId { sample: i, what: "stack" });
            }
            if p.samples.thread(i).is_some_and(|t| t.index() >= nt) {
                return Err(ModelError::DanglingId { sample: i, what: "thread" });
            }
            if p.samples.labels[i].index() >= nl {
                return Err(ModelError::DanglingId { sample: i, what: "label set" });
            }
        }
        for (i, r) in p.switches.iter().enumerate() {
            if r.stack.is_some_and(|s| s.index() >= ns) {
                return Err(ModelError::DanglingSwitch { index: i, what: "stack" });
            }
            if r.thread.is_some_and(|t| t.index() >= nt) {
                return Err(ModelError::DanglingSwitch { index: i, what: "thread" });
            }
            if r.sample.is_some_and(|s| s >= p.samples.len()) {
                return Err(ModelError::DanglingSwitch { index: i, what: "sample" });
            }
        }
        p.function_of = function_map(&p.frames, self.functions_by_name);
        Ok(self.p)
    }
}

fn function_map(frames: &FrameTable, by_name: bool) -> Vec<FrameId> {
    let mut first: HashMap<(&str, &str, super::FrameKind), FrameId, FxBuildHasher> = HashMap::default();
    frames
        .iter()
        .map(|(id, f)| {
            // An inlined copy of a function is the same function as its
            // out-of-line copy (pprof's "partial-inline" nodes are one node).
            let kind = if f.kind == super::FrameKind::Inline { super::FrameKind::User } else { f.kind };
            let module = if by_name { "" } else { f.module.as_str() };
            *first.entry((f.name.as_str(), module, kind)).or_insert(id)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FrameKind;

    #[test]
    fn times_and_threads_stay_empty_until_a_sample_has_one() {
        let mut b = ProfileBuilder::new("test");
        b.add_metric("samples", Unit::Count);
        let t = b.thread(Thread { pid: Some(1), tid: Some(2), name: "main".into() });
        b.add_sample(None, &[1], None, None, LabelSetId(0));
        b.add_sample(None, &[1], None, None, LabelSetId(0));
        assert!(b.p.samples.times_ns.is_empty() && b.p.samples.threads.is_empty());
        b.add_sample(None, &[1], Some(7), None, LabelSetId(0));
        b.add_sample(None, &[1], None, Some(t), LabelSetId(0));
        b.add_sample(None, &[1], None, None, LabelSetId(0));
        let p = b.finish().unwrap_or_else(|e| panic!("{e}"));
        let times: Vec<_> = (0..5).map(|i| p.samples.time_ns(i)).collect();
        let threads: Vec<_> = (0..5).map(|i| p.samples.thread(i)).collect();
        assert_eq!(times, [None, None, Some(7), None, None]);
        assert_eq!(threads, [None, None, None, Some(t), None]);
        assert_eq!((p.samples.times_ns.len(), p.samples.threads.len()), (5, 5));
        assert_eq!(p.time_range_ns(), Some((7, 7)));
    }

    #[test]
    fn rescales_fractional_weights_and_validates() {
        let mut b = ProfileBuilder::new("test");
        let m = b.add_metric("samples", Unit::Count);
        let f = b.frame(FrameRef::new("a", "", FrameKind::User));
        let s = b.stack(None, f);
        b.add_sample(Some(s), &[31], None, None, LabelSetId(0));
        b.ensure_decimals(m, 2);
        b.add_sample(Some(s), &[123], None, None, LabelSetId(0));
        let p = b.finish().unwrap_or_default();
        assert_eq!(p.total(m), 3223);
        assert_eq!(p.metric(m).format_exact(p.total(m)), "32.23");
        let mut bad = ProfileBuilder::new("test");
        bad.add_metric("samples", Unit::Count);
        bad.add_sample(Some(StackId(5)), &[1], None, None, LabelSetId(0));
        assert_eq!(bad.finish().err(), Some(ModelError::DanglingId { sample: 0, what: "stack" }));
    }

    #[test]
    fn keeps_switches_in_order_and_checks_their_ids() {
        use crate::model::{SwitchKind, SwitchRecord};
        let mut b = ProfileBuilder::new("test");
        b.add_metric("samples", Unit::Count);
        let t = b.thread(Thread { pid: Some(1), tid: Some(2), name: "main".into() });
        let out = SwitchRecord {
            thread: Some(t),
            state: Some('S'),
            ..SwitchRecord::new(10, 2, SwitchKind::Out { preempt: false })
        };
        b.add_switch(out.clone());
        b.add_switch(SwitchRecord::new(20, 2, SwitchKind::In));
        assert_eq!(b.switch_count(), 2);
        let p = b.finish().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.switches().len(), 2);
        assert_eq!(p.switches()[0], out);
        assert!(p.switches()[0].is_out() && !p.switches()[1].is_out());
        let mut bad = ProfileBuilder::new("test");
        bad.add_metric("samples", Unit::Count);
        bad.add_switch(SwitchRecord { stack: Some(StackId(3)), ..SwitchRecord::new(1, 1, SwitchKind::In) });
        assert_eq!(bad.finish().err(), Some(ModelError::DanglingSwitch { index: 0, what: "stack" }));
    }
}
