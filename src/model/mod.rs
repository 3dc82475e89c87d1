//! The unified model every loader writes and every view reads.
//!
//! Owns frames, stacks, metrics, samples, threads, the call tree and the trace
//! shape. It imports nothing else of the crate (a test in `tests/it` checks
//! that), no I/O and no egui.

pub mod builder;
pub mod calltree;
pub mod dump;
pub mod frame;
pub mod functions;
pub mod ids;
pub mod profile;
pub mod stack;
pub mod switch;
pub mod trace;
pub mod units;

pub use builder::ProfileBuilder;
pub use calltree::{ArenaNode, CallTree, CallTreeNode, SampleFilter};
pub use frame::{Frame, FrameKind, FrameTable};
pub use functions::{FunctionRow, FunctionTable};
pub use ids::{FrameId, LabelSetId, MetricId, NodeId, StackId, ThreadId};
pub use profile::{Label, LabelValue, Metric, Profile, Samples, Thread, Warning};
pub use stack::{Parent, StackTable};
pub use switch::{SwitchKind, SwitchRecord};
pub use units::{Unit, Weight};
