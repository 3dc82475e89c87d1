//! The window on a JFR recording, driven through egui_kittest on the real
//! `FiresightApp`: it opens with the CPU samples metric, its total equal to
//! the oracle (`tests/data/jfr/shop-profile.jfr.json`, from the JDK's `jfr`
//! tool: 588 jdk.ExecutionSample events), and the metric switcher lists
//! the other event types in their units; switching to jdk.ThreadPark shows
//! the parked time in ns (oracle: 3,451,069,697 ns).

#![allow(clippy::expect_used)]

use egui_kittest::kittest::Queryable;

use crate::common::data;
use crate::ui::{doc, open, settle};

#[test]
fn recording_opens_with_its_event_metrics() {
    let mut h = open(&[data("jfr/shop-profile.jfr")]);
    let d = doc(&h);
    assert_eq!(d.profile.format, "JFR");
    assert_eq!(d.metric().name, "jdk.ExecutionSample");
    assert_eq!(d.tree.total(), 588);
    h.get_by_label("jdk.ExecutionSample: 588 total");
    let names: Vec<&str> = d.profile.metrics.iter().map(|m| m.name.as_str()).collect();
    for want in ["jdk.ObjectAllocationSample", "jdk.JavaMonitorEnter", "jdk.ThreadPark", "jdk.SocketRead.bytesRead"] {
        assert!(names.contains(&want), "{names:?}");
    }
    let combo = h.get_by_role(egui::accesskit::Role::ComboBox);
    assert_eq!(combo.value().as_deref(), Some("jdk.ExecutionSample"));
    combo.click();
    h.run();
    h.get_by_label("jdk.ThreadPark (nanoseconds)").click();
    settle(&mut h);
    let d = doc(&h);
    assert_eq!(d.metric().name, "jdk.ThreadPark");
    assert_eq!(d.tree.total(), PARK_NS);
}

/// jdk.ThreadPark duration in the oracle.
const PARK_NS: i128 = 3_451_069_697;
