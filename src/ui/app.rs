//! `FiresightApp`: tabs, menus, open and drop routing, background jobs; it
//! applies the [`Command`]s the views return.
//!
//! The only UI file that names what `jobs` hands back. Persisted settings
//! (recent files, theme, orientation) live in [`Settings`], apart from
//! runtime state.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::Instant;

use egui::{Key, Ui};

use crate::analysis::labels::{LabelPick, picks_of, picks_text, with_picks};
use crate::jobs::{LoadJob, Source, TreeJob};
use crate::load::LoadOptions;
use crate::ui::command::Command;
use crate::ui::document::Document;
use crate::ui::failed_tab::{self, FailedLoad};
use crate::ui::open_path::{self, DialogAnswer, OpenPathState};
use crate::ui::settings::{Orientation, STORAGE_KEY, Settings};
use crate::ui::shell::{self, LoadingRow, Message};
use crate::ui::tabs::{TabKind, Tabs};
use crate::ui::{export_job, profile_view, sample};

mod loads;
mod source;

/// How the app starts.
#[derive(Clone, Debug)]
pub struct AppOptions {
    /// Files to open at start (the command line's `FILE...`).
    pub files: Vec<PathBuf>,
    /// Show the bundled sample when `files` is empty. Default: true.
    pub bundled_sample: bool,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self { files: Vec::new(), bundled_sample: true }
    }
}

/// Shows a file dialog and returns what rfd's `pick_files` returns: the
/// picked files, an empty list when cancelled, `None` when no dialog could
/// be shown (Linux: neither the XDG portal nor zenity). Runs on a worker
/// thread.
pub type FilePicker = Arc<dyn Fn() -> Option<Vec<PathBuf>> + Send + Sync>;

fn native_picker() -> FilePicker {
    Arc::new(|| rfd::FileDialog::new().set_title("Open a profile or trace").pick_files())
}

/// The application: every open document and everything running for them.
pub struct FiresightApp {
    settings: Settings,
    tabs: Tabs,
    next_id: u64,
    loads: Vec<LoadJob>,
    /// The document id of each load, taken when it starts, so tabs keep the
    /// order files were asked for (command line, drop) whatever order the
    /// loads finish in.
    load_ids: Vec<u64>,
    tree_jobs: Vec<(u64, TreeJob)>,
    messages: Vec<Message>,
    warnings_open: bool,
    dialog: Option<Receiver<DialogAnswer>>,
    picker: FilePicker,
    /// Empty dialog answers in a row that came faster than a person can cancel.
    quick_cancels: u32,
    /// The "Open file" modal with a path field, when shown.
    open_path: Option<OpenPathState>,
    exports: Vec<Receiver<Message>>,
    focus_search: bool,
    /// Comparisons being asked for, loaded and rebuilt (issue 11).
    compare: crate::ui::compare::open::Comparisons,
    ctx: egui::Context,
}

impl FiresightApp {
    /// Creates the app, restoring settings from eframe storage when there is one.
    pub fn new(cc: &eframe::CreationContext<'_>, options: AppOptions) -> Self {
        let settings: Settings = cc.storage.and_then(|s| eframe::get_value(s, STORAGE_KEY)).unwrap_or_default();
        // eframe restores egui's memory of the last run, widget state
        // included; ours (table scroll offsets, panel sizes) is keyed by
        // document ids that start again at 1, so a file opened now would
        // inherit the offsets of whatever the same tab showed last time.
        // Widget state belongs to a document and ends with it; egui's
        // options (zoom) and window positions stay.
        cc.egui_ctx.data_mut(egui::util::IdTypeMap::clear);
        cc.egui_ctx.set_theme(settings.theme.preference());
        crate::ui::theme::readable_text(&cc.egui_ctx);
        crate::ui::fonts::symbols_from_monospace(&cc.egui_ctx);
        // A CJK font file is 5 to 30 MB: read it off the UI thread; egui
        // takes the font whenever it arrives and repaints.
        let ctx = cc.egui_ctx.clone();
        let _ = std::thread::Builder::new()
            .name("firesight-fonts".into())
            .spawn(move || crate::ui::fonts::add_fallback(&ctx, crate::ui::fonts::CANDIDATES));
        let mut app = Self {
            settings,
            tabs: Tabs::default(),
            next_id: 1,
            loads: Vec::new(),
            load_ids: Vec::new(),
            tree_jobs: Vec::new(),
            messages: Vec::new(),
            warnings_open: false,
            dialog: None,
            picker: native_picker(),
            quick_cancels: 0,
            open_path: None,
            exports: Vec::new(),
            focus_search: false,
            compare: crate::ui::compare::open::Comparisons::new(cc.egui_ctx.clone()),
            ctx: cc.egui_ctx.clone(),
        };
        if options.files.is_empty() && options.bundled_sample {
            app.start_load(Source::Embedded { name: sample::NAME.to_string(), bytes: sample::BYTES });
        }
        for f in options.files {
            app.start_load(Source::Path(f));
        }
        app
    }

