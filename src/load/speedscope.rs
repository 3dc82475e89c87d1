//! speedscope's JSON file format (`https://www.speedscope.app/file-format-schema.json`),
//! as py-spy `-f speedscope` and speedscope's own export write it.
//!
//! The file holds one table of frames (`shared.frames`: name, optional file,
//! line, column; the file is also the frame's module, so two functions of
//! one name in two files stay two) and one or more profiles, one per thread
//! for py-spy. A
//! `sampled` profile lists stacks (frame indices, root first) with a weight
//! each; an `evented` profile lists open (`O`) and close (`C`) events at
//! times, and the time between two events is the self time of the stack
//! open in between. Weights are in the profile's unit (`seconds`,
//! `milliseconds`, `microseconds`, `nanoseconds`, `bytes` or `none`), kept
//! exactly as decimals: one metric per unit, each profile its own thread.
//! Samples carry the time they start at (`startValue` plus the weights
//! before them) when the unit is a time. The whole file is read into memory
//! (JSON). Imports `model` and `load` only.

use std::borrow::Cow;

use serde::Deserialize;

use super::error::LoadError;
use super::json_number::{decimal_of, to_ns, weight_in};
use super::source::Input;
use super::{LoadOptions, otlp};
use crate::model::frame::FrameRef;
use crate::model::{FrameId, FrameKind, MetricId, Profile, ProfileBuilder, StackId, Thread, ThreadId, Unit};

const FORMAT: &str = "speedscope";

#[derive(Deserialize)]
struct File<'a> {
    #[serde(borrow, default)]
    shared: Shared<'a>,
    #[serde(borrow, default)]
    profiles: Vec<JProfile<'a>>,
    #[serde(borrow, default)]
    exporter: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct Shared<'a> {
    #[serde(borrow, default)]
    frames: Vec<JFrame<'a>>,
}

#[derive(Deserialize)]
struct JFrame<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    file: Option<Cow<'a, str>>,
    #[serde(default)]
    line: Option<f64>,
}

#[derive(Deserialize)]
struct JProfile<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    unit: Cow<'a, str>,
    #[serde(rename = "startValue", default)]
    start_value: f64,
    #[serde(default)]
    samples: Vec<Vec<u64>>,
    #[serde(default)]
    weights: Vec<f64>,
    #[serde(borrow, default)]
    events: Vec<Event<'a>>,
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    at: f64,
    frame: u64,
}

/// The model unit of a speedscope unit and ns per unit (0 for non-times).
fn unit_of(unit: &str) -> Option<(Unit, &'static str, f64)> {
    Some(match unit {
        "nanoseconds" => (Unit::Nanoseconds, "time", 1.0),
        "microseconds" => (Unit::Microseconds, "time", 1e3),
        "milliseconds" => (Unit::Milliseconds, "time", 1e6),
        "seconds" => (Unit::Seconds, "time", 1e9),
        "bytes" => (Unit::Bytes, "bytes", 0.0),
        "none" | "" => (Unit::Count, "weight", 0.0),
        _ => return None,
    })
}

struct Ctx {
    b: ProfileBuilder,
    frames: Vec<FrameId>,
    /// Each metric: its unit, id and the name the file's unit gave it.
    metrics: Vec<(Unit, MetricId, String)>,
    empty: u64,
}

impl Ctx {
    fn metric(&mut self, unit: Unit, name: &str) -> MetricId {
        if let Some(&(_, m, _)) = self.metrics.iter().find(|(u, _, _)| *u == unit) {
            return m;
        }
        // Profiles in two time units (ms and s) are two metrics: the second
        // is named with its unit, so `--metric` can tell them apart.
        let taken = self.metrics.iter().any(|(_, _, n)| n == name);
        let m = if taken {
            self.b.add_metric(&format!("{name} ({})", unit.name()), unit.clone())
        } else {
            self.b.add_metric(name, unit.clone())
        };
        self.metrics.push((unit, m, name.to_owned()));
        m
    }

