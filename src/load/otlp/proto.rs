//! OTLP protobuf: one raw `ExportTraceServiceRequest`/`TracesData`, or the
//! Collector file exporter's `[u32 big-endian length][message]` frames.

use std::sync::Arc;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span as PSpan;
use prost::Message;

use super::json::AnyValue as JValue;
use super::{Ctx, attr_value, service_name};
use crate::load::error::{At, LoadError};
use crate::model::trace::{Attribute, LinkKind, Span, SpanEvent, SpanId, SpanLink, Status, TraceId};

/// The frames of a length-prefixed file with their offsets, or `None` when
/// the bytes are not exactly such frames (then they are one raw message).
pub fn frames(bytes: &[u8]) -> Option<Vec<(usize, &[u8])>> {
    if bytes.first() != Some(&0) {
        return None;
    }
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let len_bytes: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        let len = u32::from_be_bytes(len_bytes) as usize;
        let body = bytes.get(at + 4..at + 4 + len)?;
        out.push((at + 4, body));
        at += 4 + len;
    }
    Some(out)
}

/// Decodes every message of `bytes` into `ctx`.
pub fn load(bytes: &[u8], ctx: &mut Ctx) -> Result<(), LoadError> {
    let framed = frames(bytes);
    if framed.is_none() && bytes.first() == Some(&0) {
        return Err(LoadError::invalid(
            ctx.format,
            Some(At::Byte(0)),
            "starts like the file exporter's length-prefixed form (a zero byte) but the lengths do not add up to the file size (truncated?)",
        ));
    }
    for (offset, msg) in framed.unwrap_or_else(|| vec![(0, bytes)]) {
        let req = ExportTraceServiceRequest::decode(msg).map_err(|e| {
            LoadError::invalid(
                ctx.format,
                Some(At::Byte(offset as u64)),
                format!("not an OTLP ExportTraceServiceRequest: {e}"),
            )
        })?;
        add_request(ctx, req);
    }
    Ok(())
}

fn add_request(ctx: &mut Ctx, req: ExportTraceServiceRequest) {
    ctx.requests += 1;
    for rs in req.resource_spans {
        ctx.resource_spans += 1;
        let resource: Vec<Attribute> =
            rs.resource.map(|r| r.attributes).unwrap_or_default().into_iter().map(attr).collect();
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
    let mut span = Span::new(id, parent, s.name, s.start_time_unix_nano, s.end_time_unix_nano);
    span.service = service.clone();
    span.scope = scope.clone();
    span.resource = resource.clone();
    span.kind = ctx.kind(s.kind);
    span.attributes = s.attributes.into_iter().map(attr).collect();
    span.events = s
        .events
        .into_iter()
        .map(|e| SpanEvent {
            time_ns: e.time_unix_nano,
            name: e.name,
            attributes: e.attributes.into_iter().map(attr).collect(),
        })
        .collect();
    for l in s.links {
        if let (Some(trace_id), Some(span_id)) = (trace_id(&l.trace_id), span_id(&l.span_id)) {
            let attributes = l.attributes.into_iter().map(attr).collect();
            span.links.push(SpanLink { trace_id, span_id, kind: LinkKind::Link, attributes });
        } else {
            ctx.b.warn(format!("span {id} ({:?}): a link with unreadable ids skipped", span.name));
        }
    }
    if let Some(st) = s.status {
        span.status = Status { code: ctx.status(st.code), message: st.message };
    }
    ctx.b.add(trace, span);
}

fn attr(kv: KeyValue) -> Attribute {
    Attribute { key: kv.key, value: attr_value(value(kv.value)) }
}

/// A prost `AnyValue` in the JSON decoder's shape (depth is bounded by
/// prost's recursion limit of 100).
fn value(v: Option<AnyValue>) -> JValue {
    use any_value::Value as V;
    match v.and_then(|v| v.value) {
        None => JValue::Empty,
        Some(V::StringValue(s)) => JValue::Str(s),
        Some(V::BoolValue(b)) => JValue::Bool(b),
        Some(V::IntValue(i)) => JValue::Int(i),
        Some(V::DoubleValue(d)) => JValue::Double(d),
        Some(V::BytesValue(b)) => JValue::Bytes(b),
        Some(V::ArrayValue(a)) => JValue::Array(a.values.into_iter().map(|x| value(Some(x))).collect()),
        Some(V::KvlistValue(l)) => JValue::KvList(l.values.into_iter().map(|kv| (kv.key, value(kv.value))).collect()),
        Some(V::StringValueStrindex(i)) => JValue::Str(format!("<string table index {i}>")),
    }
}
