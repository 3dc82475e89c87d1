//! Chrome trace-event JSON (the Trace Event Format), as viztracer,
//! Perfetto's JSON export, Chrome, Node (`--trace-events`) and
//! `tracing-chrome` write it.
//!
//! Two shapes: a bare array of events (whose closing `]` may be missing, as
//! the format allows for traces cut short) and an object with
//! `traceEvents` (other keys, such as viztracer's `file_info`, are skipped).
//! Complete events (`X`: `ts` and `dur`) and `B`/`E` pairs (matched per
//! thread, innermost first, in time order) become spans; `M` metadata
//! names processes and threads. `ts` and `dur` are µs, integer or
//! fractional, rounded to ns. Each thread (pid, tid) is one trace: its
//! spans nest by start and end, so a span's parent is the innermost span
//! around it; a span that starts inside another and ends after it still
//! hangs under it (and is counted). The service of a thread's spans is the
//! thread's name. Instant, counter, async, flow and sample events are
//! counted in `info`, not drawn. The projection (`project`) makes one
//! frame per span name and one thread per trace, weighing self time.
//! Imports `model` and `load` only.

mod project;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;

use super::error::LoadError;
use super::json_number::to_ns;
use super::source::Input;
use super::{LoadOptions, otlp};
use crate::model::Profile;
use crate::model::trace::{AttrValue, Attribute, Span, SpanId, TraceId, TraceSet, TraceSetBuilder};

const FORMAT: &str = "Chrome trace";

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(borrow, rename = "traceEvents")]
    trace_events: Vec<Event<'a>>,
    #[serde(borrow, rename = "displayTimeUnit", default)]
    display_time_unit: Option<Cow<'a, str>>,
}

/// A number or a string holding one (pids, tids and `ts` come as both).
#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum NumOrStr<'a> {
    Num(f64),
    #[serde(borrow)]
    Str(Cow<'a, str>),
}

impl NumOrStr<'_> {
    fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Num(n) => Some(*n),
            Self::Str(s) => s.trim().parse().ok(),
        }
    }

    fn key(&self) -> String {
        match self {
            Self::Num(n) => format!("{n}"),
            Self::Str(s) => s.to_string(),
        }
    }
}

#[derive(Deserialize)]
struct Event<'a> {
    /// A string, or a number some writers give (read as its decimal).
    #[serde(borrow, default)]
    name: Option<NumOrStr<'a>>,
    #[serde(borrow, default)]
    cat: Cow<'a, str>,
    #[serde(borrow, default)]
    ph: Cow<'a, str>,
    #[serde(borrow, default)]
    ts: Option<NumOrStr<'a>>,
    #[serde(borrow, default)]
    dur: Option<NumOrStr<'a>>,
    #[serde(borrow, default)]
    pid: Option<NumOrStr<'a>>,
    #[serde(borrow, default)]
    tid: Option<NumOrStr<'a>>,
    #[serde(default)]
    args: Option<serde_json::Map<String, serde_json::Value>>,
}

/// One thread's spans as read, before nesting.
#[derive(Default)]
struct ThreadSpans {
    pid: String,
    tid: String,
    spans: Vec<Raw>,
    /// Open `B` events, innermost last: index into `spans`.
    open: Vec<usize>,
    last_ns: u64,
}

struct Raw {
    name: Arc<str>,
    start_ns: u64,
    end_ns: u64,
    attributes: Vec<Attribute>,
}

/// What was read but not drawn, and what was odd.
#[derive(Default)]
struct Counts {
    by_phase: std::collections::BTreeMap<String, u64>,
    unmatched_end: u64,
    unclosed_begin: u64,
    no_time: u64,
    overlaps: u64,
    /// X events whose `dur` is missing, negative or out of range (taken as 0).
    bad_dur: u64,
}

