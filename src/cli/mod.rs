//! The headless command line: `info`, `fold`, `top`, `svg` (and the trace
//! commands in [`traces`]). Flags and JSON shapes are a contract scripts rely
//! on: change them only by adding. Exit codes: 0 success, 1 load or output
//! error, 2 bad usage (clap's own code), 3 a `diff --fail-on` gate tripped. anyhow lives here and in main only.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use serde_json::json;

use firesight::export;
use firesight::load::{self, LoadOptions, Loaded, PerfDataOptions, PerfOptions, Progress};
use firesight::model::calltree::SampleFilter;
use firesight::model::{CallTree, LabelValue, MetricId, Profile, Weight};

mod analysis;
mod compare;
mod compare_traces;
mod growth;
mod info;
mod insights;
mod list;
mod peek;
mod select;
mod slow;
mod span_profile;
mod traces;
mod transform_args;
mod waits;

use analysis::HotPathArgs;
use compare::DiffArgs;
pub use transform_args::{TransformArgs, load_transformed};

/// Firesight: see where the time, the memory or the waiting goes.
#[derive(Debug, Parser)]
#[command(name = "firesight", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// A headless command; without one, the window opens.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Files to open in the window, each in a tab.
    pub files: Vec<PathBuf>,
    /// Open the window comparing FILES with this base (before): one file
    /// gives a differential flamegraph and delta table (or, for two trace
    /// files, latency and services before and after); two or more heap
    /// snapshots, oldest first, a heap series.
    #[arg(long, value_name = "BEFORE", requires = "files")]
    pub base: Option<PathBuf>,
}

/// The headless subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Format, metrics with unit and total, samples, stacks, frames, threads, time span, warnings.
    Info(info::InfoArgs),
    /// Folded stacks, one line per unique stack, sorted bytewise.
    Fold(FoldArgs),
    /// The hot-function table, sorted by self weight.
    Top(TopArgs),
    /// A flamegraph SVG (through inferno), written atomically.
    Svg(SvgArgs),
    /// The hottest path: from the root, always the heaviest child.
    HotPath(HotPathArgs),
    /// Callers and callees of the functions matching a regex, numbers as `go tool pprof -peek`.
    Peek(peek::PeekArgs),
    /// Before/after comparison by function, largest self change first; for
    /// two trace files also latency and services; regression gates (exit 3).
    // Times and thread ids differ between two files: the options that
    // select them are refused here (cut each file with `fold` first), so
    // the help does not offer them.
    #[command(mut_arg("from", |a| a.hide(true)), mut_arg("to", |a| a.hide(true)))]
    #[command(mut_arg("threads", |a| a.hide(true)), mut_arg("pid", |a| a.hide(true)))]
    Diff(DiffArgs),
    /// A heap series: growth per function in each interval and overall; leak suspects.
    #[command(mut_arg("from", |a| a.hide(true)), mut_arg("to", |a| a.hide(true)))]
    #[command(mut_arg("threads", |a| a.hide(true)), mut_arg("pid", |a| a.hide(true)))]
    Growth(growth::GrowthArgs),
    /// Traces with duration, spans and errors, and the P50/P90/P99 latency.
    Traces(traces::TracesArgs),
    /// Services by self time over all traces or one: spans, errors, total and self time.
    Services(traces::ServicesArgs),
    /// The critical path of one trace (default: the slowest), Jaeger UI's definition.
    CriticalPath(traces::CriticalPathArgs),
    /// Self and total weight per source line of the functions matching a
    /// regular expression, as `go tool pprof -list`.
    List(list::ListArgs),
    /// Red flags, green flags and information: the seed's reading rules
    /// computed (dominant function, hot path, pareto, deep stacks ...).
    Insights(insights::InsightsArgs),
    /// Slow traces against the rest: self and critical-path time per
    /// operation, and the attribute values the slow ones carry more often.
    Slow(slow::SlowArgs),
    /// Latency per operation (service + span name): count, errors, P50/P90/P99/max of duration and self time.
    Operations(slow::OperationsArgs),
    /// Each span's CPU time from a profile whose samples carry span labels; folded stacks of one span.
    SpanProfile(span_profile::SpanProfileArgs),
    /// The syscall table of an strace file (or perf sys_enter/sys_exit
    /// tracepoints): calls, errors, total, average and maximum time.
    Syscalls(waits::SyscallsArgs),
    /// The lock view of a contention profile (pprof mutex/block): wait time
    /// and contentions per waiting site, share, top callers.
    Locks(waits::LocksArgs),
}

