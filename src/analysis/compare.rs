//! The comparison model: two profiles of the same kind ("before" and
//! "after", or base and new) merged into one call tree by path, each node
//! carrying its weight in both, plus the per-function table of self and
//! total weight on both sides. A differential flamegraph, a delta table and
//! the CLI's `diff` all read this one structure.
//!
//! - **Matching.** Frame ids differ between two profiles, so functions are
//!   matched by name and module; when either profile tells functions apart
//!   by name alone (pprof's `-functions` granularity, see
//!   `ProfileBuilder::functions_by_name`), by name alone. A function found
//!   only before in one module and only after in another (a binary renamed
//!   or moved between the two builds) is one function, its module reading
//!   `before → after`, as `go tool pprof -diff_base` matches by name.
//! - **The merged tree.** Paths are function paths (as [`CallTree`] builds
//!   them); a path present on one side only stays in the tree with the other
//!   side's weight 0, so frames that vanished are still there to draw.
//!   Node 0 is the root; children are contiguous and sorted by name, then
//!   module, as flamegraphs order them.
//! - **Normalisation** (`normalize`): the after side's samples are scaled so
//!   its total equals the before side's, each sample rounded half away from
//!   zero after samples with the same stack, labels and origin (pprof's
//!   location list, `Samples::origins`) are summed, which is what
//!   `go tool pprof -normalize` does (`Merge`, then `Normalize`'s `ScaleN`).
//!   `inferno-diff-folded -n` scales the other way (see
//!   `export::diff_folded`).
//! - **Swap**: build again with the two sides exchanged; without
//!   normalisation that exchanges every before and after weight.
//! - **Heap growth**: a later snapshot as "after" and an earlier one as
//!   "before" gives the growth in between (pprof `-base`).
//!
//! Cost: one pass over each side's samples and one over the stacks their
//! samples reach; the merged tree holds one node per distinct function path.
//!
//! [`CallTree`]: crate::model::CallTree

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use super::diff::DiffRow;
use crate::model::calltree::label_sets_matching;
use crate::model::{MetricId, Profile, SampleFilter, StackId, Weight};

/// One side of a comparison: a profile and the metric compared.
#[derive(Clone, Copy, Debug)]
pub struct Side<'a> {
    /// The profile.
    pub profile: &'a Profile,
    /// The metric of that profile.
    pub metric: MetricId,
}

/// How two profiles are compared.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CompareOptions {
    /// The samples kept on both sides: its thread, time range and labels
    /// apply to both (focus, hide and inverted are not used).
    pub filter: SampleFilter,
    /// Scale the after side so both totals are equal (see the module docs).
    pub normalize: bool,
}

/// A function of the comparison (an index into [`Comparison::functions`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionKey {
    /// The function's name.
    pub name: String,
    /// Its module; `before → after` when the function moved between modules.
    pub module: String,
}

/// Self and total weight of a node or function on one side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SideWeight {
    /// Weight of the samples whose stack ends here.
    pub self_weight: Weight,
    /// Weight of every sample through here.
    pub total: Weight,
}

/// One node of the merged call tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompareNode {
    /// Index into [`Comparison::functions`]; `None` only for the root.
    pub function: Option<u32>,
    /// Parent node; `None` only for the root.
    pub parent: Option<u32>,
    /// 0 for the root.
    pub depth: u32,
    /// First child; children are `first_child..first_child + child_count`.
    pub first_child: u32,
    /// Number of children.
    pub child_count: u32,
    /// Weight before.
    pub before: SideWeight,
    /// Weight after (scaled when normalised).
    pub after: SideWeight,
}

impl CompareNode {
    /// `after.total - before.total`.
    pub fn total_change(&self) -> Weight {
        self.after.total - self.before.total
    }

    /// `after.self_weight - before.self_weight`.
    pub fn self_change(&self) -> Weight {
        self.after.self_weight - self.before.self_weight
    }
}

