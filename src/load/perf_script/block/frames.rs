//! Frame lines (`\t    55d4a1da28d5 sym+0x3de (/usr/bin/app)`), read on bytes.
//!
//! Most lines of a perf script are frame lines, and almost all of them name
//! a frame the parser has seen: the symbol without its offset, the DSO and
//! whatever else changes the frame's name (a `java` command, with
//! `--addrs` the address of an `[unknown]` symbol) are the line's key, and
//! a key seen before gives its frame ids from one hash of those bytes and
//! one comparison. Only a new key is checked for UTF-8 and named by
//! inferno's rules ([`frame::names`]), so each distinct frame is validated
//! once. Lines the byte path does not take (tabs inside, non-ASCII at the
//! edges of the symbol, no `(dso)`, a `(comm)` symbol, invalid UTF-8) go
//! the general way, on text, with the same cache.

use std::hash::Hasher;

use hashbrown::HashTable;
use rustc_hash::FxHasher;

use super::super::frame;
use super::{NewFrame, Parser};

/// The bytes of a frame line that decide its frames.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawKey<'a> {
    /// The symbol without its `+0x` offset.
    pub func: &'a [u8],
    pub module: &'a [u8],
    pub java: bool,
    /// The address, when it names the frame (`--addrs` and `[unknown]`).
    pub pc: Option<&'a [u8]>,
}

impl RawKey<'_> {
    fn hash(&self) -> u64 {
        let mut h = FxHasher::default();
        h.write(self.func);
        h.write_u8(0xff);
        h.write(self.module);
        h.write_u8(u8::from(self.java));
        if let Some(pc) = self.pc {
            h.write(pc);
        }
        h.finish()
    }

    fn stored_len(&self) -> usize {
        self.func.len() + self.module.len() + 2 + self.pc.map_or(0, |p| p.len() + 1)
    }

    /// The key as stored: `func 0 module java [0 pc]`.
    fn store(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.func);
        out.push(0);
        out.extend_from_slice(self.module);
        out.push(u8::from(self.java));
        if let Some(pc) = self.pc {
            out.push(0);
            out.extend_from_slice(pc);
        }
    }

    fn matches(&self, stored: &[u8]) -> bool {
        let (f, m) = (self.func.len(), self.module.len());
        stored.len() == self.stored_len()
            && stored[..f] == *self.func
            && stored[f] == 0
            && stored[f + 1..f + 1 + m] == *self.module
            && stored[f + 1 + m] == u8::from(self.java)
            && self.pc.is_none_or(|pc| stored[f + 2 + m] == 0 && stored[f + 3 + m..] == *pc)
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    hash: u64,
    key_start: usize,
    key_len: usize,
    ids_start: usize,
    ids_len: usize,
}

/// Frame ids by [`RawKey`]: keys and ids in two flat arenas.
#[derive(Debug, Default)]
pub(crate) struct RawFrames {
    table: HashTable<Entry>,
    keys: Vec<u8>,
    ids: Vec<u32>,
}

impl RawFrames {
    fn get(&self, hash: u64, key: &RawKey<'_>) -> Option<&[u32]> {
        let keys = &self.keys;
        let e =
            self.table.find(hash, |e| e.hash == hash && key.matches(&keys[e.key_start..e.key_start + e.key_len]))?;
        self.ids.get(e.ids_start..e.ids_start + e.ids_len)
    }

    fn insert(&mut self, hash: u64, key: &RawKey<'_>, ids: &[u32]) {
        let key_start = self.keys.len();
        key.store(&mut self.keys);
        let ids_start = self.ids.len();
        self.ids.extend_from_slice(ids);
        let e = Entry { hash, key_start, key_len: self.keys.len() - key_start, ids_start, ids_len: ids.len() };
        self.table.insert_unique(hash, e, |e| e.hash);
    }
}

/// Leading blanks perf writes before a frame (a tab, then spaces padding the address).
fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// `sym+0x1f` -> `sym`, on bytes (as [`frame::strip_offset`]: the last
/// `+0x`, when only hex digits follow).
fn strip_offset(func: &[u8]) -> &[u8] {
    let mut end = func.len();
    while let Some(i) = memchr::memrchr(b'+', &func[..end]) {
        if func[i + 1..].starts_with(b"0x") {
            return if func[i + 3..].iter().all(u8::is_ascii_hexdigit) { &func[..i] } else { func };
        }
        end = i;
    }
    func
}

/// A frame line as `(pc, symbol, dso)` on bytes, exactly as
/// [`frame::parse_line`] splits its text; `None` for a line the text path
/// must take (see the module docs). The pc is ASCII; symbol and DSO are
/// unchecked bytes.
fn split(line: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let start = line.iter().position(|&b| !is_blank(b))?;
    let end = line.iter().rposition(|&b| !matches!(b, b' ' | b'\t' | b'\r'))? + 1;
    let body = line.get(start..end)?;
    if memchr::memchr(b'\t', body).is_some() {
        return None;
    }
    let sp = memchr::memchr(b' ', body)?;
    let (pc, rest) = (&body[..sp], &body[sp + 1..]);
    if pc.is_empty() || !pc.iter().all(u8::is_ascii_graphic) {
        return None;
    }
    let last = memchr::memrchr(b' ', rest)?;
    let module = rest[last + 1..].strip_prefix(b"(")?.strip_suffix(b")")?;
    let func = &rest[..last];
    let edge_ok = |b: Option<&u8>| b.is_some_and(u8::is_ascii_graphic);
    if !edge_ok(func.first()) || !edge_ok(func.last()) {
        return None;
    }
    Some((pc, func, module))
}

