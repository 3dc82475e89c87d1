//! The trace list's filters: service, operation, attribute value, errors
//! only, and a duration range. Edits change [`TraceFilter`]
//! ([`crate::analysis::trace_filter`]); the view applies it to the list.
//! Imports `analysis` and egui.

use egui::Ui;

use crate::analysis::slow::parse_duration_ns;
use crate::analysis::trace_filter::TraceFilter;

/// The filter row's state: the texts as typed and the filter they make.
#[derive(Debug, Default)]
pub struct FilterBar {
    filter: TraceFilter,
    min_text: String,
    max_text: String,
    /// A duration the filter could not read, to say so.
    bad_duration: Option<String>,
}

impl FilterBar {
    /// The current filter.
    pub fn filter(&self) -> &TraceFilter {
        &self.filter
    }

    /// Sets the attribute part (`key=value`), as a click in the slow panel does.
    pub fn set_attribute(&mut self, text: String) {
        self.filter.attribute = text;
    }

    /// Sets the whole filter (the duration texts are left as typed).
    pub fn set_filter(&mut self, filter: TraceFilter) {
        self.filter = filter;
    }

    /// Clears every part.
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// Shows the filters in the current row; true when the filter changed.
    pub fn ui(&mut self, ui: &mut Ui) -> bool {
        let before = self.filter.clone();
        ui.horizontal(|ui| {
            let f = &mut self.filter;
            for (text, hint, width) in [
                (&mut f.service, "service", 80.0),
                (&mut f.operation, "operation", 90.0),
                (&mut f.attribute, "attribute key=value", 130.0),
            ] {
                ui.add(egui::TextEdit::singleline(text).hint_text(hint).desired_width(width));
            }
            ui.checkbox(&mut f.errors_only, "errors");
            ui.add(egui::TextEdit::singleline(&mut self.min_text).hint_text("≥ 100ms").desired_width(70.0));
            ui.add(egui::TextEdit::singleline(&mut self.max_text).hint_text("≤ 2s").desired_width(70.0));
            self.bad_duration = None;
            for (text, slot) in [(&self.min_text, &mut f.min_ns), (&self.max_text, &mut f.max_ns)] {
                *slot = if text.trim().is_empty() {
                    None
                } else {
                    let v = parse_duration_ns(text);
                    if v.is_none() {
                        self.bad_duration = Some(text.clone());
                    }
                    v
                };
            }
            if (!f.is_empty() || !self.min_text.is_empty() || !self.max_text.is_empty())
                && ui.button("Clear").on_hover_text("Clear the filters").clicked()
            {
                self.filter = TraceFilter::default();
                self.min_text.clear();
                self.max_text.clear();
            }
        });
        if let Some(bad) = &self.bad_duration {
            ui.colored_label(crate::ui::trace_colors::ERROR, format!("{bad:?} is not a duration"))
                .on_hover_text("Write a number and a unit: 500ms, 1.5s, 250us");
        }
        self.filter != before
    }
}
