//! `diff --fail-on EXPR`: every gate form, tripping (exit 3, the gate and
//! its numbers on stderr, `gates` in JSON) and not tripping (exit 0), and
//! malformed or misfitting expressions (exit 2, pointing at the bad part).
//! Figures of the perf pair (tests/data/compare): total 637 274 544 ns ->
//! 466 933 864 ns (-170 340 680 ns, -26.7%); main total 318.6 ms -> 218.4 ms
//! (-31.4%); sort_records self 274 549 096 ns -> 296 593 184 ns (+22 044 088
//! ns, +8.0%).

// A test fails by panicking; `expect` names what was missing.
#![allow(clippy::expect_used)]

use serde_json::Value;

use crate::common::{data, run_cli};

fn path(rel: &str) -> String {
    data(rel).to_string_lossy().into_owned()
}

/// Runs `diff BEFORE AFTER` on the perf pair with `args`.
fn perf_diff(args: &[&str]) -> (i32, String, String) {
    let (b, a) = (path("compare/diff/shop-before.perf.txt"), path("compare/diff/shop-after.perf.txt"));
    let mut all = vec!["diff", b.as_str(), a.as_str()];
    all.extend(args);
    run_cli(&all)
}

/// Runs `diff BEFORE AFTER` on two trace files with `args`.
fn trace_diff(args: &[&str]) -> (i32, String, String) {
    let (b, a) = (path("otlp/traces.otlp.json"), path("otlp/traces.base64ids.json"));
    let mut all = vec!["diff", b.as_str(), a.as_str()];
    all.extend(args);
    run_cli(&all)
}

/// The exit code of one gate on the perf pair.
fn perf_gate(expr: &str) -> i32 {
    let (code, _, err) = perf_diff(&["--fail-on", expr]);
    assert!(code == 0 || code == 3, "{expr}: exit {code}: {err}");
    code
}

#[test]
fn every_profile_gate_form_trips_past_its_threshold_only() {
    // total
    assert_eq!(perf_gate("total>+5%"), 0);
    assert_eq!(perf_gate("total<-20%"), 3);
    assert_eq!(perf_gate("total<-30%"), 0);
    assert_eq!(perf_gate("total<-171ms"), 0);
    assert_eq!(perf_gate("total<=-170ms"), 3);
    assert_eq!(perf_gate("total<-170340680"), 0);
    assert_eq!(perf_gate("total<=-170340680"), 3);
    // fn: a function's total (-31.4%)
    assert_eq!(perf_gate("fn:main>-10%"), 0);
    assert_eq!(perf_gate("fn:main>-40%"), 3);
    // self: a function's self (+22.0 ms, +8.0%)
    assert_eq!(perf_gate("self:sort_records>+2ms"), 3);
    assert_eq!(perf_gate("self:sort_records>+30ms"), 0);
    assert_eq!(perf_gate("self:sort_records>+5%"), 3);
    assert_eq!(perf_gate("self:sort_records>=+10%"), 0);
    assert_eq!(perf_gate("self:sort_records > 22044088"), 0);
    assert_eq!(perf_gate("self:sort_records>22044087"), 3);
}

