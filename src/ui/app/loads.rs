//! Stopping a load from its progress row.

use super::FiresightApp;
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
}