    /// The open documents, in tab order.
    pub fn documents(&self) -> &[Document] {
        &self.tabs.docs
    }

    /// The loads that failed and still have their tab, in tab order.
    pub fn failed_loads(&self) -> &[FailedLoad] {
        &self.tabs.failed
    }

    /// The active document (`None` when the active tab is a failed load).
    pub fn active_document(&self) -> Option<&Document> {
        self.tabs.active_doc()
    }

    /// Index of the active tab (documents and failed loads together).
    pub fn active_index(&self) -> usize {
        self.tabs.active_index()
    }

    /// True while a load or a tree build runs.
    pub fn is_busy(&self) -> bool {
        !self.loads.is_empty()
            || !self.tree_jobs.is_empty()
            || self.compare.is_busy()
            || self.tabs.docs.iter().any(|d| {
                d.source.job.is_some()
                    || d.insights.is_running()
                    || d.drill.is_busy()
                    || d.traces.as_ref().is_some_and(|t| t.view.is_building())
            })
    }

    /// Loads in progress: file name, bytes read, total.
    pub fn loading(&self) -> Vec<LoadingRow> {
        self.loads
            .iter()
            .map(|j| {
                let (read, total) = j.bytes();
                let decompressed = j.progress.bytes_decompressed.load(std::sync::atomic::Ordering::Relaxed);
                LoadingRow { name: j.source.display_name(), read, total, decompressed }
            })
            .chain(self.compare.loading())
            .collect()
    }

    /// Messages shown above the document (notes, dialog and export outcomes;
    /// a failed load has a tab of its own).
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// Replaces the native file dialog (default: rfd's `pick_files`), for
    /// tests and for platforms where another picker works better.
    pub fn set_file_picker(&mut self, picker: FilePicker) {
        self.picker = picker;
    }

    /// The "Open file" modal's state, when it is shown.
    pub fn open_path(&self) -> Option<&OpenPathState> {
        self.open_path.as_ref()
    }

    /// The comparison tabs, in tab order.
    pub fn comparisons(&self) -> &[crate::ui::compare::CompareTab] {
        &self.tabs.compares
    }

    /// Replaces the Compare dialogs (default: rfd's), as [`Self::set_file_picker`].
    pub fn set_compare_picker(&mut self, picker: crate::ui::compare::open::ComparePicker) {
        self.compare.set_picker(picker);
    }

    /// The persisted settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Applies one command, as if a view had returned it.
    pub fn apply(&mut self, command: Command) {
        match command {
            Command::Open(path) => self.start_load(Source::Path(path)),
            Command::Reopen(tab, path) => {
                // The new load takes the tab's id, so it comes back in its place.
                let id = self.tabs.order().get(tab).map(|(id, _)| *id);
                self.tabs.close(tab);
                match id {
                    Some(id) => self.start_load_as(Source::Path(path), id),
                    None => self.start_load(Source::Path(path)),
                }
            }
            Command::OpenDialog => self.open_dialog(),
            Command::TypePath => self.open_path = Some(OpenPathState::new(None)),
            Command::CloseTab(i) => self.tabs.close(if i == usize::MAX { self.tabs.active_index() } else { i }),
            Command::SelectTab(i) => self.tabs.select(i),
            Command::NextTab => self.tabs.next(),
            Command::CancelLoad(i) => self.cancel_load(i),
            c @ (Command::CompareDialog | Command::CompareWith(_) | Command::ComparePaths(_)) => {
                self.compare.apply(c, self.tabs.active_doc(), &mut self.next_id)
            }
            Command::DismissMessage(i) => {
                if i < self.messages.len() {
                    self.messages.remove(i);
                }
            }
            Command::SetTheme(t) => {
                self.settings.theme = t;
                self.ctx.set_theme(t.preference());
            }
            Command::SetOrientation(o) => self.settings.orientation = o,
            Command::ShowWarnings(open) => self.warnings_open = open,
            Command::Quit => self.ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            Command::SetMetric(m) => self.set_metric(m),
            Command::ToggleLabel { key, value } => self.set_labels(Some((key, value))),
            Command::ClearLabels => self.set_labels(None),
            Command::SetTimeRange(range) => self.narrow(|f| f.time_range_ns = range),
            Command::SetThreads(threads) => self.narrow(|f| f.threads = threads),
            Command::ExportFolded => self.export(false),
            Command::ExportSvg => self.export(true),
            Command::ShowSource(f) => self.show_source(f),
            Command::EditSourceFolders => crate::ui::profile::source_folders::open(&self.ctx),
            Command::SetSourceFolders(dirs) => self.set_source_folders(dirs),
            other => self.apply_to_document(other),
        }
    }

