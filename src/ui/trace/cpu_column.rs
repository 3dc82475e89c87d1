//! The CPU column of the service and span-name tables, where a CPU profile
//! is linked to the trace file ([`LinkedProfile`]): per service and per
//! (service, span name), the weight of the linked profile's samples that
//! name its spans, in the profile's CPU metric and unit, for the open
//! trace and for every trace. The figures come from
//! [`crate::analysis::span_profile::SpanProfile::operation_cpu`]; the
//! tables only look them up. Imports `model`, `analysis` and the linked
//! profile; no widgets.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::model::Weight;
use crate::model::trace::TraceSet;
use crate::ui::trace::span_profile::LinkedProfile;

/// CPU per (service, span name) and per service, for one scope.
#[derive(Debug, Default)]
struct ScopeCpu {
    /// service -> span name -> weight.
    operations: FxHashMap<String, FxHashMap<String, Weight>>,
    /// service -> weight.
    services: FxHashMap<String, Weight>,
}

impl ScopeCpu {
    fn new(linked: &LinkedProfile, set: &TraceSet, trace: Option<usize>) -> Self {
        let mut out = Self::default();
        for (service, name, w) in linked.link.operation_cpu(set, trace) {
            *out.services.entry(service.clone()).or_default() += w;
            out.operations.entry(service).or_default().insert(name, w);
        }
        out
    }

    fn get(&self, service: &str, name: Option<&str>) -> Weight {
        match name {
            None => self.services.get(service).copied().unwrap_or(0),
            Some(name) => self.operations.get(service).and_then(|n| n.get(name)).copied().unwrap_or(0),
        }
    }
}

/// The CPU column's figures for the open trace and for every trace.
#[derive(Debug)]
pub struct CpuColumn {
    linked: Arc<LinkedProfile>,
    open: ScopeCpu,
    open_trace: Option<usize>,
    all: ScopeCpu,
}

impl CpuColumn {
    /// The figures of `linked` over `set`, with those of trace `open` (if any).
    pub fn new(linked: Arc<LinkedProfile>, set: &TraceSet, open: Option<usize>) -> Self {
        let all = ScopeCpu::new(&linked, set, None);
        let mut c = Self { linked, open: ScopeCpu::default(), open_trace: None, all };
        if let Some(t) = open {
            c.open_trace(set, t);
        }
        c
    }

    /// Recomputes the open trace's figures for trace `trace`.
    pub fn open_trace(&mut self, set: &TraceSet, trace: usize) {
        if self.open_trace != Some(trace) {
            self.open = ScopeCpu::new(&self.linked, set, Some(trace));
            self.open_trace = Some(trace);
        }
    }

    /// The CPU of `service` (with `name` `None`) or of (`service`, `name`),
    /// over every trace (`all`) or the open trace.
    pub fn weight(&self, all: bool, service: &str, name: Option<&str>) -> Weight {
        if all { self.all.get(service, name) } else { self.open.get(service, name) }
    }

    /// [`CpuColumn::weight`] as people read it, in the metric's unit (`1.88 s`).
    pub fn text(&self, all: bool, service: &str, name: Option<&str>) -> String {
        self.linked.profile.metric(self.linked.link.metric).format(self.weight(all, service, name))
    }

    /// The column's hover text: what it sums and from which profile.
    pub fn hover(&self) -> String {
        let m = self.linked.profile.metric(self.linked.link.metric);
        format!(
            "CPU time: the {} of the samples of {} that name these spans (by their {} label)",
            m.name, self.linked.title, self.linked.link.key
        )
    }
}
