//! Firesight's one integration-test binary (egui links once). Each module
//! tests one area on real files under `tests/data/`.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

mod architecture;
mod cli;
mod common;
mod compare;
mod export_bounds;
mod folded;
mod gates;
mod numbers;
mod offcpu;
mod perf;
mod pprof;
mod robustness;
mod sniffing;
mod syscalls;
mod trace_async;
#[cfg(feature = "gui")]
mod trace_ui;
mod traces;
#[cfg(feature = "gui")]
mod ui;
#[cfg(feature = "gui")]
mod ui_numbers;
#[cfg(feature = "gui")]
mod ui_offcpu;
#[cfg(feature = "gui")]
mod ui_pprof;
#[cfg(feature = "gui")]
mod ui_states;
#[cfg(feature = "gui")]
mod window;