    fn apply_to_document(&mut self, command: Command) {
        let Some(doc) = self.tabs.active_doc_mut() else { return };
        match command {
            Command::Zoom(node) => doc.zoom_to(node),
            Command::ZoomOut => doc.zoom_out(),
            Command::SetView(v) => doc.set_view(v),
            Command::Select(f) => doc.selected = f,
            Command::ZoomToHeaviest(f) => {
                if let Some(n) = doc.heaviest_node(f) {
                    doc.zoom_to(n);
                }
            }
            Command::Search(text) => {
                doc.flame_search_input.clone_from(&text);
                doc.set_search(text);
            }
            c @ (Command::PushTransform(_) | Command::RemoveTransform(_) | Command::ShowCallers(_)) => {
                crate::ui::profile::apply(doc, c, &self.ctx);
            }
            _ => {}
        }
    }

    fn start_load(&mut self, source: Source) {
        let id = self.next_id;
        self.next_id += 1;
        self.start_load_as(source, id);
    }

    /// Starts a load whose tab gets `id` (tabs are in id order).
    fn start_load_as(&mut self, source: Source, id: u64) {
        let ctx = self.ctx.clone();
        self.loads.push(LoadJob::spawn(source, LoadOptions::default(), move || ctx.request_repaint()));
        self.load_ids.push(id);
    }

    fn open_dialog(&mut self) {
        let (tx, rx) = channel();
        let ctx = self.ctx.clone();
        let picker = Arc::clone(&self.picker);
        let spawned = std::thread::Builder::new().name("firesight-dialog".into()).spawn(move || {
            let asked = Instant::now();
            let picked = picker();
            let _ = tx.send(open_path::classify(picked, asked.elapsed()));
            ctx.request_repaint();
        });
        match spawned {
            Ok(_) => self.dialog = Some(rx),
            Err(e) => self.dialog_unavailable(&format!("no thread could be started for it: {e}")),
        }
    }

    /// Acts on the native dialog's answer.
    fn dialog_answered(&mut self, answer: DialogAnswer) {
        match answer {
            DialogAnswer::Picked(paths) => {
                self.quick_cancels = 0;
                for p in paths {
                    self.start_load(Source::Path(p));
                }
            }
            DialogAnswer::Cancelled { quick: false } => self.quick_cancels = 0,
            DialogAnswer::Cancelled { quick: true } => {
                self.quick_cancels += 1;
                if self.quick_cancels >= 2 {
                    self.quick_cancels = 0;
                    self.dialog_unavailable("it closed at once, twice, before anything could be picked");
                }
            }
            DialogAnswer::Unavailable => {
                self.dialog_unavailable("no XDG desktop portal file chooser and no zenity answered")
            }
        }
    }

    /// Says the dialog is missing and offers the path field instead.
    fn dialog_unavailable(&mut self, why: &str) {
        let reason = format!("The file dialog could not be shown ({why}).");
        let text = format!("{reason} Type its path in the Open file window (File > Type a path…). {}", open_path::HINT);
        self.messages.push(Message { text, is_error: true, about_dialog: true });
        self.open_path = Some(OpenPathState::new(Some(reason)));
    }

    /// Asks for a file name and writes the active profile there, all on a
    /// worker thread ([`export_job`]); the outcome comes back as a message.
    fn export(&mut self, svg: bool) {
        let Some(doc) = self.tabs.active_doc() else { return };
        if let Some(rx) = export_job::spawn(doc, svg, self.ctx.clone()) {
            self.exports.push(rx);
        }
    }

    fn set_metric(&mut self, metric: crate::model::MetricId) {
        let Some(doc) = self.tabs.active_doc() else { return };
        if metric.index() >= doc.profile.metrics.len() || metric == doc.metric {
            return;
        }
        let labels = doc.picked_labels();
        self.rebuild(metric, labels);
    }

