//! Java Flight Recorder recordings (`.jfr`): the JDK's own (JDK 11 and
//! later, file versions 1.x and 2.x) and async-profiler's.
//!
//! A recording is one or more chunks, each self-describing: a header, a
//! metadata event with the type system ([`metadata`], compiled into
//! [`layout`]s), constant pools (stack traces, methods, classes, symbols,
//! threads, strings; [`chunk`] indexes them) and events. The JDK's
//! `jdk.jfr.consumer` reader is the reference for every encoding; the
//! `jfrs` crate was evaluated and not used (docs/DESIGN.md, "JFR").
//!
//! Each event type of [`events::SPECS`] present becomes a metric named by
//! the type, weighed by its stack (leaf-first `package.Class.method` frames
//! with line numbers, interned root first, hidden frames left out as `jfr
//! print` leaves them out), its thread and its start time; events of one
//! type, stack and thread in the same short time bucket are one sample
//! (`accumulate`). Other events are counted into `meta`. The file is read
//! one chunk at a time, each chunk parsed on a worker thread while the
//! next is read (`stream`); a chunk is held whole (the format points
//! backwards and forwards within it), bounded by `max_whole_input`, and
//! only its constant pools are kept once its events are read. Every length
//! read is bounded by the bytes left, so truncated or corrupt input ends
//! in an error with its byte offset. Imports `model` and the load plumbing
//! only.

mod accumulate;
pub mod chunk;
pub mod events;
pub mod layout;
pub mod metadata;
pub mod reader;
mod resolve;
mod stream;

use std::sync::atomic::Ordering;

use rustc_hash::FxHashMap;

use super::LoadOptions;
use super::error::{At, LoadError};
use super::source::{Input, Progress};
use crate::model::{Profile, ProfileBuilder};
use chunk::{Chunk, HEADER_SIZE};
use reader::{ReadError, Reader};
use resolve::{Chunks, Resolver};

/// Format name in errors and `Profile::format`.
pub const FORMAT: &str = "JFR";

fn error(e: ReadError) -> LoadError {
    LoadError::invalid(FORMAT, Some(At::Byte(e.at)), e.what)
}

