//! A bounds-checked cursor over the bytes of one JFR structure (a chunk
//! header, an event, a constant pool entry), in the JDK's encodings
//! (`RecordingInput`): integers of every width are LEB128-style compressed
//! (seven bits a byte, low bits first, at most nine bytes, the ninth byte
//! whole), `float`/`double` and the header fields big-endian raw, and
//! strings an encoding byte followed by the data. Every read checks the
//! end of the slice, so a truncated or lying file ends in an error with
//! the byte offset, never a panic or a read past the structure.

/// A read that ran off the structure or met an impossible value: the
/// absolute byte offset and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// Absolute byte offset in the file.
    pub at: u64,
    /// What was wrong and what was expected.
    pub what: String,
}

/// Result of a read.
pub type Read<T> = Result<T, ReadError>;

/// A string as stored: the JDK's `StringParser` encodings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JStr<'a> {
    /// Encoding 0: `null`.
    Null,
    /// Encoding 1: `""`.
    Empty,
    /// Encoding 2: a key into the `java.lang.String` constant pool.
    Pool(i64),
    /// Encoding 3 (UTF-8) and 4 (char array, decoded) and 5 (Latin-1, decoded).
    Text(std::borrow::Cow<'a, str>),
}

/// The cursor. `base` is the absolute file offset of `data[0]`.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: u64,
    /// What the slice is, for messages (`event`, `constant pool`, ...).
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// A cursor over `data`, which starts at absolute offset `base`.
    pub fn new(data: &'a [u8], base: u64, what: &'static str) -> Self {
        Self { data, pos: 0, base, what }
    }

    /// Absolute offset of the next byte.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Offset of the next byte in the slice.
    #[inline]
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Moves to offset `pos` of the slice (its end at most).
    #[inline]
    pub fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.data.len());
    }

    /// Bytes left in the structure.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// An error at the current offset.
    pub fn error(&self, what: impl Into<String>) -> ReadError {
        ReadError { at: self.offset(), what: what.into() }
    }

    fn short(&self, need: usize, of: &str) -> ReadError {
        self.error(format!(
            "the {} ends after {} more bytes, inside {of} (needs {need}); the file is truncated or a size is wrong",
            self.what,
            self.remaining()
        ))
    }

    /// Skips `n` bytes.
    #[inline]
    pub fn skip(&mut self, n: usize, of: &str) -> Read<()> {
        if n > self.remaining() {
            return Err(self.short(n, of));
        }
        self.pos += n;
        Ok(())
    }

    /// `n` raw bytes.
    pub fn bytes(&mut self, n: usize, of: &str) -> Read<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.short(n, of));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// One byte (`boolean`, `byte`).
    #[inline]
    pub fn u8(&mut self) -> Read<u8> {
        let Some(&b) = self.data.get(self.pos) else { return Err(self.short(1, "a byte")) };
        self.pos += 1;
        Ok(b)
    }

    /// A compressed integer (`char`, `short`, `int`, `long`).
    #[inline(always)]
    pub fn varint(&mut self) -> Read<i64> {
        // Fast path: nine bytes are there, so no byte needs its own check.
        if let Some(b) = self.data.get(self.pos..self.pos + 9) {
            let mut ret: u64 = 0;
            for (i, &x) in b[..8].iter().enumerate() {
                ret |= u64::from(x & 0x7f) << (7 * i);
                if x < 0x80 {
                    self.pos += i + 1;
                    return Ok(ret as i64);
                }
            }
            self.pos += 9;
            return Ok((ret | (u64::from(b[8]) << 56)) as i64);
        }
        self.varint_slow()
    }

    #[cold]
    #[inline(never)]
    fn varint_slow(&mut self) -> Read<i64> {
        let mut ret: u64 = 0;
        for i in 0..8 {
            let Some(&b) = self.data.get(self.pos) else { return Err(self.short(i + 1, "a compressed integer")) };
            self.pos += 1;
            ret |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(ret as i64);
            }
        }
        let b = self.u8()?;
        Ok((ret | (u64::from(b) << 56)) as i64)
    }

    /// A compressed integer that is a count or size: non-negative and at
    /// most `max` (the bytes it can at most describe), so nothing is sized
    /// by a number the file does not back.
    #[inline]
    pub fn count(&mut self, max: usize, of: &str) -> Read<usize> {
        let at = self.offset();
        let v = self.varint()?;
        match usize::try_from(v) {
            Ok(n) if n <= max => Ok(n),
            _ => Err(ReadError {
                at,
                what: format!("{of} is {v}, but only {max} bytes remain in the {} to hold it", self.what),
            }),
        }
    }

    /// Big-endian raw integers of the chunk header.
    pub fn raw_u16(&mut self) -> Read<u16> {
        let b = self.bytes(2, "a 2-byte integer")?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// Big-endian raw 64-bit integer.
    pub fn raw_i64(&mut self) -> Read<i64> {
        let b = self.bytes(8, "an 8-byte integer")?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_be_bytes(a))
    }

    /// A string in any of the six encodings.
    pub fn string(&mut self) -> Read<JStr<'a>> {
        let at = self.offset();
        match self.u8()? {
            0 => Ok(JStr::Null),
            1 => Ok(JStr::Empty),
            2 => Ok(JStr::Pool(self.varint()?)),
            3 => {
                let n = self.count(self.remaining(), "a UTF-8 string's length")?;
                let b = self.bytes(n, "a UTF-8 string")?;
                Ok(JStr::Text(String::from_utf8_lossy(b)))
            }
            4 => {
                // Each char takes at least one byte: the length is bounded by what is left.
                let n = self.count(self.remaining(), "a char array string's length")?;
                let mut s = String::with_capacity(n);
                for _ in 0..n {
                    let c = self.varint()? as u32 & 0xffff;
                    s.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                Ok(JStr::Text(s.into()))
            }
            5 => {
                let n = self.count(self.remaining(), "a Latin-1 string's length")?;
                let b = self.bytes(n, "a Latin-1 string")?;
                Ok(JStr::Text(if b.is_ascii() {
                    String::from_utf8_lossy(b)
                } else {
                    b.iter().map(|&c| char::from(c)).collect::<String>().into()
                }))
            }
            e => Err(ReadError {
                at,
                what: format!(
                    "unknown string encoding {e}; expected 0 (null), 1 (empty), 2 (constant pool), 3 (UTF-8), 4 (char array) or 5 (Latin-1)"
                ),
            }),
        }
    }

    /// Skips a string without decoding it.
    #[inline(always)]
    pub fn skip_string(&mut self) -> Read<()> {
        // Fast paths: null or empty, or a UTF-8 or Latin-1 string shorter than 128 bytes, all there.
        match self.data.get(self.pos..self.pos + 2) {
            Some(&[0 | 1, _]) => {
                self.pos += 1;
                return Ok(());
            }
            Some(&[3 | 5, n]) if n < 0x80 && self.pos + 2 + usize::from(n) <= self.data.len() => {
                self.pos += 2 + usize::from(n);
                return Ok(());
            }
            // A char array (the JDK's Java-side event writer) of fewer than
            // 128 ASCII chars: one byte a char.
            Some(&[4, n]) if n < 0x80 => {
                let end = self.pos + 2 + usize::from(n);
                if self.data.get(self.pos + 2..end).is_some_and(<[u8]>::is_ascii) {
                    self.pos = end;
                    return Ok(());
                }
            }
            _ => {}
        }
        self.skip_string_slow()
    }

    #[inline(never)]
    fn skip_string_slow(&mut self) -> Read<()> {
        let at = self.offset();
        match self.u8()? {
            0 | 1 => Ok(()),
            2 => self.varint().map(|_| ()),
            3 | 5 => {
                let n = self.count(self.remaining(), "a string's length")?;
                self.skip(n, "a string")
            }
            4 => {
                let n = self.count(self.remaining(), "a char array string's length")?;
                for _ in 0..n {
                    self.varint()?;
                }
                Ok(())
            }
            e => Err(ReadError { at, what: format!("unknown string encoding {e}; expected 0 to 5") }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_integers_as_the_jdk_reads_them() {
        let mut r = Reader::new(&[0x05, 0x85, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0, "test");
        assert_eq!(r.varint(), Ok(5));
        assert_eq!(r.varint(), Ok(133));
        assert_eq!(r.varint(), Ok(-1));
        assert!(r.varint().is_err());
    }

    #[test]
    fn strings_in_every_encoding_and_bounded_lengths() {
        let data = [0, 1, 2, 7, 3, 2, b'h', b'i', 4, 2, 0x68, 0x69, 5, 1, 0xe9, 3, 0x7f];
        let mut r = Reader::new(&data, 100, "event");
        assert_eq!(r.string(), Ok(JStr::Null));
        assert_eq!(r.string(), Ok(JStr::Empty));
        assert_eq!(r.string(), Ok(JStr::Pool(7)));
        assert_eq!(r.string(), Ok(JStr::Text("hi".into())));
        assert_eq!(r.string(), Ok(JStr::Text("hi".into())));
        assert_eq!(r.string(), Ok(JStr::Text("é".into())));
        let e = r.string().err().map(|e| e.at);
        assert_eq!(e, Some(116));
    }

    #[test]
    fn skipping_a_string_ends_where_reading_it_ends() {
        // Every encoding, a char array with a two-byte char, a long one, and one cut short.
        let mut data = vec![0, 1, 2, 7, 3, 2, b'h', b'i', 4, 2, 0x68, 0x69, 4, 2, 0xe9, 0x01, 0x68, 5, 1, 0xe9];
        data.extend([4, 0x81, 0x01]);
        data.extend([b'x'; 129]);
        data.extend([4, 3, b'a']);
        let (mut read, mut skip) = (Reader::new(&data, 0, "event"), Reader::new(&data, 0, "event"));
        for _ in 0..8 {
            assert!(read.string().is_ok());
            assert_eq!(skip.skip_string(), Ok(()));
            assert_eq!(skip.pos(), read.pos());
        }
        assert!(read.string().is_err());
        assert!(skip.skip_string().is_err());
    }
}
