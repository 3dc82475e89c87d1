//! `LoadError`: what went wrong reading an input, where, and what was expected.

use std::fmt;
use std::path::PathBuf;

/// Where in the input an error is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    /// A 1-based line of a text format.
    Line(u64),
    /// A 1-based line and column (JSON).
    LineColumn(u64, u64),
    /// A byte offset into the input as read (the file, or for a gzip
    /// error the compressed file).
    Byte(u64),
    /// A byte offset into the decompressed content of a gzipped file (what
    /// `gunzip` would write), for errors of the format inside the gzip.
    DecompressedByte(u64),
    /// A byte offset into the UTF-8 text decoded from a UTF-16 file.
    DecodedByte(u64),
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Line(l) => write!(f, "line {l}"),
            Self::LineColumn(l, c) => write!(f, "line {l}, column {c}"),
            Self::Byte(b) => write!(f, "byte offset {b}"),
            Self::DecompressedByte(b) => write!(f, "byte offset {b} of the decompressed data"),
            Self::DecodedByte(b) => write!(f, "byte offset {b} of the text decoded from UTF-16"),
        }
    }
}

/// Why a load failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// The bytes are not valid for the format (`what` says what was expected).
    Invalid,
    /// The input is not any format Firesight reads.
    Unsupported,
    /// Reading failed (I/O error, truncated gzip stream).
    Io,
    /// Decompressed output passed the cap.
    TooLarge,
    /// The caller set the cancel flag.
    Cancelled,
}

/// A failed load: the format, where (line or byte offset), what was expected,
/// and the path last (rerun's CODE_STYLE order). Displayed as
/// `perf script, line 12: expected ... (in /tmp/x.txt)`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct LoadError {
    /// Why it failed.
    pub kind: LoadErrorKind,
    /// The format being read (`perf script`, `pprof`, `gzip` ...), or
    /// `input` before the format is known.
    pub format: String,
    /// Where, when known.
    pub at: Option<At>,
    /// What was wrong and what was expected.
    pub what: String,
    /// The file, when loading from one.
    pub path: Option<PathBuf>,
}

impl LoadError {
    /// An error of kind [`LoadErrorKind::Invalid`].
    pub fn invalid(format: &str, at: Option<At>, what: impl Into<String>) -> Self {
        Self { kind: LoadErrorKind::Invalid, format: format.to_string(), at, what: what.into(), path: None }
    }

    /// An error of kind [`LoadErrorKind::Unsupported`].
    pub fn unsupported(what: impl Into<String>) -> Self {
        Self { kind: LoadErrorKind::Unsupported, format: "input".to_string(), at: None, what: what.into(), path: None }
    }

    /// An error of kind [`LoadErrorKind::Io`].
    pub fn io(format: &str, at: Option<At>, what: impl Into<String>) -> Self {
        Self { kind: LoadErrorKind::Io, format: format.to_string(), at, what: what.into(), path: None }
    }

    /// The error for a load the caller cancelled.
    pub fn cancelled() -> Self {
        Self {
            kind: LoadErrorKind::Cancelled,
            format: "input".to_string(),
            at: None,
            what: "cancelled".into(),
            path: None,
        }
    }

    /// This error with `path` attached.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// True when the load was cancelled rather than failed.
    pub fn is_cancelled(&self) -> bool {
        self.kind == LoadErrorKind::Cancelled
    }

    fn render(&self) -> String {
        let mut s = self.format.clone();
        if let Some(at) = self.at {
            s.push_str(&format!(", {at}"));
        }
        s.push_str(": ");
        s.push_str(&self.what);
        if let Some(p) = &self.path {
            s.push_str(&format!(" (in {})", p.display()));
        }
        s
    }
}
