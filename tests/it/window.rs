//! The window's frame, driven through egui_kittest on the real
//! `FiresightApp`: opening a file when no file dialog can be shown, tables
//! scrolling back to the top when sorted, the status bar and table heading
//! counting what the current view counts, and the label panel's numbers.

// Tests stop at the first broken expectation.
#![allow(clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use firesight::ui::FiresightApp;

use crate::common::data;
use crate::ui::{doc, open, settle};

const SHOP: &str = "folded/pyspy-shop.folded";

/// Steps until `done` holds (the dialog answers from its own thread).
fn step_until(h: &mut Harness<'static, FiresightApp>, done: impl Fn(&FiresightApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(start.elapsed() < Duration::from_secs(10), "the window never got there");
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
    h.run();
}

fn type_in_path_field(h: &mut Harness<'static, FiresightApp>, text: &str) {
    h.get_by(|n| n.data().placeholder() == Some("/path/to/profile.pb.gz")).type_text(text);
    h.run();
    h.key_press(Key::Enter);
    settle(h);
}

#[test]
fn a_file_dialog_that_cannot_be_shown_offers_a_path_field() {
    let mut h = open(&[data(SHOP)]);
    // What rfd returns on Linux when neither the portal nor zenity answers.
    h.state_mut().set_file_picker(Arc::new(|| None));
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    step_until(&mut h, |app| app.open_path().is_some());
    h.get_by_label("Open file");
    assert!(h.query_all_by_label_contains("The file dialog could not be shown").count() >= 2, "message and modal");
    assert!(h.query_all_by_label_contains("drop files on this window").count() >= 1);
    assert!(h.state().messages()[0].text.contains("File > Type a path…"));
    // The field has the focus: typing and Enter open the file.
    type_in_path_field(&mut h, &data("folded/flames.txt").display().to_string());
    assert!(h.state().open_path().is_none(), "Enter closes the modal");
    let titles: Vec<&str> = h.state().documents().iter().map(|d| d.title.as_str()).collect();
    assert_eq!(titles, ["pyspy-shop.folded", "flames.txt"]);
    // The sum of the counts in flames.txt (awk '{s+=$NF} END {print s}').
    assert_eq!(doc(&h).tree.total(), 598_400);
    // The file opened: the banner about the dialog has done its job.
    assert!(h.state().messages().is_empty(), "{:?}", h.state().messages());
    assert!(h.query_by_label_contains("The file dialog could not be shown").is_none());
}

#[test]
fn the_file_menu_always_offers_a_path_field_and_errors_show_as_for_any_load() {
    let mut h = open(&[data(SHOP)]);
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Type a path…").click();
    h.run();
    assert!(h.state().open_path().is_some_and(|s| s.reason.is_none()));
    type_in_path_field(&mut h, "tests/data/folded/definitely-missing.folded");
    let failed = &h.state().failed_loads()[0];
    assert!(failed.error.contains("cannot open") && failed.error.contains("definitely-missing"), "{}", failed.error);
    assert_eq!(h.state().documents().len(), 1);
}

#[test]
fn a_dialog_that_closes_at_once_twice_counts_as_missing() {
    let mut h = open(&[data(SHOP)]);
    // A portal that answers "ended some other way" at once looks like a cancel.
    h.state_mut().set_file_picker(Arc::new(|| Some(Vec::new())));
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    h.run();
    std::thread::sleep(Duration::from_millis(50));
    h.run();
    assert!(h.state().open_path().is_none(), "one quick cancel may be a person");
    assert!(h.state().messages().is_empty());
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    step_until(&mut h, |app| app.open_path().is_some());
    assert!(h.state().messages()[0].text.contains("closed at once"), "{}", h.state().messages()[0].text);
    // Esc closes the modal and leaves the flamegraph alone.
    let zoom = doc(&h).zoom;
    h.key_press(Key::Escape);
    h.run();
    assert!(h.state().open_path().is_none());
    assert_eq!(doc(&h).zoom, zoom);
}

