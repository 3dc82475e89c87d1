//! `TimeWindow`: the visible stretch of a trace's time axis, in ns since the
//! trace's start, and how wheel zoom, drag pan and "fit this span" change it.
//!
//! Pure value type (like egui_plot's `PlotTransform`): every change returns a
//! new window clamped to the trace, so it is unit-tested without a window.
//! Imports nothing of egui.

/// The narrowest window a zoom may reach, in ns.
pub const MIN_WIDTH_NS: f64 = 100.0;

/// A window `[start_ns, end_ns)` onto a trace, ns relative to the trace's start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeWindow {
    /// Left edge, ns since the trace's start.
    pub start_ns: f64,
    /// Right edge, ns since the trace's start; always above `start_ns`.
    pub end_ns: f64,
}

impl TimeWindow {
    /// The whole trace of `duration_ns` (at least [`MIN_WIDTH_NS`] wide).
    pub fn full(duration_ns: f64) -> Self {
        Self { start_ns: 0.0, end_ns: duration_ns.max(MIN_WIDTH_NS) }
    }

    /// Width of the window, ns.
    pub fn width_ns(self) -> f64 {
        self.end_ns - self.start_ns
    }

    /// Pixel x (from the left edge of a view `width_px` wide) of time `t_ns`.
    pub fn to_px(self, t_ns: f64, width_px: f32) -> f32 {
        ((t_ns - self.start_ns) / self.width_ns() * f64::from(width_px)) as f32
    }

    /// Time under pixel `px` of a view `width_px` wide.
    pub fn from_px(self, px: f32, width_px: f32) -> f64 {
        self.start_ns + f64::from(px) / f64::from(width_px.max(1.0)) * self.width_ns()
    }

    /// This window moved and shrunk to fit inside `[0, duration_ns]`.
    pub fn clamp(self, duration_ns: f64) -> Self {
        let bound = duration_ns.max(MIN_WIDTH_NS);
        let width = self.width_ns().clamp(MIN_WIDTH_NS.min(bound), bound);
        let start = self.start_ns.clamp(0.0, bound - width);
        Self { start_ns: start, end_ns: start + width }
    }

    /// Zoomed by `factor` (> 1 zooms in) keeping time `at_ns` under the same pixel.
    pub fn zoom_around(self, factor: f64, at_ns: f64, duration_ns: f64) -> Self {
        if !(factor.is_finite() && factor > 0.0) {
            return self;
        }
        let width = (self.width_ns() / factor).max(MIN_WIDTH_NS);
        let left_share = (at_ns - self.start_ns) / self.width_ns();
        let start = at_ns - left_share * width;
        Self { start_ns: start, end_ns: start + width }.clamp(duration_ns)
    }

    /// Moved right by `delta_ns` (negative moves left).
    pub fn pan(self, delta_ns: f64, duration_ns: f64) -> Self {
        Self { start_ns: self.start_ns + delta_ns, end_ns: self.end_ns + delta_ns }.clamp(duration_ns)
    }

    /// The window that shows `[a_ns, b_ns)` with a 5 % margin on each side.
    pub fn fit(a_ns: f64, b_ns: f64, duration_ns: f64) -> Self {
        let width = (b_ns - a_ns).max(MIN_WIDTH_NS);
        let margin = width * 0.05;
        Self { start_ns: a_ns - margin, end_ns: a_ns + width + margin }.clamp(duration_ns)
    }
}

/// Tick marks for an axis showing `width_ns` over `width_px`: the step (a
/// 1, 2 or 5 times a power of ten, in ns) that keeps ticks at least
/// `min_gap_px` apart.
pub fn tick_step_ns(width_ns: f64, width_px: f32, min_gap_px: f32) -> f64 {
    let ns_per_px = width_ns / f64::from(width_px.max(1.0));
    let raw = (ns_per_px * f64::from(min_gap_px)).max(1.0);
    let pow = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * pow).find(|s| *s >= raw).unwrap_or(10.0 * pow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_keeps_the_time_under_the_pointer() {
        let w = TimeWindow::full(1000.0);
        let px = w.to_px(250.0, 800.0);
        let z = w.zoom_around(2.0, 250.0, 1000.0);
        assert!((z.width_ns() - 500.0).abs() < 1e-9);
        assert!((z.to_px(250.0, 800.0) - px).abs() < 1e-3);
    }

    #[test]
    fn pan_and_zoom_out_stay_inside_the_trace() {
        let w = TimeWindow { start_ns: 100.0, end_ns: 300.0 };
        assert_eq!(w.pan(10_000.0, 1000.0), TimeWindow { start_ns: 800.0, end_ns: 1000.0 });
        assert_eq!(w.pan(-10_000.0, 1000.0), TimeWindow { start_ns: 0.0, end_ns: 200.0 });
        assert_eq!(w.zoom_around(0.001, 150.0, 1000.0), TimeWindow::full(1000.0));
        assert!(w.zoom_around(1e9, 150.0, 1000.0).width_ns() >= MIN_WIDTH_NS);
    }

    #[test]
    fn fit_adds_a_margin_and_ticks_are_round() {
        let f = TimeWindow::fit(400.0, 600.0, 1000.0);
        assert_eq!(f, TimeWindow { start_ns: 390.0, end_ns: 610.0 });
        assert_eq!(tick_step_ns(1e9, 1000.0, 80.0), 1e8);
        assert_eq!(tick_step_ns(3e6, 600.0, 80.0), 5e5);
    }
}
