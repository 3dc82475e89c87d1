//! `firesight growth SNAP1 SNAP2 SNAP3...`: a heap series, each interval
//! as `go tool pprof -base=OLDER NEWER` shows it, the whole series, and the
//! functions that grow in every interval (leak suspects).

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;
use serde_json::{Value, json};

use firesight::analysis::compare::Side;
use firesight::analysis::growth::{Interval, growth as compare_series};
use firesight::model::{MetricId, Profile, Unit};

use super::compare::signed;
use super::{LoadArgs, SelectArgs, UsageError, filter, load_file, weight_json};

/// `firesight growth`.
#[derive(Debug, Args)]
pub struct GrowthArgs {
    /// Heap profiles of one process, oldest first (two or more; three or
    /// more show a trend).
    #[arg(required = true, num_args = 2.., value_name = "SNAPSHOT")]
    pub snapshots: Vec<PathBuf>,
    /// Show only the first N functions of each interval.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// The metric (default `inuse_space` when the snapshots have it, else
    /// their default metric); see the other commands.
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn growth(a: &GrowthArgs) -> Result<()> {
    if a.snapshots.len() < 2 {
        return Err(UsageError("growth needs two or more snapshots, oldest first".into()).into());
    }
    super::select::refuse_for_series(&a.select, &a.load, "growth")?;
    let keep = filter(&a.select)?;
    let mut profiles: Vec<Profile> = Vec::with_capacity(a.snapshots.len());
    for path in &a.snapshots {
        profiles.push(load_file(path, &a.load)?.profile);
    }
    let wanted = match &a.select.metric {
        Some(m) => m.clone(),
        None if profiles[0].metric_by_name("inuse_space").is_some() => "inuse_space".to_string(),
        None => profiles[0].metric(profiles[0].default_metric).name.clone(),
    };
    let mut metrics: Vec<MetricId> = Vec::with_capacity(profiles.len());
    let mut wanted = wanted;
    for (i, (p, path)) in profiles.iter().zip(&a.snapshots).enumerate() {
        let Some(m) = p.metric_by_name(&wanted) else {
            let names: Vec<&str> = p.metrics.iter().map(|m| m.name.as_str()).collect();
            return Err(UsageError(format!(
                "{}: no metric {wanted:?}; this profile has: {}",
                path.display(),
                names.join(", ")
            ))
            .into());
        };
        // A metric given by position is the first snapshot's; the others
        // take the metric of its name.
        if i == 0 {
            wanted = p.metric(m).name.clone();
        }
        metrics.push(m);
    }
    let (first, unit) = (&profiles[0], &profiles[0].metric(metrics[0]).unit);
    for ((p, &m), path) in profiles.iter().zip(&metrics).zip(&a.snapshots) {
        if p.metric(m).unit != *unit {
            bail!(
                "{}: {wanted} is in {}, the first snapshot's in {}",
                path.display(),
                p.metric(m).unit.name(),
                unit.name()
            );
        }
    }
    if !wanted.starts_with("inuse") && *unit != Unit::Bytes {
        // A CPU or count profile: its growth is a change between the files.
        eprintln!(
            "warning: {wanted} [{}] is not a heap's in-use metric (inuse_space, inuse_objects): the growth is the \
             change between the files, and a suspect a function whose {wanted} rose each time, not memory held",
            unit.name()
        );
    }
    let sides: Vec<Side<'_>> = profiles.iter().zip(&metrics).map(|(p, &m)| Side { profile: p, metric: m }).collect();
    let g = compare_series(&sides, &keep);
    let (p0, m0) = (first, metrics[0]);
    let name = |i: usize| a.snapshots[i].display().to_string();
    let limit = a.limit.unwrap_or(usize::MAX);
    if let Some((older, newer)) = g.out_of_order {
        let time = |i: usize| profiles[i].meta.iter().find(|(k, _)| k == "time").map_or("", |(_, v)| v.as_str());
        eprintln!(
            "warning: {} was taken before {} ({} against {}): the snapshots are compared in the order given, \
             oldest first, so the growth runs backwards there",
            name(newer),
            name(older),
            time(newer),
            time(older)
        );
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    if a.json {
        let interval = |iv: &Interval| -> Value {
            let functions: Vec<Value> = iv
                .rows
                .iter()
                .take(limit)
                .map(|r| {
                    json!({"name": r.name, "module": r.module, "self": weight_json(p0, m0, r.self_change),
                    "total": weight_json(p0, m0, r.total_change)})
                })
                .collect();
            json!({"older": name(iv.older), "newer": name(iv.newer), "total": weight_json(p0, m0, iv.total_change),
                "functions": functions})
        };
        let details: Vec<Value> = g
            .suspects
            .iter()
            .map(|s| {
                let per: Vec<Value> = s.per_interval.iter().map(|&w| weight_json(p0, m0, w)).collect();
                json!({"name": s.name, "module": s.module, "growth": weight_json(p0, m0, s.growth), "per_interval": per})
            })
            .collect();
        let v = json!({
            "metric": wanted, "unit": unit.name(),
            "snapshots": a.snapshots.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "intervals": g.intervals.iter().map(interval).collect::<Vec<_>>(),
            "overall": g.overall.as_ref().map(interval),
            "suspects": g.suspects.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            "suspect_details": details,
            "out_of_order": g.out_of_order.map(|(o, n)| [name(o), name(n)]),
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        let m = p0.metric(m0);
        writeln!(out, "metric {wanted} [{}], {} snapshots", unit.name(), a.snapshots.len())?;
        if g.suspects.is_empty() {
            writeln!(out, "no function grows in every interval")?;
        } else {
            if g.intervals.len() == 1 {
                // One interval: every function that grew "grows in every interval".
                writeln!(
                    out,
                    "leak suspects (self grew in the one interval: with two snapshots that is every function \
                     that grew; three or more tell steady growth from a one-off), strongest first:"
                )?;
            } else {
                writeln!(out, "leak suspects (self grows in every interval), strongest first:")?;
            }
            for s in &g.suspects {
                writeln!(
                    out,
                    "  {:>14}  {}",
                    signed(&m.format(s.growth), s.growth),
                    firesight::model::frame::shown_name(&s.name)
                )?;
            }
        }
        for iv in g.intervals.iter().chain(g.overall.iter().filter(|_| g.intervals.len() > 1)) {
            let what = if iv.newer - iv.older > 1 { "overall" } else { "interval" };
            writeln!(
                out,
                "\n{what} {} → {}: total {}",
                name(iv.older),
                name(iv.newer),
                signed(&m.format(iv.total_change), iv.total_change)
            )?;
            writeln!(out, "{:>14} {:>14}  function", "self change", "total change")?;
            for r in iv.rows.iter().take(limit) {
                writeln!(
                    out,
                    "{:>14} {:>14}  {}",
                    signed(&m.format(r.self_change), r.self_change),
                    signed(&m.format(r.total_change), r.total_change),
                    firesight::model::frame::shown_name(&r.name)
                )?;
            }
        }
    }
    out.flush()?;
    Ok(())
}
