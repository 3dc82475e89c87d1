//! `firesight syscalls` and `firesight locks`: the waiting half.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;
use serde_json::{Value, json};

use firesight::analysis::locks::lock_table;
use firesight::analysis::syscalls::{self, Source, SyscallRow, syscall_table};
use firesight::model::units;

use super::{LoadArgs, load_file};

/// `firesight syscalls`.
#[derive(Debug, Args)]
pub struct SyscallsArgs {
    /// An strace file (`strace -f -T -tt`), or perf script output with
    /// `syscalls:sys_enter_*`/`sys_exit_*` tracepoints.
    pub file: PathBuf,
    /// Print JSON: `{"syscalls": [{"name", "calls", "errors", "total_ns",
    /// "avg_ns", "max_ns", ...}], "total_ns", ...}`.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// `firesight locks`.
#[derive(Debug, Args)]
pub struct LocksArgs {
    /// A contention profile (Go's pprof mutex or block profile).
    pub file: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub load: LoadArgs,
}

fn ns(n: u64) -> String {
    units::format_weight(&units::Unit::Nanoseconds, i128::from(n), 0)
}

fn row_json(r: &SyscallRow, all: u64) -> Value {
    let errnos: serde_json::Map<String, Value> = r.errnos.iter().map(|(e, n)| (e.clone(), json!(n))).collect();
    let histogram: Vec<Value> = r
        .histogram
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c > 0)
        .map(|(k, &c)| json!({"lt_ns": syscalls::bucket_upper_ns(k), "count": c}))
        .collect();
    json!({
        "name": r.name,
        "calls": r.calls,
        "errors": r.errors,
        "total_ns": r.total_ns,
        "avg_ns": r.avg_ns(),
        "max_ns": r.max_ns,
        "share": r.share(all),
        "errnos": errnos,
        "histogram": histogram,
    })
}

/// A file or socket's row: the syscall row's fields, its path again as
/// `path`, and its calls by system call.
fn file_json(r: &SyscallRow, all: u64) -> Value {
    let mut v = row_json(r, all);
    let by: serde_json::Map<String, Value> = r.by_syscall.iter().map(|(n, c)| (n.clone(), json!(c))).collect();
    if let Some(o) = v.as_object_mut() {
        o.insert("path".into(), json!(r.name));
        o.insert("syscalls".into(), Value::Object(by));
    }
    v
}

/// Runs `syscalls`.
/// One line of the text table: share, total, avg, max, calls, errors, name.
fn write_row(out: &mut impl Write, r: &SyscallRow, all: u64) -> io::Result<()> {
    writeln!(
        out,
        "{:>6.2}%  {:>12}  {:>10}  {:>10}  {:>8}  {:>7}  {}",
        r.share(all) * 100.0,
        ns(r.total_ns),
        ns(r.avg_ns()),
        ns(r.max_ns),
        r.calls,
        r.errors,
        r.name
    )
}

