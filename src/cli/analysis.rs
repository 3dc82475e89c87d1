//! The analysis subcommands: `hot-path` and the memory view of `top`
//! (`diff` is in [`super::compare`]). Same contract as the rest of the CLI: flags and JSON shapes only
//! grow.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use serde_json::json;

use firesight::model::calltree::SampleFilter;
use firesight::model::frame::shown_name;
use firesight::model::{CallTree, MetricId, Profile};

use super::{LoadArgs, SelectArgs, TransformArgs, pick_metric, weight_json};

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
    pub transform: TransformArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn hot_path(a: &HotPathArgs) -> Result<()> {
    let loaded = super::load_transformed(&a.file, &a.load, &a.transform)?;
    let p = &loaded.profile;
    let metric = pick_metric(p, &a.select)?;
    let tree = CallTree::build(p, metric, &super::select::sample_filter(p, &a.select, &a.load)?);
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
