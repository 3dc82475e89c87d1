//! The command line as scripts use it: exit codes, JSON shapes, closed pipes.

use crate::common::{data, run_cli};

fn path(rel: &str) -> String {
    data(rel).to_string_lossy().into_owned()
}

#[test]
fn info_json_has_the_contract_shape() {
    let (code, out, err) = run_cli(&["info", &path("folded/bad-lines.txt"), "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["format"], "folded");
    assert_eq!(v["metrics"][0]["name"], "samples");
    assert_eq!(v["metrics"][0]["unit"], "count");
    assert_eq!(v["metrics"][0]["total"], 607);
    // Seven stack lines, two of them the same stack: six samples.
    assert_eq!(v["samples"], 6);
    assert_eq!(v["warnings"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["warnings"][0]["line"], 3);
    for key in ["stacks", "frames", "threads"] {
        assert!(v[key].is_u64(), "{key}");
    }
}

#[test]
fn top_json_sorts_by_self_and_totals_add_up() {
    let (code, out, err) = run_cli(&["top", &path("folded/simple.txt"), "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    // simple.txt: a;b;c 1, a;b;c 1, a;b;d 4, a;b;c 3, a;b 5 => d 4, c 5, b 5 self; total 14.
    assert_eq!(v["metric"]["total"], 14);
    let f = v["functions"].as_array().expect("functions");
    let rows: Vec<(String, i64, i64)> = f
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap_or("").to_string(),
                r["self"].as_i64().unwrap_or(-1),
                r["total"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(rows, vec![("b".into(), 5, 14), ("c".into(), 5, 5), ("d".into(), 4, 4), ("a".into(), 0, 14)]);
    let (_, limited, _) = run_cli(&["top", &path("folded/simple.txt"), "--json", "--limit", "1"]);
    let v: serde_json::Value = serde_json::from_str(&limited).expect("json");
    assert_eq!(v["functions"].as_array().map(Vec::len), Some(1));
}

#[test]
fn top_table_has_cumulative_share() {
    let (code, out, _) = run_cli(&["top", &path("folded/simple.txt")]);
    assert_eq!(code, 0);
    let last = out.lines().last().expect("rows");
    // Every function listed: the cumulative self share reaches 100%.
    assert!(last.contains("100.00%"), "{out}");
}

#[test]
fn exit_codes() {
    let (code, _, err) = run_cli(&["info", &path("folded/nonexistent.txt")]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot open"), "{err}");
    let (code, _, _) = run_cli(&["fold"]);
    assert_eq!(code, 2);
    let (code, _, _) = run_cli(&["top", &path("folded/simple.txt"), "--limit", "x"]);
    assert_eq!(code, 2);
    // Usage mistakes clap cannot see are usage errors too.
    let (code, _, err) = run_cli(&["top", &path("folded/simple.txt"), "--metric", "bytes"]);
    assert_eq!(code, 2);
    assert!(err.contains("no metric named \"bytes\"; this profile has: samples"), "{err}");
    let (code, _, err) = run_cli(&["fold", &path("folded/simple.txt"), "--tag", "a"]);
    assert_eq!(code, 2);
    assert!(err.contains("--tag takes KEY=VALUE, got \"a\""), "{err}");
}

#[test]
fn fold_into_a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    // 200 000 distinct stacks: far more than a pipe buffer holds.
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("big.folded");
    let text: String = (0..200_000).map(|i| format!("main;work;f{i} {i}\n")).collect();
    std::fs::write(&file, text).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_firesight"))
        .args(["fold", &file.to_string_lossy()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn svg_is_written_atomically_and_readable() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("flames.svg");
    let (code, _, err) = run_cli(&["svg", &path("folded/flames.txt"), "-o", &out.to_string_lossy()]);
    assert_eq!(code, 0, "{err}");
    let svg = std::fs::read_to_string(&out).expect("svg");
    assert!(svg.starts_with("<?xml"), "{}", &svg[..60.min(svg.len())]);
    assert!(svg.contains("Integer_encode_all"));
    // Nothing but the SVG is left in the directory (no temporary file).
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
    // A bad output path fails with 1 and leaves nothing behind.
    let (code, _, err) = run_cli(&["svg", &path("folded/flames.txt"), "-o", "/nonexistent-dir/x.svg"]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot write"), "{err}");
}

#[test]
fn diff_ranks_the_largest_self_change_first() {
    let (code, out, err) =
        run_cli(&["diff", &path("folded/diff-before.txt"), &path("folded/diff-after.txt"), "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    // Totals: awk '{s+=$NF} END {print s}' over each file.
    assert_eq!(v["before_total"], 65);
    assert_eq!(v["after_total"], 80);
    let f = v["functions"].as_array().expect("functions");
    let deltas: Vec<i64> =
        f.iter().map(|r| r["after_self"].as_i64().unwrap_or(0) - r["before_self"].as_i64().unwrap_or(0)).collect();
    let mut sorted = deltas.clone();
    sorted.sort_by_key(|d| std::cmp::Reverse(d.abs()));
    assert_eq!(deltas.iter().map(|d| d.abs()).collect::<Vec<_>>(), sorted.iter().map(|d| d.abs()).collect::<Vec<_>>());
    // [dd] has self 3 before and 7 after (the first line of each file).
    let dd = f.iter().find(|r| r["name"] == "[dd]").expect("[dd]");
    assert_eq!((dd["before_self"].as_i64(), dd["after_self"].as_i64()), (Some(3), Some(7)));
    let sum_after: i64 = f.iter().map(|r| r["after_self"].as_i64().unwrap_or(0)).sum();
    assert_eq!(sum_after, 80);
}

#[test]
fn hot_path_follows_the_heaviest_child() {
    let (code, out, err) = run_cli(&["hot-path", &path("folded/simple.txt"), "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    // simple.txt: a 14 -> b 14 -> c 5 (ties with b's self 5; c 5 beats d 4).
    let names: Vec<&str> = v["path"].as_array().expect("path").iter().filter_map(|n| n["name"].as_str()).collect();
    assert_eq!(names, vec!["a", "b", "c"]);
    assert_eq!(v["path"][2]["total"], 5);
}

#[test]
fn svg_refuses_devices_and_read_only_files_and_follows_links() {
    let dir = tempfile::tempdir().expect("tmp");
    let flames = path("folded/flames.txt");
    // A device is never replaced.
    let (code, _, err) = run_cli(&["svg", &flames, "-o", "/dev/null"]);
    assert_eq!(code, 1);
    assert!(err.contains("not a regular file"), "{err}");
    assert!(std::fs::metadata("/dev/null").is_ok_and(|m| !m.is_file()));
    // A symlink keeps pointing at the file it named, which gets the SVG.
    let real = dir.path().join("real.svg");
    std::fs::write(&real, "old").expect("write");
    let link = dir.path().join("link.svg");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let (code, _, err) = run_cli(&["svg", &flames, "-o", &link.to_string_lossy()]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
    assert!(std::fs::read_to_string(&real).expect("real").starts_with("<?xml"));
    // `-o -` writes to standard output.
    let (code, out, _) = run_cli(&["svg", &flames, "-o", "-"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("<?xml"));
}

#[test]
fn json_into_a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("many.folded");
    let text: String = (0..100_000).map(|i| format!("main;f{i} {i}\n")).collect();
    std::fs::write(&file, text).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_firesight"))
        .args(["top", &file.to_string_lossy(), "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn diff_refuses_to_compare_different_units() {
    let (code, _, err) = run_cli(&["diff", &path("folded/simple.txt"), &path("perf/single-event.txt")]);
    assert_eq!(code, 1);
    assert!(err.contains("the units differ"), "{err}");
}

#[test]
fn totals_beyond_64_bits_stay_exact_in_json() {
    // Two stacks of 2^63 + 1 and 2^63 + 2 (both fit u64): the total does not.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("huge.folded");
    std::fs::write(&file, "main;a 9223372036854775809\nmain;b 9223372036854775810\n").expect("write");
    let (code, out, err) = run_cli(&["info", &file.to_string_lossy(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["metrics"][0]["total"], "18446744073709551619");
    let (code, out, err) = run_cli(&["top", &file.to_string_lossy(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["metric"]["total"], "18446744073709551619");
    assert_eq!(v["functions"][0]["self"], 9_223_372_036_854_775_810u64);
}

#[test]
fn a_truncated_gzip_names_where_the_compressed_stream_ends() {
    // cpu.pb.gz (21,123 bytes) cut to its first 10,561: Python's zlib
    // (decompressobj(31)) gets 33,065 bytes out of the cut stream.
    let gz = std::fs::read(data("pprof/generated/cpu.pb.gz")).expect("read");
    assert_eq!(gz.len(), 21_123);
    let dir = tempfile::tempdir().expect("temp dir");
    let cut = dir.path().join("cut.pb.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).expect("write");
    let (code, out, err) = run_cli(&["info", &cut.to_string_lossy()]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(
        err.contains(
            "gzip, byte offset 10561: truncated gzip stream: the compressed data ends at byte 10561 of the file, \
             after 33065 decompressed bytes"
        ),
        "{err}"
    );
}

/// A perf script cut at a line boundary inside a sample: `fold` keeps the
/// frames read and says on stderr that the input ends inside the sample
/// (it said nothing; `info` listed the warning).
#[test]
fn fold_warns_on_stderr_when_the_loader_warned() {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(data("perf/srcline/kvstore.srcline.perf.txt.gz")).expect("open"))
        .read_to_string(&mut text)
        .expect("gunzip");
    let cut: String = text.lines().take(14).map(|l| format!("{l}\n")).collect();
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("cut.perf.txt");
    std::fs::write(&file, cut).expect("write");
    let (code, out, err) = run_cli(&["fold", &file.to_string_lossy()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(err.contains("line 9: the input ends inside this sample"), "{err}");
}

/// massif counts time in instructions (`time_unit: i`): `info` gives the
/// span in instructions, not as if they were nanoseconds ("3.04 ms").
#[test]
fn info_gives_a_massif_time_span_in_its_own_unit() {
    let file = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-profiles/lrucache.massif.out");
    let (code, out, err) = run_cli(&["info", &file.to_string_lossy()]);
    assert_eq!(code, 0, "{err}");
    let span = out.lines().find(|l| l.starts_with("time span:")).expect("a time span line");
    assert!(span.ends_with(" instructions"), "{span}");
    assert!(!span.contains("ms"), "{span}");
}

/// A speedscope file with profiles in milliseconds and in seconds has two
/// time metrics; the second is named with its unit so `--metric` can pick
/// it (both were "time", and `--metric time` took the first).
#[test]
fn speedscope_time_metrics_of_two_units_have_two_names() {
    let json = r#"{"$schema":"https://www.speedscope.app/file-format-schema.json","shared":{"frames":[{"name":"a"},{"name":"b"}]},
"profiles":[{"type":"sampled","name":"t1","unit":"milliseconds","startValue":0,"endValue":10,"samples":[[0],[0,1]],"weights":[3,4]},
{"type":"sampled","name":"t2","unit":"seconds","startValue":0,"endValue":10,"samples":[[1]],"weights":[2]}]}"#;
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("two.speedscope.json");
    std::fs::write(&file, json).expect("write");
    let file = file.to_string_lossy();
    let (code, out, err) = run_cli(&["top", &file, "--metric", "time (seconds)", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["functions"][0]["name"], "b");
    let (code, out, err) = run_cli(&["top", &file, "--metric", "time", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["functions"].as_array().map(Vec::len), Some(2), "{v}");
}

/// `--from/--to` take seconds; a massif file timed in instructions is
/// refused with the reason (a range of instructions was read as seconds).
#[test]
fn from_and_to_are_refused_on_a_massif_file_timed_in_instructions() {
    let file = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-profiles/lrucache.massif.out");
    let (code, _, err) = run_cli(&["top", &file.to_string_lossy(), "--from", "0.001", "--to", "0.002"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("this file counts time in instructions"), "{err}");
}

#[test]
fn locks_of_a_profile_with_no_contention_says_so() {
    // A Go mutex profile of a process that never waited: two sample types,
    // no sample. No "100%" of nothing.
    let path = data("pprof/quiet/quiet-mutex.pb.gz");
    let (code, out, err) = run_cli(&["locks", &path.to_string_lossy()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("no contention in the profile"), "{out}");
    assert!(!out.contains("100%"), "{out}");
}

#[test]
fn asking_for_off_cpu_where_there_is_none_says_where_it_comes_from() {
    let perf_data = data("perf_data/spin.perf.data");
    let (code, _, err) = run_cli(&["top", &perf_data.to_string_lossy(), "--metric", "off-cpu"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("context switches") && err.contains("perf script -i FILE"), "{err}");
    let pprof = data("pprof/fib.pb.gz");
    let (code, _, err) = run_cli(&["top", &pprof.to_string_lossy(), "--metric", "wall"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("this pprof file has none"), "{err}");
}

#[test]
fn a_trace_files_time_span_ends_where_its_last_span_ends() {
    // From the first start to the last end (python over the JSON, in exact
    // decimals: viztracer 1 016 530.566 µs, node 543 428 µs), not to the
    // last start.
    for (name, want) in [("viztracer-min50us.json", 1_016_530_566u64), ("node-trace-events.json", 543_428_000)] {
        let path = data(&format!("chrome-trace/{name}"));
        let (code, out, err) = run_cli(&["info", "--json", path.to_str().expect("utf-8 path")]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["time_span_ns"].as_u64(), Some(want), "{name}");
    }
}

#[test]
fn locks_names_holders_in_a_mutex_profile_and_waiters_in_a_block_profile() {
    // Go charges mutex contention to the stack that unlocked (the holder);
    // its block profile to the waiter. The generated shop's profiles.
    let (code, out, err) = run_cli(&["locks", &path("pprof/generated/mutex.pb.gz")]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().next().is_some_and(|l| l.contains("holding site (unlocks in)")), "{out}");
    assert!(out.contains("records the holder, not the waiter"), "{out}");
    let (code, out, err) = run_cli(&["locks", &path("pprof/generated/block.pb.gz")]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().next().is_some_and(|l| l.contains("waiting site (waits in)")), "{out}");
    assert!(out.contains("100.00%"), "{out}");
}

#[test]
fn info_on_folded_stacks_says_a_sample_is_a_stack_line() {
    // py-spy's folded output: `samples:` counts the lines, and says so,
    // while the metric's total is py-spy's count of samples.
    let (code, out, err) = run_cli(&["info", &path("folded/pyspy-shop.folded")]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(stack lines, each with its count)"), "{out}");
}

#[test]
fn a_tid_in_two_processes_keeps_both_and_says_pid_picks_one() {
    let path = data("chrome-trace/one-tid-two-pids.json");
    let path = path.to_str().unwrap_or_default();
    let (code, out, err) = run_cli(&["top", path, "--thread", "7"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("work1") && out.contains("work2"), "{out}");
    assert!(err.contains("--thread 7 is a thread of 2 processes (pid 1, 2)"), "{err}");
    let (code, out, err) = run_cli(&["top", path, "--thread", "7", "--pid", "2"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("work2") && !out.contains("work1") && !err.contains("note:"), "{out}{err}");
}
