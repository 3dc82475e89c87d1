//! The line state machine of `inferno-collapse-perf`, run by one thread over
//! a run of lines, into tables local to that thread.
//!
//! A sample is a header line, its frame lines (leaf first) and a blank line;
//! a header that carries its frame (perf record without -g) is a whole
//! sample. Lines starting with `#` are comments; of those, the `# event :`
//! lines of `perf script --header` give each event's fixed sample period
//! (see [`header::parse_event_attr`]). The parser interns frames and
//! stacks into its own tables, which live as long as the thread: each
//! [`Parser::take`] hands out only what is new since the last one (a delta),
//! so the merging thread does work per new frame and stack, not per line.
//!
//! Representation: frames are interned twice over. A raw cache maps the
//! bytes a frame line names (`symbol`, DSO, and whatever changes the name) to
//! the ids of the frames it yields, so a frame seen before costs one hash of
//! its bytes, no UTF-8 check and no string building (see [`frames`]); only a
//! miss runs inferno's renaming rules
//! and interns the resulting `(name, module, kind)`. Stacks are a prefix tree
//! `(parent, frame)` as in the model, and a whole sample's stack seen before
//! is found in one lookup (see [`super::stacks`]).

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use super::frame::{self, NameOptions};
use super::header;
use super::payload;
use super::srcline::{looks_like_srcline, srcline, unknown_srcline};
use super::stacks::{LocalStacks, NewStack};
use crate::load::PerfOptions;
use crate::model::{FrameKind, Label, LabelValue, SwitchKind};

/// "No stack / thread" in the local `u32` columns.
pub(crate) const NONE: u32 = u32::MAX;

mod frames;
mod switches;

use frames::RawFrames;
pub(crate) use switches::Unread;

/// A parser forgets its stacks once it holds more than this many (a few
/// MiB of nodes and indexes, see [`LocalStacks`]), so a thread's memory
/// stays bounded however many distinct stacks the file has; the global
/// stack tree keeps them all. Forgetting sends the stacks the parser meets
/// again to the merger again, but small tables stay in the cache: on the
/// generated 284 MB, 623 MB and 1 GB scripts 2^16 took 0.90-0.95 of the
/// wall time of 2^20 and 57.9 instead of 84.6 MiB at 284 MB (farm-bench).
/// (Unit tests use a tiny limit so that forgetting is exercised.)
const STACK_LIMIT: u32 = if cfg!(test) { 64 } else { 1 << 16 };

/// A frame new to the parser's tables.
#[derive(Debug)]
pub(crate) struct NewFrame {
    pub name: String,
    pub module: String,
    pub kind: FrameKind,
    /// Source file and line (`perf script -F +srcline`).
    pub file: Option<(String, u32)>,
}

/// A context switch in local ids: a `PERF_RECORD_SWITCH` line, or the
/// switch-out a `sched:sched_switch` sample records.
#[derive(Clone, Debug)]
pub(crate) struct LocalSwitch {
    pub time_ns: Option<u64>,
    pub pid: Option<u32>,
    pub tid: Option<u32>,
    pub cpu: Option<u32>,
    pub kind: SwitchKind,
    pub state: Option<char>,
    pub peer_tid: Option<u32>,
    /// Local thread, or [`NONE`].
    pub thread: u32,
    /// Local stack, or [`NONE`].
    pub stack: u32,
    /// Index of the sample in the delta's samples, or [`NONE`].
    pub sample: u32,
    pub line: u64,
    pub offset: u64,
}

/// A thread new to the parser's tables.
#[derive(Debug)]
pub(crate) struct NewThread {
    pub comm: String,
    pub pid: Option<u32>,
    pub tid: Option<u32>,
}

/// One sample in local ids.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LocalSample {
    /// Leaf stack; for a sample with no frames, the stack of its root alone.
    pub stack: u32,
    /// True when the sample had no frame line at all.
    pub frameless: bool,
    /// Local event index.
    pub event: u32,
    pub period: Option<u64>,
    pub time_ns: Option<u64>,
    pub thread: u32,
}

