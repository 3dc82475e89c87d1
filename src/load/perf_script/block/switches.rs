//! Context-switch records of a perf script: `PERF_RECORD_SWITCH` lines
//! (`--show-switch-events`) and the switch-out each `sched:sched_switch`
//! sample records, kept in the parser's delta for the off-CPU analysis.

use super::super::{header, payload};
use super::{LocalSwitch, NONE, Parser};

/// Lines of one kind counted instead of read: side-band records
/// (`PERF_RECORD_COMM` ...) or instruction lines (`-F +insn`).
#[derive(Debug)]
pub(crate) struct Unread {
    /// What they are (`PERF_RECORD_MMAP2`, `instruction lines (...)`).
    pub kind: String,
    /// What the warning says of them.
    pub what: &'static str,
    /// How many.
    pub count: u64,
    /// The first one's line.
    pub line: u64,
}

/// What the warning says of side-band records not read.
pub(super) const RECORDS_SKIPPED: &str = "records (not samples) skipped";
use crate::model::SwitchKind;

impl Parser {
    /// A line not read (a `PERF_RECORD_MMAP2` record, an instruction
    /// line ...): counted by kind, with the line of the first; `what` is
    /// what the warning says of them.
    pub(super) fn count_unread(&mut self, kind: &str, what: &'static str, number: u64) {
        match self.out.other_records.iter_mut().find(|u| u.kind == kind) {
            Some(u) => u.count += 1,
            None => self.out.other_records.push(Unread { kind: kind.to_string(), what, count: 1, line: number }),
        }
    }

    /// A `PERF_RECORD_*` line: a switch record, or counted.
    pub(super) fn record_line(&mut self, h: &header::Header<'_>, record: &str, number: u64, offset: u64) {
        let mut words = record.split_whitespace();
        let kind_word = words.next().unwrap_or("");
        let is_switch = kind_word == "PERF_RECORD_SWITCH" || kind_word == "PERF_RECORD_SWITCH_CPU_WIDE";
        let kind = match (is_switch, words.next()) {
            (true, Some("IN")) => Some(SwitchKind::In),
            (true, Some("OUT")) => {
                let preempt = record.contains("OUT preempt");
                Some(SwitchKind::Out { preempt })
            }
            _ => None,
        };
        let Some(kind) = kind else {
            self.count_unread(kind_word.trim_end_matches(':'), RECORDS_SKIPPED, number);
            return;
        };
        // CPU-wide records name the other thread: `next pid/tid: 12/34`.
        let peer_tid = record
            .split_once("pid/tid:")
            .and_then(|(_, r)| r.split_whitespace().next())
            .and_then(|pt| pt.rsplit('/').next())
            .and_then(|t| t.parse().ok());
        let tid = h.tid.parse().ok();
        // Only a switch-out needs the model thread (a switch-in may still
        // show the comm from before the thread named itself).
        let out = matches!(kind, SwitchKind::Out { .. });
        let thread = if out && tid.is_some() { self.thread(h) } else { NONE };
        self.out.switches.push(LocalSwitch {
            time_ns: h.time_ns,
            pid: h.pid.and_then(|p| p.parse().ok()),
            tid,
            cpu: h.cpu,
            state: matches!(kind, SwitchKind::Out { preempt: true }).then_some('R'),
            kind,
            peer_tid,
            thread,
            stack: NONE,
            sample: NONE,
            line: number,
            offset,
        });
    }

    /// The switch-out a sched_switch sample records: its thread (`prev_pid`,
    /// else the sample's tid) leaves the CPU in `prev_state` at this stack.
    pub(super) fn sched_switch(&mut self, fields: &[payload::Field<'_>], stack: u32, sample: u32) {
        let state = payload::get(fields, "prev_state");
        let letter = state.and_then(|s| s.chars().next());
        let preempt = letter == Some('R');
        let tid = payload::get(fields, "prev_pid").and_then(|p| p.parse().ok()).or(self.cur.tid);
        self.out.switches.push(LocalSwitch {
            time_ns: self.cur.time_ns,
            pid: self.cur.pid,
            tid,
            cpu: self.cur.cpu,
            kind: SwitchKind::Out { preempt },
            state: letter,
            peer_tid: payload::get(fields, "next_pid").and_then(|p| p.parse().ok()),
            thread: self.cur.thread,
            stack,
            sample,
            line: self.cur.line,
            offset: self.cur.offset,
        });
    }
}