/// Loads a Chrome trace from `input`: the projection and the traces (one per thread).
///
/// Errors: invalid JSON (line and column), an object without
/// `traceEvents`, no complete or begin/end event in the file, or the input
/// past `opts.max_whole_input`.
pub fn load(input: &mut Input, opts: &LoadOptions) -> Result<(Profile, TraceSet), LoadError> {
    let bytes = input.read_all(FORMAT, opts.max_whole_input)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let first = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
    let (events, shape, unit) = if bytes.get(first) == Some(&b'[') {
        let events = parse_array(bytes)?;
        (events, "array", None)
    } else {
        let top: Top = serde_json::from_slice(bytes).map_err(|e| otlp::json_error(FORMAT, &e))?;
        (top.trace_events, "object with traceEvents", top.display_time_unit.map(|u| u.into_owned()))
    };
    let mut counts = Counts::default();
    let mut process_names: HashMap<String, String> = HashMap::new();
    let mut thread_names: HashMap<(String, String), String> = HashMap::new();
    let mut threads: Vec<ThreadSpans> = Vec::new();
    let mut thread_index: HashMap<(String, String), usize> = HashMap::new();
    // JSON is unordered: B/E pairs are matched in time order (stable, so
    // events at the same time keep the file's order).
    let mut order: Vec<(u64, usize)> = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        *counts.by_phase.entry(e.ph.to_string()).or_default() += 1;
        match e.ph.as_ref() {
            "M" => metadata(e, &mut process_names, &mut thread_names),
            "X" | "B" | "E" => match e.ts.as_ref().and_then(NumOrStr::as_f64).and_then(|t| to_ns(t, 1e3)) {
                Some(t) => order.push((t, i)),
                None => counts.no_time += 1,
            },
            _ => {}
        }
    }
    order.sort_by_key(|&(t, _)| t);
    for &(start_ns, i) in &order {
        let e = &events[i];
        let key =
            (e.pid.as_ref().map_or(String::new(), NumOrStr::key), e.tid.as_ref().map_or(String::new(), NumOrStr::key));
        let next = threads.len();
        let ti = *thread_index.entry(key.clone()).or_insert(next);
        if ti == next {
            threads.push(ThreadSpans { pid: key.0, tid: key.1, ..ThreadSpans::default() });
        }
        let t = &mut threads[ti];
        t.last_ns = t.last_ns.max(start_ns);
        match e.ph.as_ref() {
            "X" => {
                let dur = e.dur.as_ref().and_then(NumOrStr::as_f64).and_then(|d| to_ns(d, 1e3));
                counts.bad_dur += u64::from(dur.is_none());
                let dur = dur.unwrap_or(0);
                let end_ns = start_ns.saturating_add(dur);
                t.last_ns = t.last_ns.max(end_ns);
                t.spans.push(Raw { name: span_name(e), start_ns, end_ns, attributes: attributes(e) });
            }
            "B" => {
                t.open.push(t.spans.len());
                t.spans.push(Raw { name: span_name(e), start_ns, end_ns: start_ns, attributes: attributes(e) });
            }
            _ => match t.open.pop() {
                Some(k) => {
                    let s = &mut t.spans[k];
                    s.end_ns = start_ns;
                    // An `E` may carry args of its own; they belong to the span.
                    s.attributes.extend(attributes(e).into_iter().filter(|a| &*a.key != "category"));
                }
                None => counts.unmatched_end += 1,
            },
        }
    }
    let mut b = TraceSetBuilder::new();
    let mut span_total = 0usize;
    for (ti, t) in threads.iter_mut().enumerate() {
        for k in std::mem::take(&mut t.open) {
            // Unclosed at the end of the file: it ran until the thread's last event.
            t.spans[k].end_ns = t.last_ns;
            counts.unclosed_begin += 1;
        }
        let pname = process_names.get(&t.pid).cloned();
        let tname = thread_names.get(&(t.pid.clone(), t.tid.clone())).cloned();
        let service: Arc<str> = Arc::from(tname.clone().unwrap_or_else(|| format!("thread {}/{}", t.pid, t.tid)));
        let mut resource = vec![
            Attribute { key: Arc::from("pid"), value: AttrValue::Str(Arc::from(t.pid.as_str())) },
            Attribute { key: Arc::from("tid"), value: AttrValue::Str(Arc::from(t.tid.as_str())) },
        ];
        if let Some(p) = pname {
            resource.push(Attribute { key: Arc::from("process.name"), value: AttrValue::Str(Arc::from(p)) });
        }
        if let Some(n) = tname {
            resource.push(Attribute { key: Arc::from("thread.name"), value: AttrValue::Str(Arc::from(n)) });
        }
        let resource: Arc<[Attribute]> = Arc::from(resource);
        let trace = thread_trace_id(ti);
        span_total += t.spans.len();
        counts.overlaps += nest(std::mem::take(&mut t.spans), trace, &service, &resource, &mut b);
    }
    if span_total == 0 {
        return Err(LoadError::invalid(
            FORMAT,
            None,
            format!(
                "no complete (X) or begin/end (B/E) event with a time in the file ({shape}, {} events); expected \
                 events like {{\"ph\": \"X\", \"ts\": 1, \"dur\": 2, \"pid\": 1, \"tid\": 1, \"name\": \"f\"}}",
                events.len()
            ),
        ));
    }
    warn_counts(&mut b, &counts);
    let (set, warnings) = b.finish();
    let mut profile = project::project(&set, &warnings).map_err(|e| LoadError::invalid(FORMAT, None, e.to_string()))?;
    profile.meta.push(("shape".into(), shape.into()));
    if let Some(u) = unit {
        profile.meta.push(("displayTimeUnit".into(), u));
    }
    let phases: Vec<String> = counts.by_phase.iter().map(|(p, n)| format!("{p} {n}")).collect();
    profile.meta.push(("events by phase".into(), phases.join(", ")));
    let not_drawn: u64 =
        counts.by_phase.iter().filter(|(p, _)| !matches!(p.as_str(), "X" | "B" | "E" | "M")).map(|(_, n)| n).sum();
    if not_drawn > 0 {
        profile
            .meta
            .push(("events not drawn".into(), format!("{not_drawn} (instant, counter, async, flow or sample events)")));
    }
    Ok((profile, set))
}

