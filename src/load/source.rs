//! Input plumbing shared by every loader: gzip detection by magic bytes with
//! a capped output, progress (bytes read of total), cancellation, and a line
//! reader that hands out borrowed lines from a reused buffer.
//!
//! Nothing here knows a format. Progress counts bytes of the file as stored
//! (compressed bytes for gzip), so a progress bar reaches 100% at the end of
//! the file whatever the compression.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::error::{At, LoadError, LoadErrorKind};
use super::utf16::{self, Bom, Utf16Reader};

mod readers;
use readers::{Capped, Counting, GzMembers, gzip_error, io_error};

/// Shared load progress and the cancel flag. The loader's thread writes
/// `bytes_read`; any thread may read it or set `cancel`.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes of the stored input read so far.
    pub bytes_read: AtomicU64,
    /// Size of the stored input in bytes; 0 when unknown.
    pub bytes_total: AtomicU64,
    /// Bytes that came out of gzip so far (0 for input that is not
    /// gzipped): a small file that expands a thousandfold says so while it
    /// loads.
    pub bytes_decompressed: AtomicU64,
    /// Set to ask the loader to stop; it returns [`LoadErrorKind::Cancelled`] promptly.
    pub cancel: AtomicBool,
}

impl Progress {
    /// A new progress with nothing read.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Fraction read, 0.0..=1.0 (0 when the total is unknown).
    pub fn fraction(&self) -> f32 {
        let t = self.bytes_total.load(Ordering::Relaxed);
        if t == 0 { 0.0 } else { (self.bytes_read.load(Ordering::Relaxed) as f64 / t as f64).min(1.0) as f32 }
    }

