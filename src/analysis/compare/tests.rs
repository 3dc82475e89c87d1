use super::reference::RefNode;
use super::*;
use crate::model::frame::FrameRef;
use crate::model::{FrameKind, LabelSetId, ProfileBuilder, Unit};

/// One sample per `(stack, weight)`; frames are `name` or `name@module`.
fn profile(samples: &[(&str, Weight)]) -> Profile {
    labelled(&samples.iter().map(|&(s, w)| (s, w, 0)).collect::<Vec<_>>())
}

/// Like [`profile`], each sample with label `l=N` when N > 0.
fn labelled(samples: &[(&str, Weight, u32)]) -> Profile {
    let mut b = ProfileBuilder::new("test");
    b.add_metric("cpu", Unit::Nanoseconds);
    let sets: Vec<LabelSetId> = (0..4)
        .map(|n| {
            let labels = if n == 0 {
                Vec::new()
            } else {
                vec![crate::model::Label { key: "l".into(), value: crate::model::LabelValue::Str(n.to_string()) }]
            };
            b.label_set(labels)
        })
        .collect();
    for &(stack, w, l) in samples {
        let mut s = None;
        for part in stack.split(';').filter(|p| !p.is_empty()) {
            let (name, module) = part.split_once('@').unwrap_or((part, ""));
            let f = b.frame(FrameRef::new(name, module, FrameKind::User));
            s = Some(b.stack(s, f));
        }
        b.add_sample(s, &[w], None, None, sets[l as usize]);
    }
    b.finish().unwrap_or_else(|e| panic!("{e}"))
}

fn compare(before: &Profile, after: &Profile, normalize: bool) -> Comparison {
    let opts = CompareOptions { normalize, ..CompareOptions::default() };
    build(Side { profile: before, metric: MetricId(0) }, Side { profile: after, metric: MetricId(0) }, &opts)
}

/// [`Comparison::build`] of two borrowed sides (their profiles copied
/// into the shared sides the tree keeps).
fn build(before: Side<'_>, after: Side<'_>, opts: &CompareOptions) -> Comparison {
    let shared = |s: Side<'_>| SharedSide { profile: std::sync::Arc::new(s.profile.clone()), metric: s.metric };
    Comparison::build(&shared(before), &shared(after), opts)
}

/// Every node as `path before/after` (totals), in preorder (children in
/// name order).
fn dump(c: &Comparison) -> Vec<String> {
    let mut order = Vec::new();
    let mut todo: Vec<u32> = c.children(0).collect();
    todo.reverse();
    while let Some(i) = todo.pop() {
        order.push(i);
        let kids: Vec<u32> = c.children(i).collect();
        todo.extend(kids.into_iter().rev());
    }
    order
        .into_iter()
        .map(|i| {
            let path: Vec<&str> = c.path_to(i).iter().filter_map(|&n| c.function_of(n)).map(|f| &*f.name).collect();
            format!("{} {}/{}", path.join(";"), c.before(i).total, c.after(i).total)
        })
        .collect()
}

#[test]
fn frames_present_only_before_stay_with_after_zero() {
    let before = profile(&[("main;parse", 5), ("main;sort;cmp", 3), ("main;sort", 2)]);
    let after = profile(&[("main;parse", 1), ("main;sort", 4), ("main;write", 6)]);
    let c = compare(&before, &after, false);
    assert_eq!(
        dump(&c),
        ["main 10/11", "main;parse 5/1", "main;sort 5/4", "main;sort;cmp 3/0", "main;write 0/6"],
        "children by name"
    );
    assert_eq!((c.table.before_total, c.table.after_total), (10, 11));
    assert_eq!(c.children(0).collect::<Vec<_>>(), [1]);
    let cmp = (0..c.len() as u32).find(|&i| c.depth(i) == 3).unwrap_or(0);
    assert_eq!(c.total_change(cmp), -3);
    assert!((c.share_change(cmp) - -30.0).abs() < 1e-9);
    // The table: totals once per sample, largest self change first.
    assert_eq!(c.table.rows[0].name, "write");
    let sort = c.table.rows_named("sort").next().map(|r| (r.before_self, r.after_self, r.before_total, r.after_total));
    assert_eq!(sort, Some((2, 4, 5, 4)));
}

