//! Linux `perf script` text: samples with call chains, folded the way
//! `inferno-collapse-perf` folds them.
//!
//! Input: what `perf script` prints for a `perf record` (with or without
//! `-g`, any `-F` field set that keeps comm and pid or tid), optionally with
//! `--header` comment blocks. Each sample becomes a stack whose root frame is
//! the command name (`comm-PID`, `comm-PID/TID` with the options), then the
//! call chain root first; frame names follow inferno exactly (see
//! `frame`). Every event is its own metric (`cpu-clock`, `cycles` ...),
//! weighted by the period perf printed, else by the event's fixed period
//! that the `perf script --header` comment block gives (`perf record -c N`),
//! else by 1; the first event seen is the default metric, as inferno folds
//! only the first event unless told otherwise. An event with no period at
//! all counts samples, and its metric says so: `cycles samples` (just
//! `samples` when there is only one event).
//!
//! Where inferno (v0.12.8) is wrong we are right: a command name ending in a
//! number is not a pid; the period counts however perf pads the event
//! column; invalid UTF-8 is replaced and warned about; a file without call
//! chains gives one warning, not one per line. Lines we skip are warnings
//! with their line number. A file cut in the middle of its last line fails.
//! Other field sets load as perf prints them: a sample without a call chain
//! whose header perf indents (the command padded to 16 columns) and which
//! follows another with no blank line; a period with no time column (`comm
//! tid period event:`); frames without a DSO (`addr symbol`); the `misc`
//! and `tod` columns (`-F +misc`, `-F +tod`); no command (`-F -comm`) or
//! no thread id (`-F -tid`); a source line under a sample without call
//! chain (`-F +srcline`, no -g). A number where the event name goes is
//! refused as a header, not read as an event.
//!
//! Parsing runs on every core the process may use: the input is cut into
//! blocks at sample boundaries and parsed by worker threads, whose new
//! frames and stacks are merged in file order (see `parallel`). Imports
//! `model` and `load`'s plumbing only.

mod block;
/// Frame names as inferno gives them (the perf.data loader names its frames the same way).
pub(crate) mod frame;
mod header;
mod merge;
mod parallel;
mod payload;
mod srcline;
mod stacks;

use super::PerfOptions;
use super::error::{At, LoadError};
use super::source::Input;
use crate::model::Profile;

use block::Parser;
use merge::Merger;

/// Format name used in errors and warnings.
const FORMAT: &str = "perf script";

/// True when `line` is a source line of `perf script -F +srcline`
/// (`  prog.c:4`), for the format sniffer.
pub fn looks_like_srcline(line: &str) -> bool {
    srcline::looks_like_srcline(line)
}

/// True when `line` looks like a perf script sample header
/// (`comm pid [cpu] time: period event:`), for the format sniffer.
pub fn looks_like_header(line: &str) -> bool {
    header::parse(line.trim_end()).is_some_and(|h| h.event.is_some_and(|e| !e.is_empty()) || h.record.is_some())
}

/// Below this size a perf script parses on one thread (see [`load`]).
const SMALL_FILE: u64 = 16 << 20;

/// Loads perf script output from `input` with inferno's folding `opts`.
///
/// Errors: a read error or cancel; no sample in the file (empty, binary,
/// another format, or no sample of `opts.event_filter`); the last line cut
/// off in the middle (a truncated file).
pub fn load(input: &mut Input, opts: &PerfOptions) -> Result<Profile, LoadError> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    // A small file parses on one thread, and blocks shrink with the file:
    // the blocks in flight and a second parser's tables would otherwise be
    // most of a small load's memory, for a few milliseconds saved.
    let size = input.size_hint();
    let threads = if size.is_some_and(|s| s < SMALL_FILE) { 1 } else { cores };
    let block = size.map_or(parallel::BLOCK_BYTES, |s| {
        usize::try_from(s / 128).unwrap_or(usize::MAX).clamp(parallel::BLOCK_BYTES / 8, parallel::BLOCK_BYTES)
    });
    let merger = if threads > 1 { parallel::run(input, opts, threads, block)? } else { sequential(input, opts)? };
    merger.finish(opts)
}

