//! From the replayed state to the model: symbolises every location on
//! worker threads (one module at a time, with progress and cancel), names
//! frames as `perf script` folded by inferno names them, and adds metrics,
//! threads and samples.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::FORMAT;
use super::kallsyms::Kallsyms;
use super::layout::{Attr, Features};
use super::state::{Loc, NONE, State};
use super::symbols::{self, Found, Resolved};
use crate::load::error::LoadError;
use crate::load::perf_script::frame::{NameOptions, names, tidy_generic};
use crate::load::source::Progress;
use crate::load::{PerfDataOptions, PerfOptions};
use crate::model::frame::FrameRef;
use crate::model::{FrameId, FrameKind, Profile, ProfileBuilder, StackId, SwitchKind, SwitchRecord, Thread, Unit};

/// One module's symbolisation: a result per offset, or why there is none.
type ModuleResult = Result<Vec<Option<Resolved>>, String>;

/// The frames of one location, root first.
type Frames = Vec<(String, String, FrameKind)>;

/// Symbolises every location of `state` (see the module docs).
fn symbolise(
    state: &State,
    features: &Features,
    perf: &PerfOptions,
    opts: &PerfDataOptions,
    progress: &Progress,
    b: &mut ProfileBuilder,
) -> Result<Vec<Frames>, LoadError> {
    // Recorded on this very kernel (its release string): then this
    // process's vDSO is the recording's even when no build id says so
    // (`perf record -z` and `-B` write none).
    let release = features.meta.iter().find(|(k, _)| *k == "os release").map(|(_, v)| v.trim());
    let here = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let same_kernel = release.is_some_and(|r| !r.is_empty() && r == here.trim());
    let mut by_module: Vec<Vec<(usize, u64)>> = vec![Vec::new(); state.modules.len()];
    for (i, l) in state.locs.iter().enumerate() {
        if let Loc::Module { module, offset } = *l {
            by_module[module as usize].push((i, offset));
        }
    }
    let work: Vec<usize> = (0..by_module.len()).filter(|&m| !by_module[m].is_empty()).collect();
    let results: Vec<Mutex<Option<ModuleResult>>> = work.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let read = progress.bytes_read.load(Ordering::Relaxed).max(1);
    progress.bytes_total.store(read * 2, Ordering::Relaxed);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(work.len()).max(1);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= work.len() || progress.is_cancelled() {
                        break;
                    }
                    let m = &state.modules[work[k]];
                    let offsets: Vec<u64> = by_module[work[k]].iter().map(|&(_, o)| o).collect();
                    let r = match symbols::find(&m.path, m.build_id.as_deref(), &opts.symbol_dirs, same_kernel) {
                        Found::Files { binary, debug } => {
                            symbols::resolve(&binary, debug.as_deref(), &offsets, opts.inline)
                        }
                        Found::PerfMap(syms) => Ok(symbols::resolve_perf_map(&syms, &offsets)),
                        Found::Missing(why) => Err(why),
                    };
                    if let Ok(mut slot) = results[k].lock() {
                        *slot = Some(r);
                    }
                    progress.bytes_read.fetch_add(read / work.len() as u64, Ordering::Relaxed);
                }
            });
        }
    });
    if progress.is_cancelled() {
        return Err(LoadError::cancelled());
    }
    let kallsyms = kernel_symbols(state, opts, b);
    let mut frames: Vec<Frames> = vec![Vec::new(); state.locs.len()];
    // inferno's --kernel and --jit annotations apply as they do to perf script.
    let name_opts =
        NameOptions { annotate_kernel: perf.annotate_kernel, annotate_jit: perf.annotate_jit, include_addrs: false };
    let mut out = Vec::new();
    for (k, &m) in work.iter().enumerate() {
        let module = &state.modules[m];
        let res = results[k].lock().ok().and_then(|mut r| r.take()).unwrap_or_else(|| Err("not symbolised".into()));
        let (resolved, why) = match res {
            Ok(r) => (r, None),
            Err(why) => (Vec::new(), Some(why)),
        };
        let base = module.path.rsplit('/').next().unwrap_or(&module.path).to_string();
        let mut unresolved = 0;
        for (j, &(loc, offset)) in by_module[m].iter().enumerate() {
            let f = &mut frames[loc];
            match resolved.get(j).cloned().flatten() {
                Some(r) => {
                    names("", &r.name, &module.path, false, name_opts, &mut out);
                    f.extend(out.drain(..).map(|(n, k)| (n, module.path.clone(), k)));
                    for i in r.inlined {
                        f.push((tidy_generic(i), module.path.clone(), FrameKind::Inline));
                    }
                }
                None => {
                    unresolved += 1;
                    f.push((format!("{base}+0x{offset:x}"), module.path.clone(), FrameKind::Unknown));
                }
            }
        }
        if let Some(why) = why.filter(|_| !is_pseudo(&module.path)) {
            let id = module.build_id.as_deref().map_or(String::new(), |i| format!(" (build id {})", symbols::hex(i)));
            b.warn(
                None,
                None,
                format!(
                    "no symbols for {}{id}: {why}; its {unresolved} addresses are shown as {base}+0xOFFSET \
                     (pass --symbols DIR with a copy of the file)",
                    module.path
                ),
            );
        }
    }
    let mut unmapped = 0u64;
    for (i, l) in state.locs.iter().enumerate() {
        match *l {
            Loc::Root(r) => frames[i].push((state.roots[r as usize].clone(), String::new(), FrameKind::User)),
            Loc::Kernel(a) => match kallsyms.as_ref().and_then(|k| k.lookup(a, state.kernel_text)) {
                Some((name, module)) => {
                    names("", name, &module, false, name_opts, &mut out);
                    frames[i].extend(out.drain(..).map(|(n, k)| (n, module.clone(), k)));
                }
                None => {
                    let off = state.kernel_text.map_or(a, |t| a.wrapping_sub(t));
                    frames[i].push((
                        format!("[kernel.kallsyms]+0x{off:x}"),
                        "[kernel.kallsyms]".into(),
                        FrameKind::Kernel,
                    ));
                }
            },
            Loc::Unmapped(a) => {
                unmapped += 1;
                // inferno's --addrs names the address: `[unknown <7f12>]`.
                let name = if perf.include_addrs { format!("[unknown <{a:x}>]") } else { "[unknown]".into() };
                frames[i].push((name, "[unknown]".into(), FrameKind::Unknown));
            }
            Loc::Module { .. } => {}
        }
    }
    if unmapped > 0 {
        b.warn(None, None, format!("{unmapped} distinct user addresses lie in no mapping the file recorded; shown as [unknown], as perf script shows them"));
    }
    Ok(frames)
}

