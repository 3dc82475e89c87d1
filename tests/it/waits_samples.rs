//! Our own recordings of `sample-profiles/waits/waits.c` (see the README
//! beside them): the strace file's syscall and per-file tables, and the
//! perf file's off-CPU time split by state, each checked against a small
//! independent reading of the same text written here (not the loader's
//! code), plus what the program is known to do.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::PathBuf;

use firesight::analysis::offcpu::{self, OffCpuState};
use firesight::analysis::syscalls::syscall_table;
use firesight::load::{Format, LoadOptions, Progress, load_path};
use firesight::model::Profile;
use firesight::model::calltree::SampleFilter;

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-profiles/waits").join(name)
}

fn text(name: &str) -> String {
    let mut s = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(sample(name)).unwrap()).read_to_string(&mut s).unwrap();
    s
}

fn load(name: &str) -> Profile {
    load_path(&sample(name), &LoadOptions::default(), Progress::new()).unwrap().profile
}

/// Folded `stack ns` lines of the `off-cpu` metric.
fn off_cpu_folded(p: &Profile) -> String {
    let m = p.metric_by_name(offcpu::OFF_CPU).unwrap();
    let lines = firesight::export::folded::fold(p, m, &SampleFilter::default());
    let mut out = Vec::new();
    firesight::export::folded::write(p, m, &lines, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Per file: calls, µs, calls by syscall; per syscall: calls, errors, µs.
#[derive(Default)]
struct Straced {
    files: BTreeMap<String, (u64, u64, BTreeMap<String, u64>)>,
    calls: BTreeMap<String, (u64, u64, u64)>,
    signals: u64,
    exits: u64,
}

/// The path `-yy` names in a call's first argument: from the first `<` to
/// the `>` followed by `,`, `)` or a space (so `->` and nested `<...>` stay
/// inside).
fn first_arg_path(args: &str) -> Option<String> {
    let lt = args.find('<')?;
    if lt == 0 || !args[..lt].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let b = args.as_bytes();
    (lt + 1..b.len())
        .find(|&i| b[i] == b'>' && matches!(b.get(i + 1), Some(b',' | b')' | b' ')))
        .map(|i| args[lt + 1..i].to_string())
}

fn read_strace(text: &str) -> Straced {
    let mut out = Straced::default();
    let mut pending: HashMap<String, (String, String)> = HashMap::new();
    for line in text.lines() {
        // `PID  HH:MM:SS.ffffff rest`
        let (pid, rest) = line.split_once(' ').unwrap();
        let (_time, rest) = rest.trim_start().split_once(' ').unwrap();
        if rest.starts_with("--- ") {
            out.signals += 1;
            continue;
        }
        if rest.starts_with("+++ ") {
            out.exits += 1;
            continue;
        }
        let (name, whole) = if let Some(r) = rest.strip_prefix("<... ") {
            let (name, tail) = r.split_once(" resumed>").unwrap();
            let (_, head) = pending.remove(pid).unwrap();
            (name.to_string(), format!("{head}{tail}"))
        } else {
            let (name, args) = rest.split_once('(').unwrap();
            if let Some(head) = args.strip_suffix(" <unfinished ...>") {
                pending.insert(pid.to_string(), (name.to_string(), head.to_string()));
                continue;
            }
            (name.to_string(), args.to_string())
        };
        if whole.contains("<unfinished ...>") {
            continue; // resumed, then cut off by the exit
        }
        let Some((before, dur)) = whole.rsplit_once(" <") else { continue };
        let Some((_, ret)) = before.rsplit_once(" = ") else { continue };
        let mut words = ret.split(' ');
        let value = words.next().unwrap();
        let errno = words.next().is_some_and(|w| w.starts_with('E'));
        if value == "?" && !errno {
            continue; // exit, exit_group
        }
        let (s, us) = dur.trim_end_matches('>').split_once('.').unwrap();
        let us: u64 = s.parse::<u64>().unwrap() * 1_000_000 + us.parse::<u64>().unwrap();
        let c = out.calls.entry(name.clone()).or_default();
        c.0 += 1;
        c.1 += u64::from(errno);
        c.2 += us;
        if let Some(path) = first_arg_path(&whole) {
            let f = out.files.entry(path).or_default();
            f.0 += 1;
            f.1 += us;
            *f.2.entry(name).or_default() += 1;
        }
    }
    out
}

#[test]
fn strace_sample_tables_agree_with_an_independent_reading() {
    let p = load("waits.strace.txt.gz");
    assert_eq!(p.format, "strace");
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let want = read_strace(&text("waits.strace.txt.gz"));
    let t = syscall_table(&p).unwrap();
    let got: BTreeMap<String, (u64, u64, u64)> =
        t.rows.iter().map(|r| (r.name.clone(), (r.calls, r.errors, r.total_ns / 1000))).collect();
    assert_eq!(got, want.calls);
    let got: BTreeMap<String, (u64, u64, BTreeMap<String, u64>)> = t
        .files
        .iter()
        .map(|r| (r.name.clone(), (r.calls, r.total_ns / 1000, r.by_syscall.iter().cloned().collect())))
        .collect();
    assert_eq!(got, want.files);
    assert_eq!(p.meta.iter().find(|(k, _)| k == "signals").map(|x| x.1.clone()), Some(want.signals.to_string()));
    assert_eq!(p.meta.iter().find(|(k, _)| k == "exits").map(|x| x.1.clone()), Some(want.exits.to_string()));
    // What the program does: the journal file is written and fsynced, the
    // pipe read and written, the socket pair used, and futex fails with EAGAIN.
    let journal = t.files.iter().find(|r| r.name.starts_with("/tmp/waits-journal-")).unwrap();
    let by: BTreeMap<&str, u64> = journal.by_syscall.iter().map(|(n, c)| (n.as_str(), *c)).collect();
    assert!(by["write"] > 100 && by["fsync"] > 20 && by["read"] > 0, "{by:?}");
    assert!(t.files.iter().any(|r| r.name.starts_with("pipe:[")));
    assert!(t.files.iter().any(|r| r.name.starts_with("UNIX:[") && r.name.contains("->")));
    let futex = t.rows.iter().find(|r| r.name == "futex").unwrap();
    assert!(futex.errnos.iter().any(|(e, _)| e == "EAGAIN"));
    assert!(want.signals >= 5, "SIGCHLD of the children");
}

#[test]
fn strace_sample_k_stacks_reach_the_programs_functions() {
    let p = load("waits-k.strace.txt.gz");
    let folded = crate::common::folded_text(&p);
    for want in [";flush_journal;", ";wait_for_message;", ";ticker_main;"] {
        assert!(folded.contains(want), "{want}");
    }
}

/// Off-CPU time per thread state by the README's rule, read here from the
/// perf script text: an interval opens at a `sched_switch` of the thread and
/// closes at the next record that shows it running (a `sched_switch` whose
/// `next_pid` it is, or any other sample of it); intervals never closed do
/// not count.
fn off_cpu_by_state(text: &str) -> BTreeMap<String, u64> {
    let mut open: HashMap<u32, (u64, String)> = HashMap::new();
    let mut by_state: BTreeMap<String, u64> = BTreeMap::new();
    let field = |payload: &str, key: &str| -> Option<String> {
        payload.split(' ').find_map(|w| w.strip_prefix(key)).map(str::to_string)
    };
    for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('\t')) {
        // `comm tid [cpu] secs.us: event: payload` (cpu-clock lines have no [cpu]).
        let words: Vec<&str> = line.split(' ').filter(|w| !w.is_empty()).collect();
        let k = words
            .iter()
            .position(|w| {
                w.strip_suffix(':')
                    .and_then(|t| t.split_once('.'))
                    .is_some_and(|(a, b)| !a.is_empty() && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit()))
            })
            .unwrap();
        let tid_word = if words[k - 1].starts_with('[') { words[k - 2] } else { words[k - 1] };
        let tid: u32 = tid_word.parse().unwrap();
        let time = words[k].trim_end_matches(':');
        let event_payload = &line[line.find(words[k]).unwrap() + words[k].len() + 1..];
        let (s, us) = time.split_once('.').unwrap();
        let t = s.parse::<u64>().unwrap() * 1_000_000_000 + us.parse::<u64>().unwrap() * 1000;
        let mut close = |tid: u32| {
            if let Some((start, state)) = open.remove(&tid) {
                let state = if state.starts_with('R') { "R".to_string() } else { state };
                *by_state.entry(state).or_default() += t - start;
            }
        };
        close(tid);
        if let Some(payload) = event_payload.trim_start().strip_prefix("sched:sched_switch: ") {
            let next: u32 = field(payload, "next_pid=").unwrap().parse().unwrap();
            close(next);
            let prev: u32 = field(payload, "prev_pid=").unwrap().parse().unwrap();
            open.insert(prev, (t, field(payload, "prev_state=").unwrap()));
        }
    }
    by_state
}

