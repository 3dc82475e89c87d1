//! The window, driven through egui_kittest on the real `FiresightApp`: open,
//! drop, zoom, search, sort, filter, select, errors, cancel; and a few image
//! snapshots on the software renderer.
//!
//! Expected numbers for `folded/pyspy-shop.folded` (py-spy 0.4.3 raw output,
//! 355 samples) were computed from the file with a separate script: 187 of
//! 355 samples have a frame whose name contains "json" (52.7%); the largest
//! total is `main (py_shop.py:103)` and `<module> (py_shop.py:111)` with 259;
//! the largest self is `JSONEncoder.iterencode (json/encoder.py:258)` with
//! 174; `handle_request (py_shop.py:79)` under `main` has a total of 192;
//! seven functions have "cache" in their name.

// Tests stop at the first broken expectation.
#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Key, Modifiers, Pos2, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use firesight::model::{FrameId, NodeId};
use firesight::ui::command::Command;
use firesight::ui::document::Document;
use firesight::ui::{AppOptions, FiresightApp};

use crate::common::data;

pub(crate) const SHOP: &str = "folded/pyspy-shop.folded";

pub(crate) fn harness_with(options: AppOptions) -> Harness<'static, FiresightApp> {
    Harness::builder()
        .with_size(Vec2::new(1400.0, 900.0))
        .with_max_steps(40)
        // Real frame pacing, so two quick clicks make a double-click.
        .with_step_dt(1.0 / 60.0)
        .build_eframe(move |cc| FiresightApp::new(cc, options))
}

pub(crate) fn open(files: &[PathBuf]) -> Harness<'static, FiresightApp> {
    let mut h = harness_with(AppOptions { files: files.to_vec(), bundled_sample: false });
    settle(&mut h);
    h
}

/// Steps until no job runs (at most 60 s), then runs to a settled frame
/// (which also runs the accessibility check).
pub(crate) fn settle(h: &mut Harness<'static, FiresightApp>) {
    let start = Instant::now();
    h.step();
    while h.state().is_busy() {
        assert!(start.elapsed() < Duration::from_secs(60), "load did not finish");
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
    h.run();
}

pub(crate) fn doc<'a>(h: &'a Harness<'static, FiresightApp>) -> &'a Document {
    h.state().active_document().expect("a document is open")
}

fn frame_named(d: &Document, name: &str) -> FrameId {
    d.profile.frames.iter().find(|(_, f)| f.name == name).map(|(id, _)| id).expect("frame exists")
}

fn node_path(d: &Document, names: &[&str]) -> NodeId {
    let mut node = d.tree.root();
    for n in names {
        node = d.tree.child_with_frame(node, frame_named(d, n)).expect("child exists");
    }
    node
}

pub(crate) fn click_at(h: &mut Harness<'static, FiresightApp>, pos: Pos2) {
    h.hover_at(pos);
    h.step();
    h.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::NONE,
    });
    h.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
    h.run();
}

