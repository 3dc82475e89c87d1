//! JFR recordings: per-metric totals, per-function self and total and
//! folded stacks equal the oracle (the JDK 17 `jfr` tool: `jfr summary` and
//! `jfr print --json`, aggregated in `tests/data/jfr/*.jfr.json`), on a
//! one-chunk recording and a two-chunk `jcmd JFR.dump`; and damaged input
//! (truncated, wrong magic, unsupported version, bad sizes and counts)
//! gives a clear error with its byte offset, never a panic or a hang.

use std::collections::BTreeMap;

use firesight::load::{Format, LoadErrorKind, LoadOptions};
use firesight::model::calltree::CallTree;
use firesight::model::functions::FunctionTable;
use firesight::model::{MetricId, Profile};
use serde_json::Value;

use crate::common::{data, load, load_bytes};

fn oracle(name: &str) -> Value {
    let text = std::fs::read_to_string(data(&format!("jfr/{name}.json"))).expect("oracle");
    serde_json::from_str(&text).expect("oracle json")
}

fn metric(p: &Profile, name: &str) -> MetricId {
    p.metric_by_name(name).unwrap_or_else(|| panic!("metric {name}"))
}

fn int(v: &Value) -> i128 {
    i128::from(v.as_i64().expect("integer"))
}

/// Per function name: (self, total) of metric `m`.
fn functions(p: &Profile, m: MetricId) -> BTreeMap<String, (i128, i128)> {
    let tree = CallTree::build(p, m, &Default::default());
    let table = FunctionTable::build(&tree, p.frames.len());
    table
        .rows
        .iter()
        .map(|r| (p.frames.name(r.frame).to_string(), (r.self_weight, r.total)))
        .filter(|(_, (s, t))| *s != 0 || *t != 0)
        .collect()
}

fn oracle_functions(methods: &Value) -> BTreeMap<String, (i128, i128)> {
    methods
        .as_object()
        .expect("methods")
        .iter()
        .map(|(k, v)| (k.clone(), (int(&v["self"]), int(&v["total"]))))
        .filter(|(_, (s, t))| *s != 0 || *t != 0)
        .collect()
}

/// Folded stacks of metric `m` (root first, `;`-joined), weights summed.
fn folded(p: &Profile, m: MetricId) -> BTreeMap<String, i128> {
    let mut out = BTreeMap::new();
    let mut path = Vec::new();
    for i in 0..p.samples.len() {
        let w = p.weight(i, m);
        let Some(s) = p.samples.stacks[i] else { continue };
        if w == 0 {
            continue;
        }
        p.stacks.frames_root_first(s, &mut path);
        let key: Vec<&str> = path.iter().map(|&f| p.frames.name(f)).collect();
        *out.entry(key.join(";")).or_insert(0) += w;
    }
    out
}

fn oracle_folded(v: &Value) -> BTreeMap<String, i128> {
    v.as_object().expect("folded").iter().map(|(k, v)| (k.clone(), int(v))).filter(|(_, w)| *w != 0).collect()
}

