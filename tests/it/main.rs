//! Firesight's one integration-test binary (egui links once). Each module
//! tests one area on real files under `tests/data/`.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

mod architecture;
mod callgrind_cycles;
mod cli;
mod common;
mod compare;
mod export_bounds;
mod folded;
mod formats;
mod formats_errors;
mod fuzz_regressions;
mod gates;
mod hostile;
mod insights;
mod jfr;
mod numbers;
mod offcpu;
mod own_samples;
mod pathological;
mod perf;
mod perf_cuts;
mod perf_data;
mod perf_fields;
mod pprof;
mod robustness;
mod slow;
mod sniffing;
mod source_lines;
mod source_lines_formats;
mod syscalls;
mod timeline;
mod trace_async;
#[cfg(feature = "gui")]
mod trace_ui;
mod traces;
mod transforms;
#[cfg(feature = "gui")]
mod ui;
#[cfg(feature = "gui")]
mod ui_compare;
#[cfg(feature = "gui")]
mod ui_drill;
#[cfg(feature = "gui")]
mod ui_formats;
#[cfg(feature = "gui")]
mod ui_insights;
#[cfg(feature = "gui")]
mod ui_jfr;
#[cfg(feature = "gui")]
mod ui_numbers;
#[cfg(feature = "gui")]
mod ui_offcpu;
#[cfg(feature = "gui")]
mod ui_perf_data;
#[cfg(feature = "gui")]
mod ui_pprof;
#[cfg(feature = "gui")]
mod ui_slow;
#[cfg(feature = "gui")]
mod ui_source;
#[cfg(feature = "gui")]
mod ui_states;
mod waits_samples;
#[cfg(feature = "gui")]
mod window;
