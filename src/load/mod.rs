//! Loaders: bytes of a file to the model.
//!
//! One module per format behind one entry point, [`load_path`] /
//! [`load_input`]. The format is sniffed from content (`sniff`), never from
//! the extension alone; gzip is recognised by its magic bytes wherever it is.
//! Loaders stream where the format allows (text formats line by line), report
//! progress and stop promptly on cancel. Imports `model` only.

pub mod callgrind;
pub mod chrome_trace;
pub mod cpuprofile;
pub mod error;
pub mod folded;
pub mod jaeger;
pub mod jfr;
pub mod json_number;
pub mod massif;
pub mod otlp;
pub mod perf_data;
pub mod perf_script;
pub mod pprof;
pub mod proto_locate;
pub mod sniff;
pub mod source;
pub mod source_code;
pub mod speedscope;
pub mod strace;
pub mod utf16;

use std::path::Path;
use std::sync::Arc;

pub use error::{At, LoadError, LoadErrorKind};
pub use sniff::sniff;
pub use source::{HEAD_BYTES, Input, Progress};

use crate::model::Profile;
use crate::model::trace::TraceSet;

/// The formats Firesight reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Linux `perf script` text output.
    PerfScript,
    /// Folded stacks (`frame;frame;frame count`), as inferno, FlameGraph and py-spy write them.
    Folded,
    /// pprof `profile.proto` (gzipped or raw).
    Pprof,
    /// OTLP traces as JSON: one `ExportTraceServiceRequest`/`TracesData`, or JSON lines.
    OtlpJson,
    /// OTLP traces as protobuf: raw, or the Collector file exporter's length-prefixed form.
    OtlpProtobuf,
    /// Jaeger JSON (API response with `data`, one trace, or an array of traces).
    JaegerJson,
    /// A binary `perf.data` recording (`perf record`), read directly.
    PerfData,
    /// Java Flight Recorder recording (`.jfr`: JDK 11+, async-profiler).
    Jfr,
    /// strace output (`strace -f -T -tt`): one sample per system call.
    Strace,
    /// speedscope JSON (py-spy `-f speedscope`, speedscope's exports): sampled and evented profiles.
    Speedscope,
    /// V8 / Chrome DevTools `.cpuprofile` (`node --cpu-prof`).
    CpuProfile,
    /// Chrome trace-event JSON (viztracer, Perfetto's JSON export, Chrome, Node, tracing-chrome).
    ChromeTrace,
    /// Valgrind callgrind (`callgrind.out.PID`).
    Callgrind,
    /// Valgrind massif (`massif.out.PID`).
    Massif,
}

impl Format {
    /// Name shown in `info` and errors: `perf script`, `folded`, `pprof`, `OTLP JSON`, ...
    pub fn name(self) -> &'static str {
        match self {
            Self::PerfScript => "perf script",
            Self::Folded => "folded",
            Self::Pprof => "pprof",
            Self::OtlpJson => "OTLP JSON",
            Self::OtlpProtobuf => "OTLP protobuf",
            Self::JaegerJson => "Jaeger JSON",
            Self::PerfData => "perf.data",
            Self::Jfr => "JFR",
            Self::Strace => "strace",
            Self::Speedscope => "speedscope",
            Self::CpuProfile => "V8 cpuprofile",
            Self::ChromeTrace => "Chrome trace",
            Self::Callgrind => "callgrind",
            Self::Massif => "massif",
        }
    }
}

/// `perf script` folding options, as `inferno-collapse-perf` has them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PerfOptions {
    /// Append the pid to the process name (`comm-PID`). Default: off.
    pub include_pid: bool,
    /// Append pid and tid (`comm-PID/TID`). Default: off.
    pub include_tid: bool,
    /// Annotate kernel frames with `_[k]`. Default: off.
    pub annotate_kernel: bool,
    /// Annotate JIT frames with `_[j]`. Default: off.
    pub annotate_jit: bool,
    /// Show raw addresses for unknown symbols (`[unknown]` becomes the address). Default: off.
    pub include_addrs: bool,
    /// Keep only samples of this event (`cycles`, `cpu-clock` ...). Default:
    /// every event, each its own metric.
    pub event_filter: Option<String>,
}

