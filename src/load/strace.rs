//! strace output: one sample per system call.
//!
//! Input: what `strace -f -T -tt` writes (with or without `-f`, `-t`,
//! `-tt`, `-ttt`, `-r` (each delta added to the time before), `-n`, `-i`;
//! `-y`/`-yy` paths on file descriptors; `-k` stacks), the
//! `-o FILE` form (`PID  time call`) and the stderr form (`[pid  PID]`).
//! Each call that returned is a sample: stack = the `-k` user stack (root
//! first) with the syscall as leaf, else the syscall alone; metrics
//! `syscall time` (ns, from `-T`) and `calls`; time = the call's start;
//! thread = its pid; labels `errno` for a failed call (`= -1 EAGAIN (...)`,
//! `= ? ERESTARTSYS (...)`) and `path` when `-y` names the file or socket.
//! `<unfinished ...>` and `<... name resumed>` are joined per pid, the call
//! then starting at the unfinished line. Signals (`--- SIGURG {...} ---`)
//! and exits (`+++ exited with 0 +++`) are counted, not failed on; calls that
//! never return (`exit_group(0) = ?`, killed while blocked) are counted as
//! such. The `-c`/`-C` summary table at the end is skipped. A line that is
//! none of these is a warning with its line number. Imports `model` only.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use super::error::{At, LoadError};
use super::source::Input;
use crate::model::frame::FrameRef;
use crate::model::{FrameId, FrameKind, Label, LabelSetId, LabelValue, Profile, ProfileBuilder, StackId, Thread, Unit};

/// Format name used in errors and warnings.
pub const FORMAT: &str = "strace";
/// Name of the time metric.
pub const TIME_METRIC: &str = "syscall time";
/// Name of the count metric.
pub const CALLS_METRIC: &str = "calls";
/// Label key of a failed call's error name.
pub const ERRNO_KEY: &str = "errno";
/// Label key of the file or socket a call worked on (`-y`).
pub const PATH_KEY: &str = "path";

mod line;

use line::{arg_path, is_name, is_summary, last_equals, parse_duration, parse_prefix, parse_return};

/// No errno or path: the `u32` index that stands for `None`.
const NONE: u32 = u32::MAX;

/// A call whose line ended in `<unfinished ...>`.
struct Pending {
    /// Index into `Loader::names`.
    name: u32,
    start_ns: Option<u64>,
    /// Index into `Loader::paths` of its first argument's `-y` path.
    path: u32,
    line: u64,
}

/// A call that returned, waiting for the `-k` stack lines after it.
struct Done {
    pid: Option<u32>,
    name: u32,
    start_ns: Option<u64>,
    dur_ns: Option<u64>,
    errno: u32,
    path: u32,
}

/// Strings seen many times (syscall names, errnos, paths), numbered once so
/// a call allocates nothing.
#[derive(Default)]
struct Interner {
    ids: HashMap<Box<str>, u32, FxBuildHasher>,
    names: Vec<Box<str>>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = u32::try_from(self.names.len()).unwrap_or(NONE - 1);
        self.ids.insert(s.into(), i);
        self.names.push(s.into());
        i
    }

    fn opt(&mut self, s: Option<&str>) -> u32 {
        s.map_or(NONE, |s| self.id(s))
    }

    fn name(&self, i: u32) -> Option<&str> {
        self.names.get(i as usize).map(|s| &**s)
    }
}

