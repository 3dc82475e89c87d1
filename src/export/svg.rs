//! Flamegraph SVG through inferno's `flamegraph::from_lines` (jonhoo/inferno),
//! fed the folded lines of [`super::folded`].
//!
//! A diff profile (some kept sample weighs less than 0: `go tool pprof
//! -diff_base`) becomes a differential flamegraph, drawn as the window draws
//! it: each stack as wide as its increases plus its decreases (the sum of
//! its samples' absolute weights, as pprof's web UI lays diffs out), red
//! where the stack's own weight grew, blue where it shrank. inferno's
//! differential input (`stack before after`: width `after`, colour `after -
//! before`) carries exactly that with `after = up + down` and `before = 2 *
//! down`.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use inferno::flamegraph::{self, Options};

use crate::model::calltree::SampleFilter;
use crate::model::{MetricId, Profile, StackId, Unit, Weight};

/// What [`write_svg`] had to leave out of the picture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SvgSummary {
    /// Stacks with a negative weight (diff profiles): a flamegraph's widths
    /// cannot be negative, so they are not drawn.
    pub negative_stacks: usize,
    /// Their summed weight (negative), in the metric's unit.
    pub negative_weight: Weight,
    /// True when the profile has negative weights and was drawn as a
    /// differential flamegraph (nothing left out for its sign).
    pub differential: bool,
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

/// Most folded text [`write_svg`] hands the SVG renderer: 256 MiB.
/// inferno takes the lines as strings and keeps them all until the picture
/// is written, and the folded text of deep stacks grows with the square of
/// their depth (a trace whose 20 000 spans form one chain has 2.4 GB of it),
/// so the size is measured from the prefix tree first and a larger picture
/// is refused instead of exhausting memory.
pub const MAX_SVG_FOLDED_BYTES: u64 = 256 << 20;

/// Writes a flamegraph SVG of `profile`'s `metric` to `out` (atomically),
/// titled `title`; a diff profile (some kept sample weighs less than 0)
/// as a differential flamegraph (see the module docs). The weight of
/// samples with no stack, which has no box, is counted in the returned
/// summary. Errors: nothing to draw (no stack weighs more than 0), a total
/// beyond 2^64 - 1 (2^63 - 1 for a diff; inferno counts in 64 bits and
/// would wrap), folded text past [`MAX_SVG_FOLDED_BYTES`], an inferno
/// error, or an I/O error writing `out`.
pub fn write_svg(
    profile: &Profile,
    metric: MetricId,
    filter: &SampleFilter,
    title: &str,
    out: &Path,
) -> io::Result<SvgSummary> {
    let keep = super::folded::sample_predicate(profile, filter);
    if (0..profile.samples.len()).any(|i| profile.weight(i, metric) < 0 && keep(i)) {
        return write_differential(profile, metric, filter, title, out);
    }
    let m = profile.metric(metric);
    let mut summary = SvgSummary::default();
    let (mut lines, mut bytes, mut total): (u64, u64, Weight) = (0, 0, 0);
    // First pass: what would be drawn, measured without building it.
    super::folded::for_each_line(profile, metric, filter, |stack, w| {
        if stack.is_empty() {
            summary.no_stack_weight += w;
        } else if w < 0 {
            summary.negative_stacks += 1;
            summary.negative_weight += w;
        } else {
            lines += 1;
            bytes += stack.len() as u64 + 2 + m.format_exact(w).len() as u64;
            total += w;
        }
        Ok(())
    })?;
    if lines == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "nothing to draw: no stack weighs more than 0 for this metric",
        ));
    }
    check_total(profile, metric, total, u64::MAX.into())?;
    if bytes > MAX_SVG_FOLDED_BYTES {
        let deepest = profile.stacks.max_depth();
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "too big for an SVG: its {lines} stacks (up to {} frames deep) make {} of folded text, more than \
                 the {} the SVG renderer (inferno) holds in memory; `firesight fold` streams the same stacks, \
                 and the window draws the flamegraph",
                deepest.map_or(0, |d| d + 1),
                Unit::Bytes.format(bytes as f64),
                Unit::Bytes.format(MAX_SVG_FOLDED_BYTES as f64),
            ),
        ));
    }
    // Bounded by the check above: at most MAX_SVG_FOLDED_BYTES of text.
    let mut text: Vec<String> = Vec::with_capacity(usize::try_from(lines).unwrap_or(0));
    super::folded::for_each_line(profile, metric, filter, |stack, w| {
        if !stack.is_empty() && w > 0 {
            text.push(format!("{stack} {}", m.format_exact(w)));
        }
        Ok(())
    })?;
    let mut opts = Options::default();
    opts.title = title.to_string();
    opts.count_name = format!("{} ({})", m.name, m.unit.name());
    super::write_atomically(out, |w| {
        flamegraph::from_lines(&mut opts, text.iter().map(String::as_str), w).map_err(io::Error::other)
    })?;
    Ok(summary)
}

