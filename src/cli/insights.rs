//! `firesight insights FILE... [--json]`: the seed's reading rules computed
//! ([`firesight::analysis::insights`]): red flags, green flags and
//! information, each with its numbers and the threshold it was held to.
//! Several heap snapshots of one process (oldest first) add leak-suspect.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;

use firesight::analysis::compare::Side;
use firesight::analysis::insights::{Input, Insight, Thresholds, evaluate};
use firesight::analysis::memory::paired_metric;
use firesight::model::{CallTree, FunctionTable, MetricId, Profile};

use super::{LoadArgs, SelectArgs, TransformArgs, UsageError, load_transformed, pick_metric, select};

/// `firesight insights`.
#[derive(Debug, Args)]
pub struct InsightsArgs {
    /// A profile; several heap snapshots of one process, oldest first, also
    /// get leak-suspect (growth in every interval).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print JSON: {"insights": [{"rule", "severity", "subjects", "value", "threshold", "message"}]}.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub transform: TransformArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Every rule's threshold (see [`Thresholds`]).
#[derive(Debug, Args, Clone, Default)]
pub struct ThresholdArgs {
    /// dominant-function: self share at or above this, percent. Default: 20.
    #[arg(long, value_name = "PCT")]
    pub dominant: Option<f64>,
    /// hot-path: go on while the heaviest child keeps this share of its parent, percent. Default: 50.
    #[arg(long, value_name = "PCT")]
    pub fan_out: Option<f64>,
    /// pareto: the share of self the k functions hold, percent. Default: 80.
    #[arg(long, value_name = "PCT")]
    pub pareto: Option<f64>,
    /// deep-stacks: p95 stack depth over this many frames. Default: 64.
    #[arg(long, value_name = "FRAMES")]
    pub deep: Option<f64>,
    /// tiny-functions: a function under this self share is tiny, percent. Default: 0.5.
    #[arg(long, value_name = "PCT")]
    pub tiny_each: Option<f64>,
    /// tiny-functions: the tiny ones together hold at least this, percent. Default: 30.
    #[arg(long, value_name = "PCT")]
    pub tiny_total: Option<f64>,
    /// tiny-functions: and there are at least this many. Default: 20.
    #[arg(long, value_name = "N")]
    pub tiny_count: Option<f64>,
    /// kernel-share: self share in kernel frames, percent. Default: 30.
    #[arg(long, value_name = "PCT")]
    pub kernel_share: Option<f64>,
    /// lock-wait: share of a CPU profile inside lock functions, percent. Default: 10.
    #[arg(long, value_name = "PCT")]
    pub lock: Option<f64>,
    /// large-objects: bytes per object. Default: 32768.
    #[arg(long, value_name = "BYTES")]
    pub large_object: Option<f64>,
    /// leak-suspect: a suspect's share of the series' growth, percent. Default: 10.
    #[arg(long, value_name = "PCT")]
    pub leak: Option<f64>,
    /// recursion: share below a function's first recursive call, percent. Default: 5.
    #[arg(long, value_name = "PCT")]
    pub recursion: Option<f64>,
}

impl ThresholdArgs {
    /// The thresholds, defaults where not given; errors on a negative or
    /// non-finite number.
    pub fn thresholds(&self) -> Result<Thresholds> {
        let mut t = Thresholds::default();
        for (flag, given, slot) in [
            ("--dominant", self.dominant, &mut t.dominant_pct),
            ("--fan-out", self.fan_out, &mut t.fan_out_pct),
            ("--pareto", self.pareto, &mut t.pareto_pct),
            ("--deep", self.deep, &mut t.deep_frames),
            ("--tiny-each", self.tiny_each, &mut t.tiny_each_pct),
            ("--tiny-total", self.tiny_total, &mut t.tiny_total_pct),
            ("--tiny-count", self.tiny_count, &mut t.tiny_min_count),
            ("--kernel-share", self.kernel_share, &mut t.kernel_pct),
            ("--lock", self.lock, &mut t.lock_pct),
            ("--large-object", self.large_object, &mut t.large_object_bytes),
            ("--leak", self.leak, &mut t.leak_pct),
            ("--recursion", self.recursion, &mut t.recursion_pct),
        ] {
            if let Some(v) = given {
                if !v.is_finite() || v < 0.0 {
                    return Err(UsageError(format!("{flag} {v}: expected a number at or above 0")).into());
                }
                *slot = v;
            }
        }
        Ok(t)
    }
}

/// "dominant 20%, fan-out 50% ..." for the text output.
fn thresholds_text(t: &Thresholds) -> String {
    format!(
        "thresholds: dominant {}%, fan-out {}%, pareto {}%, deep {} frames, tiny {}% each and {}% together \
         over {} functions, kernel {}%, lock {}%, large object {} B, leak {}%, recursion {}%",
        t.dominant_pct,
        t.fan_out_pct,
        t.pareto_pct,
        t.deep_frames,
        t.tiny_each_pct,
        t.tiny_total_pct,
        t.tiny_min_count,
        t.kernel_pct,
        t.lock_pct,
        t.large_object_bytes,
        t.leak_pct,
        t.recursion_pct
    )
}

/// One insight as JSON, its fields in the documented order.
#[derive(serde::Serialize)]
struct InsightJson<'a> {
    rule: &'a str,
    severity: &'a str,
    subjects: &'a [String],
    value: f64,
    threshold: f64,
    message: &'a str,
    /// Which file, when several were given (`series` for leak-suspect).
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
}

