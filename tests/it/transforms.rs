//! Transforms, peek and the inverted tree on real files, against
//! `go tool pprof` and inferno (`tests/data/transforms/`, made by
//! `make_oracles.py` there; `cpu.pb.gz.json` and `heap.pb.gz.json` are the
//! sample set's own oracles).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{data, load, run_cli};
use firesight::analysis::transform::{Transform, apply};
use firesight::model::{CallTree, FunctionTable, MetricId, SampleFilter};

fn json(rel: &str) -> Value {
    let text = std::fs::read_to_string(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn int(v: &Value) -> i128 {
    match v {
        Value::Number(n) => n.as_i64().map(i128::from).unwrap_or_else(|| panic!("{v}")),
        Value::String(s) => s.parse().unwrap_or_else(|_| panic!("{v}")),
        _ => panic!("not a number: {v}"),
    }
}

/// `top --json` under each oracle case equals pprof's total and flat/cum.
fn check_top(oracle: &str, file: &str) {
    let o = json(oracle);
    let path = data(file);
    let path = path.to_str().unwrap();
    let cases = o["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    let mut checked = 0;
    for case in cases {
        let mut args: Vec<String> = vec!["top".into(), path.into(), "--json".into()];
        for (k, v) in case["options"].as_object().unwrap() {
            args.push(format!("--{k}"));
            args.push(v.as_str().unwrap().to_string());
        }
        for (i, st) in case["sample_types"].as_array().unwrap().iter().enumerate() {
            // The sample set's heap oracle could not read pprof's byte
            // values (null, total 0); `top.heap.pb.gz.json` has them.
            if st["functions"].as_object().unwrap().values().any(|v| v["flat"].is_null()) {
                continue;
            }
            checked += 1;
            let mut a = args.clone();
            a.extend(["--metric".into(), i.to_string()]);
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            let (code, out, err) = run_cli(&a);
            assert_eq!(code, 0, "{a:?}: {err}");
            let got: Value = serde_json::from_str(&out).unwrap();
            let what = format!("{file} {} [{}]", case["options"], st["type"]);
            assert_eq!(int(&got["metric"]["total"]), int(&st["total"]), "{what}: total");
            let mut want = BTreeMap::new();
            for (name, v) in st["functions"].as_object().unwrap() {
                let (flat, cum) = (int(&v["flat"]), int(&v["cum"]));
                if flat != 0 || cum != 0 {
                    want.insert(name.clone(), (flat, cum));
                }
            }
            let mut have = BTreeMap::new();
            for f in got["functions"].as_array().unwrap() {
                have.insert(f["name"].as_str().unwrap().to_string(), (int(&f["self"]), int(&f["total"])));
            }
            assert_eq!(have, want, "{what}");
            // pprof warns for a filter that matched nothing; so do we.
            let unmatched = st.get("stderr").and_then(Value::as_str).is_some_and(|e| e.contains("matched no"));
            if unmatched {
                assert!(err.contains("matched nothing"), "{what}: {err}");
            }
        }
    }
    assert!(checked >= cases.len(), "{oracle}: only {checked} sample types checked");
}

#[test]
fn top_under_pprof_filters_equals_go_tool_pprof() {
    check_top("transforms/cpu.pb.gz.json", "pprof/generated/cpu.pb.gz");
    check_top("transforms/heap.pb.gz.json", "pprof/generated/heap.pb.gz");
}

#[test]
fn top_under_pprof_filters_equals_go_tool_pprof_on_other_profiles() {
    for f in ["cpu", "heap", "mutex", "block"] {
        check_top(&format!("transforms/top.{f}.pb.gz.json"), &format!("pprof/generated/{f}.pb.gz"));
    }
    // Inlined lines, recursion, an unsymbolized libc address.
    check_top("transforms/top.features.pb.gz.json", "transforms/features.pb.gz");
}

fn edges(v: &Value) -> Vec<(String, i128, bool)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap().to_string(), int(&e["weight"]), e["inline"].as_bool().unwrap()))
        .collect()
}

