//! Traces: a set of traces, each a tree of spans, and their projection into a profile.

/// A set of traces. (Being written.)
#[derive(Clone, Debug, Default)]
pub struct TraceSet {}
