//! Loaders: bytes of a file to the model.
//!
//! One module per format behind one entry point, [`load_path`] /
//! [`load_input`]. The format is sniffed from content ([`sniff`]), never from
//! the extension alone; gzip is recognised by its magic bytes wherever it is.
//! Loaders stream where the format allows (text formats line by line), report
//! progress and stop promptly on cancel. Imports `model` only.

pub mod error;
pub mod folded;
pub mod jaeger;
pub mod otlp;
pub mod perf_script;
pub mod pprof;
pub mod proto_locate;
pub mod source;

use std::path::Path;
use std::sync::Arc;

pub use error::{At, LoadError, LoadErrorKind};
pub use source::{HEAD_BYTES, Input, Progress};

use crate::model::Profile;
use crate::model::trace::TraceSet;

/// The formats Firesight reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Linux `perf script` text output.
    PerfScript,
    /// Folded stacks (`frame;frame;frame count`), as inferno, FlameGraph and py-spy write them.
    Folded,
    /// pprof `profile.proto` (gzipped or raw).
    Pprof,
    /// OTLP traces as JSON: one `ExportTraceServiceRequest`/`TracesData`, or JSON lines.
    OtlpJson,
    /// OTLP traces as protobuf: raw, or the Collector file exporter's length-prefixed form.
    OtlpProtobuf,
    /// Jaeger JSON (API response with `data`, one trace, or an array of traces).
    JaegerJson,
}

impl Format {
    /// Name shown in `info` and errors: `perf script`, `folded`, `pprof`, `OTLP JSON`, ...
    pub fn name(self) -> &'static str {
        match self {
            Self::PerfScript => "perf script",
            Self::Folded => "folded",
            Self::Pprof => "pprof",
            Self::OtlpJson => "OTLP JSON",
            Self::OtlpProtobuf => "OTLP protobuf",
            Self::JaegerJson => "Jaeger JSON",
        }
    }
}

/// `perf script` folding options, as `inferno-collapse-perf` has them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PerfOptions {
    /// Append the pid to the process name (`comm-PID`). Default: off.
    pub include_pid: bool,
    /// Append pid and tid (`comm-PID/TID`). Default: off.
    pub include_tid: bool,
    /// Annotate kernel frames with `_[k]`. Default: off.
    pub annotate_kernel: bool,
    /// Annotate JIT frames with `_[j]`. Default: off.
    pub annotate_jit: bool,
    /// Show raw addresses for unknown symbols (`[unknown]` becomes the address). Default: off.
    pub include_addrs: bool,
    /// Keep only samples of this event (`cycles`, `cpu-clock` ...). Default:
    /// every event, each its own metric.
    pub event_filter: Option<String>,
}

/// Options for one load.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Force a format instead of sniffing. Default: sniff.
    pub format: Option<Format>,
    /// perf script options. Default: all off.
    pub perf: PerfOptions,
    /// Read size in bytes. Default: 1 MiB ([`source::DEFAULT_CHUNK`]).
    pub chunk_size: usize,
    /// Cap on decompressed gzip output. Default: 16 GiB.
    pub max_decompressed: u64,
    /// Largest input a whole-input format (pprof, OTLP, Jaeger) reads into
    /// memory. Default: 4 GiB.
    pub max_whole_input: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            format: None,
            perf: PerfOptions::default(),
            chunk_size: source::DEFAULT_CHUNK,
            max_decompressed: source::DEFAULT_MAX_DECOMPRESSED,
            max_whole_input: 4 << 30,
        }
    }
}

/// What a load produced: always a profile (traces project into one), and the
/// traces themselves for trace formats.
#[derive(Debug)]
pub struct Loaded {
    /// The format that was read.
    pub format: Format,
    /// The profile (for traces, the projection: service/span path, self time).
    pub profile: Profile,
    /// The traces, for OTLP and Jaeger input.
    pub traces: Option<TraceSet>,
}

/// Loads the file at `path`. Errors carry the path.
pub fn load_path(path: &Path, opts: &LoadOptions, progress: Arc<Progress>) -> Result<Loaded, LoadError> {
    let mut input = Input::open(path, progress, opts.chunk_size, opts.max_decompressed)?;
    load_input(&mut input, opts).map_err(|e| e.with_path(path))
}

