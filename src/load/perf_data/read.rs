//! One pass over a perf.data file (or `perf record -o -` stream): header,
//! attributes, the data section's records replayed into [`State`] in time
//! order, then the feature sections.
//!
//! perf writes each CPU's buffer as it fills, so records are in time order
//! per CPU only. As perf does, records wait until a `FINISHED_ROUND` says
//! everything up to the previous round's newest time has been written; at
//! most [`MAX_PENDING`] wait (a file without rounds is then replayed in
//! slightly coarser order, with a warning).

use std::collections::VecDeque;

use super::FORMAT;
use super::layout::{self, Attr, Cur, Endian, Features, Header, Section};
use super::records::{Event, Parser, kind};
use super::state::State;
use super::stream::{MAX_TAKE, Stream};
use super::zstd::Zstd;
use crate::load::error::{At, LoadError};
use crate::load::source::{Input, Progress};

/// Most records held back for sorting at once.
pub(super) const MAX_PENDING: usize = 1 << 21;

/// What the pass found besides the state.
pub(super) struct Read {
    pub attrs: Vec<Attr>,
    pub features: Features,
    pub warnings: Vec<String>,
    pub records: u64,
}

struct Sorter {
    pending: Vec<(u64, u64, Event)>,
    seq: u64,
    newest: u64,
    flush_to: u64,
    overflowed: bool,
}

impl Sorter {
    fn push(&mut self, time: Option<u64>, ev: Event, state: &mut State, fixed: &[Option<u64>]) {
        // A record without a time is delivered at once, as perf does.
        let t = time.unwrap_or(0);
        self.newest = self.newest.max(t);
        self.pending.push((t, self.seq, ev));
        self.seq += 1;
        if self.pending.len() >= MAX_PENDING {
            self.overflowed = true;
            self.flush(Some(self.pending.len() / 2), state, fixed);
        }
    }

    fn round(&mut self, state: &mut State, fixed: &[Option<u64>]) {
        self.round_at(self.newest, state, fixed);
    }

    /// A round after which everything up to `newest` will have been written
    /// by the next one (see [`Replay::defer_round`]).
    fn round_at(&mut self, newest: u64, state: &mut State, fixed: &[Option<u64>]) {
        let to = self.flush_to;
        self.flush_to = newest.max(to);
        self.pending.sort_unstable_by_key(|&(t, s, _)| (t, s));
        let n = self.pending.partition_point(|&(t, _, _)| t <= to);
        self.flush(Some(n), state, fixed);
    }

    /// Delivers the first `n` pending records (all with `None`) in time order.
    fn flush(&mut self, n: Option<usize>, state: &mut State, fixed: &[Option<u64>]) {
        self.pending.sort_unstable_by_key(|&(t, s, _)| (t, s));
        let n = n.unwrap_or(self.pending.len()).min(self.pending.len());
        for (t, _, ev) in self.pending.drain(..n) {
            state.event(Some(t).filter(|&t| t > 0), ev, fixed);
        }
    }
}