/// Two profiles compared. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct Comparison {
    /// Every function of either side.
    pub functions: Vec<FunctionKey>,
    /// The merged tree, breadth-first; node 0 is the root ("all").
    pub nodes: Vec<CompareNode>,
    /// Deepest node's depth.
    pub max_depth: u32,
    /// Total before.
    pub before_total: Weight,
    /// Total after as compared (scaled when normalised).
    pub after_total: Weight,
    /// Total after as loaded, before any scaling.
    pub after_raw_total: Weight,
    /// The factor the after side was scaled by, when normalised.
    pub scale: Option<f64>,
    /// One row per function with weight on either side, by the absolute
    /// self change (largest first), then name and module.
    pub rows: Vec<DiffRow>,
}

impl Comparison {
    /// Compares `before` with `after`.
    pub fn build(before: Side<'_>, after: Side<'_>, opts: &CompareOptions) -> Self {
        let (bw, bempty, before_total) = stack_weights(before, &opts.filter, None);
        let after_raw_total = stack_weights_total(after, &opts.filter);
        let scale = opts.normalize.then(|| {
            // pprof: a source total of 0 scales by 0.
            if after_raw_total == 0 { 0.0 } else { before_total as f64 / after_raw_total as f64 }
        });
        let (aw, aempty, after_total) = stack_weights(after, &opts.filter, scale.filter(|&s| s != 1.0));

        let by_name = functions_by_name(before.profile) || functions_by_name(after.profile);
        let mut keys = Keys::default();
        let bf = keys.frame_functions(before.profile, by_name);
        let af = keys.frame_functions(after.profile, by_name);
        let mut raw = RawTree::new();
        raw.add_side(0, before.profile, &bf, &bw, bempty);
        raw.add_side(1, after.profile, &af, &aw, aempty);

        let mut functions = keys.functions;
        let (mut nodes, mut max_depth) = raw.arena(&functions);
        let mut weights = function_weights(&nodes, functions.len());
        let moved = moved_pairs(&functions, &weights);
        if !moved.is_empty() {
            let mut remap: Vec<u32> = (0..functions.len() as u32).collect();
            for &(b, a) in &moved {
                remap[a as usize] = b;
                let after_module = functions[a as usize].module.clone();
                let m = &mut functions[b as usize].module;
                *m = format!("{m} → {after_module}");
            }
            let mut again = RawTree::new();
            again.add_tree(&nodes, &remap);
            (nodes, max_depth) = again.arena(&functions);
            weights = function_weights(&nodes, functions.len());
        }
        let mut rows: Vec<DiffRow> = weights
            .iter()
            .enumerate()
            .filter(|(_, w)| w.iter().any(|s| s.self_weight != 0 || s.total != 0))
            .map(|(f, w)| DiffRow {
                name: functions[f].name.clone(),
                module: functions[f].module.clone(),
                before_self: w[0].self_weight,
                after_self: w[1].self_weight,
                before_total: w[0].total,
                after_total: w[1].total,
            })
            .collect();
        rows.sort_by(|a, b| {
            b.self_delta()
                .abs()
                .cmp(&a.self_delta().abs())
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.module.cmp(&b.module))
        });
        Self { functions, nodes, max_depth, before_total, after_total, after_raw_total, scale, rows }
    }

    /// The node at `i`.
    pub fn node(&self, i: u32) -> &CompareNode {
        &self.nodes[i as usize]
    }

    /// Children of node `i`, in name order.
    pub fn children(&self, i: u32) -> std::ops::Range<u32> {
        let n = &self.nodes[i as usize];
        n.first_child..n.first_child + n.child_count
    }

    /// The function of node `i` (`None` for the root).
    pub fn function_of(&self, i: u32) -> Option<&FunctionKey> {
        self.nodes[i as usize].function.map(|f| &self.functions[f as usize])
    }

    /// Path from the root's child down to `i` (the root excluded).
    pub fn path_to(&self, i: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut cur = Some(i);
        while let Some(c) = cur.filter(|&c| c != 0) {
            out.push(c);
            cur = self.nodes[c as usize].parent;
        }
        out.reverse();
        out
    }

    /// Change of a node's share of its side's total, in percentage points
    /// (after share minus before share); a side with total 0 has share 0.
    pub fn share_change(&self, i: u32) -> f64 {
        let n = &self.nodes[i as usize];
        share(n.after.total, self.after_total) - share(n.before.total, self.before_total)
    }

    /// The rows of every function named `name` (several when the name is in
    /// several modules).
    pub fn rows_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s DiffRow> + 's {
        self.rows.iter().filter(move |r| r.name == name)
    }
}