/// Turns the mouse wheel over `pos` by `dy` points (negative: down the list).
fn wheel_at(h: &mut Harness<'static, FiresightApp>, pos: egui::Pos2, dy: f32) {
    h.hover_at(pos);
    h.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::Vec2::new(0.0, dy),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: Modifiers::NONE,
    });
    h.run();
}

#[test]
fn sorting_the_hot_table_scrolls_back_to_the_top() {
    let mut h = open(&[data(SHOP)]);
    // 36 functions, about ten rows visible: the heaviest self is on top.
    let top = h.get_by_label("JSONEncoder.iterencode (json/encoder.py:258)").rect().center();
    wheel_at(&mut h, top, -2000.0);
    assert!(h.query_by_label("JSONEncoder.iterencode (json/encoder.py:258)").is_none(), "scrolled away");
    assert!(h.query_by_label("<module> (py_shop.py:111)").is_none());
    h.get_by_label("Total").click();
    h.run();
    // Heaviest total first (259 samples each; ties keep the self order), and on screen again.
    let d = doc(&h);
    let first = d.profile.frames.name(d.functions.rows[d.table.order()[0]].frame);
    assert_eq!(first, "main (py_shop.py:103)");
    assert!(h.query_by_label("<module> (py_shop.py:111)").is_some(), "the sorted table starts at its first row");
    assert!(h.query_by_label("main (py_shop.py:103)").is_some());
}

#[test]
fn sorting_the_trace_list_scrolls_back_to_the_top() {
    let mut h = open(&[data("otlp/traces.otlp.json")]);
    let clock = |h: &Harness<'static, FiresightApp>, row: usize| {
        let list = doc(h).traces.as_ref().expect("traces").view.list();
        let i = list.order()[row];
        firesight::ui::trace_list::clock_utc(list.summary(i).expect("row").start_unix_ns)
    };
    let first = clock(&h, 0);
    let pos = h.get_by_label(&first).rect().center();
    wheel_at(&mut h, pos, -4000.0);
    // The list starts in time order.
    assert!(h.query_by_label(&first).is_none(), "scrolled away from the earliest trace");
    h.get_by_label("Duration").click();
    h.run();
    // The slowest trace is the first row, and it is visible.
    let list = doc(&h).traces.as_ref().expect("traces").view.list();
    let duration = |row: usize| list.summary(list.order()[row]).expect("row").duration_ns;
    assert!(duration(0) >= duration(1) && duration(1) >= duration(279));
    let first = clock(&h, 0);
    assert!(h.query_by_label(&first).is_some(), "the sorted list starts at its first row");
}

#[test]
fn the_status_bar_and_the_heading_count_what_the_view_counts() {
    // cpu.pb.gz: 757 samples, every one with cpu time; 522 carry
    // endpoint=/orders (5.22 s of 7.65 s); 336 functions, 235 of them under
    // /orders, 38 of those with "json" in the name. Counted from the file
    // with a separate protobuf decoder (and label_totals in cpu.pb.gz.json).
    let mut h = open(&[data("pprof/generated/cpu.pb.gz")]);
    h.get_by_label("cpu: 7.65 s total");
    h.get_by_label("757 samples");
    h.get_by_label("Hot functions (336)");
    h.get_by_label("/orders").click();
    settle(&mut h);
    h.get_by_label("cpu where endpoint=/orders: 5.22 s of 7.65 s");
    h.get_by_label("522 of 757 samples");
    h.get_by_label("Hot functions (235)");
    h.get_by(|n| n.data().placeholder() == Some("Filter functions")).focus();
    h.run();
    h.get_by(|n| n.data().placeholder() == Some("Filter functions")).type_text("json");
    h.run();
    h.get_by_label("Hot functions (38 of 235)");
}

