//! Rules over the shape of the call tree: hot-path, deep-stacks and
//! recursion. Every walk is iterative (a 100 000-frame stack is no limit).

use super::{Input, Insight, Severity, ShowMe, Thresholds, pct};
use crate::model::{FrameId, NodeId, Weight};

/// Paths longer than this are named by their first and last halves of it.
const MAX_PATH_SUBJECTS: usize = 40;

/// The names of `path`, outermost first; a long path keeps its two ends.
fn path_names(input: &Input<'_>, path: &[FrameId]) -> Vec<String> {
    if path.len() <= MAX_PATH_SUBJECTS {
        return path.iter().map(|&f| input.name(f)).collect();
    }
    let half = MAX_PATH_SUBJECTS / 2;
    path[..half].iter().chain(&path[path.len() - half..]).map(|&f| input.name(f)).collect()
}

/// "a → b → … → z" (a long path elided in the middle).
fn arrow_text(names: &[String], len: usize) -> String {
    if len > names.len() && names.len() >= 2 {
        let half = names.len() / 2;
        format!("{} → … ({} more) → {}", names[..half].join(" → "), len - names.len(), names[half..].join(" → "))
    } else {
        names.join(" → ")
    }
}

/// The functions from the root's child down to `node`.
fn frames_to(input: &Input<'_>, node: NodeId) -> Vec<FrameId> {
    input.tree.path_to(node).into_iter().filter_map(|n| input.tree.node(n).frame).collect()
}

/// hot-path: from the root, always into the heaviest child (first in name
/// order on ties), as long as it keeps at least the fan-out threshold of
/// its parent's total; where no child does, the work fans out.
pub fn hot_path(input: &Input<'_>, th: &Thresholds, out: &mut Vec<Insight>) {
    let tree = input.tree;
    let mut cur = tree.root();
    let mut steps = 0usize;
    let mut recurses = false;
    let mut on_path: Vec<FrameId> = Vec::new();
    loop {
        let mut best: Option<(NodeId, Weight)> = None;
        for c in tree.children(cur) {
            let t = tree.node(c).total.abs();
            if best.is_none_or(|(_, bt)| t > bt) {
                best = Some((c, t));
            }
        }
        let Some((child, t)) = best.filter(|&(_, t)| t > 0) else { break };
        // The first step is always taken: the heaviest root is where the path starts.
        if steps > 0 && pct(t, tree.node(cur).total) < th.fan_out_pct {
            break;
        }
        // A function calling itself (directly or through others) is one
        // place, however deep it recurses.
        if tree.node(child).frame.is_some_and(|f| on_path.contains(&f)) {
            recurses = true;
            break;
        }
        on_path.extend(tree.node(child).frame);
        cur = child;
        steps += 1;
    }
    if steps == 0 {
        return;
    }
    let path = frames_to(input, cur);
    let names = path_names(input, &path);
    let node = tree.node(cur);
    let share = input.pct(node.total);
    let kids = node.child_count;
    let end = if recurses {
        "where it recurses (see the recursion insight)".to_string()
    } else if kids == 0 {
        "and ends there (no callees)".to_string()
    } else {
        let heaviest = tree.children(cur).max_by_key(|&c| (tree.node(c).total.abs(), std::cmp::Reverse(c)));
        let h = heaviest.map(|c| tree.node(c));
        let callees = if kids == 1 { "callee" } else { "callees" };
        match h.and_then(|h| h.frame.map(|f| (f, h.total))) {
            Some((f, t)) => format!(
                "where it fans out into {kids} {callees} (the heaviest, {}, keeps {:.2}% of it, under {:.2}%)",
                input.name(f),
                super::round2(pct(t, node.total)),
                th.fan_out_pct
            ),
            None => format!("where it fans out into {kids} {callees}"),
        }
    };
    out.push(Insight {
        rule: "hot-path",
        severity: Severity::Info,
        subjects: names.clone(),
        value: share,
        threshold: th.fan_out_pct,
        message: format!(
            "The hot path {} holds {share:.2}% of {} ({}) {end}.",
            arrow_text(&names, path.len()),
            input.metric_name(),
            input.fmt(node.total)
        ),
        show: ShowMe::Path(path),
    });
}

