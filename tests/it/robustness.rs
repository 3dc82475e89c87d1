//! Damaged real files never panic or hang: every loader gets truncations and
//! byte flips of real inputs (a deterministic xorshift picks them) and must
//! return a profile or a `LoadError`. A cheap, always-on cousin of fuzzing.

use std::panic::{AssertUnwindSafe, catch_unwind};

use firesight::load::LoadOptions;

use crate::common::{data, load_bytes};

/// Real files of every format, by path under `tests/data/`.
pub const CORPUS: &[&str] = &["folded/bad-lines.txt", "folded/fractional.txt", "folded/pyspy-shop.folded"];

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn survives(bytes: Vec<u8>, what: &str) {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let _ = load_bytes(bytes, &LoadOptions::default());
    }));
    assert!(result.is_ok(), "loader panicked on {what}");
}

#[test]
fn truncated_and_flipped_inputs_never_panic() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for rel in CORPUS {
        let original = std::fs::read(data(rel)).expect("read corpus file");
        let n = original.len();
        for k in 1..40 {
            let cut = n * k / 40;
            survives(original[..cut].to_vec(), &format!("{rel} cut at {cut}"));
        }
        for round in 0..60 {
            let mut b = original.clone();
            for _ in 0..1 + round % 8 {
                let i = (rng.next() % n.max(1) as u64) as usize;
                if let Some(x) = b.get_mut(i) {
                    *x = (rng.next() & 0xff) as u8;
                }
            }
            survives(b, &format!("{rel} flip round {round}"));
        }
    }
}