/// Pseudo mappings with no file (`[vdso]`, `//anon`, `[heap]`): no warning.
fn is_pseudo(path: &str) -> bool {
    path.starts_with('[') || path.starts_with("//") || path.starts_with("/memfd:") || path.is_empty()
}

/// The kernel's symbols, when some sample is in the kernel; a warning when
/// they cannot be read.
fn kernel_symbols(state: &State, opts: &PerfDataOptions, b: &mut ProfileBuilder) -> Option<Kallsyms> {
    if !state.locs.iter().any(|l| matches!(l, Loc::Kernel(_))) {
        return None;
    }
    let path = opts.kallsyms.clone().unwrap_or_else(|| PathBuf::from("/proc/kallsyms"));
    match Kallsyms::read(&path) {
        Ok(k) => Some(k),
        Err(why) => {
            b.warn(
                None,
                None,
                format!("no kernel symbols: {why}; kernel addresses are shown as [kernel.kallsyms]+0xOFFSET"),
            );
            None
        }
    }
}

/// The event's name from the EVENT_DESC feature (by its ids), else its own.
fn event_name(a: &Attr, i: usize, f: &Features) -> String {
    f.event_names
        .iter()
        .find(|(ids, _)| ids.iter().any(|id| a.ids.contains(id)))
        .or_else(|| f.event_names.get(i).filter(|_| a.ids.is_empty()))
        .map_or_else(|| a.name.clone(), |(_, n)| n.clone())
}

