//! Before/after: `diff` against `go tool pprof -diff_base` (also
//! `-normalize`) and `inferno-diff-folded` (also `-n`), `growth` against
//! `go tool pprof -base` per interval, the differential SVG, and two trace
//! files. Data and oracles: `tests/data/compare/` (see its SOURCES.md).
//! The gates are in `gates.rs`.

// A test fails by panicking; `expect` names what was missing.
#![allow(clippy::expect_used)]

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{data, run_cli};

fn path(rel: &str) -> String {
    data(rel).to_string_lossy().into_owned()
}

fn oracle(name: &str) -> Value {
    let text = std::fs::read_to_string(data(&format!("compare/oracle/{name}"))).expect("oracle");
    serde_json::from_str(&text).expect("oracle json")
}

/// Runs firesight, expecting exit 0, and parses its JSON.
fn json(args: &[&str]) -> Value {
    let (code, out, err) = run_cli(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}\n{out}"))
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not an integer: {v}"))
}

/// `{function: (self change, total change)}` of `diff --json`, without rows that did not change.
fn changes(v: &Value) -> BTreeMap<String, (i64, i64)> {
    v["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .map(|f| {
            let name = f["name"].as_str().expect("name").to_string();
            (name, (int(&f["after_self"]) - int(&f["before_self"]), int(&f["after_total"]) - int(&f["before_total"])))
        })
        .filter(|(_, c)| *c != (0, 0))
        .collect()
}

/// `{function: (flat, cum)}` of a pprof oracle table, without zero rows.
fn flat_cum(functions: &Value) -> BTreeMap<String, (i64, i64)> {
    functions
        .as_object()
        .expect("functions")
        .iter()
        .map(|(k, v)| (k.clone(), (int(&v["flat"]), int(&v["cum"]))))
        .filter(|(_, c)| *c != (0, 0))
        .collect()
}

#[test]
fn diff_json_equals_pprof_diff_base_per_function_also_normalised() {
    let o = oracle("shopd-cpu.pair.json");
    let (before, after) = (path("compare/diff/shopd-before.cpu.pb.gz"), path("compare/diff/shopd-after.cpu.pb.gz"));
    for st in o["sample_types"].as_array().expect("sample_types") {
        let metric = st["type"].as_str().expect("type");
        for (key, extra) in [("diff", None), ("diff_normalize", Some("--normalize"))] {
            let mut args = vec!["diff", &before, &after, "--json", "--metric", metric];
            args.extend(extra);
            let v = json(&args);
            let want = flat_cum(&st[key]["functions"]);
            assert!(want.len() > 150, "{metric} {key}: {} functions", want.len());
            assert_eq!(changes(&v), want, "{metric} {key}");
            assert_eq!(v["before_total"], st["total_before"], "{metric}");
            assert_eq!(v["normalized"], extra.is_some());
            if extra.is_some() {
                assert_eq!(v["after_raw_total"], st["total_after"]);
                let k = v["scale"].as_f64().expect("scale");
                assert!((k - st["normalize_ratio"].as_f64().expect("ratio")).abs() < 1e-12);
            } else {
                assert_eq!(v["after_total"], st["total_after"]);
            }
        }
    }
}

#[test]
fn diff_json_of_perf_scripts_has_inferno_s_per_function_self_and_total() {
    // The oracle's functions of the folded perf scripts (inferno-collapse-perf, comm at the root).
    let o = oracle("shop-perf.pair.json");
    let v = json(&[
        "diff",
        &path("compare/diff/shop-before.perf.txt"),
        &path("compare/diff/shop-after.perf.txt"),
        "--json",
    ]);
    assert_eq!((&v["before_total"], &v["after_total"]), (&o["total_before"], &o["total_after"]));
    let got: BTreeMap<&str, [i64; 4]> = v["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .map(|f| {
            let w = |k: &str| int(&f[k]);
            (
                f["name"].as_str().expect("name"),
                [w("before_self"), w("after_self"), w("before_total"), w("after_total")],
            )
        })
        .collect();
    let want: BTreeMap<&str, [i64; 4]> = o["per_function"]
        .as_object()
        .expect("per_function")
        .iter()
        .map(|(k, f)| {
            let w = |x: &str| int(&f[x]);
            (k.as_str(), [w("self_before"), w("self_after"), w("total_before"), w("total_after")])
        })
        .collect();
    assert_eq!(got, want);
    // The old fields stay, and the new change fields agree with them.
    let row = &v["functions"][0];
    assert_eq!(row["name"], "compute_checksum");
    assert_eq!(int(&row["self_change"]), int(&row["after_self"]) - int(&row["before_self"]));
    assert_eq!(int(&row["total_change"]), int(&row["after_total"]) - int(&row["before_total"]));
    assert_eq!(v["metric"]["name"], "cpu-clock");
}

