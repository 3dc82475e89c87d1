//! strace output: one sample per system call.
//!
//! Input: what `strace -f -T -tt` writes (with or without `-f`, `-t`,
//! `-tt`, `-ttt`; `-y`/`-yy` paths on file descriptors; `-k` stacks), the
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

/// A call whose line ended in `<unfinished ...>`.
struct Pending {
    name: String,
    start_ns: Option<u64>,
    args: String,
    line: u64,
}

/// A call that returned, waiting for the `-k` stack lines after it.
struct Done {
    pid: Option<u32>,
    name: String,
    start_ns: Option<u64>,
    dur_ns: Option<u64>,
    errno: Option<String>,
    path: Option<String>,
}

/// The prefix of a call line: pid and time.
struct Prefix<'a> {
    pid: Option<u32>,
    time_ns: Option<u64>,
    rest: &'a str,
}

fn parse_prefix(line: &str) -> Prefix<'_> {
    let mut rest = line;
    let mut pid = None;
    if let Some(r) = rest.strip_prefix("[pid ") {
        let r = r.trim_start();
        let end = r.find(']').unwrap_or(0);
        pid = r[..end].trim().parse().ok();
        rest = r[end + 1..].trim_start();
    } else {
        let end = rest.bytes().take_while(u8::is_ascii_digit).count();
        if end > 0 && rest[end..].starts_with(' ') {
            pid = rest[..end].parse().ok();
            rest = rest[end..].trim_start();
        }
    }
    let mut time_ns = None;
    let word_end = rest.find(' ').unwrap_or(rest.len());
    if let Some(t) = parse_time(&rest[..word_end]) {
        time_ns = Some(t);
        rest = rest[word_end..].trim_start();
    }
    Prefix { pid, time_ns, rest }
}

/// `16:43:18.690762` (-tt), `16:43:18` (-t) or `1701619398.690762` (-ttt), in ns.
fn parse_time(w: &str) -> Option<u64> {
    let (whole, frac) = match w.split_once('.') {
        Some((a, b)) => (a, b),
        None => (w, ""),
    };
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: u64 = if whole.contains(':') {
        let mut parts = whole.split(':');
        let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || [h, m, s].iter().any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        h.parse::<u64>().ok()? * 3600 + m.parse::<u64>().ok()? * 60 + s.parse::<u64>().ok()?
    } else {
        if frac.is_empty() || whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        whole.parse().ok()?
    };
    let mut ns: u64 = if frac.is_empty() { 0 } else { frac.parse().ok()? };
    for _ in frac.len()..9 {
        ns *= 10;
    }
    secs.checked_mul(1_000_000_000)?.checked_add(ns)
}

/// `<0.000185>` at the end of a line, in ns.
fn parse_duration(s: &str) -> Option<(u64, &str)> {
    let s = s.trim_end();
    let inner = s.strip_suffix('>')?;
    let open = inner.rfind('<')?;
    let t = &inner[open + 1..];
    let (secs, frac) = t.split_once('.')?;
    if secs.is_empty() || frac.is_empty() || frac.len() > 9 {
        return None;
    }
    let secs: u64 = secs.parse().ok()?;
    let mut ns: u64 = frac.parse().ok()?;
    for _ in frac.len()..9 {
        ns *= 10;
    }
    Some((secs.checked_mul(1_000_000_000)?.checked_add(ns)?, &s[..open]))
}

/// The return part after the last ` = `: the value, then an optional errno.
/// `None` when the call did not return (`= ?` without an errno).
fn parse_return(ret: &str) -> (bool, Option<String>, Option<String>) {
    let ret = ret.trim();
    let mut words = ret.split_whitespace();
    let value = words.next().unwrap_or("");
    let errno = words
        .next()
        .filter(|w| w.starts_with('E') && w.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'));
    let returned = value != "?" || errno.is_some();
    // `3</etc/ld.so.cache>`: the file the call returned.
    let path = value.find('<').map(|i| fd_path(&value[i..]));
    (returned, errno.map(str::to_string), path)
}

/// `</path>` or `</dev/null<char 1:3>>` -> `/path`, `/dev/null<char 1:3>`
/// (what `-yy` says of the file, kept whole).
fn fd_path(s: &str) -> String {
    let inner = s.strip_prefix('<').unwrap_or(s);
    inner.strip_suffix('>').unwrap_or(inner).to_string()
}

/// The path `-y` gives the first argument (`read(3</tmp/x>, ...`).
fn arg_path(args: &str) -> Option<String> {
    let digits = args.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || !args[digits..].starts_with('<') {
        return None;
    }
    let rest = &args[digits..];
    // Up to the `>` that closes the first `<` (paths may nest `<...>`).
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => {
                depth -= 1;
                if depth == 0 {
                    return Some(fd_path(&rest[..=i]));
                }
            }
            _ => {}
        }
    }
    None
}

