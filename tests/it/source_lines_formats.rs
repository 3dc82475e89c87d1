//! `firesight list` on callgrind files: per source line self and total,
//! checked against `callgrind_annotate --auto=yes` on the same files
//! (tests/data/callgrind, recorded from sample-profiles/src/kvstore.c built
//! with -g: `positions: instr line` with inlined header code under
//! `fi=`/`fe=`, and `positions: line`); and every function's lines sum to
//! its self cost as `firesight top` gives it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::common::{data, run_cli};

/// Per annotated line: its self cost and the calls made there (callee, inclusive cost).
#[derive(Debug, Default)]
struct AnnotatedLine {
    self_cost: i128,
    calls: Vec<(String, i128)>,
}

/// `callgrind_annotate --auto=yes` output: (source file as printed, line) -> costs.
fn parse_annotate(text: &str) -> BTreeMap<(String, u32), AnnotatedLine> {
    let mut out: BTreeMap<(String, u32), AnnotatedLine> = BTreeMap::new();
    // A section: "-- Auto-annotated source: FILE", a rule, the "Ir" header, lines, a rule.
    let mut pending: Option<String> = None;
    let mut file: Option<String> = None;
    let mut next = 1u32;
    let number = |s: &str| -> Option<i128> { s.replace(',', "").parse().ok() };
    for l in text.lines() {
        if let Some(f) = l.strip_prefix("-- Auto-annotated source: ") {
            pending = Some(f.trim().to_owned());
            next = 1;
            continue;
        }
        if pending.is_some() && l.starts_with("Ir") {
            file = pending.take();
            continue;
        }
        let Some(f) = &file else { continue };
        if let Some(rest) = l.strip_prefix("-- line ") {
            next = rest.split_whitespace().next().and_then(|n| n.parse().ok()).expect("-- line N");
            continue;
        }
        if l.starts_with("----") {
            file = None;
            continue;
        }
        let t = l.trim_start();
        let Some(cost) = t.split_whitespace().next() else { continue };
        let value = if cost == "." { Some(0) } else { number(cost) };
        let Some(value) = value else { continue };
        if let Some(call) = t.split_once("=> ").map(|(_, c)| c) {
            // "=> file:callee (Nx)": a call made on the line above.
            let callee = call.rsplit_once(" (").expect("(Nx)").0;
            let callee = callee.rsplit_once(':').map_or(callee, |(_, n)| n).to_owned();
            out.entry((f.clone(), next - 1)).or_default().calls.push((callee, value));
            continue;
        }
        out.entry((f.clone(), next)).or_default().self_cost += value;
        next += 1;
    }
    out
}

/// `list FILE . --json`: per (file, line) the (function, self, total) of every function listing it.
type Listed = BTreeMap<(String, u32), Vec<(String, i128, i128)>>;

