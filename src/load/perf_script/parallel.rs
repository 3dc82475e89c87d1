//! Parallel parsing: the reading thread cuts the input into blocks of about
//! [`BLOCK_BYTES`] at sample boundaries; worker threads parse them, each with
//! its own [`Parser`] (so each keeps its own caches warm); the reading thread
//! merges the deltas back in block order, so samples keep file order.
//!
//! A block ends after a blank line (the end of a sample), or after a header
//! that carries its own frame (perf record without -g has no blank lines).
//! At either point the line state machine is idle, so a block parses the
//! same wherever it starts. A stack with no such point (one sample of
//! millions of frames) makes one big block. Memory in flight is bounded: at
//! most two blocks per worker are queued.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, Sender, sync_channel};
use std::sync::{Arc, Mutex};

use super::block::{Delta, Parser};
use super::merge::Merger;
use super::{FORMAT, check_cut, header};
use crate::load::PerfOptions;
use crate::load::error::LoadError;
use crate::load::source::Input;

/// Target size of a block: 1 MiB.
pub(super) const BLOCK_BYTES: usize = 1 << 20;

/// Lines handed to a worker: their bytes joined by `\n`, the number of the
/// first line, and each line's offset in the input.
struct Block {
    index: u64,
    text: Vec<u8>,
    first_line: u64,
    offsets: Vec<u64>,
    last: bool,
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
    std::str::from_utf8(line).ok().and_then(|t| header::parse(t.trim_end())).is_some_and(|h| h.inline_frame.is_some())
}

fn worker(opts: &PerfOptions, id: usize, jobs: &Mutex<Receiver<Block>>, results: &Sender<(u64, usize, Delta)>) {
    let mut parser = Parser::new(opts);
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(block) = job else {
            return;
        };
        for (i, line) in block.text.split(|&b| b == b'\n').enumerate() {
            let Some(&offset) = block.offsets.get(i) else {
                break;
            };
            parser.line(line, block.first_line + i as u64, offset);
        }
        if block.last {
            parser.finish();
        }
        if results.send((block.index, id, parser.take())).is_err() {
            return;
        }
    }
}

/// Merges every result that is next in block order.
struct Reorder {
    next: u64,
    pending: BTreeMap<u64, (usize, Delta)>,
    last_bad: bool,
}

impl Reorder {
    fn push(&mut self, merger: &mut Merger, index: u64, worker: usize, d: Delta) {
        self.pending.insert(index, (worker, d));
        while let Some((w, d)) = self.pending.remove(&self.next) {
            self.last_bad = d.last_line_bad;
            merger.merge(w, d);
            self.next += 1;
        }
    }
}

/// Reads `input` and parses it on `threads` workers.
pub(super) fn run(
    input: &mut Input,
    opts: &PerfOptions,
    threads: usize,
    block_bytes: usize,
) -> Result<Merger, LoadError> {
    let mut merger = Merger::new(threads);
    let (job_tx, job_rx) = sync_channel::<Block>(threads * 2);
    let (res_tx, res_rx) = std::sync::mpsc::channel::<(u64, usize, Delta)>();
    let jobs = Arc::new(Mutex::new(job_rx));
    let mut order = Reorder { next: 0, pending: BTreeMap::new(), last_bad: false };
    let outcome = std::thread::scope(|scope| {
        for id in 0..threads {
            let (jobs, results) = (Arc::clone(&jobs), res_tx.clone());
            scope.spawn(move || worker(opts, id, &jobs, &results));
        }
        drop(res_tx);
        let read = read_blocks(input, block_bytes, &job_tx, &res_rx, &mut merger, &mut order);
        drop(job_tx);
        for (index, w, d) in res_rx.iter() {
            order.push(&mut merger, index, w, d);
        }
        read
    });
    let (blocks, unterminated, last_line) = outcome?;
    if order.next != blocks {
        return Err(LoadError::invalid(FORMAT, None, "a parser thread stopped early"));
    }
    check_cut(unterminated && order.last_bad && merger.has_samples(), last_line)?;
    Ok(merger)
}

/// Sends blocks to the workers, merging results as they come. Returns the
/// number of blocks, whether the last line had no `\n`, and its number.
fn read_blocks(
    input: &mut Input,
    block_bytes: usize,
    jobs: &std::sync::mpsc::SyncSender<Block>,
    results: &Receiver<(u64, usize, Delta)>,
    merger: &mut Merger,
    order: &mut Reorder,
) -> Result<(u64, bool, u64), LoadError> {
    let mut lines = input.lines(FORMAT);
    let mut index = 0u64;
    let new_block = |first_line: u64, index: u64| Block {
        index,
        text: Vec::with_capacity(block_bytes + (block_bytes >> 2)),
        first_line,
        offsets: Vec::new(),
        last: false,
    };
    let mut block = new_block(1, 0);
    while let Some(line) = lines.next_line()? {
        if !block.offsets.is_empty() {
            block.text.push(b'\n');
        }
        block.text.extend_from_slice(line.bytes);
        block.offsets.push(line.offset);
        if block.text.len() >= block_bytes && ends_sample(line.bytes) {
            let next = new_block(line.number + 1, index + 1);
            let full = std::mem::replace(&mut block, next);
            index += 1;
            if jobs.send(full).is_err() {
                break;
            }
            while let Ok((i, w, d)) = results.try_recv() {
                order.push(merger, i, w, d);
            }
        }
    }
    let unterminated = lines.last_line_unterminated();
    let last_line = lines.line_number();
    block.last = true;
    index += 1;
    // A send error means every worker is gone; the block count check reports it.
    let _ = jobs.send(block);
    Ok((index, unterminated, last_line))
}
