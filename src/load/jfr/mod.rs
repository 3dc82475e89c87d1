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
//! ([`accumulate`]). Other events are counted into `meta`. The whole file is
//! read into memory (the format points backwards and forwards within a
//! chunk), bounded by `max_whole_input`; every length read from it is
//! bounded by the bytes left, so truncated or corrupt input ends in an
//! error with its byte offset. Imports `model` and the load plumbing only.

mod accumulate;
pub mod chunk;
pub mod events;
pub mod layout;
pub mod metadata;
pub mod reader;
mod resolve;

use std::sync::atomic::Ordering;

use rustc_hash::FxHashMap;

use super::LoadOptions;
use super::error::{At, LoadError};
use super::source::{Input, Progress};
use crate::model::{Profile, ProfileBuilder};
use chunk::{Chunk, HEADER_SIZE};
use reader::ReadError;
use resolve::{Chunks, Resolver};

/// Format name in errors and `Profile::format`.
pub const FORMAT: &str = "JFR";

fn error(e: ReadError) -> LoadError {
    LoadError::invalid(FORMAT, Some(At::Byte(e.at)), e.what)
}

/// Loads a JFR recording from `input` (gzip already undone by `Input`).
///
/// Errors: the input is larger than `opts.max_whole_input`; a chunk header
/// is short, has the wrong magic or an unsupported version (named); a size,
/// count, offset or reference points outside the data that backs it.
pub fn load(input: &mut Input, opts: &LoadOptions) -> Result<Profile, LoadError> {
    let data = input.read_all(FORMAT, opts.max_whole_input)?;
    let progress = std::sync::Arc::clone(input.progress());
    load_bytes(&data, Some(&progress))
}

/// Loads a whole recording held in memory. Errors as [`load`].
pub fn load_bytes(data: &[u8], progress: Option<&Progress>) -> Result<Profile, LoadError> {
    let cancelled = || progress.is_some_and(Progress::is_cancelled);
    if data.len() < HEADER_SIZE {
        // Name the magic check first: a short file that is not JFR at all says so.
        chunk::header(data, 0).map_err(error)?;
    }
    // Headers first (cheap, serial: each gives the next chunk's offset);
    // then each chunk's metadata, pools and events on the worker threads.
    let mut headers = Vec::new();
    let mut at = 0;
    while at < data.len() {
        if cancelled() {
            return Err(LoadError::cancelled());
        }
        let h = chunk::header(data, at).map_err(error)?;
        headers.push((at, h));
        at += h.size as usize;
    }
    let origin = headers.iter().map(|(_, h)| h.start_ns).min().unwrap_or(0);
    let end = headers.iter().map(|(_, h)| h.start_ns.saturating_add(h.duration_ns)).max().unwrap_or(0);
    let shift = accumulate::bucket_shift(origin, end);
    let mut chunks = Vec::with_capacity(headers.len());
    let mut outs = Vec::with_capacity(headers.len());
    for r in parse_all(data, &headers, origin, shift, progress) {
        let (c, out) = r.unwrap_or_else(|| Err(LoadError::cancelled()))?;
        chunks.push(c);
        outs.push(out);
    }
    let mut b = ProfileBuilder::new(FORMAT);
    b.functions_by_name();
    let mut res = Resolver::default();
    let mut counts: FxHashMap<String, u64> = FxHashMap::default();
    let mut unknown: FxHashMap<i64, u64> = FxHashMap::default();
    let mut events = [0u64; events::SPECS.len()];
    let mut rows: Vec<accumulate::Row> = Vec::new();
    for (i, out) in outs.into_iter().enumerate() {
        res.next_chunk();
        let cs = Chunks { file: data, list: &chunks[..=i] };
        for (k, a) in out.rows {
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
    if let Some(p) = progress {
        let total = p.bytes_total.load(Ordering::Relaxed);
        p.bytes_read.fetch_max(total, Ordering::Relaxed);
    }
    b.finish().map_err(|e| LoadError::invalid(FORMAT, None, e.to_string()))
}

/// One chunk's events, accumulated by the chunk's own keys.
struct ChunkOut {
    rows: Vec<(accumulate::RawKey, accumulate::Acc)>,
    /// Per spec, the pool types of its stack trace and thread fields.
    types: [(i64, i64); events::SPECS.len()],
    events: [u64; events::SPECS.len()],
    by_id: FxHashMap<i64, u64>,
}

/// A chunk opened and read.
type Parsed = Result<(Chunk, ChunkOut), LoadError>;

/// Opens and reads every chunk (`headers`: offset and header of each), on
/// as many threads as there are cores: chunks are independent until their
/// keys are resolved. Results in chunk order; `None` for a chunk not read
/// because its thread stopped at an error first.
fn parse_all(
    data: &[u8],
    headers: &[(usize, chunk::Header)],
    origin: i64,
    shift: u32,
    progress: Option<&Progress>,
) -> Vec<Option<Parsed>> {
    let one = |at: usize| -> Parsed {
        let c = Chunk::open(data, at).map_err(error)?;
        let out = parse_chunk(data, &c, origin, shift, progress)?;
        Ok((c, out))
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(headers.len()).clamp(1, 8);
    if threads == 1 {
        return headers.iter().map(|&(at, _)| Some(one(at))).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Option<Parsed>> = (0..headers.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(at, _)) = headers.get(i) else { break };
                        let r = one(at);
                        let stop = r.is_err();
                        mine.push((i, r));
                        if stop {
                            break;
                        }
                    }
                    mine
                })
            })
            .collect();
        for h in handles {
            // A worker that panicked leaves its chunks `None`: reported as not read.
            if let Ok(mine) = h.join() {
                for (i, r) in mine {
                    out[i] = Some(r);
                }
            }
        }
    });
    out
}

