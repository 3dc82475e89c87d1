//! Transform cost on a 1 000 000-node call tree (issue 12): applying one
//! transform and rebuilding what the window redraws from (the call tree and
//! the function table), headless. Not a timed test.
//!
//! `cargo bench --bench transform --no-default-features` prints the
//! median and worst of 7 runs per transform; the flamegraph's own frame on
//! a tree this size is `benches/flamegraph.rs`'s business.

// A benchmark may stop on a broken synthetic profile.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use firesight::analysis::transform::{self, Transform};
use firesight::model::{CallTree, FunctionTable, SampleFilter};

#[path = "common/synthetic.rs"]
mod synthetic;
use synthetic::synthetic_profile;

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
        ("merge a function", vec![Transform::Merge("module3::function_3".into())]),
        ("drop samples with a function", vec![Transform::Drop("module3::function_3".into())]),
        ("focus on a function", vec![Transform::FocusFunction("module5::function_42".into())]),
        ("collapse all recursion", vec![Transform::CollapseRecursion(None)]),
        ("collapse a module", vec![Transform::CollapseModule("lib7.so".into())]),
        ("pprof --hide RE", vec![Transform::Hide("function_1[0-9]$".into())]),
    ];
    println!("{:<32} {:>12} {:>12} {:>12}", "transform (+ tree + table)", "median", "worst", "nodes after");
    for (name, list) in cases {
        let mut times: Vec<Duration> = Vec::new();
        let mut nodes = 0;
        for _ in 0..7 {
            let t = Instant::now();
            let (out, _) = transform::apply(&p, &list).expect("transform applies");
            let tree = CallTree::build(&out, out.default_metric, &SampleFilter::default());
            let table = FunctionTable::build(&tree, out.frames.len());
            black_box(&table);
            times.push(t.elapsed());
            nodes = tree.nodes.len();
        }
        times.sort();
        println!("{name:<32} {:>12.2?} {:>12.2?} {nodes:>12}", times[times.len() / 2], times[times.len() - 1]);
    }
}
