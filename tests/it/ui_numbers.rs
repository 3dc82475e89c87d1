//! The window's numbers (issue 10, "Wrong numbers"): a diff profile's
//! flamegraph laid out by absolute weight with honest tooltip shares;
//! exact counts near 2^63 and empty frame names in the status bar, the hot
//! table and tooltips; the cumulative self share in the order shown.
//!
//! Expected numbers: `go tool pprof -top -sample_index=1 diff-two-builds.pb.gz`
//! (shares of the base profile's 850 ms; net -30 ms, as `firesight top`
//! prints); the new profile's 820 ms is the net plus the base's 850 ms.

#![allow(clippy::expect_used)]

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use firesight::model::NodeId;
use firesight::ui::FiresightApp;

use crate::common::data;
use crate::ui::{doc, open, settle};

/// Rests the pointer on the flamegraph box of `node` until its tooltip shows.
fn hover_box(h: &mut Harness<'static, FiresightApp>, node: NodeId) {
    let rect = doc(h).flame.box_rect(node).expect("the box is drawn");
    h.hover_at(rect.center());
    h.run_steps(60);
    h.run();
}

/// The texts of the labels on the hot table row of `function`, left to right.
fn row_texts(h: &Harness<'static, FiresightApp>, function: &str) -> Vec<String> {
    let y = h.get_by_role_and_label(egui::accesskit::Role::Button, function).rect().center().y;
    let mut cells: Vec<(String, egui::Rect)> = h
        .query_all_by_role(egui::accesskit::Role::Label)
        .filter(|n| n.rect().top() < y && n.rect().bottom() > y)
        .map(|n| (n.value().or_else(|| n.accesskit_node().label()).unwrap_or_default(), n.rect()))
        .collect();
    cells.sort_by(|a, b| a.1.left().total_cmp(&b.1.left()));
    cells.into_iter().map(|(t, _)| t).collect()
}

/// The "Cumulative self %" cell of `function`'s row, as a number.
fn cumulative(h: &Harness<'static, FiresightApp>, function: &str) -> f64 {
    let cells = row_texts(h, function);
    let last = cells.last().expect("cells");
    last.trim_end_matches('%').parse().unwrap_or_else(|e| panic!("{function}: {last:?}: {e}"))
}

#[test]
fn a_diff_flamegraph_keeps_children_inside_their_parents_and_says_what_shares_are_of() {
    let mut h = open(&[data("pprof/diff-two-builds.pb.gz")]);
    h.run();
    let d = doc(&h);
    assert!(d.tree.signed);
    let (layout, _, rect) = d.flame.last.as_ref().expect("laid out");
    // Every box lies inside the view and inside its parent's box.
    let mut spans = std::collections::HashMap::new();
    for row in &layout.rows {
        for b in row.boxes.iter().filter(|b| !b.is_merged()) {
            spans.insert(b.node, (b.x0, b.x1));
        }
    }
    assert!(spans.len() > 20, "{} boxes", spans.len());
    for (&node, &(x0, x1)) in &spans {
        assert!(x0 >= -0.01 && x1 <= rect.width() + 0.01, "{node:?} at {x0}..{x1} of {}", rect.width());
        if let Some(&(p0, p1)) = d.tree.node(node).parent.and_then(|p| spans.get(&p)) {
            assert!(x0 >= p0 - 0.01 && x1 <= p1 + 0.01, "{node:?} {x0}..{x1} outside its parent {p0}..{p1}");
        }
    }
    // The root: net -30 ms of the base profile's 850 ms; as wide as 820 ms
    // of new samples and 850 ms of base ones.
    hover_box(&mut h, NodeId(0));
    h.get_by_label("Total: -30.0 ms (-3.53% of the base profile)");
    h.get_by_label("Width: 820.0 ms increase + 850.0 ms decrease = 1.67 s (100.00% of the zoomed box)");
    // main.renderTree lost 60 ms of self time (7.06% of the base, as pprof).
    let d = doc(&h);
    let render = d.profile.frames.iter().find(|(_, f)| f.name == "main.renderTree").map(|(id, _)| id);
    let render = render.expect("main.renderTree");
    let node = (0..d.tree.len())
        .map(NodeId::from_index)
        .filter(|&n| d.tree.node(n).frame == Some(render) && d.tree.node(n).self_weight < 0)
        .max_by_key(|&n| d.tree.node(n).abs_total)
        .expect("a node of main.renderTree that lost self time");
    let parent = d.tree.node(node).parent.expect("a parent");
    h.state_mut().apply(firesight::ui::command::Command::Zoom(parent));
    h.run();
    hover_box(&mut h, node);
    let tips: Vec<String> = h
        .query_all_by_label_contains("% of")
        .map(|n| n.value().or_else(|| n.accesskit_node().label()).unwrap_or_default())
        .collect();
    assert!(tips.iter().any(|t| t.starts_with("Self: -") && t.ends_with("of the base profile)")), "{tips:?}");
    // No share of the zoomed box goes past 100%.
    let width = tips.iter().find(|t| t.starts_with("Width: ")).expect("a width line");
    let pct: f64 = width.rsplit('(').next().and_then(|s| s.split('%').next()).and_then(|s| s.parse().ok()).expect("%");
    assert!(pct > 0.0 && pct <= 100.0, "{width}");
}