/// Options that change how a file is read.
#[derive(Debug, Args, Clone, Default)]
pub struct LoadArgs {
    /// perf script: append the pid to the process name (`comm-PID`), as
    /// bare `--pid`. With a number (`--pid 1234`, repeatable), only the
    /// samples of that process.
    #[arg(long, value_name = "PID", num_args = 0..=1, default_missing_value = "", action = clap::ArgAction::Append)]
    pub pid: Vec<select::PidArg>,
    /// perf script: append pid and tid (`comm-PID/TID`).
    #[arg(long)]
    pub tid: bool,
    /// perf script: annotate kernel frames with `_[k]`.
    #[arg(long)]
    pub kernel: bool,
    /// perf script: annotate JIT frames with `_[j]`.
    #[arg(long)]
    pub jit: bool,
    /// perf script: show addresses of unknown symbols.
    #[arg(long)]
    pub addrs: bool,
    /// perf script: `--kernel` and `--jit` together.
    #[arg(long)]
    pub all: bool,
    /// perf script: only samples of this event.
    #[arg(long, value_name = "EVENT")]
    pub event_filter: Option<String>,
    /// perf.data: look for the recorded binaries and debug files here first
    /// (by file name, or by build id under DIR/.build-id/); repeatable.
    #[arg(long = "symbols", value_name = "DIR")]
    pub symbols: Vec<PathBuf>,
    /// perf.data: no frames for inlined functions (as `perf script` without srcline).
    #[arg(long)]
    pub no_inline: bool,
    /// perf.data: kernel symbols from this file instead of /proc/kallsyms.
    #[arg(long, value_name = "FILE")]
    pub kallsyms: Option<PathBuf>,
}

impl LoadArgs {
    fn options(&self) -> LoadOptions {
        LoadOptions {
            perf: PerfOptions {
                include_pid: self.pid.contains(&select::PidArg::Bare) || self.tid,
                include_tid: self.tid,
                annotate_kernel: self.kernel || self.all,
                annotate_jit: self.jit || self.all,
                include_addrs: self.addrs,
                event_filter: self.event_filter.clone(),
            },
            perf_data: PerfDataOptions {
                symbol_dirs: self.symbols.clone(),
                inline: !self.no_inline,
                kallsyms: self.kallsyms.clone(),
                ..PerfDataOptions::default()
            },
            ..LoadOptions::default()
        }
    }
}

/// Which metric and samples to aggregate.
#[derive(Debug, Args, Clone, Default)]
pub struct SelectArgs {
    /// Metric (sample type) by name, or by position from 0 as pprof's
    /// -sample_index takes it; default: the profile's default metric.
    #[arg(long, value_name = "NAME|INDEX")]
    pub metric: Option<String>,
    /// Only samples with this label (repeatable; all must match).
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
    /// Only samples with no label of this key (repeatable): the window's
    /// "(none)" row of the key.
    #[arg(long = "no-tag", value_name = "KEY")]
    pub no_tags: Vec<String>,
    /// `--from`, `--to`, `--thread`.
    #[command(flatten)]
    pub range: select::RangeArgs,
}

impl SelectArgs {
    /// True when `--tag` or `--no-tag` narrows the samples.
    pub fn filters_labels(&self) -> bool {
        !self.tags.is_empty() || !self.no_tags.is_empty()
    }
}

