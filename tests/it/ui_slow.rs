//! Issue 14 in the window, through egui_kittest: select the tail of the
//! latency histogram and read the first row of the slow-versus-rest
//! panel; open a trace file with a span-labelled CPU profile, see the app
//! say it linked them, click a span and see the flamegraph of its samples
//! (against the `go tool pprof -tagfocus` oracle); the operations table.

use egui::{Event, Modifiers, PointerButton, Pos2, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use firesight::model::trace::TraceSet;
use firesight::ui::command::Command;
use firesight::ui::trace_view::{TopTab, TraceView};

use crate::common::data;
use crate::slow::{shop, write_temp};
use crate::ui::{open, settle};

struct State {
    traces: TraceSet,
    view: TraceView,
}

fn harness(traces: TraceSet) -> Harness<'static, State> {
    let view = TraceView::new(&traces);
    Harness::builder().with_size(Vec2::new(1600.0, 1000.0)).with_max_steps(16).build_ui_state(
        |ui, s: &mut State| {
            let _ = s.view.ui(ui, &s.traces);
        },
        State { traces, view },
    )
}

fn click_at<S>(h: &mut Harness<'_, S>, pos: Pos2) {
    h.hover_at(pos);
    h.run();
    for pressed in [true, false] {
        h.event(Event::PointerButton { pos, button: PointerButton::Primary, pressed, modifiers: Modifiers::NONE });
    }
    h.run();
}

#[test]
fn the_histogram_tail_against_the_rest_names_the_cache_miss_first() {
    let routes = ["/products", "/search", "/cart"];
    let doc = shop(100, |i| routes[i % 3], |i| i % 17 != 5, |i| i % 17 == 5);
    let (_dir, file) = write_temp(&doc);
    let loaded =
        firesight::load::load_path(std::path::Path::new(&file), &Default::default(), firesight::load::Progress::new())
            .expect("load");
    let mut h = harness(loaded.traces.expect("traces"));
    h.run();
    // The tail: the slowest bar of the histogram (the six cache misses).
    let bin = h.state().view.histogram().slowest_bin().expect("a bar");
    assert_eq!(h.state().view.histogram().bins()[bin].traces.len(), 6);
    let pos = h.state().view.histogram().bar_point(bin).expect("bar drawn");
    click_at(&mut h, pos);
    h.get_by_label("Slow vs rest").click();
    h.run();
    assert_eq!(h.state().view.top_tab(), TopTab::SlowVsRest);
    let r = h.state().view.slow_panel().report().expect("compared");
    assert_eq!((r.slow, r.rest), (6, 94));
    // The first attribute row, as the panel shows it.
    h.get_by_label_contains("6 slow traces");
    h.get_by_label("cache.hit=false");
    assert!(h.query_all_by_label("100% (6)").count() >= 1, "slow share of the first row");
    let first = &r.attributes[0];
    assert_eq!((first.key.as_str(), first.value.as_str()), ("cache.hit", "false"));
    // A click on it lists the traces carrying it.
    h.get_by_label("cache.hit=false").click();
    h.run();
    assert_eq!(h.state().view.top_tab(), TopTab::Traces);
    assert_eq!(h.state().view.list().order().len(), 6);
    h.get_by_label_contains("6 of 100 traces");
}

#[test]
fn operations_table_opens_the_slowest_trace_of_an_operation() {
    let traces = crate::common::load("otlp/traces.otlp.json").traces.expect("traces");
    let mut h = harness(traces);
    h.run();
    h.get_by_label("Operations").click();
    h.run();
    let rows = h.state().view.operations().rows();
    assert_eq!(rows.len(), 13);
    // Sorted by duration P99, largest first: the gateway's root span.
    let p99: Vec<u64> = rows.iter().map(|r| r.duration.p99_ns).collect();
    assert!(p99.windows(2).all(|w| w[0] >= w[1]), "{p99:?}");
    // Sort by self-time P99 with a click on its header: the slow query first.
    h.get_by_label("Self P99").click();
    h.run();
    assert_eq!(h.state().view.operations().rows()[0].name, "SELECT shop.orders");
    // A row click opens the slowest trace containing it.
    h.get_by_label("SELECT shop.orders").click();
    h.run();
    let s = h.state();
    let open = s.view.waterfall().trace().expect("open");
    assert_eq!(s.traces.traces[open].id.to_string(), "b9443dbfc415284e082045c2b3d49513");
}

