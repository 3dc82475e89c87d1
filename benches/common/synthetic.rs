//! The synthetic 1 000 000-node profile the window benchmarks share.

use firesight::model::frame::FrameRef;
use firesight::model::{FrameKind, Profile, ProfileBuilder, Unit};

/// Stack-table entries of the synthetic profile.
pub const NODES: usize = 1_000_000;

/// A deterministic pseudo-random tree: paths of depth 5..60 whose upper
/// levels are shared (geometric choice among a few children), drawn from a
/// pool of 5000 function names (in `modules` libraries; one when 0 or 1),
/// until the stack table has `NODES` entries.
#[allow(dead_code)]
pub fn synthetic_profile(modules: usize) -> Profile {
    synthetic_profile_of(modules, NODES)
}

/// The same shape with `nodes` stack-table entries.
pub fn synthetic_profile_of(modules: usize, nodes: usize) -> Profile {
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut b = ProfileBuilder::new("synthetic");
    let m = b.add_metric("cpu-clock", Unit::Nanoseconds);
    let kinds =
        [FrameKind::User, FrameKind::User, FrameKind::User, FrameKind::Kernel, FrameKind::Jit, FrameKind::Inline];
    let frames: Vec<_> = (0..5000)
        .map(|i| {
            let name = format!("module{}::function_{i}", i % 37);
            let module = if modules <= 1 { "libsynthetic.so".to_string() } else { format!("lib{}.so", i % modules) };
            b.frame(FrameRef::new(&name, &module, kinds[i % kinds.len()]))
        })
        .collect();
    while b.stacks().len() < nodes {
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
