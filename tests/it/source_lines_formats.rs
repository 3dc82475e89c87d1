//! `firesight list --json` per source line on callgrind and perf `+srcline`
//! recordings, against the tools' own per-line output.
//!
//! Callgrind (tests/data/callgrind, sample-profiles/src/kvstore.c built with
//! -g): `positions: instr line` with header code inlined under `fi=`/`fe=`,
//! and `positions: line`. The oracle is `callgrind_annotate --auto=yes`:
//! per source line the self cost of every function with code there, and
//! under it (`=> callee`) the inclusive cost of the calls made there, but
//! only by the first function the file lists with a call on that line
//! (callgrind_annotate keeps one `func_of_line` per line). So self is
//! compared per line over all functions, and the calls of a line with one
//! function at a time. `callgrind_annotate --inclusive=yes` gives the
//! functions' inclusive costs, which the lines' totals sum to.
//!
//! perf: `perf report --sort sym,srcline` gives per (function, line) the
//! period of the samples whose leaf is there.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::common::{data, run_cli};

/// One annotated line: its self cost and the calls made there (callee, inclusive cost).
#[derive(Debug, Default)]
struct Annotated {
    self_cost: i128,
    calls: Vec<(String, i128)>,
}

fn number(s: &str) -> Option<i128> {
    s.replace(',', "").parse().ok()
}

