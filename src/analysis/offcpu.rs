//! Off-CPU time from context switches, and wall-clock time (on-CPU plus
//! off-CPU) in one profile.
//!
//! Off-CPU time is Brendan Gregg's: per thread, the time from being
//! switched out to running again, charged to the stack where the thread was
//! switched out. The rule that makes it computable from a `perf script`
//! file (the README documents it):
//!
//! - An interval opens at a `sched:sched_switch` sample of the thread (its
//!   switch-out record, [`SwitchRecord::stack`] set), in the thread's
//!   `prev_state`: `S` sleeping (I/O, locks, sleeps), `D` uninterruptible
//!   (disk), `R` preempted (CPU contention).
//! - It closes at the first later record that shows the thread running
//!   again: a `PERF_RECORD_SWITCH IN` of it, a `sched_switch` whose
//!   `next_pid` is it, or any other sample of it. "Later" is later in time,
//!   or at the same time and later in the file.
//! - An interval never closed is not counted; it is reported with the time
//!   from its switch-out to the last timestamp in the file.
//! - A file with switch records but no `sched_switch` samples opens
//!   intervals at `PERF_RECORD_SWITCH OUT` instead (KDAB hotspot's rule),
//!   charged to the stack of the thread's last sample before it; without
//!   `preempt` the state is unknown (`?`: sleeping or disk).
//!
//! [`with_off_cpu`] adds the metric `off-cpu` (ns): one sample per closed
//! interval, at the switch-out stack plus a leaf frame naming the state
//! (`[off-CPU S: sleeping]`), labelled `state`; and, when the file has a
//! time-based CPU event (`cpu-clock`, `task-clock`), the metric `wall`:
//! each CPU sample weighted by its period plus each off-CPU interval.
//! Imports `model` only.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use crate::model::frame::FrameRef;
use crate::model::{
    FrameKind, Label, LabelValue, MetricId, Profile, ProfileBuilder, StackId, SwitchKind, SwitchRecord, ThreadId, Unit,
    Weight,
};

/// Name of the off-CPU metric.
pub const OFF_CPU: &str = "off-cpu";
/// Name of the combined on-CPU plus off-CPU metric.
pub const WALL: &str = "wall";
/// Label key of an off-CPU sample's state.
pub const STATE_KEY: &str = "state";
/// Module of the leaf frames off-CPU samples end in.
pub const OFF_CPU_MODULE: &str = "[off-cpu]";

/// Why a thread was off the CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OffCpuState {
    /// `S`: sleeping, interruptibly (I/O wait, locks, sleeps, pipes).
    Sleeping,
    /// `D`: uninterruptible (disk I/O).
    Uninterruptible,
    /// `R`: still runnable, preempted (CPU contention).
    Preempted,
    /// Another kernel state (`I` idle, `T` stopped, `X` dead ...).
    Other(char),
    /// Not recorded (`PERF_RECORD_SWITCH OUT` without `preempt`: S or D).
    Unknown,
}

impl OffCpuState {
    /// The state of a switch-out record.
    pub fn of(r: &SwitchRecord) -> Self {
        match (r.state, r.kind) {
            (Some('S'), _) => Self::Sleeping,
            (Some('D'), _) => Self::Uninterruptible,
            (Some('R'), _) | (None, SwitchKind::Out { preempt: true }) => Self::Preempted,
            (Some(c), _) => Self::Other(c),
            (None, _) => Self::Unknown,
        }
    }

    /// The kernel's letter: `S`, `D`, `R`, the other letter, or `?`.
    pub fn letter(self) -> String {
        match self {
            Self::Sleeping => "S".into(),
            Self::Uninterruptible => "D".into(),
            Self::Preempted => "R".into(),
            Self::Other(c) => c.to_string(),
            Self::Unknown => "?".into(),
        }
    }

    /// What the state means: `sleeping`, `disk (uninterruptible)` ...
    pub fn meaning(self) -> &'static str {
        match self {
            Self::Sleeping => "sleeping",
            Self::Uninterruptible => "uninterruptible (disk)",
            Self::Preempted => "preempted",
            Self::Other(_) => "other state",
            Self::Unknown => "blocked (S or D)",
        }
    }

    /// The leaf frame name off-CPU samples in this state end in.
    pub fn frame_name(self) -> String {
        format!("[off-CPU {}: {}]", self.letter(), self.meaning())
    }
}

/// What closed an interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// A `PERF_RECORD_SWITCH IN` of the thread.
    SwitchIn,
    /// A switch-out of another thread naming it as the next to run.
    NextPid,
    /// Another sample of the thread.
    Sample,
}

