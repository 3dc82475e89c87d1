//! A perf.data recording in the window: it opens through the same worker
//! as every file, with the status bar naming the format and counting the
//! samples, and the flamegraph's total is the loader's.

// Tests stop at the first broken expectation.
#![allow(clippy::expect_used)]

use egui_kittest::kittest::Queryable;
use firesight::load::{LoadOptions, Progress, load_path};

use crate::common::data;
use crate::ui::{doc, open};

#[test]
fn a_perf_data_file_opens_in_the_window() {
    let path = data("perf_data/spin.perf.data");
    let loaded = load_path(&path, &LoadOptions::default(), Progress::new()).expect("loads");
    let want = loaded.profile.total(loaded.profile.default_metric);
    let h = open(std::slice::from_ref(&path));
    assert!(h.state().failed_loads().is_empty());
    let d = doc(&h);
    assert_eq!(d.title, "spin.perf.data");
    assert_eq!(d.profile.metric(d.metric).name, "cpu-clock");
    // 296 samples of 1,001,001 ns (999 Hz).
    assert_eq!(d.tree.total(), want);
    assert_eq!(want, 296 * 1_001_001);
    h.get_by_label("Format: perf.data");
    h.get_by_label("cpu-clock: 296.3 ms total");
    h.get_by_label("296 samples");
    // The threads' names are the root frames, as perf script folds them.
    let root = d.tree.root();
    let names: Vec<&str> =
        d.tree.children(root).filter_map(|c| d.tree.node(c).frame).map(|f| d.profile.frames.name(f)).collect();
    for n in ["spin", "worker-1", "log_writer"] {
        assert!(names.contains(&n), "{names:?}");
    }
}
