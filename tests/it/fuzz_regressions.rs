//! Every crash the fuzz campaign found (`fuzz/run.sh`), kept as a test:
//! each input under tests/data/fuzz loads or fails with a clear error,
//! never a panic.

use firesight::load::LoadOptions;

use crate::common::{data, load_bytes};

#[test]
fn every_input_the_fuzzer_crashed_on_now_loads_or_fails_cleanly() {
    let mut n = 0;
    for e in std::fs::read_dir(data("fuzz")).unwrap().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "md") {
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        if let Err(err) = load_bytes(bytes, &LoadOptions::default()) {
            assert!(!err.to_string().is_empty(), "{}", p.display());
        }
        n += 1;
    }
    assert!(n >= 1);
}

#[test]
fn a_perf_data_sample_before_any_attribute_is_an_error_at_its_offset() {
    let bytes = std::fs::read(data("fuzz/perf_data-sample-before-attrs.bin")).unwrap();
    match load_bytes(bytes, &LoadOptions::default()) {
        Ok(l) => assert_eq!(l.format, firesight::load::Format::PerfData),
        Err(e) => assert!(e.to_string().contains("perf.data"), "{e}"),
    }
}
