//! `Profile`: frames, stacks, metrics with units, samples and threads.

use super::frame::FrameTable;
use super::ids::{FrameId, LabelSetId, MetricId, StackId, ThreadId};
use super::stack::StackTable;
use super::switch::SwitchRecord;
use super::units::{Unit, Weight};

/// A metric: what a sample's weight measures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metric {
    /// Name as the producer calls it: `cpu-clock`, `cycles`, `samples`,
    /// `alloc_space`, `contentions`, `span self time` ...
    pub name: String,
    /// Unit of the values.
    pub unit: Unit,
    /// Fixed-point scale: weights are `value * 10^decimals`. 0 for every
    /// integer metric; folded files with fractional counts set it.
    pub decimals: u32,
}

impl Metric {
    /// `weight` as a float in the metric's unit (decimal scale removed), for display only.
    pub fn to_f64(&self, weight: Weight) -> f64 {
        weight as f64 / 10f64.powi(self.decimals as i32)
    }

    /// `weight` formatted for people in the metric's unit (`3.21 s`,
    /// `512.3 MiB`); counts exactly, with thousands separators
    /// (`9,223,372,036,854,775,933`), never rounded through `f64` (see
    /// [`super::units::format_weight`]).
    pub fn format(&self, weight: Weight) -> String {
        super::units::format_weight(&self.unit, weight, self.decimals)
    }

    /// `weight` printed exactly (`31.23`, `9223372036854775808`).
    pub fn format_exact(&self, weight: Weight) -> String {
        super::units::format_exact(weight, self.decimals)
    }
}

/// A thread or process that samples belong to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Thread {
    /// Process id, when known.
    pub pid: Option<u32>,
    /// Thread id, when known.
    pub tid: Option<u32>,
    /// Command or thread name (perf `comm`, py-spy thread name); may be empty.
    pub name: String,
}

/// A loader's note about input it could not use fully (a skipped line, a
/// replaced invalid UTF-8 sequence, a missing table). Never dropped silently.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// 1-based line, for text formats.
    pub line: Option<u64>,
    /// Byte offset into the (decompressed) input, when known.
    pub offset: Option<u64>,
    /// What was wrong and what was done about it.
    pub message: String,
}

/// A sample label value (pprof labels).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LabelValue {
    /// A string label (`endpoint=/orders`).
    Str(String),
    /// A numeric label with an optional unit (`bytes=1024 bytes`).
    Num {
        /// The value.
        value: i64,
        /// Its unit, as the producer named it.
        unit: Option<String>,
    },
}

impl LabelValue {
    /// True when `text` names this value of label `key`: a string value
    /// equal to it; a number written as printed (`1024 bytes`), bare
    /// (`1024`), or with its unit right after it (`1024bytes`, any case).
    /// A number without a unit takes the one pprof infers from its key
    /// (`NumLabelUnits`: `alignment` and `request` are bytes, other keys
    /// are their own unit), so Go heap profiles' unitless `bytes` labels
    /// match `bytes=1024 bytes`. This is what `--tag KEY=VALUE` and the
    /// label panel compare with.
    pub fn matches(&self, key: &str, text: &str) -> bool {
        match self {
            Self::Str(s) => s == text,
            Self::Num { value, unit } => {
                let t = text.trim();
                let digits = t.strip_prefix('-').unwrap_or(t);
                let end = t.len() - digits.len() + digits.bytes().take_while(u8::is_ascii_digit).count();
                let (num, rest) = t.split_at(end);
                if num.parse::<i64>().ok() != Some(*value) {
                    return false;
                }
                let rest = rest.trim();
                let implied = match unit.as_deref() {
                    Some(u) if !u.is_empty() => u,
                    _ if key == "alignment" || key == "request" => "bytes",
                    _ => key,
                };
                rest.is_empty() || rest.eq_ignore_ascii_case(implied)
            }
        }
    }
}