#[test]
fn a_file_named_at_start_opens_with_status_bar_numbers() {
    let h = open(&[data(SHOP)]);
    let d = doc(&h);
    assert_eq!(d.title, "pyspy-shop.folded");
    assert_eq!(d.tree.total(), 355);
    h.get_by_label("Format: folded");
    h.get_by_label("samples: 355 total");
    h.get_by_label("No warnings");
    // The hot table starts sorted by self, heaviest first.
    let first = d.functions.rows[d.table.order()[0]].frame;
    assert_eq!(d.profile.frames.name(first), "JSONEncoder.iterencode (json/encoder.py:258)");
    h.get_by_label("Hot functions (36)");
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
fn dropping_files_opens_each_in_a_tab() {
    let mut h = open(&[data(SHOP)]);
    h.input_mut().hovered_files.push(egui::HoveredFile { path: Some(data("folded/flames.txt")), ..Default::default() });
    h.step();
    assert_eq!(h.state().documents().len(), 1, "hovering opens nothing");
    h.input_mut().hovered_files.clear();
    h.input_mut().dropped_files.push(Arc::new(DroppedPath(data("folded/flames.txt"))));
    h.input_mut().dropped_files.push(Arc::new(DroppedPath(data("folded/recursion.txt"))));
    settle(&mut h);
    let titles: Vec<&str> = h.state().documents().iter().map(|d| d.title.as_str()).collect();
    assert_eq!(titles.len(), 3, "{titles:?}");
    assert!(titles.contains(&"flames.txt") && titles.contains(&"recursion.txt"));
    h.get_by_label("recursion.txt");
    // Ctrl+Tab cycles, Ctrl+W closes the active tab.
    let before = h.state().active_index();
    h.key_press_modifiers(Modifiers::CTRL, Key::Tab);
    h.run();
    assert_eq!(h.state().active_index(), (before + 1) % 3);
    h.key_press_modifiers(Modifiers::COMMAND, Key::W);
    h.run();
    assert_eq!(h.state().documents().len(), 2);
}

/// True when a widget labelled `name` sits above the flamegraph.
fn in_breadcrumb(h: &Harness<'static, FiresightApp>, name: &str) -> bool {
    let top = doc(h).flame.last.as_ref().expect("drawn").2.top();
    h.query_all_by_label(name).any(|n| n.rect().bottom() <= top)
}

#[test]
fn clicking_a_box_zooms_and_esc_zooms_back_out() {
    let mut h = open(&[data(SHOP)]);
    let d = doc(&h);
    let target =
        node_path(d, &["<module> (py_shop.py:111)", "main (py_shop.py:103)", "handle_request (py_shop.py:79)"]);
    assert_eq!(d.tree.node(target).total, 192);
    let rect = d.flame.box_rect(target).expect("handle_request is drawn");
    click_at(&mut h, rect.left_center() + Vec2::new(4.0, 0.0));
    let d = doc(&h);
    assert_eq!(d.zoom, target);
    let frame = frame_named(d, "handle_request (py_shop.py:79)");
    assert_eq!(d.selected, Some(frame), "a box click selects its table row");
    // The breadcrumb (above the flamegraph; the hot table below has rows of
    // the same names) names every ancestor and the zoomed function.
    assert!(in_breadcrumb(&h, "main (py_shop.py:103)"));
    assert!(in_breadcrumb(&h, "handle_request (py_shop.py:79)"));
    // The zoomed box now fills the width.
    let full = doc(&h).flame.box_rect(target).expect("zoomed box is drawn");
    assert!(full.width() > 1300.0, "zoomed width {}", full.width());
    h.key_press(Key::Escape);
    h.run();
    assert_eq!(doc(&h).zoom, node_path(doc(&h), &["<module> (py_shop.py:111)", "main (py_shop.py:103)"]));
    assert!(in_breadcrumb(&h, "main (py_shop.py:103)"));
    assert!(!in_breadcrumb(&h, "handle_request (py_shop.py:79)"));
    h.get_by_role_and_label(egui::accesskit::Role::Button, "all").click();
    h.run();
    assert_eq!(doc(&h).zoom, NodeId(0));
}

#[test]
fn search_shows_the_matched_share() {
    let mut h = open(&[data(SHOP)]);
    h.key_press_modifiers(Modifiers::COMMAND, Key::F);
    h.run();
    h.event(egui::Event::Text("json".into()));
    h.run();
    h.get_by_label("json: 52.7% of samples");
    assert_eq!(doc(&h).search.matched_weight, 187);
    // Wheel over the flamegraph zooms around the pointer, within the whole tree.
    let rect = doc(&h).flame.last.as_ref().expect("drawn").2;
    h.hover_at(rect.center());
    h.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: Vec2::new(0.0, 200.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: Modifiers::NONE,
    });
    h.run();
    let v = doc(&h).view;
    assert!(v.span() < 0.9 && v.start > 0.0 && v.end < 1.0, "{v:?}");
}

