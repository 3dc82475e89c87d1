//! Span ↔ profile in the window: when a CPU profile whose samples carry
//! span labels is linked to the trace file ([`LinkedProfile`]), selecting a
//! span shows the flamegraph of its samples (optionally with its
//! descendants'), its CPU time beside its wall time, and which span names
//! have no sample at all. The tree is built from the linked profile with
//! the span's sample filter ([`SpanProfile::filter`]) and cached per
//! (span, descendants). Imports `model`, `analysis` and egui.

use std::sync::Arc;

use egui::{RichText, Ui};

use crate::analysis::span_profile::SpanProfile;
use crate::model::trace::TraceSet;
use crate::model::units::format_duration_ns;
use crate::model::{CallTree, NodeId, Profile, Weight};
use crate::ui::command::Command;
use crate::ui::flamegraph::layout::extent;
use crate::ui::flamegraph::{self, FlameInput, FlameState};
use crate::ui::settings::Orientation;
use crate::ui::view_range::ViewRange;

/// A profile linked to a trace file by span labels.
#[derive(Debug)]
pub struct LinkedProfile {
    /// The profile tab's title (its file name).
    pub title: String,
    /// The profile.
    pub profile: Arc<Profile>,
    /// The join.
    pub link: SpanProfile,
    /// Span names with no sample in any of their spans: (service, name, spans).
    pub names_without: Vec<(String, String, usize)>,
    /// Per service, the weight of its spans' samples, heaviest first.
    pub service_cpu: Vec<(String, Weight)>,
}

impl LinkedProfile {
    /// Joins `profile` (titled `title`) with `set`; `None` when no sample
    /// carries a span label.
    pub fn new(title: String, profile: Arc<Profile>, set: &TraceSet) -> Option<Self> {
        let link = crate::analysis::span_profile::link(set, &profile)?;
        let names_without = link.names_without_samples(set);
        let service_cpu = link.service_cpu(set);
        Some(Self { title, profile, link, names_without, service_cpu })
    }

    /// The CPU of service `service` as people read it, or "0".
    pub fn service_cpu_text(&self, service: &str) -> String {
        let w = self.service_cpu.iter().find(|(s, _)| s == service).map_or(0, |(_, w)| *w);
        self.profile.metric(self.link.metric).format(w)
    }

    /// CPU of span `s` of trace `t` as people read it (`30 ms`), with or without descendants.
    pub fn cpu_text(&self, t: usize, s: usize, descendants: bool) -> String {
        let w = if descendants { self.link.cpu_with_descendants_of(t, s) } else { self.link.cpu_of(t, s) };
        self.profile.metric(self.link.metric).format(w)
    }

    /// "CPU 30 ms of 72 ms wall (42%): mostly waiting" for span `s` of trace `t`.
    pub fn cpu_line(&self, set: &TraceSet, t: usize, s: usize) -> Option<String> {
        let span = set.traces.get(t)?.spans.get(s)?;
        let own = self.link.cpu_of(t, s);
        let wall = span.duration_ns();
        let ns = self.to_ns(own);
        let share = if wall == 0 { 0.0 } else { ns as f64 * 100.0 / wall as f64 };
        let verdict = match share {
            x if x >= 70.0 => "CPU-bound",
            x if x >= 20.0 => "partly on CPU",
            _ if own == 0 => "no sample: waiting, or shorter than the sampling period",
            _ => "mostly waiting",
        };
        Some(format!(
            "CPU {} of {} wall ({share:.0}%): {verdict}",
            self.profile.metric(self.link.metric).format(own),
            format_duration_ns(wall as f64)
        ))
    }

    fn to_ns(&self, w: Weight) -> Weight {
        use crate::model::units::Unit;
        match self.profile.metric(self.link.metric).unit {
            Unit::Microseconds => w * 1_000,
            Unit::Milliseconds => w * 1_000_000,
            Unit::Seconds => w * 1_000_000_000,
            _ => w,
        }
    }
}

/// The span flamegraph's state.
#[derive(Debug, Default)]
pub struct SpanFlame {
    /// Include the span's descendants' samples. Default: false.
    pub descendants: bool,
    built_for: Option<(usize, usize, bool)>,
    tree: Option<Arc<CallTree>>,
    zoom: NodeId,
    view: ViewRange,
    flame: FlameState,
}

