//! Record bodies to events: samples (with the call chain assembled and
//! context markers kept), comm, mmap/mmap2, fork, exit, context switches
//! and lost-event counts. Which event a sample belongs to comes from its
//! id; the time of other records from their `sample_id_all` trailer.

use std::collections::HashMap;

use super::FORMAT;
use super::layout::{Attr, Cur, Endian, sample};
use crate::load::error::{At, LoadError};

/// First call-chain context marker (`PERF_CONTEXT_MAX` = -4095).
pub(super) const CONTEXT_MAX: u64 = -4095i64 as u64;
/// `PERF_CONTEXT_KERNEL`.
pub(super) const CONTEXT_KERNEL: u64 = -128i64 as u64;
/// `PERF_CONTEXT_USER`.
pub(super) const CONTEXT_USER: u64 = -512i64 as u64;

/// Record types (`perf_event_type`, and perf's own from 64 on).
pub(super) mod kind {
    pub const MMAP: u32 = 1;
    pub const LOST: u32 = 2;
    pub const COMM: u32 = 3;
    pub const EXIT: u32 = 4;
    pub const FORK: u32 = 7;
    pub const SAMPLE: u32 = 9;
    pub const MMAP2: u32 = 10;
    pub const LOST_SAMPLES: u32 = 13;
    pub const SWITCH: u32 = 14;
    pub const SWITCH_CPU_WIDE: u32 = 15;
    pub const HEADER_ATTR: u32 = 64;
    pub const HEADER_TRACING_DATA: u32 = 66;
    pub const HEADER_BUILD_ID: u32 = 67;
    pub const FINISHED_ROUND: u32 = 68;
    pub const AUXTRACE: u32 = 71;
    pub const EVENT_UPDATE: u32 = 78;
    pub const HEADER_FEATURE: u32 = 80;
    pub const COMPRESSED: u32 = 81;
    pub const COMPRESSED2: u32 = 83;
}

/// A sample with its call chain, leaf first, context markers included.
#[derive(Debug)]
pub(super) struct Sample {
    pub attr: usize,
    pub pid: u32,
    pub tid: u32,
    pub time: Option<u64>,
    pub cpu: Option<u32>,
    pub period: Option<u64>,
    pub chain: Vec<u64>,
    /// Recorded with `--call-graph dwarf`: the user part is the leaf only.
    pub dwarf: bool,
}

/// One record as the model needs it.
#[derive(Debug)]
pub(super) enum Event {
    Sample(Sample),
    Comm { pid: u32, tid: u32, comm: String, exec: bool },
    Mmap { pid: u32, start: u64, len: u64, pgoff: u64, path: String, build_id: Option<Vec<u8>> },
    Fork { pid: u32, ppid: u32, tid: u32, ptid: u32 },
    Exit,
    Switch { pid: u32, tid: u32, cpu: Option<u32>, out: bool, preempt: bool, peer: Option<u32> },
    Lost(u64),
}

/// Reads record bodies of a file with these event attributes.
pub(super) struct Parser {
    pub attrs: Vec<Attr>,
    by_id: HashMap<u64, usize>,
    e: Endian,
}

fn bit(st: u64, b: u64) -> usize {
    usize::from(st & b != 0)
}

impl Parser {
    pub(super) fn new(attrs: Vec<Attr>, e: Endian) -> Self {
        let mut by_id = HashMap::new();
        for (i, a) in attrs.iter().enumerate() {
            for &id in &a.ids {
                by_id.entry(id).or_insert(i);
            }
        }
        Self { attrs, by_id, e }
    }

    /// Adds an attribute met as a record (pipe mode).
    pub(super) fn add_attr(&mut self, a: Attr) {
        for &id in &a.ids {
            self.by_id.entry(id).or_insert(self.attrs.len());
        }
        self.attrs.push(a);
    }

    fn first(&self) -> (u64, bool) {
        self.attrs.first().map_or((0, false), |a| (a.sample_type, a.sample_id_all()))
    }

    /// The attribute of a sample body: by its id when there are several.
    fn sample_attr(&self, body: &[u8]) -> usize {
        if self.attrs.len() < 2 {
            return 0;
        }
        let st = self.attrs[0].sample_type;
        let pos = if st & sample::IDENTIFIER != 0 {
            0
        } else if st & sample::ID != 0 {
            8 * (bit(st, sample::IP) + bit(st, sample::TID) + bit(st, sample::TIME) + bit(st, sample::ADDR))
        } else {
            return 0;
        };
        let mut c = Cur::new(body, 0, self.e);
        c.skip(pos, "id").and_then(|_| c.u64("id")).ok().and_then(|id| self.by_id.get(&id).copied()).unwrap_or(0)
    }

