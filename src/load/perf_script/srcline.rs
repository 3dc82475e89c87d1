//! The source lines `perf script -F +srcline` prints under a frame (or
//! under a header that carries its frame, without -g), two spaces in.

/// A source line under a frame (`perf script -F +srcline`): `file:line`,
/// no blank in it, the line a number.
pub(crate) fn srcline(t: &str) -> Option<(&str, u32)> {
    if t.contains(' ') {
        return None;
    }
    let (file, line) = t.rsplit_once(':')?;
    if file.is_empty() || line.is_empty() || !line.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((file, line.parse().ok()?))
}

/// What `perf script -F +srcline` prints under a frame whose source it does
/// not know: the DSO's short name and the address, `dso[hex]`
/// (`[kernel.kallsyms][ffffffff8224a904]`, `[vdso][b66]`, `app[10c0]`).
pub(crate) fn unknown_srcline(t: &str) -> bool {
    let Some(body) = t.strip_suffix(']') else { return false };
    let Some((dso, addr)) = body.rsplit_once('[') else { return false };
    !dso.is_empty() && !t.contains(' ') && !addr.is_empty() && addr.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A source line as `perf script -F +srcline` prints it, two spaces in
/// (see [`srcline`] and [`unknown_srcline`]): for the format sniffer, and
/// under a sample without call chain.
pub(crate) fn looks_like_srcline(line: &str) -> bool {
    let t = line.trim_start();
    line.starts_with("  ") && (srcline(t).is_some() || unknown_srcline(t))
}
