//! The trace subcommands: `traces`, `services`, `critical-path`. Their JSON
//! shapes are the contract issue 6 gives; change them only by adding.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use serde_json::json;

use firesight::analysis::traces::{self as analysis, TraceSummary};
use firesight::model::trace::TraceSet;
use firesight::model::units::format_duration_ns;

use super::{LoadArgs, load_file};

/// `firesight traces`.
#[derive(Debug, Args)]
pub struct TracesArgs {
    /// The OTLP or Jaeger trace file.
    pub file: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `firesight services`.
#[derive(Debug, Args)]
pub struct ServicesArgs {
    /// The OTLP or Jaeger trace file.
    pub file: PathBuf,
    /// Only this trace (hex id, any case, leading zeros optional). Default: all traces.
    #[arg(long, value_name = "ID")]
    pub trace: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `firesight critical-path`.
#[derive(Debug, Args)]
pub struct CriticalPathArgs {
    /// The OTLP or Jaeger trace file.
    pub file: PathBuf,
    /// The trace (hex id). Default: the slowest trace.
    #[arg(long, value_name = "ID")]
    pub trace: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Loads `file` as traces; a profile is an error naming its format.
pub(crate) fn load_traces(file: &Path) -> Result<TraceSet> {
    let loaded = load_file(file, &LoadArgs::default())?;
    loaded.traces.ok_or_else(|| {
        anyhow!("{} is a {} profile, not a trace file (OTLP or Jaeger)", file.display(), loaded.format.name())
    })
}

fn pick_trace(set: &TraceSet, id: Option<&str>) -> Result<Option<usize>> {
    match id {
        None => Ok(None),
        Some(id) => set.find(id).map(Some).with_context(|| format!("no trace with id {id:?} in the file")),
    }
}

fn ms(ns: u64) -> String {
    format_duration_ns(ns as f64)
}

/// `firesight traces FILE [--json]`.
pub fn traces(a: &TracesArgs) -> Result<()> {
    let set = load_traces(&a.file)?;
    let rows = analysis::trace_summaries(&set);
    let pct = analysis::latency_percentiles(&set);
    let spans = set.span_count();
    let mut out = io::BufWriter::new(io::stdout().lock());
    if a.json {
        let traces: Vec<_> = rows.iter().map(trace_json).collect();
        let v = json!({
            "traces": traces,
            "spans": spans,
            "p50_ns": pct.map(|p| p.p50_ns),
            "p90_ns": pct.map(|p| p.p90_ns),
            "p99_ns": pct.map(|p| p.p99_ns),
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{} traces, {spans} spans", rows.len())?;
        if let Some(p) = pct {
            writeln!(out, "latency P50 {}  P90 {}  P99 {} (nearest rank)", ms(p.p50_ns), ms(p.p90_ns), ms(p.p99_ns))?;
        }
        writeln!(out, "{:<32}  {:>10}  {:>6}  {:>6}  root", "trace id", "duration", "spans", "errors")?;
        for r in &rows {
            writeln!(
                out,
                "{:<32}  {:>10}  {:>6}  {:>6}  {}: {}",
                r.trace_id,
                ms(r.duration_ns),
                r.spans,
                r.errors,
                r.root_service,
                r.root_name
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

fn trace_json(r: &TraceSummary) -> serde_json::Value {
    json!({
        "trace_id": r.trace_id,
        "root_service": r.root_service,
        "root_name": r.root_name,
        "start_unix_ns": r.start_unix_ns,
        "duration_ns": r.duration_ns,
        "spans": r.spans,
        "errors": r.errors,
    })
}

/// `firesight services FILE [--trace ID] [--json]`.
pub fn services(a: &ServicesArgs) -> Result<()> {
    let set = load_traces(&a.file)?;
    let trace = pick_trace(&set, a.trace.as_deref())?;
    let rows = analysis::service_table(&set, trace);
    let mut out = io::BufWriter::new(io::stdout().lock());
    if a.json {
        let services: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({"name": r.service, "spans": r.spans, "errors": r.errors, "total_ns": r.total_ns, "self_ns": r.self_ns, "wall_ns": r.wall_ns})
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &json!({ "services": services }))?;
        writeln!(out)?;
    } else {
        // "wall": time a span of the service was running; "total": the sum
        // of its span durations (nested spans count twice).
        writeln!(out, "{:>10}  {:>10}  {:>10}  {:>6}  {:>6}  service", "self", "wall", "total", "spans", "errors")?;
        for r in &rows {
            writeln!(
                out,
                "{:>10}  {:>10}  {:>10}  {:>6}  {:>6}  {}",
                ms(r.self_ns),
                ms(r.wall_ns),
                ms(r.total_ns),
                r.spans,
                r.errors,
                r.service
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `firesight critical-path FILE [--trace ID] [--json]`.
pub fn critical_path(a: &CriticalPathArgs) -> Result<()> {
    let set = load_traces(&a.file)?;
    let index = match pick_trace(&set, a.trace.as_deref())? {
        Some(i) => i,
        None => analysis::slowest_trace(&set).context("the file holds no trace")?,
    };
    let Some(trace) = set.traces.get(index) else { bail!("no trace {index}") };
    let sections = analysis::critical_path(trace);
    let on_path: u64 = sections.iter().map(|c| c.end_ns - c.start_ns).sum();
    let mut out = io::BufWriter::new(io::stdout().lock());
    if a.json {
        let sections: Vec<_> = sections
            .iter()
            .map(|c| {
                let s = &trace.spans[c.span];
                json!({
                    "span_id": s.id.to_string(),
                    "service": &*s.service,
                    "name": &*s.name,
                    "start_unix_ns": c.start_ns,
                    "end_unix_ns": c.end_ns,
                })
            })
            .collect();
        let v = json!({
            "trace_id": trace.id.to_string(),
            "duration_ns": trace.duration_ns(),
            "sections": sections,
            "start_unix_ns": trace.start_ns(),
            "end_unix_ns": trace.end_ns(),
            "on_path_ns": on_path,
            "in_no_span_ns": trace.duration_ns().saturating_sub(on_path),
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        let total = trace.duration_ns();
        writeln!(
            out,
            "trace {} ({}, first start to last end), time on the critical path by span, largest first:",
            trace.id,
            ms(total)
        )?;
        writeln!(out, "{:>10}  {:>6}  span", "on path", "share")?;
        let mut shares = analysis::critical_path_shares(&sections);
        shares.sort_by_key(|&(_, ns)| std::cmp::Reverse(ns));
        for (span, ns) in shares {
            let s = &trace.spans[span];
            let share = if total == 0 { 0.0 } else { ns as f64 * 100.0 / total as f64 };
            writeln!(out, "{:>10}  {share:>5.1}%  {}: {} [{}]", ms(ns), s.service, s.name, s.id)?;
        }
        if on_path < total {
            // After a span ended and before its asynchronous child began.
            let gap = total - on_path;
            writeln!(out, "{:>10}  {:>5.1}%  (in no span)", ms(gap), gap as f64 * 100.0 / total as f64)?;
        }
    }
    out.flush()?;
    Ok(())
}
