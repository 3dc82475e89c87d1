//! Symbols of one mapped file: finding it on this machine (by path and
//! build id, in `--symbols` directories, perf's build-id cache and
//! `/usr/lib/debug`), its ELF symbol table chosen as perf chooses among
//! aliases, and DWARF (through addr2line) for the functions inlined at an
//! address.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use addr2line::gimli;
use object::{Object, ObjectSection, ObjectSegment, ObjectSymbol, ObjectSymbolTable, SymbolKind};

/// Largest file read for symbols: 4 GiB.
const MAX_FILE: u64 = 4 << 30;

/// A function at an address, and the functions inlined into it there
/// (outermost first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Resolved {
    pub name: String,
    pub inlined: Vec<String>,
}

/// What a search found for a module, or why it found nothing.
pub(super) enum Found {
    /// The file that maps offsets, and the one with symbols (often the same).
    Files {
        binary: Vec<u8>,
        debug: Option<Vec<u8>>,
    },
    /// A JIT's `/tmp/perf-PID.map`: `(start, end, name)` by absolute address.
    PerfMap(Vec<(u64, u64, String)>),
    Missing(String),
}

/// Hex of a build id.
pub(super) fn hex(id: &[u8]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

/// True when a recorded build id (zero-padded to 20 bytes by old perf)
/// names the file's.
fn same_build_id(recorded: &[u8], file: &[u8]) -> bool {
    recorded.len() >= file.len() && recorded[..file.len()] == *file && recorded[file.len()..].iter().all(|&b| b == 0)
}

/// Where to look for `path` with build id `id`, in order.
fn candidates(path: &str, id: Option<&[u8]>, dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let base = Path::new(path).file_name().map(PathBuf::from);
    let id_parts = id.filter(|i| i.len() > 1).map(|i| {
        let h = hex(i);
        (h[..2].to_string(), h[2..].to_string())
    });
    for d in dirs {
        if let Some((a, b)) = &id_parts {
            out.push(d.join(".build-id").join(a).join(format!("{b}.debug")));
            out.push(d.join(".build-id").join(a).join(b));
        }
        if let Some(b) = &base {
            out.push(d.join(b));
        }
    }
    out.push(PathBuf::from(path));
    if let Some((a, b)) = &id_parts {
        if let Some(home) = std::env::var_os("HOME") {
            out.push(Path::new(&home).join(".debug/.build-id").join(a).join(b).join("elf"));
            out.push(Path::new(&home).join(".debug/.build-id").join(a).join(b).join("debug"));
        }
        out.push(Path::new("/usr/lib/debug/.build-id").join(a).join(format!("{b}.debug")));
    }
    out.push(Path::new("/usr/lib/debug").join(path.trim_start_matches('/')));
    out.push(Path::new("/usr/lib/debug").join(format!("{}.debug", path.trim_start_matches('/'))));
    out
}

fn has_symbols(f: &object::File<'_>) -> bool {
    f.section_by_name(".debug_info").is_some() || f.section_by_name(".symtab").is_some()
}

/// Finds the files for a module: the first candidate whose build id
/// matches (any, when the recording has none) maps offsets; when it has
/// no symbol table nor DWARF, a later match that has them gives the symbols.
/// A recording without build ids (`perf record -z`, `-B`) takes the file's
/// own build id to find its debug file, as perf does. `same_kernel`: the
/// recording was made on this kernel (its vDSO is this process's).
pub(super) fn find(path: &str, id: Option<&[u8]>, dirs: &[PathBuf], same_kernel: bool) -> Found {
    if path == "[vdso]" {
        return own_vdso(id, same_kernel);
    }
    let found = find_files(path, id, dirs);
    match (&found, id) {
        (Found::Files { binary, debug: None }, None) => {
            let own = object::File::parse(&**binary)
                .ok()
                .filter(|f| !has_symbols(f))
                .and_then(|f| f.build_id().ok().flatten().map(<[u8]>::to_vec));
            match own.and_then(|own| debug_file(path, &own, dirs)) {
                Some(d) => match found {
                    Found::Files { binary, .. } => Found::Files { binary, debug: Some(d) },
                    other => other,
                },
                None => found,
            }
        }
        _ => found,
    }
}

/// A file with build id `id` and symbols (a debug file) among the places
/// a module with that id is looked for.
fn debug_file(path: &str, id: &[u8], dirs: &[PathBuf]) -> Option<Vec<u8>> {
    candidates(path, Some(id), dirs).into_iter().find_map(|c| {
        std::fs::metadata(&c).ok().filter(|m| m.is_file() && m.len() <= MAX_FILE)?;
        let data = std::fs::read(&c).ok()?;
        let f = object::File::parse(&*data).ok()?;
        let matches = f.build_id().ok().flatten().is_some_and(|g| same_build_id(id, g)) && has_symbols(&f);
        drop(f);
        matches.then_some(data)
    })
}

fn find_files(path: &str, id: Option<&[u8]>, dirs: &[PathBuf]) -> Found {
    if is_perf_map(path) {
        return perf_map(path, dirs);
    }
    let mut binary: Option<Vec<u8>> = None;
    let mut mismatch = None;
    for c in candidates(path, id, dirs) {
        let Ok(meta) = std::fs::metadata(&c) else { continue };
        if !meta.is_file() || meta.len() > MAX_FILE {
            continue;
        }
        let Ok(data) = std::fs::read(&c) else { continue };
        let Ok(f) = object::File::parse(&*data) else { continue };
        let file_id = f.build_id().ok().flatten();
        if let (Some(want), Some(got)) = (id, file_id)
            && !same_build_id(want, got)
        {
            mismatch.get_or_insert_with(|| {
                format!("{} has build id {}, the recording {}", c.display(), hex(got), hex(want))
            });
            continue;
        }
        let symbols = has_symbols(&f);
        drop(f);
        match binary {
            None if symbols => return Found::Files { binary: data, debug: None },
            None => binary = Some(data),
            Some(b) if symbols => return Found::Files { binary: b, debug: Some(data) },
            Some(_) => {}
        }
    }
    match (binary, mismatch) {
        (Some(b), _) => Found::Files { binary: b, debug: None },
        (None, Some(m)) => Found::Missing(format!("the file changed since the recording: {m}")),
        (None, None) => Found::Missing("no such file on this machine".into()),
    }
}

/// The vDSO of this process, when its build id is the recorded one (the
/// same kernel): perf resolves `[vdso]` frames from its own copy too.
fn own_vdso(id: Option<&[u8]>, same_kernel: bool) -> Found {
    use std::io::{Read, Seek, SeekFrom};
    if id.is_none() && !same_kernel {
        return Found::Missing("the recording has no build id for it".into());
    }
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    let range = maps.lines().find(|l| l.ends_with("[vdso]")).and_then(|l| {
        let (a, b) = l.split_whitespace().next()?.split_once('-')?;
        Some((u64::from_str_radix(a, 16).ok()?, u64::from_str_radix(b, 16).ok()?))
    });
    let Some((start, end)) = range.filter(|(a, b)| b > a && b - a <= 1 << 20) else {
        return Found::Missing("this process has no vDSO to compare".into());
    };
    let mut data = vec![0; (end - start) as usize];
    let read = std::fs::File::open("/proc/self/mem")
        .and_then(|mut f| f.seek(SeekFrom::Start(start)).and_then(|_| f.read_exact(&mut data)));
    let same = read.is_ok()
        && match id {
            Some(want) => {
                object::File::parse(&*data)
                    .ok()
                    .and_then(|f| f.build_id().ok().flatten().map(|g| same_build_id(want, g)))
                    == Some(true)
            }
            None => object::File::parse(&*data).is_ok(),
        };
    if same {
        Found::Files { binary: data, debug: None }
    } else {
        Found::Missing("this kernel's vDSO is not the recorded one".into())
    }
}

/// True for `/tmp/perf-PID.map`.
fn is_perf_map(path: &str) -> bool {
    path.strip_prefix("/tmp/perf-")
        .and_then(|r| r.strip_suffix(".map"))
        .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// Largest perf map read: 1 GiB.
const MAX_PERF_MAP: u64 = 1 << 30;

/// A JIT's symbol file (`START SIZE name` lines, hex), from `--symbols`
/// directories by file name, else where the recording saw it.
fn perf_map(path: &str, dirs: &[PathBuf]) -> Found {
    let base = Path::new(path).file_name().map(PathBuf::from).unwrap_or_default();
    let found = dirs.iter().map(|d| d.join(&base)).chain([PathBuf::from(path)]).find_map(|c| {
        let len = std::fs::metadata(&c).ok().filter(|m| m.is_file())?.len();
        (len <= MAX_PERF_MAP).then(|| std::fs::read(&c).ok()).flatten()
    });
    let Some(text) = found else {
        return Found::Missing("no such file on this machine (the JIT writes it while it runs)".into());
    };
    let mut syms: Vec<(u64, u64, String)> = String::from_utf8_lossy(&text)
        .lines()
        .filter_map(|l| {
            let mut it = l.splitn(3, ' ');
            let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok();
            let (start, size) = (hex(it.next()?)?, hex(it.next()?)?);
            Some((start, start.saturating_add(size.max(1)), it.next()?.trim().to_string()))
        })
        .collect();
    // A later line for the same code wins (code is rewritten); sort stably by start.
    syms.reverse();
    syms.sort_by_key(|s| s.0);
    syms.dedup_by_key(|s| s.0);
    Found::PerfMap(syms)
}

/// Looks up absolute addresses in a perf map.
pub(super) fn resolve_perf_map(syms: &[(u64, u64, String)], addrs: &[u64]) -> Vec<Option<Resolved>> {
    addrs
        .iter()
        .map(|&a| {
            let i = syms.partition_point(|s| s.0 <= a).checked_sub(1)?;
            let s = &syms[i];
            (a < s.1).then(|| Resolved { name: s.2.clone(), inlined: Vec::new() })
        })
        .collect()
}

/// A function symbol: start, end, name.
type Sym = (u64, u64, String);

/// perf's `choose_best_symbol` for two symbols at one address: sized over
/// unsized, strong over weak, global over local, fewer leading
/// underscores, then the longer name.
fn better(a: (&Sym, bool, bool), b: (&Sym, bool, bool)) -> bool {
    let (sa, weak_a, global_a) = a;
    let (sb, weak_b, global_b) = b;
    let (za, zb) = (sa.1 == sa.0, sb.1 == sb.0);
    if za != zb {
        return !za;
    }
    if weak_a != weak_b {
        return !weak_a;
    }
    if global_a != global_b {
        return global_a;
    }
    let us = |s: &str| s.bytes().take_while(|&c| c == b'_').count();
    let (ua, ub) = (us(&sa.2), us(&sb.2));
    if ua != ub {
        return ua < ub;
    }
    sa.2.len() >= sb.2.len()
}

/// The function symbols of `f` (`.symtab`, else `.dynsym`), one per
/// address, each ending at its size or else at the next one's start.
fn function_symbols(f: &object::File<'_>) -> Vec<Sym> {
    fn take<'d>(syms: impl Iterator<Item = object::Symbol<'d, 'd>>) -> Vec<(Sym, bool, bool)> {
        let mut raw = Vec::new();
        for s in syms {
            if s.kind() != SymbolKind::Text || !s.is_definition() || s.address() == 0 {
                continue;
            }
            let Ok(name) = s.name() else { continue };
            let start = s.address();
            raw.push(((start, start.saturating_add(s.size()), name.to_string()), s.is_weak(), s.is_global()));
        }
        raw
    }
    let mut raw = take(f.symbols());
    if raw.is_empty() {
        raw = take(f.dynamic_symbols());
    }
    raw.extend(plt_symbols(f).into_iter().map(|s| (s, false, true)));
    raw.sort_by_key(|r| r.0.0);
    let mut out: Vec<(Sym, bool, bool)> = Vec::with_capacity(raw.len());
    for r in raw {
        match out.last_mut() {
            Some(last) if last.0.0 == r.0.0 => {
                if !better((&last.0, last.1, last.2), (&r.0, r.1, r.2)) {
                    *last = r;
                }
            }
            _ => out.push(r),
        }
    }
    let mut syms: Vec<Sym> = out.into_iter().map(|r| r.0).collect();
    for i in 0..syms.len() {
        if syms[i].1 == syms[i].0
            && let Some(next) = syms.get(i + 1).map(|s| s.0)
        {
            syms[i].1 = next;
        }
    }
    syms
}

/// `name@plt` for each PLT entry of a 64-bit ELF file, as perf makes them
/// (`dso__synthesize_plt_symbols`): the n-th `.rela.plt` relocation's
/// symbol is the n-th entry after the PLT's header entry.
fn plt_symbols(f: &object::File<'_>) -> Vec<Sym> {
    let (Some(plt), Some(rela)) = (f.section_by_name(".plt"), f.section_by_name(".rela.plt")) else {
        return Vec::new();
    };
    let (Ok(data), Some(dynsym)) = (rela.data(), f.dynamic_symbol_table()) else { return Vec::new() };
    if !f.is_64() {
        return Vec::new();
    }
    // x86-64 and aarch64 lay out 16-byte entries; aarch64's header is 32 bytes.
    let (entry, header) = match f.architecture() {
        object::Architecture::X86_64 => (16, 16),
        object::Architecture::Aarch64 => (16, 32),
        _ => return Vec::new(),
    };
    let le = f.is_little_endian();
    let mut out = Vec::new();
    for (i, r) in data.chunks_exact(24).enumerate() {
        let b: [u8; 8] = r[8..16].try_into().unwrap_or_default();
        let info = if le { u64::from_le_bytes(b) } else { u64::from_be_bytes(b) };
        let start = plt.address() + header + entry * i as u64;
        if start + entry > plt.address() + plt.size() {
            break;
        }
        let Ok(sym) = dynsym.symbol_by_index(object::SymbolIndex((info >> 32) as usize)) else { continue };
        let Ok(name) = sym.name() else { continue };
        if !name.is_empty() {
            out.push((start, start + entry, format!("{name}@plt")));
        }
    }
    out
}

/// `(file offset, size, address)` of each loadable segment.
fn segments(f: &object::File<'_>) -> Vec<(u64, u64, u64)> {
    f.segments().map(|s| (s.file_range().0, s.file_range().1, s.address())).collect()
}

/// Resolves file offsets of one module. `inline`: also the inlined
/// functions from DWARF. Returns one entry per offset (`None`: no symbol
/// covers it) and how many offsets had DWARF.
pub(super) fn resolve(
    binary: &[u8],
    debug: Option<&[u8]>,
    offsets: &[u64],
    inline: bool,
) -> Result<Vec<Option<Resolved>>, String> {
    let bin = object::File::parse(binary).map_err(|e| format!("not an ELF file: {e}"))?;
    let dbg = debug.and_then(|d| object::File::parse(d).ok());
    let sym_file = dbg.as_ref().unwrap_or(&bin);
    let segs = segments(&bin);
    let syms = function_symbols(sym_file);
    let sections = if inline { dwarf_sections(sym_file) } else { None };
    let ctx: Option<Ctx<'_>> =
        sections.as_ref().and_then(|(s, e)| Ctx::from_dwarf(s.borrow(|c| gimli::EndianSlice::new(c, *e))).ok());
    let mut out = Vec::with_capacity(offsets.len());
    for &off in offsets {
        let Some(addr) = segs.iter().find(|s| off >= s.0 && off - s.0 < s.1.max(1)).map(|s| s.2 + (off - s.0)) else {
            out.push(None);
            continue;
        };
        let i = syms.partition_point(|s| s.0 <= addr);
        let sym = i.checked_sub(1).map(|i| &syms[i]).filter(|s| addr < s.1);
        let mut frames = ctx.as_ref().map(|c| inlined(c, addr)).unwrap_or_default();
        let name = match (sym, frames.first()) {
            (Some(s), _) => demangle(&s.2),
            // No symbol, but DWARF knows the function.
            (None, Some(_)) => frames.remove(0),
            (None, None) => {
                out.push(None);
                continue;
            }
        };
        if sym.is_some() && !frames.is_empty() {
            frames.remove(0);
        }
        out.push(Some(Resolved { name, inlined: frames }));
    }
    Ok(out)
}

/// A symbol name as perf prints it: Rust names demangled (legacy hashes
/// kept: inferno drops them), C++ names without parameters and return
/// types (perf demangles without `DMGL_PARAMS`), anything else as it is.
pub(super) fn demangle(name: &str) -> String {
    if let Ok(d) = rustc_demangle::try_demangle(name) {
        return d.to_string();
    }
    if name.starts_with("_Z") {
        let o = cpp_demangle::DemangleOptions::new().no_params().no_return_type();
        if let Some(d) = cpp_demangle::Symbol::new(name).ok().and_then(|s| s.demangle_with_options(&o).ok()) {
            return d;
        }
    }
    name.to_string()
}

type Ctx<'a> = addr2line::Context<gimli::EndianSlice<'a, gimli::RunTimeEndian>>;

/// The DWARF sections of `f`, decompressed where they are compressed.
fn dwarf_sections<'a>(f: &object::File<'a>) -> Option<(gimli::DwarfSections<Cow<'a, [u8]>>, gimli::RunTimeEndian)> {
    f.section_by_name(".debug_info")?;
    let endian = if f.is_little_endian() { gimli::RunTimeEndian::Little } else { gimli::RunTimeEndian::Big };
    let load = |id: gimli::SectionId| -> Result<Cow<'a, [u8]>, gimli::Error> {
        Ok(f.section_by_name(id.name()).and_then(|s| s.uncompressed_data().ok()).unwrap_or(Cow::Borrowed(&[])))
    };
    Some((gimli::DwarfSections::load(load).ok()?, endian))
}