/// A bare array; a missing closing `]` (and a trailing comma) is allowed.
fn parse_array(bytes: &[u8]) -> Result<Vec<Event<'_>>, LoadError> {
    match serde_json::from_slice::<Vec<Event>>(bytes) {
        Ok(v) => Ok(v),
        Err(e) if e.is_eof() => {
            let mut end = bytes.len();
            while end > 0 && (bytes[end - 1].is_ascii_whitespace() || bytes[end - 1] == b',') {
                end -= 1;
            }
            let mut closed = bytes[..end].to_vec();
            closed.push(b']');
            // The events cannot borrow from the copy with the `]` added:
            // they own their strings.
            owned_events(&closed).map_err(|_| otlp::json_error(FORMAT, &e))
        }
        Err(e) => Err(otlp::json_error(FORMAT, &e)),
    }
}

/// Events that own their strings (for the array closed by us).
fn owned_events(bytes: &[u8]) -> Result<Vec<Event<'static>>, serde_json::Error> {
    let events: Vec<Event> = serde_json::from_slice(bytes)?;
    Ok(events.into_iter().map(Event::into_owned).collect())
}

impl Event<'_> {
    fn into_owned(self) -> Event<'static> {
        let own = |c: Cow<'_, str>| Cow::Owned(c.into_owned());
        let own_num = |n: Option<NumOrStr<'_>>| {
            n.map(|n| match n {
                NumOrStr::Num(x) => NumOrStr::Num(x),
                NumOrStr::Str(s) => NumOrStr::Str(Cow::Owned(s.into_owned())),
            })
        };
        Event {
            name: own_num(self.name),
            cat: own(self.cat),
            ph: own(self.ph),
            ts: own_num(self.ts),
            dur: own_num(self.dur),
            pid: own_num(self.pid),
            tid: own_num(self.tid),
            args: self.args,
        }
    }
}

/// A span's name: the event's, `(unnamed)` when it has none (an empty
/// frame name would not survive folded output).
fn span_name(e: &Event<'_>) -> Arc<str> {
    match e.name.as_ref().map(NumOrStr::key) {
        Some(n) if !n.is_empty() => Arc::from(n),
        _ => Arc::from("(unnamed)"),
    }
}

