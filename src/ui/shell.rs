//! The window's frame around the documents: menu bar, tab strip, loading
//! rows, messages, status bar, warnings list, drop overlay.
//!
//! Each function draws one part from plain values and returns [`Command`]s;
//! `app.rs` gathers the values and applies the commands.

use std::path::PathBuf;

use egui::{Align2, Color32, Id, Key, KeyboardShortcut, Modifiers, Ui};

use crate::analysis::sample_count::SampleCount;
use crate::model::{FrameKind, MetricId, Profile};
use crate::ui::command::Command;
use crate::ui::settings::{Orientation, Settings, ThemeChoice};

/// Ctrl+O (Cmd+O on macOS): open a file.
pub const OPEN: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
/// Ctrl+W: close the tab.
pub const CLOSE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::W);
/// Ctrl+F: search.
pub const FIND: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::F);
/// Ctrl+Tab: next tab.
pub const NEXT_TAB: KeyboardShortcut = KeyboardShortcut::new(Modifiers::CTRL, Key::Tab);

/// A load in progress, as the loading row shows it.
#[derive(Clone, Debug)]
pub struct LoadingRow {
    /// File name.
    pub name: String,
    /// Bytes read so far.
    pub read: u64,
    /// Size in bytes (0 when unknown).
    pub total: u64,
    /// Bytes decompressed so far (0 for input that is not gzipped).
    pub decompressed: u64,
}

/// A message above the document: a note (a cancelled load), or the outcome
/// of the file dialog or an export. A failed load has a tab of its own.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// The text.
    pub text: String,
    /// Errors (no file dialog, a failed export) are red; notes are plain.
    pub is_error: bool,
    /// It says the file dialog could not be shown: it goes once a file opens.
    pub about_dialog: bool,
}

/// What the menu bar needs to know.
pub struct MenuInput<'a> {
    /// Persisted settings (recent files, theme, orientation).
    pub settings: &'a Settings,
    /// The active document's profile and metric, when there is one.
    pub metrics: Option<(&'a Profile, MetricId)>,
    /// Whether a tab is open.
    pub has_tab: bool,
    /// Whether the active tab shows a document (a failed load has nothing to export).
    pub has_document: bool,
}

/// The menu bar: File and View.
pub fn menu_bar_ui(ui: &mut Ui, input: &MenuInput<'_>) -> Vec<Command> {
    let mut commands = Vec::new();
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            let open = egui::Button::new("Open…").shortcut_text(ui.ctx().format_shortcut(&OPEN));
            if ui.add(open).clicked() {
                commands.push(Command::OpenDialog);
            }
            let typed = ui.button("Type a path…").on_hover_text(
                "Open a file by its path, without the file dialog (also for when the dialog cannot be shown)",
            );
            if typed.clicked() {
                commands.push(Command::TypePath);
            }
            ui.add_enabled_ui(!input.settings.recent.is_empty(), |ui| {
                ui.menu_button("Open recent", |ui| recent_ui(ui, &input.settings.recent, &mut commands));
            });
            ui.separator();
            let compare = ui.button("Compare…").on_hover_text(
                "Pick the base (before), then the new file; pick three or more heap snapshots for a series",
            );
            if compare.clicked() {
                commands.push(Command::CompareDialog);
            }
            let with = ui
                .add_enabled(input.has_document, egui::Button::new("Compare with…"))
                .on_hover_text("Compare this tab (the base) with another file; or drop a file on it with Shift held");
            if with.clicked() {
                commands.push(Command::CompareWith(Vec::new()));
            }
            ui.separator();
            if ui.add_enabled(input.has_document, egui::Button::new("Export folded…")).clicked() {
                commands.push(Command::ExportFolded);
            }
            if ui.add_enabled(input.has_document, egui::Button::new("Export SVG…")).clicked() {
                commands.push(Command::ExportSvg);
            }
            ui.separator();
            let close = egui::Button::new("Close tab").shortcut_text(ui.ctx().format_shortcut(&CLOSE));
            if ui.add_enabled(input.has_tab, close).clicked() {
                commands.push(Command::CloseTab(usize::MAX));
            }
            if ui.button("Quit").clicked() {
                commands.push(Command::Quit);
            }
        });
        ui.menu_button("View", |ui| {
            ui.label("Theme");
            for t in ThemeChoice::ALL {
                if ui.radio(input.settings.theme == t, t.label()).clicked() {
                    commands.push(Command::SetTheme(t));
                }
            }
            ui.separator();
            ui.label("Flamegraph");
            for o in [Orientation::Icicle, Orientation::Flame] {
                if ui.radio(input.settings.orientation == o, o.label()).clicked() {
                    commands.push(Command::SetOrientation(o));
                }
            }
            ui.separator();
            if ui.button("Source folders…").on_hover_text("Where the source view looks for source files").clicked() {
                commands.push(Command::EditSourceFolders);
            }
            if let Some((profile, current)) = input.metrics {
                ui.separator();
                ui.label("Metric");
                for (i, m) in profile.metrics.iter().enumerate() {
                    let id = MetricId::from_index(i);
                    if ui.radio(current == id, format!("{} ({})", m.name, m.unit.name())).clicked() {
                        commands.push(Command::SetMetric(id));
                    }
                }
            }
        });
    });
    commands
}

