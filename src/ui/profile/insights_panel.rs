//! The insights panel (right of the flamegraph): each rule's finding with
//! its severity, numbers and threshold, a "Show me" button that selects
//! and zooms to the function or path (or searches), and the thresholds,
//! adjustable. Evaluation runs on a worker ([`InsightsJob`]) whenever the
//! view's tree or a threshold changes; this file only draws and keeps the
//! panel's state.

use std::sync::Arc;

use egui::{Color32, RichText, Ui};

use crate::analysis::insights::{Insight, Severity, ShowMe, Thresholds};
use crate::jobs::{InsightsJob, Poll};
use crate::model::{CallTree, NodeId};
use crate::ui::command::Command;
use crate::ui::document::Document;

/// What the insights were evaluated for: the tree (by address) and the
/// thresholds (the panel's drag values are never NaN, so `==` is exact).
type Key = (usize, Thresholds);

fn key(tree: &Arc<CallTree>, t: &Thresholds) -> Key {
    (Arc::as_ptr(tree) as usize, *t)
}

/// The panel's state, kept per document.
#[derive(Debug, Default)]
pub struct InsightsState {
    /// Whether the panel is shown. Default: false.
    pub open: bool,
    /// The thresholds in force.
    pub thresholds: Thresholds,
    /// The last insights evaluated, and what for.
    pub result: Option<(Key, Vec<Insight>)>,
    job: Option<(Key, InsightsJob)>,
}

impl InsightsState {
    /// True while an evaluation runs.
    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    /// The insights shown (possibly of the previous tree while a new one is evaluated).
    pub fn insights(&self) -> &[Insight] {
        self.result.as_ref().map_or(&[], |(_, v)| v.as_slice())
    }
}

/// Takes a finished evaluation and, when the panel is open and the tree or
/// a threshold changed, starts another (called by the app every frame for
/// the active document).
pub fn refresh(doc: &mut Document, ctx: &egui::Context) {
    let s = &mut doc.insights;
    if let Some((k, job)) = &s.job
        && let Poll::Done(found) = job.poll()
    {
        if let Some(found) = found {
            s.result = Some((*k, found));
        }
        s.job = None;
    }
    if !s.open || doc.pending_metric.is_some() || doc.timeline_state.pending {
        return;
    }
    let want = key(&doc.tree, &s.thresholds);
    let have = s.job.as_ref().map(|(k, _)| *k).or(s.result.as_ref().map(|(k, _)| *k));
    if have == Some(want) {
        return;
    }
    let ctx = ctx.clone();
    let views = (doc.metric, Arc::clone(&doc.tree), Arc::clone(&doc.functions), doc.filter.clone());
    if let Some(job) = InsightsJob::spawn(Arc::clone(&doc.profile), views, s.thresholds, move || ctx.request_repaint())
    {
        s.job = Some((want, job));
    }
}

fn severity_colour(s: Severity, dark: bool) -> Color32 {
    match (s, dark) {
        (Severity::Red, true) => Color32::from_rgb(0xff, 0x6b, 0x5f),
        (Severity::Red, false) => Color32::from_rgb(0xc0, 0x20, 0x10),
        (Severity::Green, true) => Color32::from_rgb(0x5f, 0xd0, 0x6f),
        (Severity::Green, false) => Color32::from_rgb(0x10, 0x80, 0x30),
        (Severity::Info, true) => Color32::from_rgb(0x7a, 0xb0, 0xff),
        (Severity::Info, false) => Color32::from_rgb(0x20, 0x50, 0xb0),
    }
}

/// The commands "Show me" gives for `show` in `doc`'s current tree.
pub fn show_commands(doc: &Document, show: &ShowMe) -> Vec<Command> {
    match show {
        ShowMe::Function(f) => vec![Command::Select(Some(*f)), Command::ZoomToHeaviest(*f)],
        ShowMe::Path(frames) => {
            let mut node = doc.tree.root();
            for &f in frames {
                match doc.tree.child_with_frame(node, f) {
                    Some(c) => node = c,
                    None => break,
                }
            }
            let last = doc.tree.node(node).frame;
            let mut v = vec![Command::Select(last)];
            if node != NodeId(0) {
                v.push(Command::Zoom(node));
            }
            v
        }
        ShowMe::Search(text) => vec![Command::Search(text.clone())],
        ShowMe::Nothing => Vec::new(),
    }
}

