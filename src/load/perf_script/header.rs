//! Sample header lines of `perf script`:
//! `comm pid/tid [cpu] misc tod secs.frac: period event:mods: [addr sym (dso)]`.
//!
//! Every field but the command name and one number is optional, as `perf
//! script -F` can drop them; the command name may hold spaces and digits.
//! Parsing follows `inferno-collapse-perf` (jonhoo/inferno
//! `src/collapse/perf.rs`, `event_line_parts` and `on_event_line`) except in
//! two places where inferno is wrong: the pid is the last all-digit word
//! before the `[cpu]`, time or event field (inferno takes the first one, so
//! `Worker 2 1234/1235 ...` became command `Worker`, tid 2), and the period is
//! read however many spaces pad the event column (inferno reads none in
//! `1001001  cpu-clock:`). Imports nothing outside this module.

/// One parsed sample header, borrowing from its line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header<'a> {
    /// The command name, trimmed (spaces inside kept).
    pub comm: &'a str,
    /// The pid as printed (`None` when perf printed only one number, which
    /// inferno shows as pid `?`).
    pub pid: Option<&'a str>,
    /// The tid as printed (or the only number).
    pub tid: &'a str,
    /// Timestamp in ns, when printed.
    pub time_ns: Option<u64>,
    /// The sample period, when printed.
    pub period: Option<u64>,
    /// A period of digits too large for 64 bits (no perf writes one): the
    /// sample then counts as one sample of its event, with a warning.
    pub period_overflow: Option<&'a str>,
    /// The event name without modifiers (`cycles` of `cycles:uppp:`);
    /// `None` when the header has no event field.
    pub event: Option<&'a str>,
    /// Whether the event field ends with its `:` (perf always prints it;
    /// a header without it is the last line of a file cut off there).
    pub event_colon: bool,
    /// A frame printed on the header line itself (perf record without -g).
    pub inline_frame: Option<&'a str>,
    /// The CPU, when printed (`[001]`).
    pub cpu: Option<u32>,
    /// A tracepoint's payload after its name (`prev_comm=a prev_pid=1 ...`),
    /// when the event is a tracepoint (`subsystem:name`) and printed one.
    pub payload: Option<&'a str>,
    /// A side-band record instead of a sample (`PERF_RECORD_SWITCH OUT
    /// preempt`, `PERF_RECORD_COMM: ...`): the text from `PERF_RECORD_` on.
    /// Such a line is a whole record: no call chain, no blank line after it.
    pub record: Option<&'a str>,
}

/// perf's event modifier letters (`cycles:uppp`): stripped from the name.
fn is_modifier_suffix(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b"ukhIGHpPSDWe".contains(&b))
}

/// The end of the event field in `s`: the first `:` followed by a blank or
/// the end of the line. Event names hold colons (`sched:sched_switch`,
/// `cycles:uppp`) but never a colon then a blank.
fn event_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len()).find(|&i| b[i] == b':' && b.get(i + 1).is_none_or(|c| *c == b' ' || *c == b'\t'))
}

/// The event name without modifiers: `cycles` of `cycles:uppp`, but
/// `sched:sched_switch` whole (a tracepoint's `subsystem:name`).
fn strip_modifiers(event: &str) -> &str {
    match event.rsplit_once(':') {
        Some((name, m)) if is_modifier_suffix(m) => name,
        _ => event,
    }
}

/// True for a tracepoint name (`subsystem:name`, after modifiers are stripped).
pub(crate) fn is_tracepoint(event: &str) -> bool {
    event.contains(':')
}

/// A word of the line and where it starts and ends.
#[derive(Clone, Copy)]
struct Word<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

fn words(line: &str) -> impl Iterator<Item = Word<'_>> {
    let mut pos = 0;
    line.split(' ').filter_map(move |w| {
        let start = pos;
        pos += w.len() + 1;
        (!w.is_empty()).then_some(Word { text: w, start, end: start + w.len() })
    })
}

