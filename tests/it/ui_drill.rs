//! Drilling down in the window, driven through egui_kittest on the real
//! app: a transform from a hot-table row's right-click menu applies (the
//! tree's total is what `firesight top --drop` gives), shows a chip, and
//! comes off with it; the inverted tree lists leaves first; callers and
//! callees open from the menu; a transform keeps the zoom on its path of
//! functions. Numbers from go tool pprof on the go-shop
//! CPU profile: total 930 ms, sort.partition total 510 ms.

use std::path::PathBuf;

use egui_kittest::kittest::Queryable;
use firesight::analysis::transform::Transform;

use crate::ui::{doc, open, settle};

fn go_shop_cpu() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-profiles/go-shop/cpu.pb.gz")
}

#[test]
fn a_transform_from_the_row_menu_applies_shows_a_chip_and_comes_off() {
    let mut h = open(&[go_shop_cpu()]);
    assert_eq!(doc(&h).tree.total(), 930_000_000);
    h.query_all_by_label("sort.partition").next().expect("a hot-table row").click_secondary();
    h.run();
    h.get_by_label("Drop samples with this function").click();
    settle(&mut h);
    settle(&mut h);
    let d = doc(&h);
    assert_eq!(d.drill.transforms, vec![Transform::Drop("sort.partition".into())]);
    assert_eq!(d.tree.total(), 930_000_000 - 510_000_000);
    // The chip names it; clicking it takes the transform off.
    let chip = h.query_all_by_label_contains("Drop samples with sort.partition").next().expect("a chip");
    chip.click();
    settle(&mut h);
    settle(&mut h);
    let d = doc(&h);
    assert!(d.drill.transforms.is_empty());
    assert_eq!(d.tree.total(), 930_000_000);
}

#[test]
fn the_inverted_tree_lists_the_heaviest_leaf_first() {
    let mut h = open(&[go_shop_cpu()]);
    h.get_by_label("Inverted tree").click();
    settle(&mut h);
    settle(&mut h);
    let d = doc(&h);
    let (inverted, _) = d.drill.inverted.as_ref().expect("the inverted tree was built");
    let rows = d.drill.inverted_table.rows();
    assert!(!rows.is_empty());
    let first = inverted.node(rows[0]).frame.expect("a function");
    // go tool pprof -top: sort.Float64Slice.Less has the most self time (310 ms).
    assert_eq!(d.profile.frames.name(first), "sort.Float64Slice.Less");
    assert_eq!(inverted.node(rows[0]).total, 310_000_000);
}

#[test]
fn callers_and_callees_open_from_the_row_menu() {
    let mut h = open(&[go_shop_cpu()]);
    h.query_all_by_label("sort.partition").next().expect("a hot-table row").click_secondary();
    h.run();
    h.get_by_label("Show callers and callees").click();
    settle(&mut h);
    settle(&mut h);
    let d = doc(&h);
    let s = d.drill.sandwich.as_ref().expect("callers and callees are shown");
    assert_eq!(s.data.name, "sort.partition");
    // Both halves hold the function's whole total.
    assert_eq!(s.data.callees.node(s.data.callees_root).total, 510_000_000);
    assert_eq!(s.data.callers.node(s.data.callers_root).total, 510_000_000);
}

/// A second transform from the menu applies to the profile the first made;
/// the tree and table are the ones applying both to the file gives.
#[test]
fn an_appended_transform_builds_on_the_last_result() {
    use firesight::analysis::transform::apply;
    use firesight::model::{CallTree, FunctionTable};
    let mut h = open(&[go_shop_cpu()]);
    h.query_all_by_label("sort.partition").next().expect("a hot-table row").click_secondary();
    h.run();
    h.get_by_label("Drop samples with this function").click();
    settle(&mut h);
    settle(&mut h);
    let first = doc(&h).profile.clone();
    h.query_all_by_label("sort.insertionSort").next().expect("a hot-table row").click_secondary();
    h.run();
    h.get_by_label("Merge function").click();
    settle(&mut h);
    settle(&mut h);
    let d = doc(&h);
    let both = vec![Transform::Drop("sort.partition".into()), Transform::Merge("sort.insertionSort".into())];
    assert_eq!(d.drill.transforms, both);
    assert!(!std::sync::Arc::ptr_eq(&first, &d.profile));
    let (p, _) = apply(&d.drill.original, &both).expect("applies");
    let tree = CallTree::build(&p, d.metric, &d.filter);
    let table = FunctionTable::build(&tree, p.frames.len());
    assert_eq!(d.tree.nodes, tree.nodes);
    assert_eq!(d.functions.rows, table.rows);
}

#[test]
fn a_transform_keeps_the_zoom_on_its_path_of_functions() {
    use firesight::ui::command::Command;
    let mut h = open(&[go_shop_cpu()]);
    // Zoom on the heaviest function path down to sort.partition's first box.
    let (node, path) = {
        let d = doc(&h);
        let t = &d.tree;
        let node = (0..t.len())
            .map(|i| firesight::model::NodeId(i as u32))
            .find(|&n| t.node(n).frame.is_some_and(|f| d.profile.frames.name(f) == "sort.partition"))
            .expect("a sort.partition box");
        (node, d.zoom_path().iter().map(|(_, n)| n.to_string()).collect::<Vec<_>>())
    };
    assert!(path.is_empty(), "{path:?}");
    h.state_mut().apply(Command::Zoom(node));
    h.run();
    let before: Vec<String> = doc(&h).zoom_path().iter().map(|(_, n)| n.to_string()).collect();
    assert_eq!(before.last().map(String::as_str), Some("sort.partition"));
    // A transform that leaves the path whole keeps the zoom on it.
    h.state_mut().apply(Command::PushTransform(Transform::Drop("runtime.mallocgc".into())));
    settle(&mut h);
    settle(&mut h);
    let after: Vec<String> = doc(&h).zoom_path().iter().map(|(_, n)| n.to_string()).collect();
    assert_eq!(after, before);
}
