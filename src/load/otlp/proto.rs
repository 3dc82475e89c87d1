//! OTLP protobuf: one raw `ExportTraceServiceRequest`/`TracesData`, or the
//! Collector file exporter's `[u32 big-endian length][message]` frames.

use std::borrow::Cow;
use std::sync::Arc;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span as PSpan;
use prost::Message;

use super::json::{AnyValue as JValue, KeyValue as JKeyValue};
use super::{Ctx, service_name};
use crate::load::error::{At, LoadError};
use crate::model::trace::{Attribute, LinkKind, Span, SpanEvent, SpanId, SpanLink, Status, TraceId};

/// The messages of a length-prefixed file: each body's offset and bytes.
pub type Frames<'a> = Vec<(usize, &'a [u8])>;

/// Why bytes that start like the file exporter's framed form are not
/// exactly such frames: frame `index` at byte `offset` declares `len` bytes
/// where only `remain` are left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadFrame {
    /// Index of the frame, from 0.
    pub index: usize,
    /// Byte offset of its 4-byte length.
    pub offset: usize,
    /// The length it declares (`None` when fewer than 4 length bytes remain).
    pub len: Option<usize>,
    /// Bytes after its length.
    pub remain: usize,
}

/// The frames of a length-prefixed file with their offsets, `Ok(None)` when
/// the bytes do not start like one (no leading zero byte: one raw message),
/// or the first frame that runs past the end.
pub fn frames(bytes: &[u8]) -> Result<Option<Frames<'_>>, BadFrame> {
    if bytes.first() != Some(&0) {
        return Ok(None);
    }
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let remain = bytes.len() - at;
        let Some(len_bytes) = bytes.get(at..at + 4).and_then(|b| <[u8; 4]>::try_from(b).ok()) else {
            return Err(BadFrame { index: out.len(), offset: at, len: None, remain });
        };
        let len = u32::from_be_bytes(len_bytes) as usize;
        let Some(body) = bytes.get(at + 4..at + 4 + len) else {
            return Err(BadFrame { index: out.len(), offset: at, len: Some(len), remain: remain - 4 });
        };
        out.push((at + 4, body));
        at += 4 + len;
    }
    Ok(Some(out))
}

/// Decodes every message of `bytes` into `ctx`.
///
/// Errors name the byte offset and the field path of the innermost bad
/// field (found by [`super::locate`] after prost fails), or the frame of a
/// length-prefixed file whose length runs past the end.
pub fn load(bytes: &[u8], ctx: &mut Ctx) -> Result<(), LoadError> {
    let framed = frames(bytes).map_err(|bad| frame_error(ctx.format, bytes, bad))?;
    for (offset, msg) in framed.unwrap_or_else(|| vec![(0, bytes)]) {
        let req = ExportTraceServiceRequest::decode(msg).map_err(|e| decode_error(ctx.format, msg, offset, &e))?;
        add_request(ctx, req);
    }
    Ok(())
}

/// prost's error on the message at `offset` as a `LoadError` at the byte
/// offset of the innermost bad field.
fn decode_error(format: &str, msg: &[u8], offset: usize, e: &prost::DecodeError) -> LoadError {
    match super::locate::locate(msg) {
        Some(l) => LoadError::invalid(
            format,
            Some(At::Byte(offset as u64 + l.offset)),
            format!("not a valid OTLP ExportTraceServiceRequest: {}", l.what),
        ),
        None => LoadError::invalid(
            format,
            Some(At::Byte(offset as u64)),
            format!("not a valid OTLP ExportTraceServiceRequest: {}", crate::load::proto_locate::cause(e)),
        ),
    }
}

/// A frame of a length-prefixed file that runs past the end, with the
/// innermost field the end cuts when its partial message shows one.
fn frame_error(format: &str, bytes: &[u8], bad: BadFrame) -> LoadError {
    let BadFrame { index, offset, len, remain } = bad;
    let Some(len) = len else {
        return LoadError::invalid(
            format,
            Some(At::Byte(offset as u64)),
            format!(
                "length-prefixed frame {index} has only {remain} of its 4 length bytes (truncated file?); the file starts with a zero byte, as the Collector file exporter's frames do"
            ),
        );
    };
    let body_at = offset + 4;
    let frame = format!("length-prefixed frame {index} at byte {offset} declares {len} bytes but only {remain} remain");
    let partial = bytes.get(body_at..).unwrap_or_default();
    match super::locate::locate(partial) {
        Some(l) => {
            LoadError::invalid(format, Some(At::Byte(body_at as u64 + l.offset)), format!("{frame}: {}", l.what))
        }
        None => LoadError::invalid(format, Some(At::Byte(offset as u64)), format!("{frame} (truncated file?)")),
    }
}