fn ours(file: &str) -> (Listed, Value) {
    let (code, out, err) = run_cli(&["list", &data(file).display().to_string(), ".", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let mut by = Listed::new();
    for f in v["functions"].as_array().expect("functions") {
        let (name, path) = (f["name"].as_str().expect("name"), f["file"].as_str().expect("file"));
        for l in f["lines"].as_array().expect("lines") {
            let key = (path.to_owned(), l["line"].as_u64().expect("line") as u32);
            let (s, t) = (l["self"].as_i64().expect("self"), l["total"].as_i64().expect("total"));
            by.entry(key).or_default().push((name.to_owned(), s.into(), t.into()));
        }
    }
    (by, v)
}

/// The annotated file a recorded path stands for: callgrind_annotate
/// strips the directory it runs in (/tmp/gaps-cg/) from recorded paths.
fn annotated_name(recorded: &str) -> &str {
    recorded.strip_prefix("/tmp/gaps-cg/").unwrap_or(recorded)
}

fn check(file: &str, oracle: &str) {
    let want = parse_annotate(&std::fs::read_to_string(data(oracle)).expect("oracle"));
    let files: BTreeSet<&str> = want.keys().map(|(f, _)| f.as_str()).collect();
    assert!(files.contains("kvstore.c"), "{files:?}");
    let (got, _) = ours(file);
    let mut self_checked = 0;
    let mut total_checked = 0;
    for ((path, line), fns) in &got {
        let name = annotated_name(path);
        if !files.contains(name) {
            continue;
        }
        let self_sum: i128 = fns.iter().map(|f| f.1).sum();
        let w = want.get(&(name.to_owned(), *line));
        assert_eq!(self_sum, w.map_or(0, |w| w.self_cost), "{name}:{line} self ({fns:?})");
        self_checked += 1;
        // The total of a line: its self cost and the inclusive cost of the
        // calls made there; a function's calls to itself are inside its own
        // lines already, so lines with one are left out.
        let calls = w.map_or(&[][..], |w| &w.calls[..]);
        if calls.iter().any(|(callee, _)| fns.iter().any(|f| &f.0 == callee)) {
            continue;
        }
        let total_sum: i128 = fns.iter().map(|f| f.2).sum();
        let want_total = w.map_or(0, |w| w.self_cost) + calls.iter().map(|c| c.1).sum::<i128>();
        assert_eq!(total_sum, want_total, "{name}:{line} total ({fns:?}, calls {calls:?})");
        total_checked += usize::from(!calls.is_empty());
    }
    // Every annotated line with a cost is listed.
    for ((f, line), w) in &want {
        if w.self_cost > 0 {
            let listed = got.keys().any(|(p, l)| l == line && annotated_name(p) == f);
            assert!(listed, "{f}:{line} ({} Ir) not listed", w.self_cost);
        }
    }
    assert!(self_checked > 40, "{self_checked} lines checked");
    assert!(total_checked > 5, "{total_checked} call lines checked");
}

#[test]
fn per_line_self_and_total_equal_callgrind_annotate_with_instr_and_inlined_files() {
    check("callgrind/kvstore-O2.callgrind.out", "callgrind/oracle/kvstore-O2.annotate.txt");
}

#[test]
fn per_line_self_and_total_equal_callgrind_annotate_with_line_positions() {
    check("callgrind/kvstore-O1.callgrind.out", "callgrind/oracle/kvstore-O1.annotate.txt");
}

#[test]
fn every_functions_lines_sum_to_its_self_cost_in_top() {
    for file in ["callgrind/kvstore-O2.callgrind.out", "callgrind/kvstore-O1.callgrind.out"] {
        let (_, v) = ours(file);
        let (code, out, err) = run_cli(&["top", &data(file).display().to_string(), "--json"]);
        assert_eq!(code, 0, "{err}");
        let top: Value = serde_json::from_str(&out).expect("json");
        // A function's lines may lie in several files (inlined headers).
        let mut lines_self: BTreeMap<&str, i128> = BTreeMap::new();
        let mut listed_self: BTreeMap<&str, i128> = BTreeMap::new();
        for f in v["functions"].as_array().expect("functions") {
            let name = f["name"].as_str().expect("name");
            let sum: i64 =
                f["lines"].as_array().expect("lines").iter().map(|l| l["self"].as_i64().expect("self")).sum();
            *lines_self.entry(name).or_default() += i128::from(sum);
            *listed_self.entry(name).or_default() += i128::from(f["self"].as_i64().expect("self"));
        }
        let mut with_lines = 0;
        for row in top["functions"].as_array().expect("rows") {
            let name = row["name"].as_str().expect("name");
            let self_cost = i128::from(row["self"].as_i64().expect("self"));
            // The function's self cost, lines and cost without a line together.
            assert_eq!(listed_self.get(name).copied().unwrap_or(0), self_cost, "{file}: {name}");
            // Code compiled with -g: the program's functions have every cost on a line.
            if ["request_worker", "compactor", "main"].contains(&name) || name.starts_with("merge") {
                assert_eq!(lines_self.get(name).copied(), Some(self_cost), "{file}: {name} lines");
                with_lines += 1;
            }
        }
        assert!(with_lines >= 4, "{file}: {with_lines}");
    }
}

/// `perf report --no-children --sort sym,srcline -F sample,period,sym,srcline`:
/// (function, file, line) -> period, for rows with a `file:line`.
fn parse_perf_report(text: &str) -> BTreeMap<(String, String, u32), i128> {
    let mut out = BTreeMap::new();
    for l in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let f: Vec<&str> = l.split_whitespace().collect();
        // samples, period, [.], symbol, file:line
        let (period, sym, src) = (f[1], f[3], f[f.len() - 1]);
        let Some((file, line)) = src.rsplit_once(':') else { continue };
        let Ok(line) = line.parse::<u32>() else { continue };
        *out.entry((sym.to_owned(), file.to_owned(), line)).or_default() += period.parse::<i128>().expect("period");
    }
    out
}

#[test]
fn perf_srcline_lines_equal_perf_report_and_sum_to_the_functions_self_and_total() {
    let file = "perf/srcline/kvstore.srcline.perf.txt.gz";
    let want =
        parse_perf_report(&std::fs::read_to_string(data("perf/srcline/perf-report-srcline.txt")).expect("oracle"));
    assert!(want.len() > 50, "{}", want.len());
    let (_, v) = ours(file);
    let fns = v["functions"].as_array().expect("functions");
    let mut got: BTreeMap<(String, String, u32), i128> = BTreeMap::new();
    for f in fns {
        for l in f["lines"].as_array().expect("lines") {
            let s = i128::from(l["self"].as_i64().expect("self"));
            if s != 0 {
                let key = (f["name"].as_str().expect("name").to_owned(), f["file"].as_str().expect("file").to_owned());
                *got.entry((key.0, key.1, l["line"].as_u64().expect("line") as u32)).or_default() += s;
            }
        }
    }
    // Per (function, line), the self weight perf report gives.
    assert_eq!(got, want);
    // Lines sum to the function's self and (no recursion through it) total, as `top` has them.
    let (code, out, err) = run_cli(&["top", &data(file).display().to_string(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let top: Value = serde_json::from_str(&out).expect("json");
    let mut checked = 0;
    for row in top["functions"].as_array().expect("rows") {
        let name = row["name"].as_str().expect("name");
        // A function's lines may lie in several files (inlined headers).
        let lines: Vec<&Value> = fns
            .iter()
            .filter(|f| f["name"] == name)
            .flat_map(|f| f["lines"].as_array().expect("lines").iter())
            .collect();
        if lines.is_empty() {
            continue;
        }
        let sum = |k: &str| lines.iter().map(|l| l[k].as_i64().expect("weight")).sum::<i64>();
        assert_eq!(sum("self"), row["self"].as_i64().expect("self"), "{name} self");
        if !name.starts_with("merge") {
            assert_eq!(sum("total"), row["total"].as_i64().expect("total"), "{name} total");
        }
        checked += 1;
    }
    assert!(checked > 20, "{checked}");
}
