//! The timeline and the insights panel in the window, through egui_kittest
//! on the real `FiresightApp` with the generated perf profile
//! (`perf/generated/shop-c.perf.txt.gz`, 2,002 samples of cpu-clock, 2.00 s,
//! three threads): a drag across a track keeps a time range and the status
//! bar's total follows; a click on a thread's name keeps its samples; the
//! insights panel lists the dominant functions and "Show me" selects and
//! zooms to one.

#![allow(clippy::expect_used)]

use egui::{Modifiers, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use firesight::model::NodeId;
use firesight::ui::FiresightApp;

use crate::common::data;
use crate::ui::{doc, open, settle};

const FILE: &str = "perf/generated/shop-c.perf.txt.gz";

fn drag(h: &mut Harness<'static, FiresightApp>, from: Pos2, to: Pos2) {
    h.hover_at(from);
    h.step();
    h.event(egui::Event::PointerButton {
        pos: from,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::NONE,
    });
    h.step();
    for k in 1..=4 {
        let p = from + (to - from) * (k as f32 / 4.0);
        h.event(egui::Event::PointerMoved(p));
        h.step();
    }
    h.event(egui::Event::PointerButton {
        pos: to,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
    settle(h);
}

#[test]
fn dragging_a_timeline_range_rebuilds_every_view_and_the_status_bar_total() {
    let mut h = open(&[data(FILE)]);
    h.get_by_label("cpu-clock: 2.00 s total");
    h.get_by_label("2,002 samples");
    assert!(doc(&h).timeline.is_some());
    let track = h.get_by_label("io worker 24060").rect();
    let y = track.center().y;
    drag(&mut h, Pos2::new(600.0, y), Pos2::new(900.0, y));
    let d = doc(&h);
    let (lo, hi) = d.filter.time_range_ns.expect("a range");
    let tl = d.timeline.as_ref().expect("timeline");
    assert!(lo > tl.start_ns && hi < tl.end_ns && hi > lo, "{lo}..{hi}");
    let total = d.tree.total();
    assert!(total > 0 && total < 2_004_004_002, "{total}");
    // The status bar: this range's total of the whole.
    let text = format!("cpu-clock: {} of 2.00 s", d.metric().format(total));
    let kept = d.samples.kept;
    h.get_by_label(&text);
    h.get_by_label(&format!("{kept} of 2,002 samples"));
    h.get_by_label_contains(" s to ");
    // The whole profile again.
    h.get_by_label("Whole profile").click();
    settle(&mut h);
    assert_eq!(doc(&h).filter.time_range_ns, None);
    h.get_by_label("cpu-clock: 2.00 s total");

    // A thread's name keeps its samples.
    h.get_by_label("worker-1 24061").click();
    settle(&mut h);
    let d = doc(&h);
    assert_eq!(d.filter.threads.len(), 1);
    assert_eq!(d.profile.threads[d.filter.threads[0].index()].name, "worker-1");
    assert!(d.tree.total() < 2_004_004_002);
    h.get_by_label("1 of 3 threads");
    h.get_by_label("All threads").click();
    settle(&mut h);
    assert!(doc(&h).filter.threads.is_empty());
}

#[test]
fn the_insights_panel_shows_the_dominant_functions_and_show_me_zooms_to_one() {
    let mut h = open(&[data(FILE)]);
    h.get_by_label("Insights").click();
    settle(&mut h);
    h.get_by_label_contains("sort_records holds 31.17% of cpu-clock as self (624.6 ms)");
    h.get_by_label_contains("compute_checksum holds 26.97% of cpu-clock as self");
    // No green flag: this profile has dominant functions.
    assert!(h.query_by_label("green").is_none());
    h.get_by_label("31.17% (threshold 20%)");
    let first = h
        .query_all_by_label("Show me")
        .map(|n| n.rect())
        .min_by(|a, b| a.top().total_cmp(&b.top()))
        .expect("a Show me button");
    crate::ui::click_at(&mut h, first.center());
    settle(&mut h);
    let d = doc(&h);
    let selected = d.selected.expect("a selection");
    assert_eq!(d.profile.frames.name(selected), "sort_records");
    assert_ne!(d.zoom, NodeId(0));
    assert_eq!(d.tree.node(d.zoom).frame, Some(selected));
}
