//! Folded stacks: `frame;frame;frame count`, one stack per line, root first.
//!
//! The format of Brendan Gregg's `stackcollapse-*.pl`, inferno's
//! `inferno-collapse-*` and py-spy's `-f raw`. The count follows the last
//! space; names may contain spaces. Counts are integers (kept exact in
//! `i128`, so 2^63 and beyond stay exact) or decimals (`31.23`, `6.`), which
//! switch the metric to a fixed-point scale so no fraction is lost. A line
//! with only a count (` 3`) is a sample with an empty stack. Blank lines are
//! skipped; any other line that is not a stack (comments, junk) is skipped
//! and counted as a warning with its line number. Frame kinds follow
//! inferno's annotations: `_[k]` kernel, `_[j]` JIT, `_[i]` inlined.
//! Lines with the same stack become one sample (their counts summed), so a
//! profile's memory follows its distinct stacks, not its lines.

use super::error::{At, LoadError};
use super::source::Input;
use crate::model::frame::FrameRef;
use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use crate::model::{FrameId, FrameKind, LabelSetId, Profile, ProfileBuilder, StackId, Unit, Weight};

const FORMAT: &str = "folded";

/// True when `line` looks like a folded stack line (for sniffing).
pub fn looks_like_stack_line(line: &str) -> bool {
    let line = line.trim_end();
    match line.rfind([' ', '\t']) {
        Some(i) => parse_count(&line.as_bytes()[i + 1..]).is_some() && !line[..i].trim().is_empty(),
        None => false,
    }
}

/// A parsed count: integer part and fraction digits.
#[derive(Debug, PartialEq, Eq)]
struct Count {
    /// The value times `10^decimals`.
    scaled: Weight,
    decimals: u32,
}

/// Parses `123`, `-4`, `31.23`, `6.` exactly. `None` when not a number.
fn parse_count(s: &[u8]) -> Option<Count> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut scaled: Weight = 0;
    let mut decimals = 0u32;
    let mut seen_dot = false;
    let mut seen_digit = false;
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                scaled = scaled.checked_mul(10)?.checked_add(Weight::from(b - b'0'))?;
                seen_digit = true;
                if seen_dot {
                    decimals += 1;
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if !seen_digit || decimals > 18 {
        return None;
    }
    Some(Count { scaled: if neg { -scaled } else { scaled }, decimals })
}

fn frame_kind(name: &str) -> FrameKind {
    if name.ends_with("_[k]") {
        FrameKind::Kernel
    } else if name.ends_with("_[j]") {
        FrameKind::Jit
    } else if name.ends_with("_[i]") {
        FrameKind::Inline
    } else if name == "[unknown]" {
        FrameKind::Unknown
    } else {
        FrameKind::User
    }
}

/// Loads folded stacks from `input`.
///
/// Errors: a read error, or no line that is a stack (an empty file or only
/// bad lines); the error names the first bad line.
pub fn load(input: &mut Input) -> Result<Profile, LoadError> {
    let mut b = ProfileBuilder::new("folded");
    let metric = b.add_metric("samples", Unit::Count);
    let mut decimals = 0u32;
    let mut first_bad: Option<(u64, String)> = None;
    let mut path: Vec<FrameId> = Vec::new();
    let mut totals: Vec<(Option<StackId>, Weight)> = Vec::new();
    let mut index: HashMap<Option<StackId>, usize, FxBuildHasher> = HashMap::default();
    let mut lines = input.lines(FORMAT);
    while let Some(line) = lines.next_line()? {
        let bytes = line.bytes;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let trimmed = trim_end(bytes);
        let split = memchr::memrchr2(b' ', b'\t', trimmed);
        let parsed = split.and_then(|i| parse_count(&trimmed[i + 1..]).map(|c| (i, c)));
        let Some((i, count)) = parsed else {
            let shown = String::from_utf8_lossy(&trimmed[..trimmed.len().min(80)]).into_owned();
            let why = if trimmed.starts_with(b"#") || trimmed.starts_with(b"//") {
                "comment line skipped"
            } else {
                "not a stack (expected `frame;frame;... count`), skipped"
            };
            b.warn(Some(line.number), Some(line.offset), format!("{why}: {shown:?}"));
            first_bad.get_or_insert((line.number, shown));
            continue;
        };
        let stack_bytes = &trimmed[..i];
        let stack_text = match std::str::from_utf8(stack_bytes) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(_) => {
                b.warn(Some(line.number), Some(line.offset), "invalid UTF-8 in a frame name, replaced with U+FFFD");
                String::from_utf8_lossy(stack_bytes)
            }
        };
        path.clear();
        let stack_text = stack_text.trim_start();
        if !stack_text.is_empty() {
            for name in stack_text.split(';') {
                path.push(b.frame(FrameRef::new(name, "", frame_kind(name))));
            }
        }
        let stack = b.stack_from_root(&path);
        let mut w = count.scaled;
        if count.decimals > decimals {
            let factor = 10i128.pow(count.decimals - decimals);
            for (_, acc) in &mut totals {
                *acc = acc.saturating_mul(factor);
            }
            decimals = count.decimals;
        } else if count.decimals < decimals {
            w = w.saturating_mul(10i128.pow(decimals - count.decimals));
        }
        // Lines with the same stack are one sample: folded text carries no
        // time or thread, so nothing is lost, and memory follows distinct
        // stacks rather than lines.
        match index.entry(stack) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let acc = &mut totals[*e.get()].1;
                *acc = acc.saturating_add(w);
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(totals.len());
                totals.push((stack, w));
            }
        }
    }
    drop(lines);
    b.ensure_decimals(metric, decimals);
    for (stack, w) in totals {
        b.add_sample(stack, &[w], None, None, LabelSetId(0));
    }
    if b.sample_count() == 0 {
        let what = match first_bad {
            Some((n, text)) => LoadError::invalid(
                FORMAT,
                Some(At::Line(n)),
                format!("no line is a stack (expected `frame;frame;... count`); first bad line: {text:?}"),
            ),
            None => LoadError::invalid(
                FORMAT,
                Some(At::Line(1)),
                "no stacks in the file; expected lines `frame;frame;... count`",
            ),
        };
        return Err(what);
    }
    b.finish().map_err(|e| LoadError::invalid(FORMAT, None, e.to_string()))
}

fn trim_end(b: &[u8]) -> &[u8] {
    let mut e = b.len();
    while e > 0 && b[e - 1].is_ascii_whitespace() {
        e -= 1;
    }
    &b[..e]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_counts_exactly() {
        assert_eq!(parse_count(b"31.23"), Some(Count { scaled: 3123, decimals: 2 }));
        assert_eq!(parse_count(b"6."), Some(Count { scaled: 6, decimals: 0 }));
        assert_eq!(parse_count(b"9223372036854775808"), Some(Count { scaled: 1 << 63, decimals: 0 }));
        assert_eq!(parse_count(b"12V.43"), None);
        assert_eq!(parse_count(b"."), None);
        assert!(looks_like_stack_line("a;b;c 1"));
        assert!(!looks_like_stack_line("invalid line"));
    }
}
