//! Traces: a set of traces, each a tree of spans, and their projection into a profile.
//!
//! Owns [`TraceSet`], [`Trace`], [`Span`] and the values spans carry
//! (attributes, events, links, status). Loaders (OTLP, Jaeger) hand spans to
//! [`TraceSetBuilder`], which groups them by trace, resolves parents, flags
//! what is odd (a parent not in the file, clock skew, duplicate ids), which
//! spans ran on after their parent (asynchronous), and lays
//! every trace out as an arena in depth-first order. [`project`] turns a set
//! into a [`Profile`](super::Profile) so the flamegraph, the hot table and
//! the CLI work on traces too.
//!
//! Imports only `model`; no I/O, no egui. Nothing here recurses over the
//! depth of a span tree: parents are resolved by index, the depth-first order
//! comes from an explicit stack, and cycles in parent links are cut.

mod builder;
mod project;

use std::fmt;
use std::sync::Arc;

pub use builder::TraceSetBuilder;
pub use project::{PROJECTION_METRIC, project};

/// A 128-bit trace id. Jaeger's 64-bit ids are stored in the low 8 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TraceId(pub [u8; 16]);

/// A 64-bit span id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SpanId(pub [u8; 8]);

fn parse_hex_into(s: &str, out: &mut [u8]) -> bool {
    let digits = s.as_bytes();
    if digits.is_empty() || digits.len() > out.len() * 2 {
        return false;
    }
    out.fill(0);
    // Right-align: ids written without zero padding (Jaeger's Java client)
    // keep their value.
    let skip = out.len() * 2 - digits.len();
    for (k, &c) in digits.iter().enumerate() {
        let pos = skip + k;
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return false,
        };
        out[pos / 2] |= if pos.is_multiple_of(2) { v << 4 } else { v };
    }
    true
}

/// FNV-1a over `text`, starting from `seed`: a stable 64-bit number for an
/// id that is not hex.
fn fnv1a(text: &str, seed: u64) -> u64 {
    text.bytes().fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

impl TraceId {
    /// The id `text` stands for: its value when it is hex ([`TraceId::parse_hex`]),
    /// else a number derived from the text (FNV-1a, 128 bits), the same for
    /// the same text, so ids such as Jaeger UI's `trace-123` still group
    /// spans and resolve references. `None` for empty text.
    pub fn from_text(text: &str) -> Option<Self> {
        if text.is_empty() {
            return None;
        }
        Self::parse_hex(text).or_else(|| {
            let hi = fnv1a(text, 0xcbf2_9ce4_8422_2325);
            let lo = fnv1a(text, 0x6c62_272e_07bb_0142);
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&hi.to_be_bytes());
            b[8..].copy_from_slice(&lo.to_be_bytes());
            Some(Self(b))
        })
    }

    /// Parses 1 to 32 hex digits of either case, right-aligned (so `a1`
    /// equals `000...0a1`). `None` for anything else.
    pub fn parse_hex(s: &str) -> Option<Self> {
        let mut b = [0u8; 16];
        parse_hex_into(s, &mut b).then_some(Self(b))
    }

    /// True when all 16 bytes are zero (invalid per the OTLP spec).
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 16]
    }
}

impl SpanId {
    /// The id `text` stands for: its value when it is hex, else a number
    /// derived from the text (FNV-1a, 64 bits; see [`TraceId::from_text`]).
    /// `None` for empty text.
    pub fn from_text(text: &str) -> Option<Self> {
        if text.is_empty() {
            return None;
        }
        Self::parse_hex(text).or_else(|| Some(Self(fnv1a(text, 0xcbf2_9ce4_8422_2325).to_be_bytes())))
    }

    /// Parses 1 to 16 hex digits of either case, right-aligned.
    pub fn parse_hex(s: &str) -> Option<Self> {
        let mut b = [0u8; 8];
        parse_hex_into(s, &mut b).then_some(Self(b))
    }

    /// True when all 8 bytes are zero (no span; OTLP writes it for "no parent").
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 8]
    }
}

