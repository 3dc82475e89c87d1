//! Rules over heap profiles: large-objects (bytes per object) and
//! leak-suspect (growth in every interval of a series of snapshots, through
//! [`crate::analysis::growth`]).

use super::{Input, Insight, Severity, ShowMe, Thresholds, pct, round2};
use crate::analysis::growth::growth;
use crate::analysis::memory::{memory_table, paired_metric};
use crate::model::{FrameId, Unit, Weight};

/// large-objects: functions whose own allocations average at least the
/// threshold in bytes per object (heap profiles with an objects/bytes
/// pair), by self bytes.
pub fn large_objects(input: &Input<'_>, th: &Thresholds, out: &mut Vec<Insight>) {
    let p = input.profile;
    let Some(pair) = paired_metric(p, input.metric) else { return };
    let (objects, bytes) =
        if p.metric(input.metric).unit == Unit::Bytes { (pair, input.metric) } else { (input.metric, pair) };
    let mut rows = memory_table(p, objects, bytes, input.filter);
    rows.retain(|r| r.self_bytes > 0 && r.avg_self_size().is_some_and(|a| a >= th.large_object_bytes));
    rows.sort_by(|a, b| b.self_bytes.cmp(&a.self_bytes).then(a.frame.cmp(&b.frame)));
    let bytes_name = &p.metric(bytes).name;
    let bytes_base = (bytes == input.metric).then_some(input.tree.share_base);
    for r in rows.iter().take(5) {
        let avg = r.avg_self_size().unwrap_or(0.0);
        let name = input.name(r.frame);
        let share =
            bytes_base.map_or_else(String::new, |b| format!(", {:.2}% of {bytes_name}", round2(pct(r.self_bytes, b))));
        out.push(Insight {
            rule: "large-objects",
            severity: Severity::Red,
            subjects: vec![name.clone()],
            value: round2(avg),
            threshold: th.large_object_bytes,
            message: format!(
                "{name} allocates {} object{} of {} each on average ({}{share}), at or above {}: large \
                 allocations; reuse buffers, stream, or allocate less per call.",
                p.metric(objects).format(r.self_objects),
                if r.self_objects == 1 { "" } else { "s" },
                Unit::Bytes.format(avg),
                p.metric(bytes).format(r.self_bytes),
                Unit::Bytes.format(th.large_object_bytes)
            ),
            show: ShowMe::Function(r.frame),
        });
    }
}

/// leak-suspect: with several snapshots of one process, the functions
/// whose self weight grows in every interval, each holding at least the
/// threshold's share of the series' growth (last minus first).
pub fn leak_suspect(input: &Input<'_>, th: &Thresholds, out: &mut Vec<Insight>) {
    if input.series.len() < 2 {
        return;
    }
    let g = growth(input.series, input.filter);
    let Some(overall) = &g.overall else { return };
    let Some(last) = input.series.last() else { return };
    let metric = last.profile.metric(last.metric);
    // The growth a suspect is a share of: the series' net growth (as
    // `go tool pprof -base` totals it), or when the series did not grow
    // (other functions shrank more), what every function that grew added.
    let net = overall.total_change;
    let grew: Weight = overall.rows.iter().map(|r| r.self_change.max(0)).sum();
    let (whole, of_what) =
        if net > 0 { (net, "the series' net growth") } else { (grew, "what the functions that grew added") };
    for s in &g.suspects {
        let share = if whole > 0 { round2(pct(s.growth.max(0), whole)) } else { 0.0 };
        if share < th.leak_pct {
            continue;
        }
        let steps: Vec<String> = s.per_interval.iter().map(|&w| format!("+{}", metric.format(w))).collect();
        let show = function_named(input, &s.name).map_or(ShowMe::Nothing, ShowMe::Function);
        out.push(Insight {
            rule: "leak-suspect",
            severity: Severity::Red,
            subjects: vec![s.name.clone()],
            value: share,
            threshold: th.leak_pct,
            message: format!(
                "{} grows in each of the {} intervals ({}): +{} of {} over the series, {share:.2}% of \
                 {of_what} (+{}; the net change is {}), at or above {:.2}%. A leak suspect: what it \
                 allocates is never freed.",
                s.name,
                s.per_interval.len(),
                steps.join(", "),
                metric.format(s.growth),
                metric.name,
                metric.format(whole),
                signed(metric.format(overall.total_change.abs()), overall.total_change),
                th.leak_pct
            ),
            show,
        });
    }
}

/// `text` (an absolute amount) with the sign of `w`.
fn signed(text: String, w: Weight) -> String {
    if w < 0 { format!("-{text}") } else { format!("+{text}") }
}

/// The function of `input`'s profile named `name`, if any.
fn function_named(input: &Input<'_>, name: &str) -> Option<FrameId> {
    input.profile.frames.iter().find(|(_, f)| f.name == name).map(|(id, _)| input.profile.function(id))
}
