//! perf.data read directly: `fold` equals `fold` of `perf script` on the
//! same file (wherever perf resolves the symbol), two events, context
//! switch records, a binary that is gone, DWARF stack copies, pipe mode,
//! inlined frames, truncated and damaged files, the CLI and the window.
//!
//! The files are recordings of `tests/data/perf_data/spin.c` made by
//! `tests/data/perf_data/record.sh` (perf 6.1, see VERSIONS.txt); the
//! oracles `*.perf.txt.gz` are `perf script --kallsyms kallsyms.txt
//! --no-inline` of the same files, made before the binaries moved. The
//! static binary `spin` is committed, so symbols come from it
//! (`--symbols`), and the kernel's from the trimmed `kallsyms.txt`, so no
//! test depends on this machine's files or kernel.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use firesight::load::{At, Format, LoadErrorKind, LoadOptions, PerfDataOptions, Progress, load_path};
use firesight::model::calltree::SampleFilter;
use firesight::model::{FrameKind, MetricId, Profile, SwitchKind, Unit};

use crate::common::run_cli;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/perf_data").join(rel)
}

fn opts(inline: bool) -> LoadOptions {
    LoadOptions {
        perf_data: PerfDataOptions {
            symbol_dirs: vec![data("")],
            inline,
            kallsyms: Some(data("kallsyms.txt")),
            ..PerfDataOptions::default()
        },
        ..LoadOptions::default()
    }
}

