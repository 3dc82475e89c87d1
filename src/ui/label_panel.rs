//! The label filter panel: the label keys of a profile (pprof labels such
//! as `endpoint=/orders`), each value with its share of the current metric;
//! picking values narrows the flamegraph and the table to the samples that
//! carry them.
//!
//! Semantics: one value per key (picking another value of the same key
//! replaces it), and picks of different keys combine with AND, as
//! [`crate::model::SampleFilter::labels`] does and the CLI's repeated
//! `--tag` does. Each key's shares are of the samples the other keys'
//! picks keep ([`crate::analysis::labels`]), so picking `endpoint=/orders`
//! shows how the `/orders` samples split by `tier`, and never hides the
//! other endpoints. The last row of a key, "(none)", stands for the
//! samples without that key; it can be picked too. Values sort by share
//! (the default, heaviest first) or by value; numeric values (a heap
//! profile's `bytes=2048`) sort by number and show exactly, in their unit
//! (`2,048 B`). Returns [`Command`]s; imports `model`, `analysis` and `ui`
//! only.

use egui::Ui;
use egui_extras::{Column, TableBuilder};

use crate::analysis::labels::{LabelKeyShare, LabelPick, LabelShares, LabelValueShare, by_value, picks_text};
use crate::model::{Metric, Unit};
use crate::ui::command::Command;
use crate::ui::document::percent;
use crate::ui::table_fit;

/// What the values of every key are sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LabelSortKey {
    /// The value: numbers by number, text by text.
    Value,
    /// The share of the metric (its weight). Default.
    #[default]
    Share,
}

/// The panel's sort, kept between frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabelSort {
    /// The column. Default: share.
    pub key: LabelSortKey,
    /// Largest first. Default: true (share); a click on Value starts ascending.
    pub descending: bool,
}

impl Default for LabelSort {
    fn default() -> Self {
        Self { key: LabelSortKey::Share, descending: true }
    }
}

/// The indices of `values` in display order for `sort`; ties keep the
/// value order (numbers by number).
pub fn sorted(values: &[LabelValueShare], sort: LabelSort) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&values[a], &values[b]);
        let o = match sort.key {
            LabelSortKey::Value => by_value(x, y),
            LabelSortKey::Share => x.weight.cmp(&y.weight),
        };
        let o = if sort.descending { o.reverse() } else { o };
        o.then_with(|| by_value(x, y))
    });
    order
}

/// A label value as people read it: text as is; a number exact, with
/// thousands separators and its unit (`2,048 B`, `1,500 ms`, `12`).
pub fn display_value(v: &LabelValueShare) -> String {
    let Some(n) = v.number else { return v.value.clone() };
    let digits = grouped(n);
    match &v.unit {
        Some(Unit::Bytes) => format!("{digits} B"),
        Some(Unit::Nanoseconds) => format!("{digits} ns"),
        Some(Unit::Microseconds) => format!("{digits} µs"),
        Some(Unit::Milliseconds) => format!("{digits} ms"),
        Some(Unit::Seconds) => format!("{digits} s"),
        Some(Unit::Other(u)) => format!("{digits} {u}"),
        Some(Unit::Count) | None => digits,
    }
}

/// `n` with a comma between groups of three digits, exact for every i64.
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What the panel shows.
pub struct LabelPanelInput<'a> {
    /// Keys and values with their weight over every sample.
    pub shares: &'a LabelShares,
    /// The metric the weights are in.
    pub metric: &'a Metric,
    /// The picks (the filter in force or being built), sorted by key.
    pub picked: &'a [LabelPick],
    /// True while the views for `picked` are being built.
    pub pending: bool,
    /// Whose samples the shares are, when that needs saying (a comparison:
    /// "the new side's").
    pub whose: Option<&'a str>,
}

/// Shows the panel's contents (the caller gives it a side panel); the
/// Value and Share headers change `sort`.
pub fn ui(ui: &mut Ui, sort: &mut LabelSort, input: &LabelPanelInput<'_>) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.horizontal(|ui| {
        ui.heading("Labels");
        if input.pending {
            ui.spinner();
        }
    });
    match input.whose {
        Some(whose) => ui.label(format!("Share of {} in {whose}; keys combine with AND.", input.metric.name)),
        None => ui.label(format!("Share of {}; keys combine with AND.", input.metric.name)),
    };
    // Always the same two rows, so the values below never move under the
    // pointer when a pick adds or clears the filter.
    if input.picked.is_empty() {
        ui.label("Showing all samples");
    } else {
        ui.strong(format!("Showing {}", picks_text(input.picked)));
    }
    let clear = ui.add_enabled(!input.picked.is_empty(), egui::Button::new("Show all samples"));
    if clear.on_hover_text("Clear the label filter").clicked() {
        commands.push(Command::ClearLabels);
    }
    ui.separator();
    let mut area = egui::ScrollArea::vertical().auto_shrink([false, false]);
    if super::sort_header::take_sorted(ui.ctx(), "label_panel") {
        // Re-sorted: show the first values.
        area = area.vertical_scroll_offset(0.0);
    }
    area.show(ui, |ui| {
        for (k, key) in input.shares.keys.iter().enumerate() {
            egui::CollapsingHeader::new(format!("{} ({})", key.key, key.values.len()))
                .id_salt(("label_key", &key.key))
                .default_open(true)
                .show(ui, |ui| {
                    let others = others_text(input.picked, &key.key);
                    if let Some(others) = &others {
                        ui.label(egui::RichText::new(format!("Shares of the samples with {others}")).weak().small());
                    }
                    values_table(ui, sort, input, k, &mut commands);
                });
        }
    });
    commands
}

