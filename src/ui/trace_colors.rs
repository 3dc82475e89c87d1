//! Colours of the trace views: one colour per service, the same in the
//! waterfall, the service table and the critical-path list, and the error red.
//!
//! Services get the colours of a 12-colour qualitative palette (Jaeger UI's
//! and Tableau's idea) in the sorted order of the set's service names, so the
//! five services of a typical request never share a colour; past twelve, a
//! hash of the name picks a hue. Imports `model` only.

use std::collections::HashMap;
use std::sync::Arc;

use egui::Color32;
use egui::ecolor::Hsva;

use crate::model::trace::TraceSet;

/// Fill and outline of error spans and error counts.
pub const ERROR: Color32 = Color32::from_rgb(0xd6, 0x27, 0x28);

/// A light qualitative palette: dark text stays readable on every colour.
const PALETTE: [Color32; 12] = [
    Color32::from_rgb(0x6b, 0xae, 0xd6),
    Color32::from_rgb(0xfd, 0xae, 0x6b),
    Color32::from_rgb(0x74, 0xc4, 0x76),
    Color32::from_rgb(0xbc, 0xa4, 0xda),
    Color32::from_rgb(0xf7, 0xd0, 0x5e),
    Color32::from_rgb(0x9e, 0xda, 0xe5),
    Color32::from_rgb(0xf2, 0x9c, 0xc4),
    Color32::from_rgb(0xc4, 0x9c, 0x94),
    Color32::from_rgb(0xbc, 0xbd, 0x22),
    Color32::from_rgb(0x9a, 0xd0, 0xb0),
    Color32::from_rgb(0xc7, 0xc7, 0xc7),
    Color32::from_rgb(0xe7, 0x96, 0x9c),
];

/// The colour of each service of a trace set.
#[derive(Clone, Debug, Default)]
pub struct ServiceColors {
    by_name: HashMap<Arc<str>, Color32>,
}

impl ServiceColors {
    /// Assigns palette colours to the services of `set` in name order.
    pub fn new(set: &TraceSet) -> Self {
        // Loaders share one `Arc` per service name: distinct pointers first
        // (one hash a span), then the few names sorted, instead of sorting
        // a reference per span (a second for 1 000 000 spans).
        let mut seen = rustc_hash::FxHashSet::default();
        let mut names: Vec<&Arc<str>> = set
            .traces
            .iter()
            .flat_map(|t| t.spans.iter().map(|s| &s.service))
            .filter(|n| seen.insert(Arc::as_ptr(n).cast::<u8>() as usize))
            .collect();
        names.sort_unstable();
        names.dedup();
        let by_name = names
            .into_iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), PALETTE.get(i).copied().unwrap_or_else(|| hashed(n))))
            .collect();
        Self { by_name }
    }

    /// The colour of `service` (a hashed hue for a name not in the set).
    pub fn get(&self, service: &str) -> Color32 {
        self.by_name.get(service).copied().unwrap_or_else(|| hashed(service))
    }
}

fn hashed(name: &str) -> Color32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let hue = (h % 360) as f32 / 360.0;
    Color32::from(Hsva::new(hue, 0.45, 0.9, 1.0))
}
