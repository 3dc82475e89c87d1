//! Folded stacks on real files: totals and warnings (computed by hand from
//! the files, see each comment), the speedscope triple check (load, sniff
//! without a name, export and reload give the same), chunked reading, and the
//! reference faults (2^63 counts, fractions).

use firesight::load::{At, Format, LoadOptions};
use firesight::model::dump::dump;
use firesight::model::{CallTree, FunctionTable, MetricId};

use crate::common::{data, folded_text, load, load_bytes, load_with};

/// (file, exact total as printed, distinct stacks, warnings).
/// Totals: the sum of the last column of each line that is a stack
/// (`awk '{s+=$NF} END {print s}'`, minus bad lines for bad-lines.txt:
/// awk reads `12V.43` as 12, so 619 - 12 = 607). Lines with the same stack
/// are one sample, so samples = distinct stacks:
/// `grep -E ' [0-9.]+$' F | sed -E 's/ [0-9.]+$//' | sort -u | wc -l`.
const FILES: &[(&str, &str, usize, u64)] = &[
    ("folded/alternating.txt", "182", 2, 0),
    ("folded/bad-lines.txt", "607", 6, 2),
    ("folded/diff-after.txt", "80", 8, 0),
    ("folded/diff-before.txt", "65", 8, 0),
    ("folded/flames.txt", "598400", 205, 0),
    ("folded/fractional.txt", "334.618", 6, 0),
    ("folded/narrow-blocks.txt", "386001", 6, 0),
    ("folded/recursion.txt", "10", 7, 0),
    ("folded/simple-crlf.txt", "14", 3, 0),
    ("folded/simple-with-invalids.txt", "14", 3, 3),
    ("folded/simple.txt", "14", 3, 0),
    ("folded/tall.txt", "1", 1, 0),
    ("folded/tricky-stack.txt", "3", 1, 0),
    ("folded/with-space.txt", "334.618", 6, 0),
    ("folded/zero-fractionals.txt", "333", 6, 0),
    ("folded/pyspy-shop.folded", "355", 27, 0),
];

#[test]
fn totals_and_warnings_match_the_files() {
    for &(file, total, samples, warnings) in FILES {
        let l = load(file);
        assert_eq!(l.format, Format::Folded, "{file}");
        let p = &l.profile;
        let m = p.default_metric;
        assert_eq!(p.metric(m).format_exact(p.total(m)), total, "{file} total");
        assert_eq!(p.samples.len(), samples, "{file} distinct stacks");
        assert_eq!(p.warnings_total, warnings, "{file} warnings: {:?}", p.warnings);
    }
}

#[test]
fn warnings_name_their_lines() {
    let p = load("folded/simple-with-invalids.txt").profile;
    let lines: Vec<u64> = p.warnings.iter().filter_map(|w| w.line).collect();
    assert_eq!(lines, vec![1, 2, 8]);
    assert!(p.warnings[2].message.contains("invalid line"), "{:?}", p.warnings[2]);
    let p = load("folded/bad-lines.txt").profile;
    let lines: Vec<u64> = p.warnings.iter().filter_map(|w| w.line).collect();
    assert_eq!(lines, vec![3, 6]);
}

#[test]
fn triple_check_sniff_roundtrip_and_chunks() {
    for &(file, ..) in FILES {
        let first = load(file).profile;
        let golden = dump(&first);
        // Sniffed from content alone, no file name.
        let bytes = std::fs::read(data(file)).expect("read");
        let again = load_bytes(bytes.clone(), &LoadOptions::default()).expect("sniffed load");
        assert_eq!(dump(&again.profile), golden, "{file}: sniffing");
        // Export folded, load again: the same tree.
        let text = folded_text(&first);
        let reloaded = load_bytes(text.into_bytes(), &LoadOptions::default()).expect("reload");
        assert_eq!(dump(&reloaded.profile), golden, "{file}: fold round trip");
        // 64-byte reads give the same model.
        let tiny = LoadOptions { chunk_size: 64, ..LoadOptions::default() };
        assert_eq!(dump(&load_with(file, &tiny).profile), golden, "{file}: 64-byte chunks");
    }
}