#[test]
fn the_sample_count_follows_the_metric() {
    // 333 instructions and 111 cycles samples (header lines counted with
    // grep, see tests/it/perf.rs).
    let mut h = open(&[data("perf/perf-cycles-instructions-01.txt")]);
    h.get_by_label("333 of 444 samples carry instructions");
    h.state_mut().apply(firesight::ui::command::Command::SetMetric(firesight::model::MetricId(1)));
    settle(&mut h);
    // Each sample is 100,000,000 cycles (the period in the file's header).
    h.get_by_label("cycles: 11,100,000,000 total");
    h.get_by_label("111 of 444 samples carry cycles");
    // A heap profile: 26 of its 291 samples still hold in-use bytes.
    let h = open(&[data("pprof/generated/heap.pb.gz")]);
    h.get_by_label("26 of 291 samples carry inuse_space");
    // A folded file counts its lines (27, each with a count).
    let h = open(&[data(SHOP)]);
    h.get_by_label("27 stack lines");
}

#[test]
fn sample_counts_follow_thread_time_focus_and_hide() {
    use firesight::analysis::sample_count::count_samples;
    use firesight::model::SampleFilter;
    // kvstore.perf.txt: 791 cpu-clock samples. Counted from the text with
    // awk: 237 on thread 457 (compactor); 157 with a time in
    // [1588.6 s, 1588.8 s); 272 with do_syscall_64 on the stack; 42 whose
    // only frame is _IO_default_xsputn, 6 of them on the kvstore thread (the
    // perf loader roots stacks at the process name, as inferno does); all
    // 272 syscalls are on thread 454.
    let loaded = firesight::load::load_path(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-profiles/kvstore.perf.txt"),
        &Default::default(),
        firesight::load::Progress::new(),
    )
    .expect("loads");
    let p = &loaded.profile;
    let m = p.default_metric;
    let frame = |name: &str| p.frames.iter().find(|(_, f)| f.name == name).map(|(id, _)| id).expect("frame");
    let count = |filter: SampleFilter| count_samples(p, m, &filter);
    let all = count(SampleFilter::default());
    assert_eq!((all.kept, all.in_metric, all.in_profile), (791, 791, 791));
    assert!(!all.is_filtered());
    let thread = p.threads.iter().position(|t| t.tid == Some(457)).map(firesight::model::ThreadId::from_index);
    assert_eq!(count(SampleFilter { thread, ..Default::default() }).kept, 237);
    let time_range_ns = Some((1_588_600_000_000, 1_588_800_000_000));
    assert_eq!(count(SampleFilter { time_range_ns, ..Default::default() }).kept, 157);
    let focus = Some(frame("do_syscall_64"));
    let c = count(SampleFilter { focus, ..Default::default() });
    assert_eq!((c.kept, c.in_metric), (272, 791));
    assert!(c.is_filtered());
    let hide = vec![frame("_IO_default_xsputn")];
    assert_eq!(count(SampleFilter { hide: hide.clone(), ..Default::default() }).kept, 791, "the root stays");
    let hide = vec![frame("kvstore"), frame("_IO_default_xsputn")];
    assert_eq!(count(SampleFilter { hide, ..Default::default() }).kept, 791 - 6);
    // Filters combine, and the metric's whole stays the whole.
    let both = count(SampleFilter { thread, focus, ..Default::default() });
    assert_eq!(both.kept, 0);
    let main = p.threads.iter().position(|t| t.tid == Some(454)).map(firesight::model::ThreadId::from_index);
    assert_eq!(count(SampleFilter { thread: main, focus, ..Default::default() }).kept, 272);
    assert_eq!(both.metric_total, p.total(m));
}

