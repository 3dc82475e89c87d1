//! Flamegraph SVG through inferno's `flamegraph::from_lines` (jonhoo/inferno),
//! fed the folded lines of [`super::folded`].

use std::io;
use std::path::Path;

use inferno::flamegraph::{self, Options};

use crate::model::calltree::SampleFilter;
use crate::model::{MetricId, Profile, Weight};

/// What [`write_svg`] had to leave out of the picture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SvgSummary {
    /// Stacks with a negative weight (diff profiles): a flamegraph's widths
    /// cannot be negative, so they are not drawn.
    pub negative_stacks: usize,
    /// Their summed weight (negative), in the metric's unit.
    pub negative_weight: Weight,
    /// Weight of the samples with an empty stack (pprof samples without
    /// locations, py-spy idle lines): the root's own weight, which an
    /// inferno flamegraph has no box for.
    pub no_stack_weight: Weight,
}

impl SvgSummary {
    /// A sentence for the user when something was left out, else empty.
    pub fn note(&self, profile: &Profile, metric: MetricId) -> String {
        let m = profile.metric(metric);
        let mut notes = Vec::new();
        if self.negative_stacks > 0 {
            notes.push(format!(
                "{} stack{} with negative weight ({} in all) left out: a flamegraph draws only positive weights",
                self.negative_stacks,
                if self.negative_stacks == 1 { "" } else { "s" },
                m.format(self.negative_weight)
            ));
        }
        if self.no_stack_weight != 0 {
            notes.push(format!(
                "samples with no stack ({}) left out: the SVG has no box for them (`firesight top` lists them)",
                m.format(self.no_stack_weight)
            ));
        }
        notes.join("; ")
    }
}

/// Writes a flamegraph SVG of `profile`'s `metric` to `out` (atomically),
/// titled `title`; stacks of negative weight are left out and counted in
/// the returned summary, as is the weight of samples with no stack. Errors: nothing to draw (no stack weighs more than
/// 0), a total beyond 2^64 - 1 (inferno counts in 64 bits and would
/// wrap), an inferno error, or an I/O error writing `out`.
pub fn write_svg(
    profile: &Profile,
    metric: MetricId,
    filter: &SampleFilter,
    title: &str,
    out: &Path,
) -> io::Result<SvgSummary> {
    let mut lines = super::folded::fold(profile, metric, filter);
    let mut summary = SvgSummary::default();
    lines.retain(|(stack, w)| {
        let w = *w;
        if stack.is_empty() {
            summary.no_stack_weight += w;
            return false;
        }
        if w < 0 {
            summary.negative_stacks += 1;
            summary.negative_weight += w;
        }
        w > 0
    });
    if lines.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "nothing to draw: no stack weighs more than 0 for this metric",
        ));
    }
    let total: Weight = lines.iter().map(|&(_, w)| w).sum();
    let m = profile.metric(metric);
    if u64::try_from(total).is_err() || usize::try_from(total).is_err() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the drawn total {} {} is beyond 2^64 - 1, which the SVG renderer (inferno) cannot count; \
                 `firesight fold` gives the exact stacks",
                m.format_exact(total),
                m.unit.name()
            ),
        ));
    }
    let text: Vec<String> = lines.iter().map(|(s, w)| format!("{s} {}", m.format_exact(*w))).collect();
    let mut opts = Options::default();
    opts.title = title.to_string();
    opts.count_name = format!("{} ({})", m.name, m.unit.name());
    super::write_atomically(out, |w| {
        flamegraph::from_lines(&mut opts, text.iter().map(String::as_str), w).map_err(io::Error::other)
    })?;
    Ok(summary)
}
