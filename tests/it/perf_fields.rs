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
