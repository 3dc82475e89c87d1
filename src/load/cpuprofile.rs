//! V8 CPU profiles (`.cpuprofile`), as `node --cpu-prof` and Chrome
//! DevTools write them (the DevTools protocol's `Profiler.Profile`).
//!
//! The file is a tree of nodes (`id`, `callFrame`, `children`), the
//! `samples` array (one node id per sample, its leaf) and `timeDeltas` (µs
//! since the sample before; the first since `startTime`). Every sample
//! becomes one model sample with two weights: `samples` (1) and `cpu time`
//! in µs, DevTools' rule: a sample lasts until the next one, the last until
//! `endTime`. `hitCount` is not used: it disagrees with `samples` in real
//! files, and the samples carry the time. `(root)` is left out of stacks;
//! `(program)`, `(idle)` and `(garbage collector)` stay frames of their
//! own. A JavaScript frame is named `function url:line` (line 1-based;
//! `(anonymous)` for an unnamed function; the name alone for builtins
//! without a url), so two anonymous functions of one file stay apart.
//! Imports `model` and `load` only.

use std::borrow::Cow;
use std::collections::HashMap;

use rustc_hash::FxBuildHasher;
use serde::Deserialize;

use super::error::LoadError;
use super::source::Input;
use super::{LoadOptions, otlp};
use crate::model::frame::FrameRef;
use crate::model::{FrameKind, LabelSetId, Profile, ProfileBuilder, StackId, Unit};

const FORMAT: &str = "V8 cpuprofile";

#[derive(Deserialize)]
struct JProfile<'a> {
    #[serde(borrow, default)]
    nodes: Vec<Node<'a>>,
    #[serde(rename = "startTime")]
    start_us: Option<f64>,
    #[serde(rename = "endTime")]
    end_us: Option<f64>,
    #[serde(default)]
    samples: Vec<u64>,
    #[serde(rename = "timeDeltas", default)]
    time_deltas: Vec<f64>,
    #[serde(default)]
    head: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct Node<'a> {
    id: u64,
    #[serde(borrow, rename = "callFrame")]
    call_frame: CallFrame<'a>,
    #[serde(default)]
    children: Vec<u64>,
    #[serde(default)]
    parent: Option<u64>,
}

#[derive(Deserialize)]
struct CallFrame<'a> {
    #[serde(borrow, rename = "functionName", default)]
    function_name: Cow<'a, str>,
    #[serde(borrow, default)]
    url: Cow<'a, str>,
    #[serde(rename = "lineNumber", default)]
    line: i64,
}

const NONE: usize = usize::MAX;

