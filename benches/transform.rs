//! Transform cost on a 1 000 000-node call tree (issue 12): applying one
//! transform and rebuilding what the window redraws from, headless. Not a
//! timed test.
//!
//! `cargo bench --bench transform [-- NAME...]` prints, per transform kind (or
//! those whose name contains a NAME), the median
//! and worst of 7 runs of: the transform alone, the call tree and function
//! table after it (built together, as the window does), everything the window's worker builds for a tab
//! ([`firesight::jobs::Views::build`]: tree, table, sample count, label
//! shares, timeline), and the flamegraph layout of the first frame drawn
//! after it (1920 px, 60 rows; only with the `gui` feature). "total" is
//! transform + views + layout: what stands between the click and the new
//! picture. The flamegraph's own frame on a tree this size is
//! `benches/flamegraph.rs`'s business.

// A benchmark may stop on a broken synthetic profile.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use firesight::analysis::transform::{self, Transform};
use firesight::jobs::Views;
use firesight::model::{CallTree, SampleFilter};

#[path = "common/synthetic.rs"]
mod synthetic;
use synthetic::synthetic_profile;

/// The flamegraph rows the first frame after a transform lays out.
#[cfg(feature = "gui")]
fn layout(tree: &CallTree) -> usize {
    use firesight::ui::flamegraph::layout::{LayoutParams, layout};
    use firesight::ui::view_range::ViewRange;
    let params = LayoutParams {
        zoom: tree.root(),
        view: ViewRange::FULL,
        width_px: 1920.0,
        first_level: 0,
        levels: 60,
        min_box_px: 1.0,
    };
    layout(tree, &params).rows.len()
}

#[cfg(not(feature = "gui"))]
fn layout(_: &CallTree) -> usize {
    0
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

fn main() {
    let t = Instant::now();
    let p = synthetic_profile(37);
    println!(
        "synthetic profile: {} stack nodes, {} samples, built in {:.2?}",
        p.stacks.len(),
        p.samples.len(),
        t.elapsed()
    );
    let cases = [
        ("none (the tree as loaded)", vec![]),
        ("focus on a function", vec![Transform::FocusFunction("module5::function_42".into())]),
        ("merge a function", vec![Transform::Merge("module3::function_3".into())]),
        ("drop samples with a function", vec![Transform::Drop("module3::function_3".into())]),
        ("collapse all recursion", vec![Transform::CollapseRecursion(None)]),
        ("collapse a module", vec![Transform::CollapseModule("lib7.so".into())]),
        ("pprof --hide RE", vec![Transform::Hide("function_1[0-9]$".into())]),
        ("pprof --show RE", vec![Transform::Show("function_[0-9]*[0-7]$".into())]),
        ("pprof --focus RE", vec![Transform::Focus("function_4[0-9]$".into())]),
    ];
    println!(
        "{:<30} {:>9} {:>11} {:>7} {:>7} {:>8} {:>8} {:>10} {:>8}   (ms, median of 7; worst and first total)",
        "transform", "transform", "tree+table", "views", "layout", "total", "worst", "nodes", "first"
    );
    // `cargo bench --bench transform -- merge`: only the cases named so.
    let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    for (name, list) in cases {
        if !only.is_empty() && !only.iter().any(|o| name.contains(o.as_str())) {
            continue;
        }
        let mut runs: Vec<[Duration; 5]> = Vec::new();
        let mut nodes = 0;
        // What the window shows before the click: alive while the next
        // picture is built, dropped once it is drawn, as in the window (so
        // only trees dropped before a build can lend it their buffers).
        let mut shown = Views::build(&p, p.default_metric, &SampleFilter::default());
        // As the load's worker does once the tab has its views.
        CallTree::prepare_spare(shown.tree.len(), p.stacks.len());
        for _ in 0..7 {
            let t0 = Instant::now();
            let (out, _) = transform::apply(&p, &list).expect("transform applies");
            let t1 = Instant::now();
            let views = Views::build(&out, out.default_metric, &SampleFilter::default());
            let t2 = Instant::now();
            black_box(layout(&views.tree));
            let t3 = Instant::now();
            // The tree and table alone, for the breakdown: built after the
            // window's part, so that their buffers are not the window's.
            let (tree, table) = CallTree::build_with_functions(&out, out.default_metric, &SampleFilter::default());
            let t4 = Instant::now();
            black_box(&table);
            drop((tree, table));
            nodes = views.tree.nodes.len();
            runs.push([t1 - t0, t4 - t3, t2 - t1, t3 - t2, t3 - t0]);
            shown = views;
        }
        black_box(&shown);
        let median = |k: usize| {
            let mut v: Vec<Duration> = runs.iter().map(|r| r[k]).collect();
            v.sort();
            v[v.len() / 2]
        };
        let worst = runs.iter().map(|r| r[4]).max().unwrap_or_default();
        let first = runs.first().map(|r| r[4]).unwrap_or_default();
        println!(
            "{name:<30} {:>9} {:>11} {:>7} {:>7} {:>8} {:>8} {nodes:>10} {:>8}",
            ms(median(0)),
            ms(median(1)),
            ms(median(2)),
            ms(median(3)),
            ms(median(4)),
            ms(worst),
            ms(first)
        );
    }
}
