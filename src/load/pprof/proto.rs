//! pprof's `profile.proto` (package `perftools.profiles`) as prost derives.
//!
//! Written from google/pprof `proto/profile.proto` (Apache-2.0); field
//! numbers and types are the schema's. Two deliberate departures, both still
//! decoded by prost:
//!
//! - `string_table` is `bytes`, not `string`: real profiles carry symbol
//!   names that are not valid UTF-8, and prost's `String` would reject the
//!   whole profile. The loader converts lossily and warns.
//! - [`ProfileTables`] is the same message with `sample` kept as raw bytes,
//!   so the loader decodes one `Sample` at a time into a reused struct
//!   instead of allocating every sample up front. [`Profile`] is the plain
//!   schema (used by the benchmark baseline and by tests that build inputs).
//!
//! Imports nothing of the crate.

use prost::bytes::Bytes;

/// The whole profile, as the schema has it.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Profile {
    /// What each `Sample.value` measures (`[cpu, nanoseconds]` ...).
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<ValueType>,
    /// The samples.
    #[prost(message, repeated, tag = "2")]
    pub sample: Vec<Sample>,
    /// Binaries and libraries mapped into the address space.
    #[prost(message, repeated, tag = "3")]
    pub mapping: Vec<Mapping>,
    /// Program locations referenced by samples.
    #[prost(message, repeated, tag = "4")]
    pub location: Vec<Location>,
    /// Functions referenced by locations.
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<Function>,
    /// The string table; entry 0 must be empty. Raw bytes (see module docs).
    #[prost(bytes = "vec", repeated, tag = "6")]
    pub string_table: Vec<Vec<u8>>,
    /// String index of a regexp: frames whose function fully matches are dropped with their callees.
    #[prost(int64, tag = "7")]
    pub drop_frames: i64,
    /// String index of a regexp: frames matching it are kept even if they match `drop_frames`.
    #[prost(int64, tag = "8")]
    pub keep_frames: i64,
    /// Collection start, ns since the Unix epoch.
    #[prost(int64, tag = "9")]
    pub time_nanos: i64,
    /// Collection duration in ns.
    #[prost(int64, tag = "10")]
    pub duration_nanos: i64,
    /// The kind of events between sampled occurrences.
    #[prost(message, optional, tag = "11")]
    pub period_type: Option<ValueType>,
    /// Events between sampled occurrences.
    #[prost(int64, tag = "12")]
    pub period: i64,
    /// String indices of free-form comments.
    #[prost(int64, repeated, tag = "13")]
    pub comment: Vec<i64>,
    /// String index of the preferred sample type; 0 = the last one.
    #[prost(int64, tag = "14")]
    pub default_sample_type: i64,
}

/// [`Profile`] with each sample left undecoded (zero-copy slices of the
/// input), and the string table as zero-copy slices too.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ProfileTables {
    /// See [`Profile::sample_type`].
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<ValueType>,
    /// Each sample's encoded `Sample` message.
    #[prost(bytes = "bytes", repeated, tag = "2")]
    pub sample: Vec<Bytes>,
    /// See [`Profile::mapping`].
    #[prost(message, repeated, tag = "3")]
    pub mapping: Vec<Mapping>,
    /// See [`Profile::location`].
    #[prost(message, repeated, tag = "4")]
    pub location: Vec<Location>,
    /// See [`Profile::function`].
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<Function>,
    /// See [`Profile::string_table`].
    #[prost(bytes = "bytes", repeated, tag = "6")]
    pub string_table: Vec<Bytes>,
    /// See [`Profile::drop_frames`].
    #[prost(int64, tag = "7")]
    pub drop_frames: i64,
    /// See [`Profile::keep_frames`].
    #[prost(int64, tag = "8")]
    pub keep_frames: i64,
    /// See [`Profile::time_nanos`]. Every occurrence: a second one means
    /// two profiles back to back (`go tool pprof`'s "concatenated profiles").
    #[prost(int64, repeated, packed = "false", tag = "9")]
    pub time_nanos: Vec<i64>,
    /// See [`Profile::duration_nanos`].
    #[prost(int64, tag = "10")]
    pub duration_nanos: i64,
    /// See [`Profile::period_type`].
    #[prost(message, optional, tag = "11")]
    pub period_type: Option<ValueType>,
    /// See [`Profile::period`].
    #[prost(int64, tag = "12")]
    pub period: i64,
    /// See [`Profile::comment`].
    #[prost(int64, repeated, tag = "13")]
    pub comment: Vec<i64>,
    /// See [`Profile::default_sample_type`].
    #[prost(int64, tag = "14")]
    pub default_sample_type: i64,
}