#[test]
fn swapping_the_sides_exchanges_every_weight() {
    let before = profile(&[("a;b", 5), ("a;c", 3), ("d", 1)]);
    let after = profile(&[("a;b", 2), ("a;e", 7)]);
    let (ab, ba) = (compare(&before, &after, false), compare(&after, &before, false));
    let swap = |c: &Comparison| -> Vec<String> {
        dump(c)
            .iter()
            .map(|l| {
                let (path, w) = l.rsplit_once(' ').unwrap_or_default();
                let (x, y) = w.split_once('/').unwrap_or_default();
                format!("{path} {y}/{x}")
            })
            .collect()
    };
    assert_eq!(swap(&ab), dump(&ba));
    assert_eq!((ab.table.before_total, ab.table.after_total), (ba.table.after_total, ba.table.before_total));
}

#[test]
fn recursion_counts_a_function_total_once_per_sample() {
    let before = profile(&[("f;f;f", 4), ("f;g", 1)]);
    let after = profile(&[("f;f", 2)]);
    let c = compare(&before, &after, false);
    let f = c.table.rows_named("f").next().map(|r| (r.before_self, r.before_total, r.after_self, r.after_total));
    assert_eq!(f, Some((4, 5, 2, 2)));
}

#[test]
fn a_function_whose_binary_was_renamed_is_one_node_and_one_row() {
    let before = profile(&[("main@bin;work@old", 10), ("main@bin;memcpy@libc", 2)]);
    let after = profile(&[("main@bin;work@new", 4), ("main@bin;memcpy@libc", 3), ("main@bin;memcpy@kernel", 1)]);
    let c = compare(&before, &after, false);
    let work: Vec<_> = c.table.rows_named("work").map(|r| (r.module.as_str(), r.before_self, r.after_self)).collect();
    assert_eq!(work, [("old → new", 10, 4)]);
    // memcpy is in two modules after: matched by module, never merged across.
    assert_eq!(c.table.rows_named("memcpy").count(), 2);
    assert_eq!(dump(&c), ["main 12/8", "main;memcpy 0/1", "main;memcpy 2/3", "main;work 10/4"]);
}

#[test]
fn normalising_scales_after_per_stack_and_labels_and_rounds_each_as_pprof() {
    // Before 100; after 30 in three samples: two with the same stack and
    // labels (merged to 10 before rounding), one alone.
    let before = profile(&[("a", 100)]);
    let after = labelled(&[("a", 5, 1), ("a", 5, 1), ("a", 5, 2), ("b", 15, 0)]);
    let c = compare(&before, &after, true);
    let k = 100.0 / 30.0;
    let a = (10.0f64 * k).round() as Weight + (5.0f64 * k).round() as Weight;
    let b = (15.0f64 * k).round() as Weight;
    assert_eq!(a, 33 + 17);
    assert_eq!(c.table.rows_named("a").next().map(|r| r.after_self), Some(a));
    assert_eq!(c.table.rows_named("b").next().map(|r| r.after_self), Some(b));
    assert_eq!((c.table.before_total, c.table.after_total, c.table.after_raw_total), (100, a + b, 30));
    assert_eq!(c.table.scale, Some(k));
    // Absolute: untouched.
    let c = compare(&before, &after, false);
    assert_eq!((c.table.after_total, c.table.scale), (30, None));
}

#[test]
fn samples_with_no_stack_are_the_roots_own_weight() {
    let before = profile(&[("", 7), ("a", 1)]);
    let after = profile(&[("a", 2)]);
    let c = compare(&before, &after, false);
    assert_eq!(c.before(0), SideWeight { self_weight: 7, total: 8 });
    assert_eq!(c.after(0), SideWeight { self_weight: 0, total: 2 });
}

