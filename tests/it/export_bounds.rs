//! Exports whose output grows with the square of the depth: a trace whose
//! spans form one parent chain has one stack per span, each repeating its
//! callers, so its folded text is quadratic (1.7 GB for 20 000 spans).
//! `fold` streams it in memory linear in the spans; `svg` (and the
//! window's Export SVG) refuses it with a message instead of exhausting
//! memory. The folded order is checked against a plain sort of the texts.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use firesight::load::LoadOptions;
use firesight::model::{Profile, SampleFilter, Weight};

use crate::common::{load, load_bytes};

/// OTLP/JSON of one trace whose `n` spans form one chain (span i's parent is
/// span i - 1), each named `op{i % 7}`, span i lasting 2 (n - i) µs.
fn chain_json(n: usize) -> String {
    let mut spans = Vec::with_capacity(n);
    for i in 0..n {
        let parent = if i == 0 { String::new() } else { format!(r#","parentSpanId":"{i:016x}""#) };
        spans.push(format!(
            r#"{{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"{:016x}"{parent},"name":"op{}","kind":1,"startTimeUnixNano":"{}","endTimeUnixNano":"{}"}}"#,
            i + 1,
            i % 7,
            1_700_000_000_000_000_000u64 + i as u64 * 1000,
            1_700_000_000_000_000_000u64 + (2 * n - i) as u64 * 1000,
        ));
    }
    format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"svc"}}}}]}},"scopeSpans":[{{"scope":{{"name":"t"}},"spans":[{}]}}]}}]}}"#,
        spans.join(",")
    )
}

fn chain(n: usize) -> Profile {
    load_bytes(chain_json(n).into_bytes(), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}")).profile
}

/// The folded lines by the definition: every stack's text, equal texts
/// summed, zero sums dropped, sorted bytewise.
fn naive(p: &Profile) -> Vec<(String, Weight)> {
    let m = p.default_metric;
    let mut by_text: BTreeMap<String, Weight> = BTreeMap::new();
    let mut path = Vec::new();
    for i in 0..p.samples.len() {
        let text = match p.samples.stacks[i] {
            Some(s) => {
                p.stacks.frames_root_first(s, &mut path);
                path.iter().map(|f| p.frames.name(*f)).collect::<Vec<_>>().join(";")
            }
            None => String::new(),
        };
        *by_text.entry(text).or_default() += p.weight(i, m);
    }
    by_text.into_iter().filter(|(_, w)| *w != 0).collect()
}

fn fold(p: &Profile) -> Vec<(String, Weight)> {
    firesight::export::folded::fold(p, p.default_metric, &SampleFilter::default())
}

#[test]
fn folded_order_is_the_bytewise_order_of_the_texts() {
    for rel in [
        "perf/cpp-stacks-std-function.txt",
        "perf/java-inline.txt",
        "perf/perf-rust-Yamakaky-dcpu.txt",
        "folded/tricky-stack.txt",
        "folded/with-space.txt",
        "pprof/profile1.pb.gz",
        "otlp/traces.otlp.json",
    ] {
        let p = load(rel).profile;
        assert_eq!(fold(&p), naive(&p), "{rel}");
    }
    // Siblings whose names extend one another with bytes below and above
    // `;` (space, `:`, `<`), names holding `;`, and a name shared by two frames.
    let text = "a 1\na b;c 2\na::b 3\na;b 4\na<T>;x 5\nab;c;d 6\nab;c 7\nk;l 8\nm 9\n";
    let p = load_bytes(text.as_bytes().to_vec(), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}")).profile;
    assert_eq!(fold(&p), naive(&p));
    let p = chain(300);
    assert_eq!(fold(&p), naive(&p));
    assert_eq!(fold(&p).len(), 300);
}

/// A writer that only counts bytes.
struct Count(u64);

