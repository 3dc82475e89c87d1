//! zstd-compressed records (`perf record -z`): PERF_RECORD_COMPRESSED (and
//! COMPRESSED2, which says its data's size) carry pieces of one zstd
//! stream, and the stream's bytes are records like any other.
//!
//! perf compresses with one stream for the whole recording and flushes it
//! after each piece, without ending the frame (`zstd_compress_stream_to_records`
//! in perf's `util/zstd.c`), so a block can be cut between two records and a
//! record between two pieces; the frame may also never end. The stream is
//! decoded one zstd block at a time ([`Zstd::feed`], ruzstd's
//! `FrameDecoder`), so memory stays bounded whatever a block expands to.
//!
//! The decoder holds back the last window of decoded bytes until the frame
//! ends (they may still be referred to); [`Zstd::held_back`] bounds how far
//! behind the delivered bytes can be, and [`Zstd::finish`] ends the frame
//! with an empty last block to deliver the rest.

use ruzstd::decoding::FrameDecoder;

use super::FORMAT;
use crate::load::error::{At, LoadError};

/// Largest decoded size of a zstd block.
const MAX_BLOCK: u64 = 128 << 10;
/// Largest window accepted (zstd level 22 uses 128 MB).
const MAX_WINDOW: u64 = 128 << 20;
/// Decoded bytes handed on at once.
const CHUNK: usize = 64 << 10;

/// The zstd stream of a recording's compressed records.
pub(super) struct Zstd {
    decoder: FrameDecoder,
    /// Compressed bytes not decoded yet (a block cut between records).
    input: Vec<u8>,
    /// Inside a frame (its header read, its last block not).
    in_frame: bool,
    /// The frame ends with a 4-byte checksum.
    checksum: bool,
    /// Window of the current frame.
    window: u64,
    /// Decoded bytes handed on so far.
    delivered: u64,
    /// Compressed records fed.
    pub(super) records: u64,
    chunk: Vec<u8>,
}

impl Zstd {
    pub(super) fn new() -> Self {
        let mut decoder = FrameDecoder::new();
        decoder.set_max_window_size(MAX_WINDOW);
        Self {
            decoder,
            input: Vec::new(),
            in_frame: false,
            checksum: false,
            window: 0,
            delivered: 0,
            records: 0,
            chunk: vec![0; CHUNK],
        }
    }

    /// Decoded bytes handed on so far.
    pub(super) fn delivered(&self) -> u64 {
        self.delivered
    }

    /// How many decoded bytes can still come of what was fed so far: the
    /// held-back window and a block cut at the end of the last record.
    pub(super) fn held_back(&self) -> u64 {
        self.window + MAX_BLOCK
    }

    /// Feeds the data of one compressed record (at byte `at`); hands every
    /// decoded byte to `sink` in order, with the count delivered after it.
    pub(super) fn feed(
        &mut self,
        data: &[u8],
        at: u64,
        sink: &mut impl FnMut(&[u8], u64) -> Result<(), LoadError>,
    ) -> Result<(), LoadError> {
        self.records += 1;
        self.input.extend_from_slice(data);
        let mut used = 0;
        loop {
            let rest = &self.input[used..];
            if !self.in_frame {
                if self.checksum {
                    // The ended frame's checksum: the decoder hands on the
                    // frame's last bytes once it has it.
                    if rest.len() < 4 {
                        break;
                    }
                    self.decoder.decode_from_to(&rest[..4], &mut self.chunk).map_err(undecodable(at))?;
                    used += 4;
                    self.checksum = false;
                    self.drain(sink, at)?;
                    continue;
                }
                let Some(header) = frame_header(rest).map_err(|e| bad(at, e))? else { break };
                self.decoder.init(&rest[..header.len]).map_err(undecodable(at))?;
                (self.window, self.checksum, self.in_frame) = (header.window, header.checksum, true);
                used += header.len;
                continue;
            }
            let Some((len, last)) = block(rest) else { break };
            let (read, written) =
                self.decoder.decode_from_to(&rest[..len], &mut self.chunk).map_err(undecodable(at))?;
            if read != len {
                return Err(bad(at, format!("a block of {len} bytes decoded {read}")));
            }
            used += len;
            self.hand_on(written, sink)?;
            if last {
                self.in_frame = false;
            }
            if !(last && self.checksum) {
                self.drain(sink, at)?;
            }
        }
        self.input.drain(..used);
        Ok(())
    }

    /// Ends the stream: a frame perf never ended is closed with an empty
    /// last block, and the held-back bytes are handed on. Returns the
    /// compressed bytes left over (a cut block or frame header).
    pub(super) fn finish(
        &mut self,
        at: u64,
        sink: &mut impl FnMut(&[u8], u64) -> Result<(), LoadError>,
    ) -> Result<usize, LoadError> {
        let left = self.input.len();
        if self.in_frame {
            // A raw block of 0 bytes, the last of its frame.
            let (_, written) = self.decoder.decode_from_to(&[1, 0, 0], &mut self.chunk).map_err(undecodable(at))?;
            self.hand_on(written, sink)?;
            self.in_frame = false;
        }
        if self.checksum {
            // The decoder holds the frame's last bytes until it has a
            // checksum (it does not check it).
            self.decoder.decode_from_to(&[0; 4], &mut self.chunk).map_err(undecodable(at))?;
            self.checksum = false;
        }
        if self.window > 0 {
            self.drain(sink, at)?;
        }
        Ok(left)
    }

