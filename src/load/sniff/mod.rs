//! Naming the format of an input from its first bytes (the head), never
//! from its file name.
//!
//! In order: formats Firesight knows but does not read ([`known`]: JFR,
//! callgrind, massif, strace ...) are refused by name; JSON (the head parses
//! as JSON values) is OTLP or Jaeger and never folded stacks; binary formats
//! are decided by structure ([`proto`]: the head parses as a pprof or OTLP
//! message), not by how much of it is printable; text is perf script when a
//! line looks like a sample header or an indented frame, folded stacks when
//! most lines are stacks. A head whose first line has not ended yet (one
//! frame longer than the head) asks for more input instead of guessing.

pub mod known;
pub mod proto;

use serde::de::IgnoredAny;

use super::error::{At, LoadError};
use super::{Format, HEAD_BYTES, folded, perf_script, utf16};

/// What the sniffer made of a head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    /// The format.
    Format(Format),
    /// The head holds no complete line of text to judge: read more of the
    /// input into it ([`super::Input::extend_head`]) and ask again.
    NeedMore,
}

/// Names the format of `head` (the first decompressed bytes; the whole
/// input when shorter than [`HEAD_BYTES`]). `name` is only a hint for
/// messages. Errors: empty input, a known format Firesight does not read
/// (named), or bytes that look like no supported format (the message says
/// what they looked like).
pub fn sniff(name: Option<&str>, head: &[u8]) -> Result<Format, LoadError> {
    let _ = name;
    match sniff_head(head, head.len() < HEAD_BYTES)? {
        Sniffed::Format(f) => Ok(f),
        Sniffed::NeedMore => Err(first_line_too_long(head)),
    }
}

/// The error when even the longest head read holds no complete line.
pub fn first_line_too_long(head: &[u8]) -> LoadError {
    if let Some(last) = head.iter().rposition(|&b| b == b'\n') {
        let rest = head.len() - last - 1;
        let then =
            if rest > 0 { format!(", then a line of {rest} bytes or more not yet ended") } else { String::new() };
        return LoadError::unsupported(format!(
            "the first {} bytes hold nothing but `#` comment lines and blank lines{then}, so the format cannot be told",
            head.len()
        ));
    }
    LoadError::unsupported(format!(
        "the first {} bytes hold no complete line of text, so the format cannot be told (first bytes {})",
        head.len(),
        hex_preview(head)
    ))
}

/// As [`sniff`], told whether `head` is the whole input (`complete`).
pub fn sniff_head(head: &[u8], complete: bool) -> Result<Sniffed, LoadError> {
    if head.is_empty() {
        return Err(LoadError::invalid("input", Some(At::Byte(0)), "the file is empty; expected a profile or a trace"));
    }
    let Some(first) = head.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Err(LoadError::invalid(
            "input",
            Some(At::Byte(head.len() as u64)),
            "the file holds only white space; expected a profile or a trace",
        ));
    };
    if super::perf_data::is_perf_data(head) {
        return Ok(Sniffed::Format(Format::PerfData));
    }
    if head.starts_with(super::jfr::chunk::MAGIC) {
        return Ok(Sniffed::Format(Format::Jfr));
    }
    if let Some(k) = known::binary(head) {
        return Err(k.error());
    }
    let body = &head[first..];
    let mut json_error = None;
    if matches!(body[0], b'{' | b'[') {
        match json_values(body) {
            Ok(()) => return sniff_json(body, complete.then_some(head.len())).map(Sniffed::Format),
            // A folded line may start with `[` (`[unknown];main 5`) or `{` (PHP's `{main}`).
            Err(e) => json_error = Some(e),
        }
    }
    let text = is_plain_text(head);
    if !text && let Some(f) = proto::identify(head) {
        return Ok(Sniffed::Format(f));
    }
    if !text && let Some(e) = utf16::looks_like_bomless_utf16(head) {
        return Err(LoadError::unsupported(format!(
            "this looks like {} text without a byte-order mark; convert it with `iconv -f {} -t UTF-8` \
             (or save it with a byte-order mark)",
            e.name(),
            e.name()
        )));
    }
    if text || is_mostly_text(head) {
        return sniff_text(head, complete).map_err(|mut e| {
            if let Some(j) = json_error {
                e.what = format!("{}; it starts like JSON but is not ({j})", e.what);
            }
            e
        });
    }
    if let Some(f) = sniff_protobuf_lenient(head) {
        return Ok(Sniffed::Format(f));
    }
    Err(LoadError::unsupported(format!(
        "unrecognised binary data (first bytes {}); expected {}",
        hex_preview(head),
        super::FORMATS_READ
    )))
}

fn hex_preview(b: &[u8]) -> String {
    b.iter().take(8).map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
}