/// An error when the drawn `total` is beyond `limit`, which inferno's
/// counters cannot hold.
fn check_total(profile: &Profile, metric: MetricId, total: Weight, limit: Weight) -> io::Result<()> {
    let m = profile.metric(metric);
    if total <= limit && usize::try_from(total).is_ok() {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "the drawn total {} {} is beyond {}, which the SVG renderer (inferno) cannot count; \
             `firesight fold` gives the exact stacks",
            m.format_exact(total),
            m.unit.name(),
            if limit == Weight::from(u64::MAX) { "2^64 - 1" } else { "2^63 - 1" }
        ),
    ))
}

/// The differential flamegraph of a diff profile; see the module docs.
fn write_differential(
    profile: &Profile,
    metric: MetricId,
    filter: &SampleFilter,
    title: &str,
    out: &Path,
) -> io::Result<SvgSummary> {
    let keep = super::folded::sample_predicate(profile, filter);
    let mut summary = SvgSummary { differential: true, ..SvgSummary::default() };
    // Increases and decreases per stack, then per folded text.
    let mut per_stack: Vec<(Weight, Weight)> = vec![(0, 0); profile.stacks.len()];
    for i in 0..profile.samples.len() {
        if !keep(i) {
            continue;
        }
        let w = profile.weight(i, metric);
        match profile.samples.stacks[i] {
            None => summary.no_stack_weight += w,
            Some(s) if w > 0 => per_stack[s.index()].0 += w,
            Some(s) => per_stack[s.index()].1 -= w,
        }
    }
    let mut by_text: BTreeMap<String, (Weight, Weight)> = BTreeMap::new();
    let mut path = Vec::new();
    let mut bytes = 0u64;
    for (s, &(up, down)) in per_stack.iter().enumerate() {
        if up == 0 && down == 0 {
            continue;
        }
        profile.stacks.frames_root_first(StackId::from_index(s), &mut path);
        let text = path.iter().map(|f| profile.frames.name(*f)).collect::<Vec<_>>().join(";");
        bytes += text.len() as u64 + 44;
        if bytes > MAX_SVG_FOLDED_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "too big for an SVG: its stacks make more than the {} of folded text the SVG renderer \
                     (inferno) holds in memory; `firesight fold` streams the same stacks, and the window draws \
                     the flamegraph",
                    Unit::Bytes.format(MAX_SVG_FOLDED_BYTES as f64),
                ),
            ));
        }
        let e = by_text.entry(text).or_default();
        e.0 += up;
        e.1 += down;
    }
    if by_text.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "nothing to draw: every stack weighs 0 for this metric",
        ));
    }
    // inferno takes the change (`after - before`) as a signed 64-bit number.
    let total: Weight = by_text.values().map(|&(up, down)| up + down).sum();
    check_total(profile, metric, total, i64::MAX.into())?;
    let m = profile.metric(metric);
    let text: Vec<String> = by_text
        .iter()
        .map(|(s, &(up, down))| format!("{s} {} {}", m.format_exact(2 * down), m.format_exact(up + down)))
        .collect();
    let mut opts = Options::default();
    opts.title = title.to_string();
    opts.subtitle = Some(
        "Diff: widths are increases + decreases; red grew, blue shrank (each stack's own change, \
         the last percentage its share of all changes)"
            .to_string(),
    );
    opts.count_name = format!("{} ({}) changed, up + down", m.name, m.unit.name());
    super::write_atomically(out, |w| {
        flamegraph::from_lines(&mut opts, text.iter().map(String::as_str), w).map_err(io::Error::other)
    })?;
    Ok(summary)
}
