//! Views of one profile beyond the flamegraph and hot table, grouped by
//! what the user looks at: drilling in (the transform list of a tab, its
//! chips above the flamegraph and its right-click menu, the call-tree
//! tables beside the hot table, top-down and inverted, and the
//! callers/callees view), the timeline of sample density per thread with
//! its range selection, the insights panel, the source view with its
//! folders, the heap size over time of a massif profile, and the waits:
//! syscall table with its per-file table beside it, the lock table and
//! the off-CPU split.
//!
//! [`Drill`] is the per-tab state; its work (applying transforms, building
//! the inverted tree or a function's callers and callees) runs on worker
//! threads ([`crate::jobs::Work`]) and is polled each frame.

pub mod heap_chart;
pub mod insights_panel;
pub mod menu;
pub mod sandwich;
pub mod source_folders;
pub mod source_view;
pub mod syscall_files;
pub mod timeline;
pub mod tree_table;
pub mod waits;

use std::sync::Arc;

use egui::Ui;

use crate::analysis::sandwich::Sandwich;
use crate::analysis::transform::{self, Transform};
use crate::jobs::{Poll, Views, Work};
use crate::model::{CallTree, FrameId, Profile, SampleFilter};
use crate::ui::command::Command;
use crate::ui::document::Document;

/// A transform list applied: the new profile and its views, or why not.
type Transformed = Result<(Vec<Transform>, Arc<Profile>, Views, Vec<String>), String>;

/// Which table sits below the flamegraph.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BottomTab {
    /// The hot-function table.
    #[default]
    Functions,
    /// The top-down call tree.
    CallTree,
    /// The bottom-up (inverted) call tree.
    Inverted,
}

/// The per-tab drill-down state. See the module docs.
pub struct Drill {
    /// The profile as loaded; transforms apply to it.
    pub original: Arc<Profile>,
    /// The transforms in force, in order.
    pub transforms: Vec<Transform>,
    /// A list being applied on a worker.
    pub pending: Option<Vec<Transform>>,
    job: Option<Work<Transformed>>,
    /// What the last apply said: transforms that matched nothing, or an error.
    pub notes: Vec<String>,
    /// The table shown below the flamegraph.
    pub tab: BottomTab,
    /// Top-down tree table state.
    pub tree_table: tree_table::TreeTableState,
    /// Inverted tree table state.
    pub inverted_table: tree_table::TreeTableState,
    /// The inverted tree and the top-down tree it was built beside.
    pub inverted: Option<(Arc<CallTree>, Arc<CallTree>)>,
    inverted_job: Option<(Arc<CallTree>, Work<CallTree>)>,
    /// The callers/callees view, when open.
    pub sandwich: Option<sandwich::SandwichView>,
    sandwich_job: Option<(FrameId, Work<Result<Sandwich, String>>)>,
}

impl Drill {
    /// No transform on `original`.
    pub fn new(original: Arc<Profile>) -> Self {
        Self {
            original,
            transforms: Vec::new(),
            pending: None,
            job: None,
            notes: Vec::new(),
            tab: BottomTab::default(),
            tree_table: Default::default(),
            inverted_table: Default::default(),
            inverted: None,
            inverted_job: None,
            sandwich: None,
            sandwich_job: None,
        }
    }

    /// True while a worker computes something for this tab.
    pub fn is_busy(&self) -> bool {
        self.job.is_some() || self.inverted_job.is_some() || self.sandwich_job.is_some()
    }
}

/// Applies a drill command (transforms, callers/callees) to `doc`.
pub fn apply(doc: &mut Document, command: Command, ctx: &egui::Context) {
    match command {
        Command::PushTransform(t) => {
            let mut list = doc.drill.pending.clone().unwrap_or_else(|| doc.drill.transforms.clone());
            list.push(t);
            start_transforms(doc, list, ctx);
        }
        Command::RemoveTransform(i) => {
            let mut list = doc.drill.pending.clone().unwrap_or_else(|| doc.drill.transforms.clone());
            if i == usize::MAX {
                list.clear();
            } else if i < list.len() {
                list.remove(i);
            }
            start_transforms(doc, list, ctx);
        }
        Command::ShowCallers(None) => {
            doc.drill.sandwich = None;
            doc.drill.sandwich_job = None;
        }
        Command::ShowCallers(Some(f)) => {
            let profile = doc.profile.clone();
            let (metric, filter) = (doc.metric, doc.filter.clone());
            let name = profile.frames.name(f).to_string();
            let c = ctx.clone();
            let work = move || {
                crate::analysis::sandwich::sandwich(&profile, metric, &filter, &name).map_err(|e| e.to_string())
            };
            doc.drill.sandwich_job = Work::spawn(work, move || c.request_repaint()).map(|w| (f, w));
        }
        _ => {}
    }
}

