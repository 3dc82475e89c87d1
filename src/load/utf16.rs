//! UTF-16 text to UTF-8, as a reader: Windows tools (PowerShell's `>`,
//! Notepad's "Unicode") write text files as UTF-16 with a byte-order mark,
//! and speedscope reads such folded files. [`super::source::Input`] wraps the
//! content in a [`Utf16Reader`] when it starts with a UTF-16 byte-order mark,
//! so every text loader sees UTF-8 and needs no change.
//!
//! Decoding is what a browser's `TextDecoder` does: a lone surrogate, or an
//! odd last byte, becomes U+FFFD. Memory is one read buffer. Imports `std` only.

use std::io::{self, Read};

/// Which UTF-16 a byte-order mark announced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endian {
    /// `FF FE`: little-endian.
    Little,
    /// `FE FF`: big-endian.
    Big,
}

impl Endian {
    /// `UTF-16LE` or `UTF-16BE`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Little => "UTF-16LE",
            Self::Big => "UTF-16BE",
        }
    }
}

/// What the first bytes say about a Unicode encoding other than UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bom {
    /// A UTF-16 byte-order mark (2 bytes).
    Utf16(Endian),
    /// A UTF-32 byte-order mark (4 bytes): `FF FE 00 00` or `00 00 FE FF`.
    Utf32(&'static str),
}

/// The byte-order mark `head` starts with, other than UTF-8's.
pub fn bom(head: &[u8]) -> Option<Bom> {
    // UTF-32LE's mark starts with UTF-16LE's: test it first.
    if head.starts_with(&[0xFF, 0xFE, 0, 0]) {
        return Some(Bom::Utf32("UTF-32LE"));
    }
    if head.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Some(Bom::Utf32("UTF-32BE"));
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return Some(Bom::Utf16(Endian::Little));
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Some(Bom::Utf16(Endian::Big));
    }
    None
}

/// True when `head` looks like UTF-16 text written without a byte-order
/// mark: nearly every other byte is zero, the others printable ASCII, most
/// of them letters, digits or punctuation rather than white space.
/// Only used to name the encoding in an error.
pub fn looks_like_bomless_utf16(head: &[u8]) -> Option<Endian> {
    let n = head.len().min(4096) & !1;
    if n < 8 {
        return None;
    }
    let pairs = head[..n].chunks_exact(2);
    let count = pairs.len();
    let (mut le, mut be, mut le_graphic, mut be_graphic) = (0, 0, 0, 0);
    for p in pairs {
        let printable = |b: u8| b.is_ascii_graphic() || matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        le += usize::from(p[1] == 0 && printable(p[0]));
        be += usize::from(p[0] == 0 && printable(p[1]));
        le_graphic += usize::from(p[1] == 0 && p[0].is_ascii_graphic());
        be_graphic += usize::from(p[0] == 0 && p[1].is_ascii_graphic());
    }
    if le * 10 >= count * 9 && le_graphic * 2 >= count {
        Some(Endian::Little)
    } else if be * 10 >= count * 9 && be_graphic * 2 >= count {
        Some(Endian::Big)
    } else {
        None
    }
}

/// Decodes the UTF-16 bytes of `R` (after the byte-order mark) into UTF-8.
pub struct Utf16Reader<R> {
    inner: R,
    endian: Endian,
    /// Encoded UTF-8 not yet handed out: `out[pos..]`.
    out: Vec<u8>,
    pos: usize,
    /// Raw input; `raw[..raw_len]` holds bytes not yet decoded (at most one).
    raw: Vec<u8>,
    raw_len: usize,
    /// A high surrogate waiting for its low half.
    high: Option<u16>,
    eof: bool,
}

impl<R: Read> Utf16Reader<R> {
    /// Wraps `inner`, whose bytes follow a byte-order mark of `endian`.
    pub fn new(inner: R, endian: Endian) -> Self {
        Self { inner, endian, out: Vec::new(), pos: 0, raw: vec![0; 64 << 10], raw_len: 0, high: None, eof: false }
    }

    fn push(&mut self, c: char) {
        let mut b = [0u8; 4];
        self.out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
    }

    /// Decodes the next input into `out`; false at the end of the input.
    fn refill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.pos = 0;
        if self.eof {
            return Ok(false);
        }
        let n = loop {
            match self.inner.read(&mut self.raw[self.raw_len..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            self.eof = true;
            // A high surrogate with nothing after it, or an odd last byte.
            if self.high.take().is_some() || self.raw_len > 0 {
                self.push(char::REPLACEMENT_CHARACTER);
            }
            self.raw_len = 0;
            return Ok(!self.out.is_empty());
        }
        let avail = self.raw_len + n;
        let whole = avail & !1;
        for k in (0..whole).step_by(2) {
            let pair = [self.raw[k], self.raw[k + 1]];
            let unit = match self.endian {
                Endian::Little => u16::from_le_bytes(pair),
                Endian::Big => u16::from_be_bytes(pair),
            };
            self.unit(unit);
        }
        if whole < avail {
            self.raw[0] = self.raw[whole];
        }
        self.raw_len = avail - whole;
        Ok(true)
    }

    fn unit(&mut self, u: u16) {
        match (self.high.take(), u) {
            (Some(h), 0xDC00..=0xDFFF) => {
                let c = 0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(u) - 0xDC00);
                self.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            (h, 0xD800..=0xDBFF) => {
                if h.is_some() {
                    self.push(char::REPLACEMENT_CHARACTER);
                }
                self.high = Some(u);
            }
            (h, _) => {
                if h.is_some() {
                    self.push(char::REPLACEMENT_CHARACTER);
                }
                // A lone low surrogate is not a char: replaced.
                self.push(char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
        }
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.pos == self.out.len() {
            if !self.refill()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8], e: Endian) -> String {
        let mut s = String::new();
        // One byte at a time, so units and surrogate pairs straddle reads.
        Utf16Reader::new(OneByte(io::Cursor::new(bytes.to_vec())), e).read_to_string(&mut s).unwrap_or_default();
        s
    }

    struct OneByte<R>(R);

    impl<R: Read> Read for OneByte<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(1);
            self.0.read(&mut buf[..n])
        }
    }

    #[test]
    fn decodes_both_orders_pairs_and_bad_units() {
        let text = "main;f\u{e9}\u{1F600} 5\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&le, Endian::Little), text);
        assert_eq!(decode(&be, Endian::Big), text);
        // A lone high surrogate, a lone low one, an odd last byte.
        assert_eq!(decode(&[0x00, 0xD8, b'a', 0, 0x00, 0xDC, b'b'], Endian::Little), "\u{FFFD}a\u{FFFD}\u{FFFD}");
        assert_eq!(bom(&[0xFF, 0xFE, b'a', 0]), Some(Bom::Utf16(Endian::Little)));
        assert_eq!(bom(&[0xFF, 0xFE, 0, 0]), Some(Bom::Utf32("UTF-32LE")));
        assert_eq!(looks_like_bomless_utf16(&le[..12]), Some(Endian::Little));
        assert_eq!(looks_like_bomless_utf16(b"main;a 5\nmain;b 6\n"), None);
    }
}
