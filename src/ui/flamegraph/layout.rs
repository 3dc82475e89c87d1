//! Flamegraph layout: which boxes a frame shows, and where, in pixels.
//!
//! Pure: a [`CallTree`], the zoomed node, a [`ViewRange`] and a width in,
//! rows of boxes out; no egui, so it is tested and benchmarked headless.
//!
//! Representation and cost: the tree's arena keeps each node's children
//! contiguous and sorted, so a row is produced from the row above by walking
//! the children of its boxes left to right, each child starting where its
//! previous sibling ended (the parent's self weight is the gap at the right).
//! Only boxes at least [`LayoutParams::min_box_px`] wide are expanded; a run of
//! narrower neighbours becomes one merged box and their descendants are not
//! visited, boxes outside the view are culled with theirs, and rows below the
//! visible ones are not produced. Work is bounded by what is on screen, not
//! by the size of the tree.
//!
//! Widths are absolute weights ([`crate::model::CallTreeNode::abs_total`]):
//! in a diff profile a box is as wide as its increases plus its decreases,
//! as pprof's web UI draws it, so a child is never wider than its parent
//! and the boxes of a row never run past the view; for other profiles that
//! is the total.

use crate::model::units::weight_f64;
use crate::model::{CallTree, NodeId};
use crate::ui::view_range::ViewRange;

/// One box of a laid-out row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LaidBox {
    /// Left edge in px from the view's left edge (may be negative when cut by it).
    pub x0: f32,
    /// Right edge in px (may pass the view's width).
    pub x1: f32,
    /// The node; for a merged box, its leftmost node.
    pub node: NodeId,
    /// How many nodes narrower than a pixel this box stands for; 1 for a plain box.
    pub merged: u32,
}

impl LaidBox {
    /// True when the box stands for several sub-pixel nodes.
    pub fn is_merged(&self) -> bool {
        self.merged > 1
    }

    /// Width in px.
    pub fn width(&self) -> f32 {
        self.x1 - self.x0
    }
}

/// One row: every box of one depth below the zoomed node, sorted by `x0`,
/// not overlapping.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    /// Depth below the zoomed node (0 = the zoomed node's row).
    pub level: u32,
    /// The boxes, left to right.
    pub boxes: Vec<LaidBox>,
}

/// What to lay out.
#[derive(Clone, Copy, Debug)]
pub struct LayoutParams {
    /// The node whose box fills the view when `view` is its extent.
    pub zoom: NodeId,
    /// The horizontal window, in fractions of the root's absolute total.
    pub view: ViewRange,
    /// Width of the view in px.
    pub width_px: f32,
    /// First row kept (rows above it are walked but not returned; vertical scroll).
    pub first_level: u32,
    /// Number of rows kept.
    pub levels: u32,
    /// Boxes narrower than this are merged with narrow neighbours and not expanded. Default 1.0.
    pub min_box_px: f32,
}

/// The laid-out rows of one frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    /// Rows `first_level..first_level+levels`, top-down from the zoomed node.
    pub rows: Vec<Row>,
    /// Depth of the deepest level that had any box (for the scroll range).
    pub deepest_level: u32,
}

/// Start and width of `node` in fractions of the root's absolute total. The
/// walk up adds the absolute totals of each ancestor's earlier siblings:
/// O(depth x siblings).
pub fn extent(tree: &CallTree, node: NodeId) -> ViewRange {
    let total = tree.node(tree.root()).abs_total;
    if total <= 0 || node.index() >= tree.len() {
        return ViewRange::FULL;
    }
    let mut start: i128 = 0;
    let mut cur = node;
    while let Some(parent) = tree.node(cur).parent {
        start += tree.children(parent).take_while(|&c| c != cur).map(|c| tree.abs_total_of(c)).sum::<i128>();
        cur = parent;
    }
    ViewRange::new(start as f64 / total as f64, tree.abs_total_of(node) as f64 / total as f64)
}

