//! `Document`: one open profile in a tab, with its view state (zoom, view
//! range, selection, search) and the pure queries views need.
//!
//! Holds model types only; `app.rs` builds it from what the loading job
//! hands back. No egui widgets here.

use std::path::PathBuf;
use std::sync::Arc;

use crate::analysis::labels::{LabelPick, LabelShares, picks_of};
use crate::analysis::memory::MemoryView;
use crate::analysis::sample_count::SampleCount;
use crate::model::trace::TraceSet;
use crate::model::{
    CallTree, FrameId, FrameKind, FunctionTable, Metric, MetricId, NodeId, Profile, SampleFilter, Weight,
};
use crate::ui::flamegraph::FlameState;
use crate::ui::flamegraph::layout::extent;
use crate::ui::hot_table::HotTableState;
use crate::ui::trace_view::TraceView;
use crate::ui::view_range::ViewRange;

/// A search over function names and what it matched.
#[derive(Clone, Debug, Default)]
pub struct Search {
    /// The text searched for (case-insensitive substring); empty = no search.
    pub text: String,
    /// Per function frame, whether its name matches; empty when no search.
    pub matches: Vec<bool>,
    /// Weight of samples with a matching function anywhere on the stack (each sample once).
    pub matched_weight: Weight,
}

/// One open profile.
pub struct Document {
    /// Stable id (tabs move when others close).
    pub id: u64,
    /// Tab title: the file name.
    pub title: String,
    /// The file, when it came from disk.
    pub path: Option<PathBuf>,
    /// True for the sample shown at start.
    pub bundled: bool,
    /// Format name as loaders print it (`folded`, `perf script`, ...).
    pub format: String,
    /// The profile.
    pub profile: Arc<Profile>,
    /// Metric of `tree` and `functions`.
    pub metric: MetricId,
    /// Call tree of every sample for `metric`.
    pub tree: Arc<CallTree>,
    /// Function table of `tree`.
    pub functions: Arc<FunctionTable>,
    /// The node the flamegraph is zoomed to (root when not zoomed).
    pub zoom: NodeId,
    /// The horizontal window, inside the zoomed node's extent.
    pub view: ViewRange,
    /// The selected function (table row, highlighted boxes).
    pub selected: Option<FrameId>,
    /// The current search.
    pub search: Search,
    /// Text of the search box (widget state; becomes `search` through a command).
    pub flame_search_input: String,
    /// Flamegraph widget state.
    pub flame: FlameState,
    /// Hot-table widget state.
    pub table: HotTableState,
    /// A metric whose tree is being built on a worker thread.
    pub pending_metric: Option<MetricId>,
    /// The samples `tree`, `functions` and `memory` aggregate (label filter).
    pub filter: SampleFilter,
    /// Label picks whose views are being built on a worker thread.
    pub pending_labels: Option<Vec<LabelPick>>,
    /// Objects and bytes per function, when the metric has a partner.
    pub memory: Option<Arc<MemoryView>>,
    /// Label keys and values with their weight in the metric.
    pub labels: Arc<LabelShares>,
    /// The samples `tree` counts, of those with weight in `metric` (the
    /// status bar's "12,345 of 915,426 samples").
    pub samples: SampleCount,
    /// How the label panel sorts each key's values.
    pub label_sort: crate::ui::label_panel::LabelSort,
    /// Whether the label panel is shown (widget state). Default: true.
    pub labels_open: bool,
    /// The traces and their views, for trace files.
    pub traces: Option<TraceTab>,
    /// The kinds of the profile's frames (user, kernel, JIT ...), each
    /// once, in [`FrameKind`] order: what the colour key lists.
    pub frame_kinds: Vec<FrameKind>,
    /// The source view: the selected function's lines with their weights.
    pub source: crate::ui::profile::source_view::SourcePanel,
    /// Sample density over time per thread, when samples carry timestamps.
    pub timeline: Option<Arc<crate::analysis::timeline::Timeline>>,
    /// The timeline's widget state (a drag in progress).
    pub timeline_state: crate::ui::profile::timeline::TimelineState,
    /// The insights panel: thresholds, results, the evaluation running.
    pub insights: crate::ui::profile::insights_panel::InsightsState,
    /// Transforms, the call-tree tables and the callers/callees view;
    /// `profile` is its original with its transforms applied.
    pub drill: crate::ui::profile::Drill,
    /// Syscall and lock tables and the off-CPU split (see
    /// [`crate::analysis::waits`]), computed on the load worker.
    pub waits: crate::ui::profile::waits::Waits,
    /// The waits table is shown (strace files open on it).
    pub waits_open: bool,
}

