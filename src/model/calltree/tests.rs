//! Tests of the call tree's build: absolute totals, function sums.
use super::*;
use crate::model::frame::FrameRef;
use crate::model::{FrameKind, ProfileBuilder, Unit};

#[test]
fn function_totals_count_each_path_once_through_direct_and_indirect_recursion() {
    // Shapes where a function's outer call must be remembered past a
    // sibling subtree that also calls it.
    let stacks: [(&[&str], i128); 9] = [
        (&["f", "g", "f", "h"], 1),
        (&["f", "g", "f"], 2),
        (&["f", "g", "k", "f"], 4),
        (&["f", "x", "f", "f"], 8),
        (&["f", "x"], 16),
        (&["g", "f", "g", "f"], 32),
        (&["g", "h", "g"], 64),
        (&["h"], 128),
        (&["g", "f", "h", "g", "h"], 256),
    ];
    let mut b = ProfileBuilder::new("test");
    let m = b.add_metric("samples", Unit::Count);
    for (path, w) in stacks {
        let ids: Vec<_> = path.iter().map(|f| b.frame(FrameRef::new(f, "", FrameKind::User))).collect();
        let s = b.stack_from_root(&ids);
        b.add_sample_for(s, m, w, None, None);
    }
    let p = b.finish().unwrap_or_else(|e| panic!("{e}"));
    let (tree, table) = CallTree::build_with_functions(&p, m, &SampleFilter::default());
    for (name, want_self, want_total) in [
        ("f", 2 + 4 + 8 + 32, 1 + 2 + 4 + 8 + 16 + 32 + 256),
        ("g", 64, 1 + 2 + 4 + 32 + 64 + 256),
        ("h", 1 + 128 + 256, 1 + 64 + 128 + 256),
        ("k", 0, 4),
        ("x", 16, 24),
    ] {
        let row = table.rows.iter().find(|r| p.frames.name(r.frame) == name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!((row.self_weight, row.total), (want_self, want_total), "{name}");
    }
    // The same as the table made from the tree by its own walk.
    assert_eq!(super::super::FunctionTable::build(&tree, p.frames.len()).rows, table.rows);
}

#[test]
fn absolute_totals_hold_in_every_shape_of_tree() {
    // A diff: a;b grew 30 and shrank 50, a;c grew 40, and c;b shrank 10.
    let mut b = ProfileBuilder::new("test");
    let m = b.add_metric("samples", Unit::Count);
    for (path, w) in [(&["a", "b"], 30), (&["a", "b"], -50), (&["a", "c"], 40), (&["c", "b"], -10)] {
        let ids: Vec<_> = path.iter().map(|f| b.frame(FrameRef::new(f, "", FrameKind::User))).collect();
        let s = b.stack_from_root(&ids);
        b.add_sample_for(s, m, w, None, None);
    }
    let p = b.finish().unwrap_or_else(|e| panic!("{e}"));
    for filter in [SampleFilter::default(), SampleFilter { inverted: true, ..SampleFilter::default() }] {
        let t = CallTree::build(&p, m, &filter);
        assert!(t.signed && t.share_of == ShareOf::AbsoluteTotal);
        assert_eq!((t.total(), t.node(t.root()).abs_total, t.share_base), (10, 130, 130));
        for (i, n) in t.iter_nodes().enumerate() {
            let kids: Weight = t.children(NodeId::from_index(i)).map(|c| t.node(c).abs_total).sum();
            assert!(n.total.abs() <= n.abs_total && kids <= n.abs_total, "{:?} node {i}", filter.inverted);
        }
        // Bottom-up, b is a root: -30 net, 90 changed.
        if filter.inverted {
            let bn = t.children(t.root()).find(|&c| t.node(c).frame.is_some_and(|f| p.frames.name(f) == "b"));
            let bn = t.node(bn.unwrap_or_else(|| panic!("b")));
            assert_eq!((bn.total, bn.abs_total), (-30, 90));
        }
    }
    // No negative weight: the absolute totals are the totals.
    let mut b = ProfileBuilder::new("test");
    let m = b.add_metric("samples", Unit::Count);
    let f = b.frame(FrameRef::new("main", "", FrameKind::User));
    let s = b.stack_from_root(&[f]);
    b.add_sample_for(s, m, 7, None, None);
    let t = CallTree::build(&b.finish().unwrap_or_else(|e| panic!("{e}")), m, &SampleFilter::default());
    assert!(!t.signed && t.share_of == ShareOf::Total);
    assert!(t.iter_nodes().all(|n| n.abs_total == n.total));
}