fn load_with(path: &Path, o: &LoadOptions) -> Profile {
    let l = load_path(path, o, Progress::new()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(l.format, Format::PerfData, "{}", path.display());
    l.profile
}

fn load(name: &str) -> Profile {
    load_with(&data(name), &opts(false))
}

/// The oracle's perf script text, unpacked into a temporary file.
fn oracle(name: &str) -> (tempfile::TempDir, PathBuf, String) {
    let mut text = String::new();
    let f = std::fs::File::open(data(name)).expect("oracle");
    flate2::read::GzDecoder::new(f).read_to_string(&mut text).expect("gunzip");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("oracle.perf.txt");
    std::fs::write(&path, &text).expect("write");
    (dir, path, text)
}

fn metric(p: &Profile, name: &str) -> MetricId {
    let i = p.metrics.iter().position(|m| m.name == name).unwrap_or_else(|| panic!("no metric {name}"));
    MetricId::from_index(i)
}

fn fold(p: &Profile, m: MetricId) -> BTreeMap<String, i128> {
    firesight::export::folded::fold(p, m, &SampleFilter::default()).into_iter().collect()
}

/// Compares our fold with perf script's. The only frames that may differ
/// are the vDSO's: perf resolved them from its own copy of this kernel's
/// vDSO, which another kernel does not have (we then show `[vdso]+0x..`);
/// lines through the vDSO are then compared by total weight only.
fn assert_same_fold(ours: BTreeMap<String, i128>, perf: BTreeMap<String, i128>, perf_text: &str) {
    let vdso: Vec<&str> = perf_text
        .lines()
        .filter(|l| l.ends_with("([vdso])"))
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(|s| s.split("+0x").next().unwrap_or(s))
        .collect();
    let unresolved_vdso = ours.keys().any(|k| k.contains("[vdso]+0x"));
    let (mut ours_rest, mut perf_rest) = (0, 0);
    let keep_ours: BTreeMap<_, _> = ours
        .into_iter()
        .filter(|(k, w)| {
            let drop = unresolved_vdso && k.contains("[vdso]+0x");
            ours_rest += if drop { *w } else { 0 };
            !drop
        })
        .collect();
    let keep_perf: BTreeMap<_, _> = perf
        .into_iter()
        .filter(|(k, w)| {
            let drop = unresolved_vdso && k.split(';').any(|f| vdso.contains(&f));
            perf_rest += if drop { *w } else { 0 };
            !drop
        })
        .collect();
    assert_eq!(ours_rest, perf_rest, "weight through the vDSO");
    let diff: Vec<_> = keep_ours
        .iter()
        .filter(|(k, w)| keep_perf.get(*k) != Some(w))
        .map(|(k, w)| format!("ours:  {k} {w}"))
        .chain(keep_perf.iter().filter(|(k, w)| keep_ours.get(*k) != Some(w)).map(|(k, w)| format!("perf:  {k} {w}")))
        .collect();
    assert!(diff.is_empty(), "folds differ:\n{}", diff.join("\n"));
    assert!(keep_ours.len() > 10, "a real comparison");
}

/// Loads each of `names`, checks it has as many samples as its oracle
/// (`perf script` text) and folds as it does, and returns them.
fn folds_like_its_oracle(names: &[&str], oracle_name: &str) -> Vec<Profile> {
    let (_dir, path, text) = oracle(oracle_name);
    let script = load_path(&path, &LoadOptions::default(), Progress::new()).expect("perf script").profile;
    names
        .iter()
        .map(|name| {
            let p = load(name);
            assert_eq!(p.samples.len(), script.samples.len(), "{name}");
            assert_same_fold(fold(&p, p.default_metric), fold(&script, script.default_metric), &text);
            p
        })
        .collect()
}

#[test]
fn folds_like_perf_script_of_the_same_file() {
    let p = load("spin.perf.data");
    let (_dir, path, text) = oracle("spin.perf.txt.gz");
    let script = load_path(&path, &LoadOptions::default(), Progress::new()).expect("perf script").profile;
    assert_same_fold(fold(&p, p.default_metric), fold(&script, script.default_metric), &text);
    // Kernel frames (write(2) of the "log writer" thread) and threads named
    // by pthread_setname_np come through.
    assert!(p.frames.iter().any(|(_, f)| f.name == "ksys_write" && f.kind == FrameKind::Kernel));
    let names: Vec<&str> = p.threads.iter().map(|t| t.name.as_str()).collect();
    for n in ["spin", "worker-1", "log writer"] {
        assert!(names.contains(&n), "{names:?}");
    }
    assert_eq!(p.samples.len(), text.matches(" cpu-clock: ").count());
    assert_eq!(p.samples.len(), 296);
    assert_eq!(p.metric(p.default_metric).name, "cpu-clock");
    assert_eq!(p.metric(p.default_metric).unit, Unit::Nanoseconds);
    assert!(p.samples.time_ns(0).is_some());
}

#[test]
fn two_events_are_two_metrics_and_switch_records_come_through() {
    let p = load("spin-switch.perf.data");
    let (_dir, path, text) = oracle("spin-switch.perf.txt.gz");
    let names: Vec<&str> = p.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["cpu-clock/freq=999/", "sched:sched_switch"]);
    let clock = metric(&p, "cpu-clock/freq=999/");
    assert_eq!(p.metric(clock).unit, Unit::Nanoseconds);
    let sched = metric(&p, "sched:sched_switch");
    // Each event counts what perf script prints of it.
    assert_eq!(p.total(sched), text.matches(" sched:sched_switch: ").count() as i128);
    assert_eq!(p.total(sched), 64);
    let script = load_path(&path, &LoadOptions::default(), Progress::new()).expect("perf script").profile;
    let clock_script = metric(&script, "cpu-clock/freq=999/");
    assert_same_fold(fold(&p, clock), fold(&script, clock_script), &text);
    // `perf script --show-switch-events` of this file prints 130
    // PERF_RECORD_SWITCH lines: 66 IN, 64 OUT of which 62 `preempt`.
    let sw = p.switches();
    assert_eq!(sw.len(), 130);
    assert_eq!(sw.iter().filter(|s| s.kind == SwitchKind::In).count(), 66);
    assert_eq!(sw.iter().filter(|s| s.kind == SwitchKind::Out { preempt: true }).count(), 62);
    assert!(sw.windows(2).all(|w| w[0].time_ns <= w[1].time_ns), "in time order");
    let thread = sw[0].thread.expect("a switch names its thread");
    assert_eq!(p.threads[thread.index()].tid, Some(sw[0].tid));
}

