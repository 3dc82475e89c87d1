//! Flamegraph painting: every box of a frame into one `Mesh`, labels only on
//! boxes wide enough to hold a few characters, elided to fit.
//!
//! Paint is not interaction: this reads a finished [`Layout`] and draws it;
//! hover, click and drag are handled in `mod.rs` from the same layout.

use egui::epaint::{Mesh, Shape};
use egui::text::{LayoutJob, TextFormat, TextWrapping};
use egui::{Color32, FontId, Painter, Pos2, Rect, Stroke, StrokeKind, pos2};

use super::hit::RowGeometry;
use super::layout::{LaidBox, Layout};
use crate::model::units::weight_f64;
use crate::model::{CallTree, FrameId, Profile, Weight};
use crate::ui::theme;

/// Boxes narrower than this get no label. Default for `PaintInput::label_min_px`.
pub const LABEL_MIN_PX: f32 = 28.0;

/// Fill colours of frames, computed on first use and kept across frames:
/// hashing a name and converting its colour from HSV for every box of every
/// frame was a third of a dense frame's cost. Keyed by the frame table's
/// address and length, so another profile starts afresh.
#[derive(Clone, Debug, Default)]
pub struct ColorCache {
    key: (usize, usize),
    colors: Vec<Color32>,
    /// For a diff tree (address, node count, root's absolute total): the
    /// largest net change of a node below the root, the full saturation of
    /// [`theme::diff_color`].
    change_scale: Option<((usize, usize, Weight), Weight)>,
}

impl ColorCache {
    /// The fill of frame `f` of `profile` ([`theme::frame_color`]).
    pub fn get(&mut self, profile: &Profile, f: FrameId) -> Color32 {
        let key = (std::ptr::from_ref(&profile.frames) as usize, profile.frames.len());
        if self.key != key {
            self.key = key;
            self.colors.clear();
            self.colors.resize(profile.frames.len(), Color32::TRANSPARENT);
        }
        match self.colors.get_mut(f.index()) {
            Some(c) if *c != Color32::TRANSPARENT => *c,
            slot => {
                let fr = profile.frames.frame(f);
                let c = theme::frame_color(&fr.name, fr.kind);
                if let Some(slot) = slot {
                    *slot = c;
                }
                c
            }
        }
    }
}

impl ColorCache {
    /// The largest size of a net change of a node of `tree` below its
    /// root (at least 1), computed once per tree.
    fn change_scale(&mut self, tree: &CallTree) -> Weight {
        let key = (std::ptr::from_ref(tree) as usize, tree.len(), tree.node(tree.root()).abs_total);
        match self.change_scale {
            Some((k, s)) if k == key => s,
            _ => {
                let s = tree.iter_nodes().skip(1).map(|n| n.total.abs()).max().unwrap_or(0).max(1);
                self.change_scale = Some((key, s));
                s
            }
        }
    }
}

/// What to paint.
pub struct PaintInput<'a> {
    /// The profile (frame names and kinds).
    pub profile: &'a Profile,
    /// The tree the layout came from.
    pub tree: &'a CallTree,
    /// The laid-out rows.
    pub layout: &'a Layout,
    /// Where rows are on screen.
    pub geometry: RowGeometry,
    /// Left edge of the view, px.
    pub left: f32,
    /// Width of the view, px.
    pub width: f32,
    /// Function whose boxes are drawn in the selection colour.
    pub selected: Option<FrameId>,
    /// Per function frame, whether it matches the search; `None` when no search.
    pub matches: Option<&'a [bool]>,
    /// Dark theme (changes the dimmed colour).
    pub dark_mode: bool,
    /// Label font.
    pub font: FontId,
}

/// The fill colour of `b`: by function name, or in a diff profile by the
/// sign and size of the node's net change ([`theme::diff_color`]: red more,
/// blue less, grey about the same), scaled to the largest change below the
/// root.
pub fn box_color(input: &PaintInput<'_>, colors: &mut ColorCache, b: &LaidBox) -> Color32 {
    let node = input.tree.node(b.node);
    let base = match node.frame {
        _ if b.is_merged() => theme::MERGED,
        _ if input.tree.signed => {
            let scale = colors.change_scale(input.tree);
            theme::diff_color((weight_f64(node.total) / weight_f64(scale)).clamp(-1.0, 1.0) as f32)
        }
        None => theme::ROOT,
        Some(f) => colors.get(input.profile, f),
    };
    match (input.matches, node.frame) {
        // The selection (outlined in `paint`) keeps its colour whatever the search.
        (_, Some(f)) if !b.is_merged() && Some(f) == input.selected => base,
        (Some(m), Some(f)) if !b.is_merged() && m.get(f.index()).copied().unwrap_or(false) => base,
        (Some(_), _) => theme::dimmed(base, input.dark_mode),
        (None, _) => base,
    }
}

