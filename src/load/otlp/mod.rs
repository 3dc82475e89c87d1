//! OTLP traces: OTLP/JSON, JSON lines, protobuf, and the Collector file
//! exporter's length-prefixed protobuf, into a [`TraceSet`] and its profile
//! projection.
//!
//! - JSON (`ExportTraceServiceRequest` or `TracesData`, both
//!   `{"resourceSpans": [...]}`) and JSON lines (one request per line, as the
//!   Collector's file exporter writes them) go through one serde_json stream
//!   over the whole input, so errors carry the line and column of the file.
//!   The lenient serde types are in `json`.
//! - Protobuf is decoded with prost into opentelemetry-proto's
//!   `ExportTraceServiceRequest` (`TracesData` has the same wire form). A file
//!   that starts with a zero byte and splits exactly into `[u32 big-endian
//!   length][message]` frames is the file exporter's `format: proto` output.
//!   A message prost rejects fails with the byte offset and field path of
//!   its innermost bad field (`locate`, on the shared protobuf locator).
//!
//! Spans keep service (resource `service.name`, `unknown_service` when
//! absent), scope, name, kind, times, parent, attributes, events, links and
//! status. Spans whose ids cannot be read are skipped with a warning; base64
//! ids are read with one warning. A file with no span is an error. Gzip is
//! undone by [`Input`]. Imports `model` and `load` only.

mod json;
mod locate;
mod proto;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use rustc_hash::FxBuildHasher;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::error::{At, LoadError};
use super::source::Input;
use super::{Format, LoadOptions};
use crate::model::Profile;
use crate::model::trace::{AttrValue, Attribute, SpanId, TraceId, TraceSet, TraceSetBuilder, project};

/// Loads OTLP traces from `input` in `format` (`OtlpJson` or `OtlpProtobuf`).
///
/// Errors: invalid JSON (with line and column), a JSON shape that is not
/// OTLP traces, an undecodable protobuf message (with its byte offset), no
/// span in the file, or the input exceeding `opts.max_whole_input`.
pub fn load(input: &mut Input, format: Format, opts: &LoadOptions) -> Result<(Profile, TraceSet), LoadError> {
    let fmt = format.name();
    let bytes = input.read_all(fmt, opts.max_whole_input)?;
    let mut ctx = Ctx::new(fmt);
    if format == Format::OtlpProtobuf {
        proto::load(&bytes, &mut ctx)?;
    } else {
        load_json(&bytes, &mut ctx)?;
    }
    // Every span owns its strings by now: the input goes before the trace
    // trees and the projection are built.
    drop(bytes);
    ctx.finish()
}

/// Decodes OTLP/JSON or JSON lines from `bytes` into `ctx`.
fn load_json(bytes: &[u8], ctx: &mut Ctx) -> Result<(), LoadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    // One request, or several separated by white space (JSON lines). Each
    // resourceSpans element is converted as soon as it is decoded, so the
    // decoded form of the whole file never exists at once.
    loop {
        RequestSeed(ctx).deserialize(&mut de).map_err(|e| json_error(ctx.format, &e))?;
        if de.end().is_ok() {
            return Ok(());
        }
    }
}

/// Decodes one `{"resourceSpans": [...]}` object into the context.
struct RequestSeed<'c>(&'c mut Ctx);

impl<'de> DeserializeSeed<'de> for RequestSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RequestSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OTLP request object {\"resourceSpans\": [...]}")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        self.0.requests += 1;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "resourceSpans" || key == "resource_spans" {
                map.next_value_seed(ResourceSpansSeq(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// Decodes the `resourceSpans` array one element at a time.
struct ResourceSpansSeq<'c>(&'c mut Ctx);

impl<'de> DeserializeSeed<'de> for ResourceSpansSeq<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResourceSpansSeq<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of ResourceSpans")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        while let Some(rs) = seq.next_element::<json::ResourceSpans<'de>>()? {
            self.0.add_json_resource_spans(rs);
        }
        Ok(())
    }
}

