//! Starting comparisons and taking their results: File ▸ Compare… (pick
//! the base, then the new file, or several heap snapshots for a series),
//! "Compare with…" on a tab, a file dropped with Shift held, and the
//! command line's `--base`. The dialogs and the loading run on worker
//! threads ([`crate::jobs::compare`]); finished comparisons become tabs,
//! failed ones a failed tab with the loader's error. The app holds one
//! [`Comparisons`] and calls it from its command and poll steps.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use super::pair::{PairView, Rebuild};
use super::series::SeriesView;
use super::{CompareTab, CompareView};
use crate::analysis::labels::with_picks;
use crate::jobs::Poll;
use crate::jobs::compare::{CompareFile, CompareInput, CompareJob, Compared, RebuildJob};
use crate::ui::command::Command;
use crate::ui::document::Document;
use crate::ui::failed_tab::FailedLoad;
use crate::ui::shell::{LoadingRow, Message};
use crate::ui::tabs::Tabs;

/// Shows a file dialog titled with the first argument, for several files
/// when the second is true; returns the picked files, an empty list when
/// cancelled, `None` when no dialog could be shown. Runs on a worker thread.
pub type ComparePicker = Arc<dyn Fn(&str, bool) -> Option<Vec<PathBuf>> + Send + Sync>;

/// What the dialogs answered (see [`ComparePicker`]).
type Picked = Option<Vec<PathBuf>>;

/// rfd's dialogs.
pub fn native_picker() -> ComparePicker {
    Arc::new(|title, many| {
        let d = rfd::FileDialog::new().set_title(title);
        if many { d.pick_files() } else { d.pick_file().map(|p| vec![p]) }
    })
}

/// The comparisons being asked for, loaded and rebuilt.
pub struct Comparisons {
    jobs: Vec<(u64, CompareJob)>,
    rebuilds: Vec<(u64, RebuildJob)>,
    /// A dialog running: the base when it is already open, and the answer.
    dialog: Option<(Option<CompareFile>, Receiver<Picked>)>,
    picker: ComparePicker,
    ctx: egui::Context,
}

impl Comparisons {
    /// Nothing running yet; repaints go to `ctx`.
    pub fn new(ctx: egui::Context) -> Self {
        Self { jobs: Vec::new(), rebuilds: Vec::new(), dialog: None, picker: native_picker(), ctx }
    }

    /// Replaces the file dialogs (tests).
    pub fn set_picker(&mut self, picker: ComparePicker) {
        self.picker = picker;
    }

    /// True while a comparison loads or rebuilds, or a dialog is open.
    pub fn is_busy(&self) -> bool {
        !self.jobs.is_empty() || !self.rebuilds.is_empty() || self.dialog.is_some()
    }

    /// The loading rows of the running comparisons.
    pub fn loading(&self) -> Vec<LoadingRow> {
        self.jobs
            .iter()
            .map(|(_, j)| {
                let (read, total) = j.bytes();
                LoadingRow { name: format!("comparison of {}", j.names.join(" and ")), read, total, decompressed: 0 }
            })
            .collect()
    }

    /// Stops the running comparison at `i` of [`Comparisons::loading`].
    pub fn cancel(&self, i: usize) {
        if let Some((_, j)) = self.jobs.get(i) {
            j.cancel();
        }
    }

    /// Applies a compare command: [`Command::CompareDialog`] asks for the
    /// files; [`Command::CompareWith`] compares the active document with
    /// files (asks for them when there are none); [`Command::ComparePaths`]
    /// compares files. A comparison takes `next_id` as its tab's place.
    pub fn apply(&mut self, command: Command, active: Option<&Document>, next_id: &mut u64) {
        let inputs = match command {
            Command::CompareDialog => return self.ask(None),
            Command::CompareWith(paths) => {
                let Some(doc) = active else { return };
                if paths.is_empty() {
                    return self.ask(Some(doc));
                }
                std::iter::once(CompareInput::Loaded(file_of(doc)))
                    .chain(paths.into_iter().map(CompareInput::Path))
                    .collect()
            }
            Command::ComparePaths(paths) => paths.into_iter().map(CompareInput::Path).collect(),
            _ => return,
        };
        self.start(*next_id, inputs);
        *next_id += 1;
    }

    fn start(&mut self, id: u64, inputs: Vec<CompareInput>) {
        let ctx = self.ctx.clone();
        self.jobs.push((id, CompareJob::spawn(inputs, move || ctx.request_repaint())));
    }

    /// Asks for the base, then the new file(s); with `base` open already,
    /// only for the new file(s).
    pub fn ask(&mut self, base: Option<&Document>) {
        let (tx, rx) = channel();
        let picker = Arc::clone(&self.picker);
        let ctx = self.ctx.clone();
        let base_file = base.map(file_of);
        let base_name = base.map(|d| d.title.clone());
        let spawned = std::thread::Builder::new().name("firesight-dialog".into()).spawn(move || {
            let mut picked = Vec::new();
            if base_name.is_none() {
                match picker("Compare: pick the base (before)", false) {
                    Some(p) if !p.is_empty() => picked.extend(p),
                    other => {
                        let _ = tx.send(other);
                        ctx.request_repaint();
                        return;
                    }
                }
            }
            let title = match &base_name {
                Some(b) => format!("Compare {b} with (several heap snapshots for a series)"),
                None => "Compare: pick the new file (several heap snapshots for a series)".to_string(),
            };
            let answer =
                picker(&title, true).map(|p| if p.is_empty() { p } else { picked.into_iter().chain(p).collect() });
            let _ = tx.send(answer);
            ctx.request_repaint();
        });
        if spawned.is_ok() {
            self.dialog = Some((base_file, rx));
        }
    }