#[test]
fn a_binary_that_is_gone_shows_module_and_offset_with_a_warning() {
    let p = load_with(&data("spin-gone.perf.data"), &LoadOptions::default());
    let gone: Vec<&str> =
        p.frames.iter().filter(|(_, f)| f.name.starts_with("spin-gone+0x")).map(|(_, f)| f.name.as_str()).collect();
    assert!(gone.len() >= 5, "{gone:?}");
    for (_, f) in p.frames.iter().filter(|(_, f)| f.name.starts_with("spin-gone+0x")) {
        assert_eq!(f.kind, FrameKind::Unknown);
        assert_eq!(f.module, "/tmp/firesight-perfdata/spin-gone");
        assert!(u64::from_str_radix(&f.name["spin-gone+0x".len()..], 16).is_ok(), "{}", f.name);
    }
    let w = p.warnings.iter().find(|w| w.message.contains("no symbols for /tmp/firesight-perfdata/spin-gone"));
    let w = w.unwrap_or_else(|| panic!("{:?}", p.warnings));
    assert!(w.message.contains("build id c0df5f1a87acccdeee197f06df18b550d2529197"), "{}", w.message);
    assert!(w.message.contains("--symbols"), "{}", w.message);
    // Every sample is kept.
    assert_eq!(p.samples.len(), 52);
    // Another binary of the same name but another build id is not used.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(data("spin"), dir.path().join("spin-gone")).expect("copy");
    let o = LoadOptions {
        perf_data: PerfDataOptions { symbol_dirs: vec![dir.path().to_path_buf()], ..PerfDataOptions::default() },
        ..LoadOptions::default()
    };
    let p = load_with(&data("spin-gone.perf.data"), &o);
    assert!(p.warnings.iter().any(|w| w.message.contains("changed since the recording")), "{:?}", p.warnings);
    assert!(!p.frames.iter().any(|(_, f)| f.name == "walk_tree"));
}

#[test]
fn dwarf_stack_copies_are_shown_to_the_leaf_with_a_warning() {
    let p = load("spin-dwarf.perf.data");
    assert!(p.warnings.iter().any(|w| w.message.contains("52 samples were recorded with --call-graph dwarf")));
    let mut path = Vec::new();
    for i in 0..p.samples.len() {
        let s = p.samples.stacks[i].expect("a stack");
        p.stacks.frames_root_first(s, &mut path);
        let user = path.iter().filter(|f| p.frames.frame(**f).kind != FrameKind::Kernel).count();
        // The command name and one user frame at most.
        assert!(user <= 2, "{:?}", path.iter().map(|f| p.frames.name(*f)).collect::<Vec<_>>());
    }
    assert!(p.frames.iter().any(|(_, f)| f.name == "checksum"));
}

#[test]
fn a_pipe_mode_recording_loads() {
    let p = load("spin.pipe.perf.data");
    assert_eq!(p.metric(p.default_metric).name, "cpu-clock");
    assert_eq!(p.samples.len(), 49);
    assert!(p.frames.iter().any(|(_, f)| f.name == "walk_tree"));
}

#[test]
fn inlined_functions_are_frames_of_their_own() {
    let p = load_with(&data("spin.perf.data"), &opts(true));
    let mix = p.frames.iter().find(|(_, f)| f.name == "mix").expect("the inlined mix");
    assert_eq!(mix.1.kind, FrameKind::Inline);
    let lines = fold(&p, p.default_metric);
    assert!(lines.keys().any(|k| k.ends_with(";checksum;mix")), "mix under checksum");
    // Without inlining, the same weight sits on checksum.
    let plain = fold(&load("spin.perf.data"), p.default_metric);
    let total = |f: &BTreeMap<String, i128>| f.values().sum::<i128>();
    assert_eq!(total(&lines), total(&plain));
    assert!(!plain.keys().any(|k| k.contains(";mix")));
}

