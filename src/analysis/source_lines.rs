//! Line costs: where inside a function the weight goes, as `go tool pprof
//! -list` computes it.
//!
//! For every function whose name matches a pattern, and every source line of
//! it that frames record (file and line), the self weight (samples whose
//! leaf frame is that line) and the total weight (samples with that line
//! anywhere on their stack, counted once per sample however often it
//! recurs). Frames are keyed by (function name, file, line) as pprof's
//! `lines` granularity keys its nodes, so an inlined callee's lines count
//! for the callee and its call site's line counts (in total) for the
//! caller. A function's figures per file are the sums of its lines', as
//! pprof prints them in a routine's header (so recursion across lines counts
//! once per line, as there).
//!
//! Frames without a line (perf without `+srcline`, folded stacks) have no
//! line to charge: such a function is listed with its weights and no lines,
//! and views say there is no source information.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use crate::model::calltree::{SampleFilter, kept_stack_weights};
use crate::model::{MetricId, Profile, Weight};

/// The weight of one source line of a function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineCost {
    /// 1-based line number.
    pub line: u32,
    /// Weight of the samples whose leaf frame is this line (pprof's flat).
    pub self_weight: Weight,
    /// Weight of the samples with this line on their stack (pprof's cum).
    pub total: Weight,
}

/// One function in one source file, with its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionLines {
    /// Function name.
    pub name: String,
    /// Source file as the profile records it; empty when frames have none.
    pub file: String,
    /// Sum of the lines' self weights (for a function without lines, its
    /// self weight).
    pub self_weight: Weight,
    /// Sum of the lines' total weights (for a function without lines, its
    /// total weight, counted once per sample), as pprof prints it in a
    /// routine's header: a sample through two lines of the function (a
    /// recursive call) counts for each.
    pub total: Weight,
    /// Weight of the samples with any line of the function in this file on
    /// their stack, each sample once: the function's total as the hot
    /// table has it (for one file).
    pub inclusive: Weight,
    /// Lines with a weight, in line order; empty without source information.
    pub lines: Vec<LineCost>,
}

/// The line costs of every function matching a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceListing {
    /// The metric the weights are in.
    pub metric: MetricId,
    /// Sum of the absolute weights of the samples kept: the 100% of shares,
    /// pprof's "of Total".
    pub total: Weight,
    /// Functions by name, then file (pprof's order).
    pub functions: Vec<FunctionLines>,
}

/// Line costs of the functions for which `matches(name)` holds, over the
/// samples `filter` keeps. Functions without any weight are left out, as
/// pprof leaves out functions no sample reaches.
pub fn line_costs(
    profile: &Profile,
    metric: MetricId,
    filter: &SampleFilter,
    mut matches: impl FnMut(&str) -> bool,
) -> SourceListing {
    let (weights, empty) = kept_stack_weights(profile, metric, filter);
    let total = weights.iter().map(|w| w.unsigned_abs() as Weight).sum::<Weight>() + empty.abs();

    // Key of each frame: (function name, file, line); NONE for frames whose
    // function does not match. Frames differing only by kind or module share
    // a key, as pprof's line nodes do.
    const NONE: u32 = u32::MAX;
    let mut key_of: HashMap<(&str, &str, u32), u32, FxBuildHasher> = HashMap::default();
    let mut keys: Vec<(&str, &str, u32)> = Vec::new();
    let mut name_ok: HashMap<&str, bool, FxBuildHasher> = HashMap::default();
    let frame_key: Vec<u32> = profile
        .frames
        .iter()
        .map(|(_, f)| {
            let ok = *name_ok.entry(f.name.as_str()).or_insert_with(|| matches(&f.name));
            if !ok {
                return NONE;
            }
            // The file the line is in (a function's lines may lie in
            // several: code inlined from headers).
            let k = (f.name.as_str(), f.line_file().unwrap_or(""), f.line.unwrap_or(0));
            *key_of.entry(k).or_insert_with(|| {
                keys.push(k);
                (keys.len() - 1) as u32
            })
        })
        .collect();

    // The (function, file) group of each key, for the once-per-sample total.
    let mut group_of_pair: HashMap<(&str, &str), usize, FxBuildHasher> = HashMap::default();
    let group: Vec<usize> = keys
        .iter()
        .map(|&(n, f, _)| {
            let next = group_of_pair.len();
            *group_of_pair.entry((n, f)).or_insert(next)
        })
        .collect();
    let mut inclusive = vec![0 as Weight; group_of_pair.len()];
    let mut group_seen = vec![usize::MAX; group_of_pair.len()];
    let mut flat = vec![0 as Weight; keys.len()];
    let mut cum = vec![0 as Weight; keys.len()];
    // Per key, the last stack that counted it: a line counts once per stack.
    let mut seen = vec![usize::MAX; keys.len()];
    // Same for (function, file) pairs without lines: their total counts once.
    if !keys.is_empty() {
        for (s, &w) in weights.iter().enumerate() {
            if w == 0 {
                continue;
            }
            let mut id = Some(crate::model::StackId::from_index(s));
            let mut leaf = true;
            while let Some(st) = id {
                let k = frame_key[profile.stacks.frame(st).index()];
                if k != NONE {
                    let k = k as usize;
                    if leaf {
                        flat[k] += w;
                    }
                    if seen[k] != s {
                        seen[k] = s;
                        cum[k] += w;
                    }
                    let g = group[k];
                    if group_seen[g] != s {
                        group_seen[g] = s;
                        inclusive[g] += w;
                    }
                }
                leaf = false;
                id = profile.stacks.parent(st);
            }
        }
    }

    // Group by (function, file).
    let mut groups: HashMap<(&str, &str), FunctionLines, FxBuildHasher> = HashMap::default();
    for (k, &(name, file, line)) in keys.iter().enumerate() {
        if flat[k] == 0 && cum[k] == 0 {
            continue;
        }
        let g = groups.entry((name, file)).or_insert_with(|| FunctionLines {
            name: name.to_owned(),
            file: file.to_owned(),
            self_weight: 0,
            total: 0,
            inclusive: inclusive[group[k]],
            lines: Vec::new(),
        });
        g.self_weight += flat[k];
        g.total += cum[k];
        if line > 0 {
            match g.lines.iter_mut().find(|l| l.line == line) {
                Some(l) => {
                    l.self_weight += flat[k];
                    l.total += cum[k];
                }
                None => g.lines.push(LineCost { line, self_weight: flat[k], total: cum[k] }),
            }
        }
    }
    let mut functions: Vec<FunctionLines> = groups.into_values().collect();
    for f in &mut functions {
        f.lines.sort_by_key(|l| l.line);
    }
    functions.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.file.cmp(&b.file)));
    SourceListing { metric, total, functions }
}

/// The lines a listing of `f` shows around its costed lines, as pprof
/// shows them: from five lines before the first to five after the last
/// (clamped to 1). `None` for a function without lines.
pub fn display_range(f: &FunctionLines) -> Option<(u32, u32)> {
    const MARGIN: u32 = 5;
    let first = f.lines.first()?.line;
    let last = f.lines.last()?.line;
    Some((first.saturating_sub(MARGIN).max(1), last.saturating_add(MARGIN)))
}

/// The hottest line of `f` by self weight, then total (first in line order
/// on ties): the line a source view scrolls to.
pub fn hottest_line(f: &FunctionLines) -> Option<u32> {
    f.lines
        .iter()
        .max_by(|a, b| {
            (a.self_weight.abs(), a.total.abs())
                .cmp(&(b.self_weight.abs(), b.total.abs()))
                .then_with(|| b.line.cmp(&a.line))
        })
        .map(|l| l.line)
}
