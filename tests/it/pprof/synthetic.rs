//! A profile built here with prost and committed as
//! `tests/data/pprof/synthetic.pb.gz`, so `go tool pprof` could be run on it
//! (its golden outputs are checked in `mod.rs`): drop/keep frames, inlined
//! lines, an unsymbolized location, labels, a negative value, a symbol name
//! that is not UTF-8 and a non-last default sample type.
//! `FIRESIGHT_BLESS=1 cargo test` rewrites the file after a change here.

use std::io::{Read, Write};

use firesight::load::pprof::proto;
use firesight::model::{FrameKind, LabelValue, Profile};
use prost::Message;

use super::{data, load};

/// Builds a profile, interning strings as it goes.
#[derive(Default)]
pub(super) struct Make {
    pub(super) p: proto::Profile,
}

impl Make {
    pub(super) fn s(&mut self, text: &[u8]) -> i64 {
        let t = &mut self.p.string_table;
        if t.is_empty() {
            t.push(Vec::new());
        }
        match t.iter().position(|x| x == text) {
            Some(i) => i as i64,
            None => {
                t.push(text.to_vec());
                t.len() as i64 - 1
            }
        }
    }

    pub(super) fn function(&mut self, id: u64, name: &[u8]) {
        let name = self.s(name);
        let filename = self.s(b"app/main.go");
        self.p.function.push(proto::Function { id, name, system_name: name, filename, start_line: 10 });
    }

    /// A location with `funcs` as its lines, leaf (innermost inlined) first.
    pub(super) fn location(&mut self, id: u64, mapping_id: u64, funcs: &[u64]) {
        let line = funcs.iter().map(|&f| proto::Line { function_id: f, line: 10 + f as i64, column: 0 }).collect();
        self.p.location.push(proto::Location { id, mapping_id, address: 0x1000 + id, line, is_folded: false });
    }

    pub(super) fn sample(&mut self, locs: &[u64], values: [i64; 2], labels: Vec<proto::Label>) {
        self.p.sample.push(proto::Sample { location_id: locs.to_vec(), value: values.to_vec(), label: labels });
    }
}

/// The synthetic profile's protobuf bytes (uncompressed).
pub fn synthetic_bytes() -> Vec<u8> {
    let mut m = Make::default();
    m.s(b"");
    let (space, bytes, samples, count) = (m.s(b"alloc_space"), m.s(b"bytes"), m.s(b"samples"), m.s(b"count"));
    m.p.sample_type =
        vec![proto::ValueType { r#type: space, unit: bytes }, proto::ValueType { r#type: samples, unit: count }];
    m.p.default_sample_type = samples;
    m.p.period_type = Some(proto::ValueType { r#type: space, unit: bytes });
    m.p.period = 524_288;
    m.p.time_nanos = 1_700_000_000_000_000_000;
    m.p.duration_nanos = 1_500_000_000;
    m.p.comment = vec![m.s(b"synthetic profile for Firesight tests")];
    m.p.drop_frames = m.s(br"runtime\.(mallocgc|memmove|goexit|keepme)|sync\..*");
    m.p.keep_frames = m.s(br"runtime\.keepme");
    let (app, libc) = (m.s(b"/usr/bin/app"), m.s(b"/lib/x86_64-linux-gnu/libc.so.6"));
    m.p.mapping.push(proto::Mapping {
        id: 1,
        memory_limit: 0x10_0000,
        filename: app,
        has_functions: true,
        ..Default::default()
    });
    m.p.mapping.push(proto::Mapping {
        id: 2,
        memory_start: 0x10_0000,
        memory_limit: 0x20_0000,
        filename: libc,
        ..Default::default()
    });
    let names: [&[u8]; 11] = [
        b"main.main",
        b"app.alloc",
        b"runtime.mallocgc",
        b"runtime.memmove",
        b"app.copy",
        b"runtime.goexit",
        b"app.worker",
        b"runtime.keepme",
        b"sync.(*Mutex).Lock",
        b"app.bad\xff\xfename",
        b"app.lock",
    ];
    for (i, n) in names.iter().enumerate() {
        m.function(i as u64 + 1, n);
    }
    for (id, funcs) in [
        (1, &[3][..]),
        (2, &[2]),
        (3, &[1]),
        (4, &[4, 5]),
        (5, &[6]),
        (6, &[7]),
        (7, &[8]),
        (8, &[9]),
        (9, &[10]),
        (10, &[11]),
        (12, &[3, 2]),
        (13, &[5, 2]),
    ] {
        m.location(id, 1, funcs);
    }
    m.location(11, 2, &[]);
    let (endpoint, x, size) = (m.s(b"endpoint"), m.s(b"/x"), m.s(b"size"));
    let labels = vec![
        proto::Label { key: endpoint, str: x, num: 0, num_unit: 0 },
        proto::Label { key: size, str: 0, num: 1024, num_unit: bytes },
    ];
    m.sample(&[1, 2, 3], [100, 1], vec![]);
    m.sample(&[4, 2, 3], [50, 2], vec![]);
    m.sample(&[6, 5], [7, 3], vec![]);
    m.sample(&[7, 6, 5], [-20, 1], vec![]);
    m.sample(&[8, 10, 6, 5], [30, 1], vec![]);
    m.sample(&[9, 3], [5, 1], labels);
    m.sample(&[11, 3], [9, 1], vec![]);
    m.sample(&[12, 3], [3, 1], vec![]);
    m.sample(&[1, 6, 5], [4, 1], vec![]);
    m.sample(&[13, 3], [1, 1], vec![]);
    m.p.encode_to_vec()
}

#[test]
fn synthetic_profile_file_is_current() {
    let want = synthetic_bytes();
    let path = data("synthetic.pb.gz");
    if std::env::var_os("FIRESIGHT_BLESS").is_some() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&want).unwrap_or_default();
        std::fs::write(&path, gz.finish().unwrap_or_default()).unwrap_or_default();
    }
    let mut got = Vec::new();
    let file = std::fs::read(&path).unwrap_or_default();
    flate2::read::GzDecoder::new(&file[..]).read_to_end(&mut got).unwrap_or_default();
    assert!(
        got == want,
        "tests/data/pprof/synthetic.pb.gz is stale: rerun with FIRESIGHT_BLESS=1, then golden/make.sh"
    );
}

fn frame_named<'a>(p: &'a Profile, name: &str) -> Option<&'a firesight::model::Frame> {
    p.frames.iter().map(|(_, f)| f).find(|f| f.name == name)
}

