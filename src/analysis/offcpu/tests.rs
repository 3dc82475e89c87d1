//! The rule on hand-drawn timelines.

use super::*;
use crate::model::{LabelSetId, SwitchKind, Thread};

/// A profile from records: `(time, tid, what)` where what is `S`/`D`/`R`
/// (a sched_switch switch-out with a sample, next pid in `peer`), `in`, or
/// `cpu` (a cpu-clock sample of 10 ns).
fn profile(events: &[(u64, u32, &str, Option<u32>)]) -> Profile {
    let mut b = ProfileBuilder::new("perf-script");
    let cpu = b.add_metric("cpu-clock", Unit::Nanoseconds);
    let sw = b.add_metric("sched:sched_switch", Unit::Count);
    for (line, &(t, tid, what, peer)) in events.iter().enumerate() {
        let th = b.thread(Thread { pid: Some(1), tid: Some(tid), name: format!("t{tid}") });
        let root = b.frame(FrameRef::new(&format!("t{tid}"), "", FrameKind::User));
        let f = b.frame(FrameRef::new(if what == "cpu" { "work" } else { "schedule" }, "", FrameKind::Kernel));
        let s0 = b.stack(None, root);
        let s = b.stack(Some(s0), f);
        let line = Some(line as u64 + 1);
        match what {
            "cpu" => b.add_sample_for(Some(s), cpu, 10, Some(t), Some(th)),
            "in" => b.add_switch(SwitchRecord { line, ..SwitchRecord::new(t, tid, SwitchKind::In) }),
            "out" => b.add_switch(SwitchRecord {
                line,
                thread: Some(th),
                ..SwitchRecord::new(t, tid, SwitchKind::Out { preempt: false })
            }),
            state => {
                b.add_sample(Some(s), &[0, 1], Some(t), Some(th), LabelSetId(0));
                let letter = state.chars().next();
                b.add_switch(SwitchRecord {
                    line,
                    thread: Some(th),
                    stack: Some(s),
                    sample: Some(b.sample_count() - 1),
                    state: letter,
                    peer_tid: peer,
                    ..SwitchRecord::new(t, tid, SwitchKind::Out { preempt: letter == Some('R') })
                });
            }
        }
    }
    let _ = sw;
    b.finish().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn intervals_close_at_the_first_sign_of_running() {
    // t1: S at 100 (t2 runs next), back at 130 by a switch-in.
    // t2: D at 200, back at 260 when t1's switch-out names it.
    // t1: R at 250, back at 300 by its own cpu sample.
    // t2: S at 400, never again (reported, not counted).
    let p = profile(&[
        (100, 1, "S", Some(2)),
        (130, 1, "in", None),
        (200, 2, "D", Some(0)),
        (250, 1, "R", Some(2)),
        (300, 1, "cpu", None),
        (400, 2, "S", Some(0)),
        (500, 1, "cpu", None),
    ]);
    let off = off_cpu(&p).unwrap_or_else(|| panic!("no switches"));
    let got: Vec<_> = off.intervals.iter().map(|i| (i.tid, i.start_ns, i.end_ns, i.state, i.end)).collect();
    assert_eq!(
        got,
        [
            (1, 100, 130, OffCpuState::Sleeping, EndReason::SwitchIn),
            (2, 200, 250, OffCpuState::Uninterruptible, EndReason::NextPid),
            (1, 250, 300, OffCpuState::Preempted, EndReason::Sample),
        ]
    );
    assert_eq!(off.total_ns(), 30 + 50 + 50);
    assert_eq!(off.unclosed, [Unclosed { tid: 2, start_ns: 400, to_end_ns: 100, line: Some(6) }]);

    let p = with_off_cpu(p);
    let off_m = p.metric_by_name(OFF_CPU).unwrap_or_else(|| panic!("no off-cpu"));
    let wall = p.metric_by_name(WALL).unwrap_or_else(|| panic!("no wall"));
    assert_eq!(p.total(off_m), 130);
    assert_eq!(p.total(wall), 130 + 20);
    let dump = crate::model::dump::dump(&p);
    assert!(dump.contains("t1;schedule;[off-CPU S: sleeping] 0 0 30 30"), "{dump}");
    assert!(p.warnings.iter().any(|w| w.line == Some(6) && w.message.contains("never runs again")));
    // Applying it twice adds nothing.
    let again = with_off_cpu(p.clone());
    assert_eq!(again.metrics.len(), p.metrics.len());
}

#[test]
fn switch_records_alone_use_the_last_sample_stack_and_flag_odd_records() {
    let p = profile(&[
        (10, 1, "cpu", None),
        (20, 1, "out", None),
        (50, 1, "in", None),
        (60, 1, "in", None),
        (40, 1, "out", None),
        (90, 1, "in", None),
    ]);
    let off = off_cpu(&p).unwrap_or_else(|| panic!("no switches"));
    assert_eq!(off.rule, Rule::SwitchRecords);
    let got: Vec<_> = off.intervals.iter().map(|i| (i.start_ns, i.end_ns, i.state, i.stack.is_some())).collect();
    assert_eq!(got, [(20, 50, OffCpuState::Unknown, true), (40, 50, OffCpuState::Unknown, true)]);
    assert_eq!(off.in_without_out, (1, Some(4)));
    assert_eq!(off.backwards, (1, Some(5)));
}