fn metadata(
    e: &Event<'_>,
    process_names: &mut HashMap<String, String>,
    thread_names: &mut HashMap<(String, String), String>,
) {
    let Some(name) = e.args.as_ref().and_then(|a| a.get("name")).and_then(|v| v.as_str()) else { return };
    let pid = e.pid.as_ref().map_or(String::new(), NumOrStr::key);
    match e.name.as_ref().map(NumOrStr::key).as_deref().unwrap_or("") {
        "process_name" => {
            process_names.insert(pid, name.to_string());
        }
        "thread_name" => {
            let tid = e.tid.as_ref().map_or(String::new(), NumOrStr::key);
            thread_names.insert((pid, tid), name.to_string());
        }
        _ => {}
    }
}

fn attributes(e: &Event<'_>) -> Vec<Attribute> {
    let mut out = Vec::new();
    if !e.cat.is_empty() {
        out.push(Attribute { key: Arc::from("category"), value: AttrValue::Str(Arc::from(e.cat.as_ref())) });
    }
    for (k, v) in e.args.iter().flatten() {
        let value = match v {
            serde_json::Value::Null => AttrValue::Empty,
            serde_json::Value::Bool(b) => AttrValue::Bool(*b),
            serde_json::Value::String(s) => AttrValue::Str(Arc::from(s.as_str())),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => AttrValue::Int(i),
                None => AttrValue::Double(n.as_f64().unwrap_or(f64::NAN)),
            },
            other => AttrValue::Json(other.to_string()),
        };
        out.push(Attribute { key: Arc::from(k.as_str()), value });
    }
    out
}

/// The trace id of the `i`th thread.
fn thread_trace_id(i: usize) -> TraceId {
    let mut id = [0u8; 16];
    id[8..].copy_from_slice(&(i as u64 + 1).to_be_bytes());
    TraceId(id)
}

/// Nests one thread's spans by start and end and hands them to `b`;
/// returns how many end after the span they start in.
fn nest(
    mut spans: Vec<Raw>,
    trace: TraceId,
    service: &Arc<str>,
    resource: &Arc<[Attribute]>,
    b: &mut TraceSetBuilder,
) -> u64 {
    // By start, the longer first, so a parent comes before what it holds.
    let mut idx: Vec<usize> = (0..spans.len()).collect();
    idx.sort_by(|&x, &y| {
        spans[x].start_ns.cmp(&spans[y].start_ns).then(spans[y].end_ns.cmp(&spans[x].end_ns)).then(x.cmp(&y))
    });
    let mut open: Vec<(u64, SpanId)> = Vec::new();
    let mut overlaps = 0;
    for (n, &k) in idx.iter().enumerate() {
        let s = &mut spans[k];
        while open.last().is_some_and(|&(end, _)| end <= s.start_ns) {
            open.pop();
        }
        let id = SpanId((n as u64 + 1).to_be_bytes());
        let parent = open.last().map(|&(end, pid)| {
            overlaps += u64::from(s.end_ns > end);
            pid
        });
        let mut span = Span::new(id, parent, s.name.clone(), s.start_ns, s.end_ns);
        span.service = service.clone();
        span.resource = resource.clone();
        span.attributes = std::mem::take(&mut s.attributes);
        b.add(trace, span);
        open.push((s.end_ns, id));
    }
    overlaps
}

fn warn_counts(b: &mut TraceSetBuilder, c: &Counts) {
    if c.unmatched_end > 0 {
        b.warn(format!("{} end (E) event(s) with no open begin (B) on their thread, skipped", c.unmatched_end));
    }
    if c.unclosed_begin > 0 {
        b.warn(format!(
            "{} begin (B) event(s) never ended; each is taken to end at its thread's last event",
            c.unclosed_begin
        ));
    }
    if c.no_time > 0 {
        b.warn(format!("{} X/B/E event(s) whose ts is missing, not a number or below 0, skipped", c.no_time));
    }
    if c.bad_dur > 0 {
        b.warn(format!(
            "{} complete (X) event(s) with a missing, negative or out-of-range dur; each is taken to last 0",
            c.bad_dur
        ));
    }
    if c.overlaps > 0 {
        b.warn(format!(
            "{} span(s) start inside another span of their thread and end after it; they are drawn under it",
            c.overlaps
        ));
    }
}