/// What a parser produced since its last [`Parser::take`].
#[derive(Debug, Default)]
pub(crate) struct Delta {
    pub frames: Vec<NewFrame>,
    /// New stacks, parent before child.
    pub stacks: Vec<NewStack>,
    pub threads: Vec<NewThread>,
    pub events: Vec<String>,
    pub samples: Vec<LocalSample>,
    /// `(line, offset, message)`.
    pub warnings: Vec<(u64, u64, String)>,
    /// Tracepoint payload fields of samples: `(index into samples, labels)`.
    pub payloads: Vec<(u32, Vec<Label>)>,
    /// Context switches in file order.
    pub switches: Vec<LocalSwitch>,
    /// Lines counted instead of read, by kind.
    pub other_records: Vec<Unread>,
    /// Fixed sample periods the `perf script --header` event lines give:
    /// `(event, period)`, `None` for an event sampled at a frequency.
    pub header_periods: Vec<(String, Option<u64>)>,
    /// Samples whose frame came on the header line.
    pub one_line_samples: u64,
    /// Samples with frame lines below the header.
    pub chained_samples: u64,
    /// Source lines (`-F +srcline`) given to frames.
    pub srclines: u64,
    /// True when the last line given was skipped as not understood.
    pub last_line_bad: bool,
    /// True when the parser forgot its stacks before this delta: its stack
    /// ids start again at 0.
    pub reset_stacks: bool,
}

/// A frame with a source line: name, module, kind, `(file, line)`.
type SrclineKey = (String, String, FrameKind, Option<(String, u32)>);

/// A payload value as a label: a decimal integer as a number, else text.
fn label_value(v: &str) -> LabelValue {
    match v.parse::<i64>() {
        Ok(n) if !(v.starts_with('+') || v.len() > 1 && v.starts_with('0')) => LabelValue::Num { value: n, unit: None },
        _ => LabelValue::Str(v.to_string()),
    }
}

/// The sample being read.
#[derive(Debug, Default)]
struct Current {
    root: u32,
    event: u32,
    /// The event is `sched:sched_switch`.
    sched_switch: bool,
    tid: Option<u32>,
    pid: Option<u32>,
    cpu: Option<u32>,
    /// The tracepoint payload, as printed.
    payload: Option<String>,
    /// Header line and offset.
    line: u64,
    offset: u64,
    /// simpleperf's `tracing data:` lines follow.
    tracing_data: bool,
    period: Option<u64>,
    time_ns: Option<u64>,
    thread: u32,
    /// Frames leaf first.
    frames: Vec<u32>,
    /// The command starts with `java` (inferno then tidies Java names).
    java: bool,
    skip: bool,
    chained: bool,
    /// The header carried the sample's one frame (no -g): only a source
    /// line under it (`-F +srcline`) may follow.
    whole: bool,
    /// The sample's last line was read: perf prints no blank line after
    /// the instruction (`-F +insn`) under a call chain.
    ended: bool,
}

/// The state machine and its tables. See the module docs.
pub(crate) struct Parser {
    event_filter: Option<String>,
    include_pid: bool,
    include_tid: bool,
    names: NameOptions,
    in_event: bool,
    cur: Current,
    frame_index: HashMap<(String, String, FrameKind), u32, FxBuildHasher>,
    /// Name, module and kind of each local frame, by id.
    frame_names: Vec<(String, String, FrameKind)>,
    srcline_index: HashMap<SrclineKey, u32, FxBuildHasher>,
    frame_count: u32,
    raw_frames: RawFrames,
    raw_scratch: Vec<u32>,
    stacks: LocalStacks,
    root_index: HashMap<String, u32, FxBuildHasher>,
    thread_index: HashMap<(String, Option<u32>, Option<u32>), u32, FxBuildHasher>,
    thread_count: u32,
    events: Vec<String>,
    event_count: usize,
    scratch: Vec<(String, FrameKind)>,
    out: Delta,
}

impl Parser {
    /// A parser for `opts` (inferno's options; `--tid` implies `--pid`).
    pub(crate) fn new(opts: &PerfOptions) -> Self {
        Self {
            event_filter: opts.event_filter.clone(),
            include_pid: opts.include_pid || opts.include_tid,
            include_tid: opts.include_tid,
            names: NameOptions {
                annotate_kernel: opts.annotate_kernel,
                annotate_jit: opts.annotate_jit,
                include_addrs: opts.include_addrs,
            },
            in_event: false,
            cur: Current::default(),
            frame_index: HashMap::default(),
            frame_names: Vec::new(),
            srcline_index: HashMap::default(),
            frame_count: 0,
            raw_frames: RawFrames::default(),
            raw_scratch: Vec::new(),
            stacks: LocalStacks::default(),
            root_index: HashMap::default(),
            thread_index: HashMap::default(),
            thread_count: 0,
            events: Vec::new(),
            event_count: 0,
            scratch: Vec::new(),
            out: Delta::default(),
        }
    }

