//! Merges the parsers' deltas into one [`ProfileBuilder`] in file order, and
//! turns events into metrics at the end.
//!
//! Metrics are decided only when the whole file is read, because whether an
//! event is weighted by period (and so its unit) depends on all its samples.
//! Until then samples wait in compact columns here (about 48 bytes each; a
//! sample's frames are in the shared stack tree).

use super::FORMAT;
use super::block::{Delta, NONE, Unread};
use crate::load::PerfOptions;
use crate::load::error::{At, LoadError};
use crate::model::frame::FrameRef;
use crate::model::{FrameId, LabelSetId, Profile, ProfileBuilder, StackId, SwitchRecord, Thread, ThreadId, Unit};

/// At most this many distinct tracepoint payloads become label sets; the
/// payloads of later samples are counted, not kept (each set costs a few
/// hundred bytes, and fields like `ptr=` make every sample's set new).
const MAX_PAYLOAD_SETS: usize = 1 << 18;

/// One parser's local ids mapped to the builder's.
#[derive(Default)]
struct LocalMap {
    frames: Vec<FrameId>,
    /// The profile's frames some local frame maps to: two local frames
    /// that are one frame of the profile would make the parser's
    /// recursion flags wrong.
    mapped: Vec<bool>,
    stacks: Vec<StackId>,
    threads: Vec<ThreadId>,
    events: Vec<usize>,
}

/// An event and what its samples carry.
struct Event {
    name: String,
    samples: u64,
    with_period: u64,
}

struct Sample {
    stack: StackId,
    frameless: bool,
    event: u32,
    period: Option<u64>,
    time_ns: Option<u64>,
    thread: ThreadId,
    labels: LabelSetId,
}

/// See the module docs.
pub(super) struct Merger {
    b: ProfileBuilder,
    maps: Vec<LocalMap>,
    events: Vec<Event>,
    samples: Vec<Sample>,
    one_line: u64,
    chained: u64,
    frameless: u64,
    first_warning: Option<(u64, String)>,
    /// The fixed period of each event the header names (first line wins).
    header_periods: Vec<(String, Option<u64>)>,
    /// Lines counted instead of read, by kind.
    other_records: Vec<Unread>,
    /// Switch records without a time (not kept), and the first one's line.
    untimed_switches: (u64, u64),
    /// Payloads not kept as labels (past [`MAX_PAYLOAD_SETS`]).
    payloads_dropped: u64,
    srclines: u64,
    /// Context switches, their `sample` an index into `samples` until
    /// `finish` maps it to the profile's.
    switches: Vec<SwitchRecord>,
    /// Per stack of the profile, the child last interned under it
    /// (`u32::MAX`: none yet), checked by its frame: the parsers send the
    /// same prefixes over and over (each knows only its own stacks), and
    /// the child they name is most often the one named last. 4 bytes a
    /// stack.
    last_child: Vec<u32>,
    /// Per stack of the profile, whether its frame is on the path above
    /// it, as the parsers flagged it (`StackTable::recursion`); handed to
    /// the profile when every stack has its flag and every parser's frames
    /// map one to one (`exact`).
    recursion: Vec<bool>,
    recursion_exact: bool,
}

impl Merger {
    /// A merger for `parsers` parsers.
    pub(super) fn new(parsers: usize) -> Self {
        Self {
            b: ProfileBuilder::new("perf-script"),
            maps: (0..parsers).map(|_| LocalMap::default()).collect(),
            events: Vec::new(),
            samples: Vec::new(),
            one_line: 0,
            chained: 0,
            frameless: 0,
            first_warning: None,
            header_periods: Vec::new(),
            other_records: Vec::new(),
            untimed_switches: (0, 0),
            payloads_dropped: 0,
            srclines: 0,
            switches: Vec::new(),
            last_child: Vec::new(),
            recursion: Vec::new(),
            recursion_exact: true,
        }
    }

    /// True once some sample was merged.
    pub(super) fn has_samples(&self) -> bool {
        !self.samples.is_empty()
    }

