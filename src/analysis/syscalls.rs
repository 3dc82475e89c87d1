//! The syscall table: per system call the calls, errors, total, average and
//! maximum time, its share of all syscall time and a latency histogram; per
//! file or socket when the trace names them.
//!
//! Two sources: an strace profile (one sample per call, weight = its `-T`
//! time, label `errno` when it failed, `path` with `-y`), and a perf profile
//! with `syscalls:sys_enter_NAME` / `syscalls:sys_exit_NAME` tracepoint
//! samples, paired per thread (an exit closes the same thread's latest
//! enter of the same call; its `ret` below 0 is an error). Imports `model`
//! only.

use std::collections::HashMap;

use crate::model::{LabelValue, MetricId, Profile};

/// Histogram buckets: bucket `k` holds calls of `[2^(k-1), 2^k)` µs, bucket 0
/// those under 1 µs; the last holds everything longer.
pub const BUCKETS: usize = 26;

/// One row: one system call.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyscallRow {
    /// The call's name (`read`, `futex`).
    pub name: String,
    /// Calls that returned.
    pub calls: u64,
    /// Calls that failed (an errno, or a negative return).
    pub errors: u64,
    /// Time in the call, summed, ns.
    pub total_ns: u64,
    /// Longest call, ns.
    pub max_ns: u64,
    /// Failures by errno name, most first (strace only).
    pub errnos: Vec<(String, u64)>,
    /// Latency histogram (see [`BUCKETS`]).
    pub histogram: [u64; BUCKETS],
    /// A file or socket's row: its calls by system call, most first (empty
    /// in a system call's row).
    pub by_syscall: Vec<(String, u64)>,
}

impl SyscallRow {
    /// Average time per call, ns (0 without calls).
    pub fn avg_ns(&self) -> u64 {
        self.total_ns.checked_div(self.calls).unwrap_or(0)
    }

    /// Share of `all` ns, 0..=1.
    pub fn share(&self, all: u64) -> f64 {
        if all == 0 { 0.0 } else { self.total_ns as f64 / all as f64 }
    }

    /// Counts one call of `syscall` in a file's row.
    fn add_syscall(&mut self, syscall: &str) {
        match self.by_syscall.iter_mut().find(|(n, _)| n == syscall) {
            Some(x) => x.1 += 1,
            None => self.by_syscall.push((syscall.to_string(), 1)),
        }
    }

    fn add(&mut self, ns: u64, errno: Option<&str>, failed: bool) {
        self.calls += 1;
        self.total_ns = self.total_ns.saturating_add(ns);
        self.max_ns = self.max_ns.max(ns);
        self.histogram[bucket(ns)] += 1;
        if failed || errno.is_some() {
            self.errors += 1;
        }
        if let Some(e) = errno {
            match self.errnos.iter_mut().find(|(n, _)| n == e) {
                Some(x) => x.1 += 1,
                None => self.errnos.push((e.to_string(), 1)),
            }
        }
    }
}

/// The histogram bucket of a call of `ns`.
pub fn bucket(ns: u64) -> usize {
    let us = ns / 1000;
    ((64 - us.leading_zeros()) as usize).min(BUCKETS - 1)
}

/// The upper bound of bucket `k` in ns (`None` for the last, open bucket).
pub fn bucket_upper_ns(k: usize) -> Option<u64> {
    (k + 1 < BUCKETS).then(|| 1000u64 << k)
}

/// Where the table came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// strace `-T` times.
    Strace,
    /// perf `syscalls:sys_enter_*` / `sys_exit_*` pairs.
    PerfTracepoints,
}

/// The table.
#[derive(Clone, Debug, PartialEq)]
pub struct SyscallTable {
    /// Where it came from.
    pub source: Source,
    /// One row per call, most total time first (then by name).
    pub rows: Vec<SyscallRow>,
    /// Rows per file or socket (`-y`: the file descriptor a call's first
    /// argument names), the row's `name` the path as strace writes it
    /// (`/tmp/x`, `pipe:[718912]`, `UNIX:[774668->774669]`,
    /// `/dev/null<char 1:3>`), most total time first.
    pub files: Vec<SyscallRow>,
    /// perf: exits without an enter before them on their thread.
    pub unpaired_exits: u64,
    /// perf: enters never followed by their exit.
    pub unpaired_enters: u64,
}

impl SyscallTable {
    /// All syscall time, ns.
    pub fn total_ns(&self) -> u64 {
        self.rows.iter().map(|r| r.total_ns).fold(0, u64::saturating_add)
    }

    /// All calls.
    pub fn calls(&self) -> u64 {
        self.rows.iter().map(|r| r.calls).sum()
    }

    /// All failed calls.
    pub fn errors(&self) -> u64 {
        self.rows.iter().map(|r| r.errors).sum()
    }
}