/// The picks of keys other than `key`, as a caption; `None` when there are none.
fn others_text(picked: &[LabelPick], key: &str) -> Option<String> {
    let others: Vec<LabelPick> = picked.iter().filter(|(k, _)| k != key).cloned().collect();
    (!others.is_empty()).then(|| picks_text(&others))
}

/// Name of the row of the samples that carry no value of a key.
pub const NONE_ROW: &str = "(none)";

/// Narrowest the value column gets, px; longer values are elided (whole on hover).
const VALUE_MIN_PX: f32 = 48.0;

/// Widths of the Share and Weight columns of key `k`: their widest value
/// or title, measured once per set of shares (kept in egui's memory).
fn number_widths(ui: &Ui, input: &LabelPanelInput<'_>, k: usize) -> [f32; 2] {
    let id = egui::Id::unique(("firesight_label_widths", input.shares as *const LabelShares as usize, k));
    if let Some(w) = ui.data(|d| d.get_temp::<[f32; 2]>(id)) {
        return w;
    }
    let Some(key) = input.shares.keys.get(k) else { return [0.0; 2] };
    let weights: Vec<_> = key.values.iter().map(|v| v.weight).chain(key.none.map(|n| n.weight)).collect();
    let font = table_fit::body_font(ui);
    let share = table_fit::widest(ui, &font, weights.iter().map(|&w| format!("{:.1}%", percent(w, key.total))));
    let weight = table_fit::widest(ui, &font, weights.iter().map(|&w| input.metric.format(w)));
    let w = [
        share.max(table_fit::header_width(ui, "Share", true)),
        weight.max(table_fit::header_width(ui, "Weight", false)),
    ];
    ui.data_mut(|d| d.insert_temp(id, w));
    w
}

/// The values of key `k`: Value and Share headers sort (click again to
/// reverse; Weight sorts as Share does), the "(none)" row last; the value
/// column takes what the numbers leave and the weight keeps clear of the
/// scroll bar.
fn values_table(ui: &mut Ui, sort: &mut LabelSort, input: &LabelPanelInput<'_>, k: usize, commands: &mut Vec<Command>) {
    let Some(key) = input.shares.keys.get(k) else { return };
    let [share_w, weight_w] = number_widths(ui, input, k);
    let gutter = table_fit::scroll_gutter(ui);
    let order = sorted(&key.values, *sort);
    let rows = order.len() + usize::from(key.none.is_some());
    TableBuilder::new(ui)
        .id_salt(("label_values", &key.key))
        .vscroll(false)
        .striped(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::remainder().at_least(VALUE_MIN_PX).clip(true))
        .column(Column::exact(share_w))
        .column(Column::exact(weight_w + gutter))
        .header(20.0, |mut header| {
            header.col(|ui| sort_cell(ui, sort, "Value", LabelSortKey::Value));
            header.col(|ui| table_fit::right_aligned(ui, 0.0, |ui| sort_cell(ui, sort, "Share", LabelSortKey::Share)));
            header.col(|ui| {
                table_fit::right_aligned(ui, gutter, |ui| ui.strong("Weight"));
            });
        })
        .body(|body| {
            body.rows(20.0, rows, |mut row| {
                let shown = match order.get(row.index()) {
                    Some(&i) => Row::Value(&key.values[i]),
                    None => Row::None(key.none.unwrap_or_default()),
                };
                value_row(&mut row, input, key, shown, gutter, commands);
            });
        });
}

/// One sort toggle of the header.
fn sort_cell(ui: &mut Ui, sort: &mut LabelSort, title: &str, key: LabelSortKey) {
    let shown = (sort.key == key).then_some(sort.descending);
    if super::sort_header::sort_header(ui, "label_panel", title, shown) {
        *sort = if sort.key == key {
            LabelSort { key, descending: !sort.descending }
        } else {
            LabelSort { key, descending: key == LabelSortKey::Share }
        };
    }
}

/// A row of a key's table: one of its values, or the samples without it.
#[derive(Clone, Copy)]
enum Row<'a> {
    Value(&'a LabelValueShare),
    None(crate::analysis::labels::NoValueShare),
}