/// Applies `list` to the tab's profile on a worker: when it only appends
/// to the transforms in force, the new ones apply to the profile they made
/// (each transform reads the result of the one before); otherwise all of
/// them to the original.
fn start_transforms(doc: &mut Document, list: Vec<Transform>, ctx: &egui::Context) {
    let done = &doc.drill.transforms;
    let appends = doc.drill.pending.is_none() && list.len() > done.len() && list.starts_with(done);
    let (base, todo, mut notes) = if appends {
        // The earlier transforms' warnings stay (not an error of a failed apply).
        let warnings = doc.drill.notes.iter().filter(|n| n.ends_with(transform::UNMATCHED)).cloned().collect();
        (doc.profile.clone(), list[done.len()..].to_vec(), warnings)
    } else {
        (doc.drill.original.clone(), list.clone(), Vec::new())
    };
    let (metric, filter) = (doc.metric, doc.filter.clone());
    let ts = list.clone();
    let work = move || -> Transformed {
        let (p, applied) = transform::apply(&base, &todo).map_err(|e| e.to_string())?;
        notes.extend(applied.warnings(&todo));
        let views = Views::build(&p, metric, &filter);
        Ok((ts, Arc::new(p), views, notes))
    };
    let c = ctx.clone();
    doc.drill.job = Work::spawn(work, move || c.request_repaint());
    doc.drill.pending = doc.drill.job.is_some().then_some(list);
}

/// Takes finished work into `doc`; starts the inverted tree when its tab
/// shows and the tree changed.
pub fn poll(doc: &mut Document, ctx: &egui::Context) {
    if let Some(job) = &doc.drill.job
        && let Poll::Done(result) = job.poll()
    {
        doc.drill.job = None;
        doc.drill.pending = None;
        match result {
            Some(Ok((list, profile, views, notes))) => {
                doc.drill.transforms = list;
                doc.drill.notes = notes;
                doc.profile = profile;
                doc.set_extras(views.filter, views.memory, views.labels);
                doc.samples = views.samples;
                doc.set_views(views.metric, views.tree, views.functions);
                doc.drill.sandwich = None;
            }
            Some(Err(e)) => doc.drill.notes = vec![e],
            None => doc.drill.notes = vec!["the worker applying the transforms stopped".into()],
        }
    }
    if let Some((_, job)) = &doc.drill.inverted_job
        && let Poll::Done(tree) = job.poll()
    {
        if let (Some(t), Some((beside, _))) = (tree, doc.drill.inverted_job.take()) {
            doc.drill.inverted = Some((Arc::new(t), beside));
            doc.drill.inverted_table = Default::default();
        }
        doc.drill.inverted_job = None;
    }
    if let Some((f, job)) = &doc.drill.sandwich_job
        && let Poll::Done(s) = job.poll()
    {
        let f = *f;
        doc.drill.sandwich_job = None;
        match s {
            Some(Ok(s)) => doc.drill.sandwich = Some(sandwich::SandwichView::new(f, s)),
            Some(Err(e)) => doc.drill.notes = vec![e],
            None => {}
        }
    }
    let stale = doc.drill.inverted.as_ref().is_none_or(|(_, beside)| !Arc::ptr_eq(beside, &doc.tree));
    let building = doc.drill.inverted_job.as_ref().is_some_and(|(beside, _)| Arc::ptr_eq(beside, &doc.tree));
    if doc.drill.tab == BottomTab::Inverted && stale && !building {
        let profile = doc.profile.clone();
        let filter = SampleFilter { inverted: true, ..doc.filter.clone() };
        let metric = doc.metric;
        let c = ctx.clone();
        doc.drill.inverted_job =
            Work::spawn(move || CallTree::build(&profile, metric, &filter), move || c.request_repaint())
                .map(|w| (doc.tree.clone(), w));
    }
}

/// The chips of the transforms in force above the flamegraph: each with a
/// × that removes it, and "Clear" for all. Nothing when there are none.
pub fn chips_ui(ui: &mut Ui, drill: &Drill) -> Vec<Command> {
    let mut out = Vec::new();
    let list = drill.pending.as_ref().unwrap_or(&drill.transforms);
    if list.is_empty() && drill.notes.is_empty() {
        return out;
    }
    ui.horizontal_wrapped(|ui| {
        if !list.is_empty() {
            ui.label("Transforms:");
        }
        for (i, t) in list.iter().enumerate() {
            let chip = egui::Button::new(format!("{}  ×", t.label())).corner_radius(10.0);
            if ui.add(chip).on_hover_text(format!("Remove this transform ({t})")).clicked() {
                out.push(Command::RemoveTransform(i));
            }
        }
        if list.len() > 1 && ui.small_button("Clear all").clicked() {
            out.push(Command::RemoveTransform(usize::MAX));
        }
        if drill.pending.is_some() {
            ui.spinner();
        }
        for n in &drill.notes {
            ui.colored_label(ui.visuals().warn_fg_color, n);
        }
    });
    out
}

/// The tab strip above the bottom table.
pub fn bottom_tabs_ui(ui: &mut Ui, drill: &mut Drill) {
    ui.horizontal(|ui| {
        for (tab, text) in [
            (BottomTab::Functions, "Functions"),
            (BottomTab::CallTree, "Call tree"),
            (BottomTab::Inverted, "Inverted tree"),
        ] {
            ui.selectable_value(&mut drill.tab, tab, text);
        }
    });
}
