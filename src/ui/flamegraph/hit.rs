//! Hit testing: which laid-out box is under a point.
//!
//! Pure: the row comes from the y coordinate (arithmetic, no search), the box
//! from a binary search of that row's sorted, non-overlapping boxes. No
//! widget per box, no scan over the tree.

use super::layout::{LaidBox, Layout};

/// Vertical geometry of the rows on screen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RowGeometry {
    /// Top of the view, px.
    pub top: f32,
    /// Bottom of the view, px.
    pub bottom: f32,
    /// Height of one row, px (> 0).
    pub row_height: f32,
    /// First level shown (vertical scroll, in rows).
    pub first_level: u32,
    /// True for a flame graph (root at the bottom), false for an icicle (root at the top).
    pub flame: bool,
}

impl RowGeometry {
    /// Top y of `level`.
    pub fn level_top(&self, level: u32) -> f32 {
        let k = level as f32 - self.first_level as f32;
        if self.flame { self.bottom - (k + 1.0) * self.row_height } else { self.top + k * self.row_height }
    }

    /// The level at `y`, if `y` is inside the view.
    pub fn level_at(&self, y: f32) -> Option<u32> {
        if y < self.top || y >= self.bottom || self.row_height <= 0.0 {
            return None;
        }
        let k = if self.flame { (self.bottom - y) / self.row_height } else { (y - self.top) / self.row_height };
        Some(self.first_level + k.floor() as u32)
    }

    /// How many rows fit.
    pub fn visible_levels(&self) -> u32 {
        ((self.bottom - self.top) / self.row_height.max(1.0)).ceil().max(0.0) as u32
    }
}

/// The box of `layout` at `x` px (from the view's left edge) on `level`.
pub fn hit<'a>(layout: &'a Layout, level: u32, x: f32) -> Option<&'a LaidBox> {
    let row = layout.rows.iter().find(|r| r.level == level)?;
    // First box whose right edge is past x; it holds x when its left edge is not.
    let i = row.boxes.partition_point(|b| b.x1 <= x);
    row.boxes.get(i).filter(|b| b.x0 <= x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeId;
    use crate::ui::flamegraph::layout::Row;

    fn bx(x0: f32, x1: f32, n: u32) -> LaidBox {
        LaidBox { x0, x1, node: NodeId(n), merged: 1 }
    }

    #[test]
    fn finds_the_box_under_x_by_binary_search() {
        let layout = Layout {
            rows: vec![Row { level: 3, boxes: vec![bx(0.0, 10.0, 1), bx(10.0, 20.0, 2), bx(25.0, 30.0, 3)] }],
            deepest_level: 3,
        };
        assert_eq!(hit(&layout, 3, 0.0).map(|b| b.node), Some(NodeId(1)));
        assert_eq!(hit(&layout, 3, 10.0).map(|b| b.node), Some(NodeId(2)));
        assert_eq!(hit(&layout, 3, 22.0), None);
        assert_eq!(hit(&layout, 3, 29.9).map(|b| b.node), Some(NodeId(3)));
        assert_eq!(hit(&layout, 3, 31.0), None);
        assert_eq!(hit(&layout, 2, 5.0), None);
    }

    #[test]
    fn rows_map_both_ways_in_both_orientations() {
        let icicle = RowGeometry { top: 100.0, bottom: 300.0, row_height: 20.0, first_level: 2, flame: false };
        assert_eq!(icicle.level_at(100.0), Some(2));
        assert_eq!(icicle.level_at(145.0), Some(4));
        assert_eq!(icicle.level_top(4), 140.0);
        let flame = RowGeometry { flame: true, ..icicle };
        assert_eq!(flame.level_at(299.0), Some(2));
        assert_eq!(flame.level_top(2), 280.0);
        assert_eq!(flame.level_at(301.0), None);
    }
}
