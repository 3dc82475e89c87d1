//! Parallel parsing: the reading thread reads the input in blocks of about
//! [`BLOCK_BYTES`] and cuts each at a sample boundary; worker threads split
//! the blocks into lines and parse them, each with its own [`Parser`] (so
//! each keeps its caches warm); the reading thread merges the deltas back in
//! block order, so samples keep file order and line numbers are exact.
//!
//! A block ends after a blank line (the end of a sample), or after a header
//! that carries its own frame (perf record without -g has no blank lines).
//! At either point the line state machine is idle, so a block parses the
//! same wherever it starts. A sample with no such point after it grows the
//! block (up to [`MAX_LINE`]). The reading thread never looks at single
//! lines except near a cut, so it stays cheap. Memory in flight is bounded:
//! one block per worker, one waiting and the one being read, their buffers
//! reused.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, Sender, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use super::block::{Delta, Parser};
use super::merge::Merger;
use super::{FORMAT, check_cut, header};
use crate::load::PerfOptions;
use crate::load::error::{At, LoadError};
use crate::load::source::{Input, MAX_LINE};

/// Target size of a block: 1 MiB.
pub(super) const BLOCK_BYTES: usize = 1 << 20;

/// Bytes handed to a worker: whole lines, and where they start in the input.
struct Block {
    index: u64,
    text: Vec<u8>,
    offset: u64,
    /// The input's last block: a sample it ends inside was cut off.
    last: bool,
}

/// A worker's result: the delta (warning lines counted from the block's
/// start), the number of lines in the block, and the block's buffer, for
/// the reader to fill again (fresh memory costs a page fault per 4 KiB).
struct Done {
    index: u64,
    worker: usize,
    delta: Delta,
    lines: u64,
    buffer: Vec<u8>,
}

/// True when the parser is idle after `line`: a blank line, or a header
/// carrying its own frame.
fn ends_sample(line: &[u8]) -> bool {
    if line.iter().all(u8::is_ascii_whitespace) {
        return true;
    }
    if line.first().is_none_or(|b| b.is_ascii_whitespace() || *b == b'#') {
        return false;
    }
    std::str::from_utf8(line)
        .ok()
        .and_then(|t| header::parse(t.trim_end()))
        .is_some_and(|h| h.inline_frame.is_some() || h.record.is_some())
}

/// True when `line` is the header of a sample (see [`super::header::starts_sample`]).
fn starts_sample(line: &[u8]) -> bool {
    std::str::from_utf8(line).is_ok_and(|t| super::header::starts_sample(t.trim_end()))
}

/// The end of the last line in `text` after which the parser is idle, as
/// an index just past its `\n`; `None` when there is none.
fn split_point(text: &[u8]) -> Option<usize> {
    let mut end = memchr::memrchr(b'\n', text)?;
    loop {
        let start = memchr::memrchr(b'\n', &text[..end]).map_or(0, |i| i + 1);
        if ends_sample(&text[start..end]) {
            return Some(end + 1);
        }
        if start > 0 && starts_sample(&text[start..end]) {
            // Before the header of the next sample (samples without call
            // chain have no blank line between them).
            return Some(start);
        }
        if start == 0 {
            return None;
        }
        end = start - 1;
    }
}

fn worker(opts: &PerfOptions, id: usize, jobs: &Mutex<Receiver<Block>>, results: &Sender<Done>) {
    let mut parser = Parser::new(opts);
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(block) = job else {
            return;
        };
        let mut buffer = block.text;
        let text = buffer.as_slice();
        let mut lines = 0u64;
        let mut pos = 0usize;
        while pos < text.len() {
            let end = memchr::memchr(b'\n', &text[pos..]).map_or(text.len(), |i| pos + i);
            let mut line = &text[pos..end];
            if let Some(l) = line.strip_suffix(b"\r") {
                line = l;
            }
            lines += 1;
            parser.line(line, lines, block.offset + pos as u64);
            pos = end + 1;
        }
        // Blocks end where the parser is idle or just before a header
        // that ends the sample read (see `split_point`): end it here. Only
        // the last block can end inside a sample (a file cut off).
        if block.last {
            parser.finish();
        } else {
            parser.finish_block();
        }
        buffer.clear();
        if results.send(Done { index: block.index, worker: id, delta: parser.take(), lines, buffer }).is_err() {
            return;
        }
    }
}

/// Merges results in block order, turning block-relative line numbers into
/// file line numbers.
struct Reorder {
    next: u64,
    lines_before: u64,
    pending: BTreeMap<u64, Done>,
    last_bad: bool,
}

