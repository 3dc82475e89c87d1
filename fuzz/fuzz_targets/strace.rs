#![no_main]
//! The Strace loader on any bytes: a `LoadError` or a profile whose invariants hold.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| firesight_fuzz::load_and_check(data, Some(firesight::load::Format::Strace)));
