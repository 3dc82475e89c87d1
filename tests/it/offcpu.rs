//! perf script tracepoints, switch records and off-CPU time, checked
//! against the oracles of `tests/data/offcpu/oracle/` (rule T of
//! `offcpu_oracle.py`, computed independently from the same files).

use std::collections::BTreeMap;

use firesight::analysis::offcpu::{self, OFF_CPU, OffCpuState, WALL};
use firesight::load::LoadOptions;
use firesight::model::{LabelValue, MetricId, Profile, SwitchKind};

use crate::common::{data, load, load_bytes};

fn oracle(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(data(&format!("offcpu/oracle/{name}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn with_off_cpu(rel: &str) -> Profile {
    offcpu::with_off_cpu(load(rel).profile)
}

fn metric(p: &Profile, name: &str) -> MetricId {
    p.metric_by_name(name).unwrap_or_else(|| panic!("no metric {name}: {:?}", p.metrics))
}

/// Off-CPU ns per folded stack, the state leaf cut off (as the oracle folds).
fn off_cpu_by_stack(p: &Profile) -> BTreeMap<String, i128> {
    let m = metric(p, OFF_CPU);
    let mut out = BTreeMap::new();
    let mut scratch = Vec::new();
    for i in 0..p.samples.len() {
        let w = p.weight(i, m);
        if w == 0 {
            continue;
        }
        let s = p.samples.stacks[i].unwrap();
        let text = firesight::model::dump::stack_string(p, s, &mut scratch);
        let (stack, leaf) = text.rsplit_once(';').unwrap();
        assert!(leaf.starts_with("[off-CPU "), "{leaf}");
        *out.entry(stack.to_string()).or_default() += w;
    }
    out
}

#[test]
fn off_cpu_time_agrees_with_the_oracle_rule() {
    for (rel, name) in [
        ("offcpu/shop-sched.perf.txt.gz", "shop-sched.perf.txt"),
        ("offcpu/shop-switch-fields.perf.txt.gz", "shop-switch-fields.perf.txt"),
        ("offcpu/shop-switch-dwarf.perf.txt.gz", "shop-switch-dwarf.perf.txt.gz"),
    ] {
        let o = oracle(name);
        let rule = &o["offcpu_rule_t"];
        let p = with_off_cpu(rel);
        let off = offcpu::off_cpu(&p).unwrap();
        assert_eq!(off.total_ns(), rule["total_ns"].as_u64().unwrap() as u128, "{name}");
        assert_eq!(off.intervals.len() as u64, rule["intervals"].as_u64().unwrap(), "{name}");
        assert_eq!(off.unclosed.len() as u64, rule["unterminated"].as_u64().unwrap(), "{name}");
        assert_eq!(p.total(metric(&p, OFF_CPU)), rule["total_ns"].as_i64().unwrap() as i128);
        // By state: the oracle keeps `R+` apart from `R`; both are preempted.
        let states = rule["by_prev_state_ns"].as_object().unwrap();
        let ns = |k: &str| states.get(k).and_then(|v| v.as_u64()).unwrap_or(0) as u128;
        for (s, want) in [
            (OffCpuState::Sleeping, ns("S")),
            (OffCpuState::Uninterruptible, ns("D")),
            (OffCpuState::Preempted, ns("R") + ns("R+")),
        ] {
            let got = off.by_state().iter().find(|(x, _)| *x == s).map_or(0, |x| x.1);
            assert_eq!(got, want, "{name} {s:?}");
        }
        // Per stack, comm first as inferno names it.
        let want: BTreeMap<String, i128> = rule["by_stack_ns"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_i64().unwrap() as i128))
            .collect();
        assert_eq!(off_cpu_by_stack(&p), want, "{name}");
        // wall = on-CPU periods + off-CPU.
        let cpu = p.metrics.iter().position(|m| m.name.starts_with("cpu-clock")).map(MetricId::from_index).unwrap();
        assert_eq!(p.total(metric(&p, WALL)), p.total(cpu) + p.total(metric(&p, OFF_CPU)), "{name}");
    }
}

#[test]
fn tracepoint_names_are_whole_and_payloads_are_labels_not_frames() {
    let o = oracle("shop-switch-fields.perf.txt");
    let p = load("offcpu/shop-switch-fields.perf.txt.gz").profile;
    for (event, v) in o["per_event"].as_object().unwrap() {
        let m = metric(&p, event);
        assert_eq!(p.total(m), v["period_sum"].as_i64().unwrap() as i128, "{event}");
    }
    assert_eq!(p.warnings_total, 0, "{:?}", p.warnings);
    // No frame is a payload.
    assert!(p.frames.iter().all(|(_, f)| !f.name.contains("prev_comm")));
    let sw = metric(&p, "sched:sched_switch");
    let i = (0..p.samples.len()).find(|&i| p.weight(i, sw) != 0).unwrap();
    let labels = p.labels(i);
    let get = |k: &str| labels.iter().find(|l| l.key == k).map(|l| l.value.clone());
    assert!(matches!(get("prev_state"), Some(LabelValue::Str(_))));
    assert!(matches!(get("next_pid"), Some(LabelValue::Num { .. })));
    // The switch records perf printed, by kind.
    let records: Vec<_> = p.switches().iter().filter(|r| r.stack.is_none()).collect();
    let count = |k: SwitchKind| records.iter().filter(|r| r.kind == k).count() as u64;
    let want = &o["switch_records"];
    assert_eq!(count(SwitchKind::In), want["PERF_RECORD_SWITCH IN"].as_u64().unwrap());
    assert_eq!(count(SwitchKind::Out { preempt: false }), want["PERF_RECORD_SWITCH OUT"].as_u64().unwrap());
    assert_eq!(count(SwitchKind::Out { preempt: true }), want["PERF_RECORD_SWITCH OUT preempt"].as_u64().unwrap());
    // `kmem:kmalloc` and `sched:sched_switch` stay two metrics.
    let text = "a 1 [000] 1.000001: kmem:kmalloc: call_site=x ptr=0x1 bytes_req=64 bytes_alloc=64\n\
                a 1 [000] 1.000002: sched:sched_switch: prev_comm=a prev_pid=1 prev_prio=120 prev_state=S ==> next_comm=b c next_pid=2 next_prio=120\n";
    let p = load_bytes(text.as_bytes().to_vec(), &LoadOptions::default()).unwrap().profile;
    let names: Vec<&str> = p.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["kmem:kmalloc samples", "sched:sched_switch samples"]);
    assert_eq!(p.samples.len(), 2, "samples without call chain count");
    assert_eq!(p.warnings_total, 2, "one warning per chain-less event: {:?}", p.warnings);
    assert!(p.warnings[0].message.contains("no call chain"));
    assert_eq!(p.labels(1).iter().find(|l| l.key == "next_comm").map(|l| l.value.to_string()), Some("b c".into()));
}

#[test]
fn srcline_lines_become_file_and_line_of_their_frame() {
    let text = "prog 10 1.000001: 1000 cpu-clock:\n\
                \t    1139 compute+0x9 (/tmp/prog)\n\
                \x20 /tmp/prog.c:42\n\
                \t    1180 main+0x20 (/tmp/prog)\n\
                \x20 /tmp/prog.c:77\n\n";
    let p = load_bytes(text.as_bytes().to_vec(), &LoadOptions::default()).unwrap().profile;
    assert_eq!(p.warnings_total, 0, "{:?}", p.warnings);
    // The sample's stack is made of the frames with their lines.
    let mut path = Vec::new();
    p.stacks.frames_root_first(p.samples.stacks[0].unwrap(), &mut path);
    let lines: Vec<_> = path.iter().map(|&f| p.frames.frame(f)).map(|f| (f.name.as_str(), f.line)).collect();
    assert_eq!(lines, [("prog", None), ("main", Some(77)), ("compute", Some(42))]);
    assert!(p.frames.iter().any(|(_, f)| f.file.as_deref() == Some("/tmp/prog.c")));
}

#[test]
fn simpleperf_report_sample_text_loads() {
    // simpleperf's report_sample.py: tabs between fields, 16-wide addresses.
    let text = "app\t4242 [001] 100.000250:\t\t500000 cpu-cycles:\n\
                ffffffffa1234567\tkernel_fn ([kernel.kallsyms])\n\
                \x20   7f0011223344\tleaf_fn (/system/lib64/libfoo.so)\n\
                \x20   7f0011225566\tmain (/system/bin/app)\n\n\
                app\t4242 [001] 100.000500:\t\t500000 cpu-cycles:\n\
                \x20   7f0011225566\tmain (/system/bin/app)\n\n";
    let p = load_bytes(text.as_bytes().to_vec(), &LoadOptions::default()).unwrap().profile;
    assert_eq!(p.warnings_total, 0, "{:?}", p.warnings);
    let m = metric(&p, "cpu-cycles");
    assert_eq!(p.total(m), 1_000_000);
    let folded = crate::common::folded_text(&p);
    assert!(folded.contains("app;main;leaf_fn;kernel_fn 500000"), "{folded}");
}

#[test]
fn bad_switch_input_is_counted_with_line_numbers() {
    // Line 2: a second switch-in with no switch-out; line 5 goes back in
    // time; thread 7 switches out at line 6 and never runs again.
    let text = "a 5 [000] 1.000010: PERF_RECORD_SWITCH IN\n\
                a 5 [000] 1.000020: PERF_RECORD_SWITCH IN\n\
                a 5 [000] 1.000030: 1000 cpu-clock: \n\
                a 5 [000] 1.000040: PERF_RECORD_SWITCH OUT\n\
                a 5 [000] 1.000035: PERF_RECORD_SWITCH IN\n\
                b 7 [001] 1.000050: 1 sched:sched_switch: prev_comm=b prev_pid=7 prev_prio=120 prev_state=D ==> next_comm=swapper/1 next_pid=0 next_prio=120\n\
                a 5 [000] 1.000090: 1000 cpu-clock: \n";
    let p = load_bytes(text.as_bytes().to_vec(), &LoadOptions::default()).unwrap().profile;
    let p = offcpu::with_off_cpu(p);
    let w = |needle: &str| p.warnings.iter().find(|w| w.message.contains(needle)).map(|w| w.line);
    assert_eq!(w("already running"), Some(Some(2)));
    assert_eq!(w("back in time"), Some(Some(5)));
    assert_eq!(w("never runs again"), Some(Some(6)));
    // The never-closed interval is reported, not counted: 40 us to the end.
    assert!(p.warnings.iter().any(|w| w.message.contains("0.040 ms")));
    assert_eq!(p.total(metric(&p, OFF_CPU)), 0);
}

#[test]
fn cli_folds_and_tops_off_cpu_and_wall() {
    let file = data("offcpu/shop-switch-fields.perf.txt.gz");
    let file = file.to_str().unwrap();
    let (code, out, err) = crate::common::run_cli(&["top", file, "--metric", "off-cpu", "--limit", "3"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("[off-CPU"), "{out}");
    let (code, out, err) = crate::common::run_cli(&["fold", file, "--metric", "wall"]);
    assert_eq!(code, 0, "{err}");
    let total: i128 = out.lines().filter_map(|l| l.rsplit_once(' ')).map(|(_, n)| n.parse::<i128>().unwrap()).sum();
    assert_eq!(total, 201_201_201 + 430_971_000);
}
