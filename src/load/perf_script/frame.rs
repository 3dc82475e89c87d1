//! Frame lines of `perf script` (`addr sym+off (dso)`) and the names
//! `inferno-collapse-perf` gives them.
//!
//! The rules are inferno's (jonhoo/inferno `src/collapse/perf.rs`:
//! `stack_line_parts`, `on_stack_line`, `with_module_fallback`,
//! `tidy_generic`, `tidy_java`; `common.rs`: the Rust symbol fix-up;
//! `matcher.rs`: kernel modules), re-implemented here: offsets `+0x..` are
//! cut, `[unknown]` symbols take their DSO's file name, argument lists are cut
//! (not Go's `.(*T)` nor C++ `(anonymous namespace)`), `;` becomes `:`, Java
//! `a->b` inlining splits into frames annotated `_[i]`, and with the options
//! kernel frames get `_[k]` and JIT frames `_[j]`. Imports the model's
//! `FrameKind` only.

use crate::model::FrameKind;

/// The parts of a frame line: program counter, raw symbol, DSO (without the
/// parentheses). `None` when the line is not a frame.
pub(crate) fn parse_line(line: &str) -> Option<(&str, &str, &str)> {
    let (pc, rest) = line.trim_start().split_once(' ')?;
    let pc = pc.trim_end();
    let with_module = rest.rsplit_once(' ').and_then(|(func, module)| {
        let module = module.strip_prefix('(')?.strip_suffix(')')?;
        Some((func, module))
    });
    let (func, module) = match with_module {
        Some(fm) => fm,
        // `perf script -F ip,sym` without `dso`: `addr symbol`, module
        // unknown; the address must be one (hex), and a ` (` with no
        // closing `)` is a DSO cut off, not part of the symbol.
        None if !pc.is_empty()
            && pc.bytes().all(|b| b.is_ascii_hexdigit())
            && !rest.trim().is_empty()
            && !rest.contains(" (") =>
        {
            (rest, "")
        }
        None => return None,
    };
    // Two spaces between pc and `(dso)`: inferno (and the Perl original) name
    // the frame " ".
    let func = match func.trim() {
        "" => " ",
        f => f,
    };
    Some((pc, func, module))
}

/// `sym+0x1f` -> `sym` (only when all after `+0x` is hex, as inferno checks).
pub(crate) fn strip_offset(func: &str) -> &str {
    match func.rfind("+0x") {
        Some(i) if func[i + 3..].bytes().all(|b| b.is_ascii_hexdigit()) => &func[..i],
        _ => func,
    }
}

/// True for kernel DSOs: `[kernel.kallsyms]`, `[nf_conntrack]`, `*.ko`, a
/// (versioned) vmlinux path; never `[unknown]`.
pub(crate) fn is_kernel(module: &str) -> bool {
    (module.starts_with('[') || module.ends_with(".ko") || is_vmlinux(module)) && module != "[unknown]"
}

