//! Formats Firesight recognises but does not read (yet): Valgrind's
//! callgrind, cachegrind and massif files, JFR recordings, strace output,
//! speedscope and Chrome trace JSON, V8 `.cpuprofile`, `perf.data` and a few
//! more. The sniffer asks here before it guesses folded stacks, so such a
//! file is refused with its name instead of being drawn as noise.
//!
//! A future loader takes a format over by adding a [`crate::load::Format`]
//! variant and returning it from `sniff` where [`binary`], [`text`] or
//! [`json`] names the format today; the detection stays here.

use crate::load::Format;
use crate::load::error::LoadError;

/// A format that is recognised but not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Known {
    /// Valgrind callgrind (`callgrind.out.PID`).
    Callgrind,
    /// Valgrind cachegrind (`cachegrind.out.PID`).
    Cachegrind,
    /// Valgrind massif (`massif.out.PID`).
    Massif,
    /// Valgrind DHAT JSON (`dhat.out.PID`).
    Dhat,
    /// Java Flight Recorder (`.jfr`).
    Jfr,
    /// strace output (a system call trace).
    Strace,
    /// `strace -c` summary table.
    StraceSummary,
    /// speedscope JSON.
    Speedscope,
    /// Chrome trace-event JSON (viztracer, Node `--trace-events`, Perfetto's JSON export).
    ChromeTrace,
    /// V8 / Chrome DevTools `.cpuprofile`.
    CpuProfile,
    /// V8 / Chrome DevTools sampling heap profile (`.heapprofile`).
    HeapProfile,
    /// A `perf.data` recording.
    PerfData,
    /// `perf report --stdio` text.
    PerfReport,
    /// Go's legacy text profiles (`heap profile: ...`, `--- contention:`).
    GoLegacyText,
    /// A `go tool pprof` text report (`-top`, `-traces`, `-tree`).
    PprofReport,
    /// gprof's `gmon.out`.
    GmonOut,
    /// gprof's text report.
    GprofReport,
    /// .NET `dotnet-trace` nettrace.
    Nettrace,
    /// An ELF executable or library.
    Elf,
    /// Data compressed with something other than gzip.
    Compressed(&'static str),
}

impl Known {
    /// What the file is, as the message says it: `a Valgrind callgrind profile`.
    pub fn what(self) -> String {
        match self {
            Self::Callgrind => "a Valgrind callgrind profile (callgrind.out)".into(),
            Self::Cachegrind => "a Valgrind cachegrind profile (cachegrind.out)".into(),
            Self::Massif => "a Valgrind massif heap profile (massif.out)".into(),
            Self::Dhat => "a Valgrind DHAT heap profile (dhat.out JSON)".into(),
            Self::Jfr => "a Java Flight Recorder recording (JFR)".into(),
            Self::Strace => "strace output (a system call trace)".into(),
            Self::StraceSummary => "an strace -c summary table".into(),
            Self::Speedscope => "a speedscope JSON profile".into(),
            Self::ChromeTrace => "a Chrome trace-event JSON file".into(),
            Self::CpuProfile => "a V8 / Chrome DevTools CPU profile (.cpuprofile)".into(),
            Self::HeapProfile => "a V8 / Chrome DevTools sampling heap profile (.heapprofile)".into(),
            Self::PerfData => "a binary perf.data recording".into(),
            Self::PerfReport => "perf report text output".into(),
            Self::GoLegacyText => {
                "a legacy pprof text profile (heapz, contentionz, threadz or Go's debug=1 text)".into()
            }
            Self::PprofReport => "a text report of go tool pprof (-top, -traces, -list ...)".into(),
            Self::GmonOut => "a gprof gmon.out file".into(),
            Self::GprofReport => "a gprof text report".into(),
            Self::Nettrace => "a .NET nettrace (dotnet-trace) file".into(),
            Self::Elf => "an ELF executable or library, not a profile".into(),
            Self::Compressed(c) => format!("{c}-compressed data"),
        }
    }

    /// The loader that reads this format, for the formats Firesight has
    /// taken over (speedscope, V8 `.cpuprofile`, Chrome trace, callgrind,
    /// massif); `None` for the rest, which are refused by [`Known::error`].
    pub fn read_as(self) -> Option<Format> {
        match self {
            Self::Speedscope => Some(Format::Speedscope),
            Self::CpuProfile => Some(Format::CpuProfile),
            Self::ChromeTrace => Some(Format::ChromeTrace),
            Self::Callgrind => Some(Format::Callgrind),
            Self::Massif => Some(Format::Massif),
            _ => None,
        }
    }

