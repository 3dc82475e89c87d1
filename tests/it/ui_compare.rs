//! Comparisons in the window (issue 11), driven through egui_kittest on the
//! real app: open a comparison from two paths, read the delta table's first
//! row, swap, normalise, see a vanished function in the differential
//! flamegraph, Shift-drop a second file onto a tab, two trace files with
//! both P99s, a heap series with its leak suspects.
//!
//! Expected numbers come from the independent oracles in
//! `tests/data/compare/oracle/` (inferno-diff-folded and
//! `go tool pprof -diff_base`, see `tests/data/compare/SOURCES.md`) and
//! `tests/data/otlp/oracle/` (nearest-rank percentiles from a Python
//! protobuf decode).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::Modifiers;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use firesight::ui::command::Command;
use firesight::ui::compare::CompareTab;
use firesight::ui::compare::pair::PairView;
use firesight::ui::compare::table::row_texts;
use firesight::ui::{AppOptions, FiresightApp};
use serde_json::Value;

use crate::common::data;
use crate::ui::{harness_with, open, settle};

fn oracle(rel: &str) -> Value {
    let text = std::fs::read_to_string(data(rel)).expect("oracle file");
    serde_json::from_str(&text).expect("oracle json")
}

fn compare(paths: &[&str]) -> Harness<'static, FiresightApp> {
    let mut h = harness_with(AppOptions { files: Vec::new(), bundled_sample: false });
    h.state_mut().apply(Command::ComparePaths(paths.iter().map(|p| data(p)).collect()));
    settle(&mut h);
    h
}

fn tab<'a>(h: &'a Harness<'static, FiresightApp>) -> &'a CompareTab {
    let app = h.state();
    let i = app.active_index();
    // Comparisons are the only tabs in these tests.
    app.comparisons().get(i).expect("the active tab is a comparison")
}

fn pair<'a>(h: &'a Harness<'static, FiresightApp>) -> &'a PairView {
    tab(h).pair().expect("two files compared")
}

/// The first row of the delta table as its cells read.
fn first_row(v: &PairView) -> [String; 8] {
    let diff = &v.pair.comparison.table;
    let mut state = v.table.clone();
    let i = state.order(diff)[0];
    row_texts(diff, &diff.rows[i], v.metric())
}

const FOLDED_BEFORE: &str = "compare/diff/shop-before.folded";
const FOLDED_AFTER: &str = "compare/diff/shop-after.folded";

#[test]
fn a_comparison_from_two_paths_shows_the_largest_change_first() {
    let h = compare(&[FOLDED_BEFORE, FOLDED_AFTER]);
    let o = oracle("compare/oracle/shop-folded.pair.json");
    // The oracle's function with the largest self change (inferno-diff-folded's stacks, summed).
    let per = o["per_function"].as_object().expect("per_function");
    let n = |v: &Value, k: &str| v[k].as_i64().expect("number") as i128;
    let (name, row) =
        per.iter().max_by_key(|(_, r)| (n(r, "self_after") - n(r, "self_before")).abs()).expect("functions");
    let v = pair(&h);
    let m = v.metric();
    let cells = first_row(v);
    assert_eq!(cells[0], *name);
    assert_eq!(cells[1], m.format(n(row, "self_before")));
    assert_eq!(cells[2], m.format(n(row, "self_after")));
    assert_eq!(cells[4], m.format(n(row, "total_before")));
    assert_eq!(cells[5], m.format(n(row, "total_after")));
    // The row is on screen, and the status bar reads "samples A → B (−N%)".
    h.get_all_by_label(name).next().expect("the first row's function is shown");
    let (b, a) = (n(&o, "total_before"), n(&o, "total_after"));
    let pct = ((a - b) as f64 * 100.0 / b as f64).abs().round();
    let status = format!("{} {} \u{2192} {} (\u{2212}{pct:.0}%)", m.name, m.format(b), m.format(a));
    h.get_by_label(&status);
    assert_eq!(tab(&h).title, "shop-before.folded \u{21c4} shop-after.folded");
}

#[test]
fn changed_only_leaves_the_unchanged_functions_out_of_the_table_too() {
    let mut h = compare(&[FOLDED_BEFORE, FOLDED_AFTER]);
    let o = oracle("compare/oracle/shop-folded.pair.json");
    let per = o["per_function"].as_object().expect("per_function");
    let moved = |r: &Value, k: &str| r[format!("{k}_before")] != r[format!("{k}_after")];
    let changed = per.values().filter(|r| moved(r, "self") || moved(r, "total")).count();
    assert!(changed < per.len(), "the pair has unchanged functions");
    h.get_by_label(&format!("Functions by change ({})", per.len()));
    h.get_by_label("Changed only").click();
    settle(&mut h);
    h.get_by_label(&format!("Functions by change ({changed} changed of {})", per.len()));
}