/// Loads a `.cpuprofile` from `input`.
///
/// Errors: invalid JSON (line and column), the old nested format (`head`),
/// no nodes, a node id used twice, a child or sample naming a node that is
/// not there, a loop of parent links, `samples` and `timeDeltas` of
/// different lengths, or the input past `opts.max_whole_input`.
pub fn load(input: &mut Input, opts: &LoadOptions) -> Result<Profile, LoadError> {
    let bytes = input.read_all(FORMAT, opts.max_whole_input)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let p: JProfile = serde_json::from_slice(bytes).map_err(|e| otlp::json_error(FORMAT, &e))?;
    if p.head.is_some() {
        return Err(LoadError::invalid(
            FORMAT,
            None,
            "this is the old nested .cpuprofile format (\"head\"), written by Chrome before version 58; \
             expected \"nodes\" with \"samples\" and \"timeDeltas\" (open it in Chrome DevTools and save it again)",
        ));
    }
    if p.nodes.is_empty() {
        return Err(LoadError::invalid(FORMAT, None, "the profile has no nodes; expected \"nodes\": [...]"));
    }
    if p.samples.len() != p.time_deltas.len() {
        return Err(LoadError::invalid(
            FORMAT,
            None,
            format!(
                "{} samples but {} timeDeltas; expected one time delta per sample",
                p.samples.len(),
                p.time_deltas.len()
            ),
        ));
    }
    let mut index: HashMap<u64, usize, FxBuildHasher> = HashMap::default();
    for (i, n) in p.nodes.iter().enumerate() {
        if index.insert(n.id, i).is_some() {
            return Err(LoadError::invalid(FORMAT, None, format!("node id {} is used by two nodes", n.id)));
        }
    }
    let mut parent = vec![NONE; p.nodes.len()];
    for (i, n) in p.nodes.iter().enumerate() {
        for c in &n.children {
            let Some(&ci) = index.get(c) else {
                return Err(LoadError::invalid(
                    FORMAT,
                    None,
                    format!("node {} lists child {c}, which is not a node of the profile", n.id),
                ));
            };
            parent[ci] = i;
        }
        if let Some(pid) = n.parent
            && let Some(&pi) = index.get(&pid)
        {
            parent[i] = pi;
        }
    }
    let mut b = ProfileBuilder::new("cpuprofile");
    b.add_metric("samples", Unit::Count);
    let time_m = b.add_metric("cpu time", Unit::Microseconds);
    b.set_default_metric(time_m);
    let stacks = node_stacks(&mut b, &p.nodes, &parent)?;

    let start = p.start_us.unwrap_or(0.0);
    let mut times = Vec::with_capacity(p.samples.len());
    let mut t = start;
    for d in &p.time_deltas {
        t += d;
        times.push(t);
    }
    let end = p.end_us.unwrap_or_else(|| times.last().copied().unwrap_or(start));
    // A negative time delta puts a sample before the one written ahead of
    // it: the samples are ordered by time (stably), as DevTools does
    // (`CPUProfileDataModel.sortSamples`), and each lasts until the next
    // in that order, so no time is lost or counted twice.
    let mut order: Vec<usize> = (0..p.samples.len()).collect();
    let back = times.windows(2).filter(|w| w[1] < w[0]).count();
    if back > 0 {
        order.sort_by(|&x, &y| times[x].total_cmp(&times[y]));
    }
    let mut clamped = 0u64;
    b.reserve_samples(p.samples.len());
    for (k, &i) in order.iter().enumerate() {
        let id = &p.samples[i];
        let Some(&n) = index.get(id) else {
            return Err(LoadError::invalid(
                FORMAT,
                None,
                format!("sample {i} names node {id}, which is not a node of the profile"),
            ));
        };
        let next = order.get(k + 1).map_or(end, |&j| times[j]);
        let us = (next - times[i]).round();
        let us = if us.is_finite() && us >= 0.0 {
            us as i128
        } else {
            clamped += 1;
            0
        };
        let time_ns = super::json_number::to_ns(times[i], 1e3);
        b.add_sample(stacks[n], &[1, us], time_ns, None, LabelSetId(0));
    }
    if back > 0 {
        b.warn(
            None,
            None,
            format!("{back} time delta(s) are negative: the samples are taken in time order, as DevTools does"),
        );
    }
    if clamped > 0 {
        b.warn(None, None, format!("{clamped} sample(s) end after endTime or have no valid time; weighed 0 µs"));
    }
    b.meta("nodes", p.nodes.len().to_string());
    b.meta("duration", format!("{} µs", (end - start).round()));
    b.finish().map_err(|e| LoadError::invalid(FORMAT, None, e.to_string()))
}

/// The stack of every node (`None` for `(root)`), parents first, without
/// recursion.
fn node_stacks(
    b: &mut ProfileBuilder,
    nodes: &[Node<'_>],
    parent: &[usize],
) -> Result<Vec<Option<StackId>>, LoadError> {
    let mut stacks: Vec<Option<StackId>> = vec![None; nodes.len()];
    let mut done = vec![false; nodes.len()];
    let mut path = Vec::new();
    let mut name = String::new();
    for start in 0..nodes.len() {
        path.clear();
        let mut i = start;
        while i != NONE && !done[i] {
            path.push(i);
            if path.len() > nodes.len() {
                return Err(LoadError::invalid(
                    FORMAT,
                    None,
                    format!("node {} is its own ancestor (a loop of children links)", nodes[start].id),
                ));
            }
            i = parent[i];
        }
        let mut above = if i == NONE { None } else { stacks[i] };
        for &k in path.iter().rev() {
            let cf = &nodes[k].call_frame;
            let is_root = parent[k] == NONE && cf.function_name == "(root)";
            if !is_root {
                name.clear();
                name.push_str(if cf.function_name.is_empty() { "(anonymous)" } else { &cf.function_name });
                let special = cf.url.is_empty() && cf.function_name.starts_with('(');
                if !cf.url.is_empty() {
                    name.push(' ');
                    name.push_str(&cf.url);
                    name.push(':');
                    name.push_str(&(cf.line + 1).to_string());
                }
                let kind = if special { FrameKind::User } else { FrameKind::Jit };
                let line = u32::try_from(cf.line + 1).ok().filter(|&l| l > 0);
                let file = (!cf.url.is_empty()).then_some(cf.url.as_ref());
                let f = b.frame(FrameRef { name: &name, module: &cf.url, file, line, kind });
                above = Some(b.stack(above, f));
            }
            stacks[k] = above;
            done[k] = true;
        }
    }
    Ok(stacks)
}
