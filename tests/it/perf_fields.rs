//! perf script output with other field sets than the default, recorded on
//! this machine (tests/data/perf/fields, see its SOURCES.md): samples with
//! no call chain whose header perf indents (the command name padded to 16
//! columns), a period without a time column, frames without a DSO. The
//! oracles are counts and sums taken from the text with grep and awk, and
//! the same recording printed the default way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use firesight::analysis::offcpu;
use firesight::load::{LoadOptions, Progress, load_path};
use firesight::model::{Profile, Unit, Weight};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/perf/fields").join(rel)
}

/// Loads with the given chunk size (small ones make the parallel reader
/// split blocks at many lines, indented headers among them).
fn load(rel: &str, chunk: usize) -> Profile {
    let opts = LoadOptions { chunk_size: chunk, ..LoadOptions::default() };
    load_path(&data(rel), &opts, Progress::new()).unwrap_or_else(|e| panic!("{rel}: {e}")).profile
}

fn total(p: &Profile, metric: &str) -> Weight {
    p.total(p.metric_by_name(metric).unwrap_or_else(|| panic!("no metric {metric}")))
}

/// Self weight per leaf frame name in the default metric.
fn leaf_self(p: &Profile) -> BTreeMap<String, Weight> {
    let mut out = BTreeMap::new();
    for i in 0..p.samples.len() {
        let Some(s) = p.samples.stacks[i] else { continue };
        let leaf = p.frames.name(p.stacks.frame(s)).to_string();
        *out.entry(leaf).or_insert(0) += p.weight(i, p.default_metric);
    }
    out
}

fn no_frame_warnings(p: &Profile) {
    assert!(!p.warnings.iter().any(|w| w.message.contains("not a stack frame")), "{:?}", p.warnings);
}

#[test]
fn samples_without_call_chain_of_two_events_are_all_read() {
    // `perf record -e cpu-clock -e sched:sched_switch` without -g: every
    // line a sample, the command name padded to 16 columns, no blank line
    // between samples. grep: 237 cpu-clock samples (period 250000 each) and
    // 43 sched_switch samples, as `perf report` counts them.
    for chunk in [1 << 20, 4096, 512] {
        let p = load("nog.perf.txt.gz", chunk);
        assert_eq!(p.samples.len(), 280, "chunk {chunk}");
        assert_eq!(total(&p, "cpu-clock"), 237 * 250_000, "chunk {chunk}");
        assert_eq!(total(&p, "sched:sched_switch samples"), 43, "chunk {chunk}");
        no_frame_warnings(&p);
    }
}

#[test]
fn switch_samples_in_a_row_with_pids_count_as_without() {
    // The same recording (-g) printed the default way and with `-F +pid`:
    // the switch samples come without a call chain and, two in a row, with
    // no blank line between them. Both read the same samples and off-CPU time.
    let plain = offcpu::with_off_cpu(load("sleepy.perf.txt.gz", 1 << 20));
    for chunk in [1 << 20, 4096] {
        let pid = offcpu::with_off_cpu(load("sleepy.pid.perf.txt.gz", chunk));
        assert_eq!(pid.samples.len(), plain.samples.len(), "chunk {chunk}");
        for m in ["cpu-clock", "sched:sched_switch samples", "off-cpu"] {
            assert_eq!(total(&pid, m), total(&plain, m), "{m}, chunk {chunk}");
        }
        no_frame_warnings(&pid);
        assert!(pid.threads.iter().all(|t| t.pid == Some(19877)), "{:?}", pid.threads);
    }
    // 46 switches; the off-CPU rule gives 912.313 ms sleeping + 42.250 ms
    // preempted (summed by hand over the switch and cpu-clock timestamps).
    assert_eq!(total(&plain, "sched:sched_switch samples"), 46);
    assert_eq!(total(&plain, "off-cpu"), 954_563_000);
}

#[test]
fn a_period_without_a_time_column_weighs_its_sample() {
    // `perf script -F comm,tid,period,event,ip,sym,dso`: `prog 12255
    // 1001001 cpu-clock:`. awk: 1658 samples, periods summing to 1659659658.
    let p = load("before.comm-tid-period-event-ip-sym-dso.perf.txt.gz", 1 << 20);
    let m = p.metric_by_name("cpu-clock").unwrap_or_else(|| panic!("{:?}", p.metrics));
    assert_eq!(p.metric(m).unit, Unit::Nanoseconds);
    assert_eq!((p.samples.len(), p.total(m)), (1658, 1_659_659_658));
    assert_eq!(p.threads.len(), 1);
    assert_eq!((p.threads[0].name.as_str(), p.threads[0].tid), ("prog", Some(12255)));
    no_frame_warnings(&p);
}

