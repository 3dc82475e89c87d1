//! Inputs that must fail, each with its message (as pprof's
//! `TestParseError` keeps a table of them).

use std::io::Read;

use firesight::load::pprof::proto;
use firesight::load::{At, Format, LoadOptions, Progress, load_path};
use prost::Message;

use super::data;

/// Loads `bytes` from a temporary file; the error's text (path removed).
fn fail(bytes: &[u8], forced: bool) -> (String, Option<At>) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("bad.pb");
    std::fs::write(&path, bytes).unwrap_or_default();
    let opts = LoadOptions { format: forced.then_some(Format::Pprof), ..LoadOptions::default() };
    match load_path(&path, &opts, Progress::new()) {
        Ok(l) => panic!("loaded {} samples from bad input", l.profile.samples.len()),
        Err(mut e) => {
            e.path = None;
            (e.to_string(), e.at)
        }
    }
}

fn heap_raw() -> Vec<u8> {
    let gz = std::fs::read(data("generated/heap.pb.gz")).unwrap_or_default();
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut raw).unwrap_or_default();
    raw
}

fn tiny(edit: impl FnOnce(&mut proto::Profile)) -> Vec<u8> {
    let mut p = proto::Profile {
        string_table: vec![b"".to_vec(), b"samples".to_vec(), b"count".to_vec(), b"main".to_vec()],
        sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
        function: vec![proto::Function { id: 1, name: 3, ..Default::default() }],
        location: vec![proto::Location {
            id: 1,
            line: vec![proto::Line { function_id: 1, line: 1, column: 0 }],
            ..Default::default()
        }],
        sample: vec![proto::Sample { location_id: vec![1], value: vec![1], label: vec![] }],
        ..Default::default()
    };
    edit(&mut p);
    p.encode_to_vec()
}

#[test]
fn bad_inputs_fail_with_where_and_what() {
    let gz = std::fs::read(data("generated/heap.pb.gz")).unwrap_or_default();
    let raw = heap_raw();
    let cases: Vec<(&str, Vec<u8>, bool, &str)> = vec![
        ("empty file", Vec::new(), false, "input, byte offset 0: the file is empty; expected a profile or a trace"),
        ("empty file, pprof forced", Vec::new(), true, "pprof: the profile is empty (no sample types, no samples)"),
        ("truncated gzip", gz[..gz.len() / 2].to_vec(), false, "gzip, byte offset "),
        ("truncated protobuf", raw[..raw.len() * 6 / 10].to_vec(), false, "pprof, byte offset "),
        (
            "string index out of range",
            tiny(|p| p.function[0].name = 99),
            false,
            "pprof, byte offset 28: string index 99 in Function.name of function 1 is out of range (the string table has 4 entries)",
        ),
        (
            "location id that does not exist",
            tiny(|p| p.sample[0].location_id = vec![42]),
            false,
            "pprof, byte offset 8: sample 0 refers to location id 42, which does not exist",
        ),
        (
            "wrong number of values",
            tiny(|p| p.sample[0].value = vec![1, 2]),
            false,
            "pprof, byte offset 8: sample 0 has 2 values, expected one per sample type (1)",
        ),
        (
            "line with a missing function",
            tiny(|p| p.location[0].line[0].function_id = 7),
            false,
            "pprof, byte offset 20: location 1 has a line with function id 7, which does not exist",
        ),
        (
            "garbage forced as pprof",
            b"\x0a\xff\xff\xff\xff\x0f".to_vec(),
            true,
            "pprof, byte offset 0: not a valid profile.proto: field sample_type[0] declares",
        ),
    ];
    for (what, bytes, forced, want) in cases {
        let (got, _) = fail(&bytes, forced);
        assert!(got.starts_with(want), "{what}:\n  got  {got}\n  want {want}...");
    }
    let (msg, at) = fail(&gz[..gz.len() / 2], false);
    assert!(msg.contains("truncated gzip stream"), "{msg}");
    // Where the compressed stream ends: the whole cut file was read.
    assert_eq!(at, Some(At::Byte((gz.len() / 2) as u64)));
    let (msg, at) = fail(&raw[..raw.len() * 6 / 10], false);
    assert!(msg.contains("(truncated profile?)"), "{msg}");
    assert!(matches!(at, Some(At::Byte(n)) if n > 0 && n < raw.len() as u64), "{at:?}");
}

