//! The loader decodes samples on one thread and builds the model on another,
//! in batches of a few thousand (src/load/pprof/samples.rs). A profile of
//! many batches must come out exactly as written, in order, with an error in
//! a late batch reported at that sample, and a cancel honoured.

use firesight::load::pprof::{load_bytes, proto};
use firesight::load::{At, LoadErrorKind, Progress};
use firesight::model::{LabelValue, StackId};
use prost::Message;
use prost::bytes::Bytes;

const SAMPLES: usize = 20_000;

/// Location ids of sample `i`, leaf first: the call chain varies with `i`
/// so consecutive samples have different paths and some repeat.
fn path(i: usize) -> Vec<u64> {
    let mut ids = vec![1 + (i % 7) as u64, 8 + (i / 7 % 5) as u64];
    if i.is_multiple_of(2) {
        ids.push(13 + (i / 35 % 3) as u64);
    }
    ids
}

fn profile(edit: impl FnOnce(&mut proto::Profile)) -> Bytes {
    let mut strings: Vec<Vec<u8>> =
        vec![b"".to_vec(), b"samples".to_vec(), b"count".to_vec(), b"worker".to_vec(), b"bytes".to_vec()];
    let mut p = proto::Profile { sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }], ..Default::default() };
    for id in 1..=15u64 {
        strings.push(format!("fn{id:02}").into_bytes());
        let name = strings.len() as i64 - 1;
        p.function.push(proto::Function { id, name, ..Default::default() });
        p.location.push(proto::Location {
            id,
            line: vec![proto::Line { function_id: id, line: 1, column: 0 }],
            ..Default::default()
        });
    }
    let workers: Vec<i64> = (0..4)
        .map(|w| {
            strings.push(format!("w{w}").into_bytes());
            strings.len() as i64 - 1
        })
        .collect();
    for i in 0..SAMPLES {
        let label = if i % 3 == 0 {
            vec![proto::Label { key: 3, str: workers[i % 4], num: 0, num_unit: 0 }]
        } else if i % 3 == 1 {
            vec![proto::Label { key: 4, str: 0, num: i as i64, num_unit: 4 }]
        } else {
            vec![]
        };
        p.sample.push(proto::Sample { location_id: path(i), value: vec![i as i64], label });
    }
    p.string_table = strings;
    edit(&mut p);
    Bytes::from(p.encode_to_vec())
}

#[test]
fn every_sample_of_many_batches_keeps_its_order_stack_and_labels() {
    let p = match load_bytes(profile(|_| {}), None) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(p.samples.len(), SAMPLES);
    let mut frames = Vec::new();
    for i in 0..SAMPLES {
        assert_eq!(p.samples.weights[i], i as i128, "sample {i}");
        p.stacks.frames_root_first(p.samples.stacks[i].unwrap_or(StackId(u32::MAX)), &mut frames);
        let names: Vec<&str> = frames.iter().map(|&f| p.frames.name(f)).collect();
        let want: Vec<String> = path(i).iter().rev().map(|id| format!("fn{id:02}")).collect();
        assert_eq!(names, want, "sample {i}");
        let labels = p.labels(i);
        match i % 3 {
            0 => {
                assert_eq!(labels.len(), 1, "sample {i}");
                assert_eq!(labels[0].key, "worker");
                assert_eq!(labels[0].value, LabelValue::Str(format!("w{}", i % 4)), "sample {i}");
            }
            1 => {
                assert_eq!(labels.len(), 1, "sample {i}");
                assert_eq!(labels[0].value, LabelValue::Num { value: i as i64, unit: Some("bytes".into()) });
            }
            _ => assert!(labels.is_empty(), "sample {i}"),
        }
    }
    // Each distinct prefix once: roots fn08..fn12 and fn13..fn15; 5 x 7
    // two-frame stacks; 3 x 5 middles and 3 x 5 x 7 leaves of the others.
    assert_eq!(p.stacks.len(), (5 + 3) + 5 * 7 + 3 * 5 + 3 * 5 * 7);
}

#[test]
fn an_error_in_a_late_batch_names_that_sample_and_its_offset() {
    let data = profile(|p| p.sample[13_001].location_id = vec![1, 99]);
    let e = match load_bytes(data.clone(), None) {
        Ok(_) => panic!("loaded a sample with a location that does not exist"),
        Err(e) => e,
    };
    assert_eq!(e.kind, LoadErrorKind::Invalid);
    assert!(e.what.contains("sample 13001 refers to location id 99, which does not exist"), "{}", e.what);
    // The offset is that of sample 13001's message: its bytes decode to it.
    let Some(At::Byte(off)) = e.at else { panic!("no byte offset: {:?}", e.at) };
    let off = off as usize;
    let len = proto::Sample { location_id: vec![1, 99], value: vec![13_001], label: vec![] }.encoded_len();
    let s = proto::Sample::decode(&data[off..off + len]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.location_id, vec![1, 99]);

    let data = profile(|p| p.sample[9_000].value.push(1));
    let e = load_bytes(data, None).err().map(|e| e.what).unwrap_or_default();
    assert!(e.contains("sample 9000 has 2 values, expected one per sample type (1)"), "{e}");
}

#[test]
fn a_cancelled_load_stops_with_cancelled() {
    let progress = Progress::new();
    progress.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
    match load_bytes(profile(|_| {}), Some(&progress)) {
        Ok(p) => panic!("a cancelled load returned {} samples", p.samples.len()),
        Err(e) => assert_eq!(e.kind, LoadErrorKind::Cancelled),
    }
}

#[test]
fn one_cpu_loads_serially_to_the_same_profile() {
    // `taskset -c 0` leaves the process one CPU: the loader then decodes
    // and builds on one thread. Same stacks, same weights, same order.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("many.pb");
    std::fs::write(&file, profile(|_| {})).unwrap_or_else(|e| panic!("{e}"));
    let exe = env!("CARGO_BIN_EXE_firesight");
    let run = |pinned: bool| {
        let mut cmd = if pinned { std::process::Command::new("taskset") } else { std::process::Command::new(exe) };
        if pinned {
            cmd.args(["-c", "0", exe]);
        }
        let out = cmd
            .args(["fold", &file.to_string_lossy()])
            .output()
            .unwrap_or_else(|e| panic!("taskset (util-linux): {e}"));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let (serial, threaded) = (run(true), run(false));
    assert_eq!(serial.lines().count(), 163 - 8 - 15, "one line per leaf stack");
    assert_eq!(serial, threaded);
}
