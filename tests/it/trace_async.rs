//! Spans that run on after their parent (asynchronous work) and spans that
//! start before it (clock skew), the critical path over the whole trace,
//! and service wall time, headless and through the CLI.
//!
//! No recorded trace at hand has asynchronous spans, so the OTLP/JSON below
//! is written here, shaped like a checkout that answers and then works on:
//! `api POST /orders` (0 to 100 ms) queries `db SELECT orders` (10 to 60
//! ms), writes a log `api log.write` from 90 ms to 130 ms (past its own
//! end), and after answering sets up `db pool.connect` (110 to 160 ms); a
//! `cache GET` child starts 5 ms before its parent (skewed clocks).

// Tests stop at the first broken expectation.
#![allow(clippy::expect_used)]

use firesight::analysis::traces as analysis;
use firesight::load::LoadOptions;
use firesight::model::trace::Trace;
use serde_json::{Value, json};

use crate::common::{load, load_bytes, run_cli};

const T0: u64 = 1_800_000_000_000_000_000;
const MS: u64 = 1_000_000;

/// The trace as OTLP/JSON: (service, span id, parent id, name, start ms, end ms).
fn checkout_json() -> String {
    let spans: [(&str, &str, &str, &str, i64, i64); 6] = [
        ("api", "01", "", "POST /orders", 0, 100),
        ("db", "02", "01", "SELECT orders", 10, 60),
        ("api", "03", "01", "log.write", 90, 130),
        ("db", "04", "01", "pool.connect", 110, 160),
        ("cache", "05", "02", "GET", 5, 8),
        ("api", "06", "01", "validate", 62, 70),
    ];
    let resource = |service: &str| {
        let of: Vec<Value> = spans
            .iter()
            .filter(|s| s.0 == service)
            .map(|&(_, id, parent, name, a, b)| {
                json!({
                    "traceId": "0af7651916cd43dd8448eb211c80319c",
                    "spanId": format!("00000000000000{id}"),
                    "parentSpanId": if parent.is_empty() { String::new() } else { format!("00000000000000{parent}") },
                    "name": name,
                    "kind": 1,
                    "startTimeUnixNano": (T0 as i64 + a * MS as i64).to_string(),
                    "endTimeUnixNano": (T0 as i64 + b * MS as i64).to_string(),
                })
            })
            .collect();
        json!({
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
            "scopeSpans": [{"scope": {"name": "shop"}, "spans": of}],
        })
    };
    json!({"resourceSpans": [resource("api"), resource("db"), resource("cache")]}).to_string()
}

fn checkout() -> (Trace, Vec<String>) {
    let loaded = load_bytes(checkout_json().into_bytes(), &LoadOptions::default()).expect("loads");
    let warnings = loaded.profile.warnings.iter().map(|w| w.message.clone()).collect();
    let mut set = loaded.traces.expect("traces");
    (set.traces.remove(0), warnings)
}

fn span<'a>(t: &'a Trace, name: &str) -> (usize, &'a firesight::model::trace::Span) {
    t.spans.iter().enumerate().find(|(_, s)| &*s.name == name).expect("span")
}

#[test]
fn spans_after_their_parent_are_asynchronous_and_only_early_starts_are_clock_skew() {
    let (t, warnings) = checkout();
    let flags = |name| {
        let s = span(&t, name).1;
        (s.ends_after_parent, s.clock_skew)
    };
    assert_eq!(flags("log.write"), (true, false));
    assert_eq!(flags("pool.connect"), (true, false));
    assert_eq!(flags("GET"), (false, true));
    assert_eq!(flags("SELECT orders"), (false, false));
    assert_eq!(
        warnings,
        ["trace 0af7651916cd43dd8448eb211c80319c: 1 span(s) start before their parent (clock skew); kept and flagged"]
    );
    // What the waterfall writes after their names.
    #[cfg(feature = "gui")]
    {
        use firesight::ui::waterfall::paint::span_flag;
        assert_eq!(span_flag(span(&t, "log.write").1), Some("async: ends after parent"));
        assert_eq!(span_flag(span(&t, "GET").1), Some("clock skew"));
    }
}

