//! The differential flamegraph's model: how wide each box of a
//! [`Comparison`]'s merged tree is, where the boxes of a frame go, how each
//! is coloured, and which match a search. Pure (no egui); the window draws
//! what [`layout`] returns and colours boxes by [`FlameModel::change`].
//!
//! - **Width: before plus after.** A box is as wide as its absolute weight
//!   before plus its absolute weight after (Pyroscope's diff view draws
//!   both sides side by side the same way). Drawing the new profile's shape
//!   only (inferno) hides every frame that vanished; `max(before, after)`
//!   shows them but does not nest (a parent whose child `a` left and child
//!   `b` arrived is as wide as one of them), so children would run past
//!   their parent. The sum nests: a node's width is the sum over its
//!   subtree of each node's own (self) width, so children always fit, a
//!   vanished frame keeps the width of what it weighed before, and a new
//!   one the width of what it weighs now.
//! - **Changed only**: a node's own width counts only when its self weight
//!   changed, so unchanged parts of the tree shrink to nothing and the
//!   changes get the room.
//! - **Colour**: the box's change of total (after minus before) as a
//!   fraction of the largest change of any box, -1.0 to 1.0 (inferno's
//!   `delta / max |delta|`).
//!
//! Cost: one reverse pass over the nodes per width mode (in the default
//! mode, without negative weights, the widths are the totals and only the
//! largest change is sought); [`layout`] visits
//! only the boxes on screen, as `ui::flamegraph::layout` does for one
//! profile (a run of sub-pixel neighbours becomes one merged box and is not
//! expanded).

use super::compare::Comparison;
use crate::model::Weight;

/// How box widths are measured (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WidthMode {
    /// Before plus after, every node. Default.
    #[default]
    All,
    /// Before plus after of the nodes whose self weight changed.
    ChangedOnly,
}

/// Widths and colours of a comparison's boxes.
#[derive(Clone, Debug, Default)]
pub struct FlameModel {
    /// Width weight of each node (before plus after of its subtree's own
    /// widths, [`Self::width`]); empty when that is the node's totals.
    widths: Vec<Weight>,
    /// True when a node's width is its before plus after total (no
    /// negative weight, every node counted): read from the comparison
    /// instead of a column of its own (30 MB of fresh pages on two deep
    /// perf scripts, a fifth of opening the comparison).
    from_totals: bool,
    /// Largest absolute change of total over the nodes below the root (0 when nothing changed).
    pub max_change: Weight,
    /// The width mode the widths are for.
    pub mode: WidthMode,
}

impl FlameModel {
    /// Widths of `cmp`'s nodes in `mode`.
    pub fn new(cmp: &Comparison, mode: WidthMode) -> Self {
        if mode == WidthMode::All && cmp.weights_non_negative() {
            Self::from_totals(cmp)
        } else {
            Self::by_pass(cmp, mode)
        }
    }

    /// Without negative weights a subtree's own widths (before plus after)
    /// add up to its totals, which the comparison holds: one pass over the
    /// nodes for the largest change, on both cores.
    fn from_totals(cmp: &Comparison) -> Self {
        let n = cmp.len() as u32;
        let largest = |range: std::ops::Range<u32>| {
            range.filter(|&i| i > 0).map(|i| cmp.total_change(i).abs()).max().unwrap_or(0)
        };
        let (tail_max, head_max) =
            crate::parallel::join("firesight-compare-widths", || largest(n / 2..n), || largest(0..n / 2));
        Self { widths: Vec::new(), from_totals: true, max_change: head_max.max(tail_max), mode: WidthMode::All }
    }

    /// Node `i`'s width weight (see the module docs); 0 past the nodes.
    #[inline]
    pub fn width(&self, cmp: &Comparison, i: u32) -> Weight {
        if self.from_totals {
            if (i as usize) < cmp.len() { cmp.before(i).total + cmp.after(i).total } else { 0 }
        } else {
            self.widths.get(i as usize).copied().unwrap_or(0)
        }
    }

