//! One chunk of a recording: its header, metadata, compiled layouts and
//! the index of its constant pools.
//!
//! Header (68 bytes, big-endian raw, the JDK's `ChunkHeader`): magic
//! `FLR\0`, major and minor version, chunk size, constant pool offset,
//! metadata offset (both from the chunk start), start in epoch ns,
//! duration ns, start ticks, ticks per second, and four bytes of file state
//! and flags (bit 2 of the last: compressed start ticks). The constant pool
//! events of a chunk form a chain: each holds the relative offset of the
//! one before it (0 ends the chain); the header points at the last. Pool
//! entries are indexed here by key and decoded only when an event refers
//! to them.

use rustc_hash::{FxHashMap, FxHashSet};

use super::layout::{Field, Kind, Layouts};
use super::metadata::{self, Metadata};
use super::reader::{Read, ReadError, Reader};

/// Size of a chunk header.
pub const HEADER_SIZE: usize = 68;

/// The magic at the start of every chunk.
pub const MAGIC: &[u8; 4] = b"FLR\0";

/// A parsed chunk header.
#[derive(Debug, Clone, Copy)]
pub struct Header {
    /// Major version (1 or 2).
    pub major: u16,
    /// Minor version.
    pub minor: u16,
    /// Whole chunk size, header included.
    pub size: u64,
    /// Offset of the last constant pool event, from the chunk start.
    pub cp_offset: u64,
    /// Offset of the metadata event, from the chunk start.
    pub md_offset: u64,
    /// Chunk start, ns since the epoch.
    pub start_ns: i64,
    /// Chunk duration in ns.
    pub duration_ns: i64,
    /// Chunk start in ticks.
    pub start_ticks: i64,
    /// Ticks per second.
    pub ticks_per_second: i64,
    /// Start ticks of events are stored relative to a base (JDK 25+).
    pub compressed_ticks: bool,
}

/// Reads the header of the chunk at file offset `at` from `rest`, the
/// bytes from there on (at least the header's, when there are that many);
/// `left` is how many bytes the file holds from `at` on, when known.
/// Errors name the offset: a short header, a wrong magic, a version other
/// than 1.x or 2.x, sizes that do not fit the chunk or the file.
pub fn header(rest: &[u8], at: u64, left: Option<u64>) -> Read<Header> {
    if rest.len() < HEADER_SIZE {
        return Err(ReadError {
            at,
            what: format!(
                "a chunk header needs {HEADER_SIZE} bytes but only {} remain; the file is truncated",
                rest.len()
            ),
        });
    }
    let mut r = Reader::new(&rest[..HEADER_SIZE], at, "chunk header");
    let magic = r.bytes(4, "the magic")?;
    if magic != MAGIC {
        return Err(ReadError { at, what: format!("expected the JFR chunk magic `FLR\\0`, found {}", hex(magic)) });
    }
    let major = r.raw_u16()?;
    let minor = r.raw_u16()?;
    if major != 1 && major != 2 {
        return Err(ReadError {
            at: at + 4,
            what: format!(
                "JFR file version {major}.{minor} is not supported; Firesight reads versions 1.x and 2.x \
                 (JDK 11 and later, async-profiler), as the JDK's own reader does"
            ),
        });
    }
    let mut h = Header {
        major,
        minor,
        size: r.raw_i64()? as u64,
        cp_offset: r.raw_i64()? as u64,
        md_offset: r.raw_i64()? as u64,
        start_ns: r.raw_i64()?,
        duration_ns: r.raw_i64()?,
        start_ticks: r.raw_i64()?,
        ticks_per_second: r.raw_i64()?,
        compressed_ticks: false,
    };
    let flags = r.bytes(4, "the file state and flags")?;
    h.compressed_ticks = flags[3] & 4 != 0;
    if let Some(left) = left.filter(|&l| h.size > l) {
        return Err(truncated(at, h.size, left));
    }
    if h.size < HEADER_SIZE as u64 {
        return Err(ReadError {
            at: at + 8,
            what: format!(
                "the chunk size is {}; a finished chunk is at least {HEADER_SIZE} bytes \
                 (0 means the recording was still being written)",
                h.size as i64
            ),
        });
    }
    for (name, off, pos) in [("metadata", h.md_offset, 24u64), ("constant pool", h.cp_offset, 16)] {
        if off < HEADER_SIZE as u64 || off >= h.size {
            return Err(ReadError {
                at: at + pos,
                what: format!(
                    "the {name} offset {} is outside the chunk of {} bytes (expected {HEADER_SIZE}..{})",
                    off as i64, h.size, h.size
                ),
            });
        }
    }
    if h.ticks_per_second <= 0 {
        return Err(ReadError {
            at: at + 56,
            what: format!("ticks per second is {}; expected a positive number", h.ticks_per_second),
        });
    }
    Ok(h)
}

