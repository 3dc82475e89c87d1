//! Colours of the views: deterministic flamegraph colours by function name,
//! with a distinct hue family per frame kind.
//!
//! User code takes the classic warm flamegraph range (red to yellow), kernel
//! frames blue, JIT frames green, inlined frames violet, unknown frames grey
//! (the families flamegraph.pl's `java` palette made familiar). The name's
//! FNV-1a hash picks the shade, so a function has the same colour in every
//! run, tab and zoom.

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
    let (lo, hi, sat) = family(kind);
    let a = (h & 0xffff) as f32 / 65535.0;
    let b = ((h >> 16) & 0xffff) as f32 / 65535.0;
    let hue = (lo + (hi - lo) * a) / 360.0;
    let value = if kind == FrameKind::Unknown { 0.62 + 0.1 * b } else { 0.86 + 0.12 * b };
    let s = if kind == FrameKind::Unknown { 0.0 } else { sat + 0.2 * b };
    Color32::from(Hsva::new(hue, s.min(1.0), value, 1.0))
}

/// Fill of the root box ("all").
pub const ROOT: Color32 = Color32::from_rgb(0xb8, 0xb2, 0xa8);
/// Fill of a box that stands for several sub-pixel boxes.
pub const MERGED: Color32 = Color32::from_rgb(0xa0, 0x9a, 0x90);
/// Fill of boxes of the selected function.
pub const SELECTED: Color32 = Color32::from_rgb(0xd0, 0x3c, 0xe0);
/// Label colour on boxes (all fills are light).
pub const LABEL: Color32 = Color32::from_rgb(0x10, 0x10, 0x10);

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
}
