//! Kernel symbols from `/proc/kallsyms` (or a copy named with
//! `--kallsyms`): text and data symbols sorted by address, each ending where the
//! next begins, as perf reads them. When the recording's kernel was loaded
//! elsewhere (KASLR, another boot), addresses are moved by the difference
//! between the `_text` the file recorded and the one the table has.

use std::path::Path;

/// Largest kallsyms file read: 256 MiB (a kernel has a few MiB of it).
const MAX_BYTES: u64 = 256 << 20;

/// See the module docs.
pub(super) struct Kallsyms {
    /// `(address, name, module)`; module empty for the kernel image.
    syms: Vec<(u64, String, String)>,
    text: Option<u64>,
}

impl Kallsyms {
    /// Reads `path`. Errors: unreadable, empty, or every address 0
    /// (`kptr_restrict` hides them from this user).
    pub(super) fn read(path: &Path) -> Result<Self, String> {
        let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
        if len > MAX_BYTES {
            return Err(format!("{} is larger than {MAX_BYTES} bytes", path.display()));
        }
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let k = Self::parse(&text);
        if k.syms.is_empty() {
            return Err(format!("{} has no text symbols", path.display()));
        }
        if k.syms.iter().all(|s| s.0 == 0) {
            return Err(format!(
                "{} shows every address as 0 (kernel.kptr_restrict; run as root or set it to 0)",
                path.display()
            ));
        }
        Ok(k)
    }

    /// Parses kallsyms text: `ffffffff81000000 T _text`, `... t name [module]`.
    pub(super) fn parse(text: &str) -> Self {
        let mut syms = Vec::new();
        let mut text_addr = None;
        for line in text.lines() {
            let mut it = line.split_ascii_whitespace();
            let (Some(a), Some(t), Some(name)) = (it.next(), it.next(), it.next()) else { continue };
            let Ok(addr) = u64::from_str_radix(a, 16) else { continue };
            if name == "_text" || (name == "_stext" && text_addr.is_none()) {
                text_addr = Some(addr);
            }
            // perf keeps text, weak, data and bss symbols (symbol_type__filter).
            if !matches!(t, "t" | "T" | "w" | "W" | "d" | "D" | "b" | "B") {
                continue;
            }
            let module = it.next().map_or(String::new(), |m| m.to_string());
            syms.push((addr, name.to_string(), module));
        }
        syms.sort_by_key(|s| s.0);
        Self { syms, text: text_addr }
    }

    /// The symbol containing `addr` (recorded with the kernel's `_text` at
    /// `recorded_text`): name and module (`[kernel.kallsyms]` or `[mod]`).
    pub(super) fn lookup(&self, addr: u64, recorded_text: Option<u64>) -> Option<(&str, String)> {
        let addr = match (recorded_text, self.text) {
            (Some(r), Some(t)) => addr.wrapping_sub(r).wrapping_add(t),
            _ => addr,
        };
        let i = self.syms.partition_point(|s| s.0 <= addr).checked_sub(1)?;
        let (_, name, module) = &self.syms[i];
        let module = if module.is_empty() { "[kernel.kallsyms]".to_string() } else { module.clone() };
        Some((name, module))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_symbol_before_and_moves_by_text() {
        let k = Kallsyms::parse(
            "ffffffff81000000 T _text\nffffffff81000100 t helper\nffffffff81000200 r rodata\nffffffffc0000000 t mod_fn\t[nf_tables]\n",
        );
        assert_eq!(k.lookup(0xffffffff81000150, None), Some(("helper", "[kernel.kallsyms]".into())));
        assert_eq!(k.lookup(0xffffffffc0000010, None), Some(("mod_fn", "[nf_tables]".into())));
        // Recorded with _text 0x1000 higher: the same code sat 0x1000 higher.
        assert_eq!(k.lookup(0xffffffff81001150, Some(0xffffffff81001000)).map(|s| s.0), Some("helper"));
        assert_eq!(k.lookup(0x10, None), None);
    }
}