fn share(w: Weight, total: Weight) -> f64 {
    if total == 0 { 0.0 } else { w as f64 * 100.0 / total as f64 }
}

/// Whether `p` merges frames of one name in different modules into one
/// function (pprof's granularity).
fn functions_by_name(p: &Profile) -> bool {
    p.frames.iter().any(|(id, f)| {
        let rep = p.function(id);
        rep != id && p.frames.frame(rep).module != f.module
    })
}

/// A sample predicate for the thread, time and label parts of `filter`.
fn keep_sample<'a>(p: &'a Profile, filter: &'a SampleFilter) -> impl Fn(usize) -> bool + 'a {
    let label_ok = label_sets_matching(p, &filter.labels);
    move |i| {
        if filter.thread.is_some() && p.samples.thread(i) != filter.thread {
            return false;
        }
        if let Some((lo, hi)) = filter.time_range_ns
            && !p.samples.time_ns(i).is_some_and(|t| t >= lo && t < hi)
        {
            return false;
        }
        label_ok.is_empty() || label_ok[p.samples.labels[i].index()]
    }
}

fn stack_weights_total(side: Side<'_>, filter: &SampleFilter) -> Weight {
    let keep = keep_sample(side.profile, filter);
    (0..side.profile.samples.len()).filter(|&i| keep(i)).map(|i| side.profile.weight(i, side.metric)).sum()
}

/// Weight per stack id, the weight of samples with no stack, and the total,
/// over the samples `filter` keeps; with `scale`, samples with the same
/// stack, labels and origin are summed and each sum scaled and rounded
/// (pprof's `Merge` then `ScaleN`).
fn stack_weights(side: Side<'_>, filter: &SampleFilter, scale: Option<f64>) -> (Vec<Weight>, Weight, Weight) {
    let p = side.profile;
    let keep = keep_sample(p, filter);
    let mut w: Vec<Weight> = vec![0; p.stacks.len()];
    let mut empty: Weight = 0;
    let mut add = |stack: Option<StackId>, v: Weight| match stack {
        Some(s) => w[s.index()] += v,
        None => empty += v,
    };
    match scale {
        None => {
            for i in (0..p.samples.len()).filter(|&i| keep(i)) {
                add(p.samples.stacks[i], p.weight(i, side.metric));
            }
        }
        Some(ratio) => {
            type Key = (Option<StackId>, u32, Option<u32>);
            let mut merged: HashMap<Key, Weight, FxBuildHasher> = HashMap::default();
            for i in (0..p.samples.len()).filter(|&i| keep(i)) {
                let key = (p.samples.stacks[i], p.samples.labels[i].0, p.samples.origin(i));
                *merged.entry(key).or_default() += p.weight(i, side.metric);
            }
            for ((stack, _, _), v) in merged {
                add(stack, (v as f64 * ratio).round() as Weight);
            }
        }
    }
    let total = w.iter().sum::<Weight>() + empty;
    (w, empty, total)
}

/// The merged function table, filled side by side.
#[derive(Default)]
struct Keys<'a> {
    functions: Vec<FunctionKey>,
    /// Per name, the function ids with that name and their matching module.
    by_name: HashMap<&'a str, Vec<(u32, &'a str)>, FxBuildHasher>,
}

