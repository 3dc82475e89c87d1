//! How values of each type are stored, compiled once per chunk from the
//! metadata, and the generic decoder and skipper built on it.
//!
//! A field is a primitive (`boolean`/`byte` one byte; `char`, `short`,
//! `int`, `long` compressed; `float`/`double` raw), a string, a constant
//! pool key (compressed), or another type's fields inline; any of them may
//! be an array (a compressed count, then the elements). Inline types are
//! followed at most [`MAX_NESTING`] deep, so a type that contains itself is
//! an error rather than endless recursion.

use super::metadata::{ClassDef, Metadata};
use super::reader::{JStr, Read, Reader};

/// Deepest inline nesting followed (real types nest 3 deep).
pub const MAX_NESTING: usize = 32;

/// How one field is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `boolean` or `byte`: one byte.
    Byte,
    /// `char`, `short`, `int`, `long`: a compressed integer.
    Varint,
    /// `float`: four raw bytes.
    Float,
    /// `double`: eight raw bytes.
    Double,
    /// `java.lang.String` inline: an encoding byte and data.
    Str,
    /// A constant pool key of the field's type.
    Ref,
    /// The fields of the class at this index in [`Metadata::classes`], inline.
    Inline(usize),
}

/// One compiled field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Storage.
    pub kind: Kind,
    /// An array of them.
    pub array: bool,
    /// The field's type id (for [`Kind::Ref`], the pool to look in).
    pub type_id: i64,
}

/// Compiled layouts of every type of a chunk, indexed like [`Metadata::classes`].
#[derive(Debug, Clone, Default)]
pub struct Layouts {
    /// Per class, its fields.
    pub classes: Vec<Vec<Field>>,
}

/// A decoded value. Strings borrow from the file.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// Any integer or boolean.
    Long(i64),
    /// `float` or `double`.
    Double(f64),
    /// A string (maybe a key into the string pool).
    Str(JStr<'a>),
    /// A constant pool key.
    Ref(i64),
    /// An inline object: its fields in order.
    Obj(Vec<Value<'a>>),
    /// An array.
    Array(Vec<Value<'a>>),
}

impl Layouts {
    /// Compiles `md`. Errors: a field whose type is not defined.
    pub fn compile(md: &Metadata) -> Result<Self, String> {
        let mut classes = Vec::with_capacity(md.classes.len());
        for c in &md.classes {
            classes.push(compile_class(md, c)?);
        }
        Ok(Self { classes })
    }

    /// Skips one value of field `f`.
    pub fn skip_field(&self, f: Field, r: &mut Reader<'_>, depth: usize) -> Read<()> {
        let n = if f.array { r.count(r.remaining(), "an array length")? } else { 1 };
        for _ in 0..n {
            match f.kind {
                Kind::Byte => r.skip(1, "a byte field")?,
                Kind::Varint | Kind::Ref => {
                    r.varint()?;
                }
                Kind::Float => r.skip(4, "a float field")?,
                Kind::Double => r.skip(8, "a double field")?,
                Kind::Str => r.skip_string()?,
                Kind::Inline(c) => self.skip_object(c, r, depth + 1)?,
            }
        }
        Ok(())
    }

    /// Skips an object of class index `c`.
    pub fn skip_object(&self, c: usize, r: &mut Reader<'_>, depth: usize) -> Read<()> {
        if depth > MAX_NESTING {
            return Err(
                r.error(format!("types nest inline deeper than {MAX_NESTING} levels (a type containing itself?)"))
            );
        }
        for &f in &self.classes[c] {
            self.skip_field(f, r, depth)?;
        }
        Ok(())
    }

    /// Decodes one value of field `f`.
    pub fn read_field<'a>(&self, f: Field, r: &mut Reader<'a>, depth: usize) -> Read<Value<'a>> {
        if f.array {
            let n = r.count(r.remaining(), "an array length")?;
            let mut v = Vec::with_capacity(n.min(4096));
            for _ in 0..n {
                v.push(self.read_one(f, r, depth)?);
            }
            return Ok(Value::Array(v));
        }
        self.read_one(f, r, depth)
    }

    fn read_one<'a>(&self, f: Field, r: &mut Reader<'a>, depth: usize) -> Read<Value<'a>> {
        Ok(match f.kind {
            Kind::Byte => Value::Long(i64::from(r.u8()?)),
            Kind::Varint => Value::Long(r.varint()?),
            Kind::Ref => Value::Ref(r.varint()?),
            Kind::Float => {
                let b = r.bytes(4, "a float field")?;
                Value::Double(f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]])))
            }
            Kind::Double => {
                let b = r.bytes(8, "a double field")?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                Value::Double(f64::from_be_bytes(a))
            }
            Kind::Str => Value::Str(r.string()?),
            Kind::Inline(c) => self.read_object(c, r, depth + 1)?,
        })
    }

    /// Decodes an object of class index `c`.
    pub fn read_object<'a>(&self, c: usize, r: &mut Reader<'a>, depth: usize) -> Read<Value<'a>> {
        if depth > MAX_NESTING {
            return Err(
                r.error(format!("types nest inline deeper than {MAX_NESTING} levels (a type containing itself?)"))
            );
        }
        let fields = &self.classes[c];
        let mut v = Vec::with_capacity(fields.len());
        for &f in fields {
            v.push(self.read_field(f, r, depth)?);
        }
        Ok(Value::Obj(v))
    }
}

fn compile_class(md: &Metadata, c: &ClassDef) -> Result<Vec<Field>, String> {
    let mut out = Vec::with_capacity(c.fields.len());
    for f in &c.fields {
        let Some(&ti) = md.by_id.get(&f.type_id) else {
            return Err(format!(
                "field {} of type {} ({}) has type id {}, which the metadata does not define",
                f.name, c.name, c.id, f.type_id
            ));
        };
        let kind = if f.pooled {
            Kind::Ref
        } else {
            match md.classes[ti].name.as_str() {
                "boolean" | "byte" => Kind::Byte,
                "char" | "short" | "int" | "long" => Kind::Varint,
                "float" => Kind::Float,
                "double" => Kind::Double,
                "java.lang.String" => Kind::Str,
                _ => Kind::Inline(ti),
            }
        };
        out.push(Field { kind, array: f.array, type_id: f.type_id });
    }
    Ok(out)
}

impl<'a> Value<'a> {
    /// Field `i` of an object.
    pub fn at(&self, i: Option<usize>) -> Option<&Value<'a>> {
        match (self, i) {
            (Self::Obj(v), Some(i)) => v.get(i),
            _ => None,
        }
    }

    /// The integer, if it is one.
    pub fn long(&self) -> Option<i64> {
        match self {
            Self::Long(v) | Self::Ref(v) => Some(*v),
            _ => None,
        }
    }
}
