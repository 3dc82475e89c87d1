//! perf script loader: folds equal to inferno-collapse-perf (and the Perl
//! original) on real files, inferno's known faults done right, failing
//! inputs, chunked reading, deep stacks.
//!
//! Inputs and expected outputs are copies from ../shared/sample-data (see
//! tests/data/perf/SOURCES.md for origins and licences).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use firesight::load::{Format, LoadOptions, PerfOptions, Progress, load_path};
use firesight::model::{FrameKind, MetricId, Profile, StackId, Unit, Weight};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/perf").join(rel)
}

fn load_with(path: &Path, perf: &PerfOptions, chunk: usize) -> Result<Profile, firesight::load::LoadError> {
    let opts = LoadOptions { perf: perf.clone(), chunk_size: chunk, ..LoadOptions::default() };
    load_path(path, &opts, Progress::new()).map(|l| {
        assert_eq!(l.format, Format::PerfScript, "sniffed format of {}", path.display());
        l.profile
    })
}

fn load(path: &Path, perf: &PerfOptions) -> Profile {
    load_with(path, perf, 1 << 20).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load_text(text: &[u8], perf: &PerfOptions) -> Result<Profile, firesight::load::LoadError> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("in.txt");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    let opts = LoadOptions { perf: perf.clone(), format: Some(Format::PerfScript), ..LoadOptions::default() };
    load_path(&path, &opts, Progress::new()).map(|l| l.profile)
}

/// Folded text of `metric`, computed here from the stack table: each
/// sample's stack names root first joined by `;`, weights summed per text,
/// zero dropped, sorted bytewise, `stack count` lines.
fn fold(p: &Profile, metric: MetricId) -> String {
    let mut sums: BTreeMap<Vec<u8>, Weight> = BTreeMap::new();
    let mut cache: Vec<Option<String>> = vec![None; p.stacks.len()];
    let mut path = Vec::new();
    for i in 0..p.samples.len() {
        let Some(s) = p.samples.stacks[i] else { continue };
        let text = cache[s.index()].get_or_insert_with(|| {
            p.stacks.frames_root_first(s, &mut path);
            path.iter().map(|f| p.frames.name(*f)).collect::<Vec<_>>().join(";")
        });
        *sums.entry(text.as_bytes().to_vec()).or_insert(0) += p.weight(i, metric);
    }
    let mut out = String::new();
    for (k, w) in sums {
        if w != 0 {
            out.push_str(&String::from_utf8_lossy(&k));
            out.push_str(&format!(" {w}\n"));
        }
    }
    out
}

fn opts_for(variant: &str) -> PerfOptions {
    let mut o = PerfOptions::default();
    match variant {
        "" | "default" => {}
        "pid" => o.include_pid = true,
        "tid" => o.include_tid = true,
        "kernel" => o.annotate_kernel = true,
        "jit" => o.annotate_jit = true,
        "addrs" => o.include_addrs = true,
        "all" => {
            o.annotate_kernel = true;
            o.annotate_jit = true;
        }
        v => match v.strip_prefix("event-") {
            Some(e) => o.event_filter = Some(e.to_string()),
            None => panic!("unknown variant {v}"),
        },
    }
    o
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Line-by-line difference, for failure messages.
fn diff(want: &str, got: &str) -> String {
    let w: std::collections::BTreeSet<&str> = want.lines().collect();
    let g: std::collections::BTreeSet<&str> = got.lines().collect();
    let mut out = String::new();
    for l in w.difference(&g).take(5) {
        out.push_str(&format!("  want {l}\n"));
    }
    for l in g.difference(&w).take(5) {
        out.push_str(&format!("  got  {l}\n"));
    }
    out
}

/// Checks every `(input, expected, variant)`; returns the failures.
fn check_all(cases: &[(PathBuf, PathBuf, String)]) -> Vec<String> {
    let mut bad = Vec::new();
    for (input, expected, variant) in cases {
        let p = load(input, &opts_for(variant));
        let got = fold(&p, p.default_metric);
        let want = read(expected);
        if got != want {
            bad.push(format!("{} [{variant}]:\n{}", expected.display(), diff(&want, &got)));
        }
    }
    bad
}

#[test]
fn folds_like_inferno_on_its_own_test_files() {
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(data("expected-inferno")).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (stem, variant) = name.trim_end_matches(".txt").split_once("-collapsed").unwrap_or_else(|| panic!("{name}"));
        cases.push((data(&format!("{stem}.txt")), path.clone(), variant.trim_start_matches('-').to_string()));
    }
    assert_eq!(cases.len(), 7);
    let bad = check_all(&cases);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn folds_like_the_perl_original_on_flamegraph_test_files() {
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(data("expected-perl")).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (stem, variant) = name.trim_end_matches(".txt").split_once("-collapsed-").unwrap_or_else(|| panic!("{name}"));
        cases.push((data(&format!("{stem}.txt")), path.clone(), variant.to_string()));
    }
    assert_eq!(cases.len(), 42);
    let bad = check_all(&cases);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn folds_like_the_oracles_of_generated_files() {
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(data("generated/oracle")).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Some((input, variant)) = name.trim_end_matches(".txt").split_once(".collapsed-") else { continue };
        // The copies of the plain-text inputs are gzipped (loaded by magic bytes).
        let input = if input.ends_with(".gz") { input.to_string() } else { format!("{input}.gz") };
        cases.push((data(&format!("generated/{input}")), path.clone(), variant.to_string()));
    }
    assert_eq!(cases.len(), 37);
    let bad = check_all(&cases);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