impl fmt::Display for TraceId {
    /// 32 lower-case hex digits; 16 when the high 8 bytes are zero (a
    /// 64-bit Jaeger id), as Jaeger UI shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = if self.0[..8] == [0; 8] { &self.0[8..] } else { &self.0[..] };
        bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Display for SpanId {
    /// 16 lower-case hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// OTLP's span kind (Jaeger's `span.kind` tag maps onto it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SpanKind {
    /// Not given.
    #[default]
    Unspecified,
    /// An operation inside a service.
    Internal,
    /// The server side of a remote call.
    Server,
    /// The client side of a remote call.
    Client,
    /// A message producer.
    Producer,
    /// A message consumer.
    Consumer,
}

impl SpanKind {
    /// From OTLP's enum number (unknown numbers are `Unspecified`).
    pub fn from_i32(v: i32) -> Self {
        match v {
            1 => Self::Internal,
            2 => Self::Server,
            3 => Self::Client,
            4 => Self::Producer,
            5 => Self::Consumer,
            _ => Self::Unspecified,
        }
    }

    /// Lower-case name: `internal`, `server`, ... (`unspecified`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::Internal => "internal",
            Self::Server => "server",
            Self::Client => "client",
            Self::Producer => "producer",
            Self::Consumer => "consumer",
        }
    }
}

/// A span's status code (OTLP `Status.code`; Jaeger's `error` tag is `Error`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum StatusCode {
    /// Not set (the default).
    #[default]
    Unset,
    /// Explicitly OK.
    Ok,
    /// The operation failed.
    Error,
}

/// A span's status: code and message (empty when none).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Status {
    /// The code.
    pub code: StatusCode,
    /// The developer-facing message; empty when none.
    pub message: String,
}

/// An attribute value. Arrays and key/value lists are kept as their JSON
/// text (`["a",1]`, `{"k":"v"}`), so the model stays flat.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue {
    /// A string (shared: loaders intern short values, which repeat).
    Str(Arc<str>),
    /// A 64-bit integer.
    Int(i64),
    /// A double.
    Double(f64),
    /// A boolean.
    Bool(bool),
    /// Raw bytes.
    Bytes(Vec<u8>),
    /// An array or key/value list, as JSON text.
    Json(String),
    /// No value (an empty `AnyValue`).
    Empty,
}

impl fmt::Display for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Str(s) => f.write_str(s),
            Self::Json(s) => f.write_str(s),
            Self::Int(i) => write!(f, "{i}"),
            Self::Double(d) => write!(f, "{d}"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Bytes(b) => b.iter().try_for_each(|x| write!(f, "{x:02x}")),
            Self::Empty => Ok(()),
        }
    }
}

/// A key and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// The key (`http.method`, `service.name` ...); shared, loaders intern
    /// keys since a file repeats a few of them on every span.
    pub key: Arc<str>,
    /// The value.
    pub value: AttrValue,
}

/// Something that happened during a span (OTLP event, Jaeger log).
#[derive(Clone, Debug, PartialEq)]
pub struct SpanEvent {
    /// When, in ns since the Unix epoch.
    pub time_ns: u64,
    /// The event name (Jaeger logs: the `event` field, or empty).
    pub name: String,
    /// Its attributes (Jaeger: the log's fields).
    pub attributes: Vec<Attribute>,
}

/// How a linked span relates to this one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LinkKind {
    /// An OTLP link.
    #[default]
    Link,
    /// A Jaeger `FOLLOWS_FROM` reference.
    FollowsFrom,
    /// A Jaeger `CHILD_OF` reference after the first (the first is the parent).
    ChildOf,
}

/// A link to another span, in this trace or another.
#[derive(Clone, Debug, PartialEq)]
pub struct SpanLink {
    /// The linked span's trace.
    pub trace_id: TraceId,
    /// The linked span.
    pub span_id: SpanId,
    /// What the link means.
    pub kind: LinkKind,
    /// Its attributes.
    pub attributes: Vec<Attribute>,
}