#[test]
fn truncated_and_damaged_files_fail_with_a_byte_offset_and_never_panic() {
    let bytes = std::fs::read(data("spin.perf.data")).expect("read");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cut.perf.data");
    // Every cut through the header and attributes (104: right after the
    // header once panicked), then some later ones.
    let cuts = (9..=400).chain([1000, 20_000, bytes.len() - 3000, bytes.len() - 10]);
    for cut in cuts {
        std::fs::write(&path, &bytes[..cut]).expect("write");
        let Err(e) = load_path(&path, &opts(false), Progress::new()) else { panic!("cut at {cut} loaded") };
        assert_eq!(e.kind, LoadErrorKind::Invalid, "cut at {cut}: {e}");
        assert!(matches!(e.at, Some(At::Byte(_))), "cut at {cut}: {e}");
        assert!(e.to_string().starts_with("perf.data, byte offset"), "cut at {cut}: {e}");
    }
    // The data section cut inside a record names that record's offset.
    std::fs::write(&path, &bytes[..20_000]).expect("write");
    let Err(e) = load_path(&path, &opts(false), Progress::new()) else { panic!("cut at 20000 loaded") };
    assert!(e.to_string().contains("truncated"), "{e}");
    // Damaged bytes (a fixed pseudo-random walk): an error or a profile, never a panic.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..200 {
        let mut b = bytes.clone();
        for _ in 0..1 + round % 8 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = 8 + (x as usize) % (b.len() - 8);
            b[i] = (x >> 32) as u8;
        }
        std::fs::write(&path, &b).expect("write");
        let _ = load_path(&path, &opts(false), Progress::new());
    }
}

#[test]
fn the_cli_reads_perf_data_with_its_flags() {
    let file = data("spin.perf.data").display().to_string();
    let (code, out, err) = run_cli(&["info", &file]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("format:   perf.data\n"), "{out}");
    assert!(out.contains("event: cpu-clock (296 samples)"), "{out}");
    let dir = data("").display().to_string();
    let k = data("kallsyms.txt").display().to_string();
    let (code, folded, err) = run_cli(&["fold", &file, "--no-inline", "--symbols", &dir, "--kallsyms", &k]);
    assert_eq!(code, 0, "{err}");
    let p = load("spin.perf.data");
    let want: String = fold(&p, p.default_metric).iter().map(|(k, w)| format!("{k} {w}\n")).collect();
    assert_eq!(folded, want);
    let (code, _, err) = run_cli(&["fold", &file, "--event-filter", "cycles"]);
    assert_eq!(code, 1);
    assert!(err.contains("no event named \"cycles\""), "{err}");
}

/// Self weight of each frame of `kind` that ends a stack.
fn leaf_weights(p: &Profile, kind: FrameKind) -> BTreeMap<String, i128> {
    let mut out = BTreeMap::new();
    for i in 0..p.samples.len() {
        let Some(s) = p.samples.stacks[i] else { continue };
        let f = p.frames.frame(p.stacks.frame(s));
        if f.kind == kind {
            *out.entry(f.name.clone()).or_insert(0) += p.weight(i, p.default_metric);
        }
    }
    out
}

#[test]
fn jit_frames_come_from_the_perf_map_as_perf_script_names_them() {
    // node --perf-basic-prof: JIT code in anonymous memory, named by
    // /tmp/perf-26894.map (kept beside the recording, found by --symbols).
    let p = load_with(&data("node.perf.data"), &opts(false));
    let (_dir, path, _) = oracle("node.perf.txt.gz");
    let script = load_path(&path, &LoadOptions::default(), Progress::new()).expect("perf script").profile;
    let ours = leaf_weights(&p, FrameKind::Jit);
    assert_eq!(ours, leaf_weights(&script, FrameKind::Jit));
    assert!(ours.contains_key("JS:*hot [eval]:1:13"), "{ours:?}");
    let jit: Vec<_> = p.frames.iter().filter(|(_, f)| f.kind == FrameKind::Jit).map(|(_, f)| &f.module).collect();
    assert!(jit.iter().all(|m| *m == "/tmp/perf-26894.map"), "{jit:?}");
}