/// Lays out the rows `params` asks for. See the module docs for the cost.
pub fn layout(tree: &CallTree, params: &LayoutParams) -> Layout {
    let mut out = Layout::default();
    let total = tree.node(tree.root()).abs_total;
    if total <= 0 || params.zoom.index() >= tree.len() || params.width_px <= 0.0 || params.levels == 0 {
        return out;
    }
    let total = weight_f64(total);
    let px_per_frac = f64::from(params.width_px) / params.view.span();
    let origin = extent(tree, params.zoom).start;
    // Nodes to place on the current level, with their left edge (fraction).
    let mut current: Vec<(NodeId, f64)> = vec![(params.zoom, origin)];
    let mut next: Vec<(NodeId, f64)> = Vec::new();
    let last_level = params.first_level.saturating_add(params.levels);
    let mut level = 0u32;
    while !current.is_empty() && level < last_level {
        let keep = level >= params.first_level;
        let mut row = Row { level, boxes: Vec::new() };
        let mut pending: Option<LaidBox> = None;
        next.clear();
        for &(id, x) in &current {
            let w = weight_f64(tree.abs_total_of(id)) / total;
            let x0 = ((x - params.view.start) * px_per_frac) as f32;
            let x1 = ((x + w - params.view.start) * px_per_frac) as f32;
            if x1 <= 0.0 || x0 >= params.width_px {
                continue;
            }
            if x1 - x0 >= params.min_box_px {
                if let Some(p) = pending.take()
                    && keep
                {
                    row.boxes.push(p);
                }
                if keep {
                    row.boxes.push(LaidBox { x0, x1, node: id, merged: 1 });
                }
                push_children(tree, id, x, total, &mut next);
            } else {
                match &mut pending {
                    // Touching neighbours (within half a pixel) join one run.
                    Some(p) if x0 - p.x1 <= 0.5 => {
                        p.x1 = x1;
                        p.merged += 1;
                    }
                    _ => {
                        if let Some(p) = pending.replace(LaidBox { x0, x1, node: id, merged: 1 })
                            && keep
                        {
                            row.boxes.push(p);
                        }
                    }
                }
            }
        }
        if let Some(p) = pending.take()
            && keep
        {
            row.boxes.push(p);
        }
        if !row.boxes.is_empty() || level < params.first_level {
            out.deepest_level = level;
        }
        if keep {
            out.rows.push(row);
        }
        std::mem::swap(&mut current, &mut next);
        level += 1;
    }
    // Whatever is still queued lies below the kept rows: count its depth for scrolling.
    if !current.is_empty() {
        out.deepest_level =
            out.deepest_level.max(level + (tree.max_depth.saturating_sub(tree.node(current[0].0).depth)));
    }
    out
}

