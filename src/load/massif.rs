//! Valgrind massif heap profiles (`massif.out.PID`), as `valgrind
//! --tool=massif` writes them and `ms_print` reads them.
//!
//! A header (`desc:`, `cmd:`, `time_unit: i|ms|B`), then snapshots: a
//! `snapshot=N` line between `#-----------` separators, `time=`,
//! `mem_heap_B=` (useful heap), `mem_heap_extra_B=` (allocator overhead),
//! `mem_stacks_B=` and `heap_tree=empty|detailed|peak`. A detailed or peak
//! snapshot is followed by its allocation tree, one node a line: `nK:
//! BYTES LABEL`, indented one space per depth, K the number of children
//! that follow. The root is all heap allocation functions; below it the
//! allocation sites (`0x4005E1: alloc_chunk (heap_shop.c:57)`), below each
//! its callers, so a path read upwards is a call stack; nodes "in N places,
//! below massif's threshold" hold what massif did not itemise.
//!
//! Metrics, all bytes: `useful heap at peak`, the default, is the peak
//! snapshot's tree (each path as a stack, root-first, weighing the bytes
//! the node holds beyond its children), stamped with the peak's time;
//! `useful heap over time`, `extra heap over time` and `stacks over time`
//! carry every snapshot at its time (the detailed ones as trees, the others
//! as one sample with an empty stack), so the heap size over time is the
//! sum of their weights at each time ([`crate::analysis::heap_series`]).
//! Times are massif's: instructions (`i`), bytes allocated (`B`), or ms
//! (converted to ns); `info` names the unit. Imports `model` and `load` only.

use super::error::{At, LoadError};
use super::source::Input;
use crate::model::frame::FrameRef;
use crate::model::{FrameId, FrameKind, MetricId, Profile, ProfileBuilder, Unit};

const FORMAT: &str = "massif";

/// Name of the default metric: the peak snapshot's tree.
pub const PEAK_METRIC: &str = "useful heap at peak";
/// Metrics of every snapshot at its time: useful heap, extra heap, stacks.
pub const SERIES_METRICS: [&str; 3] = ["useful heap over time", "extra heap over time", "stacks over time"];
/// The `info` key naming the time unit (`instructions`, `bytes allocated`, `ns`).
pub const TIME_UNIT_META: &str = "time unit";

#[derive(Default)]
struct Snapshot {
    number: u64,
    line: u64,
    time: Option<u64>,
    heap: Option<u64>,
    extra: Option<u64>,
    stacks: Option<u64>,
    /// `empty`, `detailed` or `peak`.
    tree_kind: String,
    /// (depth, bytes, frame or None for the root and threshold nodes, line).
    nodes: Vec<(usize, u64, Option<FrameId>)>,
}

struct Ctx {
    b: ProfileBuilder,
    peak: MetricId,
    series: [MetricId; 3],
    time_ns_per_unit: u64,
    snapshots: u64,
    detailed: u64,
    peak_seen: Option<(u64, u64)>,
    below_threshold: Option<FrameId>,
}