/// A serde_json error as a `LoadError` with line and column.
pub(crate) fn json_error(format: &str, e: &serde_json::Error) -> LoadError {
    let text = e.to_string();
    let msg = text.rfind(" at line ").map_or(text.as_str(), |i| &text[..i]);
    let what = match e.classify() {
        serde_json::error::Category::Eof => format!("the JSON ends early (truncated file?): {msg}"),
        serde_json::error::Category::Syntax => format!("invalid JSON: {msg}"),
        _ => format!("not {format} as expected: {msg}"),
    };
    LoadError::invalid(format, Some(At::LineColumn(e.line() as u64, e.column() as u64)), what)
}

/// Shared state of one load: the trace builder, interned services, and
/// counters that become warnings and `info` lines.
struct Ctx {
    format: &'static str,
    b: TraceSetBuilder,
    services: HashMap<String, Arc<str>>,
    strings: HashMap<Box<str>, Arc<str>, FxBuildHasher>,
    requests: usize,
    resource_spans: usize,
    base64_ids: usize,
    bad_ids: usize,
    first_bad_id: Option<String>,
    unknown_enums: usize,
}

impl Ctx {
    fn new(format: &'static str) -> Self {
        Self {
            format,
            b: TraceSetBuilder::new(),
            services: HashMap::new(),
            strings: HashMap::default(),
            requests: 0,
            resource_spans: 0,
            base64_ids: 0,
            bad_ids: 0,
            first_bad_id: None,
            unknown_enums: 0,
        }
    }

    fn service(&mut self, name: &str) -> Arc<str> {
        if let Some(s) = self.services.get(name) {
            return s.clone();
        }
        let s: Arc<str> = Arc::from(name);
        self.services.insert(name.to_string(), s.clone());
        s
    }

    /// `s` interned: span names and attribute keys repeat on every span, so
    /// sharing them saves an allocation each (measured in benches/otlp_json.sh).
    fn intern(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.strings.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.strings.insert(Box::from(s), a.clone());
        a
    }

    /// A decoded value as a model value; short strings interned.
    fn value(&mut self, v: json::AnyValue<'_>) -> AttrValue {
        match v {
            json::AnyValue::Str(s) if s.len() <= 32 => AttrValue::Str(self.intern(&s)),
            other => attr_value(other),
        }
    }

    fn json_attrs(&mut self, kvs: Vec<json::KeyValue<'_>>) -> Vec<Attribute> {
        // A fresh vector of the exact length: `collect` would reuse the
        // decoded list's allocation in place, sized for the larger decoded
        // entries and serde's growth, and keep it for the span's lifetime
        // (a quarter of a million-span load's peak, benches/memory.sh).
        let mut out = Vec::with_capacity(kvs.len());
        for kv in kvs {
            out.push(Attribute { key: self.intern(&kv.key), value: self.value(kv.value) });
        }
        out
    }

    /// A trace id from JSON: 32 hex digits, or base64 of 16 bytes.
    fn trace_id(&mut self, s: &str) -> Option<TraceId> {
        let mut b = [0u8; 16];
        self.id_bytes(s, &mut b).then_some(TraceId(b))
    }

    /// A span id from JSON: 16 hex digits, or base64 of 8 bytes.
    fn span_id(&mut self, s: &str) -> Option<SpanId> {
        let mut b = [0u8; 8];
        self.id_bytes(s, &mut b).then_some(SpanId(b))
    }

    fn id_bytes(&mut self, s: &str, out: &mut [u8]) -> bool {
        if s.len() == out.len() * 2 && hex_into(s.as_bytes(), out) {
            return true;
        }
        match json::decode_base64(s) {
            Some(v) if v.len() == out.len() => {
                out.copy_from_slice(&v);
                self.base64_ids += 1;
                true
            }
            _ => false,
        }
    }

