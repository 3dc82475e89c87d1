//! speedscope, V8 .cpuprofile, Chrome trace, callgrind and massif on real
//! files, against the oracles the reference tools (or the format's own
//! definition) give: per-metric totals and per-function self and total.

use std::collections::HashMap;

use firesight::load::{Format, LoadOptions};
use firesight::model::{CallTree, FrameId, FunctionTable, MetricId, Profile, SampleFilter, ThreadId, Weight};
use serde_json::Value;

use crate::common::{data, folded_text, load, load_bytes, per_frame};

fn oracle(rel: &str) -> Value {
    let text = std::fs::read_to_string(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Per function (the hot table's rows): name -> (self, total).
fn per_function(p: &Profile, m: MetricId, filter: &SampleFilter) -> HashMap<(String, String), (Weight, Weight)> {
    let tree = CallTree::build(p, m, filter);
    FunctionTable::build(&tree, p.frames.len())
        .rows
        .iter()
        .map(|r| {
            let f = p.frames.frame(r.frame);
            ((f.name.clone(), f.module.clone()), (r.self_weight, r.total))
        })
        .collect()
}

/// A decimal number of the oracle (`1.165`, `43.736`) times `10^decimals`, exactly.
fn scaled(v: &Value, decimals: u32) -> Weight {
    let text = v.to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    assert!(frac.len() as u32 <= decimals, "{text} has more than {decimals} decimals");
    let digits = format!("{int}{frac}{}", "0".repeat((decimals - frac.len() as u32) as usize));
    digits.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn speedscope_from_py_spy_matches_the_oracle() {
    for name in ["shop", "shop-idle-threads"] {
        let l = load(&format!("speedscope/{name}.speedscope.json"));
        assert_eq!(l.format, Format::Speedscope);
        let p = &l.profile;
        let o = oracle(&format!("speedscope/oracle/{name}.speedscope.json.json"));
        let m = p.default_metric;
        assert_eq!(p.metric(m).name, "time");
        assert_eq!(p.metric(m).unit, firesight::model::Unit::Seconds);
        let d = p.metric(m).decimals;
        assert_eq!(p.total(m), scaled(&o["total_weight_all_profiles"], d), "{name}");
        assert_eq!(p.samples.len() as u64, o["total_samples_all_profiles"].as_u64().unwrap_or(0));
        let profiles = o["profiles"].as_array().expect("profiles");
        assert_eq!(p.threads.len(), profiles.len());
        for op in profiles {
            let tname = op["name"].as_str().unwrap_or("");
            let t = p.threads.iter().position(|t| t.name == tname).expect(tname);
            let t = ThreadId::from_index(t);
            let label = |f: FrameId| {
                let fr = p.frames.frame(f);
                match (&fr.file, fr.line) {
                    (Some(file), Some(line)) => format!("{} ({file}:{line})", fr.name),
                    _ => fr.name.clone(),
                }
            };
            let frames = per_frame(p, m, Some(t), &label);
            let thread_total: Weight =
                (0..p.samples.len()).filter(|&i| p.samples.thread(i) == Some(t)).map(|i| p.weight(i, m)).sum();
            assert_eq!(thread_total, scaled(&op["total_weight"], d), "{name} {tname}");
            for row in op["top20_self"].as_array().expect("top20_self") {
                let f = row["frame"].as_str().unwrap_or("");
                assert_eq!(frames.get(f).map(|x| x.0), Some(scaled(&row["weight"], d)), "{name} {tname} self {f}");
            }
            for row in op["top20_total"].as_array().expect("top20_total") {
                let f = row["frame"].as_str().unwrap_or("");
                assert_eq!(frames.get(f).map(|x| x.1), Some(scaled(&row["weight"], d)), "{name} {tname} total {f}");
            }
        }
        // Sniffed from content alone, the same profile.
        let bytes = std::fs::read(data(&format!("speedscope/{name}.speedscope.json"))).expect("read");
        let again = load_bytes(bytes, &LoadOptions::default()).expect("load");
        assert_eq!(folded_text(&again.profile), folded_text(p));
    }
}

#[test]
fn cpuprofile_from_node_matches_the_oracle() {
    let l = load("cpuprofile/node-shop.cpuprofile");
    assert_eq!(l.format, Format::CpuProfile);
    let p = &l.profile;
    let o = oracle("cpuprofile/oracle/node-shop.cpuprofile.json");
    let samples = p.metric_by_name("samples").expect("samples metric");
    let time = p.metric_by_name("cpu time").expect("cpu time metric");
    assert_eq!(p.default_metric, time);
    assert_eq!(p.total(samples), i128::from(o["samples"].as_u64().unwrap_or(0)));
    assert_eq!(p.total(time), i128::from(o["sum_sample_time_us"].as_u64().unwrap_or(0)));
    let label = |f: FrameId| p.frames.name(f).to_string();
    let by_samples = per_frame(p, samples, None, &label);
    let by_us = per_frame(p, time, None, &label);
    let functions = o["functions"].as_object().expect("functions");
    for (name, v) in functions {
        let want = |k: &str| i128::from(v[k].as_u64().unwrap_or(u64::MAX));
        assert_eq!(
            by_samples.get(name).copied().unwrap_or_default(),
            (want("self_samples"), want("total_samples")),
            "{name}"
        );
        assert_eq!(by_us.get(name).copied().unwrap_or_default(), (want("self_us"), want("total_us")), "{name}");
    }
    assert_eq!(by_samples.len(), functions.len());
    // (idle), (program) and (garbage collector) stay frames of their own.
    for (name, n) in o["special_nodes_self_samples"].as_object().expect("special") {
        assert_eq!(by_samples[name].0, i128::from(n.as_u64().unwrap_or(0)), "{name}");
    }
    // Samples carry their times: the span is the recording's.
    let (lo, hi) = p.time_range_ns().expect("times");
    assert!(hi - lo <= o["duration_us"].as_u64().unwrap_or(0) * 1000);
}

#[test]
fn chrome_traces_match_the_oracle_per_thread() {
    for name in ["viztracer-min50us.json", "viztracer-nocfunc.json.gz", "node-trace-events.json"] {
        let l = load(&format!("chrome-trace/{name}"));
        assert_eq!(l.format, Format::ChromeTrace, "{name}");
        let set = l.traces.as_ref().expect("traces");
        let o = oracle(&format!("chrome-trace/oracle/{name}.json"));
        for (key, t) in o["threads"].as_object().expect("threads") {
            let spans_in_file = t["X"].as_u64().unwrap_or(0) + t["B"].as_u64().unwrap_or(0);
            if spans_in_file == 0 {
                continue;
            }
            let want_name = t["thread_name"].as_str().unwrap_or("");
            let trace = set
                .traces
                .iter()
                .find(|tr| tr.spans.first().is_some_and(|s| &*s.service == want_name))
                .unwrap_or_else(|| panic!("{name}: no trace for thread {key} ({want_name})"));
            assert_eq!(trace.spans.len() as u64, spans_in_file, "{name} {key}");
            let self_ns = trace.self_times_ns();
            let mut by_name: HashMap<&str, (u64, u64, u64)> = HashMap::new();
            for (i, s) in trace.spans.iter().enumerate() {
                let e = by_name.entry(&s.name).or_default();
                e.0 += 1;
                e.1 += s.duration_ns();
                e.2 += self_ns[i];
            }
            for (fname, v) in t["by_name"].as_object().expect("by_name") {
                let got = by_name.get(fname.as_str()).copied().unwrap_or_default();
                let want = (
                    v["count"].as_u64().unwrap_or(0),
                    scaled(&v["total_us"], 3) as u64,
                    scaled(&v["self_us"], 3) as u64,
                );
                assert_eq!(got, want, "{name} {key} {fname}");
            }
            assert_eq!(by_name.len(), t["by_name"].as_object().map_or(0, |m| m.len()), "{name} {key}");
        }
        // The projection weighs self time per thread: its total is the sum of self times.
        let total_self: u64 = set.traces.iter().flat_map(|t| t.self_times_ns()).sum();
        assert_eq!(l.profile.total(l.profile.default_metric), i128::from(total_self));
        assert_eq!(l.profile.threads.len(), set.traces.len());
    }
}

#[test]
fn callgrind_self_and_inclusive_costs_match_callgrind_annotate() {
    let l = load("valgrind/shop.callgrind.out");
    assert_eq!(l.format, Format::Callgrind);
    let p = &l.profile;
    assert_eq!(p.warnings_total, 0, "{:?}", p.warnings);
    let o = oracle("valgrind/oracle/shop.callgrind.out.json");
    let ir = p.metric_by_name("Ir").expect("Ir");
    assert_eq!(p.total(ir), i128::from(o["program_total_Ir"].as_u64().unwrap_or(0)));
    // callgrind_annotate lists a function once per `file:function`: its
    // `fi=` inlined headers apart (those parts' self costs add up to the
    // function's), two objects' functions of one name and file together.
    // So self costs are compared per name, and inclusive costs per
    // function file: the entry of the function's own `fl=` file holds its
    // whole inclusive cost.
    let functions = o["functions"].as_object().expect("functions");
    let name_of = |key: &str| key.rsplit_once(':').map_or(key, |(_, n)| n).to_string();
    let mut want_self: HashMap<String, Weight> = HashMap::new();
    for (key, v) in functions {
        *want_self.entry(name_of(key)).or_default() += i128::from(v["self_Ir"].as_u64().unwrap_or(0));
    }
    let mut got_self: HashMap<String, Weight> = HashMap::new();
    for ((name, _), (self_w, _)) in per_function(p, ir, &SampleFilter::default()) {
        *got_self.entry(name).or_default() += self_w;
    }
    assert_eq!(got_self, want_self);
    let label = |f: FrameId| {
        let fr = p.frames.frame(f);
        format!("{}:{}", fr.file.as_deref().unwrap_or("???"), fr.name)
    };
    let frames = per_frame(p, ir, None, &label);
    let mut checked = 0;
    for (key, v) in functions {
        let incl = i128::from(v["inclusive_Ir"].as_u64().unwrap_or(0));
        let Some(&(_, total)) = frames.get(key) else { continue };
        if key.ends_with("'2") {
            // A recursive function (callgrind's deeper recursion levels)
            // calls itself, and callgrind_annotate adds those calls' cost to
            // its inclusive cost again; a tree counts it once.
            assert!(total < incl, "{key}: {total} vs {incl}");
        } else if incl < i128::from(v["self_Ir"].as_u64().unwrap_or(0)) {
            // callgrind_annotate's inclusive below self: `clone`, whose call
            // into the new thread's `start_thread` it does not count.
            assert!(key.ends_with(":clone"), "{key}");
        } else {
            assert_eq!(total, incl, "inclusive of {key}");
            checked += 1;
        }
    }
    assert!(checked > 300, "{checked}");
}

#[test]
fn massif_peak_tree_and_heap_over_time_match_ms_print() {
    for name in ["heap.massif.out", "heap-bytes-stacks.massif.out"] {
        let l = load(&format!("valgrind/{name}"));
        assert_eq!(l.format, Format::Massif);
        let p = &l.profile;
        let o = oracle(&format!("valgrind/oracle/{name}.json"));
        let peak = &o["peak"];
        assert_eq!(p.metric(p.default_metric).name, "useful heap at peak");
        assert_eq!(p.total(p.default_metric), i128::from(peak["useful_heap_B"].as_u64().unwrap_or(0)), "{name}");
        // Every snapshot's useful, extra and stack bytes at its time.
        assert_eq!(firesight::load::massif::SERIES_METRICS, firesight::analysis::heap_series::SERIES_METRICS);
        assert_eq!(firesight::load::massif::PEAK_METRIC, firesight::analysis::heap_series::PEAK_METRIC);
        crate::common::assert_massif_series(p, &o, name);
        // The peak's allocation sites: each site's bytes are its self bytes.
        let label = |f: FrameId| p.frames.name(f).to_string();
        let frames = per_frame(p, p.default_metric, None, &label);
        for site in o["peak_top_sites"].as_array().expect("sites") {
            let text = site["site"].as_str().unwrap_or("");
            if text.starts_with("in ") {
                continue;
            }
            let fname = text.split_once(": ").map_or(text, |(_, r)| r).split(" (").next().unwrap_or("");
            assert_eq!(frames[fname].0, i128::from(site["bytes"].as_u64().unwrap_or(0)), "{name} {fname}");
        }
    }
}

#[test]
fn callgrind_files_of_other_options_load_as_callgrind_annotate_reads_them() {
    // valgrind-3.19.0 on `cg-prog.c` (see valgrind/SOURCES.md): with
    // `--collect-jumps=yes` (`jfi=(4) name` defines a file id used later),
    // `--cache-sim=yes --branch-sim=yes` (its `summary:` 12 Ir above its
    // `totals:`, which the costs add up to) and `--compress-strings=no`
    // (`cfn=(below main)` is a name). All three were refused. Oracle:
    // callgrind_annotate's self Ir of the three hottest functions and
    // `--inclusive=yes` of `prog.c:sorter` and `rtld.c:_dl_start`.
    for (name, total, warnings) in
        [("cg_jumps", 18_518_248, 0), ("cg_nocomp", 18_518_248, 0), ("cg_cache", 18_518_154, 4)]
    {
        let l = load(&format!("valgrind/{name}.callgrind.out.gz"));
        assert_eq!(l.format, Format::Callgrind, "{name}");
        let p = &l.profile;
        let ir = p.metric_by_name("Ir").expect("Ir");
        assert_eq!(p.total(ir), total, "{name}");
        assert_eq!(p.warnings_total, warnings, "{name}: {:?}", p.warnings);
        let f = per_function(p, ir, &SampleFilter::default());
        let get = |n: &str| f.iter().find(|((name, _), _)| name == n).map(|(_, w)| *w).unwrap_or_else(|| panic!("{n}"));
        assert_eq!(get("msort_with_tmp.part.0'2").0, 5_249_301, "{name}");
        assert_eq!(get("work_loop").0, 4_500_018, "{name}");
        assert_eq!(get("__memset_avx2_unaligned_erms").0, 4_194_406, "{name}");
        assert_eq!(get("sorter").1, 8_611_737, "{name}");
        assert_eq!(get("_dl_start").1, 121_966, "{name}");
    }
    let p = load("valgrind/cg_cache.callgrind.out.gz").profile;
    assert!(p.warnings.iter().any(|w| w.message.contains("`summary:` says 18518166 Ir")), "{:?}", p.warnings);
}

#[test]
fn speedscope_functions_of_one_name_in_two_files_stay_two() {
    // py-spy's speedscope file (see speedscope/SOURCES.md): `<module>` of 12
    // files (python over the JSON), which were one function before.
    let p = load("speedscope/modules.speedscope.json").profile;
    let modules: std::collections::BTreeSet<FrameId> =
        p.frames.iter().filter(|(_, f)| f.name == "<module>").map(|(id, _)| p.function(id)).collect();
    assert_eq!(modules.len(), 12);
    assert!(
        modules.iter().all(|&f| p.frames.frame(f).module.ends_with(".py") || p.frames.frame(f).module.starts_with('<'))
    );
}

#[test]
fn chrome_trace_events_without_a_name_or_with_a_number_for_one_load() {
    // A name that is a number (some writers emit ids) failed the whole
    // file; a missing or empty name gave an empty frame, which folded
    // output cannot carry.
    let text = br#"{"traceEvents":[
        {"ph":"X","pid":1,"tid":1,"ts":0,"dur":100},
        {"name":"","ph":"X","pid":1,"tid":1,"ts":10,"dur":10},
        {"name":123,"ph":"X","pid":1,"tid":1,"ts":30,"dur":10}
    ]}"#;
    let l = crate::common::load_bytes(text.to_vec(), &firesight::load::LoadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(l.format, Format::ChromeTrace);
    let p = &l.profile;
    let names: std::collections::BTreeSet<&str> = p.frames.iter().map(|(_, f)| f.name.as_str()).collect();
    assert!(names.contains("(unnamed)") && names.contains("123"), "{names:?}");
    assert!(!names.contains(""), "{names:?}");
}

#[test]
fn callgrind_per_thread_files_carry_their_thread() {
    // `--separate-threads=yes`: a file per thread, `pid: 5876` and
    // `thread: 2` in its header. callgrind_annotate: 900,006 Ir of
    // work_loop, 1,021,522 in all.
    let p = load("valgrind/cg_thr.callgrind.out-02.gz").profile;
    assert_eq!(p.threads.len(), 1);
    assert_eq!((p.threads[0].pid, p.threads[0].tid), (Some(5876), Some(2)));
    assert!((0..p.samples.len()).all(|i| p.samples.thread(i) == Some(ThreadId::from_index(0))));
    let ir = p.metric_by_name("Ir").expect("Ir");
    assert_eq!(p.total(ir), 1_021_522);
    let f = per_function(&p, ir, &SampleFilter::default());
    assert_eq!(f.iter().find(|((n, _), _)| n == "work_loop").map(|(_, w)| w.0), Some(900_006));
}