/// Loads a JFR recording from `input` (gzip already undone by `Input`).
///
/// Errors: a chunk is larger than `opts.max_whole_input`; a chunk header
/// is short, has the wrong magic or an unsupported version (named); a size,
/// count, offset or reference points outside the data that backs it.
pub fn load(input: &mut Input, opts: &LoadOptions) -> Result<Profile, LoadError> {
    let progress = std::sync::Arc::clone(input.progress());
    // The file's size, when known, tells each chunk about how long the
    // recording is, so it can use the recording's buckets from the start.
    let total = progress.bytes_total.load(Ordering::Relaxed);
    let file_size = (!input.gzipped && input.encoding.is_none()).then_some(total).filter(|&t| t > 0);
    let parsed = stream::chunks(input, opts.max_whole_input, |data, base| {
        let c = Chunk::open(data, base).map_err(error)?;
        let out = parse_chunk(data, &c, file_size, &progress)?;
        Ok((c, out))
    })?;
    let (chunks, outs): (Vec<Chunk>, Vec<ChunkOut>) = parsed.into_iter().unzip();
    let origin = chunks.iter().map(|c| c.header.start_ns).min().unwrap_or(0);
    let end = chunks.iter().map(|c| c.header.start_ns.saturating_add(c.header.duration_ns)).max().unwrap_or(0);
    // Never finer than a chunk's own buckets (a chunk that guessed the recording longer than it is).
    let shift = outs.iter().map(|o| o.shift).fold(accumulate::bucket_shift(origin, end), u32::max);
    let mut b = ProfileBuilder::new(FORMAT);
    b.functions_by_name();
    let mut res = Resolver::default();
    let mut counts: FxHashMap<String, u64> = FxHashMap::default();
    let mut unknown: FxHashMap<i64, u64> = FxHashMap::default();
    let mut events = [0u64; events::SPECS.len()];
    let mut rows: Vec<accumulate::Row> = Vec::with_capacity(outs.iter().map(|o| o.rows.len()).sum());
    for (i, out) in outs.into_iter().enumerate() {
        res.next_chunk();
        let cs = Chunks { list: &chunks[..=i] };
        for (k, a) in accumulate::coarsen(out.rows, out.shift, shift) {
            let (stack_type, thread_type) = out.types[usize::from(k.spec)];
            let stack = if k.stack != 0 { res.stack(&cs, stack_type, k.stack, &mut b).map_err(error)? } else { None };
            let thread =
                if k.thread != 0 { res.thread(&cs, thread_type, k.thread, &mut b).map_err(error)? } else { None };
            rows.push((k.spec, stack, thread, a));
        }
        for (e, n) in events.iter_mut().zip(out.events) {
            *e += n;
        }
        let md = &chunks[i].md;
        for (id, n) in out.by_id {
            match (id, md.class(id)) {
                (0 | 1, _) => {}
                (_, Some(class)) => *counts.entry(class.name.clone()).or_default() += n,
                (_, None) => *unknown.entry(id).or_default() += n,
            }
        }
    }
    if rows.is_empty() {
        return Err(LoadError::invalid(
            FORMAT,
            None,
            format!(
                "the recording holds no events Firesight reads ({} events of other types); \
                 expected execution samples, allocations, lock waits or I/O events (jdk.ExecutionSample ...)",
                counts.values().sum::<u64>()
            ),
        ));
    }
    let mut unknown: Vec<_> = unknown.into_iter().collect();
    unknown.sort_unstable();
    for (ty, n) in unknown {
        b.warn(None, None, format!("{n} events of type id {ty}, which the metadata does not define, were skipped"));
    }
    if res.missing > 0 {
        b.warn(
            None,
            None,
            format!("{} references to constant pool entries that no chunk holds (read as empty)", res.missing),
        );
    }
    if res.truncated > 0 {
        b.warn(
            None,
            None,
            format!(
                "{} stack traces were truncated by the recorder (its stackdepth setting): their outermost frames are missing",
                res.truncated
            ),
        );
    }
    add_meta(&chunks, &counts, &events, 1i64 << shift, &mut b);
    accumulate::finish(rows, &events, &mut b);
    let total = progress.bytes_total.load(Ordering::Relaxed);
    progress.bytes_read.fetch_max(total, Ordering::Relaxed);
    b.finish().map_err(|e| LoadError::invalid(FORMAT, None, e.to_string()))
}

/// One chunk's events, accumulated by the chunk's own keys.
struct ChunkOut {
    rows: Vec<(accumulate::RawKey, accumulate::Acc)>,
    /// Per spec, the pool types of its stack trace and thread fields.
    types: [(i64, i64); events::SPECS.len()],
    events: [u64; events::SPECS.len()],
    by_id: FxHashMap<i64, u64>,
    /// The chunk's buckets are `2^shift` ns.
    shift: u32,
}