impl Parser {
    /// Frame `id` with source `file:line`.
    pub(super) fn with_srcline(&mut self, id: u32, file: &str, line: u32) -> u32 {
        let Some(base) = self.frame_names.get(id as usize).cloned() else {
            return id;
        };
        let key = (base.0.clone(), base.1.clone(), base.2, Some((file.to_string(), line)));
        if let Some(&id) = self.srcline_index.get(&key) {
            return id;
        }
        let new = self.frame_count;
        self.frame_count += 1;
        self.frame_names.push(base.clone());
        self.out.frames.push(NewFrame { name: base.0, module: base.1, kind: base.2, file: key.3.clone() });
        self.srcline_index.insert(key, new);
        new
    }

    /// Reads `line` as a frame line on bytes; false when it must take the
    /// text path (nothing was done then).
    pub(super) fn byte_frame_line(&mut self, line: &[u8]) -> bool {
        let Some((pc, func, module)) = split(line) else {
            return false;
        };
        let stripped = strip_offset(func);
        if stripped.is_empty() || stripped[0] == b'(' {
            return false;
        }
        let java = self.cur.java;
        let pc_key = (self.names.include_addrs && memchr::memmem::find(stripped, b"[unknown]").is_some()).then_some(pc);
        let key = RawKey { func: stripped, module, java, pc: pc_key };
        let hash = key.hash();
        if let Some(ids) = self.raw_frames.get(hash, &key) {
            self.cur.frames.extend(ids.iter().rev());
            return true;
        }
        // A new key: checked for UTF-8 once, here.
        let (Ok(pc), Ok(func), Ok(module)) =
            (std::str::from_utf8(pc), std::str::from_utf8(func), std::str::from_utf8(module))
        else {
            return false;
        };
        self.new_raw_frame(hash, &key, pc, func, module);
        true
    }

    /// Frame line `t` on text (see the module docs).
    pub(super) fn frame_line(&mut self, t: &str, number: u64, offset: u64) {
        let Some((pc, func, module)) = frame::parse_line(t) else {
            let shown: String = t.chars().take(80).collect();
            self.warn(number, offset, format!("not a stack frame (expected `addr symbol (dso)`), skipped: {shown:?}"));
            self.out.last_line_bad = true;
            return;
        };
        let java = self.cur.java;
        let stripped = frame::strip_offset(func);
        if stripped.starts_with('(') {
            // Old perf printed process names as `(comm)` frames; inferno and
            // the Perl original drop them.
            let shown: String = t.chars().take(80).collect();
            self.warn(number, offset, format!("frame with no symbol (`(...)`) skipped, as inferno does: {shown:?}"));
            return;
        }
        let pc_key = (self.names.include_addrs && stripped.contains("[unknown]")).then_some(pc.as_bytes());
        let key = RawKey { func: stripped.as_bytes(), module: module.as_bytes(), java, pc: pc_key };
        let hash = key.hash();
        if let Some(ids) = self.raw_frames.get(hash, &key) {
            self.cur.frames.extend(ids.iter().rev());
            return;
        }
        self.new_raw_frame(hash, &key, pc, func, module);
    }

    /// Names the frames of a key not seen before, interns them and caches them.
    fn new_raw_frame(&mut self, hash: u64, key: &RawKey<'_>, pc: &str, func: &str, module: &str) {
        let mut scratch = std::mem::take(&mut self.scratch);
        frame::names(pc, func, module, key.java, self.names, &mut scratch);
        let mut ids = std::mem::take(&mut self.raw_scratch);
        ids.clear();
        for (name, kind) in scratch.drain(..) {
            ids.push(self.intern_frame(name, module.to_string(), kind));
        }
        self.scratch = scratch;
        self.raw_frames.insert(hash, key, &ids);
        self.cur.frames.extend(ids.iter().rev());
        self.raw_scratch = ids;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_the_text_path() {
        for line in [
            "\t    55d4a1da28d5 std::vector<int>::push_back(int const&)+0x3de (/srv/app)",
            "\t  7f53 _dl_check+0x597 (/usr/lib/ld-2.28.so)",
            "\t ffffffff8100 [unknown] ([unknown])",
            "\t 1 a+0x1+b (m)",
            "\t 1 a+0x1+0x2 (m)",
            "\t 1 a+0xzz (m) \r",
        ] {
            let (pc, func, module) = split(line.as_bytes()).unwrap_or_else(|| panic!("{line}"));
            let text = frame::parse_line(line.trim_end()).unwrap_or_else(|| panic!("{line}"));
            assert_eq!((pc, func, module), (text.0.as_bytes(), text.1.as_bytes(), text.2.as_bytes()), "{line}");
            assert_eq!(strip_offset(func), frame::strip_offset(text.1).as_bytes(), "{line}");
        }
        for line in ["\t1 a\tb (m)", "\tfile.c:12", "\t1 \u{a0}a (m)", "\t1 a (m", "\t1  (m)", "\t \t"] {
            assert_eq!(split(line.as_bytes()), None, "{line:?}");
        }
    }
}
