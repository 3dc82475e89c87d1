use std::collections::BTreeMap;

use super::*;
use crate::model::frame::FrameRef;
use crate::model::{FrameKind, ProfileBuilder, Unit};

/// A profile from folded-like lines `a;b;c w`, frames `name` or `module!name`.
fn profile(lines: &[(&str, i64)]) -> Profile {
    let mut b = ProfileBuilder::new("test");
    let m = b.add_metric("samples", Unit::Count);
    for (stack, w) in lines {
        let ids: Vec<_> = stack
            .split(';')
            .filter(|s| !s.is_empty())
            .map(|f| {
                let (module, name) = f.split_once('!').unwrap_or(("", f));
                b.frame(FrameRef::new(name, module, FrameKind::User))
            })
            .collect();
        let s = b.stack_from_root(&ids);
        b.add_sample_for(s, m, i128::from(*w), None, None);
    }
    b.finish().unwrap_or_else(|e| panic!("{e}"))
}

/// The folded lines of `p` (names only), empty stack as "".
fn folded(p: &Profile) -> BTreeMap<String, i128> {
    let mut out = BTreeMap::new();
    let mut path = Vec::new();
    for i in 0..p.samples.len() {
        let text = match p.samples.stacks[i] {
            Some(s) => {
                p.stacks.frames_root_first(s, &mut path);
                path.iter().map(|&f| p.frames.name(f).to_string()).collect::<Vec<_>>().join(";")
            }
            None => String::new(),
        };
        *out.entry(text).or_insert(0) += p.samples.weights[i * p.metrics.len()];
    }
    out
}

fn run(lines: &[(&str, i64)], t: Transform) -> Vec<(String, i128)> {
    let (p, _) = apply(&profile(lines), &[t]).unwrap_or_else(|e| panic!("{e}"));
    folded(&p).into_iter().collect()
}

fn want(lines: &[(&str, i128)]) -> Vec<(String, i128)> {
    let mut m = BTreeMap::new();
    for (s, w) in lines {
        *m.entry(s.to_string()).or_insert(0) += w;
    }
    m.into_iter().collect()
}

const SAMPLE: &[(&str, i64)] = &[("a;b;c", 3), ("a;b", 2), ("a;d;b;c", 5), ("e;b;b;c", 7), ("a", 1)];

#[test]
fn focus_function_merges_every_call_site() {
    let got = run(SAMPLE, Transform::FocusFunction("b".into()));
    assert_eq!(got, want(&[("b;c", 3), ("b", 2), ("b;c", 5), ("b;b;c", 7)]));
}

#[test]
fn focus_subtree_keeps_one_path() {
    let got = run(SAMPLE, Transform::FocusSubtree(vec!["a".into(), "b".into()]));
    assert_eq!(got, want(&[("b;c", 3), ("b", 2)]));
}

#[test]
fn merge_gives_self_to_the_caller() {
    let got = run(SAMPLE, Transform::Merge("b".into()));
    assert_eq!(got, want(&[("a;c", 3), ("a", 2), ("a;d;c", 5), ("e;c", 7), ("a", 1)]));
    // A root merged away: its samples keep their weight, on no function.
    let got = run(&[("a", 4), ("a;b", 1)], Transform::Merge("a".into()));
    assert_eq!(got, want(&[("", 4), ("b", 1)]));
}

#[test]
fn drop_removes_samples_with_the_function() {
    let got = run(SAMPLE, Transform::Drop("d".into()));
    assert_eq!(got, want(&[("a;b;c", 3), ("a;b", 2), ("e;b;b;c", 7), ("a", 1)]));
}

