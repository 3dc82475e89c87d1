//! Our own recordings in `sample-profiles/` (each with the command that
//! made it in the README there): py-spy's speedscope JSON, Node's
//! `.cpuprofile` and Chrome trace, and Valgrind massif, each checked
//! against an oracle computed without Firesight by a small script that
//! reads the file as its format defines it (massif: from `ms_print`'s
//! output), kept with its output in `tests/data/samples/oracle/`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use firesight::load::{Format, LoadOptions, Loaded, Progress, load_path};
use firesight::model::{FrameId, MetricId, Profile, ThreadId, Weight};
use serde_json::Value;

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-profiles").join(name)
}

fn load(name: &str) -> Loaded {
    load_path(&sample(name), &LoadOptions::default(), Progress::new()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn oracle(name: &str) -> Value {
    let path = crate::common::data(&format!("samples/oracle/{name}"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A decimal the oracle wrote as a string (`"1.38"`) times `10^decimals`, exactly.
fn decimal(v: &Value, decimals: u32) -> Weight {
    let text = v.as_str().unwrap_or_else(|| panic!("{v} is not a decimal string"));
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    assert!(frac.len() as u32 <= decimals, "{text} has more than {decimals} decimals");
    format!("{int}{frac}{}", "0".repeat((decimals - frac.len() as u32) as usize))
        .parse()
        .unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn int(v: &Value) -> Weight {
    Weight::from(v.as_u64().unwrap_or_else(|| panic!("{v} is not a count")))
}

/// [`crate::common::per_frame`] without the frames that carry nothing.
fn per_frame(
    p: &Profile,
    m: MetricId,
    thread: Option<ThreadId>,
    label: &dyn Fn(FrameId) -> String,
) -> BTreeMap<String, (Weight, Weight)> {
    let mut out = crate::common::per_frame(p, m, thread, label);
    out.retain(|_, (s, t)| *s != 0 || *t != 0);
    out
}

#[test]
fn py_spy_speedscope_of_invoices_py_matches_the_oracle() {
    let l = load("invoices.speedscope.json");
    assert_eq!(l.format, Format::Speedscope);
    let p = &l.profile;
    let o = oracle("invoices.speedscope.json.json");
    let m = p.default_metric;
    assert_eq!(p.metric(m).unit, firesight::model::Unit::Seconds);
    let d = p.metric(m).decimals;
    let profiles = o["profiles"].as_array().expect("profiles");
    assert_eq!(p.threads.len(), profiles.len());
    let mut all: Weight = 0;
    for op in profiles {
        let name = op["name"].as_str().unwrap_or("");
        let t = p.threads.iter().position(|t| t.name == name).unwrap_or_else(|| panic!("no thread {name}"));
        let t = ThreadId::from_index(t);
        let samples = (0..p.samples.len()).filter(|&i| p.samples.thread(i) == Some(t));
        let total: Weight = samples.map(|i| p.weight(i, m)).sum();
        assert_eq!(total, decimal(&op["total_weight"], d), "{name}");
        all += total;
        let label = |f: FrameId| {
            let fr = p.frames.frame(f);
            match (&fr.file, fr.line) {
                (Some(file), Some(line)) => format!("{} ({file}:{line})", fr.name),
                _ => fr.name.clone(),
            }
        };
        let want: BTreeMap<String, (Weight, Weight)> = op["frames"]
            .as_object()
            .expect("frames")
            .iter()
            .map(|(k, v)| (k.clone(), (decimal(&v["self"], d), decimal(&v["total"], d))))
            .filter(|(_, (s, t))| *s != 0 || *t != 0)
            .collect();
        assert_eq!(per_frame(p, m, Some(t), &label), want, "{name}");
    }
    assert_eq!(p.total(m), all);
    // The workload's own functions are where the time goes.
    let hot = per_frame(p, m, None, &|f| p.frames.name(f).to_string());
    for f in ["price", "parse", "render", "ledger"] {
        assert!(hot.get(f).is_some_and(|w| w.1 > 0), "{f} has no samples");
    }
}

#[test]
fn node_cpuprofile_of_wordfreq_js_matches_the_oracle() {
    let l = load("wordfreq.cpuprofile");
    assert_eq!(l.format, Format::CpuProfile);
    let p = &l.profile;
    let o = oracle("wordfreq.cpuprofile.json");
    let samples = p.metric_by_name("samples").expect("samples metric");
    let time = p.metric_by_name("cpu time").expect("cpu time metric");
    assert_eq!(p.total(samples), int(&o["samples"]));
    assert_eq!(p.total(time), int(&o["sum_sample_time_us"]));
    let label = |f: FrameId| p.frames.name(f).to_string();
    let by_samples = per_frame(p, samples, None, &label);
    let by_us = per_frame(p, time, None, &label);
    let functions = o["functions"].as_object().expect("functions");
    for (name, v) in functions {
        let w = |k: &str| int(&v[k]);
        assert_eq!(
            by_samples.get(name).copied().unwrap_or_default(),
            (w("self_samples"), w("total_samples")),
            "{name}"
        );
        assert_eq!(by_us.get(name).copied().unwrap_or_default(), (w("self_us"), w("total_us")), "{name}");
    }
    assert_eq!(by_samples.len(), functions.len());
    for (name, n) in o["special_nodes_self_samples"].as_object().expect("special") {
        assert_eq!(by_samples[name].0, int(n), "{name}");
    }
    let (lo, hi) = p.time_range_ns().expect("times");
    assert!(hi - lo <= o["duration_us"].as_u64().unwrap_or(0) * 1000);
}

#[test]
fn node_trace_events_of_wordfreq_js_match_the_oracle() {
    let l = load("wordfreq.trace.json");
    assert_eq!(l.format, Format::ChromeTrace);
    let set = l.traces.as_ref().expect("traces");
    let o = oracle("wordfreq.trace.json.json");
    let threads = o["threads"].as_object().expect("threads");
    assert!(!threads.is_empty());
    for (key, t) in threads {
        let want_name = t["thread_name"].as_str().unwrap_or("");
        let trace = set
            .traces
            .iter()
            .find(|tr| tr.spans.first().is_some_and(|s| &*s.service == want_name))
            .unwrap_or_else(|| panic!("no trace for thread {key} ({want_name})"));
        assert_eq!(trace.spans.len() as Weight, int(&t["X"]) + int(&t["B"]), "{key}");
        let self_ns = trace.self_times_ns();
        let mut by_name: HashMap<&str, (Weight, Weight, Weight)> = HashMap::new();
        for (i, s) in trace.spans.iter().enumerate() {
            let e = by_name.entry(&s.name).or_default();
            e.0 += 1;
            e.1 += Weight::from(s.duration_ns());
            e.2 += Weight::from(self_ns[i]);
        }
        let by = t["by_name"].as_object().expect("by_name");
        for (name, v) in by {
            let want = (int(&v["count"]), decimal(&v["total_us"], 3), decimal(&v["self_us"], 3));
            assert_eq!(by_name.get(name.as_str()).copied().unwrap_or_default(), want, "{key} {name}");
        }
        assert_eq!(by_name.len(), by.len(), "{key}");
    }
}

#[test]
fn massif_of_lrucache_c_matches_ms_print() {
    let l = load("lrucache.massif.out");
    assert_eq!(l.format, Format::Massif);
    let p = &l.profile;
    let o = oracle("lrucache.massif.out.json");
    assert_eq!(p.total(p.default_metric), int(&o["peak_useful_heap_B"]));
    crate::common::assert_massif_series(p, &o, "lrucache.massif.out");
    let frames = per_frame(p, p.default_metric, None, &|f| p.frames.name(f).to_string());
    let functions = o["peak_functions"].as_object().expect("peak_functions");
    for (name, v) in functions {
        assert_eq!(frames.get(name).copied(), Some((int(&v["self_B"]), int(&v["total_B"]))), "{name}");
    }
    // The cache's values and the report's blocks are the peak.
    for f in ["render_value", "alloc_block", "build_report", "main"] {
        assert!(functions.contains_key(f), "{f}");
    }
}