#[test]
fn the_table_sorts_filters_and_selects() {
    let mut h = open(&[data(SHOP)]);
    h.get_by_label("Total").click();
    h.run();
    let d = doc(&h);
    let top = &d.functions.rows[d.table.order()[0]];
    assert_eq!(top.total, 259);
    assert_eq!(d.profile.frames.name(top.frame), "main (py_shop.py:103)");
    // Clicking the sorted header again reverses the order.
    h.get_by_label("Total ⏷").click();
    h.run();
    let d = doc(&h);
    let last = &d.functions.rows[*d.table.order().last().expect("rows")];
    assert_eq!(last.total, 259);

    // Back to heaviest self first, then narrow down.
    h.get_by_label("Self").click();
    h.run();
    h.get_by(|n| n.data().placeholder() == Some("Filter functions")).focus();
    h.run();
    h.get_by(|n| n.data().placeholder() == Some("Filter functions")).type_text("cache");
    h.run();
    let d = doc(&h);
    assert_eq!(d.table.order().len(), 7);
    assert!(d.table.order().iter().all(|&i| d.profile.frames.name(d.functions.rows[i].frame).contains("cache")));

    // Selecting a row highlights the function's boxes; double-click zooms to the heaviest.
    h.get_by_label("cache_warmer (py_shop.py:88)").click();
    h.run();
    let f = frame_named(doc(&h), "cache_warmer (py_shop.py:88)");
    assert_eq!(doc(&h).selected, Some(f));
    // Double-click on the row: zoom to the function's heaviest box.
    h.run_steps(40);
    h.get_by_label("cache_warmer (py_shop.py:88)").click();
    h.get_by_label("cache_warmer (py_shop.py:88)").click();
    h.run();
    let d = doc(&h);
    let z = d.tree.node(d.zoom);
    assert_eq!(z.frame, Some(f));
    assert_eq!(z.total, d.tree.iter_nodes().filter(|n| n.frame == Some(f)).map(|n| n.total).max().expect("boxes"));
    assert_eq!(d.selected, Some(f));
}

#[test]
fn a_broken_file_shows_its_error_in_its_own_tab_and_the_open_profile_stays() {
    let mut h = open(&[data(SHOP)]);
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = dir.path().join("broken.txt");
    std::fs::write(&broken, "this is not a profile\njust words\n").expect("write");
    h.state_mut().apply(Command::Open(broken.clone()));
    settle(&mut h);
    // The profile stays; the error has a tab of its own, the active one.
    assert_eq!(h.state().documents().len(), 1);
    let failed = &h.state().failed_loads()[0];
    assert_eq!((failed.title.as_str(), failed.path.as_ref()), ("broken.txt", Some(&broken)));
    assert!(failed.error.contains("neither perf script") && failed.error.contains("broken.txt"), "{}", failed.error);
    assert!(h.state().active_document().is_none());
    assert_eq!(h.state().active_index(), 1);
    h.get_by_label("⚠ broken.txt");
    h.get_by_label("broken.txt could not be opened");
    h.get_by_label_contains("first line: \"this is not a profile\"");
    assert!(h.state().messages().is_empty(), "no banner over the other tabs");
    // The profile's tab shows no trace of it.
    h.get_by_label("pyspy-shop.folded").click();
    h.run();
    assert_eq!(doc(&h).title, "pyspy-shop.folded");
    assert!(h.query_by_label_contains("this is not a profile").is_none());
    assert!(h.query_by_label_contains("could not be opened").is_none());
    h.get_by_label("samples: 355 total");
    // Close ends the failed tab; the profile is active again.
    h.get_by_label("⚠ broken.txt").click();
    h.run();
    h.get_by_label("Close").click();
    h.run();
    assert!(h.state().failed_loads().is_empty());
    assert_eq!(doc(&h).title, "pyspy-shop.folded");
}

#[test]
fn a_load_is_cancelled_from_its_progress_row() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("big.folded");
    // About 120 MB of real-shaped stacks: long enough to still be loading when Cancel is clicked.
    let shop = std::fs::read_to_string(data(SHOP)).expect("read");
    let mut text = String::with_capacity(130 << 20);
    while text.len() < 120 << 20 {
        text.push_str(&shop);
    }
    std::fs::write(&big, text).expect("write");
    let mut h = harness_with(AppOptions { files: vec![big], bundled_sample: false });
    h.step();
    assert!(h.state().is_busy());
    h.get_by_label("Loading big.folded");
    let rows = h.state().loading();
    assert_eq!(rows[0].total, std::fs::metadata(dir.path().join("big.folded")).expect("meta").len());
    h.get_by_label("Cancel").click();
    settle(&mut h);
    assert!(h.state().documents().is_empty());
    let msg = &h.state().messages()[0];
    assert_eq!(msg.text, "Loading big.folded was cancelled.");
    assert!(!msg.is_error);
}