impl std::fmt::Display for LabelValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Str(s) => f.write_str(s),
            Self::Num { value, unit: Some(u) } => write!(f, "{value} {u}"),
            Self::Num { value, unit: None } => write!(f, "{value}"),
        }
    }
}

/// One key/value label.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    /// Label key.
    pub key: String,
    /// Label value.
    pub value: LabelValue,
}

/// The samples of a profile, stored column-wise.
///
/// `weights` is row-major: sample `i`, metric `m` is at
/// `i * metric_count + m`. `stacks`, `weights` and `labels` have one entry
/// per sample; `times_ns` and `threads` are sparse: empty while no sample
/// has a time (or thread), and from the first one that has, one entry per
/// sample (pprof has neither, and its million-sample profiles then save 24
/// bytes a sample). Read them with [`Samples::time_ns`] and
/// [`Samples::thread`].
#[derive(Clone, Debug, Default)]
pub struct Samples {
    /// Leaf stack of each sample; `None` for a sample with an empty stack.
    pub stacks: Vec<Option<StackId>>,
    /// Weights, row-major by sample, one per metric.
    pub weights: Vec<Weight>,
    /// Timestamp in ns (format-defined epoch), when the format has one;
    /// sparse (see the type's docs).
    pub times_ns: Vec<Option<u64>>,
    /// Thread of each sample, when the format has one; sparse (see the
    /// type's docs).
    pub threads: Vec<Option<ThreadId>>,
    /// Label set of each sample (`LabelSetId(0)` = no labels).
    pub labels: Vec<LabelSetId>,
    /// The producer's identity of each sample's stack where several of its
    /// stacks become one model stack (pprof: the sample's location list,
    /// whose locations are addresses, not functions and lines); empty for
    /// formats without one, else indexed by sample ([`NO_ORIGIN`] or past
    /// the end = none). pprof merges and scales samples by this identity
    /// (`-normalize`), so a comparison that must round as it does reads it
    /// with [`Samples::origin`].
    pub origins: Vec<u32>,
}

/// "No origin" in [`Samples::origins`].
pub const NO_ORIGIN: u32 = u32::MAX;

impl Samples {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.stacks.len()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.stacks.is_empty()
    }

    /// Time of sample `i` in ns, if it has one.
    #[inline]
    pub fn time_ns(&self, i: usize) -> Option<u64> {
        self.times_ns.get(i).copied().flatten()
    }

    /// Thread of sample `i`, if it has one.
    #[inline]
    pub fn thread(&self, i: usize) -> Option<ThreadId> {
        self.threads.get(i).copied().flatten()
    }

    /// The producer's stack identity of sample `i` (see [`Samples::origins`]).
    #[inline]
    pub fn origin(&self, i: usize) -> Option<u32> {
        self.origins.get(i).copied().filter(|&o| o != NO_ORIGIN)
    }
}

/// Appends `v` for sample `i` to a sparse column (see [`Samples`]).
#[inline]
pub(crate) fn push_sparse<T: Copy>(column: &mut Vec<Option<T>>, i: usize, v: Option<T>) {
    if v.is_some() || !column.is_empty() {
        if column.len() < i {
            column.resize(i, None);
        }
        column.push(v);
    }
}

/// A loaded profile. Built only through [`crate::model::ProfileBuilder`],
/// whose `finish()` checks every invariant documented here.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    /// Short format name: `perf-script`, `folded`, `pprof`, `otlp`, `jaeger`.
    pub format: String,
    /// Interned frames.
    pub frames: FrameTable,
    /// The stack prefix tree.
    pub stacks: StackTable,
    /// Metrics (at least one).
    pub metrics: Vec<Metric>,
    /// The metric views show first (pprof's default_sample_type, else the last).
    pub default_metric: MetricId,
    /// The samples.
    pub samples: Samples,
    /// Threads referenced by samples.
    pub threads: Vec<Thread>,
    /// Interned label sets; index 0 is the empty set.
    pub label_sets: Vec<Vec<Label>>,
    /// Descriptive key/value pairs for `info` (period, duration, comments ...), in load order.
    pub meta: Vec<(String, String)>,
    /// Warnings, at most [`crate::model::builder::MAX_STORED_WARNINGS`] kept.
    pub warnings: Vec<Warning>,
    /// How many warnings there were in all (may exceed `warnings.len()`).
    pub warnings_total: u64,
    /// For each frame, the first frame with the same name, module and kind:
    /// the function it belongs to. Frames that differ only by file or line
    /// map to one function, so views and tables aggregate by function.
    pub function_of: Vec<FrameId>,
    /// Context switches in load order (see [`crate::model::switch`]); empty
    /// for formats without them. Read with [`Profile::switches`].
    pub switches: Vec<SwitchRecord>,
}

