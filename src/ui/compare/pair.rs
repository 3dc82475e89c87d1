//! Two profiles compared: a tool row (normalised or absolute, swap,
//! changed only, search, the colour legend), the breadcrumb of the zoom,
//! the differential flamegraph over the delta table, and for two trace
//! files the before/after trace views. Holds its own view state and
//! applies the flamegraph's and table's actions to it; what needs a worker
//! (normalise, swap, a label pick) is returned as a [`Rebuild`].

use egui::Ui;

use super::flame::{self, DiffFlameInput, DiffFlameState, FlameAction};
use super::table::{self, DeltaTableState, TableAction};
use crate::analysis::compare_flame::{self, FlameModel, WidthMode};
use crate::analysis::labels::LabelPick;
use crate::jobs::compare::ProfilePair;
use crate::model::{Metric, Weight};
use crate::ui::command::Command;
use crate::ui::label_panel;
use crate::ui::settings::Orientation;
use crate::ui::theme;
use crate::ui::view_range::ViewRange;

/// What the pair view asks to be rebuilt on a worker.
#[derive(Clone, Debug, PartialEq)]
pub struct Rebuild {
    /// Scale the new side so both totals are equal.
    pub normalize: bool,
    /// Exchange base and new.
    pub swap: bool,
    /// Label picks applied to both sides.
    pub labels: Vec<LabelPick>,
}

/// The view of two profiles compared.
pub struct PairView {
    /// The comparison shown.
    pub pair: ProfilePair,
    /// Box widths and colours.
    pub model: FlameModel,
    /// Zoomed node of the merged tree.
    pub zoom: u32,
    /// Horizontal window.
    pub view: ViewRange,
    /// Selected function (index into the comparison's functions).
    pub selected: Option<u32>,
    /// Search box text.
    pub search_input: String,
    /// Per function, whether it matches the search in force.
    pub matches: Vec<bool>,
    /// Before and after weight of the samples the search matches
    /// (`compare_flame::matched_weight`, a pass over every node: made when
    /// the search or the comparison changes, not each frame).
    matched: (Weight, Weight),
    /// Flamegraph widget state.
    pub flame: DiffFlameState,
    /// Delta table state.
    pub table: DeltaTableState,
    /// A rebuild is running.
    pub pending: bool,
    /// Show the trace comparison (true) or the flamegraph (false), for trace files.
    pub show_traces: bool,
    /// Trace comparison widget state.
    pub traces: super::traces::TraceCompareState,
    /// Label picks in force (both sides).
    pub labels: Vec<LabelPick>,
    /// How the label panel sorts values.
    pub label_sort: label_panel::LabelSort,
    /// Whether the label panel is shown (when the new side has labels).
    pub labels_open: bool,
}

impl PairView {
    /// The view of `pair`, unzoomed; trace files show their trace comparison first.
    pub fn new(mut pair: ProfilePair) -> Self {
        // Made on the comparison's worker, in WidthMode::All.
        let model = std::mem::take(&mut pair.flame);
        let show_traces = pair.traces.is_some();
        Self {
            pair,
            model,
            zoom: 0,
            view: ViewRange::FULL,
            selected: None,
            search_input: String::new(),
            matches: Vec::new(),
            matched: (0, 0),
            flame: DiffFlameState::default(),
            table: DeltaTableState::default(),
            pending: false,
            show_traces,
            traces: Default::default(),
            labels: Vec::new(),
            label_sort: Default::default(),
            labels_open: true,
        }
    }

    /// Replaces the comparison (a rebuild came back); the zoom stays on
    /// the same path of functions as far as the new tree has it, the search
    /// and the width mode stay, the selection stays when its function is
    /// still there.
    pub fn replace(&mut self, mut pair: ProfilePair) {
        let selected = self.selected.and_then(|f| self.pair.comparison.table.functions.get(f as usize).cloned());
        let old = &self.pair.comparison;
        let zoom_path: Vec<_> = old.path_to(self.zoom).iter().filter_map(|&n| old.function_of(n).cloned()).collect();
        let mode = self.model.mode;
        self.model = if pair.flame.mode == mode {
            std::mem::take(&mut pair.flame)
        } else {
            FlameModel::new(&pair.comparison, mode)
        };
        self.pair = pair;
        self.zoom = 0;
        self.view = ViewRange::FULL;
        let cmp = &self.pair.comparison;
        let mut zoom = 0;
        for key in &zoom_path {
            match cmp.children(zoom).find(|&c| cmp.function_of(c) == Some(key)) {
                Some(c) => zoom = c,
                None => break,
            }
        }
        if zoom != 0 {
            self.zoom_to(zoom);
        }
        self.selected =
            selected.and_then(|k| self.pair.comparison.table.functions.iter().position(|f| *f == k).map(|i| i as u32));
        self.refresh_search();
        self.pending = false;
    }

    /// The metric of the weights (the new side's).
    pub fn metric(&self) -> &Metric {
        self.pair.after.profile.metric(self.pair.after_metric)
    }

