//! The window's states, driven through egui_kittest on the real
//! `FiresightApp`: a new run opens tables at the top whatever the last run
//! left in egui's saved memory; label picks that keep no sample, and the
//! "(none)" row of each key; a profile with no samples; the flamegraph's
//! colour key; Try again on a failed load, in the failed tab's place.
//!
//! `pprof/shop-labels.pb.gz` is built by `tests/it/pprof/labels.rs` (its
//! samples are listed there): no `/orders` sample is `tier=premium`.

#![allow(clippy::expect_used)]

use egui::Vec2;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use firesight::ui::{AppOptions, FiresightApp};

use crate::common::data;
use firesight::ui::command::Command;

use crate::ui::{SHOP, click_at, doc, open, settle};

/// The name of the hot table's first row (the heaviest self).
fn top_function(h: &Harness<'static, FiresightApp>) -> String {
    let d = doc(h);
    let row = d.table.order()[0];
    d.profile.frames.name(d.functions.rows[row].frame).to_string()
}

/// eframe's storage, in memory.
#[derive(Default)]
struct Storage(std::collections::HashMap<String, String>);

impl eframe::Storage for Storage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }

    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_string(), value);
    }

    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }

    fn flush(&mut self) {}
}

#[test]
fn a_new_run_opens_the_hot_table_at_the_top() {
    let file = data("pprof/generated/cpu.pb.gz");
    let mut h = open(std::slice::from_ref(&file));
    let top = top_function(&h);
    let at = h.get_by_label(&top).rect().center();
    h.hover_at(at);
    h.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: Vec2::new(0.0, -3000.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: egui::Modifiers::NONE,
    });
    h.run();
    assert!(h.query_by_label(&top).is_none(), "scrolled away from {top}");
    // What eframe saves at exit and hands the next run: egui's memory, as RON.
    let mut saved = Storage::default();
    h.ctx.memory(|m| eframe::set_value(&mut saved, "egui", m));
    drop(h);

    let restored: egui::Memory = eframe::get_value(&saved, "egui").expect("memory was saved");
    let options = AppOptions { files: vec![file], bundled_sample: false };
    let mut h = Harness::builder()
        .with_size(Vec2::new(1400.0, 900.0))
        .with_max_steps(40)
        .with_step_dt(1.0 / 60.0)
        .build_eframe(move |cc| {
            cc.egui_ctx.memory_mut(|m| *m = restored);
            FiresightApp::new(cc, options)
        });
    settle(&mut h);
    assert_eq!(top_function(&h), top);
    h.get_by_label(&top);
}

#[test]
fn picks_that_share_no_sample_say_so_and_each_key_has_a_none_row() {
    let mut h = open(&[data("pprof/shop-labels.pb.gz")]);
    assert_eq!(doc(&h).metric().name, "cpu");
    h.get_by_label("cpu: 1.00 s total");
    h.get_by_label("endpoint (2)");
    h.get_by_label("tier (2)");
    // Samples without a key: 15 lack endpoint, 25 lack tier.
    assert_eq!(h.query_all_by_label("(none)").count(), 2);
    for text in ["15.0%", "25.0%"] {
        h.get_by_label(text);
    }

    h.get_by_label("/orders").click();
    settle(&mut h);
    h.get_by_label("cpu where endpoint=/orders: 500.0 ms of 1.00 s");
    // tier now splits the /orders samples: free 400 ms, premium none, 100 ms without a tier.
    h.get_by_label("Shares of the samples with endpoint=/orders");
    for text in ["80.0%", "20.0%"] {
        h.get_by_label(text);
    }
    let tier = doc(&h).labels.keys.iter().find(|k| k.key == "tier").expect("tier").clone();
    assert_eq!(tier.total, 500_000_000);
    assert_eq!(tier.values.iter().find(|v| v.value == "premium").map(|v| v.weight), Some(0));

    h.get_by_label("premium").click();
    settle(&mut h);
    assert_eq!(doc(&h).tree.total(), 0);
    h.get_by_label(
        "No sample has both endpoint=/orders and tier=premium. Pick other values in the label panel, or clear \
         the filter.",
    );
    assert!(h.query_by_label_contains("Hot functions").is_none(), "no empty table under the message");
    h.get_by_label("Clear the label filter").click();
    settle(&mut h);
    assert_eq!(doc(&h).tree.total(), 1_000_000_000);

    // The "(none)" row of tier is a pick too: the samples with no tier.
    let rows: Vec<egui::Rect> = h.query_all_by_label("(none)").map(|n| n.rect()).collect();
    let lower = rows.iter().max_by(|a, b| a.top().total_cmp(&b.top())).expect("two rows");
    click_at(&mut h, lower.center());
    settle(&mut h);
    assert_eq!(doc(&h).filter.without_labels, vec!["tier".to_string()]);
    h.get_by_label("cpu where no tier label: 250.0 ms of 1.00 s");
    h.get_by_label("Showing no tier label");
}