    /// Toggles one label pick (`None`: clears them all) and rebuilds.
    fn set_labels(&mut self, toggle: Option<(String, Option<String>)>) {
        let Some(doc) = self.tabs.active_doc() else { return };
        let labels = match toggle {
            Some((k, v)) => crate::ui::label_panel::toggled(&doc.picked_labels(), &k, v.as_deref()),
            None => Vec::new(),
        };
        let metric = doc.pending_metric.unwrap_or(doc.metric);
        self.rebuild(metric, labels);
    }

    /// Changes the time or thread part of the active document's filter
    /// (the timeline) and rebuilds its views on a worker.
    fn narrow(&mut self, change: impl FnOnce(&mut crate::model::SampleFilter)) {
        let Some(doc) = self.tabs.active_doc_mut() else { return };
        let mut filter = doc.filter.clone();
        change(&mut filter);
        let metric = doc.pending_metric.unwrap_or(doc.metric);
        let ctx = self.ctx.clone();
        if let Some(job) = TreeJob::spawn(doc.profile.clone(), metric, filter, move || ctx.request_repaint()) {
            doc.timeline_state.pending = true;
            self.tree_jobs.retain(|(id, _)| *id != doc.id);
            self.tree_jobs.push((doc.id, job));
        }
    }

    /// Builds the active document's views for `metric` and `labels` on a worker.
    fn rebuild(&mut self, metric: crate::model::MetricId, labels: Vec<LabelPick>) {
        let Some(doc) = self.tabs.active_doc_mut() else { return };
        let ctx = self.ctx.clone();
        let filter = with_picks(&doc.filter, &labels);
        if let Some(job) = TreeJob::spawn(doc.profile.clone(), metric, filter, move || ctx.request_repaint()) {
            doc.pending_metric = (metric != doc.metric).then_some(metric);
            doc.pending_labels = (labels != picks_of(&doc.filter)).then_some(labels);
            self.tree_jobs.retain(|(id, _)| *id != doc.id);
            self.tree_jobs.push((doc.id, job));
        }
    }

    fn keyboard(&mut self, ctx: &egui::Context) -> Vec<Command> {
        let mut commands = Vec::new();
        ctx.input_mut(|i| {
            if i.consume_shortcut(&shell::OPEN) {
                commands.push(Command::OpenDialog);
            }
            if i.consume_shortcut(&shell::CLOSE) {
                commands.push(Command::CloseTab(usize::MAX));
            }
            if i.consume_shortcut(&shell::NEXT_TAB) {
                commands.push(Command::NextTab);
            }
            if i.consume_shortcut(&shell::FIND) {
                self.focus_search = true;
            }
        });
        let typing = ctx.memory(|m| m.focused().is_some_and(|id| id == profile_view::search_id()));
        // Esc in the "Open file" modal closes the modal only.
        if !typing && self.open_path.is_none() && ctx.input(|i| i.key_pressed(Key::Escape)) {
            commands.push(Command::ZoomOut);
        }
        commands
    }

    fn handle_drops(&mut self, ctx: &egui::Context) -> Vec<Command> {
        let (hovered, dropped, shift) = ctx.input(|i| {
            let hovered: Vec<String> = i
                .raw
                .hovered_files
                .iter()
                .map(|f| {
                    f.path
                        .as_ref()
                        .and_then(|p| p.file_name())
                        .map_or("a file".into(), |n| n.to_string_lossy().into_owned())
                })
                .collect();
            let dropped: Vec<PathBuf> = i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect();
            (hovered, dropped, i.modifiers.shift)
        });
        match self.tabs.active_doc().filter(|_| shift) {
            Some(d) => crate::ui::compare::open::drop_overlay_ui(ctx, &hovered, &d.title),
            None => shell::drop_overlay_ui(ctx, &hovered),
        }
        // Shift held over an open profile: compare it with what is dropped.
        if shift && !dropped.is_empty() && self.tabs.active_doc().is_some() {
            return vec![Command::CompareWith(dropped)];
        }
        dropped.into_iter().map(Command::Open).collect()
    }

    fn status_bar(&self, ui: &mut Ui) -> Vec<Command> {
        let Some(doc) = self.active_document() else {
            if let Some(TabKind::Failed(i)) = self.tabs.active_kind() {
                ui.label(format!("Not opened: {}", self.tabs.failed[i].title));
            } else if let Some(TabKind::Compare(i)) = self.tabs.active_kind() {
                ui.label(self.tabs.compares[i].status_line());
            } else {
                ui.label("No profile open. Ctrl+O opens one; you can also drop files on the window.");
            }
            return Vec::new();
        };
        let metric = doc.metric();
        let note = doc.bundled.then_some(sample::DESCRIPTION).or(doc.waits.split.as_deref());
        let picks = picks_of(&doc.filter);
        let name = if picks.is_empty() {
            metric.name.clone()
        } else {
            format!("{} where {}", metric.name, picks_text(&picks))
        };
        let count = doc.samples;
        shell::status_ui(
            ui,
            &shell::StatusInput {
                format: &doc.format,
                metric: &name,
                total: metric.format(doc.tree.total()),
                whole: count.is_filtered().then(|| metric.format(count.metric_total)),
                samples: count,
                records: shell::record_word(&doc.format),
                warnings: doc.profile.warnings_total,
                note,
                kinds: &doc.frame_kinds,
                diff: doc.tree.signed,
            },
        )
    }
}

