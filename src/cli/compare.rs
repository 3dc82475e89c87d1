//! `firesight diff BEFORE AFTER`: the comparison by function, as a table,
//! JSON, differential folded lines (`--folded`) or a differential
//! flamegraph (`-o OUT.svg`); for two trace files also latency and the
//! per-service table; and the regression gates (`--fail-on`, exit 3).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::{Value, json};

use firesight::analysis::compare::{CompareOptions, Side};
use firesight::analysis::diff::Diff;
use firesight::analysis::gate::{self, Gate, Outcome, Scale, Threshold};
use firesight::analysis::trace_compare::TraceComparison;
use firesight::export::diff_folded;
use firesight::model::units::{format_bytes, format_duration_ns};
use firesight::model::{MetricId, Profile, Weight};

use super::{LoadArgs, SelectArgs, TransformArgs, UsageError, filter, pick_metric, weight_json};

/// `firesight diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The profile (or trace file) before the change.
    pub before: PathBuf,
    /// The profile (or trace file) after the change.
    pub after: PathBuf,
    /// Show only the first N functions.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print JSON instead of a table.
    #[arg(long, conflicts_with = "folded")]
    pub json: bool,
    /// Scale so both totals are equal: the table and JSON scale AFTER to
    /// BEFORE's total as `go tool pprof -normalize`; --folded and -o scale
    /// BEFORE to AFTER's as `inferno-diff-folded -n`. With filters or
    /// transforms, the totals of what they keep (pprof scales by the whole
    /// files'). A BEFORE of total 0 scales AFTER by 0, as pprof does. For
    /// traces, AFTER's times are scaled per trace.
    #[arg(long)]
    pub normalize: bool,
    /// Print differential folded lines `stack before after` (those of
    /// inferno-diff-folded, sorted by stack) instead of the table.
    #[arg(long)]
    pub folded: bool,
    /// Also write a differential flamegraph SVG (through inferno; atomic).
    #[arg(short = 'o', long = "output", value_name = "OUT.svg")]
    pub output: Option<PathBuf>,
    /// Exit 3 when the change passes this threshold (repeatable): e.g.
    /// `total>+5%`, `fn:NAME>+10%`, `self:NAME>+2ms`, `p99>+10%`,
    /// `service:NAME>+20ms`.
    #[arg(long = "fail-on", value_name = "EXPR")]
    pub fail_on: Vec<String>,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub transform: TransformArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// One gate with its figures, for the report.
struct Checked<'a> {
    gate: &'a Gate,
    outcome: Outcome,
    scale: Scale,
    /// Metric weights (before/after printed in the metric), or ns.
    in_metric: bool,
}

