//! The bundled sample profile the window shows when it starts with no file.
//!
//! `sample-profiles/kvstore.perf.txt`: a real `perf record -g` / `perf
//! script` of a small key-value store workload (see sample-profiles/README.md
//! for the program and the commands), embedded so the binary shows something
//! real wherever it runs.

/// Name shown in the tab.
pub const NAME: &str = "kvstore.perf.txt (bundled sample)";

/// The file's bytes.
pub const BYTES: &[u8] = include_bytes!("../../sample-profiles/kvstore.perf.txt");

/// Status-bar note saying what the sample is.
pub const DESCRIPTION: &str =
    "Bundled sample: perf record -g of a small key-value store (sample-profiles/kvstore.perf.txt)";