    /// What to do instead.
    fn advice(self) -> &'static str {
        match self {
            Self::Callgrind => "callgrind_annotate or KCachegrind read it",
            Self::Cachegrind => "cg_annotate reads it",
            Self::Massif => "ms_print or massif-visualizer read it",
            Self::Dhat => "Valgrind's dh_view.html reads it",
            Self::Jfr => "JDK Mission Control or `jfr print` read it; async-profiler's jfrconv converts it to pprof",
            Self::Strace | Self::StraceSummary => "record a profile instead (perf record -g, then perf script)",
            Self::Speedscope => "export folded stacks instead (py-spy: -f raw)",
            Self::ChromeTrace => "the Perfetto UI or speedscope read it",
            Self::CpuProfile | Self::HeapProfile => "Chrome DevTools or speedscope read it",
            Self::PerfData => "run `perf script -i perf.data > out.txt` and open the text",
            Self::PerfReport => "open the `perf script` output of the same perf.data instead",
            Self::GoLegacyText => {
                "convert it to profile.proto with `go tool pprof -proto FILE > out.pb.gz` and open that"
            }
            Self::PprofReport => "open the profile it was made from (the .pb.gz)",
            Self::GmonOut | Self::GprofReport => "gprof reads it",
            Self::Nettrace => "`dotnet-trace convert --format speedscope` or PerfView read it",
            Self::Elf => "open a profile recorded from it (perf script output, pprof, folded stacks)",
            Self::Compressed(_) => "decompress it first; Firesight undoes gzip only",
        }
    }

    /// The error for an input of this format.
    pub fn error(self) -> LoadError {
        let not_read = match self {
            Self::Elf | Self::Compressed(_) => "",
            Self::PprofReport | Self::PerfReport | Self::GprofReport | Self::StraceSummary => {
                ", a report made from the data rather than the data"
            }
            _ => ", which Firesight does not read yet",
        };
        LoadError::unsupported(format!("this is {}{not_read}; {}", self.what(), self.advice()))
    }
}

/// Formats told by their first bytes.
pub fn binary(head: &[u8]) -> Option<Known> {
    let magic: &[(&[u8], Known)] = &[
        (b"FLR\0", Known::Jfr),
        (b"PERFILE2", Known::PerfData),
        (b"PERFFILE", Known::PerfData),
        (b"\x7fELF", Known::Elf),
        (b"gmon", Known::GmonOut),
        (b"Nettrace", Known::Nettrace),
        (b"\x28\xb5\x2f\xfd", Known::Compressed("zstd")),
        (b"\xfd7zXZ\0", Known::Compressed("xz")),
        (b"\x04\x22\x4d\x18", Known::Compressed("LZ4")),
        (b"PK\x03\x04", Known::Compressed("zip")),
    ];
    if head.len() >= 4 && head.starts_with(b"BZh") && head[3].is_ascii_digit() {
        return Some(Known::Compressed("bzip2"));
    }
    magic.iter().find(|(m, _)| head.starts_with(m)).map(|&(_, k)| k)
}

