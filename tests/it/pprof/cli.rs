//! The headless commands on pprof files: `info` shows the profile's meta,
//! `--metric` takes sample type names, `--tag KEY=VALUE` filters by label.

use crate::common::run_cli;

use super::data;

fn path(rel: &str) -> String {
    data(rel).to_string_lossy().into_owned()
}

fn json(args: &[&str]) -> serde_json::Value {
    let (code, out, err) = run_cli(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

#[test]
fn info_shows_period_duration_and_comments() {
    let (code, out, err) = run_cli(&["info", &path("synthetic.pb.gz")]);
    assert_eq!(code, 0, "{err}");
    for line in [
        "format:   pprof",
        "metric:   alloc_space [bytes] total 189 (189 B)",
        "metric:   samples [count] total 13 (13) (default)",
        "period type: alloc_space bytes",
        "period: 524288 bytes",
        "duration: 1.50 s (1500000000 ns)",
        "comment: synthetic profile for Firesight tests",
        "drop frames: runtime\\.(mallocgc|memmove|goexit|keepme)|sync\\..*",
    ] {
        assert!(out.lines().any(|l| l == line), "missing {line:?} in\n{out}");
    }
    let v = json(&["info", "--json", &path("generated/heap.pb.gz")]);
    assert_eq!(v["default_metric"], "inuse_space");
    assert_eq!(v["meta"]["period type"], "space bytes");
}

#[test]
fn metric_takes_sample_type_names_and_tag_filters_by_label() {
    // Totals from the oracle (`go tool pprof -raw`, label_totals).
    let v = json(&["top", "--json", "--metric", "delay", &path("generated/mutex.pb.gz")]);
    assert_eq!(v["metric"]["unit"], "nanoseconds");
    assert_eq!(v["metric"]["total"], 76_132_345);
    let v = json(&["top", "--json", "--metric", "cpu", "--tag", "endpoint=/cart", &path("generated/cpu.pb.gz")]);
    assert_eq!(v["metric"]["total"], 1_830_000_000);
    let v = json(&["top", "--json", "--metric", "samples", "--tag", "endpoint=/orders", &path("generated/cpu.pb.gz")]);
    assert_eq!(v["metric"]["total"], 522);
    // Two tags must both hold; a numeric label matches as printed.
    let (code, out, err) = run_cli(&[
        "fold",
        "--metric",
        "alloc_space",
        "--tag",
        "endpoint=/x",
        "--tag",
        "size=1024 bytes",
        &path("synthetic.pb.gz"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "main.main;app.bad\u{fffd}\u{fffd}name 5\n");
    // The number alone, or glued to its unit, names the same value.
    for tag in ["size=1024", "size=1024bytes", "size=1024 BYTES"] {
        let (code, out, err) = run_cli(&["fold", "--metric", "alloc_space", "--tag", tag, &path("synthetic.pb.gz")]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("main.main;app.bad\u{fffd}\u{fffd}name 5\n"), "{tag}: {out}");
    }
    let (code, out, err) = run_cli(&["fold", "--tag", "size=1 KiB", &path("synthetic.pb.gz")]);
    assert_eq!((code, out.as_str()), (0, ""));
    // Nothing kept: the warning names the keys and the values of the key asked for.
    assert!(err.contains("label keys in this file: endpoint, size"), "{err}");
    assert!(err.contains("size takes 1024 bytes"), "{err}");
    let (code, out, _) = run_cli(&["fold", "--tag", "endpoint=/nowhere", &path("synthetic.pb.gz")]);
    assert_eq!((code, out.as_str()), (0, ""));
    // Naming a metric the file lacks is a usage error.
    let (code, _, err) = run_cli(&["top", "--metric", "wall", &path("generated/heap.pb.gz")]);
    assert_eq!(code, 2);
    assert!(err.contains("this profile has: alloc_objects, alloc_space, inuse_objects, inuse_space"), "{err}");
}

#[test]
fn svg_of_a_heap_profile_in_bytes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("heap.svg");
    let out_s = out.to_string_lossy().into_owned();
    let (code, _, err) = run_cli(&["svg", "--metric", "alloc_space", &path("generated/heap.pb.gz"), "-o", &out_s]);
    assert_eq!(code, 0, "{err}");
    let svg = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(svg.contains("main.recordAudit"), "flamegraph names the leak");
}

/// A profile with two sample types of one name (`cpu` in ns and in count)
/// and two comments, written to a temporary file.
fn duplicate_types_file(dir: &std::path::Path) -> String {
    use firesight::load::pprof::proto;
    use prost::Message;
    let strings = ["", "cpu", "nanoseconds", "count", "main", "first comment", "second comment"];
    let p = proto::Profile {
        string_table: strings.iter().map(|s| s.as_bytes().to_vec()).collect(),
        sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }, proto::ValueType { r#type: 1, unit: 3 }],
        function: vec![proto::Function { id: 1, name: 4, ..Default::default() }],
        location: vec![proto::Location {
            id: 1,
            line: vec![proto::Line { function_id: 1, line: 1, column: 0 }],
            ..Default::default()
        }],
        sample: vec![
            proto::Sample { location_id: vec![1], value: vec![10, 1], label: vec![] },
            proto::Sample { location_id: vec![1], value: vec![20, 2], label: vec![] },
        ],
        comment: vec![5, 6],
        ..Default::default()
    };
    let file = dir.join("dup-types.pb");
    std::fs::write(&file, p.encode_to_vec()).unwrap_or_else(|e| panic!("{e}"));
    file.to_string_lossy().into_owned()
}

#[test]
fn same_named_sample_types_are_told_apart_by_index_and_every_comment_is_kept() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = duplicate_types_file(dir.path());
    let v = json(&["info", "--json", &file]);
    assert_eq!(v["meta"]["comment"], serde_json::json!(["first comment", "second comment"]));
    let warnings = v["warnings"].to_string();
    assert!(warnings.contains("sample types 0 (cpu, nanoseconds) and 1 (cpu, count) have the same name"), "{warnings}");
    // As `go tool pprof -sample_index=cpu` / `=1`: the name picks the first.
    let v = json(&["top", "--json", "--metric", "cpu", &file]);
    assert_eq!((v["metric"]["unit"].as_str(), v["metric"]["total"].as_i64()), (Some("nanoseconds"), Some(30)));
    let v = json(&["top", "--json", "--metric", "1", &file]);
    assert_eq!((v["metric"]["unit"].as_str(), v["metric"]["total"].as_i64()), (Some("count"), Some(3)));
    let (code, _, err) = run_cli(&["top", "--metric", "2", &file]);
    assert_eq!(code, 2, "{err}");
}

/// A one-type profile of `samples` (location ids leaf first, value) over
/// functions `main` (1), `grow` (2) and `shrink` (3).
fn profile_file(dir: &std::path::Path, name: &str, samples: &[(&[u64], i64)]) -> String {
    use firesight::load::pprof::proto;
    use prost::Message;
    let strings = ["", "space", "bytes", "main", "grow", "shrink"];
    let p = proto::Profile {
        string_table: strings.iter().map(|s| s.as_bytes().to_vec()).collect(),
        sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
        function: (1..=3).map(|id| proto::Function { id, name: id as i64 + 2, ..Default::default() }).collect(),
        location: (1..=3)
            .map(|id| proto::Location {
                id,
                line: vec![proto::Line { function_id: id, line: 1, column: 0 }],
                ..Default::default()
            })
            .collect(),
        sample: samples
            .iter()
            .map(|(locs, v)| proto::Sample { location_id: locs.to_vec(), value: vec![*v], label: vec![] })
            .collect(),
        ..Default::default()
    };
    let file = dir.join(name);
    std::fs::write(&file, p.encode_to_vec()).unwrap_or_else(|e| panic!("{e}"));
    file.to_string_lossy().into_owned()
}

#[test]
fn svg_says_what_it_cannot_draw() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // A diff profile: grow +5000, shrink -7000, and 9 bytes with no stack.
    let diff = profile_file(dir.path(), "diff.pb", &[(&[2, 1], 5000), (&[3, 1], -7000), (&[], 9)]);
    let out = dir.path().join("diff.svg");
    let (code, _, err) = run_cli(&["svg", &diff, "-o", &out.to_string_lossy()]);
    assert_eq!(code, 0, "{err}");
    // Drawn as a differential flamegraph: nothing left out for its sign.
    assert!(!err.contains("negative weight"), "{err}");
    assert!(err.contains("samples with no stack (9 B) left out"), "{err}");
    let svg = std::fs::read_to_string(&out).unwrap_or_default();
    // Widths are increase + decrease (12,000 in all); the last share is the
    // stack's own change of that, red for growth and blue for shrinking.
    assert!(svg.contains("grow (5,000 space (bytes) changed, up + down, 41.67%; +41.67%)"), "{svg}");
    assert!(svg.contains("shrink (7,000 space (bytes) changed, up + down, 58.33%; -58.33%)"), "{svg}");
    // inferno's scale: the largest change (shrink, -7,000) in full blue,
    // grow (+5,000) at 5/7 of full red.
    assert!(svg.contains("fill=\"rgb(100,100,255)\""), "shrink in blue");
    assert!(svg.contains("fill=\"rgb(255,142,142)\""), "grow in red");
    // Beyond 64 bits the renderer would wrap: refused, pointing at `fold`.
    let max = i64::MAX;
    let huge = profile_file(dir.path(), "huge.pb", &[(&[2, 1], max), (&[2, 1], max), (&[3, 1], max)]);
    let (code, _, err) = run_cli(&["svg", &huge, "-o", &dir.path().join("huge.svg").to_string_lossy()]);
    assert_eq!(code, 1);
    assert!(err.contains("the drawn total 27670116110564327421 bytes is beyond 2^64 - 1"), "{err}");
    assert!(!dir.path().join("huge.svg").exists(), "no partial SVG is left behind");
    let (code, out, err) = run_cli(&["fold", &huge]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "main;grow 18446744073709551614\nmain;shrink 9223372036854775807\n");
}

#[test]
fn text_reports_scale_units_and_tagged_totals_are_those_kept() {
    let (code, out, err) = run_cli(&["hot-path", &path("generated/cpu.pb.gz")]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().take(3).collect();
    assert_eq!(lines[0], "metric cpu [nanoseconds], total 7650000000 (7.65 s)");
    assert_eq!(lines[1], " 92.29%       7.06 s  main.main.func1");
    let (code, out, err) = run_cli(&["diff", &path("generated/cpu.pb.gz"), &path("fib.pb.gz"), "--limit", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("metric cpu [nanoseconds]: before 7.65 s after 29.7 s (+288.8%)\n"), "{out}");
    assert!(out.contains("          0 ns         28.6 s        +28.6 s         28.6 s  math/big.addVV"), "{out}");
    // The heap's memory view under --tag: the kept samples are the 100%.
    let (code, out, err) = run_cli(&["top", &path("generated/heap.pb.gz"), "--tag", "bytes=1024", "--limit", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("1,848 inuse_objects and 1.81 MiB inuse_space in the samples kept\n"), "{out}");
    assert!(out.contains("1.81 MiB 100.00%"), "{out}");
}

#[test]
fn a_diff_profile_takes_shares_of_absolute_weights_as_pprof() {
    // As /work/tester-files/pp/negative.pb.gz: main 100, main;grow 5000,
    // main;shrink -7000. `go tool pprof -top` prints (1.19.8):
    //    -6.84kB 57.85% 57.85%    -6.84kB 57.85%  main.shrink
    //     4.88kB 41.32% 16.53%     4.88kB 41.32%  main.grow
    //     0.10kB  0.83% 15.70%    -1.86kB 15.70%  main.main
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = profile_file(dir.path(), "negative.pb", &[(&[1], 100), (&[2, 1], 5000), (&[3, 1], -7000)]);
    let (code, out, err) = run_cli(&["top", &file]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "metric space [bytes], total -1900 (-1.86 KiB)");
    assert!(lines[1].contains("shares are of 11.8 KiB, the sum of absolute weights"), "{out}");
    // (The functions here are named main, grow and shrink.)
    assert_eq!(lines[3], "     -6.84 KiB  57.85%      -6.84 KiB  57.85%  57.85%  shrink");
    assert_eq!(lines[4], "      4.88 KiB  41.32%       4.88 KiB  41.32%  16.53%  grow");
    assert_eq!(lines[5], "         100 B   0.83%      -1.86 KiB  15.70%  15.70%  main");
}

#[test]
fn tags_take_units_from_keys_and_filter_diff_and_hot_path_too() {
    let heap = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-profiles/go-shop/heap.pb.gz");
    // Go writes `bytes` labels without a unit; pprof takes it from the key.
    for tag in ["bytes=1024", "bytes=1024 bytes", "bytes=1024BYTES"] {
        let v = json(&["top", "--json", "--metric", "inuse_objects", "--tag", tag, heap]);
        assert_eq!(v["metric"]["total"], 258, "{tag}");
    }
    // diff applies the tag to both sides; a tag that keeps nothing warns.
    let (cpu_a, cpu_b) =
        (path("generated/cpu.pb.gz"), concat!(env!("CARGO_MANIFEST_DIR"), "/sample-profiles/go-shop/cpu.pb.gz"));
    let v = json(&["diff", "--json", "--tag", "endpoint=/cart", &cpu_a, cpu_b]);
    assert_eq!((v["before_total"].as_i64(), v["after_total"].as_i64()), (Some(1_830_000_000), Some(40_000_000)));
    for args in [
        vec!["diff", "--tag", "zz=1", cpu_a.as_str(), cpu_b],
        vec!["hot-path", "--tag", "zz=1", cpu_b],
        vec!["svg", "--tag", "zz=1", cpu_b, "-o", "/dev/null"],
    ] {
        let (_, _, err) = run_cli(&args);
        assert!(err.contains("no sample carries zz=1"), "{args:?}: {err}");
    }
    // hot-path shares on a diff profile never pass 100%.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = profile_file(dir.path(), "negative.pb", &[(&[1], 100), (&[2, 1], 5000), (&[3, 1], -7000)]);
    let (code, out, err) = run_cli(&["hot-path", &file]);
    assert_eq!(code, 0, "{err}");
    // The path follows the largest change either way: main, then shrink.
    assert_eq!(out.lines().nth(1), Some(" 15.70%    -1.86 KiB  main"), "{out}");
    assert_eq!(out.lines().nth(2), Some(" 57.85%    -6.84 KiB    shrink"), "{out}");
}
