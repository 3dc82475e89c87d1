//! Reading a recording chunk by chunk while earlier chunks are parsed.
//!
//! The calling thread reads one chunk at a time (its header gives its
//! size) into a buffer and hands it to a worker thread; workers parse
//! chunks as they come (chunks are independent until their pool keys are
//! resolved) and hand the buffer back to be read into again. So the file
//! is never held whole: at most one buffer per worker and one being read
//! are alive, reading overlaps parsing, and the buffers' pages are touched
//! once rather than once per chunk. A buffer grows as a chunk's bytes
//! arrive, never by the size its header claims, and a chunk larger than
//! the limit for data held whole is refused.

use std::sync::atomic::Ordering;
use std::sync::{Mutex, mpsc};

use super::chunk::{self, HEADER_SIZE};
use super::{FORMAT, error};
use crate::load::error::{At, LoadError, LoadErrorKind};
use crate::load::source::Input;

/// Buffers grow by at least this much at a time.
const GROW: usize = 1 << 20;

/// A chunk's index, its file offset, its buffer and its size.
type Job = (usize, u64, Vec<u8>, usize);

/// A parsed chunk's index, its result and its buffer back.
type Done<T> = (usize, Result<T, LoadError>, Vec<u8>);

/// Parsed chunks in file order.
///
/// `parse` gets each chunk's bytes and its file offset, on worker threads.
/// Errors: the first in file order, whether from reading (truncated file,
/// bad header, chunk over `limit` bytes, cancel) or from `parse`; reading
/// stops at the first error.
pub fn chunks<T: Send>(
    input: &mut Input,
    limit: u64,
    parse: impl Fn(&[u8], u64) -> Result<T, LoadError> + Sync,
) -> Result<Vec<T>, LoadError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let mut results: Vec<Option<Result<T, LoadError>>> = Vec::new();
    let mut read_error = None;
    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let job_rx = Mutex::new(job_rx);
    std::thread::scope(|s| {
        let (done_tx, done_rx) = mpsc::channel::<Done<T>>();
        for _ in 0..threads {
            let (job_rx, done_tx, parse) = (&job_rx, done_tx.clone(), &parse);
            s.spawn(move || {
                loop {
                    // The lock is held only while waiting for the next job.
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok((i, base, buf, size)) = job else { break };
                    let r = parse(&buf[..size], base);
                    if done_tx.send((i, r, buf)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let mut free: Vec<Vec<u8>> = Vec::new();
        let mut in_flight = 0usize;
        let mut base = 0u64;
        loop {
            let mut failed = false;
            while let Ok(d) = done_rx.try_recv() {
                in_flight -= 1;
                failed |= file_result(d, &mut results, &mut free);
            }
            // At most one buffer per worker waiting or parsing, and one being read.
            while !failed && free.is_empty() && in_flight > threads {
                match done_rx.recv() {
                    Ok(d) => {
                        in_flight -= 1;
                        failed |= file_result(d, &mut results, &mut free);
                    }
                    Err(_) => break,
                }
            }
            if failed {
                break;
            }
            let mut buf = free.pop().unwrap_or_default();
            match read_chunk(input, &mut buf, base, limit) {
                Ok(None) => break,
                Ok(Some(size)) => {
                    results.push(None);
                    if job_tx.send((results.len() - 1, base, buf, size)).is_err() {
                        break;
                    }
                    in_flight += 1;
                    base += size as u64;
                }
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            }
        }
        drop(job_tx);
        for d in done_rx {
            file_result(d, &mut results, &mut free);
        }
    });
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Some(Ok(t)) => out.push(t),
            Some(Err(e)) => return Err(e),
            // Only after an earlier chunk's error stopped the workers, or a worker panicked.
            None => {
                return Err(read_error.unwrap_or_else(|| {
                    LoadError::invalid(FORMAT, None, "a chunk was not parsed (its worker thread stopped)")
                }));
            }
        }
    }
    match read_error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Files a parsed chunk's result and takes its buffer back; true when it
/// is an error.
fn file_result<T>((i, r, buf): Done<T>, results: &mut [Option<Result<T, LoadError>>], free: &mut Vec<Vec<u8>>) -> bool {
    let failed = r.is_err();
    results[i] = Some(r);
    free.push(buf);
    failed
}

/// Reads the chunk at file offset `base` into `buf` (grown as needed; its
/// length may stay larger than the chunk): the chunk's size, or `None` at
/// the end of a file that holds at least one chunk.
fn read_chunk(input: &mut Input, buf: &mut Vec<u8>, base: u64, limit: u64) -> Result<Option<usize>, LoadError> {
    let got = fill(input, buf, 0, HEADER_SIZE)?;
    if got == 0 && base > 0 {
        return Ok(None);
    }
    // The bytes the file holds from here on, when its size is known.
    let total = input.progress().bytes_total.load(Ordering::Relaxed);
    let left = (!input.gzipped && input.encoding.is_none() && total > 0).then(|| total.saturating_sub(base));
    let h = chunk::header(&buf[..got], base, left).map_err(error)?;
    if h.size > limit && left.is_some() {
        return Err(too_large(base, h.size, limit));
    }
    // Of a stream of unknown length, read what is there up to the limit:
    // a size past it is either a truncated file or a chunk too large.
    let want = h.size.min(limit.saturating_add(1)) as usize;
    let got = fill(input, buf, HEADER_SIZE, want)?;
    if (got as u64) < h.size {
        if got as u64 > limit {
            return Err(too_large(base, h.size, limit));
        }
        return Err(error(chunk::truncated(base, h.size, got as u64)));
    }
    if h.size > limit {
        // All there, one byte over the limit.
        return Err(too_large(base, h.size, limit));
    }
    Ok(Some(got))
}

fn too_large(base: u64, size: u64, limit: u64) -> LoadError {
    LoadError {
        kind: LoadErrorKind::TooLarge,
        format: FORMAT.to_string(),
        at: Some(At::Byte(base + 8)),
        what: format!("the chunk here is {size} bytes, larger than the {limit}-byte limit for one chunk"),
        path: None,
    }
}

/// Reads into `buf[from..to]` until it is full or the input ends, growing
/// `buf` only as bytes arrive; the bytes `buf` now holds from its start.
fn fill(input: &mut Input, buf: &mut Vec<u8>, from: usize, to: usize) -> Result<usize, LoadError> {
    let mut at = from;
    while at < to {
        if buf.len() < to && buf.len() <= at {
            let grow = to.min(buf.len().saturating_mul(2).max(at + GROW));
            buf.resize(grow, 0);
        }
        let end = to.min(buf.len());
        let n = input.read_chunk(&mut buf[at..end], FORMAT)?;
        if n == 0 {
            break;
        }
        at += n;
    }
    Ok(at)
}
