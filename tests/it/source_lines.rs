//! `firesight list`: self and total per source line, checked against
//! `go tool pprof -list` on the go-shop profiles (goldens made by
//! tests/data/lines/make-goldens.sh), and the source text and its lookup.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::common::{data, run_cli};

fn go_shop(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-profiles/go-shop").join(name).display().to_string()
}

/// A pprof weight as `-unit=ns`/`-unit=B` or a plain count prints it.
fn value(s: &str) -> i128 {
    if s == "." {
        return 0;
    }
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit() || *c == '-').collect();
    digits.parse().unwrap_or_else(|_| panic!("not a pprof integer value: {s:?}"))
}

type Lines = BTreeMap<(String, u32), (i128, i128)>;
type Heads = BTreeMap<String, (i128, i128)>;

/// (function, line) -> (flat, cum) for lines with a weight, and function -> (flat, cum) headers.
fn parse_pprof_list(text: &str) -> (Lines, Heads) {
    let mut lines = Lines::new();
    let mut heads = Heads::new();
    let mut current = String::new();
    let mut want_head = false;
    for l in text.lines() {
        if let Some(rest) = l.strip_prefix("ROUTINE ======================== ") {
            current = rest.split(" in ").next().unwrap().to_owned();
            want_head = true;
            continue;
        }
        let f: Vec<&str> = l.split_whitespace().collect();
        if want_head {
            heads.insert(current.clone(), (value(f[0]), value(f[1])));
            want_head = false;
            continue;
        }
        if f.len() >= 3
            && let Some(n) = f[2].split(':').next().and_then(|n| n.parse::<u32>().ok())
            && f[2].contains(':')
        {
            let (flat, cum) = (value(f[0]), value(f[1]));
            if flat != 0 || cum != 0 {
                lines.insert((current.clone(), n), (flat, cum));
            }
        }
    }
    (lines, heads)
}

