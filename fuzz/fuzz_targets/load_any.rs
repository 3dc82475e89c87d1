#![no_main]
//! The sniffer and whichever loader it picks, on any bytes.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| firesight_fuzz::load_and_check(data, None));
