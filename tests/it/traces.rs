//! OTLP and Jaeger traces on real files: the four OTLP encodings load to the
//! same model, and counts, durations, self times, percentiles and the
//! critical path equal the independently computed oracles; inputs that must
//! fail or warn; the trace CLI commands.

use std::collections::BTreeMap;
use std::io::Write;

use firesight::analysis::traces as analysis;
use firesight::load::{At, Format, LoadOptions};
use firesight::model::trace::{SpanKind, Trace, TraceSet};
use serde_json::Value;

use crate::common::{data, load, load_bytes, run_cli};

fn oracle(rel: &str) -> Value {
    let text = std::fs::read_to_string(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn traces_of(rel: &str) -> TraceSet {
    load(rel).traces.unwrap_or_else(|| panic!("{rel}: no traces"))
}

/// Trace ids compared as the oracles do: lower case, leading zeros stripped.
fn norm(id: &str) -> String {
    id.trim_start_matches('0').to_ascii_lowercase()
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a u64: {v}"))
}

/// Checks counts, per-trace figures and per-service/per-operation tables.
fn check_against_oracle(set: &TraceSet, o: &Value) {
    assert_eq!(set.traces.len() as u64, u(&o["traces"]));
    assert_eq!(set.span_count() as u64, u(&o["spans"]));
    let errors: usize = set.traces.iter().map(Trace::error_count).sum();
    assert_eq!(errors as u64, u(&o["error_spans"]));
    let rows = analysis::trace_summaries(set);
    let by_id: BTreeMap<String, &analysis::TraceSummary> = rows.iter().map(|r| (norm(&r.trace_id), r)).collect();
    let per_trace = o["per_trace"].as_array().expect("per_trace");
    assert_eq!(per_trace.len(), rows.len());
    for t in per_trace {
        let id = norm(t["trace_id"].as_str().expect("id"));
        let r = by_id.get(&id).unwrap_or_else(|| panic!("trace {id} missing"));
        assert_eq!(r.duration_ns, u(&t["duration_ns"]), "duration of {id}");
        assert_eq!(r.spans as u64, u(&t["span_count"]), "spans of {id}");
        assert_eq!(r.errors as u64, u(&t["error_count"]), "errors of {id}");
    }
    for row in analysis::service_table(set, None) {
        let s = &o["per_service"][&row.service];
        assert_eq!(row.spans as u64, u(&s["span_count"]), "{}", row.service);
        assert_eq!(row.errors as u64, u(&s["error_count"]), "{}", row.service);
        assert_eq!(row.total_ns, u(&s["total_span_time_ns"]), "{}", row.service);
        assert_eq!(row.self_ns, u(&s["self_time_ns"]), "{}", row.service);
    }
    let ops = analysis::operation_table(set, None);
    assert_eq!(ops.len(), o["per_service_operation"].as_object().map_or(0, |m| m.len()));
    for row in ops {
        let s = &o["per_service_operation"][format!("{} :: {}", row.service, row.name)];
        assert_eq!(
            (row.spans as u64, row.self_ns, row.total_ns),
            (u(&s["span_count"]), u(&s["self_time_ns"]), u(&s["total_span_time_ns"]))
        );
    }
}

fn check_latency_and_critical_path(set: &TraceSet, o: &Value) {
    let p = analysis::latency_percentiles(set).expect("percentiles");
    let nr = &o["latency_ns"]["method_nearest_rank"];
    assert_eq!((p.p50_ns, p.p90_ns, p.p99_ns), (u(&nr["P50"]), u(&nr["P90"]), u(&nr["P99"])));
    let slow = &o["slowest_trace"];
    let i = analysis::slowest_trace(set).expect("slowest");
    let t = &set.traces[i];
    assert_eq!(t.id.to_string(), slow["trace_id"].as_str().expect("id"));
    assert_eq!(t.duration_ns(), u(&slow["duration_ns"]));
    let sections = analysis::critical_path(t);
    // The oracle lists sections from the root's end backwards.
    let want: Vec<(String, u64, u64)> = slow["critical_path_sections"]
        .as_array()
        .expect("sections")
        .iter()
        .rev()
        .map(|s| (s["span_id"].as_str().unwrap_or("").to_string(), u(&s["start_ns"]), u(&s["end_ns"])))
        .collect();
    let got: Vec<(String, u64, u64)> =
        sections.iter().map(|c| (t.spans[c.span].id.to_string(), c.start_ns, c.end_ns)).collect();
    assert_eq!(got, want);
    let shares: Vec<(String, u64)> =
        analysis::critical_path_shares(&sections).into_iter().map(|(s, ns)| (t.spans[s].id.to_string(), ns)).collect();
    let want: Vec<(String, u64)> = slow["critical_path"]
        .as_array()
        .expect("path")
        .iter()
        .map(|s| (s["span_id"].as_str().unwrap_or("").to_string(), u(&s["self_time_on_path_ns"])))
        .collect();
    assert_eq!(shares, want);
    assert_eq!(shares.iter().map(|s| s.1).sum::<u64>(), u(&slow["critical_path_total_ns"]));
}

#[test]
fn otlp_encodings_match_the_oracle_and_each_other() {
    let pb = traces_of("otlp/traces.otlp.pb");
    let json = traces_of("otlp/traces.otlp.json");
    let jsonl = traces_of("otlp/traces.otlp.jsonl");
    for (set, o) in [(&pb, "traces.otlp.pb"), (&json, "traces.otlp.json"), (&jsonl, "traces.otlp.jsonl")] {
        let o = oracle(&format!("otlp/oracle/{o}.json"));
        check_against_oracle(set, &o);
        check_latency_and_critical_path(set, &o);
    }
    assert!(pb == json, "protobuf and JSON give different models");
    assert!(jsonl == json, "JSON lines and JSON give different models");
    assert_eq!(load("otlp/traces.otlp.pb").format, Format::OtlpProtobuf);
    assert_eq!(load("otlp/traces.otlp.jsonl").format, Format::OtlpJson);
}

#[test]
fn base64_ids_and_enum_names_load_to_the_same_spans_with_a_warning() {
    let loaded = load("otlp/traces.base64ids.json");
    assert!(
        loaded.profile.warnings.iter().any(|w| w.message.contains("ids are base64")),
        "{:?}",
        loaded.profile.warnings
    );
    let b64 = loaded.traces.expect("traces");
    check_against_oracle(&b64, &oracle("otlp/oracle/traces.base64ids.json.json"));
    let json = traces_of("otlp/traces.otlp.json");
    assert_eq!(b64.traces.len(), 30);
    for t in &b64.traces {
        let i = json.find(&t.id.to_string()).expect("same trace in the full file");
        let mut full = json.traces[i].clone();
        for s in &mut full.spans {
            s.trace = t.spans[0].trace;
        }
        assert!(full == *t, "trace {} differs between base64 and hex files", t.id);
    }
    assert!(b64.traces[0].spans.iter().any(|s| s.kind == SpanKind::Server));
}

#[test]
fn length_prefixed_protobuf_and_gzip_load_the_same() {
    let raw = std::fs::read(data("otlp/traces.otlp.pb")).expect("read");
    let mut framed = (raw.len() as u32).to_be_bytes().to_vec();
    framed.extend_from_slice(&raw);
    framed.extend_from_slice(&(raw.len() as u32).to_be_bytes());
    framed.extend_from_slice(&raw);
    let two = load_bytes(framed, &LoadOptions::default()).expect("framed").traces.expect("traces");
    assert_eq!(two.span_count(), 2 * 3595);
    assert!(two.traces.iter().all(|t| t.spans.len() % 2 == 0));
    let json = std::fs::read(data("otlp/traces.otlp.json")).expect("read");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&json).expect("gzip");
    let from_gz = load_bytes(gz.finish().expect("gzip"), &LoadOptions::default()).expect("gz").traces.expect("traces");
    assert!(from_gz == traces_of("otlp/traces.otlp.json"));
}

#[test]
fn slowest_trace_file_and_projection() {
    let loaded = load("otlp/trace-slowest.otlp.json");
    let set = loaded.traces.expect("traces");
    check_against_oracle(&set, &oracle("otlp/oracle/trace-slowest.otlp.json.json"));
    // The projection's total is the trace's summed self time, every span one sample.
    let p = &loaded.profile;
    let m = p.metric_by_name("span self time").expect("metric");
    let self_sum: u64 = set.traces[0].self_times_ns().iter().sum();
    assert_eq!(p.total(m), i128::from(self_sum));
    assert_eq!(p.samples.len(), 13);
    assert!(p.frames.iter().any(|(_, f)| f.name == "order-service: SELECT shop.orders" && f.module == "order-service"));
}

#[test]
fn spec_example_loads_with_parent_missing() {
    let loaded = load("otlp/trace.json");
    let set = loaded.traces.expect("traces");
    assert_eq!((set.traces.len(), set.span_count()), (1, 1));
    let s = &set.traces[0].spans[0];
    assert_eq!(set.traces[0].id.to_string(), "5b8efff798038103d269b633813fc60c");
    assert_eq!(
        (&*s.service, &*s.scope, &*s.name, s.kind),
        ("my.service", "my.library", "I'm a server span", SpanKind::Server)
    );
    assert_eq!(s.duration_ns(), 1_000_000_000);
    assert!(s.parent_missing);
    assert_eq!(&*s.attributes[0].key, "my.span.attr");
    assert!(loaded.profile.warnings.iter().any(|w| w.message.contains("parent that is not in the file")));
}

#[test]
fn jaeger_files_match_their_oracles() {
    for (file, shape) in [
        ("hotrod-5915e2d0f3575298.json", "API response"),
        ("rideshare-slow-4db29304.json", "API response"),
        ("petclinic-owners-df84e36b.json", "single trace"),
    ] {
        let loaded = load(&format!("jaeger/{file}"));
        assert_eq!(loaded.format, Format::JaegerJson);
        assert!(loaded.profile.meta.iter().any(|(k, v)| k == "shape" && v == shape), "{file}");
        let set = loaded.traces.expect("traces");
        check_against_oracle(&set, &oracle(&format!("jaeger/oracle/{file}.json")));
    }
    let hotrod = traces_of("jaeger/hotrod-5915e2d0f3575298.json");
    assert_eq!(hotrod.traces[0].id.to_string(), "5915e2d0f3575298");
    assert_eq!(hotrod.traces[0].root().map(|r| &*r.name), Some("HTTP GET /dispatch"));
    assert_eq!(hotrod.traces[0].spans[0].events.first().map(|e| e.name.as_str()), Some("HTTP request received"));
    // A bare array of traces is the third shape.
    let text = std::fs::read_to_string(data("jaeger/petclinic-owners-df84e36b.json")).expect("read");
    let arr = load_bytes(format!("[{text}]").into_bytes(), &LoadOptions::default()).expect("array");
    assert_eq!(arr.traces.expect("traces"), traces_of("jaeger/petclinic-owners-df84e36b.json"));
}

fn err_of(text: &str) -> firesight::load::LoadError {
    match load_bytes(text.as_bytes().to_vec(), &LoadOptions::default()) {
        Ok(_) => panic!("expected an error for {text}"),
        Err(e) => e,
    }
}

fn warnings_of(text: &str) -> Vec<String> {
    let l = load_bytes(text.as_bytes().to_vec(), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    l.profile.warnings.into_iter().map(|w| w.message).collect()
}

const SPAN_A: &str = r#"{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000001","name":"a","startTimeUnixNano":"100","endTimeUnixNano":"200"}"#;

#[test]
fn inputs_that_fail_or_warn() {
    let e = err_of("{\"resourceSpans\": [\n  {\"scopeSpans\": [}\n]}");
    assert_eq!(e.at, Some(At::LineColumn(2, 19)));
    assert_eq!(e.to_string(), "OTLP JSON, line 2, column 19: invalid JSON: expected value");
    let e = err_of(r#"{"resourceSpans": []}"#);
    assert_eq!(e.to_string(), "OTLP JSON: resourceSpans is empty: the file holds no spans");
    let e = err_of(r#"{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": 5}]}]}]}"#);
    assert!(
        e.to_string().starts_with("OTLP JSON, line 1, column 59: not OTLP JSON as expected: invalid type: integer `5`"),
        "{e}"
    );
    let end_before_start = SPAN_A.replace("\"200\"", "\"40\"");
    let w = warnings_of(&format!(r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{end_before_start}]}}]}}]}}"#));
    assert_eq!(
        w,
        [
            "trace 0102030405060708090a0b0c0d0e0f10: span 0000000000000001 (\"a\") ends 60 ns before it starts; its duration is taken as 0"
        ]
    );
    let w = warnings_of(&format!(r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{SPAN_A},{SPAN_A}]}}]}}]}}"#));
    assert_eq!(
        w,
        [
            "trace 0102030405060708090a0b0c0d0e0f10: duplicate span id 0000000000000001 (\"a\"); both spans are kept, references go to the first"
        ]
    );
    let e = err_of("[{\"traceID\": \"ab\", \"spans\": [], \"processes\": {}}]");
    assert_eq!(e.to_string(), "Jaeger JSON: no spans in the file (array of traces); expected traces with \"spans\"");
    let e = err_of("{\"data\": [{\"traceID\": \"ab\", \"spans\": [{\"spanID\": \"1\", \"startTime\": \"x\"}]}]}");
    assert!(matches!(e.at, Some(At::LineColumn(1, _))), "{e}");
}

