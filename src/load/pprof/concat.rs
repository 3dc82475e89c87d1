//! Two profiles back to back: `cat a.pb.gz b.pb.gz` (two gzip members) or
//! two raw messages in one file. Protobuf merges concatenated messages into
//! one, so the tables of the second profile land after those of the first
//! and its ids (function 1, location 1 ...) repeat them.
//!
//! `go tool pprof` calls such a file "concatenated profiles detected" when
//! `time_nanos` appears twice, the first time nonzero, and refuses it;
//! Firesight does the same, and also names the concatenation when a
//! profile without `time_nanos` fails on the repeated ids. The byte offset
//! of the second message is where the top-level fields restart (see
//! [`second_start`]).

use super::invalid;
use crate::load::error::LoadError;
use crate::load::proto_locate;

/// The top-level `time_nanos` values say "concatenated" as Go's pprof reads them.
pub fn go_rule(time_nanos: &[i64]) -> bool {
    time_nanos.len() > 1 && time_nanos[0] != 0
}

/// Byte offset of the second message of `data`: the first top-level field
/// that repeats a singular field (`time_nanos`, `period` ...), or whose tag
/// is lower than the one before it after a string table. Go's runtime
/// writes `time_nanos` first and the string table last; google/pprof's
/// encoder writes fields in tag order, so either rule finds the start.
/// One pass over the top-level fields.
pub fn second_start(data: &[u8]) -> Option<u64> {
    let mut i = 0usize;
    let mut prev = 0u64;
    let mut seen_strings = false;
    let mut singular_seen = 0u32;
    while i < data.len() {
        let start = i;
        let (key, k) = varint(&data[i..])?;
        i += k;
        let tag = key >> 3;
        let singular = matches!(tag, 7..=12 | 14).then(|| 1u32 << tag);
        if (tag < prev && seen_strings) || singular.is_some_and(|bit| singular_seen & bit != 0) {
            return Some(start as u64);
        }
        singular_seen |= singular.unwrap_or(0);
        seen_strings |= tag == 6;
        prev = tag;
        let skip = match key & 7 {
            0 => varint(&data[i..])?.1,
            1 => 8,
            5 => 4,
            2 => {
                let (len, k) = varint(&data[i..])?;
                k.checked_add(usize::try_from(len).ok()?)?
            }
            _ => return None,
        };
        i = i.checked_add(skip)?;
    }
    None
}

fn varint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &x) in b.iter().enumerate().take(10) {
        v |= u64::from(x & 0x7f) << (7 * i);
        if x & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// The error for concatenated profiles in `data`, at the second message
/// (or, when the fields do not restart, at the second `time_nanos`).
pub fn error(data: &[u8]) -> LoadError {
    let (at, whence) = match second_start(data) {
        Some(at) => (Some(at), "a second profile.proto message starts here"),
        None => (proto_locate::field_offset(data, &[(9, 1)]), "time_nanos is set twice"),
    };
    invalid(
        at,
        format!(
            "concatenated profiles detected: {whence}, so the file holds two profiles back to back (as \
             `cat a.pb.gz b.pb.gz` makes), not one; open them one at a time, or merge them with \
             `go tool pprof -proto a.pb.gz b.pb.gz > merged.pb.gz`"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_restart() {
        // sample_type, string_table "", time_nanos; then sample_type again.
        let one = b"\x0a\x02\x08\x01\x32\x00\x48\x05";
        assert_eq!(second_start(one), None);
        let two = [&one[..], &one[..]].concat();
        assert_eq!(second_start(&two), Some(one.len() as u64));
        assert!(go_rule(&[5, 5]));
        assert!(!go_rule(&[0, 5]));
        assert!(!go_rule(&[5]));
    }
}
