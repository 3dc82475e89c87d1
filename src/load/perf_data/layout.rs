//! The perf.data layout (tools/perf/Documentation/perf.data-file-format.txt
//! and linux/perf_event.h): the file header, event attributes and the
//! feature sections Firesight reads (event names, build ids, command line,
//! host). Every field is read through [`Cur`], which checks each length
//! against the bytes there are and names the byte offset when they are
//! not.

use super::FORMAT;
use crate::load::error::{At, LoadError};

/// Byte order of the file: `PERFILE2` read as a little-endian u64 is the magic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Endian {
    pub big: bool,
}

/// A bounded cursor over bytes whose first byte is at file offset `base`.
#[derive(Clone)]
pub(super) struct Cur<'a> {
    data: &'a [u8],
    pos: usize,
    base: u64,
    e: Endian,
}

impl<'a> Cur<'a> {
    pub(super) fn new(data: &'a [u8], base: u64, e: Endian) -> Self {
        Self { data, pos: 0, base, e }
    }

    /// File offset of the next byte.
    pub(super) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub(super) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub(super) fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8], LoadError> {
        if n > self.remaining() {
            return Err(LoadError::invalid(
                FORMAT,
                Some(At::Byte(self.offset())),
                format!("{what} needs {n} bytes but only {} remain in its record or section", self.remaining()),
            ));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(super) fn skip(&mut self, n: usize, what: &str) -> Result<(), LoadError> {
        self.bytes(n, what).map(|_| ())
    }

    pub(super) fn u32(&mut self, what: &str) -> Result<u32, LoadError> {
        let b: [u8; 4] = self.bytes(4, what)?.try_into().unwrap_or_default();
        Ok(if self.e.big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    }

    pub(super) fn u64(&mut self, what: &str) -> Result<u64, LoadError> {
        let b: [u8; 8] = self.bytes(8, what)?.try_into().unwrap_or_default();
        Ok(if self.e.big { u64::from_be_bytes(b) } else { u64::from_le_bytes(b) })
    }

    /// `count` u64s, bounded by the bytes that remain (checked before allocating).
    pub(super) fn u64s(&mut self, count: u64, what: &str) -> Result<Vec<u64>, LoadError> {
        let n = usize::try_from(count).ok().filter(|&n| n <= self.remaining() / 8).ok_or_else(|| {
            LoadError::invalid(
                FORMAT,
                Some(At::Byte(self.offset())),
                format!("{what} claims {count} entries, more than the {} bytes left can hold", self.remaining()),
            )
        })?;
        (0..n).map(|_| self.u64(what)).collect()
    }

    /// A NUL-terminated string filling at most `n` bytes (the rest is padding).
    pub(super) fn cstr(&mut self, n: usize, what: &str) -> Result<String, LoadError> {
        let b = self.bytes(n, what)?;
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        Ok(String::from_utf8_lossy(&b[..end]).into_owned())
    }

    /// perf's `perf_header_string`: a u32 length, then that many bytes.
    pub(super) fn header_string(&mut self, what: &str) -> Result<String, LoadError> {
        let n = self.u32(what)? as usize;
        self.cstr(n, what)
    }
}

/// A `perf_file_section`: where a part of the file is.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Section {
    pub offset: u64,
    pub size: u64,
}

impl Section {
    fn read(c: &mut Cur<'_>, what: &str) -> Result<Self, LoadError> {
        Ok(Self { offset: c.u64(what)?, size: c.u64(what)? })
    }

    pub(super) fn end(&self) -> u64 {
        self.offset.saturating_add(self.size)
    }
}

/// The file header. In pipe mode (`perf record -o -`) only magic and size
/// are there and everything else comes as records.
#[derive(Debug)]
pub(super) struct Header {
    pub e: Endian,
    pub pipe: bool,
    pub attr_size: u64,
    pub attrs: Section,
    pub data: Section,
    /// Feature bits (HEADER_BUILD_ID = 2, HEADER_EVENT_DESC = 12 ...).
    pub features: [u64; 4],
}

/// Size of the file-mode header.
pub(super) const HEADER_SIZE: usize = 104;
/// Size of the pipe-mode header.
pub(super) const PIPE_HEADER_SIZE: usize = 16;

/// True for the first bytes of a perf.data file (either byte order).
pub(super) fn is_magic(head: &[u8]) -> bool {
    head.starts_with(b"PERFILE2") || head.starts_with(b"2ELIFREP")
}

impl Header {
    /// Parses the first 16 bytes (magic, size), then, for a file-mode
    /// header, the rest of `bytes` (104 in all).
    pub(super) fn parse_start(bytes: &[u8]) -> Result<(Endian, u64), LoadError> {
        let e = match bytes.get(..8) {
            Some(b"PERFILE2") => Endian { big: false },
            Some(b"2ELIFREP") => Endian { big: true },
            _ => {
                return Err(LoadError::invalid(
                    FORMAT,
                    Some(At::Byte(0)),
                    "expected the magic PERFILE2 at the start of a perf.data file",
                ));
            }
        };
        let mut c = Cur::new(bytes, 0, e);
        c.skip(8, "magic")?;
        Ok((e, c.u64("header size")?))
    }

    pub(super) fn parse(bytes: &[u8], e: Endian, size: u64) -> Result<Self, LoadError> {
        if size == PIPE_HEADER_SIZE as u64 {
            return Ok(Self {
                e,
                pipe: true,
                attr_size: 0,
                attrs: Section::default(),
                data: Section::default(),
                features: [0; 4],
            });
        }
        if size < HEADER_SIZE as u64 {
            return Err(LoadError::invalid(
                FORMAT,
                Some(At::Byte(8)),
                format!("header size {size}: expected 104 (a perf.data file) or 16 (perf record -o - output)"),
            ));
        }
        let mut c = Cur::new(bytes, 0, e);
        c.skip(16, "magic and size")?;
        let attr_size = c.u64("attr_size")?;
        let attrs = Section::read(&mut c, "attrs section")?;
        let data = Section::read(&mut c, "data section")?;
        let _event_types = Section::read(&mut c, "event_types section")?;
        let mut features = [0; 4];
        for f in &mut features {
            *f = c.u64("feature bits")?;
        }
        Ok(Self { e, pipe: false, attr_size, attrs, data, features })
    }

    pub(super) fn has_feature(&self, bit: usize) -> bool {
        bit < 256 && self.features[bit / 64] >> (bit % 64) & 1 == 1
    }
}

/// `perf_event_attr` sample_type bits.
pub(super) mod sample {
    pub const IP: u64 = 1 << 0;
    pub const TID: u64 = 1 << 1;
    pub const TIME: u64 = 1 << 2;
    pub const ADDR: u64 = 1 << 3;
    pub const READ: u64 = 1 << 4;
    pub const CALLCHAIN: u64 = 1 << 5;
    pub const ID: u64 = 1 << 6;
    pub const CPU: u64 = 1 << 7;
    pub const PERIOD: u64 = 1 << 8;
    pub const STREAM_ID: u64 = 1 << 9;
    pub const RAW: u64 = 1 << 10;
    pub const BRANCH_STACK: u64 = 1 << 11;
    pub const REGS_USER: u64 = 1 << 12;
    pub const STACK_USER: u64 = 1 << 13;
    pub const IDENTIFIER: u64 = 1 << 16;
}

/// One event of the file: its attributes, ids and name.
#[derive(Clone, Debug, Default)]
pub(super) struct Attr {
    pub period: u64,
    pub sample_type: u64,
    pub read_format: u64,
    pub flags: u64,
    pub branch_sample_type: u64,
    pub regs_user: u64,
    pub ids: Vec<u64>,
    /// As perf names it (`cpu-clock`, `sched:sched_switch`); from the
    /// EVENT_DESC feature, else from type and config.
    pub name: String,
}

impl Attr {
    /// Parses a `perf_event_attr` of `size` bytes from `c`.
    pub(super) fn parse(c: &mut Cur<'_>, size: usize) -> Result<Self, LoadError> {
        // PERF_ATTR_SIZE_VER0: type .. bp_addr.
        if size < 64 {
            return Err(LoadError::invalid(
                FORMAT,
                Some(At::Byte(c.offset())),
                format!("an event attribute of {size} bytes; expected at least 64 (perf_event_attr)"),
            ));
        }
        let body = c.bytes(size, "perf_event_attr")?;
        let mut a = Cur::new(body, c.offset() - size as u64, c.e);
        let type_ = a.u32("attr.type")?;
        a.skip(4, "attr.size")?;
        let config = a.u64("attr.config")?;
        let period = a.u64("attr.sample_period")?;
        let sample_type = a.u64("attr.sample_type")?;
        let read_format = a.u64("attr.read_format")?;
        let flags = a.u64("attr.flags")?;
        let mut attr = Self { period, sample_type, read_format, flags, ..Self::default() };
        if size >= 80 {
            a.skip(24, "attr.wakeup .. config2")?;
            attr.branch_sample_type = a.u64("attr.branch_sample_type")?;
        }
        if size >= 88 {
            attr.regs_user = a.u64("attr.sample_regs_user")?;
        }
        attr.name = fallback_name(type_, config);
        Ok(attr)
    }

    /// `attr.freq`: the period field is a frequency.
    pub(super) fn freq(&self) -> bool {
        self.flags >> 10 & 1 == 1
    }

    /// `attr.sample_id_all`: non-sample records carry a sample id trailer.
    pub(super) fn sample_id_all(&self) -> bool {
        self.flags >> 18 & 1 == 1
    }

    /// The fixed period of every sample without a period field: the
    /// period unless it is a frequency.
    pub(super) fn fixed_period(&self) -> Option<u64> {
        (!self.freq() && self.period > 0).then_some(self.period)
    }
}

/// The name perf gives an event of this type and config when the file
/// does not name it (no EVENT_DESC feature).
fn fallback_name(type_: u32, config: u64) -> String {
    const HW: [&str; 10] = [
        "cycles",
        "instructions",
        "cache-references",
        "cache-misses",
        "branches",
        "branch-misses",
        "bus-cycles",
        "stalled-cycles-frontend",
        "stalled-cycles-backend",
        "ref-cycles",
    ];
    const SW: [&str; 12] = [
        "cpu-clock",
        "task-clock",
        "page-faults",
        "context-switches",
        "cpu-migrations",
        "minor-faults",
        "major-faults",
        "alignment-faults",
        "emulation-faults",
        "dummy",
        "bpf-output",
        "cgroup-switches",
    ];
    let known = match type_ {
        0 => HW.get(config as usize),
        1 => SW.get(config as usize),
        _ => None,
    };
    match known {
        Some(n) => (*n).to_string(),
        None if type_ == 2 => format!("tracepoint:{config}"),
        None => format!("raw 0x{config:x} (type {type_})"),
    }
}

/// Feature bit of the build-id table.
pub(super) const FEAT_BUILD_ID: usize = 2;
/// Feature bit of the event descriptions (names).
pub(super) const FEAT_EVENT_DESC: usize = 12;

/// What the feature sections say that Firesight uses.
#[derive(Debug, Default)]
pub(super) struct Features {
    /// `(attr, name)` pairs from EVENT_DESC: the attr's ids find it.
    pub event_names: Vec<(Vec<u64>, String)>,
    /// `(path, build id)` of each DSO perf saw, kernel ones included.
    pub build_ids: Vec<(String, Vec<u8>)>,
    /// `key: value` lines for `info` (hostname, os release, perf version, command line).
    pub meta: Vec<(&'static str, String)>,
}

/// Parses one feature section `bit` of `data` (at file offset `base`) into `out`.
pub(super) fn parse_feature(
    bit: usize,
    data: &[u8],
    base: u64,
    e: Endian,
    out: &mut Features,
) -> Result<(), LoadError> {
    let mut c = Cur::new(data, base, e);
    match bit {
        FEAT_BUILD_ID => {
            while c.remaining() >= 8 {
                let start = c.offset();
                c.skip(4, "build id record header")?;
                let misc_size = c.u32("build id record size")?;
                let size = if e.big { misc_size & 0xffff } else { misc_size >> 16 } as usize;
                let misc = if e.big { misc_size >> 16 } else { misc_size & 0xffff };
                if size < 36 {
                    return Err(LoadError::invalid(
                        FORMAT,
                        Some(At::Byte(start)),
                        format!("a build id record of {size} bytes; expected at least 36"),
                    ));
                }
                c.skip(4, "build id pid")?;
                let id = c.bytes(24, "build id")?;
                // PERF_RECORD_MISC_BUILD_ID_SIZE: byte 20 holds the length.
                let len = if misc & (1 << 15) != 0 { (id[20] as usize).min(20) } else { 20 };
                let id = id[..len].to_vec();
                let name = c.cstr(size - 36, "build id file name")?;
                out.build_ids.push((name, id));
            }
        }
        FEAT_EVENT_DESC => {
            let nr = c.u32("event desc count")?;
            let attr_size = c.u32("event desc attr size")? as usize;
            for _ in 0..nr {
                Attr::parse(&mut c, attr_size)?;
                let ids = c.u32("event desc id count")?;
                let name = c.header_string("event name")?;
                let ids = c.u64s(u64::from(ids), "event desc ids")?;
                out.event_names.push((ids, name));
            }
        }
        3 => out.meta.push(("hostname", c.header_string("hostname")?)),
        4 => out.meta.push(("os release", c.header_string("os release")?)),
        5 => out.meta.push(("perf version", c.header_string("perf version")?)),
        6 => out.meta.push(("arch", c.header_string("arch")?)),
        11 => {
            let n = c.u32("command line length")?;
            let mut words = Vec::new();
            for _ in 0..n.min(4096) {
                words.push(c.header_string("command line")?);
            }
            out.meta.push(("command line", words.join(" ")));
        }
        _ => {}
    }
    Ok(())
}
