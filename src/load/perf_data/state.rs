//! The machine as the records describe it, replayed in time order:
//! threads and their names, each process's executable mappings, and the
//! samples, whose call chains become address stacks (a prefix tree of
//! locations, root first) to be symbolised once the whole file is read.
//!
//! A location is a module and a file offset (for user code), a kernel
//! address, or an address no mapping covers. Stacks of locations are
//! interned as the model's stacks are, so memory grows with distinct
//! stacks, not with samples.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use super::records::{CONTEXT_KERNEL, CONTEXT_MAX, Event, Sample};

/// "No parent" in [`State::stacks`].
pub(super) const NONE: u32 = u32::MAX;

/// Where an address of a call chain is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Loc {
    /// The root frame: the command name (an index into [`State::roots`]).
    Root(u32),
    /// User code: a module of [`State::modules`] and an offset into its file.
    Module { module: u32, offset: u64 },
    /// A kernel address.
    Kernel(u64),
    /// A user address no mapping covers.
    Unmapped(u64),
}

/// A mapped file (or pseudo file: `[vdso]`, `//anon`).
#[derive(Clone, Debug)]
pub(super) struct Module {
    pub path: String,
    pub build_id: Option<Vec<u8>>,
}

#[derive(Clone, Copy, Debug)]
struct Map {
    start: u64,
    end: u64,
    pgoff: u64,
    module: u32,
}

/// A sample waiting for its stack to be symbolised.
#[derive(Clone, Copy, Debug)]
pub(super) struct Row {
    pub stack: u32,
    pub thread: u32,
    pub attr: u32,
    pub period: Option<u64>,
    pub time: Option<u64>,
}

/// A context switch record.
#[derive(Clone, Copy, Debug)]
pub(super) struct SwitchRec {
    pub time: u64,
    pub pid: u32,
    pub tid: u32,
    pub cpu: Option<u32>,
    pub out: bool,
    pub preempt: bool,
    pub peer: Option<u32>,
    /// Index into [`State::threads`].
    pub thread: u32,
}

/// How the root frame is named (inferno's `--pid` / `--tid`).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct RootNaming {
    pub pid: bool,
    pub tid: bool,
}

/// See the module docs.
#[derive(Default)]
pub(super) struct State {
    naming: RootNaming,
    comms: HashMap<u32, String, FxBuildHasher>,
    maps: HashMap<u32, Vec<Map>, FxBuildHasher>,
    pub modules: Vec<Module>,
    module_index: HashMap<String, u32, FxBuildHasher>,
    pub roots: Vec<String>,
    root_index: HashMap<String, u32, FxBuildHasher>,
    pub locs: Vec<Loc>,
    loc_index: HashMap<Loc, u32, FxBuildHasher>,
    /// `(parent or NONE, location)`; a parent's index is below its child's.
    pub stacks: Vec<(u32, u32)>,
    stack_index: HashMap<(u32, u32), u32, FxBuildHasher>,
    /// `(pid, tid, comm)` of each thread as samples saw it.
    pub threads: Vec<(u32, u32, String)>,
    thread_index: HashMap<(u32, u32, String), u32, FxBuildHasher>,
    pub rows: Vec<Row>,
    pub switches: Vec<SwitchRec>,
    /// `pgoff` of the `[kernel.kallsyms]_text` mapping: where `_text` was.
    pub kernel_text: Option<u64>,
    pub lost: u64,
    pub dwarf_samples: u64,
    scratch: Vec<u32>,
}

impl State {
    pub(super) fn new(naming: RootNaming) -> Self {
        Self { naming, ..Self::default() }
    }

    /// Applies one event (in time order).
    pub(super) fn event(&mut self, time: Option<u64>, ev: Event, fixed_periods: &[Option<u64>]) {
        match ev {
            Event::Sample(s) => self.sample(s, fixed_periods),
            Event::Comm { pid, tid, comm, exec } => {
                if exec {
                    self.maps.remove(&pid);
                }
                self.comms.insert(tid, comm);
            }
            Event::Mmap { pid, start, len, pgoff, path, build_id } => self.mmap(pid, start, len, pgoff, path, build_id),
            Event::Fork { pid, ppid, tid, ptid } => {
                if let Some(c) = self.comms.get(&ptid).cloned() {
                    self.comms.insert(tid, c);
                }
                if pid != ppid
                    && let Some(m) = self.maps.get(&ppid).cloned()
                {
                    self.maps.insert(pid, m);
                }
            }
            Event::Exit => {}
            Event::Switch { pid, tid, cpu, out, preempt, peer } => {
                let Some(time) = time else { return };
                let thread = self.thread(pid, tid);
                self.switches.push(SwitchRec { time, pid, tid, cpu, out, preempt, peer, thread });
            }
            Event::Lost(n) => self.lost += n,
        }
    }

