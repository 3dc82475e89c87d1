//! Insights: the seed's reading rules ("a very wide single function is your
//! bottleneck", "a very deep stack: consider inlining", "the 20% of code
//! that takes 80% of the time" ...) computed for the user. Pure: each rule
//! reads the call tree, the function table and the profile of one view and
//! says what it found, with its numbers, the threshold it compared them to
//! and what to show ([`ShowMe`]). Imports `model` and sibling analyses only.
//!
//! One file per group of rules (ChromeDevTools' `models/trace/insights/`
//! keeps one per rule): [`functions`] (dominant function, balanced profile,
//! pareto, tiny functions), [`stacks`] (hot path, deep stacks, recursion),
//! [`kinds`] (kernel share, lock wait), [`memory`] (large objects, leak
//! suspects). Every number an insight prints is one a table shows: shares
//! are of the tree's share base with two decimals, as the hot table prints
//! them, and weights are formatted by the metric. The output is
//! deterministic: rules run in a fixed order and each sorts its findings.

pub mod functions;
pub mod kinds;
pub mod memory;
pub mod stacks;

use crate::analysis::compare::Side;
use crate::model::{CallTree, FrameId, FunctionTable, MetricId, Profile, SampleFilter, Weight};

/// How an insight reads: a red flag, a green flag, or information.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Something to look at.
    Red,
    /// Something that says where to look, neither good nor bad.
    Info,
    /// A sign of health (a balanced profile).
    Green,
}

impl Severity {
    /// `red`, `info` or `green`, as the JSON spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Red => "red",
            Self::Info => "info",
            Self::Green => "green",
        }
    }
}

/// What "show me" does for an insight in the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShowMe {
    /// Select the function and zoom to its widest box.
    Function(FrameId),
    /// Zoom to the node at the end of this path of functions from the root.
    Path(Vec<FrameId>),
    /// Search for this text (many functions at once).
    Search(String),
    /// Nothing to show in this profile (a finding over several files).
    Nothing,
}

/// One finding. See the module docs.
#[derive(Clone, Debug, PartialEq)]
pub struct Insight {
    /// The rule's name (`dominant-function`, `hot-path` ...).
    pub rule: &'static str,
    /// Red, green or info.
    pub severity: Severity,
    /// The functions it is about, most important first.
    pub subjects: Vec<String>,
    /// The number the rule measured (a share in percent, a depth in
    /// frames, bytes per object ...; the message says which).
    pub value: f64,
    /// What `value` was compared to.
    pub threshold: f64,
    /// One or two sentences with the numbers.
    pub message: String,
    /// What "show me" does.
    pub show: ShowMe,
}

/// The thresholds of every rule, adjustable from the CLI and the panel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    /// dominant-function: a function's self share, percent. Default: 20.
    pub dominant_pct: f64,
    /// hot-path: the path goes on while the heaviest child keeps at least
    /// this share of its parent's total, percent. Default: 50.
    pub fan_out_pct: f64,
    /// pareto: the share of self the k functions hold, percent. Default: 80.
    pub pareto_pct: f64,
    /// deep-stacks: p95 stack depth over this many frames. Default: 64.
    pub deep_frames: f64,
    /// tiny-functions: a function under this self share is tiny, percent.
    /// Default: 0.5.
    pub tiny_each_pct: f64,
    /// tiny-functions: tiny functions together hold at least this share,
    /// percent. Default: 30.
    pub tiny_total_pct: f64,
    /// tiny-functions: and there are at least this many of them. Default: 20.
    pub tiny_min_count: f64,
    /// kernel-share: self share in kernel frames, percent. Default: 30.
    pub kernel_pct: f64,
    /// lock-wait: in a CPU profile, the share of samples under a lock
    /// function; in a contention profile, the share of the top waiting
    /// site, percent. Default: 10.
    pub lock_pct: f64,
    /// large-objects: bytes per object a function allocates. Default:
    /// 32768 (Go's allocator treats larger objects apart).
    pub large_object_bytes: f64,
    /// leak-suspect: a suspect's share of the series' growth, percent.
    /// Default: 10.
    pub leak_pct: f64,
    /// recursion: the share of the total spent in a function's recursive
    /// calls, percent. Default: 5.
    pub recursion_pct: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            dominant_pct: 20.0,
            fan_out_pct: 50.0,
            pareto_pct: 80.0,
            deep_frames: 64.0,
            tiny_each_pct: 0.5,
            tiny_total_pct: 30.0,
            tiny_min_count: 20.0,
            kernel_pct: 30.0,
            lock_pct: 10.0,
            large_object_bytes: 32768.0,
            leak_pct: 10.0,
            recursion_pct: 5.0,
        }
    }
}

/// What the rules read: one view of one profile, and for leak-suspect the
/// heap series it belongs to.
#[derive(Clone, Copy)]
pub struct Input<'a> {
    /// The profile.
    pub profile: &'a Profile,
    /// The metric of `tree`.
    pub metric: MetricId,
    /// The top-down call tree of the view.
    pub tree: &'a CallTree,
    /// Its function table.
    pub table: &'a FunctionTable,
    /// The samples the view keeps (memory rules rebuild their pair with it).
    pub filter: &'a SampleFilter,
    /// Several snapshots of one process, oldest first, for leak-suspect;
    /// empty otherwise.
    pub series: &'a [Side<'a>],
}

impl Input<'_> {
    /// `w` as a percentage of the share base, rounded to two decimals as
    /// the hot table prints it.
    pub fn pct(&self, w: Weight) -> f64 {
        round2(pct(w, self.tree.share_base))
    }

    /// `w` in the metric's unit, as the tables print it.
    pub fn fmt(&self, w: Weight) -> String {
        self.profile.metric(self.metric).format(w)
    }

    /// The shown name of function `f`.
    pub fn name(&self, f: FrameId) -> String {
        self.profile.frames.shown_name(f).to_string()
    }

    /// The metric's name.
    pub fn metric_name(&self) -> &str {
        &self.profile.metric(self.metric).name
    }
}

/// `part` of `whole` in percent (unsigned; 0 when `whole` is 0).
pub fn pct(part: Weight, whole: Weight) -> f64 {
    if whole == 0 { 0.0 } else { part.unsigned_abs() as f64 * 100.0 / whole.unsigned_abs() as f64 }
}

/// Rounded to two decimals, as tables print shares.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A rule: reads the input, appends what it found.
type Rule = fn(&Input<'_>, &Thresholds, &mut Vec<Insight>);

/// Every rule, in the order they report.
const RULES: &[Rule] = &[
    functions::dominant_function,
    stacks::hot_path,
    functions::pareto,
    stacks::deep_stacks,
    functions::tiny_functions,
    kinds::kernel_share,
    kinds::lock_wait,
    memory::large_objects,
    memory::leak_suspect,
    stacks::recursion,
    functions::balanced,
];

/// Runs every rule over `input`: red flags first, then information, then
/// green flags, each group in rule order. An empty tree gives nothing.
pub fn evaluate(input: &Input<'_>, thresholds: &Thresholds) -> Vec<Insight> {
    let mut out = Vec::new();
    if input.tree.total() == 0 && input.series.is_empty() {
        return out;
    }
    for rule in RULES {
        rule(input, thresholds, &mut out);
    }
    out.sort_by_key(|i| i.severity);
    out
}