/// Reads the whole input into `state`.
pub(super) fn read(
    stream: &mut Stream<'_>,
    state: &mut State,
    threads: &[std::path::PathBuf],
    progress: &std::sync::Arc<Progress>,
) -> Result<Read, LoadError> {
    let Some(start) = stream.take(16, "the file header")? else {
        return Err(LoadError::invalid(FORMAT, Some(At::Byte(0)), "the file is empty; expected a perf.data file"));
    };
    let (e, size) = Header::parse_start(start)?;
    let mut head = start.to_vec();
    if size != layout::PIPE_HEADER_SIZE as u64 {
        let rest = stream.take(layout::HEADER_SIZE - 16, "the file header")?.unwrap_or_default();
        head.extend_from_slice(rest);
    }
    let header = Header::parse(&head, e, size)?;
    let mut out = Read { attrs: Vec::new(), features: Features::default(), warnings: Vec::new(), records: 0 };
    let mut parser = Parser::new(Vec::new(), e);
    if !header.pipe {
        parser = Parser::new(read_attrs(stream, &header)?, e);
    }
    let fixed: Vec<Option<u64>> = parser.attrs.iter().map(Attr::fixed_period).collect();
    let sorter = Sorter { pending: Vec::new(), seq: 0, newest: 0, flush_to: 0, overflowed: false };
    let mut replay = Replay {
        parser,
        sorter,
        fixed,
        e,
        zstd: None,
        rounds: VecDeque::new(),
        buf: Vec::new(),
        skip: 0,
        unknown: std::collections::BTreeMap::new(),
        // `perf record --threads`: the threads' records in files of their
        // own interleave in time with the main file's, so rounds are not
        // trusted and records wait to be sorted.
        no_rounds: !threads.is_empty(),
    };
    let data_end = if header.pipe || header.data.size == 0 { u64::MAX } else { header.data.end() };
    if !header.pipe && header.data.size == 0 {
        out.warnings.push(
            "the data section's size is 0 (perf record did not finish?); records are read to the end of the file"
                .into(),
        );
    }
    records(stream, data_end, &mut replay, state, &mut out)?;
    // Each thread file is its own zstd stream.
    replay.end_stream(stream.offset(), state, &mut out)?;
    for path in threads {
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let in_file = |e: LoadError| LoadError::invalid(FORMAT, e.at, format!("in the thread file {name}: {}", e.what));
        let mut input = Input::open(path, std::sync::Arc::clone(progress), 1 << 20, u64::MAX).map_err(in_file)?;
        let mut s = Stream::new(&mut input);
        records(&mut s, u64::MAX, &mut replay, state, &mut out).map_err(in_file)?;
        replay.end_stream(s.offset(), state, &mut out).map_err(in_file)?;
    }
    replay.sorter.flush(None, state, &replay.fixed);
    let Replay { sorter, parser, unknown, .. } = replay;
    for (ty, (n, first)) in unknown {
        out.warnings.push(format!(
            "{n} record(s) of type {ty}, which no perf writes, were skipped (the first at byte {first}; a damaged \
             file? perf script stops there)"
        ));
    }
    if sorter.overflowed {
        out.warnings.push(format!(
            "more than {MAX_PENDING} records between two FINISHED_ROUND records: replayed in approximate time order"
        ));
    }
    if !header.pipe {
        read_features(stream, &header, &mut out)?;
    }
    out.attrs = parser.attrs;
    Ok(out)
}

/// The records of one stream up to `data_end` (the end of the stream for
/// `u64::MAX`), replayed.
fn records(
    stream: &mut Stream<'_>,
    data_end: u64,
    replay: &mut Replay,
    state: &mut State,
    out: &mut Read,
) -> Result<(), LoadError> {
    let e = replay.e;
    while stream.offset() < data_end {
        let at = stream.offset();
        let Some(h) = stream.take(8, "a record header")? else {
            if data_end != u64::MAX {
                return Err(LoadError::invalid(
                    FORMAT,
                    Some(At::Byte(at)),
                    format!(
                        "the file ends at byte {at}, inside the data section that runs to byte {data_end} (truncated file?)"
                    ),
                ));
            }
            break;
        };
        let h: [u8; 8] = h.try_into().unwrap_or_default();
        let (ty, misc, size) = record_header(&h, e);
        if size < 8 {
            return Err(LoadError::invalid(
                FORMAT,
                Some(At::Byte(at)),
                format!("a record of {size} bytes; a record is at least its 8-byte header"),
            ));
        }
        if at.saturating_add(u64::from(size)) > data_end {
            return Err(LoadError::invalid(
                FORMAT,
                Some(At::Byte(at)),
                format!("a record of {size} bytes runs past the end of the data section at byte {data_end}"),
            ));
        }
        let Some(body) = stream.take(size as usize - 8, "a record")? else {
            return Err(super::stream::truncated(at, 8, u64::from(size), "a record"));
        };
        out.records += 1;
        match ty {
            kind::COMPRESSED | kind::COMPRESSED2 => {
                let data = compressed_data(ty, body, at, e)?;
                replay.compressed(data, at, state, out)?;
            }
            kind::FINISHED_ROUND if replay.no_rounds => {}
            kind::FINISHED_ROUND if replay.zstd.is_some() => replay.defer_round(),
            _ => {
                let payload = replay.record(ty, misc, &h, body, at, state, out)?;
                if payload > 0 {
                    stream.skip(payload, "the payload after a record")?;
                }
            }
        }
    }
    Ok(())
}

