//! `ViewRange`: the horizontal window of a flamegraph, in fractions of the
//! whole tree's weight, and how zoom and pan change it.
//!
//! Pure value type (as rerun's `re_time_ruler` and egui_plot's
//! `PlotTransform`): every change returns a new range, clamped to bounds, so
//! it is unit-tested without a window. Imports nothing of egui.

/// A window `[start, end)` onto the tree, in fractions of the root's total
/// (the whole tree is `0.0..1.0`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewRange {
    /// Left edge, fraction of the root's total.
    pub start: f64,
    /// Right edge, fraction of the root's total; always above `start`.
    pub end: f64,
}

/// The narrowest range a zoom may reach: a billionth of the tree, far below
/// one sample of any real profile but above f64 trouble.
pub const MIN_SPAN: f64 = 1e-12;

impl Default for ViewRange {
    fn default() -> Self {
        Self::FULL
    }
}

impl ViewRange {
    /// The whole tree.
    pub const FULL: Self = Self { start: 0.0, end: 1.0 };

    /// The range `[start, start + width)`.
    pub fn new(start: f64, width: f64) -> Self {
        Self { start, end: start + width.max(MIN_SPAN) }
    }

    /// Width of the range.
    pub fn span(self) -> f64 {
        self.end - self.start
    }

    /// Pixel x (relative to the left edge of a view `width_px` wide) of fraction `x`.
    pub fn to_px(self, x: f64, width_px: f32) -> f32 {
        ((x - self.start) / self.span() * f64::from(width_px)) as f32
    }

    /// Fraction under pixel `px` of a view `width_px` wide.
    pub fn from_px(self, px: f32, width_px: f32) -> f64 {
        self.start + f64::from(px) / f64::from(width_px.max(1.0)) * self.span()
    }

    /// This range moved and shrunk to fit inside `bounds` (the zoomed node's extent).
    pub fn clamp_to(self, bounds: Self) -> Self {
        let span = self.span().clamp(MIN_SPAN.min(bounds.span()), bounds.span());
        let start = self.start.clamp(bounds.start, bounds.end - span);
        Self { start, end: start + span }
    }

    /// Zoomed by `factor` (>1 zooms in) keeping fraction `at` under the same pixel.
    pub fn zoom_around(self, factor: f64, at: f64, bounds: Self) -> Self {
        if !(factor.is_finite() && factor > 0.0) {
            return self;
        }
        let span = (self.span() / factor).max(MIN_SPAN);
        let left_share = if self.span() > 0.0 { (at - self.start) / self.span() } else { 0.5 };
        let start = at - left_share * span;
        Self { start, end: start + span }.clamp_to(bounds)
    }

    /// Moved right by `delta` (a fraction of the tree; negative moves left).
    pub fn pan(self, delta: f64, bounds: Self) -> Self {
        Self { start: self.start + delta, end: self.end + delta }.clamp_to(bounds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_keeps_the_point_under_the_pointer() {
        let v = ViewRange::FULL.zoom_around(4.0, 0.5, ViewRange::FULL);
        assert!((v.start - 0.375).abs() < 1e-12 && (v.end - 0.625).abs() < 1e-12);
        let px_before = ViewRange::FULL.to_px(0.25, 800.0);
        let w = ViewRange::FULL.zoom_around(2.0, 0.25, ViewRange::FULL);
        assert!((w.to_px(0.25, 800.0) - px_before).abs() < 1e-3);
    }

    #[test]
    fn zoom_out_and_pan_stay_inside_bounds() {
        let b = ViewRange::new(0.2, 0.3);
        let v = b.zoom_around(0.1, 0.3, b);
        assert_eq!(v, b);
        let p = ViewRange::new(0.25, 0.1).pan(1.0, b);
        assert!((p.end - 0.5).abs() < 1e-12 && (p.start - 0.4).abs() < 1e-12);
        let q = ViewRange::new(0.25, 0.1).pan(-1.0, b);
        assert!((q.start - 0.2).abs() < 1e-12);
    }

    #[test]
    fn px_round_trip() {
        let v = ViewRange::new(0.1, 0.2);
        assert!((v.from_px(v.to_px(0.17, 1000.0), 1000.0) - 0.17).abs() < 1e-9);
    }
}
