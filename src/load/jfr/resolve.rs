//! Constant pool entries to the model: stack traces to stacks of
//! `package.Class.method` frames with their lines, threads to model
//! threads, strings and symbols to text.
//!
//! An entry is looked up in the current chunk's pools first, then in the
//! chunks before it, newest first (a pool entry a later chunk only refers
//! to), each decoded with its own chunk's types. Results are cached per
//! chunk by key, so each stack trace is decoded once however many events
//! share it. A key found nowhere resolves to nothing and is counted.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use super::chunk::Chunk;
use super::layout::Value;
use super::reader::{JStr, Read, Reader};
use crate::model::frame::FrameRef;
use crate::model::{FrameKind, ProfileBuilder, StackId, Thread, ThreadId};

/// A decoded method: its frame name and whether the JVM hides it.
#[derive(Debug, Clone)]
struct Method {
    name: String,
    hidden: bool,
}

/// Per-chunk caches and the counters of keys that were not found.
#[derive(Debug, Default)]
pub struct Resolver {
    stacks: FxHashMap<i64, Option<StackId>>,
    threads: FxHashMap<i64, Option<ThreadId>>,
    methods: FxHashMap<i64, Option<Method>>,
    frame_types: FxHashMap<i64, FrameKind>,
    /// References to pool entries that no chunk holds.
    pub missing: u64,
    /// Stack traces the producer marked truncated.
    pub truncated: u64,
    path: Vec<crate::model::FrameId>,
    /// The last stack and thread resolved: consecutive events of one
    /// thread's buffer mostly repeat them.
    last_stack: Option<(i64, Option<StackId>)>,
    last_thread: Option<(i64, Option<ThreadId>)>,
}

/// The chunks read so far, the current one last.
pub struct Chunks<'c> {
    /// Chunks, oldest first; the last is the one being read.
    pub list: &'c [Chunk],
}

impl<'c> Chunks<'c> {
    /// Finds entry `key` of the pool of type `type_id` (of the current
    /// chunk): the chunk it is in (newest first, the type found by name in
    /// older chunks), its type id there and a reader at its value.
    fn find(&self, type_id: i64, key: i64) -> Option<(&'c Chunk, i64, Reader<'c>)> {
        let cur = self.list.last()?;
        let name = cur.md.class(type_id).map(|c| c.name.as_str());
        for c in self.list.iter().rev() {
            let ty = if std::ptr::eq(c, cur) { Some(type_id) } else { name.and_then(|n| c.md.id_of(n)) };
            let Some(ty) = ty else { continue };
            if let Some(r) = c.pools.reader(ty, key) {
                return Some((c, ty, r));
            }
        }
        None
    }

    /// Decodes entry `key` of the pool of type `type_id`: the chunk it came
    /// from, its type id there and its value.
    fn object(&self, type_id: i64, key: i64) -> Read<Option<(&'c Chunk, i64, Value<'c>)>> {
        let Some((c, ty, mut r)) = self.find(type_id, key) else { return Ok(None) };
        let Some(&ci) = c.md.by_id.get(&ty) else { return Ok(None) };
        if c.md.classes[ci].name == "java.lang.String" {
            return Ok(Some((c, ty, Value::Str(r.string()?))));
        }
        Ok(Some((c, ty, c.layouts.read_object(ci, &mut r, 0)?)))
    }