    /// Time and cpu from a non-sample record's `sample_id_all` trailer.
    fn trailer(&self, body: &[u8]) -> (Option<u64>, Option<u32>) {
        let (st, all) = self.first();
        if !all {
            return (None, None);
        }
        let fields = [sample::TID, sample::TIME, sample::ID, sample::STREAM_ID, sample::CPU, sample::IDENTIFIER];
        let size: usize = fields.iter().map(|&f| 8 * bit(st, f)).sum();
        let Some(start) = body.len().checked_sub(size) else { return (None, None) };
        let mut c = Cur::new(&body[start..], 0, self.e);
        let mut time = None;
        let mut cpu = None;
        if st & sample::TID != 0 {
            let _ = c.skip(8, "");
        }
        if st & sample::TIME != 0 {
            time = c.u64("").ok();
        }
        let _ = c.skip(8 * (bit(st, sample::ID) + bit(st, sample::STREAM_ID)), "");
        if st & sample::CPU != 0 {
            cpu = c.u32("").ok();
        }
        (time, cpu)
    }

    /// Parses a kernel record of type `ty` (body after the 8-byte header,
    /// at file offset `at`). `None` for records the model does not use.
    pub(super) fn parse(
        &self,
        ty: u32,
        misc: u16,
        body: &[u8],
        at: u64,
    ) -> Result<Option<(Option<u64>, Event)>, LoadError> {
        let mut c = Cur::new(body, at, self.e);
        let ev = match ty {
            kind::SAMPLE => {
                let s = self.sample(misc, &mut c)?;
                return Ok(Some((s.time, Event::Sample(s))));
            }
            kind::COMM => {
                let (pid, tid) = (c.u32("comm pid")?, c.u32("comm tid")?);
                let n = c.remaining().saturating_sub(self.trailer_len());
                let comm = c.cstr(n, "comm name")?;
                Event::Comm { pid, tid, comm, exec: misc & (1 << 13) != 0 }
            }
            kind::MMAP | kind::MMAP2 => {
                let pid = c.u32("mmap pid")?;
                c.skip(4, "mmap tid")?;
                let (start, len, pgoff) = (c.u64("mmap addr")?, c.u64("mmap len")?, c.u64("mmap pgoff")?);
                let mut build_id = None;
                if ty == kind::MMAP2 {
                    let id = c.bytes(24, "mmap2 device or build id")?;
                    if misc & (1 << 14) != 0 {
                        build_id = Some(id[4..4 + (id[0] as usize).min(20)].to_vec());
                    }
                    let prot = c.u32("mmap2 prot")?;
                    c.skip(4, "mmap2 flags")?;
                    if prot & 4 == 0 {
                        return Ok(None);
                    }
                } else if misc & (1 << 13) != 0 {
                    // PERF_RECORD_MISC_MMAP_DATA: not code.
                    return Ok(None);
                }
                let n = c.remaining().saturating_sub(self.trailer_len());
                let path = c.cstr(n, "mmap file name")?;
                Event::Mmap { pid, start, len, pgoff, path, build_id }
            }
            kind::FORK | kind::EXIT => {
                let (pid, ppid, tid, ptid) = (c.u32("pid")?, c.u32("ppid")?, c.u32("tid")?, c.u32("ptid")?);
                if ty == kind::FORK { Event::Fork { pid, ppid, tid, ptid } } else { Event::Exit }
            }
            kind::SWITCH | kind::SWITCH_CPU_WIDE => {
                let (st, _) = self.first();
                let (time, cpu) = self.trailer(body);
                // CPU-wide records name the thread on the other side first.
                let peer = if ty == kind::SWITCH_CPU_WIDE {
                    c.skip(4, "switch next/prev pid")?;
                    Some(c.u32("switch next/prev tid")?)
                } else {
                    None
                };
                if st & sample::TID == 0 {
                    return Ok(None);
                }
                let fields =
                    [sample::TID, sample::TIME, sample::ID, sample::STREAM_ID, sample::CPU, sample::IDENTIFIER];
                let size: usize = fields.iter().map(|&f| 8 * bit(st, f)).sum();
                let mut t = Cur::new(&body[body.len().saturating_sub(size)..], at, self.e);
                let (pid, tid) = (t.u32("switch pid")?, t.u32("switch tid")?);
                let out = misc & (1 << 13) != 0;
                let ev = Event::Switch { pid, tid, cpu, out, preempt: out && misc & (1 << 14) != 0, peer };
                return Ok(Some((time, ev)));
            }
            kind::LOST => {
                c.skip(8, "lost id")?;
                Event::Lost(c.u64("lost count")?)
            }
            kind::LOST_SAMPLES => Event::Lost(c.u64("lost count")?),
            _ => return Ok(None),
        };
        Ok(Some((self.trailer(body).0, ev)))
    }

