//! The window on pprof profiles, driven through egui_kittest on the real
//! `FiresightApp`: units in the status bar and the table, the memory view
//! of a heap profile, the metric switcher, and the label filter panel.
//!
//! Expected numbers come from the oracle files beside the profiles
//! (`tests/data/pprof/generated/*.json`, written with `go tool pprof`) and
//! from the CLI (`firesight top heap.pb.gz`, `firesight top cpu.pb.gz --tag
//! endpoint=/orders --json`), which agree with them.

#![allow(clippy::expect_used)]

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use firesight::analysis::memory::MemoryRow;
use firesight::ui::FiresightApp;
use firesight::ui::memory_table::MemorySort;

use crate::common::data;
use crate::ui::{doc, open, settle};

fn function_self(h: &Harness<'static, FiresightApp>, name: &str) -> i128 {
    let d = doc(h);
    d.functions
        .rows
        .iter()
        .find(|r| d.profile.frames.name(r.frame) == name)
        .map(|r| r.self_weight)
        .expect("function has a row")
}

/// The memory view's first `n` functions, in display order.
fn memory_names<'a>(h: &'a Harness<'static, FiresightApp>, n: usize) -> Vec<&'a str> {
    let d = doc(h);
    let view = d.memory.as_ref().expect("a memory view");
    d.table.memory.order()[..n].iter().map(|&i| d.profile.frames.name(view.rows[i].frame)).collect()
}

/// The memory view's row of function `name`.
fn memory_row(h: &Harness<'static, FiresightApp>, name: &str) -> MemoryRow {
    let d = doc(h);
    let view = d.memory.as_ref().expect("a memory view");
    view.rows.iter().find(|r| d.profile.frames.name(r.frame) == name).cloned().expect("a row")
}

/// Opens the metric switcher and picks `item` (`alloc_objects (count)`).
fn switch_metric(h: &mut Harness<'static, FiresightApp>, current: &str, item: &str) {
    let combo = h.get_by_role(egui::accesskit::Role::ComboBox);
    assert_eq!(combo.value().as_deref(), Some(current));
    combo.click();
    h.run();
    h.get_by_label(item).click();
    settle(h);
}