#[test]
fn a_profile_with_no_samples_says_so_with_its_metric_and_file() {
    let mut h = open(&[data("pprof/quiet/quiet-mutex.pb.gz")]);
    assert_eq!(doc(&h).samples.in_profile, 0);
    h.get_by_label_contains("quiet-mutex.pb.gz holds no samples, so there is no delay to show");
    // The other metric says the same of itself.
    h.get_by_role(egui::accesskit::Role::ComboBox).click();
    h.run();
    h.get_by_label("contentions (count)").click();
    settle(&mut h);
    h.get_by_label_contains("quiet-mutex.pb.gz holds no samples, so there is no contentions to show");
}

#[test]
fn the_status_bar_keys_the_flamegraph_colours() {
    // perf with kernel frames: the key names them.
    let h = open(&[data("perf/perf-dd-stacks-01.txt")]);
    assert!(doc(&h).frame_kinds.contains(&firesight::model::FrameKind::Kernel), "{:?}", doc(&h).frame_kinds);
    h.get_by_label("Colours:");
    h.get_by_label("kernel");
    h.get_by_label("user code");
    // py-spy output is all user code: nothing to key.
    let h = open(&[data("folded/pyspy-shop.folded")]);
    assert!(h.query_by_label("Colours:").is_none());
}

#[test]
fn try_again_reopens_a_file_that_failed() {
    let mut h = open(&[data(SHOP)]);
    let dir = tempfile::tempdir().expect("temp dir");
    let later = dir.path().join("later.folded");
    h.state_mut().apply(Command::Open(later.clone()));
    settle(&mut h);
    assert!(h.state().failed_loads()[0].error.contains("cannot open"), "{}", h.state().failed_loads()[0].error);
    // The file appears; Try again opens it in place of the failed tab.
    std::fs::write(&later, "main;work 7\nmain 3\n").expect("write");
    h.get_by_label("Try again").click();
    settle(&mut h);
    assert!(h.state().failed_loads().is_empty());
    let titles: Vec<&str> = h.state().documents().iter().map(|d| d.title.as_str()).collect();
    assert_eq!(titles, ["pyspy-shop.folded", "later.folded"]);
    assert_eq!(doc(&h).tree.total(), 10);
}

#[test]
fn try_again_keeps_the_tab_in_its_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = dir.path().join("first.folded");
    // The first file is missing, the second opens; Try again once the
    // first exists brings it back first, not after the other tab.
    let mut h = open(&[first.clone(), data(SHOP)]);
    std::fs::write(&first, "main;work 7\nmain 3\n").expect("write");
    h.state_mut().apply(Command::SelectTab(0));
    settle(&mut h);
    h.get_by_label("Try again").click();
    settle(&mut h);
    assert!(h.state().failed_loads().is_empty());
    let titles: Vec<&str> = h.state().documents().iter().map(|d| d.title.as_str()).collect();
    assert_eq!(titles, ["first.folded", "pyspy-shop.folded"]);
}