#[test]
fn synthetic_profile_keeps_what_pprof_keeps() {
    let p = load(&data("synthetic.pb.gz"));
    // default_sample_type names the first type here.
    assert_eq!(p.metric(p.default_metric).name, "samples");
    // Negative values are kept: 100+50+7-20+30+5+9+3+4+1.
    assert_eq!(p.total(firesight::model::MetricId(0)), 189);
    // Inlined lines become Inline frames below their caller, with file and line.
    let copy = frame_named(&p, "app.copy");
    assert!(p.frames.iter().any(|(_, f)| f.name == "app.copy" && f.kind == FrameKind::Inline));
    assert_eq!(copy.and_then(|f| f.file.clone()).as_deref(), Some("app/main.go"));
    assert_eq!(frame_named(&p, "main.main").map(|f| (f.module.as_str(), f.line)), Some(("app", Some(11))));
    // Unsymbolized: named after the binary.
    assert_eq!(frame_named(&p, "[libc.so.6]").map(|f| f.kind), Some(FrameKind::Unknown));
    // Not UTF-8: replaced, with a warning.
    assert!(frame_named(&p, "app.bad\u{fffd}\u{fffd}name").is_some());
    assert!(p.warnings.iter().any(|w| w.message.contains("not valid UTF-8")), "{:?}", p.warnings);
    // Dropped frames are gone from every stack; runtime.keepme is kept;
    // goexit stays at a root (pprof never prunes before the first user frame).
    let mut path = Vec::new();
    let mut leaves = Vec::new();
    for s in p.samples.stacks.iter().flatten() {
        p.stacks.frames_root_first(*s, &mut path);
        let names: Vec<&str> = path.iter().map(|&f| p.frames.name(f)).collect();
        assert!(
            !names.iter().any(|n| n.contains("mallocgc") || n.contains("memmove") || n.contains("Mutex")),
            "{names:?}"
        );
        leaves.push(names.join(";"));
    }
    assert!(leaves.contains(&"runtime.goexit;app.worker;runtime.keepme".to_string()), "{leaves:?}");
    assert!(leaves.contains(&"runtime.goexit;app.worker".to_string()), "{leaves:?}");
    // Labels: a string and a number with its unit.
    let labelled =
        (0..p.samples.len()).find(|&i| !p.labels(i).is_empty()).map(|i| p.labels(i).to_vec()).unwrap_or_default();
    assert_eq!(labelled[0].value, LabelValue::Str("/x".into()));
    assert_eq!(labelled[1].value, LabelValue::Num { value: 1024, unit: Some("bytes".into()) });
    let meta: Vec<String> = p.meta.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    assert_eq!(
        meta,
        [
            "period type: alloc_space bytes",
            "period: 524288 bytes",
            "time: 2023-11-14 22:13:20.000000000 UTC",
            "duration: 1.50 s (1500000000 ns)",
            "comment: synthetic profile for Firesight tests",
            "drop frames: runtime\\.(mallocgc|memmove|goexit|keepme)|sync\\..*",
            "keep frames: runtime\\.keepme",
            "main binary: /usr/bin/app",
        ]
    );
}