#[test]
fn the_tree_of_another_metric_is_built_off_the_ui_thread() {
    let mut h = open(&[data(SHOP)]);
    // A one-metric profile ignores a metric it does not have.
    h.state_mut().apply(Command::SetMetric(firesight::model::MetricId(3)));
    assert!(!h.state().is_busy());
    h.state_mut().apply(Command::SetOrientation(firesight::ui::settings::Orientation::Flame));
    h.run();
    // Flame orientation puts the root row at the bottom of the view.
    let d = doc(&h);
    let (_, _, view) = d.flame.last.as_ref().expect("drawn");
    let root = d.flame.box_rect(NodeId(0)).expect("root drawn");
    assert!((root.bottom() - view.bottom()).abs() < 1.0);
}

#[test]
fn settings_round_trip_through_eframe_storage() {
    #[derive(Default)]
    struct Mem(std::collections::HashMap<String, String>);
    impl eframe::Storage for Mem {
        fn get_string(&self, key: &str) -> Option<String> {
            self.0.get(key).cloned()
        }
        fn set_string(&mut self, key: &str, value: String) {
            self.0.insert(key.into(), value);
        }
        fn remove_string(&mut self, key: &str) {
            self.0.remove(key);
        }
        fn flush(&mut self) {}
    }
    let mut h = open(&[data(SHOP)]);
    h.state_mut().apply(Command::SetTheme(firesight::ui::settings::ThemeChoice::Dark));
    let mut mem = Mem::default();
    eframe::App::save(h.state_mut(), &mut mem);
    let restored: firesight::ui::settings::Settings =
        eframe::get_value(&mem, firesight::ui::settings::STORAGE_KEY).expect("stored");
    assert_eq!(restored.theme, firesight::ui::settings::ThemeChoice::Dark);
    assert_eq!(restored.recent, vec![data(SHOP)]);
}

/// Colour of the rendered pixel at `pos` (points) of the last frame.
fn pixel(h: &mut Harness<'static, FiresightApp>, pos: Pos2) -> [u8; 4] {
    let image = h.render().expect("render on the software adapter");
    let ppp = h.ctx.pixels_per_point();
    image.get_pixel((pos.x * ppp) as u32, (pos.y * ppp) as u32).0
}

#[test]
fn snapshot_zoomed_search_and_selected_function() {
    let mut h = open(&[data(SHOP)]);
    h.state_mut().apply(Command::SetTheme(firesight::ui::settings::ThemeChoice::Light));
    let d = doc(&h);
    let target = node_path(d, &["<module> (py_shop.py:111)", "main (py_shop.py:103)"]);
    let selected = frame_named(d, "serialize_order (py_shop.py:50)");
    h.state_mut().apply(Command::Zoom(target));
    h.state_mut().apply(Command::Search("json".into()));
    h.state_mut().apply(Command::Select(Some(selected)));
    h.run();
    h.get_by_label("json: 52.7% of samples");
    // Every box of the selected function is outlined in the selection colour
    // and keeps its own fill inside.
    let d = doc(&h);
    let node = node_path(
        d,
        &[
            "<module> (py_shop.py:111)",
            "main (py_shop.py:103)",
            "handle_request (py_shop.py:79)",
            "build_response (py_shop.py:55)",
            "serialize_order (py_shop.py:50)",
        ],
    );
    let rect = d.flame.box_rect(node).expect("selected box drawn");
    let frame = d.profile.frames.frame(selected);
    let fill = firesight::ui::theme::frame_color(&frame.name, frame.kind);
    let c = pixel(&mut h, rect.left_top() + Vec2::new(1.0, 8.0));
    let want = firesight::ui::theme::SELECTED;
    assert_eq!([c[0], c[1], c[2]], [want.r(), want.g(), want.b()]);
    let c = pixel(&mut h, Pos2::new(rect.right() - 6.0, rect.center().y));
    assert_eq!([c[0], c[1], c[2]], [fill.r(), fill.g(), fill.b()]);
    h.snapshot("flamegraph_zoom_search_select");
}

