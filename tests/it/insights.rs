//! Insights on real profiles (the generated perf profile names its
//! dominant functions, the Go CPU profile's hot path goes through
//! `main.serializeJSON`, the Go heap profile names `main.recordAudit`, the
//! heap series' leak suspect is `main.recordAudit` as the oracle says), and
//! every rule on a file made to trigger it and one made not to
//! (`tests/data/insights/`, see its SOURCES.md). Numbers match the tables.

use firesight::analysis::compare::Side;
use firesight::analysis::insights::{Input, Insight, Severity, ShowMe, Thresholds, evaluate};
use firesight::model::{CallTree, FunctionTable, Profile, SampleFilter};

use crate::common::{data, load, run_cli};

fn run(p: &Profile, th: &Thresholds, series: &[Side<'_>]) -> Vec<Insight> {
    let filter = SampleFilter::default();
    let tree = CallTree::build(p, p.default_metric, &filter);
    let table = FunctionTable::build(&tree, p.frames.len());
    evaluate(&Input { profile: p, metric: p.default_metric, tree: &tree, table: &table, filter: &filter, series }, th)
}

fn of(rel: &str) -> Vec<Insight> {
    run(&load(rel).profile, &Thresholds::default(), &[])
}

fn rule(found: &[Insight], name: &str) -> Vec<Insight> {
    found.iter().filter(|i| i.rule == name).cloned().collect()
}

fn subjects(found: &[Insight], name: &str) -> Vec<String> {
    rule(found, name).iter().flat_map(|i| i.subjects.clone()).collect()
}

#[test]
fn the_perf_profile_names_its_dominant_functions_with_the_tables_numbers() {
    let found = of("perf/generated/shop-c.perf.txt.gz");
    assert_eq!(subjects(&found, "dominant-function"), ["sort_records", "compute_checksum"]);
    let values: Vec<f64> = rule(&found, "dominant-function").iter().map(|i| i.value).collect();
    assert_eq!(values, [31.17, 26.97]);
    // The same numbers as `top` prints.
    let f = data("perf/generated/shop-c.perf.txt.gz").to_string_lossy().into_owned();
    let (code, top, err) = run_cli(&["top", &f, "--limit", "2"]);
    assert_eq!(code, 0, "{err}");
    assert!(top.contains(" 31.17% ") && top.contains(" 26.97% "), "{top}");
    // Red flags first; recursion found in sort_records; no green flag.
    assert_eq!(found[0].severity, Severity::Red);
    assert_eq!(subjects(&found, "recursion"), ["sort_records"]);
    assert!(rule(&found, "balanced").is_empty());
    // The hot path stops where sort_records calls itself.
    let hot = &rule(&found, "hot-path")[0];
    assert_eq!(hot.subjects.last().map(String::as_str), Some("sort_records"));
    assert!(hot.message.contains("where it recurses"), "{}", hot.message);
}

#[test]
fn the_go_cpu_hot_path_goes_through_serialize_json() {
    let found = of("pprof/generated/cpu.pb.gz");
    let hot = subjects(&found, "hot-path");
    assert_eq!(
        hot[..5],
        ["main.main.func1", "main.handleOrders", "runtime/pprof.Do", "main.handleOrders.func1", "main.serializeJSON"]
    );
    // No function reaches 20% of self: a green flag naming the heaviest.
    let green = rule(&found, "balanced");
    assert_eq!(green.len(), 1);
    assert_eq!((green[0].subjects[0].as_str(), green[0].value), ("main.databaseQuery", 11.76));
    // Output is deterministic.
    assert_eq!(found, of("pprof/generated/cpu.pb.gz"));
}

#[test]
fn the_go_heap_profile_names_record_audit() {
    let found = of("pprof/generated/heap.pb.gz");
    let dominant = rule(&found, "dominant-function");
    assert_eq!(dominant.len(), 1);
    assert_eq!((dominant[0].subjects[0].as_str(), dominant[0].value), ("main.recordAudit", 88.94));
    assert!(dominant[0].message.contains("15.0 MiB"), "{}", dominant[0].message);
    // large-objects: the 888 KiB inventory table, not recordAudit's 1 KiB records.
    assert_eq!(subjects(&found, "large-objects"), ["main.reserveInventory", "main.main"]);
    // A CPU profile has no objects: no large-objects; a higher threshold: none either.
    assert!(rule(&of("pprof/generated/cpu.pb.gz"), "large-objects").is_empty());
    let p = load("pprof/generated/heap.pb.gz").profile;
    let th = Thresholds { large_object_bytes: 1024.0 * 1024.0, ..Thresholds::default() };
    assert!(rule(&run(&p, &th, &[]), "large-objects").is_empty());
}

#[test]
fn the_heap_series_leak_suspect_is_the_oracles() {
    let profiles: Vec<Profile> = (1..=5).map(|i| load(&format!("compare/heapgrowth/heap-{i}.pb.gz")).profile).collect();
    let side = |p: &'static Profile| Side { profile: p, metric: p.metric_by_name("inuse_space").expect("inuse") };
    let profiles: &'static [Profile] = Box::leak(profiles.into_boxed_slice());
    let series: Vec<Side<'_>> = profiles.iter().map(side).collect();
    let last = &profiles[4];
    let found = run(last, &Thresholds::default(), &series);
    // tests/data/compare/oracle/heap-series.json: leak_suspect main.recordAudit,
    // +7,371,807 B of +9,033,748 B over the series.
    let leak = rule(&found, "leak-suspect");
    assert_eq!(leak.len(), 1, "{found:#?}");
    assert_eq!(leak[0].subjects, ["main.recordAudit"]);
    assert_eq!(leak[0].value, 81.6);
    assert!(matches!(leak[0].show, ShowMe::Function(_)));
    // Made not to: the series backwards shrinks.
    let backwards: Vec<Side<'_>> = profiles.iter().rev().map(side).collect();
    assert!(rule(&run(&profiles[0], &Thresholds::default(), &backwards), "leak-suspect").is_empty());
    // The CLI over the five files.
    let files: Vec<String> =
        (1..=5).map(|i| data(&format!("compare/heapgrowth/heap-{i}.pb.gz")).to_string_lossy().into_owned()).collect();
    let mut argv = vec!["insights", "--json"];
    argv.extend(files.iter().map(String::as_str));
    let (code, out, err) = run_cli(&argv);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let leak: Vec<&serde_json::Value> =
        v["insights"].as_array().expect("list").iter().filter(|i| i["rule"] == "leak-suspect").collect();
    assert_eq!(leak.len(), 1);
    assert_eq!(leak[0]["subjects"], serde_json::json!(["main.recordAudit"]));
    assert_eq!(leak[0]["severity"], "red");
}

#[test]
fn contention_profiles_say_where_the_waiting_concentrates() {
    let found = of("pprof/generated/mutex.pb.gz");
    let lock = rule(&found, "lock-wait");
    assert_eq!(lock.len(), 1);
    assert_eq!(lock[0].subjects[..2], ["main.reserveInventory", "main.cacheLookup"]);
    assert_eq!(lock[0].value, 53.75);
    // A CPU profile without lock functions has none.
    assert!(rule(&of("insights/dominant.folded"), "lock-wait").is_empty());
}

#[test]
fn each_rule_fires_on_its_file_and_not_on_another() {
    let d = of("insights/dominant.folded");
    assert_eq!(subjects(&d, "dominant-function"), ["parse"]);
    assert!(rule(&d, "balanced").is_empty());
    let b = of("insights/balanced.folded");
    assert!(rule(&b, "dominant-function").is_empty());
    assert_eq!(rule(&b, "balanced").len(), 1);

    let pareto = rule(&d, "pareto");
    assert_eq!(pareto[0].subjects, ["parse", "emit", "log"]);
    assert_eq!(pareto[0].value, 60.0);
    let p = load("insights/dominant.folded").profile;
    assert!(rule(&run(&p, &Thresholds { pareto_pct: 101.0, ..Thresholds::default() }, &[]), "pareto").is_empty());

    let h = of("insights/hot-path.folded");
    let hot = rule(&h, "hot-path");
    assert_eq!(hot[0].subjects, ["main", "serve", "handle", "encode"]);
    assert_eq!(hot[0].value, 90.0);
    assert!(hot[0].message.contains("fans out into 3 callees"), "{}", hot[0].message);
    assert_eq!(subjects(&of("insights/fan-out-at-root.folded"), "hot-path"), ["a"]);

    let deep = rule(&of("insights/deep.folded"), "deep-stacks");
    assert_eq!((deep.len(), deep[0].value, deep[0].subjects[0].as_str()), (1, 120.0, "f119"));
    assert!(rule(&d, "deep-stacks").is_empty());

    let tiny = rule(&of("insights/tiny.folded"), "tiny-functions");
    assert_eq!((tiny.len(), tiny[0].value), (1, 60.0));
    assert!(tiny[0].message.starts_with("150 functions"), "{}", tiny[0].message);
    assert!(rule(&b, "tiny-functions").is_empty());

    let k = rule(&of("insights/kernel.folded"), "kernel-share");
    assert_eq!((k.len(), k[0].value, k[0].subjects[0].as_str()), (1, 50.0, "copy_to_user_[k]"));
    assert!(rule(&d, "kernel-share").is_empty());

    let l = rule(&of("insights/lock.folded"), "lock-wait");
    assert_eq!((l.len(), l[0].value, l[0].subjects[0].as_str()), (1, 40.0, "worker"));

    let r = rule(&of("insights/recursion.folded"), "recursion");
    assert_eq!((r.len(), r[0].value, r[0].subjects[0].as_str()), (1, 40.0, "walk"));
    assert!(r[0].message.contains("calls itself, up to 3 deep"), "{}", r[0].message);
    assert!(rule(&d, "recursion").is_empty());
}

#[test]
fn the_cli_prints_the_json_shape_and_takes_thresholds() {
    let f = data("insights/dominant.folded").to_string_lossy().into_owned();
    let (code, out, err) = run_cli(&["insights", &f, "--json", "--dominant", "70"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let list = v["insights"].as_array().expect("insights");
    for i in list {
        let mut keys: Vec<&str> = i.as_object().expect("object").keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["message", "rule", "severity", "subjects", "threshold", "value"]);
    }
    // In the documented order as printed.
    let at = |k: &str| out.find(&format!("\"{k}\"")).expect("key");
    assert!(at("rule") < at("severity") && at("subjects") < at("value") && at("threshold") < at("message"));
    // parse holds 60%, under 70: no dominant function, a green flag.
    let green: Vec<&serde_json::Value> = list.iter().filter(|i| i["rule"] == "balanced").collect();
    assert_eq!((green[0]["value"].as_f64(), green[0]["threshold"].as_f64()), (Some(60.0), Some(70.0)));
    let (code, out, _) = run_cli(&["insights", &f]);
    assert_eq!(code, 0);
    assert!(out.starts_with("thresholds: dominant 20%"), "{out}");
    assert!(out.contains("[red] dominant-function: parse holds 60.00% of samples as self (60)"), "{out}");
    let (code, _, err) = run_cli(&["insights", &f, "--dominant=-3"]);
    assert_eq!(code, 2);
    assert!(err.contains("--dominant -3: expected a number at or above 0"), "{err}");
}

#[test]
fn insights_take_the_transform_flags_and_agree_with_top_under_them() {
    // Dropping the samples through sort_records leaves compute_checksum
    // dominant with its share of what remains, as `top --drop` prints it.
    let f = data("perf/generated/shop-c.perf.txt.gz").to_string_lossy().into_owned();
    let (code, out, err) = run_cli(&["insights", &f, "--drop", "sort_records", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let dominant: Vec<&serde_json::Value> =
        v["insights"].as_array().unwrap().iter().filter(|i| i["rule"] == "dominant-function").collect();
    assert!(!dominant.is_empty(), "{out}");
    assert!(dominant.iter().all(|i| i["subjects"][0] != "sort_records"), "{out}");
    let top_one = &dominant[0];
    let (code, top, err) = run_cli(&["top", &f, "--drop", "sort_records", "--limit", "1"]);
    assert_eq!(code, 0, "{err}");
    let share = format!(" {:.2}% ", top_one["value"].as_f64().unwrap());
    assert!(top.contains(&share) && top.contains(top_one["subjects"][0].as_str().unwrap()), "{top}\n{out}");
}

#[test]
fn a_shrinking_heap_series_gives_leak_shares_of_what_grew_and_signed_totals() {
    // Newest first: the heap shrinks by 8.62 MiB while a few functions grow.
    let (a, b) = (data("compare/heapgrowth/heap-5.pb.gz"), data("compare/heapgrowth/heap-1.pb.gz"));
    let (code, out, err) = run_cli(&["insights", "--json", &a.to_string_lossy(), &b.to_string_lossy()]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let leaks: Vec<&serde_json::Value> =
        v["insights"].as_array().expect("list").iter().filter(|i| i["rule"] == "leak-suspect").collect();
    assert!(!leaks.is_empty());
    let shares: f64 = leaks.iter().map(|l| l["value"].as_f64().expect("share")).sum();
    assert!(shares <= 100.0 + 1e-9, "{shares}");
    for l in &leaks {
        let m = l["message"].as_str().expect("message");
        assert!(!m.contains("+-") && m.contains("the net change is -"), "{m}");
    }
}

#[test]
fn what_fold_writes_for_an_empty_stack_reads_back() {
    let dir = std::env::temp_dir().join(format!("firesight-fold-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let src = dir.join("m.folded");
    std::fs::write(&src, "main 5\nmain;work 1\n").expect("write");
    let (code, out, err) = run_cli(&["fold", &src.to_string_lossy(), "--merge", "main"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, " 5\nwork 1\n");
    let back = dir.join("m2.folded");
    std::fs::write(&back, &out).expect("write");
    let (code, out, err) = run_cli(&["top", &back.to_string_lossy()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("total 6"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
