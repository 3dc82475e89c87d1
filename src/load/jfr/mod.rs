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
//! the type; each such event is one sample with its stack (leaf-first
//! `package.Class.method` frames with line numbers, interned root first,
//! hidden frames left out as `jfr print` leaves them out), its thread and
//! its start time. Other events are counted into `meta`. The whole file is
//! read into memory (the format points backwards and forwards within a
//! chunk), bounded by `max_whole_input`; every length read from it is
//! bounded by the bytes left, so truncated or corrupt input ends in an
//! error with its byte offset. Imports `model` and the load plumbing only.

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
use crate::model::{LabelSetId, MetricId, Profile, ProfileBuilder, Weight};
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

/// The metrics of a load: per spec, its metric and its bytes metric.
type Metrics = Vec<Option<(MetricId, Option<MetricId>)>>;

/// Loads a whole recording held in memory. Errors as [`load`].
pub fn load_bytes(data: &[u8], progress: Option<&Progress>) -> Result<Profile, LoadError> {
    let cancelled = || progress.is_some_and(Progress::is_cancelled);
    if data.len() < HEADER_SIZE {
        // Name the magic check first: a short file that is not JFR at all says so.
        chunk::header(data, 0).map_err(error)?;
    }
    let mut chunks = Vec::new();
    let mut at = 0;
    while at < data.len() {
        if cancelled() {
            return Err(LoadError::cancelled());
        }
        let c = Chunk::open(data, at).map_err(error)?;
        at = c.end;
        chunks.push(c);
    }
    let mut b = ProfileBuilder::new(FORMAT);
    b.functions_by_name();
    let (counts, unknown) = count_events(data, &chunks).map_err(error)?;
    let metrics = add_metrics(&chunks, &counts, &mut b);
    if metrics.iter().all(Option::is_none) {
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
    let mut res = Resolver::default();
    let mut weights: Vec<Weight> = vec![0; b.metric_count()];
    for i in 0..chunks.len() {
        res.next_chunk();
        read_events(data, &chunks[..=i], &metrics, &mut res, &mut weights, &mut b, progress)?;
    }
    for (ty, n) in unknown {
        b.warn(None, None, format!("{n} events of type id {ty}, which the metadata does not define, were skipped"));
    }
    if res.missing > 0 {
        b.warn(None, None, format!("{} references to constant pool entries that no chunk holds (read as empty)", res.missing));
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
    add_meta(&chunks, &counts, &mut b);
    if let Some(p) = progress {
        let total = p.bytes_total.load(Ordering::Relaxed);
        p.bytes_read.fetch_max(total, Ordering::Relaxed);
    }
    b.finish().map_err(|e| LoadError::invalid(FORMAT, None, e.to_string()))
}

/// Walks the event headers of every chunk: events per type name, and
/// events of type ids the metadata does not define.
#[allow(clippy::type_complexity)]
fn count_events(data: &[u8], chunks: &[Chunk]) -> Result<(FxHashMap<String, u64>, Vec<(i64, u64)>), ReadError> {
    let mut counts: FxHashMap<String, u64> = FxHashMap::default();
    let mut unknown: FxHashMap<i64, u64> = FxHashMap::default();
    for c in chunks {
        let mut by_id: FxHashMap<i64, u64> = FxHashMap::default();
        let mut at = c.start + HEADER_SIZE;
        while at < c.end {
            let mut r = chunk::event_reader(data, at, c.end, "event")?;
            let size = r.remaining();
            r.varint()?;
            *by_id.entry(r.varint()?).or_default() += 1;
            at += size;
        }
        for (id, n) in by_id {
            match (id, c.md.class(id)) {
                (0 | 1, _) => {}
                (_, Some(class)) => *counts.entry(class.name.clone()).or_default() += n,
                (_, None) => *unknown.entry(id).or_default() += n,
            }
        }
    }
    let mut unknown: Vec<_> = unknown.into_iter().collect();
    unknown.sort_unstable();
    Ok((counts, unknown))
}

fn add_metrics(chunks: &[Chunk], counts: &FxHashMap<String, u64>, b: &mut ProfileBuilder) -> Metrics {
    let _ = chunks;
    let mut out = Vec::with_capacity(events::SPECS.len());
    for s in events::SPECS {
        if counts.get(s.name).copied().unwrap_or(0) == 0 {
            out.push(None);
            continue;
        }
        let m = b.add_metric(s.name, s.unit.unit());
        let bytes = s.bytes.map(|f| b.add_metric(&format!("{}.{f}", s.name), crate::model::Unit::Bytes));
        out.push(Some((m, bytes)));
    }
    if let Some(Some((m, _))) = out.first() {
        b.set_default_metric(*m);
    } else if let Some((m, _)) = out.iter().flatten().next() {
        b.set_default_metric(*m);
    }
    out
}

/// Reads the events of the last chunk of `chunks` into samples.
fn read_events(
    data: &[u8],
    chunks: &[Chunk],
    metrics: &Metrics,
    res: &mut Resolver,
    weights: &mut [Weight],
    b: &mut ProfileBuilder,
    progress: Option<&Progress>,
) -> Result<(), LoadError> {
    let Some(c) = chunks.last() else { return Ok(()) };
    let plans = events::plans(c);
    let cs = Chunks { file: data, list: chunks };
    let mut at = c.start + HEADER_SIZE;
    let mut n = 0u32;
    let mut last_ticks = 0i64;
    while at < c.end {
        n = n.wrapping_add(1);
        if n % 65536 == 0 && progress.is_some_and(Progress::is_cancelled) {
            return Err(LoadError::cancelled());
        }
        let mut r = chunk::event_reader(data, at, c.end, "event").map_err(error)?;
        let size = r.remaining();
        r.varint().map_err(error)?;
        let ty = r.varint().map_err(error)?;
        at += size;
        let Some(plan) = plans.get(&ty) else { continue };
        let Some((metric, bytes_metric)) = metrics[plan.spec] else { continue };
        let f = plan.read(c, &mut r).map_err(error)?;
        let spec = &events::SPECS[plan.spec];
        let w: i64 = match spec.weigh {
            events::Weigh::One => 1,
            events::Weigh::Duration => c.span_ns(f.duration),
            events::Weigh::Field(_) => f.weight,
        };
        let time = f.start.map(|t| {
            let t = if c.header.compressed_ticks {
                // JDK 25's compressed start ticks: small values are relative to the last full one.
                if t > c.header.start_ticks {
                    last_ticks = t;
                    t
                } else {
                    t + last_ticks
                }
            } else {
                t
            };
            c.time_ns(t)
        });
        let stack = if f.stack != 0 { res.stack(&cs, plan.stack_type, f.stack, b).map_err(error)? } else { None };
        let thread = if f.thread != 0 { res.thread(&cs, plan.thread_type, f.thread, b).map_err(error)? } else { None };
        weights.fill(0);
        weights[metric.index()] = Weight::from(w);
        if let Some(bm) = bytes_metric {
            weights[bm.index()] = Weight::from(f.bytes);
        }
        b.add_sample(stack, weights, time.and_then(|t| u64::try_from(t).ok()), thread, LabelSetId(0));
    }
    Ok(())
}

fn add_meta(chunks: &[Chunk], counts: &FxHashMap<String, u64>, b: &mut ProfileBuilder) {
    if let Some(c) = chunks.first() {
        b.meta("JFR version", format!("{}.{}", c.header.major, c.header.minor));
        b.meta("start (ns since the epoch)", c.header.start_ns.to_string());
    }
    b.meta("chunks", chunks.len().to_string());
    let duration: i64 = chunks.iter().map(|c| c.header.duration_ns).sum();
    b.meta("duration", crate::model::Unit::Nanoseconds.format(duration as f64));
    let total: u64 = counts.values().sum();
    b.meta("events", total.to_string());
    let read: u64 = events::SPECS.iter().filter_map(|s| counts.get(s.name)).sum();
    b.meta("events read as samples", read.to_string());
}
