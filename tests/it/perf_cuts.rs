//! perf script inputs cut off or reshaped (found by a new user's run): a
//! header cut in the middle fails as any line cut off does, on one thread
//! and on parallel blocks; samples with no blank line between them load
//! alike below and above the size where parsing goes parallel (16 MiB),
//! with one warning at the real end only.

use std::io::Read;

use firesight::load::{self, LoadOptions, Progress};

use crate::common::{data, folded_text};

/// The generated perf script's text (`tests/data/perf/generated/`).
fn shop_c() -> Vec<u8> {
    let file = std::fs::File::open(data("perf/generated/shop-c.perf.txt.gz")).unwrap();
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(file).read_to_end(&mut text).unwrap();
    text
}

/// Loads `bytes` from a file (so the size picks the parsing path).
fn load_file(bytes: &[u8]) -> Result<load::Loaded, load::LoadError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.perf.txt");
    std::fs::write(&path, bytes).unwrap();
    load::load_path(&path, &LoadOptions::default(), Progress::new())
}

/// `times` copies of `text` (whole samples), so the file crosses 16 MiB.
fn repeated(text: &[u8], times: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * times);
    for _ in 0..times {
        out.extend_from_slice(text);
    }
    out
}

#[test]
fn a_header_cut_in_its_event_fails_as_a_cut_file_on_both_paths() {
    let text = shop_c();
    // Cut 50 bytes into the last sample's header: `... 1001001 cpu-`.
    let last = text[..text.len() - 2].windows(2).rposition(|w| w == b"\n\n").unwrap() + 2;
    let header_end = last + text[last..].iter().position(|&b| b == b'\n').unwrap();
    for cut in [last + 50, header_end - 3, header_end - 12] {
        let small = load_file(&text[..cut]).err().map(|e| e.to_string());
        assert!(small.as_deref().is_some_and(|e| e.contains("ends in the middle of a sample")), "{cut}: {small:?}");
        let times = (17 << 20) / text.len() + 1;
        let mut big = repeated(&text, times);
        big.extend_from_slice(&text[..cut]);
        let big = load_file(&big).err().map(|e| e.to_string());
        assert!(big.as_deref().is_some_and(|e| e.contains("ends in the middle of a sample")), "{cut}: {big:?}");
    }
    // Cut right after a whole header's `event:`: a sample without frames,
    // kept as read (nothing says it was cut).
    let whole = load_file(&text[..header_end]).unwrap();
    assert_eq!(whole.profile.metrics.len(), 1, "{:?}", whole.profile.metrics);
}

#[test]
fn samples_without_blank_lines_load_alike_below_and_above_16_mib() {
    let text = shop_c();
    let packed: Vec<u8> =
        text.split(|&b| b == b'\n').filter(|l| !l.is_empty()).flat_map(|l| [l, b"\n"]).flatten().copied().collect();
    let small = load_file(&packed).unwrap().profile;
    let times = (17 << 20) / packed.len() + 1;
    let big = load_file(&repeated(&packed, times)).unwrap().profile;
    let ends = |p: &firesight::model::Profile| {
        p.warnings.iter().filter(|w| w.message.contains("ends inside this sample")).count()
    };
    // The last sample has no blank line after it: one warning, at the end.
    assert_eq!(ends(&small), 1);
    assert_eq!(ends(&big), 1, "{:?}", big.warnings.first());
    assert_eq!(big.warnings_total, small.warnings_total);
    let m = small.default_metric;
    assert_eq!(big.total(m), small.total(m) * times as i128);
    assert_eq!(big.samples.len(), small.samples.len() * times);
    assert_eq!(folded_text(&load_file(&text).unwrap().profile), folded_text(&small));
}