/// `callgrind_annotate --auto=yes` source sections: (file as printed, line) -> costs.
fn parse_annotate(text: &str) -> BTreeMap<(String, u32), Annotated> {
    let mut out: BTreeMap<(String, u32), Annotated> = BTreeMap::new();
    // A section: "-- Auto-annotated source: FILE", a rule, the "Ir" header, lines, a rule.
    let mut pending: Option<String> = None;
    let mut file: Option<String> = None;
    let mut next = 1u32;
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
        let Some(value) = (if cost == "." { Some(0) } else { number(cost) }) else { continue };
        if let Some((_, call)) = t.split_once("=> ") {
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

/// `callgrind_annotate --inclusive=yes` function table: `file:function` -> inclusive cost.
fn parse_inclusive(text: &str) -> BTreeMap<String, i128> {
    let mut out = BTreeMap::new();
    for l in text.lines() {
        let mut w = l.split_whitespace();
        let (Some(cost), Some(_pct)) = (w.next(), w.next()) else { continue };
        let (Some(cost), Some(key)) = (number(cost), w.next()) else { continue };
        if key.contains(':') {
            out.insert(key.to_owned(), cost);
        }
    }
    out
}

/// One `list --json` entry: a function in one file.
#[derive(Debug)]
struct Listed {
    name: String,
    file: String,
    self_w: i128,
    lines: Vec<(u32, i128, i128)>,
}

fn run_json(args: &[&str]) -> Value {
    let (code, out, err) = run_cli(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).expect("json")
}

fn list(file: &str) -> Vec<Listed> {
    let v = run_json(&["list", &data(file).display().to_string(), ".", "--json"]);
    let int = |v: &Value| i128::from(v.as_i64().expect("integer weight"));
    v["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .map(|f| Listed {
            name: f["name"].as_str().expect("name").to_owned(),
            file: f["file"].as_str().expect("file").to_owned(),
            self_w: int(&f["self"]),
            lines: f["lines"]
                .as_array()
                .expect("lines")
                .iter()
                .map(|l| (l["line"].as_u64().expect("line") as u32, int(&l["self"]), int(&l["total"])))
                .collect(),
        })
        .collect()
}

/// `top --json`: per function name, (self, total) summed over its modules.
fn top(file: &str) -> BTreeMap<String, (i128, i128)> {
    let v = run_json(&["top", &data(file).display().to_string(), "--json"]);
    let mut out: BTreeMap<String, (i128, i128)> = BTreeMap::new();
    for r in v["functions"].as_array().expect("functions") {
        let e = out.entry(r["name"].as_str().expect("name").to_owned()).or_default();
        e.0 += i128::from(r["self"].as_i64().expect("self"));
        e.1 += i128::from(r["total"].as_i64().expect("total"));
    }
    out
}

/// The annotated name of a recorded path: callgrind_annotate strips the
/// directory it ran in (/tmp/gaps-cg/) from recorded paths.
fn annotated_name(recorded: &str) -> &str {
    recorded.strip_prefix("/tmp/gaps-cg/").unwrap_or(recorded)
}

/// Per (annotated file, line): (function, self, total) of every function with code there.
type LineFunctions<'a> = BTreeMap<(&'a str, u32), Vec<(&'a str, i128, i128)>>;

fn check_callgrind(name: &str) {
    let file = format!("callgrind/{name}.callgrind.out");
    let oracle = std::fs::read_to_string(data(&format!("callgrind/oracle/{name}.annotate.txt"))).expect("oracle");
    let want = parse_annotate(&oracle);
    let files: BTreeSet<&str> = want.keys().map(|(f, _)| f.as_str()).collect();
    assert!(files.contains("kvstore.c") && files.len() > 1, "{files:?}");
    let listed = list(&file);
    let mut got: LineFunctions = BTreeMap::new();
    for f in &listed {
        for &(line, s, t) in &f.lines {
            got.entry((annotated_name(&f.file), line)).or_default().push((&f.name, s, t));
        }
    }
    // Self per line, over all functions, as callgrind_annotate has it, for
    // every line of every file it annotates (headers included).
    let mut self_checked = 0;
    for ((f, line), w) in &want {
        let ours: i128 = got.get(&(f.as_str(), *line)).map_or(0, |v| v.iter().map(|x| x.1).sum());
        assert_eq!(ours, w.self_cost, "{name}: {f}:{line} self ({:?})", got.get(&(f.as_str(), *line)));
        self_checked += usize::from(w.self_cost > 0);
    }
    for ((f, line), fns) in &got {
        if files.contains(f) && !want.contains_key(&((*f).to_owned(), *line)) {
            assert!(fns.iter().all(|x| x.1 == 0), "{name}: {f}:{line} has self cost, none annotated: {fns:?}");
        }
    }
    // Calls per line: the line's total is its self cost and the inclusive
    // cost of the calls made there, for the function callgrind_annotate
    // shows the calls of. (Left out: lines where a function calls itself
    // or its `'2` copy, whose calls run through the line again.)
    let mut calls_checked = 0;
    for ((f, line), w) in want.iter().filter(|(_, w)| !w.calls.is_empty()) {
        let fns = got.get(&(f.as_str(), *line)).expect("a line with calls is listed");
        let base = |n: &str| n.trim_end_matches("'2").to_owned();
        if w.calls.iter().any(|(callee, _)| fns.iter().any(|x| base(x.0) == base(callee))) {
            continue;
        }
        let calls: i128 = w.calls.iter().map(|c| c.1).sum();
        assert!(
            fns.iter().any(|&(_, s, t)| t - s == calls),
            "{name}: {f}:{line}: no function's total less self is the calls' {calls}: {fns:?} {:?}",
            w.calls
        );
        calls_checked += 1;
    }
    // 101 and 35 lines for -O1, 78 and 21 for -O2.
    assert!(self_checked >= 75 && calls_checked >= 20, "{name}: {self_checked} self lines, {calls_checked} call lines");

    // Every function's lines (in all its files) sum to its self weight, and
    // for the program's functions, which have debug information, the lines'
    // totals sum to the inclusive cost callgrind_annotate gives.
    let functions = top(&file);
    let mut lines_self: BTreeMap<&str, i128> = BTreeMap::new();
    let mut listed_self: BTreeMap<&str, i128> = BTreeMap::new();
    let mut lines_total: BTreeMap<&str, i128> = BTreeMap::new();
    for f in &listed {
        *lines_self.entry(&f.name).or_default() += f.lines.iter().map(|l| l.1).sum::<i128>();
        *lines_total.entry(&f.name).or_default() += f.lines.iter().map(|l| l.2).sum::<i128>();
        *listed_self.entry(&f.name).or_default() += f.self_w;
    }
    for (n, &(self_w, _)) in &functions {
        assert_eq!(listed_self.get(n.as_str()).copied().unwrap_or(0), self_w, "{name}: {n} self, lines and lineless");
    }
    let incl = parse_inclusive(
        &std::fs::read_to_string(data(&format!("callgrind/oracle/{name}.inclusive.txt"))).expect("inclusive oracle"),
    );
    for f in ["main", "request_worker", "compactor", "merge_sort"] {
        let (self_w, total) = functions[f];
        assert_eq!(lines_self[f], self_w, "{name}: {f}: lines' self");
        assert_eq!(lines_total[f], total, "{name}: {f}: lines' totals");
        assert_eq!(Some(&total), incl.get(&format!("/tmp/gaps-cg/kvstore.c:{f}")), "{name}: {f} inclusive");
    }
}

#[test]
fn callgrind_instr_line_positions_and_inlined_header_lines_equal_callgrind_annotate() {
    check_callgrind("kvstore-O2");
}

#[test]
fn callgrind_line_positions_equal_callgrind_annotate() {
    check_callgrind("kvstore-O1");
}

/// `perf report --no-children --sort sym,srcline -F sample,period,sym,srcline`:
/// (function, file as perf prints it, line) -> period, for rows with a
/// `file:line` (kernel rows read `symbol+offset`).
fn parse_perf_report(text: &str) -> BTreeMap<(String, String, u32), i128> {
    let mut out = BTreeMap::new();
    for l in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        // samples, period, [.] or [k], symbol, file:line
        let f: Vec<&str> = l.split_whitespace().collect();
        let (period, sym, src) = (f[1], f[3], f[f.len() - 1]);
        let Some((file, line)) = src.rsplit_once(':') else { continue };
        let Ok(line) = line.parse::<u32>() else { continue };
        *out.entry((sym.to_owned(), file.to_owned(), line)).or_default() += number(period).expect("period");
    }
    out
}