/// `firesight fold`.
#[derive(Debug, Args)]
pub struct FoldArgs {
    /// The profile or trace file.
    pub file: PathBuf,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub transform: TransformArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// `firesight top`.
#[derive(Debug, Args)]
pub struct TopArgs {
    /// The profile or trace file.
    pub file: PathBuf,
    /// Show only the first N functions.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub transform: TransformArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// `firesight svg`.
#[derive(Debug, Args)]
pub struct SvgArgs {
    /// The profile or trace file.
    pub file: PathBuf,
    /// Where to write the SVG.
    #[arg(short = 'o', long = "output", value_name = "OUT.svg")]
    pub output: PathBuf,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub transform: TransformArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// A mistake in the command line itself (a `--tag` without `=`, a metric the
/// file does not have): exits 2, as clap's own usage errors do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A `--fail-on` gate tripped (`diff`): exits 3, each tripped gate with its
/// numbers on a line of stderr.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GateTripped(pub String);

/// Runs a subcommand. Load errors exit 1 with the error on stderr, usage
/// errors ([`UsageError`]) 2, a tripped gate ([`GateTripped`]) 3; a closed stdout (`firesight fold big.txt |
/// head`) ends quietly with 0.
pub fn run(cmd: Command) -> ExitCode {
    let result = match cmd {
        Command::Info(a) => info::info(&a),
        Command::Fold(a) => fold(&a),
        Command::Top(a) => top(&a),
        Command::Svg(a) => svg(&a),
        Command::HotPath(a) => analysis::hot_path(&a),
        Command::Peek(a) => peek::peek(&a),
        Command::Diff(a) => compare::diff(&a),
        Command::Growth(a) => growth::growth(&a),
        Command::Traces(a) => traces::traces(&a),
        Command::Services(a) => traces::services(&a),
        Command::Syscalls(a) => waits::syscalls(&a),
        Command::Locks(a) => waits::locks(&a),
        Command::CriticalPath(a) => traces::critical_path(&a),
        Command::List(a) => list::list(&a),
        Command::Insights(a) => insights::insights(&a),
        Command::Slow(a) => slow::slow(&a),
        Command::Operations(a) => slow::operations(&a),
        Command::SpanProfile(a) => span_profile::span_profile(&a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(GateTripped(which)) = e.downcast_ref::<GateTripped>() {
                eprintln!("gate tripped: {}", which.replace('\n', "\ngate tripped: "));
                return ExitCode::from(3);
            }
            eprintln!("error: {e:#}");
            ExitCode::from(if e.downcast_ref::<UsageError>().is_some() { 2 } else { 1 })
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(io::ErrorKind::BrokenPipe))
    })
}

/// Loads `path` with a fresh progress and no cancel.
pub fn load_file(path: &Path, args: &LoadArgs) -> Result<Loaded> {
    note_if_fifo(path);
    let mut loaded = load::load_path(path, &args.options(), Progress::new())?;
    // Off-CPU and wall time from context switches (perf script).
    loaded.profile = firesight::analysis::offcpu::with_off_cpu(loaded.profile);
    Ok(loaded)
}

/// Opening a FIFO waits until some process opens it for writing (`<(zcat
/// f.gz)` does at once; a forgotten `mkfifo` never does): say so on stderr
/// rather than hang without a word.
fn note_if_fifo(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo()) {
            eprintln!("firesight: {} is a FIFO: waiting for a process to write to it (Ctrl+C stops)", path.display());
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Says on stderr that the loader skipped or doubted some of the input (a
/// cut-off last sample, lines that are not frames), with the first
/// warning, so that `fold` or `top` never drop input without a word;
/// `firesight info` lists them all.
fn warn_skipped(path: &Path, loaded: &Loaded) {
    let p = &loaded.profile;
    let Some(first) = p.warnings.first() else { return };
    let at = match (first.line, first.offset) {
        (Some(line), _) => format!("line {line}: "),
        (None, Some(offset)) => format!("byte {offset}: "),
        (None, None) => String::new(),
    };
    let n = p.warnings_total.max(p.warnings.len() as u64);
    let more = if n > 1 { format!(" ({n} warnings in all; `firesight info` lists them)") } else { String::new() };
    eprintln!("warning: {}: {at}{}{more}", path.display(), first.message);
}

/// The metric `select` names, or the default; errors list the metrics there are.
pub fn pick_metric(profile: &Profile, select: &SelectArgs) -> Result<MetricId> {
    match &select.metric {
        None => Ok(profile.default_metric),
        Some(name) => profile.metric_by_name(name).ok_or_else(|| {
            let names: Vec<&str> = profile.metrics.iter().map(|m| m.name.as_str()).collect();
            let n = names.len();
            let what = match name.parse::<usize>() {
                Ok(i) => format!("no metric at position {i} (and none named {name:?})"),
                // Derived metrics: say where they come from.
                Err(_)
                    if [firesight::analysis::offcpu::OFF_CPU, firesight::analysis::offcpu::WALL]
                        .contains(&name.as_str()) =>
                {
                    let here = if profile.format == "perf.data" {
                        "which Firesight reads from perf script text only: print this file with `perf script -i FILE`"
                            .to_string()
                    } else {
                        format!("and this {} file has none", profile.format)
                    };
                    format!(
                        "no metric named {name:?}: off-CPU and wall time come from context switches \
                         (sched:sched_switch samples or PERF_RECORD_SWITCH records; `perf record -e \
                         sched:sched_switch -g` then `perf script`), {here}"
                    )
                }
                Err(_) => format!("no metric named {name:?}"),
            };
            UsageError(format!(
                "{what}; this profile has: {} (or give a position, 0 to {})",
                names.join(", "),
                n.saturating_sub(1)
            ))
            .into()
        }),
    }
}

/// Warns on stderr when `--tag` keeps no sample, naming the label keys there
/// are and, for each key asked for, the first values it takes.
pub(crate) fn warn_if_tags_match_nothing(p: &Profile, select: &SelectArgs, kept_total: Weight) {
    warn_if_tags_match_nothing_in(None, p, select, kept_total);
}

/// [`warn_if_tags_match_nothing`], naming `file` when there are several (`diff`).
pub(crate) fn warn_if_tags_match_nothing_in(file: Option<&Path>, p: &Profile, select: &SelectArgs, kept_total: Weight) {
    if !select.filters_labels() || kept_total != 0 {
        return;
    }
    let asked: Vec<String> =
        select.tags.iter().cloned().chain(select.no_tags.iter().map(|k| format!("no {k} label"))).collect();
    let mut keys: Vec<&str> = p.label_sets.iter().flatten().map(|l| l.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut msg = format!(
        "warning: {}no sample carries {}; label keys in this file: {}",
        file.map(|f| format!("{}: ", f.display())).unwrap_or_default(),
        asked.join(" and "),
        if keys.is_empty() { "none".to_string() } else { keys.join(", ") }
    );
    for tag in &select.tags {
        let Some((key, _)) = tag.split_once('=') else { continue };
        let mut found: Vec<&LabelValue> =
            p.label_sets.iter().flatten().filter(|l| l.key == key).map(|l| &l.value).collect();
        // Numbers by value, then strings by text.
        found.sort_by(|a, b| match (a, b) {
            (LabelValue::Num { value: x, .. }, LabelValue::Num { value: y, .. }) => x.cmp(y),
            (LabelValue::Num { .. }, LabelValue::Str(_)) => std::cmp::Ordering::Less,
            (LabelValue::Str(_), LabelValue::Num { .. }) => std::cmp::Ordering::Greater,
            (LabelValue::Str(x), LabelValue::Str(y)) => x.cmp(y),
        });
        found.dedup();
        let mut values: Vec<String> = found.iter().map(|v| v.to_string()).collect();
        if !values.is_empty() {
            let more = if values.len() > 10 { format!(" and {} more", values.len() - 10) } else { String::new() };
            values.truncate(10);
            msg += &format!("; {key} takes {}{more}", values.join(", "));
        }
    }
    eprintln!("{msg}");
}

/// The sample filter `select` asks for.
pub fn filter(select: &SelectArgs) -> Result<SampleFilter> {
    let mut f = SampleFilter::default();
    for t in &select.tags {
        let Some((k, v)) = t.split_once('=') else {
            return Err(UsageError(format!("--tag takes KEY=VALUE, got {t:?}")).into());
        };
        f.labels.push((k.to_string(), v.to_string()));
    }
    f.without_labels.clone_from(&select.no_tags);
    Ok(f)
}

/// A weight as JSON: an integer when the metric has no decimals and it fits
/// in 64 bits; a decimal number when the metric has decimals and its scaled
/// value is below 2^53 (so a double holds it exactly to the last decimal);
/// otherwise a string with the exact decimal value, as JSON readers turn
/// larger numbers into doubles and lose digits.
pub fn weight_json(profile: &Profile, metric: MetricId, w: Weight) -> serde_json::Value {
    let m = profile.metric(metric);
    if m.decimals == 0 {
        if let Ok(v) = i64::try_from(w) {
            return json!(v);
        }
        if let Ok(v) = u64::try_from(w) {
            return json!(v);
        }
    }
    let text = m.format_exact(w);
    if m.decimals > 0
        && w.unsigned_abs() < 1 << 53
        && let Ok(v) = text.parse::<f64>()
    {
        return json!(v);
    }
    json!(text)
}

fn fold(a: &FoldArgs) -> Result<()> {
    let loaded = load_transformed(&a.file, &a.load, &a.transform)?;
    let p = &loaded.profile;
    let metric = pick_metric(p, &a.select)?;
    let f = select::sample_filter(p, &a.select, &a.load)?;
    if a.select.filters_labels() {
        warn_if_tags_match_nothing(p, &a.select, CallTree::build(p, metric, &f).total());
    }
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    export::folded::write_streaming(p, metric, &f, &mut out)?;
    out.flush()?;
    Ok(())
}

fn top(a: &TopArgs) -> Result<()> {
    let loaded = load_transformed(&a.file, &a.load, &a.transform)?;
    let p = &loaded.profile;
    let metric = pick_metric(p, &a.select)?;
    let keep = select::sample_filter(p, &a.select, &a.load)?;
    let (tree, mut table) = CallTree::build_with_functions(p, metric, &keep);
    warn_if_tags_match_nothing(p, &a.select, tree.total());
    // Ties as `go tool pprof -top` orders them (FlatNameOrder): by size of
    // self, then name, then size of total.
    table.rows.sort_by(|x, y| {
        y.self_weight
            .abs()
            .cmp(&x.self_weight.abs())
            .then_with(|| p.frames.name(x.frame).cmp(p.frames.name(y.frame)))
            .then_with(|| y.total.abs().cmp(&x.total.abs()))
    });
    let m = p.metric(metric);
    let limit = a.limit.unwrap_or(usize::MAX);
    if !a.json
        && let Some(pair) = firesight::analysis::memory::paired_metric(p, metric)
    {
        return analysis::top_memory(p, metric, pair, &keep, limit);
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    if a.json {
        let functions: Vec<_> = table
            .rows
            .iter()
            .take(limit)
            .map(|r| {
                let f = p.frames.frame(r.frame);
                json!({"name": f.name, "module": f.module, "self": weight_json(p, metric, r.self_weight), "total": weight_json(p, metric, r.total)})
            })
            .collect();
        let v = json!({
            "metric": {"name": m.name, "unit": m.unit.name(), "total": weight_json(p, metric, table.total)},
            "functions": functions,
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        let cum = table.cumulative_self_fraction();
        // Unsigned, as pprof's `measurement.Percentage` prints it: the sign is in the value.
        let pct = |w: Weight| {
            if table.share_base == 0 { 0.0 } else { w.unsigned_abs() as f64 * 100.0 / table.share_base as f64 }
        };
        writeln!(
            out,
            "metric {} [{}], total {} ({})",
            m.name,
            m.unit.name(),
            m.format_exact(table.total),
            m.format(table.total)
        )?;
        if tree.signed {
            let of = match tree.share_of {
                firesight::model::calltree::ShareOf::DiffBase => "the base profile's samples (pprof::base=true)",
                _ => "the sum of absolute weights",
            };
            writeln!(
                out,
                "some samples weigh less than 0 (a diff profile): shares are of {}, {of}, as pprof",
                m.format(table.share_base)
            )?;
        }
        writeln!(
            out,
            "{:>14} {:>7} {:>14} {:>7} {:>7}  function [module]",
            "self", "self%", "total", "total%", "cum%"
        )?;
        let no_stack = tree.node(tree.root()).self_weight;
        for (r, c) in table.rows.iter().zip(cum).take(limit) {
            let f = p.frames.frame(r.frame);
            let module = if f.module.is_empty() { String::new() } else { format!(" [{}]", f.module) };
            writeln!(
                out,
                "{:>14} {:>6.2}% {:>14} {:>6.2}% {:>6.2}%  {}{module}",
                m.format(r.self_weight),
                pct(r.self_weight),
                m.format(r.total),
                pct(r.total),
                c * 100.0,
                firesight::model::frame::shown_name(&f.name)
            )?;
        }
        if no_stack != 0 && table.rows.len() <= limit {
            // Samples with an empty stack (py-spy's idle lines) belong to no
            // function; listed so the self column adds up to the total (when
            // every function is listed: `--limit N` shows N rows).
            writeln!(
                out,
                "{:>14} {:>6.2}% {:>14} {:>6.2}% {:>7}  [no stack]",
                m.format(no_stack),
                pct(no_stack),
                m.format(no_stack),
                pct(no_stack),
                ""
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

fn svg(a: &SvgArgs) -> Result<()> {
    let loaded = load_transformed(&a.file, &a.load, &a.transform)?;
    let p = &loaded.profile;
    let metric = pick_metric(p, &a.select)?;
    let title = a.file.file_name().map_or_else(|| "Flame Graph".to_string(), |n| n.to_string_lossy().into_owned());
    let keep = select::sample_filter(p, &a.select, &a.load)?;
    if a.select.filters_labels() {
        warn_if_tags_match_nothing(p, &a.select, CallTree::build(p, metric, &keep).total());
    }
    let summary = export::svg::write_svg(p, metric, &keep, &title, &a.output)
        .with_context(|| format!("cannot write {}", a.output.display()))?;
    let note = summary.note(p, metric);
    if !note.is_empty() {
        eprintln!("warning: {note}");
    }
    Ok(())
}