/// Positions in the label panel's `bytes` key of the values shown as
/// `labels`, in that order. The panel draws only the rows on screen, so
/// the positions come from the panel's order ([`label_panel::sorted`] with
/// the document's sort), after checking that the rows on screen are the
/// first of that order, top to bottom.
fn tops(h: &Harness<'static, FiresightApp>, labels: &[&str]) -> Vec<f32> {
    use firesight::ui::label_panel::{display_value, sorted};
    let d = doc(h);
    let key = d.labels.keys.iter().find(|k| k.key == "bytes").expect("a bytes key");
    let order: Vec<String> = sorted(&key.values, d.label_sort).iter().map(|&i| display_value(&key.values[i])).collect();
    let panel_right = h.get_by_label("bytes (67)").rect().right() + 200.0;
    let mut on_screen: Vec<(f32, String)> = h
        .query_all_by_role(egui::accesskit::Role::Button)
        .filter(|n| n.rect().left() < panel_right)
        .filter_map(|n| n.accesskit_node().label().filter(|l| order.contains(l)).map(|l| (n.rect().top(), l)))
        .collect();
    on_screen.sort_by(|a, b| a.0.total_cmp(&b.0));
    let on_screen: Vec<String> = on_screen.into_iter().map(|(_, l)| l).collect();
    assert!(on_screen.len() >= 10, "rows on screen: {on_screen:?}");
    assert_eq!(on_screen, order[..on_screen.len()], "the panel shows its order from the top");
    labels
        .iter()
        .map(|l| order.iter().position(|v| v == l).unwrap_or_else(|| panic!("{l} is a value")) as f32)
        .collect()
}

fn ascending(v: &[f32]) -> bool {
    v.windows(2).all(|w| w[0] < w[1])
}

#[test]
fn numeric_label_values_sort_by_number_and_show_in_their_unit() {
    // heap.pb.gz: 67 values of the numeric label `bytes` (no unit in the
    // file; pprof takes the key as the unit). In-use bytes per value, from
    // a separate protobuf decoder: 1408 -> 2,633,104; 1536 -> 2,179,827;
    // 1408 in 7 samples, one of them in use; 16 -> 278,664; 8, 24 and 2048
    // hold 0; 909312 -> 909,312.
    let mut h = open(&[data("pprof/generated/heap.pb.gz")]);
    h.get_by_label("bytes (67)");
    // Exact, in bytes, not "1.4 KiB" and not a bare number.
    assert_eq!(tops(&h, &["1,408 B", "909,312 B", "8 B"]).len(), 3);
    // By share, heaviest first; equal shares (0 B in use) by number, not text.
    assert!(ascending(&tops(&h, &["1,408 B", "1,536 B", "16 B"])));
    assert!(ascending(&tops(&h, &["8 B", "24 B", "2,048 B"])));
    h.get_by_label("Value").click();
    h.run();
    assert!(ascending(&tops(&h, &["8 B", "16 B", "24 B", "2,048 B", "909,312 B"])));
    h.get_by_label("Value ⏶").click();
    h.run();
    assert!(ascending(&tops(&h, &["909,312 B", "2,048 B", "24 B", "8 B"])));
    // Share sorts by the number behind it: ascending puts the 0 B values first.
    h.get_by_label("Share").click();
    h.run();
    h.get_by_label("Share ⏷").click();
    h.run();
    assert!(ascending(&tops(&h, &["2,048 B", "16 B", "1,536 B", "1,408 B"])));
    // Picking a number filters on it: 7 samples carry bytes=1408, one of
    // them with in-use bytes (2,633,104).
    h.get_by_label("Share ⏶").click();
    h.run();
    // Heaviest first again: bytes=1408 is the first row.
    assert_eq!(tops(&h, &["1,408 B"]), [0.0]);
    let panel_right = h.get_by_label("bytes (67)").rect().right() + 200.0;
    h.query_all_by_label("1,408 B").find(|n| n.rect().left() < panel_right).expect("in the panel").click();
    settle(&mut h);
    assert_eq!(doc(&h).filter.labels, vec![("bytes".to_string(), "1408".to_string())]);
    assert_eq!(doc(&h).tree.total(), 2_633_104);
    h.get_by_label("1 of 26 samples");
}