fn sorted(map: HashMap<String, SyscallRow>) -> Vec<SyscallRow> {
    let mut v: Vec<SyscallRow> = map.into_values().collect();
    for r in &mut v {
        r.errnos.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        r.by_syscall.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    v.sort_by(|a, b| b.total_ns.cmp(&a.total_ns).then(b.calls.cmp(&a.calls)).then(a.name.cmp(&b.name)));
    v
}

/// The syscall table of `p`, when it holds system calls (an strace file, or
/// perf syscalls tracepoints); `None` otherwise.
pub fn syscall_table(p: &Profile) -> Option<SyscallTable> {
    if p.format == "strace" {
        return Some(from_strace(p));
    }
    from_perf(p)
}

fn label_str<'a>(p: &'a Profile, i: usize, key: &str) -> Option<&'a str> {
    p.labels(i).iter().find(|l| l.key == key).and_then(|l| match &l.value {
        LabelValue::Str(s) => Some(s.as_str()),
        LabelValue::Num { .. } => None,
    })
}

fn from_strace(p: &Profile) -> SyscallTable {
    let time = p.metric_by_name("syscall time").unwrap_or(MetricId(0));
    let mut rows: HashMap<String, SyscallRow> = HashMap::new();
    let mut files: HashMap<String, SyscallRow> = HashMap::new();
    for i in 0..p.samples.len() {
        let Some(stack) = p.samples.stacks[i] else { continue };
        let name = p.frames.name(p.stacks.frame(stack));
        let ns = u64::try_from(p.weight(i, time).max(0)).unwrap_or(u64::MAX);
        let errno = label_str(p, i, "errno");
        rows.entry(name.to_string())
            .or_insert_with(|| SyscallRow { name: name.to_string(), ..SyscallRow::default() })
            .add(ns, errno, false);
        if let Some(path) = label_str(p, i, "path") {
            let row = files
                .entry(path.to_string())
                .or_insert_with(|| SyscallRow { name: path.to_string(), ..SyscallRow::default() });
            row.add(ns, errno, false);
            row.add_syscall(name);
        }
    }
    SyscallTable {
        source: Source::Strace,
        rows: sorted(rows),
        files: sorted(files),
        unpaired_exits: 0,
        unpaired_enters: 0,
    }
}

/// `sys_enter_read` -> (true, "read").
fn tracepoint(name: &str) -> Option<(bool, &str)> {
    let name = name.strip_prefix("syscalls:")?;
    let name = name.strip_suffix(" samples").unwrap_or(name);
    if let Some(n) = name.strip_prefix("sys_enter_") {
        return Some((true, n));
    }
    name.strip_prefix("sys_exit_").map(|n| (false, n))
}

/// A `ret` payload value below 0 (`-11`, or perf's hex `0xfffffffffffffff5`).
fn negative(p: &Profile, i: usize) -> bool {
    p.labels(i).iter().find(|l| l.key == "ret").is_some_and(|l| match &l.value {
        LabelValue::Num { value, .. } => *value < 0,
        LabelValue::Str(s) => s
            .strip_prefix("0x")
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .is_some_and(|v| (v as i64) < 0 && (v as i64) > -4096),
    })
}

fn from_perf(p: &Profile) -> Option<SyscallTable> {
    let events: Vec<Option<(bool, &str)>> = p.metrics.iter().map(|m| tracepoint(&m.name)).collect();
    if events.iter().all(Option::is_none) {
        return None;
    }
    let nm = p.metrics.len();
    let mut open: HashMap<(u32, &str), u64> = HashMap::new();
    let mut rows: HashMap<String, SyscallRow> = HashMap::new();
    let (mut unpaired_exits, mut seen) = (0u64, 0u64);
    for i in 0..p.samples.len() {
        let Some(m) = (0..nm).find(|&m| events[m].is_some() && p.weight(i, MetricId::from_index(m)) != 0) else {
            continue;
        };
        let Some((enter, name)) = events[m] else { continue };
        let (Some(t), Some(th)) = (p.samples.time_ns(i), p.samples.thread(i)) else { continue };
        let tid = p.threads.get(th.index()).and_then(|t| t.tid).unwrap_or(u32::MAX);
        seen += 1;
        if enter {
            open.insert((tid, name), t);
        } else if let Some(start) = open.remove(&(tid, name)) {
            rows.entry(name.to_string())
                .or_insert_with(|| SyscallRow { name: name.to_string(), ..SyscallRow::default() })
                .add(t.saturating_sub(start), None, negative(p, i));
        } else {
            unpaired_exits += 1;
        }
    }
    if seen == 0 {
        return None;
    }
    Some(SyscallTable {
        source: Source::PerfTracepoints,
        rows: sorted(rows),
        files: Vec::new(),
        unpaired_exits,
        unpaired_enters: open.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_powers_of_two_microseconds() {
        assert_eq!(bucket(999), 0);
        assert_eq!(bucket(1000), 1);
        assert_eq!(bucket(1999), 1);
        assert_eq!(bucket(2000), 2);
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
        assert_eq!(bucket_upper_ns(0), Some(1000));
        assert_eq!(bucket_upper_ns(BUCKETS - 1), None);
        assert_eq!(tracepoint("syscalls:sys_enter_read"), Some((true, "read")));
        assert_eq!(tracepoint("syscalls:sys_exit_read samples"), Some((false, "read")));
        assert_eq!(tracepoint("sched:sched_switch"), None);
    }
}
