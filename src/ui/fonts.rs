//! Fallback fonts from the system for the scripts egui's bundled fonts lack
//! (Chinese, Japanese, Korean): without one, symbol names and label values
//! in those scripts draw as empty boxes. The first font found among
//! [`CANDIDATES`] (paths that Debian, Fedora, Arch, macOS and Windows
//! packages install) is added after egui's own fonts, so only glyphs those
//! lack come from it and Latin text is unchanged. Nothing is bundled: a
//! machine without such a font shows boxes as before.
//!
//! The window's own symbols (→ in "1.20 s → 0.55 s", ⇄ on a comparison's
//! tab, ▸) are not in egui's proportional font (Ubuntu Light) but are in
//! its bundled monospace one (Hack): [`symbols_from_monospace`] puts Hack
//! behind the proportional family, so they never depend on what the
//! machine has installed (nor on when the system font arrives). Imports
//! egui only.

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

/// Puts egui's bundled monospace font (Hack) last in the proportional
/// family, for the symbols the proportional font lacks (see the module
/// docs). Call before [`add_fallback`]: it sets the font definitions anew.
pub fn symbols_from_monospace(ctx: &egui::Context) {
    let mut defs = egui::FontDefinitions::default();
    let Some(mono) = defs.families.get(&FontFamily::Monospace).and_then(|f| f.first()).cloned() else { return };
    if let Some(proportional) = defs.families.get_mut(&FontFamily::Proportional)
        && !proportional.contains(&mono)
    {
        proportional.push(mono);
        ctx.set_fonts(defs);
    }
}

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

    /// Lays out one (empty) frame, which loads the fonts added since.
    fn frame(ctx: &egui::Context) {
        ctx.run_ui(egui::RawInput::default(), |_| {}).textures_delta.clear();
    }

    /// A context that has laid out a frame.
    fn context() -> egui::Context {
        let ctx = egui::Context::default();
        frame(&ctx);
        ctx
    }

    /// The symbols the window draws in proportional text, without any
    /// system font.
    #[test]
    fn the_windows_symbols_draw_without_a_system_font() {
        let ctx = context();
        let id = egui::FontId::proportional(12.0);
        let symbols = "→⇄▸−…–·×µ≥≤⚠⏷⏶⏵✖›∞";
        assert!(!ctx.fonts_mut(|f| f.has_glyphs(&id, symbols)), "egui's proportional font lacks some");
        symbols_from_monospace(&ctx);
        frame(&ctx);
        let missing: String = symbols.chars().filter(|&c| !ctx.fonts_mut(|f| f.has_glyph(&id, c))).collect();
        assert_eq!(missing, "");
        // Latin text still comes from the proportional font: same widths as before.
        let width = |ctx: &egui::Context| {
            ctx.fonts_mut(|f| f.layout_no_wrap("Swap base".into(), id.clone(), egui::Color32::WHITE).size().x)
        };
        assert_eq!(width(&ctx), width(&context()));
    }

    #[test]
    fn a_found_font_draws_cjk_and_a_missing_one_changes_nothing() {
        let ctx = context();
        let id = egui::FontId::proportional(12.0);
        let before = ctx.fonts_mut(|f| f.has_glyph(&id, '日'));
        assert!(!before, "egui's own fonts have no CJK");
        assert_eq!(add_fallback(&ctx, &["/nonexistent/font.ttf"]), None);
        let Some(found) = CANDIDATES.iter().find(|p| Path::new(p).exists()) else {
            // CI installs fonts-wqy-microhei (.ci/run); elsewhere there may be none.
            panic!("no CJK font installed: install fonts-wqy-microhei (Debian) to run this test");
        };
        assert_eq!(add_fallback(&ctx, CANDIDATES).as_deref(), Some(Path::new(found)));
        frame(&ctx);
        assert!(ctx.fonts_mut(|f| f.has_glyphs(&id, "日本語のラベル")));
        assert!(ctx.fonts_mut(|f| f.has_glyph(&id, 'a')));
    }
}
