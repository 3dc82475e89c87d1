//! Analysis: pure functions over the model for bottleneck hunting (hottest
//! path, search share, before/after comparison and its gates, heap growth,
//! memory view, sample counts, traces and two trace files compared, slow
//! traces against the rest, latency per operation, spans joined with a CPU
//! profile).
//! Imports `model` only; no I/O, no egui.

pub mod compare;
pub mod compare_flame;
pub mod diff;
pub mod gate;
pub mod growth;
pub mod heap_series;
pub mod insights;
pub mod labels;
pub mod locks;
pub mod memory;
pub mod offcpu;
pub mod operations;
pub mod paths;
pub mod peek;
pub mod sample_count;
pub mod sandwich;
pub mod slow;
pub mod source_lines;
pub mod span_profile;
pub mod syscalls;
pub mod timeline;
pub mod trace_compare;
pub mod trace_filter;
pub mod traces;
pub mod transform;
pub mod waits;
