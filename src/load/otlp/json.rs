//! OTLP/JSON, read through our own lenient serde types.
//!
//! opentelemetry-proto's serde types are too strict for the files people
//! have: they take ids only as hex, and `kind`/`status.code` only as
//! integers, so base64 ids (`MessageToJson` of protobuf's generic mapping)
//! and enum names (`"SPAN_KIND_SERVER"`) fail. These types accept what the
//! Collector's pdata JSON unmarshaler accepts (hex ids of either case, enums
//! as integers or names, 64-bit integers as strings or numbers, lowerCamel or
//! snake_case keys) plus base64 ids. Strings are borrowed from the input
//! where they hold no escapes, which keeps the decode cheaper than the
//! proto types' (see `benches/otlp.sh`).
//!
//! Nesting of `arrayValue`/`kvlistValue` is bounded by serde_json's recursion
//! limit (128), so neither decode nor the JSON rendering of those values can
//! overflow the stack.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

/// `ExportTraceServiceRequest` or `TracesData`: both are `{resourceSpans}`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Request<'a> {
    #[serde(borrow, rename = "resourceSpans", alias = "resource_spans")]
    pub resource_spans: Vec<ResourceSpans<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResourceSpans<'a> {
    #[serde(borrow)]
    pub resource: Option<Resource<'a>>,
    #[serde(borrow, rename = "scopeSpans", alias = "scope_spans", alias = "instrumentationLibrarySpans")]
    pub scope_spans: Vec<ScopeSpans<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Resource<'a> {
    #[serde(borrow)]
    pub attributes: Vec<KeyValue<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ScopeSpans<'a> {
    #[serde(borrow, alias = "instrumentationLibrary")]
    pub scope: Option<Scope<'a>>,
    #[serde(borrow)]
    pub spans: Vec<Span<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Scope<'a> {
    #[serde(borrow)]
    pub name: Cow<'a, str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Span<'a> {
    #[serde(borrow, rename = "traceId", alias = "trace_id")]
    pub trace_id: Cow<'a, str>,
    #[serde(borrow, rename = "spanId", alias = "span_id")]
    pub span_id: Cow<'a, str>,
    #[serde(borrow, rename = "parentSpanId", alias = "parent_span_id")]
    pub parent_span_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    pub kind: Enum,
    #[serde(rename = "startTimeUnixNano", alias = "start_time_unix_nano")]
    pub start: U64,
    #[serde(rename = "endTimeUnixNano", alias = "end_time_unix_nano")]
    pub end: U64,
    #[serde(borrow)]
    pub attributes: Vec<KeyValue<'a>>,
    #[serde(borrow)]
    pub events: Vec<Event<'a>>,
    #[serde(borrow)]
    pub links: Vec<Link<'a>>,
    #[serde(borrow)]
    pub status: Option<Status<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Event<'a> {
    #[serde(rename = "timeUnixNano", alias = "time_unix_nano")]
    pub time: U64,
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    #[serde(borrow)]
    pub attributes: Vec<KeyValue<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Link<'a> {
    #[serde(borrow, rename = "traceId", alias = "trace_id")]
    pub trace_id: Cow<'a, str>,
    #[serde(borrow, rename = "spanId", alias = "span_id")]
    pub span_id: Cow<'a, str>,
    #[serde(borrow)]
    pub attributes: Vec<KeyValue<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Status<'a> {
    #[serde(borrow)]
    pub message: Cow<'a, str>,
    pub code: Enum,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct KeyValue<'a> {
    #[serde(borrow)]
    pub key: Cow<'a, str>,
    pub value: AnyValue,
}

/// A `uint64`/`fixed64` written as a number or a decimal string.
#[derive(Default, Clone, Copy)]
pub struct U64(pub u64);