    /// Starts a rebuild of the comparison in tab `id`.
    pub fn rebuild(&mut self, tab: &mut CompareTab, r: Rebuild) {
        let Some(view) = tab.pair_mut() else { return };
        let mut opts = view.pair.opts.clone();
        opts.normalize = r.normalize;
        opts.filter = with_picks(&crate::model::SampleFilter::default(), &r.labels);
        let ctx = self.ctx.clone();
        if let Some(job) = RebuildJob::spawn(&view.pair, opts, r.swap, move || ctx.request_repaint()) {
            view.pending = true;
            view.labels = r.labels;
            self.rebuilds.retain(|(id, _)| *id != tab.id);
            self.rebuilds.push((tab.id, job));
        }
    }

    /// Takes finished dialogs, comparisons and rebuilds; `next_id` gives
    /// a dialog's comparison its tab place.
    pub fn poll(&mut self, tabs: &mut Tabs, next_id: &mut u64, messages: &mut Vec<Message>) {
        if let Some((_, rx)) = &self.dialog {
            match rx.try_recv() {
                Ok(answer) => {
                    let Some((base, _)) = self.dialog.take() else { return };
                    match answer {
                        Some(paths) if !paths.is_empty() => {
                            let mut inputs: Vec<CompareInput> = base.into_iter().map(CompareInput::Loaded).collect();
                            inputs.extend(paths.into_iter().map(CompareInput::Path));
                            if inputs.len() >= 2 {
                                self.start(*next_id, inputs);
                                *next_id += 1;
                            } else {
                                messages.push(note("A comparison needs a base and a new file: only one was picked."));
                            }
                        }
                        Some(_) => {}
                        None => messages.push(Message {
                            text: "The file dialog could not be shown. Compare from the command line: \
                                   firesight --base BEFORE AFTER, or drop a file on a tab with Shift held."
                                .into(),
                            is_error: true,
                            about_dialog: true,
                        }),
                    }
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => self.dialog = None,
            }
        }
        let mut i = 0;
        while i < self.jobs.len() {
            let Poll::Done(result) = self.jobs[i].1.poll() else {
                i += 1;
                continue;
            };
            let (id, job) = self.jobs.remove(i);
            match result {
                Ok(Compared::Pair(p)) => {
                    let title = format!("{} \u{21c4} {}", p.before.name, p.after.name);
                    tabs.add_compare(CompareTab { id, title, view: CompareView::Pair(Box::new(PairView::new(*p))) });
                }
                Ok(Compared::Series(s)) => {
                    let n = s.files.len();
                    let title = format!("heap series of {n}: {} \u{2026} {}", job.names[0], job.names[n - 1]);
                    tabs.add_compare(CompareTab {
                        id,
                        title,
                        view: CompareView::Series(Box::new(SeriesView::new(*s))),
                    });
                }
                Err(e) if e.is_cancelled() => {
                    messages.push(note(&format!("The comparison of {} was cancelled.", job.names.join(" and "))))
                }
                Err(e) => tabs.add_failed(FailedLoad {
                    id,
                    title: format!("comparison of {}", job.names.join(" and ")),
                    path: None,
                    error: e.to_string(),
                }),
            }
        }
        let mut k = 0;
        while k < self.rebuilds.len() {
            let Poll::Done(result) = self.rebuilds[k].1.poll() else {
                k += 1;
                continue;
            };
            let (id, _) = self.rebuilds.remove(k);
            let Some(tab) = tabs.compares.iter_mut().find(|t| t.id == id) else { continue };
            match result {
                Ok(pair) => {
                    tab.title = format!("{} \u{21c4} {}", pair.before.name, pair.after.name);
                    if let Some(v) = tab.pair_mut() {
                        v.replace(pair);
                    }
                }
                Err(e) => {
                    if let Some(v) = tab.pair_mut() {
                        v.pending = false;
                    }
                    messages.push(Message { text: e, is_error: true, about_dialog: false });
                }
            }
        }
    }
}

/// While files hover over the window with Shift held over an open
/// profile (`base`): a dimmed overlay saying the drop compares.
pub fn drop_overlay_ui(ctx: &egui::Context, hovered: &[String], base: &str) {
    if hovered.is_empty() {
        return;
    }
    let id = egui::Id::unique("compare_drop_overlay");
    let painter = ctx.layer_painter(egui::LayerId::new(egui::Order::Foreground, id));
    let rect = ctx.content_rect();
    painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(190));
    let text = match hovered {
        [one] => format!("Drop to compare {one} with {base} (the base)"),
        many => format!("Drop to compare {} files with {base} (the base)", many.len()),
    };
    let font = egui::FontId::proportional(28.0);
    painter.text(rect.center(), egui::Align2::CENTER_CENTER, text, font, egui::Color32::WHITE);
}

fn note(text: &str) -> Message {
    Message { text: text.to_owned(), is_error: false, about_dialog: false }
}

/// The open document as a comparison's file (nothing is loaded again).
pub fn file_of(doc: &Document) -> CompareFile {
    CompareFile {
        name: doc.title.clone(),
        path: doc.path.clone(),
        format: doc.format.clone(),
        profile: Arc::clone(&doc.profile),
        traces: doc.traces.as_ref().map(|t| Arc::clone(&t.set)),
    }
}
