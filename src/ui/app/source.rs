//! The app's side of the source view: starting the worker that lists a
//! function's lines and reads its files, and the source folders setting.

use std::path::PathBuf;
use std::sync::Arc;

use crate::jobs::source::SourceJob;
use crate::load::source_code::SourceSearch;
use crate::model::FrameId;

use super::FiresightApp;

impl FiresightApp {
    /// Opens the source view of `function` in the active document (listing
    /// it on a worker thread), or closes the view for `None`.
    pub(super) fn show_source(&mut self, function: Option<FrameId>) {
        let mut dirs: Vec<PathBuf> = self.settings.source_dirs.clone();
        let ctx = self.ctx.clone();
        let Some(doc) = self.tabs.active_doc_mut() else { return };
        let Some(f) = function else {
            doc.source.open = false;
            return;
        };
        // The profile's own folder, then the current folder, after the person's.
        if let Some(parent) = doc.path.as_ref().and_then(|p| p.parent()).filter(|p| !p.as_os_str().is_empty()) {
            dirs.push(parent.to_path_buf());
        }
        if let Ok(cwd) = std::env::current_dir() {
            dirs.push(cwd);
        }
        let f = doc.profile.function(f);
        let key = (f, doc.metric, Arc::as_ptr(&doc.tree) as usize);
        if doc.source.key == Some(key) && (doc.source.job.is_some() || doc.source.listing.is_some()) {
            doc.source.open = true;
            return;
        }
        let job = SourceJob::spawn(
            Arc::clone(&doc.profile),
            doc.metric,
            doc.filter.clone(),
            f,
            SourceSearch::in_dirs(dirs),
            move || ctx.request_repaint(),
        );
        if let Some(job) = job {
            doc.selected = Some(f);
            doc.source.start(job, key);
        }
    }

    /// Replaces the source folders and lists the shown function again with them.
    pub(super) fn set_source_folders(&mut self, dirs: Vec<PathBuf>) {
        self.settings.source_dirs = dirs;
        if let Some(doc) = self.tabs.active_doc_mut()
            && doc.source.open
            && let Some((f, _, _)) = doc.source.key.take()
        {
            self.show_source(Some(f));
        }
    }
}
