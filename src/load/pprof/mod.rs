//! pprof `profile.proto` (Go runtime/pprof, gperftools, pprof-rs, Parca ...).
//!
//! Decoding is prost's (the schema in [`proto`]); this module turns the
//! decoded tables into the model the way `go tool pprof` reads them:
//!
//! - every sample type is a metric in its unit (`Unit::from_name`); the
//!   default metric is `default_sample_type`, else the last sample type;
//! - a location with several lines becomes several frames, the inlined
//!   functions (kind [`crate::model::FrameKind::Inline`]) below their caller; module is
//!   the mapping file's basename; an unsymbolized location is named
//!   `[binary]` (or `<unknown>` without a mapping), as pprof names it;
//! - `drop_frames` / `keep_frames` prune stacks as pprof's `Prune` does;
//! - labels (string, and numeric with their unit) go into label sets;
//!   values are kept signed (diff profiles have negative ones);
//! - period, duration, time, comments and the main binary go to `meta`.
//!
//! Strings that are not UTF-8, missing mappings, functions or sample type
//! names load with warnings. Malformed input fails with the byte offset and
//! the field. The input is read one top-level field at a time (`stream`):
//! samples are kept encoded, the tables decoded, never the whole file as
//! well. Samples are then decoded one at a time into a reused struct, on a
//! thread of their own beside the model building (`samples`), so memory
//! holds the model and the encoded samples, not every decoded sample.
//! Imports `model` and the load plumbing only.

mod concat;
pub mod locate;
pub mod proto;
mod samples;
mod stream;
mod tables;

use std::sync::atomic::Ordering;

use prost::Message;
use prost::bytes::Bytes;

use super::LoadOptions;
use super::error::{At, LoadError};
use super::source::{Input, Progress};
use crate::model::{MetricId, Profile, ProfileBuilder, Unit};
use tables::{Locations, Pruning, Strings};

/// Format name in errors and `Profile::format`.
pub const FORMAT: &str = "pprof";

/// An invalid-input error of this format.
fn invalid(at: Option<u64>, what: impl Into<String>) -> LoadError {
    LoadError::invalid(FORMAT, at.map(At::Byte), what)
}

/// Loads a pprof profile from `input` (gzip already undone by `Input`).
///
/// Errors: the input is larger than `opts.max_whole_input`, it is not a
/// valid `profile.proto` (byte offset and field given), or it breaks the
/// schema's references (a string index out of range, a location id that
/// does not exist, a sample with the wrong number of values).
pub fn load(input: &mut Input, opts: &LoadOptions) -> Result<Profile, LoadError> {
    let progress = std::sync::Arc::clone(input.progress());
    let read = stream::read(input, opts.max_whole_input)?;
    from_data(&read.rest, Some(&read.samples), Some(&progress)).map_err(|e| read.to_file(e))
}

/// Decodes an uncompressed `profile.proto` and builds the model. `progress`
/// is checked for cancellation every 16 Ki samples. Errors as [`load`].
pub fn load_bytes(data: Bytes, progress: Option<&Progress>) -> Result<Profile, LoadError> {
    from_data(&data, None, progress)
}

/// The model from `data`, the encoded profile, with its samples in it or
/// (when the input was streamed) in `packed`. Errors as [`load`], with
/// offsets in `data`.
fn from_data(data: &Bytes, packed: Option<&stream::Packed>, progress: Option<&Progress>) -> Result<Profile, LoadError> {
    let tables = proto::ProfileTables::decode(data.clone()).map_err(|e| decode_error(data, &e))?;
    if concat::go_rule(&tables.time_nanos) {
        return Err(concat::error(data));
    }
    let samples = match packed {
        Some(p) => samples::Source::Packed(p),
        None => samples::Source::Slices { samples: &tables.sample, data },
    };
    build(data, &tables, samples, progress).map_err(|e| {
        // Repeated ids or a wrong value count: two profiles back to back
        // (the second string table's own empty entry 0 is in the table
        // again) say so rather than what their merge broke.
        let second_table = tables.string_table.iter().skip(1).any(|s| s.is_empty());
        if !e.is_cancelled() && second_table && concat::second_start(data).is_some() { concat::error(data) } else { e }
    })
}

/// The model from decoded tables. Errors as [`load`].
fn build(
    data: &Bytes,
    tables: &proto::ProfileTables,
    samples: samples::Source<'_>,
    progress: Option<&Progress>,
) -> Result<Profile, LoadError> {
    if tables.sample_type.is_empty() && samples.len() == 0 {
        return Err(invalid(
            None,
            "the profile is empty (no sample types, no samples); expected a profile.proto Profile",
        ));
    }
    let mut b = ProfileBuilder::new(FORMAT);
    b.functions_by_name();
    let strings = Strings::new(&tables.string_table, data, &mut b)?;
    let metrics = add_metrics(tables, &strings, &mut b)?;
    let drop = strings.get(tables.drop_frames, &[(7, 0)], || "Profile.drop_frames".into())?;
    let keep = strings.get(tables.keep_frames, &[(8, 0)], || "Profile.keep_frames".into())?;
    let pruning = Pruning::new(drop, keep, &mut b);
    let locations = Locations::build(tables, &strings, pruning.as_ref(), &mut b)?;
    add_meta(tables, &strings, &mut b)?;
    warn_missing_tables(tables, &mut b);
    samples::add_samples(samples, &locations, &strings, metrics, progress, &mut b)?;
    if let Some(p) = progress {
        let total = p.bytes_total.load(Ordering::Relaxed);
        p.bytes_read.fetch_max(total, Ordering::Relaxed);
    }
    b.finish().map_err(|e| invalid(None, e.to_string()))
}