    /// Everything new since the last call.
    pub(crate) fn take(&mut self) -> Delta {
        let delta = std::mem::take(&mut self.out);
        if self.stacks.len() > STACK_LIMIT {
            self.stacks.clear();
            self.out.reset_stacks = true;
        }
        delta
    }

    fn warn(&mut self, line: u64, offset: u64, msg: String) {
        if self.out.warnings.len() < crate::model::builder::MAX_STORED_WARNINGS {
            self.out.warnings.push((line, offset, msg));
        } else {
            self.out.warnings.push((line, offset, String::new()));
        }
    }

    /// Feeds one line (without its `\n`).
    pub(crate) fn line(&mut self, bytes: &[u8], number: u64, offset: u64) {
        // Most lines: a frame line inside a sample, read on bytes.
        let reading_frames = self.in_event && !(self.cur.skip || self.cur.whole || self.cur.tracing_data);
        if reading_frames
            && bytes.first().is_some_and(|&b| b == b'\t' || b == b' ')
            && !(header::may_start_sample(bytes)
                && std::str::from_utf8(bytes).is_ok_and(|t| self.starts_sample_here(t.trim_end())))
            && self.byte_frame_line(bytes)
        {
            self.out.last_line_bad = false;
            self.cur.chained = true;
            return;
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(_) => {
                self.warn(number, offset, "invalid UTF-8 replaced with U+FFFD".to_string());
                String::from_utf8_lossy(bytes)
            }
        };
        self.out.last_line_bad = false;
        if let Some(comment) = text.strip_prefix('#') {
            if let Some(attr) = header::parse_event_attr(comment) {
                self.out.header_periods.push((attr.name.to_string(), attr.period));
            }
            return;
        }
        let mut t = text.trim_end();
        // simpleperf separates fields with tabs (`comm\tTID [CPU] ...`,
        // `addr\tsym (dso)`); perf indents frames with one.
        let untabbed;
        if t.trim_start().contains('\t') {
            let lead = t.len() - t.trim_start().len();
            untabbed = format!("{}{}", &t[..lead], t[lead..].replace('\t', " "));
            t = untabbed.as_str();
        }
        if self.in_event && self.cur.whole {
            // A one-line sample (no -g) takes the source line under its
            // frame (`-F +srcline`); anything else ends it.
            if looks_like_srcline(t) {
                if !self.cur.skip {
                    self.sample_line(t, number, offset);
                }
                return;
            }
            if t.starts_with('\t') && frame::parse_line(t.trim_start()).is_some() {
                // A call chain: what followed the event was the sample's
                // data address (`-F +addr`, memory events), not its frame.
                self.cur.frames.clear();
                self.cur.whole = false;
            } else {
                self.end_sample();
            }
        }
        if t.is_empty() {
            self.end_sample();
        } else if self.in_event {
            if self.starts_sample_here(t) {
                // A sample without call chain and no blank line after it.
                self.end_sample();
                self.header_line(t, number, offset);
            } else if !self.cur.skip {
                self.sample_line(t, number, offset);
            }
        } else {
            self.header_line(t, number, offset);
        }
    }

    /// Ends a block that stops where the parser is idle or before the
    /// header of the next sample (see `parallel::split_point`): the sample
    /// read is whole, whatever follows.
    pub(crate) fn finish_block(&mut self) {
        self.end_sample();
    }

    /// Ends the input: a last sample with no blank line after it is kept.
    /// perf ends every sample that has a call chain with a blank line, so
    /// one that ends without it was cut off (a file read while perf script
    /// was still writing it): kept as read, with a warning.
    pub(crate) fn finish(&mut self) {
        if self.in_event && self.cur.chained && !self.cur.skip && !self.cur.ended {
            let (line, offset) = (self.cur.line, self.cur.offset);
            self.warn(
                line,
                offset,
                "the input ends inside this sample (no blank line after its call chain): the file may have \
                 been cut off while it was written; the sample is kept with the frames read"
                    .to_string(),
            );
        }
        self.end_sample();
    }

