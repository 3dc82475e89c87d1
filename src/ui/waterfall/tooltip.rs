//! The hover card of a span: name, service, kind, timing, status,
//! attributes, events and links. Long lists are cut with a count of the rest.

use egui::{Grid, RichText, Ui};

use crate::model::trace::{Attribute, Span, StatusCode, Trace};
use crate::model::units::format_duration_ns;
use crate::ui::trace_colors::ERROR;

const MAX_ATTRS: usize = 24;
const MAX_EVENTS: usize = 12;

/// Fills a hover card for span `i` of `trace`, with its self time `self_ns`.
pub fn span_card(ui: &mut Ui, trace: &Trace, i: usize, self_ns: u64) {
    let Some(s) = trace.spans.get(i) else { return };
    let t0 = trace.start_ns();
    ui.set_max_width(520.0);
    ui.label(RichText::new(&*s.name).strong());
    ui.label(format!("{} · {}", s.service, s.kind.name()));
    Grid::new("span_card_timing").num_columns(2).show(ui, |ui| {
        row(ui, "duration", &format_duration_ns(s.duration_ns() as f64));
        row(ui, "self time", &format_duration_ns(self_ns as f64));
        row(ui, "starts at", &format!("+{}", format_duration_ns(s.start_ns.saturating_sub(t0) as f64)));
        row(ui, "span id", &s.id.to_string());
    });
    status(ui, s);
    if s.parent_loop {
        let parent = s.parent_id.map(|p| p.to_string()).unwrap_or_default();
        ui.colored_label(
            egui::Color32::from_rgb(200, 130, 0),
            format!("parent loop: its parent {parent} leads back to it; that link is cut here"),
        );
    } else if s.parent_missing {
        ui.colored_label(egui::Color32::from_rgb(200, 130, 0), "parent missing: the parent span is not in the file");
    }
    if s.clock_skew {
        ui.colored_label(
            egui::Color32::from_rgb(200, 130, 0),
            "clock skew: starts before its parent, which cannot be (the two hosts' clocks differ)",
        );
    } else if s.ends_after_parent && !s.parent_missing {
        let late = s.end_ns.saturating_sub(trace.spans[s.parent.unwrap_or(0) as usize].end_ns);
        ui.label(format!(
            "asynchronous: ends {} after its parent, which did not wait for it",
            format_duration_ns(late as f64)
        ));
    }
    attrs(ui, "Attributes", "span_card_attrs", &s.attributes);
    events(ui, s, t0);
    if !s.links.is_empty() {
        ui.separator();
        ui.label(RichText::new(format!("Links ({})", s.links.len())).strong());
        for l in s.links.iter().take(MAX_EVENTS) {
            ui.label(format!("{:?} -> trace {} span {}", l.kind, l.trace_id, l.span_id));
        }
    }
    if !s.resource.is_empty() {
        attrs(ui, "Resource", "span_card_resource", &s.resource);
    }
}

fn row(ui: &mut Ui, key: &str, value: &str) {
    ui.label(RichText::new(key).weak());
    ui.label(value);
    ui.end_row();
}

fn status(ui: &mut Ui, s: &Span) {
    match s.status.code {
        StatusCode::Error => {
            let msg =
                if s.status.message.is_empty() { "error".to_string() } else { format!("error: {}", s.status.message) };
            ui.label(RichText::new(msg).color(ERROR).strong());
        }
        StatusCode::Ok => {
            ui.label("status: ok");
        }
        StatusCode::Unset => {}
    }
}

fn attrs(ui: &mut Ui, title: &str, id: &str, list: &[Attribute]) {
    if list.is_empty() {
        return;
    }
    ui.separator();
    ui.label(RichText::new(format!("{title} ({})", list.len())).strong());
    Grid::new(id).num_columns(2).show(ui, |ui| {
        for a in list.iter().take(MAX_ATTRS) {
            let mut v = a.value.to_string();
            if v.len() > 200 {
                let cut = (0..=200).rev().find(|&k| v.is_char_boundary(k)).unwrap_or(0);
                v.truncate(cut);
                v.push('…');
            }
            row(ui, &a.key, &v);
        }
    });
    if list.len() > MAX_ATTRS {
        ui.label(RichText::new(format!("… {} more", list.len() - MAX_ATTRS)).weak());
    }
}

fn events(ui: &mut Ui, s: &Span, t0: u64) {
    if s.events.is_empty() {
        return;
    }
    ui.separator();
    ui.label(RichText::new(format!("Events ({})", s.events.len())).strong());
    for e in s.events.iter().take(MAX_EVENTS) {
        let at = format_duration_ns(e.time_ns.saturating_sub(t0) as f64);
        let name = if e.name.is_empty() { "(log)" } else { e.name.as_str() };
        ui.label(format!("+{at}  {name}"));
        for a in e.attributes.iter().take(6) {
            let mut v = a.value.to_string();
            if v.len() > 160 {
                let cut = (0..=160).rev().find(|&k| v.is_char_boundary(k)).unwrap_or(0);
                v.truncate(cut);
                v.push('…');
            }
            ui.label(RichText::new(format!("    {} = {v}", a.key)).small());
        }
    }
    if s.events.len() > MAX_EVENTS {
        ui.label(RichText::new(format!("… {} more", s.events.len() - MAX_EVENTS)).weak());
    }
}