/// `1234` or `1234/5678`.
fn is_pid_word(w: &str) -> bool {
    let (a, b) = match w.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (w, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    digits(a) && b.is_none_or(digits)
}

fn is_cpu_word(w: &str) -> bool {
    w.len() > 2 && w.starts_with('[') && w.ends_with(']') && w[1..w.len() - 1].bytes().all(|c| c.is_ascii_digit())
}

/// A time column word: `12345.678901:`.
fn is_time_word(w: &str) -> bool {
    w.strip_suffix(':').is_some_and(|t| parse_time_ns(t).is_some())
}

/// Finds the pid word: the last pid-shaped word before the first `[cpu]`
/// word or word ending in `:` (the anchor). Without a time or CPU column
/// (`perf script -F comm,tid,period,event,...`) the anchor is the event
/// and the number right before it the period: two pid-shaped words in a
/// row before an event are tid (or pid/tid) and period. The command name
/// comes first, so a pid-shaped first word is the pid only before a time
/// or CPU column (`perf script -F -comm`). `Err` with the anchor's start
/// when a time or CPU column has no pid before it (`perf script -F -tid`).
/// Falls back to inferno's rule (the first pid-shaped word followed by a
/// space) when there is no anchor.
fn find_pid(line: &str) -> Result<Word<'_>, Option<usize>> {
    // The last two pid-shaped words, each with its position.
    let mut last: Option<(usize, Word<'_>)> = None;
    let mut before_last: Option<(usize, Word<'_>)> = None;
    let mut first: Option<Word<'_>> = None;
    // Where the word before the last pid-shaped word ends.
    let (mut prev_end, mut last_gap) = (0, 0);
    for (i, w) in words(line).enumerate() {
        let column = is_cpu_word(w.text) || is_time_word(w.text);
        if column || w.text.ends_with(':') {
            if let Some((li, lw)) = last {
                return match before_last {
                    Some((bi, bw)) if !column && bi + 1 == li && li + 1 == i && !lw.text.contains('/') => Ok(bw),
                    // One number right before the event, no time or CPU
                    // column (`-F comm,period,event`): perf pads a period to
                    // 10 columns and a tid to 5, so a number as wide as 10
                    // with its padding is the period, and there is no tid.
                    _ if !column && before_last.is_none() && li + 1 == i && i > 1 && period_width(lw, last_gap) => {
                        Err(Some(lw.start))
                    }
                    _ => Ok(lw),
                };
            }
            return match first {
                Some(f) if column && i == 1 && is_pid_word(f.text) => Ok(f),
                _ if column && i > 0 => Err(Some(w.start)),
                _ => Err(None),
            };
        }
        if i == 0 {
            first = Some(w);
        } else if is_pid_word(w.text) {
            before_last = last;
            last = Some((i, w));
            last_gap = w.start - prev_end;
        }
        prev_end = w.end;
    }
    // No field after the number: inferno's rule, which needs a space after it.
    words(line)
        .enumerate()
        .find(|(i, w)| *i > 0 && is_pid_word(w.text) && w.end < line.len())
        .map(|(_, w)| w)
        .ok_or(None)
}

/// Whether the number `w`, `gap` spaces after the word before it, fills
/// perf's period column (`%10` after one separating space), which a tid
/// (`%5`) does not.
fn period_width(w: Word<'_>, gap: usize) -> bool {
    !w.text.contains('/') && gap >= 1 && gap - 1 + w.text.len() >= 10
}

/// The first word of `s` (spaces before it skipped) and what follows it.
fn next_word(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start_matches(' ');
    let end = memchr::memchr(b' ', s.as_bytes()).unwrap_or(s.len());
    (end > 0).then(|| (&s[..end], &s[end..]))
}

/// perf's `misc` column (`perf script -F +misc`): the CPU mode and record
/// flags as letters (`K`, `U`, `KUH`, `S`, `Sp` ...), padded to 6 columns.
fn is_misc_word(w: &str) -> bool {
    (1..=6).contains(&w.len()) && w.bytes().all(|b| b"KUHGgMESp".contains(&b))
}

/// perf's `tod` column (`perf script -F +tod`): the wall-clock time of the
/// sample as `YYYY-MM-DD HH:MM:SS.ffffff`, two words.
fn is_tod(date: &str, time: &str) -> bool {
    let shape = |s: &str, pattern: &[u8]| {
        s.len() >= pattern.len()
            && s.bytes().zip(pattern).all(|(b, &p)| if p == b'0' { b.is_ascii_digit() } else { b == p })
    };
    date.len() == 10 && shape(date, b"0000-00-00") && shape(time, b"00:00:00")
}

/// `12345.678901` as ns, exactly (no f64). `None` when not a timestamp.
pub(crate) fn parse_time_ns(s: &str) -> Option<u64> {
    let (secs, frac) = s.split_once('.')?;
    if secs.is_empty() || frac.is_empty() || frac.len() > 9 {
        return None;
    }
    if !secs.bytes().all(|c| c.is_ascii_digit()) || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let secs: u64 = secs.parse().ok()?;
    let mut frac_ns: u64 = frac.parse().ok()?;
    for _ in frac.len()..9 {
        frac_ns *= 10;
    }
    secs.checked_mul(1_000_000_000)?.checked_add(frac_ns)
}

/// Parses a header line (already trimmed at the end). `None` when the line
/// has no pid-shaped word followed by more fields.
pub(crate) fn parse(line: &str) -> Option<Header<'_>> {
    let (comm, pid, tid, rest) = match find_pid(line) {
        Ok(w) => {
            let (pid, tid) = match w.text.split_once('/') {
                Some((p, t)) => (Some(p), t),
                None => (None, w.text),
            };
            (line[..w.start].trim(), pid, tid, line.get(w.end + 1..).unwrap_or(""))
        }
        // A time or CPU column with no number before it: the command alone.
        Err(Some(at)) => (line[..at].trim(), None, "", &line[at..]),
        Err(None) => return None,
    };
    let mut header = Header {
        comm,
        pid,
        tid,
        time_ns: None,
        period: None,
        period_overflow: None,
        event: None,
        event_colon: false,
        inline_frame: None,
        cpu: None,
        payload: None,
        record: None,
    };
    if !rest.contains(':') {
        return Some(header);
    }
    // The columns before the event, each optional: `[cpu]`, misc letters,
    // time of day, `time:` (without a time column, `period event` follow).
    let mut after = rest;
    let mut first = next_word(after);
    if let Some((w, r)) = first
        && is_cpu_word(w)
    {
        header.cpu = w[1..w.len() - 1].parse().ok();
        after = r;
        first = next_word(after);
    }
    if let Some((m, r)) = first
        && is_misc_word(m)
        && next_word(r).is_some()
    {
        after = r;
        first = next_word(after);
    }
    if let Some((d, r)) = first
        && d.len() == 10
        && let Some((t, r2)) = next_word(r)
        && is_tod(d, t)
    {
        after = r2;
        first = next_word(after);
    }
    if let Some((w, r)) = first
        && is_time_word(w)
    {
        header.time_ns = parse_time_ns(&w[..w.len() - 1]);
        after = r;
    }
    if let Some(at) = memchr::memmem::find(after.as_bytes(), b"PERF_RECORD_")
        && after[..at].trim().is_empty()
    {
        header.record = Some(after[at..].trim_end());
        return Some(header);
    }
    let (period_event, post) = match event_end(after) {
        Some(c) => (&after[..c], Some(&after[c + 1..])),
        None => (after, None),
    };
    header.event_colon = post.is_some();
    let mut tokens = period_event.split_whitespace().rev();
    let event = tokens.next().map_or("", strip_modifiers);
    // Every event name has a letter (`cpu-clock`, `r003c`, `sched:...`): a
    // number there is a column this parser does not know.
    if !event.is_empty() && !event.bytes().any(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    header.event = Some(event);
    let period = tokens.next();
    header.period = period.and_then(|p| p.parse::<u64>().ok());
    header.period_overflow = period.filter(|p| header.period.is_none() && p.bytes().all(|b| b.is_ascii_digit()));
    // After `event:` comes a tracepoint's payload or, without -g, the one frame.
    if let Some(post) = post.map(str::trim).filter(|p| !p.is_empty()) {
        if is_tracepoint(event) {
            header.payload = Some(post);
        } else {
            header.inline_frame = Some(sampled_frame(post)).filter(|f| !f.is_empty());
        }
    }
    Some(header)
}

/// The sampled frame among what follows the event on a header line: perf
/// prints a sample's data address first when it has one (`-F +addr`,
/// `perf record -d`, memory events: `addr [sym (dso)]`), then the frame
/// (`ip sym (dso)`), then the instruction (`-F +insnlen,+insn`: ` ilen: 3
/// insn: 48 89 e7`). With -g the frames are on the lines below, so what is
/// left here is the data address alone (the caller sees the call chain
/// come and drops it).
fn sampled_frame(post: &str) -> &str {
    let b = post.as_bytes();
    let hex = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_hexdigit());
    // Most often the frame alone: one `)`, at the end (its DSO), and a
    // symbol after the address.
    if b.last() == Some(&b')')
        && memchr::memchr(b')', &b[..b.len() - 1]).is_none()
        && !post.split_once(' ').is_some_and(|(_, r)| r.trim_start().split(' ').next().is_some_and(hex))
    {
        return post;
    }
    // ` ilen: N` and ` insn: ..` after the frame (its DSO ends in `)` when printed).
    let cut = if b.last() == Some(&b')') {
        b.len()
    } else {
        memchr::memmem::find(b, b" ilen: ")
            .into_iter()
            .chain(memchr::memmem::find(b, b" insn:"))
            .min()
            .unwrap_or(b.len())
    };
    let text = post[..cut].trim_end();
    // `addr sym (dso) ip sym (dso)`: the frame after the first `) ` that a
    // hex address follows.
    for i in memchr::memchr_iter(b')', text.as_bytes()) {
        let Some(rest) = text[i + 1..].strip_prefix(' ') else { continue };
        let rest = rest.trim_start();
        if rest.split(' ').next().is_some_and(hex) && rest.contains(' ') {
            return rest;
        }
    }
    // `addr ip sym (dso)`: a data address without a symbol.
    match text.split_once(' ') {
        Some((a, rest))
            if hex(a)
                && rest
                    .split_once(' ')
                    .is_some_and(|(ip, sym)| hex(ip) && !sym.is_empty() && !sym.starts_with('(')) =>
        {
            rest.trim_start()
        }
        _ => text,
    }
}

/// True when `t` (a line inside a sample) is instead the header of the next
/// sample: a header with a time or CPU (samples without call chain have no
/// blank line after them). perf pads the command name to 16 columns when
/// the event has no call chain, so such a header may start with spaces;
/// frame lines start with a tab.
pub(crate) fn starts_sample(t: &str) -> bool {
    indented(t).is_some_and(|h| has_time_or_cpu(&h))
}

/// `t` parsed as a header, left spaces aside (see [`starts_sample`]).
pub(crate) fn indented(t: &str) -> Option<Header<'_>> {
    if t.starts_with('\t') || t.starts_with('#') {
        return None;
    }
    let t = t.trim_start_matches(' ');
    if t.starts_with(char::is_whitespace) {
        return None;
    }
    parse(t)
}