#[test]
fn heap_profile_shows_the_memory_view_and_switches_units() {
    let mut h = open(&[data("pprof/generated/heap.pb.gz")]);
    let d = doc(&h);
    assert_eq!(d.metric().name, "inuse_space");
    // Oracle: inuse_space total 17684076 bytes.
    assert_eq!(d.tree.total(), 17_684_076);
    h.get_by_label("inuse_space: 16.9 MiB total");
    // Memory view: objects, average size and bytes in one row, heaviest
    // bytes first (oracle: main.recordAudit 15,232 objects, 15727361 bytes).
    let memory = d.memory.as_ref().expect("inuse_space pairs with inuse_objects");
    assert_eq!(d.profile.metric(memory.objects).name, "inuse_objects");
    let top = &memory.rows[d.table.memory.order()[0]];
    assert_eq!(d.profile.frames.name(top.frame), "main.recordAudit");
    assert_eq!((top.self_objects, top.self_bytes), (15_232, 15_727_361));
    for text in ["Self inuse_objects", "Avg size", "Total inuse_space", "main.recordAudit", "1.01 KiB"] {
        h.get_by_label(text);
    }
    // Self and total bytes of main.recordAudit.
    assert_eq!(h.query_all_by_label("15.0 MiB").count(), 2);

    // The sort follows the metric: with inuse_objects shown, the rows sort
    // by self objects (oracle inuse_objects top by flat: fmt.Sprintf
    // 17,416 objects, 278,664 bytes; main.recordAudit 15,232).
    switch_metric(&mut h, "inuse_space", "inuse_objects (count)");
    let d = doc(&h);
    assert_eq!(d.table.memory.sort, MemorySort::SelfObjects);
    h.get_by_label("Self inuse_objects ⏷");
    assert_eq!(memory_names(&h, 2), ["fmt.Sprintf", "main.recordAudit"]);
    let top = memory_row(&h, "fmt.Sprintf");
    assert_eq!((top.self_objects, top.self_bytes), (17_416, 278_664));

    switch_metric(&mut h, "inuse_objects", "alloc_objects (count)");
    let d = doc(&h);
    assert_eq!(d.metric().name, "alloc_objects");
    assert_eq!(d.tree.total(), 19_235_350);
    h.get_by_label("alloc_objects: 19,235,350 total");
    // Oracle alloc_objects top by flat: literalStore 5,407,555,
    // reflect.MakeSlice, reflect.unsafe_NewArray 2,927,988.
    assert_eq!(d.table.memory.sort, MemorySort::SelfObjects);
    h.get_by_label("Self alloc_objects ⏷");
    let want = ["encoding/json.(*decodeState).literalStore", "reflect.MakeSlice", "reflect.unsafe_NewArray"];
    assert_eq!(memory_names(&h, 3), want);
    assert_eq!(memory_row(&h, want[0]).self_objects, 5_407_555);
    // Oracle alloc_objects/alloc_space flat of reflect.unsafe_NewArray:
    // 2927988 objects, 562474575 bytes (536.4 MiB, 192.1 B each).
    let row = memory_row(&h, "reflect.unsafe_NewArray");
    assert_eq!((row.self_objects, row.self_bytes), (2_927_988, 562_474_575));
    for text in ["Total alloc_space", "192.1 B"] {
        h.get_by_label(text);
    }
    // Self and total of reflect.unsafe_NewArray are equal (it calls nothing).
    assert_eq!(h.query_all_by_label("2,927,988").count(), 2);
    assert_eq!(h.query_all_by_label("536.4 MiB").count(), 2);
    assert!(h.query_by_label("15.0 MiB").is_none(), "the in-use rows are gone");

    // Back to bytes: the self bytes column again (oracle alloc_space top
    // by flat: reflect.unsafe_NewArray, encoding/json.Marshal).
    switch_metric(&mut h, "alloc_objects", "alloc_space (bytes)");
    assert_eq!(doc(&h).table.memory.sort, MemorySort::SelfBytes);
    h.get_by_label("Self alloc_space ⏷");
    assert_eq!(memory_names(&h, 2), ["reflect.unsafe_NewArray", "encoding/json.Marshal"]);
    switch_metric(&mut h, "alloc_space", "alloc_objects (count)");

    // Without the memory view the table shows counts with separators.
    h.get_by_label("Memory view: objects and bytes side by side").click();
    h.run();
    assert!(doc(&h).table.hide_memory);
    assert_eq!(function_self(&h, "encoding/json.(*decodeState).literalStore"), 5_407_555);
    assert!(h.query_all_by_label("5,407,555").count() >= 1);
    assert!(h.query_by_label("Avg size").is_none());
}

#[test]
fn mutex_profile_offers_contentions_and_delay() {
    let mut h = open(&[data("pprof/generated/mutex.pb.gz")]);
    assert_eq!(doc(&h).metric().name, "delay");
    h.get_by_label("delay: 76.1 ms total");
    switch_metric(&mut h, "delay", "contentions (count)");
    assert_eq!(doc(&h).tree.total(), 629);
    h.get_by_label("contentions: 629 total");
}

#[test]
fn a_label_filters_the_flamegraph_and_the_table() {
    let mut h = open(&[data("pprof/generated/cpu.pb.gz")]);
    let d = doc(&h);
    assert_eq!(d.metric().name, "cpu");
    // Oracle: cpu total 7650000000 ns; label_totals endpoint=/orders 5220000000.
    assert_eq!(d.tree.total(), 7_650_000_000);
    h.get_by_label("cpu: 7.65 s total");
    h.get_by_label("endpoint (2)");
    for text in ["/cart", "23.9%", "1.83 s", "68.2%", "5.22 s"] {
        h.get_by_label(text);
    }
    h.get_by_label("/orders").click();
    settle(&mut h);
    let d = doc(&h);
    assert_eq!(d.filter.labels, vec![("endpoint".to_string(), "/orders".to_string())]);
    assert_eq!(d.tree.total(), 5_220_000_000);
    h.get_by_label("cpu where endpoint=/orders: 5.22 s of 7.65 s");
    // `firesight top cpu.pb.gz --tag endpoint=/orders --json`: main.databaseQuery self 900000000.
    assert_eq!(function_self(&h, "main.databaseQuery"), 900_000_000);
    // Another value of the same key replaces the pick.
    h.get_by_label("/cart").click();
    settle(&mut h);
    assert_eq!(doc(&h).tree.total(), 1_830_000_000);
    h.get_by_label("Show all samples").click();
    settle(&mut h);
    assert_eq!(doc(&h).tree.total(), 7_650_000_000);
    assert!(doc(&h).filter.labels.is_empty());
}

