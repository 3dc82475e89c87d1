//! The profile's lookup tables resolved once at decode, as pprof resolves
//! its string-table indices: strings (lossy UTF-8), mappings, functions and
//! locations, each location expanded to its frames (inlined lines first),
//! with `drop_frames` / `keep_frames` applied the way `go tool pprof` does
//! (`profile.Prune`).

use std::borrow::Cow;
use std::collections::HashMap;

use prost::bytes::Bytes;
use rustc_hash::FxBuildHasher;

use super::invalid;
use super::proto;
use crate::load::error::LoadError;
use crate::load::proto_locate;
use crate::model::frame::FrameRef;
use crate::model::{FrameId, FrameKind, ProfileBuilder};

/// The string table, each entry valid UTF-8 (invalid bytes replaced), and
/// the encoded profile, to place errors found after decoding.
pub struct Strings<'a> {
    table: Vec<Cow<'a, str>>,
    data: &'a [u8],
}

impl<'a> Strings<'a> {
    /// Converts every entry of `raw` (the string table of the profile
    /// encoded in `data`), warning once per entry that is not UTF-8.
    ///
    /// Errors: entry 0 is not the empty string. The format requires it
    /// (index 0 is how every string field says "unset"), `go tool pprof`
    /// refuses such a profile, and reading it would give every unset field
    /// (file names, build ids, `drop_frames`) that string.
    pub fn new(raw: &'a [Bytes], data: &'a [u8], b: &mut ProfileBuilder) -> Result<Self, LoadError> {
        let mut table = Vec::with_capacity(raw.len().max(1));
        for (i, s) in raw.iter().enumerate() {
            match std::str::from_utf8(s) {
                Ok(t) => table.push(Cow::Borrowed(t)),
                Err(_) => {
                    let t = String::from_utf8_lossy(s).into_owned();
                    b.warn(
                        None,
                        None,
                        format!("string table entry {i} is not valid UTF-8; invalid bytes replaced with U+FFFD: {t:?}"),
                    );
                    table.push(Cow::Owned(t));
                }
            }
        }
        if table.is_empty() {
            table.push(Cow::Borrowed(""));
        } else if !table[0].is_empty() {
            let shown: String = table[0].chars().take(80).collect();
            return Err(invalid(
                proto_locate::field_offset(data, &[(6, 0)]),
                format!(
                    "string_table[0] must be the empty string (index 0 means \"unset\" in every string field), \
                     but it is {shown:?}; go tool pprof rejects such a profile too"
                ),
            ));
        }
        Ok(Self { table, data })
    }

    /// Byte offset of the field at `path` (tag, occurrence steps from the
    /// top of the profile; see [`proto_locate::field_offset`]).
    pub fn offset_of(&self, path: &[(u32, usize)]) -> Option<u64> {
        proto_locate::field_offset(self.data, path)
    }

    /// The string at `index`, read from the field at `path` (see
    /// [`Strings::offset_of`]). Errors when the index is outside the table,
    /// with that field's byte offset; `what` names the field for the
    /// message (`Function.name of function 7`).
    pub fn get(&self, index: i64, path: &[(u32, usize)], what: impl FnOnce() -> String) -> Result<&str, LoadError> {
        usize::try_from(index).ok().and_then(|i| self.table.get(i)).map(|s| s.as_ref()).ok_or_else(|| {
            invalid(
                self.offset_of(path),
                format!(
                    "string index {index} in {} is out of range (the string table has {} entries)",
                    what(),
                    self.table.len()
                ),
            )
        })
    }
}

/// Maps nonzero ids to table positions: a dense vector when the ids are
/// small (the usual 1..=n), a hash map otherwise.
pub struct IdIndex {
    dense: Vec<u32>,
    sparse: HashMap<u64, u32, FxBuildHasher>,
}

const NONE: u32 = u32::MAX;

impl IdIndex {
    /// Indexes `ids`, the ids of the table of field `tag` of the profile
    /// (`what`: `location`, `function` ...). Errors on id 0 or a repeated id,
    /// at the offending entry's byte offset.
    pub fn new(
        ids: impl ExactSizeIterator<Item = u64> + Clone,
        what: &str,
        tag: u32,
        s: &Strings<'_>,
    ) -> Result<Self, LoadError> {
        let n = ids.len();
        let max = ids.clone().max().unwrap_or(0);
        // Counts come from the input: only go dense when the vector stays
        // within a small multiple of the table itself.
        let dense_ok = max <= (2 * n as u64).saturating_add(1024);
        let mut idx = Self { dense: Vec::new(), sparse: HashMap::default() };
        if dense_ok {
            idx.dense = vec![NONE; max as usize + 1];
        }
        for (pos, id) in ids.enumerate() {
            if id == 0 {
                let at = s.offset_of(&[(tag, pos), (1, 0)]);
                return Err(invalid(at, format!("{what} {pos} has the reserved id 0")));
            }
            let pos = pos as u32;
            let dup = if dense_ok {
                std::mem::replace(&mut idx.dense[id as usize], pos) != NONE
            } else {
                idx.sparse.insert(id, pos).is_some()
            };
            if dup {
                let at = s.offset_of(&[(tag, pos as usize), (1, 0)]);
                return Err(invalid(at, format!("two {what}s have the id {id}")));
            }
        }
        Ok(idx)
    }

