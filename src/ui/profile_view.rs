//! The view of one open profile: toolbar (breadcrumb, search with its share,
//! metric switcher), the label filter panel on the left when the profile has
//! labels, the flamegraph, and the hot-function table below it.
//!
//! Changes only the widget state it owns (flamegraph scroll, table sort and
//! filter, the search box text); everything else goes out as [`Command`]s.

use egui::{Id, Ui};

use crate::model::MetricId;
use crate::ui::command::Command;
use crate::ui::document::Document;
use crate::ui::profile::source_view;
use crate::ui::settings::Orientation;
use crate::ui::{flamegraph, hot_table, label_panel};

/// Id of the search box (Ctrl+F focuses it).
pub fn search_id() -> Id {
    Id::unique("firesight_search")
}

/// Shows `doc` in `ui`. `focus_search` moves keyboard focus to the search box.
pub fn ui(ui: &mut Ui, doc: &mut Document, orientation: Orientation, focus_search: bool) -> Vec<Command> {
    let mut commands = Vec::new();
    crate::ui::profile::poll(doc, ui.ctx());
    if doc.bundled {
        ui.label(
            "This is a bundled sample profile. Open your own with Ctrl+O (File, Open…) or drop a file on this window.",
        );
    }
    if doc.tree.signed {
        ui.label(format!(
            "A diff profile (some samples weigh less than 0): each box is as wide as the increases plus the \
             decreases under it; red grew, blue shrank, grey about the same. Shares are of {}.",
            doc.tree.share_of.name()
        ));
    }
    ui.horizontal(|ui| {
        let r = ui.add(
            egui::TextEdit::singleline(&mut doc.flame_search_input)
                .id(search_id())
                .hint_text("Search functions (Ctrl+F)")
                .desired_width(240.0),
        );
        if focus_search {
            r.request_focus();
        }
        if r.changed() {
            commands.push(Command::Search(doc.flame_search_input.clone()));
        }
        if let Some(share) = doc.search_share() {
            ui.strong(share);
        }
        if doc.profile.metrics.len() > 1 {
            ui.separator();
            let current = doc.metric().name.clone();
            let label = ui.label("Metric:");
            egui::ComboBox::from_id_salt("metric_switch")
                .selected_text(current)
                .show_ui(ui, |ui| {
                    for (i, m) in doc.profile.metrics.iter().enumerate() {
                        let id = MetricId::from_index(i);
                        let text = format!("{} ({})", m.name, m.unit.name());
                        if ui.selectable_label(id == doc.metric, text).clicked() && id != doc.metric {
                            commands.push(Command::SetMetric(id));
                        }
                    }
                })
                .response
                .labelled_by(label.id);
            if doc.pending_metric.is_some() {
                ui.spinner();
            }
        }
        if doc.waits.has_table() {
            ui.separator();
            ui.toggle_value(&mut doc.waits_open, doc.waits.title())
                .on_hover_text("Show or hide the table of system calls or lock waits");
        }
        if !doc.labels.keys.is_empty() {
            ui.separator();
            let text = match doc.picked_labels().len() {
                0 => "Labels".to_string(),
                n => format!("Labels ({n} picked)"),
            };
            ui.toggle_value(&mut doc.labels_open, text).on_hover_text("Show or hide the label filter panel");
        }
        ui.separator();
        ui.toggle_value(&mut doc.insights.open, "Insights")
            .on_hover_text("Red flags, green flags and information: the reading rules computed for these samples");
    });
    if let Some(tl) = doc.timeline.clone() {
        commands.extend(crate::ui::profile::timeline::ui(ui, &mut doc.timeline_state, &tl, &doc.filter));
    }
    if doc.insights.open {
        let panel = egui::Panel::right("insights_panel").resizable(true).default_size(360.0).min_size(220.0);
        panel.show(ui, |ui| commands.extend(crate::ui::profile::insights_panel::ui(ui, doc)));
    }
    if doc.waits_open && doc.waits.has_table() {
        egui::Panel::top("waits_panel")
            .resizable(true)
            .default_size(280.0)
            .show(ui, |ui| crate::ui::profile::waits::ui(ui, &doc.waits));
    }
    if doc.labels_open && !doc.labels.keys.is_empty() {
        let panel = egui::Panel::left("label_panel").resizable(true).default_size(300.0).min_size(180.0);
        // The sort is widget state; the rest of the document is read only.
        let mut sort = doc.label_sort;
        let picked = doc.picked_labels();
        panel.show(ui, |ui| {
            let input = label_panel::LabelPanelInput {
                shares: &doc.labels,
                metric: doc.profile.metric(doc.metric),
                picked: &picked,
                pending: doc.pending_labels.is_some(),
                whose: None,
            };
            commands.extend(label_panel::ui(ui, &mut sort, &input));
        });
        doc.label_sort = sort;
    }
    if let Some(empty) = empty_text(doc) {
        empty_ui(ui, &empty, !doc.filter.labels.is_empty() || !doc.filter.without_labels.is_empty(), &mut commands);
        return commands;
    }
    commands.extend(crate::ui::profile::chips_ui(ui, &doc.drill));
    // Heap size over time, for profiles that have it (massif).
    crate::ui::profile::heap_chart::ui(ui, &doc.profile);
    let path = doc.zoom_path();
    commands.extend(flamegraph::breadcrumb_ui(ui, &path));
    // The table never takes more than 60% of what is left (in a small
    // window the flamegraph kept 8 px): its size range follows the space.
    // At least its tabs, header and two rows (less and they were drawn
    // under the flamegraph).
    let room = ui.available_height();
    let max = (room * 0.6).max(110.0);
    let table_panel = egui::Panel::bottom("hot_table_panel")
        .resizable(true)
        .default_size(260.0_f32.min(room * 0.45).max(110.0))
        .size_range(110.0..=max);
    table_panel.show(ui, |ui| {
        // The panel takes its content's height when that is less (a
        // spinner while the inverted tree builds shrank it to its least).
        ui.set_min_height(ui.max_rect().height());
        crate::ui::profile::bottom_tabs_ui(ui, &mut doc.drill);
        if let Some(c) = drill_table_ui(ui, doc) {
            commands.extend(c);
            return;
        }
        let input = hot_table::TableInput {
            profile: &doc.profile,
            functions: &doc.functions,
            metric: doc.profile.metric(doc.metric),
            metric_id: doc.metric,
            no_stack: doc.tree.node(doc.tree.root()).self_weight,
            selected: doc.selected,
            memory: doc.memory.as_deref(),
        };
        commands.extend(hot_table::ui(ui, &mut doc.table, &input));
    });
    if doc.source.open {
        let panel = egui::Panel::right("source_panel").resizable(true).default_size(520.0).min_size(260.0);
        let input = source_view::SourceInput {
            selected: doc.selected,
            metric: doc.profile.metric(doc.metric),
            metric_id: doc.metric,
            tree_key: std::sync::Arc::as_ptr(&doc.tree) as usize,
        };
        panel.show(ui, |ui| commands.extend(source_view::ui(ui, &mut doc.source, &input)));
    }
    let matches = (!doc.search.matches.is_empty()).then_some(doc.search.matches.as_slice());
    let input = flamegraph::FlameInput {
        profile: &doc.profile,
        tree: &doc.tree,
        metric: doc.profile.metric(doc.metric),
        zoom: doc.zoom,
        view: doc.view,
        orientation,
        selected: doc.selected,
        matches,
        unfiltered_total: doc.samples.is_filtered().then_some(doc.samples.metric_total),
    };
    if let Some(s) = doc.drill.sandwich.as_mut() {
        let metric = doc.profile.metric(doc.metric);
        commands.extend(crate::ui::profile::sandwich::ui(ui, s, metric, doc.selected, matches));
        return commands;
    }
    commands.extend(flamegraph::ui(ui, &mut doc.flame, &input));
    commands
}