/// Loads a massif file from `input`.
///
/// Errors: a snapshot field that is not a number, a tree line that is not
/// `nK: BYTES LABEL`, a node whose children do not add up (a count K that
/// does not match the lines below it, a child deeper than one level), a
/// file that ends inside a tree, or no snapshot at all.
pub fn load(input: &mut Input) -> Result<Profile, LoadError> {
    let mut b = ProfileBuilder::new("massif");
    let peak = b.add_metric(PEAK_METRIC, Unit::Bytes);
    let series = SERIES_METRICS.map(|n| b.add_metric(n, Unit::Bytes));
    b.set_default_metric(peak);
    let mut cx =
        Ctx { b, peak, series, time_ns_per_unit: 1, snapshots: 0, detailed: 0, peak_seen: None, below_threshold: None };
    let mut cur: Option<Snapshot> = None;
    let mut expect_children: Vec<u64> = Vec::new();
    let mut lines = input.lines(FORMAT);
    while let Some(line) = lines.next_line()? {
        let text = String::from_utf8_lossy(line.bytes);
        let text = text.trim_end();
        let err = |what: String| LoadError::invalid(FORMAT, Some(At::Line(line.number)), what);
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let trimmed = text.trim_start();
        if trimmed.starts_with('n') && trimmed.as_bytes().get(1).is_some_and(u8::is_ascii_digit) {
            let Some(s) = cur.as_mut().filter(|s| matches!(s.tree_kind.as_str(), "detailed" | "peak")) else {
                return Err(err(
                    "a heap tree line outside a detailed snapshot; expected `heap_tree=detailed` first".into()
                ));
            };
            let depth = text.len() - trimmed.len();
            tree_line(&mut cx, s, &mut expect_children, depth, trimmed).map_err(err)?;
            continue;
        }
        if !expect_children.iter().all(|&k| k == 0) {
            return Err(err(format!(
                "the heap tree of snapshot {} ends early: {} more node(s) announced by the `nK:` counts",
                cur.as_ref().map_or(0, |s| s.number),
                expect_children.iter().sum::<u64>()
            )));
        }
        let Some((key, value)) = text.split_once([':', '=']) else {
            return Err(err(format!(
                "{text:?} is not a massif line; expected `key=value`, `key: value` or a tree node"
            )));
        };
        let num = || value.trim().parse::<u64>().map_err(|_| err(format!("{key}={value:?}: expected a whole number")));
        match key {
            "snapshot" => {
                if let Some(s) = cur.take() {
                    finish_snapshot(&mut cx, s)?;
                }
                cur = Some(Snapshot { number: num()?, line: line.number, ..Snapshot::default() });
            }
            "time" | "mem_heap_B" | "mem_heap_extra_B" | "mem_stacks_B" | "heap_tree" => {
                let Some(s) = cur.as_mut() else {
                    return Err(err(format!("`{key}` before the first `snapshot=`")));
                };
                match key {
                    "time" => s.time = Some(num()?),
                    "mem_heap_B" => s.heap = Some(num()?),
                    "mem_heap_extra_B" => s.extra = Some(num()?),
                    "mem_stacks_B" => s.stacks = Some(num()?),
                    _ => {
                        let kind = value.trim();
                        if !matches!(kind, "empty" | "detailed" | "peak") {
                            return Err(err(format!("heap_tree={kind:?}; expected empty, detailed or peak")));
                        }
                        s.tree_kind = kind.to_string();
                        // A detailed tree has one root node.
                        expect_children = if kind == "empty" { Vec::new() } else { vec![1] };
                    }
                }
            }
            "time_unit" => {
                let unit = match value.trim() {
                    "i" => "instructions",
                    "B" => "bytes allocated",
                    "ms" => {
                        cx.time_ns_per_unit = 1_000_000;
                        "ns"
                    }
                    other => return Err(err(format!("time_unit {other:?}; expected i, ms or B"))),
                };
                cx.b.meta(TIME_UNIT_META, unit);
            }
            "desc" | "cmd" => cx.b.meta(key, value.trim()),
            _ => cx.b.warn(Some(line.number), Some(line.offset), format!("unknown massif line skipped: {text:?}")),
        }
    }
    let last = lines.line_number();
    drop(lines);
    if expect_children.iter().any(|&k| k > 0) {
        return Err(LoadError::invalid(
            FORMAT,
            Some(At::Line(last)),
            format!(
                "the file ends inside the heap tree of snapshot {} (truncated?): {} more node(s) announced",
                cur.as_ref().map_or(0, |s| s.number),
                expect_children.iter().sum::<u64>()
            ),
        ));
    }
    if let Some(s) = cur.take() {
        finish_snapshot(&mut cx, s)?;
    }
    if cx.snapshots == 0 {
        return Err(LoadError::invalid(FORMAT, None, "no snapshot in the file; expected `snapshot=0` and its fields"));
    }
    cx.b.meta("snapshots", cx.snapshots.to_string());
    cx.b.meta("detailed snapshots", cx.detailed.to_string());
    if let Some((n, t)) = cx.peak_seen {
        cx.b.meta("peak snapshot", format!("{n} (time {t})"));
    }
    cx.b.finish().map_err(|e| LoadError::invalid(FORMAT, None, e.to_string()))
}

/// One `nK: BYTES LABEL` line at `depth`; `expect` counts, per open depth,
/// the children still to come.
fn tree_line(cx: &mut Ctx, s: &mut Snapshot, expect: &mut Vec<u64>, depth: usize, t: &str) -> Result<(), String> {
    let (count, rest) = t[1..].split_once(':').ok_or_else(|| format!("{t:?}: expected `nK: BYTES LABEL`"))?;
    let count: u64 = count.parse().map_err(|_| format!("{t:?}: child count {count:?} is not a number"))?;
    let rest = rest.trim_start();
    let (bytes, label) = rest.split_once(' ').unwrap_or((rest, ""));
    let bytes: u64 = bytes.parse().map_err(|_| format!("{t:?}: bytes {bytes:?} is not a whole number"))?;
    // The node must be the next child of the innermost node still waiting for one.
    while expect.len() > depth + 1 && expect.last() == Some(&0) {
        expect.pop();
    }
    if expect.len() != depth + 1 || expect[depth] == 0 {
        return Err(format!(
            "a node at depth {depth} where {}; the `nK:` child counts above do not match the indentation",
            match expect.iter().rposition(|&k| k > 0) {
                Some(d) => format!("a node at depth {d} was expected"),
                None => "the tree was already complete".to_string(),
            }
        ));
    }
    expect[depth] -= 1;
    expect.push(count);
    let frame = if depth == 0 {
        None
    } else if label.starts_with("in ") && label.contains("below massif's threshold") {
        Some(
            *cx.below_threshold
                .get_or_insert_with(|| cx.b.frame(FrameRef::new("(below massif's threshold)", "", FrameKind::Unknown))),
        )
    } else {
        Some(site_frame(&mut cx.b, label))
    };
    s.nodes.push((depth, bytes, frame));
    Ok(())
}

