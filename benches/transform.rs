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
use firesight::model::frame::FrameRef;
use firesight::model::{CallTree, FrameKind, FunctionTable, Profile, ProfileBuilder, SampleFilter, Unit};

const NODES: usize = 1_000_000;

/// The flamegraph bench's tree: paths of depth 5..60 with shared upper
/// levels, from 5000 function names in 37 modules, until the stack table
/// has `NODES` entries.
fn synthetic_profile() -> Profile {
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut b = ProfileBuilder::new("synthetic");
    let m = b.add_metric("cpu-clock", Unit::Nanoseconds);
    let frames: Vec<_> = (0..5000)
        .map(|i| {
            let name = format!("module{}::function_{i}", i % 37);
            let module = format!("lib{}.so", i % 37);
            b.frame(FrameRef::new(&name, &module, FrameKind::User))
        })
        .collect();
    while b.stacks().len() < NODES {
        let depth = 5 + (next() % 56) as usize;
        let mut parent = None;
        let mut key: u64 = 1;
        for _ in 0..depth {
            let mut k = 0u64;
            while next() % 2 == 0 && k < 12 {
                k += 1;
            }
            key = key.wrapping_mul(0x100_0000_01b3).wrapping_add(k + 1);
            let f = frames[(key % frames.len() as u64) as usize];
            parent = Some(b.stack(parent, f));
        }
        b.add_sample_for(parent, m, 1 + (next() % 1000) as i128, None, None);
    }
    b.finish().expect("synthetic profile is valid")
}

fn main() {
    let t = Instant::now();
    let p = synthetic_profile();
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