/// Errors found after decoding (a string index out of range, an id that
/// does not exist or repeats) point at the very field: the bytes at the
/// offset are that field's key and then the bad number.
#[test]
fn reference_errors_point_at_the_bad_field() {
    use prost::encoding::{decode_key, decode_varint};
    let with_mapping = |p: &mut proto::Profile| {
        p.mapping = vec![proto::Mapping { id: 1, filename: 77, ..Default::default() }];
        p.location[0].mapping_id = 1;
    };
    let cases: Vec<(&str, Vec<u8>, u32, u64)> = vec![
        ("Function.name", tiny(|p| p.function[0].name = 99), 2, 99),
        ("Function.filename", tiny(|p| p.function[0].filename = 98), 4, 98),
        ("Line.function_id", tiny(|p| p.location[0].line[0].function_id = 7), 1, 7),
        ("ValueType.unit", tiny(|p| p.sample_type[0].unit = 50), 2, 50),
        ("Mapping.filename", tiny(with_mapping), 5, 77),
        ("drop_frames", tiny(|p| p.drop_frames = 66), 7, 66),
        (
            "a repeated function id",
            tiny(|p| p.function.push(proto::Function { id: 1, name: 3, ..Default::default() })),
            1,
            1,
        ),
    ];
    for (what, bytes, tag, value) in cases {
        let (msg, at) = fail(&bytes, false);
        let Some(At::Byte(off)) = at else { panic!("{what}: no byte offset in {msg}") };
        let mut rest = &bytes[off as usize..];
        let key = decode_key(&mut rest).map(|(t, _)| t);
        let got = decode_varint(&mut rest).ok();
        assert_eq!((key.ok(), got), (Some(tag), Some(value)), "{what}: {msg}");
    }
    // Gzipped, the same error counts in the decompressed data, and says so.
    let raw = tiny(|p| p.function[0].name = 99);
    let (_, raw_at) = fail(&raw, false);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &raw).unwrap_or_default();
    let (msg, at) = fail(&gz.finish().unwrap_or_default(), false);
    let Some(At::Byte(n)) = raw_at else { panic!("{raw_at:?}") };
    assert_eq!(at, Some(At::DecompressedByte(n)));
    assert!(msg.starts_with(&format!("pprof, byte offset {n} of the decompressed data: string index 99")), "{msg}");

    // A packed repeated field is one field on the wire: its key is given.
    let bytes = tiny(|p| p.comment = vec![0, 88]);
    let (msg, at) = fail(&bytes, false);
    assert!(msg.contains("string index 88 in Profile.comment[1]"), "{msg}");
    let Some(At::Byte(off)) = at else { panic!("no byte offset in {msg}") };
    assert_eq!(decode_key(&mut &bytes[off as usize..]).map(|(t, _)| t).ok(), Some(13));
}

/// Loads `bytes`; the profile's warning texts.
fn warnings(bytes: &[u8]) -> (firesight::model::Profile, Vec<String>) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("odd.pb");
    std::fs::write(&path, bytes).unwrap_or_default();
    match load_path(&path, &LoadOptions::default(), Progress::new()) {
        Ok(l) => {
            let w = l.profile.warnings.iter().map(|w| w.message.clone()).collect();
            (l.profile, w)
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn odd_inputs_load_with_warnings() {
    let (p, w) = warnings(&tiny(|p| p.sample_type[0].r#type = 0));
    assert_eq!(p.metrics[0].name, "sample_type_0");
    assert_eq!(
        w,
        ["sample type 0 has no name; called sample_type_0", "the profile has no mappings; frames have no module"]
    );

    let (p, w) = warnings(&tiny(|p| {
        p.sample_type.clear();
        p.period_type = Some(proto::ValueType { r#type: 1, unit: 2 });
    }));
    assert_eq!((p.metrics[0].name.as_str(), p.total(p.default_metric)), ("samples", 1));
    assert!(w[0].starts_with("the profile has no sample types; its values are read as \"samples\" (count)"), "{w:?}");

    let (p, w) = warnings(&tiny(|p| {
        p.function.clear();
        p.location[0].line.clear();
        p.string_table[3] = b"main\xc3".to_vec();
        p.comment = vec![3];
    }));
    assert_eq!(p.frames.name(firesight::model::FrameId(0)), "<unknown>");
    assert_eq!(p.meta, [("comment".to_string(), "main\u{fffd}".to_string())]);
    assert_eq!(
        w,
        [
            "string table entry 3 is not valid UTF-8; invalid bytes replaced with U+FFFD: \"main\u{fffd}\"",
            "the profile has no mappings; frames have no module",
            "the profile has no functions (not symbolized); frames are named after their binary, as pprof names them",
        ]
    );
}
