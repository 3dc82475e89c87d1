//! Malformed inputs of the formats of `formats.rs`: truncated files, wrong
//! magic, bad counts. Each gets a clear error naming the format, where
//! (line, or line and column for JSON) and what was expected; none panics.

use firesight::load::{Format, LoadErrorKind, LoadOptions};

use crate::common::{data, load_bytes};

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn error(bytes: Vec<u8>) -> String {
    match load_bytes(bytes, &LoadOptions::default()) {
        Ok(l) => panic!("loaded as {} with {} samples", l.format.name(), l.profile.samples.len()),
        Err(e) => {
            assert_ne!(e.kind, LoadErrorKind::Unsupported, "{e}");
            e.to_string()
        }
    }
}

fn forced(bytes: Vec<u8>, format: Format) -> String {
    let opts = LoadOptions { format: Some(format), ..LoadOptions::default() };
    match load_bytes(bytes, &opts) {
        Ok(l) => panic!("loaded as {} with {} samples", l.format.name(), l.profile.samples.len()),
        Err(e) => e.to_string(),
    }
}

fn cut(mut b: Vec<u8>, n: usize) -> Vec<u8> {
    b.truncate(n);
    b
}

#[test]
fn truncated_json_formats_name_the_format_and_place() {
    // The first 8 KiB of real files (tests/data/unsupported/*.head).
    let e = error(read("unsupported/node-shop.cpuprofile.head"));
    assert!(e.starts_with("V8 cpuprofile, line 1, column 8192: the JSON ends early (truncated file?)"), "{e}");
    let e = error(read("unsupported/node-trace-events.json.head"));
    assert!(e.starts_with("Chrome trace, line 1, column 8192: the JSON ends early"), "{e}");
    let e = error(cut(read("speedscope/shop.speedscope.json"), 3000));
    assert!(e.starts_with("speedscope, line 1, column 3000: the JSON ends early"), "{e}");
    // A Chrome trace array may lack its closing `]` (the format allows it):
    // read. Cut inside an event, it is an error.
    let events = r#"[{"name":"a","ph":"X","ts":1,"dur":5,"pid":1,"tid":1},
{"name":"b","ph":"X","ts":2,"dur":1,"pid":1,"tid":1},"#;
    let l = load_bytes(events.as_bytes().to_vec(), &LoadOptions::default()).expect("array without ]");
    assert_eq!(l.format, Format::ChromeTrace);
    assert_eq!(l.traces.as_ref().map(|t| t.span_count()), Some(2));
    let e = error(events.as_bytes()[..80].to_vec());
    assert!(e.starts_with("Chrome trace, line 2"), "{e}");
}

/// A JSON file cut before any format's keys (the first 10 bytes of a
/// speedscope file) is called truncated at its end, not "JSON that is
/// neither OTLP nor Jaeger".
#[test]
fn json_cut_before_any_keys_is_called_truncated() {
    let e = error(br#"{"$schema""#.to_vec());
    assert!(e.starts_with("JSON, byte offset 10: the JSON ends early (truncated file?)"), "{e}");
    let e = load_bytes(br#"{"a": 1}"#.to_vec(), &LoadOptions::default()).map(|l| l.format).expect_err("not loaded");
    assert!(e.to_string().contains("neither OTLP"), "{e}");
}

/// A complete event with a negative or absurd `dur` lasts 0, with a
/// warning (it was silent).
#[test]
fn chrome_trace_events_with_a_bad_dur_are_counted_in_a_warning() {
    let events = r#"[{"name":"a","ph":"X","ts":10,"dur":-5,"pid":1,"tid":1},
{"name":"b","ph":"X","ts":20,"dur":1e30,"pid":1,"tid":1},
{"name":"c","ph":"X","ts":30,"dur":4,"pid":1,"tid":1}]"#;
    let l = load_bytes(events.as_bytes().to_vec(), &LoadOptions::default()).expect("loads");
    let traces = l.traces.as_ref().expect("traces");
    assert_eq!(traces.span_count(), 3);
    let w: Vec<&str> = l.profile.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        w.iter().any(|m| m.starts_with("2 complete (X) event(s) with a missing, negative or out-of-range dur")),
        "{w:?}"
    );
}