#[test]
fn a_vanished_function_keeps_its_box_in_the_flamegraph() {
    let h = compare(&[FOLDED_BEFORE, FOLDED_AFTER]);
    let o = oracle("compare/oracle/shop-folded.pair.json");
    // A function present only before, per the oracle.
    let (vanished, _) = o["per_function"]
        .as_object()
        .expect("per_function")
        .iter()
        .filter(|(_, r)| r["total_after"] == 0 && r["total_before"].as_i64() > Some(0))
        .max_by_key(|(_, r)| r["total_before"].as_i64())
        .expect("a function vanished");
    let v = pair(&h);
    let c = &v.pair.comparison;
    let shown = v.flame.shown_nodes();
    let node = shown
        .iter()
        .copied()
        .find(|&i| c.function_of(i).is_some_and(|f| f.name == *vanished))
        .unwrap_or_else(|| panic!("{vanished} has no box"));
    assert_eq!(c.after(node).total, 0);
    assert!(c.before(node).total > 0);
    assert!(v.flame.box_rect(node).is_some_and(|r| r.width() >= 1.0));
}

#[test]
fn swap_and_normalise_rebuild_the_comparison() {
    let mut h = compare(&[FOLDED_BEFORE, FOLDED_AFTER]);
    let before = first_row(pair(&h));
    h.get_by_label("\u{21c4} Swap base and new").click();
    settle(&mut h);
    let swapped = first_row(pair(&h));
    assert_eq!(swapped[0], before[0]);
    assert_eq!((&swapped[1], &swapped[2]), (&before[2], &before[1]));
    assert_eq!(tab(&h).title, "shop-after.folded \u{21c4} shop-before.folded");
    h.get_by_label("\u{21c4} Swap base and new").click();
    settle(&mut h);
    // Normalised: pprof's -normalize on the pprof pair, per function.
    drop(h);
    let mut h = compare(&["compare/diff/shopd-before.cpu.pb.gz", "compare/diff/shopd-after.cpu.pb.gz"]);
    h.get_by_label("Normalised").click();
    settle(&mut h);
    let o = oracle("compare/oracle/shopd-cpu.pair.json");
    let v = pair(&h);
    assert!(v.pair.opts.normalize);
    let t = &v.pair.comparison.table;
    let ty = o["sample_types"]
        .as_array()
        .expect("types")
        .iter()
        .find(|s| s["type"] == v.metric().name.as_str())
        .expect("the metric's sample type");
    let expected = &ty["diff_normalize"]["functions"];
    let mut checked = 0;
    for r in &t.rows {
        let Some(e) = expected.get(&r.name) else { continue };
        assert_eq!(r.self_delta(), e["flat"].as_i64().expect("flat") as i128, "{}", r.name);
        assert_eq!(r.total_delta(), e["cum"].as_i64().expect("cum") as i128, "{}", r.name);
        checked += 1;
    }
    assert!(checked > 5, "only {checked} functions checked");
}

#[derive(Debug)]
struct DroppedPath(PathBuf);

