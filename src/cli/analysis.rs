//! The analysis subcommands: `hot-path`, `diff`, and the memory view of
//! `top`. Same contract as the rest of the CLI: flags and JSON shapes only
//! grow.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;
use serde_json::json;

use firesight::model::calltree::SampleFilter;
use firesight::model::frame::shown_name;
use firesight::model::{CallTree, MetricId, Profile};

use super::{LoadArgs, SelectArgs, filter, load_file, pick_metric, weight_json};

/// `firesight hot-path`.
#[derive(Debug, Args)]
pub struct HotPathArgs {
    /// The profile or trace file.
    pub file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// `firesight diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The profile before the change.
    pub before: PathBuf,
    /// The profile after the change.
    pub after: PathBuf,
    /// Show only the first N functions.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn hot_path(a: &HotPathArgs) -> Result<()> {
    let loaded = load_file(&a.file, &a.load)?;
    let p = &loaded.profile;
    let metric = pick_metric(p, &a.select)?;
    let tree = CallTree::build(p, metric, &filter(&a.select)?);
    super::warn_if_tags_match_nothing(p, &a.select, tree.total());
    let path = firesight::analysis::paths::hottest_path(&tree);
    let m = p.metric(metric);
    let mut out = io::BufWriter::new(io::stdout().lock());
    let frames = path.iter().filter_map(|&n| tree.node(n).frame.map(|f| (n, p.frames.frame(f))));
    if a.json {
        let nodes: Vec<_> = frames
            .map(|(n, f)| {
                let node = tree.node(n);
                json!({"name": f.name, "module": f.module, "self": weight_json(p, metric, node.self_weight), "total": weight_json(p, metric, node.total)})
            })
            .collect();
        let v = json!({"metric": {"name": m.name, "unit": m.unit.name(), "total": weight_json(p, metric, tree.total())}, "path": nodes});
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "metric {} [{}], total {} ({})",
            m.name,
            m.unit.name(),
            m.format_exact(tree.total()),
            m.format(tree.total())
        )?;
        for (depth, (n, f)) in frames.enumerate() {
            let node = tree.node(n);
            // Unsigned, of the share base (the sum of absolute weights in a diff profile), as `top`.
            let base = tree.share_base;
            let pct = if base == 0 { 0.0 } else { node.total.unsigned_abs() as f64 * 100.0 / base as f64 };
            writeln!(
                out,
                "{:>6.2}% {:>12}  {}{}",
                pct,
                m.format(node.total),
                "  ".repeat(depth.min(40)),
                shown_name(&f.name)
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

pub fn diff(a: &DiffArgs) -> Result<()> {
    let before = load_file(&a.before, &a.load)?;
    let after = load_file(&a.after, &a.load)?;
    let (bp, ap) = (&before.profile, &after.profile);
    fn in_file(file: &std::path::Path) -> impl Fn(anyhow::Error) -> anyhow::Error + '_ {
        move |e| super::UsageError(format!("{}: {e}", file.display())).into()
    }
    let bm = pick_metric(bp, &a.select).map_err(in_file(&a.before))?;
    // Compare like with like: the after side takes the metric of the same
    // name, and the units must agree.
    let bname = &bp.metric(bm).name;
    let am = match &a.select.metric {
        Some(_) => pick_metric(ap, &a.select).map_err(in_file(&a.after))?,
        None => ap.metric_by_name(bname).unwrap_or(ap.default_metric),
    };
    let (bmet, amet) = (bp.metric(bm), ap.metric(am));
    if bmet.unit != amet.unit {
        bail!(
            "cannot compare {} [{}] with {} [{}]: the units differ; pick metrics with --metric",
            bmet.name,
            bmet.unit.name(),
            amet.name,
            amet.unit.name()
        );
    }
    let keep = filter(&a.select)?;
    let d = firesight::analysis::diff::diff(bp, bm, ap, am, &keep);
    super::warn_if_tags_match_nothing_in(Some(&a.before), bp, &a.select, d.before_total);
    super::warn_if_tags_match_nothing_in(Some(&a.after), ap, &a.select, d.after_total);
    let m = ap.metric(am);
    let limit = a.limit.unwrap_or(usize::MAX);
    let mut out = io::BufWriter::new(io::stdout().lock());
    if a.json {
        let rows: Vec<_> = d
            .rows
            .iter()
            .take(limit)
            .map(|r| {
                json!({"name": r.name, "module": r.module,
                    "before_self": weight_json(bp, bm, r.before_self), "after_self": weight_json(ap, am, r.after_self),
                    "before_total": weight_json(bp, bm, r.before_total), "after_total": weight_json(ap, am, r.after_total)})
            })
            .collect();
        let v = json!({"metric": {"name": m.name, "unit": m.unit.name()},
            "before_total": weight_json(bp, bm, d.before_total), "after_total": weight_json(ap, am, d.after_total), "functions": rows});
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "metric {} [{}]: before {} after {}",
            m.name,
            m.unit.name(),
            bp.metric(bm).format(d.before_total),
            m.format(d.after_total)
        )?;
        writeln!(out, "{:>14} {:>14} {:>14} {:>14}  function", "self before", "self after", "change", "total after")?;
        for r in d.rows.iter().take(limit) {
            let delta = r.self_delta();
            let sign = if delta > 0 { "+" } else { "" };
            writeln!(
                out,
                "{:>14} {:>14} {:>14} {:>14}  {}",
                bp.metric(bm).format(r.before_self),
                m.format(r.after_self),
                format!("{sign}{}", m.format(delta)),
                m.format(r.after_total),
                shown_name(&r.name)
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The memory view of `top`: objects and bytes side by side, average size.
pub fn top_memory(p: &Profile, metric: MetricId, pair: MetricId, filter: &SampleFilter, limit: usize) -> Result<()> {
    use firesight::model::Unit;
    let (objects, bytes) = if p.metric(metric).unit == Unit::Bytes { (pair, metric) } else { (metric, pair) };
    let rows = firesight::analysis::memory::memory_table(p, objects, bytes, filter);
    let (om, bm) = (p.metric(objects), p.metric(bytes));
    let mut out = io::BufWriter::new(io::stdout().lock());
    // With --tag, the kept samples are the whole: totals and bytes% are theirs.
    let kept = |m: MetricId| firesight::model::CallTree::build(p, m, filter).total();
    let (tot_o, tot_b) = (kept(objects), kept(bytes));
    let scope = if filter.labels.is_empty() { "in all" } else { "in the samples kept" };
    writeln!(out, "{} {} and {} {} {scope}", om.format(tot_o), om.name, bm.format(tot_b), bm.name)?;
    writeln!(
        out,
        "{:>14} {:>12} {:>12} {:>7} {:>14} {:>12}  function [module]",
        "self objects", "avg size", "self bytes", "bytes%", "total objects", "total bytes"
    )?;
    for r in rows.iter().take(limit) {
        let f = p.frames.frame(r.frame);
        let module = if f.module.is_empty() { String::new() } else { format!(" [{}]", f.module) };
        let avg = r.avg_self_size().map_or_else(|| "-".to_string(), |s| Unit::Bytes.format(s));
        let pct = if tot_b == 0 { 0.0 } else { r.self_bytes as f64 * 100.0 / tot_b as f64 };
        writeln!(
            out,
            "{:>14} {:>12} {:>12} {:>6.2}% {:>14} {:>12}  {}{module}",
            om.format(r.self_objects),
            avg,
            bm.format(r.self_bytes),
            pct,
            om.format(r.total_objects),
            bm.format(r.total_bytes),
            shown_name(&f.name)
        )?;
    }
    out.flush()?;
    Ok(())
}
