//! Column widths that never cut a value, for the hot and memory tables.
//!
//! Each numeric column is as wide as its widest value or its title (with
//! room for the sort arrow), measured over every row, not only the visible
//! ones, so the width does not jump while scrolling. The first column (the
//! function name, elided with … and shown whole on hover) takes what is
//! left, down to a minimum; when even that does not fit, the table is wider
//! than the view and scrolls horizontally ([`Fit::scroll`]). The last column
//! keeps a gutter for the vertical scroll bar, which egui draws over the
//! content.
//!
//! Widths are upper bounds: the sum of the glyph advances of the text
//! (kerning only ever tightens it). Imports egui only.

use egui::{FontId, TextStyle, Ui};

use crate::model::units::format_duration_ns;

/// Room added to every measured cell, px, so rounding never cuts a glyph.
const SLACK_PX: f32 = 8.0;

/// The widest of `durations_ns` as [`format_duration_ns`] shows them, px,
/// plus slack; as [`widest`] of the formatted texts, without formatting a
/// million rows. Within one unit (ns, µs, ms, s) and one precision (two
/// decimals below 10 of the unit, one from 10) a larger value never has
/// fewer digits (rounding is monotonic) and the rest of the text is the
/// same, so where every digit has the same advance (tabular figures, as in
/// egui's fonts) the largest value of each such class is the widest of its
/// class. A font with proportional digits measures every text.
pub fn widest_duration(ui: &Ui, font: &FontId, durations_ns: impl IntoIterator<Item = u64>) -> f32 {
    let digits: Vec<f32> = ui.ctx().fonts_mut(|f| ('0'..='9').map(|c| f.glyph_width(font, c)).collect());
    let tabular = digits.iter().all(|&w| (w - digits[0]).abs() < 1e-3);
    let durations = durations_ns.into_iter();
    if !tabular {
        return widest(ui, font, durations.map(|ns| format_duration_ns(ns as f64)));
    }
    // Classes: ns; then µs, ms and s, each below 10 of the unit and from 10.
    let mut largest: [Option<u64>; 7] = [None; 7];
    for ns in durations {
        let class = match ns {
            0..1_000 => 0,
            1_000..10_000 => 1,
            10_000..1_000_000 => 2,
            1_000_000..10_000_000 => 3,
            10_000_000..1_000_000_000 => 4,
            1_000_000_000..10_000_000_000 => 5,
            _ => 6,
        };
        largest[class] = largest[class].max(Some(ns));
    }
    widest(ui, font, largest.into_iter().flatten().map(|ns| format_duration_ns(ns as f64)))
}

/// The widest of `texts` in `font`, px, plus a little slack; 0 for none.
///
/// Exact, and cheap on a million rows: ASCII glyph advances are looked up
/// once, and an ASCII text too short to beat the widest so far (its length
/// times the widest ASCII advance) is not measured at all.
pub fn widest<S: AsRef<str>>(ui: &Ui, font: &FontId, texts: impl IntoIterator<Item = S>) -> f32 {
    let max = ui.ctx().fonts_mut(|f| {
        let mut ascii = [0.0f32; 128];
        for (c, w) in ascii.iter_mut().enumerate() {
            *w = f.glyph_width(font, c as u8 as char);
        }
        let widest_ascii = ascii.iter().copied().fold(0.0, f32::max);
        let mut best = 0.0f32;
        for t in texts {
            let t = t.as_ref();
            let w = if t.is_ascii() {
                if t.len() as f32 * widest_ascii <= best {
                    continue;
                }
                t.bytes().map(|b| ascii[usize::from(b)]).sum::<f32>()
            } else {
                t.chars().map(|c| f.glyph_width(font, c)).sum::<f32>()
            };
            best = best.max(w);
        }
        best
    });
    if max > 0.0 { max + SLACK_PX } else { 0.0 }
}

/// The font of table cells (labels).
pub fn body_font(ui: &Ui) -> FontId {
    TextStyle::Body.resolve(ui.style())
}