/// Loader state.
struct Loader {
    b: ProfileBuilder,
    time_m: crate::model::MetricId,
    calls_m: crate::model::MetricId,
    pending: HashMap<Option<u32>, Pending, FxBuildHasher>,
    done: Option<Done>,
    /// The `-k` frames of the call in `done`, innermost first.
    stack: Vec<FrameId>,
    /// `-k` frames by `module\0name`.
    frames: HashMap<Box<str>, FrameId, FxBuildHasher>,
    frame_key: String,
    /// Syscall names, and the leaf frame of each.
    names: Interner,
    name_frames: Vec<Option<FrameId>>,
    errnos: Interner,
    paths: Interner,
    threads: HashMap<Option<u32>, crate::model::ThreadId, FxBuildHasher>,
    labels: HashMap<(u32, u32), LabelSetId, FxBuildHasher>,
    calls: u64,
    timed: u64,
    signals: u64,
    exits: u64,
    no_return: HashMap<String, u64, FxBuildHasher>,
    summary_lines: u64,
    stacks_seen: u64,
    last_time: Option<u64>,
    /// A call line with no result yet (pid, the call, its line and offset,
    /// its text): strace's stderr form may break a call's line and put ` <unfinished ...>`
    /// alone on the next; otherwise it is a cut line, warned about.
    cut: Option<(Option<u32>, Pending, u64, String)>,
    /// Times are `-r` deltas, each since the line before (decided at the
    /// first time: seconds, and less than 10^8 of them, where `-ttt`'s
    /// are since 1970).
    relative: Option<bool>,
    backwards: (u64, u64),
    first_bad: Option<(u64, String)>,
}

impl Loader {
    fn new() -> Self {
        let mut b = ProfileBuilder::new("strace");
        let time_m = b.add_metric(TIME_METRIC, Unit::Nanoseconds);
        let calls_m = b.add_metric(CALLS_METRIC, Unit::Count);
        b.set_default_metric(time_m);
        Self {
            b,
            time_m,
            calls_m,
            pending: HashMap::default(),
            done: None,
            stack: Vec::new(),
            frames: HashMap::default(),
            frame_key: String::new(),
            names: Interner::default(),
            name_frames: Vec::new(),
            errnos: Interner::default(),
            paths: Interner::default(),
            threads: HashMap::default(),
            labels: HashMap::default(),
            calls: 0,
            timed: 0,
            signals: 0,
            exits: 0,
            no_return: HashMap::default(),
            summary_lines: 0,
            stacks_seen: 0,
            last_time: None,
            relative: None,
            cut: None,
            backwards: (0, 0),
            first_bad: None,
        }
    }

    fn bad(&mut self, number: u64, offset: u64, what: &str, line: &str) {
        let shown: String = line.chars().take(80).collect();
        if self.first_bad.is_none() {
            self.first_bad = Some((number, format!("{what}: {shown:?}")));
        }
        self.b.warn(Some(number), Some(offset), format!("{what}, skipped: {shown:?}"));
    }

    fn line(&mut self, line: &str, number: u64, offset: u64) {
        if line.bytes().all(|b| b.is_ascii_whitespace()) {
            return;
        }
        if line.trim() == "<unfinished ...>"
            && let Some((pid, pending, _, _)) = self.cut.take()
        {
            self.unfinished(pid, pending);
            return;
        }
        self.flush_cut();
        if let Some(frame) = line.strip_prefix(" > ") {
            self.stack_line(frame);
            return;
        }
        self.flush();
        if is_summary(line) {
            self.summary_lines += 1;
            return;
        }
        let mut p = parse_prefix(line);
        if let Some(t) = p.time_ns {
            let relative = *self.relative.get_or_insert(p.seconds && t < 100_000_000 * 1_000_000_000);
            if relative {
                p.time_ns = Some(self.last_time.unwrap_or(0).saturating_add(t));
            }
        }
        let rest = p.rest;
        if let Some(t) = p.time_ns {
            if self.last_time.is_some_and(|l| t < l) && p.pid.is_none() {
                self.backwards.0 += 1;
                if self.backwards.1 == 0 {
                    self.backwards.1 = number;
                }
            }
            self.last_time = Some(t);
        }
        if rest.starts_with("--- ") {
            self.signals += 1;
            return;
        }
        if rest.starts_with("+++ ") {
            self.exits += 1;
            return;
        }
        if let Some(resumed) = rest.strip_prefix("<... ") {
            self.resumed(p.pid, resumed, line, number, offset);
            return;
        }
        let Some(open) = rest.find('(').filter(|&i| is_name(&rest[..i])) else {
            self.bad(
                number,
                offset,
                "not an strace line (expected `[pid] [time] name(args) = result <duration>`)",
                line,
            );
            return;
        };
        let name = self.name_id(&rest[..open]);
        let body = &rest[open + 1..];
        if let Some(args) = body.trim_end().strip_suffix("<unfinished ...>") {
            let path = self.paths.opt(arg_path(args));
            self.unfinished(p.pid, Pending { name, start_ns: p.time_ns, path, line: number });
            return;
        }
        let path = self.paths.opt(arg_path(body));
        self.complete(p.pid, name, p.time_ns, path, body, line, number, offset);
    }

