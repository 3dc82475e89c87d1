//! `firesight peek FILE REGEX [--json]`: callers and callees of every
//! function whose name matches, numbers as `go tool pprof -peek`.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use serde_json::json;

use firesight::analysis::peek::{PeekEdge, peek as peek_of};
use firesight::model::frame::shown_name;
use firesight::model::{MetricId, Profile, Weight};

use super::{LoadArgs, SelectArgs, TransformArgs, UsageError, pick_metric, weight_json};

/// `firesight peek`.
#[derive(Debug, Args)]
pub struct PeekArgs {
    /// The profile or trace file.
    pub file: PathBuf,
    /// Functions whose name this regular expression matches (unanchored, as pprof's -peek).
    pub regex: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub transform: TransformArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn peek(a: &PeekArgs) -> Result<()> {
    let re = regex_lite::Regex::new(&a.regex)
        .map_err(|e| UsageError(format!("{:?} is not a regular expression: {e}", a.regex)))?;
    let loaded = super::load_transformed(&a.file, &a.load, &a.transform)?;
    let p = &loaded.profile;
    let metric = pick_metric(p, &a.select)?;
    let f = super::select::sample_filter(p, &a.select, &a.load)?;
    let keep = firesight::export::folded::sample_predicate(p, &f);
    let total: Weight = (0..p.samples.len()).filter(|&i| keep(i)).map(|i| p.weight(i, metric)).sum();
    let entries = peek_of(p, metric, &keep, |name| re.is_match(name));
    if entries.is_empty() {
        return Err(UsageError(format!("no function matches {:?}", a.regex)).into());
    }
    let m = p.metric(metric);
    let mut out = io::BufWriter::new(io::stdout().lock());
    let name = |f| p.frames.frame(f);
    if a.json {
        let edges = |es: &[PeekEdge]| -> Vec<serde_json::Value> {
            es.iter()
                .map(|e| {
                    let fr = name(e.function);
                    json!({"name": fr.name, "module": fr.module, "weight": weight_json(p, metric, e.weight), "inline": e.inline})
                })
                .collect()
        };
        let functions: Vec<_> = entries
            .iter()
            .map(|e| {
                let fr = name(e.function);
                json!({
                    "name": fr.name,
                    "module": fr.module,
                    "self": weight_json(p, metric, e.self_weight),
                    "total": weight_json(p, metric, e.total),
                    "callers": edges(&e.callers),
                    "callees": edges(&e.callees),
                })
            })
            .collect();
        let v = json!({
            "metric": {"name": m.name, "unit": m.unit.name(), "total": weight_json(p, metric, total)},
            "functions": functions,
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        text(&mut out, p, metric, total, &entries)?;
    }
    out.flush()?;
    Ok(())
}

fn text(
    out: &mut dyn Write,
    p: &Profile,
    metric: MetricId,
    total: Weight,
    entries: &[firesight::analysis::peek::PeekEntry],
) -> io::Result<()> {
    const SEP: &str = "----------------------------------------------------------+-------------";
    let m = p.metric(metric);
    let pct = |w: Weight, of: Weight| if of == 0 { 0.0 } else { w as f64 * 100.0 / of as f64 };
    writeln!(out, "metric {} [{}], total {} ({})", m.name, m.unit.name(), m.format_exact(total), m.format(total))?;
    writeln!(out, "{SEP}")?;
    writeln!(out, "      flat  flat%   sum%        cum   cum%   calls calls% + context")?;
    let mut sum: Weight = 0;
    let edge = |out: &mut dyn Write, e: &PeekEdge, cum: Weight| {
        let inline = if e.inline { " (inline)" } else { "" };
        writeln!(
            out,
            "{:>50} {:>6.2}% |   {}{inline}",
            m.format(e.weight),
            pct(e.weight, cum),
            shown_name(p.frames.name(e.function))
        )
    };
    for e in entries {
        writeln!(out, "{SEP}")?;
        for c in &e.callers {
            edge(out, c, e.total)?;
        }
        sum += e.self_weight;
        writeln!(
            out,
            "{:>10} {:>5.2}% {:>5.2}% {:>10} {:>5.2}%                | {}",
            m.format(e.self_weight),
            pct(e.self_weight, total),
            pct(sum, total),
            m.format(e.total),
            pct(e.total, total),
            shown_name(p.frames.name(e.function))
        )?;
        for c in &e.callees {
            edge(out, c, e.total)?;
        }
    }
    writeln!(out, "{SEP}")
}
