//! Colours of the views: deterministic flamegraph colours by function name,
//! with a distinct hue family per frame kind.
//!
//! User code takes the classic warm flamegraph range (red to yellow), kernel
//! frames blue, JIT frames green, inlined frames violet, unknown frames grey
//! (the families flamegraph.pl's `java` palette made familiar). The name's
//! FNV-1a hash picks the shade, so a function has the same colour in every
//! run, tab and zoom.
//!
//! Also the text contrast of both themes: egui's default font (Ubuntu
//! Light) has thin strokes, and its light theme draws normal text gray 80,
//! weak text at 60% of that and disabled text at 50%, so status bar notes,
//! table hints and breadcrumbs looked washed out. [`readable_text`] darkens
//! them (contrast against the panel fill checked in the tests).

use egui::Color32;
use egui::ecolor::Hsva;

use crate::model::FrameKind;

/// FNV-1a over the bytes of `s`: stable across runs and Rust versions.
pub fn name_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Hue range (degrees) and saturation of each kind.
fn family(kind: FrameKind) -> (f32, f32, f32) {
    match kind {
        FrameKind::User => (0.0, 52.0, 0.72),
        FrameKind::Kernel => (195.0, 220.0, 0.55),
        FrameKind::Jit => (95.0, 135.0, 0.55),
        FrameKind::Inline => (265.0, 295.0, 0.42),
        FrameKind::Unknown => (0.0, 0.0, 0.0),
    }
}

/// The fill colour of a box for function `name` of `kind`.
pub fn frame_color(name: &str, kind: FrameKind) -> Color32 {
    let h = name_hash(name);
    if name.starts_with("[off-CPU ") {
        // Off-CPU time (analysis::offcpu's leaf frames): a deep blue, as
        // in Brendan Gregg's off-CPU flame graphs, apart from kernel blue.
        let b = ((h >> 16) & 0xffff) as f32 / 65535.0;
        return Color32::from(Hsva::new((228.0 + 10.0 * b) / 360.0, 0.78, 0.92, 1.0));
    }
    let (lo, hi, sat) = family(kind);
    let a = (h & 0xffff) as f32 / 65535.0;
    let b = ((h >> 16) & 0xffff) as f32 / 65535.0;
    let hue = (lo + (hi - lo) * a) / 360.0;
    let value = if kind == FrameKind::Unknown { 0.62 + 0.1 * b } else { 0.86 + 0.12 * b };
    let s = if kind == FrameKind::Unknown { 0.0 } else { sat + 0.2 * b };
    Color32::from(Hsva::new(hue, s.min(1.0), value, 1.0))
}

/// The colour that stands for `kind` in the colour key: the middle of its
/// family (boxes vary around it by function name).
pub fn kind_color(kind: FrameKind) -> Color32 {
    let (lo, hi, sat) = family(kind);
    let (s, value) = if kind == FrameKind::Unknown { (0.0, 0.67) } else { (sat + 0.1, 0.92) };
    Color32::from(Hsva::new((lo + hi) / 2.0 / 360.0, s, value, 1.0))
}

/// What boxes of `kind` are, for the colour key.
pub fn kind_label(kind: FrameKind) -> &'static str {
    match kind {
        FrameKind::User => "user code",
        FrameKind::Kernel => "kernel",
        FrameKind::Jit => "JIT",
        FrameKind::Inline => "inlined",
        FrameKind::Unknown => "unknown",
    }
}

/// Fill of the root box ("all").
pub const ROOT: Color32 = Color32::from_rgb(0xb8, 0xb2, 0xa8);
/// Fill of a box that stands for several sub-pixel boxes.
pub const MERGED: Color32 = Color32::from_rgb(0xa0, 0x9a, 0x90);
/// Outline of boxes of the selected function: a deep blue, far from the
/// warm flame fills and from the grey of boxes a search dims.
pub const SELECTED: Color32 = Color32::from_rgb(0x10, 0x40, 0xd0);
/// Label colour on boxes (all fills are light).
pub const LABEL: Color32 = Color32::from_rgb(0x10, 0x10, 0x10);

/// Fill of a diff profile's box whose net change is `change` of the
/// largest (-1.0 to 1.0): red for an increase, blue for a decrease, the
/// colour deepening with the size of the change (square root, so a tenth
/// of the largest change is still a third of the way), and a neutral grey
/// when about nothing changed. All fills stay light enough for dark labels.
pub fn diff_color(change: f32) -> Color32 {
    let t = change.abs().min(1.0).sqrt();
    let to = if change > 0.0 { DIFF_MORE } else { DIFF_LESS };
    if t < 0.05 { DIFF_SAME } else { DIFF_SAME.lerp_to_gamma(to, t) }
}

/// [`diff_color`] of no change.
pub const DIFF_SAME: Color32 = Color32::from_rgb(0xd4, 0xd2, 0xce);
/// [`diff_color`] of the largest increase.
pub const DIFF_MORE: Color32 = Color32::from_rgb(0xf0, 0x5a, 0x48);
/// [`diff_color`] of the largest decrease.
pub const DIFF_LESS: Color32 = Color32::from_rgb(0x5a, 0x8c, 0xf0);