    /// A line inside a sample: a frame, a source line under it, or
    /// simpleperf's tracing data.
    fn sample_line(&mut self, t: &str, number: u64, offset: u64) {
        let trimmed = t.trim_start();
        if trimmed == "tracing data:" {
            self.cur.tracing_data = true;
            return;
        }
        if self.cur.tracing_data {
            // simpleperf: `key : value`, one a line.
            let p = self.cur.payload.get_or_insert_with(String::new);
            if !p.is_empty() {
                p.push_str(", ");
            }
            p.push_str(trimmed);
            return;
        }
        if let Some((file, line)) = srcline(trimmed)
            && let Some(&last) = self.cur.frames.last()
        {
            let id = self.with_srcline(last, file, line);
            if let Some(f) = self.cur.frames.last_mut() {
                *f = id;
            }
            self.out.srclines += 1;
            return;
        }
        if trimmed.starts_with("ilen: ") || trimmed.starts_with("insn:") {
            // `-F +insnlen,+insn` under a call chain: not a frame.
            self.count_unread("instruction lines (-F +insn, +insnlen)", "not read", number);
            self.cur.ended = true;
            return;
        }
        if !self.cur.frames.is_empty() && unknown_srcline(trimmed) {
            // The frame above keeps no line; not a malformed frame.
            return;
        }
        self.cur.chained = true;
        self.frame_line(t, number, offset);
    }

    /// [`header::starts_sample`], or a header without time and CPU columns
    /// (`perf script -F -time`: `comm tid period event:`): an event this
    /// parser has seen already, or one followed by nothing (the call chain
    /// below), by a tracepoint's payload or by a whole frame (no -g). A
    /// block may start anywhere, so the event may be new to this parser.
    fn starts_sample_here(&self, t: &str) -> bool {
        header::indented(t).is_some_and(|h| {
            if header::has_time_or_cpu(&h) {
                return true;
            }
            let Some(e) = h.event.filter(|e| h.event_colon && !e.is_empty()) else { return false };
            self.events.iter().any(|k| k == e)
                || h.payload.is_some()
                || h.inline_frame.is_none_or(|f| frame::parse_line(f).is_some())
        })
    }

    fn header_line(&mut self, t: &str, number: u64, offset: u64) {
        let parsed = header::parse(t);
        if let Some(h) = &parsed
            && let Some(record) = h.record
        {
            self.record_line(h, record, number, offset);
            return;
        }
        let Some(h) = parsed.filter(|h| h.event.is_some()) else {
            // A record with no sample fields (`--show-round-events`:
            // `PERF_RECORD_FINISHED_ROUND` alone on its line): counted.
            if let Some(name) = t.split_whitespace().next().filter(|w| w.starts_with("PERF_RECORD_")) {
                self.count_unread(name.trim_end_matches(':'), switches::RECORDS_SKIPPED, number);
                return;
            }
            let what = if frame::parse_line(t).is_some() {
                "frame line outside a sample (no header above it), skipped"
            } else {
                "not a sample header (expected `comm pid [cpu] time: period event:`), skipped"
            };
            let shown: String = t.chars().take(80).collect();
            self.warn(number, offset, format!("{what}: {shown:?}"));
            self.out.last_line_bad = true;
            return;
        };
        let event = h.event.unwrap_or("");
        if self.event_filter.as_deref().is_some_and(|f| f != event) {
            // Skip the sample's frames (a one-line sample has at most its
            // source line below).
            self.in_event = true;
            self.cur.skip = true;
            self.cur.whole = h.inline_frame.is_some();
            return;
        }
        let (root, java) = self.root_frame(&h);
        let thread = self.thread(&h);
        let sched_switch = event == "sched:sched_switch";
        let event = self.event(event);
        self.cur = Current {
            root,
            event,
            sched_switch,
            tid: h.tid.parse().ok(),
            pid: h.pid.and_then(|p| p.parse().ok()),
            cpu: h.cpu,
            payload: h.payload.map(str::to_string),
            line: number,
            offset,
            tracing_data: false,
            period: h.period,
            time_ns: h.time_ns,
            thread,
            frames: std::mem::take(&mut self.cur.frames),
            java,
            skip: false,
            chained: false,
            whole: h.inline_frame.is_some(),
            ended: false,
        };
        self.cur.frames.clear();
        self.in_event = true;
        // A header whose event has no `:` is read as perf's own, but as the
        // last line of an input without a line end it is a header cut off
        // (`... 1001001 cpu-`): then the load fails as for any line cut off.
        self.out.last_line_bad = !h.event_colon;
        if let Some(p) = h.period_overflow {
            self.warn(
                number,
                offset,
                format!("the period {p} does not fit in 64 bits: the sample counts as one sample"),
            );
        }
        if let Some(f) = h.inline_frame {
            // Ended by the next header or blank line, after the frame's
            // source line if `-F +srcline` printed one.
            self.frame_line(f, number, offset);
        }
    }