/// Text formats told by their lines (`lines`: the first non-blank lines of
/// the head, comments included).
pub fn text(lines: &[&str]) -> Option<Known> {
    let any = |p: &dyn Fn(&str) -> bool| lines.iter().any(|l| p(l));
    let starts = |prefix: &'static str| move |l: &str| l.starts_with(prefix);
    let first = lines.first().map_or("", |l| l.trim_end());
    if first == "# callgrind format" || any(&starts("creator: callgrind")) {
        return Some(Known::Callgrind);
    }
    let events = any(&starts("events:"));
    if events && (any(&starts("calls=")) || any(&starts("cfn=")) || any(&starts("positions:"))) {
        return Some(Known::Callgrind);
    }
    if first == "# cachegrind format" || (events && (any(&starts("fl=")) || any(&starts("fn=")))) {
        return Some(Known::Cachegrind);
    }
    if any(&starts("time_unit:")) && (any(&starts("snapshot=")) || any(&starts("mem_heap_B="))) {
        return Some(Known::Massif);
    }
    // The legacy text shapes `go tool pprof` still reads (its
    // legacy_profile.go): heapz/growthz, contentionz, threadz and the Go
    // runtime's debug=1 text, the first line after any `#` comments.
    let go_legacy = [
        "heap profile:",
        "heap_v2/",
        "--- heapz",
        "--- contentionz",
        "--- contention:",
        "--- mutex:",
        "--- threadz",
        "goroutine profile: total",
        "threadcreate profile: total",
        "growth profile:",
    ];
    let first_data = lines.iter().find(|l| !l.starts_with('#')).map_or("", |l| l.trim());
    if go_legacy.iter().any(|p| first.starts_with(p) || first_data.starts_with(p)) {
        return Some(Known::GoLegacyText);
    }
    if any(&starts("Type: "))
        && any(&|l| {
            l.starts_with("Showing nodes accounting for")
                || l.starts_with("Showing top ")
                || l.starts_with("-----------+----")
        })
    {
        return Some(Known::PprofReport);
    }
    // `-list` and `-disasm`: `Total: N`, then a `ROUTINE ===` block per function.
    if first.starts_with("Total: ") && any(&starts("ROUTINE ======")) {
        return Some(Known::PprofReport);
    }
    if first.starts_with("Flat profile:") {
        return Some(Known::GprofReport);
    }
    if any(&|l| l.starts_with("# Overhead") || l.starts_with("# Children")) && any(&starts("# Samples:")) {
        return Some(Known::PerfReport);
    }
    if first.starts_with("% time") && first.contains("syscall") {
        return Some(Known::StraceSummary);
    }
    let n = lines.iter().filter(|l| !l.starts_with('#')).count();
    let strace = lines.iter().filter(|l| strace_line(l)).count();
    if n > 0 && strace * 2 > n {
        return Some(Known::Strace);
    }
    None
}

/// True for a line of strace output: `[PID] [TIME] name(args) = result`,
/// an unfinished or resumed call, a signal (`--- SIGCHLD {...} ---`), an
/// exit (`+++ exited with 0 +++`), or a `-k` stack line (` > /lib/...`).
fn strace_line(line: &str) -> bool {
    if line.starts_with(" > ") {
        return true;
    }
    // The pid, time and other columns before the call, as the loader reads them.
    let s = crate::load::strace::call_text(line);
    if s.starts_with("--- SIG") || s.starts_with("+++ ") || s.starts_with("<... ") {
        return true;
    }
    let name_len = s.bytes().take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_').count();
    if name_len == 0 || s.as_bytes().get(name_len) != Some(&b'(') {
        return false;
    }
    let rest = &s[name_len..];
    // strace pads the `= result` column with spaces.
    rest.split(')').skip(1).any(|after| after.trim_start().starts_with("= ")) || rest.contains("<unfinished ...>")
}

/// JSON formats told by their keys; `has(key)` is true when `"key"` occurs in the head.
pub fn json(has: &dyn Fn(&str) -> bool, text: &str) -> Option<Known> {
    if has("$schema") && text.contains("speedscope") {
        return Some(Known::Speedscope);
    }
    if has("traceEvents") || (has("ph") && has("ts") && (has("pid") || has("tid"))) {
        return Some(Known::ChromeTrace);
    }
    if has("callFrame") && has("functionName") && has("scriptId") {
        return Some(if has("selfSize") { Known::HeapProfile } else { Known::CpuProfile });
    }
    if has("dhatFileVersion") {
        return Some(Known::Dhat);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strace_lines() {
        assert!(strace_line("9219  16:43:18.690762 brk(NULL)         = 0x55ef1ca23000 <0.000008>"));
        assert!(strace_line("openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3"));
        assert!(strace_line("[pid  9220] futex(0x7f, FUTEX_WAIT_PRIVATE, 2, NULL <unfinished ...>"));
        assert!(strace_line("9220  +++ exited with 0 +++"));
        assert!(strace_line("[pid 10022] 20:08:30.583592 rseq(0x7f07d3f5afe0, 0x20, 0, 0x53053053 <unfinished ...>"));
        assert!(strace_line(
            "10188 20:08:36.467987 [  59] execve(\"./work.sh\", [\"./work.sh\"], 0x7ffd8dc31a90) = 0 <0.000190>"
        ));
        assert!(strace_line("10203 20:08:36.831570 [00007ff5a9081c47] brk(NULL) = 0x555656252000 <0.000007>"));
        assert!(strace_line("11204 1796414939.251271 (+     0.000419) brk(NULL) = 0x55652d0b8000 <0.000008>"));
        assert!(strace_line("     0.000419 brk(NULL) = 0x55652d0b8000"));
        assert!(!strace_line("main;parse(x) = 3 5"));
        assert!(!strace_line("main;foo;bar 12"));
    }
}