    /// Adds the delta of parser `p` (deltas of one parser in the order it made them).
    pub(super) fn merge(&mut self, p: usize, d: Delta) {
        let Some(map) = self.maps.get_mut(p) else {
            return;
        };
        if d.reset_stacks {
            map.stacks.clear();
        }
        for f in &d.frames {
            let mut r = FrameRef::new(&f.name, &f.module, f.kind);
            if let Some((file, line)) = &f.file {
                r.file = Some(file);
                r.line = Some(*line);
            }
            let id = self.b.frame(r);
            if map.mapped.len() <= id.index() {
                map.mapped.resize(id.index() + 1, false);
            }
            self.recursion_exact &= !std::mem::replace(&mut map.mapped[id.index()], true);
            map.frames.push(id);
        }
        // A parser's stacks are a prefix tree of its own, siblings with
        // distinct frames, and each maps to a distinct stack of the
        // profile: the children of a stack this delta added are new too,
        // with no lookup (most of a deep profile's new stacks).
        let added_from = self.b.stacks().len();
        for new in &d.stacks {
            let (parent, frame) = (new.parent, map.frames[new.frame as usize]);
            let parent = (parent != NONE).then(|| map.stacks[parent as usize]);
            let s = match parent {
                Some(p) if p.index() >= added_from => self.b.stack_new(p, frame),
                Some(p) => match self.last_child.get(p.index()) {
                    Some(&c) if self.b.stacks().frames().get(c as usize) == Some(&frame) => StackId(c),
                    _ => self.b.stack(Some(p), frame),
                },
                None => self.b.stack(None, frame),
            };
            if s.index() == self.recursion.len() {
                self.recursion.push(new.recursive);
            }
            let total = self.b.stacks().len();
            if self.last_child.len() < total {
                self.last_child.resize(total, u32::MAX);
            }
            if let Some(p) = parent {
                self.last_child[p.index()] = s.0;
            }
            map.stacks.push(s);
        }
        for t in d.threads {
            map.threads.push(self.b.thread(Thread { pid: t.pid, tid: t.tid, name: t.comm }));
        }
        for e in d.events {
            let i = match self.events.iter().position(|x| x.name == e) {
                Some(i) => i,
                None => {
                    self.events.push(Event { name: e, samples: 0, with_period: 0 });
                    self.events.len() - 1
                }
            };
            map.events.push(i);
        }
        self.samples.reserve(d.samples.len());
        let first_sample = self.samples.len();
        let mut payloads = d.payloads.into_iter().peekable();
        for (i, s) in d.samples.iter().enumerate() {
            let mut labels = LabelSetId(0);
            if let Some((_, l)) = payloads.next_if(|(at, _)| *at as usize == i) {
                if self.b.label_set_count() < MAX_PAYLOAD_SETS || self.b.has_label_set(&l) {
                    labels = self.b.label_set(l);
                } else {
                    self.payloads_dropped += 1;
                }
            }
            let event = map.events[s.event as usize];
            let ev = &mut self.events[event];
            ev.samples += 1;
            ev.with_period += u64::from(s.period.is_some());
            self.samples.push(Sample {
                stack: map.stacks[s.stack as usize],
                frameless: s.frameless,
                event: event as u32,
                period: s.period,
                time_ns: s.time_ns,
                thread: map.threads[s.thread as usize],
                labels,
            });
        }
        for w in d.switches {
            let Some(time_ns) = w.time_ns else {
                if self.untimed_switches.0 == 0 {
                    self.untimed_switches.1 = w.line;
                }
                self.untimed_switches.0 += 1;
                continue;
            };
            let Some(tid) = w.tid else { continue };
            self.switches.push(SwitchRecord {
                time_ns,
                pid: w.pid,
                tid,
                cpu: w.cpu,
                kind: w.kind,
                state: w.state,
                peer_tid: w.peer_tid,
                thread: (w.thread != NONE).then(|| map.threads[w.thread as usize]),
                stack: (w.stack != NONE).then(|| map.stacks[w.stack as usize]),
                sample: (w.sample != NONE).then(|| first_sample + w.sample as usize),
                line: Some(w.line),
                offset: Some(w.offset),
            });
        }
        for u in d.other_records {
            match self.other_records.iter_mut().find(|r| r.kind == u.kind) {
                Some(r) => r.count += u.count,
                None => self.other_records.push(u),
            }
        }
        self.srclines += d.srclines;
        for (event, period) in d.header_periods {
            if !self.header_periods.iter().any(|(e, _)| *e == event) {
                self.header_periods.push((event, period));
            }
        }
        self.one_line += d.one_line_samples;
        self.chained += d.chained_samples;
        for (line, offset, msg) in d.warnings {
            if self.first_warning.is_none() && !msg.is_empty() {
                self.first_warning = Some((line, msg.clone()));
            }
            self.b.warn(Some(line), Some(offset), msg);
        }
    }