    /// Position of `id`, if it exists.
    #[inline]
    pub fn get(&self, id: u64) -> Option<usize> {
        let p =
            if self.sparse.is_empty() { *self.dense.get(usize::try_from(id).ok()?)? } else { *self.sparse.get(&id)? };
        (p != NONE).then_some(p as usize)
    }
}

/// Every location as its frames, root (caller) first.
pub struct Locations {
    /// Location id to position.
    pub index: IdIndex,
    /// Frames of all locations, back to back, each location caller first.
    frames: Vec<FrameId>,
    /// Per location: start in `frames` and count.
    ranges: Vec<(u32, u32)>,
    /// Per location: pprof's `prune` (the location itself goes) and
    /// `pruneBeneath` (everything leafward of it goes).
    prune: Vec<Prune>,
}

/// What `drop_frames` does at a location.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prune {
    Keep,
    /// Drop the location and its callees.
    Whole,
    /// Keep the location (its lines trimmed to the callers of the match), drop its callees.
    Beneath,
}

/// The drop/keep regexps, compiled as pprof does (`^(...)$`).
pub struct Pruning {
    drop: regex_lite::Regex,
    keep: Option<regex_lite::Regex>,
}

impl Pruning {
    /// Compiles `drop` and `keep`; `None` (with a warning) when `drop` is
    /// empty or does not compile, as pprof then prunes nothing.
    pub fn new(drop: &str, keep: &str, b: &mut ProfileBuilder) -> Option<Self> {
        if drop.is_empty() {
            return None;
        }
        let compile = |s: &str| regex_lite::Regex::new(&format!("^({s})$"));
        let drop_rx = match compile(drop) {
            Ok(r) => r,
            Err(e) => {
                b.warn(None, None, format!("drop_frames {drop:?} is not a valid regexp ({e}); no frames dropped"));
                return None;
            }
        };
        let keep_rx = if keep.is_empty() {
            None
        } else {
            match compile(keep) {
                Ok(r) => Some(r),
                Err(e) => {
                    b.warn(None, None, format!("keep_frames {keep:?} is not a valid regexp ({e}); ignored"));
                    None
                }
            }
        };
        Some(Self { drop: drop_rx, keep: keep_rx })
    }

    /// True when a frame of function `name` is dropped (pprof trims a
    /// leading `.` and an argument list before matching).
    fn drops(&self, name: &str) -> bool {
        let mut f = name.strip_prefix('.').unwrap_or(name);
        if let Some(i) = f.find('(')
            && i > 0
            && !f[i..].starts_with("(anonymous namespace)")
        {
            f = &f[..i];
        }
        self.drop.is_match(f) && !self.keep.as_ref().is_some_and(|k| k.is_match(f))
    }
}

/// A function, resolved.
struct Func<'s> {
    name: &'s str,
    file: Option<&'s str>,
}

/// Basename as Go's `filepath.Base` gives it on Unix.
fn basename(path: &str) -> &str {
    let t = path.trim_end_matches('/');
    if t.is_empty() {
        return if path.is_empty() { "" } else { "/" };
    }
    t.rsplit('/').next().unwrap_or(t)
}