impl<'de> Deserialize<'de> for U64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = U64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an unsigned 64-bit integer as a number or a decimal string")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<U64, E> {
                Ok(U64(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<U64, E> {
                u64::try_from(v).map(U64).map_err(|_| E::custom(format!("negative time {v}")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<U64, E> {
                if v >= 0.0 && v.fract() == 0.0 && v < 1.8e19 {
                    Ok(U64(v as u64))
                } else {
                    Err(E::custom(format!("{v} is not an unsigned 64-bit integer")))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<U64, E> {
                v.trim().parse().map(U64).map_err(|_| E::custom(format!("{v:?} is not an unsigned 64-bit integer")))
            }
            fn visit_unit<E: de::Error>(self) -> Result<U64, E> {
                Ok(U64(0))
            }
        }
        d.deserialize_any(V)
    }
}

/// An enum (`kind`, `status.code`) as its number or its name
/// (`SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`); an unknown name is -1.
#[derive(Default, Clone, Copy)]
pub struct Enum(pub i32);

const ENUM_NAMES: [(&str, i32); 9] = [
    ("SPAN_KIND_UNSPECIFIED", 0),
    ("SPAN_KIND_INTERNAL", 1),
    ("SPAN_KIND_SERVER", 2),
    ("SPAN_KIND_CLIENT", 3),
    ("SPAN_KIND_PRODUCER", 4),
    ("SPAN_KIND_CONSUMER", 5),
    ("STATUS_CODE_UNSET", 0),
    ("STATUS_CODE_OK", 1),
    ("STATUS_CODE_ERROR", 2),
];

impl<'de> Deserialize<'de> for Enum {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Enum;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an enum as an integer or a name like \"SPAN_KIND_SERVER\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Enum, E> {
                Ok(Enum(i32::try_from(v).unwrap_or(-1)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Enum, E> {
                Ok(Enum(i32::try_from(v).unwrap_or(-1)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Enum, E> {
                if let Ok(n) = v.parse::<i32>() {
                    return Ok(Enum(n));
                }
                let found = ENUM_NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(v));
                Ok(Enum(found.map_or(-1, |&(_, x)| x)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Enum, E> {
                Ok(Enum(0))
            }
        }
        d.deserialize_any(V)
    }
}

/// An `AnyValue`, decoded as the Collector does: the first known key wins,
/// unknown keys are skipped, an empty object is an empty value.
#[derive(Default, Debug, PartialEq)]
pub enum AnyValue {
    #[default]
    Empty,
    Str(String),
    Bool(bool),
    Int(i64),
    Double(f64),
    Bytes(Vec<u8>),
    Array(Vec<AnyValue>),
    KvList(Vec<(String, AnyValue)>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum IntOrString<'a> {
    Int(i64),
    Str(#[serde(borrow)] Cow<'a, str>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FloatOrString<'a> {
    F(f64),
    Str(#[serde(borrow)] Cow<'a, str>),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Values<T> {
    values: Vec<T>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OwnedKeyValue {
    key: String,
    value: AnyValue,
}

impl<'de> Deserialize<'de> for AnyValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AnyValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an AnyValue object like {\"stringValue\": \"x\"}")
            }
            fn visit_unit<E: de::Error>(self) -> Result<AnyValue, E> {
                Ok(AnyValue::Empty)
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<AnyValue, M::Error> {
                let mut out = AnyValue::Empty;
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    out = match key.as_ref() {
                        "stringValue" | "string_value" => {
                            map.next_value::<Option<String>>()?.map_or(out, AnyValue::Str)
                        }
                        "boolValue" | "bool_value" => map.next_value::<Option<bool>>()?.map_or(out, AnyValue::Bool),
                        "intValue" | "int_value" => {
                            match map.next_value::<Option<IntOrString<'de>>>()? {
                                Some(IntOrString::Int(i)) => AnyValue::Int(i),
                                Some(IntOrString::Str(s)) => AnyValue::Int(s.trim().parse().map_err(|_| {
                                    de::Error::custom(format!("intValue {s:?} is not a 64-bit integer"))
                                })?),
                                None => out,
                            }
                        }
                        "doubleValue" | "double_value" => match map.next_value::<Option<FloatOrString<'de>>>()? {
                            Some(FloatOrString::F(f)) => AnyValue::Double(f),
                            Some(FloatOrString::Str(s)) => AnyValue::Double(
                                parse_special_f64(&s)
                                    .ok_or_else(|| de::Error::custom(format!("doubleValue {s:?} is not a number")))?,
                            ),
                            None => out,
                        },
                        "bytesValue" | "bytes_value" => match map.next_value::<Option<Cow<'de, str>>>()? {
                            Some(s) => AnyValue::Bytes(
                                decode_base64(&s).ok_or_else(|| de::Error::custom("bytesValue is not base64"))?,
                            ),
                            None => out,
                        },
                        "arrayValue" | "array_value" => {
                            AnyValue::Array(map.next_value::<Option<Values<AnyValue>>>()?.unwrap_or_default().values)
                        }
                        "kvlistValue" | "kvlist_value" => AnyValue::KvList(
                            map.next_value::<Option<Values<OwnedKeyValue>>>()?
                                .unwrap_or_default()
                                .values
                                .into_iter()
                                .map(|kv| (kv.key, kv.value))
                                .collect(),
                        ),
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                            out
                        }
                    };
                }
                Ok(out)
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<AnyValue, S::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Err(de::Error::custom("expected an AnyValue object, found an array"))
            }
        }
        d.deserialize_any(V)
    }
}

fn parse_special_f64(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => s.trim().parse().ok(),
    }
}

/// Standard or URL-safe base64, padded or not.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD].iter().find_map(|e| e.decode(s).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_values() -> Result<(), serde_json::Error> {
        let s: Span = serde_json::from_str(
            r#"{"trace_id":"AAEC","kind":"SPAN_KIND_CLIENT","startTimeUnixNano":"12","endTimeUnixNano":13,
                "attributes":[{"key":"a","value":{"intValue":"-5"}},{"key":"b","value":{"arrayValue":{"values":[{"boolValue":true}]}}}],
                "status":{"code":"STATUS_CODE_ERROR"}}"#,
        )?;
        assert_eq!((s.kind.0, s.start.0, s.end.0), (3, 12, 13));
        assert_eq!(s.attributes[0].value, AnyValue::Int(-5));
        assert_eq!(s.attributes[1].value, AnyValue::Array(vec![AnyValue::Bool(true)]));
        assert_eq!(s.status.map(|st| st.code.0), Some(2));
        Ok(())
    }
}