#[test]
fn a_tripped_gate_exits_3_and_says_which_and_the_numbers() {
    let (code, out, err) = perf_diff(&["--fail-on", "total>+5%", "--fail-on", "self:sort_records>+2ms"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("gate tripped: self:sort_records>+2ms: 274.5 ms → 296.6 ms (+22.0 ms)"), "{err}");
    assert!(!err.contains("total>+5%"), "only the tripped gate on stderr: {err}");
    assert!(
        out.contains("gates:") && out.contains("total>+5%: 637.3 ms → 466.9 ms (-26.73%), threshold +5%: ok"),
        "{out}"
    );
    // JSON: the report is still printed, with the gates.
    let (code, out, _) = perf_diff(&["--json", "--fail-on", "total>+5%", "--fail-on", "self:sort_records>+2ms"]);
    assert_eq!(code, 3);
    let v: Value = serde_json::from_str(&out).expect("json");
    let gates = v["gates"].as_array().expect("gates");
    assert_eq!(gates.len(), 2);
    assert_eq!(gates[0]["expr"], "total>+5%");
    assert_eq!((&gates[0]["before"], &gates[0]["after"]), (&Value::from(637_274_544), &Value::from(466_933_864)));
    assert_eq!(gates[0]["tripped"], false);
    let change = gates[0]["change"].as_f64().expect("change");
    assert!((change - (466_933_864.0 - 637_274_544.0) * 100.0 / 637_274_544.0).abs() < 1e-9);
    assert_eq!(gates[1]["tripped"], true);
    assert_eq!(gates[1]["change_unit"], "nanoseconds");
    assert_eq!(gates[1]["change"].as_f64(), Some(22_044_088.0));
    // No gate: no `gates` field (the JSON shape of `diff --json` stays).
    let (_, out, _) = perf_diff(&["--json", "--limit", "1"]);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert!(v.get("gates").is_none());
}

#[test]
fn trace_gates_read_percentiles_and_service_self_time() {
    // P50 39.8 ms -> 37.7 ms, P99 1.85 s -> 80.1 ms; order-service self 10.5 s -> 270.9 ms.
    let code = |expr: &str| {
        let (code, _, err) = trace_diff(&["--fail-on", expr]);
        assert!(code == 0 || code == 3, "{expr}: {err}");
        code
    };
    assert_eq!(code("p99>+10%"), 0);
    assert_eq!(code("p99<-90%"), 3);
    assert_eq!(code("p50<-2ms"), 3);
    assert_eq!(code("p50<-3ms"), 0);
    assert_eq!(code("p90>-1%"), 0);
    assert_eq!(code("p90>-10%"), 3);
    assert_eq!(code("service:order-service>+20ms"), 0);
    assert_eq!(code("service:order-service<-10s"), 3);
    // Percentiles are in ns, whatever the metric.
    let (_, out, _) = trace_diff(&["--json", "--limit", "0", "--fail-on", "p99>+10%"]);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["gates"][0]["before"], v["traces"]["before"]["p99_ns"]);
    assert_eq!(v["gates"][0]["unit"], "nanoseconds");
}

#[test]
fn malformed_gates_are_usage_errors_pointing_at_the_bad_part() {
    for (expr, bad, says) in [
        ("total>+5xx", "xx", "unknown unit"),
        ("totl>+5%", "totl", "unknown subject"),
        ("func:main>+5%", "func", "unknown kind"),
        ("fn:>+5%", "", "needs a name"),
        ("total>abc", "abc", "expected a change"),
        ("total=5%", "total=5%", "no operator"),
    ] {
        let (code, out, err) = perf_diff(&["--fail-on", expr]);
        assert_eq!(code, 2, "{expr}: {err}");
        assert!(out.is_empty(), "nothing is compared for a bad gate: {out}");
        assert!(err.contains(says), "{expr}: {err}");
        // The expression, then carets under the bad part.
        let lines: Vec<&str> = err.lines().collect();
        let at = lines.iter().position(|l| *l == format!("  {expr}")).unwrap_or_else(|| panic!("{err}"));
        let carets = lines.get(at + 1).copied().unwrap_or_default();
        let col = carets.find('^').unwrap_or_else(|| panic!("{err}")) - 2;
        let width = carets.trim().len();
        let start = expr.char_indices().nth(col).map_or(expr.len(), |(i, _)| i);
        assert_eq!(&expr[start..(start + bad.len()).min(expr.len())], bad, "{expr}: {err}");
        assert_eq!(width, bad.chars().count().max(1), "{expr}: {err}");
    }
}

#[test]
fn gates_that_do_not_fit_the_files_are_usage_errors() {
    for (expr, says) in [
        ("fn:mian>+5%", "no function named \"mian\""),
        ("self:sort_record>+1%", "did you mean sort_records"),
        ("total>+1MiB", "does not fit nanoseconds"),
        ("p99>+10%", "needs two trace files"),
        ("service:order-service>+20ms", "needs two trace files"),
    ] {
        let (code, _, err) = perf_diff(&["--fail-on", expr]);
        assert_eq!(code, 2, "{expr}: {err}");
        assert!(err.contains(says), "{expr}: {err}");
        assert!(err.contains(&format!("  {expr}\n")), "{err}");
    }
    let (code, _, err) = trace_diff(&["--fail-on", "service:nope>+1ms"]);
    assert_eq!(code, 2);
    assert!(err.contains("no service named \"nope\""), "{err}");
}
