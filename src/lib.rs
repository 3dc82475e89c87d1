//! Firesight: a native viewer for performance data.
//!
//! The library holds everything but the window: the unified [`model`], the
//! format [`load`]ers, [`analysis`] and [`export`]. The `gui` feature adds the
//! egui views in `ui`.

pub mod analysis;
pub mod export;
pub mod jobs;
pub mod load;
pub mod model;
pub mod parallel;
#[cfg(feature = "gui")]
pub mod ui;