    /// Each node's own width, carried up to its ancestors in one reverse pass.
    pub(crate) fn by_pass(cmp: &Comparison, mode: WidthMode) -> Self {
        let n = cmp.len();
        let mut width: Vec<Weight> = (0..n as u32)
            .map(|i| {
                let (b, a) = (cmp.before(i).self_weight, cmp.after(i).self_weight);
                match mode {
                    WidthMode::ChangedOnly if b == a => 0,
                    _ => b.abs() + a.abs(),
                }
            })
            .collect();
        // Every child comes after its parent.
        for i in (1..n).rev() {
            if let Some(p) = cmp.node(i as u32).parent() {
                width[p as usize] += width[i];
            }
        }
        let max_change = (1..n as u32).map(|i| cmp.total_change(i).abs()).max().unwrap_or(0);
        Self { widths: width, from_totals: false, max_change, mode }
    }

    /// Node `i`'s change of total as a fraction of the largest, -1.0 to 1.0.
    pub fn change(&self, cmp: &Comparison, i: u32) -> f32 {
        if self.max_change == 0 {
            return 0.0;
        }
        (cmp.total_change(i) as f64 / self.max_change as f64) as f32
    }

    /// Start and width of node `i` as fractions of the root's width; the
    /// whole range for a root of width 0. The walk up adds the widths of
    /// each ancestor's earlier siblings: O(depth x siblings).
    pub fn extent(&self, cmp: &Comparison, i: u32) -> (f64, f64) {
        let total = self.width(cmp, 0);
        if total <= 0 || i as usize >= cmp.len() {
            return (0.0, 1.0);
        }
        let mut start: Weight = 0;
        let mut cur = i;
        while let Some(parent) = cmp.node(cur).parent() {
            start += cmp.children(parent).take_while(|&c| c != cur).map(|c| self.width(cmp, c)).sum::<Weight>();
            cur = parent;
        }
        (start as f64 / total as f64, self.width(cmp, i) as f64 / total as f64)
    }
}

/// One box of a laid-out row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlameBox {
    /// Left edge, px from the view's left edge (negative when cut by it).
    pub x0: f32,
    /// Right edge, px.
    pub x1: f32,
    /// The node; for a merged box its leftmost node.
    pub node: u32,
    /// Nodes narrower than a pixel this box stands for; 1 for a plain box.
    pub merged: u32,
}

/// The boxes of one depth below the zoomed node, left to right.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlameRow {
    /// Depth below the zoomed node (0: the zoomed node's row).
    pub level: u32,
    /// The boxes, sorted by `x0`, not overlapping.
    pub boxes: Vec<FlameBox>,
}

/// What [`layout`] lays out.
#[derive(Clone, Copy, Debug)]
pub struct FlameParams {
    /// The node whose box fills the view when the view is its extent.
    pub zoom: u32,
    /// Left and right edge of the view, fractions of the root's width.
    pub view: (f64, f64),
    /// Width of the view, px.
    pub width_px: f32,
    /// First level kept (vertical scroll).
    pub first_level: u32,
    /// Number of levels kept.
    pub levels: u32,
}