    /// The call line held in `cut`, when the line after it did not finish
    /// it: a cut line.
    fn flush_cut(&mut self) {
        if let Some((_, pending, offset, text)) = self.cut.take() {
            self.bad(pending.line, offset, "a call line without ` = result` (truncated line?)", &text);
        }
    }

    /// A call whose result comes on a `<... name resumed>` line later.
    fn unfinished(&mut self, pid: Option<u32>, pending: Pending) {
        if let Some(old) = self.pending.insert(pid, pending) {
            let old_name = self.names.name(old.name).unwrap_or("?");
            self.b.warn(
                Some(old.line),
                None,
                format!("{old_name}(...) <unfinished ...> never resumed before the next call of its thread"),
            );
        }
    }

    /// The number of syscall `name`.
    fn name_id(&mut self, name: &str) -> u32 {
        self.names.id(name)
    }

    /// The leaf frame of syscall number `name`, made when a call of it is
    /// first added.
    fn name_frame(&mut self, name: u32) -> FrameId {
        let i = name as usize;
        if self.name_frames.len() <= i {
            self.name_frames.resize(i + 1, None);
        }
        if let Some(f) = self.name_frames[i] {
            return f;
        }
        let text = self.names.name(name).unwrap_or("?");
        let f = self.b.frame(FrameRef::new(text, "[syscall]", FrameKind::Kernel));
        self.name_frames[i] = Some(f);
        f
    }

    fn no_return(&mut self, name: u32) {
        let name = self.names.name(name).unwrap_or("?");
        match self.no_return.get_mut(name) {
            Some(n) => *n += 1,
            None => {
                self.no_return.insert(name.to_string(), 1);
            }
        }
    }

    /// `<... name resumed>rest) = ret <dur>`.
    fn resumed(&mut self, pid: Option<u32>, resumed: &str, line: &str, number: u64, offset: u64) {
        let Some((name, tail)) = resumed.split_once(" resumed>") else {
            self.bad(number, offset, "not a resumed call (expected `<... name resumed>`)", line);
            return;
        };
        let id = self.name_id(name);
        // strace's stderr form prints `[pid N]` only while two processes
        // or more are traced: a call left unfinished without it resumes
        // with it, and the other way round (the one such call of its name).
        if !self.pending.contains_key(&pid) {
            let mut others = self.pending.iter().filter(|(k, p)| k.is_some() != pid.is_some() && p.name == id);
            if let (Some((&other, _)), None) = (others.next(), others.next())
                && let Some(p) = self.pending.remove(&other)
            {
                self.pending.insert(pid, p);
            }
        }
        let pending = match self.pending.remove(&pid) {
            Some(p) if p.name == id => p,
            other => {
                if let Some(old) = other {
                    let old_name = self.names.name(old.name).unwrap_or("?");
                    self.b.warn(
                        Some(old.line),
                        None,
                        format!("{old_name}(...) <unfinished ...> never resumed before the next call of its thread"),
                    );
                }
                self.b.warn(
                    Some(number),
                    Some(offset),
                    format!("<... {name} resumed> without its <unfinished ...> line: counted from this line"),
                );
                let path = self.paths.opt(arg_path(tail));
                self.complete(pid, id, None, path, tail, line, number, offset);
                return;
            }
        };
        let t = tail.trim_end();
        if t.ends_with("<unfinished ...>) = ?") || t.ends_with("<unfinished ...>") {
            // Resumed only to be cut off again (the process exited).
            self.no_return(id);
            return;
        }
        self.complete(pid, id, pending.start_ns, pending.path, tail, line, number, offset);
    }

