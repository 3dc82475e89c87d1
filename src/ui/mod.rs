//! The desktop window (eframe/egui), behind the `gui` feature.
//!
//! Views never import `load` or `export`. The trace views (`trace_view.rs`
//! and the files it composes) are self-contained: `TraceView::ui` takes a
//! `TraceSet` and returns a `TraceAction`.

pub mod latency_histogram;
pub mod service_table;
pub mod trace_colors;
pub mod trace_list;
pub mod trace_view;
pub mod waterfall;
