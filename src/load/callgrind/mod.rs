//! Valgrind callgrind profiles (`callgrind.out.PID`), as `valgrind
//! --tool=callgrind` writes them (and the other tools of the format:
//! `--dump-instr=yes` position columns, several events).
//!
//! [`parse`] reads the file line by line into a weighted call graph;
//! [`tree`] unfolds it into stacks so the flamegraph and the hot table
//! work, with every function's self cost, and its inclusive cost when no
//! recursion runs through it, equal to the file's (what
//! `callgrind_annotate --inclusive=yes` prints; it counts a recursive
//! function's calls to itself again, which a tree does not). Each event
//! (`Ir`, `Dr`, `D1mr` ...) is one metric, a count; the first is the
//! default, as `callgrind_annotate` shows it first. Frames carry the
//! source lines of the file's `line` positions, so `firesight list` and the
//! source view give per-line costs. Imports `model` and `load` only.

pub mod parse;
pub mod tree;

use super::error::LoadError;
use super::source::Input;
use crate::model::{Profile, ProfileBuilder, Thread, Unit};

use parse::FORMAT;

/// Loads a callgrind file from `input`.
///
/// Errors: no `events:` line, a name id used before it is defined, a
/// position or cost that is not a number, more costs than events, a cost
/// line or call before any `fn=`, a `calls=` line without `cfn=` or at the
/// end of the file (truncated), or no cost at all.
pub fn load(input: &mut Input) -> Result<Profile, LoadError> {
    let g = parse::read(input)?;
    let mut b = ProfileBuilder::new("callgrind");
    let metrics: Vec<_> = g.events.iter().map(|e| b.add_metric(e, Unit::Count)).collect();
    if let Some(&m) = metrics.first() {
        b.set_default_metric(m);
    }
    let frames = tree::frames(&g, &mut b);
    let lines = tree::LineIndex::new(&g, &mut b);
    // `--separate-threads=yes` writes a file per thread, `thread: N` in its header.
    let header = |key: &str| g.header.iter().find(|(k, _)| k == key).and_then(|(_, v)| v.trim().parse::<u32>().ok());
    let thread = header("thread")
        .map(|tid| b.thread(Thread { pid: header("pid"), tid: Some(tid), name: format!("thread {tid}") }));
    for (e, &m) in metrics.iter().enumerate() {
        let u = tree::unfold(&g, (e, m), &frames, &lines, thread, &mut b);
        let name = &g.events[e];
        if u.cut > 0 {
            b.warn(None, None, format!(
                "{name}: {} call(s) close a cycle of calls between functions; their cost stays with the function already open",
                u.cut
            ));
        }
        let in_cycles = u.scaled - u.inconsistent;
        if in_cycles > 0 {
            b.warn(
                None,
                None,
                format!(
                    "{name}: for {in_cycles} function(s) in a cycle of calls the callers' costs count the calls back round the cycle again; \
                 their inclusive cost is estimated (self costs and the total stay exact)"
                ),
            );
        }
        if u.inconsistent > 0 {
            b.warn(
                None,
                None,
                format!(
                    "{name}: {} function(s) are called for more than they spend (the file records call costs their own costs \
                 and calls do not hold, e.g. a callee with no cost lines); the callers' parts are cut to what each spends",
                    u.inconsistent
                ),
            );
        }
        if u.truncated > 0 {
            b.warn(None, None, format!(
                "{name}: the call tree passed {} nodes; {} of its cost in deeper calls is shown as the callers' self cost",
                tree::MAX_NODES,
                u.truncated
            ));
        }
    }
    for &(line, offset, ref msg) in &g.skipped {
        b.warn(Some(line), Some(offset), msg.clone());
    }
    let more = g.skipped_total.saturating_sub(g.skipped.len() as u64);
    if more > 0 {
        b.warn(None, None, format!("{more} more line(s) skipped"));
    }
    for (k, v) in &g.header {
        if matches!(
            k.as_str(),
            "cmd" | "creator" | "pid" | "thread" | "version" | "positions" | "summary" | "totals" | "part"
        ) {
            b.meta(k, v.clone());
        }
    }
    b.meta("events", g.events.join(" "));
    b.meta("functions", g.funcs.len().to_string());
    b.meta("calls", g.edges.len().to_string());
    if !g.self_sites.keys.is_empty() {
        b.meta("source lines", format!("{} (function, file, line) with a self cost", g.self_sites.keys.len()));
    }
    if b.sample_count() == 0 && g.funcs.is_empty() {
        return Err(LoadError::invalid(
            FORMAT,
            None,
            "no function with a cost in the file; expected `fn=` and cost lines",
        ));
    }
    // `totals:` comes after the last cost line, so a file that has it was
    // written to the end: the costs should add up to it, and where they do
    // not (valgrind's cache simulation writes a `summary:` a few events off
    // its `totals:`) a warning says so. Without it, the header's `summary:`
    // tells a file cut short.
    match (&g.totals, &g.summary) {
        (Some(totals), summary) => {
            if let Err(e) = check_summary(&g, totals, "totals") {
                b.warn(None, None, e.to_string());
            } else if let Some(summary) = summary.as_ref().filter(|s| *s != totals) {
                let event = g.events.iter().zip(summary.iter().zip(totals)).find(|(_, (s, t))| s != t);
                if let Some((name, (s, t))) = event {
                    b.warn(
                        None,
                        None,
                        format!(
                            "the file's `summary:` says {s} {name} and its `totals:` {t}, which is what the costs \
                             add up to (callgrind_annotate prints the summary)"
                        ),
                    );
                }
            }
        }
        (None, Some(summary)) => check_summary(&g, summary, "summary")?,
        (None, None) => {}
    }
    b.finish().map_err(|e| LoadError::invalid(FORMAT, None, e.to_string()))
}

/// The self costs must add up to `summary:`/`totals:` (what callgrind
/// counted); a shortfall is a truncated file.
fn check_summary(g: &parse::Graph, summary: &[u64], line: &str) -> Result<(), LoadError> {
    let n = g.events.len();
    for (i, (&want, name)) in summary.iter().zip(&g.events).enumerate() {
        let got: u128 = g.self_cost.iter().skip(i).step_by(n).map(|&c| u128::from(c)).sum();
        if got != u128::from(want) {
            return Err(LoadError::invalid(
                FORMAT,
                None,
                format!(
                    "the costs of event {name} add up to {got}, but the file's `{line}:` line says {want}; \
                     expected them equal (a truncated or edited file?)"
                ),
            ));
        }
    }
    Ok(())
}
