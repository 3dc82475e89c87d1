//! The metadata event of a chunk: the type system every other byte of the
//! chunk is read with.
//!
//! Layout (the JDK's `MetadataReader`, async-profiler's `jfrMetadata.cpp`):
//! after the event header (size, type 0, start, duration, metadata id) a
//! string table (count, strings), then a tree of elements, each a name
//! (string index), attributes (count, key and value string indices) and
//! children. The `metadata` element's `class` children are the types:
//! `name`, `id`, `superType`, with `field` children (`name`, `class` = the
//! field's type id, `dimension` = 1 for arrays, `constantPool` = stored as a
//! key into that type's constant pool).

use rustc_hash::FxHashMap;

use super::reader::{JStr, Read, ReadError, Reader};

/// Deepest element nesting accepted (real files nest 4 deep).
const MAX_DEPTH: usize = 64;

/// One field of a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    /// Field name (`startTime`, `stackTrace` ...).
    pub name: String,
    /// The field's type id.
    pub type_id: i64,
    /// An array (`dimension="1"`).
    pub array: bool,
    /// Stored as a constant pool key.
    pub pooled: bool,
}

/// One type (`class` element).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassDef {
    /// Type id, as events and pools name it.
    pub id: i64,
    /// Type name (`jdk.ExecutionSample`, `java.lang.Thread`, `long` ...).
    pub name: String,
    /// `superType` (`jdk.jfr.Event` for event types).
    pub super_type: Option<String>,
    /// Fields in storage order.
    pub fields: Vec<FieldDef>,
}

impl ClassDef {
    /// Index of the field called `name`.
    pub fn field(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

/// The types of one chunk, by id.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    /// Every type.
    pub classes: Vec<ClassDef>,
    /// Type id to index in `classes`.
    pub by_id: FxHashMap<i64, usize>,
}

impl Metadata {
    /// The type with id `id`.
    pub fn class(&self, id: i64) -> Option<&ClassDef> {
        self.by_id.get(&id).map(|&i| &self.classes[i])
    }

    /// The id of the type named `name`.
    pub fn id_of(&self, name: &str) -> Option<i64> {
        self.classes.iter().find(|c| c.name == name).map(|c| c.id)
    }
}

struct Element {
    name: u32,
    attrs: Vec<(u32, u32)>,
    children: Vec<Element>,
}

/// Parses the metadata event whose bytes (from its size field on) are `r`.
pub fn parse(r: &mut Reader<'_>) -> Read<Metadata> {
    r.varint()?; // size, already bounded by the caller
    let at = r.offset();
    let ty = r.varint()?;
    if ty != 0 {
        return Err(ReadError { at, what: format!("expected the metadata event (type 0) here, found type {ty}") });
    }
    r.varint()?; // start time
    r.varint()?; // duration
    r.varint()?; // metadata id
    let n = r.count(r.remaining(), "the metadata string count")?;
    let mut strings = Vec::with_capacity(n);
    for _ in 0..n {
        let at = r.offset();
        strings.push(match r.string()? {
            JStr::Null | JStr::Empty => String::new(),
            JStr::Text(s) => s.into_owned(),
            JStr::Pool(_) => {
                return Err(ReadError {
                    at,
                    what: "a metadata string refers to a constant pool; expected text".into(),
                });
            }
        });
    }
    let root = element(r, &strings, 0)?;
    build(&root, &strings).map_err(|what| ReadError { at: r.offset(), what })
}

fn index(r: &mut Reader<'_>, strings: &[String]) -> Read<u32> {
    let at = r.offset();
    let v = r.varint()?;
    match usize::try_from(v) {
        Ok(i) if i < strings.len() => Ok(i as u32),
        _ => Err(ReadError {
            at,
            what: format!("metadata string index {v} is outside the string table of {} strings", strings.len()),
        }),
    }
}

fn element(r: &mut Reader<'_>, strings: &[String], depth: usize) -> Read<Element> {
    if depth > MAX_DEPTH {
        return Err(r.error(format!("metadata elements nest deeper than {MAX_DEPTH} levels")));
    }
    let name = index(r, strings)?;
    // Each attribute takes at least two bytes, each child at least three.
    let na = r.count(r.remaining() / 2, "a metadata element's attribute count")?;
    let mut attrs = Vec::with_capacity(na);
    for _ in 0..na {
        attrs.push((index(r, strings)?, index(r, strings)?));
    }
    let nc = r.count(r.remaining() / 3, "a metadata element's child count")?;
    let mut children = Vec::with_capacity(nc);
    for _ in 0..nc {
        children.push(element(r, strings, depth + 1)?);
    }
    Ok(Element { name, attrs, children })
}

fn build(root: &Element, s: &[String]) -> Result<Metadata, String> {
    let name = |e: &Element| s[e.name as usize].as_str();
    let attr = |e: &Element, key: &str| {
        e.attrs.iter().find(|(k, _)| s[*k as usize] == key).map(|(_, v)| s[*v as usize].as_str())
    };
    let Some(meta) = root.children.iter().find(|e| name(e) == "metadata") else {
        return Err("the metadata has no `metadata` element; expected the type definitions there".into());
    };
    let mut md = Metadata::default();
    for c in meta.children.iter().filter(|e| name(e) == "class") {
        let id_text = attr(c, "id").unwrap_or("");
        let Ok(id) = id_text.parse::<i64>() else {
            return Err(format!("a metadata class has id {id_text:?}; expected a number"));
        };
        let mut fields = Vec::new();
        for f in c.children.iter().filter(|e| name(e) == "field") {
            let ty_text = attr(f, "class").unwrap_or("");
            let Ok(type_id) = ty_text.parse::<i64>() else {
                return Err(format!("a field of metadata class {id} has type {ty_text:?}; expected a type id"));
            };
            fields.push(FieldDef {
                name: attr(f, "name").unwrap_or("").to_string(),
                type_id,
                array: attr(f, "dimension").is_some_and(|d| d != "0"),
                pooled: attr(f, "constantPool").is_some_and(|v| v == "true"),
            });
        }
        md.by_id.insert(id, md.classes.len());
        md.classes.push(ClassDef {
            id,
            name: attr(c, "name").unwrap_or("").to_string(),
            super_type: attr(c, "superType").map(str::to_string),
            fields,
        });
    }
    Ok(md)
}