    /// Zooms to node `i` and selects its function.
    pub fn zoom_to(&mut self, i: u32) {
        if (i as usize) < self.pair.comparison.len() {
            self.zoom = i;
            let (s, w) = self.model.extent(&self.pair.comparison, i);
            self.view = ViewRange::new(s, w);
            if let Some(f) = self.pair.comparison.node(i).function() {
                self.selected = Some(f);
            }
        }
    }

    /// Zooms out one level.
    pub fn zoom_out(&mut self) {
        let parent = self.pair.comparison.node(self.zoom).parent().unwrap_or(0);
        self.zoom_to(parent);
    }

    /// Switches between all boxes and changed ones only.
    pub fn set_mode(&mut self, mode: WidthMode) {
        if mode != self.model.mode {
            self.model = FlameModel::new(&self.pair.comparison, mode);
            let (s, w) = self.model.extent(&self.pair.comparison, self.zoom);
            self.view = ViewRange::new(s, w);
        }
    }

    /// Searches function names (case-insensitive); empty clears.
    pub fn set_search(&mut self, text: &str) {
        self.search_input = text.to_owned();
        self.refresh_search();
    }

    /// The matches and matched weights of the search in force.
    fn refresh_search(&mut self) {
        let c = &self.pair.comparison;
        self.matches = compare_flame::search_matches(c, &self.search_input);
        self.matched = if self.matches.is_empty() { (0, 0) } else { compare_flame::matched_weight(c, &self.matches) };
    }

    /// "json: 61.3% → 20.1% of cpu-clock" for the search in force.
    pub fn search_share(&self) -> Option<String> {
        if self.matches.is_empty() {
            return None;
        }
        let c = &self.pair.comparison;
        let (b, a) = self.matched;
        let pct = |w: Weight, t: Weight| if t == 0 { 0.0 } else { w as f64 * 100.0 / t as f64 };
        Some(format!(
            "{}: {:.1}% \u{2192} {:.1}% of {}",
            self.search_input.trim(),
            pct(b, c.table.before_total),
            pct(a, c.table.after_total),
            self.metric().name
        ))
    }

    /// The status bar's "cpu-clock 1.20 s → 0.55 s (−54%)".
    pub fn status_line(&self) -> String {
        let t = &self.pair.comparison.table;
        let m = self.metric();
        let line = compare_flame::change_line(t.before_total, t.after_total, |w| m.format(w));
        format!("{} {line}", m.name)
    }

    /// The label filter's panel (when the new side has labels): a pick
    /// rebuilds the comparison over the samples it keeps on both sides.
    fn labels_ui(&mut self, ui: &mut Ui) -> Option<Rebuild> {
        if self.pair.labels.keys.is_empty() || !self.labels_open {
            return None;
        }
        let mut commands = Vec::new();
        egui::Panel::left("compare_label_panel").resizable(true).default_size(280.0).min_size(160.0).show(ui, |ui| {
            let input = label_panel::LabelPanelInput {
                shares: &self.pair.labels,
                metric: self.pair.after.profile.metric(self.pair.after_metric),
                picked: &self.labels,
                pending: self.pending,
                whose: Some("the new side (a pick filters both)"),
            };
            commands = label_panel::ui(ui, &mut self.label_sort, &input);
        });
        let mut labels = None;
        for c in commands {
            match c {
                Command::ToggleLabel { key, value } => {
                    labels = Some(label_panel::toggled(&self.labels, &key, value.as_deref()));
                }
                Command::ClearLabels => labels = Some(Vec::new()),
                _ => {}
            }
        }
        labels.map(|labels| Rebuild { normalize: self.pair.opts.normalize, swap: false, labels })
    }

    fn apply_flame(&mut self, a: FlameAction) {
        match a {
            FlameAction::Zoom(n) => self.zoom_to(n),
            FlameAction::SetView(v) => {
                let (s, w) = self.model.extent(&self.pair.comparison, self.zoom);
                self.view = v.clamp_to(ViewRange::new(s, w));
            }
        }
    }

    fn apply_table(&mut self, a: TableAction) {
        match a {
            TableAction::Select(f) => self.selected = Some(f),
            TableAction::ZoomTo(f) => {
                if let Some(n) = compare_flame::widest_node(&self.pair.comparison, &self.model, f) {
                    self.zoom_to(n);
                }
            }
        }
    }

