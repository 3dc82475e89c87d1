//! Loads: taking finished loads and view rebuilds from their workers,
//! adding their documents, and stopping a load from its progress row.

use std::sync::mpsc::TryRecvError;

use super::FiresightApp;
use crate::jobs::{Opened, Poll, Source};
use crate::ui::document::Document;
use crate::ui::failed_tab::FailedLoad;
use crate::ui::shell::Message;

impl FiresightApp {
    /// Cancels load `i` of the loading list (loads first, then
    /// comparisons). A file load leaves the list at once, with its note: a
    /// worker blocked where no cancel flag is read (opening a FIFO no
    /// process writes to) must not keep the row, or the window, waiting. The
    /// worker stops at its next check, or ends with the process; its result
    /// is dropped.
    pub(super) fn cancel_load(&mut self, i: usize) {
        if i >= self.loads.len() {
            self.compare.cancel(i - self.loads.len());
            return;
        }
        let job = self.loads.remove(i);
        job.cancel();
        if i < self.load_ids.len() {
            self.load_ids.remove(i);
        }
        self.messages.push(Message {
            text: format!("Loading {} was cancelled.", job.source.display_name()),
            is_error: false,
            about_dialog: false,
        });
    }

    /// Takes finished results from workers.
    pub(super) fn poll_jobs(&mut self) {
        // Trace views built on workers are taken whichever tab is shown.
        for d in &mut self.tabs.docs {
            if let Some(t) = &mut d.traces {
                t.view.poll_building(&t.set);
            }
        }
        let mut i = 0;
        while i < self.loads.len() {
            match self.loads[i].poll() {
                Poll::Pending => i += 1,
                Poll::Done(result) => {
                    let job = self.loads.remove(i);
                    let id = if i < self.load_ids.len() { self.load_ids.remove(i) } else { 0 };
                    match result {
                        Ok(opened) => self.add_document(opened, id),
                        Err(e) if e.is_cancelled() => self.messages.push(Message {
                            text: format!("Loading {} was cancelled.", job.source.display_name()),
                            is_error: false,
                            about_dialog: false,
                        }),
                        // The error gets the tab of its file, not a banner over every tab.
                        Err(e) => self.tabs.add_failed(FailedLoad {
                            id,
                            title: job.source.display_name(),
                            path: job.source.path().cloned(),
                            error: e.to_string(),
                        }),
                    }
                }
            }
        }
        let mut finished = Vec::new();
        for (k, (doc_id, job)) in self.tree_jobs.iter().enumerate() {
            if let Poll::Done(views) = job.poll() {
                finished.push(k);
                if let (Some(v), Some(doc)) = (views, self.tabs.docs.iter_mut().find(|d| d.id == *doc_id)) {
                    doc.set_extras(v.filter, v.memory, v.labels);
                    doc.samples = v.samples;
                    doc.timeline = v.timeline;
                    doc.timeline_state.pending = false;
                    doc.set_views(v.metric, v.tree, v.functions);
                }
            }
        }
        for k in finished.into_iter().rev() {
            self.tree_jobs.remove(k);
        }
        self.compare.poll(&mut self.tabs, &mut self.next_id, &mut self.messages);
        let messages = &mut self.messages;
        self.exports.retain(|rx| match rx.try_recv() {
            Ok(m) => {
                messages.push(m);
                false
            }
            Err(TryRecvError::Empty) => true,
            Err(TryRecvError::Disconnected) => false,
        });
        if let Some(rx) = &self.dialog {
            match rx.try_recv() {
                Ok(answer) => {
                    self.dialog = None;
                    self.dialog_answered(answer);
                }
                Err(TryRecvError::Disconnected) => {
                    self.dialog = None;
                    self.dialog_unavailable("its thread stopped without an answer");
                }
                Err(TryRecvError::Empty) => {}
            }
        }
    }

    pub(super) fn add_document(&mut self, opened: Opened, id: u64) {
        let bundled = matches!(opened.source, Source::Embedded { .. });
        if let Some(p) = opened.source.path() {
            self.settings.remember(p.clone());
            // A file opened (typed, dropped or named): the missing dialog no longer matters.
            self.messages.retain(|m| !m.about_dialog);
        }
        let mut doc = Document::new(
            id,
            opened.source.display_name(),
            opened.source.path().cloned(),
            opened.format.name().to_string(),
            opened.profile,
            opened.views.metric,
            opened.views.tree,
            opened.views.functions,
        );
        doc.bundled = bundled;
        doc.set_extras(opened.views.filter, opened.views.memory, opened.views.labels);
        doc.samples = opened.views.samples;
        doc.timeline = opened.views.timeline;
        doc.traces = opened.traces.map(|set| crate::ui::document::TraceTab::new_in_background(set, &self.ctx));
        // strace files open on their syscall table.
        doc.waits_open = opened.waits.has_table();
        doc.waits = opened.waits;
        // Tabs in request order; the newest request is the active tab.
        self.tabs.add_document(doc);
        // A trace file and a profile with span labels: join them (issue 14).
        for text in crate::ui::trace::link::link_documents(&mut self.tabs.docs) {
            self.messages.push(Message { text, is_error: false, about_dialog: false });
        }
    }
}