fn is_vmlinux(module: &str) -> bool {
    module
        .rfind("vmlinux")
        .is_some_and(|i| module[i..].bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')))
}

/// True for JIT code: `/tmp/perf-PID.map` or a jitdump `.../jitted-*.so`.
pub(crate) fn is_jit(module: &str) -> bool {
    (module.starts_with("/tmp/perf-") && module.ends_with(".map"))
        || (module.contains("/jitted-") && module.ends_with(".so"))
}

/// A symbol name with a trailing legacy Rust hash (`::h0123456789abcdef`)
/// that perf did not demangle fully (`_$LT$`, `..`): finishes the job and
/// drops the hash, as inferno does. Anything else is returned as is.
pub(crate) fn fix_rust_symbol(sym: &str) -> std::borrow::Cow<'_, str> {
    const HASH_LEN: usize = 17;
    let has_hash = sym.len() >= HASH_LEN
        && sym.is_char_boundary(sym.len() - HASH_LEN)
        && sym[sym.len() - HASH_LEN..].strip_prefix('h').is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
    if !has_hash {
        return sym.into();
    }
    let mut rest = &sym[..sym.len() - HASH_LEN];
    rest = rest.strip_suffix("::").unwrap_or(rest);
    if rest.starts_with("_$") {
        rest = &rest[1..];
    }
    const ESCAPES: [(&str, &str); 20] = [
        ("$SP$", "@"),
        ("$BP$", "*"),
        ("$RF$", "&"),
        ("$LT$", "<"),
        ("$GT$", ">"),
        ("$LP$", "("),
        ("$RP$", ")"),
        ("$C$", ","),
        ("$u7e$", "~"),
        ("$u20$", " "),
        ("$u27$", "'"),
        ("$u3d$", "="),
        ("$u5b$", "["),
        ("$u5d$", "]"),
        ("$u7b$", "{"),
        ("$u7d$", "}"),
        ("$u3b$", ";"),
        ("$u2b$", "+"),
        ("$u21$", "!"),
        ("$u22$", "\""),
    ];
    let mut out = String::with_capacity(rest.len());
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("..") {
            out.push_str("::");
            rest = r;
        } else if let Some(r) = rest.strip_prefix('.') {
            out.push('.');
            rest = r;
        } else if rest.starts_with('$') {
            match ESCAPES.iter().find(|(from, _)| rest.starts_with(from)) {
                Some((from, to)) => {
                    out.push_str(to);
                    rest = &rest[from.len()..];
                }
                None => {
                    out.push_str(rest);
                    break;
                }
            }
        } else {
            let end = rest.find(['$', '.']).unwrap_or(rest.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out.into()
}

/// `[unknown]` symbols take the DSO's file name (`[libc.so.6]`), and with
/// `include_addrs` the address (`[libc.so.6 <7f12>]`, `[unknown <7f12>]`).
pub(crate) fn module_fallback(module: &str, func: &str, pc: &str, include_addrs: bool) -> String {
    if func != "[unknown]" {
        return func.to_string();
    }
    let base = match (module, include_addrs) {
        // No DSO printed (`perf script -F -dso`): nothing to name it after.
        ("[unknown]" | "", true) => "unknown",
        ("[unknown]" | "", false) => return func.to_string(),
        (m, _) => &m[m.rfind('/').map_or(0, |i| i + 1)..],
    };
    if include_addrs { format!("[{base} <{pc}>]") } else { format!("[{base}]") }
}

/// `;` -> `:` and the argument list cut at the first top-level `(`, except
/// Go's `pkg.(*T).M` and C++ `(anonymous namespace)`.
pub(crate) fn tidy_generic(func: String) -> String {
    let mut func = if func.contains(';') { func.replace(';', ":") } else { func };
    let mut depth: i64 = 0;
    let mut after_dot: Option<usize> = None;
    let mut cut = func.len();
    for (i, c) in func.char_indices() {
        match c {
            '<' | '{' | '[' => depth += 1,
            '>' | '}' | ']' | ')' => depth -= 1,
            '(' => {
                if depth == 0 && after_dot != Some(i) && !func[i..].starts_with("(anonymous namespace)") {
                    cut = i;
                    break;
                }
                depth += 1;
            }
            '.' => after_dot = Some(i + 1),
            _ => {}
        }
    }
    func.truncate(cut);
    func
}

/// Java class names lose their leading `L` (`Ljava/lang/Thread;` ->
/// `java/lang/Thread:`), for commands starting with `java`.
pub(crate) fn tidy_java(mut func: String) -> String {
    if func.starts_with('L') && func.contains('/') {
        func.remove(0);
    }
    func
}

/// Options that change frame names.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct NameOptions {
    pub annotate_kernel: bool,
    pub annotate_jit: bool,
    pub include_addrs: bool,
}

/// The frames of one frame line, in the order inferno prints them (caller
/// first): each `(name, kind)`. Empty when inferno drops the line (a symbol
/// starting with `(`).
pub(crate) fn names(
    pc: &str,
    func: &str,
    module: &str,
    java: bool,
    o: NameOptions,
    out: &mut Vec<(String, FrameKind)>,
) {
    out.clear();
    let func = strip_offset(func);
    if func.starts_with('(') {
        return;
    }
    let fixed = fix_rust_symbol(func);
    for (i, part) in fixed.split("->").enumerate() {
        let mut name = tidy_generic(module_fallback(module, part, pc, o.include_addrs));
        if java {
            name = tidy_java(name);
        }
        let kind = if i > 0 {
            if !name.contains("_[i]") {
                name.push_str("_[i]");
            }
            FrameKind::Inline
        } else if is_kernel(module) {
            if o.annotate_kernel {
                name.push_str("_[k]");
            }
            FrameKind::Kernel
        } else if is_jit(module) {
            if o.annotate_jit && !name.contains("_[j]") {
                name.push_str("_[j]");
            }
            FrameKind::Jit
        } else if part == "[unknown]" {
            FrameKind::Unknown
        } else if module == "inlined" {
            FrameKind::Inline
        } else {
            FrameKind::User
        };
        out.push((name, kind));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_like_inferno() {
        assert_eq!(
            parse_line("\t  7f53 _dl_check+0x597 (/usr/lib/ld-2.28.so)"),
            Some(("7f53", "_dl_check+0x597", "/usr/lib/ld-2.28.so"))
        );
        assert_eq!(parse_line("7f1e2215d058  (/lib/libc-2.15.so)"), Some(("7f1e2215d058", " ", "/lib/libc-2.15.so")));
        assert_eq!(parse_line("THIS_IS_A_WEIRD_LINE"), None);
        assert_eq!(
            fix_rust_symbol("std::sys::unix::fs::File::open::hb90e1c1c787080f0"),
            "std::sys::unix::fs::File::open"
        );
        assert_eq!(
            fix_rust_symbol("_$LT$F$u20$as$u20$alloc..boxed..FnBox$LT$A$GT$$GT$::call_box::h8612a2a83552fc2d"),
            "<F as alloc::boxed::FnBox<A>>::call_box"
        );
        assert_eq!(fix_rust_symbol("_ZN4testE"), "_ZN4testE");
        assert_eq!(tidy_generic("net/http.(*Client).Do".into()), "net/http.(*Client).Do");
        assert_eq!(tidy_generic("foo(int, char)".into()), "foo");
        assert_eq!(tidy_generic("(anonymous namespace)::f(int)".into()), "(anonymous namespace)::f");
        assert_eq!(
            tidy_generic("std::function<void (int)>::operator()(int) const".into()),
            "std::function<void (int)>::operator"
        );
        assert!(is_kernel("/usr/lib/debug/boot/vmlinux-5.4.14-cloudflare-2020.1.11"));
        assert!(!is_kernel("[unknown]"));
        assert_eq!(module_fallback("/usr/lib/libc.so.6", "[unknown]", "7f12", true), "[libc.so.6 <7f12>]");
        assert_eq!(module_fallback("", "[unknown]", "7f12", false), "[unknown]");
        let mut out = Vec::new();
        let o = NameOptions { annotate_kernel: true, annotate_jit: true, include_addrs: false };
        names("1", "Lfoo/Bar;::a->Lfoo/Baz;::b", "/tmp/perf-1.map", true, o, &mut out);
        assert_eq!(
            out,
            vec![("foo/Bar:::a_[j]".to_string(), FrameKind::Jit), ("foo/Baz:::b_[i]".to_string(), FrameKind::Inline)]
        );
    }
}
