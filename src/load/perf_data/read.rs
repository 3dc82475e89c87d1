//! One pass over a perf.data file (or `perf record -o -` stream): header,
//! attributes, the data section's records replayed into [`State`] in time
//! order, then the feature sections.
//!
//! perf writes each CPU's buffer as it fills, so records are in time order
//! per CPU only. As perf does, records wait until a `FINISHED_ROUND` says
//! everything up to the previous round's newest time has been written; at
//! most [`MAX_PENDING`] wait (a file without rounds is then replayed in
//! slightly coarser order, with a warning).

use super::FORMAT;
use super::layout::{self, Attr, Cur, Features, Header, Section};
use super::records::{Event, Parser, kind};
use super::state::State;
use super::stream::{MAX_TAKE, Stream};
use crate::load::error::{At, LoadError};

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
        let to = self.flush_to;
        self.flush_to = self.newest;
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
pub(super) fn read(stream: &mut Stream<'_>, state: &mut State) -> Result<Read, LoadError> {
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
    let mut sorter = Sorter { pending: Vec::new(), seq: 0, newest: 0, flush_to: 0, overflowed: false };
    let mut fixed: Vec<Option<u64>> = parser.attrs.iter().map(Attr::fixed_period).collect();
    let data_end = if header.pipe || header.data.size == 0 { u64::MAX } else { header.data.end() };
    if !header.pipe && header.data.size == 0 {
        out.warnings.push(
            "the data section's size is 0 (perf record did not finish?); records are read to the end of the file"
                .into(),
        );
    }
    let mut compressed = 0u64;
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
        let mut c = Cur::new(&h, at, e);
        let ty = c.u32("record type")?;
        let misc_size = c.u32("record size")?;
        let (misc, size) =
            if e.big { (misc_size >> 16, misc_size & 0xffff) } else { (misc_size & 0xffff, misc_size >> 16) };
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
            kind::FINISHED_ROUND => sorter.round(state, &fixed),
            kind::HEADER_ATTR => {
                let mut c = Cur::new(body, at + 8, e);
                let attr_size = body.get(4..8).map_or(0, |b| {
                    let b: [u8; 4] = b.try_into().unwrap_or_default();
                    if e.big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
                });
                let mut a = Attr::parse(&mut c, attr_size as usize)?;
                a.ids = c.u64s((c.remaining() / 8) as u64, "attribute ids")?;
                fixed.push(a.fixed_period());
                parser.add_attr(a);
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
                stream.skip(n, "the payload after a record")?;
            }
            kind::COMPRESSED | kind::COMPRESSED2 => compressed += 1,
            _ if ty < 64 => {
                if let Some((time, ev)) = parser.parse(ty, misc as u16, body, at + 8)? {
                    sorter.push(time, ev, state, &fixed);
                }
            }
            _ => {}
        }
    }
    sorter.flush(None, state, &fixed);
    if sorter.overflowed {
        out.warnings.push(format!(
            "more than {MAX_PENDING} records between two FINISHED_ROUND records: replayed in approximate time order"
        ));
    }
    // perf 6.1's `perf inject` copies compressed records as they are, so
    // the way out is perf's own reader: `perf script` text.
    let way_out = "print it with `perf script -i FILE > FILE.txt` and open the text, or record without -z";
    if compressed > 0 && state.rows.is_empty() {
        return Err(LoadError::invalid(
            FORMAT,
            None,
            format!(
                "no samples outside zstd-compressed records: the file's {compressed} compressed records \
                 (perf record -z) hold them, and Firesight does not read those; {way_out}"
            ),
        ));
    }
    if compressed > 0 {
        out.warnings.push(format!(
            "{compressed} zstd-compressed records (perf record -z) were not read: their samples and mappings are \
             missing; {way_out}"
        ));
    }
    if !header.pipe {
        read_features(stream, &header, &mut out)?;
    }
    out.attrs = std::mem::take(&mut parser.attrs);
    Ok(out)
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
    let pre = stream.take((h.data.offset - base) as usize, "the event attributes")?.unwrap_or_default().to_vec();
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