#[test]
fn perf_sample_off_cpu_splits_by_state_as_the_rule_says() {
    let p = offcpu::with_off_cpu(load("waits.perf.txt.gz"));
    let off = offcpu::off_cpu(&p).unwrap();
    let want = off_cpu_by_state(&text("waits.perf.txt.gz"));
    for (state, key) in
        [(OffCpuState::Sleeping, "S"), (OffCpuState::Uninterruptible, "D"), (OffCpuState::Preempted, "R")]
    {
        let got = off.by_state().iter().find(|(s, _)| *s == state).map_or(0, |x| x.1);
        assert_eq!(got, u128::from(want.get(key).copied().unwrap_or(0)), "{key}");
    }
    // Every kind of waiting the program does is there: lock waits and
    // sleeps (S), fsync on the journal (D), three spinning ledger threads
    // on two CPUs (R).
    assert!(want.values().all(|&ns| ns > 1_000_000), "{want:?}");
    // Where: libc has no frame pointers, so a stack through it skips its
    // caller, but the thread (comm first) and the syscall are there.
    let folded = off_cpu_folded(&p);
    let off_ns = |thread: &str, needle: &str, state: &str| -> u64 {
        folded
            .lines()
            .filter(|l| l.starts_with(thread) && l.contains(needle) && l.contains(&format!("[off-CPU {state}:")))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
            .sum()
    };
    assert!(off_ns("journal;", ";fsync;", "D") > 0, "fsync waits on the journal");
    assert!(off_ns("ticker;", ";clock_nanosleep", "S") > 0, "the ticker's sleeps");
    assert!(off_ns("ledger-1;", ";__GI___lll_lock_wait;", "S") > 0, "mutex waits");
    assert!(off_ns("ledger-2;", ";checksum;", "R") > 0, "preempted while checksumming");
    let loaded = load_path(&sample("waits.perf.txt.gz"), &LoadOptions::default(), Progress::new()).unwrap();
    assert_eq!(loaded.format, Format::PerfScript);
}
