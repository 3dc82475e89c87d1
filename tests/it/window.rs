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
use egui_kittest::kittest::Queryable;
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
    let msg = &h.state().messages()[0];
    assert!(
        msg.is_error && msg.text.contains("cannot open") && msg.text.contains("definitely-missing"),
        "{}",
        msg.text
    );
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