#[test]
fn a_truncated_gzip_shows_where_its_stream_ends() {
    // cpu.pb.gz cut in half: 10,561 of 21,123 bytes; Python's zlib gets
    // 33,065 bytes out of the cut stream.
    let gz = std::fs::read(data("pprof/generated/cpu.pb.gz")).expect("read");
    let dir = tempfile::tempdir().expect("temp dir");
    let cut = dir.path().join("cut.pb.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).expect("write");
    let mut h = open(&[data(SHOP)]);
    h.state_mut().apply(firesight::ui::command::Command::Open(cut));
    settle(&mut h);
    let failed = &h.state().failed_loads()[0];
    assert_eq!(failed.title, "cut.pb.gz");
    let want = "gzip, byte offset 10561: truncated gzip stream: the compressed data ends at byte 10561 of the file, \
                after 33065 decompressed bytes";
    assert!(failed.error.starts_with(want), "{}", failed.error);
    h.get_by_label_contains("truncated gzip stream");
}

/// Top edge of `label` in the left `panel_right` px (the label panel),
/// `None` when that row is scrolled out of view (it is not drawn).
fn top_in_label_panel(h: &Harness<'static, FiresightApp>, label: &str, panel_right: f32) -> Option<f32> {
    h.query_all_by_label(label).find(|n| n.rect().left() < panel_right).map(|n| n.rect().top())
}

fn select_tab(h: &mut Harness<'static, FiresightApp>, i: usize) {
    h.state_mut().apply(firesight::ui::command::Command::SelectTab(i));
    h.run();
    assert_eq!(h.state().active_index(), i);
}

#[test]
fn each_tab_keeps_its_own_scroll_offsets_and_a_new_tab_starts_at_the_top() {
    use egui::accesskit::Role;
    // The same heap profile twice: the same rows, so a shared offset would
    // show. Memory view top row by self bytes: main.recordAudit; label
    // panel top value by share: bytes=1408 (see the test above).
    let heap = data("pprof/generated/heap.pb.gz");
    let mut h = open(&[heap.clone(), heap.clone()]);
    assert_eq!(h.state().active_index(), 1);
    let panel_right = h.get_by_label("bytes (67)").rect().right() + 200.0;
    let top_row = |h: &Harness<'static, FiresightApp>| {
        h.query_by_role_and_label(Role::Button, "main.recordAudit").map(|n| n.rect())
    };
    let pos = top_row(&h).expect("top row shown").center();
    wheel_at(&mut h, pos, -2000.0);
    assert!(top_row(&h).is_none(), "table scrolled down");
    let value_top = top_in_label_panel(&h, "1,408 B", panel_right).expect("the first value is shown");
    wheel_at(&mut h, egui::pos2(60.0, value_top + 5.0), -3000.0);
    assert_eq!(top_in_label_panel(&h, "1,408 B", panel_right), None, "label panel scrolled down");
    // The other tab shows its own rows from the top.
    select_tab(&mut h, 0);
    assert!(top_row(&h).is_some(), "the first tab's table is at its top");
    assert_eq!(top_in_label_panel(&h, "1,408 B", panel_right), Some(value_top), "the first tab's panel is at its top");
    // And the scrolled tab is still scrolled.
    select_tab(&mut h, 1);
    assert!(top_row(&h).is_none());
    assert_eq!(top_in_label_panel(&h, "1,408 B", panel_right), None);
    // A newly opened tab starts at the top.
    h.state_mut().apply(firesight::ui::command::Command::Open(heap));
    settle(&mut h);
    assert_eq!(h.state().active_index(), 2);
    assert!(top_row(&h).is_some(), "the new tab's table is at its top");
    assert_eq!(top_in_label_panel(&h, "1,408 B", panel_right), Some(value_top));

    // The trace list: the earliest trace is its first row.
    let otlp = data("otlp/traces.otlp.json");
    let mut h = open(&[otlp.clone(), otlp]);
    let first = |h: &Harness<'static, FiresightApp>| {
        let list = doc(h).traces.as_ref().expect("traces").view.list();
        firesight::ui::trace_list::clock_utc(list.summary(list.order()[0]).expect("row").start_unix_ns)
    };
    let earliest = first(&h);
    let pos = h.get_by_label(&earliest).rect().center();
    wheel_at(&mut h, pos, -4000.0);
    assert!(h.query_by_label(&earliest).is_none(), "trace list scrolled down");
    select_tab(&mut h, 0);
    assert_eq!(first(&h), earliest);
    assert!(h.query_by_label(&earliest).is_some(), "the first tab's trace list is at its top");
}
