//! Finds where a protobuf message that prost rejected goes wrong: the byte
//! offset and the field path of the innermost bad field.
//!
//! prost's `DecodeError` names the field path (`Span.name: invalid string
//! value`) but not the byte offset, nor which of a million repeated fields
//! failed. After a failed decode, [`locate`] walks the fields of the message
//! with prost's own `encoding` helpers and decodes each field alone as the
//! message it belongs to (a single field is a valid message on the wire), so
//! wire-type mismatches, bad UTF-8 and bad varints are caught by prost
//! itself. When the failing field embeds a message whose [`Schema`] is
//! known, the walk goes down into it; the deepest failing field is reported.
//! A length that runs past the end of the data (a truncated file) is followed
//! down the same way, to the innermost field that the end of the data cuts.
//!
//! The walk is a loop, not recursion, so nesting depth costs no stack; it
//! runs only on the error path (each level decodes its failing field again,
//! so the cost is the data's size times the depth reached). Decodes nothing
//! of its own; shared by the pprof and OTLP loaders. Imports prost only.

use std::collections::HashMap;

use prost::bytes::Buf;
use prost::encoding::{DecodeContext, WireType, decode_key, decode_varint, skip_field};
use prost::{DecodeError, Message};

/// One field of a message, as the locator names it.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// The field's name in the `.proto` file (`resource_spans`).
    pub name: &'static str,
    /// Whether the field is repeated (then the path gives its index).
    pub repeated: bool,
    /// The schema of the message it embeds, when it is a message field the
    /// locator may go down into.
    pub message: Option<&'static Schema>,
}

impl Field {
    /// A scalar, string or bytes field, or a message not looked into.
    pub const fn plain(name: &'static str) -> Self {
        Self { name, repeated: false, message: None }
    }

    /// A singular message field.
    pub const fn one(name: &'static str, message: &'static Schema) -> Self {
        Self { name, repeated: false, message: Some(message) }
    }

    /// A repeated message field.
    pub const fn many(name: &'static str, message: &'static Schema) -> Self {
        Self { name, repeated: true, message: Some(message) }
    }

    /// A repeated scalar, string or bytes field.
    pub const fn many_plain(name: &'static str) -> Self {
        Self { name, repeated: true, message: None }
    }
}

/// A message type for the locator: its name, a full prost decode (to test
/// one field or one embedded message alone), and its fields by tag.
#[derive(Debug)]
pub struct Schema {
    /// The message's name (`Span`), for errors with no field.
    pub name: &'static str,
    /// Decodes `bytes` as this message with prost; see [`check`].
    pub check: fn(&[u8]) -> Result<(), DecodeError>,
    /// The field of tag `tag`; `None` for a tag the message does not have
    /// (then it is called `field N`).
    pub field: fn(u32) -> Option<Field>,
}

/// Decodes `bytes` as an `M` and drops it: the [`Schema::check`] of `M`.
pub fn check<M: Message + Default>(bytes: &[u8]) -> Result<(), DecodeError> {
    M::decode(bytes).map(drop)
}

/// prost's error without its `failed to decode Protobuf message:` prefix
/// and its `Message.field:` stack (the path says where): `invalid varint`.
pub fn cause(e: &DecodeError) -> String {
    let text = e.to_string();
    let mut rest = text.strip_prefix("failed to decode Protobuf message: ").unwrap_or(&text);
    while let Some(i) = rest.find(": ") {
        let head = &rest[..i];
        let is_frame = head.split_once('.').is_some_and(|(m, f)| {
            let ident = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            ident(m) && ident(f)
        });
        if !is_frame {
            break;
        }
        rest = &rest[i + 2..];
    }
    rest.to_string()
}

/// Byte offset of the key of the field at `path` in `data`, for errors found
/// after a successful decode (a string index out of range, an id that does
/// not exist), which prost cannot place. Each step of `path` is a (tag,
/// occurrence) pair, the occurrence counting from 0 among the fields of that
/// tag in the enclosing message; every step but the last must be a message.
/// When the exact field is not on the wire (a proto3 default such as id 0 is
/// not written, a packed repeated field is one field), the offset is that of
/// the nearest enclosing field that is. `None` only when nothing of the path
/// is found. Runs in one pass over the fields before the target.
pub fn field_offset(data: &[u8], path: &[(u32, usize)]) -> Option<u64> {
    let mut base = 0usize;
    let mut body = data;
    let mut found: Option<u64> = None;
    for (step, &(want_tag, want_nth)) in path.iter().enumerate() {
        let mut buf = body;
        let mut nth = 0usize;
        let mut first_of_tag: Option<u64> = None;
        loop {
            if !buf.has_remaining() {
                // Not on the wire: a packed field, or a default left out.
                return first_of_tag.filter(|_| step + 1 == path.len()).or(found);
            }
            let start = (base + (body.len() - buf.remaining())) as u64;
            let Ok((tag, wire)) = decode_key(&mut buf) else { return found };
            if tag == want_tag {
                first_of_tag.get_or_insert(start);
                if nth == want_nth {
                    if step + 1 == path.len() {
                        return Some(start);
                    }
                    found = Some(start);
                    if wire != WireType::LengthDelimited {
                        return found;
                    }
                    let Some(len) = decode_varint(&mut buf).ok().and_then(|l| usize::try_from(l).ok()) else {
                        return found;
                    };
                    if len > buf.remaining() {
                        return found;
                    }
                    base += body.len() - buf.remaining();
                    body = &buf[..len];
                    break;
                }
                nth += 1;
            }
            if skip_field(wire, tag, &mut buf, DecodeContext::default()).is_err() {
                return found;
            }
        }
    }
    found
}

