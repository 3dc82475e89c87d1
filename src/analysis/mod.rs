//! Analysis: pure functions over the model for bottleneck hunting (hottest
//! path, search share, before/after comparison and its gates, heap growth,
//! memory view, sample counts, traces and two trace files compared).
//! Imports `model` only; no I/O, no egui.

pub mod compare;
pub mod diff;
pub mod gate;
pub mod growth;
pub mod heap_series;
pub mod labels;
pub mod memory;
pub mod paths;
pub mod sample_count;
pub mod trace_compare;
pub mod traces;