/// A sample header (or a record) with a time or CPU column.
pub(crate) fn has_time_or_cpu(h: &Header<'_>) -> bool {
    (h.event.is_some_and(|e| !e.is_empty()) || h.record.is_some()) && (h.time_ns.is_some() || h.cpu.is_some())
}

/// True when an indented line may be a sample header rather than a frame
/// (see [`starts_sample`]), checked only on what a header has and a frame
/// line rarely does: a lone colon (`2832.514448:`, `cpu-clock:`; C++ and
/// Rust paths have theirs in pairs). Cheap, so frame lines keep their fast
/// path.
pub(crate) fn may_start_sample(line: &[u8]) -> bool {
    line.first() == Some(&b' ')
        && memchr::memchr_iter(b':', line)
            .any(|i| (i == 0 || line[i - 1] != b':') && line.get(i + 1).is_none_or(|&b| b != b':'))
}

/// What a `perf script --header` event line says about one event's sample
/// period: `# event : name = cycles:u, , id = { 5, 6 }, ..., { sample_period,
/// sample_freq } = 100000, sample_type = IP|TID|..., freq = 1, ...`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EventAttr<'a> {
    /// The event name without modifiers (`cycles` of `cycles:u`), as
    /// sample headers name it.
    pub name: &'a str,
    /// The fixed sample period (`perf record -c N`, and tracepoints);
    /// `None` when the event was sampled at a frequency (`freq = 1`: each
    /// sample had its own period) or the line gives no period (perf before
    /// 4.x printed none).
    pub period: Option<u64>,
}

