//! Jaeger JSON traces: what Jaeger's query API (`/api/traces/<id>`) returns
//! and Jaeger UI's "Download JSON" writes, into a [`TraceSet`].
//!
//! Three shapes: the API response `{"data": [trace, ...]}`, one trace object
//! `{"traceID", "spans", "processes"}`, and a bare array of traces. Times are
//! µs (× 1000 to ns). Ids are hex with or without zero padding (the Java
//! client writes `a1` for `00a1`), compared as numbers; ids that are not
//! hex (`trace-123`, `span-2_1`, as in Jaeger UI's test fixtures) become
//! numbers derived from their text ([`TraceId::from_text`]), the same for
//! every mention, so references still resolve; the text is kept as the
//! span's `jaeger.traceID` / `jaeger.spanID` attribute and counted in a
//! warning. The parent is the
//! first `CHILD_OF` reference that names a span of the same trace other than
//! the span itself (the first `CHILD_OF` when none does, which leaves the
//! span "parent missing"); every other reference is kept as a link
//! (`FOLLOWS_FROM` or `CHILD_OF`). A span is an error when its tag `error` is
//! `true` or `"true"` (any case). `span.kind` maps to the kind, the process's
//! `serviceName` to the service, `otel.library.name`/`otel.scope.name` to the
//! scope, logs to events (name = the `event` field). Imports `model` and
//! `load` only.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::Deserialize;

use super::LoadOptions;
use super::error::LoadError;
use super::source::Input;
use crate::model::Profile;
use crate::model::trace::{
    AttrValue, Attribute, LinkKind, Span, SpanEvent, SpanId, SpanKind, SpanLink, Status, StatusCode, TraceId, TraceSet,
    TraceSetBuilder, project,
};

const FORMAT: &str = "Jaeger JSON";

/// The API response or a single trace: one struct covers both.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Top<'a> {
    #[serde(borrow)]
    data: Option<Vec<JTrace<'a>>>,
    #[serde(borrow, flatten)]
    trace: JTrace<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JTrace<'a> {
    #[serde(borrow, rename = "traceID")]
    trace_id: Cow<'a, str>,
    #[serde(borrow)]
    spans: Vec<JSpan<'a>>,
    #[serde(borrow)]
    processes: HashMap<Cow<'a, str>, Process<'a>>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Process<'a> {
    #[serde(borrow, rename = "serviceName")]
    service_name: Cow<'a, str>,
    tags: Vec<Tag<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JSpan<'a> {
    #[serde(borrow, rename = "traceID")]
    trace_id: Cow<'a, str>,
    #[serde(borrow, rename = "spanID")]
    span_id: Cow<'a, str>,
    #[serde(borrow, rename = "operationName")]
    operation: Cow<'a, str>,
    #[serde(borrow)]
    references: Option<Vec<Ref<'a>>>,
    #[serde(rename = "startTime")]
    start_us: u64,
    #[serde(rename = "duration")]
    duration_us: u64,
    #[serde(borrow)]
    tags: Option<Vec<Tag<'a>>>,
    #[serde(borrow)]
    logs: Option<Vec<Log<'a>>>,
    #[serde(borrow, rename = "processID")]
    process_id: Cow<'a, str>,
    #[serde(borrow)]
    process: Option<Process<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Ref<'a> {
    #[serde(borrow, rename = "refType")]
    ref_type: Cow<'a, str>,
    #[serde(borrow, rename = "traceID")]
    trace_id: Cow<'a, str>,
    #[serde(borrow, rename = "spanID")]
    span_id: Cow<'a, str>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Tag<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    value: serde_json::Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Log<'a> {
    timestamp: u64,
    #[serde(borrow)]
    fields: Vec<Tag<'a>>,
}