/// Reads the events of chunk `c`.
fn parse_chunk(
    data: &[u8],
    c: &Chunk,
    origin: i64,
    shift: u32,
    progress: Option<&Progress>,
) -> Result<ChunkOut, LoadError> {
    let plans = events::plans(c);
    let mut types = [(0i64, 0i64); events::SPECS.len()];
    for p in plans.iter() {
        types[p.spec] = (p.stack_type, p.thread_type);
    }
    let mut acc = accumulate::ChunkAcc::new(origin, shift);
    let mut by_id: FxHashMap<i64, u64> = FxHashMap::default();
    let mut at = c.start + HEADER_SIZE;
    let mut n = 0u32;
    let mut last_ticks = 0i64;
    // Consecutive events of one type repeat: count them in a run, not a map lookup each.
    let (mut run_ty, mut run_n) = (i64::MIN, 0u64);
    while at < c.end {
        n = n.wrapping_add(1);
        if n.is_multiple_of(65536) && progress.is_some_and(Progress::is_cancelled) {
            return Err(LoadError::cancelled());
        }
        let (size, mut r) = chunk::event_at(data, at, c.end).map_err(error)?;
        let left = r.remaining() + (r.offset() as usize - at);
        let ty = r.varint().map_err(error)?;
        let event_at = at;
        at += size;
        if ty != run_ty {
            if run_n > 0 {
                *by_id.entry(run_ty).or_default() += run_n;
            }
            (run_ty, run_n) = (ty, 0);
        }
        run_n += 1;
        let Some(plan) = plans.get(ty) else { continue };
        let f = plan.read(c, &mut r).map_err(error)?;
        if left - r.remaining() > size {
            return Err(error(ReadError {
                at: event_at as u64,
                what: format!(
                    "the fields of this {} event run {} bytes past its size of {size} bytes",
                    events::SPECS[plan.spec].name,
                    left - r.remaining() - size
                ),
            }));
        }
        let spec = &events::SPECS[plan.spec];
        let w: i64 = match spec.weigh {
            events::Weigh::One => 1,
            events::Weigh::Duration => c.span_ns(f.duration),
            events::Weigh::Field(_) => f.weight,
        };
        let ticks = match f.start {
            // JDK 25's compressed start ticks: small values are relative to the last full one.
            Some(t) if c.header.compressed_ticks && t <= c.header.start_ticks => t.wrapping_add(last_ticks),
            Some(t) => {
                last_ticks = t;
                t
            }
            None => c.header.start_ticks,
        };
        acc.add(plan.spec, f.stack, f.thread, c.time_ns(ticks), w, f.bytes);
    }
    if run_n > 0 {
        *by_id.entry(run_ty).or_default() += run_n;
    }
    let events = acc.events;
    Ok(ChunkOut { rows: acc.into_rows(), types, events, by_id })
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
