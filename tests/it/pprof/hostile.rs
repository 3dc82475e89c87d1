//! Profiles that `go tool pprof` refuses, refused the same way: two
//! profiles back to back ("concatenated profiles detected") and a string
//! table whose entry 0 is not empty ("string_table[0] must be ''").

use std::io::Read;

use firesight::load::pprof::proto;
use firesight::load::{At, LoadOptions, Progress, load_path};
use prost::Message;

use super::data;

/// The error of loading `bytes` from a file, without its path.
fn error_of(bytes: &[u8]) -> firesight::load::LoadError {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("profile.pb.gz");
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
    match load_path(&path, &LoadOptions::default(), Progress::new()) {
        Ok(l) => panic!("loaded {} samples", l.profile.samples.len()),
        Err(mut e) => {
            e.path = None;
            e
        }
    }
}

fn gunzip(gz: &[u8]) -> Vec<u8> {
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(gz).read_to_end(&mut raw).unwrap_or_else(|e| panic!("{e}"));
    raw
}

#[test]
fn concatenated_profiles_are_named_at_the_second_one() {
    // `cat a.pb.gz b.pb.gz` of real Go profiles: two gzip members.
    // go tool pprof: "parsing profile: concatenated profiles detected".
    let a = std::fs::read(data("generated/cpu.pb.gz")).unwrap_or_default();
    let b = std::fs::read(data("generated/heap.pb.gz")).unwrap_or_default();
    let first_len = gunzip(&a).len() as u64;
    let e = error_of(&[a.clone(), b.clone()].concat());
    assert_eq!(e.at, Some(At::DecompressedByte(first_len)), "{e}");
    assert!(e.what.starts_with("concatenated profiles detected: a second profile.proto message starts here"), "{e}");
    assert!(e.what.contains("go tool pprof -proto a.pb.gz b.pb.gz > merged.pb.gz"), "{e}");
    // The same two messages uncompressed, back to back.
    let e = error_of(&[gunzip(&a), gunzip(&b)].concat());
    assert_eq!(e.at, Some(At::Byte(first_len)), "{e}");
    assert!(e.what.starts_with("concatenated profiles detected"), "{e}");
    // Profiles written by google/pprof's encoder (fields in tag order, time
    // after the string table) and by prost without time_nanos: found by
    // the restart of the fields, not by repeated ids.
    let fib = std::fs::read(data("fib.pb.gz")).unwrap_or_default();
    let e = error_of(&[fib.clone(), fib.clone()].concat());
    assert_eq!(e.at, Some(At::DecompressedByte(gunzip(&fib).len() as u64)), "{e}");
    let tiny = tiny(|_| {});
    let e = error_of(&[tiny.clone(), tiny.clone()].concat());
    assert_eq!(e.at, Some(At::Byte(tiny.len() as u64)), "{e}");
    assert!(e.what.starts_with("concatenated profiles detected"), "{e}");
}

fn tiny(edit: impl FnOnce(&mut proto::Profile)) -> Vec<u8> {
    let mut p = proto::Profile {
        string_table: vec![b"".to_vec(), b"samples".to_vec(), b"count".to_vec(), b"main.main".to_vec()],
        sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
        mapping: vec![proto::Mapping { id: 1, ..Default::default() }],
        function: vec![proto::Function { id: 1, name: 3, ..Default::default() }],
        location: vec![proto::Location {
            id: 1,
            mapping_id: 1,
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
fn a_string_table_whose_entry_0_is_not_empty_is_refused() {
    // Entry 0 is "main.main": every unset string field (drop_frames, file
    // names, build ids) would read it. go tool pprof: "string_table[0] must be ''".
    let bytes = tiny(|p| {
        p.string_table[0] = b"main.main".to_vec();
        p.string_table.truncate(3);
        p.function[0].name = 0;
    });
    let e = error_of(&bytes);
    let at = bytes.windows(11).position(|w| w == b"\x32\x09main.main").unwrap_or_default();
    assert_eq!(e.at, Some(At::Byte(at as u64)), "{e}");
    assert_eq!(
        e.what,
        "string_table[0] must be the empty string (index 0 means \"unset\" in every string field), but it is \
         \"main.main\"; go tool pprof rejects such a profile too"
    );
}

#[test]
fn many_sample_types_cost_time_and_memory_in_proportion_to_the_file() {
    // 200 000 sample types (two bytes each) and 4096 empty samples: 400 KB
    // that once asked for 4096 x 200 000 weights up front (13 GB, an abort)
    // after comparing every type's name with every other (minutes).
    let mut bytes = b"\x0a\x00".repeat(200_000);
    bytes.extend_from_slice(&b"\x12\x00".repeat(4096));
    bytes.extend_from_slice(b"\x32\x00");
    let started = std::time::Instant::now();
    let e = error_of(&bytes);
    assert_eq!(e.what, "sample 0 has 0 values, expected one per sample type (200000)");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
}