/// A type and unit, both string indices.
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub struct ValueType {
    /// String index of the type (`cpu`, `alloc_space`).
    #[prost(int64, tag = "1")]
    pub r#type: i64,
    /// String index of the unit (`nanoseconds`, `bytes`, `count`).
    #[prost(int64, tag = "2")]
    pub unit: i64,
}

/// One sample: a stack (leaf first), one value per sample type, labels.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sample {
    /// Location ids, leaf at index 0.
    #[prost(uint64, repeated, tag = "1")]
    pub location_id: Vec<u64>,
    /// One value per `Profile.sample_type`.
    #[prost(int64, repeated, tag = "2")]
    pub value: Vec<i64>,
    /// Labels (thread id, endpoint, allocation size ...).
    #[prost(message, repeated, tag = "3")]
    pub label: Vec<Label>,
}

/// A key with a string or a numeric value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, prost::Message)]
pub struct Label {
    /// String index of the key.
    #[prost(int64, tag = "1")]
    pub key: i64,
    /// String index of a string value (0 = none).
    #[prost(int64, tag = "2")]
    pub str: i64,
    /// A numeric value.
    #[prost(int64, tag = "3")]
    pub num: i64,
    /// String index of `num`'s unit (0 = none).
    #[prost(int64, tag = "4")]
    pub num_unit: i64,
}

/// A binary or library mapped into memory.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Mapping {
    /// Unique nonzero id.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// Load address.
    #[prost(uint64, tag = "2")]
    pub memory_start: u64,
    /// End of the mapped range.
    #[prost(uint64, tag = "3")]
    pub memory_limit: u64,
    /// File offset of `memory_start`.
    #[prost(uint64, tag = "4")]
    pub file_offset: u64,
    /// String index of the file name (`/usr/bin/app`, `[vdso]`).
    #[prost(int64, tag = "5")]
    pub filename: i64,
    /// String index of the build id.
    #[prost(int64, tag = "6")]
    pub build_id: i64,
    /// Symbolization state: function names known.
    #[prost(bool, tag = "7")]
    pub has_functions: bool,
    /// File names known.
    #[prost(bool, tag = "8")]
    pub has_filenames: bool,
    /// Line numbers known.
    #[prost(bool, tag = "9")]
    pub has_line_numbers: bool,
    /// Inline frames known.
    #[prost(bool, tag = "10")]
    pub has_inline_frames: bool,
}

/// A program location: an address and, when symbolized, its lines.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Location {
    /// Unique nonzero id.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// Id of the mapping (0 = none).
    #[prost(uint64, tag = "2")]
    pub mapping_id: u64,
    /// Instruction address.
    #[prost(uint64, tag = "3")]
    pub address: u64,
    /// Lines, innermost inlined function first, the caller last.
    #[prost(message, repeated, tag = "4")]
    pub line: Vec<Line>,
    /// Several symbols map to this address (identical code folding).
    #[prost(bool, tag = "5")]
    pub is_folded: bool,
}

/// One function and line at a location.
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub struct Line {
    /// Id of the function.
    #[prost(uint64, tag = "1")]
    pub function_id: u64,
    /// Source line.
    #[prost(int64, tag = "2")]
    pub line: i64,
    /// Source column.
    #[prost(int64, tag = "3")]
    pub column: i64,
}

/// A function: names and source file, string indices.
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub struct Function {
    /// Unique nonzero id.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// String index of the human-readable name.
    #[prost(int64, tag = "2")]
    pub name: i64,
    /// String index of the system (for example mangled) name.
    #[prost(int64, tag = "3")]
    pub system_name: i64,
    /// String index of the source file.
    #[prost(int64, tag = "4")]
    pub filename: i64,
    /// First line of the function in the file.
    #[prost(int64, tag = "5")]
    pub start_line: i64,
}
