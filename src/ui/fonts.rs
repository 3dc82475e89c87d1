//! Fallback fonts from the system for the scripts egui's bundled fonts lack
//! (Chinese, Japanese, Korean): without one, symbol names and label values
//! in those scripts draw as empty boxes. The first font found among
//! [`CANDIDATES`] (paths that Debian, Fedora, Arch, macOS and Windows
//! packages install) is added after egui's own fonts, so only glyphs those
//! lack come from it and Latin text is unchanged. Nothing is bundled: a
//! machine without such a font shows boxes as before. Imports egui only.

use std::path::{Path, PathBuf};

use egui::FontFamily;
use egui::epaint::text::{FontData, FontInsert, FontPriority, InsertFontFamily};

/// Well-known places of CJK-capable fonts, most complete first.
pub const CANDIDATES: &[&str] = &[
    // Debian/Ubuntu: fonts-noto-cjk, fonts-wqy-microhei, fonts-wqy-zenhei, fonts-droid-fallback.
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    // Fedora: google-noto-sans-cjk-fonts; Arch: noto-fonts-cjk.
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    // macOS and Windows.
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:\\Windows\\Fonts\\msyh.ttc",
    "C:\\Windows\\Fonts\\simsun.ttc",
];

/// Adds the first of `candidates` that exists and reads as a fallback font
/// of both families; returns its path, `None` when there is none.
pub fn add_fallback(ctx: &egui::Context, candidates: &[&str]) -> Option<PathBuf> {
    for path in candidates.iter().map(Path::new) {
        let Ok(bytes) = std::fs::read(path) else { continue };
        let families = [FontFamily::Proportional, FontFamily::Monospace]
            .into_iter()
            .map(|family| InsertFontFamily { family, priority: FontPriority::Lowest })
            .collect();
        ctx.add_font(FontInsert::new("system-cjk-fallback", FontData::from_owned(bytes), families));
        return Some(path.to_path_buf());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_found_font_draws_cjk_and_a_missing_one_changes_nothing() {
        let ctx = egui::Context::default();
        let frame = || ctx.run_ui(egui::RawInput::default(), |_| {}).textures_delta.clear();
        frame();
        let id = egui::FontId::proportional(12.0);
        let before = ctx.fonts_mut(|f| f.has_glyph(&id, '日'));
        assert!(!before, "egui's own fonts have no CJK");
        assert_eq!(add_fallback(&ctx, &["/nonexistent/font.ttf"]), None);
        let Some(found) = CANDIDATES.iter().find(|p| Path::new(p).exists()) else {
            // CI installs fonts-wqy-microhei (.ci/run); elsewhere there may be none.
            panic!("no CJK font installed: install fonts-wqy-microhei (Debian) to run this test");
        };
        assert_eq!(add_fallback(&ctx, CANDIDATES).as_deref(), Some(Path::new(found)));
        frame();
        assert!(ctx.fonts_mut(|f| f.has_glyphs(&id, "日本語のラベル")));
        assert!(ctx.fonts_mut(|f| f.has_glyph(&id, 'a')));
    }
}