impl<'a> Keys<'a> {
    /// The merged function id of every frame of `p`.
    fn frame_functions(&mut self, p: &'a Profile, by_name: bool) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::with_capacity(p.frames.len());
        for (id, f) in p.frames.iter() {
            let rep = p.function(id);
            if rep != id && rep.index() < out.len() {
                out.push(out[rep.index()]);
                continue;
            }
            let module: &str = if by_name { "" } else { &f.module };
            let ids = self.by_name.entry(f.name.as_str()).or_default();
            let fid = match ids.iter().find(|(_, m)| *m == module) {
                Some(&(fid, _)) => fid,
                None => {
                    let fid = self.functions.len() as u32;
                    self.functions.push(FunctionKey { name: f.name.clone(), module: f.module.clone() });
                    ids.push((fid, module));
                    fid
                }
            };
            out.push(fid);
        }
        out
    }
}

/// The merged tree while it is built: nodes in creation order (a parent
/// before its children), own weights only.
struct RawTree {
    parent: Vec<u32>,
    function: Vec<u32>,
    own: Vec<[Weight; 2]>,
    index: HashMap<(u32, u32), u32, FxBuildHasher>,
}

const NO_FUNCTION: u32 = u32::MAX;

impl RawTree {
    fn new() -> Self {
        Self { parent: vec![0], function: vec![NO_FUNCTION], own: vec![[0, 0]], index: HashMap::default() }
    }

    fn child(&mut self, parent: u32, function: u32) -> u32 {
        let next = self.parent.len() as u32;
        let id = *self.index.entry((parent, function)).or_insert(next);
        if id == next {
            self.parent.push(parent);
            self.function.push(function);
            self.own.push([0, 0]);
        }
        id
    }

    /// Adds the stacks of side `side` (0 before, 1 after) that carry weight,
    /// with their ancestors.
    fn add_side(&mut self, side: usize, p: &Profile, fids: &[u32], stack_w: &[Weight], empty: Weight) {
        let parents = p.stacks.parents();
        let frames = p.stacks.frames();
        let mut needed: Vec<bool> = stack_w.iter().map(|&w| w != 0).collect();
        for s in (0..needed.len()).rev() {
            if needed[s]
                && let Some(q) = parents[s]
            {
                needed[q.index()] = true;
            }
        }
        let mut node_of: Vec<u32> = vec![0; needed.len()];
        for s in 0..needed.len() {
            if !needed[s] {
                continue;
            }
            let parent = parents[s].map_or(0, |q| node_of[q.index()]);
            let node = self.child(parent, fids[frames[s].index()]);
            node_of[s] = node;
            self.own[node as usize][side] += stack_w[s];
        }
        self.own[0][side] += empty;
    }

    /// Adds a laid-out tree with its functions renamed by `remap` (paths
    /// that become equal merge).
    fn add_tree(&mut self, nodes: &[CompareNode], remap: &[u32]) {
        let mut new_of: Vec<u32> = vec![0; nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            let id = match (n.parent, n.function) {
                (Some(p), Some(f)) => self.child(new_of[p as usize], remap[f as usize]),
                _ => 0,
            };
            new_of[i] = id;
            let own = &mut self.own[id as usize];
            own[0] += n.before.self_weight;
            own[1] += n.after.self_weight;
        }
    }