#[test]
fn cli_trace_commands() {
    let file = data("otlp/traces.otlp.json");
    let file = file.to_str().expect("utf8 path");
    let o = oracle("otlp/oracle/traces.otlp.json.json");
    let (code, out, err) = run_cli(&["traces", file, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["spans"], 3595);
    assert_eq!(v["p99_ns"], o["latency_ns"]["method_nearest_rank"]["P99"]);
    assert_eq!(v["traces"].as_array().map(Vec::len), Some(280));
    let keys: Vec<&str> = v["traces"][0].as_object().expect("obj").keys().map(String::as_str).collect();
    assert_eq!(keys, ["duration_ns", "errors", "root_name", "root_service", "spans", "start_unix_ns", "trace_id"]);
    let (code, out, _) = run_cli(&["services", file, "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["services"][0]["name"], "order-service");
    assert_eq!(v["services"][0]["self_ns"], o["per_service"]["order-service"]["self_time_ns"]);
    let slow = o["slowest_trace"]["trace_id"].as_str().expect("id").to_ascii_uppercase();
    let (code, out, _) = run_cli(&["services", file, "--trace", &slow, "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["services"][0]["name"], "order-service");
    let (code, out, _) = run_cli(&["critical-path", file, "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["duration_ns"], o["slowest_trace"]["duration_ns"]);
    let sections = v["sections"].as_array().expect("sections");
    assert_eq!(sections.len(), 23);
    assert!(sections.windows(2).all(|w| w[0]["end_unix_ns"].as_u64() <= w[1]["start_unix_ns"].as_u64()));
    let (code, out, _) = run_cli(&["critical-path", file]);
    assert_eq!(code, 0);
    assert!(out.contains("order-service: SELECT shop.orders"), "{out}");
    let (code, _, err) = run_cli(&["services", file, "--trace", "ffff"]);
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = run_cli(&["traces", data("folded/flames.txt").to_str().unwrap_or("")]);
    assert_eq!(code, 1);
    assert!(err.contains("not a trace file"), "{err}");
    assert_eq!(run_cli(&["traces"]).0, 2);
}

/// Offset of the key of the `nth` field of tag `tag` inside the message at
/// `body` (offsets in `data`), and the start and length of its body when it
/// is length-delimited. Walks with prost's wire helpers, not the loader.
fn field_at(data: &[u8], body: std::ops::Range<usize>, tag: u32, nth: usize) -> (usize, usize, usize) {
    use prost::encoding::{DecodeContext, WireType, decode_key, decode_varint, skip_field};
    let mut buf = &data[body.clone()];
    let mut seen = 0;
    while !buf.is_empty() {
        let key_at = body.end - buf.len();
        let (t, wire) = decode_key(&mut buf).expect("key");
        if wire == WireType::LengthDelimited {
            let len = decode_varint(&mut buf).expect("length") as usize;
            let start = body.end - buf.len();
            if t == tag && seen == nth {
                return (key_at, start, len);
            }
            seen += usize::from(t == tag);
            buf = &buf[len..];
        } else {
            skip_field(wire, t, &mut buf, DecodeContext::default()).expect("field");
        }
    }
    panic!("no field {tag} #{nth}");
}

/// Follows `(tag, nth)` steps from the top of `data`.
fn path_at(data: &[u8], steps: &[(u32, usize)]) -> (usize, usize, usize) {
    let mut at = (0, 0, data.len());
    for &(tag, nth) in steps {
        at = field_at(data, at.1..at.1 + at.2, tag, nth);
    }
    at
}

fn pb_err(bytes: Vec<u8>) -> firesight::load::LoadError {
    match load_bytes(bytes, &LoadOptions::default()) {
        Ok(_) => panic!("a damaged OTLP protobuf loaded"),
        Err(e) => e,
    }
}

#[test]
fn damaged_otlp_protobuf_names_the_byte_offset_and_the_field() {
    let raw = std::fs::read(data("otlp/traces.otlp.pb")).expect("read");
    // Span 7 of the second resource's first scope: its name field.
    let steps = [(1, 1), (2, 0), (2, 7), (5, 0)];
    let (name_key, name_at, name_len) = path_at(&raw, &steps);
    assert!(name_len > 0);

    // A flipped high bit in the name's first byte: not UTF-8 any more.
    let mut bad = raw.clone();
    bad[name_at] ^= 0x80;
    let e = pb_err(bad);
    assert_eq!(e.at, Some(At::Byte(name_key as u64)));
    assert_eq!(
        e.what,
        "not a valid OTLP ExportTraceServiceRequest: field resource_spans[1].scope_spans[0].spans[7].name: invalid string value: data is not UTF-8 encoded"
    );

    // The name's key byte (tag 5, length-delimited: 0x2a) flipped to wire type 7.
    let mut bad = raw.clone();
    assert_eq!(bad[name_key], 0x2a);
    bad[name_key] ^= 0x05;
    let e = pb_err(bad);
    assert_eq!(e.at, Some(At::Byte(name_key as u64)));
    assert_eq!(
        e.to_string(),
        format!(
            "OTLP protobuf, byte offset {name_key}: not a valid OTLP ExportTraceServiceRequest: field resource_spans[1].scope_spans[0].spans[7]: bad field key: invalid wire type value: 7"
        )
    );

    // Truncated in the middle of span 7's name: the innermost field the end
    // cuts is the name, inside the span, inside its scope and resource.
    let cut = name_at + name_len / 2;
    let e = pb_err(raw[..cut].to_vec());
    assert_eq!(e.at, Some(At::Byte(name_key as u64)));
    assert_eq!(
        e.what,
        format!(
            "not a valid OTLP ExportTraceServiceRequest: field resource_spans[1].scope_spans[0].spans[7].name declares {name_len} bytes but only {} remain (truncated file?)",
            cut - name_at
        )
    );
}

#[test]
fn truncated_length_prefixed_otlp_names_the_frame_and_the_cut_field() {
    let raw = std::fs::read(data("otlp/traces.otlp.pb")).expect("read");
    let mut framed = Vec::new();
    for _ in 0..2 {
        framed.extend_from_slice(&(raw.len() as u32).to_be_bytes());
        framed.extend_from_slice(&raw);
    }
    // Cut inside the second frame, in span 0 of resource 0's first scope, just
    // after its trace id's key and length.
    let (span_key, span_at, span_len) = path_at(&raw, &[(1, 0), (2, 0), (2, 0)]);
    let second = 4 + raw.len() + 4;
    let cut = second + span_at + 2 + 3;
    let e = pb_err(framed[..cut].to_vec());
    let (trace_id_key, ..) = field_at(&raw, span_at..span_at + span_len, 1, 0);
    assert_eq!(trace_id_key, span_at);
    assert_eq!(e.at, Some(At::Byte((second + trace_id_key) as u64)));
    assert_eq!(
        e.what,
        format!(
            "length-prefixed frame 1 at byte {} declares {} bytes but only {} remain: field resource_spans[0].scope_spans[0].spans[0].trace_id declares 16 bytes but only 3 remain (truncated file?)",
            4 + raw.len(),
            raw.len(),
            cut - second
        )
    );
    assert!(span_key < span_at);
}

/// The petclinic Jaeger trace with the parent (CHILD_OF) of each span in
/// `edits` set to another span id, as JSON bytes.
fn petclinic_with_parents(edits: &[(&str, &str)]) -> Vec<u8> {
    let text = std::fs::read_to_string(data("jaeger/petclinic-owners-df84e36b.json")).expect("read");
    let mut v: Value = serde_json::from_str(&text).expect("json");
    let trace_id = v["traceID"].clone();
    for span in v["spans"].as_array_mut().expect("spans") {
        let id = span["spanID"].as_str().unwrap_or_default().to_string();
        if let Some((_, parent)) = edits.iter().find(|(s, _)| *s == id) {
            span["references"] = serde_json::json!([{"refType": "CHILD_OF", "traceID": trace_id, "spanID": parent}]);
        }
    }
    serde_json::to_vec(&v).expect("json")
}

#[test]
fn parent_loops_are_named_with_their_spans_and_what_was_done() {
    // The root (GET /api/customer/owners) made the child of its own child
    // (GET /owners): two spans that are each other's parent, no other root.
    let l = load_bytes(petclinic_with_parents(&[("9afcdf2e24e8d70a", "6962df17f54c3741")]), &LoadOptions::default())
        .expect("loads");
    let w: Vec<String> = l.profile.warnings.iter().map(|w| w.message.clone()).collect();
    assert_eq!(
        w,
        [
            "trace 0df84e36b9e2ee3815d07f0867a5be1f: spans 9afcdf2e24e8d70a (\"GET /api/customer/owners\") and 6962df17f54c3741 (\"GET /owners\") are each other's parent; 9afcdf2e24e8d70a, the earlier, is shown as the trace's root, flagged \"parent loop\""
        ]
    );
    let set = l.traces.expect("traces");
    let t = &set.traces[0];
    assert_eq!(t.spans.len(), 12);
    assert_eq!(t.roots, [0]);
    assert_eq!(t.spans[0].id.to_string(), "9afcdf2e24e8d70a");
    assert!(t.spans[0].parent_loop && t.spans[0].parent_missing);
    assert_eq!(t.spans[0].subtree_end, 12, "the whole trace hangs under the cut span");
    assert!(t.spans[1..].iter().all(|s| !s.parent_loop));

    // Three database calls in a loop under an intact root: the earliest
    // (b334…, 1 µs before the others) is cut and hangs under the root.
    let l = load_bytes(
        petclinic_with_parents(&[
            ("a68c6983a6d81a2", "cbcdc46290379f7a"),
            ("cbcdc46290379f7a", "b33418a95acab83f"),
            ("b33418a95acab83f", "a68c6983a6d81a2"),
        ]),
        &LoadOptions::default(),
    )
    .expect("loads");
    let w: Vec<String> = l.profile.warnings.iter().map(|w| w.message.clone()).collect();
    let q = "(\"HikariProxyPreparedStatement.executeQuery\")";
    assert_eq!(
        w,
        [
            format!(
            "trace 0df84e36b9e2ee3815d07f0867a5be1f: spans b33418a95acab83f {q} → 0a68c6983a6d81a2 {q} → cbcdc46290379f7a {q} → b33418a95acab83f form a loop, each naming the next as its parent; b33418a95acab83f, the earliest, is shown under the trace's root 9afcdf2e24e8d70a (\"GET /api/customer/owners\"), flagged \"parent loop\""
            ),
            // a68c… (starts at …855) now hangs under cbcd… (…857).
            "trace 0df84e36b9e2ee3815d07f0867a5be1f: 1 span(s) start before their parent (clock skew); kept and flagged".to_string(),
        ]
    );
    let t = &l.traces.expect("traces").traces[0];
    let cut: Vec<String> = t.spans.iter().filter(|s| s.parent_loop).map(|s| s.id.to_string()).collect();
    assert_eq!(cut, ["b33418a95acab83f"]);
    let b = t.spans.iter().position(|s| s.parent_loop).expect("cut span");
    assert_eq!(t.spans[b].parent, Some(0));
    assert_eq!(t.spans[b].subtree_end as usize, b + 3, "the other two hang under it");

    // A span that names itself.
    let l = load_bytes(petclinic_with_parents(&[("6962df17f54c3741", "6962df17f54c3741")]), &LoadOptions::default())
        .expect("loads");
    let w: Vec<String> = l.profile.warnings.iter().map(|w| w.message.clone()).collect();
    assert_eq!(
        w,
        [
            "trace 0df84e36b9e2ee3815d07f0867a5be1f: span 6962df17f54c3741 (\"GET /owners\") names itself as its parent; 6962df17f54c3741 is shown under the trace's root 9afcdf2e24e8d70a (\"GET /api/customer/owners\"), flagged \"parent loop\""
        ]
    );
}

/// Spans that start at 1 ns past the epoch and end 56 years later (as spans
/// with an unset start did before they were taken as lasting nothing):
/// twelve of them add up past 2^64 ns. `services` and `diff` saturate
/// instead of overflowing (found by a new user: a panic in debug builds).
#[test]
fn spans_of_56_years_do_not_overflow_the_service_table() {
    let spans: Vec<String> = (1..=12)
        .map(|i| {
            format!(
                r#"{{"traceId": "{i:032x}", "spanId": "{i:016x}", "name": "req", "startTimeUnixNano": "1", "endTimeUnixNano": "1764000000000000000"}}"#
            )
        })
        .collect();
    let json = format!(
        r#"{{"resourceSpans": [{{"resource": {{"attributes": [{{"key": "service.name", "value": {{"stringValue": "svc"}}}}]}}, "scopeSpans": [{{"spans": [{}]}}]}}]}}"#,
        spans.join(", ")
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("zero-start.otlp.json");
    std::fs::write(&path, json).expect("write");
    let file = path.to_str().expect("utf8 path");
    let (code, out, err) = run_cli(&["services", file, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["services"][0]["spans"], 12);
    assert_eq!(v["services"][0]["total_ns"], u64::MAX);
    let (code, _, err) = run_cli(&["diff", file, file]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_span_with_an_unset_start_is_named_once_and_lasts_nothing() {
    // OTLP: span 2 has startTimeUnixNano 0 (unset) and ends at 250 ns: read
    // as is, it would last from 1970 and make its trace 55 years long.
    let unset = SPAN_A
        .replace("0000000000000001", "0000000000000002")
        .replace("\"100\"", "\"0\"")
        .replace("\"200\"", "\"250\"");
    let unset3 = unset.replace("0000000000000002", "0000000000000003");
    let text = format!(r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{SPAN_A},{unset},{unset3}]}}]}}]}}"#);
    let l = load_bytes(text.into_bytes(), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let set = l.traces.expect("traces");
    assert_eq!(set.traces[0].duration_ns(), 150, "100 to 250 ns, not from 1970");
    let w: Vec<String> = l.profile.warnings.iter().map(|w| w.message.clone()).collect();
    let named: Vec<&String> = w.iter().filter(|m| m.contains("no start time")).collect();
    assert_eq!(named.len(), 1, "{w:?}");
    assert!(
        named[0].starts_with("2 span(s) have no start time (0: unset), the first span 0000000000000002"),
        "{}",
        named[0]
    );
    // Jaeger: startTime 0 (microseconds) likewise.
    let jaeger = r#"{"data":[{"traceID":"0102030405060708","spans":[
        {"traceID":"0102030405060708","spanID":"0000000000000001","operationName":"a","startTime":1000,"duration":5,"processID":"p1","references":[]},
        {"traceID":"0102030405060708","spanID":"0000000000000002","operationName":"b","startTime":0,"duration":2,"processID":"p1","references":[]}],
        "processes":{"p1":{"serviceName":"svc"}}}]}"#;
    let l = load_bytes(jaeger.as_bytes().to_vec(), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(l.traces.expect("traces").traces.iter().all(|t| t.duration_ns() < 10_000_000));
    assert!(
        l.profile.warnings.iter().any(|w| w.message.starts_with("1 span(s) have no start time")),
        "{:?}",
        l.profile.warnings
    );
}
