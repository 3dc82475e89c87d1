//! Views of one profile, grouped by what the user looks at: the timeline
//! of sample density per thread with its range selection, and the
//! insights panel.

pub mod insights_panel;
pub mod timeline;