/// Lays out the rows `params` asks for; boxes under a pixel wide are
/// merged with their narrow neighbours and not expanded.
pub fn layout(cmp: &Comparison, model: &FlameModel, params: &FlameParams) -> Vec<FlameRow> {
    let mut out = Vec::new();
    let total = model.width(cmp, 0);
    let span = params.view.1 - params.view.0;
    if total <= 0 || params.zoom as usize >= cmp.len() || params.width_px <= 0.0 || span <= 0.0 {
        return out;
    }
    let total = total as f64;
    let px_per_frac = f64::from(params.width_px) / span;
    let mut current: Vec<(u32, f64)> = vec![(params.zoom, model.extent(cmp, params.zoom).0)];
    let mut next: Vec<(u32, f64)> = Vec::new();
    let last = params.first_level.saturating_add(params.levels);
    let mut level = 0u32;
    while !current.is_empty() && level < last {
        let keep = level >= params.first_level;
        let mut row = FlameRow { level, boxes: Vec::new() };
        let mut pending: Option<FlameBox> = None;
        next.clear();
        for &(id, x) in &current {
            let w = model.width(cmp, id) as f64 / total;
            let x0 = ((x - params.view.0) * px_per_frac) as f32;
            let x1 = ((x + w - params.view.0) * px_per_frac) as f32;
            if x1 <= 0.0 || x0 >= params.width_px {
                continue;
            }
            if x1 - x0 >= 1.0 {
                row.boxes.extend(pending.take());
                row.boxes.push(FlameBox { x0, x1, node: id, merged: 1 });
                let mut cx = x;
                for c in cmp.children(id) {
                    let cw = model.width(cmp, c);
                    if cw > 0 {
                        next.push((c, cx));
                        cx += cw as f64 / total;
                    }
                }
            } else {
                match &mut pending {
                    Some(p) if x0 - p.x1 <= 0.5 => {
                        p.x1 = x1;
                        p.merged += 1;
                    }
                    _ => row.boxes.extend(pending.replace(FlameBox { x0, x1, node: id, merged: 1 })),
                }
            }
        }
        row.boxes.extend(pending.take());
        if keep {
            out.push(row);
        }
        std::mem::swap(&mut current, &mut next);
        level += 1;
    }
    out
}

/// Per function of `cmp.table.functions`, whether its name contains `text`
/// (case-insensitive); empty for an empty search.
pub fn search_matches(cmp: &Comparison, text: &str) -> Vec<bool> {
    let needle = text.trim().to_lowercase();
    if needle.is_empty() {
        return Vec::new();
    }
    cmp.table.functions.iter().map(|f| f.name.to_lowercase().contains(&needle)).collect()
}

/// Before and after weight of the samples with a matching function on
/// their stack, each sample once (the totals of matching nodes with no
/// matching ancestor).
pub fn matched_weight(cmp: &Comparison, matches: &[bool]) -> (Weight, Weight) {
    let mut covered = vec![false; cmp.len()];
    let (mut b, mut a) = (0, 0);
    for (i, n) in (0..cmp.len() as u32).map(|i| (i as usize, cmp.node(i))) {
        let above = n.parent().is_some_and(|p| covered[p as usize]);
        let here = n.function().is_some_and(|f| matches.get(f as usize).copied().unwrap_or(false));
        if here && !above {
            b += cmp.before(i as u32).total;
            a += cmp.after(i as u32).total;
        }
        covered[i] = above || here;
    }
    (b, a)
}

/// The node of function `f` with the widest box, if any.
pub fn widest_node(cmp: &Comparison, model: &FlameModel, f: u32) -> Option<u32> {
    let mut best: Option<(Weight, u32)> = None;
    for (i, n) in (0..cmp.len() as u32).map(|i| (i as usize, cmp.node(i))) {
        let w = model.width(cmp, i as u32);
        if n.function() == Some(f) && best.is_none_or(|(b, _)| w > b) {
            best = Some((w, i as u32));
        }
    }
    best.map(|(_, i)| i)
}

/// "1.20 s → 0.55 s (−54%)": a before and after with the relative change
/// (`fmt` prints a weight); "(new)" when before was 0, "(0%)" for a change
/// under half a percent.
pub fn change_line(before: Weight, after: Weight, fmt: impl Fn(Weight) -> String) -> String {
    let rel = if before == 0 {
        if after == 0 { "no change".to_string() } else { "new".to_string() }
    } else {
        let pct = (after - before) as f64 * 100.0 / before.abs() as f64;
        let sign = if pct <= -0.5 {
            "\u{2212}"
        } else if pct >= 0.5 {
            "+"
        } else {
            ""
        };
        format!("{sign}{:.0}%", pct.abs())
    };
    format!("{} \u{2192} {} ({rel})", fmt(before), fmt(after))
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests;