    /// The whole view; returns a rebuild to run, if one is asked for.
    pub fn ui(&mut self, ui: &mut Ui, orientation: Orientation) -> Option<Rebuild> {
        let mut rebuild = None;
        if self.pair.traces.is_some() {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut self.show_traces, true, "Traces")
                    .on_hover_text("Latency histograms, services and span names before and after");
                ui.selectable_value(&mut self.show_traces, false, "Flamegraph")
                    .on_hover_text("Span self time before and after as a differential flamegraph");
            });
        }
        let traces = self.pair.traces.clone().filter(|_| self.show_traces);
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("Base: {}  \u{2192}  New: {}", self.pair.before.name, self.pair.after.name));
            ui.separator();
            let mut normalize = self.pair.opts.normalize;
            let hover = if traces.is_some() {
                "Scale the new side's times by its number of traces over the base's, so both compare per trace"
            } else {
                "Scale the new profile so both totals are equal (pprof -normalize): compare shares, not amounts"
            };
            if ui.checkbox(&mut normalize, "Normalised").on_hover_text(hover).changed() {
                rebuild = Some(Rebuild { normalize, swap: false, labels: self.labels.clone() });
            }
            if ui.button("\u{21c4} Swap base and new").clicked() {
                rebuild =
                    Some(Rebuild { normalize: self.pair.opts.normalize, swap: true, labels: self.labels.clone() });
            }
            if traces.is_some() {
                if self.pending {
                    ui.spinner();
                }
                return;
            }
            let mut changed_only = self.model.mode == WidthMode::ChangedOnly;
            if ui
                .checkbox(&mut changed_only, "Changed only")
                .on_hover_text("Give room only to frames whose self weight changed")
                .changed()
            {
                self.set_mode(if changed_only { WidthMode::ChangedOnly } else { WidthMode::All });
            }
            if self.pending {
                ui.spinner();
                ui.label("Comparing…");
            }
            ui.separator();
            let label = ui.label("Search:");
            let search = ui
                .add(egui::TextEdit::singleline(&mut self.search_input).hint_text("function name").desired_width(180.0))
                .labelled_by(label.id);
            if search.changed() {
                let text = self.search_input.clone();
                self.set_search(&text);
            }
            if let Some(s) = self.search_share() {
                ui.label(s);
            }
            if !self.pair.labels.keys.is_empty() {
                ui.separator();
                let text = match self.labels.len() {
                    0 => "Labels".to_string(),
                    n => format!("Labels ({n} picked)"),
                };
                ui.toggle_value(&mut self.labels_open, text)
                    .on_hover_text("Show or hide the label filter panel (its shares are the new side's)");
            }
        });
        if let Some(t) = traces {
            super::traces::ui(ui, &mut self.traces, &t, &self.pair.before.name, &self.pair.after.name);
            return rebuild;
        }
        legend_ui(ui);
        if let Some(r) = self.labels_ui(ui) {
            rebuild = Some(r);
        }
        let path: Vec<(u32, String)> = self
            .pair
            .comparison
            .path_to(self.zoom)
            .into_iter()
            .map(|n| (n, self.pair.comparison.function_of(n).map_or("all".into(), |f| f.name.clone())))
            .collect();
        ui.horizontal_wrapped(|ui| {
            if ui.button("all").on_hover_text("Zoom out to the whole comparison").clicked() {
                self.zoom_to(0);
            }
            for (n, name) in &path {
                ui.label("›");
                if ui.button(name).clicked() {
                    self.zoom_to(*n);
                }
            }
        });
        if ui.input(|i| i.key_pressed(egui::Key::Escape)) && self.zoom != 0 {
            self.zoom_out();
        }
        let table_h = (ui.available_height() * 0.38).max(120.0);
        let flame_h = (ui.available_height() - table_h - 8.0).max(60.0);
        let actions = ui
            .allocate_ui(egui::vec2(ui.available_width(), flame_h), |ui| {
                let input = DiffFlameInput {
                    cmp: &self.pair.comparison,
                    model: &self.model,
                    metric: self.pair.after.profile.metric(self.pair.after_metric),
                    zoom: self.zoom,
                    view: self.view,
                    orientation,
                    selected: self.selected,
                    matches: &self.matches,
                };
                flame::ui(ui, &mut self.flame, &input)
            })
            .inner;
        for a in actions {
            self.apply_flame(a);
        }
        ui.separator();
        let m = self.pair.after.profile.metric(self.pair.after_metric).clone();
        let changed_only = self.model.mode == WidthMode::ChangedOnly;
        let actions = table::ui(ui, &mut self.table, &self.pair.comparison.table, &m, (self.selected, changed_only));
        for a in actions {
            self.apply_table(a);
        }
        rebuild
    }
}

/// What the colours mean: a gradient from the largest decrease through
/// unchanged to the largest increase.
pub fn legend_ui(ui: &mut Ui) {
    // Wrapped: one line of it set the window's least width (the flamegraph
    // and the table were cut off at 1024 px).
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        ui.label("Colour: change of each box's total against the largest change;");
        ui.label("less");
        for k in -4..=4 {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(16.0, 12.0), egui::Sense::hover());
            ui.painter().rect_filled(rect, 0.0, theme::diff_color(k as f32 / 4.0));
        }
        ui.label("more.");
        ui.label("Grey: unchanged. Width: before plus after, so vanished frames keep their box (outlined when only on one side).");
    })
    .response
    .on_hover_text("Blue: less time (or memory) after than before; red: more; the stronger the colour, the larger the change");
}