/// perf.data options: where symbols come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerfDataOptions {
    /// Directories searched first for the recorded binaries and their debug
    /// files (by file name, and by build id under `.build-id/`). Default: none.
    pub symbol_dirs: Vec<std::path::PathBuf>,
    /// Show functions inlined at an address (from DWARF) as frames of
    /// their own below the function they are in. Default: on.
    pub inline: bool,
    /// Kernel symbol table to use instead of `/proc/kallsyms`. Default: none.
    pub kallsyms: Option<std::path::PathBuf>,
    /// The threads' record files of a `perf record --threads` directory
    /// (`DIR/data.0`, `DIR/data.1` ...), read after the main file's
    /// records; [`load_path`] fills it for `DIR` or `DIR/data`.
    pub thread_files: Vec<std::path::PathBuf>,
}

impl Default for PerfDataOptions {
    fn default() -> Self {
        Self { symbol_dirs: Vec::new(), inline: true, kallsyms: None, thread_files: Vec::new() }
    }
}

/// Options for one load.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Force a format instead of sniffing. Default: sniff.
    pub format: Option<Format>,
    /// perf script options (they apply to perf.data too). Default: all off.
    pub perf: PerfOptions,
    /// perf.data symbol options. Default: see [`PerfDataOptions`].
    pub perf_data: PerfDataOptions,
    /// Read size in bytes. Default: 1 MiB ([`source::DEFAULT_CHUNK`]).
    pub chunk_size: usize,
    /// Cap on decompressed gzip output. Default: 16 GiB.
    pub max_decompressed: u64,
    /// Largest input a whole-input format (pprof, OTLP, Jaeger) reads into
    /// memory. Default: 4 GiB.
    pub max_whole_input: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            format: None,
            perf: PerfOptions::default(),
            perf_data: PerfDataOptions::default(),
            chunk_size: source::DEFAULT_CHUNK,
            max_decompressed: source::DEFAULT_MAX_DECOMPRESSED,
            max_whole_input: 4 << 30,
        }
    }
}

/// What a load produced: always a profile (traces project into one), and the
/// traces themselves for trace formats.
#[derive(Debug)]
pub struct Loaded {
    /// The format that was read.
    pub format: Format,
    /// The profile (for traces, the projection: service/span path, self time).
    pub profile: Profile,
    /// The traces, for OTLP, Jaeger and Chrome trace input.
    pub traces: Option<TraceSet>,
}

/// Loads the file at `path`. Errors carry the path.
pub fn load_path(path: &Path, opts: &LoadOptions, progress: Arc<Progress>) -> Result<Loaded, LoadError> {
    // `perf record --threads` writes a directory: `data` and the threads'
    // `data.N`.
    let (main, threads) = perf_data_dir(path);
    let with_threads;
    let opts = if threads.is_empty() {
        opts
    } else {
        let mut o = opts.clone();
        o.perf_data.thread_files = threads;
        with_threads = o;
        &with_threads
    };
    let mut input = Input::open(&main, progress, opts.chunk_size, opts.max_decompressed)?;
    load_input(&mut input, opts).map_err(|e| e.with_path(path))
}

/// For a `perf record --threads` directory (or its `data` file), the main
/// file and the threads' `data.N` files in number order; else `path` alone.
fn perf_data_dir(path: &Path) -> (std::path::PathBuf, Vec<std::path::PathBuf>) {
    let (dir, main) = if path.is_dir() {
        (path.to_path_buf(), path.join("data"))
    } else if path.file_name().is_some_and(|n| n == "data") {
        (path.parent().map_or_else(|| Path::new(".").to_path_buf(), Path::to_path_buf), path.to_path_buf())
    } else {
        return (path.to_path_buf(), Vec::new());
    };
    if !main.is_file() {
        return (path.to_path_buf(), Vec::new());
    }
    let mut threads: Vec<(u64, std::path::PathBuf)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| {
                    let n = e.file_name().to_str()?.strip_prefix("data.")?.parse::<u64>().ok()?;
                    Some((n, e.path()))
                })
                .collect()
        })
        .unwrap_or_default();
    threads.sort();
    (main, threads.into_iter().map(|(_, p)| p).collect())
}

