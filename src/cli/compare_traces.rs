//! The trace part of `firesight diff` on two trace files: trace counts,
//! P50/P90/P99 before and after with the change, and the per-service and
//! per-span-name tables (spans, errors, total, self and critical-path time).

use std::io::{self, Write};

use serde_json::{Value, json};

use firesight::analysis::trace_compare::{SpanDelta, SpanFigures, TraceComparison};
use firesight::model::units::format_duration_ns;

use super::compare::{change_text, signed};

fn ms(ns: u64) -> String {
    format_duration_ns(ns as f64)
}

/// `{"before": {"traces", "p50_ns", ...}, "after": {...}, "latency": [...],
/// "services": [...], "operations": [...]}`.
pub fn json(t: &TraceComparison, limit: usize) -> Value {
    let side = |s: &firesight::analysis::trace_compare::LatencySide| {
        let p = s.percentiles;
        json!({"traces": s.traces, "p50_ns": p.map(|p| p.p50_ns), "p90_ns": p.map(|p| p.p90_ns),
            "p99_ns": p.map(|p| p.p99_ns)})
    };
    let latency: Vec<Value> = [50u8, 90, 99]
        .iter()
        .map(|&p| {
            let (b, a) = t.percentile(p);
            json!({"name": format!("p{p}"), "before_ns": b, "after_ns": a,
                "change_ns": i128::from(a) - i128::from(b) })
        })
        .collect();
    let mut v = json!({"before": side(&t.before), "after": side(&t.after), "latency": latency,
        "services": rows_json(&t.services, limit, false), "operations": rows_json(&t.operations, limit, true)});
    if let Some(k) = t.scale {
        v["scale"] = json!(k);
    }
    v
}

fn rows_json(rows: &[SpanDelta], limit: usize, with_span: bool) -> Vec<Value> {
    let side = |f: &SpanFigures| {
        json!({"spans": f.spans, "errors": f.errors, "total_ns": f.total_ns, "self_ns": f.self_ns,
            "critical_path_ns": f.critical_ns})
    };
    rows.iter()
        .take(limit)
        .map(|r| {
            let mut v = json!({"name": r.name, "before": side(&r.before), "after": side(&r.after),
                "self_change_ns": r.self_change()});
            if with_span {
                v["service"] = json!(r.name);
                v["name"] = json!(r.span);
            }
            v
        })
        .collect()
}

/// The latency and service tables, as text.
pub fn table(out: &mut dyn Write, t: &TraceComparison, limit: usize) -> io::Result<()> {
    writeln!(out, "traces: {} before, {} after", t.before.traces, t.after.traces)?;
    if let Some(k) = t.scale {
        writeln!(out, "after's times scaled by {k:.4} (per trace)")?;
    }
    writeln!(out, "{:>8} {:>12} {:>12} {:>12}", "latency", "before", "after", "change")?;
    for p in [50u8, 90, 99] {
        let (b, a) = t.percentile(p);
        let d = i128::from(a) - i128::from(b);
        writeln!(
            out,
            "{:>8} {:>12} {:>12} {:>12}{}",
            format!("P{p}"),
            ms(b),
            ms(a),
            signed(&format_duration_ns(d as f64), d),
            change_text(b.into(), a.into())
        )?;
    }
    writeln!(
        out,
        "{:>12} {:>12} {:>12} {:>15} {:>13} {:>13}  service",
        "self before", "self after", "change", "critical path", "spans", "errors"
    )?;
    for r in t.services.iter().take(limit) {
        let d = r.self_change();
        writeln!(
            out,
            "{:>12} {:>12} {:>12} {:>15} {:>13} {:>13}  {}",
            ms(r.before.self_ns),
            ms(r.after.self_ns),
            signed(&format_duration_ns(d as f64), d),
            format!("{} → {}", ms(r.before.critical_ns), ms(r.after.critical_ns)),
            format!("{} → {}", r.before.spans, r.after.spans),
            format!("{} → {}", r.before.errors, r.after.errors),
            r.name
        )?;
    }
    Ok(())
}
