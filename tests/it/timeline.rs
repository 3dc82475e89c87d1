//! The timeline's selections on real perf files: a range fold equals
//! folding only the samples in the range (the perf script cut by its own
//! timestamps, then loaded), a thread fold equals folding only that
//! thread's samples, density buckets add up, and the CLI's `--from/--to`,
//! `--thread` and `--pid` select the same samples or say why they cannot.

use firesight::analysis::timeline::{relative_range_ns, threads_matching, timeline};
use firesight::export::folded;
use firesight::load::LoadOptions;
use firesight::model::{Profile, SampleFilter, Weight};

use crate::common::{data, load, load_bytes, run_cli};

const FILE: &str = "perf/generated/shop-c.perf.txt.gz";

/// The perf script text of `FILE`.
fn script() -> String {
    let bytes = std::fs::read(data(FILE)).expect("read");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text).expect("gunzip");
    text
}

/// The sample blocks of a perf script whose header line passes `keep`
/// (given the header's timestamp in ns and its words).
fn cut(text: &str, keep: impl Fn(u64, &str) -> bool) -> String {
    let mut out = String::new();
    for block in text.split("\n\n") {
        let header = block.lines().next().unwrap_or("");
        // `comm tid [cpu] seconds.micros: period event:`
        let Some(stamp) = header.split_whitespace().find(|w| w.ends_with(':') && w.contains('.')) else { continue };
        let (s, us) = stamp.trim_end_matches(':').split_once('.').expect("seconds.micros");
        let ns = s.parse::<u64>().expect("s") * 1_000_000_000 + us.parse::<u64>().expect("us") * 1_000;
        if keep(ns, header) {
            out.push_str(block.trim_matches('\n'));
            out.push_str("\n\n");
        }
    }
    out
}

fn fold(p: &Profile, filter: &SampleFilter) -> String {
    let lines = folded::fold(p, p.default_metric, filter);
    let mut out = Vec::new();
    folded::write(p, p.default_metric, &lines, &mut out).expect("write");
    String::from_utf8(out).expect("utf8")
}

#[test]
fn a_range_fold_equals_folding_only_the_samples_in_the_range() {
    let p = load(FILE).profile;
    let (first, last) = p.time_range_ns().expect("timestamps");
    assert_eq!(last - first, 1_005_458_000);
    for (from, to) in [(Some(0.2), Some(0.5)), (None, Some(0.1)), (Some(0.9), None), (Some(0.0), Some(0.000_5))] {
        let range = relative_range_ns(&p, from, to).expect("range");
        let filter = SampleFilter { time_range_ns: Some(range), ..SampleFilter::default() };
        let text = cut(&script(), |t, _| t >= range.0 && t < range.1);
        let only = load_bytes(text.into_bytes(), &LoadOptions::default());
        let want = match only {
            Ok(l) => fold(&l.profile, &SampleFilter::default()),
            Err(_) => String::new(), // no sample in the range
        };
        assert_eq!(fold(&p, &filter), want, "{from:?}..{to:?}");
    }
    // The CLI's --from/--to, in seconds from the first sample.
    let f = data(FILE).to_string_lossy().into_owned();
    let (code, out, err) = run_cli(&["fold", &f, "--from", "0.2", "--to", "0.5"]);
    assert_eq!(code, 0, "{err}");
    let range = relative_range_ns(&p, Some(0.2), Some(0.5)).expect("range");
    assert_eq!(out, fold(&p, &SampleFilter { time_range_ns: Some(range), ..SampleFilter::default() }));
    assert!(out.lines().count() > 10);
}

#[test]
fn a_thread_fold_equals_folding_only_that_threads_samples() {
    let p = load(FILE).profile;
    let worker = p.threads.iter().position(|t| t.name == "worker-1").expect("worker-1");
    let tid = p.threads[worker].tid.expect("tid");
    let threads = threads_matching(&p, &[tid], &[]).expect("thread");
    let filter = SampleFilter { threads, ..SampleFilter::default() };
    let text = cut(&script(), |_, header| header.starts_with("worker-1 "));
    let only = load_bytes(text.into_bytes(), &LoadOptions::default()).expect("load the cut");
    let want = fold(&only.profile, &SampleFilter::default());
    assert_eq!(fold(&p, &filter), want);
    let f = data(FILE).to_string_lossy().into_owned();
    let (code, out, err) = run_cli(&["fold", &f, "--thread", &tid.to_string()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, want);
}

#[test]
fn density_buckets_add_up_to_each_threads_weight() {
    let p = load(FILE).profile;
    let tl = timeline(&p, p.default_metric, 500, &SampleFilter::default()).expect("times");
    assert_eq!(tl.tracks.len(), 3);
    let total: Weight = tl.tracks.iter().map(|t| t.weight).sum();
    assert_eq!(total, p.total(p.default_metric));
    for t in &tl.tracks {
        assert_eq!(t.buckets.iter().sum::<Weight>(), t.weight, "{}", t.name);
    }
    assert!(tl.tracks.windows(2).all(|w| w[0].weight >= w[1].weight), "heaviest first");
    assert_eq!(tl.tracks.iter().map(|t| t.samples).sum::<u64>(), 2002);
}

#[test]
fn selections_that_cannot_be_made_say_why() {
    let perf = data(FILE).to_string_lossy().into_owned();
    let pprof = data("pprof/generated/cpu.pb.gz").to_string_lossy().into_owned();
    let (code, _, err) = run_cli(&["top", &pprof, "--from", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("pprof samples carry no timestamps"), "{err}");
    let (code, _, err) = run_cli(&["top", &perf, "--thread", "7"]);
    assert_eq!(code, 2);
    assert!(err.contains("no thread has tid 7; the threads are: perf_shop 24058, io worker 24060"), "{err}");
    let (code, _, err) = run_cli(&["top", &perf, "--from", "0.5", "--to", "0.2"]);
    assert_eq!(code, 2);
    assert!(err.contains("--from 0.5 s must come before --to 0.2 s"), "{err}");
    let (code, _, err) = run_cli(&["top", &pprof, "--thread", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("no thread or process ids"), "{err}");
    // inferno's bare --pid still appends pids; a number selects a process.
    let (code, out, err) = run_cli(&["fold", &perf, "--pid"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("io_worker-?;"), "{out}");
    let (code, _, err) = run_cli(&["top", "--pid", &perf]);
    assert_eq!(code, 2);
    assert!(err.contains("expected a process id"), "{err}");
    let (code, _, err) = run_cli(&["diff", &perf, &perf, "--from", "0.1"]);
    assert_eq!(code, 2);
    assert!(err.contains("select samples of one profile"), "{err}");
}
