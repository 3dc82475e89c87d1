//! Rules over the function table: dominant-function, balanced (the green
//! flag), pareto and tiny-functions.

use super::{Input, Insight, Severity, ShowMe, Thresholds, pct, round2};
use crate::model::Weight;

/// At most this many functions are named in one insight's subjects.
const MAX_SUBJECTS: usize = 20;

/// dominant-function: every function whose self share is at least the
/// threshold, heaviest first ("a very wide single function is your
/// bottleneck").
pub fn dominant_function(input: &Input<'_>, th: &Thresholds, out: &mut Vec<Insight>) {
    for r in &input.table.rows {
        let share = input.pct(r.self_weight);
        if share < th.dominant_pct {
            // Rows are sorted by the size of self: the rest are smaller.
            break;
        }
        let name = input.name(r.frame);
        out.push(Insight {
            rule: "dominant-function",
            severity: Severity::Red,
            subjects: vec![name.clone()],
            value: share,
            threshold: th.dominant_pct,
            message: format!(
                "{name} holds {share:.2}% of {} as self ({}), at or above {:.2}%: a single wide function is the \
                 bottleneck; make it cheaper or call it less.",
                input.metric_name(),
                input.fmt(r.self_weight),
                th.dominant_pct
            ),
            show: ShowMe::Function(r.frame),
        });
    }
}

/// balanced (green): no function reaches the dominant-function threshold.
pub fn balanced(input: &Input<'_>, th: &Thresholds, out: &mut Vec<Insight>) {
    let Some(top) = input.table.rows.first() else { return };
    let share = input.pct(top.self_weight);
    if share >= th.dominant_pct {
        return;
    }
    let name = input.name(top.frame);
    out.push(Insight {
        rule: "balanced",
        severity: Severity::Green,
        subjects: vec![name.clone()],
        value: share,
        threshold: th.dominant_pct,
        message: format!(
            "No function holds {:.2}% of {} as self: the heaviest, {name}, holds {share:.2}% ({}). The cost is \
             spread out; look at the hot path and the call tree rather than one function.",
            th.dominant_pct,
            input.metric_name(),
            input.fmt(top.self_weight)
        ),
        show: ShowMe::Function(top.frame),
    });
}

/// pareto: the fewest functions that hold the threshold's share of self
/// (80% by default), and how few they are of all functions ("the 20% of
/// code that takes 80% of the time"). The share reached is the hot table's
/// cumulative self % at the k-th row.
pub fn pareto(input: &Input<'_>, th: &Thresholds, out: &mut Vec<Insight>) {
    let rows = &input.table.rows;
    let no_stack = input.tree.node(input.tree.root()).self_weight;
    let order: Vec<usize> = (0..rows.len()).collect();
    let cum = input.table.cumulative_abs_self(&order, no_stack);
    let Some(k) = cum.iter().position(|&c| round2(c * 100.0) >= th.pareto_pct) else { return };
    let k = k + 1;
    let reached = round2(cum[k - 1] * 100.0);
    let share_of_functions = round2(k as f64 * 100.0 / rows.len() as f64);
    let names: Vec<String> = rows[..k].iter().take(MAX_SUBJECTS).map(|r| input.name(r.frame)).collect();
    // The message names the first few; `subjects` up to MAX_SUBJECTS.
    let named = names.len().min(5);
    let more = if k > named { format!(" and {} more", k - named) } else { String::new() };
    out.push(Insight {
        rule: "pareto",
        severity: Severity::Info,
        subjects: names.clone(),
        value: share_of_functions,
        threshold: th.pareto_pct,
        message: format!(
            "{k} of {} functions ({share_of_functions:.2}%) hold {reached:.2}% of {} as self: {}{more}.",
            rows.len(),
            input.metric_name(),
            names[..named].join(", ")
        ),
        show: match rows.first() {
            Some(r) if k == 1 => ShowMe::Function(r.frame),
            _ => ShowMe::Nothing,
        },
    });
}

/// tiny-functions: many functions, each under a tiny self share, that
/// together hold a large share: call overhead ("many tiny functions with
/// little work").
pub fn tiny_functions(input: &Input<'_>, th: &Thresholds, out: &mut Vec<Insight>) {
    let base = input.tree.share_base;
    let tiny: Vec<&crate::model::FunctionRow> =
        input.table.rows.iter().filter(|r| r.self_weight != 0 && pct(r.self_weight, base) < th.tiny_each_pct).collect();
    let sum: Weight = tiny.iter().map(|r| r.self_weight.abs()).sum();
    let share = input.pct(sum);
    if (tiny.len() as f64) < th.tiny_min_count || share < th.tiny_total_pct {
        return;
    }
    let names: Vec<String> = tiny.iter().take(MAX_SUBJECTS).map(|r| input.name(r.frame)).collect();
    out.push(Insight {
        rule: "tiny-functions",
        severity: Severity::Red,
        subjects: names,
        value: share,
        threshold: th.tiny_total_pct,
        message: format!(
            "{} functions each hold under {:.2}% of {} as self, together {share:.2}% ({}), at or above {:.2}%: \
             call overhead; inline them or batch the work.",
            tiny.len(),
            th.tiny_each_pct,
            input.metric_name(),
            input.fmt(sum),
            th.tiny_total_pct
        ),
        show: ShowMe::Nothing,
    });
}
