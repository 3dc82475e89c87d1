//! Linking open tabs: a trace file and a CPU profile whose samples carry
//! span labels (`firesight TRACE PROFILE`, or one opened after the other)
//! are joined as soon as both are open, and the app says so. Imports
//! `analysis`, `model` and the document type; no widgets.

use std::sync::Arc;

use crate::analysis::span_profile::span_label_key;
use crate::ui::document::Document;
use crate::ui::trace::span_profile::LinkedProfile;

/// Links every trace document without a link to the first profile
/// document whose span labels name some of its spans. Returns what to tell
/// the user: one note per link made, and one per profile with span labels
/// that names no span of an open trace file.
pub fn link_documents(docs: &mut [Document]) -> Vec<String> {
    let mut notes = Vec::new();
    let profiles: Vec<usize> =
        (0..docs.len()).filter(|&i| docs[i].traces.is_none() && span_label_key(&docs[i].profile).is_some()).collect();
    if profiles.is_empty() {
        return notes;
    }
    for t in 0..docs.len() {
        let Some(tab) = docs[t].traces.as_ref() else { continue };
        if tab.view.linked().is_some() {
            continue;
        }
        let set = Arc::clone(&tab.set);
        for &p in &profiles {
            let title = docs[p].title.clone();
            let Some(linked) = LinkedProfile::new(title.clone(), Arc::clone(&docs[p].profile), &set) else { continue };
            let with = linked.link.spans_with_samples();
            if with == 0 {
                notes.push(format!(
                    "{title} carries {} labels, but none names a span of {}: not linked.",
                    linked.link.key, docs[t].title
                ));
                continue;
            }
            notes.push(format!(
                "Linked {} with {title}: {with} of {} spans carry CPU samples ({} labels). Select a span to see \
                 the flamegraph of its samples.",
                docs[t].title,
                set.span_count(),
                linked.link.key
            ));
            if let Some(tab) = docs[t].traces.as_mut() {
                tab.view.link(&set, Some(Arc::new(linked)));
            }
            break;
        }
    }
    notes
}
