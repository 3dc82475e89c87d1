//! Rules over what kind of code the time is in: kernel-share and lock-wait.

use std::collections::BTreeMap;

use super::{Input, Insight, Severity, ShowMe, Thresholds};
use crate::model::{FrameId, FrameKind, Weight};

/// kernel-share: the self share of kernel frames at or above the
/// threshold: look at I/O and syscalls.
pub fn kernel_share(input: &Input<'_>, th: &Thresholds, out: &mut Vec<Insight>) {
    let frames = &input.profile.frames;
    let kernel: Vec<&crate::model::FunctionRow> =
        input.table.rows.iter().filter(|r| frames.frame(r.frame).kind == FrameKind::Kernel).collect();
    let sum: Weight = kernel.iter().map(|r| r.self_weight.abs()).sum();
    let share = input.pct(sum);
    if kernel.is_empty() || share < th.kernel_pct {
        return;
    }
    let names: Vec<String> = kernel.iter().take(5).map(|r| input.name(r.frame)).collect();
    out.push(Insight {
        rule: "kernel-share",
        severity: Severity::Red,
        subjects: names.clone(),
        value: share,
        threshold: th.kernel_pct,
        message: format!(
            "{share:.2}% of {} ({}) is self time in kernel frames, at or above {:.2}%: look at I/O and syscalls \
             (fewer, larger reads and writes). Heaviest: {}.",
            input.metric_name(),
            input.fmt(sum),
            th.kernel_pct,
            names.join(", ")
        ),
        show: kernel.first().map_or(ShowMe::Nothing, |r| ShowMe::Function(r.frame)),
    });
}

/// True for a metric that measures waiting: pprof's mutex and block
/// profiles (`contentions`, `delay`), JFR monitor and park events.
pub fn is_contention_metric(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "delay" || n.contains("contention") || n.starts_with("lock") || n.contains("wait")
}

/// Runtime and library frames a waiting site is not: the lock itself.
fn is_primitive(name: &str) -> bool {
    ["sync.", "sync/", "runtime.", "internal/", "java.util.concurrent.", "jdk.internal."]
        .iter()
        .any(|p| name.starts_with(p))
}

/// Functions that take or wait for a lock, in CPU profiles.
fn is_lock_function(name: &str) -> bool {
    const NEEDLES: &[&str] = &[
        "futex",
        "pthread_mutex_lock",
        "pthread_rwlock",
        "pthread_cond_wait",
        "__lll_lock_wait",
        "_raw_spin_lock",
        "osq_lock",
        "mutex_lock",
        "sync.(*Mutex).Lock",
        "sync.(*RWMutex).",
        "runtime.lock",
        "runtime.semacquire",
        "parking_lot",
        "std::sync::mutex",
        "LockSupport.park",
    ];
    NEEDLES.iter().any(|n| name.contains(n))
}

/// lock-wait: in a contention profile (mutex, block), the functions where
/// the waiting concentrates (the innermost frame on each stack that is not
/// the lock or the runtime); in a CPU profile, the share of samples inside
/// lock functions and who calls them.
pub fn lock_wait(input: &Input<'_>, th: &Thresholds, out: &mut Vec<Insight>) {
    if is_contention_metric(input.metric_name()) {
        contention(input, th, out);
    } else {
        locks_in_cpu(input, th, out);
    }
}

fn contention(input: &Input<'_>, th: &Thresholds, out: &mut Vec<Insight>) {
    let tree = input.tree;
    // Per node, the innermost non-primitive function on its path; parents
    // come before children in the arena.
    let mut site: Vec<Option<FrameId>> = vec![None; tree.len()];
    let mut by_site: BTreeMap<FrameId, Weight> = BTreeMap::new();
    for (i, n) in tree.iter_nodes().enumerate() {
        let above = n.parent.and_then(|p| site[p.index()]);
        let here = n.frame.filter(|&f| !is_primitive(input.profile.frames.name(f)));
        site[i] = here.or(above);
        if n.self_weight != 0
            && let Some(s) = site[i]
        {
            *by_site.entry(s).or_default() += n.self_weight.abs();
        }
    }
    let mut sites: Vec<(FrameId, Weight)> = by_site.into_iter().collect();
    sites.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let Some(&(top, w)) = sites.first() else { return };
    let share = input.pct(w);
    let names: Vec<String> = sites.iter().take(5).map(|&(f, _)| input.name(f)).collect();
    let rest: Vec<String> =
        sites.iter().skip(1).take(4).map(|&(f, w)| format!("{} {:.2}%", input.name(f), input.pct(w))).collect();
    let severity = if share >= th.dominant_pct { Severity::Red } else { Severity::Info };
    out.push(Insight {
        rule: "lock-wait",
        severity,
        subjects: names,
        value: share,
        threshold: th.dominant_pct,
        message: format!(
            "Waiting concentrates in {}: {share:.2}% of {} ({}) waits below it{}.",
            input.name(top),
            input.metric_name(),
            input.fmt(w),
            if rest.is_empty() { String::new() } else { format!("; then {}", rest.join(", ")) }
        ),
        show: ShowMe::Function(top),
    });
}

fn locks_in_cpu(input: &Input<'_>, th: &Thresholds, out: &mut Vec<Insight>) {
    let tree = input.tree;
    let frames = &input.profile.frames;
    let mut is_lock: Vec<Option<bool>> = vec![None; frames.len()];
    let mut covered = vec![false; tree.len()];
    let mut weight: Weight = 0;
    let mut callers: BTreeMap<FrameId, Weight> = BTreeMap::new();
    let mut locks: BTreeMap<FrameId, Weight> = BTreeMap::new();
    for (i, n) in tree.iter_nodes().enumerate() {
        let above = n.parent.is_some_and(|p| covered[p.index()]);
        let Some(f) = n.frame else { continue };
        let lock = *is_lock[f.index()].get_or_insert_with(|| is_lock_function(frames.name(f)));
        if lock && !above {
            weight += n.total.abs();
            *locks.entry(f).or_default() += n.total.abs();
            if let Some(c) = n.parent.and_then(|p| tree.node(p).frame) {
                *callers.entry(c).or_default() += n.total.abs();
            }
        }
        covered[i] = above || lock;
    }
    let share = input.pct(weight);
    if weight == 0 || share < th.lock_pct {
        return;
    }
    let sorted = |m: BTreeMap<FrameId, Weight>| {
        let mut v: Vec<(FrameId, Weight)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    };
    let callers = sorted(callers);
    let locks = sorted(locks);
    let caller_names: Vec<String> = callers.iter().take(5).map(|&(f, _)| input.name(f)).collect();
    let lock_text: Vec<String> =
        locks.iter().take(3).map(|&(f, w)| format!("{} {:.2}%", input.name(f), input.pct(w))).collect();
    let first = callers.first().map(|&(f, _)| f).or(locks.first().map(|&(f, _)| f));
    out.push(Insight {
        rule: "lock-wait",
        severity: Severity::Red,
        subjects: caller_names.clone(),
        value: share,
        threshold: th.lock_pct,
        message: format!(
            "{share:.2}% of {} ({}) is inside lock functions ({}), at or above {:.2}%; taken from {}.",
            input.metric_name(),
            input.fmt(weight),
            lock_text.join(", "),
            th.lock_pct,
            if caller_names.is_empty() { "the root".into() } else { caller_names.join(", ") }
        ),
        show: first.map_or(ShowMe::Nothing, ShowMe::Function),
    });
}