    fn frame(&self, profile: usize, i: u64) -> Result<FrameId, LoadError> {
        usize::try_from(i).ok().and_then(|i| self.frames.get(i)).copied().ok_or_else(|| {
            LoadError::invalid(
                FORMAT,
                None,
                format!(
                    "profile {profile} refers to frame {i}, but shared.frames has {} frames (0 to {})",
                    self.frames.len(),
                    self.frames.len().saturating_sub(1)
                ),
            )
        })
    }
}

/// Loads a speedscope file from `input`.
///
/// Errors: invalid JSON (line and column), no profiles, a profile type or
/// unit speedscope does not define, a frame index past `shared.frames`,
/// samples and weights of different lengths, a close event that does not
/// close the innermost open frame, or the input past `opts.max_whole_input`.
pub fn load(input: &mut Input, opts: &LoadOptions) -> Result<Profile, LoadError> {
    let bytes = input.read_all(FORMAT, opts.max_whole_input)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let file: File = serde_json::from_slice(bytes).map_err(|e| otlp::json_error(FORMAT, &e))?;
    if file.profiles.is_empty() {
        return Err(LoadError::invalid(FORMAT, None, "the file has no profiles; expected \"profiles\": [...]"));
    }
    let mut cx = Ctx { b: ProfileBuilder::new("speedscope"), frames: Vec::new(), metrics: Vec::new(), empty: 0 };
    for f in &file.shared.frames {
        let line = f.line.filter(|l| *l >= 1.0 && *l < f64::from(u32::MAX)).map(|l| l as u32);
        let file_name = f.file.as_deref().filter(|s| !s.is_empty());
        // The file is the frame's module: two functions of one name in two
        // files (py-spy's `<module>` of each script) stay two functions.
        let fr =
            FrameRef { name: &f.name, module: file_name.unwrap_or(""), file: file_name, line, kind: FrameKind::User };
        cx.frames.push(cx.b.frame(fr));
    }
    for (pi, p) in file.profiles.iter().enumerate() {
        let Some((unit, metric_name, unit_ns)) = unit_of(&p.unit) else {
            return Err(LoadError::invalid(
                FORMAT,
                None,
                format!(
                    "profile {pi} ({:?}) has unit {:?}; expected none, nanoseconds, microseconds, milliseconds, seconds or bytes",
                    p.name, p.unit
                ),
            ));
        };
        let m = cx.metric(unit, metric_name);
        let thread = cx.b.thread(Thread { pid: None, tid: None, name: p.name.to_string() });
        match p.kind.as_ref() {
            "sampled" => sampled(&mut cx, pi, p, m, thread, unit_ns)?,
            "evented" => evented(&mut cx, pi, p, m, thread, unit_ns)?,
            other => {
                return Err(LoadError::invalid(
                    FORMAT,
                    None,
                    format!("profile {pi} ({:?}) has type {other:?}; expected \"sampled\" or \"evented\"", p.name),
                ));
            }
        }
    }
    if let Some(e) = &file.exporter {
        cx.b.meta("exporter", e.to_string());
    }
    if let Some(n) = &file.name {
        cx.b.meta("name", n.to_string());
    }
    cx.b.meta("profiles", file.profiles.len().to_string());
    if cx.empty > 0 {
        cx.b.meta("samples with an empty stack (idle)", cx.empty.to_string());
    }
    cx.b.finish().map_err(|e| LoadError::invalid(FORMAT, None, e.to_string()))
}