impl Profile {
    /// The metric behind `id`.
    pub fn metric(&self, id: MetricId) -> &Metric {
        &self.metrics[id.index()]
    }

    /// The metric named `name` (exact, then case-insensitive), else the one
    /// at position `name` when it is a number (pprof's `-sample_index=1`).
    pub fn metric_by_name(&self, name: &str) -> Option<MetricId> {
        let pos = self
            .metrics
            .iter()
            .position(|m| m.name == name)
            .or_else(|| self.metrics.iter().position(|m| m.name.eq_ignore_ascii_case(name)))
            .or_else(|| name.parse::<usize>().ok().filter(|&i| i < self.metrics.len()))?;
        Some(MetricId::from_index(pos))
    }

    /// Weight of sample `i` for metric `m`.
    #[inline]
    pub fn weight(&self, i: usize, m: MetricId) -> Weight {
        self.samples.weights[i * self.metrics.len() + m.index()]
    }

    /// Exact sum of every sample's weight for metric `m`.
    pub fn total(&self, m: MetricId) -> Weight {
        (0..self.samples.len()).map(|i| self.weight(i, m)).sum()
    }

    /// [`Profile::total`] of every metric, in metric order, in one pass over
    /// the samples' weights (a pass per metric reads them all each time).
    pub fn totals(&self) -> Vec<Weight> {
        let n = self.metrics.len();
        let mut out: Vec<Weight> = vec![0; n];
        if n > 0 {
            for row in self.samples.weights.chunks_exact(n) {
                for (o, w) in out.iter_mut().zip(row) {
                    *o += *w;
                }
            }
        }
        out
    }

    /// Number of distinct stacks the samples end in: each stack that some
    /// sample references counted once (what `sort -u` of a folded file's
    /// stacks counts); samples with an empty stack are not counted.
    /// [`Profile::stacks`] holds more: every prefix of these stacks, that
    /// is every node of the frame-level call tree.
    pub fn distinct_stacks(&self) -> usize {
        let mut seen = vec![false; self.stacks.len()];
        let mut n = 0;
        for s in self.samples.stacks.iter().flatten() {
            if let Some(slot) = seen.get_mut(s.index())
                && !*slot
            {
                *slot = true;
                n += 1;
            }
        }
        n
    }

    /// Smallest and largest sample timestamp in ns, when samples have them.
    pub fn time_range_ns(&self) -> Option<(u64, u64)> {
        let mut it = self.samples.times_ns.iter().flatten();
        let first = *it.next()?;
        Some(it.fold((first, first), |(lo, hi), &t| (lo.min(t), hi.max(t))))
    }

    /// The labels of sample `i`.
    pub fn labels(&self, i: usize) -> &[Label] {
        let id = self.samples.labels.get(i).copied().unwrap_or(LabelSetId(0));
        self.label_sets.get(id.index()).map_or(&[], Vec::as_slice)
    }

    /// The context switches the input recorded, in load order.
    pub fn switches(&self) -> &[SwitchRecord] {
        &self.switches
    }

    /// The function frame of `frame` (see [`Profile::function_of`]).
    #[inline]
    pub fn function(&self, frame: FrameId) -> FrameId {
        self.function_of.get(frame.index()).copied().unwrap_or(frame)
    }
}
