//! A pprof file is read one top-level field at a time, never whole: the
//! profile it gives, and the error of a damaged one (offset and wording),
//! are those of decoding the same bytes whole in memory
//! (`load::pprof::load_bytes`); a gzip bomb whose stream stops being a
//! profile is refused at its first bad byte, long before the
//! decompression cap.

use std::io::{Read, Write};

use firesight::load::pprof::load_bytes;
use firesight::load::{At, LoadError, LoadOptions, Progress, load_path};
use prost::bytes::Bytes;

use super::data;

fn gunzip(gz: &[u8]) -> Vec<u8> {
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(gz).read_to_end(&mut raw).unwrap_or_else(|e| panic!("{e}"));
    raw
}

/// Loads `bytes` from a file (the streamed path), forcing pprof.
fn streamed(bytes: &[u8]) -> Result<firesight::model::Profile, LoadError> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("profile.pb");
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
    let opts = LoadOptions { format: Some(firesight::load::Format::Pprof), ..LoadOptions::default() };
    load_path(&path, &opts, Progress::new()).map(|l| l.profile).map_err(|mut e| {
        e.path = None;
        e
    })
}

fn real_profiles() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in [data(""), data("generated")] {
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(".pb.gz"))
            .collect();
        names.sort();
        for p in names {
            let raw = gunzip(&std::fs::read(&p).unwrap_or_default());
            out.push((p.display().to_string(), raw));
        }
    }
    assert!(out.len() >= 15, "{} profiles", out.len());
    out
}

#[test]
fn a_streamed_profile_equals_the_whole_decode() {
    for (name, raw) in real_profiles() {
        let whole = load_bytes(Bytes::from(raw.clone()), None);
        let stream = streamed(&raw);
        match (whole, stream) {
            (Ok(a), Ok(b)) => {
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "{name}");
            }
            (Err(a), Err(b)) => assert_eq!((a.at, a.what), (b.at, b.what), "{name}"),
            (a, b) => panic!("{name}: whole {:?}, streamed {:?}", a.err(), b.err()),
        }
    }
}

#[test]
fn a_damaged_profile_fails_streamed_as_it_fails_whole() {
    let raw = gunzip(&std::fs::read(data("profile1.pb.gz")).unwrap_or_default());
    let n = raw.len();
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    // Cut anywhere: inside a sample, a location, the string table, a key.
    for cut in [1, 2, 3, 7, 40, n / 5, n / 3, n / 2, 2 * n / 3, n - 9, n - 2, n - 1] {
        cases.push((format!("cut at {cut}"), raw[..cut].to_vec()));
    }
    // A bad key, wire types a profile never has, an end-group, a length past the end.
    for (at, byte) in [(0, 0x07u8), (0, 0x00), (n / 2, 0x0f), (n / 3, 0x0c), (n / 4, 0xff)] {
        let mut b = raw.clone();
        b[at] = byte;
        cases.push((format!("byte {at} set to {byte:#x}"), b));
    }
    for tail in [&[0x12u8, 0x80, 0x80, 0x04][..], &[0x0a, 0x05, 0x08], &[0x33, 0x08, 0x01, 0x34], &[0x38]] {
        cases.push((format!("tail {tail:x?}"), [&raw[..], tail].concat()));
    }
    for (what, bytes) in cases {
        let whole = load_bytes(Bytes::from(bytes.clone()), None);
        let stream = streamed(&bytes);
        match (whole, stream) {
            (Err(a), Err(b)) => assert_eq!((a.at, a.what), (b.at, b.what), "{what}"),
            (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{what}"),
            (a, b) => panic!("{what}: whole {:?}, streamed {:?}", a.err(), b.err()),
        }
    }
}

#[test]
fn a_gzip_bomb_that_stops_being_a_profile_is_refused_at_its_first_bad_byte() {
    // A real profile, then 256 MiB of zeros: a few hundred KiB gzipped.
    let raw = gunzip(&std::fs::read(data("profile1.pb.gz")).unwrap_or_default());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&raw).unwrap_or_else(|e| panic!("{e}"));
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        gz.write_all(&zeros).unwrap_or_else(|e| panic!("{e}"));
    }
    let bomb = gz.finish().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("bomb.pb.gz");
    std::fs::write(&path, &bomb).unwrap_or_else(|e| panic!("{e}"));
    let progress = Progress::new();
    let e = load_path(&path, &LoadOptions::default(), progress.clone()).err().unwrap_or_else(|| panic!("loaded"));
    assert_eq!(e.at, Some(At::DecompressedByte(raw.len() as u64)), "{e}");
    assert!(e.what.contains("not a valid profile.proto: bad field key"), "{e}");
    // It stopped within a read of the bad byte, not at the end of the zeros.
    let out = progress.bytes_decompressed.load(std::sync::atomic::Ordering::Relaxed);
    assert!(out < raw.len() as u64 + (4 << 20), "decompressed {out} bytes");
}
