//! Views of one profile beyond the flamegraph and hot table, grouped by
//! what the user looks at: the timeline of sample density per thread with
//! its range selection, the insights panel, and the source view with its
//! folders.

pub mod insights_panel;
pub mod source_folders;
pub mod source_view;
pub mod timeline;