    /// True when cancel was requested.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// Default cap on decompressed output: 16 GiB. Streaming loaders hold only
/// the model, so the cap bounds time; whole-input formats also check
/// [`Input::read_all`]'s own limit.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 16 << 30;

/// Largest decompressed-to-stored ratio [`Input::open`] accepts past 1 GiB of output: 100.
pub const MAX_GZIP_RATIO: u64 = 100;

/// How many decompressed bytes [`Input::head`] holds for sniffing: 64 KiB.
pub const HEAD_BYTES: usize = 64 << 10;

/// Default read size: 1 MiB.
pub const DEFAULT_CHUNK: usize = 1 << 20;

/// An opened input: decompressed if it was gzip, with progress and cancel.
pub struct Input {
    reader: Box<dyn Read + Send>,
    /// First bytes of the decompressed content (64 KiB, more when
    /// [`Input::extend_head`] asked), for sniffing; replayed before the rest.
    head: Vec<u8>,
    head_pos: usize,
    /// True when the stored input was gzip.
    pub gzipped: bool,
    /// `UTF-16LE` or `UTF-16BE` when the content was UTF-16 text, decoded
    /// to UTF-8 on the way in (loaders see UTF-8; their byte offsets count it).
    pub encoding: Option<&'static str>,
    /// True when `head` holds the whole content.
    head_complete: bool,
    /// File name, for sniffing hints and messages.
    pub name: Option<String>,
    chunk: usize,
    progress: Arc<Progress>,
    offset: u64,
}

impl Input {
    /// Opens `path`. Errors: the file cannot be opened or read.
    pub fn open(path: &Path, progress: Arc<Progress>, chunk: usize, max_decompressed: u64) -> Result<Self, LoadError> {
        let file =
            File::open(path).map_err(|e| LoadError::io("input", None, format!("cannot open: {e}")).with_path(path))?;
        if let Ok(meta) = file.metadata() {
            progress.bytes_total.store(meta.len(), Ordering::Relaxed);
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        // Real profiles and traces compress 5-50x; past 100x (and past
        // 1 GiB) a gzip is more likely a bomb than a profile, so decompression
        // stops there unless the caller's cap is lower.
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let cap = max_decompressed.min(size.saturating_mul(MAX_GZIP_RATIO).max(1 << 30));
        Self::from_reader(file, name, progress, chunk, cap).map_err(|e| e.with_path(path))
    }

    /// Wraps any reader (tests, stdin). Gzip is detected by its magic bytes.
    pub fn from_reader(
        reader: impl Read + Send + 'static,
        name: Option<String>,
        progress: Arc<Progress>,
        chunk: usize,
        max_decompressed: u64,
    ) -> Result<Self, LoadError> {
        let chunk = chunk.max(1);
        let counting = Counting { inner: reader, progress: Arc::clone(&progress) };
        // Loaders read in chunks of the chunk size, which pass by this
        // buffer; it serves the head's small reads (a chunk-sized buffer was
        // a megabyte touched for 64 KiB of head).
        let mut reader: Box<dyn Read + Send> = Box::new(BufReader::with_capacity(chunk.clamp(2, HEAD_BYTES), counting));
        let mut gzipped = false;
        let mut head;
        // Undo gzip as often as it is found (a .gz of a .gz), at most four
        // layers; the cap bounds the innermost output.
        let mut layers = 0;
        loop {
            let fmt = if gzipped { "gzip" } else { "input" };
            head = fill_head_chunked(&mut reader, HEAD_BYTES, chunk).map_err(|(e, got)| {
                let stored = progress.bytes_read.load(Ordering::Relaxed);
                if gzipped { gzip_error(e, got, stored) } else { io_error(fmt, e, got) }
            })?;
            let magic = head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b;
            if !magic || layers == 4 {
                break;
            }
            layers += 1;
            gzipped = true;
            let replay = io::Cursor::new(std::mem::take(&mut head)).chain(reader);
            let dec = GzMembers::new(BufReader::with_capacity(chunk.max(2), replay), layers == 1);
            reader = Box::new(Capped {
                inner: dec,
                left: max_decompressed,
                cap: max_decompressed,
                progress: Arc::clone(&progress),
            });
        }
        // UTF-16 text with its byte-order mark (PowerShell, Notepad's
        // "Unicode") is decoded to UTF-8 here, so every text loader reads
        // UTF-8; UTF-32 is named and refused.
        let mut encoding = None;
        match utf16::bom(&head) {
            Some(Bom::Utf32(name)) => {
                return Err(LoadError::unsupported(format!(
                    "the text is {name} (its byte-order mark says so); Firesight reads UTF-8 and UTF-16 text: \
                     convert it with `iconv -f {name} -t UTF-8`"
                )));
            }
            Some(Bom::Utf16(endian)) => {
                let rest = io::Cursor::new(head.split_off(2)).chain(reader);
                reader = Box::new(Utf16Reader::new(rest, endian));
                head = fill_head_chunked(&mut reader, HEAD_BYTES, chunk).map_err(|(e, got)| {
                    let stored = progress.bytes_read.load(Ordering::Relaxed);
                    if gzipped { gzip_error(e, got, stored) } else { io_error(endian.name(), e, got) }
                })?;
                encoding = Some(endian.name());
            }
            None => {}
        }
        let head_complete = head.len() < HEAD_BYTES;
        // A UTF-8 byte-order mark (Windows editors, some JSON writers) is not content.
        let head_pos = if head.starts_with(&[0xEF, 0xBB, 0xBF]) { 3 } else { 0 };
        Ok(Self { reader, head, head_pos, head_complete, gzipped, encoding, name, chunk, progress, offset: 0 })
    }

    /// The content's size in bytes when it is known before reading: a
    /// plain file's size; `None` for gzip, UTF-16 and streams.
    pub fn size_hint(&self) -> Option<u64> {
        let total = self.progress.bytes_total.load(Ordering::Relaxed);
        (!self.gzipped && self.encoding.is_none() && total > 0).then_some(total)
    }

    /// True when [`Input::head`] holds the whole content.
    pub fn head_complete(&self) -> bool {
        self.head_complete
    }

    /// Reads more of the content into the head, up to `len` bytes in all,
    /// for a sniffer that could not decide on what it has (a first line
    /// longer than the head). Only before any read; false when nothing was
    /// added (the head is the whole content, or already that long).
    /// Errors: a read error, cancel, the decompressed-size cap.
    pub fn extend_head(&mut self, len: usize) -> Result<bool, LoadError> {
        if self.head_complete || self.offset != 0 || len <= self.head.len() {
            return Ok(false);
        }
        let old = self.head.len();
        self.head.resize(len, 0);
        let mut got = old;
        while got < len {
            if self.progress.is_cancelled() {
                return Err(LoadError::cancelled());
            }
            let end = (got + self.chunk).min(len);
            match self.reader.read(&mut self.head[got..end]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if self.gzipped => {
                    return Err(gzip_error(e, got as u64, self.progress.bytes_read.load(Ordering::Relaxed)));
                }
                Err(e) => return Err(io_error("input", e, got as u64)),
            }
        }
        self.head.truncate(got);
        self.head_complete = got < len;
        Ok(got > old)
    }

    /// The first bytes of the decompressed content (up to 64 KiB, unless
    /// [`Input::extend_head`] read more).
    pub fn head(&self) -> &[u8] {
        &self.head[self.head_pos.min(self.head.len())..]
    }

    /// Shared progress.
    pub fn progress(&self) -> &Arc<Progress> {
        &self.progress
    }

    /// Reads up to the chunk size of the rest of the (decompressed) input
    /// into `buf`; 0 at the end. For loaders that split raw bytes themselves.
    /// Errors: read error, cancel, decompressed-size cap (as [`Input::lines`]).
    pub fn read_chunk(&mut self, buf: &mut [u8], format: &str) -> Result<usize, LoadError> {
        self.read_some(buf, format)
    }

    /// Reads up to the chunk size into `buf`; 0 at the end.
    fn read_some(&mut self, buf: &mut [u8], format: &str) -> Result<usize, LoadError> {
        if self.progress.is_cancelled() {
            return Err(LoadError::cancelled());
        }
        let want = buf.len().min(self.chunk);
        if self.head_pos < self.head.len() {
            let n = want.min(self.head.len() - self.head_pos);
            buf[..n].copy_from_slice(&self.head[self.head_pos..self.head_pos + n]);
            self.head_pos += n;
            self.offset += n as u64;
            return Ok(n);
        }
        loop {
            match self.reader.read(&mut buf[..want]) {
                Ok(n) => {
                    self.offset += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if self.gzipped => {
                    return Err(gzip_error(e, self.offset, self.progress.bytes_read.load(Ordering::Relaxed)));
                }
                Err(e) => return Err(io_error(format, e, self.offset)),
            }
        }
    }

    /// Reads the whole rest of the input into memory, for formats that need
    /// it whole (protobuf, JSON). Errors past `limit` bytes.
    pub fn read_all(&mut self, format: &str, limit: u64) -> Result<Vec<u8>, LoadError> {
        let mut out = Vec::new();
        // A plain file's size is known: reserve it once instead of doubling
        // (saves copying the input again; measured in benches/otlp_json.sh).
        let total = self.progress.bytes_total.load(Ordering::Relaxed);
        if !self.gzipped && total > 0 && total <= limit {
            out.reserve(usize::try_from(total).unwrap_or(0));
        }
        let mut buf = vec![0u8; self.chunk.clamp(1, DEFAULT_CHUNK)];
        loop {
            let n = self.read_some(&mut buf, format)?;
            if n == 0 {
                return Ok(out);
            }
            if (out.len() + n) as u64 > limit {
                return Err(LoadError {
                    kind: LoadErrorKind::TooLarge,
                    format: format.to_string(),
                    at: Some(At::Byte(out.len() as u64)),
                    what: format!("input is larger than the {limit}-byte limit for this format"),
                    path: None,
                });
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    /// A line reader over the rest of the input.
    pub fn lines(&mut self, format: &'static str) -> LineReader<'_> {
        let cap = self.chunk.max(DEFAULT_CHUNK);
        LineReader {
            input: self,
            format,
            buf: vec![0; cap],
            start: 0,
            end: 0,
            eof: false,
            line_no: 0,
            offset: 0,
            unterminated: false,
        }
    }
}

/// Reads up to `n` bytes; on error, also how many had been read.
fn fill_head_chunked(r: &mut impl Read, n: usize, chunk: usize) -> Result<Vec<u8>, (io::Error, u64)> {
    let mut out = vec![0u8; n];
    let mut got = 0;
    while got < n {
        let end = (got + chunk).min(n);
        match r.read(&mut out[got..end]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err((e, got as u64)),
        }
    }
    out.truncate(got);
    Ok(out)
}

/// A line of input, without its `\n` and any `\r` before it.
#[derive(Clone, Copy, Debug)]
pub struct Line<'a> {
    /// The line's bytes.
    pub bytes: &'a [u8],
    /// 1-based line number.
    pub number: u64,
    /// Byte offset of the line's start in the decompressed input.
    pub offset: u64,
}

/// Reads lines into a reused buffer; lines longer than the buffer grow it up
/// to [`MAX_LINE`].
pub struct LineReader<'a> {
    input: &'a mut Input,
    format: &'static str,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    line_no: u64,
    offset: u64,
    unterminated: bool,
}

/// The longest line accepted: 256 MiB.
pub const MAX_LINE: usize = 256 << 20;

impl LineReader<'_> {
    /// The next line, or `None` at the end. A last line without `\n` is returned.
    pub fn next_line(&mut self) -> Result<Option<Line<'_>>, LoadError> {
        loop {
            if let Some(pos) = memchr::memchr(b'\n', &self.buf[self.start..self.end]) {
                let s = self.start;
                let mut e = s + pos;
                self.start = e + 1;
                self.line_no += 1;
                let offset = self.offset;
                self.offset += (pos + 1) as u64;
                if e > s && self.buf[e - 1] == b'\r' {
                    e -= 1;
                }
                return Ok(Some(Line { bytes: &self.buf[s..e], number: self.line_no, offset }));
            }
            if self.eof {
                if self.start == self.end {
                    return Ok(None);
                }
                let (s, mut e) = (self.start, self.end);
                self.start = self.end;
                self.unterminated = true;
                self.line_no += 1;
                let offset = self.offset;
                self.offset += (e - s) as u64;
                if e > s && self.buf[e - 1] == b'\r' {
                    e -= 1;
                }
                return Ok(Some(Line { bytes: &self.buf[s..e], number: self.line_no, offset }));
            }
            self.fill()?;
        }
    }

    fn fill(&mut self) -> Result<(), LoadError> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            if self.buf.len() >= MAX_LINE {
                return Err(LoadError::invalid(
                    self.format,
                    Some(At::Line(self.line_no + 1)),
                    format!("line is longer than {MAX_LINE} bytes"),
                ));
            }
            let n = (self.buf.len() * 2).min(MAX_LINE);
            self.buf.resize(n, 0);
        }
        let end = self.end;
        let n = self.input.read_some(&mut self.buf[end..], self.format)?;
        if n == 0 {
            self.eof = true;
        }
        self.end += n;
        Ok(())
    }

    /// True when the last line returned ended the input without a `\n`
    /// (a file cut mid-line, or one whose writer left the newline off).
    pub fn last_line_unterminated(&self) -> bool {
        self.unterminated
    }

    /// Number of the last line returned.
    pub fn line_number(&self) -> u64 {
        self.line_no
    }
}