#[test]
fn zstd_compressed_records_fold_like_perf_script_of_the_same_file() {
    // `perf record -z` of spin (user space only, so no kernel symbols are
    // needed): 1.2 MB of records in one zstd stream across the compressed
    // records, more than its 512 KiB window; and the same after perf 6.1's
    // `perf inject`, which copies the compressed records as they are.
    for p in folds_like_its_oracle(&["spin-zstd.perf.data", "spin-zstd-injected.perf.data"], "spin-zstd.perf.txt.gz") {
        assert!(p.samples.len() > 7000, "{} samples", p.samples.len());
        assert!(p.warnings.iter().all(|w| !w.message.contains("compressed")), "{:?}", p.warnings);
    }
    // An older recording of a program in libc: as many samples as perf
    // script prints of it (430), whatever this machine's libc resolves to.
    for name in ["prog-zstd.perf.data", "prog-zstd-injected.perf.data"] {
        let p = load(name);
        assert_eq!(p.samples.len(), 430, "{name}");
    }
}

#[test]
fn a_record_of_a_type_no_perf_writes_is_counted_in_a_warning() {
    // spin.perf.data's first sample record, its type set to 246.
    let mut b = std::fs::read(data("spin.perf.data")).expect("read");
    let data_at = u64::from_le_bytes(b[40..48].try_into().expect("8 bytes")) as usize;
    let mut at = data_at;
    loop {
        let ty = u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"));
        let size = u16::from_le_bytes(b[at + 6..at + 8].try_into().expect("2 bytes")) as usize;
        if ty == 9 {
            b[at..at + 4].copy_from_slice(&246u32.to_le_bytes());
            break;
        }
        at += size;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("type246.perf.data");
    std::fs::write(&path, &b).expect("write");
    let p = load_with(&path, &opts(false));
    let w = p.warnings.iter().find(|w| w.message.contains("of type 246")).expect("a warning");
    assert!(w.message.starts_with("1 record(s) of type 246") && w.message.contains(&format!("byte {at}")), "{w:?}");
    assert_eq!(p.samples.len() + 1, load("spin.perf.data").samples.len());
}

#[test]
fn damaged_zstd_data_is_an_error_at_its_record() {
    let bytes = std::fs::read(data("spin-zstd.perf.data")).expect("read");
    for at in [600, 2_000, 20_000] {
        let mut b = bytes.clone();
        for i in 0..8 {
            b[at + i] ^= 0x5a;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("damaged.perf.data");
        std::fs::write(&path, &b).expect("write");
        match load_path(&path, &opts(false), Progress::new()) {
            // A flip can land where perf's reader would not notice either
            // (a time, a period); the file then loads.
            Ok(_) => {}
            Err(e) => {
                let e = e.to_string();
                assert!(e.starts_with("perf.data, byte offset "), "{at}: {e}");
                // Either the zstd stream does not decode, or a record in it
                // is bad: said as such, with the decoded offset.
                assert!(
                    e.contains("the zstd data does not decode") || e.contains("in the zstd-compressed data"),
                    "{at}: {e}"
                );
            }
        }
    }
}

#[test]
fn a_pipe_file_cut_after_its_header_says_it_describes_no_event() {
    let bytes = std::fs::read(data("spin.pipe.perf.data")).expect("read");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cut.pipe.perf.data");
    std::fs::write(&path, &bytes[..16]).expect("write");
    let Err(e) = load_path(&path, &opts(false), Progress::new()) else { panic!("loaded") };
    assert!(e.to_string().contains("the file describes no event"), "{e}");
}

#[test]
fn a_perf_record_threads_directory_reads_every_threads_file() {
    // `perf record -z --threads`: DIR/data and DIR/data.0, DIR/data.1, each
    // its own zstd stream; the directory or its `data` file opens it.
    for p in folds_like_its_oracle(&["spin-threads.data", "spin-threads.data/data"], "spin-threads.perf.txt.gz") {
        assert!(p.samples.len() > 400, "{} samples", p.samples.len());
    }
}