/// A record header: type, misc and size.
fn record_header(h: &[u8; 8], e: Endian) -> (u32, u32, u32) {
    let word = |b: [u8; 4]| if e.big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) };
    let ty = word([h[0], h[1], h[2], h[3]]);
    let misc_size = word([h[4], h[5], h[6], h[7]]);
    if e.big { (ty, misc_size >> 16, misc_size & 0xffff) } else { (ty, misc_size & 0xffff, misc_size >> 16) }
}

/// The zstd bytes of a compressed record: the whole body of a
/// PERF_RECORD_COMPRESSED (the record is padded to 8 bytes, which zstd
/// ignores after a block), the `data_size` bytes after the size word of a
/// COMPRESSED2.
fn compressed_data(ty: u32, body: &[u8], at: u64, e: Endian) -> Result<&[u8], LoadError> {
    if ty == kind::COMPRESSED {
        return Ok(body);
    }
    let mut c = Cur::new(body, at + 8, e);
    let n = c.u64("compressed data size")?;
    body.get(8..).and_then(|d| d.get(..usize::try_from(n).ok()?)).ok_or_else(|| {
        LoadError::invalid(
            FORMAT,
            Some(At::Byte(at + 8)),
            format!("a compressed record says {n} bytes of data; it holds {}", body.len().saturating_sub(8)),
        )
    })
}

/// The records being replayed: the parser, the sorter, and the zstd
/// stream of compressed records with what it has decoded but not parsed.
struct Replay {
    parser: Parser,
    sorter: Sorter,
    fixed: Vec<Option<u64>>,
    e: Endian,
    zstd: Option<Zstd>,
    /// FINISHED_ROUNDs seen while decoded bytes were still held back:
    /// (decoded bytes after which everything written before the round is
    /// in, the newest time seen when the round came).
    rounds: VecDeque<(u64, u64)>,
    /// Decoded bytes not parsed yet (a record cut between pieces).
    buf: Vec<u8>,
    /// Decoded bytes still to skip (a payload after a record).
    skip: u64,
    /// Records of types no perf writes, by type: how many, and the first's
    /// offset (a damaged file; perf script stops at the first).
    unknown: std::collections::BTreeMap<u32, (u64, u64)>,
    /// FINISHED_ROUNDs are not trusted (several files of records).
    no_rounds: bool,
}

