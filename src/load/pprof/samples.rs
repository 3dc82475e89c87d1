//! A pprof profile's samples into model samples, on two threads.
//!
//! - The **decoder** ([`Decoder`]) decodes one `Sample` at a time with
//!   prost into a reused struct, checks its value count, turns location ids
//!   into table positions, and numbers each distinct location list ("path")
//!   and each distinct label list in order of first appearance. It hands
//!   the model side batches of consecutive samples as numbers, with the
//!   positions and labels of what is new in the batch.
//! - The **model side** ([`ModelSide`]) prunes and interns each new path as
//!   a stack once, resolves each new label list once, and adds every sample.
//!
//! The two meet through a bounded channel ([`QUEUE`] batches of [`BATCH`]
//! samples), so memory holds the model, the input and a few batches. Both
//! sides see the samples in file order, so the profile is exactly that of a
//! serial pass, stack and label-set ids included; on a single CPU, or when
//! a thread cannot be started, the same code runs serially.
//!
//! Why two threads: a bare prost decode of a whole profile is the speed
//! reference (`benches/pprof_decode.rs`), and on one thread the model's
//! hash lookups (path memo, stack interning), each a cache miss on a
//! large profile, cost as much again as the decode itself.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::mpsc;

use prost::Message;
use prost::bytes::Bytes;
use rustc_hash::FxBuildHasher;

use super::stream::Packed;
use super::tables::{Locations, Strings};
use super::{invalid, offset_in, proto};
use crate::load::error::{At, LoadError};
use crate::load::source::Progress;
use crate::model::{Label, LabelSetId, LabelValue, ProfileBuilder, StackId, Weight};

/// Samples per batch.
const BATCH: usize = 4 * 1024;
/// Batches in flight between the threads.
const QUEUE: usize = 4;
/// The decoder's path memo stops growing past this many paths (16 Mi
/// entries, ~400 MiB); later new paths are still numbered and interned,
/// only not recognised when they repeat.
const MEMO_CAP: usize = 16 << 20;

/// Where the encoded `Sample` messages are.
#[derive(Clone, Copy)]
pub(super) enum Source<'a> {
    /// Slices of `data`, the whole encoded profile.
    Slices { samples: &'a [Bytes], data: &'a Bytes },
    /// Kept back to back while the profile was read field by field.
    Packed(&'a Packed),
}

impl<'a> Source<'a> {
    /// Number of samples.
    pub(super) fn len(&self) -> usize {
        match self {
            Self::Slices { samples, .. } => samples.len(),
            Self::Packed(p) => p.len(),
        }
    }

    /// Sample `i`, encoded.
    fn get(&self, i: usize) -> &'a [u8] {
        match *self {
            Self::Slices { samples, .. } => &samples[i],
            Self::Packed(p) => p.get(i),
        }
    }

    /// Encoded bytes of samples `a..b`.
    fn bytes_of(&self, a: usize, b: usize) -> usize {
        match self {
            Self::Slices { samples, .. } => samples[a..b].iter().map(Bytes::len).sum(),
            Self::Packed(p) => p.bytes_of(a, b),
        }
    }

    /// Byte offset of sample `i`, for errors.
    fn offset(&self, i: usize) -> Option<u64> {
        match self {
            Self::Slices { samples, data } => offset_in(data, &samples[i]),
            Self::Packed(p) => p.offset(i),
        }
    }

    /// Bytes the samples were decoded from (bounds reservations).
    fn total_bytes(&self) -> usize {
        match self {
            Self::Slices { data, .. } => data.len(),
            Self::Packed(p) => p.bytes_of(0, p.len()),
        }
    }
}

