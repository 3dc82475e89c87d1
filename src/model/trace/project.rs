//! The projection of a [`TraceSet`] into a [`Profile`].
//!
//! Each span becomes one frame named `service: span name` (module = the
//! service, kind `User`), so the same span name in two services stays two
//! functions and folded output reads unambiguously. A span's stack is the
//! path of such frames from its root; its sample weighs the span's self time
//! in ns (metric [`PROJECTION_METRIC`]) at time = span start. Summing a
//! flamegraph node then gives the time spent in that span path and its
//! descendants, like a profile's total.

use super::super::builder::{ModelError, ProfileBuilder};
use super::super::frame::FrameRef;
use super::super::{FrameKind, LabelSetId, Profile, StackId, Unit};
use super::TraceSet;

/// Name of the projection's metric.
pub const PROJECTION_METRIC: &str = "span self time";

/// Projects `set` into a profile of format `format` (`otlp`, `jaeger`),
/// carrying `warnings` into the profile's warnings. Errors only when the
/// model's tables overflow.
pub fn project(set: &TraceSet, format: &str, warnings: &[String]) -> Result<Profile, ModelError> {
    let mut b = ProfileBuilder::new(format);
    let m = b.add_metric(PROJECTION_METRIC, Unit::Nanoseconds);
    b.set_default_metric(m);
    for w in warnings {
        b.warn(None, None, w.clone());
    }
    let mut name = String::new();
    let mut stacks: Vec<StackId> = Vec::new();
    for t in &set.traces {
        let self_ns = t.self_times_ns();
        stacks.clear();
        for (i, s) in t.spans.iter().enumerate() {
            name.clear();
            name.push_str(&s.service);
            name.push_str(": ");
            name.push_str(&s.name);
            let f = b.frame(FrameRef::new(&name, &s.service, FrameKind::User));
            // Depth-first order puts the parent before its children.
            let parent = s.parent.and_then(|p| stacks.get(p as usize).copied());
            let st = b.stack(parent, f);
            stacks.push(st);
            b.add_sample(Some(st), &[i128::from(self_ns[i])], Some(s.start_ns), None, LabelSetId(0));
        }
    }
    b.meta("traces", set.traces.len().to_string());
    b.meta("spans", set.span_count().to_string());
    b.finish()
}
