//! Differential folded stacks, the lines `inferno-diff-folded BEFORE AFTER`
//! writes (`stack before after`), and the differential flamegraph SVG that
//! inferno draws from them.
//!
//! The lines are exactly those `inferno-diff-folded` (inferno 0.12) prints
//! for the folded text of each side ([`super::folded`], what `firesight
//! fold` writes): each input line is split at its last blank, the stack
//! trimmed of trailing blanks, a fractional count truncated to its integer
//! part, a line whose count is not an unsigned integer skipped (negative
//! weights of a diff profile; counted in the summary, where inferno only
//! logs them), and the counts of equal stacks summed. With `normalize`
//! (`-n`), when the two totals differ every before count becomes
//! `floor(before * total_after / total_before)` in `f64`, as inferno does it.
//! The one difference: inferno prints the stacks in hash order, which
//! changes from run to run; these lines are sorted bytewise by stack.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use inferno::flamegraph::{self, Options};

use crate::model::calltree::SampleFilter;
use crate::model::{MetricId, Profile};

/// One differential line: the stack and its count before and after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffLine {
    /// The folded stack, root first, `;`-separated.
    pub stack: String,
    /// Count before (scaled with `normalize`).
    pub before: usize,
    /// Count after.
    pub after: usize,
}

/// What the differential lines had to leave out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiffFoldedSummary {
    /// Folded lines of the before side whose count is not an unsigned
    /// integer (negative weights) and were skipped, as inferno skips them.
    pub skipped_before: usize,
    /// The same for the after side.
    pub skipped_after: usize,
}

impl DiffFoldedSummary {
    /// A sentence for the user when lines were skipped, else empty.
    pub fn note(&self) -> String {
        if self.skipped_before + self.skipped_after == 0 {
            return String::new();
        }
        format!(
            "{} folded line(s) before and {} after have a count that is not an unsigned integer (negative weights) \
             and were left out, as inferno-diff-folded leaves them out",
            self.skipped_before, self.skipped_after
        )
    }
}

/// The differential lines of `before` and `after` (each a profile and its
/// metric) over the samples `filter` keeps, sorted bytewise by stack.
pub fn diff_lines(
    before: (&Profile, MetricId),
    after: (&Profile, MetricId),
    filter: &SampleFilter,
    normalize: bool,
) -> (Vec<DiffLine>, DiffFoldedSummary) {
    let mut counts: HashMap<String, [usize; 2]> = HashMap::new();
    let mut totals = [0usize; 2];
    let mut skipped = [0usize; 2];
    for (side, (p, m)) in [before, after].into_iter().enumerate() {
        let metric = p.metric(m);
        for (stack, w) in super::folded::fold(p, m, filter) {
            // The line `fold` writes; a name holding a newline splits it, as
            // it would split inferno's input.
            let line = format!("{stack} {}", metric.format_exact(w));
            for part in line.split('\n') {
                match parse_line(part) {
                    Some((stack, n)) => {
                        counts.entry(stack.to_string()).or_default()[side] += n;
                        // inferno sums in usize; a release build wraps.
                        totals[side] = totals[side].wrapping_add(n);
                    }
                    None => skipped[side] += 1,
                }
            }
        }
    }
    if normalize && totals[0] != totals[1] {
        for c in counts.values_mut() {
            c[0] = (c[0] as f64 * totals[1] as f64 / totals[0] as f64) as usize;
        }
    }
    let mut lines: Vec<DiffLine> =
        counts.into_iter().map(|(stack, [before, after])| DiffLine { stack, before, after }).collect();
    lines.sort_unstable_by(|a, b| a.stack.cmp(&b.stack));
    (lines, DiffFoldedSummary { skipped_before: skipped[0], skipped_after: skipped[1] })
}