/// The text a box shows: its function name ("all" for the root).
pub fn box_label<'a>(profile: &'a Profile, tree: &CallTree, b: &LaidBox) -> &'a str {
    match tree.node(b.node).frame {
        Some(f) => profile.frames.shown_name(f),
        None => "all",
    }
}

/// Label widths are rounded down to this step (see `paint`).
const LABEL_WIDTH_STEP_PX: f32 = 8.0;

/// Paints the layout with `painter` (already clipped to the view).
pub fn paint(painter: &Painter, input: &PaintInput<'_>, colors: &mut ColorCache) {
    let g = input.geometry;
    let mut mesh = Mesh::default();
    let mut labels: Vec<(Rect, &LaidBox, Color32)> = Vec::new();
    let mut selected: Vec<Rect> = Vec::new();
    for row in &input.layout.rows {
        let y0 = g.level_top(row.level);
        if y0 + g.row_height < g.top || y0 > g.bottom {
            continue;
        }
        for b in &row.boxes {
            let x0 = input.left + b.x0.max(-1.0);
            let x1 = input.left + b.x1.min(input.width + 1.0);
            // A one-pixel gap separates boxes that are wide enough to spare it.
            let gap = if x1 - x0 > 3.0 { 1.0 } else { 0.0 };
            let rect = Rect::from_min_max(pos2(x0, y0), pos2(x1 - gap, y0 + g.row_height - 1.0));
            let fill = box_color(input, colors, b);
            mesh.add_colored_rect(rect, fill);
            if !b.is_merged() && input.selected.is_some() && input.tree.node(b.node).frame == input.selected {
                selected.push(rect);
            }
            if rect.width() >= LABEL_MIN_PX && !b.is_merged() {
                labels.push((rect, b, label_color(fill)));
            }
        }
    }
    painter.add(Shape::mesh(mesh));
    // The selected function's boxes keep their fill (so a search still reads
    // on them) and get an outline on top.
    for rect in selected {
        painter.rect_stroke(rect, 0.0, Stroke::new(2.0, theme::SELECTED), StrokeKind::Inside);
    }
    for (rect, b, color) in labels {
        let text = box_label(input.profile, input.tree, b);
        let mut job = LayoutJob::single_section(
            text.to_owned(),
            TextFormat { font_id: input.font.clone(), color, ..Default::default() },
        );
        job.wrap = TextWrapping {
            // In steps of 8 px: while a zoom or a resize moves the boxes a
            // little each frame, a label keeps its width, so egui's galley
            // cache finds it instead of shaping it again.
            max_width: ((rect.width() - 6.0) / LABEL_WIDTH_STEP_PX).floor() * LABEL_WIDTH_STEP_PX,
            max_rows: 1,
            break_anywhere: true,
            overflow_character: Some('…'),
        };
        let galley = painter.layout_job(job);
        let y = rect.center().y - galley.size().y / 2.0;
        painter.galley(Pos2::new(rect.left() + 3.0, y), galley, color);
    }
}

/// Dark text on light fills, light text on dark ones (dimmed boxes in the dark theme).
fn label_color(fill: Color32) -> Color32 {
    let luma = 0.299 * f32::from(fill.r()) + 0.587 * f32::from(fill.g()) + 0.114 * f32::from(fill.b());
    if luma >= 110.0 { theme::LABEL } else { Color32::from_gray(225) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::frame::FrameRef;
    use crate::model::{FrameKind, ProfileBuilder, Unit};

    fn profile(names: &[&str]) -> (Profile, Vec<FrameId>) {
        let mut b = ProfileBuilder::new("test");
        b.add_metric("samples", Unit::Count);
        let ids = names.iter().map(|n| b.frame(FrameRef::new(n, "", FrameKind::User))).collect();
        (b.finish().unwrap_or_else(|e| panic!("{e}")), ids)
    }

    #[test]
    fn cached_colours_are_the_theme_colours_and_follow_the_profile() {
        let mut cache = ColorCache::default();
        let (a, ids) = profile(&["main", "parse_request"]);
        for _ in 0..2 {
            assert_eq!(cache.get(&a, ids[1]), theme::frame_color("parse_request", FrameKind::User));
        }
        // Another profile, even with as many frames, gets its own colours.
        let (b, ids) = profile(&["main", "write_response"]);
        assert_eq!(cache.get(&b, ids[1]), theme::frame_color("write_response", FrameKind::User));
        assert_ne!(cache.get(&b, ids[1]), theme::frame_color("parse_request", FrameKind::User));
    }
}
