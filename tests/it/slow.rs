//! Issue 14 headless: slow traces against the rest (`slow`), latency per
//! operation (`operations`, against goldens computed independently by
//! tests/data/slow/make_goldens.py), spans joined with a CPU profile
//! (`span-profile`, against the `go tool pprof -tagfocus` oracle), and
//! Jaeger JSON whose ids are not hex.

use serde_json::{Value, json};

use firesight::analysis::operations::operation_latencies;
use firesight::analysis::slow::{SlowPick, compare, pick_slow};
use firesight::analysis::span_profile;
use firesight::model::trace::TraceSet;

use crate::common::{data, load, run_cli};

fn path(rel: &str) -> String {
    data(rel).to_string_lossy().into_owned()
}

fn json_file(rel: &str) -> Value {
    let text = std::fs::read_to_string(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn traces_of(rel: &str) -> TraceSet {
    load(rel).traces.unwrap_or_else(|| panic!("{rel}: no traces"))
}

fn cli_json(args: &[&str]) -> Value {
    let (code, out, err) = run_cli(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

#[test]
fn slow_puts_the_postgres_query_first_on_the_shop_traces() {
    for above in [None, Some("P99"), Some("P90"), Some("1s")] {
        let file = path("otlp/traces.otlp.json");
        let mut args = vec!["slow", file.as_str(), "--json"];
        if let Some(a) = above {
            args.extend(["--above", a]);
        }
        let v = cli_json(&args);
        assert_eq!(v["slow"].as_u64().unwrap_or(0) + v["rest"].as_u64().unwrap_or(0), 280, "{above:?}");
        let first = &v["operations"][0];
        assert_eq!(first["service"], "order-service", "{above:?}: {first}");
        assert_eq!(first["name"], "SELECT shop.orders", "{above:?}");
        let slow = first["slow_self_ns_per_trace"].as_f64().expect("slow");
        let rest = first["rest_self_ns_per_trace"].as_f64().expect("rest");
        assert!(slow > 10.0 * rest, "{above:?}: {slow} vs {rest}");
        for key in ["key", "value", "slow_share", "rest_share", "slow_count", "rest_count"] {
            assert!(!v["attributes"][0][key].is_null(), "{key}");
        }
    }
    // 1 s: exactly the 4 traces that hit the slow query (the oracle's durations).
    let v = cli_json(&["slow", &path("otlp/traces.otlp.json"), "--above", "1s", "--json"]);
    assert_eq!(v["slow"], 4);
    let v = cli_json(&["slow", &path("otlp/traces.otlp.json"), "--slowest", "4", "--json"]);
    assert_eq!((v["slow"].clone(), v["rest"].clone()), (json!(4), json!(276)));
}

#[test]
fn slow_figures_are_sums_over_the_groups() {
    let set = traces_of("otlp/traces.otlp.json");
    let mask = pick_slow(&set, SlowPick::Slowest(4));
    let r = compare(&set, &mask);
    // Self time per trace times the traces equals the per-operation self
    // time of the oracle, for every operation.
    let o = json_file("otlp/oracle/traces.otlp.json.json");
    for op in &r.operations {
        let total = op.slow_self_ns_per_trace * r.slow as f64 + op.rest_self_ns_per_trace * r.rest as f64;
        let want = o["per_service_operation"][format!("{} :: {}", op.service, op.name)]["self_time_ns"]
            .as_f64()
            .expect("oracle");
        assert!((total - want).abs() < 1.0, "{}: {total} vs {want}", op.name);
    }
}

/// A Jaeger JSON file (ids in Jaeger UI's test-fixture style, not hex) of
/// `n` requests: each a root `GET` span with `http.route`, a `cache.get`
/// child with `cache.hit`, and a `db.query` child on a miss. `slow(i)`
/// says whether request `i` is slow, `route(i)` its route, `hit(i)` its cache hit.
pub(crate) fn shop(
    n: usize,
    route: impl Fn(usize) -> &'static str,
    hit: impl Fn(usize) -> bool,
    slow: impl Fn(usize) -> bool,
) -> Value {
    let mut traces = Vec::new();
    for i in 0..n {
        let t = format!("trace-{i}");
        let start = 1_700_000_000_000_000u64 + i as u64 * 1_000_000;
        let dur = if slow(i) { 900_000 } else { 20_000 + (i as u64 % 7) * 1_000 };
        let mut spans = vec![json!({
            "traceID": t, "spanID": format!("span-{i}_0"), "operationName": "GET", "references": [],
            "startTime": start, "duration": dur, "processID": "p1",
            "tags": [{"key": "http.route", "type": "string", "value": route(i)}]
        })];
        spans.push(json!({
            "traceID": t, "spanID": format!("span-{i}_1"), "operationName": "cache.get",
            "references": [{"refType": "CHILD_OF", "traceID": t, "spanID": format!("span-{i}_0")}],
            "startTime": start + 10, "duration": 1_000, "processID": "p2",
            "tags": [{"key": "cache.hit", "type": "bool", "value": hit(i)}]
        }));
        if !hit(i) {
            spans.push(json!({
                "traceID": t, "spanID": format!("span-{i}_2"), "operationName": "db.query",
                "references": [{"refType": "CHILD_OF", "traceID": t, "spanID": format!("span-{i}_0")}],
                "startTime": start + 2_000, "duration": dur - 3_000, "processID": "p2",
                "tags": [{"key": "db.system", "type": "string", "value": "postgresql"}]
            }));
        }
        traces.push(json!({
            "traceID": t, "spans": spans,
            "processes": {"p1": {"serviceName": "frontend", "tags": []}, "p2": {"serviceName": "catalog", "tags": []}}
        }));
    }
    json!({ "data": traces })
}

pub(crate) fn write_temp(v: &Value) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("traces.json");
    std::fs::write(&file, serde_json::to_vec(v).expect("json")).expect("write");
    let p = file.to_string_lossy().into_owned();
    (dir, p)
}

#[test]
fn a_cache_miss_is_the_first_attribute_of_the_slow_traces() {
    // 100 requests over three routes; the 6 cache misses are the slow ones.
    let routes = ["/products", "/search", "/cart"];
    let doc = shop(100, |i| routes[i % 3], |i| i % 17 != 5, |i| i % 17 == 5);
    let (_dir, file) = write_temp(&doc);
    let v = cli_json(&["slow", &file, "--above", "500ms", "--json"]);
    assert_eq!(v["slow"], 6);
    assert_eq!(v["rest"], 94);
    let first = &v["attributes"][0];
    assert_eq!((first["key"].as_str(), first["value"].as_str()), (Some("cache.hit"), Some("false")), "{v}");
    assert_eq!((first["slow_share"].as_f64(), first["rest_share"].as_f64()), (Some(1.0), Some(0.0)));
    assert_eq!((first["slow_count"].as_u64(), first["rest_count"].as_u64()), (Some(6), Some(0)));
    // The query the misses make carries their time.
    assert_eq!(v["operations"][0]["name"], "db.query");
    // Ranked by the difference of shares: never increasing down the list.
    let diffs: Vec<f64> = v["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .map(|a| a["slow_share"].as_f64().unwrap_or(0.0) - a["rest_share"].as_f64().unwrap_or(0.0))
        .collect();
    assert!(diffs.windows(2).all(|w| w[0] >= w[1]), "{diffs:?}");
}

#[test]
fn one_slow_route_is_the_first_attribute() {
    let routes = ["/products", "/search", "/checkout", "/cart"];
    // Every /checkout is slow; a few of the other routes are slow too.
    let doc = shop(80, |i| routes[i % 4], |_| true, |i| i % 4 == 2 || i == 9);
    let (_dir, file) = write_temp(&doc);
    let set =
        firesight::load::load_path(std::path::Path::new(&file), &Default::default(), firesight::load::Progress::new())
            .expect("load")
            .traces
            .expect("traces");
    let r = compare(&set, &pick_slow(&set, SlowPick::AtLeastNs(500_000_000)));
    assert_eq!((r.slow, r.rest), (21, 59));
    let first = &r.attributes[0];
    assert_eq!((first.key.as_str(), first.value.as_str()), ("http.route", "/checkout"));
    assert_eq!((first.slow_count, first.rest_count), (20, 0));
    assert!((first.slow_share - 20.0 / 21.0).abs() < 1e-12);
}

#[test]
fn jaeger_ids_that_are_not_hex_load_with_references_resolved() {
    let doc = shop(3, |_| "/x", |i| i != 1, |i| i == 1);
    let (_dir, file) = write_temp(&doc);
    let loaded =
        firesight::load::load_path(std::path::Path::new(&file), &Default::default(), firesight::load::Progress::new())
            .expect("non-hex ids load");
    let set = loaded.traces.expect("traces");
    assert_eq!(set.traces.len(), 3);
    for t in &set.traces {
        // One root; every other span hangs under it (references resolved).
        assert_eq!(t.roots.len(), 1);
        assert!(t.spans.iter().all(|s| !s.parent_missing), "{:?}", t.spans);
        assert!(t.spans.iter().skip(1).all(|s| s.parent == Some(0)));
        let text = t.spans[0].attributes.iter().find(|a| &*a.key == "jaeger.spanID").map(|a| a.value.to_string());
        assert!(text.is_some_and(|s| s.starts_with("span-") && s.ends_with("_0")));
    }
    assert!(loaded.profile.warnings.iter().any(|w| w.message.contains("not hex")), "{:?}", loaded.profile.warnings);
    // The CLI finds a trace by its text id.
    let (code, out, err) = run_cli(&["critical-path", &file, "--trace", "trace-1", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("db.query"), "{out}");
}

#[test]
fn operation_percentiles_equal_the_independent_goldens() {
    for (file, golden) in [
        ("otlp/traces.otlp.json", "slow/operations.golden.json"),
        ("spanprof/trace.otlp.json", "slow/operations-spanprof.golden.json"),
    ] {
        let set = traces_of(file);
        let rows = operation_latencies(&set);
        let g = json_file(golden);
        let want = g["operations"].as_array().expect("operations");
        assert_eq!(rows.len(), want.len(), "{file}");
        for (r, w) in rows.iter().zip(want) {
            assert_eq!(
                (r.service.as_str(), r.name.as_str()),
                (w["service"].as_str().unwrap_or(""), w["name"].as_str().unwrap_or(""))
            );
            assert_eq!(json!(r.count), w["count"], "{}", r.name);
            assert_eq!(json!(r.errors), w["errors"], "{}", r.name);
            let q = |q: &firesight::analysis::operations::Quantiles| json!({"p50": q.p50_ns, "p90": q.p90_ns, "p99": q.p99_ns, "max": q.max_ns});
            assert_eq!(q(&r.duration), w["duration_ns"], "{file} {}", r.name);
            assert_eq!(q(&r.self_time), w["self_ns"], "{file} {}", r.name);
        }
    }
    // The CLI prints the same, and names the slowest trace of each operation.
    let v = cli_json(&["operations", &path("otlp/traces.otlp.json"), "--json", "--sort", "p99"]);
    let ops = v["operations"].as_array().expect("operations");
    assert_eq!(ops.len(), 13);
    let p99: Vec<u64> = ops.iter().map(|o| o["duration_ns"]["p99"].as_u64().unwrap_or(0)).collect();
    assert!(p99.windows(2).all(|w| w[0] >= w[1]), "{p99:?}");
    let select = ops.iter().find(|o| o["name"] == "SELECT shop.orders").expect("select");
    assert_eq!(select["slowest_trace_id"], "b9443dbfc415284e082045c2b3d49513");
    let (code, _, err) = run_cli(&["operations", &path("otlp/traces.otlp.json"), "--sort", "nope"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn span_profile_equals_the_tagfocus_oracle_for_every_span() {
    let o = json_file("spanprof/oracle/cpu.pb.gz.json");
    let v = cli_json(&["span-profile", &path("spanprof/trace.otlp.json"), &path("spanprof/cpu.pb.gz"), "--json"]);
    let spans = v["spans"].as_array().expect("spans");
    let per_span = o["per_span"].as_object().expect("per_span");
    assert_eq!(spans.len(), per_span.len());
    for s in spans {
        let id = s["span_id"].as_str().expect("id");
        let want = &per_span[id];
        assert_eq!(s["cpu_ns"], want["cpu_ns"], "span {id}");
        assert_eq!(s["samples"], want["samples"], "span {id}");
        assert_eq!(s["cpu_ns_with_descendants"], want["cpu_ns_with_descendants"], "span {id}");
        assert_eq!(s["duration_ns"], want["duration_ns"], "span {id}");
        assert_eq!(s["name"], want["name"], "span {id}");
        for key in ["span_id", "service", "name", "duration_ns", "cpu_ns"] {
            assert!(!s[key].is_null(), "{key}");
        }
    }
    assert_eq!(v["unlabeled_cpu_ns"], o["profile"]["unlabeled_cpu_ns"]);
    assert_eq!(
        v["spans_with_samples"].as_u64(),
        Some(per_span.len() as u64 - o["spans_without_samples"]["count"].as_u64().unwrap_or(0))
    );
    let not_in = &v["sampled_spans_not_in_trace"][0];
    let (id, w) = o["sampled_span_ids_not_in_trace"].as_object().and_then(|m| m.iter().next()).expect("unsampled");
    assert_eq!(not_in["span_id"].as_str(), Some(id.as_str()));
    assert_eq!(not_in["cpu_ns"], w["cpu_ns"]);
    assert_eq!(not_in["span_name"], w["span_name_label"]);
}

#[test]
fn span_profile_folds_one_span_and_its_descendants() {
    let o = json_file("spanprof/oracle/cpu.pb.gz.json");
    let slowest = &o["slowest_request"];
    let set = traces_of("spanprof/trace.otlp.json");
    let p = load("spanprof/cpu.pb.gz").profile;
    let link = span_profile::link(&set, &p).expect("linked");
    assert_eq!(link.key, "span_id");
    for s in slowest["spans_detail"].as_array().expect("spans") {
        let id = s["span_id"].as_str().expect("id");
        for (descendants, want) in [(false, &s["cpu_ns"]), (true, &s["cpu_ns_with_descendants"])] {
            let mut args =
                vec!["span-profile".to_string(), path("spanprof/trace.otlp.json"), path("spanprof/cpu.pb.gz")];
            args.extend(["--span".into(), id.into(), "--json".into()]);
            if descendants {
                args.push("--descendants".into());
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let v = cli_json(&args);
            // The folded stacks add up to the span's CPU.
            let sum: u64 = v["folded"]
                .as_array()
                .expect("folded")
                .iter()
                .map(|l| {
                    l.as_str().and_then(|l| l.rsplit_once(' ')).and_then(|(_, n)| n.parse::<u64>().ok()).unwrap_or(0)
                })
                .sum();
            assert_eq!(json!(sum), *want, "span {id} descendants {descendants}");
        }
    }
}

#[test]
fn span_profile_refuses_a_profile_without_span_labels() {
    let (code, _, err) = run_cli(&["span-profile", &path("otlp/traces.otlp.json"), &path("folded/simple.txt")]);
    assert_eq!(code, 1);
    assert!(err.contains("no sample of") && err.contains("span_id"), "{err}");
    let (code, _, err) = run_cli(&["slow", &path("otlp/traces.otlp.json"), "--above", "fast"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--above"), "{err}");
    let (code, _, err) = run_cli(&["slow", &path("otlp/traces.otlp.json"), "--above", "1h"]);
    assert_eq!(code, 1);
    assert!(err.contains("no trace is"), "{err}");
}