/// Width of a column title: a sort toggle (a button, with room for the
/// `⏷` arrow whether or not the column is sorted) or plain strong text.
pub fn header_width(ui: &Ui, title: &str, sortable: bool) -> f32 {
    if sortable {
        let font = TextStyle::Button.resolve(ui.style());
        widest(ui, &font, [format!("{title} ⏷")]) + 2.0 * ui.spacing().button_padding.x
    } else {
        widest(ui, &body_font(ui), [title.to_string()])
    }
}

/// Room the vertical scroll bar takes over the right end of a table, px.
pub fn scroll_gutter(ui: &Ui) -> f32 {
    let s = &ui.spacing().scroll;
    s.bar_width + s.bar_inner_margin + s.bar_outer_margin
}

/// Draws `add` right-aligned, `pad_px` clear of the cell's right edge (the
/// scroll bar gutter of the last column), for numbers and their titles.
pub fn right_aligned<R>(ui: &mut Ui, pad_px: f32, add: impl FnOnce(&mut Ui) -> R) -> R {
    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
        ui.add_space(pad_px);
        add(ui)
    })
    .inner
}

/// A number cell: `text` right-aligned, `pad_px` clear of the right edge.
pub fn number_cell(ui: &mut Ui, text: String, pad_px: f32) {
    right_aligned(ui, pad_px, |ui| ui.label(text));
}

/// The widths of one frame's table.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// Width of every column, px, the first one included.
    pub widths: Vec<f32>,
    /// The columns do not fit in the view: the table scrolls horizontally.
    pub scroll: bool,
    /// Width of the whole table (columns and the spacing between them), px.
    pub total: f32,
}

/// Fits columns into `available` px: `rest` are the widths of the columns
/// after the first, which takes what is left but never less than
/// `first_min`. `spacing` is the gap between columns (egui_extras adds the
/// item spacing).
pub fn fit(available: f32, spacing: f32, first_min: f32, rest: &[f32]) -> Fit {
    let others: f32 = rest.iter().sum::<f32>() + spacing * rest.len() as f32;
    let first = (available - others).max(first_min);
    let mut widths = Vec::with_capacity(rest.len() + 1);
    widths.push(first);
    widths.extend_from_slice(rest);
    let total = first + others;
    Fit { widths, scroll: total > available + 0.5, total }
}

#[cfg(test)]
mod tests {
    use super::{body_font, fit, format_duration_ns, widest, widest_duration};

    /// The duration shortcut equals measuring every formatted text, at the
    /// edges where rounding adds a digit (9.996 s is "10.00 s", wider than
    /// the larger 10.04 s, "10.0 s").
    #[test]
    fn widest_duration_equals_measuring_every_text() {
        let sets: [&[u64]; 5] = [
            &[9_996_000_000, 10_040_000_000],
            &[999, 1_000, 9_999, 99_960],
            &[999_960_000, 5, 12_345_678_901, 1],
            &[0],
            &[],
        ];
        let ctx = egui::Context::default();
        let mut out = ctx.run_ui(egui::RawInput::default(), |ui| {
            let font = body_font(ui);
            for values in sets {
                let all = widest(ui, &font, values.iter().map(|&ns| format_duration_ns(ns as f64)));
                assert_eq!(widest_duration(ui, &font, values.iter().copied()), all, "{values:?}");
            }
        });
        out.textures_delta.clear();
    }

    #[test]
    fn the_first_column_takes_what_is_left() {
        let f = fit(1000.0, 8.0, 160.0, &[100.0, 80.0, 60.0]);
        assert_eq!(f.widths, vec![1000.0 - 240.0 - 24.0, 100.0, 80.0, 60.0]);
        assert!(!f.scroll);
        assert_eq!(f.total, 1000.0);
    }

    #[test]
    fn too_narrow_a_view_scrolls_instead_of_cutting() {
        let f = fit(300.0, 8.0, 160.0, &[100.0, 80.0, 60.0]);
        assert_eq!(f.widths, vec![160.0, 100.0, 80.0, 60.0]);
        assert!(f.scroll);
        assert_eq!(f.total, 160.0 + 240.0 + 24.0);
    }
}