impl SpanFlame {
    /// The tree shown, once a span is selected.
    pub fn tree(&self) -> Option<&CallTree> {
        self.tree.as_deref()
    }

    /// The flamegraph widget's state (its last layout, for tests).
    pub fn flame(&self) -> &FlameState {
        &self.flame
    }

    fn rebuild(&mut self, linked: &LinkedProfile, set: &TraceSet, t: usize, s: usize) {
        let key = (t, s, self.descendants);
        if self.built_for == Some(key) {
            return;
        }
        let filter = linked.link.filter(set, t, s, self.descendants);
        // A span's samples are a small part of a profile, but the pass is
        // over every sample: linear in the profile, like a label pick.
        self.tree = Some(Arc::new(CallTree::build(&linked.profile, linked.link.metric, &filter)));
        self.built_for = Some(key);
        self.zoom = NodeId(0);
        self.view = ViewRange::FULL;
    }

    /// Shows the CPU of `selected` (trace, span) and its flamegraph.
    pub fn ui(&mut self, ui: &mut Ui, linked: &LinkedProfile, set: &TraceSet, selected: Option<(usize, usize)>) {
        let Some((t, s)) = selected else {
            ui.label(format!(
                "Linked with {}: {} spans carry CPU samples. Select a span to see the flamegraph of its samples.",
                linked.title,
                linked.link.spans_with_samples()
            ));
            return;
        };
        let Some(span) = set.traces.get(t).and_then(|tr| tr.spans.get(s)) else { return };
        ui.horizontal_wrapped(|ui| {
            ui.strong(format!("CPU of {}: {}", span.service, span.name));
            if let Some(line) = linked.cpu_line(set, t, s) {
                ui.label(line);
            }
            ui.checkbox(&mut self.descendants, "include descendants").on_hover_text(format!(
                "Add the samples of the spans under it: {} with descendants",
                linked.cpu_text(t, s, true)
            ));
        });
        self.rebuild(linked, set, t, s);
        let Some(tree) = self.tree.clone() else { return };
        if tree.total() == 0 {
            ui.label(RichText::new(format!(
                "No sample of {} names this span{}: it waited (I/O, locks, other spans) or ran shorter than the \
                 sampling period.",
                linked.title,
                if self.descendants { " or its descendants" } else { "" }
            )));
            return;
        }
        let profile = &linked.profile;
        let input = FlameInput {
            profile,
            tree: &tree,
            metric: profile.metric(linked.link.metric),
            zoom: self.zoom,
            view: self.view,
            orientation: Orientation::Icicle,
            selected: None,
            matches: None,
            unfiltered_total: Some(linked.link.total),
        };
        for c in flamegraph::ui(ui, &mut self.flame, &input) {
            match c {
                Command::Zoom(node) if node.index() < tree.len() => {
                    self.zoom = node;
                    self.view = extent(&tree, node);
                }
                Command::ZoomOut => {
                    let parent = tree.node(self.zoom).parent.unwrap_or(NodeId(0));
                    self.zoom = parent;
                    self.view = extent(&tree, parent);
                }
                Command::SetView(v) => self.view = v.clamp_to(extent(&tree, self.zoom)),
                _ => {}
            }
        }
    }
}

/// The list of span names with no sample, for the linked set.
pub fn names_without_samples_ui(ui: &mut Ui, linked: &LinkedProfile) {
    let names = &linked.names_without;
    egui::CollapsingHeader::new(format!("Span names without CPU samples ({})", names.len()))
        .id_salt("names_without_samples")
        .show(ui, |ui| {
            if names.is_empty() {
                ui.label("Every span name has samples in some span.");
            }
            for (service, name, n) in names {
                ui.label(format!("{service}: {name} ({n} spans)"));
            }
        });
    // CPU per service and span name is the tables' CPU column; what no
    // span of the file accounts for is said here.
    let m = linked.profile.metric(linked.link.metric);
    ui.label(
        RichText::new(format!(
            "CPU of {} in no span of this file: {}",
            linked.title,
            m.format(linked.link.total - linked.link.matched_weight())
        ))
        .weak(),
    )
    .on_hover_text("Samples without a span label, or naming spans the trace file does not have");
}