    /// Text of a string value (resolving a string pool key).
    fn text(&self, c: &Chunk, v: Option<&Value<'c>>) -> Read<Option<Cow<'c, str>>> {
        match v {
            Some(Value::Str(JStr::Text(s))) => Ok(Some(s.clone())),
            Some(Value::Str(JStr::Empty)) => Ok(Some(Cow::Borrowed(""))),
            Some(Value::Str(JStr::Pool(k))) => {
                let Some(ty) = c.md.id_of("java.lang.String") else { return Ok(None) };
                let sub = Chunks { list: older_list(self.list, c) };
                match sub.object(ty, *k)? {
                    Some((_, _, Value::Str(JStr::Text(s)))) => Ok(Some(s)),
                    _ => Ok(None),
                }
            }
            _ => Ok(None),
        }
    }

    /// The text of a field of `obj` (class `ty` of chunk `c`) that is a
    /// string, or a pooled `Symbol` (its `string`).
    fn field_text(&self, c: &Chunk, ty: i64, obj: &Value<'c>, field: &str) -> Read<Option<Cow<'c, str>>> {
        let Some(class) = c.md.class(ty) else { return Ok(None) };
        let Some(i) = class.field(field) else { return Ok(None) };
        let f = &class.fields[i];
        match obj.at(Some(i)) {
            Some(Value::Ref(k)) => {
                let Some((sc, sty, sym)) = self.object(f.type_id, *k)? else { return Ok(None) };
                if let Value::Str(_) = sym {
                    return self.text(sc, Some(&sym));
                }
                let si = sc.md.class(sty).and_then(|s| s.field("string"));
                self.text(sc, sym.at(si))
            }
            v => self.text(c, v),
        }
    }
}

impl Resolver {
    /// A fresh resolver for the next chunk (caches are per chunk: keys are).
    pub fn next_chunk(&mut self) {
        self.stacks.clear();
        self.threads.clear();
        self.methods.clear();
        self.frame_types.clear();
        self.last_stack = None;
        self.last_thread = None;
    }

    /// The model thread for thread key `key` (pool type `type_id`).
    pub fn thread(
        &mut self,
        cs: &Chunks<'_>,
        type_id: i64,
        key: i64,
        b: &mut ProfileBuilder,
    ) -> Read<Option<ThreadId>> {
        if let Some((k, t)) = self.last_thread
            && k == key
        {
            return Ok(t);
        }
        if let Some(&t) = self.threads.get(&key) {
            self.last_thread = Some((key, t));
            return Ok(t);
        }
        let t = match cs.object(type_id, key)? {
            None => {
                self.missing += u64::from(key != 0);
                None
            }
            Some((c, ty, obj)) => {
                let java = cs.field_text(c, ty, &obj, "javaName")?.filter(|s| !s.is_empty());
                let name = match java {
                    Some(n) => n,
                    None => cs.field_text(c, ty, &obj, "osName")?.unwrap_or_default(),
                };
                let os_tid = c.md.class(ty).and_then(|k| k.field("osThreadId")).and_then(|i| obj.at(Some(i))?.long());
                let tid = os_tid.and_then(|t| u32::try_from(t).ok());
                Some(b.thread(Thread { pid: None, tid, name: name.into_owned() }))
            }
        };
        self.threads.insert(key, t);
        self.last_thread = Some((key, t));
        Ok(t)
    }

    /// The model stack for stack trace key `key` (pool type `type_id`):
    /// frames leaf first in the file, interned root first; hidden frames
    /// (lambda forms, hidden classes) left out as `jfr print` leaves them out.
    pub fn stack(&mut self, cs: &Chunks<'_>, type_id: i64, key: i64, b: &mut ProfileBuilder) -> Read<Option<StackId>> {
        if let Some((k, s)) = self.last_stack
            && k == key
        {
            return Ok(s);
        }
        let s = match self.stacks.get(&key) {
            Some(&s) => s,
            None => {
                let s = self.decode_stack(cs, type_id, key, b)?;
                self.stacks.insert(key, s);
                s
            }
        };
        self.last_stack = Some((key, s));
        Ok(s)
    }

    fn decode_stack(
        &mut self,
        cs: &Chunks<'_>,
        type_id: i64,
        key: i64,
        b: &mut ProfileBuilder,
    ) -> Read<Option<StackId>> {
        let Some((c, ty, obj)) = cs.object(type_id, key)? else {
            self.missing += u64::from(key != 0);
            return Ok(None);
        };
        let Some(class) = c.md.class(ty) else { return Ok(None) };
        if obj.at(class.field("truncated")).and_then(Value::long).is_some_and(|t| t != 0) {
            self.truncated += 1;
        }
        let Some(fi) = class.field("frames") else { return Ok(None) };
        let Some(Value::Array(frames)) = obj.at(Some(fi)) else { return Ok(None) };
        let Some(frame_class) = c.md.class(class.fields[fi].type_id) else { return Ok(None) };
        let (mi, li, ti) = (frame_class.field("method"), frame_class.field("lineNumber"), frame_class.field("type"));
        let method_ty = mi.map(|i| frame_class.fields[i].type_id);
        let type_ty = ti.map(|i| frame_class.fields[i].type_id);
        let same_chunk = cs.list.last().is_some_and(|l| std::ptr::eq(l, c));
        let older = Chunks { list: older_list(cs.list, c) };
        let mut path = std::mem::take(&mut self.path);
        path.clear();
        for f in frames {
            let (Some(mk), Some(mty)) = (f.at(mi).and_then(Value::long), method_ty) else { continue };
            let Some(m) = self.method(if same_chunk { cs } else { &older }, mty, mk, same_chunk)? else { continue };
            if m.hidden {
                continue;
            }
            let line = f.at(li).and_then(Value::long).and_then(|l| u32::try_from(l).ok()).filter(|&l| l > 0);
            let kind = match (f.at(ti).and_then(Value::long), type_ty) {
                (Some(k), Some(t)) => self.frame_kind(if same_chunk { cs } else { &older }, t, k, same_chunk)?,
                _ => FrameKind::User,
            };
            let id = b.frame(FrameRef { name: &m.name, module: "", file: None, line, kind });
            path.push(id);
        }
        let mut parent = None;
        for &f in path.iter().rev() {
            parent = Some(b.stack(parent, f));
        }
        self.path = path;
        Ok(parent)
    }

    fn method(&mut self, cs: &Chunks<'_>, ty: i64, key: i64, cache: bool) -> Read<Option<Method>> {
        if cache && let Some(m) = self.methods.get(&key) {
            return Ok(m.clone());
        }
        let m = match cs.object(ty, key)? {
            None => {
                self.missing += 1;
                None
            }
            Some((c, mty, obj)) => {
                let class = c.md.class(mty);
                let name = cs.field_text(c, mty, &obj, "name")?.unwrap_or_default();
                let hidden =
                    class.and_then(|k| k.field("hidden")).and_then(|i| obj.at(Some(i))?.long()).is_some_and(|h| h != 0);
                let owner = match (class.and_then(|k| k.field("type")), class) {
                    (Some(i), Some(k)) => match obj.at(Some(i)) {
                        Some(Value::Ref(ck)) => match cs.object(k.fields[i].type_id, *ck)? {
                            Some((cc, cty, cobj)) => cs.field_text(cc, cty, &cobj, "name")?,
                            None => None,
                        },
                        _ => None,
                    },
                    _ => None,
                };
                let full = match owner.filter(|o| !o.is_empty()) {
                    Some(o) => format!("{}.{name}", o.replace('/', ".")),
                    None => name.into_owned(),
                };
                Some(Method { name: full, hidden })
            }
        };
        if cache {
            self.methods.insert(key, m.clone());
        }
        Ok(m)
    }

    fn frame_kind(&mut self, cs: &Chunks<'_>, ty: i64, key: i64, cache: bool) -> Read<FrameKind> {
        if cache && let Some(&k) = self.frame_types.get(&key) {
            return Ok(k);
        }
        let kind = match cs.object(ty, key)? {
            Some((c, fty, obj)) => kind_of(cs.field_text(c, fty, &obj, "description")?.as_deref().unwrap_or("")),
            None => FrameKind::User,
        };
        if cache {
            self.frame_types.insert(key, kind);
        }
        Ok(kind)
    }
}

/// The chunks up to and including `c`.
fn older_list<'c>(list: &'c [Chunk], c: &Chunk) -> &'c [Chunk] {
    let n = list.iter().position(|x| std::ptr::eq(x, c)).map_or(list.len(), |i| i + 1);
    &list[..n]
}

/// Frame kinds by the JDK's and async-profiler's frame type names. Java
/// frames all stay `User` whether interpreted or compiled, so one method is
/// one function in the views whichever way it ran; inlined frames are
/// `Inline` (the same function as their out-of-line copy).
fn kind_of(description: &str) -> FrameKind {
    match description {
        "Inlined" => FrameKind::Inline,
        "Kernel" => FrameKind::Kernel,
        _ => FrameKind::User,
    }
}
