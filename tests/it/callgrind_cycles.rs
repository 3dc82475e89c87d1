//! A callgrind recording with call cycles (tests/data/callgrind/cycles.c:
//! `is_even`/`is_odd` and `walk`/`visit` call each other), against
//! `callgrind_annotate`. A call's inclusive cost in a cycle holds the calls
//! back into functions already open, whose self costs count them already;
//! the unfolded tree counts every cost once, so its total is callgrind's
//! `totals:` line and every function's self cost is callgrind_annotate's.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{data, run_cli};

const FILE: &str = "callgrind/cycles.callgrind.out";

fn run_json(args: &[&str]) -> Value {
    let (code, out, err) = run_cli(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).expect("json")
}

/// A `callgrind_annotate` function table: per function name, its costs
/// over the `file:function [object]` rows, summed (`sum`) or the largest
/// (the row of the function's own file holds its whole inclusive cost).
fn annotate(name: &str, sum: bool) -> (i128, BTreeMap<String, i128>) {
    let text = std::fs::read_to_string(data(&format!("callgrind/oracle/{name}"))).expect("oracle");
    let mut total = 0;
    let mut out: BTreeMap<String, i128> = BTreeMap::new();
    for l in text.lines() {
        let Some((head, rest)) = l.split_once("%)") else { continue };
        let Some(Ok(cost)) = head.split_whitespace().next().map(|c| c.replace(',', "").parse::<i128>()) else {
            continue;
        };
        let rest = rest.trim();
        if rest == "PROGRAM TOTALS" {
            total = cost;
            continue;
        }
        let key = rest.rsplit_once(" [").map_or(rest, |(k, _)| k);
        let Some((_, func)) = key.split_once(':') else { continue };
        let e = out.entry(func.to_owned()).or_default();
        *e = if sum { *e + cost } else { (*e).max(cost) };
    }
    (total, out)
}

/// `top --json`: per function name, (self summed over modules, largest total).
fn top() -> BTreeMap<String, (i128, i128)> {
    let v = run_json(&["top", &data(FILE).display().to_string(), "--json"]);
    let mut out: BTreeMap<String, (i128, i128)> = BTreeMap::new();
    for r in v["functions"].as_array().expect("functions") {
        let e = out.entry(r["name"].as_str().expect("name").to_owned()).or_default();
        e.0 += i128::from(r["self"].as_i64().expect("self"));
        e.1 = e.1.max(i128::from(r["total"].as_i64().expect("total")));
    }
    out
}

#[test]
fn callgrind_cycles_total_and_self_costs_equal_callgrind_annotate() {
    let text = std::fs::read_to_string(data(FILE)).expect("file");
    let totals: i128 =
        text.lines().find_map(|l| l.strip_prefix("totals: ")).and_then(|t| t.trim().parse().ok()).expect("totals line");
    let info = run_json(&["info", &data(FILE).display().to_string(), "--json"]);
    assert_eq!(i128::from(info["metrics"][0]["total"].as_i64().expect("total")), totals);
    let (program, want_self) = annotate("cycles.self.txt", true);
    assert_eq!(program, totals);
    let got = top();
    for (f, &w) in &want_self {
        assert_eq!(got.get(f).map_or(0, |g| g.0), w, "self of {f}");
    }
    let ours: i128 = got.values().map(|g| g.0).sum();
    assert_eq!(ours, totals);
}

#[test]
fn callgrind_cycles_inclusive_costs_outside_cycles_equal_callgrind_annotate() {
    let (_, want) = annotate("cycles.inclusive.txt", false);
    let got = top();
    // Not in a cycle: every cost under them is counted once by callgrind
    // too (`is_even` and `is_odd` are the first calls; the deeper ones are
    // callgrind's `is_even'2`/`is_odd'2`).
    for f in ["(below main)", "main", "is_even", "is_odd", "work"] {
        assert_eq!(got[f].1, want[f], "inclusive of {f}");
    }
    // In a cycle: callgrind_annotate adds the cost of a call that comes back
    // round the cycle to every function on the way (walk'2 reads 22 times
    // the program); the tree counts it once, so its inclusive cost is at
    // most callgrind_annotate's and at least the function's self cost.
    for f in ["walk", "visit", "walk'2", "visit'2", "is_even'2", "is_odd'2"] {
        let (s, t) = got[f];
        assert!(s <= t && t <= want[f] && t < got["main"].1, "{f}: self {s} total {t}, annotate {}", want[f]);
    }
    assert!(want["walk'2"] > 20 * got["main"].1);
}

/// A call whose recorded cost its callee never spends (no cost lines for
/// the callee) is an inconsistent file, not a cycle: the warning says so.
#[test]
fn a_call_costing_more_than_its_callee_spends_is_not_called_a_cycle() {
    let text = "events: Ir\nfl=a.c\nfn=main\n1 7\ncfn=f\ncalls=1 5\n2 100\n";
    let l =
        crate::common::load_bytes(text.as_bytes().to_vec(), &firesight::load::LoadOptions::default()).expect("loads");
    let w: Vec<&str> = l.profile.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(w.iter().any(|m| m.contains("called for more than they spend")), "{w:?}");
    assert!(!w.iter().any(|m| m.contains("cycle")), "{w:?}");
    assert_eq!(l.profile.total(l.profile.default_metric), 7);
}