/// Parses on the calling thread (one core).
fn sequential(input: &mut Input, opts: &PerfOptions) -> Result<Merger, LoadError> {
    let mut parser = Parser::new(opts);
    let mut merger = Merger::new(1);
    let mut lines = input.lines(FORMAT);
    let mut count: u64 = 0;
    while let Some(line) = lines.next_line()? {
        parser.line(line.bytes, line.number, line.offset);
        count += 1;
        if count.is_multiple_of(1 << 16) {
            merger.merge(0, parser.take());
        }
    }
    let unterminated = lines.last_line_unterminated();
    let last = lines.line_number();
    parser.finish();
    let delta = parser.take();
    let bad = delta.last_line_bad;
    merger.merge(0, delta);
    check_cut(unterminated && bad && merger.has_samples(), last)?;
    Ok(merger)
}

/// The error for a file whose last line is cut off (only once some sample
/// was read: a file of junk gets the clearer "no samples").
fn check_cut(cut: bool, line: u64) -> Result<(), LoadError> {
    if cut {
        return Err(LoadError::invalid(
            FORMAT,
            Some(At::Line(line)),
            "the input ends in the middle of a sample: the last line is neither a whole frame \
             (`addr symbol (dso)`) nor a whole header, and has no line end (truncated file?)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::source::Progress;

    fn open(path: &str) -> Input {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/perf").join(path);
        Input::open(&path, Progress::new(), 1 << 16, 1 << 30).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn parallel_blocks_give_the_sequential_model() {
        for file in
            ["generated/shop-c-two-events.perf.txt.gz", "perf-cycles-instructions-01.txt", "single-line-stacks.txt"]
        {
            let opts = PerfOptions { include_tid: true, ..PerfOptions::default() };
            let one =
                sequential(&mut open(file), &opts).and_then(|m| m.finish(&opts)).unwrap_or_else(|e| panic!("{e}"));
            for (threads, block) in [(1, 1 << 20), (3, 4096), (2, 64)] {
                // Small blocks also make the parsers forget their stacks often.
                let many = parallel::run(&mut open(file), &opts, threads, block)
                    .and_then(|m| m.finish(&opts))
                    .unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(crate::model::dump::dump(&one), crate::model::dump::dump(&many), "{file} {threads} {block}");
                assert_eq!(one.samples.times_ns, many.samples.times_ns);
                assert_eq!(one.threads, many.threads);
                assert_eq!(one.warnings, many.warnings);
            }
        }
    }

    #[test]
    fn the_parsers_flag_recursive_stacks_as_a_walk_of_the_stack_table_does() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/perf");
        let mut files: Vec<String> = ["", "generated"]
            .iter()
            .flat_map(|sub| std::fs::read_dir(dir.join(sub)).into_iter().flatten().flatten())
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with(".txt") || p.to_string_lossy().ends_with(".txt.gz"))
            .map(|p| p.strip_prefix(&dir).map(|p| p.display().to_string()).unwrap_or_default())
            .collect();
        files.sort();
        let mut recursive = 0;
        for file in &files {
            let opts = PerfOptions::default();
            for (threads, block) in [(1, 1 << 20), (3, 4096), (2, 64)] {
                let Ok(p) = parallel::run(&mut open(file), &opts, threads, block).and_then(|m| m.finish(&opts)) else {
                    continue;
                };
                assert!(p.stacks.recursion_is_known(), "{file}: the loader's flags were dropped");
                let walked = crate::model::stack::recursion_of(p.stacks.parents(), p.stacks.frames());
                assert_eq!(p.stacks.recursion(), walked, "{file} {threads} {block}");
                recursive += walked.iter().filter(|&&r| r).count();
            }
        }
        assert!(files.len() > 20 && recursive > 100, "{} files, {recursive} recursive stacks", files.len());
    }

    #[test]
    fn a_cut_file_fails_alike_on_one_thread_and_on_blocks() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/perf/perf-cycles-instructions-01.txt");
        let text = std::fs::read(&path).unwrap_or_default();
        // Cut in the middle of the last frame line of some sample.
        let end = text.len() - 3;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let cut = dir.path().join("cut.txt");
        std::fs::write(&cut, &text[..end]).unwrap_or_else(|e| panic!("{e}"));
        let open_cut = || Input::open(&cut, Progress::new(), 1 << 16, 1 << 30).unwrap_or_else(|e| panic!("{e}"));
        let opts = PerfOptions::default();
        let one = sequential(&mut open_cut(), &opts).err().map(|e| e.to_string());
        let many = parallel::run(&mut open_cut(), &opts, 2, 4096).err().map(|e| e.to_string());
        assert!(one.as_deref().is_some_and(|e| e.contains("ends in the middle of a sample")), "{one:?}");
        assert_eq!(one, many);
    }
}
