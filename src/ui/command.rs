//! What a view asks the app to do.
//!
//! Views never mutate the app: they return commands, and `app.rs` applies
//! them after the frame (egui_demo_app's `Command`, rerun's `UICommand`).

use std::path::PathBuf;

use crate::model::{FrameId, MetricId, NodeId, ThreadId};
use crate::ui::settings::{Orientation, ThemeChoice};
use crate::ui::view_range::ViewRange;

/// One request from a view. Commands about "the document" act on the active tab.
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub enum Command {
    /// Open a file in a new tab (loads on a worker thread).
    Open(PathBuf),
    /// Load the file of the tab at this position again, in its place (a
    /// failed load's Try again).
    Reopen(usize, PathBuf),
    /// Show the native file dialog and open what is picked.
    OpenDialog,
    /// Show the "Open file" modal with a path field (the fallback when no
    /// native dialog can be shown).
    TypePath,
    /// Ask where to save, then export the active profile as folded stacks.
    ExportFolded,
    /// Ask where to save, then export the active profile as a flamegraph SVG.
    ExportSvg,
    /// Close tab `i` (`usize::MAX`: the active tab).
    CloseTab(usize),
    /// Make tab `i` the active one.
    SelectTab(usize),
    /// Activate the next tab (wraps around).
    NextTab,
    /// Stop the load at index `i` of the loading list.
    CancelLoad(usize),
    /// Hide the error message at index `i`.
    DismissMessage(usize),
    /// Zoom the flamegraph so `node` fills the width.
    Zoom(NodeId),
    /// Zoom out one level (to the zoomed node's parent).
    ZoomOut,
    /// Set the horizontal window (wheel zoom, drag pan), keeping the zoomed node.
    SetView(ViewRange),
    /// Select a function (its table row, its boxes highlighted); `None` clears.
    Select(Option<FrameId>),
    /// Zoom to the heaviest box of a function.
    ZoomToHeaviest(FrameId),
    /// Search function names; an empty string clears the search.
    Search(String),
    /// Show the tree and table in another metric.
    SetMetric(MetricId),
    /// Pick or unpick a label value in the label filter (one value per
    /// key; keys combine with AND); the tree and table are rebuilt.
    ToggleLabel {
        /// Label key (`endpoint`).
        key: String,
        /// Value as printed (`/orders`); `None`: the samples with no value
        /// of the key (the "(none)" row).
        value: Option<String>,
    },
    /// Clear the label filter: every sample again.
    ClearLabels,
    /// Keep only the samples in `[start, end)` ns (a drag on the timeline);
    /// `None`: every time again. The views are rebuilt.
    SetTimeRange(Option<(u64, u64)>),
    /// Keep only the samples of these threads (a click on a timeline
    /// track); empty: every thread again. The views are rebuilt.
    SetThreads(Vec<ThreadId>),
    /// Change the colour theme (persisted).
    SetTheme(ThemeChoice),
    /// Flame (root at the bottom) or icicle (root at the top) (persisted).
    SetOrientation(Orientation),
    /// Show or hide the list of load warnings.
    ShowWarnings(bool),
    /// Close the window.
    Quit,
    /// Show the source view of a function (its lines with their weights,
    /// read on a worker thread); `None` closes the source view.
    ShowSource(Option<FrameId>),
    /// Open View ▸ Source folders….
    EditSourceFolders,
    /// Replace the folders the source view searches (persisted).
    SetSourceFolders(Vec<PathBuf>),
    /// Compare: ask for the base, then the new file(s) (File ▸ Compare…).
    CompareDialog,
    /// Compare the active tab's profile (the base) with these files; an
    /// empty list asks for them with the file dialog ("Compare with…").
    CompareWith(Vec<PathBuf>),
    /// Compare these files, base first: two make a comparison, three or
    /// more a heap series (`firesight --base BEFORE AFTER`).
    ComparePaths(Vec<PathBuf>),
    /// Add a transform to the end of the active document's list; the
    /// views are rebuilt on a worker thread.
    PushTransform(crate::analysis::transform::Transform),
    /// Remove the transform at index `i` of the list (`usize::MAX`: all).
    RemoveTransform(usize),
    /// Show the callers and callees of a function (`None` closes them).
    ShowCallers(Option<FrameId>),
}