fn check_against_oracle(file: &str) {
    let l = load(&format!("jfr/{file}"));
    assert_eq!(l.format, Format::Jfr);
    let p = &l.profile;
    let o = oracle(file);
    // CPU: samples, per function, folded stacks, per thread.
    let cpu = metric(p, "jdk.ExecutionSample");
    assert_eq!(p.default_metric, cpu);
    let es = &o["execution_sample"];
    assert_eq!(p.total(cpu), int(&es["samples"]), "{file}: execution samples");
    assert_eq!(functions(p, cpu), oracle_functions(&es["methods"]), "{file}: per function");
    assert_eq!(folded(p, cpu), oracle_folded(&es["folded"]), "{file}: folded");
    let mut per_thread: BTreeMap<String, i128> = BTreeMap::new();
    for i in 0..p.samples.len() {
        if p.weight(i, cpu) != 0 {
            let t = p.samples.thread(i).expect("a sample has its thread");
            *per_thread.entry(p.threads[t.index()].name.clone()).or_insert(0) += 1;
        }
    }
    let want: BTreeMap<String, i128> = es["per_thread"]
        .as_object()
        .expect("per_thread")
        .iter()
        .map(|(k, v)| (k.clone(), int(&v["samples"])))
        .collect();
    assert_eq!(per_thread, want, "{file}: per thread");
    let nm = metric(p, "jdk.NativeMethodSample");
    assert_eq!(p.total(nm), int(&o["native_method_sample"]["samples"]));
    assert_eq!(functions(p, nm), oracle_functions(&o["native_method_sample"]["methods"]));
    // Allocation: bytes represented by the samples.
    let alloc = metric(p, "jdk.ObjectAllocationSample");
    assert_eq!(p.metric(alloc).unit.name(), "bytes");
    let oa = &o["object_allocation_sample"];
    assert_eq!(p.total(alloc), int(&oa["weight_bytes"]), "{file}: allocation bytes");
    assert_eq!(functions(p, alloc), oracle_functions(&oa["methods"]), "{file}: allocation per function");
    // Locks, sleeps and I/O: durations in ns; I/O bytes.
    for (name, w) in o["waits"].as_object().expect("waits") {
        let m = metric(p, name);
        assert_eq!(p.metric(m).unit.name(), "nanoseconds");
        assert_eq!(p.total(m), int(&w["duration_ns"]), "{file}: {name} duration");
        assert_eq!(functions(p, m), oracle_functions(&w["methods"]), "{file}: {name} per function");
        let by = w.get("by_path").or_else(|| w.get("by_host_port"));
        if let Some(by) = by {
            let bytes: i128 = by.as_object().expect("by").values().map(|v| int(&v["bytes"])).sum();
            let field = if name.ends_with("Read") { "bytesRead" } else { "bytesWritten" };
            let bm = metric(p, &format!("{name}.{field}"));
            assert_eq!(p.metric(bm).unit.name(), "bytes");
            assert_eq!(p.total(bm), bytes, "{file}: {name} bytes");
        }
    }
    // Every event of the types read is counted, as `jfr summary` counts it.
    let meta = |k: &str| p.meta.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let counts = o["event_counts"].as_object().expect("event_counts");
    for s in firesight::load::jfr::events::SPECS {
        let want = counts.get(s.name).and_then(Value::as_u64).filter(|&n| n > 0).map(|n| n.to_string());
        assert_eq!(meta(&format!("{} events", s.name)), want, "{file}: {}", s.name);
    }
    assert_eq!(meta("events"), Some(o["event_count_total"].to_string()), "{file}: all events");
    // Sample times fall inside the recording.
    let (lo, hi) = p.time_range_ns().expect("timestamps");
    let start = o["first_event_start"].as_str().expect("start");
    assert!(start.starts_with("2026-12-0"), "{start}");
    assert!(hi >= lo && hi - lo < 60_000_000_000, "{lo}..{hi}");
    assert_eq!(meta("chunks"), Some(o["summary"]["chunks"].to_string()));
    assert_eq!(meta("JFR version").as_deref(), o["summary"]["version"].as_str());
}

#[test]
fn one_chunk_recording_equals_the_jdk_jfr_tool() {
    check_against_oracle("shop-profile.jfr");
}

#[test]
fn two_chunk_jcmd_dump_equals_the_jdk_jfr_tool() {
    check_against_oracle("shop-jcmd.jfr");
}

#[test]
fn frames_carry_lines_and_threads_their_names() {
    let p = load("jfr/shop-profile.jfr").profile;
    let serialize = p.frames.iter().find(|(_, f)| f.name == "JavaShop$OrderSerializer.serialize").expect("frame");
    assert!(serialize.1.line.is_some_and(|l| l > 0), "{:?}", serialize.1);
    let names: Vec<&str> = p.threads.iter().map(|t| t.name.as_str()).collect();
    for want in ["http-exec-1", "cache-warmer", "audit-flusher"] {
        assert!(names.contains(&want), "{names:?}");
    }
}