/// Adds every sample of `samples` to `b`. `n_values` is the number of sample types; `progress` is
/// checked for cancellation once per batch.
///
/// Errors (with the sample's byte offset): a sample that is not a valid
/// `Sample` message, has the wrong number of values, names a location id
/// that does not exist, or a label whose string index is out of range;
/// more than 2^32 - 1 samples; cancellation.
pub(super) fn add_samples(
    samples: Source<'_>,
    locs: &Locations,
    strings: &Strings<'_>,
    n_values: usize,
    progress: Option<&Progress>,
    b: &mut ProfileBuilder,
) -> Result<(), LoadError> {
    if u32::try_from(samples.len()).is_err() {
        return Err(invalid(None, format!("{} samples; at most 2^32 - 1 are supported", samples.len())));
    }
    // The count is that of messages already decoded, so reserving is safe,
    // as long as the weights it reserves (one per sample type) could be in
    // the data: a valid sample spends at least a byte on each value, while
    // a hostile file may declare a million sample types and a few empty samples.
    if samples.len().saturating_mul(n_values) <= samples.total_bytes() {
        b.reserve_samples(samples.len());
    }
    let mut dec = Decoder::new(samples, locs, n_values, progress);
    let mut side = ModelSide::new(samples, locs, strings, n_values);
    // On one CPU the two sides would only take turns and evict each other's
    // caches (measured pinned to one core: 0.86-0.91 of a bare prost decode
    // threaded, 0.94-1.00 serial): run them in turn on this thread instead.
    let one_cpu = std::thread::available_parallelism().is_ok_and(|n| n.get() == 1);
    let threaded = (!one_cpu).then(|| {
        std::thread::scope(|scope| {
            let (tx, rx) = mpsc::sync_channel::<Result<Batch, LoadError>>(QUEUE);
            let dec = &mut dec;
            let worker = std::thread::Builder::new().name("pprof-decode".into()).spawn_scoped(scope, move || {
                while let Some(batch) = dec.next_batch() {
                    let failed = batch.is_err();
                    // A closed channel means the model side stopped on an error.
                    if tx.send(batch).is_err() || failed {
                        break;
                    }
                }
            });
            worker.is_ok().then(|| {
                for batch in rx {
                    if progress.is_some_and(Progress::is_cancelled) {
                        return Err(LoadError::cancelled());
                    }
                    side.take(&batch?, b)?;
                }
                Ok(())
            })
        })
    });
    match threaded.flatten() {
        Some(result) => result,
        None => {
            while let Some(batch) = dec.next_batch() {
                side.take(&batch?, b)?;
            }
            Ok(())
        }
    }
}

/// A run of consecutive samples, decoded to numbers.
#[derive(Default)]
struct Batch {
    /// Per sample: its path number.
    path: Vec<u32>,
    /// Per sample: its label-list number (0 = no labels).
    label: Vec<u32>,
    /// Per sample: its values, `n_values` each.
    values: Vec<i64>,
    /// Location positions (leaf first) of the paths first numbered in this
    /// batch, back to back; their numbers follow the previous batch's.
    new_paths: Vec<u32>,
    /// End of each new path in `new_paths`.
    new_path_ends: Vec<u32>,
    /// The label lists first numbered in this batch, back to back.
    new_labels: Vec<proto::Label>,
    /// End of each new label list in `new_labels`.
    new_label_ends: Vec<u32>,
    /// Per new label list: the sample that first carried it, for errors.
    new_label_at: Vec<usize>,
}

/// The decoding side. See the module docs.
struct Decoder<'a> {
    samples: Source<'a>,
    locs: &'a Locations,
    n_values: usize,
    progress: Option<&'a Progress>,
    next: usize,
    sample: proto::Sample,
    /// Paths seen before: a 96-bit fingerprint of the positions (a 64-bit
    /// hash, and the high half of an independent one with the length folded
    /// in) -> the path's number. Comparing fingerprints instead of the
    /// positions themselves halved the memo's cost (a memcmp per sample was
    /// 15% of the load), and 16-byte entries keep more of the memo in cache
    /// than 24-byte ones; two distinct paths share a fingerprint with
    /// probability about n^2/2^97, 10^-17 for a million paths.
    memo: HashMap<u64, (u32, u32), FxBuildHasher>,
    paths: u32,
    /// The batch's location positions (leaf first), back to back; the end
    /// of each sample's; each sample's fingerprint.
    positions: Vec<u32>,
    position_ends: Vec<u32>,
    fingerprints: Vec<(u64, u64)>,
    label_ids: HashMap<Vec<proto::Label>, u32, FxBuildHasher>,
}

impl<'a> Decoder<'a> {
    fn new(samples: Source<'a>, locs: &'a Locations, n_values: usize, progress: Option<&'a Progress>) -> Self {
        Self {
            samples,
            locs,
            n_values,
            progress,
            next: 0,
            sample: proto::Sample::default(),
            memo: HashMap::default(),
            paths: 0,
            positions: Vec::new(),
            position_ends: Vec::new(),
            fingerprints: Vec::new(),
            label_ids: HashMap::default(),
        }
    }

