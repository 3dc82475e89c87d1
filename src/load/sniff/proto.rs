//! Protobuf told by structure: the head of the input parses, field by
//! field, as a pprof `Profile` or an OTLP `ExportTraceServiceRequest` (raw,
//! or in the Collector file exporter's length-prefixed frames).
//!
//! Every field's tag must be one the message has (top levels) with the wire
//! type the schema gives it, every length must fit, and embedded messages
//! are walked the same way; the end of the head may cut the last field. A
//! long span name or function name (a `db.statement`, a C++ template) makes
//! the head mostly printable, but it still parses; text almost never does
//! for more than a field or two. Imports nothing of the crate.

/// What a field of a message holds on the wire.
#[derive(Clone, Copy)]
enum Ty {
    Varint,
    Fixed64,
    Fixed32,
    /// String or bytes.
    Bytes,
    /// A repeated scalar: varints, or one packed run.
    Packed,
    Msg(&'static Msg),
}

/// A message: its fields by tag; `strict` refuses tags it does not have.
struct Msg {
    field: fn(u32) -> Option<Ty>,
    strict: bool,
}

static PROFILE: Msg = Msg { field: profile, strict: true };
static VALUE_TYPE: Msg = Msg { field: |t| matches!(t, 1 | 2).then_some(Ty::Varint), strict: true };
static SAMPLE: Msg = Msg { field: sample, strict: true };
static LABEL: Msg = Msg { field: |t| (1..=4).contains(&t).then_some(Ty::Varint), strict: false };
static MAPPING: Msg = Msg { field: |t| (1..=10).contains(&t).then_some(Ty::Varint), strict: false };
static LOCATION: Msg = Msg { field: location, strict: false };
static LINE: Msg = Msg { field: |t| (1..=3).contains(&t).then_some(Ty::Varint), strict: false };
static FUNCTION: Msg = Msg { field: |t| (1..=5).contains(&t).then_some(Ty::Varint), strict: false };

fn profile(tag: u32) -> Option<Ty> {
    Some(match tag {
        1 | 11 => Ty::Msg(&VALUE_TYPE),
        2 => Ty::Msg(&SAMPLE),
        3 => Ty::Msg(&MAPPING),
        4 => Ty::Msg(&LOCATION),
        5 => Ty::Msg(&FUNCTION),
        6 => Ty::Bytes,
        7..=10 | 12 | 14 | 15 => Ty::Varint,
        13 => Ty::Packed,
        _ => return None,
    })
}

fn sample(tag: u32) -> Option<Ty> {
    Some(match tag {
        1 | 2 => Ty::Packed,
        3 => Ty::Msg(&LABEL),
        _ => return None,
    })
}

fn location(tag: u32) -> Option<Ty> {
    Some(match tag {
        1..=3 | 5 => Ty::Varint,
        4 => Ty::Msg(&LINE),
        _ => return None,
    })
}

static REQUEST: Msg = Msg { field: |t| (t == 1).then_some(Ty::Msg(&RESOURCE_SPANS)), strict: true };
static RESOURCE_SPANS: Msg = Msg { field: resource_spans, strict: true };
static RESOURCE: Msg = Msg { field: resource, strict: false };
static SCOPE_SPANS: Msg = Msg { field: scope_spans, strict: false };
static SCOPE: Msg = Msg { field: scope, strict: false };
static SPAN: Msg = Msg { field: span, strict: false };
static KEY_VALUE: Msg = Msg { field: |t| matches!(t, 1 | 2).then_some(Ty::Bytes), strict: false };

fn resource_spans(tag: u32) -> Option<Ty> {
    Some(match tag {
        1 => Ty::Msg(&RESOURCE),
        2 => Ty::Msg(&SCOPE_SPANS),
        3 => Ty::Bytes,
        _ => return None,
    })
}

fn resource(tag: u32) -> Option<Ty> {
    Some(match tag {
        1 => Ty::Msg(&KEY_VALUE),
        2 => Ty::Varint,
        _ => return None,
    })
}

fn scope_spans(tag: u32) -> Option<Ty> {
    Some(match tag {
        1 => Ty::Msg(&SCOPE),
        2 => Ty::Msg(&SPAN),
        3 => Ty::Bytes,
        _ => return None,
    })
}

fn scope(tag: u32) -> Option<Ty> {
    Some(match tag {
        1 | 2 => Ty::Bytes,
        3 => Ty::Msg(&KEY_VALUE),
        4 => Ty::Varint,
        _ => return None,
    })
}

fn span(tag: u32) -> Option<Ty> {
    Some(match tag {
        1..=5 | 11 | 13 | 15 => Ty::Bytes,
        6 | 10 | 12 | 14 => Ty::Varint,
        7 | 8 => Ty::Fixed64,
        9 => Ty::Msg(&KEY_VALUE),
        16 => Ty::Fixed32,
        _ => return None,
    })
}

/// Embedded messages deeper than this are taken as bytes.
const MAX_DEPTH: u32 = 6;

fn varint(b: &[u8]) -> Result<(u64, usize), Cut> {
    let mut v = 0u64;
    for (i, &x) in b.iter().enumerate().take(10) {
        v |= u64::from(x & 0x7f) << (7 * i);
        if x & 0x80 == 0 {
            return Ok((v, i + 1));
        }
    }
    if b.len() < 10 { Err(Cut::End) } else { Err(Cut::Bad) }
}

/// Why a walk stopped early.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// The bytes end inside a field.
    End,
    /// Not this message.
    Bad,
}

