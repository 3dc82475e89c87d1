//! The event types Firesight turns into metrics, and the per-chunk plan
//! that reads only the fields they need from each event.
//!
//! Each event type present becomes a metric named by the event type, in
//! its unit: samples count one each, allocations weigh bytes, waits their
//! duration in ns; file and socket I/O also get a bytes metric named
//! `<type>.bytesRead` / `<type>.bytesWritten`. The other fields are
//! skipped with the chunk's layouts.

use rustc_hash::FxHashMap;

use super::chunk::Chunk;
use super::layout::{Field, Kind};
use super::reader::{Read, Reader};
use crate::model::Unit;

/// What an event of a type weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weigh {
    /// One per event.
    One,
    /// The event's duration, in ns.
    Duration,
    /// An integer field, in the metric's unit.
    Field(&'static str),
}

/// An event type read into the model.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Event type name, also the metric name.
    pub name: &'static str,
    /// The metric's unit.
    pub unit: Unit2,
    /// Its weight.
    pub weigh: Weigh,
    /// A second metric in bytes from this field (`<name>.<field>`).
    pub bytes: Option<&'static str>,
}

/// [`Unit`] without the allocation, for a `const` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit2 {
    /// A count.
    Count,
    /// Bytes.
    Bytes,
    /// Nanoseconds.
    Nanoseconds,
}

impl Unit2 {
    /// The model unit.
    pub fn unit(self) -> Unit {
        match self {
            Self::Count => Unit::Count,
            Self::Bytes => Unit::Bytes,
            Self::Nanoseconds => Unit::Nanoseconds,
        }
    }
}

const fn spec(name: &'static str, unit: Unit2, weigh: Weigh, bytes: Option<&'static str>) -> Spec {
    Spec { name, unit, weigh, bytes }
}

/// The event types read, in the order their metrics are added.
pub const SPECS: &[Spec] = &[
    spec("jdk.ExecutionSample", Unit2::Count, Weigh::One, None),
    spec("jdk.NativeMethodSample", Unit2::Count, Weigh::One, None),
    spec("jdk.ObjectAllocationSample", Unit2::Bytes, Weigh::Field("weight"), None),
    spec("jdk.ObjectAllocationInNewTLAB", Unit2::Bytes, Weigh::Field("allocationSize"), None),
    spec("jdk.ObjectAllocationOutsideTLAB", Unit2::Bytes, Weigh::Field("allocationSize"), None),
    spec("jdk.JavaMonitorEnter", Unit2::Nanoseconds, Weigh::Duration, None),
    spec("jdk.JavaMonitorWait", Unit2::Nanoseconds, Weigh::Duration, None),
    spec("jdk.ThreadPark", Unit2::Nanoseconds, Weigh::Duration, None),
    spec("jdk.ThreadSleep", Unit2::Nanoseconds, Weigh::Duration, None),
    spec("jdk.FileRead", Unit2::Nanoseconds, Weigh::Duration, Some("bytesRead")),
    spec("jdk.FileWrite", Unit2::Nanoseconds, Weigh::Duration, Some("bytesWritten")),
    spec("jdk.SocketRead", Unit2::Nanoseconds, Weigh::Duration, Some("bytesRead")),
    spec("jdk.SocketWrite", Unit2::Nanoseconds, Weigh::Duration, Some("bytesWritten")),
];

/// Where a field's value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Skip,
    Start,
    Duration,
    Thread,
    Stack,
    Weight,
    Bytes,
}

/// One step of reading an event: a field read into its slot, or skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// A compressed integer read into the slot.
    Read(Slot),
    /// A compressed integer or pool key skipped.
    SkipVarint,
    /// A `boolean` or `byte` skipped.
    SkipByte,
    /// A string skipped.
    SkipString,
    /// Anything else (arrays, inline objects, floats) skipped by its layout.
    Skip(Field),
}

/// How to read one event type of one chunk.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Index into [`SPECS`].
    pub spec: usize,
    ops: Vec<Op>,
    /// Pool type of the thread field.
    pub thread_type: i64,
    /// Pool type of the stack trace field.
    pub stack_type: i64,
}

/// The fields of one event that matter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fields {
    /// Start in ticks.
    pub start: Option<i64>,
    /// Duration in ticks.
    pub duration: i64,
    /// Thread pool key (0 = none).
    pub thread: i64,
    /// Stack trace pool key (0 = none).
    pub stack: i64,
    /// The weight field.
    pub weight: i64,
    /// The bytes field.
    pub bytes: i64,
}

