//! The lock view: for contention profiles (Go's pprof `mutex` and `block`
//! profiles: `contentions`/count and `delay`/nanoseconds), wait time and
//! contentions per waiting site, its share of all waiting, and the callers
//! that wait there most, so a row reads as the seed reads it: "checkout
//! waits on sync.(*Mutex).Lock 50% of the time".
//!
//! A sample's stack runs from the root to where the goroutine waited. The
//! *primitive* is the leaf-most frame of the runtime or `sync` package
//! (`sync.(*Mutex).Lock`, `runtime.chanrecv1`, `runtime.selectgo`); the
//! *site* is the first frame above it in the program's own code (the
//! function that took the lock); the *caller* is the frame above the site.
//! Rows are (site, primitive), most delay first. Imports `model` only.

use std::collections::HashMap;

use crate::model::{FrameId, MetricId, Profile, Unit, Weight};

/// At most this many callers are kept per row.
pub const MAX_CALLERS: usize = 5;

/// One waiting site.
#[derive(Clone, Debug, PartialEq)]
pub struct LockRow {
    /// The function that waited (the program's frame above the primitive).
    pub site: String,
    /// What it waited in (`sync.(*Mutex).Lock`); empty when the stack has no
    /// runtime or sync frame.
    pub primitive: String,
    /// Times it waited.
    pub contentions: Weight,
    /// Time waited, ns.
    pub delay_ns: Weight,
    /// The callers of `site` by delay, most first (at most [`MAX_CALLERS`]).
    pub callers: Vec<(String, Weight)>,
}

/// The lock table of a contention profile.
#[derive(Clone, Debug, PartialEq)]
pub struct LockTable {
    /// Rows, most delay first.
    pub rows: Vec<LockRow>,
    /// All delay, ns.
    pub total_delay_ns: Weight,
    /// All contentions.
    pub total_contentions: Weight,
}

impl LockTable {
    /// `row`'s share of all delay, 0..=1.
    pub fn share(&self, row: &LockRow) -> f64 {
        if self.total_delay_ns == 0 { 0.0 } else { row.delay_ns as f64 / self.total_delay_ns as f64 }
    }

    /// True when every row's stack ends in an unlock: a Go mutex profile,
    /// which charges the contention to the goroutine that unlocked (the
    /// holder that made others wait), where its block profile charges the
    /// waiter. The rows are then holding sites, not waiting sites.
    pub fn charged_to_holders(&self) -> bool {
        !self.rows.is_empty() && self.rows.iter().all(|r| r.primitive.contains("Unlock"))
    }
}

/// Contentions, delay and delay per caller of one row, while summing.
type Acc = (Weight, Weight, HashMap<Option<FrameId>, Weight>);

/// True for a frame of Go's runtime or sync packages (where waiting happens).
fn is_primitive(name: &str) -> bool {
    name.starts_with("runtime.") || name.starts_with("sync.") || name.starts_with("internal/")
}

/// The contentions and delay metrics, when `p` is a contention profile.
pub fn lock_metrics(p: &Profile) -> Option<(MetricId, MetricId)> {
    let delay = p.metrics.iter().position(|m| m.name == "delay" && m.unit == Unit::Nanoseconds)?;
    let count = p.metrics.iter().position(|m| m.name == "contentions")?;
    Some((MetricId::from_index(count), MetricId::from_index(delay)))
}

/// The lock table of `p`; `None` unless it is a contention profile.
pub fn lock_table(p: &Profile) -> Option<LockTable> {
    let (count_m, delay_m) = lock_metrics(p)?;
    let mut rows: HashMap<(FrameId, Option<FrameId>), Acc> = HashMap::new();
    let mut path = Vec::new();
    let (mut total_delay, mut total_count) = (0, 0);
    for i in 0..p.samples.len() {
        let Some(stack) = p.samples.stacks[i] else { continue };
        let (c, d) = (p.weight(i, count_m), p.weight(i, delay_m));
        total_delay += d;
        total_count += c;
        p.stacks.frames_root_first(stack, &mut path);
        // One row per function, whatever line it waited at.
        for f in &mut path {
            *f = p.function(*f);
        }
        let Some(leaf_prim) = path.iter().rposition(|&f| is_primitive(p.frames.name(f))) else {
            let site = *path.last().unwrap_or(&FrameId(0));
            let caller = path.len().checked_sub(2).map(|k| path[k]);
            let e = rows.entry((site, None)).or_default();
            e.0 += c;
            e.1 += d;
            *e.2.entry(caller).or_default() += d;
            continue;
        };
        // The outermost runtime/sync frame of the run ending at the leaf-most one.
        let mut prim = leaf_prim;
        while prim > 0 && is_primitive(p.frames.name(path[prim - 1])) {
            prim -= 1;
        }
        let (site, primitive) = match prim.checked_sub(1) {
            Some(s) => (path[s], Some(path[prim])),
            None => (path[prim], None),
        };
        let caller = prim.checked_sub(2).map(|k| path[k]);
        let e = rows.entry((site, primitive)).or_default();
        e.0 += c;
        e.1 += d;
        *e.2.entry(caller).or_default() += d;
    }
    let name = |f: Option<FrameId>| f.map_or(String::new(), |f| p.frames.name(f).to_string());
    let mut out: Vec<LockRow> = rows
        .into_iter()
        .map(|((site, prim), (c, d, callers))| {
            let mut callers: Vec<(String, Weight)> =
                callers.into_iter().filter(|(f, _)| f.is_some()).map(|(f, w)| (name(f), w)).collect();
            callers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            callers.truncate(MAX_CALLERS);
            LockRow { site: name(Some(site)), primitive: name(prim), contentions: c, delay_ns: d, callers }
        })
        .filter(|r| r.delay_ns != 0 || r.contentions != 0)
        .collect();
    out.sort_by(|a, b| b.delay_ns.cmp(&a.delay_ns).then(b.contentions.cmp(&a.contentions)).then(a.site.cmp(&b.site)));
    Some(LockTable { rows: out, total_delay_ns: total_delay, total_contentions: total_count })
}
