//! `firesight span-profile TRACE PROFILE [--span ID] [--json]`: each span's
//! CPU time from a profile whose samples carry span labels, and for one
//! span the folded stacks of its samples. The JSON shape is issue 14's
//! contract: per span `{"span_id", "service", "name", "duration_ns",
//! "cpu_ns"}`; fields are only ever added.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::json;

use firesight::analysis::span_profile::{self, SpanProfile, SpanRef};
use firesight::export;
use firesight::model::trace::{SpanId, TraceSet};
use firesight::model::units::Unit;
use firesight::model::{Profile, Weight};

use super::traces::load_traces;
use super::{LoadArgs, UsageError, load_file};

/// `firesight span-profile`.
#[derive(Debug, Args)]
pub struct SpanProfileArgs {
    /// The OTLP or Jaeger trace file.
    pub trace: PathBuf,
    /// A profile of the same run whose samples carry `span_id` (or
    /// `profile_id`) labels (pprof).
    pub profile: PathBuf,
    /// Only this span (hex id): its CPU time and the folded stacks of its samples.
    #[arg(long, value_name = "ID")]
    pub span: Option<String>,
    /// With `--span`: the samples of its descendants too.
    #[arg(long, requires = "span")]
    pub descendants: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Weight in ns for a time metric (exact for ns); the weight unchanged for other units.
fn to_ns(profile: &Profile, link: &SpanProfile, w: Weight) -> Weight {
    match profile.metric(link.metric).unit {
        Unit::Microseconds => w * 1_000,
        Unit::Milliseconds => w * 1_000_000,
        Unit::Seconds => w * 1_000_000_000,
        _ => w,
    }
}

fn find_span(set: &TraceSet, id: &str) -> Result<SpanRef> {
    let Some(want) = SpanId::from_text(id.trim()) else {
        return Err(UsageError("--span takes a span id, got an empty one".into()).into());
    };
    set.traces
        .iter()
        .enumerate()
        .find_map(|(t, tr)| tr.find_span(want).map(|s| (t, s)))
        .with_context(|| format!("no span with id {id:?} in the trace file"))
}

/// Runs `span-profile`.
pub fn span_profile(a: &SpanProfileArgs) -> Result<()> {
    let set = load_traces(&a.trace)?;
    let loaded = load_file(&a.profile, &LoadArgs::default())?;
    if loaded.traces.is_some() {
        bail!("{} is a trace file; give a profile (pprof) whose samples carry span_id labels", a.profile.display());
    }
    let p = &loaded.profile;
    let Some(link) = span_profile::link(&set, p) else {
        let mut keys: Vec<&str> = p.label_sets.iter().flatten().map(|l| l.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        bail!(
            "no sample of {} carries a span_id or profile_id label, so no span can be joined (label keys there: {})",
            a.profile.display(),
            if keys.is_empty() { "none".to_string() } else { keys.join(", ") }
        );
    };
    let m = p.metric(link.metric);
    let ns = |w: Weight| to_ns(p, &link, w);
    let mut out = io::BufWriter::new(io::stdout().lock());
    let span_json = |t: usize, s: usize| {
        let tr = &set.traces[t];
        let sp = &tr.spans[s];
        json!({
            "span_id": sp.id.to_string(),
            "trace_id": tr.id.to_string(),
            "service": &*sp.service,
            "name": &*sp.name,
            "duration_ns": sp.duration_ns(),
            "cpu_ns": i64::try_from(ns(link.cpu_of(t, s))).unwrap_or(i64::MAX),
            "cpu_ns_with_descendants": i64::try_from(ns(link.cpu_with_descendants_of(t, s))).unwrap_or(i64::MAX),
            "samples": link.samples[t][s],
        })
    };
    if let Some(id) = &a.span {
        let (t, s) = find_span(&set, id)?;
        let filter = link.filter(&set, t, s, a.descendants);
        let mut folded = Vec::new();
        export::folded::write_streaming(p, link.metric, &filter, &mut folded)?;
        let folded = String::from_utf8_lossy(&folded);
        if a.json {
            let mut v = span_json(t, s);
            v["descendants"] = json!(a.descendants);
            v["metric"] = json!({"name": m.name, "unit": m.unit.name()});
            v["folded"] = json!(folded.lines().collect::<Vec<_>>());
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        } else {
            let sp = &set.traces[t].spans[s];
            let cpu = if a.descendants { link.cpu_with_descendants_of(t, s) } else { link.cpu_of(t, s) };
            writeln!(
                out,
                "# span {} {}: {} wall, {} {} ({}){}",
                sp.id,
                sp.name,
                firesight::model::units::format_duration_ns(sp.duration_ns() as f64),
                m.format(cpu),
                m.name,
                sp.service,
                if a.descendants { " with descendants" } else { "" }
            )?;
            if folded.is_empty() {
                writeln!(out, "# no sample names this span")?;
            }
            out.write_all(folded.as_bytes())?;
        }
        out.flush()?;
        return Ok(());
    }
    if a.json {
        let spans: Vec<_> = (0..set.traces.len())
            .flat_map(|t| (0..set.traces[t].spans.len()).map(move |s| (t, s)))
            .map(|(t, s)| span_json(t, s))
            .collect();
        let unmatched: Vec<_> = link
            .unmatched
            .iter()
            .map(|u| json!({"span_id": u.id, "span_name": u.name, "cpu_ns": i64::try_from(ns(u.weight)).unwrap_or(i64::MAX), "samples": u.samples}))
            .collect();
        let without: Vec<_> = link
            .names_without_samples(&set)
            .into_iter()
            .map(|(service, name, spans)| json!({"service": service, "name": name, "spans": spans}))
            .collect();
        let v = json!({
            "label": link.key,
            "metric": {"name": m.name, "unit": m.unit.name()},
            "spans": spans,
            "spans_with_samples": link.spans_with_samples(),
            "names_without_samples": without,
            "sampled_spans_not_in_trace": unmatched,
            "unlabeled_cpu_ns": i64::try_from(ns(link.unlabeled.0)).unwrap_or(i64::MAX),
            "unlabeled_samples": link.unlabeled.1,
            "total_cpu_ns": i64::try_from(ns(link.total)).unwrap_or(i64::MAX),
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        let spans_total: usize = set.traces.iter().map(|t| t.spans.len()).sum();
        writeln!(
            out,
            "{} of {spans_total} spans carry {} samples (joined by the {} label); {} in samples without one",
            link.spans_with_samples(),
            m.name,
            link.key,
            m.format(link.unlabeled.0)
        )?;
        let mut rows: Vec<SpanRef> = (0..set.traces.len())
            .flat_map(|t| (0..set.traces[t].spans.len()).map(move |s| (t, s)))
            .filter(|&(t, s)| link.cpu_of(t, s) != 0)
            .collect();
        rows.sort_by_key(|&(t, s)| std::cmp::Reverse(link.cpu_of(t, s)));
        writeln!(out, "{:>10}  {:>10}  {:>7}  span", "cpu", "wall", "cpu/wall")?;
        for (t, s) in rows {
            let sp = &set.traces[t].spans[s];
            let cpu = ns(link.cpu_of(t, s));
            let wall = sp.duration_ns();
            let ratio = if wall == 0 { 0.0 } else { cpu as f64 * 100.0 / wall as f64 };
            writeln!(
                out,
                "{:>10}  {:>10}  {ratio:>6.0}%  {} {}: {}",
                m.format(link.cpu_of(t, s)),
                firesight::model::units::format_duration_ns(wall as f64),
                sp.id,
                sp.service,
                sp.name
            )?;
        }
        for u in &link.unmatched {
            writeln!(
                out,
                "{:>10}  {:>10}  {:>7}  {} {} (not in the trace file)",
                m.format(u.weight),
                "",
                "",
                u.id,
                u.name.as_deref().unwrap_or("?")
            )?;
        }
        let without = link.names_without_samples(&set);
        if !without.is_empty() {
            writeln!(out, "span names without any sample:")?;
            for (service, name, n) in without {
                writeln!(out, "  {service}: {name} ({n} spans)")?;
            }
        }
    }
    out.flush()?;
    Ok(())
}