    fn bad_id(&mut self, what: &str, value: &str, span: &str) {
        self.bad_ids += 1;
        if self.first_bad_id.is_none() {
            self.first_bad_id = Some(format!(
                "{what} {value:?} of span {span:?}, in resourceSpans entry {} of the file",
                self.resource_spans.max(1)
            ));
        }
    }

    fn finish(mut self) -> Result<(Profile, TraceSet), LoadError> {
        if self.base64_ids > 0 {
            self.b.warn(format!(
                "{} ids are base64 (protobuf's generic JSON mapping), not the hex OTLP/JSON requires; read anyway",
                self.base64_ids
            ));
        }
        if self.bad_ids > 0 {
            let first = self.first_bad_id.clone().unwrap_or_default();
            self.b.warn(format!(
                "{} span(s) skipped: their trace or span id is neither {} hex digits nor base64 (first: {first})",
                self.bad_ids, "16/32"
            ));
        }
        if self.unknown_enums > 0 {
            self.b
                .warn(format!("{} unknown span kind or status code value(s) read as unspecified", self.unknown_enums));
        }
        if self.b.span_count() == 0 {
            let what = if self.requests == 0 {
                "no OTLP request in the input; expected {\"resourceSpans\": [...]}".to_string()
            } else if self.resource_spans == 0 {
                "resourceSpans is empty: the file holds no spans".to_string()
            } else if self.bad_ids > 0 {
                format!(
                    "no span could be read: all {} were skipped for ids that are neither 16/32 hex digits nor \
                     base64 (first: {})",
                    self.bad_ids,
                    self.first_bad_id.as_deref().unwrap_or_default()
                )
            } else {
                format!("no spans in the file ({} resourceSpans, all without spans)", self.resource_spans)
            };
            return Err(LoadError::invalid(self.format, None, what));
        }
        let (set, warnings) = self.b.finish();
        let mut profile =
            project(&set, "otlp", &warnings).map_err(|e| LoadError::invalid(self.format, None, e.to_string()))?;
        profile.meta.push(("encoding".into(), self.format.into()));
        profile.meta.push(("requests".into(), self.requests.to_string()));
        profile.meta.push(("resource spans".into(), self.resource_spans.to_string()));
        Ok((profile, set))
    }

    fn add_json_resource_spans(&mut self, rs: json::ResourceSpans<'_>) {
        self.resource_spans += 1;
        let attrs = rs.resource.map(|r| r.attributes).unwrap_or_default();
        let resource: Vec<Attribute> = self.json_attrs(attrs);
        let service = self.service(service_name(&resource));
        let resource: Arc<[Attribute]> = Arc::from(resource);
        for ss in rs.scope_spans {
            let scope: Arc<str> = Arc::from(ss.scope.map(|s| s.name).unwrap_or_default().as_ref());
            for s in ss.spans {
                self.add_json_span(s, &service, &scope, &resource);
            }
        }
    }

    fn add_json_span(&mut self, s: json::Span<'_>, service: &Arc<str>, scope: &Arc<str>, resource: &Arc<[Attribute]>) {
        let (Some(trace), Some(id)) = (self.trace_id(&s.trace_id), self.span_id(&s.span_id)) else {
            let (what, v) =
                if self.trace_id(&s.trace_id).is_none() { ("traceId", &s.trace_id) } else { ("spanId", &s.span_id) };
            self.bad_id(what, v, &s.name);
            return;
        };
        let parent = match s.parent_span_id.as_deref() {
            None | Some("") => None,
            Some(p) => match self.span_id(p) {
                Some(p) if !p.is_zero() => Some(p),
                Some(_) => None,
                None => {
                    self.b.warn(format!("span {id} ({:?}): parentSpanId {p:?} is not an id; taken as a root", s.name));
                    None
                }
            },
        };
        let mut span = crate::model::trace::Span::new(id, parent, self.intern(&s.name), s.start.0, s.end.0);
        span.service = service.clone();
        span.scope = scope.clone();
        span.resource = resource.clone();
        span.kind = self.kind(s.kind.0);
        span.attributes = self.json_attrs(s.attributes);
        for e in s.events {
            let attributes = self.json_attrs(e.attributes);
            span.events.push(crate::model::trace::SpanEvent {
                time_ns: e.time.0,
                name: e.name.into_owned(),
                attributes,
            });
        }
        for l in s.links {
            if let (Some(trace_id), Some(span_id)) = (self.trace_id(&l.trace_id), self.span_id(&l.span_id)) {
                let attributes = self.json_attrs(l.attributes);
                span.links.push(crate::model::trace::SpanLink {
                    trace_id,
                    span_id,
                    kind: Default::default(),
                    attributes,
                });
            } else {
                self.b.warn(format!("span {id} ({:?}): a link with unreadable ids skipped", span.name));
            }
        }
        if let Some(st) = s.status {
            span.status =
                crate::model::trace::Status { code: self.status(st.code.0), message: st.message.into_owned() };
        }
        self.b.add_epoch(trace, span);
    }