/// deep-stacks: the 95th percentile of stack depth, weighted by the
/// metric, above the threshold ("a very deep stack: consider inlining"),
/// with the deepest stack as the example.
pub fn deep_stacks(input: &Input<'_>, th: &Thresholds, out: &mut Vec<Insight>) {
    let tree = input.tree;
    let mut by_depth: Vec<(u32, Weight)> =
        tree.iter_nodes().filter(|n| n.self_weight != 0).map(|n| (n.depth, n.self_weight.abs())).collect();
    by_depth.sort_unstable();
    let whole: Weight = by_depth.iter().map(|&(_, w)| w).sum();
    if whole == 0 {
        return;
    }
    let mut acc: Weight = 0;
    let mut p95 = 0u32;
    for &(d, w) in &by_depth {
        acc += w;
        if acc * 100 >= whole * 95 {
            p95 = d;
            break;
        }
    }
    if f64::from(p95) <= th.deep_frames {
        return;
    }
    // The deepest stack with weight (first in tree order on ties).
    let mut deepest = tree.root();
    for (i, n) in tree.iter_nodes().enumerate() {
        if n.self_weight != 0 && n.depth > tree.node(deepest).depth {
            deepest = NodeId::from_index(i);
        }
    }
    let path = frames_to(input, deepest);
    let names = path_names(input, &path);
    out.push(Insight {
        rule: "deep-stacks",
        severity: Severity::Red,
        subjects: names.last().into_iter().cloned().collect(),
        value: f64::from(p95),
        threshold: th.deep_frames,
        message: format!(
            "95% of {} is in stacks up to {p95} frames deep, over {}: consider inlining or flattening. The \
             deepest has {} frames: {}.",
            input.metric_name(),
            th.deep_frames,
            path.len(),
            arrow_text(&names, path.len())
        ),
        show: ShowMe::Path(path),
    });
}

/// What the recursion walk learns about one function.
#[derive(Clone, Copy, Default)]
struct Recursion {
    /// Weight under its outermost re-entries (each sample once).
    weight: Weight,
    /// The most times it is on one stack.
    depth: u32,
    /// Whether some re-entry is a direct call to itself.
    direct: bool,
}

/// recursion: functions that call themselves, directly or through others,
/// with the share of the metric spent below their first re-entry.
pub fn recursion(input: &Input<'_>, th: &Thresholds, out: &mut Vec<Insight>) {
    let tree = input.tree;
    let n = input.profile.frames.len();
    let mut on_path = vec![0u32; n];
    let mut found: Vec<Recursion> = vec![Recursion::default(); n];
    let mut stack: Vec<(NodeId, u32)> = vec![(tree.root(), 0)];
    while let Some(&mut (id, ref mut next)) = stack.last_mut() {
        let node = tree.node(id);
        if *next == 0
            && let Some(f) = node.frame
        {
            let k = f.index();
            if on_path[k] == 1 {
                found[k].weight += node.total.abs();
            }
            if on_path[k] >= 1 && node.parent.and_then(|p| tree.node(p).frame) == Some(f) {
                found[k].direct = true;
            }
            on_path[k] += 1;
            found[k].depth = found[k].depth.max(on_path[k]);
        }
        if *next < node.child_count {
            let child = NodeId(node.first_child + *next);
            *next += 1;
            stack.push((child, 0));
        } else {
            if let Some(f) = node.frame {
                on_path[f.index()] -= 1;
            }
            stack.pop();
        }
    }
    let mut hits: Vec<(usize, Recursion)> = found
        .into_iter()
        .enumerate()
        .filter(|(_, r)| r.depth >= 2 && pct(r.weight, tree.share_base) >= th.recursion_pct)
        .collect();
    hits.sort_by(|a, b| b.1.weight.cmp(&a.1.weight).then(a.0.cmp(&b.0)));
    for (k, r) in hits.into_iter().take(5) {
        let f = FrameId::from_index(k);
        let name = input.name(f);
        let share = input.pct(r.weight);
        let how = if r.direct { "calls itself" } else { "calls itself through other functions" };
        out.push(Insight {
            rule: "recursion",
            severity: Severity::Info,
            subjects: vec![name.clone()],
            value: share,
            threshold: th.recursion_pct,
            message: format!(
                "{name} {how}, up to {} deep on one stack; {share:.2}% of {} ({}) is below its first recursive \
                 call. Collapse the recursion to see its work merged.",
                r.depth,
                input.metric_name(),
                input.fmt(r.weight)
            ),
            show: ShowMe::Function(f),
        });
    }
}