#[test]
fn snapshot_drop_overlay_and_load_error() {
    let mut h = open(&[data(SHOP)]);
    h.state_mut().apply(Command::SetTheme(firesight::ui::settings::ThemeChoice::Dark));
    // A relative path (cargo runs tests in the crate root): the error text,
    // and so the snapshot, must not depend on where the repo is cloned.
    h.state_mut().apply(Command::Open(std::path::PathBuf::from("tests/data/folded/definitely-missing.folded")));
    settle(&mut h);
    h.get_by_label_contains("cannot open");
    h.input_mut().hovered_files.push(egui::HoveredFile { path: Some(data("folded/flames.txt")), ..Default::default() });
    // egui repaints continuously while files hover, so step instead of settling.
    h.run_steps(3);
    h.snapshot("drop_overlay_over_error");
}

#[test]
fn the_bundled_sample_shows_at_start_and_says_which() {
    let mut h = harness_with(AppOptions::default());
    settle(&mut h);
    let d = doc(&h);
    assert!(d.bundled);
    assert_eq!(d.title, firesight::ui::sample::NAME);
    assert_eq!(d.format, "perf script");
    assert!(d.tree.total() > 0 && d.tree.total() == d.profile.total(d.metric));
    h.get_by_label(firesight::ui::sample::DESCRIPTION);
    h.get_by_label_contains("This is a bundled sample profile");
    // The first real file replaces the sample.
    h.state_mut().apply(Command::Open(data(SHOP)));
    settle(&mut h);
    let titles: Vec<&str> = h.state().documents().iter().map(|d| d.title.as_str()).collect();
    assert_eq!(titles, ["pyspy-shop.folded"]);
}

#[test]
fn the_metric_switcher_rebuilds_tree_and_status() {
    // perf-cycles-instructions-01: 333 instructions and 111 cycles samples
    // (header lines counted with grep, see tests/it/perf.rs) of 100,000,000
    // events each (`perf record -c 100000000`, as the header's event lines say).
    let mut h = open(&[data("perf/perf-cycles-instructions-01.txt")]);
    h.get_by_label("instructions: 33,300,000,000 total");
    h.get_by_label("Metric:").click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "cycles (count)").click();
    settle(&mut h);
    assert_eq!(doc(&h).profile.metric(doc(&h).metric).name, "cycles");
    assert_eq!(doc(&h).tree.total(), 11_100_000_000);
    h.get_by_label("cycles: 11,100,000,000 total");
}

#[test]
fn the_warnings_count_opens_the_list() {
    // bad-lines.txt has two lines that are not stacks: 3 and 6.
    let mut h = open(&[data("folded/bad-lines.txt")]);
    h.get_by_label("⚠ 2 warnings").click();
    h.run();
    let lines: Vec<String> = h.query_all_by_label_contains("line ").map(|n| n.value().unwrap_or_default()).collect();
    assert!(h.query_by_label_contains("line 3: ").is_some(), "{lines:?}");
    assert!(h.query_by_label_contains("line 6: ").is_some(), "{lines:?}");
}

#[test]
fn hovering_a_box_shows_self_and_total_in_the_unit() {
    let mut h = open(&[data(SHOP)]);
    let d = doc(&h);
    let target =
        node_path(d, &["<module> (py_shop.py:111)", "main (py_shop.py:103)", "handle_request (py_shop.py:79)"]);
    let rect = d.flame.box_rect(target).expect("drawn");
    h.hover_at(rect.center());
    // Tooltips wait for the pointer to rest.
    h.run_steps(60);
    h.run();
    // 192 of 355 samples; the root is zoomed, so both shares agree.
    h.get_by_label("Total: 192 (54.08% of all, 54.08% of zoomed)");
    h.get_by_label("Self: 0 (0.00% of all)");
}

#[test]
fn a_trace_file_opens_with_the_trace_views_and_its_flamegraph() {
    let mut h = open(&[data("otlp/traces.otlp.json")]);
    // The trace views come first: histogram summary and the slowest trace.
    assert!(h.query_all_by_label_contains("280 traces").count() >= 1);
    assert!(h.query_all_by_label_contains("b9443dbfc415284e082045c2b3d49513").count() >= 1);
    // The projection's flamegraph is one click away, with span self time.
    h.get_by_label("Flamegraph").click();
    settle(&mut h);
    let d = doc(&h);
    assert_eq!(d.metric().name, "span self time");
    assert!(d.traces.as_ref().is_some_and(|t| !t.show));
    // Spans are named `service: name`; the hot table's first row is the
    // span with the most self time.
    assert!(h.query_all_by_label_contains("order-service: SELECT shop.orders").count() >= 1);
}

