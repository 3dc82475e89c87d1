//! Reads a `profile.proto` from the input one top-level field at a time,
//! instead of reading the whole (decompressed) input first.
//!
//! Go's runtime writes the samples first and the tables they refer to
//! (locations, functions, the string table) after them, so samples cannot
//! become model samples as they arrive. They are kept encoded, back to back
//! in one buffer with their ends ([`Packed`], 4 bytes a sample beside the
//! bytes themselves, where a `Bytes` slice per sample took 32). Every other
//! top-level field is kept as it was on the wire (`rest`), decoded by prost
//! afterwards exactly as the whole profile was before; it is also what
//! error offsets inside the tables are found in, and [`Streamed::to_file`]
//! maps them back to offsets in the file.
//!
//! A field that cannot be framed (a bad key, a wire type a profile never
//! has, a length past the end) stops the read at once with the error the
//! whole-profile locator gives for it, so a gzip bomb whose stream stops
//! being a profile is refused at that byte instead of after decompressing
//! up to the cap. What is kept is bounded by `max_whole_input`.

use std::collections::HashMap;

use prost::Message;
use prost::bytes::Bytes;

use super::{invalid, locate, proto};
use crate::load::error::{At, LoadError, LoadErrorKind};
use crate::load::source::Input;

/// Staging read size.
const READ: usize = 1 << 20;
/// Deepest group nesting read (prost's recursion limit).
const MAX_GROUP_DEPTH: usize = 100;
/// Tag of `Profile.sample`.
const SAMPLE: u32 = 2;

/// The encoded `Sample` messages of a profile, back to back.
#[derive(Debug, Default)]
pub struct Packed {
    bytes: Vec<u8>,
    ends: Vec<u32>,
    /// `(first sample, file offset of its bytes)` of each run of samples
    /// that follow each other in the file, all but the first with minimal
    /// headers (key byte and length), so any sample's offset can be
    /// recomputed on an error.
    runs: Vec<(u32, u64)>,
    /// Added to every offset [`Packed::offset`] gives (see [`Streamed::to_file`]).
    base: u64,
}

impl Packed {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Encoded bytes of samples `a..b`.
    pub fn bytes_of(&self, a: usize, b: usize) -> usize {
        let start = |i: usize| if i == 0 { 0 } else { self.ends[i - 1] as usize };
        start(b) - start(a)
    }

    /// The encoded sample `i`.
    pub fn get(&self, i: usize) -> &[u8] {
        let a = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[a..self.ends[i] as usize]
    }

    /// Offset of sample `i`'s bytes (in the file, plus `base`). Walks the
    /// run it is in: for errors only.
    pub fn offset(&self, i: usize) -> Option<u64> {
        let r = self.runs.partition_point(|&(first, _)| first as usize <= i).checked_sub(1)?;
        let (first, mut at) = self.runs[r];
        for j in first as usize..i {
            let next = self.get(j + 1).len() as u64;
            at += self.get(j).len() as u64 + 1 + varint_len(next);
        }
        Some(at + self.base)
    }
}

/// What [`read`] kept of a profile.
pub struct Streamed {
    /// Every top-level field but the samples, as on the wire, in file order.
    pub rest: Bytes,
    /// `(offset in rest, offset in the file)` where each stretch of `rest` starts.
    rest_runs: Vec<(u64, u64)>,
    /// The samples.
    pub samples: Packed,
}

impl Streamed {
    /// `e` with its byte offset in the file: offsets below `rest.len()` are
    /// in `rest`, those at or past it come from [`Packed::offset`].
    pub fn to_file(&self, mut e: LoadError) -> LoadError {
        if let Some(At::Byte(n)) = e.at {
            let rest = self.rest.len() as u64;
            e.at = if n >= rest {
                Some(At::Byte(n - rest))
            } else {
                let r = self.rest_runs.partition_point(|&(start, _)| start <= n).checked_sub(1);
                r.map(|r| At::Byte(self.rest_runs[r].1 + (n - self.rest_runs[r].0)))
            };
        }
        e
    }
}

fn varint_len(v: u64) -> u64 {
    u64::from((64 - (v | 1).leading_zeros()).div_ceil(7))
}

/// The input through a reused staging buffer, with the file offset.
struct Reader<'i> {
    input: &'i mut Input,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    /// Offset of `buf[pos]` in the (decompressed) input.
    at: u64,
}