    /// A call (its `-y` path already read from its arguments) and the text
    /// that holds its return (`tail`).
    #[allow(clippy::too_many_arguments)]
    fn complete(
        &mut self,
        pid: Option<u32>,
        name: u32,
        start_ns: Option<u64>,
        path: u32,
        tail: &str,
        line: &str,
        number: u64,
        offset: u64,
    ) {
        let (dur_ns, before) = match parse_duration(tail) {
            Some((d, b)) => (Some(d), b),
            None => (None, tail),
        };
        let Some(eq) = last_equals(before) else {
            // Kept until the next line says whether it was broken off.
            self.cut = Some((pid, Pending { name, start_ns, path, line: number }, offset, line.to_string()));
            return;
        };
        let (returned, errno) = parse_return(&before[eq + 3..]);
        if !returned {
            self.no_return(name);
            return;
        }
        let errno = self.errnos.opt(errno);
        self.done = Some(Done { pid, name, start_ns, dur_ns, errno, path });
    }

    /// ` > /lib/libc.so.6(__write+0x4f) [0xf838f]`, innermost first.
    fn stack_line(&mut self, frame: &str) {
        if self.done.is_none() || self.stack.len() >= 4096 {
            return;
        }
        let frame = frame.trim();
        let frame = frame.rsplit_once(" [").map_or(frame, |(f, _)| f);
        let (module, sym) = match frame.rfind('(') {
            Some(i) if frame.ends_with(')') => (&frame[..i], &frame[i + 1..frame.len() - 1]),
            _ => (frame, ""),
        };
        let sym = match sym.rfind("+0x") {
            Some(i) => &sym[..i],
            None => sym,
        };
        self.frame_key.clear();
        self.frame_key.push_str(module);
        self.frame_key.push('\0');
        self.frame_key.push_str(sym);
        let f = match self.frames.get(self.frame_key.as_str()) {
            Some(&f) => f,
            None => {
                let name = if sym.is_empty() { format!("{module}+?") } else { sym.to_string() };
                let f = self.b.frame(FrameRef::new(&name, module, FrameKind::User));
                self.frames.insert(self.frame_key.as_str().into(), f);
                f
            }
        };
        self.stack.push(f);
    }

    /// Adds the call waiting for its stack lines.
    fn flush(&mut self) {
        let Some(d) = self.done.take() else { return };
        let mut parent: Option<StackId> = None;
        if !self.stack.is_empty() {
            self.stacks_seen += 1;
        }
        for &f in self.stack.iter().rev() {
            parent = Some(self.b.stack(parent, f));
        }
        self.stack.clear();
        let leaf = self.name_frame(d.name);
        let stack = self.b.stack(parent, leaf);
        let thread = *self
            .threads
            .entry(d.pid)
            .or_insert_with(|| self.b.thread(Thread { pid: None, tid: d.pid, name: String::new() }));
        let key = (d.errno, d.path);
        let labels = match self.labels.get(&key) {
            Some(&l) => l,
            None => {
                let mut v = Vec::new();
                if let Some(e) = self.errnos.name(d.errno) {
                    v.push(Label { key: ERRNO_KEY.into(), value: LabelValue::Str(e.to_string()) });
                }
                if let Some(p) = self.paths.name(d.path) {
                    v.push(Label { key: PATH_KEY.into(), value: LabelValue::Str(p.to_string()) });
                }
                let l = self.b.label_set(v);
                self.labels.insert(key, l);
                l
            }
        };
        let mut w = [0i128; 2];
        w[self.time_m.index()] = d.dur_ns.map_or(0, i128::from);
        w[self.calls_m.index()] = 1;
        self.calls += 1;
        self.timed += u64::from(d.dur_ns.is_some());
        self.b.add_sample(Some(stack), &w, d.start_ns, Some(thread), labels);
    }

