#![no_main]
//! `--tag KEY=VALUE` values compared with labels: any key and text against
//! string and numeric labels never panics.
use firesight::model::LabelValue;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (key, value) = text.split_once('=').unwrap_or((text, ""));
    for label in [
        LabelValue::Str("/orders".into()),
        LabelValue::Num { value: 1024, unit: Some("bytes".into()) },
        LabelValue::Num { value: -7, unit: None },
        LabelValue::Num { value: i64::MIN, unit: Some(String::new()) },
    ] {
        let _ = label.matches(key, value);
    }
});