#[test]
fn escape_at_the_root_clears_the_selected_function() {
    let mut h = open(&[data(SHOP)]);
    let f = frame_named(doc(&h), "serialize_order (py_shop.py:50)");
    h.state_mut().apply(Command::Select(Some(f)));
    settle(&mut h);
    assert_eq!(doc(&h).selected, Some(f));
    h.key_press(Key::Escape);
    settle(&mut h);
    assert_eq!(doc(&h).selected, None);
}

#[test]
fn tabs_keep_the_order_files_were_named_in() {
    // The big perf file finishes last; its tab still comes first.
    let h = open(&[data("perf/perf-cycles-instructions-01.txt"), data(SHOP), data("folded/simple.txt")]);
    let titles: Vec<&str> = h.state().documents().iter().map(|d| d.title.as_str()).collect();
    assert_eq!(titles, vec!["perf-cycles-instructions-01.txt", "pyspy-shop.folded", "simple.txt"]);
}

#[test]
fn deep_stacks_scroll_with_the_depth_scrollbar() {
    // tall.txt is one 26-frame stack: deeper than a 560 px high window shows.
    let mut h = Harness::builder()
        .with_size(Vec2::new(1000.0, 560.0))
        .with_max_steps(40)
        .with_step_dt(1.0 / 60.0)
        .build_eframe(|cc| {
            FiresightApp::new(cc, AppOptions { files: vec![data("folded/tall.txt")], bundled_sample: false })
        });
    settle(&mut h);
    let (rows_before, rect) = {
        let (layout, _, rect) = doc(&h).flame.last.as_ref().expect("drawn");
        (layout.rows.first().map(|r| r.level), *rect)
    };
    assert_eq!(rows_before, Some(0));
    assert_eq!(doc(&h).flame.scroll_px, 0.0);
    h.get_by_label("Flamegraph depth scroll");
    // Drag the thumb (at the root's end: the top of an icicle graph) down.
    let x = rect.right() - firesight::ui::flamegraph::SCROLLBAR_PX / 2.0;
    let from = Pos2::new(x, rect.top() + 8.0);
    h.hover_at(from);
    h.step();
    h.event(egui::Event::PointerButton {
        pos: from,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::NONE,
    });
    h.step();
    for dy in [20.0, 60.0, 200.0] {
        h.event(egui::Event::PointerMoved(from + Vec2::new(0.0, dy)));
        h.step();
    }
    h.event(egui::Event::PointerButton {
        pos: from + Vec2::new(0.0, 200.0),
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
    h.run();
    let scrolled = doc(&h).flame.scroll_px;
    assert!(scrolled > 0.0, "the drag scrolled nothing");
    let first = doc(&h).flame.last.as_ref().and_then(|(l, _, _)| l.rows.first().map(|r| r.level));
    assert!(first > Some(0), "the top rows are still shown: {first:?}");
    // At the end of the scroll the deepest row shows whole, not cut by the edge.
    h.hover_at(Pos2::new(x, rect.center().y));
    h.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: Vec2::new(0.0, -5000.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: Modifiers::NONE,
    });
    h.run();
    {
        let d = doc(&h);
        let (layout, g, rect) = d.flame.last.as_ref().expect("drawn");
        let deepest = layout.rows.last().map(|r| r.level);
        assert_eq!(deepest, Some(d.tree.max_depth), "the deepest row is laid out");
        let top = g.level_top(d.tree.max_depth);
        assert!(top >= rect.top() && top + g.row_height <= rect.bottom() + 0.5, "deepest row cut: {top} in {rect:?}");
    }
    // The wheel over the bar scrolls back towards the root (over the graph it zooms).
    h.hover_at(Pos2::new(x, rect.center().y));
    h.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: Vec2::new(0.0, 1000.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: Modifiers::NONE,
    });
    h.run();
    assert_eq!(doc(&h).flame.scroll_px, 0.0);
    assert_eq!(doc(&h).view, firesight::ui::view_range::ViewRange::FULL, "the wheel over the bar zoomed");
}
