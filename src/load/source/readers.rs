//! The readers an [`super::Input`] is made of (byte counting and cancel,
//! gzip members, the decompression cap) and the errors they raise, turned
//! into [`LoadError`]s that say where and why.

use std::io::{self, BufRead, Read};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use flate2::bufread::GzDecoder;

use super::Progress;
use crate::load::error::{At, LoadError, LoadErrorKind};

/// Marker carried in an `io::Error` when a read stopped for cancellation.
#[derive(Debug)]
struct CancelledIo;

impl std::fmt::Display for CancelledIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cancelled")
    }
}

impl std::error::Error for CancelledIo {}

/// Marker carried in an `io::Error` when decompressed output passed the cap.
#[derive(Debug)]
struct TooLargeIo(u64);

/// The reader error for bytes after a complete gzip stream that are not
/// another gzip member: how many, and whether this is the file's own
/// (outermost) gzip layer, so their offset in the file is known.
#[derive(Debug)]
struct TrailingGarbageIo {
    bytes: u64,
    outermost: bool,
}

impl std::fmt::Display for TrailingGarbageIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} bytes after the end of the gzip data are not gzip (trailing garbage)", self.bytes)
    }
}

impl std::error::Error for TrailingGarbageIo {}

/// Decompresses every gzip member of `R` in turn (RFC 1952 allows several,
/// as `cat a.gz b.gz` makes), like flate2's `MultiGzDecoder`, but names what
/// follows the last member when it is not gzip: `gzip -d` ignores such bytes
/// with a warning and Go's pprof rejects them; Firesight fails with their
/// count and offset instead of calling the file truncated.
pub(super) struct GzMembers<R: BufRead> {
    dec: Option<GzDecoder<R>>,
    outermost: bool,
}

impl<R: BufRead> GzMembers<R> {
    pub(super) fn new(inner: R, outermost: bool) -> Self {
        Self { dec: Some(GzDecoder::new(inner)), outermost }
    }
}

impl<R: BufRead> Read for GzMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(dec) = self.dec.as_mut() else { return Ok(0) };
            let n = dec.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // The member ended: another member, the end, or garbage.
            let Some(mut inner) = self.dec.take().map(GzDecoder::into_inner) else { return Ok(0) };
            let rest = inner.fill_buf()?;
            if rest.is_empty() {
                return Ok(0);
            }
            if rest.len() >= 2 && rest[0] == 0x1f && rest[1] == 0x8b {
                self.dec = Some(GzDecoder::new(inner));
                continue;
            }
            let bytes = io::copy(&mut inner, &mut io::sink())?;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                TrailingGarbageIo { bytes, outermost: self.outermost },
            ));
        }
    }
}

impl std::fmt::Display for TooLargeIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "decompressed data is larger than the cap of {} bytes", self.0)
    }
}

impl std::error::Error for TooLargeIo {}

/// Counts bytes into `Progress` and stops when cancel is set.
pub(super) struct Counting<R> {
    pub(super) inner: R,
    pub(super) progress: Arc<Progress>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.progress.is_cancelled() {
            return Err(io::Error::other(CancelledIo));
        }
        let n = self.inner.read(buf)?;
        self.progress.bytes_read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Fails once more than `cap` bytes came out of a decoder.
/// Reports what came out in [`Progress::bytes_decompressed`] (the outermost
/// layer reads last, so the figure is the final output's).
pub(super) struct Capped<R> {
    pub(super) inner: R,
    pub(super) left: u64,
    pub(super) cap: u64,
    pub(super) progress: Arc<Progress>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(io::Error::other(TooLargeIo(self.cap)));
        }
        self.left -= n as u64;
        self.progress.bytes_decompressed.store(self.cap - self.left, Ordering::Relaxed);
        Ok(n)
    }
}

/// A read error inside a gzip stream. A stream that ends before its end
/// marker is named so, at the offset in the stored (compressed) file where
/// it ended (`stored`, all of it read by then), with the count of
/// decompressed bytes it gave; other errors as [`io_error`] at the
/// decompressed offset.
pub(super) fn gzip_error(e: io::Error, decompressed: u64, stored: u64) -> LoadError {
    if let Some(g) = e.get_ref().and_then(|i| i.downcast_ref::<TrailingGarbageIo>()) {
        // The whole file has been read by then: the garbage is its last bytes.
        let (at, whose) =
            if g.outermost { (stored.saturating_sub(g.bytes), "of the file") } else { (decompressed, "decompressed") };
        let what = format!("{g}, from byte {at} {whose}, after {decompressed} decompressed bytes");
        return LoadError::invalid("gzip", Some(At::Byte(at)), what);
    }
    if e.get_ref().is_some_and(|i| i.is::<TooLargeIo>()) {
        let mut err = io_error("gzip", e, decompressed);
        err.at = Some(At::Byte(stored));
        err.what = format!(
            "{} after reading {stored} bytes of the file: a gzip bomb, or a file larger than Firesight loads",
            err.what
        );
        return err;
    }
    if e.kind() != io::ErrorKind::UnexpectedEof {
        let mut err = io_error("gzip", e, decompressed);
        if err.kind == LoadErrorKind::Cancelled {
            return err;
        }
        // flate2 says "checksum" for both trailer fields (CRC-32 and length).
        let what = if err.what.contains("checksum") {
            "the gzip trailer (CRC-32 or length) does not match the data: the file is corrupt".to_string()
        } else {
            err.what.clone()
        };
        err.at = Some(At::Byte(stored));
        err.what = format!("{what}; read up to byte {stored} of the file, {decompressed} bytes decompressed");
        return err;
    }
    let what = format!(
        "truncated gzip stream: the compressed data ends at byte {stored} of the file, \
         after {decompressed} decompressed bytes (the file was cut short?)"
    );
    LoadError::io("gzip", Some(At::Byte(stored)), what)
}

/// Turns a read error into a `LoadError`, recognising cancel and the cap.
pub(super) fn io_error(format: &str, e: io::Error, offset: u64) -> LoadError {
    if let Some(inner) = e.get_ref() {
        if inner.is::<CancelledIo>() {
            return LoadError::cancelled();
        }
        if inner.is::<TooLargeIo>() {
            return LoadError {
                kind: LoadErrorKind::TooLarge,
                format: format.to_string(),
                at: Some(At::Byte(offset)),
                what: inner.to_string(),
                path: None,
            };
        }
    }
    let what = match e.kind() {
        io::ErrorKind::UnexpectedEof => "the stream ends early (truncated file?)".to_string(),
        _ => e.to_string(),
    };
    LoadError::io(format, Some(At::Byte(offset)), what)
}