/// The trace side of a document opened from OTLP or Jaeger.
pub struct TraceTab {
    /// The traces.
    pub set: Arc<TraceSet>,
    /// Waterfall, trace list, histogram and service tables.
    pub view: TraceView,
    /// Show the trace views (true) or the flamegraph of the projection (false).
    pub show: bool,
}

impl TraceTab {
    /// Trace views for `set`, shown first.
    pub fn new(set: Arc<TraceSet>) -> Self {
        let view = TraceView::new_shared(&set);
        Self { set, view, show: true }
    }

    /// Trace views for `set`, built on a worker thread (see
    /// [`TraceView::new_in_background`]); `ctx` repaints when they are ready.
    pub fn new_in_background(set: Arc<TraceSet>, ctx: &egui::Context) -> Self {
        let view = TraceView::new_in_background(&set, ctx);
        Self { set, view, show: true }
    }
}

impl Document {
    /// A document showing `tree`/`functions` of `profile` in `metric`, unzoomed.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: u64,
        title: String,
        path: Option<PathBuf>,
        format: String,
        profile: Arc<Profile>,
        metric: MetricId,
        tree: Arc<CallTree>,
        functions: Arc<FunctionTable>,
    ) -> Self {
        let frame_kinds = frame_kinds(&profile);
        let drill = crate::ui::profile::Drill::new(profile.clone());
        Self {
            id,
            title,
            path,
            bundled: false,
            format,
            profile,
            metric,
            tree,
            functions,
            zoom: NodeId(0),
            view: ViewRange::FULL,
            selected: None,
            search: Search::default(),
            flame_search_input: String::new(),
            flame: FlameState::default(),
            table: HotTableState::default(),
            pending_metric: None,
            filter: SampleFilter::default(),
            pending_labels: None,
            memory: None,
            labels: Arc::new(LabelShares::default()),
            samples: SampleCount::default(),
            label_sort: Default::default(),
            labels_open: true,
            traces: None,
            frame_kinds,
            source: Default::default(),
            timeline: None,
            timeline_state: Default::default(),
            insights: Default::default(),
            drill,
            waits: Default::default(),
            waits_open: false,
        }
    }

    /// Sets what comes with the tree: the filter it was built for, the
    /// memory view and the label shares.
    pub fn set_extras(&mut self, filter: SampleFilter, memory: Option<Arc<MemoryView>>, labels: Arc<LabelShares>) {
        if self.pending_labels.as_ref() == Some(&picks_of(&filter)) {
            self.pending_labels = None;
        }
        self.filter = filter;
        self.memory = memory;
        self.labels = labels;
    }

    /// The label picks in force, or being built when a rebuild is pending,
    /// sorted by key.
    pub fn picked_labels(&self) -> Vec<LabelPick> {
        self.pending_labels.clone().unwrap_or_else(|| picks_of(&self.filter))
    }

    /// The metric in use.
    pub fn metric(&self) -> &Metric {
        self.profile.metric(self.metric)
    }

    /// Replaces tree and table (after a metric switch or a transform); the
    /// search is kept, and the zoom where its path of functions is still
    /// in the new tree (else on the deepest part of it that is).
    pub fn set_views(&mut self, metric: MetricId, tree: Arc<CallTree>, functions: Arc<FunctionTable>) {
        let mut path = Vec::new();
        let mut n = self.zoom;
        while n != NodeId(0) && n.index() < self.tree.len() {
            let node = self.tree.node(n);
            path.extend(node.frame);
            n = node.parent.unwrap_or(NodeId(0));
        }
        self.metric = metric;
        self.tree = tree;
        self.functions = functions;
        let mut at = NodeId(0);
        for f in path.into_iter().rev() {
            match self.tree.children(at).find(|&c| self.tree.node(c).frame == Some(f)) {
                Some(c) => at = c,
                None => break,
            }
        }
        self.zoom = NodeId(0);
        self.view = ViewRange::FULL;
        if at != NodeId(0) {
            self.zoom_to(at);
        }
        self.pending_metric = None;
        let text = std::mem::take(&mut self.search.text);
        self.set_search(text);
    }

    /// Zooms to `node`: its box fills the width.
    pub fn zoom_to(&mut self, node: NodeId) {
        if node.index() < self.tree.len() {
            self.zoom = node;
            self.view = extent(&self.tree, node);
        }
    }

    /// Zooms out one level; at the root, resets the view range, and when
    /// that is already whole, clears the selected function (whose highlight
    /// would otherwise have no way out).
    pub fn zoom_out(&mut self) {
        if self.zoom == NodeId(0) && self.view == extent(&self.tree, NodeId(0)) {
            self.selected = None;
            return;
        }
        let parent = self.tree.node(self.zoom).parent.unwrap_or(NodeId(0));
        self.zoom_to(parent);
    }

    /// Sets the view range, clamped to the zoomed node.
    pub fn set_view(&mut self, view: ViewRange) {
        self.view = view.clamp_to(extent(&self.tree, self.zoom));
    }

    /// The node of function `frame` with the widest box (the largest
    /// absolute total: the total, or in a diff the increases plus the
    /// decreases), if any.
    pub fn heaviest_node(&self, frame: FrameId) -> Option<NodeId> {
        let mut best: Option<(Weight, usize)> = None;
        for (i, n) in self.tree.iter_nodes().enumerate() {
            if n.frame == Some(frame) && best.is_none_or(|(w, _)| n.abs_total > w) {
                best = Some((n.abs_total, i));
            }
        }
        best.map(|(_, i)| NodeId::from_index(i))
    }

    /// Searches function names for `text` (case-insensitive) and computes
    /// the matched weight: the totals of matching nodes with no matching
    /// ancestor, so each sample counts once. One pass: parents precede
    /// children in the arena.
    pub fn set_search(&mut self, text: String) {
        let needle = text.trim().to_lowercase();
        if needle.is_empty() {
            self.search = Search { text, ..Search::default() };
            return;
        }
        let matches: Vec<bool> =
            self.profile.frames.iter().map(|(_, f)| f.name.to_lowercase().contains(&needle)).collect();
        let mut covered = vec![false; self.tree.len()];
        let mut matched_weight: Weight = 0;
        for (i, n) in self.tree.iter_nodes().enumerate() {
            let above = n.parent.is_some_and(|p| covered[p.index()]);
            let here = n.frame.is_some_and(|f| matches.get(f.index()).copied().unwrap_or(false));
            if here && !above {
                matched_weight += n.total;
            }
            covered[i] = above || here;
        }
        self.search = Search { text, matches, matched_weight };
    }

    /// "json: 61.3% of cpu-clock" for the current search; `None` without one.
    pub fn search_share(&self) -> Option<String> {
        if self.search.matches.is_empty() {
            return None;
        }
        let pct = percent(self.search.matched_weight, self.tree.share_base);
        Some(format!("{}: {pct:.1}% of {}", self.search.text.trim(), self.metric().name))
    }

    /// Function names from the root's child down to the zoomed node.
    pub fn zoom_path(&self) -> Vec<(NodeId, &str)> {
        self.tree
            .path_to(self.zoom)
            .into_iter()
            .map(|id| (id, self.tree.node(id).frame.map_or("all", |f| self.profile.frames.shown_name(f))))
            .collect()
    }
}

/// The kinds `profile`'s frames have, each once, in [`FrameKind`] order.
pub fn frame_kinds(profile: &Profile) -> Vec<FrameKind> {
    let all = [FrameKind::User, FrameKind::Kernel, FrameKind::Jit, FrameKind::Inline, FrameKind::Unknown];
    let mut seen = [false; 5];
    for (_, f) in profile.frames.iter() {
        if let Some(k) = all.iter().position(|&k| k == f.kind) {
            seen[k] = true;
        }
    }
    all.into_iter().zip(seen).filter_map(|(k, s)| s.then_some(k)).collect()
}

/// `part` as a percentage of `whole` (0 when `whole` is 0).
pub fn percent(part: Weight, whole: Weight) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 }
}