    fn trailer_len(&self) -> usize {
        let (st, all) = self.first();
        if !all {
            return 0;
        }
        [sample::TID, sample::TIME, sample::ID, sample::STREAM_ID, sample::CPU, sample::IDENTIFIER]
            .iter()
            .map(|&f| 8 * bit(st, f))
            .sum()
    }

    fn sample(&self, misc: u16, c: &mut Cur<'_>) -> Result<Sample, LoadError> {
        let attr = self.sample_attr(c.clone().bytes(c.remaining(), "sample")?);
        // A pipe-mode file brings its attributes as records; a sample before
        // any (or a file that declares none) has no layout to read it by.
        let Some(a) = self.attrs.get(attr) else {
            return Err(LoadError::invalid(
                FORMAT,
                Some(At::Byte(c.offset())),
                "a sample record comes before any event attribute: the file declares no event to read it by",
            ));
        };
        let st = a.sample_type;
        let mut s =
            Sample { attr, pid: 0, tid: 0, time: None, cpu: None, period: None, chain: Vec::new(), dwarf: false };
        c.skip(8 * bit(st, sample::IDENTIFIER), "sample identifier")?;
        let ip = if st & sample::IP != 0 { Some(c.u64("sample ip")?) } else { None };
        if st & sample::TID != 0 {
            s.pid = c.u32("sample pid")?;
            s.tid = c.u32("sample tid")?;
        }
        if st & sample::TIME != 0 {
            s.time = Some(c.u64("sample time")?);
        }
        c.skip(8 * (bit(st, sample::ADDR) + bit(st, sample::ID) + bit(st, sample::STREAM_ID)), "sample addr and ids")?;
        if st & sample::CPU != 0 {
            s.cpu = Some(c.u32("sample cpu")?);
            c.skip(4, "sample cpu")?;
        }
        if st & sample::PERIOD != 0 {
            s.period = Some(c.u64("sample period")?);
        }
        if st & sample::READ != 0 {
            skip_read(c, a.read_format)?;
        }
        if st & sample::CALLCHAIN != 0 {
            let nr = c.u64("call chain length")?;
            s.chain = c.u64s(nr, "call chain")?;
        }
        let user = misc & 7 == 2 || misc & 7 == 5;
        if s.chain.is_empty()
            && let Some(ip) = ip
        {
            s.chain = vec![if user { CONTEXT_USER } else { CONTEXT_KERNEL }, ip];
        }
        if st & sample::STACK_USER == 0 {
            return Ok(s);
        }
        // --call-graph dwarf: the kernel gave no user chain; the user leaf
        // is the sample ip, or the user registers' ip for a kernel sample.
        s.dwarf = true;
        if s.chain.contains(&CONTEXT_USER) {
            return Ok(s);
        }
        if st & sample::RAW != 0 {
            let n = c.u32("raw size")? as usize;
            c.skip(n, "raw data")?;
        }
        if st & sample::BRANCH_STACK != 0 {
            let nr = c.u64("branch stack length")?;
            c.skip(8 * usize::from(a.branch_sample_type & (1 << 17) != 0), "branch hw index")?;
            let bytes = usize::try_from(nr.saturating_mul(24)).unwrap_or(usize::MAX);
            c.skip(bytes, "branch stack")?;
        }
        let leaf = if user {
            ip
        } else if st & sample::REGS_USER != 0 && c.u64("user regs abi")? != 0 {
            let regs = c.u64s(u64::from(a.regs_user.count_ones()), "user regs")?;
            let mask = a.regs_user;
            // arm64 keeps the pc in register 32, x86-64 the ip in register 8.
            let r = if mask >> 32 & 1 == 1 { 32 } else { 8 };
            (mask >> r & 1 == 1).then(|| regs.get((mask & ((1u64 << r) - 1)).count_ones() as usize).copied()).flatten()
        } else {
            None
        };
        if let Some(leaf) = leaf {
            s.chain.push(CONTEXT_USER);
            s.chain.push(leaf);
        }
        Ok(s)
    }
}

/// Skips a sample's `read_format` values.
fn skip_read(c: &mut Cur<'_>, rf: u64) -> Result<(), LoadError> {
    let per = 1 + usize::from(rf & 4 != 0) + usize::from(rf & 16 != 0);
    let times = usize::from(rf & 1 != 0) + usize::from(rf & 2 != 0);
    if rf & 8 != 0 {
        let nr = c.u64("read group size")?;
        let n = usize::try_from(nr).ok().filter(|&n| n <= c.remaining() / 8).unwrap_or(usize::MAX);
        c.skip(8 * times, "read times")?;
        c.skip(n.saturating_mul(8 * per), "read group values")
    } else {
        c.skip(8 * (per + times), "read values")
    }
}