fn open_sized(files: &[&str], width: f32, height: f32) -> Harness<'static, FiresightApp> {
    let files: Vec<_> = files.iter().map(|f| data(f)).collect();
    let options = firesight::ui::AppOptions { files, bundled_sample: false };
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(width, height))
        .with_max_steps(40)
        .with_step_dt(1.0 / 60.0)
        .build_eframe(move |cc| FiresightApp::new(cc, options));
    settle(&mut h);
    h
}

/// The labels on the row of the table button `function`, left to right.
fn row_labels(h: &Harness<'static, FiresightApp>, function: &str) -> Vec<(String, egui::Rect)> {
    let y = h.get_by_role_and_label(egui::accesskit::Role::Button, function).rect().center().y;
    labels_at(h, y)
}

/// The labels across the height `y`, left to right.
fn labels_at(h: &Harness<'static, FiresightApp>, y: f32) -> Vec<(String, egui::Rect)> {
    let mut cells: Vec<(String, egui::Rect)> = h
        .query_all_by_role(egui::accesskit::Role::Label)
        .filter(|n| n.rect().top() < y && n.rect().bottom() > y)
        .map(|n| (n.value().or_else(|| n.accesskit_node().label()).unwrap_or_default(), n.rect()))
        .collect();
    cells.sort_by(|a, b| a.1.left().total_cmp(&b.1.left()));
    cells
}

/// Asserts that the last `want.len()` labels on the row of `function` read
/// `want` and are whole: each inside its column, which ends where its
/// right-aligned header ends and starts where the previous header ends
/// (`headers` has the column before the numbers first); that the headers
/// do not overlap; and that the last column ends inside the view.
fn assert_row_whole(h: &Harness<'static, FiresightApp>, function: &str, headers: &[&str], want: &[&str]) {
    let right_edge = h.get_by_label("Flamegraph").rect().right();
    let head: Vec<egui::Rect> = headers.iter().map(|t| h.get_by_label(t).rect()).collect();
    assert_eq!(head.len(), want.len() + 1);
    let cells = row_labels(h, function);
    assert!(cells.len() >= want.len(), "{function}: {cells:?}");
    let cells = &cells[cells.len() - want.len()..];
    let texts: Vec<&str> = cells.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(texts, want, "{function}");
    for (i, (text, rect)) in cells.iter().enumerate() {
        let (start, end) = (head[i].right(), head[i + 1].right());
        assert!(rect.left() > start, "{function}: {text} {rect:?} runs into the column before, which ends at {start}");
        assert!(rect.right() <= end + 0.5, "{function}: {text} {rect:?} runs past its column's end {end}");
        assert!(head[i + 1].left() > start, "header {} {:?} overlaps the one before", headers[i + 1], head[i + 1]);
    }
    assert!(head[want.len()].right() <= right_edge, "the last column ends inside the view");
}

const HOT_HEADERS: [&str; 6] = ["Module", "Self ⏷", "Self %", "Total", "Total %", "Cumulative self %"];

#[test]
fn hot_table_numbers_are_never_cut() {
    // Numbers from `firesight top` on each file (cpu.pb.gz also in its
    // oracle: main.databaseQuery flat 0.90 s, cum 1.38 s).
    for (w, hgt) in [(1400.0, 900.0), (1000.0, 700.0)] {
        let mut h = open_sized(&["pprof/tester/features.pb.gz", "pprof/generated/cpu.pb.gz"], w, hgt);
        assert!(doc(&h).labels_open, "the label panel is shown");
        h.get_by_label("endpoint (2)");
        let cpu = ["900.0 ms", "11.76%", "1.38 s", "18.04%", "11.76%"];
        assert_row_whole(&h, "main.databaseQuery", &HOT_HEADERS, &cpu);
        assert_row_whole(&h, "runtime.mallocgc", &HOT_HEADERS, &["310.0 ms", "4.05%", "1.13 s", "14.77%", "25.23%"]);
        // A long name is elided to its column and shown whole on hover.
        let name = "encoding/json.(*decodeState).object";
        let button = h.get_by_role_and_label(egui::accesskit::Role::Button, name).rect();
        assert!(button.right() <= h.get_by_label("Module").rect().left() + 0.5, "{name} {button:?}");
        // The first tab (it was laid out first, with other columns).
        h.get_by_label("features.pb.gz").click();
        h.run();
        assert_eq!(doc(&h).title, "features.pb.gz");
        h.get_by_label("bytes (3)");
        assert_row_whole(&h, "memcpy", &HOT_HEADERS, &["120", "15.23%", "219", "27.79%", "37.94%"]);
        assert_row_whole(&h, "main.main", &HOT_HEADERS, &["113", "14.34%", "788", "100.00%", "52.28%"]);
    }
}