/// Where the data goes wrong: the byte offset (from the start of the data
/// given to [`locate`]) of the innermost bad field's key, and what is wrong,
/// naming the field by its path (`field resource_spans[0].scope_spans[1]
/// .spans[41].name: invalid string value: data is not UTF-8 encoded`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// Byte offset of the bad field's key.
    pub offset: u64,
    /// The field path and the problem, one line.
    pub what: String,
}

/// The innermost bad field of `data`, a message of type `root`, or `None`
/// when no field is found bad (the data decodes, or the error lies in how
/// whole fields combine; the caller then keeps prost's own message). `noun`
/// names the data in the truncation hint (`truncated profile?`).
pub fn locate(data: &[u8], root: &'static Schema, noun: &str) -> Option<Located> {
    let mut schema = root;
    let mut base = 0usize;
    let mut body = data;
    let mut path = String::new();
    // The innermost field seen so far whose length runs past the data.
    let mut overrun: Option<Located> = None;
    // The error of the embedded message being walked, if it failed alone.
    let mut body_error: Option<DecodeError> = None;
    'levels: loop {
        let mut buf = body;
        let mut counts: HashMap<u32, u64> = HashMap::new();
        while buf.has_remaining() {
            let start = base + (body.len() - buf.remaining());
            let at = |what: String| Some(Located { offset: start as u64, what });
            let (tag, wire) = match decode_key(&mut buf) {
                Ok(k) => k,
                Err(e) => return at(format!("{}bad field key: {}", prefix(&path), cause(&e))),
            };
            let field = (schema.field)(tag);
            let nth = counts.entry(tag).or_insert(0);
            let here = segment(&path, tag, field, *nth);
            *nth += 1;
            if wire != WireType::LengthDelimited {
                if let Err(e) = skip_field(wire, tag, &mut buf, DecodeContext::default()) {
                    let hint = if overrun.is_some() { format!(" (truncated {noun}?)") } else { String::new() };
                    return at(format!("field {here}: {}{hint}", cause(&e)));
                }
                let whole = &body[start - base..body.len() - buf.remaining()];
                if let Err(e) = (schema.check)(whole) {
                    return at(format!("field {here}: {}", cause(&e)));
                }
                continue;
            }
            let len = match decode_varint(&mut buf) {
                Ok(l) => l,
                Err(e) => return at(format!("field {here}: bad length: {}", cause(&e))),
            };
            let body_start = body.len() - buf.remaining();
            if len > buf.remaining() as u64 {
                let remain = buf.remaining();
                overrun = at(format!("field {here} declares {len} bytes but only {remain} remain (truncated {noun}?)"));
                if let Some(child) = field.and_then(|f| f.message) {
                    // Go down into what is there: the innermost cut field.
                    schema = child;
                    base += body_start;
                    body = &body[body_start..];
                    path = here;
                    body_error = None;
                    continue 'levels;
                }
                return overrun;
            }
            let len = len as usize;
            let inner = &body[body_start..body_start + len];
            buf.advance(len);
            let whole = &body[start - base..body_start + len];
            let Err(e) = (schema.check)(whole) else { continue };
            if let Some(child) = field.and_then(|f| f.message)
                && let Err(inner_error) = (child.check)(inner)
            {
                schema = child;
                base += body_start;
                body = inner;
                path = here;
                body_error = Some(inner_error);
                continue 'levels;
            }
            return at(format!("field {here}: {}", cause(&e)));
        }
        // No field of this message fails alone.
        if overrun.is_some() {
            return overrun;
        }
        return body_error.map(|e| Located { offset: base as u64, what: format!("{}{}", prefix(&path), cause(&e)) });
    }
}

/// `path: ` or nothing at the top level.
fn prefix(path: &str) -> String {
    if path.is_empty() { String::new() } else { format!("field {path}: ") }
}

/// `path.name[n]` (index for repeated fields only); unknown tags are
/// `field N`.
fn segment(path: &str, tag: u32, field: Option<Field>, nth: u64) -> String {
    let name = match field {
        Some(f) if f.repeated => format!("{}[{nth}]", f.name),
        Some(f) => f.name.to_string(),
        None => format!("field {tag}"),
    };
    if path.is_empty() { name } else { format!("{path}.{name}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::trace::v1::Span;

    #[test]
    fn cause_drops_the_prefix_and_the_message_stack() {
        // A Span whose name (tag 5) is one byte that is not UTF-8.
        let e = Span::decode(&[0x2a, 0x01, 0xff][..]).err().map(|e| cause(&e));
        assert_eq!(e.as_deref(), Some("invalid string value: data is not UTF-8 encoded"));
        let e = Span::decode(&[0x2f][..]).err().map(|e| cause(&e));
        assert_eq!(e.as_deref(), Some("invalid wire type value: 7"));
    }
}
