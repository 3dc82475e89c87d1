//! A deterministic text dump of a profile, for golden tests and `--dump`.
//!
//! The dump lists metrics with totals, then every stack path (root first,
//! frames joined by `;`) with its weights, sorted bytewise. Two profiles with
//! the same dump have the same trees for every metric.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::ids::{MetricId, StackId};
use super::profile::Profile;
use super::units::Weight;

/// The dump of `profile` (see the module docs).
pub fn dump(profile: &Profile) -> String {
    let mut out = String::new();
    for (i, m) in profile.metrics.iter().enumerate() {
        let t = profile.total(MetricId::from_index(i));
        let _ = writeln!(out, "metric {} [{}] total {}", m.name, m.unit.name(), m.format_exact(t));
    }
    let nm = profile.metrics.len();
    let mut stacks: BTreeMap<String, Vec<Weight>> = BTreeMap::new();
    let mut path = Vec::new();
    for i in 0..profile.samples.len() {
        let key = match profile.samples.stacks[i] {
            Some(s) => stack_string(profile, s, &mut path),
            None => String::new(),
        };
        let e = stacks.entry(key).or_insert_with(|| vec![0; nm]);
        for (m, w) in e.iter_mut().enumerate() {
            *w += profile.weight(i, MetricId::from_index(m));
        }
    }
    for (k, ws) in stacks {
        let ws: Vec<String> = ws.iter().enumerate().map(|(m, &w)| profile.metrics[m].format_exact(w)).collect();
        let _ = writeln!(out, "{k} {}", ws.join(" "));
    }
    out
}

/// Frame names of stack `s`, root first, joined by `;`.
pub fn stack_string(profile: &Profile, s: StackId, scratch: &mut Vec<super::FrameId>) -> String {
    profile.stacks.frames_root_first(s, scratch);
    let mut out = String::new();
    for (i, f) in scratch.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(profile.frames.name(*f));
    }
    out
}
