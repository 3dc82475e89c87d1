//! Analysis: pure functions over the model for bottleneck hunting. Imports
//! `model` only; no I/O, no egui.

pub mod traces;
