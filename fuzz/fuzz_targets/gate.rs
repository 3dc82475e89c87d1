#![no_main]
//! `--fail-on` expressions: parse any text; a gate that parses prints its threshold.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(g) = firesight::analysis::gate::parse(text)
    {
        let _ = g.threshold_text();
    }
});
