//! Context switches: when a thread stopped and started running on a CPU.
//!
//! Loaders record each switch they read as a [`SwitchRecord`], in file
//! order: perf's `PERF_RECORD_SWITCH` / `PERF_RECORD_SWITCH_CPU_WIDE`
//! records (`perf record --switch-events`), and `sched:sched_switch`
//! tracepoint samples, which are a switch-out of `prev_pid` and a switch-in
//! of `next_pid` at once. The model stores them as read; what they mean for
//! time (off-CPU intervals) is worked out by analysis, not here.

use super::ids::{StackId, ThreadId};

/// What happened to the thread at a switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SwitchKind {
    /// The thread was switched in: it starts running on the CPU.
    In,
    /// The thread was switched out: it stops running.
    Out {
        /// It was still runnable, taken off the CPU by the scheduler (perf's
        /// `OUT preempt`, `PERF_RECORD_MISC_SWITCH_OUT_PREEMPT`; sched_switch
        /// `prev_state=R` or `R+`), not blocked.
        preempt: bool,
    },
}

/// One context switch of one thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwitchRecord {
    /// When, in ns, on the same clock as the samples' times.
    pub time_ns: u64,
    /// Process id, when known.
    pub pid: Option<u32>,
    /// Thread id of the thread switched in or out.
    pub tid: u32,
    /// CPU it happened on, when known.
    pub cpu: Option<u32>,
    /// In or out.
    pub kind: SwitchKind,
    /// At a switch-out, the kernel's task state letter as sched_switch's
    /// `prev_state` gives it (`S` sleeping, `D` uninterruptible, `R`
    /// runnable, `I` idle, `T` stopped ...; the first letter, so `R+` is
    /// `R` with `preempt`); `None` when the record does not say
    /// (`PERF_RECORD_SWITCH OUT` without `preempt`).
    pub state: Option<char>,
    /// The thread on the other side, when the record names it: for an
    /// `Out`, the next thread to run; for an `In`, the previous one
    /// (`PERF_RECORD_SWITCH_CPU_WIDE`'s next/prev pid/tid, sched_switch's
    /// `next_pid`).
    pub peer_tid: Option<u32>,
    /// The model thread of the switched thread, when the loader has one.
    pub thread: Option<ThreadId>,
    /// Where the thread was when switched out (the call chain of a
    /// sched_switch sample), when recorded.
    pub stack: Option<StackId>,
    /// The sample this record was read from (a `sched:sched_switch`
    /// sample: index into [`crate::model::Samples`]), so that analysis can
    /// tell which samples come after it in the input.
    pub sample: Option<usize>,
    /// 1-based line in a text input, for warnings.
    pub line: Option<u64>,
    /// Byte offset into the (decompressed) input, when known.
    pub offset: Option<u64>,
}

impl SwitchRecord {
    /// A record with only time, thread id and kind set.
    pub fn new(time_ns: u64, tid: u32, kind: SwitchKind) -> Self {
        Self {
            time_ns,
            pid: None,
            tid,
            cpu: None,
            kind,
            state: None,
            peer_tid: None,
            thread: None,
            stack: None,
            sample: None,
            line: None,
            offset: None,
        }
    }

    /// True for a switch-out.
    pub fn is_out(&self) -> bool {
        matches!(self.kind, SwitchKind::Out { .. })
    }
}