/// One row: a toggle with the value, then its share and weight
/// right-aligned; a value no kept sample carries is drawn faint.
fn value_row(
    row: &mut egui_extras::TableRow<'_, '_>,
    input: &LabelPanelInput<'_>,
    key: &LabelKeyShare,
    shown: Row<'_>,
    gutter: f32,
    commands: &mut Vec<Command>,
) {
    let (pick, weight, samples) = match shown {
        Row::Value(v) => (Some(v.value.clone()), v.weight, v.samples),
        Row::None(n) => (None, n.weight, n.samples),
    };
    let on = input.picked.iter().any(|(k, pv)| *k == key.key && *pv == pick);
    let share = percent(weight, key.total);
    let (text, what) = match shown {
        Row::Value(v) => {
            let text = display_value(v);
            let rounded = match (&v.unit, v.number) {
                (Some(u @ Unit::Bytes), Some(n)) if n.unsigned_abs() >= 1024 => format!(" ({})", u.format(n as f64)),
                _ => String::new(),
            };
            (text.clone(), format!("{}={text}{rounded}", key.key))
        }
        Row::None(_) => (NONE_ROW.to_string(), format!("no {} label", key.key)),
    };
    let of = match others_text(input.picked, &key.key) {
        Some(others) => format!("of the samples with {others}"),
        None => "of all samples".to_string(),
    };
    let hover = format!(
        "{what}: {} of {} ({share:.1}% {of}), {} samples",
        input.metric.format(weight),
        input.metric.format(key.total),
        crate::model::units::format_count(samples as f64),
    );
    row.set_selected(on);
    row.col(|ui| {
        let mut label = egui::RichText::new(text);
        if matches!(shown, Row::None(_)) {
            label = label.italics();
        }
        if samples == 0 && !on {
            label = label.weak();
        }
        let button = egui::Button::selectable(on, label).truncate();
        if ui.add(button).on_hover_text(hover).clicked() {
            commands.push(Command::ToggleLabel { key: key.key.clone(), value: pick.clone() });
        }
    });
    row.col(|ui| table_fit::number_cell(ui, format!("{share:.1}%"), 0.0));
    row.col(|ui| table_fit::number_cell(ui, input.metric.format(weight), gutter));
}

/// The filter after toggling a pick of `key` (`value`: `None` for the
/// "(none)" row) in `picked`: removes it when picked, otherwise replaces
/// any other pick of `key` with it. Sorted by key.
pub fn toggled(picked: &[LabelPick], key: &str, value: Option<&str>) -> Vec<LabelPick> {
    let was_on = picked.iter().any(|(k, v)| k == key && v.as_deref() == value);
    let mut out: Vec<LabelPick> = picked.iter().filter(|(k, _)| k != key).cloned().collect();
    if !was_on {
        out.push((key.to_string(), value.map(str::to_string)));
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::{display_value, toggled};
    use crate::analysis::labels::{LabelValueShare, label_unit};

    fn num(n: i64, key: &str, unit: Option<&str>) -> String {
        let v = LabelValueShare {
            value: n.to_string(),
            weight: 0,
            samples: 0,
            number: Some(n),
            unit: label_unit(key, unit),
        };
        display_value(&v)
    }

    #[test]
    fn numbers_show_exactly_in_their_unit() {
        assert_eq!(num(909_312, "bytes", None), "909,312 B");
        assert_eq!(num(64, "request", None), "64 B");
        assert_eq!(num(1500, "delay", Some("ms")), "1,500 ms");
        assert_eq!(num(3, "retries", Some("tries")), "3 tries");
        assert_eq!(num(-1234, "pid", None), "-1,234");
        assert_eq!(num(i64::MIN, "n", None), "-9,223,372,036,854,775,808");
    }

    fn pairs(p: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        p.iter().map(|(k, v)| (k.to_string(), v.map(str::to_string))).collect()
    }

    #[test]
    fn one_value_per_key_and_keys_combine() {
        let a = toggled(&[], "endpoint", Some("/orders"));
        assert_eq!(a, pairs(&[("endpoint", Some("/orders"))]));
        let b = toggled(&a, "endpoint", Some("/cart"));
        assert_eq!(b, pairs(&[("endpoint", Some("/cart"))]));
        let c = toggled(&b, "region", Some("eu"));
        assert_eq!(c, pairs(&[("endpoint", Some("/cart")), ("region", Some("eu"))]));
        assert_eq!(toggled(&c, "endpoint", Some("/cart")), pairs(&[("region", Some("eu"))]));
        // "(none)" is one more value of its key.
        let d = toggled(&c, "region", None);
        assert_eq!(d, pairs(&[("endpoint", Some("/cart")), ("region", None)]));
        assert_eq!(toggled(&d, "region", None), pairs(&[("endpoint", Some("/cart"))]));
    }
}
