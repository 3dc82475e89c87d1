//! Tracepoint payloads: the fields perf prints after a tracepoint's name.
//!
//! perf formats each tracepoint with the kernel's `print fmt`, so the shape
//! varies: most are `key=value` pairs separated by blanks, where a value may
//! itself hold blanks (sched_switch's `prev_comm=io worker`); sched_switch
//! puts `==>` between its halves; the syscalls tracepoints print
//! `fd: 0x00000003, buf: 0x..., count: 0x...` on entry and a bare return
//! value (`0x1000`) on exit; simpleperf prints `key : value` lines. Fields
//! keep perf's text; a payload that is none of these is one field,
//! `payload`. Imports nothing outside this module.

/// One field of a payload, borrowing from it.
pub(crate) type Field<'a> = (&'a str, &'a str);

/// True for a field name: a letter or `_`, then letters, digits or `_`.
fn is_key(s: &str) -> bool {
    let mut b = s.bytes();
    b.next().is_some_and(|c| c.is_ascii_alphabetic() || c == b'_') && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// The fields of `payload` in order (see the module docs).
pub(crate) fn fields(payload: &str) -> Vec<Field<'_>> {
    let payload = payload.trim();
    if payload.is_empty() {
        return Vec::new();
    }
    let eq = key_value(payload);
    if !eq.is_empty() {
        return eq;
    }
    let colon = key_colon(payload);
    if !colon.is_empty() {
        return colon;
    }
    if payload.split_whitespace().count() == 1 && !payload.contains('=') {
        // syscalls:sys_exit_*: the return value alone.
        return vec![("ret", payload)];
    }
    vec![("payload", payload)]
}

/// `key=value key=value with blanks ==> key=value`; empty unless the
/// payload starts with a `key=`.
fn key_value(payload: &str) -> Vec<Field<'_>> {
    let mut out: Vec<Field<'_>> = Vec::new();
    // (key, value start, value end) of the field being read.
    let mut cur: Option<(&str, usize, usize)> = None;
    let mut pos = 0;
    for word in payload.split(' ') {
        let start = pos;
        pos += word.len() + 1;
        if word.is_empty() {
            continue;
        }
        let new_key = word.split_once('=').filter(|(k, _)| is_key(k));
        if let Some((k, _)) = new_key {
            if let Some((key, s, e)) = cur.take() {
                out.push((key, &payload[s..e]));
            }
            let s = start + k.len() + 1;
            cur = Some((k, s, start + word.len()));
        } else if word == "==>" {
            if let Some((key, s, e)) = cur.take() {
                out.push((key, &payload[s..e]));
            }
        } else if let Some((_, _, e)) = cur.as_mut() {
            // A value with blanks (`prev_comm=io worker`).
            *e = start + word.len();
        } else {
            return Vec::new();
        }
    }
    if let Some((key, s, e)) = cur {
        out.push((key, &payload[s..e]));
    }
    out
}

/// `key: value, key: value` (syscalls) or `key : value` (simpleperf); empty
/// unless every part is one.
fn key_colon(payload: &str) -> Vec<Field<'_>> {
    let mut out = Vec::new();
    for part in payload.split(", ") {
        let Some((k, v)) = part.split_once(':') else {
            return Vec::new();
        };
        let k = k.trim();
        if !is_key(k) {
            return Vec::new();
        }
        out.push((k, v.trim()));
    }
    out
}

/// The value of field `key`.
pub(crate) fn get<'a>(fields: &[Field<'a>], key: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| *k == key).map(|&(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shapes_perf_prints() {
        let f = fields(
            "prev_comm=io worker prev_pid=8609 prev_prio=120 prev_state=S ==> next_comm=python3 next_pid=15774 next_prio=120",
        );
        assert_eq!(get(&f, "prev_comm"), Some("io worker"));
        assert_eq!(get(&f, "prev_state"), Some("S"));
        assert_eq!(get(&f, "next_pid"), Some("15774"));
        assert_eq!(f.len(), 7);
        let f = fields(
            "call_site=kmalloc_reserve+0x9e ptr=0xffff9a bytes_req=640 bytes_alloc=1024 gfp_flags=GFP_KERNEL|__GFP_NOWARN node=-1 accounted=false",
        );
        assert_eq!(get(&f, "bytes_req"), Some("640"));
        assert_eq!(get(&f, "gfp_flags"), Some("GFP_KERNEL|__GFP_NOWARN"));
        let f = fields("fd: 0x00000003, buf: 0x7ffc5e0e4f10, count: 0x00001000");
        assert_eq!(f, vec![("fd", "0x00000003"), ("buf", "0x7ffc5e0e4f10"), ("count", "0x00001000")]);
        assert_eq!(fields("0x1000"), vec![("ret", "0x1000")]);
        assert_eq!(fields("something odd here"), vec![("payload", "something odd here")]);
        assert_eq!(fields("prev_state : 1"), vec![("prev_state", "1")]);
        assert!(fields("  ").is_empty());
    }
}