    /// Decides the metrics, adds the samples and validates.
    pub(super) fn finish(mut self, opts: &PerfOptions) -> Result<Profile, LoadError> {
        if self.samples.is_empty() {
            return Err(self.no_samples(opts));
        }
        // A sample without frames among samples of its event that have
        // them is broken (a junk frame line, a stray blank line) and left
        // out, as inferno leaves it out; an event none of whose samples has
        // a call chain was recorded without -g, and its samples count at
        // their command name.
        let mut chained_event = vec![false; self.events.len()];
        for s in self.samples.iter().filter(|s| !s.frameless) {
            chained_event[s.event as usize] = true;
        }
        let keep = |s: &Sample| !s.frameless || !chained_event[s.event as usize];
        self.frameless = self.samples.iter().filter(|s| !keep(s)).count() as u64;
        if self.frameless > 0 {
            self.b.warn(
                None,
                None,
                format!(
                    "{} samples have no stack frame and are left out, as inferno-collapse-perf leaves them out",
                    self.frameless
                ),
            );
        }
        for (e, _) in self.events.iter().enumerate().filter(|&(e, _)| !chained_event[e]) {
            let name = &self.events[e].name;
            let n = self.events[e].samples;
            if self.one_line == 0 || self.chained > 0 {
                self.b.warn(
                    None,
                    None,
                    format!(
                        "event {name}: its {n} samples have no call chain (recorded without -g, or perf script -F \
                         without ip,sym): each counts at its command name"
                    ),
                );
            }
        }
        if self.chained == 0 && self.one_line > 0 {
            self.b.warn(
                None,
                None,
                "no call chains: the file was recorded without -g, so each stack is the command and the sampled function only",
            );
        }
        self.side_band_notes();
        let single = self.events.len() == 1;
        let mut metrics = Vec::with_capacity(self.events.len());
        // Samples without a period column take their event's fixed period
        // from the header (`perf record -c N`, `perf script --header`).
        let fixed: Vec<Option<u64>> = self
            .events
            .iter()
            .map(|e| self.header_periods.iter().find(|(n, _)| *n == e.name).and_then(|&(_, p)| p))
            .collect();
        for (e, &fixed) in self.events.iter().zip(&fixed) {
            let weighted = e.with_period > 0 || fixed.is_some();
            // Without any period, each sample counts 1: the metric counts
            // samples of the event, not the event itself ("instructions 333"
            // would read as 333 instructions).
            let samples_of;
            let name = if e.name.is_empty() || (!weighted && single) {
                "samples"
            } else if !weighted {
                samples_of = format!("{} samples", e.name);
                samples_of.as_str()
            } else {
                e.name.as_str()
            };
            let base = e.name.split(['/', ':']).next().unwrap_or("");
            let unit =
                if weighted && matches!(base, "cpu-clock" | "task-clock") { Unit::Nanoseconds } else { Unit::Count };
            if let Some(p) = fixed.filter(|_| e.with_period < e.samples) {
                self.b.meta(
                    "period",
                    format!("{}: {p} per sample, from the header (samples without a period column)", e.name),
                );
            } else if weighted && e.with_period < e.samples {
                self.b.warn(
                    None,
                    None,
                    format!(
                        "event {}: {} of {} samples have no period and count 1, as inferno counts them",
                        e.name,
                        e.samples - e.with_period,
                        e.samples
                    ),
                );
            }
            metrics.push(self.b.add_metric(name, unit));
            self.b.meta("event", format!("{} ({} samples)", e.name, e.samples));
        }
        if let Some(&first) = metrics.first() {
            self.b.set_default_metric(first);
        }
        let mut index = Vec::with_capacity(if self.switches.is_empty() { 0 } else { self.samples.len() });
        for s in &self.samples {
            if !self.switches.is_empty() {
                index.push(keep(s).then(|| self.b.sample_count()));
            }
            if !keep(s) {
                continue;
            }
            let w = s.period.or(fixed[s.event as usize]).map_or(1, i128::from);
            self.b.add_sample_for(Some(s.stack), metrics[s.event as usize], w, s.time_ns, Some(s.thread));
            if s.labels != LabelSetId(0) {
                self.b.set_sample_labels(s.labels);
            }
        }
        for mut r in std::mem::take(&mut self.switches) {
            r.sample = r.sample.and_then(|i| index.get(i).copied().flatten());
            self.b.add_switch(r);
        }
        if self.recursion_exact {
            self.b.set_stack_recursion(std::mem::take(&mut self.recursion));
        }
        self.b.finish().map_err(|e| LoadError::invalid(FORMAT, None, e.to_string()))
    }

    /// Warnings and notes about what besides samples the file held.
    fn side_band_notes(&mut self) {
        let (n, line) = self.untimed_switches;
        if n > 0 {
            self.b.warn(
                Some(line),
                None,
                format!("{n} context switch records have no time (perf script -F without time) and are not used"),
            );
        }
        for u in std::mem::take(&mut self.other_records) {
            self.b.warn(Some(u.line), None, format!("{} {} {}", u.count, u.kind, u.what));
        }
        if self.payloads_dropped > 0 {
            self.b.warn(
                None,
                None,
                format!(
                    "{} tracepoint payloads not kept as labels: more than {MAX_PAYLOAD_SETS} distinct ones",
                    self.payloads_dropped
                ),
            );
        }
        if self.srclines > 0 {
            self.b.meta("source lines", format!("{} frames with file:line (-F +srcline)", self.srclines));
        }
        let switches = self.switches.len();
        if switches > 0 {
            self.b.meta("context switches", switches.to_string());
        }
    }

    fn no_samples(&self, opts: &PerfOptions) -> LoadError {
        if let Some(f) = &opts.event_filter {
            return LoadError::invalid(FORMAT, None, format!("no sample of event {f:?} in the file"));
        }
        match &self.first_warning {
            Some((line, msg)) => LoadError::invalid(
                FORMAT,
                Some(At::Line(*line)),
                format!(
                    "no samples; expected sample headers like `comm pid [cpu] time: period event:` then frames `addr symbol (dso)`; first problem: {msg}"
                ),
            ),
            None => LoadError::invalid(
                FORMAT,
                Some(At::Line(1)),
                "no samples; expected sample headers like `comm pid [cpu] time: period event:` then frames `addr symbol (dso)`",
            ),
        }
    }
}

#[cfg(test)]
mod tests;