fn ours(file: &str, regex: &str, metric: &str) -> (Lines, Heads, Value) {
    let (code, out, err) = run_cli(&["list", &go_shop(file), regex, "--metric", metric, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let mut lines = Lines::new();
    let mut heads = Heads::new();
    for f in v["functions"].as_array().unwrap() {
        if f["file"].as_str().unwrap().is_empty() {
            continue;
        }
        let name = f["name"].as_str().unwrap().to_owned();
        heads.insert(name.clone(), (f["self"].as_i64().unwrap().into(), f["total"].as_i64().unwrap().into()));
        for l in f["lines"].as_array().unwrap() {
            let (s, t) = (l["self"].as_i64().unwrap() as i128, l["total"].as_i64().unwrap() as i128);
            if s != 0 || t != 0 {
                lines.insert((name.clone(), l["line"].as_u64().unwrap() as u32), (s, t));
            }
        }
    }
    (lines, heads, v)
}

#[test]
fn per_line_self_and_total_equal_go_tool_pprof_list() {
    let cases = [
        ("cpu.pb.gz", "main\\.", "cpu", "cpu-main.txt"),
        ("cpu.pb.gz", "runtime\\.lockWithRank|runtime\\.lock$|sort\\.", "cpu", "cpu-inline.txt"),
        ("cpu.pb.gz", "main\\.|sort\\.", "samples", "cpu-samples.txt"),
        ("heap.pb.gz", "main\\.", "inuse_space", "heap-inuse.txt"),
        ("heap.pb.gz", "main\\.|encoding", "alloc_objects", "heap-alloc-objects.txt"),
        ("mutex.pb.gz", "main\\.|sync", "delay", "mutex-delay.txt"),
    ];
    for (file, regex, metric, golden) in cases {
        let text = std::fs::read_to_string(data(&format!("lines/{golden}"))).unwrap();
        let (want_lines, want_heads) = parse_pprof_list(&text);
        let (got_lines, got_heads, _) = ours(file, regex, metric);
        assert!(!want_lines.is_empty(), "{golden}: empty golden");
        assert_eq!(got_heads, want_heads, "{golden}: per-function (flat, cum)");
        assert_eq!(got_lines, want_lines, "{golden}: per-line (flat, cum)");
    }
}

#[test]
fn an_inlined_function_keeps_its_own_lines_and_its_call_site_counts_for_the_caller() {
    // runtime.lockWithRank is inlined into runtime.lock at lock_futex.go:48.
    let (lines, _, _) = ours("cpu.pb.gz", "runtime\\.lockWithRank|runtime\\.lock$", "cpu");
    assert_eq!(lines.get(&("runtime.lockWithRank".to_owned(), 22)), Some(&(10_000_000, 20_000_000)));
    assert_eq!(lines.get(&("runtime.lock".to_owned(), 48)), Some(&(10_000_000, 30_000_000)));
}

#[test]
fn source_text_is_found_through_the_profiles_folder_and_the_listing_starts_five_lines_early() {
    // The profile records /work/wt-pprof/sample-profiles/go-shop/main.go; the
    // file is found under the profile's folder by its last component.
    let (_, _, v) = ours("cpu.pb.gz", "^main\\.renderReport$", "cpu");
    let f = &v["functions"][0];
    assert_eq!(f["name"], "main.renderReport");
    assert!(f["source"].as_str().unwrap().ends_with("sample-profiles/go-shop/main.go"), "{f}");
    let lines = f["lines"].as_array().unwrap();
    assert_eq!(lines[0]["line"], 70);
    assert_eq!(lines[0]["text"], "func renderReport(r *rand.Rand) int {");
    let l75 = lines.iter().find(|l| l["line"] == 75).unwrap();
    assert_eq!(l75["text"], "\tsort.Float64s(xs)");
    assert_eq!(l75["total"], 610_000_000);
    assert_eq!(l75["self"], 0);
}

#[test]
fn a_missing_source_file_keeps_the_line_table_and_says_where_it_looked() {
    let empty = tempfile::tempdir().unwrap();
    let dir = empty.path().display().to_string();
    let (code, out, err) =
        run_cli(&["list", &go_shop("cpu.pb.gz"), "^main\\.renderReport$", "--source-path", &dir, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let f = &v["functions"][0];
    assert!(f["source"].is_null());
    let e = f["error"].as_str().unwrap();
    assert!(e.contains("not found") && e.contains(&dir), "{e}");
    let lines = f["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "only the lines with a weight: {lines:?}");
    assert!(lines.iter().all(|l| l["text"].is_null()));
    // Text output says it too, and still prints the lines.
    let (code, out, _) = run_cli(&["list", &go_shop("cpu.pb.gz"), "^main\\.renderReport$", "--source-path", &dir]);
    assert_eq!(code, 0);
    assert!(out.contains("Error: source file") && out.contains("    75:"), "{out}");
}

#[test]
fn trim_path_maps_the_recorded_prefix_onto_a_source_folder() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-profiles/go-shop").display().to_string();
    let (code, out, err) = run_cli(&[
        "list",
        &go_shop("cpu.pb.gz"),
        "^main\\.renderReport$",
        "--trim-path",
        "/work/wt-pprof/sample-profiles/go-shop",
        "--source-path",
        &root,
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["functions"][0]["source"].as_str().unwrap(), format!("{root}/main.go"));
}

/// A source folder that holds the file by its bare name is found when no
/// longer part of the recorded path matches (the callgrind recording names
/// /tmp/gaps-cg/kvstore.c; sample-profiles/src holds kvstore.c).
#[test]
fn a_source_folder_holding_the_bare_file_name_is_found_last() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-profiles/src").display().to_string();
    let cg = crate::common::data("callgrind/kvstore-O1.callgrind.out").display().to_string();
    let (code, out, err) = run_cli(&["list", &cg, "^merge$", "--source-path", &src, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["functions"][0]["source"].as_str().unwrap(), format!("{src}/kvstore.c"));
}

#[test]
fn line_self_sums_to_the_functions_self_in_top() {
    let (_, heads, _) = ours("cpu.pb.gz", ".", "cpu");
    let (code, out, err) = run_cli(&["top", &go_shop("cpu.pb.gz"), "--json"]);
    assert_eq!(code, 0, "{err}");
    let top: Value = serde_json::from_str(&out).unwrap();
    let mut checked = 0;
    for row in top["functions"].as_array().unwrap() {
        let name = row["name"].as_str().unwrap();
        if let Some(&(flat, _)) = heads.get(name) {
            assert_eq!(flat, row["self"].as_i64().unwrap() as i128, "{name}");
            checked += 1;
        }
    }
    assert!(checked > 20, "{checked}");
}

#[test]
fn bad_regex_is_a_usage_error_and_no_match_says_so() {
    let (code, _, err) = run_cli(&["list", &go_shop("cpu.pb.gz"), "main\\.(unclosed"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad regular expression"), "{err}");
    let (code, _, err) = run_cli(&["list", &go_shop("cpu.pb.gz"), "no_such_function_anywhere"]);
    assert_eq!(code, 1);
    assert!(err.contains("no matches found for regexp: no_such_function_anywhere"), "{err}");
}

#[test]
fn perf_script_srcline_lines_sum_to_the_functions_self_and_total() {
    // `perf script -F +srcline`: each frame line is followed by its file:line.
    let text = "prog 10 1.000001: 1000 cpu-clock:\n\
                \t    1139 compute+0x9 (/tmp/prog)\n\
                \x20 /tmp/prog.c:42\n\
                \t    1180 main+0x20 (/tmp/prog)\n\
                \x20 /tmp/prog.c:77\n\n\
                prog 10 1.000002: 1000 cpu-clock:\n\
                \t    1145 compute+0xf (/tmp/prog)\n\
                \x20 /tmp/prog.c:43\n\
                \t    1180 main+0x20 (/tmp/prog)\n\
                \x20 /tmp/prog.c:77\n\n\
                prog 10 1.000003: 1000 cpu-clock:\n\
                \t    1190 main+0x30 (/tmp/prog)\n\
                \x20 /tmp/prog.c:80\n\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("srcline.perf.txt");
    std::fs::write(&path, text).unwrap();
    let (code, out, err) = run_cli(&["list", path.to_str().unwrap(), "^(compute|main)$", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let fns = v["functions"].as_array().unwrap();
    let by = |name: &str| fns.iter().find(|f| f["name"] == name).unwrap_or_else(|| panic!("{name}: {out}"));
    let lines = |f: &Value| -> Vec<(u64, i64, i64)> {
        f["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["total"].as_i64().unwrap() != 0)
            .map(|l| (l["line"].as_u64().unwrap(), l["self"].as_i64().unwrap(), l["total"].as_i64().unwrap()))
            .collect()
    };
    assert_eq!(lines(by("compute")), [(42, 1000, 1000), (43, 1000, 1000)]);
    assert_eq!(lines(by("main")), [(77, 0, 2000), (80, 1000, 1000)]);
    // Lines sum to the function's self, and (no recursion) to its total.
    assert_eq!((by("compute")["self"].as_i64(), by("compute")["inclusive"].as_i64()), (Some(2000), Some(2000)));
    assert_eq!((by("main")["self"].as_i64(), by("main")["inclusive"].as_i64()), (Some(1000), Some(3000)));
    assert_eq!(by("main")["total"].as_i64(), Some(3000));
}