/// Loads Jaeger JSON from `input`.
///
/// Errors: invalid JSON (line and column), a shape that is not Jaeger traces,
/// no span in the file, or the input exceeding `opts.max_whole_input`.
/// Spans with unreadable ids or times past 2^64 ns are skipped with a warning.
pub fn load(input: &mut Input, opts: &LoadOptions) -> Result<(Profile, TraceSet), LoadError> {
    let bytes = input.read_all(FORMAT, opts.max_whole_input)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let (traces, shape) = if first == Some(&b'[') {
        let v: Vec<JTrace> = serde_json::from_slice(bytes).map_err(|e| super::otlp::json_error(FORMAT, &e))?;
        (v, "array of traces")
    } else {
        let top: Top = serde_json::from_slice(bytes).map_err(|e| super::otlp::json_error(FORMAT, &e))?;
        match top.data {
            Some(d) => (d, "API response"),
            None => (vec![top.trace], "single trace"),
        }
    };
    let mut b = TraceSetBuilder::new();
    let mut skips = Skips::default();
    let mut not_hex = 0usize;
    let mut spans_in_file = 0usize;
    for t in traces {
        spans_in_file += t.spans.len();
        add_trace(&mut b, t, &mut not_hex, &mut skips);
    }
    for reason in skips.reasons() {
        b.warn(format!("span(s) skipped: {reason}"));
    }
    if not_hex > 0 {
        b.warn(format!(
            "{not_hex} traceID/spanID value(s) are not hex (such as Jaeger UI's \"trace-123\"): each is shown as a \
             number derived from its text, kept as the span's jaeger.traceID / jaeger.spanID attribute"
        ));
    }
    if b.span_count() == 0 {
        let why = if spans_in_file == 0 {
            format!("no spans in the file ({shape}); expected traces with \"spans\"")
        } else {
            format!("all {spans_in_file} spans of the file ({shape}) were dropped: {}", skips.reasons().join("; "))
        };
        return Err(LoadError::invalid(FORMAT, None, why));
    }
    let (set, warnings) = b.finish();
    let mut profile =
        project(&set, "jaeger", &warnings).map_err(|e| LoadError::invalid(FORMAT, None, e.to_string()))?;
    profile.meta.push(("shape".into(), shape.into()));
    Ok((profile, set))
}

/// Spans a load skipped, by reason, with the first of each.
#[derive(Default)]
struct Skips {
    bad_ids: usize,
    first_bad_id: Option<String>,
    bad_times: usize,
    first_bad_time: Option<String>,
}

impl Skips {
    /// "3 for a time in ns past 2^64 (first: ...)", one per reason that
    /// occurred: the warnings, and the error when no span is left.
    fn reasons(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.bad_times > 0 {
            let first = self.first_bad_time.as_deref().unwrap_or_default();
            out.push(format!("{} for a time in ns past 2^64 (first: {first})", self.bad_times));
        }
        if self.bad_ids > 0 {
            let first = self.first_bad_id.as_deref().unwrap_or_default();
            out.push(format!("{} for an empty or unreadable id (first: {first})", self.bad_ids));
        }
        out
    }
}

/// Adds one trace object's spans; counts the spans skipped in `skips` and
/// ids that are not hex in `not_hex`.
fn add_trace(b: &mut TraceSetBuilder, t: JTrace<'_>, not_hex: &mut usize, skips: &mut Skips) {
    let trace_default = TraceId::from_text(&t.trace_id);
    let mut services: HashMap<String, Arc<str>> = HashMap::new();
    let mut procs: HashMap<&str, (Arc<str>, Arc<[Attribute]>)> = HashMap::new();
    for (k, p) in &t.processes {
        let svc =
            services.entry(p.service_name.to_string()).or_insert_with(|| Arc::from(p.service_name.as_ref())).clone();
        procs.insert(k.as_ref(), (svc, Arc::from(p.tags.iter().map(tag_attr).collect::<Vec<_>>())));
    }
    // Span ids of each trace, to pick the first CHILD_OF that resolves.
    let ids: HashSet<(TraceId, SpanId)> =
        t.spans.iter().filter_map(|s| Some((span_trace(s, trace_default)?, SpanId::from_text(&s.span_id)?))).collect();
    for s in &t.spans {
        let (Some(trace), Some(id)) = (span_trace(s, trace_default), SpanId::from_text(&s.span_id)) else {
            skips.bad_ids += 1;
            if skips.first_bad_id.is_none() {
                let tid = if s.trace_id.is_empty() { &t.trace_id } else { &s.trace_id };
                skips.first_bad_id = Some(format!(
                    "span {:?} ({:?}) with traceID {:?}",
                    s.span_id.as_ref() as &str,
                    s.operation.as_ref() as &str,
                    tid.as_ref() as &str
                ));
            }
            continue;
        };
        let (Some(start), Some(dur)) = (s.start_us.checked_mul(1000), s.duration_us.checked_mul(1000)) else {
            skips.bad_times += 1;
            if skips.first_bad_time.is_none() {
                let field = if s.start_us.checked_mul(1000).is_none() { "startTime" } else { "duration" };
                let value = if field == "startTime" { s.start_us } else { s.duration_us };
                skips.first_bad_time = Some(format!("span {:?} {field} {value} µs", s.span_id.as_ref() as &str));
            }
            continue;
        };
        let mut parent_id = None;
        let mut first_child_of = None;
        let mut links = Vec::new();
        for r in s.references.iter().flatten() {
            let kind =
                if r.ref_type.eq_ignore_ascii_case("CHILD_OF") { LinkKind::ChildOf } else { LinkKind::FollowsFrom };
            let rt = TraceId::from_text(&r.trace_id).unwrap_or(trace);
            let Some(rs) = SpanId::from_text(&r.span_id) else {
                b.warn(format!("span {id} ({:?}): a reference with span id {:?} skipped", s.operation, r.span_id));
                continue;
            };
            if kind == LinkKind::ChildOf && parent_id.is_none() && rt == trace && rs != id && ids.contains(&(trace, rs))
            {
                parent_id = Some(rs);
                continue;
            }
            if kind == LinkKind::ChildOf && first_child_of.is_none() {
                first_child_of = Some(rs);
            }
            links.push(SpanLink { trace_id: rt, span_id: rs, kind, attributes: Vec::new() });
        }
        if parent_id.is_none() && first_child_of.is_some() {
            // The parent is missing: keep the id so the builder flags it.
            parent_id = first_child_of;
            links.retain(|l| !(l.kind == LinkKind::ChildOf && Some(l.span_id) == first_child_of));
        }
        let end = start.saturating_add(dur);
        let mut span = Span::new(id, parent_id, Arc::from(s.operation.as_ref()), start, end);
        let (service, resource) = match (&s.process, procs.get(s.process_id.as_ref())) {
            (Some(p), _) => {
                (Arc::from(p.service_name.as_ref()), Arc::from(p.tags.iter().map(tag_attr).collect::<Vec<_>>()))
            }
            (None, Some((svc, res))) => (svc.clone(), res.clone()),
            (None, None) => (Arc::from("unknown_service"), Arc::from(Vec::new())),
        };
        span.service = service;
        span.resource = resource;
        span.links = links;
        fill_from_tags(&mut span, s.tags.as_deref().unwrap_or_default());
        let trace_text = if s.trace_id.is_empty() { &t.trace_id } else { &s.trace_id };
        let hex = [TraceId::parse_hex(trace_text).is_some(), SpanId::parse_hex(&s.span_id).is_some()];
        for ((key, text), hex) in [("jaeger.traceID", trace_text), ("jaeger.spanID", &s.span_id)].into_iter().zip(hex) {
            if !hex {
                *not_hex += 1;
                span.attributes
                    .push(Attribute { key: Arc::from(key), value: AttrValue::Str(Arc::from(text.as_ref())) });
            }
        }
        span.events = s.logs.iter().flatten().map(log_event).collect();
        b.add_epoch(trace, span);
    }
}