#[test]
fn memory_table_numbers_are_never_cut_and_scroll_sideways_when_narrow() {
    // `firesight top heap.pb.gz`: main.recordAudit 15,232 objects of
    // 1.01 KiB, 15.0 MiB, self and total.
    let headers = [
        "Function",
        "Self inuse_objects",
        "Avg size",
        "Self inuse_space ⏷",
        "Total inuse_objects",
        "Total inuse_space",
    ];
    let want = ["15,232", "1.01 KiB", "15.0 MiB", "15,232", "15.0 MiB"];
    let h = open_sized(&["pprof/generated/heap.pb.gz"], 1400.0, 900.0);
    h.get_by_label("bytes (67)");
    assert_row_whole(&h, "main.recordAudit", &headers, &want);
    // Too narrow for every column: the table is wider than the view and
    // scrolls sideways; no column is squeezed under its values.
    let mut h = open_sized(&["pprof/generated/heap.pb.gz"], 1000.0, 700.0);
    let right_edge = h.get_by_label("Flamegraph").rect().right();
    assert!(h.get_by_label("Total inuse_space").rect().left() > right_edge, "off to the right at first");
    let row = h.get_by_role_and_label(egui::accesskit::Role::Button, "main.recordAudit").rect().center();
    h.hover_at(row);
    h.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::Vec2::new(-2000.0, 0.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: egui::Modifiers::NONE,
    });
    h.run();
    assert!(h.get_by_label("Total inuse_space").rect().right() <= right_edge + 0.5, "scrolled into view");
    let cells = row_labels(&h, "main.recordAudit");
    let texts: Vec<&str> = cells[cells.len() - 5..].iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(texts, want);
    let last = cells[cells.len() - 1].1;
    assert!(last.right() <= right_edge + 0.5, "{last:?}");
}

/// The node of the current tree at `path` of function names from the root.
fn node_at(h: &Harness<'static, FiresightApp>, path: &[&str]) -> firesight::model::NodeId {
    let d = doc(h);
    let mut node = d.tree.root();
    for name in path {
        let frame = d.profile.frames.iter().find(|(_, f)| f.name == *name).map(|(id, _)| id).expect("frame");
        node = d.tree.child_with_frame(node, frame).expect("child");
    }
    node
}

/// Rests the pointer on the flamegraph box of `node` until its tooltip shows.
fn hover_box(h: &mut Harness<'static, FiresightApp>, node: firesight::model::NodeId) {
    let rect = doc(h).flame.box_rect(node).expect("the box is drawn");
    h.hover_at(rect.center());
    // Tooltips wait for the pointer to rest.
    h.run_steps(60);
    h.run();
}

#[test]
fn with_a_label_picked_tooltips_say_what_their_shares_are_of() {
    // `firesight top cpu.pb.gz --tag endpoint=/orders`: 5.22 s in all;
    // main.databaseQuery self 900.0 ms (17.24%), total 1.38 s (26.44%),
    // one stack (`firesight fold --tag`); of every sample (7.65 s) 11.76%
    // and 18.04%, as `firesight top cpu.pb.gz` gives.
    let mut h = open(&[data("pprof/generated/cpu.pb.gz")]);
    h.get_by_label("/orders").click();
    settle(&mut h);
    h.get_by_label("cpu where endpoint=/orders: 5.22 s of 7.65 s");
    hover_box(&mut h, firesight::model::NodeId(0));
    h.get_by_label("Total: 5.22 s (100.00% of the filtered samples, 68.24% of all)");
    let path =
        ["main.main.func1", "main.handleOrders", "runtime/pprof.Do", "main.handleOrders.func1", "main.databaseQuery"];
    let node = node_at(&h, &path);
    hover_box(&mut h, node);
    h.get_by_label("Self: 900.0 ms (17.24% of the filtered samples, 11.76% of all)");
    h.get_by_label("Total: 1.38 s (26.44% of the filtered samples, 18.04% of all, 26.44% of zoomed)");
    // Without a pick there is one whole, and the tooltip says so once.
    h.get_by_label("Show all samples").click();
    settle(&mut h);
    let node = node_at(&h, &path);
    hover_box(&mut h, node);
    h.get_by_label("Self: 900.0 ms (11.76% of all)");
    h.get_by_label("Total: 1.38 s (18.04% of all, 18.04% of zoomed)");
}