/// Self and total (once per sample) of every function, summed from the merged tree.
fn tree_functions(c: &Comparison) -> Vec<[SideWeight; 2]> {
    let mut out = vec![[SideWeight::default(); 2]; c.table.functions.len()];
    let mut on_path = vec![0u32; out.len()];
    let mut walk: Vec<(u32, u32)> = vec![(0, 0)];
    while let Some(&mut (id, ref mut next)) = walk.last_mut() {
        let n = c.node(id);
        if *next == 0
            && let Some(f) = n.function()
        {
            let f = f as usize;
            for (side, w) in [c.before(id), c.after(id)].into_iter().enumerate() {
                out[f][side].self_weight += w.self_weight;
                if on_path[f] == 0 {
                    out[f][side].total += w.total;
                }
            }
            on_path[f] += 1;
        }
        if let Some(child) = c.children(id).nth(*next as usize) {
            *next += 1;
            walk.push((child, 0));
        } else {
            if let Some(f) = n.function() {
                on_path[f as usize] -= 1;
            }
            walk.pop();
        }
    }
    out
}

#[test]
fn the_table_and_the_tree_agree() {
    let before = profile(&[("m@x;f@a;f@a;g@a", 4), ("m@x;f@a", 2), ("m@x;old@b;g@a", 3), ("", 1)]);
    let after = profile(&[("m@x;f@a;g@a;f@a", 5), ("m@x;old@c", 2), ("m@x;h@a;h@a", 7)]);
    for normalize in [false, true] {
        let c = compare(&before, &after, normalize);
        let tree = tree_functions(&c);
        assert!(c.table.rows.len() >= 5);
        for r in &c.table.rows {
            let t = tree[r.function as usize];
            assert_eq!(
                (r.before_self, r.before_total, r.after_self, r.after_total),
                (t[0].self_weight, t[0].total, t[1].self_weight, t[1].total),
                "{} [{}]",
                r.name,
                r.module
            );
        }
        assert_eq!(c.before(0).total, c.table.before_total);
        assert_eq!(c.after(0).total, c.table.after_total);
        // `old` moved from module b to c: one row, one node under m.
        assert_eq!(c.table.rows_named("old").map(|r| r.module.as_str()).collect::<Vec<_>>(), ["b → c"]);
    }
}

/// The merged tree of the old build (a hash lookup per stack, then a
/// layout of the same order) for `before` and `after`.
fn reference_nodes(before: Side<'_>, after: Side<'_>, opts: &CompareOptions) -> (Vec<RefNode>, u32) {
    let mut prepared = Prepared::new(before, after, opts);
    let mut weights = super::function_weights(&mut prepared, [before.profile, after.profile]);
    prepared.match_moved(&mut weights);
    let mut raw = super::reference::RawTree::new();
    for (side, p) in [before.profile, after.profile].into_iter().enumerate() {
        let (w, _) = prepared.stack_weights(side);
        let slots: Vec<Weight> = match w {
            SlotWeights::Narrow(w) => w.into_iter().map(Weight::from).collect(),
            SlotWeights::Wide(w) => w,
        };
        raw.add_side(side, p, &prepared.fids[side], &slots[1..], slots[0]);
    }
    raw.arena(&prepared.functions)
}

