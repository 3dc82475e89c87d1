//! The trace views added for "traces that answer why" (issue 14): the
//! slow-versus-rest panel, latency per operation, the trace list's
//! filters, and a span's CPU profile from a linked pprof. Composed by
//! `trace_view.rs`. Imports `model`, `analysis` and egui.

pub mod background;
pub mod cpu_column;
pub mod filters;
pub mod link;
pub mod operations_table;
pub mod path_rows;
pub mod slow_panel;
pub mod span_profile;
pub mod stats_table;