#[test]
fn perf_srcline_lines_equal_perf_report_and_sum_to_the_functions_self_and_total() {
    let file = "perf/srcline/kvstore.srcline.perf.txt.gz";
    let report = std::fs::read_to_string(data("perf/srcline/perf-report-srcline.txt")).expect("oracle");
    let want = parse_perf_report(&report);
    assert!(want.len() >= 50, "{}", want.len());
    let listed = list(file);
    // Per (function, file, line), the self weight perf report gives.
    let mut got: BTreeMap<(String, String, u32), i128> = BTreeMap::new();
    for f in &listed {
        for &(line, s, _) in f.lines.iter().filter(|l| l.1 != 0) {
            *got.entry((f.name.clone(), f.file.clone(), line)).or_default() += s;
        }
    }
    assert_eq!(got, want);
    // A function's lines sum to its self and (without recursion through
    // it) total weight as `top` gives them for its frames in the binary
    // (the module-less rows of the same name are perf's thread-name roots).
    let v = run_json(&["top", &data(file).display().to_string(), "--json"]);
    let mut checked = 0;
    for row in v["functions"].as_array().expect("functions") {
        let name = row["name"].as_str().expect("name");
        let lines: Vec<_> = listed.iter().filter(|f| f.name == name).flat_map(|f| f.lines.iter()).collect();
        if row["module"].as_str() == Some("") || lines.is_empty() {
            continue;
        }
        let self_w = i128::from(row["self"].as_i64().expect("self"));
        let total = i128::from(row["total"].as_i64().expect("total"));
        assert_eq!(lines.iter().map(|l| l.1).sum::<i128>(), self_w, "{name} self");
        if name != "merge_sort" {
            assert_eq!(lines.iter().map(|l| l.2).sum::<i128>(), total, "{name} total");
        }
        checked += 1;
    }
    assert!(checked >= 20, "{checked}");
    // perf's "source unknown" lines under kernel, vdso and unsymbolised
    // frames (`[kernel.kallsyms][ffffffff8224a904]`) are not malformed
    // frames: no warning for them (there were 448).
    let info = run_json(&["info", &data(file).display().to_string(), "--json"]);
    assert_eq!(info["warnings"].as_array().map(Vec::len), Some(0), "{}", info["warnings"]);
}

/// JFR frames carry line numbers but no file: `list` still prints the line
/// table (it said "No source information" while the JSON had the lines),
/// and the JSON says which half is missing.
#[test]
fn jfr_lines_without_a_file_are_listed() {
    let file = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-profiles/warehouse.jfr");
    let file = file.to_str().expect("utf8 path");
    let (code, out, err) = run_cli(&["list", file, "Warehouse.pick$"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ROUTINE ======================== ") && out.contains("(no source file recorded)"), "{out}");
    assert!(!out.contains("No source information"), "{out}");
    let v = run_json(&["list", file, "Warehouse.pick$", "--json"]);
    let f = &v["functions"][0];
    let lines = f["lines"].as_array().expect("lines");
    assert!(!lines.is_empty(), "{v}");
    // Each line's row in the text: its number after the two weights.
    let first = lines[0]["line"].as_u64().expect("line number");
    assert!(out.lines().any(|l| l.trim_end().ends_with(&format!(" {first}:"))), "{out}");
    assert!(f["error"].as_str().is_some_and(|e| e.contains("line numbers but no file")), "{f}");
}