    /// The next batch; `None` after the last one or after an error.
    fn next_batch(&mut self) -> Option<Result<Batch, LoadError>> {
        if self.next >= self.samples.len() {
            return None;
        }
        if self.progress.is_some_and(Progress::is_cancelled) {
            self.next = self.samples.len();
            return Some(Err(LoadError::cancelled()));
        }
        let end = (self.next + BATCH).min(self.samples.len());
        let n = end - self.next;
        // Each value takes at least a byte of its sample: the encoded size
        // bounds the reservation, whatever number of sample types is declared.
        let bytes = self.samples.bytes_of(self.next, end);
        let values = n.saturating_mul(self.n_values).min(bytes);
        let mut batch = Batch { label: Vec::with_capacity(n), values: Vec::with_capacity(values), ..Batch::default() };
        for i in self.next..end {
            if let Err(e) = self.decode(i, &mut batch) {
                self.next = self.samples.len();
                return Some(Err(e));
            }
        }
        self.number_paths(&mut batch);
        self.next = end;
        Some(Ok(batch))
    }

    /// Decodes sample `i` into `batch`, its path into `positions` (numbered
    /// later by [`Decoder::number_paths`]).
    fn decode(&mut self, i: usize, batch: &mut Batch) -> Result<(), LoadError> {
        let src = self.samples;
        let raw = src.get(i);
        let offset = || src.offset(i);
        let s = &mut self.sample;
        s.location_id.clear();
        s.value.clear();
        s.label.clear();
        s.merge(raw).map_err(|e| invalid(offset(), format!("sample {i}: not a valid Sample message: {e}")))?;
        if s.value.len() != self.n_values {
            return Err(invalid(
                offset(),
                format!("sample {i} has {} values, expected one per sample type ({})", s.value.len(), self.n_values),
            ));
        }
        batch.values.extend_from_slice(&s.value);

        let mut h = FxBuildHasher.build_hasher();
        let mut h2: u64 = 0x243F_6A88_85A3_08D3 ^ s.location_id.len() as u64;
        for &id in &s.location_id {
            let Some(pos) = self.locs.index.get(id) else {
                return Err(invalid(offset(), format!("sample {i} refers to location id {id}, which does not exist")));
            };
            // Positions index a table decoded from the input, so they fit in u32.
            let pos = pos as u32;
            h.write_u32(pos);
            h2 = (h2.rotate_left(23) ^ u64::from(pos)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            self.positions.push(pos);
        }
        self.position_ends.push(self.positions.len() as u32);
        self.fingerprints.push((h.finish(), h2));

        let label = if s.label.is_empty() {
            0
        } else if let Some(&known) = self.label_ids.get(s.label.as_slice()) {
            known
        } else {
            let number = self.label_ids.len() as u32 + 1;
            batch.new_labels.extend_from_slice(&s.label);
            batch.new_label_ends.push(batch.new_labels.len() as u32);
            batch.new_label_at.push(i);
            self.label_ids.insert(s.label.clone(), number);
            number
        };
        batch.label.push(label);
        Ok(())
    }

    /// Numbers the paths decoded into `positions` (see [`Decoder::decode`]),
    /// copying the new ones into `batch`. Done in a pass of its own after
    /// decoding the batch, so the memo lookups (each a likely cache miss on
    /// a large profile) follow one another and overlap in the CPU; between
    /// two prost decodes they did not, and cost a third of the thread.
    fn number_paths(&mut self, batch: &mut Batch) {
        batch.path.reserve(self.fingerprints.len());
        let mut start = 0;
        for (&end, &(h1, h2)) in self.position_ends.iter().zip(&self.fingerprints) {
            let positions = &self.positions[start..end as usize];
            start = end as usize;
            let check = (h2 >> 32) as u32;
            let path = match self.memo.get(&h1) {
                Some(&(c, known)) if c == check => known,
                seen => {
                    // New, or the first hash collided alone (then the path
                    // is numbered anew and the first entry kept).
                    let number = self.paths;
                    self.paths += 1;
                    batch.new_paths.extend_from_slice(positions);
                    batch.new_path_ends.push(batch.new_paths.len() as u32);
                    if seen.is_none() && self.memo.len() < MEMO_CAP {
                        self.memo.insert(h1, (check, number));
                    }
                    number
                }
            };
            batch.path.push(path);
        }
        self.positions.clear();
        self.position_ends.clear();
        self.fingerprints.clear();
    }
}

/// The model-building side. See the module docs.
struct ModelSide<'a> {
    samples: Source<'a>,
    locs: &'a Locations,
    strings: &'a Strings<'a>,
    n_values: usize,
    prunes: bool,
    /// Path number -> its stack.
    path_stacks: Vec<Option<StackId>>,
    /// Label-list number -> its label set (0: no labels).
    label_sets: Vec<LabelSetId>,
    /// The previous new path's locations root first and the stack after
    /// each: paths often share their root-side prefix with the one before,
    /// which is then not interned again.
    prev_path: Vec<u32>,
    prev_stacks: Vec<StackId>,
    weights: Vec<Weight>,
}

