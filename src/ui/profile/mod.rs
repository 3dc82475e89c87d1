//! Views of one profile beside its flamegraph and hot table.

pub mod waits;