/// Parses the text after `#` of a header comment line; `None` unless it is
/// an `event :` line with a name.
pub(crate) fn parse_event_attr(comment: &str) -> Option<EventAttr<'_>> {
    let rest = comment.trim_start().strip_prefix("event")?.trim_start().strip_prefix(':')?;
    let after = |key: &str| -> Option<&str> {
        let at = rest.find(key)?;
        Some(&rest[at + key.len()..])
    };
    let digits = |s: &str| -> Option<u64> {
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        s[..end].parse().ok()
    };
    let name_text = after("name = ")?;
    let name = name_text[..name_text.find(", ").unwrap_or(name_text.len())].trim();
    let name = name.split(':').next().unwrap_or(name);
    if name.is_empty() {
        return None;
    }
    // perf prints the attr's period/frequency union under both names, and
    // `freq = 1` when it holds a frequency (fields that are 0 are not printed).
    let union = after("{ sample_period, sample_freq } = ").or_else(|| after(", sample_period = ")).and_then(digits);
    let freq = after(", freq = ").and_then(digits).is_some_and(|f| f != 0) || after(", sample_freq = ").is_some();
    Some(EventAttr { name, period: union.filter(|&p| p > 0 && !freq) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_event_attr_lines() {
        // perf 6.1, `perf record -e cpu-clock -c 500000`.
        let fixed = " event : name = cpu-clock, , id = { 19, 20 }, type = 1, size = 128, { sample_period, sample_freq } = 500000, sample_type = IP|TID|TIME|CALLCHAIN|ID, read_format = ID|LOST, disabled = 1";
        assert_eq!(parse_event_attr(fixed), Some(EventAttr { name: "cpu-clock", period: Some(500_000) }));
        // `-F 999`: a frequency, not a period.
        let freq = " event : name = cpu-clock, , id = { 30, 31 }, type = 1, size = 128, { sample_period, sample_freq } = 999, sample_type = IP|TID|TIME|CALLCHAIN|PERIOD, read_format = ID|LOST, disabled = 1, inherit = 1, mmap = 1, comm = 1, freq = 1, enable_on_exec = 1";
        assert_eq!(parse_event_attr(freq), Some(EventAttr { name: "cpu-clock", period: None }));
        // perf 3.13 printed no period; modifiers are not part of the name.
        let old = " event : name = cycles:u, type = 1, config = 0x0, config1 = 0x0, excl_usr = 0";
        assert_eq!(parse_event_attr(old), Some(EventAttr { name: "cycles", period: None }));
        let pmu = " event : name = cpu/event=0x3c,umask=0x0/, , sample_period = 7, disabled = 1";
        assert_eq!(parse_event_attr(pmu), Some(EventAttr { name: "cpu/event=0x3c,umask=0x0/", period: Some(7) }));
        assert_eq!(parse_event_attr(" cmdline : /usr/bin/perf record -c 5"), None);
        assert_eq!(parse_event_attr(" event : name = , id = 1"), None);
    }

    #[test]
    fn parses_header_shapes() {
        let h = parse("perf_shop 24058/24061 [001]   883.880134:    1001001 cpu-clock:").unwrap_or_else(|| panic!());
        assert_eq!((h.comm, h.pid, h.tid), ("perf_shop", Some("24058"), "24061"));
        assert_eq!((h.time_ns, h.period, h.event), (Some(883_880_134_000), Some(1_001_001), Some("cpu-clock")));
        let h = parse("io worker 24067   886.096151:    1001001  cpu-clock: ").unwrap_or_else(|| panic!());
        assert_eq!((h.comm, h.pid, h.tid, h.period), ("io worker", None, "24067", Some(1_001_001)));
        let h = parse("Worker 2 1234/1235 [000] 5.5: 7 cycles:uppp:").unwrap_or_else(|| panic!());
        assert_eq!(
            (h.comm, h.pid, h.tid, h.event, h.inline_frame),
            ("Worker 2", Some("1234"), "1235", Some("cycles"), None)
        );
        let h = parse("java 19983 cycles:").unwrap_or_else(|| panic!());
        assert_eq!((h.comm, h.tid, h.event, h.time_ns), ("java", "19983", Some("cycles"), None));
        let h = parse("false 64414 20110.539270:      34467 cycles:u:  ffffffff9aa3c8de [unknown] ([unknown])")
            .unwrap_or_else(|| panic!());
        assert_eq!(h.inline_frame, Some("ffffffff9aa3c8de [unknown] ([unknown])"));
        let h = parse("swapper     0 [001]  1333.768770: cpu-clock: ").unwrap_or_else(|| panic!());
        assert_eq!((h.comm, h.tid, h.period, h.event), ("swapper", "0", None, Some("cpu-clock")));
        assert_eq!(parse("a;b;c 10"), None);
        // `-F +misc`, `-F +tod`, `-F -comm`, `-F -tid`.
        let h = parse("prog 12636 KUH   12351.901593:     500000 cpu-clock: ").unwrap_or_else(|| panic!());
        assert_eq!((h.tid, h.time_ns, h.event), ("12636", Some(12_351_901_593_000), Some("cpu-clock")));
        let h = parse("prog 12876 [001] Sp    2026-12-04 19:47:11.028341 12395.527875:    1000000 cpu-clock: ")
            .unwrap_or_else(|| panic!());
        assert_eq!((h.cpu, h.time_ns, h.period), (Some(1), Some(12_395_527_875_000), Some(1_000_000)));
        let h = parse("  12636 12351.901593:     500000 cpu-clock: ").unwrap_or_else(|| panic!());
        assert_eq!((h.comm, h.tid, h.period), ("", "12636", Some(500_000)));
        let h = parse("prog 12351.901593:     500000 cpu-clock: ").unwrap_or_else(|| panic!());
        assert_eq!((h.comm, h.pid, h.tid, h.period), ("prog", None, "", Some(500_000)));
        // A data address before the frame, an instruction after it.
        let h = parse("prog 1 5.5: 1 page-faults:  55ca578dc038 __TMC_END__+0x0 (/tmp/pv/prog) ffffffff8177c8da elf_load+0x28a ([kernel.kallsyms]) ilen: 3 insn: 48 89 e7").unwrap_or_else(|| panic!());
        assert_eq!(h.inline_frame, Some("ffffffff8177c8da elf_load+0x28a ([kernel.kallsyms])"));
        let h = parse("prog 1 5.5: 1 page-faults:  55ca578dc038 7f00 main+0x1 (/bin/p)").unwrap_or_else(|| panic!());
        assert_eq!(h.inline_frame, Some("7f00 main+0x1 (/bin/p)"));
        let h = parse("prog 1 5.5: 1 cycles:  7f00 add (/bin/p)").unwrap_or_else(|| panic!());
        assert_eq!(h.inline_frame, Some("7f00 add (/bin/p)"));
        let h = parse("prog 1 5.5: 1 cycles:  7f00 operator() (anonymous namespace)::f (/bin/p)")
            .unwrap_or_else(|| panic!());
        assert_eq!(h.inline_frame, Some("7f00 operator() (anonymous namespace)::f (/bin/p)"));
        // A number where the event goes is a column not known here.
        assert_eq!(parse("prog 12636 X 12351.901593:"), None);
        assert_eq!(parse_time_ns("1.5"), Some(1_500_000_000));
    }
}