fn recent_ui(ui: &mut Ui, recent: &[PathBuf], commands: &mut Vec<Command>) {
    for p in recent {
        if ui.button(p.display().to_string()).clicked() {
            commands.push(Command::Open(p.clone()));
        }
    }
}

/// The tab strip: one selectable tab per document, each with a close button.
pub fn tabs_ui(ui: &mut Ui, titles: &[String], active: usize) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.horizontal_wrapped(|ui| {
        for (i, title) in titles.iter().enumerate() {
            let r = ui.selectable_label(i == active, title).on_hover_text("Ctrl+Tab: next tab");
            if r.clicked() {
                commands.push(Command::SelectTab(i));
            }
            r.context_menu(|ui| {
                if ui.button("Compare with…").clicked() {
                    commands.push(Command::SelectTab(i));
                    commands.push(Command::CompareWith(Vec::new()));
                }
            });
            if ui.small_button("×").on_hover_text(format!("Close {title}")).clicked() {
                commands.push(Command::CloseTab(i));
            }
            ui.separator();
        }
    });
    commands
}

/// One row per running load: name, progress bar with bytes, Cancel.
pub fn loading_ui(ui: &mut Ui, rows: &[LoadingRow]) -> Vec<Command> {
    let mut commands = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("Loading {}", row.name));
            let bytes = crate::model::units::format_bytes(row.read as f64);
            let text = if row.total > 0 && row.read >= row.total {
                // Every byte is read; what remains is the model and the call tree.
                "read; building the call tree…".to_string()
            } else if row.total > 0 {
                format!("{bytes} of {}", crate::model::units::format_bytes(row.total as f64))
            } else {
                bytes
            };
            let text = if row.decompressed > 0 {
                format!("{text} · {} decompressed", crate::model::units::format_bytes(row.decompressed as f64))
            } else {
                text
            };
            let fraction = if row.total > 0 { (row.read as f64 / row.total as f64).min(1.0) as f32 } else { 0.0 };
            ui.add(egui::ProgressBar::new(fraction).text(text).desired_width(320.0));
            if ui.button("Cancel").on_hover_text(format!("Stop loading {}", row.name)).clicked() {
                commands.push(Command::CancelLoad(i));
            }
        });
    }
    commands
}

/// Notes and errors that belong to no tab, each with a Dismiss button.
pub fn messages_ui(ui: &mut Ui, messages: &[Message]) -> Vec<Command> {
    let mut commands = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let fill = if m.is_error { Color32::from_rgb(0x7a, 0x1c, 0x1c) } else { ui.visuals().faint_bg_color };
        egui::Frame::new().fill(fill).inner_margin(6.0).corner_radius(4.0).show(ui, |ui| {
            ui.horizontal(|ui| {
                if ui.button("Dismiss").clicked() {
                    commands.push(Command::DismissMessage(i));
                }
                let text = egui::RichText::new(&m.text);
                // Long errors wrap instead of widening the view under them.
                ui.add(egui::Label::new(if m.is_error { text.color(Color32::WHITE) } else { text }).wrap());
            });
        });
    }
    commands
}

/// What the status bar shows about the active document.
pub struct StatusInput<'a> {
    /// Format name.
    pub format: &'a str,
    /// Metric name.
    pub metric: &'a str,
    /// The metric's total over the samples the view counts, in its unit.
    pub total: String,
    /// The metric's total over every sample, when a filter drops some.
    pub whole: Option<String>,
    /// The samples the view counts, of those with weight in the metric.
    pub samples: SampleCount,
    /// What a sample is called in the format, plural ([`record_word`]).
    pub records: &'a str,
    /// Warnings in all (may exceed those kept).
    pub warnings: u64,
    /// A note on the right (the bundled sample's origin), if any.
    pub note: Option<&'a str>,
    /// The frame kinds of the profile, for the colour key (shown when
    /// there is more than user code).
    pub kinds: &'a [FrameKind],
    /// A diff profile: the flamegraph is coloured by the change, and the
    /// key says so instead of naming frame kinds.
    pub diff: bool,
}

/// The status bar: format, metric total, samples, warnings button.
pub fn status_ui(ui: &mut Ui, input: &StatusInput<'_>) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.horizontal(|ui| {
        ui.label(format!("Format: {}", input.format));
        ui.separator();
        match &input.whole {
            Some(whole) => ui.label(format!("{}: {} of {whole}", input.metric, input.total)),
            None => ui.label(format!("{}: {} total", input.metric, input.total)),
        };
        ui.separator();
        samples_ui(ui, input);
        ui.separator();
        let text = match input.warnings {
            // Information, not a disabled button: it reads as plain text.
            0 => {
                ui.label("No warnings");
                String::new()
            }
            1 => "⚠ 1 warning".to_string(),
            n => format!("⚠ {} warnings", crate::model::units::format_int(n)),
        };
        if !text.is_empty() && ui.button(text).on_hover_text("Show the load warnings").clicked() {
            commands.push(Command::ShowWarnings(true));
        }
        if input.diff {
            ui.separator();
            diff_key_ui(ui);
        } else if input.kinds.iter().any(|&k| k != FrameKind::User) {
            ui.separator();
            colour_key_ui(ui, input.kinds);
        }
        if let Some(note) = input.note {
            ui.separator();
            ui.label(note);
        }
    });
    commands
}