/// Builds the profile. Errors: cancel; an event filter that matches no event.
pub(super) fn build(
    state: &State,
    attrs: &[Attr],
    features: &Features,
    perf: &PerfOptions,
    opts: &PerfDataOptions,
    progress: &Progress,
    mut b: ProfileBuilder,
) -> Result<Profile, LoadError> {
    let frames = symbolise(state, features, perf, opts, progress, &mut b)?;
    let mut metrics = Vec::with_capacity(attrs.len());
    let mut counts = vec![0u64; attrs.len()];
    for r in &state.rows {
        if let Some(c) = counts.get_mut(r.attr as usize) {
            *c += 1;
        }
    }
    for (i, a) in attrs.iter().enumerate() {
        let name = event_name(a, i, features);
        if perf.event_filter.as_ref().is_some_and(|f| *f != name) {
            metrics.push(None);
            continue;
        }
        // `cpu-clock`, `cpu-clock:u`, `cpu-clock/freq=999/` count nanoseconds.
        let unit = match name.split([':', '/']).next() {
            Some("cpu-clock" | "task-clock") => Unit::Nanoseconds,
            _ => Unit::Count,
        };
        b.meta("event", format!("{name} ({} samples)", counts[i]));
        metrics.push(Some(b.add_metric(&name, unit)));
    }
    let Some(&Some(first)) = metrics.iter().find(|m| m.is_some()) else {
        let what = match perf.event_filter.as_deref() {
            Some(name) if !attrs.is_empty() => format!("no event named {name:?} in the file"),
            // A pipe-mode file gives its events in records after its header.
            _ => "the file describes no event (it ends before any attribute record: truncated?)".to_string(),
        };
        return Err(LoadError::invalid(FORMAT, None, what));
    };
    b.set_default_metric(first);
    let mut frame_ids: HashMap<usize, Vec<FrameId>> = HashMap::new();
    let mut model: Vec<Option<StackId>> = Vec::with_capacity(state.stacks.len());
    for (i, &(parent, loc)) in state.stacks.iter().enumerate() {
        if i % 65536 == 0 && progress.is_cancelled() {
            return Err(LoadError::cancelled());
        }
        let ids = frame_ids
            .entry(loc as usize)
            .or_insert_with(|| frames[loc as usize].iter().map(|(n, m, k)| b.frame(FrameRef::new(n, m, *k))).collect());
        let mut s = if parent == NONE { None } else { model[parent as usize] };
        for &f in ids.iter() {
            s = Some(b.stack(s, f));
        }
        model.push(s);
    }
    let threads: Vec<_> = state
        .threads
        .iter()
        .map(|(pid, tid, comm)| b.thread(Thread { pid: Some(*pid), tid: Some(*tid), name: comm.clone() }))
        .collect();
    b.reserve_samples(state.rows.len());
    for r in &state.rows {
        let Some(Some(m)) = metrics.get(r.attr as usize) else { continue };
        let w = r.period.map_or(1, i128::from);
        b.add_sample_for(model[r.stack as usize], *m, w, r.time, threads.get(r.thread as usize).copied());
    }
    for r in &state.switches {
        let kind = if r.out { SwitchKind::Out { preempt: r.preempt } } else { SwitchKind::In };
        b.add_switch(SwitchRecord {
            pid: Some(r.pid),
            cpu: r.cpu,
            peer_tid: r.peer,
            thread: threads.get(r.thread as usize).copied(),
            ..SwitchRecord::new(r.time, r.tid, kind)
        });
    }
    if !state.switches.is_empty() {
        b.meta("context switches", state.switches.len().to_string());
    }
    if state.dwarf_samples > 0 {
        b.warn(
            None,
            None,
            format!(
                "{} samples were recorded with --call-graph dwarf (stack copies): Firesight does not unwind them, \
                 so their user-space stacks are shown to the leaf function only (kernel frames are whole); \
                 record with -g (frame pointers) for whole stacks",
                state.dwarf_samples
            ),
        );
    }
    if state.lost > 0 {
        b.warn(None, None, format!("{} events were lost while recording (perf could not keep up)", state.lost));
    }
    if state.rows.is_empty() {
        b.warn(None, None, "the file has no samples");
    }
    b.finish().map_err(|e| LoadError::invalid(FORMAT, None, e.to_string()))
}