#[test]
fn frames_without_a_dso_are_frames() {
    // `perf script -F comm,pid,tid,time,event,ip,sym`: frame lines
    // `addr symbol`. awk over the first frame of each sample: 1520
    // compute_checksum, 26 msort_with_tmp.part.0, 18 hash_str, 18 cmp.
    let p = load("before.comm-pid-tid-time-event-ip-sym.perf.txt.gz", 1 << 20);
    assert_eq!(p.samples.len(), 1658);
    let leaves = leaf_self(&p);
    for (name, want) in [("compute_checksum", 1520), ("msort_with_tmp.part.0", 26), ("hash_str", 18), ("cmp", 18)] {
        assert_eq!(leaves.get(name).copied(), Some(want), "{name}: {leaves:?}");
    }
    assert_eq!(p.warnings_total, 0, "{:?}", p.warnings);
}

#[test]
fn asking_for_a_pid_where_the_file_has_thread_ids_only_says_so() {
    // The default `perf script` prints `comm tid`, no pid: --pid cannot
    // select, and the error says why and what selects instead.
    let p = load("sleepy.perf.txt.gz", 1 << 20);
    let err = firesight::analysis::timeline::threads_matching(&p, &[], &[19877]).map(|_| ()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("thread ids but no process ids"), "{text}");
    assert!(text.contains("-F +pid"), "{text}");
    // With `-F +pid` the same id selects both threads of the process.
    let pid = load("sleepy.pid.perf.txt.gz", 1 << 20);
    let hit = firesight::analysis::timeline::threads_matching(&pid, &[], &[19877]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(hit.len(), 2);
}

#[test]
fn headers_without_a_time_column_after_a_switch_sample_start_samples() {
    // `perf script -F -time` of `-e cpu-clock -e sched:sched_switch`, with
    // and without -g: a switch sample has no call chain, and the header
    // after it (`mt3 17036  250000  cpu-clock:`, indented without -g) comes
    // with no blank line and no time. The default output of the same
    // recordings (grep): 2964 and 2983 cpu-clock samples of 250000, 3561
    // and 3397 switches.
    for (rel, cpu, switches) in
        [("mt_sched_g.notime.perf.txt.gz", 2964, 3561), ("mt_sched_nog.notime.perf.txt.gz", 2983, 3397)]
    {
        for chunk in [1 << 20, 8192] {
            let p = load(rel, chunk);
            assert_eq!(total(&p, "cpu-clock"), cpu * 250_000, "{rel} chunk {chunk}");
            assert_eq!(total(&p, "sched:sched_switch samples"), switches, "{rel} chunk {chunk}");
            assert_eq!(p.samples.len() as i128, cpu + switches, "{rel} chunk {chunk}");
            no_frame_warnings(&p);
        }
    }
}

#[test]
fn round_records_alone_on_their_line_are_counted_not_warned_per_line() {
    // `perf script --show-round-events` prints `PERF_RECORD_FINISHED_ROUND`
    // with no sample fields.
    let text = "mt3 12865 [000]  5863.508278:     250000          cpu-clock: \n\
                \t    891f5 start_thread+0x305 (/usr/lib/libc.so.6)\n\n\
                PERF_RECORD_FINISHED_ROUND\n\
                mt3 12865 [000]  5863.508528:     250000          cpu-clock: \n\
                \t    891f5 start_thread+0x305 (/usr/lib/libc.so.6)\n\n\
                PERF_RECORD_FINISHED_ROUND\n";
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("rounds.perf.txt");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    let p = load_path(&path, &LoadOptions::default(), Progress::new()).unwrap_or_else(|e| panic!("{e}")).profile;
    assert_eq!((p.samples.len(), total(&p, "cpu-clock")), (2, 500_000));
    assert_eq!(p.warnings_total, 1, "{:?}", p.warnings);
    assert!(p.warnings[0].message.contains("2 PERF_RECORD_FINISHED_ROUND records"), "{:?}", p.warnings);
}

/// Leaf self weights, samples and total of `rel` equal those of `oracle`
/// (the same recording printed the default way), in cpu-clock.
fn same_samples(rel: &str, oracle: &str, samples: usize, total_ns: Weight) {
    same_in(rel, oracle, "cpu-clock", (samples, total_ns), 0);
}

/// [`same_samples`] in `metric`, with `extra` warnings more than the oracle.
fn same_in(rel: &str, oracle: &str, metric: &str, (samples, sum): (usize, Weight), extra: u64) {
    let want = load(oracle, 1 << 20);
    assert_eq!((want.samples.len(), total(&want, metric)), (samples, sum), "{oracle}");
    for chunk in [1 << 20, 4096] {
        let p = load(rel, chunk);
        assert_eq!(p.metrics.len(), 1, "{rel}: {:?}", p.metrics);
        assert_eq!((p.samples.len(), total(&p, metric)), (samples, sum), "{rel} chunk {chunk}");
        assert_eq!(leaf_self(&p), leaf_self(&want), "{rel} chunk {chunk}");
        assert_eq!(p.warnings_total, want.warnings_total + extra, "{rel}: {:?}", p.warnings);
    }
}

#[test]
fn a_misc_column_is_not_the_event() {
    // `perf script -F +misc`: `prog 12636 U     12351.901593:     500000
    // cpu-clock:` (grep: 737 U, 10 K). Read before as an event named by
    // each timestamp, one metric a sample.
    same_samples("prog.misc.perf.txt.gz", "prog.perf.txt.gz", 747, 747 * 500_000);
}

#[test]
fn a_time_of_day_column_is_not_the_event() {
    // `perf record -k CLOCK_MONOTONIC`, `perf script -F +tod`: `prog 12876
    // 2026-12-04 19:47:11.028341 12395.527875:    1000000 cpu-clock:`.
    same_samples("prog-clk.tod.perf.txt.gz", "prog-clk.perf.txt.gz", 398, 398 * 1_000_000);
    let p = load("prog-clk.tod.perf.txt.gz", 1 << 20);
    assert_eq!(p.samples.times_ns.first().copied().flatten(), Some(12_395_527_875_000));
}

#[test]
fn headers_without_a_command_or_a_thread_id_keep_the_other() {
    // `perf script -F -comm`: `12636 12351.901593: 500000 cpu-clock:`;
    // `-F -tid`: `prog 12351.901593: 500000 cpu-clock:`. Before, the
    // period was read as the thread and the time went into the command.
    same_samples("prog.no-comm.perf.txt.gz", "prog.perf.txt.gz", 747, 747 * 500_000);
    same_samples("prog.no-tid.perf.txt.gz", "prog.perf.txt.gz", 747, 747 * 500_000);
    let p = load("prog.no-comm.perf.txt.gz", 1 << 20);
    assert_eq!(p.threads.len(), 1);
    assert_eq!(p.threads[0].tid, Some(12636));
    let p = load("prog.no-tid.perf.txt.gz", 1 << 20);
    assert_eq!((p.threads.len(), p.threads[0].name.as_str(), p.threads[0].tid), (1, "prog", None));
}

#[test]
fn source_lines_under_samples_without_call_chain_go_to_their_frame() {
    // `perf record` without -g, `perf script -F +srcline`: each header
    // carries its frame and the next line its source (`  prog.c:4`, or
    // `  [kernel.kallsyms][ffffffff815f9824]` where perf knows none).
    // Refused before as neither perf script nor folded. grep: 666 samples,
    // 661 `file:line` lines.
    same_samples("prog-nog.srcline.perf.txt.gz", "prog-nog.perf.txt.gz", 666, 666 * 500_000);
    let p = load("prog-nog.srcline.perf.txt.gz", 4096);
    let with_line = (0..p.samples.len())
        .filter(|&i| p.samples.stacks[i].is_some_and(|s| p.frames.frame(p.stacks.frame(s)).file.is_some()))
        .count();
    assert_eq!(with_line, 661);
}

#[test]
fn a_data_address_before_the_frame_is_not_the_frame() {
    // `perf record -e page-faults -d` with -g and without, `perf script -F
    // +addr`: the fault's data address (`55ca578dc038 __TMC_END__+0x0
    // (/tmp/pv/prog)`) follows the event, then the call chain below (-g)
    // or the sampled frame on the same line (no -g). Read before as the
    // frame, the call chain below it warned about line by line. awk over
    // the default output: 49 samples, 1304 faults; 41 samples without -g.
    same_in("faults.addr.perf.txt.gz", "faults.perf.txt.gz", "page-faults", (49, 1304), 0);
    same_in("faults-nog.addr-insn.perf.txt.gz", "faults-nog.perf.txt.gz", "page-faults", (41, 1248), 0);
}

#[test]
fn instruction_lines_under_call_chains_are_counted_not_read_as_frames() {
    // `perf script -F +insnlen,+insn` with -g: ` ilen: 3 insn: 48 89 e7`
    // under each call chain (grep: 49), no blank line after it. One
    // warning counts them; the last sample is not taken for cut off.
    same_in("faults.insn.perf.txt.gz", "faults.perf.txt.gz", "page-faults", (49, 1304), 1);
    let p = load("faults.insn.perf.txt.gz", 1 << 20);
    assert!(p.warnings.iter().any(|w| w.message.contains("49 instruction lines")), "{:?}", p.warnings);
}

/// `perf script -F comm,period,event,ip,sym`: one number between the
/// command and the event, which perf pads to 10 columns as a period (a tid
/// to 5). It is the period: the same samples printed with the tid too
/// weigh the same and fold the same.
#[test]
fn a_lone_number_padded_as_a_period_is_the_period_not_a_tid() {
    let lone = load("spin.comm-period-event-ip-sym.perf.txt.gz", 1 << 20);
    let with_tid = load("spin.comm-tid-period-event-ip-sym.perf.txt.gz", 1 << 20);
    assert_eq!(lone.metric(lone.default_metric).name, "cpu-clock");
    assert_eq!(total(&lone, "cpu-clock"), total(&with_tid, "cpu-clock"));
    assert_eq!(total(&lone, "cpu-clock"), 1_597_719_480, "perf script: 7 987 samples of 200 040 ns");
    assert_eq!(leaf_self(&lone), leaf_self(&with_tid));
}
