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

/// Reads the header of the chunk at absolute offset `at`; `file` is the
/// whole file. Errors name the offset: a short header, a wrong magic, a
/// version other than 1.x or 2.x, sizes that do not fit the file.
pub fn header(file: &[u8], at: usize) -> Read<Header> {
    let rest = &file[at..];
    if rest.len() < HEADER_SIZE {
        return Err(ReadError {
            at: at as u64,
            what: format!(
                "a chunk header needs {HEADER_SIZE} bytes but only {} remain; the file is truncated",
                rest.len()
            ),
        });
    }
    let mut r = Reader::new(&rest[..HEADER_SIZE], at as u64, "chunk header");
    let magic = r.bytes(4, "the magic")?;
    if magic != MAGIC {
        return Err(ReadError {
            at: at as u64,
            what: format!("expected the JFR chunk magic `FLR\\0`, found {}", hex(magic)),
        });
    }
    let major = r.raw_u16()?;
    let minor = r.raw_u16()?;
    if major != 1 && major != 2 {
        return Err(ReadError {
            at: at as u64 + 4,
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
    let left = rest.len() as u64;
    if h.size < HEADER_SIZE as u64 || h.size > left {
        return Err(ReadError {
            at: at as u64 + 8,
            what: if h.size > left {
                format!(
                    "the chunk says it is {} bytes but only {left} remain; the file is truncated \
                     (or the recording was still being written)",
                    h.size
                )
            } else {
                format!(
                    "the chunk size is {}; a finished chunk is at least {HEADER_SIZE} bytes \
                     (0 means the recording was still being written)",
                    h.size as i64
                )
            },
        });
    }
    for (name, off, pos) in [("metadata", h.md_offset, 24u64), ("constant pool", h.cp_offset, 16)] {
        if off < HEADER_SIZE as u64 || off >= h.size {
            return Err(ReadError {
                at: at as u64 + pos,
                what: format!(
                    "the {name} offset {} is outside the chunk of {} bytes (expected {HEADER_SIZE}..{})",
                    off as i64, h.size, h.size
                ),
            });
        }
    }
    if h.ticks_per_second <= 0 {
        return Err(ReadError {
            at: at as u64 + 56,
            what: format!("ticks per second is {}; expected a positive number", h.ticks_per_second),
        });
    }
    Ok(h)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
}

/// A chunk ready to read events from.
#[derive(Debug)]
pub struct Chunk {
    /// Absolute offset of the chunk.
    pub start: usize,
    /// Absolute end (exclusive).
    pub end: usize,
    /// The header.
    pub header: Header,
    /// The types.
    pub md: Metadata,
    /// Their layouts.
    pub layouts: Layouts,
    /// Pool entries: type id, then key, to the absolute offset of the value.
    pub pools: FxHashMap<i64, FxHashMap<i64, usize>>,
    /// Ticks per ns, as the JDK's `TimeConverter` computes it.
    pub divisor: f64,
    /// One tick is one ns.
    ns_ticks: bool,
}

impl Chunk {
    /// Opens the chunk at `start` of `file`.
    pub fn open(file: &[u8], start: usize) -> Read<Self> {
        let header = header(file, start)?;
        let end = start + header.size as usize;
        let md_at = start + header.md_offset as usize;
        let mut r = event_reader(file, md_at, end, "metadata event")?;
        let md = metadata::parse(&mut r)?;
        let layouts = Layouts::compile(&md).map_err(|what| ReadError { at: md_at as u64, what })?;
        let mut c = Self {
            start,
            end,
            header,
            md,
            layouts,
            pools: FxHashMap::default(),
            divisor: header.ticks_per_second as f64 / 1_000_000_000.0,
            ns_ticks: header.ticks_per_second == 1_000_000_000,
        };
        c.index_pools(file)?;
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

    fn index_pools(&mut self, file: &[u8]) -> Read<()> {
        let mut at = self.start + self.header.cp_offset as usize;
        let mut seen = FxHashSet::default();
        loop {
            if !seen.insert(at) {
                return Err(ReadError {
                    at: at as u64,
                    what: "the constant pool chain comes back to a pool it already read; expected it to end with a delta of 0".into(),
                });
            }
            let mut r = event_reader(file, at, self.end, "constant pool event")?;
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
            for _ in 0..n {
                self.index_pool(&mut r)?;
            }
            if delta == 0 {
                return Ok(());
            }
            let next = (at as i64)
                .checked_add(delta)
                .filter(|&n| n >= (self.start + HEADER_SIZE) as i64 && (n as usize) < self.end);
            let Some(next) = next else {
                return Err(ReadError {
                    at: delta_at,
                    what: format!("the delta {delta} to the previous constant pool points outside the chunk"),
                });
            };
            at = next as usize;
        }
    }

    fn index_pool(&mut self, r: &mut Reader<'_>) -> Read<()> {
        let ty_at = r.offset();
        let ty = r.varint()?;
        let Some(&ci) = self.md.by_id.get(&ty) else {
            return Err(ReadError {
                at: ty_at,
                what: format!("a constant pool of type id {ty}, which the metadata does not define"),
            });
        };
        let count = r.count(r.remaining(), "the number of constants")?;
        let pool = self.pools.entry(ty).or_default();
        pool.reserve(count);
        let whole = Field { kind: Kind::Inline(ci), array: false, type_id: ty };
        let string = self.md.classes[ci].name == "java.lang.String";
        for _ in 0..count {
            let key = r.varint()?;
            pool.insert(key, r.offset() as usize);
            if string {
                r.skip_string()?;
            } else {
                self.layouts.skip_field(whole, r, 0)?;
            }
        }
        Ok(())
    }
}

/// The event at absolute `at`: its size (checked against the chunk end)
/// and a reader from its start to the chunk end, so compressed integers
/// near its end take the fast path. The caller checks that what it read
/// stayed inside the size ([`Reader::remaining`] before and after).
#[inline]
pub fn event_at<'a>(file: &'a [u8], at: usize, end: usize) -> Read<(usize, Reader<'a>)> {
    let mut r = Reader::new(&file[at..end], at as u64, "event");
    let size = r.varint()?;
    if size <= 0 || size as u64 > (end - at) as u64 {
        return Err(ReadError {
            at: at as u64,
            what: format!(
                "the event here says it is {size} bytes; expected 1 to the {} bytes left in the chunk",
                end - at
            ),
        });
    }
    Ok((size as usize, r))
}

/// A reader over the event at absolute `at`, bounded by its size field and
/// the chunk end.
pub fn event_reader<'a>(file: &'a [u8], at: usize, end: usize, what: &'static str) -> Read<Reader<'a>> {
    let mut r = Reader::new(&file[at..end], at as u64, what);
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
    Ok(Reader::new(&file[at..at + size as usize], at as u64, what))
}