#[test]
fn counts_past_2_pow_63_stay_exact() {
    let text = "a;b 9223372036854775808\na;b 9223372036854775807\na;c 1.5\n";
    let l = load_bytes(text.as_bytes().to_vec(), &LoadOptions::default()).expect("load");
    let p = &l.profile;
    assert_eq!(p.metric(MetricId(0)).format_exact(p.total(MetricId(0))), "18446744073709551616.5");
    assert_eq!(folded_text(p), "a;b 18446744073709551615\na;c 1.5\n");
}

#[test]
fn fractions_survive_the_tree_and_table() {
    let p = load("folded/fractional.txt").profile;
    let m = p.default_metric;
    let tree = CallTree::build(&p, m, &Default::default());
    assert_eq!(p.metric(m).format_exact(tree.total()), "334.618");
    let table = FunctionTable::build(&tree, p.frames.len());
    let main = table.rows.iter().find(|r| p.frames.name(r.frame) == "main").expect("main");
    // main: 31.23 (cksum;_start;...;main;cksum) + 19.0 + 274.321 = 324.551
    assert_eq!(p.metric(m).format_exact(main.total), "324.551");
    // noploop;main 274.321 is the only stack that ends in main.
    assert_eq!(p.metric(m).format_exact(main.self_weight), "274.321");
}

#[test]
fn recursion_counts_total_once_per_sample() {
    // recursion.txt: a;a 1, b;b 1, a;b 1, b;a 1 ... (10 lines of 1).
    let p = load("folded/recursion.txt").profile;
    let text = std::fs::read_to_string(data("folded/recursion.txt")).expect("read");
    let with_a = text.lines().filter(|l| l.split(' ').next().is_some_and(|s| s.split(';').any(|f| f == "a"))).count();
    let tree = CallTree::build(&p, p.default_metric, &Default::default());
    let table = FunctionTable::build(&tree, p.frames.len());
    let a = table.rows.iter().find(|r| p.frames.name(r.frame) == "a").expect("a");
    assert_eq!(a.total, with_a as i128);
}

#[test]
fn deep_stacks_load_fold_and_tabulate() {
    let frames: Vec<String> = (0..100_000).map(|i| format!("f{}", i % 1000)).collect();
    let text = format!("{} 7\n", frames.join(";"));
    let l = load_bytes(text.clone().into_bytes(), &LoadOptions::default()).expect("load");
    let p = &l.profile;
    assert_eq!(p.stacks.len(), 100_000);
    assert_eq!(folded_text(p), text);
    let tree = CallTree::build(p, p.default_metric, &Default::default());
    assert_eq!(tree.max_depth, 100_000);
    let table = FunctionTable::build(&tree, p.frames.len());
    assert_eq!(table.rows.len(), 1000);
    assert!(table.rows.iter().all(|r| r.total == 7));
}

