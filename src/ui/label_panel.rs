//! The label filter panel: the label keys of a profile (pprof labels such
//! as `endpoint=/orders`), each value with its share of the current metric;
//! picking values narrows the flamegraph and the table to the samples that
//! carry them.
//!
//! Semantics: one value per key (picking another value of the same key
//! replaces it), and picks of different keys combine with AND, as
//! [`crate::model::SampleFilter::labels`] does and the CLI's repeated
//! `--tag` does. The shares are over every sample, so picking one value
//! never hides the others. Returns [`Command`]s; imports `model`,
//! `analysis` and `ui` only.

use egui::Ui;

use crate::analysis::labels::{LabelShares, LabelValueShare};
use crate::model::Metric;
use crate::ui::command::Command;
use crate::ui::document::percent;

/// What the panel shows.
pub struct LabelPanelInput<'a> {
    /// Keys and values with their weight over every sample.
    pub shares: &'a LabelShares,
    /// The metric the weights are in.
    pub metric: &'a Metric,
    /// The picked `(key, value)` pairs (the filter in force or being built).
    pub picked: &'a [(String, String)],
    /// True while the views for `picked` are being built.
    pub pending: bool,
}

/// Shows the panel's contents (the caller gives it a side panel).
pub fn ui(ui: &mut Ui, input: &LabelPanelInput<'_>) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.horizontal(|ui| {
        ui.heading("Labels");
        if input.pending {
            ui.spinner();
        }
    });
    ui.label(format!("Share of {}; keys combine with AND.", input.metric.name));
    // Always the same two rows, so the values below never move under the
    // pointer when a pick adds or clears the filter.
    let picked: Vec<String> = input.picked.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if picked.is_empty() {
        ui.label("Showing all samples");
    } else {
        ui.strong(format!("Showing {}", picked.join(" and ")));
    }
    let clear = ui.add_enabled(!picked.is_empty(), egui::Button::new("Show all samples"));
    if clear.on_hover_text("Clear the label filter").clicked() {
        commands.push(Command::ClearLabels);
    }
    ui.separator();
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        for key in &input.shares.keys {
            egui::CollapsingHeader::new(format!("{} ({})", key.key, key.values.len()))
                .id_salt(("label_key", &key.key))
                .default_open(true)
                .show(ui, |ui| {
                    egui::Grid::new(("label_values", &key.key)).striped(true).num_columns(3).show(ui, |ui| {
                        for v in &key.values {
                            value_row(ui, input, &key.key, v, &mut commands);
                            ui.end_row();
                        }
                    });
                });
        }
    });
    commands
}

/// One value: a toggle with its name, then its share and weight right-aligned.
fn value_row(ui: &mut Ui, input: &LabelPanelInput<'_>, key: &str, v: &LabelValueShare, commands: &mut Vec<Command>) {
    let on = input.picked.iter().any(|(k, pv)| k == key && *pv == v.value);
    let share = percent(v.weight, input.shares.total);
    let hover = format!(
        "{key}={}: {} of {} ({share:.1}%), {} samples",
        v.value,
        input.metric.format(v.weight),
        input.metric.format(input.shares.total),
        crate::model::units::format_count(v.samples as f64),
    );
    if ui.selectable_label(on, &v.value).on_hover_text(hover).clicked() {
        commands.push(Command::ToggleLabel { key: key.to_string(), value: v.value.clone() });
    }
    let right = egui::Layout::right_to_left(egui::Align::Center);
    ui.with_layout(right, |ui| ui.label(format!("{share:.1}%")));
    ui.with_layout(right, |ui| ui.label(input.metric.format(v.weight)));
}

/// The filter after toggling `key=value` in `picked`: removes it when picked,
/// otherwise replaces any other value of `key` with it. Sorted by key.
pub fn toggled(picked: &[(String, String)], key: &str, value: &str) -> Vec<(String, String)> {
    let was_on = picked.iter().any(|(k, v)| k == key && v == value);
    let mut out: Vec<(String, String)> = picked.iter().filter(|(k, _)| k != key).cloned().collect();
    if !was_on {
        out.push((key.to_string(), value.to_string()));
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::toggled;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn one_value_per_key_and_keys_combine() {
        let a = toggled(&[], "endpoint", "/orders");
        assert_eq!(a, pairs(&[("endpoint", "/orders")]));
        let b = toggled(&a, "endpoint", "/cart");
        assert_eq!(b, pairs(&[("endpoint", "/cart")]));
        let c = toggled(&b, "region", "eu");
        assert_eq!(c, pairs(&[("endpoint", "/cart"), ("region", "eu")]));
        assert_eq!(toggled(&c, "endpoint", "/cart"), pairs(&[("region", "eu")]));
    }
}