/// The error for a chunk at `at` that says it is `size` bytes when only
/// `left` remain in the file.
pub fn truncated(at: u64, size: u64, left: u64) -> ReadError {
    ReadError {
        at: at + 8,
        what: format!(
            "the chunk says it is {size} bytes but only {left} remain; the file is truncated \
             (or the recording was still being written)"
        ),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
}

/// A chunk ready to read events from.
///
/// Offsets inside a chunk count from its start (its bytes are read into a
/// buffer of their own, reused for a later chunk once its events are
/// read); `base` turns them into file offsets for errors. The chunk keeps
/// a copy of its constant pool events ([`Pools`]), which later chunks may
/// refer to.
#[derive(Debug)]
pub struct Chunk {
    /// File offset of the chunk.
    pub base: u64,
    /// Size of the chunk, header included.
    pub size: usize,
    /// The header.
    pub header: Header,
    /// The types.
    pub md: Metadata,
    /// Their layouts.
    pub layouts: Layouts,
    /// The constant pools.
    pub pools: Pools,
    /// Ticks per ns, as the JDK's `TimeConverter` computes it.
    pub divisor: f64,
    /// One tick is one ns.
    ns_ticks: bool,
}

/// A chunk's constant pool events, copied out of the chunk, and their
/// entries by type id and key.
#[derive(Debug, Default)]
pub struct Pools {
    /// The pool events' bytes, one after the other.
    data: Vec<u8>,
    /// Per pool event: where it starts in `data` and in the file.
    segments: Vec<(usize, u64)>,
    /// Type id, then key, to the offset of the value in `data`.
    index: FxHashMap<i64, FxHashMap<i64, usize>>,
}

impl Pools {
    /// A reader at the value of entry `key` of the pool of type `ty`,
    /// bounded by the pool event it is in.
    pub fn reader(&self, ty: i64, key: i64) -> Option<Reader<'_>> {
        let off = *self.index.get(&ty)?.get(&key)?;
        let seg = self.segments.partition_point(|&(start, _)| start <= off).checked_sub(1)?;
        let (start, file_at) = self.segments[seg];
        let end = self.segments.get(seg + 1).map_or(self.data.len(), |&(next, _)| next);
        Some(Reader::new(&self.data[off..end], file_at + (off - start) as u64, "constant pool"))
    }
}

impl Chunk {
    /// Opens the chunk held in `data` (all of its bytes), which starts at
    /// file offset `base`.
    pub fn open(data: &[u8], base: u64) -> Read<Self> {
        let header = header(data, base, Some(data.len() as u64))?;
        let size = header.size as usize;
        let md_at = header.md_offset as usize;
        let mut r = event_reader(data, base, md_at, size, "metadata event")?;
        let md = metadata::parse(&mut r)?;
        let layouts = Layouts::compile(&md).map_err(|what| ReadError { at: base + md_at as u64, what })?;
        let mut c = Self {
            base,
            size,
            header,
            md,
            layouts,
            pools: Pools::default(),
            divisor: header.ticks_per_second as f64 / 1_000_000_000.0,
            ns_ticks: header.ticks_per_second == 1_000_000_000,
        };
        c.index_pools(data)?;
        Ok(c)
    }

    /// Converts a start time in ticks to ns since the epoch.
    #[inline]
    pub fn time_ns(&self, ticks: i64) -> i64 {
        let d = ticks.wrapping_sub(self.header.start_ticks);
        if self.ns_ticks && d.unsigned_abs() < 1 << 53 {
            // Ticks are ns (Linux): the JDK's division by 1.0 is exact here.
            return self.header.start_ns.wrapping_add(d);
        }
        self.header.start_ns.wrapping_add((d as f64 / self.divisor) as i64)
    }

