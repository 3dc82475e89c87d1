//! pprof loader on real profiles: every sample type's total and every
//! function's flat and cum against `go tool pprof -top -functions` (the
//! generated set's oracle JSON, and golden outputs committed beside the other
//! files), metadata, labels, warnings, and inputs that must fail.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use firesight::load::{LoadOptions, Progress, load_path};
use firesight::model::{CallTree, FrameKind, FunctionTable, LabelValue, MetricId, Profile, SampleFilter, Weight};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pprof").join(name)
}

fn load(path: &Path) -> Profile {
    match load_path(path, &LoadOptions::default(), Progress::new()) {
        Ok(l) => l.profile,
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

/// Function name -> (flat, cum), as the model's function table has them.
fn functions(p: &Profile, m: MetricId) -> BTreeMap<String, (Weight, Weight)> {
    let tree = CallTree::build(p, m, &SampleFilter::default());
    let table = FunctionTable::build(&tree, p.frames.len());
    let mut out = BTreeMap::new();
    for r in &table.rows {
        let name = p.frames.name(r.frame).to_string();
        let prev = out.insert(name.clone(), (r.self_weight, r.total));
        assert!(prev.is_none(), "two functions named {name:?} in {}", p.format);
    }
    out
}

/// Compares one metric of `p` with pprof's per-function numbers.
fn check_functions(what: &str, p: &Profile, m: MetricId, total: Weight, want: &BTreeMap<String, (Weight, Weight)>) {
    assert_eq!(p.total(m), total, "{what}: total");
    let got = functions(p, m);
    for (name, w) in want {
        assert_eq!(got.get(name), Some(w), "{what}: function {name:?} (flat, cum)");
    }
    for (name, w) in &got {
        if *w != (0, 0) {
            assert!(want.contains_key(name), "{what}: {name:?} {w:?} is not in pprof's output");
        }
    }
}

#[test]
fn generated_profiles_match_the_go_oracle() {
    for name in ["cpu", "heap", "mutex", "block", "goroutine"] {
        let file = data(&format!("generated/{name}.pb.gz"));
        let p = load(&file);
        let text = std::fs::read_to_string(data(&format!("generated/{name}.pb.gz.json"))).unwrap_or_default();
        let oracle: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let types = oracle["sample_types"].as_array().cloned().unwrap_or_default();
        assert_eq!(p.metrics.len(), types.len(), "{name}: metric count");
        for (i, t) in types.iter().enumerate() {
            let m = MetricId::from_index(i);
            assert_eq!(p.metric(m).name, t["type"].as_str().unwrap_or_default(), "{name}: metric {i}");
            assert_eq!(p.metric(m).unit.name(), t["unit"].as_str().unwrap_or_default(), "{name}: unit {i}");
            let mut want = BTreeMap::new();
            for (f, v) in t["functions"].as_object().cloned().unwrap_or_default() {
                let n = |k: &str| Weight::from(v[k].as_i64().unwrap_or(i64::MIN));
                want.insert(f, (n("flat"), n("cum")));
            }
            let total = Weight::from(t["total"].as_i64().unwrap_or_default());
            check_functions(&format!("{name} {}", p.metric(m).name), &p, m, total, &want);
        }
        // pprof's default: the last sample type (no default_sample_type set).
        assert_eq!(p.default_metric.index(), types.len() - 1, "{name}: default metric");
    }
}

/// Parses a golden `go tool pprof -top` output: the total and name -> (flat, cum).
fn parse_top(text: &str) -> (Weight, BTreeMap<String, (Weight, Weight)>) {
    let num = |s: &str| -> Weight {
        let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        digits.parse().unwrap_or_else(|_| panic!("not an exact number: {s:?}"))
    };
    let mut total = 0;
    let mut rows = BTreeMap::new();
    let mut in_table = false;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some(rest) = line.strip_prefix("Showing nodes accounting for ") {
            // With -nodefraction=0 every node is shown, so the nodes account
            // for the plain sum; "of N total" is pprof's sum of |values|.
            total = num(rest.split(',').next().unwrap_or_default());
        } else if line.trim_start().starts_with("flat ") {
            in_table = true;
        } else if in_table {
            // Five space-separated columns, two spaces, then the name as is
            // (names may hold spaces and tabs).
            let mut rest = line;
            let mut cols = Vec::new();
            for _ in 0..5 {
                rest = rest.trim_start_matches(' ');
                let end = rest.find(' ').unwrap_or(rest.len());
                cols.push(&rest[..end]);
                rest = &rest[end..];
            }
            let flat = num(cols[0]);
            let cum = num(cols[3]);
            let name = rest.strip_prefix("  ").unwrap_or(rest);
            let name = name.trim_end_matches(" (inline)").trim_end_matches(" (partial-inline)").to_string();
            rows.insert(name, (flat, cum));
        }
    }
    (total, rows)
}

#[test]
fn other_profiles_match_go_tool_pprof_golden_files() {
    let dir = data("golden");
    let mut checked = 0;
    let mut entries: Vec<_> =
        std::fs::read_dir(&dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    entries.sort();
    for golden in entries.iter().filter(|p| p.extension().is_some_and(|e| e == "txt")) {
        let stem = golden.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let (base, index) = stem.rsplit_once('.').unwrap_or_default();
        let file = match base.strip_prefix("go-shop-") {
            Some(kind) => Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("sample-profiles/go-shop/{kind}.pb.gz")),
            None => data(&format!("{base}.pb.gz")),
        };
        let p = load(&file);
        // Go prints symbol names byte for byte; invalid UTF-8 reads as U+FFFD, as the loader makes it.
        let text = String::from_utf8_lossy(&std::fs::read(golden).unwrap_or_default()).into_owned();
        let (total, want) = parse_top(&text);
        let m = MetricId::from_index(index.parse().unwrap_or(usize::MAX));
        assert!(m.index() < p.metrics.len(), "{stem}: no metric {index}");
        check_functions(stem, &p, m, total, &want);
        checked += 1;
    }
    assert_eq!(checked, 38, "golden files checked");
}

/// Diffs made by `go tool pprof -proto -diff_base` (base samples negated and
/// labelled `pprof::base`): every function's flat% and cum% as pprof prints
/// them, which are shares of the base profile's total, and in pprof's order.
#[test]
fn pprof_diffs_have_pprofs_shares_and_order() {
    for base in ["diff-one-build", "diff-two-builds"] {
        let golden = std::fs::read_to_string(data(&format!("golden/{base}.1.txt"))).unwrap_or_default();
        let want: Vec<(String, String, String, String)> = golden
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("flat "))
            .skip(1)
            .map(|l| {
                let c: Vec<&str> = l.split_whitespace().collect();
                (c[5].to_string(), c[1].to_string(), c[2].to_string(), c[4].to_string())
            })
            .collect();
        let (code, out, err) =
            crate::common::run_cli(&["top", "--metric", "cpu", &data(&format!("{base}.pb.gz")).to_string_lossy()]);
        assert_eq!(code, 0, "{err}");
        // self, self%, total, total%, cum%, name [module]; values are scaled.
        let got: Vec<(String, String, String, String)> = out
            .lines()
            .skip(3)
            .map(|l| {
                let c: Vec<&str> = l.split_whitespace().collect();
                let name = c[c.len() - 2].to_string();
                let pct = |i: usize| c[i].trim_end_matches('%').to_string();
                // pprof writes 0% without decimals.
                let pct = |i: usize| if pct(i) == "0.00" { "0".to_string() } else { pct(i) };
                (name, format!("{}%", pct(2)), format!("{}%", pct(6)), format!("{}%", pct(5)))
            })
            .collect();
        // The label panel's shares are of the same base: the base profile's 850 ms.
        let p = load(&data(&format!("{base}.pb.gz")));
        let cpu = p.metric_by_name("cpu").unwrap_or(MetricId(0));
        assert_eq!(
            firesight::analysis::labels::label_shares(&p, cpu, &Default::default()).total,
            850_000_000,
            "{base}"
        );
        assert_eq!(CallTree::build(&p, cpu, &SampleFilter::default()).share_base, 850_000_000, "{base}");
        assert_eq!(got.len(), want.len(), "{base}: {out}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w, "{base}: (name, flat%, sum%, cum%)");
        }
    }
}