/// Loads from an opened input.
pub fn load_input(input: &mut Input, opts: &LoadOptions) -> Result<Loaded, LoadError> {
    let format = match opts.format {
        Some(f) => f,
        None => sniff_input(input).map_err(|mut e| {
            if input.gzipped {
                // "byte offset 0 of the decompressed data" says it is inside the gzip.
                e.at = Some(At::DecompressedByte(0));
            }
            e
        })?,
    };
    let loaded = match format {
        Format::PerfScript => perf_script::load(input, &opts.perf).map(|p| (p, None)),
        Format::Folded => folded::load(input).map(|p| (p, None)),
        Format::Pprof => pprof::load(input, opts).map(|p| (p, None)),
        Format::OtlpJson | Format::OtlpProtobuf => otlp::load(input, format, opts).map(|(p, t)| (p, Some(t))),
        Format::JaegerJson => jaeger::load(input, opts).map(|(p, t)| (p, Some(t))),
        Format::PerfData => perf_data::load(input, &opts.perf, &opts.perf_data).map(|p| (p, None)),
        Format::Jfr => jfr::load(input, opts).map(|p| (p, None)),
        Format::Strace => strace::load(input).map(|p| (p, None)),
        Format::Speedscope => speedscope::load(input, opts).map(|p| (p, None)),
        Format::CpuProfile => cpuprofile::load(input, opts).map(|p| (p, None)),
        Format::ChromeTrace => chrome_trace::load(input, opts).map(|(p, t)| (p, Some(t))),
        Format::Callgrind => callgrind::load(input).map(|p| (p, None)),
        Format::Massif => massif::load(input).map(|p| (p, None)),
    };
    let (profile, traces) = loaded.map_err(|mut e| {
        // A loader's byte offsets count the content it read: in a gzipped
        // file, that is the decompressed data, and the message says so.
        if let Some(At::Byte(n)) = e.at
            && e.format != "gzip"
        {
            if input.encoding.is_some() {
                e.at = Some(At::DecodedByte(n));
            } else if input.gzipped {
                e.at = Some(At::DecompressedByte(n));
            }
        }
        e
    })?;
    Ok(Loaded { format, profile, traces })
}

/// Every format Firesight reads, as errors and the window name them.
pub const FORMATS_READ: &str = "perf script text, perf.data, folded stacks, pprof protobuf, OTLP JSON or protobuf, \
                                Jaeger JSON, JFR, speedscope, V8 cpuprofile, Chrome trace, callgrind, massif or strace";

/// Largest head the sniffer reads when the first lines are longer than
/// [`HEAD_BYTES`]: 64 MiB.
pub const MAX_SNIFF_BYTES: usize = 64 << 20;

/// Sniffs `input`'s head, reading more into it (up to [`MAX_SNIFF_BYTES`])
/// while it holds no complete line to judge: the length of a line says
/// nothing about its format.
fn sniff_input(input: &mut Input) -> Result<Format, LoadError> {
    loop {
        match sniff::sniff_head(input.head(), input.head_complete())? {
            sniff::Sniffed::Format(f) => return Ok(f),
            sniff::Sniffed::NeedMore => {
                let len = input.head().len();
                if len >= MAX_SNIFF_BYTES || !input.extend_head((len * 4).clamp(HEAD_BYTES, MAX_SNIFF_BYTES))? {
                    return Err(sniff::first_line_too_long(input.head()));
                }
            }
        }
    }
}