/// Loads from an opened input.
pub fn load_input(input: &mut Input, opts: &LoadOptions) -> Result<Loaded, LoadError> {
    let format = match opts.format {
        Some(f) => f,
        None => sniff(input.name.as_deref(), input.head()).map_err(|mut e| {
            if input.gzipped {
                // "byte offset 0 of the decompressed data" says it is inside the gzip.
                e.at = Some(At::DecompressedByte(0));
            }
            e
        })?,
    };
    let loaded = match format {
        Format::PerfScript => perf_script::load(input, &opts.perf).map(|p| (p, None)),
        Format::Folded => folded::load(input).map(|p| (p, None)),
        Format::Pprof => pprof::load(input, opts).map(|p| (p, None)),
        Format::OtlpJson | Format::OtlpProtobuf => otlp::load(input, format, opts).map(|(p, t)| (p, Some(t))),
        Format::JaegerJson => jaeger::load(input, opts).map(|(p, t)| (p, Some(t))),
    };
    let (profile, traces) = loaded.map_err(|mut e| {
        // A loader's byte offsets count the content it read: in a gzipped
        // file, that is the decompressed data, and the message says so.
        if input.gzipped
            && e.format != "gzip"
            && let Some(At::Byte(n)) = e.at
        {
            e.at = Some(At::DecompressedByte(n));
        }
        e
    })?;
    Ok(Loaded { format, profile, traces })
}

/// Names the format of `head` (the first decompressed bytes). `name` is only
/// a hint for messages. Errors: empty input, or bytes that look like no
/// supported format (the message says what they looked like).
pub fn sniff(name: Option<&str>, head: &[u8]) -> Result<Format, LoadError> {
    let _ = name;
    if head.is_empty() {
        return Err(LoadError::invalid("input", Some(At::Byte(0)), "the file is empty; expected a profile or a trace"));
    }
    let text_start = head.iter().position(|b| !b.is_ascii_whitespace());
    let Some(first) = text_start else {
        return Err(LoadError::invalid(
            "input",
            Some(At::Byte(head.len() as u64)),
            "the file holds only white space; expected a profile or a trace",
        ));
    };
    match head[first] {
        // A folded line may start with `[` (`[unknown];main 5`): only when
        // the bytes are not a JSON trace do they get a second look as text.
        b'{' | b'[' => match sniff_json(&head[first..]) {
            Ok(f) => return Ok(f),
            Err(json_err) => {
                if (head[first] == b'[' || !head[first..].starts_with(b"{\""))
                    && let Ok(f @ Format::Folded) = sniff_text(head)
                {
                    return Ok(f);
                }
                return Err(json_err);
            }
        },
        _ => {}
    }
    if is_mostly_text(head) {
        return sniff_text(head);
    }
    if let Some(f) = sniff_protobuf(head) {
        return Ok(f);
    }
    Err(LoadError::unsupported(format!(
        "unrecognised binary data (first bytes {}); expected perf script text, folded stacks, pprof protobuf, OTLP JSON or protobuf, or Jaeger JSON",
        hex_preview(head)
    )))
}

fn hex_preview(b: &[u8]) -> String {
    b.iter().take(8).map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
}

