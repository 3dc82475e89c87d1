//! `firesight info`: format, metrics with unit and total, samples, distinct
//! stacks and call-tree nodes, frames, threads, time span, metadata and
//! warnings.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use serde_json::json;

use firesight::model::{MetricId, units};

use super::{LoadArgs, load_file, weight_json};

/// `firesight info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The profile or trace file.
    pub file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn info(a: &InfoArgs) -> Result<()> {
    let loaded = load_file(&a.file, &a.load)?;
    let p = &loaded.profile;
    let mut out = io::BufWriter::new(io::stdout().lock());
    // A trace file spans from its first span's start to its last one's end.
    let time_span = loaded.traces.as_ref().and_then(|t| t.time_range_ns()).or_else(|| p.time_range_ns());
    let totals = p.totals();
    if a.json {
        let metrics: Vec<_> = (0..p.metrics.len())
            .map(|i| {
                let id = MetricId::from_index(i);
                let m = p.metric(id);
                json!({"name": m.name, "unit": m.unit.name(), "total": weight_json(p, id, totals[i])})
            })
            .collect();
        let warnings: Vec<_> =
            p.warnings.iter().map(|w| json!({"line": w.line, "offset": w.offset, "message": w.message})).collect();
        // A key given several times (pprof comments) maps to an array.
        let mut meta = serde_json::Map::new();
        for (k, v) in &p.meta {
            match meta.get_mut(k) {
                None => {
                    meta.insert(k.clone(), json!(v));
                }
                Some(serde_json::Value::Array(a)) => a.push(json!(v)),
                Some(one) => *one = json!([one.take(), v]),
            }
        }
        let v = json!({
            "format": loaded.format.name(),
            "metrics": metrics,
            "default_metric": p.metric(p.default_metric).name,
            "samples": p.samples.len(),
            "stacks": p.distinct_stacks(),
            "call_tree_nodes": p.stacks.len(),
            "frames": p.frames.len(),
            "threads": p.threads.len(),
            "time_span_ns": time_span.map(|(lo, hi)| hi - lo),
            "meta": meta,
            "warnings": warnings,
            "warnings_total": p.warnings_total,
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        writeln!(out, "format:   {}", loaded.format.name())?;
        for (i, &t) in totals.iter().enumerate() {
            let id = MetricId::from_index(i);
            let m = p.metric(id);
            let default = if id == p.default_metric { " (default)" } else { "" };
            writeln!(
                out,
                "metric:   {} [{}] total {} ({}){default}",
                m.name,
                m.unit.name(),
                m.format_exact(t),
                m.format(t)
            )?;
        }
        // A folded file's sample is a stack line with a count (py-spy's 310
        // samples in 2 lines): the count is in the metric's total above.
        let lines =
            if loaded.format == firesight::load::Format::Folded { " (stack lines, each with its count)" } else { "" };
        writeln!(out, "samples:  {}{lines}", units::format_int(p.samples.len() as u64))?;
        writeln!(
            out,
            "stacks:   {} distinct (the stacks samples end in)",
            units::format_int(p.distinct_stacks() as u64)
        )?;
        writeln!(out, "call-tree nodes: {} (every prefix of those stacks)", units::format_int(p.stacks.len() as u64))?;
        writeln!(out, "frames:   {}", units::format_int(p.frames.len() as u64))?;
        writeln!(out, "threads:  {}", units::format_int(p.threads.len() as u64))?;
        if let Some((lo, hi)) = time_span {
            // massif counts time in instructions or bytes allocated where
            // its `time_unit` says so: the span in that unit, not as ns.
            match firesight::analysis::heap_series::untimed_unit(p) {
                Some(u) => writeln!(out, "time span: {} {u}", units::format_int(hi - lo))?,
                None => writeln!(out, "time span: {}", units::format_duration_ns((hi - lo) as f64))?,
            }
        }
        for (k, v) in &p.meta {
            writeln!(out, "{k}: {v}")?;
        }
        writeln!(out, "warnings: {}", p.warnings_total)?;
        for w in &p.warnings {
            let at = match (w.line, w.offset) {
                (Some(l), _) => format!("line {l}: "),
                (None, Some(o)) => format!("byte {o}: "),
                _ => String::new(),
            };
            writeln!(out, "  {at}{}", w.message)?;
        }
        if p.warnings_total > p.warnings.len() as u64 {
            writeln!(out, "  ... and {} more", p.warnings_total - p.warnings.len() as u64)?;
        }
    }
    out.flush()?;
    Ok(())
}