/// Plans by type id: a table for the small ids real recordings use, a map beyond.
#[derive(Debug, Default)]
pub struct Plans {
    small: Vec<Option<Plan>>,
    large: FxHashMap<i64, Plan>,
}

/// Type ids below this are looked up in a table.
const SMALL_IDS: i64 = 4096;

impl Plans {
    fn insert(&mut self, id: i64, plan: Plan) {
        if (0..SMALL_IDS).contains(&id) {
            let i = id as usize;
            if self.small.len() <= i {
                self.small.resize(i + 1, None);
            }
            self.small[i] = Some(plan);
        } else {
            self.large.insert(id, plan);
        }
    }

    /// Every plan.
    pub fn iter(&self) -> impl Iterator<Item = &Plan> {
        self.small.iter().flatten().chain(self.large.values())
    }

    /// The plan for type id `id`.
    #[inline]
    pub fn get(&self, id: i64) -> Option<&Plan> {
        if (0..SMALL_IDS).contains(&id) {
            return self.small.get(id as usize)?.as_ref();
        }
        self.large.get(&id)
    }
}

/// Plans for the event types of `chunk` that are read, by type id.
pub fn plans(chunk: &Chunk) -> Plans {
    let mut out = Plans::default();
    for (ci, class) in chunk.md.classes.iter().enumerate() {
        let Some(si) = SPECS.iter().position(|s| s.name == class.name) else { continue };
        let spec = SPECS[si];
        let has_sampled = class.field("sampledThread").is_some();
        let mut plan = Plan { spec: si, ops: Vec::with_capacity(class.fields.len()), thread_type: 0, stack_type: 0 };
        for (f, def) in chunk.layouts.classes[ci].iter().zip(&class.fields) {
            let scalar = !f.array && matches!(f.kind, Kind::Varint | Kind::Ref);
            let slot = match def.name.as_str() {
                "startTime" if scalar => Slot::Start,
                "duration" if scalar => Slot::Duration,
                "sampledThread" if scalar && f.kind == Kind::Ref => Slot::Thread,
                "eventThread" if scalar && f.kind == Kind::Ref && !has_sampled => Slot::Thread,
                "stackTrace" if scalar && f.kind == Kind::Ref => Slot::Stack,
                n if scalar && matches!(spec.weigh, Weigh::Field(w) if w == n) => Slot::Weight,
                n if scalar && spec.bytes == Some(n) => Slot::Bytes,
                _ => Slot::Skip,
            };
            match slot {
                Slot::Thread => plan.thread_type = f.type_id,
                Slot::Stack => plan.stack_type = f.type_id,
                _ => {}
            }
            plan.ops.push(match (slot, f.kind, f.array) {
                (Slot::Skip, Kind::Varint | Kind::Ref, false) => Op::SkipVarint,
                (Slot::Skip, Kind::Byte, false) => Op::SkipByte,
                (Slot::Skip, Kind::Str, false) => Op::SkipString,
                (Slot::Skip, _, _) => Op::Skip(*f),
                (slot, _, _) => Op::Read(slot),
            });
        }
        // Fields after the last one needed are never read: the event's size moves to the next.
        let needed = plan.ops.iter().rposition(|op| matches!(op, Op::Read(_))).map_or(0, |i| i + 1);
        plan.ops.truncate(needed);
        out.insert(class.id, plan);
    }
    out
}

impl Plan {
    /// Reads the fields of one event (`r` is after its type id).
    #[inline]
    pub fn read(&self, chunk: &Chunk, r: &mut Reader<'_>) -> Read<Fields> {
        let mut out = Fields::default();
        for &op in &self.ops {
            let slot = match op {
                Op::Read(slot) => slot,
                Op::SkipVarint => {
                    r.varint()?;
                    continue;
                }
                Op::SkipByte => {
                    r.skip(1, "a byte field")?;
                    continue;
                }
                Op::SkipString => {
                    r.skip_string()?;
                    continue;
                }
                Op::Skip(f) => {
                    chunk.layouts.skip_field(f, r, 0)?;
                    continue;
                }
            };
            let v = r.varint()?;
            match slot {
                Slot::Start => out.start = Some(v),
                Slot::Duration => out.duration = v,
                Slot::Thread => out.thread = v,
                Slot::Stack => out.stack = v,
                Slot::Weight => out.weight = v,
                Slot::Bytes => out.bytes = v,
                Slot::Skip => {}
            }
        }
        Ok(out)
    }
}
