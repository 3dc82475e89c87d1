//! The parts of one strace line, read byte by byte without allocating: the
//! pid and time prefix, the `<duration>` suffix, the return value and errno,
//! the `-y`/`-yy` path of the first argument, and strace's `-c`/`-C`
//! summary rows. Every index used to slice is at an ASCII byte, so slicing
//! never splits a UTF-8 character.

/// The prefix of a call line: pid and time.
pub(super) struct Prefix<'a> {
    pub pid: Option<u32>,
    pub time_ns: Option<u64>,
    /// The time is seconds with a fraction (`-ttt`, or `-r`'s delta since
    /// the line before), not a time of day (`-t`, `-tt`).
    pub seconds: bool,
    pub rest: &'a str,
}

fn digits(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// A run of ASCII digits as a number (`None` when empty, not all digits or
/// too large).
fn number(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    let mut n = 0u64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(c - b'0');
    }
    Some(n)
}

fn skip_spaces(s: &str) -> &str {
    s.trim_start_matches(' ')
}

pub(super) fn parse_prefix(line: &str) -> Prefix<'_> {
    // `-r` alone right-aligns its delta: `     0.000419 brk(NULL) = ...`.
    let mut rest = skip_spaces(line);
    let mut pid = None;
    if let Some(r) = rest.strip_prefix("[pid ") {
        let r = skip_spaces(r);
        let end = r.find(']').unwrap_or(0);
        pid = number(r[..end].trim().as_bytes()).and_then(|n| u32::try_from(n).ok());
        rest = skip_spaces(&r[(end + 1).min(r.len())..]);
    } else {
        let end = digits(rest.as_bytes());
        if end > 0 && rest.as_bytes().get(end) == Some(&b' ') {
            pid = number(&rest.as_bytes()[..end]).and_then(|n| u32::try_from(n).ok());
            rest = skip_spaces(&rest[end..]);
        }
    }
    let mut time_ns = None;
    let word_end = memchr::memchr(b' ', rest.as_bytes()).unwrap_or(rest.len());
    let seconds = memchr::memchr(b':', &rest.as_bytes()[..word_end]).is_none();
    if let Some(t) = parse_time(&rest[..word_end]) {
        time_ns = Some(t);
        rest = skip_spaces(&rest[word_end..]);
    }
    // `(+     0.000419)`: `-r` beside an absolute time, not needed.
    if let Some(r) = rest.strip_prefix("(+")
        && let Some(end) = r.find(')')
    {
        rest = skip_spaces(&r[end + 1..]);
    }
    // `[  59]` (`-n`, the syscall number) and `[00007fb430608ad7]` (`-i`,
    // the instruction pointer), either or both.
    for _ in 0..2 {
        let Some(r) = rest.strip_prefix('[') else { break };
        let Some(end) = r.find(']') else { break };
        let inner = r[..end].trim();
        // `-i` prints `?` for an address it does not know.
        if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b'?') {
            break;
        }
        rest = skip_spaces(&r[end + 1..]);
    }
    Prefix { pid, time_ns, seconds, rest }
}

/// `frac` digits (up to 9) as ns.
fn frac_ns(frac: &[u8]) -> Option<u64> {
    if frac.len() > 9 {
        return None;
    }
    let mut ns = if frac.is_empty() { 0 } else { number(frac)? };
    for _ in frac.len()..9 {
        ns *= 10;
    }
    Some(ns)
}

/// `16:43:18.690762` (-tt), `16:43:18` (-t) or `1701619398.690762` (-ttt), in ns.
pub(super) fn parse_time(w: &str) -> Option<u64> {
    let b = w.as_bytes();
    let (whole, frac) = match memchr::memchr(b'.', b) {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &b""[..]),
    };
    let ns = frac_ns(frac)?;
    let secs: u64 = if whole.len() == 8 && whole[2] == b':' && whole[5] == b':' {
        let (h, m, s) = (number(&whole[..2])?, number(&whole[3..5])?, number(&whole[6..])?);
        h * 3600 + m * 60 + s
    } else {
        if frac.is_empty() || memchr::memchr(b':', whole).is_some() {
            return None;
        }
        number(whole)?
    };
    secs.checked_mul(1_000_000_000)?.checked_add(ns)
}

/// `<0.000185>` at the end of a line, in ns, and the text before it.
pub(super) fn parse_duration(s: &str) -> Option<(u64, &str)> {
    let s = s.trim_end();
    let inner = s.strip_suffix('>')?;
    let open = memchr::memrchr(b'<', inner.as_bytes())?;
    let t = &inner.as_bytes()[open + 1..];
    let dot = memchr::memchr(b'.', t)?;
    let (secs, frac) = (&t[..dot], &t[dot + 1..]);
    if frac.is_empty() {
        return None;
    }
    let ns = number(secs)?.checked_mul(1_000_000_000)?.checked_add(frac_ns(frac)?)?;
    Some((ns, &s[..open]))
}

/// Where the last ` = ` of `s` starts.
pub(super) fn last_equals(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut end = b.len();
    while let Some(i) = memchr::memrchr(b'=', &b[..end]) {
        if i >= 1 && b[i - 1] == b' ' && b.get(i + 1) == Some(&b' ') {
            return Some(i - 1);
        }
        end = i;
    }
    None
}