impl std::io::Write for Count {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_chain_of_20000_spans_streams_its_folded_text() {
    let n = 20_000;
    let p = chain(n);
    assert_eq!(p.stacks.len(), n);
    // Stack i (0-based) is `svc: op0;...;svc: op{i % 7}`: i + 1 names of 8 bytes, i separators.
    let text_bytes: u64 = (0..n as u64).map(|i| 8 * (i + 1) + i).sum();
    let started = Instant::now();
    let (lines, bytes) = firesight::export::folded::folded_size(&p, p.default_metric, &SampleFilter::default());
    assert_eq!((lines, bytes), (n as u64, text_bytes));
    let mut out = Count(0);
    firesight::export::folded::write_streaming(&p, p.default_metric, &SampleFilter::default(), &mut out)
        .unwrap_or_else(|e| panic!("{e}"));
    // Every line also has ` 2000` (self time 2 µs in ns) and a line end.
    assert_eq!(out.0, text_bytes + n as u64 * 6);
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    let deepest = p.stacks.max_depth();
    assert_eq!(deepest, Some(n as u32 - 1));
}

/// Runs the firesight binary with its address space capped at `cap_kib`
/// (`ulimit -v`): a quadratic allocation fails and aborts it.
fn run_capped(cap_kib: u64, args: &[&str]) -> (i32, String) {
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(format!("ulimit -v {cap_kib} && exec \"$0\" \"$@\"")).arg(env!("CARGO_BIN_EXE_firesight"));
    cmd.args(args).stdout(std::process::Stdio::null());
    let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn fold_and_svg_of_a_deep_chain_stay_within_a_gigabyte() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let input = dir.path().join("chain.otlp.json");
    std::fs::write(&input, chain_json(20_000)).unwrap_or_else(|e| panic!("{e}"));
    let input = input.to_string_lossy().into_owned();
    // Before: 5 GB for the paths of 20 000 stacks (an abort under this cap).
    let (code, err) = run_capped(1 << 20, &["fold", &input]);
    assert_eq!(code, 0, "{err}");
    let svg = dir.path().join("chain.svg");
    let (code, err) = run_capped(1 << 20, &["svg", &input, "-o", &svg.to_string_lossy()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("too big for an SVG: its 20000 stacks (up to 20000 frames deep) make 1.68 GiB of folded text"),
        "{err}"
    );
    assert!(err.contains("`firesight fold` streams the same stacks"), "{err}");
    assert!(!Path::new(&svg).exists());
    // A chain of 2000 spans is drawn.
    let small = dir.path().join("small.otlp.json");
    std::fs::write(&small, chain_json(2000)).unwrap_or_else(|e| panic!("{e}"));
    let (code, err) = run_capped(1 << 20, &["svg", &small.to_string_lossy(), "-o", &svg.to_string_lossy()]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::metadata(&svg).map(|m| m.len()).unwrap_or(0) > 100_000);
}

#[cfg(feature = "gui")]
#[test]
fn the_window_export_of_a_deep_chain_fails_with_a_message() {
    use firesight::ui::export_job::write_export;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let p = chain(20_000);
    let out = dir.path().join("chain.svg");
    let m = write_export(&p, p.default_metric, &SampleFilter::default(), true, "chain", &out);
    assert!(m.is_error);
    assert!(m.text.contains("failed: too big for an SVG"), "{}", m.text);
    assert!(!out.exists());
    // Folded stacks stream to the file (a smaller chain keeps the test's file small).
    let p = chain(1000);
    let out = dir.path().join("chain.folded");
    let m = write_export(&p, p.default_metric, &SampleFilter::default(), false, "chain", &out);
    assert!(!m.is_error, "{}", m.text);
    let written = std::fs::read_to_string(&out).unwrap_or_default();
    let want: String = naive(&p).iter().map(|(t, w)| format!("{t} {w}\n")).collect();
    assert_eq!(written, want);
}

/// A deterministic xorshift, as `robustness.rs` has it.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_trees_with_awkward_names_fold_in_text_order() {
    use firesight::load::pprof::proto;
    use prost::Message;
    // Names that extend one another with bytes below and above `;`, names
    // holding `;` (pprof allows them; printed, they read as two frames),
    // the empty name's `<unknown>`, and two functions sharing a name.
    let names: &[&[u8]] = &[b"a", b"a b", b"a::b", b"a;b", b"a;", b";a", b"ab", b"b", b"a", b"a<T>", b"\xc3\xa9"];
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    for round in 0..40 {
        let mut strings: Vec<Vec<u8>> = vec![b"".to_vec(), b"samples".to_vec(), b"count".to_vec()];
        strings.extend(names.iter().map(|n| n.to_vec()));
        let function: Vec<proto::Function> = (0..names.len())
            .map(|i| proto::Function { id: i as u64 + 1, name: i as i64 + 3, ..Default::default() })
            .collect();
        let location: Vec<proto::Location> = (0..names.len())
            .map(|i| proto::Location {
                id: i as u64 + 1,
                line: vec![proto::Line { function_id: i as u64 + 1, line: 0, column: 0 }],
                ..Default::default()
            })
            .collect();
        let sample: Vec<proto::Sample> = (0..30)
            .map(|_| {
                let depth = 1 + rng.next() % 5;
                let locs = (0..depth).map(|_| 1 + rng.next() % names.len() as u64).collect();
                // Some weights cancel: a stack whose samples sum to 0 prints nothing.
                let value = (rng.next() % 7) as i64 - 2;
                proto::Sample { location_id: locs, value: vec![value], label: vec![] }
            })
            .collect();
        let p = proto::Profile {
            string_table: strings,
            sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
            function,
            location,
            sample,
            ..Default::default()
        };
        let p = load_bytes(p.encode_to_vec(), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}")).profile;
        assert_eq!(fold(&p), naive(&p), "round {round}");
    }
}
