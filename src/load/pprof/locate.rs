//! Finds where a profile that prost rejected goes wrong.
//!
//! prost's `DecodeError` names the field path (`Profile.sample:
//! Sample.location_id`) and the cause, but not the byte offset. After a
//! failed decode this walks the top-level fields with prost's own
//! `encoding` helpers and decodes each embedded message alone, again with
//! prost, so the first failing field is found with its offset. It decodes
//! nothing itself and runs only on the error path.

use prost::Message;
use prost::bytes::Buf;
use prost::encoding::{DecodeContext, WireType, decode_key, decode_varint, skip_field};

use super::proto;

/// Name of top-level field `tag` of `Profile`.
fn field_name(tag: u32) -> &'static str {
    match tag {
        1 => "sample_type",
        2 => "sample",
        3 => "mapping",
        4 => "location",
        5 => "function",
        6 => "string_table",
        7 => "drop_frames",
        8 => "keep_frames",
        9 => "time_nanos",
        10 => "duration_nanos",
        11 => "period_type",
        12 => "period",
        13 => "comment",
        14 => "default_sample_type",
        _ => "an unknown field",
    }
}

/// Decodes the embedded message of field `tag` alone.
fn check_message(tag: u32, body: &[u8]) -> Result<(), prost::DecodeError> {
    match tag {
        1 | 11 => proto::ValueType::decode(body).map(drop),
        2 => proto::Sample::decode(body).map(drop),
        3 => proto::Mapping::decode(body).map(drop),
        4 => proto::Location::decode(body).map(drop),
        5 => proto::Function::decode(body).map(drop),
        _ => Ok(()),
    }
}

/// The byte offset and a description of the first bad top-level field of
/// `data`, or `None` when every field decodes on its own (the error is then
/// in how fields combine; the caller falls back to prost's message).
pub fn locate(data: &[u8]) -> Option<(u64, String)> {
    let mut buf = data;
    let mut counts = [0u64; 16];
    while buf.has_remaining() {
        let start = (data.len() - buf.remaining()) as u64;
        let (tag, wire) = match decode_key(&mut buf) {
            Ok(k) => k,
            Err(e) => return Some((start, format!("bad field key: {}", e))),
        };
        let name = field_name(tag);
        let nth = counts.get(tag as usize).copied().unwrap_or(0);
        if let Some(c) = counts.get_mut(tag as usize) {
            *c += 1;
        }
        if wire == WireType::LengthDelimited {
            let len = match decode_varint(&mut buf) {
                Ok(l) => l,
                Err(e) => return Some((start, format!("field {name} (#{nth}): bad length: {e}"))),
            };
            if len > buf.remaining() as u64 {
                return Some((
                    start,
                    format!(
                        "field {name} (#{nth}) declares {len} bytes but only {} remain (truncated profile?)",
                        buf.remaining()
                    ),
                ));
            }
            let body = &buf[..len as usize];
            if let Err(e) = check_message(tag, body) {
                return Some((start, format!("field {name} (#{nth}): {e}")));
            }
            buf.advance(len as usize);
        } else if let Err(e) = skip_field(wire, tag, &mut buf, DecodeContext::default()) {
            return Some((start, format!("field {name} (#{nth}): {e}")));
        }
    }
    None
}
