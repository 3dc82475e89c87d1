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
    let (code, out, _) = run_cli(&["fold", "--tag", "endpoint=/nowhere", &path("synthetic.pb.gz")]);
    assert_eq!((code, out.as_str()), (0, ""));
    let (code, _, err) = run_cli(&["top", "--metric", "wall", &path("generated/heap.pb.gz")]);
    assert_eq!(code, 1);
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