/// `0x109239: alloc_chunk (heap_shop.c:57)` or `0x4C2: ??? (in /lib/x.so)`.
fn site_frame(b: &mut ProfileBuilder, label: &str) -> FrameId {
    let rest = match label.split_once(": ") {
        Some((addr, rest)) if addr.starts_with("0x") => rest,
        _ => label,
    };
    let (name, loc) = match rest.rfind(" (") {
        Some(i) if rest.ends_with(')') => (&rest[..i], &rest[i + 2..rest.len() - 1]),
        _ => (rest, ""),
    };
    if let Some(module) = loc.strip_prefix("in ") {
        let kind = if name == "???" { FrameKind::Unknown } else { FrameKind::User };
        return b.frame(FrameRef::new(name, module, kind));
    }
    let (file, line) = match loc.rsplit_once(':') {
        Some((f, l)) if l.parse::<u32>().is_ok() => (Some(f), l.parse().ok()),
        _ => ((!loc.is_empty()).then_some(loc), None),
    };
    b.frame(FrameRef { name, module: "", file, line, kind: FrameKind::User })
}

fn finish_snapshot(cx: &mut Ctx, s: Snapshot) -> Result<(), LoadError> {
    let missing = [("time", s.time), ("mem_heap_B", s.heap), ("mem_heap_extra_B", s.extra), ("mem_stacks_B", s.stacks)]
        .iter()
        .find(|(_, v)| v.is_none())
        .map(|(k, _)| *k);
    if let Some(k) = missing.or(s.tree_kind.is_empty().then_some("heap_tree")) {
        return Err(LoadError::invalid(
            FORMAT,
            Some(At::Line(s.line)),
            format!(
                "snapshot {} has no `{k}=` line (truncated?); expected time, mem_heap_B, mem_heap_extra_B, mem_stacks_B and heap_tree",
                s.number
            ),
        ));
    }
    let time = s.time.unwrap_or(0);
    let time_ns = time.saturating_mul(cx.time_ns_per_unit);
    cx.snapshots += 1;
    let heap = i128::from(s.heap.unwrap_or(0));
    if s.nodes.is_empty() {
        cx.b.add_sample_for(None, cx.series[0], heap, Some(time_ns), None);
    } else {
        cx.detailed += 1;
        let root = s.nodes[0].1;
        if i128::from(root) != heap {
            cx.b.warn(
                Some(s.line),
                None,
                format!(
                    "snapshot {}: the heap tree holds {root} bytes but mem_heap_B is {heap}; the tree is shown",
                    s.number
                ),
            );
        }
        let peak = s.tree_kind == "peak";
        if peak {
            cx.peak_seen = Some((s.number, time));
        }
        let mut path: Vec<FrameId> = Vec::new();
        let mut stack_rev: Vec<FrameId> = Vec::new();
        for (i, &(depth, bytes, frame)) in s.nodes.iter().enumerate() {
            path.truncate(depth.saturating_sub(1));
            if let Some(f) = frame {
                path.push(f);
            }
            let children: u64 =
                s.nodes[i + 1..].iter().take_while(|n| n.0 > depth).filter(|n| n.0 == depth + 1).map(|n| n.1).sum();
            let own = bytes.saturating_sub(children);
            if own == 0 {
                continue;
            }
            // Read upwards, a path is a call stack: the root-first stack is its reverse.
            stack_rev.clear();
            stack_rev.extend(path.iter().rev());
            let stack = cx.b.stack_from_root(&stack_rev);
            cx.b.add_sample_for(stack, cx.series[0], i128::from(own), Some(time_ns), None);
            if peak {
                cx.b.add_sample_for(stack, cx.peak, i128::from(own), Some(time_ns), None);
            }
        }
    }
    cx.b.add_sample_for(None, cx.series[1], i128::from(s.extra.unwrap_or(0)), Some(time_ns), None);
    cx.b.add_sample_for(None, cx.series[2], i128::from(s.stacks.unwrap_or(0)), Some(time_ns), None);
    Ok(())
}
