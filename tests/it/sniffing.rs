//! The sniffer on what is not what it seems: real files of formats
//! Firesight does not read (named, never drawn as folded noise), UTF-16
//! text, JSON that ends lines in numbers, binary files whose head is mostly
//! printable, and first lines longer than the head.

use std::io::Write;

use firesight::load::pprof::proto;
use firesight::load::{Format, LoadErrorKind, LoadOptions, Progress};
use firesight::model::dump::dump;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;

use crate::common::{data, folded_text, load, load_bytes};

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn refused(bytes: Vec<u8>) -> String {
    match load_bytes(bytes, &LoadOptions::default()) {
        Ok(l) => panic!("loaded as {} with {} samples", l.format.name(), l.profile.samples.len()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn known_formats_are_named_not_folded() {
    // strace output is read now (issue 13): its heads load as strace.
    for rel in ["unsupported/shop.strace.head.txt", "unsupported/shop-k.strace.head.txt"] {
        assert_eq!(crate::common::load(rel).format, firesight::load::Format::Strace, "{rel}");
    }
    // Before: callgrind loaded as 729 folded stacks, massif as one stack of 400.
    let cases = [
        ("unsupported/tiny.cachegrind.out.gz", "this is a Valgrind cachegrind profile (cachegrind.out)"),
        ("unsupported/tiny.strace-c.txt", "this is an strace -c summary table"),
        ("pprof/golden/fib.1.txt", "this is a text report of go tool pprof (-top, -traces, -list ...), a report made"),
        // `-list` reports: one was read as a perf script with 16 metrics
        // named by its numbers, another as folded stacks.
        ("lines/cpu-samples.txt", "this is a text report of go tool pprof (-top, -traces, -list ...), a report made"),
        ("lines/heap-alloc-objects.txt", "this is a text report of go tool pprof"),
        ("lines/cpu-main.txt", "this is a text report of go tool pprof"),
        ("lines/cpu-inline.txt", "this is a text report of go tool pprof"),
        ("lines/mutex-delay.txt", "this is a text report of go tool pprof"),
        ("lines/heap-inuse.txt", "this is a text report of go tool pprof"),
    ];
    for (rel, want) in cases {
        let err = match firesight::load::load_path(&data(rel), &LoadOptions::default(), Progress::new()) {
            Ok(l) => panic!("{rel}: loaded as {}", l.format.name()),
            Err(e) => e,
        };
        assert_eq!(err.kind, LoadErrorKind::Unsupported, "{rel}: {err}");
        assert!(err.what.starts_with(want), "{rel}: {err}");
        let report = rel.contains("strace-c") || rel.contains("golden") || rel.starts_with("lines/");
        assert_eq!(err.what.contains("which Firesight does not read yet"), !report, "{rel}: {err}");
    }
}

#[test]
fn text_whose_lines_are_mostly_not_stacks_is_not_folded() {
    // Three lines that end in a number among prose: not a folded file.
    let mut text = String::new();
    for i in 0..20 {
        text += &format!("The quick brown fox, line {i}, jumps over the lazy dog.\n");
        if i % 7 == 0 {
            text += &format!("total items {i}\n");
        }
    }
    let err = refused(text.into_bytes());
    assert!(err.contains("not folded stacks: only 3 of its first 23 lines look like `a;b;c 10`"), "{err}");
    assert!(err.contains("first other line: \"The quick brown fox, line 0"), "{err}");
    // Markdown with one table row that ends in a number: refused too.
    let err = refused(read("unsupported/SOURCES.md"));
    assert!(err.contains("text that is"), "{err}");
    // Cost lines of a cachegrind file without its header are number rows, not stacks.
    let rows = "128 2 1 1 2 0 0 0 0 0\n134 3 0 0 1 1 0 0 0 0\n135 6 0 0 2 0 0 1 0 0\n".repeat(5);
    assert!(refused(rows.into_bytes()).contains("neither perf script"));
    // A folded file with a few bad lines still loads, with warnings.
    let l = load("folded/bad-lines.txt");
    assert_eq!(l.format, Format::Folded);
}

/// `text` as UTF-16 with a byte-order mark.
fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
    for u in text.encode_utf16() {
        out.extend_from_slice(&if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
    }
    out
}

#[test]
fn utf16_text_with_a_byte_order_mark_is_decoded() {
    let original = load("folded/flames.txt");
    let text = String::from_utf8(read("folded/flames.txt")).unwrap_or_default();
    for big_endian in [false, true] {
        let l = load_bytes(utf16(&text, big_endian), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.format, Format::Folded);
        assert_eq!(dump(&l.profile), dump(&original.profile), "big endian: {big_endian}");
    }
    // Inside gzip, with names outside the BMP (surrogate pairs) and CRLF line ends.
    let odd = "main;f\u{e9}te;\u{1F525}burn 3\r\nmain;f\u{e9}te 2\r\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&utf16(odd, false)).unwrap_or_default();
    let l = load_bytes(gz.finish().unwrap_or_default(), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(folded_text(&l.profile), "main;f\u{e9}te 2\nmain;f\u{e9}te;\u{1F525}burn 3\n");
    // perf script in UTF-16 works as well: the decoding is below every loader.
    let perf = String::from_utf8(read("perf/simple.linux-perf.txt")).unwrap_or_default();
    let l = load_bytes(utf16(&perf, false), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(l.format, Format::PerfScript);
    assert_eq!(dump(&l.profile), dump(&load("perf/simple.linux-perf.txt").profile));
    // Encodings that are not decoded are named.
    let mut utf32 = vec![0xFF, 0xFE, 0, 0];
    utf32.extend("a;b 1\n".chars().flat_map(|c| (c as u32).to_le_bytes()));
    assert!(refused(utf32).contains("the text is UTF-32LE"));
    let bomless: Vec<u8> = "a;b 1\na;c 2\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(refused(bomless).contains("UTF-16LE text without a byte-order mark"));
}

#[test]
fn json_is_never_folded() {
    // An empty Jaeger API response, pretty-printed: a line ends in a number,
    // but it is JSON (before: folded stacks with warnings).
    let short = &b"{\n  \"data\": [],\n  \"total\": 0\n}\n"[..];
    let full = b"{\n  \"data\": [],\n  \"total\": 0,\n  \"limit\": 0,\n  \"offset\": 0,\n  \"errors\": null\n}\n";
    for empty in [short, full] {
        let err = refused(empty.to_vec());
        assert!(err.starts_with("Jaeger JSON: no spans in the file (API response)"), "{err}");
    }
    for other in [&b"{\n  \"a\": 1,\n  \"b\": 2\n}\n"[..], b"[\n 1,\n 2\n]\n"] {
        let err = refused(other.to_vec());
        assert!(err.contains("JSON that is neither OTLP"), "{err}");
    }
    // Cut inside its object: truncated, at its end.
    let err = refused(b"{\"x\":\n 3,\n\"y\": 4".to_vec());
    assert!(err.starts_with("JSON, byte offset 16: the JSON ends early (truncated file?)"), "{err}");
    // Folded lines that start with `[` or `{` are still folded.
    for text in ["[unknown];main;work 5\n[unknown];main 2\n", "{main};run;query 3\n{main};run 1\n"] {
        let l = load_bytes(text.as_bytes().to_vec(), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.format, Format::Folded, "{text}");
    }
    let err = refused(b"[1, 2] and not JSON\nmore text\n".to_vec());
    assert!(err.contains("it starts like JSON but is not"), "{err}");
}

#[test]
fn binary_formats_are_told_by_structure_not_printable_share() {
    // An OTLP span whose name is a 2 KB SQL statement: its head is mostly printable.
    let statement = format!(
        "SELECT {} FROM orders WHERE id = $1",
        (0..500).map(|i| format!("c{i}")).collect::<Vec<_>>().join(", ")
    );
    // Ids whose bytes happen to be printable, times of today: barely a
    // control byte in the first kilobytes.
    let span = Span {
        trace_id: b"4bf92f3577b34da6".to_vec(),
        span_id: b"00f067aa".to_vec(),
        name: statement.clone(),
        start_time_unix_nano: 1_700_000_000_000_000_000,
        end_time_unix_nano: 1_700_000_000_000_004_000,
        ..Default::default()
    };
    let req = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans { spans: vec![span], ..Default::default() }],
            ..Default::default()
        }],
    };
    let raw = req.encode_to_vec();
    assert!(raw.len() > 2000);
    let mut framed = (raw.len() as u32).to_be_bytes().to_vec();
    framed.extend_from_slice(&raw);
    for bytes in [raw, framed] {
        let l = load_bytes(bytes, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.format, Format::OtlpProtobuf);
        let traces = l.traces.unwrap_or_else(|| panic!("no traces"));
        assert_eq!(&*traces.traces[0].spans[0].name, statement.as_str());
    }
    // A small pprof with one long (C++ template) function name.
    let long = format!("std::vector<{}>::push_back", "std::map<int, std::string>, ".repeat(200));
    let p = proto::Profile {
        string_table: vec![b"".to_vec(), b"samples".to_vec(), b"count".to_vec(), long.clone().into_bytes()],
        sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
        function: vec![proto::Function { id: 1, name: 3, ..Default::default() }],
        location: vec![proto::Location {
            id: 1,
            line: vec![proto::Line { function_id: 1, line: 1, column: 0 }],
            ..Default::default()
        }],
        sample: vec![proto::Sample { location_id: vec![1], value: vec![4], label: vec![] }],
        ..Default::default()
    };
    let l = load_bytes(p.encode_to_vec(), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(l.format, Format::Pprof);
    assert_eq!(folded_text(&l.profile), format!("{long} 4\n"));
}

#[test]
fn a_first_line_longer_than_the_head_does_not_decide() {
    // One frame of 100 KiB, then ordinary lines.
    let big = "x".repeat(100 << 10);
    let text = format!("{big} 3\nmain;work 2\nmain 1\n");
    let l = load_bytes(text.into_bytes(), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(l.format, Format::Folded);
    assert_eq!(folded_text(&l.profile), format!("main 1\nmain;work 2\n{big} 3\n"));
    // Gzipped, a 3 MiB stack as the only line (no line end), behind a comment.
    let deep = vec!["frame"; 500_000].join(";");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(format!("# py-spy\n{deep} 9").as_bytes()).unwrap_or_default();
    let l = load_bytes(gz.finish().unwrap_or_default(), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(l.format, Format::Folded);
    assert_eq!(l.profile.stacks.len(), 500_000);
    // Long lines that are not stacks are refused for what they are, not for their length.
    let junk = format!("{}\n", "y".repeat(70 << 10));
    let err = refused(junk.repeat(2).into_bytes());
    assert!(err.contains("neither perf script"), "{err}");
}

#[test]
fn damaged_inputs_of_the_new_paths_never_panic() {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    let flames = String::from_utf8(read("folded/flames.txt")).unwrap_or_default();
    let pprof = read("pprof/fib.pb.gz");
    let inputs = [
        utf16(&flames[..4000], false),
        utf16(&flames[..4000], true),
        [pprof.clone(), pprof].concat(),
        read("unsupported/tiny.massif.out"),
        read("unsupported/shop-profile.jfr.head"),
        b"{\n  \"data\": [],\n  \"total\": 0\n}\n".to_vec(),
    ];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for (k, original) in inputs.iter().enumerate() {
        let n = original.len();
        for round in 0..60 {
            let mut b = original[..n - (next() as usize % n.min(64))].to_vec();
            for _ in 0..1 + round % 6 {
                let i = next() as usize % b.len().max(1);
                if let Some(byte) = b.get_mut(i) {
                    *byte = next() as u8;
                }
            }
            let ok = catch_unwind(AssertUnwindSafe(|| drop(load_bytes(b, &LoadOptions::default())))).is_ok();
            assert!(ok, "input {k}, round {round} panicked");
        }
    }
}

#[test]
fn every_real_protobuf_is_recognised_by_its_structure() {
    use firesight::load::sniff::proto::identify;
    let mut files: Vec<(String, Format)> = Vec::new();
    for dir in ["pprof", "pprof/generated", "pprof/tester"] {
        for e in std::fs::read_dir(data(dir)).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".pb.gz") {
                files.push((format!("{dir}/{name}"), Format::Pprof));
            }
        }
    }
    files.push(("otlp/traces.otlp.pb".into(), Format::OtlpProtobuf));
    assert!(files.len() > 15);
    for (rel, want) in files {
        let input = firesight::load::Input::from_reader(
            std::io::Cursor::new(read(&rel)),
            None,
            Progress::new(),
            1 << 20,
            1 << 30,
        )
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(identify(input.head()), Some(want), "{rel}");
    }
}

#[test]
fn a_long_comment_block_before_the_data_does_not_hide_the_format() {
    // 3 000 comment lines (124 KB, past the first sniffed head) before the data.
    let comments: String = (0..3000).map(|i| format!("# comment line number {i} with some text\n")).collect();
    let loaded = crate::common::load_bytes(format!("{comments}a;b;c 10\n").into_bytes(), &LoadOptions::default());
    let p = loaded.unwrap_or_else(|e| panic!("{e}")).profile;
    assert_eq!(p.total(p.default_metric), 10);
    // Nothing but comments: said so, not "first line: \"\"".
    let err = refused(comments.into_bytes());
    assert!(err.contains("nothing but `#` comment lines"), "{err}");
}