#[test]
fn collapse_recursion_direct_and_indirect() {
    let lines = &[("a;b;c;b;d", 2), ("a;b;b;b", 3), ("a;b;c", 1)];
    let got = run(lines, Transform::CollapseRecursion(Some("b".into())));
    assert_eq!(got, want(&[("a;b;d", 2), ("a;b", 3), ("a;b;c", 1)]));
    let got = run(lines, Transform::CollapseDirectRecursion(Some("b".into())));
    assert_eq!(got, want(&[("a;b;c;b;d", 2), ("a;b", 3), ("a;b;c", 1)]));
    // Every function: each at most once per stack.
    let got = run(&[("a;b;a;c;b;d", 1), ("x;y;x;y", 2)], Transform::CollapseRecursion(None));
    assert_eq!(got, want(&[("a;c;b;d", 1), ("x;y", 2)]));
    let got = run(&[("a;a;b;b;a", 1)], Transform::CollapseDirectRecursion(None));
    assert_eq!(got, want(&[("a;b;a", 1)]));
}

#[test]
fn collapse_module_makes_one_frame() {
    let lines = &[("app!main;libc!f;libc!g;app!cb;libc!h", 2), ("app!main;libc!g", 1)];
    let got = run(lines, Transform::CollapseModule("libc".into()));
    assert_eq!(got, want(&[("main;libc;cb;libc", 2), ("main;libc", 1)]));
}

#[test]
fn pprof_filters_follow_pprof() {
    // focus keeps whole stacks; ignore drops; both drop empty-stack samples.
    let lines = &[("a;b;c", 3), ("a;d", 2), ("", 4)];
    assert_eq!(run(lines, Transform::Focus("^b$".into())), want(&[("a;b;c", 3)]));
    assert_eq!(run(lines, Transform::Ignore("b".into())), want(&[("a;d", 2)]));
    // hide removes frames; a sample left with none is dropped.
    assert_eq!(run(&[("a;b;c", 3), ("b", 1)], Transform::Hide("b".into())), want(&[("a;c", 3)]));
    assert_eq!(run(&[("a;b;c", 3), ("d", 1)], Transform::Show("a|c".into())), want(&[("a;c", 3)]));
    let bad = apply(&profile(lines), &[Transform::Focus("(".into())]);
    assert!(bad.is_err_and(|e| e.0.contains("focus")));
}

#[test]
fn text_form_round_trips_and_unmatched_is_reported() {
    for t in [
        Transform::FocusSubtree(vec!["a".into(), "b".into()]),
        Transform::CollapseRecursion(None),
        Transform::Merge("x::y".into()),
        Transform::Hide("runtime\\.".into()),
    ] {
        assert_eq!(t.to_string().parse::<Transform>(), Ok(t));
    }
    assert!("nope:x".parse::<Transform>().is_err());
    let ts = [Transform::Merge("zz".into()), Transform::Merge("a".into())];
    let (_, applied) = apply(&profile(SAMPLE), &ts).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(applied.matched, vec![false, true]);
    assert_eq!(applied.warnings(&ts).len(), 1);
}

#[test]
fn collapse_subtree_makes_callees_self() {
    let got = run(SAMPLE, Transform::CollapseSubtree("b".into()));
    assert_eq!(got, want(&[("a;b", 5), ("a;d;b", 5), ("e;b", 7), ("a", 1)]));
}

#[test]
fn a_subtree_path_of_half_a_million_names_costs_the_path_not_the_path_times_the_frames() {
    // 2 000 functions; a path that names them over and over, far deeper
    // than any stack (a table of frames per name of the path was a
    // gigabyte here). The subtree exists nowhere: nothing is kept.
    let lines: Vec<(String, i64)> = (0..2000).map(|i| (format!("main;f{i}"), 1)).collect();
    let refs: Vec<(&str, i64)> = lines.iter().map(|(s, w)| (s.as_str(), *w)).collect();
    let p = profile(&refs);
    let path: Vec<String> =
        (0..500_000).map(|i| if i == 0 { "main".into() } else { format!("f{}", i % 2000) }).collect();
    let (out, applied) = apply(&p, &[Transform::FocusSubtree(path)]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(applied.matched, [true]);
    assert!(folded(&out).is_empty());
    // A short path still focuses as before.
    let (out, _) =
        apply(&p, &[Transform::FocusSubtree(vec!["main".into(), "f7".into()])]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(folded(&out), BTreeMap::from([("f7".to_string(), 1)]));
}