/// Reads the events of chunk `c`, whose bytes are `data`; `file_size`,
/// when known, sets its buckets to about the recording's.
fn parse_chunk(data: &[u8], c: &Chunk, file_size: Option<u64>, progress: &Progress) -> Result<ChunkOut, LoadError> {
    let plans = events::plans(c);
    let mut types = [(0i64, 0i64); events::SPECS.len()];
    for p in plans.iter() {
        types[p.spec] = (p.stack_type, p.thread_type);
    }
    let h = &c.header;
    // The recording's span, guessed from this chunk's share of the file,
    // halved: chunks differ in density, and a guess too short only costs a
    // merge afterwards ([`accumulate::coarsen`]), one too long coarser samples.
    let span = match file_size {
        Some(f) => (i128::from(h.duration_ns.max(0)) * i128::from(f) / i128::from(h.size.max(1)) / 2) as i64,
        None => h.duration_ns,
    };
    let shift = accumulate::bucket_shift(0, span);
    // About one sample per kilobyte in dense recordings (a 13 MB chunk: 14 000); growing costs rehashes.
    let mut acc = accumulate::ChunkAcc::new(shift, (c.size / 1024).min(1 << 20));
    let mut by_id: FxHashMap<i64, u64> = FxHashMap::default();
    let (base, end) = (c.base, c.size);
    // One cursor over the chunk's events: each event's size moves it to the next.
    let mut r = Reader::new(&data[..end], base, "event");
    r.seek(HEADER_SIZE);
    let mut n = 0u32;
    let mut last_ticks = 0i64;
    // Consecutive events of one type repeat: count them in a run, not a map lookup each.
    let (mut run_ty, mut run_n) = (i64::MIN, 0u64);
    while r.pos() < end {
        n = n.wrapping_add(1);
        if n.is_multiple_of(65536) && progress.is_cancelled() {
            return Err(LoadError::cancelled());
        }
        let at = r.pos();
        let size = r.varint().map_err(error)?;
        if size <= 0 || size as u64 > (end - at) as u64 {
            return Err(error(chunk::bad_event_size(base + at as u64, size, end - at)));
        }
        let next = at + size as usize;
        let ty = r.varint().map_err(error)?;
        if ty != run_ty {
            if run_n > 0 {
                *by_id.entry(run_ty).or_default() += run_n;
            }
            (run_ty, run_n) = (ty, 0);
        }
        run_n += 1;
        let Some(plan) = plans.get(ty) else {
            r.seek(next);
            continue;
        };
        let f = plan.read(c, &mut r).map_err(error)?;
        if r.pos() > next {
            return Err(error(ReadError {
                at: base + at as u64,
                what: format!(
                    "the fields of this {} event run {} bytes past its size of {size} bytes",
                    events::SPECS[plan.spec].name,
                    r.pos() - next
                ),
            }));
        }
        r.seek(next);
        let spec = &events::SPECS[plan.spec];
        let w: i64 = match spec.weigh {
            events::Weigh::One => 1,
            events::Weigh::Duration => c.span_ns(f.duration),
            events::Weigh::Field(_) => f.weight,
        };
        let ticks = match f.start {
            // JDK 25's compressed start ticks: small values are relative to the last full one.
            Some(t) if h.compressed_ticks && t <= h.start_ticks => t.wrapping_add(last_ticks),
            Some(t) => {
                last_ticks = t;
                t
            }
            None => h.start_ticks,
        };
        acc.add(plan.spec, f.stack, f.thread, c.time_ns(ticks), w, f.bytes);
    }
    if run_n > 0 {
        *by_id.entry(run_ty).or_default() += run_n;
    }
    let events = acc.events;
    Ok(ChunkOut { rows: acc.into_rows(), types, events, by_id, shift })
}

fn add_meta(chunks: &[Chunk], counts: &FxHashMap<String, u64>, events: &[u64], width_ns: i64, b: &mut ProfileBuilder) {
    if let Some(c) = chunks.first() {
        b.meta("JFR version", format!("{}.{}", c.header.major, c.header.minor));
        b.meta("start (ns since the epoch)", c.header.start_ns.to_string());
    }
    b.meta("chunks", chunks.len().to_string());
    let duration: i64 = chunks.iter().map(|c| c.header.duration_ns).sum();
    b.meta("duration", crate::model::Unit::Nanoseconds.format(duration as f64));
    b.meta("events", counts.values().sum::<u64>().to_string());
    for (s, &n) in events::SPECS.iter().zip(events) {
        if n > 0 {
            b.meta(&format!("{} events", s.name), n.to_string());
        }
    }
    b.meta(
        "samples",
        format!(
            "events of one type, stack and thread within {} are one sample",
            crate::model::Unit::Nanoseconds.format(width_ns as f64)
        ),
    );
}