#[test]
fn the_merge_join_builds_the_same_tree_as_the_hash_build_on_real_pairs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/compare");
    let load = |name: &str| {
        let l =
            crate::load::load_path(&dir.join(name), &crate::load::LoadOptions::default(), crate::load::Progress::new());
        l.unwrap_or_else(|e| panic!("{name}: {e}")).profile
    };
    let pairs = [
        ("diff/shop-before.perf.txt", "diff/shop-after.perf.txt"),
        ("diff/shop-before.folded", "diff/shop-after.folded"),
        ("diff/shopd-before.cpu.pb.gz", "diff/shopd-after.cpu.pb.gz"),
        ("heapgrowth/heap-1.pb.gz", "heapgrowth/heap-5.pb.gz"),
    ];
    for (b, a) in pairs {
        let (before, after) = (load(b), load(a));
        for (x, y) in [(&before, &after), (&after, &before)] {
            for normalize in [false, true] {
                let opts = CompareOptions { normalize, ..CompareOptions::default() };
                let (bs, as_) = (
                    Side { profile: x, metric: x.default_metric },
                    Side { profile: y, metric: paired_metric(x, x.default_metric, y).unwrap_or(y.default_metric) },
                );
                let c = build(bs, as_, &opts);
                // The table summed in the side trees' walk is the CLI's,
                // which walks the stack tables.
                let d = Diff::build(bs, as_, &opts);
                assert_eq!((&c.table.rows, &c.table.functions), (&d.rows, &d.functions), "{b} {a} {normalize}");
                assert_eq!((c.table.before_total, c.table.after_total), (d.before_total, d.after_total));
                let (nodes, max_depth) = reference_nodes(bs, as_, &opts);
                assert!(nodes.len() > 50, "{b} {a}: {} nodes", nodes.len());
                assert_eq!(c.len(), nodes.len(), "{b} {a} normalize {normalize}");
                assert!(RefNode::all(&c) == nodes, "{b} {a} normalize {normalize}: the trees differ");
                assert_eq!(c.max_depth, max_depth);
                // The widths from the totals equal the widths carried up.
                let (fast, slow) = (
                    crate::analysis::compare_flame::FlameModel::new(&c, crate::analysis::compare_flame::WidthMode::All),
                    crate::analysis::compare_flame::FlameModel::by_pass(
                        &c,
                        crate::analysis::compare_flame::WidthMode::All,
                    ),
                );
                assert!(c.weights_non_negative());
                let widths = |m: &crate::analysis::compare_flame::FlameModel| {
                    (0..c.len() as u32).map(|i| m.width(&c, i)).collect::<Vec<_>>()
                };
                assert_eq!((widths(&fast), fast.max_change), (widths(&slow), slow.max_change), "{b} {a}");
            }
        }
    }
    // The synthetic pairs above too (moved functions, recursion, no stack).
    let before = profile(&[("m@x;f@a;f@a;g@a", 4), ("m@x;f@a", 2), ("m@x;old@b;g@a", 3), ("", 1)]);
    let after = profile(&[("m@x;f@a;g@a;f@a", 5), ("m@x;old@c", 2), ("m@x;h@a;h@a", 7), ("m@x;f@b", 1)]);
    let (bs, as_) = (Side { profile: &before, metric: MetricId(0) }, Side { profile: &after, metric: MetricId(0) });
    let c = build(bs, as_, &CompareOptions::default());
    assert_eq!((RefNode::all(&c), c.max_depth), reference_nodes(bs, as_, &CompareOptions::default()));
    let d = Diff::build(bs, as_, &CompareOptions::default());
    assert_eq!((&c.table.rows, &c.table.functions), (&d.rows, &d.functions));
}

