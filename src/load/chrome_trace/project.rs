//! The projection of a Chrome trace into a profile: as
//! [`crate::model::trace::project`] does for OTLP and Jaeger, a span's
//! sample weighs its self time in ns at its start, but the frames are the
//! span names alone (`func (file:line)` for viztracer, `V8.GCScavenger` for
//! Chrome) and each trace, one thread of the file, is a thread of the
//! profile, so the thread filter and per-thread views work.

use crate::model::builder::{ModelError, ProfileBuilder};
use crate::model::frame::FrameRef;
use crate::model::trace::{PROJECTION_METRIC, TraceSet};
use crate::model::{FrameKind, LabelSetId, Profile, StackId, Thread, Unit};

/// Projects `set` (one trace per thread) into a profile, carrying `warnings`.
pub fn project(set: &TraceSet, warnings: &[String]) -> Result<Profile, ModelError> {
    let mut b = ProfileBuilder::new("chrome-trace");
    let m = b.add_metric(PROJECTION_METRIC, Unit::Nanoseconds);
    b.set_default_metric(m);
    for w in warnings {
        b.warn(None, None, w.clone());
    }
    let mut stacks: Vec<StackId> = Vec::new();
    for t in &set.traces {
        let Some(first) = t.spans.first() else { continue };
        let attr =
            |k: &str| first.resource.iter().find(|a| &*a.key == k).map(|a| a.value.to_string()).unwrap_or_default();
        let thread = b.thread(Thread {
            pid: attr("pid").parse().ok(),
            tid: attr("tid").parse().ok(),
            name: first.service.to_string(),
        });
        let self_ns = t.self_times_ns();
        stacks.clear();
        for (i, s) in t.spans.iter().enumerate() {
            let f = b.frame(FrameRef::new(&s.name, "", FrameKind::User));
            // Depth-first order puts the parent before its children.
            let parent = s.parent.and_then(|p| stacks.get(p as usize).copied());
            let st = b.stack(parent, f);
            stacks.push(st);
            b.add_sample(Some(st), &[i128::from(self_ns[i])], Some(s.start_ns), Some(thread), LabelSetId(0));
        }
    }
    b.meta("spans", set.span_count().to_string());
    b.finish()
}