/// No control bytes but tab, line feed, carriage return and form feed.
fn is_plain_text(head: &[u8]) -> bool {
    head.iter().all(|&b| b >= 0x20 && b != 0x7f || matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
}

fn is_mostly_text(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(4096)];
    let bad = sample.iter().filter(|&&b| b == 0 || (b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t'))).count();
    bad * 100 <= sample.len()
}

/// `Ok` when `body` is one or more JSON values (the last may be cut by the
/// end of the head), or JSON broken after its first line; the parser's
/// error when it is not JSON from the first line on.
fn json_values(body: &[u8]) -> Result<(), String> {
    let mut values = serde_json::Deserializer::from_slice(body).into_iter::<IgnoredAny>();
    loop {
        match values.next() {
            None => return Ok(()),
            Some(Ok(_)) => {}
            Some(Err(e)) if e.is_eof() || e.line() > 1 => return Ok(()),
            Some(Err(e)) if e.to_string().starts_with("recursion limit exceeded") => return Ok(()),
            Some(Err(e)) => return Err(e.to_string()),
        }
    }
}

/// `end`: the input's length when `head` is all of it.
fn sniff_json(head: &[u8], end: Option<usize>) -> Result<Format, LoadError> {
    let text = String::from_utf8_lossy(&head[..head.len().min(64 << 10)]);
    let has = |k: &str| text.contains(&format!("\"{k}\""));
    if has("resourceSpans") || has("resource_spans") {
        return Ok(Format::OtlpJson);
    }
    if has("traceID") || has("processes") || (has("spanID") && has("references")) {
        return Ok(Format::JaegerJson);
    }
    if let Some(k) = known::json(&has, &text) {
        return k.read_as().ok_or_else(|| k.error());
    }
    // Jaeger's query API envelope, also when it holds no trace:
    // `{"data": [], "total": 0, "limit": 0, "offset": 0, "errors": null}`.
    if has("data") && has("total") {
        return Ok(Format::JaegerJson);
    }
    if has("resourceProfiles") || has("resourceMetrics") || has("resourceLogs") {
        return Err(LoadError::unsupported(
            "this is OTLP profiles, metrics or logs; Firesight reads OTLP traces (resourceSpans)",
        ));
    }
    if let Some(e) = json_syntax_error(head) {
        return Err(e);
    }
    if let Some(end) = end
        && json_ends_early(head)
    {
        // The whole input, cut before any format's keys.
        return Err(LoadError::invalid(
            "JSON",
            Some(At::Byte(end as u64)),
            "the JSON ends early (truncated file?); what was read holds no key of OTLP, Jaeger, speedscope, \
             V8 cpuprofile or Chrome trace",
        ));
    }
    Err(LoadError::unsupported(
        "JSON that is neither OTLP traces (no \"resourceSpans\") nor Jaeger traces (no \"traceID\"/\"processes\"), \
         nor a speedscope, V8 cpuprofile or Chrome trace file",
    ))
}

/// The offset of the first `[` or `{` that opens level `limit + 1`
/// (outside strings), if the text nests that deep. serde_json skips values
/// it ignores without a depth limit, so the sniffer counts itself.
fn json_too_deep(body: &[u8], limit: usize) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in body.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// When the head is not well-formed JSON (a syntax error, or nesting deeper
/// than the parser's 128 levels), that error at its line and column: a
/// broken file is named as broken, not as JSON of an unknown kind. `None`
/// when the head parses, or only ends early (the head may cut a value).
/// The JSON of `head` stops inside a value.
fn json_ends_early(head: &[u8]) -> bool {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    serde_json::Deserializer::from_slice(body).into_iter::<IgnoredAny>().any(|v| v.is_err_and(|e| e.is_eof()))
}

fn json_syntax_error(head: &[u8]) -> Option<LoadError> {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if let Some(at) = json_too_deep(body, 128) {
        return Some(LoadError::invalid(
            "JSON",
            Some(At::Byte((at + head.len() - body.len()) as u64)),
            "JSON nested more than 128 levels deep, deeper than any profile or trace format Firesight reads",
        ));
    }
    let mut values = serde_json::Deserializer::from_slice(body).into_iter::<IgnoredAny>();
    loop {
        match values.next()? {
            Ok(_) => {}
            Err(e) if e.is_eof() => return None,
            Err(e) => {
                let text = e.to_string();
                let msg = text.rfind(" at line ").map_or(text.as_str(), |i| &text[..i]);
                let what = if msg.starts_with("recursion limit exceeded") {
                    "JSON nested more than 128 levels deep, deeper than any profile or trace format Firesight reads"
                        .to_string()
                } else {
                    format!("invalid JSON: {msg}")
                };
                return Some(LoadError::invalid(
                    "JSON",
                    Some(At::LineColumn(e.line() as u64, e.column() as u64)),
                    what,
                ));
            }
        }
    }
}

/// How many lines the text sniffer looks at.
const TEXT_LINES: usize = 200;

/// perf script, folded, a known text format, or more input needed.
fn sniff_text(head: &[u8], complete: bool) -> Result<Sniffed, LoadError> {
    // Only complete lines: the head may end inside one.
    let whole = if complete {
        head
    } else {
        match head.iter().rposition(|&b| b == b'\n') {
            Some(i) => &head[..i],
            None => &[],
        }
    };
    let text = String::from_utf8_lossy(whole);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(TEXT_LINES).collect();
    if let Some(k) = known::text(&lines) {
        if k == known::Known::Strace {
            return Ok(Sniffed::Format(Format::Strace));
        }
        return k.read_as().map(Sniffed::Format).ok_or_else(|| k.error());
    }
    // The lines after any `#` comments (a `perf script --header` block can
    // be hundreds of lines long).
    let lines: Vec<&str> =
        text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).take(TEXT_LINES).collect();
    if lines.is_empty() && !complete {
        return Ok(Sniffed::NeedMore);
    }
    // perf script: an indented call-chain frame, a sample header followed by
    // a frame (some perf versions do not indent them), or (recorded without
    // -g, one line a sample) sample headers on most lines. A header-like
    // line or two in other text (a Markdown table row) is not enough.
    let first = &lines[..lines.len().min(20)];
    let header = |l: &str| perf_script::looks_like_header(l);
    let headers = first.iter().filter(|l| header(l)).count();
    let header_then_frame = first.windows(2).any(|w| header(w[0]) && looks_like_perf_frame(w[1]));
    // Without -g but with `-F +srcline`, each header has its source line under it.
    let sources = first.windows(2).filter(|w| header(w[0]) && perf_script::looks_like_srcline(w[1])).count();
    if first.iter().any(|l| l.starts_with(char::is_whitespace) && looks_like_perf_frame(l))
        || header_then_frame
        || (headers > 0 && (headers + sources) * 2 > first.len())
    {
        return Ok(Sniffed::Format(Format::PerfScript));
    }
    let is_stack = |l: &str| folded::looks_like_stack_line(l) && !is_number_row(l);
    let stacks = lines.iter().filter(|l| is_stack(l)).count();
    // ` 5`: the samples with an empty stack, as `fold` writes them (they
    // count beside real stacks, never alone).
    let empty_stack = |l: &str| {
        let n = l.trim();
        l.starts_with(' ') && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    };
    let empties = lines.iter().filter(|l| empty_stack(l)).count();
    // Most lines must be stacks: a file of other text with a few lines
    // that end in a number is not folded stacks.
    if stacks > 0 && (stacks + empties) * 2 > lines.len() {
        return Ok(Sniffed::Format(Format::Folded));
    }
    let other = lines.iter().find(|l| !is_stack(l)).copied().unwrap_or("");
    let shown: String = other.chars().take(60).collect();
    let what = if lines.is_empty() {
        format!(
            "text with nothing but `#` comment lines and blank lines in its first {} bytes: no perf script \
             sample header and no folded stack (`a;b;c 10`)",
            whole.len()
        )
    } else if stacks == 0 {
        format!(
            "text that is neither perf script (no sample header like `comm pid [cpu] time: period event:`) nor \
             folded stacks (no line like `a;b;c 10`); first line: {shown:?}"
        )
    } else {
        format!(
            "text that is not folded stacks: only {stacks} of its first {} lines look like `a;b;c 10`, and it \
             has no perf script sample header; first other line: {shown:?}",
            lines.len()
        )
    };
    Err(LoadError::unsupported(what))
}

/// A row of numbers (`128 2 1 1 2 0`, `0 72`): cost lines of callgrind or
/// cachegrind, a table; never a stack, though it ends in a number.
fn is_number_row(line: &str) -> bool {
    line.bytes().all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'\t' | b'.' | b',' | b'-' | b'+'))
}

/// A call-chain line of perf script: a hex address, then a symbol.
fn looks_like_perf_frame(line: &str) -> bool {
    let mut parts = line.split_whitespace();
    let addr = parts.next().unwrap_or("");
    !addr.is_empty() && addr.bytes().all(|b| b.is_ascii_hexdigit()) && parts.next().is_some()
}

/// Binary data that is not a whole pprof or OTLP message but starts like
/// one (a damaged file): the loader then says where it goes wrong.
fn sniff_protobuf_lenient(head: &[u8]) -> Option<Format> {
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
        Some(0x0a | 0x12 | 0x1a) if len > 0 => Some(Format::OtlpProtobuf),
        _ => Some(Format::Pprof),
    }
}