pub fn diff(a: &DiffArgs) -> Result<()> {
    let gates: Vec<Gate> =
        a.fail_on.iter().map(|e| gate::parse(e).map_err(|e| UsageError(e.to_string()))).collect::<Result<_, _>>()?;
    let svg_to_stdout = a.output.as_deref() == Some(Path::new("-"));
    if svg_to_stdout && (a.json || a.folded) {
        let flag = if a.json { "--json" } else { "--folded" };
        return Err(UsageError(format!("-o - writes the SVG to standard output, where {flag} writes too")).into());
    }
    super::select::refuse_for_series(&a.select, &a.load, "diff")?;
    // The two files load side by side, each on a thread of its own (as the
    // window's comparison loads them); warnings, errors and transforms
    // then come in order, before first.
    let (after, before) = firesight::parallel::join(
        "firesight-load-after",
        || super::load_file(&a.after, &a.load),
        || super::load_file(&a.before, &a.load),
    );
    let before = super::transform_args::transformed(&a.before, before?, &a.transform)?;
    let after = super::transform_args::transformed(&a.after, after?, &a.transform)?;
    // Two trace files normalise per trace, the function table as the trace
    // comparison; a trace file and a profile do not compare.
    let (bn, an) = (a.before.display().to_string(), a.after.display().to_string());
    let scale =
        firesight::analysis::trace_compare::pair_scale((&bn, before.traces.as_ref()), (&an, after.traces.as_ref()))
            .map_err(|e| anyhow::anyhow!(e))?;
    let (bp, ap) = (&before.profile, &after.profile);
    fn in_file(file: &Path) -> impl Fn(anyhow::Error) -> anyhow::Error + '_ {
        move |e| UsageError(format!("{}: {e}", file.display())).into()
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
        // Say whether --metric can help: only when the two files share a unit.
        let shared = bp.metrics.iter().find(|b| ap.metrics.iter().any(|a| a.unit == b.unit));
        let hint = match shared {
            Some(m) => format!("pick metrics of one unit with --metric (both files have [{}] metrics)", m.unit.name()),
            None => {
                let folded = [bp, ap].iter().any(|p| p.format == "folded");
                let why = if folded { " (a folded file's weights are read as sample counts)" } else { "" };
                format!("the two files have no metrics of one unit to compare{why}")
            }
        };
        bail!(
            "cannot compare {} [{}] with {} [{}]: the units differ; {hint}",
            bmet.name,
            bmet.unit.name(),
            amet.name,
            amet.unit.name()
        );
    }
    if bp.format != ap.format || bmet.name != amet.name {
        // Allowed (same unit), but frames named by two tools rarely match
        // one for one: say what is compared with what.
        eprintln!(
            "note: comparing {} {} with {} {}: the two files come from different tools or events, so functions \
             may not match one for one",
            bp.format, bmet.name, ap.format, amet.name
        );
    }
    let keep = filter(&a.select)?;
    let opts = CompareOptions { filter: keep.clone(), normalize: a.normalize, scale, by_name: false };
    let (bs, as_) = (Side { profile: bp, metric: bm }, Side { profile: ap, metric: am });
    let c = Diff::build(bs, as_, &opts);
    // A gate on the total of a name in several modules counts each sample
    // once: from the table matched by name.
    let by_name = gates
        .iter()
        .any(|g| g.needs_table_by_name(&c))
        .then(|| Diff::build(bs, as_, &CompareOptions { by_name: true, ..opts.clone() }));
    super::warn_if_tags_match_nothing_in(Some(&a.before), bp, &a.select, c.before_total);
    super::warn_if_tags_match_nothing_in(Some(&a.after), ap, &a.select, c.after_raw_total);
    let traces = match (&before.traces, &after.traces) {
        (Some(b), Some(t)) => Some(TraceComparison::build(b, t, a.normalize)),
        _ => None,
    };
    // Decimals: the finer of the two (fractional folded counts).
    let scale = Scale { unit: amet.unit.clone(), decimals: bmet.decimals.max(amet.decimals) };
    let mut checked = Vec::with_capacity(gates.len());
    for g in &gates {
        let outcome = g.check(&c, by_name.as_ref(), &scale, traces.as_ref()).map_err(|e| UsageError(e.to_string()))?;
        let in_metric = !matches!(g.subject, gate::Subject::Percentile(_) | gate::Subject::Service(_));
        let scale =
            if in_metric { scale.clone() } else { Scale { unit: firesight::model::Unit::Nanoseconds, decimals: 0 } };
        checked.push(Checked { gate: g, outcome, scale, in_metric });
    }
    let folded_lines = (a.folded || a.output.is_some()).then(|| {
        let (lines, summary) = diff_folded::diff_lines((bp, bm), (ap, am), &keep, a.normalize);
        let note = summary.note();
        if !note.is_empty() {
            eprintln!("warning: {note}");
        }
        lines
    });
    if let (Some(out), Some(lines)) = (&a.output, &folded_lines) {
        let name = |p: &Path| p.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let title = format!("{} → {}", name(&a.before), name(&a.after));
        let count_name = format!("{} ({})", amet.name, amet.unit.name());
        diff_folded::write_svg(lines, &title, &count_name, out)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    let narrowed = keep != firesight::model::SampleFilter::default() || !a.transform.is_empty();
    let limit = a.limit.unwrap_or(usize::MAX);
    let view = View { bp, bm, ap, am, c: &c, traces: traces.as_ref(), limit, narrowed };
    if svg_to_stdout {
        // Standard output is the SVG; gates still report on stderr.
    } else if a.folded {
        diff_folded::write(folded_lines.as_deref().unwrap_or_default(), &mut out)?;
    } else if a.json {
        let gates: Vec<Value> = checked.iter().map(|g| view.gate_json(g)).collect();
        let mut v = view.json();
        if !a.fail_on.is_empty() {
            v["gates"] = json!(gates);
        }
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        view.table(&mut out, a.normalize)?;
        if !checked.is_empty() {
            writeln!(out, "gates:")?;
            for g in &checked {
                writeln!(out, "  {}", view.gate_text(g))?;
            }
        }
    }
    out.flush()?;
    let tripped: Vec<String> = checked.iter().filter(|g| g.outcome.tripped).map(|g| view.gate_text(g)).collect();
    if !tripped.is_empty() {
        return Err(super::GateTripped(tripped.join("\n")).into());
    }
    Ok(())
}

/// What the report is printed from.
struct View<'a> {
    bp: &'a Profile,
    bm: MetricId,
    ap: &'a Profile,
    am: MetricId,
    c: &'a Diff,
    traces: Option<&'a TraceComparison>,
    limit: usize,
    /// Filters or transforms narrowed the samples compared.
    narrowed: bool,
}

