#![no_main]
//! Transform specs (`--transform`, `--focus RE` ...): parse any text, apply
//! what parses to a real profile, and check the result's invariants.
use std::sync::OnceLock;

use firesight::analysis::transform::{self, Transform};
use firesight::model::Profile;
use libfuzzer_sys::fuzz_target;

static PROFILE: OnceLock<Profile> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let p = PROFILE.get_or_init(firesight_fuzz::sample_profile);
    let mut list = Vec::new();
    for spec in text.lines().take(8) {
        if let Ok(t) = spec.parse::<Transform>() {
            list.push(t);
        }
    }
    if let Ok((out, _)) = transform::apply(p, &list) {
        firesight_fuzz::check_profile(&out);
    }
});