/// Text colours of the light theme: normal, button, weak (hints, secondary
/// columns). Contrast against the panel fill (gray 248): 14.8, 15.7, 6.3
/// (egui's: 7.6, 9.4, 2.9).
pub const LIGHT_TEXT: [Color32; 3] = [Color32::from_gray(35), Color32::from_gray(30), Color32::from_gray(92)];
/// Text colours of the dark theme: normal, button, weak. Contrast against
/// the panel fill (gray 27): 8.8, 12.0, 5.1 (egui's: 6.2, 11.2, 2.3).
pub const DARK_TEXT: [Color32; 3] = [Color32::from_gray(185), Color32::from_gray(215), Color32::from_gray(140)];

/// Makes text of both themes easier to read: darker (lighter) normal,
/// button and weak text, disabled widgets less faded, and a softer fade at
/// the edge of scrolled tables (egui's halves the last visible row).
pub fn readable_text(ctx: &egui::Context) {
    for (theme, [text, button, weak]) in [(egui::Theme::Light, LIGHT_TEXT), (egui::Theme::Dark, DARK_TEXT)] {
        ctx.style_mut_of(theme, |style| {
            let v = &mut style.visuals;
            v.widgets.noninteractive.fg_stroke.color = text;
            v.widgets.inactive.fg_stroke.color = button;
            v.weak_text_color = Some(weak);
            v.disabled_alpha = 0.7;
            style.spacing.scroll.fade.strength = 0.2;
        });
    }
}

/// WCAG 2 contrast ratio of two opaque colours (1.0 to 21.0).
pub fn contrast(a: Color32, b: Color32) -> f32 {
    let lum = |c: Color32| {
        let lin = |u: u8| {
            let s = f32::from(u) / 255.0;
            if s <= 0.039_28 { s / 12.92 } else { ((s + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b())
    };
    let (x, y) = (lum(a), lum(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// `c` faded towards grey, for boxes that do not match a search.
pub fn dimmed(c: Color32, dark_mode: bool) -> Color32 {
    let grey = if dark_mode { Color32::from_gray(70) } else { Color32::from_gray(215) };
    c.lerp_to_gamma(grey, 0.8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_stable_and_kinds_differ() {
        assert_eq!(frame_color("main", FrameKind::User), frame_color("main", FrameKind::User));
        let user = Hsva::from(frame_color("do_syscall_64", FrameKind::User));
        let kernel = Hsva::from(frame_color("do_syscall_64", FrameKind::Kernel));
        assert!(user.h * 360.0 <= 53.0, "user hue {}", user.h * 360.0);
        assert!((194.0..=221.0).contains(&(kernel.h * 360.0)), "kernel hue {}", kernel.h * 360.0);
        assert_eq!(name_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn diff_colours_follow_the_sign_and_size_of_the_change() {
        assert_eq!(diff_color(0.0), DIFF_SAME);
        assert_eq!(diff_color(0.001), DIFF_SAME);
        assert_eq!(diff_color(1.0), DIFF_MORE);
        assert_eq!(diff_color(-1.0), DIFF_LESS);
        let (small, big) = (diff_color(0.1), diff_color(0.6));
        assert!(small.r() > small.b() && big.r() > big.b(), "increases are red");
        assert!(diff_color(-0.1).b() > diff_color(-0.1).r(), "decreases are blue");
        // Saturation grows with the change.
        let sat = |c: Color32| Hsva::from(c).s;
        assert!(sat(DIFF_SAME) < sat(small) && sat(small) < sat(big) && sat(big) < sat(DIFF_MORE));
        // Dark labels stay readable on every fill.
        for c in [DIFF_SAME, DIFF_MORE, DIFF_LESS] {
            assert!(contrast(c, LABEL) >= 4.5, "{c:?}");
        }
    }

    #[test]
    fn text_is_readable_in_both_themes() {
        let ctx = egui::Context::default();
        readable_text(&ctx);
        for theme in [egui::Theme::Light, egui::Theme::Dark] {
            let v = ctx.style_of(theme).visuals.clone();
            let panel = v.panel_fill;
            // WCAG AAA for normal text, AA for weak text (hints, secondary columns).
            assert!(contrast(v.text_color(), panel) >= 7.0, "{theme:?} text");
            assert!(contrast(v.widgets.inactive.text_color(), v.widgets.inactive.weak_bg_fill) >= 7.0, "{theme:?}");
            assert!(contrast(v.weak_text_color(), panel) >= 4.5, "{theme:?} weak text");
        }
        // egui's own light theme fails the weak-text check: 60% of gray 80
        // over gray 248 is gray 147 (2.9).
        let stock = egui::Visuals::light();
        let weak = stock.weak_text_color();
        let over = |c: u8, bg: u8| c + (u16::from(bg) * u16::from(255 - weak.a()) / 255) as u8;
        let shown = Color32::from_gray(over(weak.r(), stock.panel_fill.r()));
        assert_eq!(shown, Color32::from_gray(147));
        assert!(contrast(shown, stock.panel_fill) < 3.0);
        assert!((contrast(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 0.01);
    }
}