impl View<'_> {
    fn json(&self) -> Value {
        let (bp, bm, ap, am, c) = (self.bp, self.bm, self.ap, self.am, self.c);
        let m = ap.metric(am);
        let rows: Vec<_> = c
            .rows
            .iter()
            .take(self.limit)
            .map(|r| {
                json!({"name": r.name, "module": r.module,
                    "before_self": weight_json(bp, bm, r.before_self), "after_self": weight_json(ap, am, r.after_self),
                    "before_total": weight_json(bp, bm, r.before_total), "after_total": weight_json(ap, am, r.after_total),
                    "self_change": weight_json(ap, am, r.after_self - r.before_self),
                    "total_change": weight_json(ap, am, r.after_total - r.before_total)})
            })
            .collect();
        let mut v = json!({"metric": {"name": m.name, "unit": m.unit.name()},
            "before_total": weight_json(bp, bm, c.before_total), "after_total": weight_json(ap, am, c.after_total),
            "normalized": c.scale.is_some(), "functions": rows});
        if let Some(k) = c.scale {
            v["after_raw_total"] = weight_json(ap, am, c.after_raw_total);
            v["scale"] = json!(k);
        }
        if let Some(t) = self.traces {
            v["traces"] = super::compare_traces::json(t, self.limit);
        }
        v
    }

    fn table(&self, out: &mut dyn Write, normalize: bool) -> io::Result<()> {
        let (bp, bm, ap, am, c) = (self.bp, self.bm, self.ap, self.am, self.c);
        let m = ap.metric(am);
        writeln!(
            out,
            "metric {} [{}]: before {} after {}{}",
            m.name,
            m.unit.name(),
            bp.metric(bm).format(c.before_total),
            m.format(c.after_total),
            change_text(c.before_total, c.after_total)
        )?;
        // Trace pairs say their one scale with the trace table.
        if normalize
            && self.traces.is_none()
            && let Some(k) = c.scale
        {
            let how = if c.before_total == 0 && c.after_raw_total != 0 {
                // pprof's rule: nothing to match, so the after side is scaled away.
                "; the before total is 0, so nothing of after is left (pprof -normalize scales by 0 too)"
            } else if self.narrowed {
                " so the totals of the samples kept match (pprof -normalize scales by the whole files' totals)"
            } else {
                " so the totals match (as pprof -normalize)"
            };
            writeln!(out, "after scaled by {k:.4} from {}{how}", m.format(c.after_raw_total))?;
        }
        if let Some(t) = self.traces {
            super::compare_traces::table(out, t, self.limit)?;
        }
        writeln!(out, "{:>14} {:>14} {:>14} {:>14}  function", "self before", "self after", "change", "total after")?;
        for r in c.rows.iter().take(self.limit) {
            let delta = r.self_delta();
            writeln!(
                out,
                "{:>14} {:>14} {:>14} {:>14}  {}",
                bp.metric(bm).format(r.before_self),
                m.format(r.after_self),
                signed(&m.format(delta), delta),
                m.format(r.after_total),
                if r.name.is_empty() {
                    firesight::model::frame::shown_name(&r.name).to_string()
                } else {
                    r.display_name(c)
                }
            )?;
        }
        Ok(())
    }

    fn value_json(&self, g: &Checked<'_>, w: Weight) -> Value {
        if g.in_metric { weight_json(self.ap, self.am, w) } else { json!(i64::try_from(w).unwrap_or(i64::MAX)) }
    }

    fn gate_json(&self, g: &Checked<'_>) -> Value {
        let o = &g.outcome;
        json!({"expr": g.gate.expr, "before": self.value_json(g, o.before), "after": self.value_json(g, o.after),
            "change": o.change, "tripped": o.tripped, "unit": g.scale.unit.name(),
            "change_unit": g.gate.change_unit(&g.scale), "threshold": g.gate.threshold_text(),
            "summed": o.summed, "text": self.gate_text(g)})
    }

    /// `total>+5%: 1.20 s → 1.35 s (+12.50%), threshold +5%: tripped`.
    fn gate_text(&self, g: &Checked<'_>) -> String {
        let o = &g.outcome;
        let fmt = |w: Weight| {
            if g.in_metric { self.ap.metric(self.am).format(w) } else { format_duration_ns(w as f64) }
        };
        let change = match (o.change, g.gate.threshold) {
            (None, _) => if o.after > o.before { "+∞%" } else { "-∞%" }.to_string(),
            (Some(p), Threshold::Percent(_)) => format!("{p:+.2}%"),
            (Some(d), t) => {
                let text = match t {
                    Threshold::Time(_) => format_duration_ns(d),
                    Threshold::Bytes(_) => format_bytes(d),
                    _ => g.scale.unit.format(d),
                };
                if d > 0.0 { format!("+{text}") } else { text }
            }
        };
        let summed = if o.summed.is_empty() {
            String::new()
        } else {
            let how = match g.gate.subject {
                gate::Subject::SelfWeight(_) => "the sum of",
                _ => "each sample once over",
            };
            format!(" ({how} {}; name one of them to gate it alone)", o.summed.join(", "))
        };
        format!(
            "{}: {} → {} ({change}), threshold {}: {}{summed}",
            g.gate.expr,
            fmt(o.before),
            fmt(o.after),
            g.gate.threshold_text(),
            if o.tripped { "tripped" } else { "ok" }
        )
    }
}

/// `formatted` with a `+` in front when `delta` is above 0.
pub(super) fn signed(formatted: &str, delta: impl Into<i128>) -> String {
    if delta.into() > 0 { format!("+{formatted}") } else { formatted.to_string() }
}

/// ` (+12.5%)`, or empty when before is 0.
pub(super) fn change_text(before: Weight, after: Weight) -> String {
    if before == 0 {
        return String::new();
    }
    format!(" ({:+.1}%)", (after - before) as f64 * 100.0 / before.unsigned_abs() as f64)
}
