//! Column widths of the trace tables, measured once per table, row count
//! and font rather than every frame.

use egui::Ui;

use super::table_fit;

/// Column widths measured once per table and font: measuring formats every
/// row's cells, too much for every frame when a big trace's critical path
/// or span-name table has thousands of rows. Emptied when a trace opens.
#[derive(Debug, Default)]
pub struct WidthCache(Vec<(WidthKey, Vec<f32>)>);

/// Table, rows, font size in points (bits), pixels per point (bits).
type WidthKey = (&'static str, usize, u32, u32);

impl WidthCache {
    /// Forgets every measurement (a new trace, or a column added).
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// The widths of `table` with `rows` rows, measured by `measure` the first time.
    pub fn get(&mut self, ui: &Ui, table: &'static str, rows: usize, measure: impl FnOnce() -> Vec<f32>) -> Vec<f32> {
        let key = (table, rows, table_fit::body_font(ui).size.to_bits(), ui.ctx().pixels_per_point().to_bits());
        if let Some((_, w)) = self.0.iter().find(|(k, _)| *k == key) {
            return w.clone();
        }
        let w = measure();
        self.0.push((key, w.clone()));
        w
    }
}
