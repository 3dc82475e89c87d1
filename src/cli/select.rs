//! `--from SECONDS --to SECONDS --thread TID` (flattened into
//! [`super::SelectArgs`]) and `--pid PID` (in [`super::LoadArgs`], beside
//! inferno's bare `--pid`): which samples of a profile by time, from its
//! first sample, and by thread or process. Turned into a [`SampleFilter`]
//! through [`firesight::analysis::timeline`], with a clear error when the
//! file has no timestamps or no thread has the ids asked for.

use std::str::FromStr;

use anyhow::Result;
use clap::Args;

use firesight::analysis::timeline::{relative_range_ns, threads_matching};
use firesight::model::{Profile, SampleFilter};

use super::{LoadArgs, SelectArgs, UsageError, filter};

/// Which samples by time and thread.
#[derive(Debug, Args, Clone, Default)]
pub struct RangeArgs {
    /// Only samples at or after this many seconds from the first sample
    /// (files with timestamps: perf script). Default: from the start.
    #[arg(long, value_name = "SECONDS")]
    pub from: Option<f64>,
    /// Only samples before this many seconds from the first sample.
    /// Default: to the last sample.
    #[arg(long, value_name = "SECONDS")]
    pub to: Option<f64>,
    /// Only samples of this thread id (repeatable: any of them). Default: every thread.
    #[arg(long = "thread", value_name = "TID")]
    pub threads: Vec<u32>,
}

impl RangeArgs {
    /// True when a time range or thread is asked for.
    pub fn is_set(&self) -> bool {
        self.from.is_some() || self.to.is_some() || !self.threads.is_empty()
    }
}

/// `--pid` as given: bare (inferno's "append the pid to the process
/// name") or with a process id (only that process's samples).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PidArg {
    /// `--pid` with no value.
    Bare,
    /// `--pid 1234`.
    Pid(u32),
}

impl FromStr for PidArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Ok(Self::Bare);
        }
        s.parse::<u32>().map(Self::Pid).map_err(|_| {
            "expected a process id (a number); to append pids to names as inferno's --pid does, put --pid after \
             the file or last"
                .to_string()
        })
    }
}

/// The pids `--pid PID` asks for.
pub fn pids(load: &LoadArgs) -> Vec<u32> {
    load.pid.iter().filter_map(|p| if let PidArg::Pid(n) = p { Some(*n) } else { None }).collect()
}

/// The sample filter of `select` (labels) narrowed by `--from/--to`,
/// `--thread` and `--pid PID` for profile `p`.
pub fn sample_filter(p: &Profile, select: &SelectArgs, load: &LoadArgs) -> Result<SampleFilter> {
    let mut f = filter(select)?;
    let r = &select.range;
    if r.from.is_some() || r.to.is_some() {
        // massif may count time in instructions or bytes allocated: seconds
        // mean nothing there.
        if let Some(u) = firesight::analysis::heap_series::untimed_unit(p) {
            return Err(UsageError(format!(
                "--from and --to take seconds, but this file counts time in {u} (massif's time_unit); \
                 record with valgrind --tool=massif --time-unit=ms for a timeline in seconds"
            ))
            .into());
        }
        f.time_range_ns = Some(relative_range_ns(p, r.from, r.to).map_err(|e| UsageError(e.to_string()))?);
    }
    let pids = pids(load);
    if !r.threads.is_empty() || !pids.is_empty() {
        f.threads = threads_matching(p, &r.threads, &pids).map_err(|e| UsageError(e.to_string()))?;
        // A tid is only unique within its process (Chrome traces number
        // threads per process): say when one names threads of several.
        if pids.is_empty() {
            for &tid in &r.threads {
                let mut in_pids: Vec<u32> = f
                    .threads
                    .iter()
                    .filter_map(|&t| p.threads.get(t.index()))
                    .filter(|t| t.tid == Some(tid))
                    .filter_map(|t| t.pid)
                    .collect();
                in_pids.sort_unstable();
                in_pids.dedup();
                if in_pids.len() > 1 {
                    let list: Vec<String> = in_pids.iter().map(u32::to_string).collect();
                    eprintln!(
                        "note: --thread {tid} is a thread of {} processes (pid {}): all are kept; add --pid to pick one",
                        in_pids.len(),
                        list.join(", ")
                    );
                }
            }
        }
    }
    Ok(f)
}

/// Refuses `--from/--to/--thread/--pid PID` for a command that compares
/// several files (`diff`, `growth`): times and thread ids belong to one
/// profile.
pub fn refuse_for_series(select: &SelectArgs, load: &LoadArgs, command: &str) -> Result<()> {
    if select.range.is_set() || !pids(load).is_empty() {
        return Err(UsageError(format!(
            "--from, --to, --thread and --pid PID select samples of one profile; {command} compares files \
             whose times and thread ids differ. Cut each file first (firesight fold FILE --from .. --to ..) \
             and compare the folded files"
        ))
        .into());
    }
    Ok(())
}