fn sampled(
    cx: &mut Ctx,
    pi: usize,
    p: &JProfile<'_>,
    m: MetricId,
    thread: ThreadId,
    unit_ns: f64,
) -> Result<(), LoadError> {
    if !p.weights.is_empty() && p.weights.len() != p.samples.len() {
        return Err(LoadError::invalid(
            FORMAT,
            None,
            format!(
                "profile {pi} ({:?}) has {} samples but {} weights; expected one weight per sample",
                p.name,
                p.samples.len(),
                p.weights.len()
            ),
        ));
    }
    let mut path: Vec<FrameId> = Vec::new();
    let mut at = p.start_value;
    for (i, stack) in p.samples.iter().enumerate() {
        path.clear();
        for &f in stack {
            path.push(cx.frame(pi, f)?);
        }
        let w = p.weights.get(i).copied().unwrap_or(1.0);
        let Some(d) = decimal_of(w) else {
            return Err(LoadError::invalid(
                FORMAT,
                None,
                format!("profile {pi} ({:?}), sample {i}: weight {w} is not a finite number", p.name),
            ));
        };
        let weight = weight_in(&mut cx.b, m, d);
        let stack = cx.b.stack_from_root(&path);
        cx.empty += u64::from(stack.is_none());
        let time = if unit_ns > 0.0 { to_ns(at, unit_ns) } else { None };
        cx.b.add_sample_for(stack, m, weight, time, Some(thread));
        at += w;
    }
    Ok(())
}

fn evented(
    cx: &mut Ctx,
    pi: usize,
    p: &JProfile<'_>,
    m: MetricId,
    thread: ThreadId,
    unit_ns: f64,
) -> Result<(), LoadError> {
    let mut open: Vec<(u64, StackId)> = Vec::new();
    let mut last_at: Option<f64> = None;
    for (i, e) in p.events.iter().enumerate() {
        if let (Some(prev), Some(&(_, stack))) = (last_at, open.last())
            && e.at > prev
        {
            // Self time of the innermost open frame since the last event,
            // exact in the file's decimals (the difference of two decimals).
            let (Some(a), Some(b)) = (decimal_of(prev), decimal_of(e.at)) else {
                return Err(bad_time(pi, p, i, e.at));
            };
            let scale = a.decimals.max(b.decimals);
            let diff = b.scaled * 10i128.pow(scale - b.decimals) - a.scaled * 10i128.pow(scale - a.decimals);
            let w = weight_in(&mut cx.b, m, super::json_number::Decimal { scaled: diff, decimals: scale });
            let time = if unit_ns > 0.0 { to_ns(prev, unit_ns) } else { None };
            cx.b.add_sample_for(Some(stack), m, w, time, Some(thread));
        }
        if last_at.is_some_and(|prev| e.at < prev) {
            return Err(LoadError::invalid(
                FORMAT,
                None,
                format!(
                    "profile {pi} ({:?}), event {i}: at {} is before the event before it ({}); expected events in time order",
                    p.name,
                    e.at,
                    last_at.unwrap_or_default()
                ),
            ));
        }
        last_at = Some(e.at);
        match e.kind.as_ref() {
            "O" => {
                let f = cx.frame(pi, e.frame)?;
                let parent = open.last().map(|&(_, s)| s);
                let s = cx.b.stack(parent, f);
                open.push((e.frame, s));
            }
            "C" => match open.last() {
                Some(&(f, _)) if f == e.frame => {
                    open.pop();
                }
                _ => {
                    return Err(LoadError::invalid(
                        FORMAT,
                        None,
                        format!(
                            "profile {pi} ({:?}), event {i}: closes frame {} but the innermost open frame is {}; \
                             expected O/C events nested like calls",
                            p.name,
                            e.frame,
                            open.last().map_or("none".to_string(), |(f, _)| f.to_string())
                        ),
                    ));
                }
            },
            other => {
                return Err(LoadError::invalid(
                    FORMAT,
                    None,
                    format!("profile {pi} ({:?}), event {i}: type {other:?}; expected \"O\" or \"C\"", p.name),
                ));
            }
        }
    }
    if !open.is_empty() {
        cx.b.warn(
            None,
            None,
            format!(
                "profile {pi} ({:?}): {} frame(s) still open at the last event; their time ends there",
                p.name,
                open.len()
            ),
        );
    }
    Ok(())
}

fn bad_time(pi: usize, p: &JProfile<'_>, i: usize, at: f64) -> LoadError {
    LoadError::invalid(
        FORMAT,
        None,
        format!("profile {pi} ({:?}), event {i}: time {at} is not a finite number", p.name),
    )
}