/// Shows the panel's contents for `doc`.
pub fn ui(ui: &mut Ui, doc: &mut Document) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.horizontal(|ui| {
        ui.heading("Insights");
        if doc.insights.is_running() {
            ui.spinner();
        }
    });
    ui.label(format!("Rules read the flamegraph's samples ({}).", doc.metric().name));
    egui::CollapsingHeader::new("Thresholds").id_salt("insight_thresholds").show(ui, |ui| {
        thresholds_ui(ui, &mut doc.insights.thresholds);
    });
    ui.separator();
    let dark = ui.visuals().dark_mode;
    let mut show: Option<ShowMe> = None;
    egui::ScrollArea::vertical().id_salt("insights_list").auto_shrink([false, false]).show(ui, |ui| {
        if doc.insights.result.is_none() {
            ui.label("Evaluating…");
        } else if doc.insights.insights().is_empty() {
            ui.label("No rule found anything in these samples.");
        }
        for (k, i) in doc.insights.insights().iter().enumerate() {
            ui.push_id(("insight", k), |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(i.severity.name()).strong().color(severity_colour(i.severity, dark)));
                    ui.label(RichText::new(i.rule).strong());
                    let text = match i.rule {
                        "deep-stacks" => format!("{} frames (threshold {})", i.value, i.threshold),
                        "large-objects" => format!("{} B per object (threshold {} B)", i.value, i.threshold),
                        _ => format!("{:.2}% (threshold {}%)", i.value, i.threshold),
                    };
                    ui.weak(text);
                });
                ui.add(egui::Label::new(&i.message).wrap());
                if i.show != ShowMe::Nothing && ui.button("Show me").clicked() {
                    show = Some(i.show.clone());
                }
                ui.separator();
            });
        }
    });
    if let Some(s) = show {
        commands.extend(show_commands(doc, &s));
    }
    commands
}

fn thresholds_ui(ui: &mut Ui, t: &mut Thresholds) {
    let rows: [(&str, &mut f64, f64, &str); 12] = [
        ("dominant-function: self share", &mut t.dominant_pct, 100.0, "%"),
        ("hot-path: fan-out below", &mut t.fan_out_pct, 100.0, "%"),
        ("pareto: share of self", &mut t.pareto_pct, 100.0, "%"),
        ("deep-stacks: p95 depth over", &mut t.deep_frames, 100_000.0, " frames"),
        ("tiny-functions: each under", &mut t.tiny_each_pct, 100.0, "%"),
        ("tiny-functions: together", &mut t.tiny_total_pct, 100.0, "%"),
        ("tiny-functions: at least", &mut t.tiny_min_count, 1_000_000.0, " functions"),
        ("kernel-share: kernel self", &mut t.kernel_pct, 100.0, "%"),
        ("lock-wait: in lock functions", &mut t.lock_pct, 100.0, "%"),
        ("large-objects: bytes per object", &mut t.large_object_bytes, 1e12, " B"),
        ("leak-suspect: share of growth", &mut t.leak_pct, 100.0, "%"),
        ("recursion: share below re-entry", &mut t.recursion_pct, 100.0, "%"),
    ];
    egui::Grid::new("insight_threshold_grid").num_columns(2).show(ui, |ui| {
        for (label, value, max, suffix) in rows {
            let l = ui.label(label);
            ui.add(egui::DragValue::new(value).range(0.0..=max).speed(0.1).suffix(suffix)).labelled_by(l.id);
            ui.end_row();
        }
    });
    if ui.button("Defaults").clicked() {
        *t = Thresholds::default();
    }
}