impl egui::DroppedFile for DroppedPath {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn shift_dropping_a_file_on_a_tab_compares_it_with_the_tab() {
    let mut h = open(&[data(FOLDED_BEFORE)]);
    h.event(egui::Event::ModifiersChanged(Modifiers::SHIFT));
    h.input_mut().dropped_files.push(Arc::new(DroppedPath(data(FOLDED_AFTER))));
    settle(&mut h);
    h.event(egui::Event::ModifiersChanged(Modifiers::NONE));
    // The file is not opened in a tab of its own: it is compared.
    assert_eq!(h.state().documents().len(), 1);
    assert_eq!(h.state().comparisons().len(), 1);
    let c = &h.state().comparisons()[0];
    assert_eq!(c.title, "shop-before.folded \u{21c4} shop-after.folded");
    let v = c.pair().expect("a pair");
    let o = oracle("compare/oracle/shop-folded.pair.json");
    assert_eq!(v.pair.comparison.table.before_total, o["total_before"].as_i64().expect("n") as i128);
    assert_eq!(v.pair.comparison.table.after_total, o["total_after"].as_i64().expect("n") as i128);
}

#[test]
fn two_trace_files_show_both_p99s_and_the_services() {
    let h = compare(&["otlp/traces.otlp.json", "otlp/traces.base64ids.json"]);
    let t = pair(&h).pair.traces.clone().expect("a trace comparison");
    let p99 = |f: &str| oracle(f)["latency_ns"]["method_nearest_rank"]["P99"].as_u64().expect("P99");
    let (b, a) = t.percentile(99);
    assert_eq!(b, p99("otlp/oracle/traces.otlp.json.json"));
    assert_eq!(a, p99("otlp/oracle/traces.base64ids.json.json"));
    let line = firesight::ui::compare::traces::percentile_lines(&t)[2].clone();
    assert!(line.starts_with("P99 ") && line.contains('\u{2192}'), "{line}");
    h.get_by_label(&line);
    h.get_by_label("Self change");
    for s in ["api-gateway", "order-service", "payment-service"] {
        h.get_all_by_label(s).next().unwrap_or_else(|| panic!("{s} row"));
    }
}

#[test]
fn a_heap_series_lists_leak_suspects_first() {
    let files: Vec<String> = (1..=5).map(|i| format!("compare/heapgrowth/heap-{i}.pb.gz")).collect();
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    let h = compare(&refs);
    let s = tab(&h).series().expect("a heap series");
    let o = oracle("compare/oracle/heap-series.json");
    // pprof -base per interval: the functions that grow in every one, the strongest first.
    let grows = o["grows_in_every_interval"].as_object().expect("grows");
    let names: Vec<&str> = s.rows.iter().take_while(|r| r.suspect).map(|r| r.name.as_str()).collect();
    let mut expected: Vec<(&String, i64)> =
        grows.iter().map(|(k, v)| (k, v["growth_last_minus_first"].as_i64().expect("growth"))).collect();
    expected.sort_by_key(|(_, g)| -g);
    assert_eq!(names, expected.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>());
    assert_eq!(names[0], o["leak_suspect"].as_str().expect("leak suspect"));
    let first = &s.rows[0];
    assert_eq!(first.overall_self, i128::from(expected[0].1));
    let flat = o["pairs"][0]["inuse_space"]["functions"][&first.name]["flat"].as_i64().expect("flat");
    assert_eq!(first.per_interval[0], i128::from(flat));
    h.get_by_label(&format!("\u{26a0} {}", first.name));
}

#[test]
fn zoom_search_and_the_label_filter_work_in_a_comparison() {
    let before = "compare/diff/shopd-before.cpu.pb.gz";
    let after = "compare/diff/shopd-after.cpu.pb.gz";
    let mut h = compare(&[before, after]);
    // Search: the share of the matching samples before and after.
    h.get_by_label("Search:").click();
    h.run();
    h.get_by_label("Search:").type_text("serializeJSON");
    h.run();
    let v = pair(&h);
    assert!(v.matches.iter().any(|&m| m));
    let share = v.search_share().expect("a search share");
    assert!(share.starts_with("serializeJSON: ") && share.contains('\u{2192}'), "{share}");
    h.get_by_label(&share);
    // Zoom: click the widest box of main.serializeJSON.
    let c = &v.pair.comparison;
    let f = c.table.functions.iter().position(|k| k.name == "main.serializeJSON").expect("function") as u32;
    let node = firesight::analysis::compare_flame::widest_node(c, &v.model, f).expect("a node");
    let rect = v.flame.box_rect(node).expect("the box is drawn");
    crate::ui::click_at(&mut h, rect.center());
    let v = pair(&h);
    assert_eq!(v.zoom, node);
    assert_eq!(v.selected, Some(f));
    h.get_all_by_label("main.serializeJSON").next().expect("breadcrumb");
    // Label filter: endpoint=/orders on both sides.
    let load = |p: &str| crate::common::load(p).profile;
    let (bp, ap) = (load(before), load(after));
    let orders = |p: &firesight::model::Profile| {
        let m = p.metric_by_name("cpu").expect("cpu");
        let s = firesight::analysis::labels::label_shares(p, m, &Default::default());
        let key = s.keys.iter().find(|k| k.key == "endpoint").expect("endpoint");
        key.values.iter().find(|v| v.value == "/orders").expect("/orders").weight
    };
    h.get_all_by_label("/orders").next().expect("label value").click();
    settle(&mut h);
    let t = &pair(&h).pair.comparison.table;
    assert_eq!((t.before_total, t.after_total), (orders(&bp), orders(&ap)));
    assert_eq!(pair(&h).labels, vec![("endpoint".to_string(), Some("/orders".to_string()))]);
}

#[test]
fn file_compare_asks_for_the_base_then_the_new_file() {
    let mut h = harness_with(AppOptions { files: Vec::new(), bundled_sample: false });
    let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = Arc::clone(&asked);
    h.state_mut().set_compare_picker(Arc::new(move |title: &str, many: bool| {
        let mut log = log.lock().expect("log");
        log.push((title.to_owned(), many));
        let file = if log.len() == 1 { FOLDED_BEFORE } else { FOLDED_AFTER };
        Some(vec![data(file)])
    }));
    h.run();
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Compare…").click();
    settle(&mut h);
    let asked = asked.lock().expect("log").clone();
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert!(asked[0].0.contains("base") && !asked[0].1, "{asked:?}");
    assert!(asked[1].0.contains("new") && asked[1].1, "{asked:?}");
    assert_eq!(tab(&h).title, "shop-before.folded \u{21c4} shop-after.folded");
}

#[test]
fn a_side_that_fails_to_load_gives_the_comparison_a_failed_tab() {
    let h = compare(&[FOLDED_BEFORE, "compare/diff/no-such-file.folded"]);
    assert!(h.state().comparisons().is_empty());
    let failed = h.state().failed_loads();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].title.starts_with("comparison of shop-before.folded and no-such-file.folded"));
    assert!(failed[0].error.contains("no-such-file.folded"), "{}", failed[0].error);
}
