//! `firesight slow` (slow traces against the rest) and `firesight
//! operations` (latency per operation). The JSON shape of `slow` is issue
//! 14's contract: `{"slow", "rest", "operations": [{"service", "name",
//! "slow_self_ns_per_trace", "rest_self_ns_per_trace", ...}], "attributes":
//! [{"key", "value", "slow_share", "rest_share", "slow_count",
//! "rest_count", ...}]}`; fields are only ever added.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;
use serde_json::json;

use firesight::analysis::operations::{OperationKey, operation_latencies, sort_operations};
use firesight::analysis::slow::{SlowPick, TimeDelta, compare, pick_slow};
use firesight::model::units::format_duration_ns;

use super::UsageError;
use super::traces::load_traces;

/// `firesight slow`.
#[derive(Debug, Args)]
pub struct SlowArgs {
    /// The OTLP or Jaeger trace file.
    pub file: PathBuf,
    /// The slow traces are those at or above a percentile of trace
    /// durations (`P90`, `P99`, `P99.9`) or a duration (`500ms`, `1.5s`).
    /// Default: `P99` (unless `--slowest` is given).
    #[arg(long, value_name = "P99|DURATION", conflicts_with = "slowest")]
    pub above: Option<String>,
    /// The slow traces are the N longest.
    #[arg(long, value_name = "N")]
    pub slowest: Option<usize>,
    /// Show at most N operations and N attribute values (JSON too). Default: 20.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// `firesight operations`.
#[derive(Debug, Args)]
pub struct OperationsArgs {
    /// The OTLP or Jaeger trace file.
    pub file: PathBuf,
    /// Sort by: name, count, errors, p50, p90, p99, max, self-p50,
    /// self-p90, self-p99, self-max (numbers largest first). Default: p99.
    #[arg(long, value_name = "KEY", default_value = "p99")]
    pub sort: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

fn ms(ns: f64) -> String {
    format_duration_ns(ns)
}

/// `firesight slow FILE [--above P99 | --above DURATION | --slowest N] [--json]`.
pub fn slow(a: &SlowArgs) -> Result<()> {
    let pick = match (&a.above, a.slowest) {
        (_, Some(0)) => return Err(UsageError("--slowest takes a number of traces above 0".into()).into()),
        (_, Some(n)) => SlowPick::Slowest(n),
        (Some(t), None) => SlowPick::parse_above(t).map_err(|e| UsageError(format!("--above {e}")))?,
        (None, None) => SlowPick::Percentile(99.0),
    };
    let set = load_traces(&a.file)?;
    if set.traces.is_empty() {
        bail!("{} holds no trace", a.file.display());
    }
    let mask = pick_slow(&set, pick);
    let what = pick.describe(&set);
    let report = compare(&set, &mask);
    if report.slow == 0 {
        bail!(
            "no trace is {what}: the longest lasts {}",
            ms(set.traces.iter().map(|t| t.duration_ns()).max().unwrap_or(0) as f64)
        );
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    if a.json {
        let delta = |r: &TimeDelta| {
            json!({
                "service": r.service,
                "name": r.name,
                "slow_self_ns_per_trace": r.slow_self_ns_per_trace,
                "rest_self_ns_per_trace": r.rest_self_ns_per_trace,
                "slow_critical_path_ns_per_trace": r.slow_critical_path_ns_per_trace,
                "rest_critical_path_ns_per_trace": r.rest_critical_path_ns_per_trace,
                "slow_spans": r.slow_spans,
                "rest_spans": r.rest_spans,
            })
        };
        let operations: Vec<_> = report.operations.iter().take(a.limit).map(delta).collect();
        let services: Vec<_> = report.services.iter().take(a.limit).map(delta).collect();
        let attributes: Vec<_> = report
            .attributes
            .iter()
            .take(a.limit)
            .map(|r| {
                json!({
                    "key": r.key,
                    "value": r.value,
                    "slow_share": r.slow_share,
                    "rest_share": r.rest_share,
                    "slow_count": r.slow_count,
                    "rest_count": r.rest_count,
                    "resource": r.resource,
                })
            })
            .collect();
        let v = json!({
            "slow": report.slow,
            "rest": report.rest,
            "picked": what,
            "operations": operations,
            "services": services,
            "attributes": attributes,
            "operations_ranked_by": "slow_self_ns_per_trace - rest_self_ns_per_trace",
            "attributes_ranked_by": "slow_share - rest_share, then slow_count; values fewer than 2 slow traces carry are left out (unless 1 trace is slow)",
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{} slow traces ({what}) against the other {}", report.slow, report.rest)?;
        writeln!(out, "\nself time per trace, by operation (ranked by slow minus rest):")?;
        writeln!(out, "{:>10}  {:>10}  {:>10}  {:>10}  operation", "slow", "rest", "crit slow", "crit rest")?;
        for r in report.operations.iter().take(a.limit) {
            writeln!(
                out,
                "{:>10}  {:>10}  {:>10}  {:>10}  {}: {}",
                ms(r.slow_self_ns_per_trace),
                ms(r.rest_self_ns_per_trace),
                ms(r.slow_critical_path_ns_per_trace),
                ms(r.rest_critical_path_ns_per_trace),
                r.service,
                r.name
            )?;
        }
        writeln!(out, "\nattribute values over-represented among the slow (ranked by slow share minus rest share):")?;
        writeln!(out, "{:>12}  {:>12}  attribute", "slow", "rest")?;
        for r in report.attributes.iter().take(a.limit) {
            let res = if r.resource { " (resource)" } else { "" };
            writeln!(
                out,
                "{:>5.1}% {:>5}  {:>5.1}% {:>5}  {}={}{res}",
                r.slow_share * 100.0,
                r.slow_count,
                r.rest_share * 100.0,
                r.rest_count,
                r.key,
                r.value
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `firesight operations FILE [--sort KEY] [--json]`.
pub fn operations(a: &OperationsArgs) -> Result<()> {
    let Some(key) = OperationKey::parse(&a.sort) else {
        let names: Vec<&str> = OperationKey::ALL.iter().map(|k| k.name()).collect();
        return Err(UsageError(format!("--sort {:?}: expected one of {}", a.sort, names.join(", "))).into());
    };
    let set = load_traces(&a.file)?;
    let mut rows = operation_latencies(&set);
    sort_operations(&mut rows, key, false);
    let mut out = io::BufWriter::new(io::stdout().lock());
    if a.json {
        let q = |q: &firesight::analysis::operations::Quantiles| json!({"p50": q.p50_ns, "p90": q.p90_ns, "p99": q.p99_ns, "max": q.max_ns});
        let operations: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({
                    "service": r.service,
                    "name": r.name,
                    "count": r.count,
                    "errors": r.errors,
                    "duration_ns": q(&r.duration),
                    "self_ns": q(&r.self_time),
                    "slowest_trace_id": set.traces.get(r.slowest_trace).map(|t| t.id.to_string()),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &json!({ "operations": operations }))?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{:>7} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}  operation",
            "count", "errors", "p50", "p90", "p99", "max", "self p50", "self p90", "self p99", "self max"
        )?;
        for r in &rows {
            let d = |ns: u64| ms(ns as f64);
            writeln!(
                out,
                "{:>7} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}  {}: {}",
                r.count,
                r.errors,
                d(r.duration.p50_ns),
                d(r.duration.p90_ns),
                d(r.duration.p99_ns),
                d(r.duration.max_ns),
                d(r.self_time.p50_ns),
                d(r.self_time.p90_ns),
                d(r.self_time.p99_ns),
                d(r.self_time.max_ns),
                r.service,
                r.name
            )?;
        }
    }
    out.flush()?;
    Ok(())
}