    /// Lays the tree out breadth-first with children sorted by name, then
    /// module; returns the nodes and the deepest depth.
    fn arena(&self, functions: &[FunctionKey]) -> (Vec<CompareNode>, u32) {
        let n = self.parent.len();
        let mut total = self.own.clone();
        for i in (1..n).rev() {
            let p = self.parent[i] as usize;
            let t = total[i];
            total[p][0] += t[0];
            total[p][1] += t[1];
        }
        let mut order: Vec<u32> = (0..functions.len() as u32).collect();
        order.sort_by(|&a, &b| {
            let (fa, fb) = (&functions[a as usize], &functions[b as usize]);
            fa.name.cmp(&fb.name).then_with(|| fa.module.cmp(&fb.module))
        });
        let mut rank = vec![0u32; functions.len()];
        for (r, &f) in order.iter().enumerate() {
            rank[f as usize] = r as u32;
        }
        // Children lists by counting sort on the parent.
        let mut start = vec![0u32; n + 1];
        for i in 1..n {
            start[self.parent[i] as usize + 1] += 1;
        }
        for i in 1..=n {
            start[i] += start[i - 1];
        }
        let mut fill = start.clone();
        let mut kids = vec![0u32; n.saturating_sub(1)];
        for i in 1..n {
            let p = self.parent[i] as usize;
            kids[fill[p] as usize] = i as u32;
            fill[p] += 1;
        }
        let weight = |i: usize, side: usize| SideWeight { self_weight: self.own[i][side], total: total[i][side] };
        let mut nodes = Vec::with_capacity(n);
        nodes.push(CompareNode {
            function: None,
            parent: None,
            depth: 0,
            first_child: 0,
            child_count: 0,
            before: weight(0, 0),
            after: weight(0, 1),
        });
        let mut origin: Vec<u32> = vec![0];
        let mut max_depth = 0;
        let mut head = 0;
        while head < nodes.len() {
            let src = origin[head] as usize;
            let list = &mut kids[start[src] as usize..start[src + 1] as usize];
            list.sort_unstable_by_key(|&k| rank[self.function[k as usize] as usize]);
            let depth = nodes[head].depth + 1;
            nodes[head].first_child = nodes.len() as u32;
            nodes[head].child_count = list.len() as u32;
            for &k in list.iter() {
                let k = k as usize;
                nodes.push(CompareNode {
                    function: Some(self.function[k]),
                    parent: Some(head as u32),
                    depth,
                    first_child: 0,
                    child_count: 0,
                    before: weight(k, 0),
                    after: weight(k, 1),
                });
                origin.push(k as u32);
                max_depth = depth;
            }
            head += 1;
        }
        (nodes, max_depth)
    }
}

/// Self and total weight of every function on both sides, total counted
/// once per sample however often the function recurses (an iterative walk
/// keeping how often each function is on the current path).
fn function_weights(nodes: &[CompareNode], count: usize) -> Vec<[SideWeight; 2]> {
    let mut out = vec![[SideWeight::default(); 2]; count];
    let mut on_path = vec![0u32; count];
    let mut stack: Vec<(u32, u32)> = vec![(0, 0)];
    while let Some(&mut (id, ref mut next)) = stack.last_mut() {
        let node = &nodes[id as usize];
        if *next == 0
            && let Some(f) = node.function
        {
            let f = f as usize;
            out[f][0].self_weight += node.before.self_weight;
            out[f][1].self_weight += node.after.self_weight;
            if on_path[f] == 0 {
                out[f][0].total += node.before.total;
                out[f][1].total += node.after.total;
            }
            on_path[f] += 1;
        }
        if *next < node.child_count {
            let child = node.first_child + *next;
            *next += 1;
            stack.push((child, 0));
        } else {
            if let Some(f) = node.function {
                on_path[f as usize] -= 1;
            }
            stack.pop();
        }
    }
    out
}

/// Pairs (before-only function, after-only function) of the same name in
/// different modules, each name having exactly those two functions.
fn moved_pairs(functions: &[FunctionKey], weights: &[[SideWeight; 2]]) -> Vec<(u32, u32)> {
    let present = |f: usize, side: usize| weights[f][side] != SideWeight::default();
    let mut by_name: HashMap<&str, Vec<u32>, FxBuildHasher> = HashMap::default();
    for (i, f) in functions.iter().enumerate() {
        by_name.entry(f.name.as_str()).or_default().push(i as u32);
    }
    let mut pairs: Vec<(u32, u32)> = by_name
        .values()
        .filter(|ids| ids.len() == 2)
        .filter_map(|ids| {
            let (a, b) = (ids[0] as usize, ids[1] as usize);
            let only_before = |f: usize| present(f, 0) && !present(f, 1);
            let only_after = |f: usize| present(f, 1) && !present(f, 0);
            if only_before(a) && only_after(b) {
                Some((ids[0], ids[1]))
            } else if only_before(b) && only_after(a) {
                Some((ids[1], ids[0]))
            } else {
                None
            }
        })
        .collect();
    pairs.sort_unstable();
    pairs
}

#[cfg(test)]
mod tests;
