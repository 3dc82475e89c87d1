//! Firesight's one integration-test binary (egui links once). Each module
//! tests one area on real files under `tests/data/`.

mod architecture;
mod cli;
mod common;
mod compare;
mod folded;
mod gates;
mod perf;
mod pprof;
mod robustness;
#[cfg(feature = "gui")]
mod trace_ui;
mod traces;
#[cfg(feature = "gui")]
mod ui;
#[cfg(feature = "gui")]
mod ui_pprof;
#[cfg(feature = "gui")]
mod window;
