use super::*;
use crate::analysis::compare::{CompareOptions, SharedSide};
use crate::model::frame::FrameRef;
use crate::model::{FrameKind, MetricId, Profile, ProfileBuilder, Unit};

fn profile(samples: &[(&str, Weight)]) -> Profile {
    let mut b = ProfileBuilder::new("test");
    b.add_metric("cpu", Unit::Nanoseconds);
    for &(stack, w) in samples {
        let ids: Vec<_> = stack.split(';').map(|n| b.frame(FrameRef::new(n, "", FrameKind::User))).collect();
        let s = b.stack_from_root(&ids);
        b.add_sample_for(s, MetricId(0), w, None, None);
    }
    b.finish().expect("valid profile")
}

fn compare(before: &[(&str, Weight)], after: &[(&str, Weight)]) -> Comparison {
    let (b, a) = (profile(before), profile(after));
    Comparison::build(
        &SharedSide { profile: std::sync::Arc::new(b), metric: MetricId(0) },
        &SharedSide { profile: std::sync::Arc::new(a), metric: MetricId(0) },
        &CompareOptions::default(),
    )
}

fn node(c: &Comparison, path: &str) -> u32 {
    let mut cur = 0;
    for name in path.split(';') {
        cur = c.children(cur).find(|&k| c.function_of(k).is_some_and(|f| f.name == name)).expect("child");
    }
    cur
}

fn full(width_px: f32) -> FlameParams {
    FlameParams { zoom: 0, view: (0.0, 1.0), width_px, first_level: 0, levels: 100 }
}

#[test]
fn vanished_and_new_frames_both_have_boxes_that_nest() {
    // parse vanished (was 30), write is new (20), sort 50 -> 30.
    let c = compare(&[("main;parse", 30), ("main;sort", 50)], &[("main;sort", 30), ("main;write", 20)]);
    let m = FlameModel::new(&c, WidthMode::All);
    assert_eq!(m.width(&c, 0), 80 + 50);
    let rows = layout(&c, &m, &full(1300.0));
    let names: Vec<(&str, f32, f32)> =
        rows[2].boxes.iter().map(|b| (&*c.function_of(b.node).expect("fn").name, b.x0.round(), b.x1.round())).collect();
    assert_eq!(names, [("parse", 0.0, 300.0), ("sort", 300.0, 1100.0), ("write", 1100.0, 1300.0)]);
    // Every child fits its parent.
    for i in 0..c.len() as u32 {
        let kids: Weight = c.children(i).map(|k| m.width(&c, k)).sum();
        assert!(kids <= m.width(&c, i));
    }
    // Colour: sort -20 and parse -30 against the largest change, main's -30.
    assert!((m.change(&c, node(&c, "main;parse")) + 1.0).abs() < 1e-6);
    assert!((m.change(&c, node(&c, "main;write")) - 20.0 / 30.0).abs() < 1e-6);
}

#[test]
fn changed_only_drops_unchanged_boxes() {
    let c = compare(&[("main;a", 10), ("main;b", 5)], &[("main;a", 10), ("main;b", 9)]);
    let m = FlameModel::new(&c, WidthMode::ChangedOnly);
    assert_eq!(m.width(&c, node(&c, "main;a")), 0);
    assert_eq!(m.width(&c, 0), 14);
    let rows = layout(&c, &m, &full(100.0));
    assert_eq!(rows[2].boxes.len(), 1);
    assert_eq!(c.function_of(rows[2].boxes[0].node).map(|f| &*f.name), Some("b"));
    let (start, width) = m.extent(&c, node(&c, "main;b"));
    assert!((start - 0.0).abs() < 1e-12 && (width - 1.0).abs() < 1e-12);
}

#[test]
fn search_counts_each_sample_once_per_side() {
    let c = compare(&[("main;json;json", 10), ("main;x", 5)], &[("main;json", 4), ("main;x", 5)]);
    let matches = search_matches(&c, "JSON");
    assert_eq!(matched_weight(&c, &matches), (10, 4));
    assert!(search_matches(&c, "  ").is_empty());
}

#[test]
fn change_line_reads_like_the_status_bar() {
    let f = |w: Weight| format!("{w}");
    assert_eq!(change_line(120, 55, f), "120 \u{2192} 55 (\u{2212}54%)");
    assert_eq!(change_line(0, 5, f), "0 \u{2192} 5 (new)");
    assert_eq!(change_line(10, 12, f), "10 \u{2192} 12 (+20%)");
    assert_eq!(change_line(1000, 999, f), "1000 \u{2192} 999 (0%)");
}
