#![no_main]
//! Any bytes, gzipped, then sniffed and loaded: the decompression path and
//! every loader behind it.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| firesight_fuzz::load_gzipped_and_check(data));
