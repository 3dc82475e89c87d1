//! A forward-only byte stream over an [`Input`] that knows its file offset,
//! for a binary format read in one pass: takes whole records into a reused
//! buffer, skips payloads, and names the byte offset where the file ended
//! too soon.

use super::FORMAT;
use crate::load::error::{At, LoadError};
use crate::load::source::Input;

/// Largest single piece [`Stream::take`] hands out: 64 MiB. perf records
/// are at most 64 KiB; the pre-data and feature regions are read whole and
/// are checked against this bound first.
pub(super) const MAX_TAKE: usize = 64 << 20;

/// See the module docs.
pub(super) struct Stream<'i> {
    input: &'i mut Input,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// File offset of `buf[start]`.
    offset: u64,
    eof: bool,
}

impl<'i> Stream<'i> {
    /// A stream at offset 0 of `input`.
    pub(super) fn new(input: &'i mut Input) -> Self {
        Self { input, buf: vec![0; 1 << 20], start: 0, end: 0, offset: 0, eof: false }
    }

    /// File offset of the next byte.
    pub(super) fn offset(&self) -> u64 {
        self.offset
    }

    /// Buffers at least `n` bytes; false when the input ends first.
    fn fill(&mut self, n: usize) -> Result<bool, LoadError> {
        if self.end - self.start >= n {
            return Ok(true);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() < n {
            self.buf.resize(n.next_power_of_two(), 0);
        }
        while self.end < n && !self.eof {
            let got = self.input.read_chunk(&mut self.buf[self.end..], FORMAT)?;
            if got == 0 {
                self.eof = true;
            }
            self.end += got;
        }
        Ok(self.end >= n)
    }

    /// The next `n` bytes (at most [`MAX_TAKE`]); `None` at a clean end of
    /// input (nothing left). Errors: the input ends inside the `n` bytes
    /// (`what` names the piece), a read error, cancel.
    pub(super) fn take(&mut self, n: usize, what: &str) -> Result<Option<&[u8]>, LoadError> {
        if n > MAX_TAKE {
            return Err(LoadError::invalid(
                FORMAT,
                Some(At::Byte(self.offset)),
                format!("{what} claims {n} bytes, more than the {MAX_TAKE}-byte bound for one piece"),
            ));
        }
        if !self.fill(n)? {
            let have = self.end - self.start;
            if have == 0 && n > 0 {
                return Ok(None);
            }
            return Err(truncated(self.offset, have as u64, n as u64, what));
        }
        let s = self.start;
        self.start += n;
        self.offset += n as u64;
        Ok(Some(&self.buf[s..s + n]))
    }

    /// Skips `n` bytes. Errors as [`Stream::take`] when the input ends first.
    pub(super) fn skip(&mut self, mut n: u64, what: &str) -> Result<(), LoadError> {
        let at = self.offset;
        let want = n;
        while n > 0 {
            let step = n.min(1 << 20) as usize;
            let have = self.end - self.start;
            if have == 0 && !self.fill(1)? {
                return Err(truncated(at, want - n, want, what));
            }
            let k = step.min(self.end - self.start);
            self.start += k;
            self.offset += k as u64;
            n -= k as u64;
        }
        Ok(())
    }

    /// Reads the rest of the input, at most `limit` bytes; `None` when
    /// there is more than that.
    pub(super) fn rest(&mut self, limit: usize) -> Result<Option<Vec<u8>>, LoadError> {
        let mut out = Vec::new();
        loop {
            if !self.fill(1)? {
                return Ok(Some(out));
            }
            let have = self.end - self.start;
            if out.len() + have > limit {
                return Ok(None);
            }
            out.extend_from_slice(&self.buf[self.start..self.end]);
            self.offset += have as u64;
            self.start = self.end;
        }
    }
}

/// The error for an input that ends inside a piece.
pub(super) fn truncated(at: u64, have: u64, need: u64, what: &str) -> LoadError {
    LoadError::invalid(
        FORMAT,
        Some(At::Byte(at + have)),
        format!(
            "the file ends {have} bytes into {what} at byte offset {at}, which needs {need} bytes \
             (truncated file? perf record still running or killed?)"
        ),
    )
}
