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

/// Per frame (as `label(frame)` names it): self and total of metric `m`,
/// total once per sample, over the samples of `thread` (all when `None`).
pub fn per_frame(
    p: &firesight::model::Profile,
    m: firesight::model::MetricId,
    thread: Option<firesight::model::ThreadId>,
    label: &dyn Fn(firesight::model::FrameId) -> String,
) -> std::collections::BTreeMap<String, (firesight::model::Weight, firesight::model::Weight)> {
    let mut out: std::collections::BTreeMap<String, (firesight::model::Weight, firesight::model::Weight)> =
        std::collections::BTreeMap::new();
    let mut path = Vec::new();
    for i in 0..p.samples.len() {
        if thread.is_some() && p.samples.thread(i) != thread {
            continue;
        }
        let w = p.weight(i, m);
        let Some(leaf) = p.samples.stacks[i] else { continue };
        p.stacks.frames_root_first(leaf, &mut path);
        let mut seen: Vec<String> = Vec::new();
        for (k, &f) in path.iter().enumerate() {
            let name = label(f);
            let e = out.entry(name.clone()).or_default();
            if k + 1 == path.len() {
                e.0 += w;
            }
            if !seen.contains(&name) {
                e.1 += w;
                seen.push(name);
            }
        }
    }
    out
}

/// A massif profile's heap over time equals the oracle's snapshots
/// (`snapshots`: time, useful, extra and stack bytes) and its peak snapshot.
pub fn assert_massif_series(p: &firesight::model::Profile, o: &serde_json::Value, name: &str) {
    let series = firesight::analysis::heap_series::heap_series(p).expect("series");
    let snaps = o["snapshots"].as_array().expect("snapshots");
    assert_eq!(series.points.len(), snaps.len(), "{name}");
    for (pt, s) in series.points.iter().zip(snaps) {
        let u = |k: &str| s[k].as_u64().unwrap_or(u64::MAX);
        assert_eq!(
            (pt.time, pt.useful_bytes, pt.extra_bytes, pt.stacks_bytes),
            (u("time"), u("useful_heap_B"), u("extra_heap_B"), u("stacks_B")),
            "{name} snapshot {}",
            s["n"]
        );
    }
    assert_eq!(series.peak, o["peak_snapshot"].as_u64().map(|n| n as usize), "{name}");
}