#[test]
fn the_critical_path_covers_the_trace_from_first_start_to_last_end() {
    let (t, _) = checkout();
    assert_eq!(t.duration_ns(), 160 * MS);
    let got: Vec<(&str, u64, u64)> = analysis::critical_path(&t)
        .iter()
        .map(|c| (&*t.spans[c.span].name, (c.start_ns - T0) / MS, (c.end_ns - T0) / MS))
        .collect();
    // The root waits for the query (whose skewed cache call ends before the
    // query starts, so it is left out, as Jaeger UI does), validates, and
    // answers at 100 ms; then nothing runs until the pool connects, which
    // ends the trace. The log write runs beside the connection, so it is
    // not what the trace waited for.
    assert_eq!(
        got,
        [
            ("POST /orders", 0, 10),
            ("SELECT orders", 10, 60),
            ("POST /orders", 60, 62),
            ("validate", 62, 70),
            ("POST /orders", 70, 100),
            ("pool.connect", 110, 160),
        ]
    );
    let on_path: u64 = analysis::critical_path_shares(&analysis::critical_path(&t)).iter().map(|s| s.1).sum();
    assert_eq!(on_path, 150 * MS, "10 ms between the answer and the connection are in no span");
}

#[test]
fn service_wall_time_is_the_union_of_its_spans() {
    let set = load_bytes(checkout_json().into_bytes(), &LoadOptions::default()).expect("loads").traces.expect("traces");
    let rows = analysis::service_table(&set, Some(0));
    let api = rows.iter().find(|r| r.service == "api").expect("api");
    // POST /orders 0-100, log.write 90-130 and validate 62-70 inside it: 148 ms summed, 130 ms of wall time.
    assert_eq!((api.total_ns, api.wall_ns), (148 * MS, 130 * MS));
    let db = rows.iter().find(|r| r.service == "db").expect("db");
    assert_eq!((db.total_ns, db.wall_ns), (100 * MS, 100 * MS));
    // On real traces no service's wall time exceeds its trace, whatever its spans sum to.
    let real = load("otlp/traces.otlp.json").traces.expect("traces");
    let mut nested = 0;
    for (i, t) in real.traces.iter().enumerate() {
        for r in analysis::service_table(&real, Some(i)) {
            assert!(
                r.wall_ns <= t.duration_ns(),
                "{} in trace {}: {} > {}",
                r.service,
                t.id,
                r.wall_ns,
                t.duration_ns()
            );
            assert!(r.wall_ns <= r.total_ns);
            nested += usize::from(r.total_ns > t.duration_ns());
        }
    }
    assert!(nested > 0, "some service's span times sum past its trace (nested spans)");
    let all = analysis::service_table(&real, None);
    let per_trace: u64 = (0..real.traces.len())
        .flat_map(|i| analysis::service_table(&real, Some(i)))
        .filter(|r| r.service == "order-service")
        .map(|r| r.wall_ns)
        .sum();
    assert_eq!(all.iter().find(|r| r.service == "order-service").map(|r| r.wall_ns), Some(per_trace));
}

#[test]
fn the_cli_prints_the_same_path_and_wall_times() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("checkout.otlp.json");
    std::fs::write(&file, checkout_json()).expect("write");
    let file = file.to_str().expect("utf-8");
    let (code, out, _) = run_cli(&["critical-path", file, "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("json");
    let (t, _) = checkout();
    let want: Vec<(String, u64, u64)> =
        analysis::critical_path(&t).iter().map(|c| (t.spans[c.span].id.to_string(), c.start_ns, c.end_ns)).collect();
    let got: Vec<(String, u64, u64)> = v["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .map(|s| {
            let n = |k: &str| s[k].as_u64().expect("number");
            (s["span_id"].as_str().expect("id").to_string(), n("start_unix_ns"), n("end_unix_ns"))
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!((v["duration_ns"].as_u64(), v["on_path_ns"].as_u64()), (Some(160 * MS), Some(150 * MS)));
    assert_eq!((v["start_unix_ns"].as_u64(), v["end_unix_ns"].as_u64()), (Some(T0), Some(T0 + 160 * MS)));
    assert_eq!(v["in_no_span_ns"].as_u64(), Some(10 * MS));
    let (_, text, _) = run_cli(&["critical-path", file]);
    assert!(text.contains("(in no span)"), "{text}");
    let (code, out, _) = run_cli(&["services", file, "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("json");
    let api = v["services"].as_array().expect("rows").iter().find(|r| r["name"] == "api").expect("api").clone();
    assert_eq!((api["total_ns"].as_u64(), api["wall_ns"].as_u64()), (Some(148 * MS), Some(130 * MS)));
}
