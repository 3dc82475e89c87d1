//! Helpers shared by the integration tests.

use std::path::PathBuf;
use std::sync::Arc;

use firesight::load::{self, Input, LoadOptions, Loaded, Progress};
use firesight::model::Profile;
use firesight::model::calltree::SampleFilter;

/// Path of a file under `tests/data/`.
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

/// Loads a file under `tests/data/` with default options, panicking with the error.
pub fn load(rel: &str) -> Loaded {
    load_with(rel, &LoadOptions::default())
}

/// Loads with options.
pub fn load_with(rel: &str, opts: &LoadOptions) -> Loaded {
    match load::load_path(&data(rel), opts, Progress::new()) {
        Ok(l) => l,
        Err(e) => panic!("{rel}: {e}"),
    }
}

/// Loads raw bytes (no file name: content sniffing only).
pub fn load_bytes(bytes: Vec<u8>, opts: &LoadOptions) -> Result<Loaded, load::LoadError> {
    let mut input = Input::from_reader(
        std::io::Cursor::new(bytes),
        None,
        Arc::new(Progress::default()),
        opts.chunk_size,
        opts.max_decompressed,
    )?;
    load::load_input(&mut input, opts)
}

/// The folded text of the default metric, one `stack count` line per stack.
pub fn folded_text(p: &Profile) -> String {
    let m = p.default_metric;
    let lines = firesight::export::folded::fold(p, m, &SampleFilter::default());
    let mut out = Vec::new();
    firesight::export::folded::write(p, m, &lines, &mut out).expect("write to Vec");
    String::from_utf8(out).expect("utf8")
}

/// Runs the firesight binary, returning (exit code, stdout, stderr).
pub fn run_cli(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_firesight")).args(args).output().expect("run firesight");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