impl<'a> ModelSide<'a> {
    fn new(samples: Source<'a>, locs: &'a Locations, strings: &'a Strings<'a>, n_values: usize) -> Self {
        Self {
            samples,
            locs,
            strings,
            n_values,
            prunes: !locs.prunes_nothing(),
            path_stacks: Vec::new(),
            label_sets: vec![LabelSetId(0)],
            prev_path: Vec::new(),
            prev_stacks: Vec::new(),
            weights: vec![0; n_values],
        }
    }

    /// Adds the samples of `batch`.
    fn take(&mut self, batch: &Batch, b: &mut ProfileBuilder) -> Result<(), LoadError> {
        let mut start = 0;
        for &end in &batch.new_path_ends {
            let stack = self.stack(&batch.new_paths[start..end as usize], b);
            self.path_stacks.push(stack);
            start = end as usize;
        }
        let mut start = 0;
        for (&end, &i) in batch.new_label_ends.iter().zip(&batch.new_label_at) {
            let set = self.label_set(&batch.new_labels[start..end as usize], i, b)?;
            self.label_sets.push(set);
            start = end as usize;
        }
        let values = batch.values.chunks_exact(self.n_values.max(1));
        for ((&path, &label), v) in batch.path.iter().zip(&batch.label).zip(values) {
            for (w, &x) in self.weights.iter_mut().zip(v) {
                *w = Weight::from(x);
            }
            // The decoder numbers paths and label lists densely and sends
            // each new one before its first use, so both lookups succeed.
            let stack = self.path_stacks.get(path as usize).copied().flatten();
            let labels = self.label_sets.get(label as usize).copied().unwrap_or(LabelSetId(0));
            b.add_sample(stack, &self.weights, None, None, labels);
            // Two location lists can prune to one stack; pprof merges (and
            // `-normalize` rounds) samples by location list.
            b.set_sample_origin(path);
        }
        Ok(())
    }

    /// Prunes `positions` (leaf first) as pprof does and interns the stack,
    /// reusing the previous path's root-side prefix.
    fn stack(&mut self, positions: &[u32], b: &mut ProfileBuilder) -> Option<StackId> {
        let start = if self.prunes { self.locs.prune_sample(positions) } else { 0 };
        let kept = &positions[start..];
        let common = kept.iter().rev().zip(&self.prev_path).take_while(|(a, b)| a == b).count();
        self.prev_path.truncate(common);
        self.prev_stacks.truncate(common);
        let mut stack = self.prev_stacks.last().copied();
        for &pos in kept.iter().rev().skip(common) {
            for &f in self.locs.frames(pos as usize) {
                stack = Some(b.stack(stack, f));
            }
            self.prev_path.push(pos);
            // A location always has at least one frame, so `stack` is set.
            if let Some(s) = stack {
                self.prev_stacks.push(s);
            }
        }
        stack
    }

    /// The label set of `raw` (first carried by sample `i`).
    fn label_set(&self, raw: &[proto::Label], i: usize, b: &mut ProfileBuilder) -> Result<LabelSetId, LoadError> {
        let offset = || self.samples.offset(i);
        let mut labels = Vec::with_capacity(raw.len());
        for l in raw {
            let at = |f: &'static str| move || format!("Label.{f} of sample {i}");
            let key = self.strings.get(l.key, &[], at("key")).map_err(|e| with_offset(e, offset()))?;
            let value = if l.str != 0 {
                LabelValue::Str(
                    self.strings.get(l.str, &[], at("str")).map_err(|e| with_offset(e, offset()))?.to_string(),
                )
            } else if l.num != 0 || l.num_unit != 0 {
                let unit = self.strings.get(l.num_unit, &[], at("num_unit")).map_err(|e| with_offset(e, offset()))?;
                LabelValue::Num { value: l.num, unit: (!unit.is_empty()).then(|| unit.to_string()) }
            } else {
                // pprof drops a label with neither value.
                continue;
            };
            labels.push(Label { key: key.to_string(), value });
        }
        Ok(b.label_set(labels))
    }
}

fn with_offset(mut e: LoadError, offset: Option<u64>) -> LoadError {
    if e.at.is_none() {
        e.at = offset.map(At::Byte);
    }
    e
}