/// One document: the trace views or the profile view.
fn document_ui(ui: &mut Ui, doc: &mut Document, orientation: Orientation, focus: bool) -> Vec<Command> {
    if let Some(t) = doc.traces.as_mut() {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut t.show, true, "Traces")
                .on_hover_text("Waterfall, trace list, latency histogram and service tables");
            ui.selectable_value(&mut t.show, false, "Flamegraph")
                .on_hover_text("Span self time as a flamegraph: service and span-name paths");
        });
    }
    match doc.traces.as_mut() {
        Some(t) if t.show => {
            // Trace actions (opened trace, selected span) change only the view's own state.
            let _ = t.view.ui(ui, &t.set);
            Vec::new()
        }
        _ => profile_view::ui(ui, doc, orientation, focus),
    }
}

impl eframe::App for FiresightApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.poll_jobs();
        if let Some(doc) = self.tabs.active_doc_mut() {
            crate::ui::profile::insights_panel::refresh(doc, &ctx);
        }
        let mut commands = self.keyboard(&ctx);
        commands.extend(self.handle_drops(&ctx));
        egui::Panel::top("menu_bar").show(ui, |ui| {
            let metrics = self.active_document().map(|d| (d.profile.as_ref(), d.metric));
            let input = shell::MenuInput {
                settings: &self.settings,
                metrics,
                has_tab: !self.tabs.is_empty(),
                has_document: self.tabs.active_doc().is_some(),
            };
            commands.extend(shell::menu_bar_ui(ui, &input));
            if !self.tabs.is_empty() {
                commands.extend(shell::tabs_ui(ui, &self.tabs.titles(), self.tabs.active_index()));
            }
        });
        egui::Panel::bottom("status_bar").show(ui, |ui| commands.extend(self.status_bar(ui)));
        egui::CentralPanel::default().show(ui, |ui| {
            commands.extend(shell::loading_ui(ui, &self.loading()));
            commands.extend(shell::messages_ui(ui, &self.messages));
            let orientation = self.settings.orientation;
            let focus = std::mem::take(&mut self.focus_search);
            let tab = self.tabs.active_index();
            match self.tabs.active_kind() {
                Some(TabKind::Failed(i)) => commands.extend(failed_tab::ui(ui, &self.tabs.failed[i], tab)),
                Some(TabKind::Compare(i)) => {
                    let c = &mut self.tabs.compares[i];
                    let rebuild = ui.push_id(("firesight_compare", c.id), |ui| c.ui(ui, orientation)).inner;
                    if let Some(r) = rebuild {
                        self.compare.rebuild(&mut self.tabs.compares[i], r);
                    }
                }
                Some(TabKind::Document(i)) => {
                    let doc = &mut self.tabs.docs[i];
                    // Widget state (table scroll offsets, panel sizes) is keyed by the
                    // document, so tabs never share it and a new tab starts at the top.
                    ui.push_id(("firesight_document", doc.id), |ui| {
                        commands.extend(document_ui(ui, doc, orientation, focus));
                    });
                }
                None if self.loads.is_empty() => {
                    ui.centered_and_justified(|ui| ui.heading("Open a profile with Ctrl+O, or drop one here."));
                }
                None => {}
            }
        });
        if self.warnings_open
            && let Some(doc) = self.tabs.active_doc()
        {
            commands.extend(shell::warnings_ui(&ctx, true, &doc.profile));
        }
        if let Some(dirs) = crate::ui::profile::source_folders::ui(&ctx, &self.settings.source_dirs) {
            commands.push(Command::SetSourceFolders(dirs));
        }
        if let Some(state) = self.open_path.as_mut() {
            let mut keep_open = true;
            commands.extend(open_path::ui(&ctx, state, &mut keep_open));
            if !keep_open {
                self.open_path = None;
            }
        }
        for c in commands {
            self.apply(c);
        }
        if self.is_busy() {
            // Progress bars move between the worker's completion callbacks.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.settings);
    }
}