/// One off-CPU interval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interval {
    /// The thread id.
    pub tid: u32,
    /// The model thread, when known.
    pub thread: Option<ThreadId>,
    /// Switched out at (ns).
    pub start_ns: u64,
    /// Running again at (ns).
    pub end_ns: u64,
    /// Why it was off the CPU.
    pub state: OffCpuState,
    /// Where it was switched out.
    pub stack: Option<StackId>,
    /// What closed it.
    pub end: EndReason,
}

impl Interval {
    /// Length in ns.
    pub fn duration_ns(&self) -> u64 {
        self.end_ns - self.start_ns
    }
}

/// A switch-out after which the thread never ran again in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unclosed {
    /// The thread id.
    pub tid: u32,
    /// Switched out at (ns).
    pub start_ns: u64,
    /// Time from then to the last timestamp in the file (not counted).
    pub to_end_ns: u64,
    /// Line of the switch-out, when known.
    pub line: Option<u64>,
}

/// Which records opened intervals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// `sched:sched_switch` samples (the documented rule).
    SchedSwitch,
    /// `PERF_RECORD_SWITCH OUT` records (no sched_switch samples in the file).
    SwitchRecords,
}

/// The off-CPU intervals of a profile and what was odd about its switches.
#[derive(Clone, Debug)]
pub struct OffCpu {
    /// Which records opened intervals.
    pub rule: Rule,
    /// Closed intervals, in order of their switch-out records.
    pub intervals: Vec<Interval>,
    /// Switch-outs never closed.
    pub unclosed: Vec<Unclosed>,
    /// Switch-in records of a thread whose previous switch record was a
    /// switch-in too (a switch-in without a switch-out): count, first line.
    pub in_without_out: (u64, Option<u64>),
    /// Switch records earlier in time than the record before them in the
    /// file (the clock going backwards): count, first line.
    pub backwards: (u64, Option<u64>),
}

impl OffCpu {
    /// Sum of the closed intervals, in ns.
    pub fn total_ns(&self) -> u128 {
        self.intervals.iter().map(|i| u128::from(i.duration_ns())).sum()
    }

    /// Total per state, largest first.
    pub fn by_state(&self) -> Vec<(OffCpuState, u128)> {
        let mut m: HashMap<OffCpuState, u128> = HashMap::new();
        for i in &self.intervals {
            *m.entry(i.state).or_default() += u128::from(i.duration_ns());
        }
        let mut v: Vec<_> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }
}

/// Order of a record in its file: line, else byte offset.
fn order(r: &SwitchRecord) -> u64 {
    r.line.or(r.offset).unwrap_or(0)
}

/// The tid of sample `i`'s thread.
fn sample_tid(p: &Profile, i: usize) -> Option<u32> {
    p.samples.thread(i).and_then(|t| p.threads.get(t.index())).and_then(|t| t.tid)
}

/// The first `(time, order)` in sorted `v` after `(t, o)`.
fn first_after(v: &[(u64, u64)], t: u64, o: u64) -> Option<u64> {
    let i = v.partition_point(|&x| x <= (t, o));
    v.get(i).map(|x| x.0)
}

/// At most this many samples of a thread are stepped over looking for one
/// at or after a switch-out (only a file whose clock goes backwards has any).
const MAX_SCAN: usize = 1024;