mod batches;
mod cli;
mod errors;
mod hostile;
mod labels;
mod robustness;
mod streaming;
mod synthetic;

#[test]
fn metadata_labels_and_warnings_reach_the_model() {
    let fib = load(&data("fib.pb.gz"));
    let meta =
        |p: &Profile, k: &str| p.meta.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
    assert_eq!(meta(&fib, "period type"), "cpu nanoseconds");
    assert_eq!(meta(&fib, "period"), "10000000 nanoseconds");
    assert_eq!(meta(&fib, "time"), "2021-07-16 13:10:30.776293402 UTC");
    assert!(meta(&fib, "duration").starts_with("30.2 s ("), "{}", meta(&fib, "duration"));
    assert!(meta(&fib, "main binary").ends_with("/pprof-example-app-go"));
    assert_eq!(fib.metric(fib.default_metric).name, "cpu");
    assert_eq!(fib.metric(fib.default_metric).format(fib.total(fib.default_metric)), "29.7 s");

    // alloc_space is the file's default_sample_type, not the last type.
    let heap = load(&data("alloc_objects.pb.gz"));
    let names: Vec<&str> = heap.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"]);
    assert_eq!(heap.metric(heap.default_metric).name, "alloc_space");
    assert_eq!(heap.metric(heap.default_metric).format(heap.total(heap.default_metric)), "108.1 GiB");

    // String and numeric labels stay on each sample.
    let p = load(&data("profile-with-labels.pb.gz"));
    let labelled = (0..p.samples.len()).filter(|&i| !p.labels(i).is_empty()).count();
    assert_eq!(labelled, p.samples.len());
    let first = p.labels(0);
    assert_eq!(first[0].key, "thread_id");
    assert_eq!(first[0].value, LabelValue::Str("2756158".into()));
    assert_eq!(first[1].key, "thread_name");
    assert_eq!(first[1].value, LabelValue::Str("parca".into()));
    // `go tool pprof -tags profile-with-labels.pb.gz`: thread_id 2756158 has
    // 87 of 462 samples; thread_name parca has all 462.
    let total_for = |k: &str, v: &str| {
        let filter = SampleFilter { labels: vec![(k.into(), v.into())], ..SampleFilter::default() };
        CallTree::build(&p, p.default_metric, &filter).total()
    };
    assert_eq!(total_for("thread_id", "2756158"), 87);
    assert_eq!(total_for("thread_name", "parca"), 462);
    assert_eq!(p.total(p.default_metric), 462);

    // The generated CPU profile's endpoint labels add up to the oracle's label totals.
    let cpu = load(&data("generated/cpu.pb.gz"));
    let text = std::fs::read_to_string(data("generated/cpu.pb.gz.json")).unwrap_or_default();
    let oracle: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    for (key, per_type) in oracle["label_totals"].as_object().cloned().unwrap_or_default() {
        let Some((k, v)) = key.split_once('=') else {
            continue;
        };
        let filter = SampleFilter { labels: vec![(k.into(), v.into())], ..SampleFilter::default() };
        for (i, want) in per_type.as_array().cloned().unwrap_or_default().iter().enumerate() {
            let got = CallTree::build(&cpu, MetricId::from_index(i), &filter).total();
            assert_eq!(Some(got), want.as_i64().map(Weight::from), "label {key}, metric {i}");
        }
    }

    // Unsymbolized frames are named after their binary, with a warning.
    let cpp = load(&data("cppbench.cpu_no_samples_type.pb.gz"));
    assert_eq!(cpp.metrics[0].name, "cpu");
    assert_eq!(cpp.frames.name(firesight::model::FrameId(0)), "[cppbench_server_main]");
    assert!(cpp.warnings.iter().any(|w| w.message.contains("no functions")), "{:?}", cpp.warnings);
    let nomap = load(&data("go.nomappings.crash.pb.gz"));
    assert!(nomap.warnings.iter().any(|w| w.message.contains("no mappings")), "{:?}", nomap.warnings);
    assert!(nomap.frames.iter().all(|(_, f)| f.name == "<unknown>" && f.kind == FrameKind::Unknown));
}