/// One span. Inside a [`Trace`], spans are stored in depth-first order
/// (children after their parent, siblings by start time), so a span's
/// subtree is the index range `i..subtree_end`.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    /// Index of the span's trace in [`TraceSet::traces`].
    pub trace: u32,
    /// The span id.
    pub id: SpanId,
    /// The parent id as the file gives it (`None`: a root).
    pub parent_id: Option<SpanId>,
    /// Index of the parent in [`Trace::spans`] (`None`: a root). A span whose
    /// parent is not in the file points at its trace's root, with
    /// `parent_missing` set.
    pub parent: Option<u32>,
    /// The service (OTLP resource `service.name`, Jaeger process `serviceName`).
    pub service: Arc<str>,
    /// The instrumentation scope name (OTLP); empty for Jaeger.
    pub scope: Arc<str>,
    /// The span name (Jaeger `operationName`); shared, loaders intern names.
    pub name: Arc<str>,
    /// The kind.
    pub kind: SpanKind,
    /// Start, ns since the Unix epoch.
    pub start_ns: u64,
    /// End, ns since the Unix epoch; never before `start_ns` (the builder
    /// clamps it, with a warning).
    pub end_ns: u64,
    /// Span attributes (Jaeger: tags).
    pub attributes: Vec<Attribute>,
    /// Resource attributes (Jaeger: process tags), shared by the resource's spans.
    pub resource: Arc<[Attribute]>,
    /// Events (Jaeger: logs), in file order.
    pub events: Vec<SpanEvent>,
    /// Links (Jaeger: references other than the parent).
    pub links: Vec<SpanLink>,
    /// The status.
    pub status: Status,
    /// The span does not hang under the parent it names: that parent is not
    /// in the file, or (with `parent_loop`) the link was cut to break a loop
    /// of parent links. The span hangs under its trace's root (or is the
    /// root, when the trace has no other).
    pub parent_missing: bool,
    /// The span's parent link was cut because following parents from it came
    /// back to it (a loop in the file); `parent_missing` is set too.
    pub parent_loop: bool,
    /// The span starts before its parent (clock skew: a child cannot start
    /// before what started it); kept.
    pub clock_skew: bool,
    /// The span ends after its parent (and does not start before it):
    /// asynchronous work the parent started and did not wait for, such as a
    /// log write or a connection set up after the response.
    pub ends_after_parent: bool,
    /// Depth in the tree (roots 0).
    pub depth: u32,
    /// End (exclusive) of this span's subtree in [`Trace::spans`].
    pub subtree_end: u32,
}

impl Span {
    /// A span with the given identity and times and everything else empty;
    /// loaders fill the rest.
    pub fn new(id: SpanId, parent_id: Option<SpanId>, name: Arc<str>, start_ns: u64, end_ns: u64) -> Self {
        Self {
            trace: 0,
            id,
            parent_id,
            parent: None,
            service: Arc::from(""),
            scope: Arc::from(""),
            name,
            kind: SpanKind::Unspecified,
            start_ns,
            end_ns,
            attributes: Vec::new(),
            resource: Arc::from(Vec::new()),
            events: Vec::new(),
            links: Vec::new(),
            status: Status::default(),
            parent_missing: false,
            parent_loop: false,
            clock_skew: false,
            ends_after_parent: false,
            depth: 0,
            subtree_end: 0,
        }
    }

    /// Duration in ns.
    pub fn duration_ns(&self) -> u64 {
        self.end_ns - self.start_ns
    }

    /// True when the status is `Error`.
    pub fn is_error(&self) -> bool {
        self.status.code == StatusCode::Error
    }
}

/// One trace: its spans as an arena in depth-first order, with a children
/// index (CSR: `children[child_start[i]..child_start[i + 1]]`, by start time).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    /// The trace id.
    pub id: TraceId,
    /// The spans, depth-first, siblings by start time.
    pub spans: Vec<Span>,
    /// Indices of the roots (spans with no parent), by start time. Usually one.
    pub roots: Vec<u32>,
    children: Vec<u32>,
    child_start: Vec<u32>,
}