impl Replay {
    /// One record that is not compressed (`h` its header); returns the
    /// length of a payload that follows it.
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        ty: u32,
        misc: u32,
        h: &[u8; 8],
        body: &[u8],
        at: u64,
        state: &mut State,
        out: &mut Read,
    ) -> Result<u64, LoadError> {
        let e = self.e;
        match ty {
            kind::FINISHED_ROUND if self.no_rounds => {}
            kind::FINISHED_ROUND => self.sorter.round(state, &self.fixed),
            kind::HEADER_ATTR => {
                let mut c = Cur::new(body, at + 8, e);
                let attr_size = body.get(4..8).map_or(0, |b| {
                    let b: [u8; 4] = b.try_into().unwrap_or_default();
                    if e.big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
                });
                let mut a = Attr::parse(&mut c, attr_size as usize)?;
                a.ids = c.u64s((c.remaining() / 8) as u64, "attribute ids")?;
                self.fixed.push(a.fixed_period());
                self.parser.add_attr(a);
            }
            kind::HEADER_FEATURE => {
                let mut c = Cur::new(body, at + 8, e);
                let bit = c.u64("feature id")?;
                let base = c.offset();
                let rest = c.bytes(c.remaining(), "feature")?;
                layout::parse_feature(bit as usize, rest, base, e, &mut out.features)?;
            }
            kind::HEADER_BUILD_ID => {
                let mut whole = h.to_vec();
                whole.extend_from_slice(body);
                layout::parse_feature(layout::FEAT_BUILD_ID, &whole, at, e, &mut out.features)?;
            }
            kind::EVENT_UPDATE => {
                let mut c = Cur::new(body, at + 8, e);
                if c.u64("event update type")? == 2 {
                    let id = c.u64("event update id")?;
                    let name = c.cstr(c.remaining(), "event name")?;
                    out.features.event_names.push((vec![id], name));
                }
            }
            kind::HEADER_TRACING_DATA | kind::AUXTRACE => {
                // Followed by a payload of the size the record gives.
                let mut c = Cur::new(body, at + 8, e);
                let n =
                    if ty == kind::AUXTRACE { c.u64("auxtrace size")? } else { u64::from(c.u32("tracing data size")?) };
                return Ok(n);
            }
            kind::COMPRESSED | kind::COMPRESSED2 => {
                return Err(LoadError::invalid(
                    FORMAT,
                    Some(At::Byte(at)),
                    "a compressed record inside compressed data; perf compresses once",
                ));
            }
            _ if ty < 64 => {
                if let Some((time, ev)) = self.parser.parse(ty, misc as u16, body, at + 8)? {
                    self.sorter.push(time, ev, state, &self.fixed);
                }
            }
            // perf's own record types (64 and up) this reader has no use for.
            _ if ty < 128 => {}
            _ => {
                let (n, _) = self.unknown.entry(ty).or_insert((0, at));
                *n += 1;
            }
        }
        Ok(0)
    }

    /// The data of a compressed record (at byte `at`): decoded, and the
    /// records in it replayed like the others.
    fn compressed(&mut self, data: &[u8], at: u64, state: &mut State, out: &mut Read) -> Result<(), LoadError> {
        let mut z = self.zstd.take().unwrap_or_else(Zstd::new);
        let r = z.feed(data, at, &mut |bytes, delivered| self.decoded(bytes, delivered, at, state, out));
        self.zstd = Some(z);
        r
    }

    /// A FINISHED_ROUND while compressed records are in play: what was
    /// written before it may still be held back by the decoder, so it waits
    /// until that much more is decoded, and then flushes only up to the
    /// newest time seen now (all of it written before the round).
    fn defer_round(&mut self) {
        if let Some(z) = &self.zstd {
            self.rounds.push_back((z.delivered() + z.held_back(), self.sorter.newest));
        }
    }

    /// Decoded bytes: the whole records in them replayed, then the rounds
    /// they complete.
    fn decoded(
        &mut self,
        bytes: &[u8],
        delivered: u64,
        at: u64,
        state: &mut State,
        out: &mut Read,
    ) -> Result<(), LoadError> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.extend_from_slice(bytes);
        let mut pos = 0;
        loop {
            let skip = self.skip.min((buf.len() - pos) as u64);
            pos += skip as usize;
            self.skip -= skip;
            let Some(h) = buf.get(pos..pos + 8) else { break };
            let h: [u8; 8] = h.try_into().unwrap_or_default();
            let (ty, misc, size) = record_header(&h, self.e);
            if size < 8 {
                return Err(LoadError::invalid(
                    FORMAT,
                    Some(At::Byte(at)),
                    format!(
                        "a record of {size} bytes in the compressed data (decoded byte {}); a record is at least \
                         its 8-byte header",
                        delivered - (buf.len() - pos) as u64
                    ),
                ));
            }
            let Some(body) = buf.get(pos + 8..pos + size as usize) else { break };
            out.records += 1;
            let decoded_at = delivered - (buf.len() - pos) as u64;
            self.skip = self.record(ty, misc, &h, body, at, state, out).map_err(|e| {
                LoadError::invalid(
                    FORMAT,
                    Some(At::Byte(at)),
                    format!(
                        "in the zstd-compressed data (a record at decoded byte {decoded_at}, decoded with the \
                         compressed record at byte {at}): {}",
                        e.what
                    ),
                )
            })?;
            pos += size as usize;
        }
        buf.drain(..pos);
        self.buf = buf;
        while let Some(&(mark, newest)) = self.rounds.front() {
            if delivered < mark {
                break;
            }
            self.sorter.round_at(newest, state, &self.fixed);
            self.rounds.pop_front();
        }
        Ok(())
    }

    /// The end of one file's records: its zstd stream's held-back bytes
    /// and the rounds waiting for them.
    fn end_stream(&mut self, at: u64, state: &mut State, out: &mut Read) -> Result<(), LoadError> {
        if let Some(mut z) = self.zstd.take() {
            let left = z.finish(at, &mut |bytes, delivered| self.decoded(bytes, delivered, at, state, out))?;
            while let Some((_, newest)) = self.rounds.pop_front() {
                self.sorter.round_at(newest, state, &self.fixed);
            }
            let cut = left as u64 + self.buf.len() as u64 + self.skip;
            if cut > 0 {
                out.warnings.push(format!(
                    "the compressed data of {} records (perf record -z) ends inside a block or record: {cut} bytes \
                     not read",
                    z.records
                ));
            }
        }
        self.buf.clear();
        self.skip = 0;
        Ok(())
    }
}