#[test]
fn peek_equals_go_tool_pprof_peek() {
    for (f, file) in [
        ("cpu", "pprof/generated/cpu.pb.gz"),
        ("heap", "pprof/generated/heap.pb.gz"),
        ("mutex", "pprof/generated/mutex.pb.gz"),
        ("block", "pprof/generated/block.pb.gz"),
        ("features", "transforms/features.pb.gz"),
    ] {
        let o = json(&format!("transforms/peek.{f}.pb.gz.json"));
        let path = data(file);
        for case in o["cases"].as_array().unwrap() {
            let rx = case["regex"].as_str().unwrap();
            for (i, st) in case["sample_types"].as_array().unwrap().iter().enumerate() {
                let idx = i.to_string();
                let (code, out, err) =
                    run_cli(&["peek", path.to_str().unwrap(), rx, "--json", "--metric", idx.as_str()]);
                assert_eq!(code, 0, "{f} {rx}: {err}");
                let got: Value = serde_json::from_str(&out).unwrap();
                let want = st["functions"].as_array().unwrap();
                let have = got["functions"].as_array().unwrap();
                let names = |v: &[Value]| v.iter().map(|x| x["name"].as_str().unwrap().to_string()).collect::<Vec<_>>();
                assert_eq!(names(have), names(want), "{f} {rx} [{}]", st["type"]);
                for (h, w) in have.iter().zip(want) {
                    let what = format!("{f} {rx} [{}] {}", st["type"], w["name"]);
                    assert_eq!((int(&h["self"]), int(&h["total"])), (int(&w["flat"]), int(&w["cum"])), "{what}");
                    assert_eq!(edges(&h["callers"]), edges(&w["callers"]), "{what} callers");
                    assert_eq!(edges(&h["callees"]), edges(&w["callees"]), "{what} callees");
                }
            }
        }
    }
    let (code, _, err) = run_cli(&["peek", data("pprof/generated/cpu.pb.gz").to_str().unwrap(), "^nothing$"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no function matches"), "{err}");
}

/// The inverted tree of a real perf file: each root's total is its
/// function's self weight, and each caller path's weight is the sum of the
/// inferno-folded lines that end with that path (computed from inferno's
/// own output, not from ours).
#[test]
fn inverted_tree_totals_on_real_perf_files() {
    for (file, oracle) in [
        ("perf/generated/shop-c.perf.txt.gz", "perf/generated/oracle/shop-c.perf.txt.collapsed-default.txt"),
        (
            "perf/generated/shop-py312-perfmap.perf.txt.gz",
            "perf/generated/oracle/shop-py312-perfmap.perf.txt.collapsed-default.txt",
        ),
    ] {
        let p = load(file).profile;
        let m = p.default_metric;
        let inv = CallTree::build(&p, m, &SampleFilter { inverted: true, ..SampleFilter::default() });
        let top = CallTree::build(&p, m, &SampleFilter::default());
        let table = FunctionTable::build(&top, p.frames.len());
        assert_eq!(inv.total(), top.total());
        for r in &table.rows {
            let root = inv.child_with_frame(inv.root(), r.frame);
            assert_eq!(root.map_or(0, |n| inv.node(n).total), r.self_weight, "{file} {}", p.frames.name(r.frame));
        }
        // Suffix sums from inferno's folded lines, two frames deep.
        let text = std::fs::read_to_string(data(oracle)).unwrap();
        let mut want: BTreeMap<(String, String), i128> = BTreeMap::new();
        for line in text.lines() {
            let (stack, n) = line.rsplit_once(' ').unwrap();
            let frames: Vec<&str> = stack.split(';').collect();
            if frames.len() >= 2 {
                let k = (frames[frames.len() - 1].to_string(), frames[frames.len() - 2].to_string());
                *want.entry(k).or_insert(0) += n.parse::<i128>().unwrap();
            }
        }
        let mut have: BTreeMap<(String, String), i128> = BTreeMap::new();
        for leaf in inv.children(inv.root()) {
            for caller in inv.children(leaf) {
                let name = |n| p.frames.name(inv.node(n).frame.unwrap()).to_string();
                *have.entry((name(leaf), name(caller))).or_insert(0) += inv.node(caller).total;
            }
        }
        assert_eq!(have, want, "{file}");
    }
}

/// Identities on a real perf file: merging keeps the total, dropping a
/// function removes its total, focusing on it keeps exactly its total.
#[test]
fn transforms_keep_their_totals_on_a_real_perf_file() {
    let p = load("perf/generated/shop-c.perf.txt.gz").profile;
    let m = p.default_metric;
    let total = |p: &firesight::model::Profile| CallTree::build(p, m, &SampleFilter::default()).total();
    let tree = CallTree::build(&p, m, &SampleFilter::default());
    let table = FunctionTable::build(&tree, p.frames.len());
    let row = table.rows.iter().find(|r| p.frames.name(r.frame) == "sort_records").expect("sort_records");
    let f = "sort_records".to_string();
    let one = |t: Transform| apply(&p, &[t]).unwrap().0;
    assert_eq!(total(&one(Transform::Merge(f.clone()))), tree.total());
    assert_eq!(total(&one(Transform::Drop(f.clone()))), tree.total() - row.total);
    let focused = one(Transform::FocusFunction(f.clone()));
    assert_eq!(total(&focused), row.total);
    // Focused, the function is the only root, and recursion collapsed leaves it once per stack.
    let ft = CallTree::build(&focused, m, &SampleFilter::default());
    assert_eq!(ft.children(ft.root()).count(), 1);
    let collapsed = apply(&focused, &[Transform::CollapseRecursion(Some(f.clone()))]).unwrap().0;
    let ct = CallTree::build(&collapsed, m, &SampleFilter::default());
    assert_eq!(ct.total(), row.total);
    assert!(ct.nodes.iter().skip(2).all(|n| n.frame.map(|x| collapsed.frames.name(x)) != Some("sort_records")));
    assert_eq!(ct.node(firesight::model::NodeId(1)).self_weight, row.self_weight);
}

/// A trace's span projection: collapsing a service makes one frame of it.
#[test]
fn collapse_module_on_a_trace_projection() {
    let l = load("otlp/traces.otlp.json");
    let p = &l.profile;
    let m = MetricId::from_index(0);
    let before = CallTree::build(p, m, &SampleFilter::default()).total();
    let (q, applied) = apply(p, &[Transform::CollapseModule("order-service".into())]).unwrap();
    assert_eq!(applied.matched, vec![true]);
    let t = CallTree::build(&q, m, &SampleFilter::default());
    assert_eq!(t.total(), before);
    let names: Vec<&str> = t
        .nodes
        .iter()
        .filter_map(|n| n.frame)
        .map(|f| q.frames.name(f))
        .filter(|n| n.contains("order-service"))
        .collect();
    assert!(!names.is_empty() && names.iter().all(|&n| n == "order-service"), "{names:?}");
}

#[test]
fn transform_flags_on_fold_and_bad_input() {
    let f = data("pprof/generated/cpu.pb.gz");
    let f = f.to_str().unwrap();
    let (code, out, err) = run_cli(&["fold", f, "--merge", "main.serializeJSON", "--collapse-recursion"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("main.serializeJSON") && out.contains("encoding/json.Unmarshal"));
    let (code, _, err) = run_cli(&["top", f, "--focus", "("]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--focus") || err.contains("focus"), "{err}");
    let (code, _, err) = run_cli(&["top", f, "--transform", "spin:x"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown transform"), "{err}");
    // An empty pprof pattern is no filter, as in pprof (`--ignore ''` once
    // dropped every sample: total 0).
    let (_, plain, _) = run_cli(&["top", f, "--json"]);
    for flag in ["--focus", "--ignore", "--hide", "--show"] {
        let (code, out, err) = run_cli(&["top", f, "--json", flag, ""]);
        assert_eq!((code, &out), (0, &plain), "{flag} '': {err}");
    }
    let (code, out, _) = run_cli(&["hot-path", f, "--json", "--transform", "focus-function:main.serializeJSON"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["path"][0]["name"], "main.serializeJSON");
}

/// The window's path (tree and function table built together, the table
/// summed from the prefix tree beside the arena) gives the same tree and
/// the same rows as building the tree, then the table from its nodes, on
/// real files (recursion, inlined copies, diff profiles with negative
/// weights) under every kind of transform and tree filter.
#[test]
fn tree_and_table_built_together_equal_the_table_from_the_tree() {
    let transforms = [
        None,
        Some(Transform::Merge("sort_records".into())),
        Some(Transform::Drop("sort_records".into())),
        Some(Transform::FocusFunction("sort_records".into())),
        Some(Transform::CollapseRecursion(None)),
        Some(Transform::CollapseModule("[kernel.kallsyms]".into())),
        Some(Transform::Hide("^main".into())),
        Some(Transform::Show("a|e".into())),
    ];
    let mut checked = 0;
    for file in [
        "perf/generated/shop-c.perf.txt.gz",
        "perf/generated/shop-py312-perfmap.perf.txt.gz",
        "pprof/generated/cpu.pb.gz",
        "pprof/generated/heap.pb.gz",
        "pprof/diff-two-builds.pb.gz",
        "pprof/profile1.pb.gz",
    ] {
        let p0 = load(file).profile;
        for t in &transforms {
            let p = match t {
                Some(t) => apply(&p0, std::slice::from_ref(t)).unwrap().0,
                None => p0.clone(),
            };
            let focus = p.frames.iter().map(|(id, _)| id).nth(p.frames.len() / 2);
            let filters = [
                SampleFilter::default(),
                SampleFilter { hide: focus.into_iter().collect(), ..SampleFilter::default() },
                SampleFilter { focus, ..SampleFilter::default() },
                SampleFilter { inverted: true, ..SampleFilter::default() },
            ];
            for m in 0..p.metrics.len() {
                let m = MetricId::from_index(m);
                for f in &filters {
                    let tree = CallTree::build(&p, m, f);
                    let table = FunctionTable::build(&tree, p.frames.len());
                    let (tree2, table2) = CallTree::build_with_functions(&p, m, f);
                    let what = format!("{file} {t:?} {f:?} metric {}", m.index());
                    assert_eq!(tree2.nodes, tree.nodes, "{what}");
                    assert!(tree2.iter_nodes().eq(tree.iter_nodes()), "{what}");
                    assert_eq!((tree2.total(), tree2.share_base), (tree.total(), tree.share_base), "{what}");
                    assert_eq!(table2.rows, table.rows, "{what}");
                    assert_eq!((table2.total, table2.share_base), (table.total, table.share_base), "{what}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "{checked}");
}