#[test]
fn counts_near_2_63_and_empty_names_show_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("huge.folded");
    // 2^63 - 3 and more: an f64 holds neither (both printed as ...808).
    std::fs::write(&file, "main;;leaf 9223372036854775805\nmain;small 3\nmain;big 7\n").expect("write");
    let mut h = open(&[file]);
    h.get_by_label("samples: 9,223,372,036,854,775,815 total");
    let leaf = row_texts(&h, "leaf");
    assert_eq!(leaf[leaf.len() - 5..leaf.len() - 3], ["9,223,372,036,854,775,805", "100.00%"], "{leaf:?}");
    // The frame with no name has a row that says so.
    let empty = row_texts(&h, "[empty]");
    assert_eq!(empty[empty.len() - 3], "9,223,372,036,854,775,805", "{empty:?}");
    hover_box(&mut h, NodeId(0));
    h.get_by_label("Total: 9,223,372,036,854,775,815 (100.00% of all)");
    // And its box and tooltip too.
    let d = doc(&h);
    let main = d.tree.children(NodeId(0)).next().expect("main");
    let unnamed = |c: &NodeId| d.tree.node(*c).frame.is_some_and(|f| d.profile.frames.name(f).is_empty());
    let node = d.tree.children(main).find(unnamed).expect("the empty-named node");
    let frame = d.tree.node(node).frame.expect("a frame");
    assert_eq!(d.profile.frames.shown_name(frame), "[empty]");
    hover_box(&mut h, node);
    h.get_by_label("Total: 9,223,372,036,854,775,805 (100.00% of all, 100.00% of zoomed)");
    assert!(h.query_all_by_label("[empty]").count() >= 2, "the row and the tooltip's title");
}

#[test]
fn cumulative_self_share_follows_the_order_shown() {
    // simple.txt: b self 5 total 14, c 5 and 5, d 4 and 4, a 0 and 14.
    let mut h = open(&[data("folded/simple.txt")]);
    let shown = |h: &Harness<'static, FiresightApp>| -> Vec<f64> {
        ["b", "c", "d", "a"].iter().map(|f| cumulative(h, f)).collect()
    };
    // By self: b, c, d, a.
    assert_eq!(shown(&h), [35.71, 71.43, 100.0, 100.0]);
    // By total: b and a (14), c (5), d (4): the running share in that
    // order (it kept the self-order values, so a showed 100% second).
    h.get_by_label("Total").click();
    h.run();
    let order: Vec<String> = doc(&h)
        .table
        .order()
        .iter()
        .map(|&i| {
            let d = doc(&h);
            d.profile.frames.name(d.functions.rows[i].frame).to_string()
        })
        .collect();
    assert_eq!(order, ["b", "a", "c", "d"]);
    assert_eq!(shown(&h), [35.71, 71.43, 100.0, 35.71]);
    // A filter keeps the order and sums only the rows shown.
    h.get_by(|n| n.data().placeholder() == Some("Filter functions")).focus();
    h.run();
    h.get_by(|n| n.data().placeholder() == Some("Filter functions")).type_text("d");
    h.run();
    assert_eq!(cumulative(&h, "d"), 28.57);
}

#[test]
fn cumulative_self_share_of_a_diff_only_grows() {
    // diff-two-builds.pb.gz: pprof's sum% goes 7.06%, 1.18%, 5.88% ... as
    // gains and losses offset; the window's column adds sizes of changes.
    let mut h = open(&[data("pprof/diff-two-builds.pb.gz")]);
    settle(&mut h);
    let d = doc(&h);
    let names: Vec<String> =
        d.table.order().iter().take(6).map(|&i| d.profile.frames.name(d.functions.rows[i].frame).to_string()).collect();
    assert_eq!(names[..3], ["main.renderTree", "sort.partition", "sort.insertionSort"]);
    let values: Vec<f64> = names.iter().map(|n| cumulative(&h, n)).collect();
    assert!(values.windows(2).all(|w| w[0] <= w[1]), "{values:?}");
    // The sum of |self| of every function is the whole: renderTree's 60 ms
    // and partition's 50 ms of it.
    let whole: i128 = d.functions.rows.iter().map(|r| r.self_weight.abs()).sum();
    let want = |w: i128| (w as f64 * 10000.0 / whole as f64).round() / 100.0;
    assert_eq!(values[..2], [want(60_000_000), want(110_000_000)], "of {whole}");
}

#[test]
fn a_diff_profiles_colour_key_names_the_change_not_frame_kinds() {
    let mut h = open(&[data("pprof/diff-two-builds.pb.gz")]);
    h.run();
    for word in ["grew", "shrank", "about the same"] {
        h.get_by_label(word);
    }
    assert!(h.query_by_label("user code").is_none(), "a diff flamegraph has no user-code colour");
}