#[test]
fn label_panel_weights_stay_clear_of_the_scroll_bar() {
    // heap.pb.gz in alloc_objects: bytes=16 carries 7,477,812 objects
    // (38.9%, the tester's screenshot), the widest weight of the key.
    let mut h = open(&[data("pprof/generated/heap.pb.gz")]);
    switch_metric(&mut h, "inuse_space", "alloc_objects (count)");
    let panel_right = h.get_by_label("Flamegraph").rect().left() - 8.0;
    // egui's floating scroll bar: 10 px wide, 4 px from the content.
    let bar = 14.0;
    let in_panel = |h: &Harness<'static, FiresightApp>, label: &str| {
        h.query_all_by_label(label).find(|n| n.rect().left() < panel_right).expect("in the label panel").rect()
    };
    for picked in [false, true] {
        for text in ["7,477,812", "38.9%", "Weight"] {
            let r = in_panel(&h, text);
            assert!(
                r.right() + bar <= panel_right + 0.5,
                "{text} {r:?} under the scroll bar (panel ends at {panel_right})"
            );
        }
        let value = in_panel(&h, "16 B");
        assert!(value.right() < in_panel(&h, "38.9%").left(), "the value is clear of its share");
        if !picked {
            h.query_all_by_label("16 B").find(|n| n.rect().left() < panel_right).expect("in the panel").click();
            settle(&mut h);
            assert_eq!(doc(&h).filter.labels, vec![("bytes".to_string(), "16".to_string())]);
            h.get_by_label("Showing bytes=16");
        }
    }
}

#[test]
fn samples_with_an_empty_stack_have_a_row_as_in_the_cli() {
    use firesight::ui::hot_table::NO_STACK;
    // odd-samples.pb.gz: 18 samples in all; 9 with no location at all,
    // 9 on main.main (tests/data/pprof/tester/gen_odd.py).
    let file = data("pprof/tester/odd-samples.pb.gz");
    let (code, out, _) = crate::common::run_cli(&["top", file.to_str().expect("utf-8 path")]);
    assert_eq!(code, 0);
    let line = out.lines().find(|l| l.ends_with("[no stack]")).expect("a [no stack] line");
    let cli: Vec<&str> = line.trim_end_matches("[no stack]").split_whitespace().collect();
    assert_eq!(cli, ["9", "50.00%", "9", "50.00%"]);
    let mut h = open(&[file]);
    let d = doc(&h);
    assert_eq!(d.tree.total(), 18);
    let main = d.functions.rows.iter().position(|r| d.profile.frames.name(r.frame) == "main.main").expect("main.main");
    // Equal self weights: the function first, then the samples of no function.
    assert_eq!(d.table.order(), [main, NO_STACK]);
    h.get_by_label("Hot functions (1)");
    let y = h.get_by_label("[no stack]").rect().center().y;
    let texts: Vec<String> = labels_at(&h, y).into_iter().map(|(t, _)| t).collect();
    assert_eq!(texts, ["[no stack]", "9", "50.00%", "9", "50.00%", "–"]);
    assert_eq!(&texts[1..5], cli, "the window and `firesight top` agree");
    // Sorting by total keeps it; the filter finds it by its name.
    h.get_by_label("Total").click();
    h.run();
    assert_eq!(doc(&h).table.order(), [main, NO_STACK]);
    h.get_by(|n| n.data().placeholder() == Some("Filter functions")).focus();
    h.run();
    h.get_by(|n| n.data().placeholder() == Some("Filter functions")).type_text("stack");
    h.run();
    assert_eq!(doc(&h).table.order(), [NO_STACK]);
    h.get_by_label("Hot functions (0 of 1)");
    // The root's tooltip gives the same weight.
    hover_box(&mut h, firesight::model::NodeId(0));
    h.get_by_label("No stack: 9 (50.00% of all)");
}