pub fn syscalls(a: &SyscallsArgs) -> Result<()> {
    let loaded = load_file(&a.file, &a.load)?;
    // strace without -T: the times are 0 and only the counts tell.
    super::warn_skipped(&a.file, &loaded);
    let Some(t) = syscall_table(&loaded.profile) else {
        bail!(
            "{}: no system calls in this {} file (strace -f -T -tt output, or perf with syscalls:sys_enter_*/sys_exit_* \
             tracepoints, has them)",
            a.file.display(),
            loaded.format.name()
        );
    };
    let all = t.total_ns();
    let mut out = io::BufWriter::new(io::stdout().lock());
    if a.json {
        let v = json!({
            "syscalls": t.rows.iter().map(|r| row_json(r, all)).collect::<Vec<_>>(),
            "total_ns": all,
            "calls": t.calls(),
            "errors": t.errors(),
            "source": match t.source { Source::Strace => "strace", Source::PerfTracepoints => "perf" },
            "files": t.files.iter().map(|r| file_json(r, all)).collect::<Vec<_>>(),
            "unpaired_enters": t.unpaired_enters,
            "unpaired_exits": t.unpaired_exits,
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(out.flush()?);
    }
    writeln!(
        out,
        "{:>7}  {:>12}  {:>10}  {:>10}  {:>8}  {:>7}  syscall",
        "% time", "total", "avg", "max", "calls", "errors"
    )?;
    for r in &t.rows {
        write_row(&mut out, r, all)?;
    }
    writeln!(
        out,
        "{:>7}  {:>12}  {:>10}  {:>10}  {:>8}  {:>7}  total",
        "100%",
        ns(all),
        "",
        "",
        t.calls(),
        t.errors()
    )?;
    if !t.files.is_empty() {
        writeln!(
            out,
            "\n{:>7}  {:>12}  {:>10}  {:>10}  {:>8}  {:>7}  file or socket (-y)",
            "% time", "total", "avg", "max", "calls", "errors"
        )?;
        for r in t.files.iter().take(30) {
            write_row(&mut out, r, all)?;
        }
        if t.files.len() > 30 {
            writeln!(out, "... and {} more files or sockets (--json lists all)", t.files.len() - 30)?;
        }
    }
    Ok(out.flush()?)
}

/// Runs `locks`.
pub fn locks(a: &LocksArgs) -> Result<()> {
    let loaded = load_file(&a.file, &a.load)?;
    let Some(t) = lock_table(&loaded.profile) else {
        bail!(
            "{}: not a contention profile (no `contentions` and `delay` metrics; Go's mutex and block profiles have \
             them)",
            a.file.display()
        );
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    if a.json {
        let rows: Vec<Value> = t
            .rows
            .iter()
            .map(|r| {
                json!({
                    "site": r.site,
                    "primitive": r.primitive,
                    "contentions": r.contentions.to_string().parse::<i64>().unwrap_or(i64::MAX),
                    "delay_ns": r.delay_ns.to_string().parse::<i64>().unwrap_or(i64::MAX),
                    "share": t.share(r),
                    "callers": r.callers.iter().map(|(c, d)| json!({"name": c, "delay_ns": d.to_string().parse::<i64>().unwrap_or(i64::MAX)})).collect::<Vec<_>>(),
                })
            })
            .collect();
        let v = json!({
            "locks": rows,
            "total_delay_ns": t.total_delay_ns.to_string().parse::<i64>().unwrap_or(i64::MAX),
            "total_contentions": t.total_contentions.to_string().parse::<i64>().unwrap_or(i64::MAX),
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(out.flush()?);
    }
    let holders = t.charged_to_holders();
    let site = if holders { "holding site (unlocks in)" } else { "waiting site (waits in)" };
    writeln!(out, "{:>7}  {:>12}  {:>11}  {site} <- top callers", "share", "delay", "contentions")?;
    for r in &t.rows {
        let callers: Vec<String> = r.callers.iter().take(3).map(|(c, _)| c.clone()).collect();
        let prim = if r.primitive.is_empty() { String::new() } else { format!(" (in {})", r.primitive) };
        writeln!(
            out,
            "{:>6.2}%  {:>12}  {:>11}  {}{}{}",
            t.share(r) * 100.0,
            units::format_weight(&units::Unit::Nanoseconds, r.delay_ns, 0),
            r.contentions,
            r.site,
            prim,
            if callers.is_empty() { String::new() } else { format!(" <- {}", callers.join(", ")) }
        )?;
    }
    writeln!(
        out,
        "{:>7}  {:>12}  {:>11}  total",
        if t.total_delay_ns == 0 { "" } else { "100.00%" },
        units::format_weight(&units::Unit::Nanoseconds, t.total_delay_ns, 0),
        t.total_contentions
    )?;
    if holders {
        writeln!(
            out,
            "each stack is where a contended lock was unlocked (a Go mutex profile records the holder, not the \
             waiter; a block profile records the waiter)"
        )?;
    }
    if t.total_contentions == 0 && t.total_delay_ns == 0 {
        // An empty profile (no lock was contended while it was recorded):
        // say so rather than leave a table of nothing.
        writeln!(out, "no contention in the profile: no waiting site to show")?;
    }
    Ok(out.flush()?)
}