fn is_mostly_text(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(4096)];
    let bad = sample.iter().filter(|&&b| b == 0 || (b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t'))).count();
    bad * 100 <= sample.len()
}

fn sniff_json(head: &[u8]) -> Result<Format, LoadError> {
    let text = String::from_utf8_lossy(&head[..head.len().min(64 << 10)]);
    let has = |k: &str| text.contains(&format!("\"{k}\""));
    if has("resourceSpans") || has("resource_spans") {
        return Ok(Format::OtlpJson);
    }
    if has("traceID") || has("processes") || (has("spanID") && has("references")) {
        return Ok(Format::JaegerJson);
    }
    if has("$schema") && text.contains("speedscope") {
        return Err(LoadError::unsupported(
            "this is a speedscope JSON profile, which Firesight does not read yet; export folded stacks instead (py-spy: -f raw)",
        ));
    }
    if has("traceEvents") {
        return Err(LoadError::unsupported(
            "this is a Chrome trace-event JSON file, which Firesight does not read yet",
        ));
    }
    if has("resourceProfiles") || has("resourceMetrics") || has("resourceLogs") {
        return Err(LoadError::unsupported(
            "this is OTLP profiles, metrics or logs; Firesight reads OTLP traces (resourceSpans)",
        ));
    }
    Err(LoadError::unsupported(
        "JSON that is neither OTLP traces (no \"resourceSpans\") nor Jaeger traces (no \"traceID\"/\"processes\")",
    ))
}

/// perf script or folded: decided on the first non-comment lines.
fn sniff_text(head: &[u8]) -> Result<Format, LoadError> {
    // A head cut inside a line: that last line has no count yet.
    let complete = match head.iter().rposition(|&b| b == b'\n') {
        Some(i) if head.len() == HEAD_BYTES => &head[..i],
        _ => head,
    };
    let text = String::from_utf8_lossy(complete);
    let mut folded_votes = 0;
    let lines = text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#'));
    for line in lines.take(20) {
        if looks_like_perf_frame(line) || perf_script::looks_like_header(line) {
            return Ok(Format::PerfScript);
        }
        if folded::looks_like_stack_line(line) {
            folded_votes += 1;
        }
    }
    if folded_votes > 0 {
        return Ok(Format::Folded);
    }
    let first = String::from_utf8_lossy(&head[..head.len().min(200)]);
    let first = first.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if head.len() == HEAD_BYTES && !first.starts_with(char::is_whitespace) && first.contains(';') {
        // One stack longer than the head: only folded has such lines.
        return Ok(Format::Folded);
    }
    let shown: String = first.chars().take(60).collect();
    Err(LoadError::unsupported(format!(
        "text that is neither perf script (no sample header like `comm pid [cpu] time: period event:`) nor folded stacks (no line like `a;b;c 10`); first line: {shown:?}"
    )))
}

/// An indented call-chain line of perf script: a hex address, then a symbol.
fn looks_like_perf_frame(line: &str) -> bool {
    if !line.starts_with(char::is_whitespace) {
        return false;
    }
    let mut parts = line.split_whitespace();
    let addr = parts.next().unwrap_or("");
    !addr.is_empty() && addr.bytes().all(|b| b.is_ascii_hexdigit()) && parts.next().is_some()
}

/// pprof or OTLP protobuf, told apart by the first field's inner shape.
fn sniff_protobuf(head: &[u8]) -> Option<Format> {
    // The Collector's file exporter writes a 4-byte big-endian length before
    // each ExportTraceServiceRequest.
    if head.len() > 5 && head[0] == 0 && head[4] == 0x0a {
        return Some(Format::OtlpProtobuf);
    }
    if head.first() != Some(&0x0a) {
        // pprof may start with another field: sample, mapping, location,
        // function, string_table, or period_type (Go's heap profiles start
        // with it), or a varint field (drop/keep frames, times, period).
        return matches!(
            head.first(),
            Some(0x12 | 0x1a | 0x22 | 0x2a | 0x32 | 0x38 | 0x40 | 0x48 | 0x50 | 0x5a | 0x60 | 0x68 | 0x6a | 0x70)
        )
        .then_some(Format::Pprof);
    }
    // Field 1, length-delimited, in both. pprof's ValueType starts with an
    // int64 (tag 0x08) or unit (0x10); OTLP's ResourceSpans starts with a
    // Resource message (0x0a) or scope spans (0x12).
    let mut i = 1;
    let mut len: u64 = 0;
    let mut shift = 0;
    while i < head.len() && shift < 64 {
        let b = head[i];
        len |= u64::from(b & 0x7f) << shift;
        i += 1;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    match head.get(i) {
        Some(0x08 | 0x10) => Some(Format::Pprof),
        Some(0x0a | 0x12 | 0x1a) if len > 0 => Some(Format::OtlpProtobuf),
        None if len == 0 => Some(Format::Pprof),
        _ => Some(Format::Pprof),
    }
}