#[test]
fn gzipped_recording_loads_the_same() {
    use std::io::Write;
    let raw = std::fs::read(data("jfr/shop-jcmd.jfr")).expect("read");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&raw).expect("gzip");
    let l = load_bytes(gz.finish().expect("gzip"), &LoadOptions::default()).expect("loads");
    let p = load("jfr/shop-jcmd.jfr").profile;
    assert_eq!(l.format, Format::Jfr);
    assert_eq!(l.profile.samples.len(), p.samples.len());
    assert_eq!(l.profile.total(l.profile.default_metric), p.total(p.default_metric));
}

fn error_of(bytes: Vec<u8>) -> String {
    let opts = LoadOptions { format: Some(Format::Jfr), ..LoadOptions::default() };
    match load_bytes(bytes, &opts) {
        Ok(l) => panic!("loaded {} samples", l.profile.samples.len()),
        Err(e) => {
            assert_eq!(e.kind, LoadErrorKind::Invalid, "{e}");
            e.to_string()
        }
    }
}

fn file(name: &str) -> Vec<u8> {
    std::fs::read(data(&format!("jfr/{name}"))).expect("read")
}

#[test]
fn truncated_recordings_name_the_offset() {
    let raw = file("shop-jcmd.jfr");
    let e = error_of(raw[..40].to_vec());
    assert!(
        e.starts_with("JFR, byte offset 0: a chunk header needs 68 bytes but only 40 remain; the file is truncated"),
        "{e}"
    );
    let e = error_of(raw[..4096].to_vec());
    assert!(e.contains("byte offset 8: the chunk says it is"), "{e}");
    assert!(e.contains("but only 4096 remain; the file is truncated"), "{e}");
    // Cut inside the second chunk.
    let e = error_of(raw[..raw.len() - 1000].to_vec());
    assert!(e.contains("the file is truncated"), "{e}");
    // A whole first chunk and a few bytes of a second.
    let first = u64::from_be_bytes(raw[8..16].try_into().expect("8 bytes")) as usize;
    let e = error_of(raw[..first + 10].to_vec());
    assert!(e.contains(&format!("byte offset {first}: a chunk header needs 68 bytes but only 10 remain")), "{e}");
}

#[test]
fn wrong_magic_and_unsupported_versions_are_named() {
    let mut raw = file("shop-jcmd.jfr");
    raw[0] = b'X';
    let e = error_of(raw.clone());
    assert!(e.contains("byte offset 0: expected the JFR chunk magic `FLR\\0`, found 58 4c 52 00"), "{e}");
    raw[0] = b'F';
    raw[4..6].copy_from_slice(&3u16.to_be_bytes());
    let e = error_of(raw.clone());
    assert!(
        e.contains("byte offset 4: JFR file version 3.1 is not supported; Firesight reads versions 1.x and 2.x"),
        "{e}"
    );
    // Sniffed by its magic, without a file name.
    let l = load_bytes(file("shop-jcmd.jfr"), &LoadOptions::default()).expect("loads");
    assert_eq!(l.format, Format::Jfr);
}

/// Offset of the metadata event's string count in the first chunk, and
/// the length of the compressed integer there.
fn metadata_string_count(raw: &[u8]) -> (usize, usize) {
    use firesight::load::jfr::reader::Reader;
    let md = u64::from_be_bytes(raw[24..32].try_into().expect("8 bytes")) as usize;
    let mut r = Reader::new(&raw[md..], md as u64, "test");
    for _ in 0..5 {
        r.varint().expect("header field");
    }
    let at = r.offset() as usize;
    r.varint().expect("count");
    (at, r.offset() as usize - at)
}

