//! The OTLP trace messages as the shared protobuf locator sees them
//! ([`crate::load::proto_locate`]): field names by tag, and which fields
//! embed which message, from opentelemetry-proto's `trace.proto`,
//! `common.proto` and `resource.proto`. Used only after prost has rejected
//! a message, to name the innermost bad field and its byte offset.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, EntityRef, InstrumentationScope, KeyValue, KeyValueList,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::{Event, Link};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};

use crate::load::proto_locate::{self, Field, Located, Schema, check};

static REQUEST: Schema =
    Schema { name: "ExportTraceServiceRequest", check: check::<ExportTraceServiceRequest>, field: request_field };
static RESOURCE_SPANS: Schema =
    Schema { name: "ResourceSpans", check: check::<ResourceSpans>, field: resource_spans_field };
static RESOURCE: Schema = Schema { name: "Resource", check: check::<Resource>, field: resource_field };
static ENTITY_REF: Schema = Schema { name: "EntityRef", check: check::<EntityRef>, field: entity_ref_field };
static SCOPE_SPANS: Schema = Schema { name: "ScopeSpans", check: check::<ScopeSpans>, field: scope_spans_field };
static SCOPE: Schema =
    Schema { name: "InstrumentationScope", check: check::<InstrumentationScope>, field: scope_field };
static SPAN: Schema = Schema { name: "Span", check: check::<Span>, field: span_field };
static EVENT: Schema = Schema { name: "Event", check: check::<Event>, field: event_field };
static LINK: Schema = Schema { name: "Link", check: check::<Link>, field: link_field };
static STATUS: Schema = Schema { name: "Status", check: check::<Status>, field: status_field };
static KEY_VALUE: Schema = Schema { name: "KeyValue", check: check::<KeyValue>, field: key_value_field };
static ANY_VALUE: Schema = Schema { name: "AnyValue", check: check::<AnyValue>, field: any_value_field };
static ARRAY: Schema = Schema { name: "ArrayValue", check: check::<ArrayValue>, field: values_of_any };
static KV_LIST: Schema = Schema { name: "KeyValueList", check: check::<KeyValueList>, field: values_of_kv };

fn request_field(tag: u32) -> Option<Field> {
    (tag == 1).then_some(Field::many("resource_spans", &RESOURCE_SPANS))
}

fn resource_spans_field(tag: u32) -> Option<Field> {
    Some(match tag {
        1 => Field::one("resource", &RESOURCE),
        2 => Field::many("scope_spans", &SCOPE_SPANS),
        3 => Field::plain("schema_url"),
        _ => return None,
    })
}

fn resource_field(tag: u32) -> Option<Field> {
    Some(match tag {
        1 => Field::many("attributes", &KEY_VALUE),
        2 => Field::plain("dropped_attributes_count"),
        3 => Field::many("entity_refs", &ENTITY_REF),
        _ => return None,
    })
}

fn entity_ref_field(tag: u32) -> Option<Field> {
    Some(match tag {
        1 => Field::plain("schema_url"),
        2 => Field::plain("type"),
        3 => Field::many_plain("id_keys"),
        4 => Field::many_plain("description_keys"),
        _ => return None,
    })
}

fn scope_spans_field(tag: u32) -> Option<Field> {
    Some(match tag {
        1 => Field::one("scope", &SCOPE),
        2 => Field::many("spans", &SPAN),
        3 => Field::plain("schema_url"),
        _ => return None,
    })
}

fn scope_field(tag: u32) -> Option<Field> {
    Some(match tag {
        1 => Field::plain("name"),
        2 => Field::plain("version"),
        3 => Field::many("attributes", &KEY_VALUE),
        4 => Field::plain("dropped_attributes_count"),
        _ => return None,
    })
}

fn span_field(tag: u32) -> Option<Field> {
    Some(match tag {
        1 => Field::plain("trace_id"),
        2 => Field::plain("span_id"),
        3 => Field::plain("trace_state"),
        4 => Field::plain("parent_span_id"),
        5 => Field::plain("name"),
        6 => Field::plain("kind"),
        7 => Field::plain("start_time_unix_nano"),
        8 => Field::plain("end_time_unix_nano"),
        9 => Field::many("attributes", &KEY_VALUE),
        10 => Field::plain("dropped_attributes_count"),
        11 => Field::many("events", &EVENT),
        12 => Field::plain("dropped_events_count"),
        13 => Field::many("links", &LINK),
        14 => Field::plain("dropped_links_count"),
        15 => Field::one("status", &STATUS),
        16 => Field::plain("flags"),
        _ => return None,
    })
}

fn event_field(tag: u32) -> Option<Field> {
    Some(match tag {
        1 => Field::plain("time_unix_nano"),
        2 => Field::plain("name"),
        3 => Field::many("attributes", &KEY_VALUE),
        4 => Field::plain("dropped_attributes_count"),
        _ => return None,
    })
}

fn link_field(tag: u32) -> Option<Field> {
    Some(match tag {
        1 => Field::plain("trace_id"),
        2 => Field::plain("span_id"),
        3 => Field::plain("trace_state"),
        4 => Field::many("attributes", &KEY_VALUE),
        5 => Field::plain("dropped_attributes_count"),
        6 => Field::plain("flags"),
        _ => return None,
    })
}

fn status_field(tag: u32) -> Option<Field> {
    Some(Field::plain(match tag {
        2 => "message",
        3 => "code",
        _ => return None,
    }))
}

fn key_value_field(tag: u32) -> Option<Field> {
    Some(match tag {
        1 => Field::plain("key"),
        2 => Field::one("value", &ANY_VALUE),
        3 => Field::plain("key_strindex"),
        _ => return None,
    })
}

fn any_value_field(tag: u32) -> Option<Field> {
    Some(match tag {
        1 => Field::plain("string_value"),
        2 => Field::plain("bool_value"),
        3 => Field::plain("int_value"),
        4 => Field::plain("double_value"),
        5 => Field::one("array_value", &ARRAY),
        6 => Field::one("kvlist_value", &KV_LIST),
        7 => Field::plain("bytes_value"),
        8 => Field::plain("string_value_strindex"),
        _ => return None,
    })
}

fn values_of_any(tag: u32) -> Option<Field> {
    (tag == 1).then_some(Field::many("values", &ANY_VALUE))
}

fn values_of_kv(tag: u32) -> Option<Field> {
    (tag == 1).then_some(Field::many("values", &KEY_VALUE))
}

/// The innermost bad field of `msg`, an `ExportTraceServiceRequest` (or
/// `TracesData`: the same wire form), with its offset inside `msg`.
pub fn locate(msg: &[u8]) -> Option<Located> {
    proto_locate::locate(msg, &REQUEST, "file")
}