    fn hand_on(
        &mut self,
        n: usize,
        sink: &mut impl FnMut(&[u8], u64) -> Result<(), LoadError>,
    ) -> Result<(), LoadError> {
        if n > 0 {
            self.delivered += n as u64;
            sink(&self.chunk[..n], self.delivered)?;
        }
        Ok(())
    }

    /// Hands on what the decoder can give now.
    fn drain(&mut self, sink: &mut impl FnMut(&[u8], u64) -> Result<(), LoadError>, at: u64) -> Result<(), LoadError> {
        loop {
            let (_, written) = self.decoder.decode_from_to(&[], &mut self.chunk).map_err(undecodable(at))?;
            if written == 0 {
                return Ok(());
            }
            self.hand_on(written, sink)?;
        }
    }
}

/// An error in the compressed record at byte `at`.
fn bad(at: u64, what: impl std::fmt::Display) -> LoadError {
    LoadError::invalid(FORMAT, Some(At::Byte(at)), format!("zstd-compressed record (perf record -z): {what}"))
}

/// The decoder's error, for the compressed record at byte `at`.
fn undecodable(at: u64) -> impl Fn(ruzstd::decoding::errors::FrameDecoderError) -> LoadError {
    move |e| bad(at, format!("the zstd data does not decode ({e})"))
}

/// A zstd frame header: its length, window and whether a checksum ends
/// the frame (RFC 8878, 3.1.1.1).
struct FrameHeader {
    len: usize,
    window: u64,
    checksum: bool,
}

/// The frame header at the start of `b`; `None` when `b` is too short
/// to hold it yet.
fn frame_header(b: &[u8]) -> Result<Option<FrameHeader>, String> {
    if b.len() < 5 {
        return Ok(None);
    }
    let magic = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    if magic != 0xFD2F_B528 {
        return Err(format!("expected a zstd frame (magic 0xFD2FB528), found 0x{magic:08X}"));
    }
    let d = b[4];
    let single = d & 0x20 != 0;
    let fcs = match d >> 6 {
        0 if single => 1,
        0 => 0,
        1 => 2,
        2 => 4,
        _ => 8,
    };
    let dict = [0, 1, 2, 4][usize::from(d & 3)];
    let len = 5 + usize::from(!single) + dict + fcs;
    if b.len() < len {
        return Ok(None);
    }
    let window = if single {
        // The window is the content size.
        let at = 5 + dict;
        let mut size = b[at..at + fcs].iter().rev().fold(0u64, |acc, &x| acc << 8 | u64::from(x));
        if fcs == 2 {
            size += 256;
        }
        size
    } else {
        let w = b[5];
        let base = 1u64 << (10 + u32::from(w >> 3));
        base + base / 8 * u64::from(w & 7)
    };
    if window > MAX_WINDOW {
        return Err(format!("a window of {window} bytes; at most {MAX_WINDOW} are read"));
    }
    Ok(Some(FrameHeader { len, window, checksum: d & 4 != 0 }))
}

/// The length of the block at the start of `b` (header and content) and
/// whether it is its frame's last; `None` when `b` does not hold it whole.
fn block(b: &[u8]) -> Option<(usize, bool)> {
    let h = u32::from(*b.first()?) | u32::from(*b.get(1)?) << 8 | u32::from(*b.get(2)?) << 16;
    let size = (h >> 3) as usize;
    // Raw and compressed blocks hold `size` bytes; an RLE block one byte
    // repeated `size` times.
    let content = if (h >> 1) & 3 == 1 { 1 } else { size };
    let len = 3 + content;
    (b.len() >= len).then_some((len, h & 1 == 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_blocks_are_measured_as_the_format_says() {
        // perf's: no single segment, window descriptor 0x48 (2^(10+9) = 512 KiB).
        let h = frame_header(&[0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x48]).unwrap_or_else(|e| panic!("{e}"));
        let h = h.unwrap_or_else(|| panic!("whole"));
        assert_eq!((h.len, h.window, h.checksum), (6, 512 << 10, false));
        assert!(matches!(frame_header(&[0x28, 0xB5, 0x2F, 0xFD, 0x00]), Ok(None)));
        assert!(frame_header(&[1, 2, 3, 4, 5, 6]).is_err());
        // A raw block of 2 bytes, last; an RLE block of 1000.
        assert_eq!(block(&[2 << 3 | 1, 0, 0, 7, 7]), Some((5, true)));
        assert_eq!(block(&[2 << 3 | 1, 0, 0, 7]), None);
        let rle = 1000u32 << 3 | 1 << 1;
        assert_eq!(block(&[rle as u8, (rle >> 8) as u8, (rle >> 16) as u8, 9]), Some((4, false)));
    }
}