/// inferno 0.12's `parse_line` of `inferno-diff-folded`: the stack and the
/// count, or `None` for a line it skips.
fn parse_line(line: &str) -> Option<(&str, usize)> {
    let at = line.rfind(' ')?;
    let mut samples = line[at + 1..].trim_end();
    if let Some(dot) = samples.find('.') {
        if !samples[..dot].chars().chain(samples[dot + 1..].chars()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        samples = &samples[..dot];
    }
    let n = samples.parse::<usize>().ok()?;
    Some((line[..at].trim_end(), n))
}

/// Writes `lines` as `stack before after`, one a line.
pub fn write(lines: &[DiffLine], w: &mut dyn Write) -> io::Result<()> {
    for l in lines {
        writeln!(w, "{} {} {}", l.stack, l.before, l.after)?;
    }
    Ok(())
}

/// Writes a differential flamegraph of `lines` to `out` (atomically)
/// through inferno: boxes as wide as the after count, red where a stack
/// grew, blue where it shrank. The line with an empty stack (samples with no
/// stack) has no box and is left out. Errors: nothing to draw (every after
/// count 0), an after total beyond 2^64 - 1, an inferno or I/O error.
pub fn write_svg(lines: &[DiffLine], title: &str, count_name: &str, out: &Path) -> io::Result<()> {
    let drawn: Vec<&DiffLine> = lines.iter().filter(|l| !l.stack.is_empty()).collect();
    let total = drawn.iter().try_fold(0u64, |acc, l| acc.checked_add(l.after as u64));
    match total {
        Some(0) => {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "nothing to draw: every stack weighs 0 after"));
        }
        None => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the after total is beyond 2^64 - 1, which the SVG renderer (inferno) cannot count; \
                 `firesight diff --folded` gives the exact lines",
            ));
        }
        Some(_) => {}
    }
    let text: Vec<String> = drawn.iter().map(|l| format!("{} {} {}", l.stack, l.before, l.after)).collect();
    let mut opts = Options::default();
    opts.title = title.to_string();
    opts.count_name = count_name.to_string();
    super::write_atomically(out, |w| {
        flamegraph::from_lines(&mut opts, text.iter().map(String::as_str), w).map_err(io::Error::other)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_as_inferno_does() {
        assert_eq!(parse_line("a;b 5"), Some(("a;b", 5)));
        assert_eq!(parse_line("a;b  7\r"), Some(("a;b", 7)));
        assert_eq!(parse_line("a;b 2.75"), Some(("a;b", 2)));
        assert_eq!(parse_line(" 9"), Some(("", 9)));
        assert_eq!(parse_line("a;b -4"), None);
        assert_eq!(parse_line("a;b 1.x"), None);
        assert_eq!(parse_line("nospace"), None);
    }

    #[test]
    fn equals_inferno_diff_folded_run_as_a_library() {
        let before: &[(&str, i128)] = &[("main;a", 10), ("main;b", 3), ("main;gone", 4), ("", 2)];
        let after: &[(&str, i128)] = &[("main;a", 2), ("main;b", 3), ("main;new", 9), ("bad", -1)];
        let text = |lines: &[(&str, i128)]| lines.iter().map(|(s, w)| format!("{s} {w}\n")).collect::<String>();
        let (p, q) = (profile(before), profile(after));
        for normalize in [false, true] {
            let opt = inferno::differential::Options { normalize, strip_hex: false };
            let mut want = Vec::new();
            inferno::differential::from_readers(opt, text(before).as_bytes(), text(after).as_bytes(), &mut want)
                .unwrap_or_else(|e| panic!("{e}"));
            let mut want: Vec<&str> = std::str::from_utf8(&want).unwrap_or_default().lines().collect();
            want.sort_unstable();
            let (lines, summary) =
                diff_lines((&p, MetricId(0)), (&q, MetricId(0)), &SampleFilter::default(), normalize);
            let mut got = Vec::new();
            write(&lines, &mut got).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(String::from_utf8_lossy(&got).lines().collect::<Vec<_>>(), want, "normalize {normalize}");
            assert_eq!(summary, DiffFoldedSummary { skipped_before: 0, skipped_after: 1 });
        }
    }

    /// A profile with one sample per `(stack, weight)`; `""` is the empty stack.
    fn profile(lines: &[(&str, i128)]) -> Profile {
        use crate::model::frame::FrameRef;
        use crate::model::{FrameKind, ProfileBuilder, Unit};
        let mut b = ProfileBuilder::new("test");
        let m = b.add_metric("samples", Unit::Count);
        for &(stack, w) in lines {
            let mut s = None;
            for name in stack.split(';').filter(|n| !n.is_empty()) {
                let f = b.frame(FrameRef::new(name, "", FrameKind::User));
                s = Some(b.stack(s, f));
            }
            b.add_sample_for(s, m, w, None, None);
        }
        b.finish().unwrap_or_else(|e| panic!("{e}"))
    }
}
