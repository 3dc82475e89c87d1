//! The waiting half of a profile in one bundle, computed once per loaded
//! profile (on the load worker, not the window's thread): the syscall
//! table, the lock table, and how wall time splits into on-CPU and off-CPU
//! by state.

use std::sync::Arc;

use crate::analysis::locks::{LockTable, lock_table};
use crate::analysis::offcpu::{OFF_CPU, STATE_KEY};
use crate::analysis::syscalls::{SyscallTable, syscall_table};
use crate::model::{Profile, Unit, units};

/// What a document shows about waiting.
#[derive(Clone, Debug, Default)]
pub struct Waits {
    /// The syscall table, when the profile has system calls.
    pub syscalls: Option<Arc<SyscallTable>>,
    /// The lock table, for contention profiles.
    pub locks: Option<Arc<LockTable>>,
    /// How wall time splits (`on-CPU 201 ms · off-CPU 431 ms: S 306 ms ...`).
    pub split: Option<String>,
}

impl Waits {
    /// Everything for `p` (one pass over its samples per table).
    pub fn of(p: &Profile) -> Self {
        Self {
            syscalls: syscall_table(p).filter(|t| !t.rows.is_empty()).map(Arc::new),
            locks: lock_table(p).filter(|t| !t.rows.is_empty()).map(Arc::new),
            split: split_text(p),
        }
    }

    /// True when there is a table to show.
    pub fn has_table(&self) -> bool {
        self.syscalls.is_some() || self.locks.is_some()
    }

    /// The toggle's words.
    pub fn title(&self) -> &'static str {
        if self.syscalls.is_some() { "Syscall table" } else { "Lock table" }
    }
}

/// `on-CPU 201.2 ms · off-CPU 431.0 ms (S 306.4 ms, R 98.5 ms, D 26.1 ms)`,
/// for a profile with the `off-cpu` metric.
pub fn split_text(p: &Profile) -> Option<String> {
    let off = p.metric_by_name(OFF_CPU).filter(|&m| p.metric(m).name == OFF_CPU)?;
    let cpu = p
        .metrics
        .iter()
        .position(|m| m.unit == Unit::Nanoseconds && m.name != OFF_CPU && m.name != crate::analysis::offcpu::WALL)
        .map(crate::model::MetricId::from_index);
    let mut by_state: Vec<(String, i128)> = Vec::new();
    for i in 0..p.samples.len() {
        let w = p.weight(i, off);
        if w == 0 {
            continue;
        }
        let s = p.labels(i).iter().find(|l| l.key == STATE_KEY).map_or("?".to_string(), |l| l.value.to_string());
        match by_state.iter_mut().find(|(k, _)| *k == s) {
            Some(e) => e.1 += w,
            None => by_state.push((s, w)),
        }
    }
    by_state.sort_by_key(|e| std::cmp::Reverse(e.1));
    let fmt = |w: i128| units::format_weight(&Unit::Nanoseconds, w, 0);
    let parts: Vec<String> = by_state.iter().map(|(s, w)| format!("{s} {}", fmt(*w))).collect();
    let on = cpu.map_or(String::new(), |c| format!("on-CPU {} · ", fmt(p.total(c))));
    Some(format!("{on}off-CPU {} ({}; S sleep, D disk, R preempted)", fmt(p.total(off)), parts.join(", ")))
}