/// The lines of an inferno-diff-folded output file, sorted bytewise (inferno writes hash order).
fn inferno_lines(name: &str) -> String {
    let text = std::fs::read_to_string(data(&format!("compare/oracle/{name}"))).expect("oracle");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn diff_folded_equals_inferno_diff_folded_byte_for_byte_also_with_n() {
    for (stem, before, after) in [
        ("shop-perf", "shop-before.perf.txt", "shop-after.perf.txt"),
        ("shop-folded", "shop-before.folded", "shop-after.folded"),
    ] {
        let (b, a) = (path(&format!("compare/diff/{before}")), path(&format!("compare/diff/{after}")));
        for (oracle_file, normalize) in [("diff.txt", false), ("diff-n.txt", true)] {
            let mut args = vec!["diff", &b, &a, "--folded"];
            if normalize {
                args.push("--normalize");
            }
            let (code, out, err) = run_cli(&args);
            assert_eq!(code, 0, "{err}");
            let want = inferno_lines(&format!("{stem}.pair.{oracle_file}"));
            assert!(want.lines().count() > 90);
            assert!(out == want, "{stem} {oracle_file}: differs from inferno-diff-folded");
        }
    }
}

#[test]
fn diff_folded_truncates_fractions_and_skips_negative_counts_as_inferno() {
    // inferno-diff-folded 0.12.8 on these two files prints (sorted):
    // `a;b 2 0`, `a;c 0 3`, `x 1 1` (before 2.9 truncated; -4 skipped).
    let dir = tempfile::tempdir().expect("tmp");
    let (b, a) = (dir.path().join("b.folded"), dir.path().join("a.folded"));
    std::fs::write(&b, "a;b 2.9\nx 1\n").expect("write");
    std::fs::write(&a, "a;c 3\nx 1\na;d -4\n").expect("write");
    let (code, out, err) = run_cli(&["diff", &b.to_string_lossy(), &a.to_string_lossy(), "--folded"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "a;b 2 0\na;c 0 3\nx 1 1\n");
    assert!(err.contains("not an unsigned integer"), "{err}");
}

#[test]
fn diff_writes_a_differential_flamegraph_atomically() {
    let dir = tempfile::tempdir().expect("tmp");
    let svg = dir.path().join("diff.svg");
    let (b, a) = (path("compare/diff/shop-before.perf.txt"), path("compare/diff/shop-after.perf.txt"));
    let (code, out, err) = run_cli(&["diff", &b, &a, "-o", &svg.to_string_lossy(), "--limit", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("compute_checksum"), "the table is still printed: {out}");
    let text = std::fs::read_to_string(&svg).expect("svg");
    assert!(text.starts_with("<?xml"));
    assert!(text.contains("shop-before.perf.txt → shop-after.perf.txt"));
    // compute_checksum shrank: inferno colours it blue and says by how much.
    assert!(text.contains("compute_checksum"));
    assert!(text.contains("rgb(") && text.contains("%)"), "a differential flamegraph's tooltips carry the change");
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1, "no temporary file left");
    let (code, _, err) = run_cli(&["diff", &b, &a, "-o", "/nonexistent-dir/x.svg"]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot write"), "{err}");
    // `-o -`: standard output is the SVG alone, so it cannot take --json or --folded.
    let (code, out, err) = run_cli(&["diff", &b, &a, "-o", "-"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("<?xml") && out.trim_end().ends_with("</svg>"), "{}", &out[..80.min(out.len())]);
    let (code, _, err) = run_cli(&["diff", &b, &a, "-o", "-", "--json"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn growth_equals_pprof_base_per_interval_and_names_the_leak() {
    let o = oracle("heap-series.json");
    let snaps: Vec<String> = o["snapshots"]
        .as_array()
        .expect("snapshots")
        .iter()
        .map(|s| path(&format!("compare/heapgrowth/{}", s.as_str().expect("name"))))
        .collect();
    for metric in ["inuse_space", "inuse_objects"] {
        let mut args: Vec<&str> = vec!["growth"];
        args.extend(snaps.iter().map(String::as_str));
        args.push("--json");
        if metric != "inuse_space" {
            args.extend(["--metric", metric]);
        }
        let v = json(&args);
        assert_eq!(v["metric"], metric);
        let mut intervals: Vec<&Value> = v["intervals"].as_array().expect("intervals").iter().collect();
        intervals.push(&v["overall"]);
        let pairs = o["pairs"].as_array().expect("pairs");
        assert_eq!(intervals.len(), pairs.len());
        for (iv, pair) in intervals.iter().zip(pairs) {
            let (older, newer) = (pair["older"].as_str().expect("older"), pair["newer"].as_str().expect("newer"));
            assert!(iv["older"].as_str().is_some_and(|s| s.ends_with(older)), "{}", iv["older"]);
            assert!(iv["newer"].as_str().is_some_and(|s| s.ends_with(newer)));
            let got: BTreeMap<String, (i64, i64)> = iv["functions"]
                .as_array()
                .expect("functions")
                .iter()
                .map(|f| (f["name"].as_str().expect("name").to_string(), (int(&f["self"]), int(&f["total"]))))
                .collect();
            assert_eq!(got, flat_cum(&pair[metric]["functions"]), "{metric} {older} -> {newer}");
            assert_eq!(iv["total"], pair[metric]["total_delta"]);
            if metric == "inuse_space" {
                // The largest growths, as the oracle lists them.
                let mut grew: Vec<(i64, &str)> = iv["functions"]
                    .as_array()
                    .expect("functions")
                    .iter()
                    .map(|f| (int(&f["self"]), f["name"].as_str().expect("name")))
                    .filter(|(s, _)| *s > 0)
                    .collect();
                grew.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(y.1)));
                let top: Vec<&str> = grew.iter().take(5).map(|g| g.1).collect();
                assert_eq!(
                    top,
                    pair[metric]["top5_growth_flat"]
                        .as_array()
                        .expect("top5")
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                );
            }
        }
        if metric == "inuse_space" {
            let mut want: Vec<(i64, &str)> = o["grows_in_every_interval"]
                .as_object()
                .expect("grows")
                .iter()
                .map(|(k, g)| (int(&g["growth_last_minus_first"]), k.as_str()))
                .collect();
            want.sort_by_key(|w| std::cmp::Reverse(w.0));
            let want: Vec<&str> = want.iter().map(|w| w.1).collect();
            assert_eq!(
                v["suspects"].as_array().expect("suspects").iter().filter_map(Value::as_str).collect::<Vec<_>>(),
                want
            );
            assert_eq!(v["suspects"][0], o["leak_suspect"]);
            assert_eq!(
                int(&v["suspect_details"][0]["growth"]),
                int(&o["grows_in_every_interval"]["main.recordAudit"]["growth_last_minus_first"])
            );
        }
    }
    // The text report names the suspects first.
    let mut args: Vec<&str> = vec!["growth"];
    args.extend(snaps.iter().map(String::as_str));
    let (code, out, err) = run_cli(&args);
    assert_eq!(code, 0, "{err}");
    let suspects = out.lines().position(|l| l.starts_with("leak suspects")).expect("suspects line");
    assert!(out.lines().nth(suspects + 1).is_some_and(|l| l.ends_with("main.recordAudit")), "{out}");
}

#[test]
fn growth_refuses_one_snapshot_and_a_metric_a_snapshot_lacks() {
    let heap = path("compare/heapgrowth/heap-1.pb.gz");
    let (code, _, err) = run_cli(&["growth", &heap]);
    assert_eq!(code, 2, "{err}");
    let cpu = path("compare/diff/shopd-before.cpu.pb.gz");
    let (code, _, err) = run_cli(&["growth", &heap, &cpu]);
    assert_eq!(code, 2);
    assert!(err.contains("no metric \"inuse_space\"") && err.contains("shopd-before.cpu.pb.gz"), "{err}");
    // Two CPU profiles: compared, with a warning that it is not memory held.
    let after = path("compare/diff/shopd-after.cpu.pb.gz");
    let (code, _, err) = run_cli(&["growth", &cpu, &after]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("is not a heap's in-use metric"), "{err}");
    let (code, _, err) = run_cli(&["growth", &heap, &path("compare/heapgrowth/heap-2.pb.gz")]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn diff_of_two_trace_files_has_latency_and_services_before_and_after() {
    let (b, a) = (path("otlp/traces.otlp.json"), path("otlp/traces.base64ids.json"));
    let v = json(&["diff", &b, &a, "--json"]);
    let t = &v["traces"];
    for (side, file) in [("before", &b), ("after", &a)] {
        let one = json(&["traces", file, "--json"]);
        for p in ["p50", "p90", "p99"] {
            let key = format!("{p}_ns");
            assert_eq!(t[side][&key], one[&key], "{side} {p}");
        }
        assert_eq!(t[side]["traces"].as_u64(), one["traces"].as_array().map(|x| x.len() as u64));
        let services = json(&["services", file, "--json"]);
        for s in services["services"].as_array().expect("services") {
            let row = t["services"].as_array().expect("rows").iter().find(|r| r["name"] == s["name"]).expect("service");
            for k in ["spans", "errors", "total_ns", "self_ns"] {
                assert_eq!(row[side][k], s[k], "{side} {} {k}", s["name"]);
            }
        }
    }
    let p99 = t["latency"].as_array().expect("latency").iter().find(|l| l["name"] == "p99").expect("p99");
    assert_eq!(int(&p99["change_ns"]), int(&p99["after_ns"]) - int(&p99["before_ns"]));
    // The critical path of a one-trace file is that trace's.
    let slow = path("otlp/trace-slowest.otlp.json");
    let v = json(&["diff", &slow, &slow, "--json"]);
    let cp = json(&["critical-path", &slow, "--json"]);
    let on_path: i64 = cp["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .map(|s| int(&s["end_unix_ns"]) - int(&s["start_unix_ns"]))
        .sum();
    let services: i64 = v["traces"]["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| int(&s["after"]["critical_path_ns"]))
        .sum();
    assert_eq!(services, on_path);
    assert_eq!(on_path, int(&cp["duration_ns"]));
    // Normalised: AFTER's times are scaled per trace (280 traces before, 30 after).
    let plain = json(&["diff", &b, &a, "--json"]);
    let norm = json(&["diff", &b, &a, "--json", "--normalize"]);
    assert!((norm["traces"]["scale"].as_f64().expect("scale") - 280.0 / 30.0).abs() < 1e-12);
    let (p0, n0) = (&plain["traces"]["services"][0], &norm["traces"]["services"].as_array().expect("rows"));
    let n0 = n0.iter().find(|r| r["name"] == p0["name"]).expect("same service");
    let scaled = (int(&p0["after"]["self_ns"]) as f64 * 280.0 / 30.0).round() as i64;
    assert_eq!(int(&n0["after"]["self_ns"]), scaled);
    assert_eq!(
        (&n0["after"]["spans"], &norm["traces"]["latency"]),
        (&p0["after"]["spans"], &plain["traces"]["latency"])
    );
    // The function table (span self time) is scaled the same way, per
    // trace, not by the ratio of the totals: one scale in one report.
    assert!((norm["scale"].as_f64().expect("table scale") - 280.0 / 30.0).abs() < 1e-12, "{}", norm["scale"]);
    let row = |v: &serde_json::Value, name: &str| {
        v["functions"].as_array().expect("functions").iter().find(|f| f["name"] == name).cloned().expect("row")
    };
    let name = plain["functions"][0]["name"].as_str().expect("name").to_string();
    let scaled = (int(&row(&plain, &name)["after_self"]) as f64 * 280.0 / 30.0).round() as i64;
    assert!((int(&row(&norm, &name)["after_self"]) - scaled).abs() <= 1, "{name}");
    // A trace file and a profile do not compare.
    let (code, _, err) = run_cli(&["diff", &b, &path("compare/diff/shopd-before.cpu.pb.gz")]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot compare a trace file") && err.contains("with a profile"), "{err}");
    // Text: the latency table comes before the function table.
    let (code, out, err) = run_cli(&["diff", &b, &a, "--limit", "3"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("traces: 280 before, 30 after"), "{out}");
    assert!(out.lines().any(|l| l.trim_start().starts_with("P99")), "{out}");
}

#[test]
fn the_merged_tree_of_a_real_pair_keeps_what_vanished_and_agrees_with_the_table() {
    use firesight::analysis::compare::{CompareOptions, Comparison, SharedSide};
    let (b, a) = (
        crate::common::load("compare/diff/shop-before.perf.txt"),
        crate::common::load("compare/diff/shop-after.perf.txt"),
    );
    fn side(l: firesight::load::Loaded) -> SharedSide {
        let metric = l.profile.default_metric;
        SharedSide { profile: std::sync::Arc::new(l.profile), metric }
    }
    let (b, a) = (side(b), side(a));
    for normalize in [false, true] {
        let c = Comparison::build(&b, &a, &CompareOptions { normalize, ..CompareOptions::default() });
        assert_eq!((c.before(0).total, c.after(0).total), (c.table.before_total, c.table.after_total));
        // Every node's total is its self plus its children's, on both sides.
        for i in 0..c.len() as u32 {
            let (b, a) = (c.before(i), c.after(i));
            let kids = c.children(i).map(|k| (c.before(k).total, c.after(k).total));
            let (kb, ka) = kids.fold((0, 0), |(x, y), (p, q)| (x + p, y + q));
            assert_eq!((b.total, a.total), (b.self_weight + kb, a.self_weight + ka));
        }
        // A function seen only before is still drawn, with nothing after.
        let gone = c.table.rows.iter().find(|r| r.name == "__GI___pthread_enable_asynccancel").expect("row");
        assert_eq!((gone.after_self, gone.after_total), (0, 0));
        let nodes: Vec<u32> = (0..c.len() as u32).filter(|&i| c.node(i).function() == Some(gone.function)).collect();
        assert!(!nodes.is_empty());
        assert!(nodes.iter().all(|&i| c.after(i).total == 0 && c.before(i).total > 0));
        let path: Vec<&str> =
            c.path_to(nodes[0]).iter().filter_map(|&n| c.function_of(n)).map(|f| f.name.as_str()).collect();
        assert_eq!(path.last(), Some(&"__GI___pthread_enable_asynccancel"));
        // Children are in name order, as flamegraphs draw them.
        for i in 0..c.len() as u32 {
            let names: Vec<&str> = c.children(i).filter_map(|k| c.function_of(k)).map(|f| f.name.as_str()).collect();
            assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
        }
    }
}

#[test]
fn a_name_in_two_modules_is_two_rows_named_with_their_modules_and_a_gate_says_it_sums_them() {
    let (b, a) = (path("compare/modules/b.perf.txt.gz"), path("compare/modules/a.perf.txt.gz"));
    let (code, out, err) = run_cli(&["diff", &b, &a, "--limit", "2", "--fail-on", "fn:helper>+10%"]);
    assert_eq!(code, 0, "{err}");
    let modules: Vec<&str> = out.lines().filter(|l| l.contains("  helper [")).collect();
    assert_eq!(modules.len(), 2, "{out}");
    assert!(
        modules.iter().any(|l| l.ends_with("liba.so]")) && modules.iter().any(|l| l.ends_with("libb.so]")),
        "{out}"
    );
    assert!(out.contains("(each sample once over helper ["), "{out}");
    // Naming one module gates that row alone: liba's helper lost time.
    let v = json(&["diff", &b, &a, "--json"]);
    let liba = v["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .find(|f| f["name"] == "helper" && f["module"].as_str().is_some_and(|m| m.ends_with("liba.so")))
        .cloned()
        .expect("liba's helper");
    let gate = format!("fn:helper [{}]<-10%", liba["module"].as_str().unwrap_or_default());
    let (code, out, err) = run_cli(&["diff", &b, &a, "--json", "--fail-on", &gate]);
    assert_eq!(code, 3, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let g = &v["gates"][0];
    assert_eq!((g["tripped"].as_bool(), g["summed"].as_array().map(Vec::len)), (Some(true), Some(0)));
    assert_eq!(g["before"], liba["before_total"]);
}

#[test]
fn a_gate_on_a_name_in_two_modules_on_one_stack_counts_each_sample_once() {
    use std::io::Read;
    let (b, a) = (path("compare/nested-modules/b.perf.txt.gz"), path("compare/nested-modules/a.perf.txt.gz"));
    // The samples with any `helper` frame, counted from the text (250 000 ns each).
    let with_helper = |p: &str| {
        let mut text = String::new();
        let file = std::fs::File::open(p).expect("file");
        flate2::read::GzDecoder::new(file).read_to_string(&mut text).expect("gzip");
        let samples = text.split("\n\n").filter(|s| !s.trim().is_empty());
        let counts = samples.map(|s| s.lines().skip(1).filter(|l| l.contains(" helper+")).count());
        let (any, both) = counts.fold((0, 0), |(x, y), n| (x + usize::from(n > 0), y + usize::from(n > 1)));
        (any as i64 * 250_000, both)
    };
    let ((before, both_b), (after, both_a)) = (with_helper(&b), with_helper(&a));
    assert!(both_b > 100 && both_a > 100, "{both_b} {both_a}: both helpers on one stack");
    let v = json(&["diff", &b, &a, "--json", "--fail-on", "fn:helper>+50%", "--fail-on", "self:helper>+50%"]);
    let g = &v["gates"][0];
    assert_eq!((g["before"].as_i64(), g["after"].as_i64()), (Some(before), Some(after)), "{g}");
    assert_eq!(g["summed"].as_array().map(Vec::len), Some(2));
    // Self weights add up exactly across modules (a sample has one leaf).
    let rows = v["functions"].as_array().expect("functions");
    let self_sum = |k: &str| rows.iter().filter(|f| f["name"] == "helper").filter_map(|f| f[k].as_i64()).sum::<i64>();
    let s = &v["gates"][1];
    assert_eq!(
        (s["before"].as_i64(), s["after"].as_i64()),
        (Some(self_sum("before_self")), Some(self_sum("after_self")))
    );
    // The module rows' totals summed count the shared samples twice.
    let total_sum =
        rows.iter().filter(|f| f["name"] == "helper").filter_map(|f| f["before_total"].as_i64()).sum::<i64>();
    assert!(total_sum > before, "{total_sum} {before}");
}

#[test]
fn normalising_says_what_totals_it_matched() {
    let (b, a) = (path("compare/diff/shopd-before.cpu.pb.gz"), path("compare/diff/shopd-after.cpu.pb.gz"));
    let line = |args: &[&str]| {
        let (code, out, err) = run_cli(args);
        assert_eq!(code, 0, "{err}");
        out.lines().find(|l| l.starts_with("after scaled by")).map(str::to_owned).unwrap_or_default()
    };
    assert!(line(&["diff", "--normalize", &b, &a]).ends_with("so the totals match (as pprof -normalize)"));
    // A filter: the totals of what it keeps, which pprof does not do.
    let tagged = line(&["diff", "--normalize", "--tag", "endpoint=/cart", &b, &a]);
    assert!(tagged.contains("the samples kept match (pprof -normalize scales by the whole files' totals)"), "{tagged}");
    // Nothing before: pprof's scale of 0, said as such.
    let (pb, pa) = (path("compare/diff/shop-before.perf.txt"), path("compare/diff/shop-after.perf.txt"));
    let empty = line(&["diff", "--normalize", "--focus", "__random_r", &pb, &pa]);
    assert!(empty.starts_with("after scaled by 0.0000") && empty.contains("the before total is 0"), "{empty}");
}

#[test]
fn diff_and_growth_do_not_offer_the_options_they_refuse() {
    for command in ["diff", "growth"] {
        let (code, out, _) = run_cli(&[command, "--help"]);
        assert_eq!(code, 0);
        for option in ["--from", "--to ", "--thread", "--pid"] {
            assert!(!out.contains(option), "{command} --help offers {option}");
        }
    }
    // One file's commands still offer them.
    let (code, out, err) = run_cli(&["fold", "--help"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("--thread") && out.contains("--from"), "{out}");
}

#[test]
fn growth_names_a_metric_given_by_position_and_units_that_cannot_match_say_so() {
    let snaps: Vec<String> = (1..=3).map(|i| path(&format!("compare/heapgrowth/heap-{i}.pb.gz"))).collect();
    let by_name = json(&["growth", &snaps[0], &snaps[1], &snaps[2], "--json"]);
    let mut args = vec!["growth"];
    args.extend(snaps.iter().map(String::as_str));
    args.extend(["--json", "--metric", "3"]);
    let by_position = json(&args);
    assert_eq!(by_name["metric"], "inuse_space");
    assert_eq!(by_position["metric"], "inuse_space");
    assert!(by_name["out_of_order"].is_null());
    // Snapshots given newest first: their recorded times say so.
    let (code, out, err) = run_cli(&["growth", &snaps[2], &snaps[0], &snaps[1], "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("heap-1.pb.gz was taken before") && err.contains("heap-3.pb.gz"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["out_of_order"][0].as_str().map(|s| s.ends_with("heap-3.pb.gz")), Some(true));
    // A perf script against a folded file: no metric of one unit, and no
    // hint at --metric, which cannot help.
    let (code, _, err) =
        run_cli(&["diff", &path("compare/diff/shop-before.perf.txt"), &path("compare/diff/shop-after.folded")]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no metrics of one unit") && !err.contains("--metric"), "{err}");
}
