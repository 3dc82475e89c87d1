//! Benchmark: what the window does to compare two files (issue 11) against
//! loading the two files alone. Target: the comparison costs at most the
//! two loads plus 10%.
//!
//! - **two loads**: `load::load_path` of BEFORE, then of AFTER (what
//!   `firesight info A; firesight info B` does, in one process).
//! - **window job**: `jobs::compare::CompareJob` on the two paths, polled
//!   to completion: both loads (each on a thread of its own, side by side)
//!   then the comparison the window shows (the function table, the merged
//!   tree, the new side's label shares), then the flamegraph's widths
//!   (`FlameModel`), as the tab does when it opens.
//! - **build alone**: the part after the loads (`ProfilePair::build` plus
//!   `FlameModel::new`) on profiles already in memory: the window's own
//!   cost on top of the loads, whatever the threads do; split into the
//!   function table (`Diff::build`, all the CLI's `diff` needs) and the rest.
//! - **two tabs**: what opening the two files in tabs costs after their
//!   loads (`jobs::Views::build` of each: call tree, function table, label
//!   shares, sample count), for scale.
//!
//! Inputs: `BENCH_BEFORE` and `BENCH_AFTER`, default the files
//! `benches/diff_perf.sh` generates (`/tmp/firesight-bench/perf-200mb-
//! 50000-seed{1,2}.txt`, `gen_perf.py --mb 200 --stacks 50000`). Runs
//! alternate (`BENCH_RUNS`, default 5); medians are printed with the
//! ratios. Run: `cargo bench --bench compare_window`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use firesight::analysis::compare::CompareOptions;
use firesight::analysis::compare::Side;
use firesight::analysis::diff::Diff;
use firesight::jobs::compare::{CompareFile, CompareInput, CompareJob, Compared, ProfilePair};
use firesight::jobs::{Poll, Views};
use firesight::load::{self, LoadOptions, Progress};
use firesight::model::SampleFilter;

fn path(var: &str, seed: u32) -> PathBuf {
    std::env::var_os(var)
        .map_or_else(|| PathBuf::from(format!("/tmp/firesight-bench/perf-200mb-50000-seed{seed}.txt")), PathBuf::from)
}

fn load(p: &Path) -> CompareFile {
    let l = load::load_path(p, &LoadOptions::default(), Progress::new()).unwrap_or_else(|e| panic!("{e}"));
    CompareFile {
        name: p.display().to_string(),
        path: Some(p.to_path_buf()),
        format: l.format.name().to_string(),
        profile: Arc::new(l.profile),
        traces: l.traces.map(Arc::new),
    }
}

fn window_job(before: &Path, after: &Path) -> usize {
    let job = CompareJob::spawn(
        vec![CompareInput::Path(before.to_path_buf()), CompareInput::Path(after.to_path_buf())],
        || {},
    );
    loop {
        match job.poll() {
            Poll::Pending => std::thread::sleep(Duration::from_millis(1)),
            // The flamegraph's widths come with the comparison.
            Poll::Done(Ok(Compared::Pair(p))) => return p.comparison.len(),
            Poll::Done(Ok(Compared::Series(_))) => panic!("two files make a pair"),
            Poll::Done(Err(e)) => panic!("{e}"),
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let (before, after) = (path("BENCH_BEFORE", 1), path("BENCH_AFTER", 2));
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    for p in [&before, &after] {
        assert!(p.exists(), "{} is missing: run benches/diff_perf.sh once to generate it", p.display());
    }
    let mb = |p: &PathBuf| std::fs::metadata(p).map_or(0, |m| m.len() / 1_000_000);
    println!("inputs: {} ({} MB), {} ({} MB)", before.display(), mb(&before), after.display(), mb(&after));
    let (mut loads, mut jobs, mut builds) = (Vec::new(), Vec::new(), Vec::new());
    let (mut tables, mut tabs) = (Vec::new(), Vec::new());
    let mut nodes = 0;
    // One warm-up round for the page cache, then `runs` alternating rounds.
    for round in 0..=runs {
        let t = Instant::now();
        let (b, a) = (load(&before), load(&after));
        let load_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let (bm, am) = (b.profile.default_metric, a.profile.default_metric);
        let table = Diff::build(
            Side { profile: &b.profile, metric: bm },
            Side { profile: &a.profile, metric: am },
            &CompareOptions::default(),
        );
        let table_s = t.elapsed().as_secs_f64();
        drop(table);
        let t = Instant::now();
        let views = [
            Views::build(&b.profile, bm, &SampleFilter::default()),
            Views::build(&a.profile, am, &SampleFilter::default()),
        ];
        let tabs_s = t.elapsed().as_secs_f64();
        drop(views);
        let t = Instant::now();
        let pair = ProfilePair::build(b, a, None, CompareOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let build_s = t.elapsed().as_secs_f64();
        nodes = pair.comparison.len();
        drop(pair);
        let t = Instant::now();
        assert_eq!(window_job(&before, &after), nodes);
        let job_s = t.elapsed().as_secs_f64();
        if round > 0 {
            loads.push(load_s);
            builds.push(build_s);
            tables.push(table_s);
            tabs.push(tabs_s);
            jobs.push(job_s);
        }
    }
    let (l, j, b) = (median(loads), median(jobs), median(builds));
    let (tb, tv) = (median(tables), median(tabs));
    println!("merged tree: {nodes} nodes; medians of {runs} runs");
    println!("two loads (one after the other)     {l:7.3} s");
    println!("window job (loads side by side + build) {j:7.3} s   ratio {:.3}", j / l);
    println!("  of which the function table (the CLI diff) {tb:7.3} s   loads + table / loads = {:.3}", (l + tb) / l);
    println!("two tabs: views of both after their loads {tv:7.3} s   loads + views / loads = {:.3}", (l + tv) / l);
    println!(
        "build alone (table, tree, labels, widths) {b:7.3} s   loads + build / loads = {:.3} (target <= 1.10)",
        (l + b) / l
    );
}