/// The return part after the last ` = `: whether the call returned, and
/// its errno (`-1 EAGAIN (...)`, `? ERESTARTSYS (...)`). A call did not
/// return when the value is `?` without an errno.
pub(super) fn parse_return(ret: &str) -> (bool, Option<&str>) {
    let ret = ret.trim_start_matches(' ');
    let b = ret.as_bytes();
    let value_end = memchr::memchr(b' ', b).unwrap_or(b.len());
    let value = &ret[..value_end];
    let after = ret[value_end..].trim_start_matches(' ');
    let word_end = memchr::memchr(b' ', after.as_bytes()).unwrap_or(after.len());
    let word = after[..word_end].trim_end();
    let errno = Some(word)
        .filter(|w| w.starts_with('E') && w.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'));
    (value != "?" || errno.is_some(), errno)
}

/// `</path>` or `</dev/null<char 1:3>>` -> `/path`, `/dev/null<char 1:3>`
/// (what `-yy` says of the file, kept whole).
pub(super) fn fd_path(s: &str) -> &str {
    let inner = s.strip_prefix('<').unwrap_or(s);
    inner.strip_suffix('>').unwrap_or(inner)
}

/// The path `-y` gives the first argument (`read(3</tmp/x>, ...`): up to
/// the `>` that closes the first `<`, as paths nest `<...>` (`-yy` devices)
/// and sockets hold `->` (`UNIX:[774668->774669]`).
pub(super) fn arg_path(args: &str) -> Option<&str> {
    let b = args.as_bytes();
    let d = digits(b);
    if d == 0 || b.get(d) != Some(&b'<') {
        return None;
    }
    let mut depth = 0usize;
    for (i, &c) in b.iter().enumerate().skip(d) {
        match c {
            b'<' => depth += 1,
            b'>' if b[i - 1] != b'-' => {
                depth -= 1;
                if depth == 0 {
                    return Some(fd_path(&args[d..=i]));
                }
            }
            _ => {}
        }
    }
    None
}

/// A syscall name: letters, digits, `_`; `???` for an unknown one.
pub(super) fn is_name(s: &str) -> bool {
    !s.is_empty() && (s == "???" || s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

/// A line of strace's `-c`/`-C` summary table.
pub(super) fn is_summary(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with("% time") || t.starts_with("------") {
        return true;
    }
    // Rows have no `(`; every call line has one.
    if memchr::memchr(b'(', t.as_bytes()).is_some() {
        return false;
    }
    // `  6.85    0.015667         130       120           lseek`
    let mut words = t.split_ascii_whitespace();
    let numeric = words.by_ref().take(4).filter(|w| w.bytes().all(|b| b.is_ascii_digit() || b == b'.')).count();
    numeric == 4 && words.last().is_some_and(is_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_line_parts() {
        let p = parse_prefix("9219  16:43:18.690762 brk(NULL)         = 0x55ef1ca23000 <0.000008>");
        assert_eq!((p.pid, p.time_ns), (Some(9219), Some(60_198_690_762_000)));
        assert!(p.rest.starts_with("brk("));
        let p = parse_prefix("[pid  9300] 1701619398.5 read(3, \"\", 1) = 0");
        assert_eq!((p.pid, p.time_ns), (Some(9300), Some(1_701_619_398_500_000_000)));
        assert_eq!(parse_time("16:43:18"), Some(60_198_000_000_000));
        assert_eq!(parse_time("16:43"), None);
        assert_eq!(parse_time("1:2:3.5"), None);
        assert_eq!(parse_duration("x = 0 <0.000185>"), Some((185_000, "x = 0 ")));
        assert_eq!(parse_duration("x = 0 <0.>"), None);
        assert_eq!(last_equals("f(\"a = b\") = 3 "), Some(10));
        assert_eq!(last_equals("f(x==y)"), None);
        assert_eq!(parse_return("-1 EAGAIN (Resource temporarily unavailable)").1, Some("EAGAIN"));
        assert_eq!(parse_return("? ERESTART_RESTARTBLOCK (Interrupted by signal)").1, Some("ERESTART_RESTARTBLOCK"));
        assert!(!parse_return("?").0);
        assert!(parse_return("3</etc/ld.so.cache> ").0);
        assert_eq!(arg_path("1</dev/null<char 1:3>>, \"x\", 1"), Some("/dev/null<char 1:3>"));
        assert_eq!(arg_path("3<pipe:[630597]>, \"\", 4096"), Some("pipe:[630597]"));
        assert_eq!(arg_path("5<UNIX:[774668->774669]>, \"tick\", 4"), Some("UNIX:[774668->774669]"));
        assert_eq!(
            arg_path("7<TCP:[127.0.0.1:40000->127.0.0.1:8080]>, \"\", 1"),
            Some("TCP:[127.0.0.1:40000->127.0.0.1:8080]")
        );
        assert_eq!(arg_path("3<cut"), None);
        assert!(is_summary("  6.85    0.015667         130       120           lseek"));
        assert!(is_summary("100.00    0.228852          94      2422         3 total"));
        assert!(!is_summary("100  10:00:00.000060 +++ exited with 0 +++"));
    }
}
