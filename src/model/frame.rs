//! Frames and the interned frame table.
//!
//! A frame is one function (or span, for traces) at one place: name, module
//! (DSO, binary, package or service), optional source file and line, and a
//! kind. The table stores each distinct frame once; samples and stacks refer
//! to it by [`FrameId`]. Lookup hashes the parts without allocating, so a
//! loader can intern straight from borrowed slices of its input.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

use rustc_hash::FxBuildHasher;

use super::ids::FrameId;

/// What kind of code a frame is; views colour kinds differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum FrameKind {
    /// User-space native or interpreted code.
    #[default]
    User,
    /// Kernel code (`[kernel.kallsyms]`, `vmlinux`).
    Kernel,
    /// JIT-compiled code (`/tmp/perf-PID.map`, `jitted-*.so`).
    Jit,
    /// A function inlined into its caller (pprof lines after the first,
    /// perf's inline frames).
    Inline,
    /// A frame whose symbol is unknown (`[unknown]`, unsymbolized addresses).
    Unknown,
}

impl FrameKind {
    /// A short lower-case name: `user`, `kernel`, `jit`, `inline`, `unknown`.
    pub fn name(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Kernel => "kernel",
            Self::Jit => "jit",
            Self::Inline => "inline",
            Self::Unknown => "unknown",
        }
    }
}

/// What text displays show for a frame named `name`: the name, or
/// [`EMPTY_NAME`] when it is empty (a blank box or row reads as nothing at
/// all). Folded and JSON output keep the name as it is.
pub fn shown_name(name: &str) -> &str {
    if name.is_empty() { EMPTY_NAME } else { name }
}

/// Shown in place of an empty frame name.
pub const EMPTY_NAME: &str = "[empty]";

/// One interned frame.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Frame {
    /// The function name as shown in views and folded output (for perf with
    /// `--kernel`, this already carries the `_[k]` suffix inferno adds).
    pub name: String,
    /// Module: DSO path, binary, package or service; empty when unknown.
    pub module: String,
    /// Source file, when the format gives one.
    pub file: Option<String>,
    /// Source line (1-based), when the format gives one.
    pub line: Option<u32>,
    /// What kind of code this is.
    pub kind: FrameKind,
    /// The file `line` is in when it is not `file`: code of the function
    /// inlined from another file (callgrind's `fi=`/`fe=` header code), so
    /// `file` stays the function's own file and `line` still reads right.
    /// `None` (every other format) means `line` is in `file`.
    pub line_file: Option<String>,
}

impl Frame {
    /// The file `line` is in: [`Frame::line_file`], else [`Frame::file`].
    pub fn line_file(&self) -> Option<&str> {
        self.line_file.as_deref().or(self.file.as_deref())
    }
}

/// The frame table: every distinct frame once, indexed by [`FrameId`].
///
/// Representation: frames live in a `Vec`; an index maps the 64-bit hash of a
/// frame's parts to its id. The rare second frame with the same hash goes to a
/// small exact map, so interning is exact without storing each key twice.
#[derive(Clone, Debug, Default)]
pub struct FrameTable {
    frames: Vec<Frame>,
    by_hash: HashMap<u64, FrameId, FxBuildHasher>,
    collisions: HashMap<Frame, FrameId, FxBuildHasher>,
}

/// The borrowed parts of a frame, for interning without allocating.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct FrameRef<'a> {
    /// See [`Frame::name`].
    pub name: &'a str,
    /// See [`Frame::module`].
    pub module: &'a str,
    /// See [`Frame::file`].
    pub file: Option<&'a str>,
    /// See [`Frame::line`].
    pub line: Option<u32>,
    /// See [`Frame::kind`].
    pub kind: FrameKind,
}

impl<'a> FrameRef<'a> {
    /// A frame with just a name and module, of kind `kind`.
    pub fn new(name: &'a str, module: &'a str, kind: FrameKind) -> Self {
        Self { name, module, file: None, line: None, kind }
    }

    fn matches(&self, line_file: Option<&str>, f: &Frame) -> bool {
        line_file == f.line_file.as_deref()
            && self.name == f.name
            && self.module == f.module
            && self.file == f.file.as_deref()
            && self.line == f.line
            && self.kind == f.kind
    }

    fn to_owned_frame(self, line_file: Option<&str>) -> Frame {
        Frame {
            name: self.name.to_string(),
            module: self.module.to_string(),
            file: self.file.map(str::to_string),
            line: self.line,
            kind: self.kind,
            line_file: line_file.map(str::to_string),
        }
    }
}

impl FrameTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `frame`, adding it if it is new.
    pub fn intern(&mut self, frame: FrameRef<'_>) -> FrameId {
        self.intern_with_line_file(frame, None)
    }

    /// The id of `frame` whose line is in `line_file` (see
    /// [`Frame::line_file`]; `None` is [`FrameTable::intern`]), adding it if
    /// it is new.
    pub fn intern_with_line_file(&mut self, frame: FrameRef<'_>, line_file: Option<&str>) -> FrameId {
        let hash = match line_file {
            None => FxBuildHasher.hash_one(frame),
            Some(lf) => FxBuildHasher.hash_one((frame, lf)),
        };
        if let Some(&id) = self.by_hash.get(&hash) {
            if frame.matches(line_file, &self.frames[id.index()]) {
                return id;
            }
            let owned = frame.to_owned_frame(line_file);
            if let Some(&id) = self.collisions.get(&owned) {
                return id;
            }
            let id = self.push(owned.clone());
            self.collisions.insert(owned, id);
            return id;
        }
        let id = self.push(frame.to_owned_frame(line_file));
        self.by_hash.insert(hash, id);
        id
    }

    fn push(&mut self, frame: Frame) -> FrameId {
        let id = FrameId::from_index(self.frames.len());
        self.frames.push(frame);
        id
    }

    /// The frame behind `id`. Panics only on an id from another table.
    pub fn frame(&self, id: FrameId) -> &Frame {
        &self.frames[id.index()]
    }

    /// The frame's name, the most common lookup.
    pub fn name(&self, id: FrameId) -> &str {
        &self.frames[id.index()].name
    }

    /// The frame's name as text displays show it ([`shown_name`]: `[empty]` for "").
    pub fn shown_name(&self, id: FrameId) -> &str {
        shown_name(&self.frames[id.index()].name)
    }

    /// Number of distinct frames.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// True when no frame was added.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// All frames in id order.
    pub fn iter(&self) -> impl Iterator<Item = (FrameId, &Frame)> {
        self.frames.iter().enumerate().map(|(i, f)| (FrameId::from_index(i), f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_once() {
        let mut t = FrameTable::new();
        let a = t.intern(FrameRef::new("main", "app", FrameKind::User));
        let b = t.intern(FrameRef::new("main", "app", FrameKind::User));
        let c = t.intern(FrameRef::new("main", "app", FrameKind::Kernel));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(t.len(), 2);
        assert_eq!(t.name(c), "main");
    }
}
