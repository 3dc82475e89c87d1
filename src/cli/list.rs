//! `firesight list FILE REGEX`: self and total weight per source line of
//! every function matching REGEX, as `go tool pprof -list` prints them, with
//! the source text when the file is found (see
//! [`firesight::load::source_code`]).

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use serde_json::json;

use firesight::analysis::source_lines::{self, FunctionLines};
use firesight::load::source_code::SourceSearch;
use firesight::model::{MetricId, Profile};

use super::{LoadArgs, SelectArgs, UsageError, load_file, pick_metric, weight_json};

/// `firesight list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The profile file.
    pub file: PathBuf,
    /// Functions whose name this regular expression matches (anywhere in the
    /// name, as pprof matches).
    pub regex: String,
    /// Folder to look for source files in (repeatable; default: the current
    /// folder, then the profile's folder), as pprof's -source_path.
    #[arg(long = "source-path", value_name = "DIR")]
    pub source_path: Vec<PathBuf>,
    /// Prefix removed from recorded source paths before they are looked up
    /// (repeatable), as pprof's -trim_path.
    #[arg(long = "trim-path", value_name = "PREFIX")]
    pub trim_path: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// The folders `list` searches: those given, else the current folder and the profile's.
pub fn search_for(a: &ListArgs) -> SourceSearch {
    let mut dirs = a.source_path.clone();
    if dirs.is_empty() {
        if let Ok(cwd) = std::env::current_dir() {
            dirs.push(cwd);
        }
        if let Some(parent) = a.file.parent().filter(|p| !p.as_os_str().is_empty()) {
            dirs.push(parent.to_path_buf());
        }
    }
    SourceSearch { dirs, trim: a.trim_path.clone() }
}

/// Runs `firesight list`.
pub fn list(a: &ListArgs) -> Result<()> {
    let re = regex_lite::Regex::new(&a.regex)
        .map_err(|e| UsageError(format!("list: bad regular expression {:?}: {e}", a.regex)))?;
    let loaded = load_file(&a.file, &a.load)?;
    let p = &loaded.profile;
    let metric = pick_metric(p, &a.select)?;
    let listing = source_lines::line_costs(p, metric, &super::select::sample_filter(p, &a.select, &a.load)?, |name| {
        re.is_match(name)
    });
    if listing.functions.is_empty() {
        anyhow::bail!("no matches found for regexp: {}", a.regex);
    }
    let search = search_for(a);
    let mut out = io::BufWriter::new(io::stdout().lock());
    if a.json {
        let functions: Vec<_> = listing.functions.iter().map(|f| function_json(p, metric, f, &search)).collect();
        let m = p.metric(metric);
        let v = json!({
            "metric": {"name": m.name, "unit": m.unit.name(), "total": weight_json(p, metric, listing.total)},
            "functions": functions,
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        let m = p.metric(metric);
        writeln!(out, "Total: {}", m.format(listing.total))?;
        for f in &listing.functions {
            write_function(&mut out, p, metric, listing.total, f, &search)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Each shown line of `f`: number, self, total and text (None without the file).
fn shown_lines(f: &FunctionLines, text: Option<&[String]>) -> Vec<(u32, i128, i128, Option<String>)> {
    let cost = |line: u32| f.lines.iter().find(|l| l.line == line).map_or((0, 0), |l| (l.self_weight, l.total));
    match (text, source_lines::display_range(f)) {
        (Some(text), Some((lo, hi))) => (lo..=hi.min(text.len() as u32))
            .map(|n| {
                let (s, t) = cost(n);
                (n, s, t, text.get(n as usize - 1).cloned())
            })
            .collect(),
        _ => f.lines.iter().map(|l| (l.line, l.self_weight, l.total, None)).collect(),
    }
}

fn function_json(p: &Profile, metric: MetricId, f: &FunctionLines, search: &SourceSearch) -> serde_json::Value {
    let source = if f.file.is_empty() { None } else { Some(search.read(&f.file)) };
    let text = match &source {
        Some(Ok((_, lines))) => Some(lines.as_slice()),
        _ => None,
    };
    let lines: Vec<_> = shown_lines(f, text)
        .into_iter()
        .map(|(n, s, t, text)| {
            json!({"line": n, "self": weight_json(p, metric, s), "total": weight_json(p, metric, t), "text": text})
        })
        .collect();
    let (path, error) = match &source {
        None if !f.lines.is_empty() => {
            (None, Some("no source file: the profile records line numbers but no file for this function".to_owned()))
        }
        None => {
            (None, Some("no source information: the profile records no file and line for this function".to_owned()))
        }
        Some(Ok((path, _))) => (Some(path.display().to_string()), None),
        Some(Err(e)) => (None, Some(e.to_string())),
    };
    json!({
        "name": f.name,
        "file": f.file,
        "self": weight_json(p, metric, f.self_weight),
        "total": weight_json(p, metric, f.total),
        "inclusive": weight_json(p, metric, f.inclusive),
        "source": path,
        "error": error,
        "lines": lines,
    })
}

fn write_function(
    out: &mut impl Write,
    p: &Profile,
    metric: MetricId,
    total: i128,
    f: &FunctionLines,
    search: &SourceSearch,
) -> Result<()> {
    let m = p.metric(metric);
    if f.file.is_empty() && f.lines.is_empty() {
        writeln!(out, "No source information for {}", f.name)?;
        return Ok(());
    }
    let dot = |w: i128| if w == 0 { ".".to_owned() } else { m.format(w) };
    // JFR frames carry line numbers but no file: the line table alone.
    let file = if f.file.is_empty() { "(no source file recorded)" } else { f.file.as_str() };
    writeln!(out, "ROUTINE ======================== {} in {}", f.name, file)?;
    let pct = if total == 0 { 0.0 } else { f.total.unsigned_abs() as f64 * 100.0 / total as f64 };
    writeln!(out, "{:>10} {:>10} (flat, cum) {:.2}% of Total", m.format(f.self_weight), m.format(f.total), pct)?;
    let source = (!f.file.is_empty()).then(|| search.read(&f.file));
    if let Some(Err(e)) = &source {
        writeln!(out, " Error: {e}")?;
    }
    let text = source.as_ref().and_then(|s| s.as_ref().ok()).map(|(_, l)| l.as_slice());
    for (n, s, t, text) in shown_lines(f, text) {
        writeln!(out, "{:>10} {:>10} {:>6}:{}", dot(s), dot(t), n, text.unwrap_or_default())?;
    }
    Ok(())
}
