//! Callers and callees of functions, merged over every place they occur:
//! `go tool pprof -peek` (google/pprof `internal/report/report.go`
//! `printTree`, over the graph of `internal/graph/graph.go` `newGraph`).
//!
//! pprof's numbers, exactly: a function's total (cum) counts each sample
//! once however often the function is on its stack; its self (flat) is the
//! samples whose leaf it is; an edge caller -> callee weighs the samples
//! whose stack has that call, each sample once per edge however often the
//! call repeats, and a function calling itself makes no edge. An edge is
//! "inline" when every call it counts is to an inlined frame. Callers and
//! callees are sorted by weight (by size), then caller name, then callee
//! name; functions as `top` sorts them (self by size, name, total).

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use crate::model::{FrameId, FrameKind, MetricId, Profile, StackId, Weight};

/// One caller or callee of a peeked function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeekEdge {
    /// The caller's (or callee's) function frame.
    pub function: FrameId,
    /// Weight of the samples through this call.
    pub weight: Weight,
    /// Every call counted is to an inlined frame (pprof's "(inline)").
    pub inline: bool,
}

/// A function with its callers and callees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeekEntry {
    /// The function frame.
    pub function: FrameId,
    /// Samples whose leaf it is.
    pub self_weight: Weight,
    /// Samples with it on the stack, each once.
    pub total: Weight,
    /// Who calls it, heaviest first.
    pub callers: Vec<PeekEdge>,
    /// What it calls, heaviest first.
    pub callees: Vec<PeekEdge>,
}

/// Callers and callees of every function whose name `matches`, over the
/// samples `keep` keeps (by sample index), in metric `metric`.
pub fn peek(
    profile: &Profile,
    metric: MetricId,
    keep: impl Fn(usize) -> bool,
    matches: impl Fn(&str) -> bool,
) -> Vec<PeekEntry> {
    let n = profile.stacks.len();
    let mut weight: Vec<Weight> = vec![0; n];
    let mut touched = vec![false; n];
    for i in 0..profile.samples.len() {
        // pprof's graph skips samples that weigh 0 in the sample type.
        let w = profile.weight(i, metric);
        if w == 0 || !keep(i) {
            continue;
        }
        if let Some(s) = profile.samples.stacks[i] {
            weight[s.index()] += w;
            touched[s.index()] = true;
        }
    }
    let nf = profile.frames.len();
    let mut matched: Vec<Option<bool>> = vec![None; nf];
    let mut is_match = |f: FrameId| *matched[f.index()].get_or_insert_with(|| matches(profile.frames.name(f)));
    let mut entries: HashMap<FrameId, PeekEntry, FxBuildHasher> = HashMap::default();
    // (caller, callee) -> (weight, all inline)
    let mut edges: HashMap<(FrameId, FrameId), (Weight, bool), FxBuildHasher> = HashMap::default();
    let mut stamp = vec![u32::MAX; nf];
    let mut seen_edges: Vec<(FrameId, FrameId)> = Vec::new();
    let mut path = Vec::new();
    for s in 0..n {
        if !touched[s] {
            continue;
        }
        let w = weight[s];
        profile.stacks.frames_root_first(StackId::from_index(s), &mut path);
        seen_edges.clear();
        let mut parent: Option<FrameId> = None;
        for &frame in &path {
            let f = profile.function(frame);
            if is_match(f) && stamp[f.index()] != s as u32 {
                stamp[f.index()] = s as u32;
                entry(&mut entries, f).total += w;
            }
            if let Some(p) = parent
                && p != f
                && (is_match(p) || is_match(f))
                && !seen_edges.contains(&(p, f))
            {
                seen_edges.push((p, f));
                let inline = profile.frames.frame(frame).kind == FrameKind::Inline;
                let e = edges.entry((p, f)).or_insert((0, true));
                e.0 += w;
                e.1 &= inline;
            }
            parent = Some(f);
        }
        if let Some(leaf) = parent
            && is_match(leaf)
        {
            entry(&mut entries, leaf).self_weight += w;
        }
    }
    let name = |f: FrameId| profile.frames.name(f);
    for ((p, c), (w, inline)) in edges {
        if let Some(e) = entries.get_mut(&c) {
            e.callers.push(PeekEdge { function: p, weight: w, inline });
        }
        if let Some(e) = entries.get_mut(&p) {
            e.callees.push(PeekEdge { function: c, weight: w, inline });
        }
    }
    let mut out: Vec<PeekEntry> = entries.into_values().collect();
    for e in &mut out {
        let by = |a: &PeekEdge, b: &PeekEdge| {
            b.weight.abs().cmp(&a.weight.abs()).then_with(|| name(a.function).cmp(name(b.function)))
        };
        e.callers.sort_by(by);
        e.callees.sort_by(by);
    }
    out.sort_by(|a, b| {
        b.self_weight
            .abs()
            .cmp(&a.self_weight.abs())
            .then_with(|| name(a.function).cmp(name(b.function)))
            .then_with(|| b.total.abs().cmp(&a.total.abs()))
    });
    out
}

fn entry(entries: &mut HashMap<FrameId, PeekEntry, FxBuildHasher>, f: FrameId) -> &mut PeekEntry {
    entries.entry(f).or_insert_with(|| PeekEntry {
        function: f,
        self_weight: 0,
        total: 0,
        callers: Vec::new(),
        callees: Vec::new(),
    })
}
