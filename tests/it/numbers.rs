//! Numbers the command line and the model report (issue 10, "Wrong
//! numbers"): exact counts near 2^63 and `[empty]` names in every text
//! display; `info`'s distinct stacks against `sort -u` and `go tool pprof
//! -traces -lines`; perf samples without a period column, weighted by the
//! period `perf script --header` gives (real recordings under
//! tests/data/perf/recorded/, see SOURCES.md there).

use std::collections::BTreeSet;

use firesight::load::{LoadOptions, Progress, load_path};
use firesight::model::{MetricId, Profile, Unit};

use crate::common::{data, folded_text, load, run_cli};

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    path.to_string_lossy().into_owned()
}

fn cli(args: &[&str]) -> String {
    let (code, out, err) = run_cli(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

#[test]
fn text_displays_print_counts_near_2_63_exactly() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // 2^63 - 3 and 2^63 - 1: as f64 both are 2^63 (...808).
    let before = write(dir.path(), "before.folded", "main;;leaf 9223372036854775805\nmain;x 1\n");
    let after = write(dir.path(), "after.folded", "main;;leaf 9223372036854775807\nmain;x 1\n");
    let top = cli(&["top", &after]);
    let row = |out: &str, name: &str| {
        out.lines().find(|l| l.ends_with(&format!("  {name}"))).unwrap_or_else(|| panic!("{name}: {out}")).to_string()
    };
    assert!(row(&top, "leaf").starts_with("9,223,372,036,854,775,807 100.00% 9,223,372,036,854,775,807"), "{top}");
    // The frame with an empty name is named, not blank.
    assert!(
        row(&top, "[empty]").contains(" 0 ") && row(&top, "[empty]").contains("9,223,372,036,854,775,807"),
        "{top}"
    );
    assert!(top.starts_with("metric samples [count], total 9223372036854775808 (9,223,372,036,854,775,808)"), "{top}");
    let path = cli(&["hot-path", &after]);
    assert!(row(&path, "[empty]").contains("9,223,372,036,854,775,807"), "{path}");
    assert!(row(&path, "leaf").contains("9,223,372,036,854,775,807"), "{path}");
    let info = cli(&["info", &after]);
    assert!(info.contains("total 9223372036854775808 (9,223,372,036,854,775,808)"), "{info}");
    let diff = cli(&["diff", &before, &after]);
    assert!(diff.contains("before 9,223,372,036,854,775,806 after 9,223,372,036,854,775,808"), "{diff}");
    let leaf = row(&diff, "leaf");
    let cols: Vec<&str> = leaf.split_whitespace().collect();
    assert_eq!(
        cols,
        ["9,223,372,036,854,775,805", "9,223,372,036,854,775,807", "+2", "9,223,372,036,854,775,807", "leaf"]
    );
    // JSON keeps the name as it is.
    let v: serde_json::Value = serde_json::from_str(&cli(&["top", "--json", &after])).unwrap_or_default();
    let names: Vec<&str> = v["functions"].as_array().into_iter().flatten().filter_map(|f| f["name"].as_str()).collect();
    assert!(names.contains(&""), "{names:?}");
}

#[test]
fn people_units_stay_for_time_and_bytes_and_counts_get_separators() {
    let p = load("pprof/generated/cpu.pb.gz").profile;
    let cpu = p.metric_by_name("cpu").unwrap_or(MetricId(0));
    assert_eq!(p.metric(cpu).format(7_650_000_000), "7.65 s");
    let samples = p.metric_by_name("samples").unwrap_or(MetricId(0));
    assert_eq!(p.metric(samples).unit, Unit::Count);
    assert_eq!(p.metric(samples).format(1_234_567), "1,234,567");
}

/// `info --json` of `file`.
fn info(file: &str) -> serde_json::Value {
    serde_json::from_str(&cli(&["info", "--json", file])).unwrap_or_default()
}

#[test]
fn info_counts_distinct_stacks_and_call_tree_nodes_apart() {
    // A folded file: 30 lines, 6 distinct stacks (what `sort -u` of the
    // stacks counts), 7 distinct prefixes (the call-tree nodes).
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let stacks = ["a;b;c", "a;b;d", "a;e", "f;g", "a;b", "f"];
    let text: String = (0..30).map(|i| format!("{} {}\n", stacks[i % stacks.len()], i + 1)).collect();
    let file = write(dir.path(), "thirty.folded", &text);
    let distinct: BTreeSet<&str> = text.lines().filter_map(|l| l.rsplit_once(' ')).map(|(s, _)| s).collect();
    let prefixes: BTreeSet<String> = distinct
        .iter()
        .flat_map(|s| {
            let parts: Vec<&str> = s.split(';').collect();
            (1..=parts.len()).map(move |n| parts[..n].join(";"))
        })
        .collect();
    assert_eq!((distinct.len(), prefixes.len()), (6, 7));
    let v = info(&file);
    assert_eq!((v["stacks"].as_u64(), v["call_tree_nodes"].as_u64()), (Some(6), Some(7)), "{v}");
    let text = cli(&["info", &file]);
    assert!(text.contains("stacks:   6 distinct (the stacks samples end in)"), "{text}");
    assert!(text.contains("call-tree nodes: 7 (every prefix of those stacks)"), "{text}");
    // A real file: the py-spy folded sample, `sort -u` of its stacks; its
    // line 11 (`3`, idle samples) has none: an empty stack is no stack.
    let shop = data("folded/pyspy-shop.folded");
    let raw = std::fs::read_to_string(&shop).unwrap_or_default();
    let distinct: BTreeSet<&str> =
        raw.lines().filter_map(|l| l.rsplit_once(' ')).map(|(s, _)| s).filter(|s| !s.is_empty()).collect();
    assert_eq!(distinct.len(), 26);
    assert_eq!(info(&shop.to_string_lossy())["stacks"].as_u64(), Some(distinct.len() as u64));
    // pprof: `go tool pprof -traces -lines cpu.pb.gz` prints 757 samples
    // with 537 distinct stacks (label lines aside); the frame-level call
    // tree of those has 1,497 nodes.
    let v = info(&data("pprof/generated/cpu.pb.gz").to_string_lossy());
    assert_eq!((v["samples"].as_u64(), v["stacks"].as_u64()), (Some(757), Some(537)), "{v}");
    assert_eq!(v["call_tree_nodes"].as_u64(), Some(1497), "{v}");
}

fn perf(rel: &str) -> Profile {
    let path = data(&format!("perf/recorded/{rel}"));
    load_path(&path, &LoadOptions::default(), Progress::new()).unwrap_or_else(|e| panic!("{rel}: {e}")).profile
}

fn metric_names(p: &Profile) -> Vec<&str> {
    p.metrics.iter().map(|m| m.name.as_str()).collect()
}

#[test]
fn perf_samples_without_a_period_take_the_headers_or_say_they_are_samples() {
    // `perf record -e cpu-clock,task-clock -c 500000`: 177 samples of each
    // event (`grep -c 'cpu-clock: *$'`), each 500,000 ns as the plain
    // `perf script` prints.
    let plain = perf("spin-fixed.plain.perf.txt.gz");
    let header = perf("spin-fixed.header-noperiod.perf.txt.gz");
    assert_eq!(metric_names(&header), ["cpu-clock", "task-clock"]);
    for p in [&plain, &header] {
        for m in 0..2 {
            let m = MetricId::from_index(m);
            assert_eq!((p.total(m), &p.metric(m).unit), (177 * 500_000, &Unit::Nanoseconds));
        }
    }
    // Same stacks, same weights: the header's period is the one perf printed.
    assert_eq!(folded_text(&header), folded_text(&plain));
    let text = cli(&["info", &data("perf/recorded/spin-fixed.header-noperiod.perf.txt.gz").to_string_lossy()]);
    assert!(text.contains("metric:   cpu-clock [nanoseconds] total 88500000 (88.5 ms) (default)"), "{text}");
    assert!(text.contains("period: cpu-clock: 500000 per sample, from the header"), "{text}");
    // No header and no period column: the metrics count samples and say so.
    let bare = perf("spin-fixed.noperiod.perf.txt.gz");
    assert_eq!(metric_names(&bare), ["cpu-clock samples", "task-clock samples"]);
    assert_eq!((bare.total(MetricId(0)), bare.total(MetricId(1))), (177, 177));
    let text = cli(&["info", &data("perf/recorded/spin-fixed.noperiod.perf.txt.gz").to_string_lossy()]);
    assert!(text.contains("metric:   cpu-clock samples [count] total 177 (177) (default)"), "{text}");
    // Sampled at a frequency (`-F 999`, `freq = 1` in the header): no
    // period to take; one event, so plain "samples" (97 sample headers).
    let freq = perf("spin-freq.header-noperiod.perf.txt.gz");
    assert_eq!(metric_names(&freq), ["samples"]);
    assert_eq!(freq.total(MetricId(0)), 97);
}
