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
use egui_kittest::kittest::Queryable;
use firesight::ui::FiresightApp;

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

    switch_metric(&mut h, "inuse_space", "alloc_objects (count)");
    let d = doc(&h);
    assert_eq!(d.metric().name, "alloc_objects");
    assert_eq!(d.tree.total(), 19_235_350);
    h.get_by_label("alloc_objects: 19,235,350 total");
    // Oracle alloc_objects/alloc_space flat of reflect.unsafe_NewArray:
    // 2927988 objects, 562474575 bytes (536.4 MiB, 192.1 B each).
    let memory = d.memory.as_ref().expect("alloc_objects pairs with alloc_space");
    let top = &memory.rows[d.table.memory.order()[0]];
    assert_eq!(d.profile.frames.name(top.frame), "reflect.unsafe_NewArray");
    assert_eq!((top.self_objects, top.self_bytes), (2_927_988, 562_474_575));
    for text in ["Total alloc_space", "192.1 B"] {
        h.get_by_label(text);
    }
    // Self and total of reflect.unsafe_NewArray are equal (it calls nothing).
    assert_eq!(h.query_all_by_label("2,927,988").count(), 2);
    assert_eq!(h.query_all_by_label("536.4 MiB").count(), 2);
    assert!(h.query_by_label("15.0 MiB").is_none(), "the in-use rows are gone");

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