/// Two frames of one function (here a user and a kernel frame of the same
/// name and module, as two lines or addresses of one function are): their
/// stacks are one path, interned again by function before the merge.
#[test]
fn sibling_frames_of_one_function_are_one_node() {
    let build = |samples: &[(&[(&str, FrameKind)], Weight)]| {
        let mut b = ProfileBuilder::new("test");
        b.add_metric("cpu", Unit::Nanoseconds);
        for &(stack, w) in samples {
            let mut s = None;
            for &(name, kind) in stack {
                let f = b.frame(FrameRef::new(name, "m", kind));
                s = Some(b.stack(s, f));
            }
            b.add_sample(s, &[w], None, None, LabelSetId(0));
        }
        b.finish().unwrap_or_else(|e| panic!("{e}"))
    };
    let (u, k) = (FrameKind::User, FrameKind::Kernel);
    let before = build(&[
        (&[("main", u), ("f", u), ("g", u)], 3),
        (&[("main", u), ("f", k), ("g", u)], 4),
        (&[("main", u), ("f", k)], 1),
        (&[("main", u), ("f", u), ("f", k)], 2),
    ]);
    let after = build(&[(&[("main", u), ("f", k), ("g", u)], 5), (&[("main", u), ("h", u)], 1)]);
    assert!(before.frames.len() > 3, "two frames of f");
    let c = compare(&before, &after, false);
    assert_eq!(dump(&c), ["main 10/6", "main;f 10/5", "main;f;f 2/0", "main;f;g 7/5", "main;h 0/1"]);
    let f = c.table.rows_named("f").next().map(|r| (r.before_self, r.before_total, r.after_self, r.after_total));
    assert_eq!(f, Some((3, 10, 0, 5)));
    let (bs, as_) = (Side { profile: &before, metric: MetricId(0) }, Side { profile: &after, metric: MetricId(0) });
    assert_eq!((RefNode::all(&c), c.max_depth), reference_nodes(bs, as_, &CompareOptions::default()));
    let d = Diff::build(bs, as_, &CompareOptions::default());
    assert_eq!((&c.table.rows, &c.table.functions), (&d.rows, &d.functions));
}

/// Random pairs (shared prefixes, recursion, two frames of one function,
/// zero and negative weights, samples with no stack) give the reference's
/// tree, the CLI's table, and a table that agrees with the tree.
#[test]
fn random_pairs_build_the_reference_tree_and_table() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let names = ["a", "b", "c", "d", "e", "f"];
    let mut random_profile = |kinds: bool| {
        let mut b = ProfileBuilder::new("test");
        b.add_metric("cpu", Unit::Nanoseconds);
        let mut stacks: Vec<Vec<(usize, usize, bool)>> = Vec::new();
        for _ in 0..40 {
            // Often a previous stack's prefix, then new frames.
            let mut frames: Vec<(usize, usize, bool)> = match next(3) {
                0 if !stacks.is_empty() => {
                    let s = &stacks[next(stacks.len() as u64) as usize];
                    s[..next(s.len() as u64 + 1) as usize].to_vec()
                }
                _ => Vec::new(),
            };
            for _ in 0..next(7) {
                frames.push((next(6) as usize, next(2) as usize, kinds && next(4) == 0));
            }
            let mut s = None;
            for &(name, module, kernel) in &frames {
                let kind = if kernel { FrameKind::Kernel } else { FrameKind::User };
                let f = b.frame(FrameRef::new(names[name], ["x", "y"][module], kind));
                s = Some(b.stack(s, f));
            }
            let w = next(14) as Weight - 3;
            b.add_sample(s, &[w], None, None, LabelSetId(0));
            stacks.push(frames);
        }
        b.finish().unwrap_or_else(|e| panic!("{e}"))
    };
    for round in 0..60 {
        let (before, after) = (random_profile(round % 2 == 0), random_profile(round % 3 == 0));
        for (x, y) in [(&before, &after), (&after, &before)] {
            for normalize in [false, true] {
                let opts = CompareOptions { normalize, ..CompareOptions::default() };
                let (bs, as_) = (Side { profile: x, metric: MetricId(0) }, Side { profile: y, metric: MetricId(0) });
                let c = build(bs, as_, &opts);
                let what = format!("round {round} normalize {normalize}");
                assert_eq!((RefNode::all(&c), c.max_depth), reference_nodes(bs, as_, &opts), "{what}");
                let d = Diff::build(bs, as_, &opts);
                assert_eq!((&c.table.rows, &c.table.functions), (&d.rows, &d.functions), "{what}");
                let tree = tree_functions(&c);
                for r in &c.table.rows {
                    let t = tree[r.function as usize];
                    let row = (r.before_self, r.before_total, r.after_self, r.after_total);
                    assert_eq!(row, (t[0].self_weight, t[0].total, t[1].self_weight, t[1].total), "{what}: {}", r.name);
                }
            }
        }
    }
}