fn span_trace(s: &JSpan<'_>, default: Option<TraceId>) -> Option<TraceId> {
    if s.trace_id.is_empty() { default } else { TraceId::from_text(&s.trace_id) }
}

fn fill_from_tags(span: &mut Span, tags: &[Tag<'_>]) {
    for t in tags {
        match (t.key.as_ref(), &t.value) {
            ("error", serde_json::Value::Bool(true)) => span.status.code = StatusCode::Error,
            ("error", serde_json::Value::String(s)) if s.eq_ignore_ascii_case("true") => {
                span.status.code = StatusCode::Error
            }
            ("span.kind", serde_json::Value::String(k)) => {
                span.kind = match k.as_str() {
                    "server" => SpanKind::Server,
                    "client" => SpanKind::Client,
                    "producer" => SpanKind::Producer,
                    "consumer" => SpanKind::Consumer,
                    "internal" => SpanKind::Internal,
                    _ => SpanKind::Unspecified,
                }
            }
            ("otel.library.name" | "otel.scope.name", serde_json::Value::String(s)) => {
                span.scope = Arc::from(s.as_str())
            }
            ("otel.status_description" | "error.message", serde_json::Value::String(s))
                if span.status.message.is_empty() =>
            {
                span.status = Status { code: span.status.code, message: s.clone() };
            }
            _ => {}
        }
        span.attributes.push(tag_attr(t));
    }
}

fn tag_attr(t: &Tag<'_>) -> Attribute {
    let value = match &t.value {
        serde_json::Value::Null => AttrValue::Empty,
        serde_json::Value::Bool(b) => AttrValue::Bool(*b),
        serde_json::Value::String(s) => AttrValue::Str(Arc::from(s.as_str())),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => AttrValue::Int(i),
            None => AttrValue::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        other => AttrValue::Json(other.to_string()),
    };
    Attribute { key: Arc::from(t.key.as_ref()), value }
}

fn log_event(l: &Log<'_>) -> SpanEvent {
    let name = l
        .fields
        .iter()
        .find_map(|f| match (f.key.as_ref(), &f.value) {
            ("event", serde_json::Value::String(s)) => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_default();
    SpanEvent { time_ns: l.timestamp.saturating_mul(1000), name, attributes: l.fields.iter().map(tag_attr).collect() }
}