/// A syscall name: letters, digits, `_`; `???` for an unknown one.
fn is_name(s: &str) -> bool {
    !s.is_empty() && (s == "???" || s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

/// Loader state.
struct Loader {
    b: ProfileBuilder,
    time_m: crate::model::MetricId,
    calls_m: crate::model::MetricId,
    pending: HashMap<Option<u32>, Pending, FxBuildHasher>,
    done: Option<Done>,
    stack: Vec<(String, String)>,
    frames: HashMap<(String, String), FrameId, FxBuildHasher>,
    threads: HashMap<Option<u32>, crate::model::ThreadId, FxBuildHasher>,
    labels: HashMap<(Option<String>, Option<String>), LabelSetId, FxBuildHasher>,
    calls: u64,
    timed: u64,
    signals: u64,
    exits: u64,
    no_return: HashMap<String, u64, FxBuildHasher>,
    summary_lines: u64,
    stacks_seen: u64,
    last_time: Option<u64>,
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
        if line.trim().is_empty() {
            return;
        }
        if let Some(frame) = line.strip_prefix(" > ") {
            self.stack_line(frame);
            return;
        }
        self.flush();
        if is_summary(line) {
            self.summary_lines += 1;
            return;
        }
        let p = parse_prefix(line);
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
        let name = &rest[..open];
        let body = &rest[open + 1..];
        if let Some(args) = body.trim_end().strip_suffix("<unfinished ...>") {
            if let Some(old) = self.pending.insert(
                p.pid,
                Pending { name: name.to_string(), start_ns: p.time_ns, args: args.to_string(), line: number },
            ) {
                self.b.warn(
                    Some(old.line),
                    None,
                    format!("{}(...) <unfinished ...> never resumed before the next call of its thread", old.name),
                );
            }
            return;
        }
        self.complete(p.pid, name, p.time_ns, body, body, line, number, offset);
    }

    /// `<... name resumed>rest) = ret <dur>`.
    fn resumed(&mut self, pid: Option<u32>, resumed: &str, line: &str, number: u64, offset: u64) {
        let Some((name, tail)) = resumed.split_once(" resumed>") else {
            self.bad(number, offset, "not a resumed call (expected `<... name resumed>`)", line);
            return;
        };
        let Some(pending) = self.pending.remove(&pid).filter(|p| p.name == name) else {
            self.b.warn(
                Some(number),
                Some(offset),
                format!("<... {name} resumed> without its <unfinished ...> line: counted from this line"),
            );
            self.complete(pid, name, None, tail, tail, line, number, offset);
            return;
        };
        if tail.trim_end().ends_with("<unfinished ...>) = ?") || tail.trim_end().ends_with("<unfinished ...>") {
            // Resumed only to be cut off again (the process exited).
            *self.no_return.entry(name.to_string()).or_default() += 1;
            return;
        }
        let args = pending.args;
        self.complete(pid, name, pending.start_ns, &args, tail, line, number, offset);
    }

    /// A call with its arguments (`args`, for `-y` paths) and the text that
    /// holds its return (`tail`).
    #[allow(clippy::too_many_arguments)]
    fn complete(
        &mut self,
        pid: Option<u32>,
        name: &str,
        start_ns: Option<u64>,
        args: &str,
        tail: &str,
        line: &str,
        number: u64,
        offset: u64,
    ) {
        let (dur_ns, before) = match parse_duration(tail) {
            Some((d, b)) => (Some(d), b),
            None => (None, tail),
        };
        let Some(eq) = before.rfind(" = ") else {
            self.bad(number, offset, "a call line without ` = result` (truncated line?)", line);
            return;
        };
        let (returned, errno, _returned_fd) = parse_return(&before[eq + 3..]);
        if !returned {
            *self.no_return.entry(name.to_string()).or_default() += 1;
            return;
        }
        // The file the call worked on: its fd argument (`read(3</tmp/x>, ...`).
        let path = arg_path(args);
        self.done = Some(Done { pid, name: name.to_string(), start_ns, dur_ns, errno, path });
    }

    /// ` > /lib/libc.so.6(__write+0x4f) [0xf838f]`, innermost first.
    fn stack_line(&mut self, frame: &str) {
        if self.done.is_none() {
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
        let name = if sym.is_empty() { format!("{module}+?") } else { sym.to_string() };
        if self.stack.len() < 4096 {
            self.stack.push((name, module.to_string()));
        }
    }

    /// Adds the call waiting for its stack lines.
    fn flush(&mut self) {
        let Some(d) = self.done.take() else { return };
        let mut parent: Option<StackId> = None;
        if !self.stack.is_empty() {
            self.stacks_seen += 1;
        }
        for (name, module) in std::mem::take(&mut self.stack).iter().rev() {
            let f = self.frame(name, module, FrameKind::User);
            parent = Some(self.b.stack(parent, f));
        }
        let leaf = self.frame(&d.name, "[syscall]", FrameKind::Kernel);
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
                if let Some(e) = &key.0 {
                    v.push(Label { key: ERRNO_KEY.into(), value: LabelValue::Str(e.clone()) });
                }
                if let Some(p) = &key.1 {
                    v.push(Label { key: PATH_KEY.into(), value: LabelValue::Str(p.clone()) });
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

    fn frame(&mut self, name: &str, module: &str, kind: FrameKind) -> FrameId {
        if let Some(&f) = self.frames.get(&(name.to_string(), module.to_string())) {
            return f;
        }
        let f = self.b.frame(FrameRef::new(name, module, kind));
        self.frames.insert((name.to_string(), module.to_string()), f);
        f
    }

    fn finish(mut self, cut: Option<u64>) -> Result<Profile, LoadError> {
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
                format!("{}(...) <unfinished ...> never resumed (the trace ends first)", p.name),
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

/// A line of strace's `-c`/`-C` summary table.
fn is_summary(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with("% time") || t.starts_with("------") {
        return true;
    }
    // `  6.85    0.015667         130       120           lseek`
    let words: Vec<&str> = t.split_whitespace().collect();
    words.len() >= 5
        && words[..4].iter().all(|w| w.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
        && words.last().is_some_and(|w| is_name(w))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_line_parts() {
        let p = parse_prefix("9219  16:43:18.690762 brk(NULL)         = 0x55ef1ca23000 <0.000008>");
        assert_eq!((p.pid, p.time_ns), (Some(9219), Some(60_198_690_762_000)));
        assert!(p.rest.starts_with("brk("));
        let p = parse_prefix("[pid  9300] 1701619398.5 read(3, \"\", 1) = 0");
        assert_eq!((p.pid, p.time_ns), (Some(9300), Some(1_701_619_398_500_000_000)));
        assert_eq!(parse_duration("x = 0 <0.000185>"), Some((185_000, "x = 0 ")));
        assert_eq!(parse_return("-1 EAGAIN (Resource temporarily unavailable)").1.as_deref(), Some("EAGAIN"));
        assert_eq!(
            parse_return("? ERESTART_RESTARTBLOCK (Interrupted by signal)").1.as_deref(),
            Some("ERESTART_RESTARTBLOCK")
        );
        assert!(!parse_return("?").0);
        assert_eq!(parse_return("3</etc/ld.so.cache>").2.as_deref(), Some("/etc/ld.so.cache"));
        assert_eq!(arg_path("1</dev/null<char 1:3>>, \"x\", 1").as_deref(), Some("/dev/null<char 1:3>"));
        assert_eq!(arg_path("3<pipe:[630597]>, \"\", 4096").as_deref(), Some("pipe:[630597]"));
        assert!(is_summary("  6.85    0.015667         130       120           lseek"));
        assert!(is_summary("100.00    0.228852          94      2422         3 total"));
    }
}