fn insight_json<'a>(i: &'a Insight, file: Option<&'a str>) -> InsightJson<'a> {
    InsightJson {
        rule: i.rule,
        severity: i.severity.name(),
        subjects: &i.subjects,
        value: i.value,
        threshold: i.threshold,
        message: &i.message,
        file,
    }
}

pub fn insights(a: &InsightsArgs) -> Result<()> {
    let th = a.thresholds.thresholds()?;
    let several = a.files.len() > 1;
    if several {
        // Times and thread ids belong to one profile.
        select::refuse_for_series(&a.select, &a.load, "insights over several files")?;
    }
    let mut profiles: Vec<Profile> = Vec::with_capacity(a.files.len());
    for path in &a.files {
        profiles.push(load_transformed(path, &a.load, &a.transform)?.profile);
    }
    let mut metrics: Vec<MetricId> = Vec::with_capacity(profiles.len());
    for (p, path) in profiles.iter().zip(&a.files) {
        let m = pick_metric(p, &a.select).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        metrics.push(m);
    }
    let mut found: Vec<(Option<String>, Insight)> = Vec::new();
    for ((p, &metric), path) in profiles.iter().zip(&metrics).zip(&a.files) {
        let keep = select::sample_filter(p, &a.select, &a.load)?;
        let tree = CallTree::build(p, metric, &keep);
        super::warn_if_tags_match_nothing(p, &a.select, tree.total());
        let table = FunctionTable::build(&tree, p.frames.len());
        let input = Input { profile: p, metric, tree: &tree, table: &table, filter: &keep, series: &[] };
        let name = several.then(|| path.display().to_string());
        found.extend(evaluate(&input, &th).into_iter().map(|i| (name.clone(), i)));
    }
    if let Some(series) = heap_series(&profiles, &a.select)? {
        let (p, metric) = (series[series.len() - 1].profile, series[series.len() - 1].metric);
        let keep = super::filter(&a.select)?;
        let tree = CallTree::build(p, metric, &keep);
        let table = FunctionTable::build(&tree, p.frames.len());
        let input = Input { profile: p, metric, tree: &tree, table: &table, filter: &keep, series: &series };
        let mut leak = Vec::new();
        firesight::analysis::insights::memory::leak_suspect(&input, &th, &mut leak);
        found.extend(leak.into_iter().map(|i| (Some("series".to_string()), i)));
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    if a.json {
        let list: Vec<_> = found.iter().map(|(f, i)| insight_json(i, f.as_deref())).collect();
        #[derive(serde::Serialize)]
        struct All<'a> {
            insights: Vec<InsightJson<'a>>,
        }
        serde_json::to_writer_pretty(&mut out, &All { insights: list })?;
        writeln!(out)?;
    } else {
        writeln!(out, "{}", thresholds_text(&th))?;
        let mut last: Option<&str> = None;
        for (file, i) in &found {
            if several && file.as_deref() != last {
                writeln!(out, "\n{}:", file.as_deref().unwrap_or(""))?;
                last = file.as_deref();
            }
            writeln!(out, "[{}] {}: {}", i.severity.name(), i.rule, i.message)?;
        }
        if found.is_empty() {
            writeln!(out, "no insight: the profile holds no weight in this metric")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The files as a heap series (two or more heap profiles with an
/// objects/bytes pair, in `inuse_space` unless `--metric` names another),
/// or `None` when they are not one.
fn heap_series<'a>(profiles: &'a [Profile], select: &SelectArgs) -> Result<Option<Vec<Side<'a>>>> {
    if profiles.len() < 2 {
        return Ok(None);
    }
    let wanted = match &select.metric {
        Some(m) => m.clone(),
        None if profiles[0].metric_by_name("inuse_space").is_some() => "inuse_space".to_string(),
        None => profiles[0].metric(profiles[0].default_metric).name.clone(),
    };
    let mut sides = Vec::with_capacity(profiles.len());
    for p in profiles {
        let Some(m) = p.metric_by_name(&wanted) else { return Ok(None) };
        if paired_metric(p, m).is_none() {
            return Ok(None);
        }
        sides.push(Side { profile: p, metric: m });
    }
    if sides.is_empty() {
        bail!("no profiles");
    }
    Ok(Some(sides))
}