#[test]
fn a_trace_opened_with_its_profile_links_and_a_span_shows_its_flamegraph() {
    let o: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("spanprof/oracle/cpu.pb.gz.json")).expect("oracle"))
            .expect("json");
    let mut h = open(&[data("spanprof/trace.otlp.json"), data("spanprof/cpu.pb.gz")]);
    let notes: Vec<String> = h.state().messages().iter().map(|m| m.text.clone()).collect();
    assert!(notes.iter().any(|n| n.starts_with("Linked trace.otlp.json with cpu.pb.gz")), "{notes:?}");
    h.state_mut().apply(Command::SelectTab(0));
    settle(&mut h);
    h.get_by_label_contains("Linked trace.otlp.json with cpu.pb.gz");
    let d = &h.state().documents()[0];
    let w = d.traces.as_ref().expect("traces").view.waterfall();
    let (t, rows, layout) = (w.trace().expect("open"), w.rows().to_vec(), w.layout().expect("drawn"));
    let tab = d.traces.as_ref().expect("traces");
    let linked = tab.view.linked().expect("linked");
    // The slowest request (the oracle's): a span with samples of its own.
    assert_eq!(tab.set.traces[t].id.to_string(), o["slowest_request"]["trace_id"].as_str().expect("id"));
    let (row, span) = rows
        .iter()
        .enumerate()
        .find(|&(_, &s)| linked.link.cpu_of(t, s as usize) > 0)
        .map(|(r, &s)| (r, s as usize))
        .expect("a span with samples");
    let id = tab.set.traces[t].spans[span].id.to_string();
    let want = o["per_span"][&id]["cpu_ns"].as_i64().expect("oracle cpu");
    click_at(&mut h, Pos2::new(layout.labels.center().x, layout.row_mid_y(row)));
    settle(&mut h);
    let d = &h.state().documents()[0];
    let v = &d.traces.as_ref().expect("traces").view;
    assert_eq!(v.waterfall().selected(), Some(span as u32));
    let tree = v.span_flame().tree().expect("a span flamegraph");
    assert_eq!(tree.total() as i64, want, "span {id}");
    assert!(h.query_all_by_label("Flamegraph").count() >= 1, "the flamegraph canvas");
    h.get_by_label_contains("CPU of shop-spanprof");
    // With descendants: the oracle's figure for the subtree.
    h.get_by_label("include descendants").click();
    settle(&mut h);
    let d = &h.state().documents()[0];
    let v = &d.traces.as_ref().expect("traces").view;
    let want = o["per_span"][&id]["cpu_ns_with_descendants"].as_i64().expect("oracle cpu");
    assert_eq!(v.span_flame().tree().expect("tree").total() as i64, want);
    // Span names without samples are listed.
    h.get_by_label_contains("Span names without CPU samples (");
}

#[test]
fn the_service_tables_gain_a_cpu_column_equal_to_the_oracle_summed_per_service_and_span_name() {
    let o: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("spanprof/oracle/cpu.pb.gz.json")).expect("oracle"))
            .expect("json");
    let mut h = open(&[data("spanprof/trace.otlp.json"), data("spanprof/cpu.pb.gz")]);
    h.state_mut().apply(Command::SelectTab(0));
    settle(&mut h);
    // The oracle, summed: every span is of the one service, shop-spanprof.
    assert_eq!(o["trace"]["services"], serde_json::json!(["shop-spanprof"]));
    let spans = o["per_span"].as_object().expect("per span");
    let open_trace = o["slowest_request"]["trace_id"].as_str().expect("id");
    let sum = |in_trace: Option<&str>| -> i128 {
        spans
            .values()
            .filter(|s| in_trace.is_none_or(|t| s["trace_id"] == t))
            .map(|s| i128::from(s["cpu_ns"].as_i64().expect("cpu")))
            .sum()
    };
    let cpu_text = |h: &Harness<'static, firesight::ui::app::FiresightApp>, all: bool, name: Option<&str>| {
        let d = &h.state().documents()[0];
        let c = d.traces.as_ref().expect("traces").view.tables().cpu().expect("a CPU column");
        (c.weight(all, "shop-spanprof", name), c.text(all, "shop-spanprof", name))
    };
    assert!(h.query_all_by_label("CPU").count() >= 1, "the CPU header");
    // This trace: the slowest request's samples.
    let (w, text) = cpu_text(&h, false, None);
    assert_eq!(w, sum(Some(open_trace)));
    assert_eq!(w, 30_000_000);
    assert!(h.query_all_by_label(&text).count() >= 1, "{text} shown");
    // All traces: every sample naming a span of the file.
    h.get_by_label("All traces").click();
    h.run();
    let (w, text) = cpu_text(&h, true, None);
    assert_eq!(w, sum(None));
    assert!(h.query_all_by_label(&text).count() >= 1, "{text} shown");
    // Span names: per (service, name), the oracle's per-name sums.
    h.get_by_label("Span names").click();
    h.run();
    for (name, row) in o["per_span_name"].as_object().expect("per name") {
        let (w, _) = cpu_text(&h, true, Some(name));
        assert_eq!(w, i128::from(row["cpu_ns"].as_i64().expect("cpu")), "{name}");
    }
    // Sortable: a click on the span-name table's CPU header puts the
    // heaviest name first (render.serialize, 1.88 s in the oracle).
    let headers = h.query_all_by_label("CPU").count();
    assert_eq!(headers, 2, "a CPU column in both tables");
    h.query_all_by_label("CPU").nth(1).expect("header").click();
    h.run();
    let d = &h.state().documents()[0];
    let ops = d.traces.as_ref().expect("traces").view.tables().all_operations();
    assert_eq!(ops[0].name, "render.serialize");
    let text = cpu_text(&h, true, Some("render.serialize")).1;
    assert!(h.query_all_by_label(&text).count() >= 1, "{text} shown");
}
