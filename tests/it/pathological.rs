//! Pathological sizes (issue 17 item 3), each with its stated outcome: a
//! stack 100 000 frames deep in every format that can hold one (folded,
//! perf script, pprof, an OTLP parent chain) loads, builds its call tree,
//! folds and, in the window, lays out and paints without overflowing the
//! test thread's 2 MiB stack (no recursion on depth anywhere); a 10 MB
//! folded line and a 1 MB symbol name load; counts at and past 2^63 and
//! 2^64 load exactly or are refused by name; a directory and /dev/zero are
//! refused with their reason. Peak memory and time are the benchmarks'
//! business (benches/), not these tests'.

use std::fmt::Write as _;

use firesight::load::LoadOptions;
use firesight::model::calltree::SampleFilter;
use firesight::model::{CallTree, Profile};
use prost::Message;

use crate::common::{load_bytes, run_cli};

const DEEP: usize = 100_000;

fn loads(bytes: Vec<u8>) -> Profile {
    match load_bytes(bytes, &LoadOptions::default()) {
        Ok(l) => l.profile,
        Err(e) => panic!("{e}"),
    }
}

/// The deepest stack, the tree's depth, and the folded export's one line.
fn check_deep(p: &Profile, frames: usize) {
    let deepest = p.stacks.max_depth();
    assert_eq!(deepest, Some(frames as u32 - 1));
    let tree = CallTree::build(p, p.default_metric, &SampleFilter::default());
    assert_eq!(tree.max_depth as usize, frames);
    let lines = firesight::export::folded::fold(p, p.default_metric, &SampleFilter::default());
    let mut out = Vec::new();
    firesight::export::folded::write(p, p.default_metric, &lines, &mut out).unwrap();
    assert_eq!(out.iter().filter(|&&b| b == b';').count(), frames - 1);
}

fn deep_folded() -> Vec<u8> {
    let mut s = String::with_capacity(DEEP * 8);
    for i in 0..DEEP {
        if i > 0 {
            s.push(';');
        }
        write!(s, "f{i}").unwrap();
    }
    s.push_str(" 7\n");
    s.into_bytes()
}

#[test]
fn a_folded_stack_100_000_frames_deep_loads_builds_and_folds() {
    let p = loads(deep_folded());
    check_deep(&p, DEEP);
}

#[test]
fn a_perf_script_sample_100_000_frames_deep_loads_builds_and_folds() {
    let mut s = String::from("app 101/101 [000] 1.000000: 250000 cpu-clock:u: \n");
    for i in (0..DEEP).rev() {
        writeln!(s, "\t{:016x} f{i}+0x1 (/usr/bin/app)", 0x1000 + i).unwrap();
    }
    s.push('\n');
    let p = loads(s.into_bytes());
    // perf's stacks carry the process name as their root.
    check_deep(&p, DEEP + 1);
}

#[test]
fn a_pprof_sample_100_000_locations_deep_loads_builds_and_folds() {
    use firesight::load::pprof::proto;
    let mut p = proto::Profile {
        string_table: vec![b"".to_vec(), b"samples".to_vec(), b"count".to_vec()],
        ..Default::default()
    };
    p.sample_type = vec![proto::ValueType { r#type: 1, unit: 2 }];
    for i in 0..DEEP as u64 {
        p.string_table.push(format!("f{i}").into_bytes());
        let name = p.string_table.len() as i64 - 1;
        p.function.push(proto::Function { id: i + 1, name, system_name: name, filename: 0, start_line: 0 });
        p.location.push(proto::Location {
            id: i + 1,
            mapping_id: 0,
            address: 0x1000 + i,
            line: vec![proto::Line { function_id: i + 1, line: 1, column: 0 }],
            is_folded: false,
        });
    }
    p.sample.push(proto::Sample { location_id: (1..=DEEP as u64).collect(), value: vec![3], label: Vec::new() });
    let prof = loads(p.encode_to_vec());
    check_deep(&prof, DEEP);
}

#[test]
fn an_otlp_parent_chain_of_100_000_spans_loads_and_projects() {
    let mut spans = String::new();
    for i in 0..DEEP {
        if i > 0 {
            spans.push(',');
        }
        let parent = if i == 0 { String::new() } else { format!(r#","parentSpanId":"{:016x}""#, i) };
        write!(
            spans,
            r#"{{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"{:016x}"{parent},"name":"s{i}","startTimeUnixNano":"{}","endTimeUnixNano":"{}"}}"#,
            i + 1,
            1_000_000 + i as u64,
            1_000_000 + 2 * DEEP as u64 - i as u64
        )
        .unwrap();
    }
    let json = format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"svc"}}}}]}},"scopeSpans":[{{"spans":[{spans}]}}]}}]}}"#
    );
    let loaded = load_bytes(json.into_bytes(), &LoadOptions::default()).unwrap();
    let traces = loaded.traces.expect("traces");
    assert_eq!(traces.traces.len(), 1);
    let tree = CallTree::build(&loaded.profile, loaded.profile.default_metric, &SampleFilter::default());
    assert!(tree.max_depth as usize >= DEEP, "{}", tree.max_depth);
}