/// Off-CPU intervals of `p` by the module's rule; `None` when the profile
/// has no switch-out record.
pub fn off_cpu(p: &Profile) -> Option<OffCpu> {
    let switches = p.switches();
    let rule = if switches.iter().any(|r| r.is_out() && r.stack.is_some()) {
        Rule::SchedSwitch
    } else if switches.iter().any(SwitchRecord::is_out) {
        Rule::SwitchRecords
    } else {
        return None;
    };
    let mut ins: HashMap<u32, Vec<(u64, u64)>, FxBuildHasher> = HashMap::default();
    let mut next: HashMap<u32, Vec<(u64, u64)>, FxBuildHasher> = HashMap::default();
    for r in switches {
        match r.kind {
            SwitchKind::In => ins.entry(r.tid).or_default().push((r.time_ns, order(r))),
            SwitchKind::Out { .. } => {
                if let Some(peer) = r.peer_tid.filter(|&t| t != r.tid) {
                    next.entry(peer).or_default().push((r.time_ns, order(r)));
                }
            }
        }
    }
    for v in ins.values_mut().chain(next.values_mut()) {
        v.sort_unstable();
    }
    let mut samples_of: HashMap<u32, Vec<usize>, FxBuildHasher> = HashMap::default();
    // Off-CPU samples added before (by `with_off_cpu`) are not the thread running.
    let derived = p.metric_by_name(OFF_CPU).filter(|&m| p.metric(m).name == OFF_CPU);
    for i in 0..p.samples.len() {
        if derived.is_some_and(|m| p.weight(i, m) != 0) {
            continue;
        }
        if let (Some(tid), Some(_)) = (sample_tid(p, i), p.samples.time_ns(i)) {
            samples_of.entry(tid).or_default().push(i);
        }
    }
    let last_ns = p.time_range_ns().map_or(0, |r| r.1).max(switches.iter().map(|r| r.time_ns).max().unwrap_or(0));
    let mut out =
        OffCpu { rule, intervals: Vec::new(), unclosed: Vec::new(), in_without_out: (0, None), backwards: (0, None) };
    let empty = Vec::new();
    for r in switches {
        let opens = match rule {
            Rule::SchedSwitch => r.is_out() && r.stack.is_some(),
            Rule::SwitchRecords => r.is_out(),
        };
        if !opens {
            continue;
        }
        let (t0, o0) = (r.time_ns, order(r));
        let own = samples_of.get(&r.tid).unwrap_or(&empty);
        let mut end: Option<(u64, EndReason)> = None;
        let mut consider = |t: Option<u64>, why: EndReason| {
            if let Some(t) = t
                && end.is_none_or(|(e, _)| t < e)
            {
                end = Some((t, why));
            }
        };
        consider(ins.get(&r.tid).and_then(|v| first_after(v, t0, o0)), EndReason::SwitchIn);
        consider(next.get(&r.tid).and_then(|v| first_after(v, t0, o0)), EndReason::NextPid);
        consider(next_sample(p, own, r.sample, t0), EndReason::Sample);
        let stack = r.stack.or_else(|| stack_before(p, own, t0));
        let thread = r.thread.or_else(|| own.first().and_then(|&i| p.samples.thread(i)));
        match end {
            Some((e, why)) => out.intervals.push(Interval {
                tid: r.tid,
                thread,
                start_ns: t0,
                end_ns: e,
                state: OffCpuState::of(r),
                stack,
                end: why,
            }),
            None => out.unclosed.push(Unclosed {
                tid: r.tid,
                start_ns: t0,
                to_end_ns: last_ns.saturating_sub(t0),
                line: r.line,
            }),
        }
    }
    check_records(switches, &mut out);
    Some(out)
}

/// The time of the first sample of the thread (indices `own`) after the
/// switch-out: after its own sample in the file when it has one, and not
/// earlier in time.
fn next_sample(p: &Profile, own: &[usize], opener: Option<usize>, t0: u64) -> Option<u64> {
    let start = match opener {
        Some(i0) => own.partition_point(|&i| i <= i0),
        None => own.partition_point(|&i| p.samples.time_ns(i).is_some_and(|t| t <= t0)),
    };
    own[start..].iter().take(MAX_SCAN).filter_map(|&i| p.samples.time_ns(i)).find(|&t| t >= t0)
}

/// The stack of the thread's last sample at or before `t0` (hotspot's rule
/// for switch records without a sched_switch sample).
fn stack_before(p: &Profile, own: &[usize], t0: u64) -> Option<StackId> {
    let end = own.partition_point(|&i| p.samples.time_ns(i).is_some_and(|t| t <= t0));
    end.checked_sub(1).and_then(|k| p.samples.stacks[own[k]])
}

/// Counts switch-ins without a switch-out and the clock going backwards.
fn check_records(switches: &[SwitchRecord], out: &mut OffCpu) {
    let mut last_kind: HashMap<u32, SwitchKind, FxBuildHasher> = HashMap::default();
    let mut prev_time: Option<u64> = None;
    let note = |slot: &mut (u64, Option<u64>), line: Option<u64>| {
        slot.0 += 1;
        if slot.1.is_none() {
            slot.1 = line;
        }
    };
    for r in switches {
        if prev_time.is_some_and(|t| r.time_ns < t) {
            note(&mut out.backwards, r.line);
        }
        prev_time = Some(r.time_ns);
        // Only the switch records (`PERF_RECORD_SWITCH`) pair in and out:
        // a sched_switch sample has its switch-out only.
        if r.stack.is_some() {
            continue;
        }
        if r.kind == SwitchKind::In && last_kind.get(&r.tid) == Some(&SwitchKind::In) {
            note(&mut out.in_without_out, r.line);
        }
        last_kind.insert(r.tid, r.kind);
    }
}

/// The metric the on-CPU samples are in: the first nanosecond metric that
/// is not derived here (`cpu-clock`, `task-clock`).
fn cpu_metric(p: &Profile) -> Option<MetricId> {
    p.metrics
        .iter()
        .position(|m| m.unit == Unit::Nanoseconds && m.name != OFF_CPU && m.name != WALL)
        .map(MetricId::from_index)
}

