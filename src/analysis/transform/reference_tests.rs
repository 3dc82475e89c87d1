//! The stack-table passes against a plain reference on real files: each
//! sample's stack written out root first and rewritten on its own, as the
//! transform's documentation says, with no prefix tree, no sharing and no
//! memoising. Every kept sample must come out with the same frames and the
//! same weights, in the same order, for every kind of transform, alone and
//! chained.

use std::path::Path;

use super::{Transform, apply, pprof};
use crate::model::frame::FrameRef;
use crate::model::{FrameId, FrameKind, FrameTable, Profile};

/// One sample's stack (root first), or `None` when the sample is dropped.
type Stack = Option<Vec<FrameId>>;

/// What a transform needs computed once: a filter's matches per frame, a
/// collapsed module's frame.
type Pre = (Vec<bool>, Option<FrameId>);

/// The reference: `t` applied to one stack. `hit` is, per frame, whether
/// a pprof filter's regular expression matches it; `x` a collapsed
/// module's frame.
fn rewrite(p: &Profile, frames: &FrameTable, t: &Transform, (hit, x): &Pre, path: Vec<FrameId>) -> Stack {
    let fun = |f: FrameId| p.function_of.get(f.index()).copied().unwrap_or(f);
    let named = |f: FrameId, name: &str| frames.name(f) == name;
    let nonempty = |v: Vec<FrameId>| (!v.is_empty()).then_some(v);
    match t {
        Transform::Merge(n) => Some(path.into_iter().filter(|&f| !named(f, n)).collect()),
        Transform::Drop(n) => (!path.iter().any(|&f| named(f, n))).then_some(path),
        Transform::FocusFunction(n) => path.iter().position(|&f| named(f, n)).map(|i| path[i..].to_vec()),
        Transform::FocusSubtree(names) => {
            let k = names.len();
            let hit = k > 0 && path.len() >= k && names.iter().zip(&path).all(|(n, &f)| named(f, n));
            hit.then(|| path[k - 1..].to_vec())
        }
        Transform::CollapseRecursion(Some(n)) => {
            // An inner call continues from the outermost one.
            let mut out: Vec<FrameId> = Vec::new();
            for f in path {
                match out.iter().position(|&g| named(g, n)) {
                    Some(i) if named(f, n) => out.truncate(i + 1),
                    _ => out.push(f),
                }
            }
            Some(out)
        }
        Transform::CollapseRecursion(None) => {
            let mut out: Vec<FrameId> = Vec::new();
            for f in path {
                match out.iter().position(|&g| fun(g) == fun(f)) {
                    Some(i) => out.truncate(i + 1),
                    None => out.push(f),
                }
            }
            Some(out)
        }
        Transform::CollapseDirectRecursion(which) => {
            let mut out: Vec<FrameId> = Vec::new();
            for f in path {
                let hit = which.as_ref().is_none_or(|n| named(f, n));
                if hit && out.last().is_some_and(|&g| fun(g) == fun(f)) {
                    continue;
                }
                out.push(f);
            }
            Some(out)
        }
        Transform::CollapseSubtree(n) => {
            let cut = path.iter().position(|&f| named(f, n)).map_or(path.len(), |i| i + 1);
            Some(path[..cut].to_vec())
        }
        Transform::CollapseModule(m) => {
            let x = x.unwrap_or_else(|| panic!("{m}"));
            let mut out: Vec<FrameId> = Vec::new();
            for f in path {
                if frames.frame(f).module != *m {
                    out.push(f);
                } else if out.last() != Some(&x) {
                    out.push(x);
                }
            }
            Some(out)
        }
        Transform::Focus(_) | Transform::Ignore(_) => {
            let any = path.iter().any(|f| hit[f.index()]);
            (any == matches!(t, Transform::Focus(_))).then_some(path).and_then(nonempty)
        }
        Transform::Hide(_) | Transform::Show(_) => {
            let show = matches!(t, Transform::Show(_));
            nonempty(path.into_iter().filter(|f| hit[f.index()] == show).collect())
        }
    }
}

