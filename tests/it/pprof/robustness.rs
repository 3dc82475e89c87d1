//! Damaged pprof profiles never panic: truncations and byte flips of the
//! decompressed protobuf (a deterministic xorshift picks them) load or fail
//! with a `LoadError`.

use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};

use firesight::load::{Format, LoadOptions};

use crate::common::load_bytes;

use super::data;

#[test]
fn truncated_and_flipped_profiles_never_panic() {
    let opts = LoadOptions { format: Some(Format::Pprof), ..LoadOptions::default() };
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let (mut ok, mut failed) = (0, 0);
    for name in ["synthetic.pb.gz", "generated/mutex.pb.gz", "profile-with-labels.pb.gz", "alloc_objects.pb.gz"] {
        let gz = std::fs::read(data(name)).unwrap_or_default();
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut raw).unwrap_or_default();
        let n = raw.len();
        let mut inputs: Vec<Vec<u8>> = (1..30).map(|k| raw[..n * k / 30].to_vec()).collect();
        for round in 0..80 {
            let mut b = raw.clone();
            for _ in 0..1 + round % 6 {
                let i = (next() % n as u64) as usize;
                b[i] = (next() & 0xff) as u8;
            }
            inputs.push(b);
        }
        for (k, input) in inputs.into_iter().enumerate() {
            let r = catch_unwind(AssertUnwindSafe(|| load_bytes(input, &opts).is_ok()));
            match r {
                Ok(true) => ok += 1,
                Ok(false) => failed += 1,
                Err(_) => panic!("pprof loader panicked on {name} variant {k}"),
            }
        }
    }
    assert_eq!(ok + failed, 4 * 109);
    assert!(failed > 100, "most damaged inputs are rejected ({failed})");
}