/// The flamegraph's colour key: a swatch and a word per frame kind.
fn colour_key_ui(ui: &mut Ui, kinds: &[FrameKind]) {
    let hover = "Flamegraph colours: user code in warm shades picked by function name; kernel frames blue, \
                 JIT-compiled frames green, inlined frames violet, frames with no symbol grey";
    let key = ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        ui.label("Colours:");
        for &k in kinds {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
            ui.painter().rect_filled(rect, 2.0, crate::ui::theme::kind_color(k));
            ui.label(crate::ui::theme::kind_label(k));
        }
    });
    key.response.on_hover_text(hover);
}

/// The colour key of a diff profile's flamegraph: red grew, blue shrank.
fn diff_key_ui(ui: &mut Ui) {
    use crate::ui::theme::{DIFF_LESS, DIFF_MORE, DIFF_SAME};
    let hover = "Diff flamegraph colours: by the sign of each box's net change; the stronger the colour, the larger \
                 the change against the box's increases plus decreases";
    let key = ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        ui.label("Colours:");
        for (colour, word) in [(DIFF_MORE, "grew"), (DIFF_LESS, "shrank"), (DIFF_SAME, "about the same")] {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
            ui.painter().rect_filled(rect, 2.0, colour);
            ui.label(word);
        }
    });
    key.response.on_hover_text(hover);
}

/// What one sample of `format` is, plural: folded files have stack lines
/// (each with a count), trace projections have spans, the rest samples.
pub fn record_word(format: &str) -> &'static str {
    match format {
        "folded" => "stack lines",
        f if f.starts_with("OTLP") || f.starts_with("Jaeger") => "spans",
        _ => "samples",
    }
}

/// "12,345 of 915,426 samples" when a filter drops some, "7 of 86 samples
/// carry inuse_space" when the metric leaves some at 0, else "915,426
/// samples".
fn samples_ui(ui: &mut Ui, input: &StatusInput<'_>) {
    let c = &input.samples;
    let n = |v: u64| crate::model::units::format_int(v);
    let text = if c.is_filtered() {
        format!("{} of {} {}", n(c.kept), n(c.in_metric), input.records)
    } else if c.in_metric < c.in_profile {
        // A heap profile's freed allocations weigh 0 in inuse_space.
        format!("{} of {} {} carry {}", n(c.kept), n(c.in_profile), input.records, input.metric)
    } else {
        format!("{} {}", n(c.kept), input.records)
    };
    let hover = format!(
        "Counted by this view (weight in the metric, kept by the filter): {}\nWith weight in the metric: {}\nIn the file: {}",
        n(c.kept),
        n(c.in_metric),
        n(c.in_profile),
    );
    ui.label(text).on_hover_text(hover);
}

/// The warnings window.
pub fn warnings_ui(ctx: &egui::Context, open: bool, profile: &Profile) -> Vec<Command> {
    let mut commands = Vec::new();
    let mut still_open = open;
    egui::Window::new("Warnings").open(&mut still_open).default_width(600.0).show(ctx, |ui| {
        let shown = profile.warnings.len() as u64;
        if profile.warnings_total > shown {
            ui.label(format!("{} warnings; the first {shown} are listed.", profile.warnings_total));
        }
        egui::ScrollArea::vertical().max_height(400.0).show(ui, |ui| {
            for w in &profile.warnings {
                let at = match (w.line, w.offset) {
                    (Some(l), _) => format!("line {l}: "),
                    (None, Some(o)) => format!("byte {o}: "),
                    (None, None) => String::new(),
                };
                ui.label(format!("{at}{}", w.message));
            }
        });
    });
    if !still_open {
        commands.push(Command::ShowWarnings(false));
    }
    commands
}

/// While files hover over the window: a dimmed overlay saying what a drop does.
pub fn drop_overlay_ui(ctx: &egui::Context, hovered: &[String]) {
    if hovered.is_empty() {
        return;
    }
    let painter = ctx.layer_painter(egui::LayerId::new(egui::Order::Foreground, Id::unique("drop_overlay")));
    let rect = ctx.content_rect();
    painter.rect_filled(rect, 0.0, Color32::from_black_alpha(190));
    let text = match hovered {
        [one] => format!("Drop to open {one} in a new tab"),
        many => format!("Drop to open {} files, each in a new tab", many.len()),
    };
    painter.text(rect.center(), Align2::CENTER_CENTER, text, egui::FontId::proportional(28.0), Color32::WHITE);
}