/// Walks `b` as fields of `msg`; the number of fields read. `cut`: `b` may
/// end inside a field (it ends where the head does).
fn walk(b: &[u8], msg: &Msg, cut: bool, depth: u32) -> Option<usize> {
    let mut i = 0;
    let mut n = 0;
    let end = |n| cut.then_some(n);
    while i < b.len() {
        let (key, k) = match varint(&b[i..]) {
            Ok(v) => v,
            Err(Cut::End) => return end(n),
            Err(Cut::Bad) => return None,
        };
        i += k;
        let (tag, wire) = (u32::try_from(key >> 3).ok()?, key & 7);
        if tag == 0 {
            return None;
        }
        let ty = (msg.field)(tag);
        if ty.is_none() && msg.strict {
            return None;
        }
        let fits = |want: &[u64]| ty.is_none() || want.contains(&wire);
        match ty {
            Some(Ty::Varint) if !fits(&[0]) => return None,
            Some(Ty::Fixed64) if !fits(&[1]) => return None,
            Some(Ty::Fixed32) if !fits(&[5]) => return None,
            Some(Ty::Bytes | Ty::Msg(_)) if !fits(&[2]) => return None,
            Some(Ty::Packed) if !fits(&[0, 2]) => return None,
            _ => {}
        }
        match wire {
            0 => match varint(&b[i..]) {
                Ok((_, k)) => i += k,
                Err(Cut::End) => return end(n + 1),
                Err(Cut::Bad) => return None,
            },
            1 | 5 => {
                let w = if wire == 1 { 8 } else { 4 };
                if i + w > b.len() {
                    return end(n + 1);
                }
                i += w;
            }
            2 => {
                let (len, k) = match varint(&b[i..]) {
                    Ok(v) => v,
                    Err(Cut::End) => return end(n + 1),
                    Err(Cut::Bad) => return None,
                };
                i += k;
                let len = usize::try_from(len).ok()?;
                let whole = i.checked_add(len).is_some_and(|e| e <= b.len());
                if !whole && !cut {
                    return None;
                }
                let body = &b[i..if whole { i + len } else { b.len() }];
                match ty {
                    Some(Ty::Msg(m)) if depth < MAX_DEPTH => {
                        walk(body, m, !whole, depth + 1)?;
                    }
                    Some(Ty::Packed) => {
                        let mut j = 0;
                        while j < body.len() {
                            match varint(&body[j..]) {
                                Ok((_, k)) => j += k,
                                Err(Cut::End) if !whole => break,
                                Err(_) => return None,
                            }
                        }
                    }
                    _ => {}
                }
                if !whole {
                    return Some(n + 1);
                }
                i += len;
            }
            _ => return None,
        }
        n += 1;
    }
    Some(n)
}

/// The protobuf format `head` parses as, if any. The end of the head may
/// cut a field (a longer input, or a truncated file: the loader then names
/// the cut).
pub fn identify(head: &[u8]) -> Option<crate::load::Format> {
    use crate::load::Format;
    let pprof = walk(head, &PROFILE, true, 0).is_some_and(|n| n > 0);
    let otlp = || {
        if walk(head, &REQUEST, true, 0).is_some_and(|n| n > 0) {
            return true;
        }
        // The file exporter's frames: a 4-byte big-endian length, then a request.
        let (Some(len), Some(body)) = (head.get(..4), head.get(4..)) else { return false };
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        len > 0
            && head[0] == 0
            && walk(&body[..len.min(body.len())], &REQUEST, len > body.len(), 0).is_some_and(|n| n > 0)
    };
    // A message of only empty field-1 messages is both: pprof, as before.
    if pprof {
        Some(Format::Pprof)
    } else if otlp() {
        Some(Format::OtlpProtobuf)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Format;

    #[test]
    fn tells_pprof_otlp_and_text_apart() {
        // sample_type {type: 1, unit: 2}, string_table "", "samples", "count".
        let pprof = b"\x0a\x04\x08\x01\x10\x02\x32\x00\x32\x07samples\x32\x05count";
        assert_eq!(identify(pprof), Some(Format::Pprof));
        // resource_spans { scope_spans { span { name: "GET" } } }
        let otlp = b"\x0a\x09\x12\x07\x12\x05\x2a\x03GET";
        assert_eq!(identify(otlp), Some(Format::OtlpProtobuf));
        let mut framed = vec![0, 0, 0, otlp.len() as u8];
        framed.extend_from_slice(otlp);
        assert_eq!(identify(&framed), Some(Format::OtlpProtobuf));
        assert_eq!(identify(b"main;foo;bar 12\nmain;foo 3\n"), None);
        assert_eq!(identify(b"perf 1234 [001] 10.0: 1 cycles:\n"), None);
        // Cut by the end of the head: still pprof.
        assert_eq!(identify(&pprof[..12]), Some(Format::Pprof));
    }
}