    fn kind(&mut self, v: i32) -> crate::model::trace::SpanKind {
        if !(0..=5).contains(&v) {
            self.unknown_enums += 1;
        }
        crate::model::trace::SpanKind::from_i32(v)
    }

    fn status(&mut self, v: i32) -> crate::model::trace::StatusCode {
        use crate::model::trace::StatusCode;
        match v {
            0 => StatusCode::Unset,
            1 => StatusCode::Ok,
            2 => StatusCode::Error,
            _ => {
                self.unknown_enums += 1;
                StatusCode::Unset
            }
        }
    }
}

/// Decodes exactly `2 * out.len()` hex digits of either case.
fn hex_into(digits: &[u8], out: &mut [u8]) -> bool {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    for (o, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let (Some(h), Some(l)) = (nibble(pair[0]), nibble(pair[1])) else { return false };
        *o = h << 4 | l;
    }
    true
}

/// The resource's `service.name`, or `unknown_service` (the SDK default).
fn service_name(resource: &[Attribute]) -> &str {
    resource
        .iter()
        .find_map(|a| match (&*a.key, &a.value) {
            ("service.name", AttrValue::Str(s)) if !s.is_empty() => Some(&**s),
            _ => None,
        })
        .unwrap_or("unknown_service")
}

/// A decoded `AnyValue` as a model value; arrays and lists as JSON text.
fn attr_value(v: json::AnyValue<'_>) -> AttrValue {
    use json::AnyValue as A;
    match v {
        A::Empty => AttrValue::Empty,
        A::Str(s) => AttrValue::Str(Arc::from(s)),
        A::Bool(b) => AttrValue::Bool(b),
        A::Int(i) => AttrValue::Int(i),
        A::Double(d) => AttrValue::Double(d),
        A::Bytes(b) => AttrValue::Bytes(b),
        other => {
            let mut s = String::new();
            render_json(&other, &mut s);
            AttrValue::Json(s)
        }
    }
}

/// Renders nested values as JSON text. Depth is bounded by the decoders'
/// recursion limits (serde_json 128, prost 100).
fn render_json(v: &json::AnyValue<'_>, out: &mut String) {
    use json::AnyValue as A;
    match v {
        A::Empty => out.push_str("null"),
        A::Str(s) => out.push_str(&serde_json::Value::from(s.as_ref()).to_string()),
        A::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        A::Int(i) => out.push_str(&i.to_string()),
        A::Double(d) => out.push_str(&serde_json::Value::from(*d).to_string()),
        A::Bytes(b) => out.push_str(&format!("\"{}\"", b.iter().map(|x| format!("{x:02x}")).collect::<String>())),
        A::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                render_json(x, out);
            }
            out.push(']');
        }
        A::KvList(items) => {
            out.push('{');
            for (i, json::KeyValue { key: k, value: x }) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::from(k.as_ref()).to_string());
                out.push(':');
                render_json(x, out);
            }
            out.push('}');
        }
    }
}