    fn root_frame(&mut self, h: &header::Header<'_>) -> (u32, bool) {
        // `perf script -F -comm` prints none.
        let comm = if h.comm.is_empty() { "[unknown]" } else { h.comm };
        let mut name = comm.replace(' ', "_");
        if self.include_tid {
            name.push('-');
            name.push_str(h.pid.unwrap_or("?"));
            name.push('/');
            name.push_str(h.tid);
        } else if self.include_pid {
            name.push('-');
            name.push_str(h.pid.unwrap_or("?"));
        }
        let java = name.starts_with("java");
        if let Some(&id) = self.root_index.get(&name) {
            return (id, java);
        }
        let id = self.intern_frame(name.clone(), String::new(), FrameKind::User);
        self.root_index.insert(name, id);
        (id, java)
    }

    fn thread(&mut self, h: &header::Header<'_>) -> u32 {
        let pid = h.pid.and_then(|p| p.parse().ok());
        let tid = h.tid.parse().ok();
        let key = (h.comm.to_string(), pid, tid);
        if let Some(&id) = self.thread_index.get(&key) {
            return id;
        }
        let id = self.thread_count;
        self.thread_count += 1;
        self.out.threads.push(NewThread { comm: key.0.clone(), pid, tid });
        self.thread_index.insert(key, id);
        id
    }

    fn event(&mut self, name: &str) -> u32 {
        if let Some(i) = self.events.iter().position(|e| e == name) {
            return i as u32;
        }
        self.events.push(name.to_string());
        self.out.events.push(name.to_string());
        self.event_count += 1;
        (self.events.len() - 1) as u32
    }

    fn intern_frame(&mut self, name: String, module: String, kind: FrameKind) -> u32 {
        let key = (name, module, kind);
        if let Some(&id) = self.frame_index.get(&key) {
            return id;
        }
        let id = self.frame_count;
        self.frame_count += 1;
        self.frame_names.push(key.clone());
        self.out.frames.push(NewFrame { name: key.0.clone(), module: key.1.clone(), kind, file: None });
        self.frame_index.insert(key, id);
        id
    }

    fn end_sample(&mut self) {
        let was = std::mem::replace(&mut self.in_event, false);
        let whole = std::mem::take(&mut self.cur.whole);
        if !was || self.cur.skip {
            self.cur.skip = false;
            return;
        }
        if whole {
            self.out.one_line_samples += 1;
        }
        let s = self.stacks.path(self.cur.root, &self.cur.frames, &mut self.out.stacks);
        if self.cur.chained && !self.cur.frames.is_empty() {
            self.out.chained_samples += 1;
        }
        let index = self.out.samples.len() as u32;
        self.out.samples.push(LocalSample {
            stack: s,
            frameless: self.cur.frames.is_empty(),
            event: self.cur.event,
            period: self.cur.period,
            time_ns: self.cur.time_ns,
            thread: self.cur.thread,
        });
        self.cur.frames.clear();
        if let Some(p) = self.cur.payload.take() {
            let fields = payload::fields(&p);
            if self.cur.sched_switch {
                self.sched_switch(&fields, s, index);
            }
            let labels = fields.iter().map(|&(k, v)| Label { key: k.to_string(), value: label_value(v) }).collect();
            self.out.payloads.push((index, labels));
        }
    }
}