impl Trace {
    /// Children of span `i` (including re-hung spans whose parent is missing),
    /// by start time. Empty for an index out of range.
    pub fn children(&self, i: usize) -> &[u32] {
        match (self.child_start.get(i), self.child_start.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.children[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Earliest span start, ns since the epoch (0 for an empty trace).
    pub fn start_ns(&self) -> u64 {
        self.spans.iter().map(|s| s.start_ns).min().unwrap_or(0)
    }

    /// Latest span end, ns since the epoch (0 for an empty trace).
    pub fn end_ns(&self) -> u64 {
        self.spans.iter().map(|s| s.end_ns).max().unwrap_or(0)
    }

    /// Latest end minus earliest start, in ns.
    pub fn duration_ns(&self) -> u64 {
        self.end_ns().saturating_sub(self.start_ns())
    }

    /// Number of spans with status `Error`.
    pub fn error_count(&self) -> usize {
        self.spans.iter().filter(|s| s.is_error()).count()
    }

    /// The first root (earliest start), if any.
    pub fn root(&self) -> Option<&Span> {
        self.roots.first().and_then(|&i| self.spans.get(i as usize))
    }

    /// Index of the span with id `id` (the first, when ids repeat).
    pub fn find_span(&self, id: SpanId) -> Option<usize> {
        self.spans.iter().position(|s| s.id == id)
    }

    /// Self time of every span, in ns, indexed like `spans`: the duration
    /// minus the union of its children's intervals clipped to the span.
    /// Spans hung here because their parent is missing are not children for
    /// this (nothing says they ran inside the root).
    pub fn self_times_ns(&self) -> Vec<u64> {
        let mut out = Vec::with_capacity(self.spans.len());
        for (i, s) in self.spans.iter().enumerate() {
            let mut covered = 0u64;
            let (mut cur_a, mut cur_b) = (0u64, 0u64);
            // Children are sorted by start, so one merge pass gives the union.
            for &c in self.children(i) {
                let c = &self.spans[c as usize];
                if c.parent_missing {
                    continue;
                }
                let a = c.start_ns.clamp(s.start_ns, s.end_ns);
                let b = c.end_ns.clamp(s.start_ns, s.end_ns);
                if a >= b {
                    continue;
                }
                if a > cur_b {
                    covered += cur_b - cur_a;
                    (cur_a, cur_b) = (a, b);
                } else {
                    cur_b = cur_b.max(b);
                }
            }
            covered += cur_b - cur_a;
            out.push(s.duration_ns().saturating_sub(covered));
        }
        out
    }
}

/// A set of traces, sorted by start time (then id).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceSet {
    /// The traces.
    pub traces: Vec<Trace>,
}

impl TraceSet {
    /// Total number of spans.
    pub fn span_count(&self) -> usize {
        self.traces.iter().map(|t| t.spans.len()).sum()
    }

    /// The earliest span start and the latest span end, ns since the epoch
    /// (spans last: the set ends where its last span ends, not where it
    /// starts); `None` without spans.
    pub fn time_range_ns(&self) -> Option<(u64, u64)> {
        let spans = self.traces.iter().flat_map(|t| &t.spans);
        let lo = spans.clone().map(|s| s.start_ns).min()?;
        Some((lo, spans.map(|s| s.end_ns).max()?))
    }

    /// The trace whose id, as hex of any case and with or without leading
    /// zeros, is `id` (or, for an id that is not hex, whose id was read from
    /// that text: [`TraceId::from_text`]).
    pub fn find(&self, id: &str) -> Option<usize> {
        let id = TraceId::from_text(id.trim())?;
        self.traces.iter().position(|t| t.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_any_case_and_padding() {
        assert_eq!(SpanId::parse_hex("EEE19B7EC3C1B174"), SpanId::parse_hex("eee19b7ec3c1b174"));
        assert_eq!(SpanId::parse_hex("a1").map(|s| s.to_string()), Some("00000000000000a1".to_string()));
        assert_eq!(TraceId::parse_hex("5915e2d0f3575298").map(|t| t.to_string()), Some("5915e2d0f3575298".into()));
        assert_eq!(TraceId::parse_hex("xyz"), None);
        assert_eq!(SpanId::parse_hex("00112233445566778"), None);
    }
}