#[test]
fn bad_counts_and_references_are_named() {
    let e = forced(br#"{"nodes":[{"id":1,"callFrame":{"functionName":"(root)","url":""},"children":[2]}],"samples":[1],"timeDeltas":[5]}"#.to_vec(), Format::CpuProfile);
    assert_eq!(e, "V8 cpuprofile: node 1 lists child 2, which is not a node of the profile");
    let e = forced(
        br#"{"nodes":[{"id":1,"callFrame":{"functionName":"(root)","url":""}}],"samples":[1,1],"timeDeltas":[5]}"#
            .to_vec(),
        Format::CpuProfile,
    );
    assert_eq!(e, "V8 cpuprofile: 2 samples but 1 timeDeltas; expected one time delta per sample");
    let e = forced(
        br#"{"nodes":[{"id":1,"callFrame":{"functionName":"(root)","url":""}}],"samples":[7],"timeDeltas":[5]}"#
            .to_vec(),
        Format::CpuProfile,
    );
    assert_eq!(e, "V8 cpuprofile: sample 0 names node 7, which is not a node of the profile");
    let ss = |p: &str| {
        format!(
            r#"{{"$schema":"https://www.speedscope.app/file-format-schema.json","shared":{{"frames":[{{"name":"a"}}]}},"profiles":[{p}]}}"#
        )
    };
    let e = error(ss(r#"{"type":"sampled","name":"t","unit":"none","startValue":0,"endValue":2,"samples":[[0],[0]],"weights":[1]}"#).into_bytes());
    assert_eq!(e, "speedscope: profile 0 (\"t\") has 2 samples but 1 weights; expected one weight per sample");
    let e = error(
        ss(r#"{"type":"sampled","name":"t","unit":"none","startValue":0,"endValue":1,"samples":[[3]],"weights":[1]}"#)
            .into_bytes(),
    );
    assert_eq!(e, "speedscope: profile 0 refers to frame 3, but shared.frames has 1 frames (0 to 0)");
    let e =
        error(ss(r#"{"type":"evented","name":"t","unit":"ms","startValue":0,"endValue":1,"events":[]}"#).into_bytes());
    assert!(e.contains("has unit \"ms\"; expected none, nanoseconds"), "{e}");
    let e = error(ss(r#"{"type":"evented","name":"t","unit":"milliseconds","startValue":0,"endValue":3,"events":[{"type":"O","at":0,"frame":0},{"type":"C","at":3,"frame":1}]}"#).into_bytes());
    assert!(e.contains("event 1: closes frame 1 but the innermost open frame is 0"), "{e}");
}

#[test]
fn broken_callgrind_files_name_the_line() {
    let good = String::from_utf8(read("unsupported/tiny.callgrind.out")).expect("utf8");
    // Cut right after a `calls=` line: the call's cost line is missing.
    let at = good.find("calls=").expect("a call");
    let end = at + good[at..].find('\n').expect("eol") + 1;
    let e = error(good.as_bytes()[..end].to_vec());
    assert!(e.starts_with("callgrind, line "), "{e}");
    assert!(e.contains("the file ends after a `calls=` line; expected the call's cost line (truncated file?)"), "{e}");
    // Cut at the end of a line: the costs fall short of the summary; cut
    // inside one: the line is named.
    let mid = good.len() * 2 / 3;
    let line_end = mid + good[mid..].find('\n').expect("eol") + 1;
    let e = error(good.as_bytes()[..line_end].to_vec());
    assert!(e.starts_with("callgrind: the costs of event Ir add up to "), "{e}");
    assert!(e.contains("but the file's `summary:` line says"), "{e}");
    let e = error(cut(good.clone().into_bytes(), good.len() / 2));
    assert!(e.starts_with("callgrind"), "{e}");
    // A name id used before it is defined; a cost that is not a number.
    let e = error(b"# callgrind format\nevents: Ir\nfl=(1) a.c\nfn=(2)\n1 5\n".to_vec());
    assert_eq!(e, "callgrind, line 4: name id (2) is used before a line defines it with `(2) name`");
    let e = error(b"# callgrind format\nevents: Ir\nfl=(1) a.c\nfn=(2) main\n1 5x\n".to_vec());
    assert_eq!(e, "callgrind, line 5: cost \"5x\" is not a non-negative integer");
    // A cost past 64 bits is named as too large, not as not a number.
    let e = error(b"# callgrind format\nevents: Ir\nfl=(1) a.c\nfn=(2) main\n1 18446744073709551616\n".to_vec());
    assert_eq!(
        e,
        "callgrind, line 5: cost \"18446744073709551616\" is past the largest cost callgrind writes (2^64 - 1)"
    );
    let e = error(b"# callgrind format\nevents: Ir\nfn=main\n1 5 6\n".to_vec());
    assert_eq!(e, "callgrind, line 4: 2 costs on a cost line but 1 event(s) in `events:`");
}

#[test]
fn broken_massif_files_name_the_line() {
    let good = String::from_utf8(read("valgrind/heap.massif.out")).expect("utf8");
    // Cut inside the peak snapshot's tree.
    let at = good.find("heap_tree=peak").expect("peak");
    let end = at + good[at..].find(" n1: 510192").expect("a node");
    let e = error(good.as_bytes()[..end].to_vec());
    assert!(e.starts_with("massif, line "), "{e}");
    assert!(e.contains("the file ends inside the heap tree of snapshot 32 (truncated?)"), "{e}");
    // A child count that does not match the lines below.
    let bad = good.replacen("n3: 2869776 (heap allocation functions)", "n4: 2869776 (heap allocation functions)", 1);
    let e = error(bad.into_bytes());
    assert!(e.contains("the heap tree of snapshot 32 ends early: 1 more node(s) announced"), "{e}");
    let bad = good.replacen("mem_heap_B=873304", "mem_heap_B=87x", 1);
    let e = error(bad.into_bytes());
    assert!(e.contains("mem_heap_B=\"87x\": expected a whole number"), "{e}");
    // Wrong magic for a forced format: not a massif file at all.
    let e = forced(read("folded/simple.txt"), Format::Massif);
    assert!(e.starts_with("massif, line 1:"), "{e}");
}

#[test]
fn legacy_pprof_text_is_refused_with_its_conversion_never_perf_script() {
    let cases = [
        "heap profile: 1: 2 [3: 4] @ heap/1048576\n1: 2 [3: 4] @ 0x1 0x2\n",
        "--- contentionz 1 ---\ncycles/second = 3000000000\nsampling period = 100\n1 2 @ 0x1 0x2\n",
        "--- mutex:\ncycles/second=2000000000\nsampling period=1\n100 1 @ 0x1 0x2\n",
        "--- threadz 1 ---\n\n--- Thread 7f (name: main) ---\n  PC: 0x1 0x2\n",
        "# comment\n--- contention:\ncycles/second=2000000000\n1 2 @ 0x1\n",
    ];
    for text in cases {
        let err = match load_bytes(text.as_bytes().to_vec(), &LoadOptions::default()) {
            Ok(l) => panic!("{text:?} loaded as {}", l.format.name()),
            Err(e) => e,
        };
        assert_eq!(err.kind, LoadErrorKind::Unsupported, "{err}");
        assert!(err.what.starts_with("this is a legacy pprof text profile"), "{err}");
        assert!(err.what.contains("`go tool pprof -proto FILE > out.pb.gz`"), "{err}");
    }
}

#[test]
fn a_negative_time_delta_orders_the_samples_by_time_as_devtools_does() {
    let text = br#"{"nodes":[{"id":1,"callFrame":{"functionName":"(root)","url":""},"children":[2,3]},
        {"id":2,"callFrame":{"functionName":"a","url":"x.js","lineNumber":0}},
        {"id":3,"callFrame":{"functionName":"b","url":"x.js","lineNumber":5}}],
        "startTime":1000,"endTime":1100,"samples":[2,3,2,3],"timeDeltas":[10,30,-10,30]}"#;
    let opts = LoadOptions { format: Some(Format::CpuProfile), ..LoadOptions::default() };
    let p = load_bytes(text.to_vec(), &opts).unwrap_or_else(|e| panic!("{e}")).profile;
    // Times 1010 a, 1040 b, 1030 a, 1060 b; in time order each lasts until
    // the next, the last until endTime: a 20 + 10, b 20 + 40.
    let us: Vec<i128> = (0..p.samples.len()).map(|i| p.weight(i, p.default_metric)).collect();
    assert_eq!(us, [20, 10, 20, 40]);
    assert_eq!(us.iter().sum::<i128>(), 90, "first sample to endTime, nothing lost or counted twice");
    assert!(p.warnings.iter().any(|w| w.message.contains("1 time delta(s) are negative")), "{:?}", p.warnings);
}