#[test]
fn a_10_mb_folded_line_and_a_1_mb_symbol_name_load() {
    let mut line = vec![b'a'; 10 << 20];
    line.extend_from_slice(b" 5\n");
    let p = loads(line);
    assert_eq!(p.frames.iter().map(|(_, f)| f.name.len()).max(), Some(10 << 20));
    let name = "s".repeat(1 << 20);
    let perf =
        format!("app 7/7 [001] 2.5: 1000 cpu-clock:u: \n\t1000 {name}+0x0 (/bin/app)\n\t2000 main+0x0 (/bin/app)\n\n");
    let p = loads(perf.into_bytes());
    assert!(p.frames.iter().any(|(_, f)| f.name.len() == 1 << 20));
}

#[test]
fn counts_near_2_to_the_63_and_64_are_exact_or_refused_by_name() {
    // Folded weights are i128: 2^63 and 2^64 both load exactly, and sum exactly.
    let p = loads(b"a;b 9223372036854775808\na;c 18446744073709551616\n".to_vec());
    assert_eq!(p.total(p.default_metric), (1i128 << 63) + (1i128 << 64));
    // A perf period past u64 is not a number perf writes: the sample
    // counts once, with a warning that names the period, never wrapped.
    let perf = "app 7/7 [001] 2.5: 18446744073709551616 cpu-clock:u: \n\t1000 main+0x0 (/bin/app)\n\n";
    let p = loads(perf.as_bytes().to_vec());
    assert_eq!(p.total(p.default_metric), 1);
    assert!(p.warnings.iter().any(|w| w.message.contains("the period 18446744073709551616 does not fit in 64 bits")));
    // 2^64 - 1 fits and is kept exactly.
    let perf = "app 7/7 [001] 2.5: 18446744073709551615 cpu-clock:u: \n\t1000 main+0x0 (/bin/app)\n\n";
    let p = loads(perf.as_bytes().to_vec());
    assert_eq!(p.total(p.default_metric), u64::MAX as i128);
}

#[test]
fn a_directory_and_dev_zero_are_refused_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run_cli(&["info", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("directory"), "{err}");
    if std::path::Path::new("/dev/zero").exists() {
        let (code, _, err) = run_cli(&["info", "/dev/zero"]);
        assert_eq!(code, 1);
        assert!(err.contains("unrecognised binary data"), "{err}");
    }
}

#[cfg(feature = "gui")]
#[test]
fn the_window_lays_out_and_paints_a_stack_100_000_frames_deep() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep.folded");
    std::fs::write(&path, deep_folded()).unwrap();
    let mut h = crate::ui::open(&[path]);
    let d = crate::ui::doc(&h);
    assert_eq!(d.tree.max_depth as usize, DEEP);
    // A few more frames: hover, scroll, zoom out, all on the deep tree.
    h.run();
    h.state_mut().apply(firesight::ui::command::Command::ZoomOut);
    h.run();
}