/// Every sample of `p` under `ts` by the reference: (stack, weights) of
/// each kept sample, in order.
fn reference(p: &Profile, ts: &[Transform]) -> Vec<(Vec<String>, Vec<i128>)> {
    let k = p.metrics.len();
    // A collapsed module's frame is added as the pass adds it; then the
    // filters' matches per frame, as the pass computes them.
    let mut frames = p.frames.clone();
    let xs: Vec<Option<FrameId>> = ts
        .iter()
        .map(|t| match t {
            Transform::CollapseModule(m) => Some(frames.intern(FrameRef::new(m, m, FrameKind::User))),
            _ => None,
        })
        .collect();
    let probe = Profile { frames: frames.clone(), ..p.clone() };
    let hits: Vec<Pre> = ts
        .iter()
        .zip(xs)
        .map(|(t, x)| match t {
            Transform::Focus(re) | Transform::Ignore(re) | Transform::Hide(re) | Transform::Show(re) => {
                let re = pprof::compile(t.kind(), re).unwrap_or_else(|e| panic!("{e}"));
                (pprof::frames_matching(&probe, &re), x)
            }
            _ => (Vec::new(), x),
        })
        .collect();
    let mut out = Vec::new();
    let mut path = Vec::new();
    'samples: for i in 0..p.samples.len() {
        let mut stack = match p.samples.stacks[i] {
            Some(s) => {
                p.stacks.frames_root_first(s, &mut path);
                path.clone()
            }
            None => Vec::new(),
        };
        for (t, hit) in ts.iter().zip(&hits) {
            // pprof's filters and the focuses drop a sample left with no frame.
            let drops_empty = matches!(
                t,
                Transform::FocusFunction(_)
                    | Transform::FocusSubtree(_)
                    | Transform::Focus(_)
                    | Transform::Ignore(_)
                    | Transform::Hide(_)
                    | Transform::Show(_)
            );
            match rewrite(p, &frames, t, hit, stack) {
                Some(s) if !(s.is_empty() && drops_empty) => stack = s,
                _ => continue 'samples,
            }
        }
        let names = stack.iter().map(|&f| format!("{}|{}", frames.name(f), frames.frame(f).module)).collect();
        out.push((names, p.samples.weights[i * k..(i + 1) * k].to_vec()));
    }
    out
}

/// The same from the fast passes.
fn fast(p: &Profile, ts: &[Transform]) -> Vec<(Vec<String>, Vec<i128>)> {
    let (q, _) = apply(p, ts).unwrap_or_else(|e| panic!("{ts:?}: {e}"));
    let k = q.metrics.len();
    let mut path = Vec::new();
    (0..q.samples.len())
        .map(|i| {
            match q.samples.stacks[i] {
                Some(s) => q.stacks.frames_root_first(s, &mut path),
                None => path.clear(),
            }
            let names = path.iter().map(|&f| format!("{}|{}", q.frames.name(f), q.frames.frame(f).module)).collect();
            (names, q.samples.weights[i * k..(i + 1) * k].to_vec())
        })
        .collect()
}

fn load(rel: &str) -> Profile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel);
    let loaded = crate::load::load_path(&path, &crate::load::LoadOptions::default(), Default::default());
    loaded.unwrap_or_else(|e| panic!("{rel}: {e}")).profile
}

/// Transforms that touch `p` where it has something: functions and a
/// module taken from its own stacks (a root, the middle, the last stack),
/// regular expressions made from them.
fn cases(p: &Profile) -> Vec<Vec<Transform>> {
    let n = p.stacks.len();
    assert!(n > 2);
    let picks: Vec<FrameId> = [0, n / 2, n - 1].iter().map(|&i| p.stacks.frames()[i]).collect();
    let name = |f: FrameId| p.frames.name(f).to_string();
    let mut path = Vec::new();
    p.stacks.frames_root_first(crate::model::StackId::from_index(n / 2), &mut path);
    let mut out = vec![
        vec![Transform::CollapseRecursion(None)],
        vec![Transform::CollapseDirectRecursion(None)],
        vec![Transform::FocusSubtree(path.iter().take(2).map(|&f| name(f)).collect())],
        vec![Transform::Hide("^[a-m]".into())],
        vec![Transform::Show("^[a-m]".into())],
        vec![Transform::Focus("main".into())],
        vec![Transform::Ignore("runtime|std".into())],
    ];
    for &f in &picks {
        let (s, re) = (name(f), regex_lite::escape(&name(f)));
        let module = p.frames.frame(f).module.clone();
        out.extend([
            vec![Transform::FocusFunction(s.clone())],
            vec![Transform::Merge(s.clone())],
            vec![Transform::Drop(s.clone())],
            vec![Transform::CollapseRecursion(Some(s.clone()))],
            vec![Transform::CollapseDirectRecursion(Some(s.clone()))],
            vec![Transform::CollapseSubtree(s.clone())],
            vec![Transform::Focus(re.clone())],
            vec![Transform::Ignore(re.clone())],
            vec![Transform::Hide(re.clone())],
            vec![Transform::Show(re.clone())],
            // Chains: each transform applies to the result of the one before.
            vec![Transform::Merge(s.clone()), Transform::CollapseRecursion(None)],
            vec![Transform::Hide(re.clone()), Transform::FocusFunction(name(picks[1]))],
            vec![Transform::CollapseModule(module.clone()), Transform::Merge(s.clone())],
        ]);
        if !module.is_empty() {
            out.push(vec![Transform::CollapseModule(module)]);
        }
    }
    out
}

#[test]
fn the_stack_table_passes_equal_a_per_sample_reference_on_real_files() {
    for file in [
        "pprof/generated/cpu.pb.gz",
        "pprof/generated/heap.pb.gz",
        "transforms/features.pb.gz",
        "perf/perf-rust-Yamakaky-dcpu.txt",
        "perf/perf-java-stacks-02.txt",
        "perf/generated/shop-c-dwarf.perf.txt.gz",
    ] {
        let p = load(file);
        for ts in cases(&p) {
            let (want, got) = (reference(&p, &ts), fast(&p, &ts));
            assert_eq!(got.len(), want.len(), "{file} {ts:?}: samples kept");
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert_eq!(g, w, "{file} {ts:?}: sample {i}");
            }
        }
    }
}