/// `p` with the metrics `off-cpu` and `wall` added (see the module docs),
/// and warnings for switch-outs never closed, switch-ins without a
/// switch-out and the clock going backwards. A profile without switch-out
/// records, or that has the metrics already, is returned unchanged.
pub fn with_off_cpu(p: Profile) -> Profile {
    if p.metric_by_name(OFF_CPU).is_some_and(|m| p.metric(m).name == OFF_CPU) {
        return p;
    }
    let Some(off) = off_cpu(&p) else {
        return p;
    };
    let cpu = cpu_metric(&p);
    let base = p.samples.len();
    let mut b = ProfileBuilder::from_profile(p);
    let off_m = b.add_metric(OFF_CPU, Unit::Nanoseconds);
    let wall_m = cpu.map(|_| b.add_metric(WALL, Unit::Nanoseconds));
    if let (Some(cpu), Some(wall)) = (cpu, wall_m) {
        for i in 0..base {
            let w = b.weight(i, cpu);
            if w != 0 {
                b.set_weight(i, wall, w);
            }
        }
    }
    let n = b.metric_count();
    let mut leaf: HashMap<OffCpuState, (crate::model::FrameId, crate::model::LabelSetId)> = HashMap::new();
    let mut weights: Vec<Weight> = vec![0; n];
    for iv in &off.intervals {
        let (frame, labels) = *leaf.entry(iv.state).or_insert_with(|| {
            let name = iv.state.frame_name();
            let f = b.frame(FrameRef::new(&name, OFF_CPU_MODULE, FrameKind::User));
            let l = b.label_set(vec![Label { key: STATE_KEY.into(), value: LabelValue::Str(iv.state.letter()) }]);
            (f, l)
        });
        let stack = b.stack(iv.stack, frame);
        weights.iter_mut().for_each(|w| *w = 0);
        let d = Weight::from(iv.duration_ns());
        weights[off_m.index()] = d;
        if let Some(w) = wall_m {
            weights[w.index()] = d;
        }
        b.add_sample(Some(stack), &weights, Some(iv.start_ns), iv.thread, labels);
    }
    report(&mut b, &off, cpu.is_some());
    match b.finish() {
        Ok(p) => p,
        // Unreachable: every id added above came from the same builder.
        Err(e) => panic_free_fallback(e),
    }
}

/// `finish` cannot fail here (ids come from the builder itself); should it,
/// an empty profile with the reason as a warning beats a panic.
fn panic_free_fallback(e: crate::model::builder::ModelError) -> Profile {
    let mut b = ProfileBuilder::new("perf-script");
    b.add_metric("samples", Unit::Count);
    b.warn(None, None, format!("off-CPU analysis failed: {e}"));
    b.finish().unwrap_or_default()
}

/// Meta lines and warnings about the intervals.
fn report(b: &mut ProfileBuilder, off: &OffCpu, wall: bool) {
    let ms = |ns: u128| format!("{:.3} ms", ns as f64 / 1e6);
    let split: Vec<String> = off.by_state().iter().map(|(s, ns)| format!("{} {}", s.letter(), ms(*ns))).collect();
    b.meta(
        "off-cpu",
        format!(
            "{} in {} intervals ({}); opened at {}",
            ms(off.total_ns()),
            off.intervals.len(),
            split.join(", "),
            match off.rule {
                Rule::SchedSwitch => "sched:sched_switch samples",
                Rule::SwitchRecords => "PERF_RECORD_SWITCH OUT records (no sched_switch samples)",
            }
        ),
    );
    if !wall {
        b.warn(
            None,
            None,
            "no time-based CPU event (cpu-clock, task-clock) in the file: the `wall` metric needs one, so only \
             `off-cpu` was added",
        );
    }
    for u in &off.unclosed {
        b.warn(
            u.line,
            None,
            format!(
                "thread {} was switched out at {} ns and never runs again in the file: its {} to the last \
                 timestamp are not counted as off-CPU time",
                u.tid,
                u.start_ns,
                ms(u128::from(u.to_end_ns))
            ),
        );
    }
    if let (n @ 1.., line) = off.in_without_out {
        b.warn(
            line,
            None,
            format!("{n} switch-in records of a thread that was already running (no switch-out before them)"),
        );
    }
    if let (n @ 1.., line) = off.backwards {
        b.warn(
            line,
            None,
            format!(
                "{n} context switch records go back in time (the clock goes backwards); intervals use them as read"
            ),
        );
    }
}

#[cfg(test)]
mod tests;