impl Locations {
    /// Resolves every location of `p` into frames interned in `b`.
    ///
    /// Errors: a repeated or zero id, a line whose function does not exist,
    /// a string index out of range.
    pub fn build(
        p: &proto::ProfileTables,
        s: &Strings<'_>,
        pruning: Option<&Pruning>,
        b: &mut ProfileBuilder,
    ) -> Result<Self, LoadError> {
        let modules = mapping_modules(p, s)?;
        let map_index = IdIndex::new(p.mapping.iter().map(|m| m.id), "mapping", 3, s)?;
        let fn_index = IdIndex::new(p.function.iter().map(|f| f.id), "function", 5, s)?;
        let mut funcs = Vec::with_capacity(p.function.len());
        for (i, f) in p.function.iter().enumerate() {
            let name = s.get(f.name, &[(5, i), (2, 0)], || format!("Function.name of function {}", f.id))?;
            s.get(f.system_name, &[(5, i), (3, 0)], || format!("Function.system_name of function {}", f.id))?;
            let file = s.get(f.filename, &[(5, i), (4, 0)], || format!("Function.filename of function {}", f.id))?;
            funcs.push(Func { name, file: (!file.is_empty()).then_some(file) });
        }
        let index = IdIndex::new(p.location.iter().map(|l| l.id), "location", 4, s)?;
        let mut out = Self {
            index,
            frames: Vec::with_capacity(p.location.len()),
            ranges: Vec::with_capacity(p.location.len()),
            prune: Vec::with_capacity(p.location.len()),
        };
        let mut missing_mapping = 0u64;
        for (li, loc) in p.location.iter().enumerate() {
            let module = match loc.mapping_id {
                0 => "",
                id => match map_index.get(id) {
                    Some(i) => modules[i],
                    None => {
                        missing_mapping += 1;
                        ""
                    }
                },
            };
            let mut lines: Vec<(&Func<'_>, i64)> = Vec::with_capacity(loc.line.len());
            for (j, ln) in loc.line.iter().enumerate() {
                let Some(fi) = fn_index.get(ln.function_id) else {
                    return Err(invalid(
                        s.offset_of(&[(4, li), (4, j), (1, 0)]),
                        format!(
                            "location {} has a line with function id {}, which does not exist",
                            loc.id, ln.function_id
                        ),
                    ));
                };
                lines.push((&funcs[fi], ln.line));
            }
            // pprof's Prune: the outermost matching line, scanning from the caller.
            let mut keep_lines = lines.len();
            let mut prune = Prune::Keep;
            if let Some(pr) = pruning
                && let Some(i) = lines.iter().rposition(|(f, _)| !f.name.is_empty() && pr.drops(f.name))
            {
                if i == lines.len() - 1 {
                    prune = Prune::Whole;
                } else {
                    prune = Prune::Beneath;
                    keep_lines = lines.len() - i - 1;
                }
            }
            let start = out.frames.len() as u32;
            let kept = &lines[lines.len() - keep_lines..];
            // Unsymbolized (no line, or a function without a name): pprof
            // names the node after the binary.
            let unknown = if module.is_empty() { "<unknown>".to_string() } else { format!("[{module}]") };
            if kept.is_empty() {
                out.frames.push(b.frame(FrameRef::new(&unknown, module, FrameKind::Unknown)));
            }
            // Caller (last line) first; every line but the last is inlined.
            for (k, (f, line)) in kept.iter().enumerate().rev() {
                if f.name.is_empty() {
                    out.frames.push(b.frame(FrameRef::new(&unknown, module, FrameKind::Unknown)));
                    continue;
                }
                let kind = if k + 1 == kept.len() { FrameKind::User } else { FrameKind::Inline };
                let line = u32::try_from(*line).ok().filter(|&l| l > 0);
                out.frames.push(b.frame(FrameRef { name: f.name, module, file: f.file, line, kind }));
            }
            out.ranges.push((start, out.frames.len() as u32 - start));
            out.prune.push(prune);
        }
        if missing_mapping > 0 {
            b.warn(
                None,
                None,
                format!(
                    "{missing_mapping} locations refer to a mapping id that does not exist; their module is left empty"
                ),
            );
        }
        Ok(out)
    }

    /// The frames of location `pos`, caller first.
    #[inline]
    pub fn frames(&self, pos: usize) -> &[FrameId] {
        let (s, n) = self.ranges[pos];
        &self.frames[s as usize..(s + n) as usize]
    }

    /// True when no location is pruned (the fast path skips the scan).
    pub fn prunes_nothing(&self) -> bool {
        self.prune.iter().all(|&p| p == Prune::Keep)
    }

    /// Applies pprof's per-sample prune to `locs` (positions, leaf first) and
    /// returns the kept leaf-first slice start: frames leafward of a dropped
    /// location go, but nothing before the first kept root-side location.
    pub fn prune_sample(&self, locs: &[u32]) -> usize {
        let mut found_user = false;
        for i in (0..locs.len()).rev() {
            let p = self.prune[locs[i] as usize];
            if p == Prune::Keep {
                found_user = true;
                continue;
            }
            if !found_user {
                continue;
            }
            return if p == Prune::Whole { i + 1 } else { i };
        }
        0
    }
}

/// Module name of each mapping: its file's basename (`[vdso]` stays as is).
fn mapping_modules<'s>(p: &proto::ProfileTables, s: &'s Strings<'_>) -> Result<Vec<&'s str>, LoadError> {
    p.mapping
        .iter()
        .enumerate()
        .map(|(i, m)| {
            s.get(m.filename, &[(3, i), (5, 0)], || format!("Mapping.filename of mapping {}", m.id)).map(basename)
        })
        .collect()
}

/// The main binary's file name (mapping 0), for `info`.
pub fn main_binary<'s>(p: &proto::ProfileTables, s: &'s Strings<'_>) -> Option<&'s str> {
    let m = p.mapping.first()?;
    s.get(m.filename, &[], String::new).ok().filter(|f| !f.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basenames_like_go() {
        assert_eq!(basename("/usr/lib/libc.so.6"), "libc.so.6");
        assert_eq!(basename("[vdso]"), "[vdso]");
        assert_eq!(basename("dir/"), "dir");
        assert_eq!(basename(""), "");
    }
}
