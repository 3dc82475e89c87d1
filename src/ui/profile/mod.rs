//! Views of one profile beyond the flamegraph and hot table.

pub mod source_folders;
pub mod source_view;