    fn finish(mut self, cut: Option<u64>) -> Result<Profile, LoadError> {
        self.flush_cut();
        self.flush();
        if self.calls == 0 {
            let what = match &self.first_bad {
                Some((_, m)) => format!("no system call in the file; first problem: {m}"),
                None => "no system call in the file (expected strace lines like `PID  16:43:18.690762 \
                         brk(NULL) = 0x55ef1ca23000 <0.000008>`)"
                    .to_string(),
            };
            return Err(LoadError::invalid(FORMAT, self.first_bad.as_ref().map(|(l, _)| At::Line(*l)), what));
        }
        if let Some(line) = cut {
            self.b.warn(Some(line), None, "the last line has no line end: the file may be cut short");
        }
        for p in std::mem::take(&mut self.pending).into_values() {
            self.b.warn(
                Some(p.line),
                None,
                format!(
                    "{}(...) <unfinished ...> never resumed (the trace ends first)",
                    self.names.name(p.name).unwrap_or("?")
                ),
            );
        }
        if self.timed == 0 {
            self.b.warn(None, None, "no call has a duration (strace without -T): `syscall time` is 0, `calls` counts");
        } else if self.timed < self.calls {
            self.b.warn(
                None,
                None,
                format!("{} of {} calls have no duration (`<...>`)", self.calls - self.timed, self.calls),
            );
        }
        if self.backwards.0 > 0 {
            self.b.warn(
                Some(self.backwards.1),
                None,
                format!("the clock goes backwards {} times (times are used as read)", self.backwards.0),
            );
        }
        self.b.meta("calls", self.calls.to_string());
        self.b.meta("signals", self.signals.to_string());
        self.b.meta("exits", self.exits.to_string());
        let mut nr: Vec<_> = self.no_return.iter().collect();
        nr.sort();
        if !nr.is_empty() {
            let list: Vec<String> = nr.iter().map(|(n, c)| format!("{n} {c}")).collect();
            self.b.meta("calls without return", list.join(", "));
        }
        if self.stacks_seen > 0 {
            self.b.meta("stacks", format!("{} calls with a -k stack", self.stacks_seen));
        }
        if self.summary_lines > 0 {
            self.b.meta("summary table", format!("{} lines of strace's -c/-C table skipped", self.summary_lines));
        }
        self.b.finish().map_err(|e| LoadError::invalid(FORMAT, None, e.to_string()))
    }
}

/// The text of a line after its pid, time and other leading columns
/// (`[pid N]`, `-r`'s delta, `-n`, `-i`): the call, for the format sniffer.
pub(crate) fn call_text(line: &str) -> &str {
    parse_prefix(line).rest
}

/// Loads strace output from `input` (see the module docs).
///
/// Errors: a read error or cancel; no system call in the file.
pub fn load(input: &mut Input) -> Result<Profile, LoadError> {
    let mut loader = Loader::new();
    let mut lines = input.lines(FORMAT);
    while let Some(line) = lines.next_line()? {
        match std::str::from_utf8(line.bytes) {
            Ok(s) => loader.line(s.trim_end_matches('\r'), line.number, line.offset),
            Err(_) => {
                let s = String::from_utf8_lossy(line.bytes).into_owned();
                loader.b.warn(Some(line.number), Some(line.offset), "invalid UTF-8 replaced with U+FFFD");
                loader.line(s.trim_end_matches('\r'), line.number, line.offset);
            }
        }
    }
    let cut = lines.last_line_unterminated().then(|| lines.line_number());
    loader.finish(cut)
}