#[test]
fn bad_sizes_counts_and_offsets_are_errors_with_offsets() {
    let raw = file("shop-jcmd.jfr");
    // A string count larger than the metadata could hold.
    let (at, len) = metadata_string_count(&raw);
    assert!(len <= 3);
    let mut bad = raw.clone();
    // Nine bytes: a count near 2^63, read over the first strings.
    bad[at..at + 8].fill(0xff);
    bad[at + 8] = 0x7f;
    let e = error_of(bad);
    assert!(e.contains(&format!("byte offset {at}: the metadata string count is")), "{e}");
    assert!(e.contains("bytes remain in the metadata event to hold it"), "{e}");
    // A chunk size far past the end of the file.
    let mut bad = raw.clone();
    bad[8..16].copy_from_slice(&(1u64 << 40).to_be_bytes());
    let e = error_of(bad);
    assert!(e.contains("byte offset 8: the chunk says it is 1099511627776 bytes"), "{e}");
    // A metadata offset outside the chunk.
    let mut bad = raw.clone();
    bad[24..32].copy_from_slice(&7u64.to_be_bytes());
    let e = error_of(bad);
    assert!(e.contains("byte offset 24: the metadata offset 7 is outside the chunk"), "{e}");
    // The first event's size set to 0: the JDK refuses it too.
    let mut bad = raw.clone();
    bad[68] = 0;
    let e = error_of(bad);
    assert!(e.contains("byte offset 68: the constant pool event here says it is 0 bytes; expected 1 to the"), "{e}");
    // An event in the body with size 0 (the jfrs crate loops forever on it).
    let mut bad = file("shop-profile.jfr");
    bad[104_560] = 0;
    let e = error_of(bad);
    assert!(e.contains("byte offset 104560: the event here says it is 0 bytes"), "{e}");
}

#[test]
fn damaged_recordings_never_panic_or_hang() {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    let original = file("shop-jcmd.jfr");
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let opts = LoadOptions { format: Some(Format::Jfr), ..LoadOptions::default() };
    for round in 0..40 {
        let mut b = original.clone();
        if round % 4 == 0 {
            b.truncate(next() as usize % original.len());
        }
        for _ in 0..1 + round % 8 {
            let i = next() as usize % b.len().max(1);
            if let Some(byte) = b.get_mut(i) {
                *byte = next() as u8;
            }
        }
        let r = catch_unwind(AssertUnwindSafe(|| load_bytes(b, &opts).map(|l| l.profile.samples.len())));
        assert!(r.is_ok(), "round {round} panicked");
    }
}

fn gzip(raw: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(raw).expect("gzip");
    gz.finish().expect("gzip")
}

#[test]
fn chunks_are_streamed_and_each_is_bounded() {
    // Three copies of a two-chunk recording: six chunks through the
    // reading buffers (more chunks than workers), three times each total.
    let raw = file("shop-jcmd.jfr");
    let one = load("jfr/shop-jcmd.jfr").profile;
    let three = load_bytes(raw.repeat(3), &LoadOptions::default()).expect("loads").profile;
    for (i, def) in one.metrics.iter().enumerate() {
        let again = metric(&three, &def.name);
        assert_eq!(three.total(again), 3 * one.total(MetricId::from_index(i)), "{}", def.name);
    }
    let meta = |p: &Profile, k: &str| p.meta.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    assert_eq!(meta(&three, "chunks").as_deref(), Some("6"));
    // A chunk larger than the limit for data held whole is refused, by its
    // header when the input's size is known, after the limit's bytes in a
    // gzip stream.
    let first = u64::from_be_bytes(raw[8..16].try_into().expect("8 bytes"));
    let opts = LoadOptions { max_whole_input: first - 1, ..LoadOptions::default() };
    for bytes in [raw.clone(), gzip(&raw)] {
        match load_bytes(bytes, &opts) {
            Ok(_) => panic!("a chunk over the limit loaded"),
            Err(e) => {
                assert_eq!(e.kind, LoadErrorKind::TooLarge, "{e}");
                let text = e.to_string();
                assert!(text.starts_with("JFR, byte offset 8"), "{text}");
                let what = format!("the chunk here is {first} bytes, larger than the {}-byte limit", first - 1);
                assert!(text.contains(&what), "{text}");
            }
        }
    }
    // A gzip stream cut inside the second chunk: truncated, with the chunk's offset.
    let e = error_of(gzip(&raw[..raw.len() - 1000]));
    assert!(e.starts_with(&format!("JFR, byte offset {}", first + 8)), "{e}");
    assert!(e.contains("the chunk says it is"), "{e}");
    assert!(e.contains("the file is truncated"), "{e}");
}