#[test]
fn inputs_that_must_fail() {
    let cases: &[(&[u8], &str)] = &[
        (b"", "the file is empty"),
        (b"   \n\n", "only white space"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00", "an ELF executable"),
        (b"\x01\x02\x03\x04\x05\x06\x07\x08", "unrecognised binary data"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x4b\x4c", "gzip"),
        (b"just some words\nand more words\n", "neither perf script"),
        (b"only;bad;lines\nmore bad lines x\n", "neither perf script"),
    ];
    for (bytes, want) in cases {
        let err = load_bytes(bytes.to_vec(), &LoadOptions::default()).expect_err("must fail");
        assert!(err.to_string().contains(want), "{:?}: {err}", String::from_utf8_lossy(bytes));
    }
    let forced = LoadOptions { format: Some(Format::Folded), ..LoadOptions::default() };
    let err = load_bytes(b"# comment\nnot a stack\n".to_vec(), &forced).expect_err("must fail");
    assert_eq!(
        err.to_string(),
        "folded, line 1: no line is a stack (expected `frame;frame;... count`); first bad line: \"# comment\""
    );
}

#[test]
fn gzip_is_found_by_content_not_name() {
    use std::io::Write;
    let raw = std::fs::read(data("folded/flames.txt")).expect("read");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&raw).expect("gzip");
    let packed = gz.finish().expect("gzip");
    let a = load_bytes(packed.clone(), &LoadOptions::default()).expect("gzipped load");
    assert_eq!(dump(&a.profile), dump(&load("folded/flames.txt").profile));
    let capped = LoadOptions { max_decompressed: 1000, ..LoadOptions::default() };
    let err = load_bytes(packed, &capped).expect_err("cap");
    assert!(err.to_string().contains("larger than the cap of 1000 bytes"), "{err}");
}

#[test]
fn a_folded_line_may_start_with_a_bracket_and_files_may_have_a_bom() {
    // `[unknown];main 5` starts like JSON; a BOM starts many Windows files.
    let l = load_bytes(b"[libc.so];main;work 5\n[unknown] 2\n".to_vec(), &LoadOptions::default()).expect("folded");
    assert_eq!(l.format, Format::Folded);
    assert_eq!(folded_text(&l.profile), "[libc.so];main;work 5\n[unknown] 2\n");
    let l = load_bytes(b"\xEF\xBB\xBFa;b 3\n".to_vec(), &LoadOptions::default()).expect("bom");
    assert_eq!(folded_text(&l.profile), "a;b 3\n");
}

#[test]
fn gzip_inside_gzip_is_undone() {
    use std::io::Write;
    let mut inner = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    inner.write_all(b"a;b 3\na;c 4\n").expect("gzip");
    let mut outer = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    outer.write_all(&inner.finish().expect("gzip")).expect("gzip");
    let l = load_bytes(outer.finish().expect("gzip"), &LoadOptions::default()).expect("double gzip");
    assert_eq!(folded_text(&l.profile), "a;b 3\na;c 4\n");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip")
}

#[test]
fn gzip_members_are_read_in_turn_and_trailing_garbage_is_named() {
    // `cat a.gz b.gz`: two members, one stream (RFC 1952).
    let mut two = gzip(b"a;b 3\n");
    two.extend(gzip(b"a;c 4\n"));
    let l = load_bytes(two.clone(), &LoadOptions::default()).expect("two members");
    assert_eq!(folded_text(&l.profile), "a;b 3\na;c 4\n");
    // Bytes after the last member that are not gzip: named, at their offset.
    let mut bad = two.clone();
    bad.extend(b"garbage!!");
    let err = load_bytes(bad, &LoadOptions::default()).expect_err("trailing garbage");
    assert_eq!(err.at, Some(At::Byte(two.len() as u64)));
    assert!(
        err.what.starts_with(&format!(
            "9 bytes after the end of the gzip data are not gzip (trailing garbage), from byte {} of the file",
            two.len()
        )),
        "{err}"
    );
    // A wrong length in the trailer: named as such, at the end of the file.
    let mut bad = gzip(b"a;b 3\n");
    let n = bad.len();
    bad[n - 1] ^= 0x40;
    let err = load_bytes(bad, &LoadOptions::default()).expect_err("bad trailer");
    assert_eq!(err.at, Some(At::Byte(n as u64)));
    assert!(err.what.starts_with("the gzip trailer (CRC-32 or length) does not match the data"), "{err}");
    // Content no loader knows, inside gzip: said to be the decompressed data.
    let err = load_bytes(gzip(&[0xff, 0x00, 0x17, 0x80, 0x02]), &LoadOptions::default()).expect_err("binary");
    assert_eq!(err.at, Some(At::DecompressedByte(0)));
    assert!(
        err.to_string().starts_with("input, byte offset 0 of the decompressed data: unrecognised binary data"),
        "{err}"
    );
    // A bomb stops at the cap, at the offset reached in the file.
    let bomb = gzip(&b"a;b 1\n".repeat(200_000));
    let capped = LoadOptions { max_decompressed: 100_000, ..LoadOptions::default() };
    let err = load_bytes(bomb.clone(), &capped).expect_err("cap");
    assert!(err.what.contains("larger than the cap of 100000 bytes after reading"), "{err}");
    assert!(matches!(err.at, Some(At::Byte(n)) if n <= bomb.len() as u64), "{err}");
}