/// The call-tree or inverted-tree table when its tab is picked; `None` for
/// the hot table.
fn drill_table_ui(ui: &mut Ui, doc: &mut Document) -> Option<Vec<Command>> {
    use crate::ui::profile::{BottomTab, tree_table};
    let metric = doc.profile.metric(doc.metric);
    match doc.drill.tab {
        BottomTab::Functions => None,
        BottomTab::CallTree => {
            let input = tree_table::TreeTableInput { profile: &doc.profile, tree: &doc.tree, metric };
            Some(tree_table::ui(ui, &mut doc.drill.tree_table, &input))
        }
        BottomTab::Inverted => match &doc.drill.inverted {
            Some((tree, beside)) if std::sync::Arc::ptr_eq(beside, &doc.tree) => {
                let input = tree_table::TreeTableInput { profile: &doc.profile, tree, metric };
                Some(tree_table::ui(ui, &mut doc.drill.inverted_table, &input))
            }
            _ => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Building the inverted tree…");
                });
                Some(Vec::new())
            }
        },
    }
}

/// What to say instead of a flamegraph with nothing to draw: the file has
/// no sample, none carries the metric, or the label filter keeps none.
/// `None` when there is something to draw.
pub fn empty_text(doc: &Document) -> Option<String> {
    let c = &doc.samples;
    if c.kept > 0 || doc.pending_labels.is_some() || doc.pending_metric.is_some() {
        return None;
    }
    let metric = &doc.metric().name;
    let file = &doc.title;
    let picks = crate::analysis::labels::picks_of(&doc.filter);
    Some(if doc.filter.time_range_ns.is_some() || !doc.filter.threads.is_empty() {
        format!(
            "No sample of {metric} in the selected time range and threads. Drag another range on the timeline, \
             or double-click it to see the whole profile."
        )
    } else if c.in_profile == 0 {
        format!(
            "{file} holds no samples, so there is no {metric} to show (a mutex or block profile of a process \
             that never waited, or a profile stopped before its first sample)."
        )
    } else if !picks.is_empty() && c.in_metric > 0 {
        let why = crate::analysis::labels::empty_filter_text(&picks, c.matching, metric);
        let mut chars = why.chars();
        let first: String = chars.next().map(|f| f.to_uppercase().collect()).unwrap_or_default();
        format!("{first}{}. Pick other values in the label panel, or clear the filter.", chars.as_str())
    } else {
        let other = if doc.profile.metrics.len() > 1 { " Pick another metric above." } else { "" };
        format!(
            "None of the {} samples of {file} carries {metric}: each weighs 0 in it.{other}",
            crate::model::units::format_count(c.in_profile as f64)
        )
    })
}

/// The empty state: the reason, centred where the flamegraph would be,
/// with a button that clears the label filter when it is the cause.
fn empty_ui(ui: &mut Ui, text: &str, filtered: bool, commands: &mut Vec<Command>) {
    ui.add_space(ui.available_height() * 0.3);
    ui.vertical_centered(|ui| {
        ui.add(egui::Label::new(egui::RichText::new(text).size(16.0)).wrap());
        if filtered && ui.button("Clear the label filter").clicked() {
            commands.push(Command::ClearLabels);
        }
    });
}