impl Reader<'_> {
    /// True when a byte is ready; false at the end of the input.
    fn ready(&mut self) -> Result<bool, LoadError> {
        if self.pos == self.len {
            self.len = self.input.read_chunk(&mut self.buf, super::FORMAT)?;
            self.pos = 0;
        }
        Ok(self.pos < self.len)
    }

    /// A varint, its raw bytes appended to `raw`. `Ok(None)` when it is cut
    /// by the end of the input or longer than 10 bytes.
    fn varint(&mut self, raw: &mut Vec<u8>) -> Result<Option<u64>, LoadError> {
        let mut v = 0u64;
        for i in 0..10 {
            if !self.ready()? {
                return Ok(None);
            }
            let b = self.buf[self.pos];
            self.pos += 1;
            self.at += 1;
            raw.push(b);
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// Appends up to `n` bytes to `out`; how many (fewer at the end of the input).
    fn copy(&mut self, mut n: u64, out: &mut Vec<u8>) -> Result<u64, LoadError> {
        let want = n;
        while n > 0 && self.ready()? {
            let k = (self.len - self.pos).min(usize::try_from(n).unwrap_or(usize::MAX));
            out.extend_from_slice(&self.buf[self.pos..self.pos + k]);
            self.pos += k;
            self.at += k as u64;
            n -= k as u64;
        }
        Ok(want - n)
    }
}

/// A field that could not be framed: where it starts and its bytes so far.
struct Bad {
    start: u64,
    tag: u32,
    wire: u64,
    bytes: Vec<u8>,
}

/// Reads the profile from `input`, keeping at most `limit` bytes.
///
/// Errors: a read error or cancel; a top-level field that cannot be framed
/// (offset and field path as the locator names them); more than `limit`
/// bytes kept, or encoded samples past 4 GiB.
pub fn read(input: &mut Input, limit: u64) -> Result<Streamed, LoadError> {
    let mut r = Reader { input, buf: vec![0; READ], pos: 0, len: 0, at: 0 };
    let mut rest: Vec<u8> = Vec::new();
    let mut rest_runs: Vec<(u64, u64)> = Vec::new();
    let mut samples = Packed::default();
    let mut counts: HashMap<u32, u64> = HashMap::new();
    let mut last_was_sample = false;
    let mut header = Vec::with_capacity(20);
    loop {
        let start = r.at;
        header.clear();
        if !r.ready()? {
            break;
        }
        let bad = |tag: u32, wire: u64, bytes: Vec<u8>| Bad { start, tag, wire, bytes };
        let Some(key) = r.varint(&mut header)? else {
            return Err(framing_error(&rest, &rest_runs, &counts, bad(0, 0, header)));
        };
        let (tag, wire) = (u32::try_from(key >> 3).unwrap_or(0), key & 7);
        if tag == 0 || !matches!(wire, 0..=3 | 5) {
            return Err(framing_error(&rest, &rest_runs, &counts, bad(tag, wire, header)));
        }
        let nth = *counts.get(&tag).unwrap_or(&0);
        if tag == SAMPLE && wire == 2 {
            let Some(len) = r.varint(&mut header)? else {
                return Err(framing_error(&rest, &rest_runs, &counts, bad(tag, wire, header)));
            };
            let from = samples.bytes.len();
            let got = r.copy(len, &mut samples.bytes)?;
            if got < len {
                let mut bytes = header.clone();
                bytes.extend_from_slice(&samples.bytes[from..]);
                return Err(framing_error(&rest, &rest_runs, &counts, bad(tag, wire, bytes)));
            }
            let Ok(end) = u32::try_from(samples.bytes.len()) else {
                return Err(too_large(start, u64::from(u32::MAX)));
            };
            let minimal = header.len() as u64 == 1 + varint_len(len);
            if !last_was_sample || !minimal {
                samples.runs.push((samples.ends.len() as u32, start + header.len() as u64));
            }
            samples.ends.push(end);
            last_was_sample = true;
        } else {
            if last_was_sample || rest_runs.is_empty() {
                rest_runs.push((rest.len() as u64, start));
            }
            last_was_sample = false;
            let from = rest.len();
            rest.extend_from_slice(&header);
            if !field_body(&mut r, wire, tag, &mut rest)? {
                let bytes = rest.split_off(from);
                return Err(framing_error(&rest, &rest_runs, &counts, bad(tag, wire, bytes)));
            }
        }
        counts.insert(tag, nth + 1);
        if (rest.len() + samples.bytes.len()) as u64 > limit {
            return Err(too_large(start, limit));
        }
    }
    samples.base = rest.len() as u64;
    Ok(Streamed { rest: Bytes::from(rest), rest_runs, samples })
}

/// Copies the body of a field of `wire` type into `out` (groups to their
/// end). `Ok(false)` when it cannot be framed.
fn field_body(r: &mut Reader<'_>, wire: u64, tag: u32, out: &mut Vec<u8>) -> Result<bool, LoadError> {
    Ok(match wire {
        0 => r.varint(out)?.is_some(),
        1 | 5 => {
            let n = if wire == 1 { 8 } else { 4 };
            r.copy(n, out)? == n
        }
        2 => match r.varint(out)? {
            Some(len) => r.copy(len, out)? == len,
            None => false,
        },
        3 => {
            // A group (never written by pprof's producers, but prost skips
            // them): its fields up to the end-group key of its tag.
            let mut open = vec![tag];
            while let Some(&inner) = open.last() {
                let Some(key) = r.varint(out)? else { return Ok(false) };
                let (t, w) = (u32::try_from(key >> 3).unwrap_or(0), key & 7);
                match w {
                    3 if open.len() < MAX_GROUP_DEPTH && t != 0 => open.push(t),
                    4 if t == inner => {
                        open.pop();
                    }
                    0 | 1 | 2 | 5 if t != 0 => {
                        if !field_body(r, w, t, out)? {
                            return Ok(false);
                        }
                    }
                    _ => return Ok(false),
                }
            }
            true
        }
        _ => false,
    })
}

fn too_large(at: u64, limit: u64) -> LoadError {
    LoadError {
        kind: LoadErrorKind::TooLarge,
        format: super::FORMAT.to_string(),
        at: Some(At::Byte(at)),
        what: format!("input is larger than the {limit}-byte limit for this format"),
        path: None,
    }
}

/// The error for a field that cannot be framed, worded as the whole-profile
/// decode worded it: the tables read so far first (prost stopped at the
/// first bad field in file order), then the locator run on the bad field
/// after as many empty fields of its tag as came before it, so its path
/// (`sample[41]`) counts as in the file.
fn framing_error(rest: &[u8], rest_runs: &[(u64, u64)], counts: &HashMap<u32, u64>, bad: Bad) -> LoadError {
    if let Err(e) = proto::ProfileTables::decode(rest) {
        let mut err = super::decode_error(rest, &e);
        if let Some(At::Byte(n)) = err.at {
            let r = rest_runs.partition_point(|&(start, _)| start <= n).checked_sub(1);
            err.at = r.map(|r| At::Byte(rest_runs[r].1 + (n - rest_runs[r].0)));
        }
        return err;
    }
    let mut data = Vec::new();
    let n = if bad.tag == 0 { 0 } else { counts.get(&bad.tag).copied().unwrap_or(0) };
    for _ in 0..n {
        placeholder(bad.tag, bad.wire, &mut data);
    }
    let prefix = data.len() as u64;
    data.extend_from_slice(&bad.bytes);
    match locate::locate(&data) {
        Some((off, what)) => {
            invalid(Some(bad.start + off.saturating_sub(prefix)), format!("not a valid profile.proto: {what}"))
        }
        None => {
            let e = proto::ProfileTables::decode(&data[..]).err().map_or_else(|| "truncated".into(), |e| e.to_string());
            invalid(None, format!("not a valid profile.proto: {e}"))
        }
    }
}

/// An empty field of `tag` that the locator passes over: in the wire type
/// the schema gives the tag, else (an unknown tag) in `wire` when it is one
/// a field can have.
fn placeholder(tag: u32, wire: u64, out: &mut Vec<u8>) {
    let wire = match tag {
        1..=6 | 11 | 13 => 2,
        7..=10 | 12 | 14 => 0,
        _ if matches!(wire, 0..=3 | 5) => wire,
        _ => 2,
    };
    encode_key(tag, wire, out);
    match wire {
        1 => out.extend_from_slice(&[0; 8]),
        5 => out.extend_from_slice(&[0; 4]),
        3 => encode_key(tag, 4, out),
        _ => out.push(0),
    }
}

fn encode_key(tag: u32, wire: u64, out: &mut Vec<u8>) {
    let mut v = u64::from(tag) << 3 | wire;
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_lengths() {
        assert_eq!(varint_len(0), 1);
        assert_eq!(varint_len(127), 1);
        assert_eq!(varint_len(128), 2);
        assert_eq!(varint_len(u64::MAX), 10);
    }
}
