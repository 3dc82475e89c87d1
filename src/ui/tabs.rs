//! `Tabs`: the open documents and the loads that failed, in one tab strip.
//!
//! Every tab has the id its load was given when it was asked for; tabs are
//! in id order (the order files were asked for), whatever order the loads
//! finish in. The active tab is kept by id, so opening or closing another
//! tab never moves the focus. The newest request takes the focus when it
//! arrives, loaded or failed; an older one finishing late does not. A
//! failed load is a tab of its own, so its error sits with its file and
//! never over a document that loaded. Holds view state only; no egui.

use crate::ui::compare::CompareTab;
use crate::ui::document::Document;
use crate::ui::failed_tab::FailedLoad;

/// What a tab shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TabKind {
    /// Index into [`Tabs::docs`].
    Document(usize),
    /// Index into [`Tabs::failed`].
    Failed(usize),
    /// Index into [`Tabs::compares`].
    Compare(usize),
}

/// The tabs of the window.
#[derive(Default)]
pub struct Tabs {
    /// Loaded documents, in id order.
    pub docs: Vec<Document>,
    /// Loads that failed, in id order.
    pub failed: Vec<FailedLoad>,
    /// Comparisons, in id order.
    pub compares: Vec<CompareTab>,
    /// Id of the active tab.
    active: Option<u64>,
}

impl Tabs {
    /// Every tab as (id, kind), in tab order.
    pub fn order(&self) -> Vec<(u64, TabKind)> {
        let docs = self.docs.iter().enumerate().map(|(i, d)| (d.id, TabKind::Document(i)));
        let failed = self.failed.iter().enumerate().map(|(i, f)| (f.id, TabKind::Failed(i)));
        let compares = self.compares.iter().enumerate().map(|(i, c)| (c.id, TabKind::Compare(i)));
        let mut all: Vec<(u64, TabKind)> = docs.chain(failed).chain(compares).collect();
        all.sort_by_key(|(id, _)| *id);
        all
    }

    /// Number of tabs.
    pub fn len(&self) -> usize {
        self.docs.len() + self.failed.len() + self.compares.len()
    }

    /// True with no tab open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Tab titles in tab order; failed loads are marked with ⚠.
    pub fn titles(&self) -> Vec<String> {
        self.order()
            .into_iter()
            .map(|(_, kind)| match kind {
                TabKind::Document(i) => self.docs[i].title.clone(),
                TabKind::Failed(i) => format!("⚠ {}", self.failed[i].title),
                TabKind::Compare(i) => self.compares[i].title.clone(),
            })
            .collect()
    }

    /// Position of the active tab in tab order (0 with none).
    pub fn active_index(&self) -> usize {
        self.order().iter().position(|(id, _)| Some(*id) == self.active).unwrap_or(0)
    }

    /// What the active tab shows.
    pub fn active_kind(&self) -> Option<TabKind> {
        self.order().into_iter().find(|(id, _)| Some(*id) == self.active).map(|(_, k)| k)
    }

    /// The active tab's document, when it is one.
    pub fn active_doc(&self) -> Option<&Document> {
        match self.active_kind()? {
            TabKind::Document(i) => self.docs.get(i),
            TabKind::Failed(_) | TabKind::Compare(_) => None,
        }
    }

    /// The active tab's document, mutable.
    pub fn active_doc_mut(&mut self) -> Option<&mut Document> {
        match self.active_kind()? {
            TabKind::Document(i) => self.docs.get_mut(i),
            TabKind::Failed(_) | TabKind::Compare(_) => None,
        }
    }

    /// Makes tab `i` active (clamped to the last tab).
    pub fn select(&mut self, i: usize) {
        let order = self.order();
        self.active = order.get(i.min(order.len().saturating_sub(1))).map(|(id, _)| *id);
    }

    /// Activates the next tab, wrapping around.
    pub fn next(&mut self) {
        if !self.is_empty() {
            self.select((self.active_index() + 1) % self.len());
        }
    }

    /// Closes tab `i`; when it was active, the tab that takes its place
    /// (or the new last one) becomes active.
    pub fn close(&mut self, i: usize) {
        let order = self.order();
        let Some(&(id, kind)) = order.get(i) else { return };
        match kind {
            TabKind::Document(k) => drop(self.docs.remove(k)),
            TabKind::Failed(k) => drop(self.failed.remove(k)),
            TabKind::Compare(k) => drop(self.compares.remove(k)),
        }
        if self.active == Some(id) {
            self.select(i);
        }
    }

    /// Adds a loaded document in id order; the bundled sample makes way
    /// for the first real file, and a failed tab of the same file goes.
    pub fn add_document(&mut self, doc: Document) {
        if !doc.bundled {
            self.docs.retain(|d| !d.bundled);
        }
        if doc.path.is_some() {
            self.failed.retain(|f| f.path != doc.path);
        }
        let id = doc.id;
        let pos = self.docs.iter().position(|d| d.id > id).unwrap_or(self.docs.len());
        self.docs.insert(pos, doc);
        self.focus_if_newest(id);
    }

    /// Adds a comparison in id order; it takes the focus as a document does.
    pub fn add_compare(&mut self, tab: CompareTab) {
        let id = tab.id;
        let pos = self.compares.iter().position(|c| c.id > id).unwrap_or(self.compares.len());
        self.compares.insert(pos, tab);
        self.focus_if_newest(id);
    }

    /// The active tab's comparison, when it is one.
    pub fn active_compare_mut(&mut self) -> Option<&mut CompareTab> {
        match self.active_kind()? {
            TabKind::Compare(i) => self.compares.get_mut(i),
            _ => None,
        }
    }

    /// Adds the tab of a load that failed, in id order.
    pub fn add_failed(&mut self, failed: FailedLoad) {
        let id = failed.id;
        let pos = self.failed.iter().position(|f| f.id > id).unwrap_or(self.failed.len());
        self.failed.insert(pos, failed);
        self.focus_if_newest(id);
    }

    /// The newest request takes the focus; so does any tab when the active
    /// one is gone (or there was none).
    fn focus_if_newest(&mut self, id: u64) {
        let order = self.order();
        let newest = order.iter().all(|(other, _)| *other <= id);
        let active_gone = !order.iter().any(|(other, _)| Some(*other) == self.active);
        if newest || active_gone {
            self.active = Some(id);
        }
    }
}