    /// Converts a duration in ticks to ns.
    #[inline]
    pub fn span_ns(&self, ticks: i64) -> i64 {
        if self.ns_ticks && ticks.unsigned_abs() < 1 << 53 {
            return ticks;
        }
        (ticks as f64 / self.divisor) as i64
    }

    fn index_pools(&mut self, data: &[u8]) -> Read<()> {
        let mut at = self.header.cp_offset as usize;
        let mut seen = FxHashSet::default();
        loop {
            if !seen.insert(at) {
                return Err(ReadError {
                    at: self.base + at as u64,
                    what: "the constant pool chain comes back to a pool it already read; expected it to end with a delta of 0".into(),
                });
            }
            let mut r = event_reader(data, self.base, at, self.size, "constant pool event")?;
            // Keep a copy of the event: entries are decoded from it after the chunk's buffer is reused.
            let copy = self.pools.data.len();
            self.pools.data.extend_from_slice(&data[at..at + r.remaining()]);
            let file_at = self.base + at as u64;
            self.pools.segments.push((copy, file_at));
            r.varint()?;
            let ty_at = r.offset();
            let ty = r.varint()?;
            if ty != 1 {
                return Err(ReadError {
                    at: ty_at,
                    what: format!("expected a constant pool event (type 1) here, found type {ty}"),
                });
            }
            r.varint()?; // start
            r.varint()?; // duration
            let delta_at = r.offset();
            let delta = r.varint()?;
            r.u8()?; // flush / type flags
            let n = r.count(r.remaining(), "the number of pools")?;
            let to_copy = |off: u64| copy + (off - file_at) as usize;
            for _ in 0..n {
                index_pool(&self.md, &self.layouts, &mut self.pools.index, &mut r, to_copy)?;
            }
            if delta == 0 {
                return Ok(());
            }
            let next = (at as i64).checked_add(delta).filter(|&n| n >= HEADER_SIZE as i64 && (n as usize) < self.size);
            let Some(next) = next else {
                return Err(ReadError {
                    at: delta_at,
                    what: format!("the delta {delta} to the previous constant pool points outside the chunk"),
                });
            };
            at = next as usize;
        }
    }
}

/// Indexes one pool of a constant pool event: each key to where its value
/// starts (`to_copy` turns a file offset into one in the pools' copy).
fn index_pool(
    md: &Metadata,
    layouts: &Layouts,
    index: &mut FxHashMap<i64, FxHashMap<i64, usize>>,
    r: &mut Reader<'_>,
    to_copy: impl Fn(u64) -> usize,
) -> Read<()> {
    let ty_at = r.offset();
    let ty = r.varint()?;
    let Some(&ci) = md.by_id.get(&ty) else {
        return Err(ReadError {
            at: ty_at,
            what: format!("a constant pool of type id {ty}, which the metadata does not define"),
        });
    };
    let count = r.count(r.remaining(), "the number of constants")?;
    let pool = index.entry(ty).or_default();
    pool.reserve(count);
    let whole = Field { kind: Kind::Inline(ci), array: false, type_id: ty };
    let string = md.classes[ci].name == "java.lang.String";
    for _ in 0..count {
        let key = r.varint()?;
        pool.insert(key, to_copy(r.offset()));
        if string {
            r.skip_string()?;
        } else {
            layouts.skip_field(whole, r, 0)?;
        }
    }
    Ok(())
}

/// The error for an event at file offset `at` whose size field says
/// `size` when `left` bytes remain in its chunk.
pub fn bad_event_size(at: u64, size: i64, left: usize) -> ReadError {
    ReadError {
        at,
        what: format!("the event here says it is {size} bytes; expected 1 to the {left} bytes left in the chunk"),
    }
}

/// A reader over the event at `at` of the chunk held in `data` (file
/// offset `base`), bounded by its size field and the chunk end `end`.
pub fn event_reader<'a>(data: &'a [u8], base: u64, at: usize, end: usize, what: &'static str) -> Read<Reader<'a>> {
    let mut r = Reader::new(&data[at..end], base + at as u64, what);
    let size_at = r.offset();
    let size = r.varint()?;
    if size <= 0 || size as u64 > (end - at) as u64 {
        return Err(ReadError {
            at: size_at,
            what: format!(
                "the {what} here says it is {size} bytes; expected 1 to the {} bytes left in the chunk",
                end - at
            ),
        });
    }
    Ok(Reader::new(&data[at..at + size as usize], base + at as u64, what))
}
