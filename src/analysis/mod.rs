//! Analysis: pure functions over the model for bottleneck hunting (hottest
//! path, search share, before/after comparison, memory view, sample
//! counts, traces).
//! Imports `model` only; no I/O, no egui.

pub mod diff;
pub mod labels;
pub mod memory;
pub mod paths;
pub mod sample_count;
pub mod traces;