fn push_children(tree: &CallTree, id: NodeId, x: f64, total: f64, next: &mut Vec<(NodeId, f64)>) {
    let mut cx = x;
    for c in tree.children(id) {
        let t = tree.abs_total_of(c);
        if t <= 0 {
            continue;
        }
        next.push((c, cx));
        cx += weight_f64(t) / total;
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use crate::model::frame::FrameRef;
    use crate::model::{FrameKind, ProfileBuilder, SampleFilter, Unit};

    fn tree(stacks: &[(&[&str], i128)]) -> CallTree {
        let mut b = ProfileBuilder::new("folded");
        let m = b.add_metric("samples", Unit::Count);
        for (frames, w) in stacks {
            let ids: Vec<_> = frames.iter().map(|f| b.frame(FrameRef::new(f, "", FrameKind::User))).collect();
            let s = b.stack_from_root(&ids);
            b.add_sample_for(s, m, *w, None, None);
        }
        let p = b.finish().expect("valid profile");
        CallTree::build(&p, m, &SampleFilter::default())
    }

    fn params(zoom: NodeId, view: ViewRange, width_px: f32) -> LayoutParams {
        LayoutParams { zoom, view, width_px, first_level: 0, levels: 100, min_box_px: 1.0 }
    }

    #[test]
    fn widths_are_proportional_and_children_start_at_parent() {
        let t = tree(&[(&["main", "a"], 30), (&["main", "b"], 10), (&["main"], 60)]);
        let l = layout(&t, &params(NodeId(0), ViewRange::FULL, 1000.0));
        assert_eq!(l.rows.len(), 3);
        let main = l.rows[1].boxes[0];
        assert_eq!((main.x0, main.x1), (0.0, 1000.0));
        let a = l.rows[2].boxes[0];
        let b = l.rows[2].boxes[1];
        assert_eq!((a.x0, a.x1), (0.0, 300.0));
        assert_eq!((b.x0, b.x1), (300.0, 400.0));
    }

    #[test]
    fn zoomed_node_fills_the_view_and_extent_is_exact() {
        let t = tree(&[(&["main", "a", "x"], 30), (&["main", "b"], 10), (&["other"], 60)]);
        let b = t.iter_nodes().position(|n| n.depth == 2 && n.total == 10).map(NodeId::from_index);
        let b = b.expect("b");
        let e = extent(&t, b);
        assert!((e.start - 0.3).abs() < 1e-12 && (e.span() - 0.1).abs() < 1e-12);
        let l = layout(&t, &params(b, e, 500.0));
        assert_eq!(l.rows[0].boxes.len(), 1);
        let bx = l.rows[0].boxes[0];
        assert!(bx.x0.abs() < 1e-3 && (bx.x1 - 500.0).abs() < 1e-3);
    }

    #[test]
    fn diff_boxes_are_as_wide_as_increase_plus_decrease() {
        // A diff: main;a grew by 30 and shrank by 50 (net -20), main;b grew
        // by 40, main;c shrank by 10. main nets +10: laid out by the net,
        // b (40) was four times as wide as its parent and ran off the view.
        let t = tree(&[
            (&["main", "a"], 30),
            (&["main", "a"], -50),
            (&["main", "b"], 40),
            (&["main", "c"], -10),
            (&["main", "c", "x"], 5),
            (&["main", "c", "x"], -5),
        ]);
        assert_eq!(t.total(), 10);
        let l = layout(&t, &params(NodeId(0), ViewRange::FULL, 1400.0));
        let main = l.rows[1].boxes[0];
        assert_eq!((main.x0, main.x1), (0.0, 1400.0));
        let row: Vec<(f32, f32)> = l.rows[2].boxes.iter().map(|b| (b.x0, b.x1)).collect();
        assert_eq!(row, [(0.0, 800.0), (800.0, 1200.0), (1200.0, 1400.0)]);
        // x nets 0 but changed by 10 both ways: it keeps a box, inside c's.
        let x = l.rows[3].boxes[0];
        assert_eq!((x.x0, x.x1), (1200.0, 1300.0));
        // Every child lies inside its parent, and every extent inside the root's.
        for (i, n) in t.iter_nodes().enumerate() {
            let kids: i128 = t.children(NodeId::from_index(i)).map(|c| t.node(c).abs_total).sum();
            assert!(kids <= n.abs_total && n.total.abs() <= n.abs_total, "node {i}");
            let e = extent(&t, NodeId::from_index(i));
            assert!(e.start >= 0.0 && e.end <= 1.0 + 1e-12, "node {i}: {e:?}");
        }
    }

    #[test]
    fn sub_pixel_boxes_merge_and_offscreen_ones_are_culled() {
        let mut stacks: Vec<(Vec<String>, i128)> =
            (0..50).map(|i| (vec!["main".into(), format!("f{i:02}")], 1)).collect();
        stacks.push((vec!["main".into(), "zzz".into()], 950));
        let refs: Vec<(Vec<&str>, i128)> =
            stacks.iter().map(|(f, w)| (f.iter().map(String::as_str).collect(), *w)).collect();
        let slices: Vec<(&[&str], i128)> = refs.iter().map(|(f, w)| (f.as_slice(), *w)).collect();
        let t = tree(&slices);
        let l = layout(&t, &params(NodeId(0), ViewRange::FULL, 100.0));
        // 50 nodes of 0.1 px merge into one 5 px box, then `zzz`.
        let row = &l.rows[2].boxes;
        assert_eq!(row.len(), 2);
        assert_eq!(row[0].merged, 50);
        assert!((row[0].x1 - 5.0).abs() < 1e-3);
        // Looking only at the right half culls the merged run.
        let half = layout(&t, &params(NodeId(0), ViewRange::new(0.5, 0.5), 100.0));
        assert_eq!(half.rows[2].boxes.len(), 1);
        assert!(!half.rows[2].boxes[0].is_merged());
    }
}