/// Reads the bytes between the header and the data section (event ids
/// and attributes, where perf writes them) and parses the attributes.
fn read_attrs(stream: &mut Stream<'_>, h: &Header) -> Result<Vec<Attr>, LoadError> {
    let base = layout::HEADER_SIZE as u64;
    let inside = |s: &Section| s.offset >= base && s.end() <= h.data.offset;
    if h.data.offset < base || h.data.offset - base > MAX_TAKE as u64 || !inside(&h.attrs) {
        return Err(LoadError::invalid(
            FORMAT,
            Some(At::Byte(16)),
            format!(
                "the attributes ({}..{}) are not between the header and the data section at {}; \
                 perf writes them there",
                h.attrs.offset,
                h.attrs.end(),
                h.data.offset
            ),
        ));
    }
    let want = (h.data.offset - base) as usize;
    let Some(pre) = stream.take(want, "the event attributes")? else {
        // The file ends right after its header.
        return Err(super::stream::truncated(base, 0, want as u64, "the event attributes"));
    };
    let pre = pre.to_vec();
    if h.attr_size < 16 + 64 {
        return Err(LoadError::invalid(
            FORMAT,
            Some(At::Byte(16)),
            format!("attribute size {}: expected at least 80", h.attr_size),
        ));
    }
    let count = h.attrs.size / h.attr_size;
    let mut c = Cur::new(&pre[(h.attrs.offset - base) as usize..(h.attrs.end() - base) as usize], h.attrs.offset, h.e);
    let mut attrs = Vec::new();
    for _ in 0..count {
        let mut a = Attr::parse(&mut c, h.attr_size as usize - 16)?;
        let ids = Section { offset: c.u64("attr ids offset")?, size: c.u64("attr ids size")? };
        if ids.size > 0 {
            if !inside(&ids) {
                return Err(LoadError::invalid(
                    FORMAT,
                    Some(At::Byte(c.offset() - 16)),
                    "an event's ids lie outside the bytes before the data section",
                ));
            }
            let mut ic = Cur::new(&pre[(ids.offset - base) as usize..(ids.end() - base) as usize], ids.offset, h.e);
            a.ids = ic.u64s(ids.size / 8, "event ids")?;
        }
        attrs.push(a);
    }
    if attrs.is_empty() {
        return Err(LoadError::invalid(FORMAT, Some(At::Byte(h.attrs.offset)), "the file has no event attributes"));
    }
    Ok(attrs)
}

/// Largest feature region read: 64 MiB.
const MAX_FEATURES: usize = 64 << 20;

/// Reads the feature sections after the data section.
fn read_features(stream: &mut Stream<'_>, h: &Header, out: &mut Read) -> Result<(), LoadError> {
    let base = stream.offset();
    let Some(rest) = stream.rest(MAX_FEATURES)? else {
        out.warnings
            .push("the feature sections are larger than 64 MiB and were not read (event names, build ids)".into());
        return Ok(());
    };
    let mut table = Cur::new(&rest, base, h.e);
    let bits: Vec<usize> = (0..256).filter(|&b| h.has_feature(b)).collect();
    for bit in bits {
        let s = Section { offset: table.u64("feature section")?, size: table.u64("feature section")? };
        let file_end = base + rest.len() as u64;
        if s.end() > file_end {
            return Err(LoadError::invalid(
                FORMAT,
                Some(At::Byte(file_end)),
                format!(
                    "the file ends at byte {file_end}, before the end of feature section {bit} at {}..{} (truncated file?)",
                    s.offset,
                    s.end()
                ),
            ));
        }
        if s.offset < base {
            out.warnings.push(format!(
                "feature {bit} lies before the feature sections ({}..{}); skipped",
                s.offset,
                s.end()
            ));
            continue;
        }
        let data = &rest[(s.offset - base) as usize..(s.end() - base) as usize];
        if let Err(e) = layout::parse_feature(bit, data, s.offset, h.e, &mut out.features) {
            out.warnings.push(format!("feature {bit} could not be read: {e}"));
        }
    }
    Ok(())
}
