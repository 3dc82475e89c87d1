//! `perf.data` read directly, without `perf script`: samples with their
//! call chains, every event its own metric, threads and their names,
//! timestamps and context switches, symbolised from the files on this
//! machine.
//!
//! - `read`: one pass over the file (or a `perf record -o -` stream):
//!   header and attributes (`layout`), records (`records`) replayed in
//!   time order into `state` (comm, mmap, fork and exit keep each
//!   thread's name and each process's mappings; samples become stacks of
//!   locations: module + file offset, kernel address).
//! - `build`: symbolises each module on worker threads (`symbols`:
//!   ELF symbol tables as perf reads them, DWARF for inlined functions;
//!   `kallsyms` for the kernel), then names frames as `perf script`
//!   folded by inferno would (the root is the command name), so `fold` of
//!   a perf.data equals `fold` of its `perf script` wherever perf resolves
//!   the symbol. An address no symbol covers is `module+0xOFFSET` (with
//!   one warning per module whose file is missing); one no mapping covers
//!   is `[unknown]`, as perf shows it.
//!
//! Samples recorded with `--call-graph dwarf` carry stack copies that
//! Firesight does not unwind: their user part is the leaf function only,
//! and a warning says so. zstd-compressed records (`perf record -z`) are
//! decoded (`zstd`, one stream across the records) and replayed like the
//! others. Every length read is checked against the
//! bytes there are; a file cut short fails with the byte offset.
//! Imports `model` and `load`'s plumbing only.

mod build;
mod kallsyms;
mod layout;
mod read;
mod records;
mod state;
mod stream;
mod symbols;
mod zstd;

use super::error::LoadError;
use super::source::Input;
use super::{PerfDataOptions, PerfOptions};
use crate::model::{Profile, ProfileBuilder};

/// Format name in errors and `Profile::format`.
pub const FORMAT: &str = "perf.data";

/// True when `head` starts like a perf.data file (`PERFILE2`, either byte order).
pub fn is_perf_data(head: &[u8]) -> bool {
    layout::is_magic(head)
}

/// Loads a perf.data file from `input`.
///
/// Errors: not a perf.data file; a length that runs past its record,
/// section or the file (byte offset given); attributes outside where perf
/// writes them; read errors and cancel; an `event_filter` naming no event.
pub fn load(input: &mut Input, perf: &PerfOptions, opts: &PerfDataOptions) -> Result<Profile, LoadError> {
    let progress = std::sync::Arc::clone(input.progress());
    let naming = state::RootNaming { pid: perf.include_pid, tid: perf.include_tid };
    let mut st = state::State::new(naming);
    let mut stream = stream::Stream::new(input);
    let r = read::read(&mut stream, &mut st, &opts.thread_files, &progress)?;
    st.set_build_ids(&r.features.build_ids);
    let mut b = ProfileBuilder::new(FORMAT);
    for (k, v) in &r.features.meta {
        b.meta(k, v.clone());
    }
    b.meta("records", r.records.to_string());
    for w in &r.warnings {
        b.warn(None, None, w.clone());
    }
    build::build(&st, &r.attrs, &r.features, perf, opts, &progress, b)
}