fn add_request(ctx: &mut Ctx, req: ExportTraceServiceRequest) {
    ctx.requests += 1;
    for rs in req.resource_spans {
        ctx.resource_spans += 1;
        let resource: Vec<Attribute> = attrs(ctx, rs.resource.map(|r| r.attributes).unwrap_or_default());
        let service = ctx.service(service_name(&resource));
        let resource: Arc<[Attribute]> = Arc::from(resource);
        for ss in rs.scope_spans {
            let scope: Arc<str> = Arc::from(ss.scope.map(|s| s.name).unwrap_or_default());
            for s in ss.spans {
                add_span(ctx, s, &service, &scope, &resource);
            }
        }
    }
}

fn trace_id(b: &[u8]) -> Option<TraceId> {
    Some(TraceId(b.try_into().ok()?))
}

fn span_id(b: &[u8]) -> Option<SpanId> {
    Some(SpanId(b.try_into().ok()?))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn add_span(ctx: &mut Ctx, s: PSpan, service: &Arc<str>, scope: &Arc<str>, resource: &Arc<[Attribute]>) {
    let (Some(trace), Some(id)) = (trace_id(&s.trace_id), span_id(&s.span_id)) else {
        let (what, v) =
            if trace_id(&s.trace_id).is_none() { ("trace_id", &s.trace_id) } else { ("span_id", &s.span_id) };
        ctx.bad_id(what, &hex(v), &s.name);
        return;
    };
    let parent = match span_id(&s.parent_span_id) {
        Some(p) if !p.is_zero() => Some(p),
        Some(_) => None,
        None if s.parent_span_id.is_empty() => None,
        None => {
            ctx.b.warn(format!(
                "span {id} ({:?}): parent_span_id of {} bytes is not an id; taken as a root",
                s.name,
                s.parent_span_id.len()
            ));
            None
        }
    };
    let mut span = Span::new(id, parent, ctx.intern(&s.name), s.start_time_unix_nano, s.end_time_unix_nano);
    span.service = service.clone();
    span.scope = scope.clone();
    span.resource = resource.clone();
    span.kind = ctx.kind(s.kind);
    span.attributes = attrs(ctx, s.attributes);
    for e in s.events {
        let attributes = attrs(ctx, e.attributes);
        span.events.push(SpanEvent { time_ns: e.time_unix_nano, name: e.name, attributes });
    }
    for l in s.links {
        if let (Some(trace_id), Some(span_id)) = (trace_id(&l.trace_id), span_id(&l.span_id)) {
            let attributes = attrs(ctx, l.attributes);
            span.links.push(SpanLink { trace_id, span_id, kind: LinkKind::Link, attributes });
        } else {
            ctx.b.warn(format!("span {id} ({:?}): a link with unreadable ids skipped", span.name));
        }
    }
    if let Some(st) = s.status {
        span.status = Status { code: ctx.status(st.code), message: st.message };
    }
    ctx.b.add_epoch(trace, span);
}

fn attr(ctx: &mut Ctx, kv: KeyValue) -> Attribute {
    Attribute { key: ctx.intern(&kv.key), value: ctx.value(value(kv.value)) }
}

fn attrs(ctx: &mut Ctx, kvs: Vec<KeyValue>) -> Vec<Attribute> {
    // Exact length, not the decoded list's allocation reused (see `json_attrs`).
    let mut out = Vec::with_capacity(kvs.len());
    for kv in kvs {
        out.push(attr(ctx, kv));
    }
    out
}

/// A prost `AnyValue` in the JSON decoder's shape (depth is bounded by
/// prost's recursion limit of 100).
fn value(v: Option<AnyValue>) -> JValue<'static> {
    use any_value::Value as V;
    match v.and_then(|v| v.value) {
        None => JValue::Empty,
        Some(V::StringValue(s)) => JValue::Str(Cow::Owned(s)),
        Some(V::BoolValue(b)) => JValue::Bool(b),
        Some(V::IntValue(i)) => JValue::Int(i),
        Some(V::DoubleValue(d)) => JValue::Double(d),
        Some(V::BytesValue(b)) => JValue::Bytes(b),
        Some(V::ArrayValue(a)) => JValue::Array(a.values.into_iter().map(|x| value(Some(x))).collect()),
        Some(V::KvlistValue(l)) => JValue::KvList(
            l.values.into_iter().map(|kv| JKeyValue { key: Cow::Owned(kv.key), value: value(kv.value) }).collect(),
        ),
        Some(V::StringValueStrindex(i)) => JValue::Str(Cow::Owned(format!("<string table index {i}>"))),
    }
}