impl Reorder {
    fn push(&mut self, merger: &mut Merger, done: Done) {
        self.pending.insert(done.index, done);
        while let Some(mut d) = self.pending.remove(&self.next) {
            for w in &mut d.delta.warnings {
                w.0 += self.lines_before;
            }
            for s in &mut d.delta.switches {
                s.line += self.lines_before;
            }
            for r in &mut d.delta.other_records {
                r.line += self.lines_before;
            }
            self.lines_before += d.lines;
            self.last_bad = d.delta.last_line_bad;
            merger.merge(d.worker, d.delta);
            self.next += 1;
        }
    }
}

/// Reads `input` and parses it on `threads` workers, in blocks of about
/// `block_bytes`.
pub(super) fn run(
    input: &mut Input,
    opts: &PerfOptions,
    threads: usize,
    block_bytes: usize,
) -> Result<Merger, LoadError> {
    let mut merger = Merger::new(threads);
    // One block waits for the workers (none waiting cost 5-10% of the wall
    // time, as a worker then waits while the reader merges; one per worker
    // costs a megabyte more and is no faster).
    let (job_tx, job_rx) = sync_channel::<Block>(1);
    let (res_tx, res_rx) = std::sync::mpsc::channel::<Done>();
    let jobs = Arc::new(Mutex::new(job_rx));
    let mut order = Reorder { next: 0, lines_before: 0, pending: BTreeMap::new(), last_bad: false };
    let outcome = std::thread::scope(|scope| {
        for id in 0..threads {
            let (jobs, results) = (Arc::clone(&jobs), res_tx.clone());
            scope.spawn(move || worker(opts, id, &jobs, &results));
        }
        drop(res_tx);
        let read = read_blocks(input, block_bytes.max(1), &job_tx, &res_rx, &mut merger, &mut order);
        drop(job_tx);
        for done in res_rx.iter() {
            order.push(&mut merger, done);
        }
        read
    });
    let (blocks, unterminated) = outcome?;
    if order.next != blocks {
        return Err(LoadError::invalid(FORMAT, None, "a parser thread stopped early"));
    }
    check_cut(unterminated && order.last_bad && merger.has_samples(), order.lines_before)?;
    Ok(merger)
}

/// Sends blocks to the workers, merging results as they come. Returns the
/// number of blocks and whether the input ended without a `\n`.
fn read_blocks(
    input: &mut Input,
    block_bytes: usize,
    jobs: &SyncSender<Block>,
    results: &Receiver<Done>,
    merger: &mut Merger,
    order: &mut Reorder,
) -> Result<(u64, bool), LoadError> {
    let mut index = 0u64;
    let mut offset = 0u64;
    let capacity = block_bytes + (block_bytes >> 2);
    let mut buf: Vec<u8> = Vec::with_capacity(capacity);
    // Buffers the workers are done with (at most one per block alive).
    let mut spare: Vec<Vec<u8>> = Vec::new();
    let mut last_byte = None;
    let mut eof = false;
    let mut scanned = 0usize;
    while !eof {
        // Fill to the block size (or more, when no cut point was found yet).
        let want = buf.len().max(scanned) + block_bytes;
        while buf.len() < want {
            let at = buf.len();
            buf.resize(want, 0);
            let n = input.read_chunk(&mut buf[at..], FORMAT)?;
            buf.truncate(at + n);
            if n == 0 {
                eof = true;
                break;
            }
        }
        if let Some(&b) = buf.last() {
            last_byte = Some(b);
        }
        // Lines wholly before `scanned` were looked at in an earlier round.
        let floor = memchr::memrchr(b'\n', &buf[..scanned.min(buf.len())]).map_or(0, |i| i + 1);
        let cut = if eof { Some(buf.len()) } else { split_point(&buf[floor..]).map(|c| c + floor) };
        let Some(cut) = cut else {
            if buf.len() > MAX_LINE {
                return Err(LoadError::invalid(
                    FORMAT,
                    Some(At::Byte(offset)),
                    format!("no sample ends within {MAX_LINE} bytes (no blank line); is this perf script output?"),
                ));
            }
            scanned = buf.len();
            continue;
        };
        scanned = 0;
        let mut next = spare.pop().unwrap_or_else(|| Vec::with_capacity(capacity));
        next.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
        let text = std::mem::replace(&mut buf, next);
        let len = text.len() as u64;
        if jobs.send(Block { index, text, offset, last: eof }).is_err() {
            break;
        }
        index += 1;
        offset += len;
        while let Ok(mut done) = results.try_recv() {
            // A buffer a long sample grew is freed, not kept for the rest.
            if done.buffer.capacity() <= 2 * capacity {
                spare.push(std::mem::take(&mut done.buffer));
            }
            order.push(merger, done);
        }
    }
    Ok((index, last_byte.is_some_and(|b| b != b'\n')))
}