    fn mmap(&mut self, pid: u32, start: u64, len: u64, pgoff: u64, path: String, build_id: Option<Vec<u8>>) {
        if pid == u32::MAX {
            if path.starts_with("[kernel.kallsyms]") {
                self.kernel_text = Some(pgoff);
            }
            return;
        }
        // Anonymous executable memory is JIT code: perf names it by the
        // process's /tmp/perf-PID.map, whose addresses are absolute.
        let (path, pgoff) = if path.starts_with("//anon") || path == "/dev/zero" || path == "/anon_hugepage" {
            (format!("/tmp/perf-{pid}.map"), start)
        } else {
            (path, pgoff)
        };
        let module = match self.module_index.get(&path) {
            Some(&m) => m,
            None => {
                let m = self.modules.len() as u32;
                self.modules.push(Module { path: path.clone(), build_id: None });
                self.module_index.insert(path, m);
                m
            }
        };
        if let Some(id) = build_id {
            self.modules[module as usize].build_id.get_or_insert(id);
        }
        let end = start.saturating_add(len);
        let maps = self.maps.entry(pid).or_default();
        // The new mapping replaces whatever it overlaps.
        let mut kept = Vec::with_capacity(maps.len() + 2);
        for m in maps.drain(..) {
            if m.end <= start || m.start >= end {
                kept.push(m);
                continue;
            }
            if m.start < start {
                kept.push(Map { end: start, ..m });
            }
            if m.end > end {
                kept.push(Map { start: end, pgoff: m.pgoff + (end - m.start), ..m });
            }
        }
        kept.push(Map { start, end, pgoff, module });
        kept.sort_by_key(|m| m.start);
        *maps = kept;
    }

    /// Sets module build ids from the file's build-id table (by path).
    pub(super) fn set_build_ids(&mut self, ids: &[(String, Vec<u8>)]) {
        for (path, id) in ids {
            if let Some(&m) = self.module_index.get(path) {
                self.modules[m as usize].build_id.get_or_insert_with(|| id.clone());
            }
        }
    }

    fn locate(&self, pid: u32, addr: u64, kernel: bool) -> Loc {
        if kernel {
            return Loc::Kernel(addr);
        }
        let Some(maps) = self.maps.get(&pid) else { return Loc::Unmapped(addr) };
        let i = maps.partition_point(|m| m.start <= addr);
        match i.checked_sub(1).map(|i| maps[i]) {
            Some(m) if addr < m.end => Loc::Module { module: m.module, offset: addr - m.start + m.pgoff },
            _ => Loc::Unmapped(addr),
        }
    }

    fn intern_loc(&mut self, l: Loc) -> u32 {
        if let Some(&i) = self.loc_index.get(&l) {
            return i;
        }
        let i = self.locs.len() as u32;
        self.locs.push(l);
        self.loc_index.insert(l, i);
        i
    }

    fn intern_stack(&mut self, parent: u32, loc: u32) -> u32 {
        if let Some(&i) = self.stack_index.get(&(parent, loc)) {
            return i;
        }
        let i = self.stacks.len() as u32;
        self.stacks.push((parent, loc));
        self.stack_index.insert((parent, loc), i);
        i
    }

    fn comm(&self, tid: u32) -> String {
        // The idle task has no COMM record; perf names it swapper.
        self.comms.get(&tid).cloned().unwrap_or_else(|| if tid == 0 { "swapper".into() } else { format!(":{tid}") })
    }

    /// The thread `(pid, tid)` under its current name.
    fn thread(&mut self, pid: u32, tid: u32) -> u32 {
        let key = (pid, tid, self.comm(tid));
        if let Some(&t) = self.thread_index.get(&key) {
            return t;
        }
        let t = self.threads.len() as u32;
        self.threads.push(key.clone());
        self.thread_index.insert(key, t);
        t
    }

    fn sample(&mut self, s: Sample, fixed_periods: &[Option<u64>]) {
        let comm = self.comm(s.tid);
        let mut root = comm.replace(' ', "_");
        if self.naming.tid {
            root.push_str(&format!("-{}/{}", s.pid, s.tid));
        } else if self.naming.pid {
            root.push_str(&format!("-{}", s.pid));
        }
        let root = match self.root_index.get(&root) {
            Some(&r) => r,
            None => {
                let r = self.roots.len() as u32;
                self.roots.push(root.clone());
                self.root_index.insert(root, r);
                r
            }
        };
        let thread = self.thread(s.pid, s.tid);
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        // Without markers, kernel addresses are told by their top half.
        let mut kernel = s.chain.first().is_some_and(|&a| a < CONTEXT_MAX && a >> 63 == 1);
        for &a in &s.chain {
            if a >= CONTEXT_MAX {
                // Kernel, guest kernel and hypervisor code are not in any process's mappings.
                kernel = a == CONTEXT_KERNEL || a == -2176i64 as u64 || a == -32i64 as u64;
                continue;
            }
            let l = self.locate(s.pid, a, kernel);
            scratch.push(self.intern_loc(l));
        }
        let root_loc = self.intern_loc(Loc::Root(root));
        let mut stack = self.intern_stack(NONE, root_loc);
        for &l in scratch.iter().rev() {
            stack = self.intern_stack(stack, l);
        }
        self.scratch = scratch;
        self.dwarf_samples += u64::from(s.dwarf);
        let period = s.period.or_else(|| fixed_periods.get(s.attr).copied().flatten());
        self.rows.push(Row { stack, thread, attr: s.attr as u32, period, time: s.time });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idle_task_is_swapper_and_other_threads_without_a_comm_their_tid() {
        let s = State::new(RootNaming::default());
        assert_eq!(s.comm(0), "swapper");
        assert_eq!(s.comm(1234), ":1234");
    }
}
