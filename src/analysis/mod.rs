//! Analysis: pure functions over the model for bottleneck hunting (hottest
//! path, search share, before/after comparison, traces). Imports `model`
//! only; no I/O, no egui.

pub mod diff;
pub mod paths;
pub mod traces;