/// The function names at `addr`, outermost first (the first is the
/// function itself, the rest inlined into it).
fn inlined(ctx: &Ctx<'_>, addr: u64) -> Vec<String> {
    let mut names = Vec::new();
    let Ok(mut it) = ctx.find_frames(addr).skip_all_loads() else { return names };
    while let Ok(Some(frame)) = it.next() {
        if let Some(f) = frame.function
            && let Ok(n) = f.raw_name()
        {
            names.push(demangle(&n));
        }
    }
    names.reverse();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stripped binary whose recording has no build id (`perf record -z`
    /// writes none) finds its debug file by the build id in the binary, as
    /// perf does: under a `--symbols` folder's `.build-id/ab/cdef.debug`.
    #[test]
    fn a_recording_without_build_ids_finds_the_debug_file_by_the_binarys_own() {
        let spin = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/perf_data/spin");
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let stripped = dir.path().join("spin");
        let debug = dir.path().join("spin.debug");
        let run = |args: &[&std::ffi::OsStr]| {
            let ok = std::process::Command::new("objcopy").args(args).status().is_ok_and(|s| s.success());
            assert!(ok, "objcopy {args:?} failed: install binutils to run this test");
        };
        run(&["--only-keep-debug".as_ref(), spin.as_os_str(), debug.as_os_str()]);
        run(&["--strip-all".as_ref(), spin.as_os_str(), stripped.as_os_str()]);
        let data = std::fs::read(&stripped).unwrap_or_else(|e| panic!("{e}"));
        let id = object::File::parse(&*data).ok().and_then(|f| f.build_id().ok().flatten().map(<[u8]>::to_vec));
        let id = hex(&id.unwrap_or_else(|| panic!("spin has a build id")));
        let syms = dir.path().join("syms");
        let at = syms.join(".build-id").join(&id[..2]);
        std::fs::create_dir_all(&at).unwrap_or_else(|e| panic!("{e}"));
        std::fs::rename(&debug, at.join(format!("{}.debug", &id[2..]))).unwrap_or_else(|e| panic!("{e}"));
        let path = stripped.to_str().unwrap_or_default();
        match find(path, None, std::slice::from_ref(&syms), false) {
            Found::Files { debug: Some(_), .. } => {}
            Found::Files { debug: None, .. } => panic!("the debug file was not found"),
            _ => panic!("the binary was not found"),
        }
        // Without the folder, the stripped binary alone.
        assert!(matches!(find(path, None, &[], false), Found::Files { debug: None, .. }));
    }
}
