//! Comparisons in the window (issue 11): two profiles (a differential
//! flamegraph over a delta table), two trace files (overlaid latency
//! histograms and per-service tables before and after), or a heap series
//! (growth per function per interval, leak suspects first). Each is a tab
//! of its own ([`CompareTab`]); [`open`] starts and polls the jobs that
//! load and build them.

pub mod flame;
pub mod open;
pub mod pair;
pub mod series;
pub mod table;
pub mod traces;

use egui::Ui;

use self::pair::{PairView, Rebuild};
use self::series::SeriesView;
use crate::ui::settings::Orientation;

/// What a comparison tab shows.
pub enum CompareView {
    /// Two profiles (or two trace files).
    Pair(Box<PairView>),
    /// Three or more heap snapshots.
    Series(Box<SeriesView>),
}

/// A comparison in a tab.
pub struct CompareTab {
    /// Stable id (tab order), taken when the comparison was asked for.
    pub id: u64,
    /// Tab title: "before ⇄ after", or the first and last snapshot.
    pub title: String,
    /// The view.
    pub view: CompareView,
}

impl CompareTab {
    /// The pair view, when the tab compares two files.
    pub fn pair(&self) -> Option<&PairView> {
        match &self.view {
            CompareView::Pair(p) => Some(p),
            CompareView::Series(_) => None,
        }
    }

    /// The pair view, mutable.
    pub fn pair_mut(&mut self) -> Option<&mut PairView> {
        match &mut self.view {
            CompareView::Pair(p) => Some(p),
            CompareView::Series(_) => None,
        }
    }

    /// The heap-series view, when the tab shows one.
    pub fn series(&self) -> Option<&SeriesView> {
        match &self.view {
            CompareView::Series(s) => Some(s),
            CompareView::Pair(_) => None,
        }
    }

    /// What the status bar says: "cpu-clock 1.20 s → 0.55 s (−54%)".
    pub fn status_line(&self) -> String {
        match &self.view {
            CompareView::Pair(p) => p.status_line(),
            CompareView::Series(s) => s.status_line(),
        }
    }

    /// The tab's content; a rebuild the pair view asks for, if any.
    pub fn ui(&mut self, ui: &mut Ui, orientation: Orientation) -> Option<Rebuild> {
        match &mut self.view {
            CompareView::Pair(p) => p.ui(ui, orientation),
            CompareView::Series(s) => {
                s.ui(ui);
                None
            }
        }
    }
}