/// Byte offset of `part` inside `whole`, when it is a slice of it.
fn offset_in(whole: &Bytes, part: &Bytes) -> Option<u64> {
    let off = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (off <= whole.len()).then_some(off as u64)
}

/// Turns prost's error into one with the offset of the bad field.
fn decode_error(data: &[u8], e: &prost::DecodeError) -> LoadError {
    match locate::locate(data) {
        Some((off, what)) => invalid(Some(off), format!("not a valid profile.proto: {what}")),
        None => invalid(None, format!("not a valid profile.proto: {e}")),
    }
}

/// Adds one metric per sample type; returns how many values a sample has.
fn add_metrics(p: &proto::ProfileTables, s: &Strings<'_>, b: &mut ProfileBuilder) -> Result<usize, LoadError> {
    let mut types: Vec<(String, String)> = Vec::with_capacity(p.sample_type.len());
    for (i, vt) in p.sample_type.iter().enumerate() {
        let name = s.get(vt.r#type, &[(1, i), (1, 0)], || format!("sample_type[{i}].type"))?;
        let unit = s.get(vt.unit, &[(1, i), (2, 0)], || format!("sample_type[{i}].unit"))?;
        let name = if name.is_empty() {
            let n = format!("sample_type_{i}");
            b.warn(None, None, format!("sample type {i} has no name; called {n}"));
            n
        } else {
            name.to_string()
        };
        types.push((name, unit.to_string()));
    }
    if types.is_empty() {
        // Legacy profiles: pprof falls back on the period type.
        let (name, unit) = match &p.period_type {
            Some(pt) => (
                s.get(pt.r#type, &[(11, 0), (1, 0)], || "period_type.type".into())?.to_string(),
                s.get(pt.unit, &[(11, 0), (2, 0)], || "period_type.unit".into())?.to_string(),
            ),
            None => (String::new(), String::new()),
        };
        let name = if name.is_empty() { "samples".to_string() } else { name };
        b.warn(
            None,
            None,
            format!("the profile has no sample types; its values are read as {name:?} ({unit}), from the period type"),
        );
        types.push((name, unit));
    }
    // The first sample type of each name, by hash: a profile may declare
    // any number of them.
    let mut first_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, (name, unit)) in types.iter().enumerate() {
        let first = *first_of.entry(name.as_str()).or_insert(i);
        if first != i {
            b.warn(
                None,
                None,
                format!(
                    "sample types {first} ({name}, {}) and {i} ({name}, {unit}) have the same name; \
                     --metric {name} picks the first, --metric {i} this one",
                    types[first].1
                ),
            );
        }
        b.add_metric(name, Unit::from_name(unit));
    }
    if p.default_sample_type != 0 {
        let want = s.get(p.default_sample_type, &[(14, 0)], || "Profile.default_sample_type".into())?;
        match types.iter().position(|(n, _)| n == want) {
            Some(i) => b.set_default_metric(MetricId::from_index(i)),
            None => b.warn(
                None,
                None,
                format!("default_sample_type {want:?} is not a sample type; the last one is the default"),
            ),
        }
    }
    Ok(types.len())
}

/// Period, duration, time, comments, drop/keep regexps and the main binary.
fn add_meta(p: &proto::ProfileTables, s: &Strings<'_>, b: &mut ProfileBuilder) -> Result<(), LoadError> {
    if let Some(pt) = &p.period_type {
        let t = s.get(pt.r#type, &[(11, 0), (1, 0)], || "period_type.type".into())?;
        let u = s.get(pt.unit, &[(11, 0), (2, 0)], || "period_type.unit".into())?;
        b.meta("period type", format!("{t} {u}").trim().to_string());
        b.meta("period", format!("{} {u}", p.period).trim().to_string());
    } else if p.period != 0 {
        b.meta("period", p.period.to_string());
    }
    if let Some(&t) = p.time_nanos.last()
        && t != 0
    {
        b.meta("time", format_time_ns(t));
    }
    if p.duration_nanos != 0 {
        b.meta("duration", format!("{} ({} ns)", Unit::Nanoseconds.format(p.duration_nanos as f64), p.duration_nanos));
    }
    for (i, &c) in p.comment.iter().enumerate() {
        b.meta("comment", s.get(c, &[(13, i)], || format!("Profile.comment[{i}]"))?.to_string());
    }
    for (key, idx, tag) in [("drop frames", p.drop_frames, 7), ("keep frames", p.keep_frames, 8)] {
        let v = s.get(idx, &[(tag, 0)], || format!("Profile.{}", key.replace(' ', "_")))?;
        if !v.is_empty() {
            b.meta(key, v.to_string());
        }
    }
    if let Some(bin) = tables::main_binary(p, s) {
        b.meta("main binary", bin.to_string());
    }
    Ok(())
}

fn warn_missing_tables(p: &proto::ProfileTables, b: &mut ProfileBuilder) {
    if p.mapping.is_empty() && !p.location.is_empty() {
        b.warn(None, None, "the profile has no mappings; frames have no module");
    }
    if p.function.is_empty() && !p.location.is_empty() {
        b.warn(
            None,
            None,
            "the profile has no functions (not symbolized); frames are named after their binary, as pprof names them",
        );
    }
}

/// `2021-07-16 13:10:30.776293402 UTC` from ns since the Unix epoch.
fn format_time_ns(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{frac:09} UTC", sod / 3600, sod % 3600 / 60, sod % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times_like_pprof() {
        assert_eq!(format_time_ns(1_626_441_030_776_293_402), "2021-07-16 13:10:30.776293402 UTC");
        assert_eq!(format_time_ns(0), "1970-01-01 00:00:00.000000000 UTC");
    }
}
