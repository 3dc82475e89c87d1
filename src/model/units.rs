//! Units of metrics and how values in them are shown to people.

/// An exact sample weight. Integer metrics are stored as integers; a metric
/// with `decimals > 0` stores fixed-point values (`weight / 10^decimals`).
/// `i128` keeps folded counts up to and past 2^63 exact, and sums of many of
/// them, with no rounding through `f64`.
pub type Weight = i128;

/// `w` as the nearest `f64`, as `w as f64` rounds it, but in one
/// instruction when it fits in 64 bits (nearly always): the 128-bit
/// conversion is a library call, and a flamegraph frame makes thousands.
#[inline]
pub fn weight_f64(w: Weight) -> f64 {
    match i64::try_from(w) {
        Ok(v) => v as f64,
        Err(_) => w as f64,
    }
}

/// The unit of a metric's values.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Nanoseconds of time (perf `cpu-clock` periods, span self time, pprof `nanoseconds`).
    Nanoseconds,
    /// Microseconds (some pprof producers).
    Microseconds,
    /// Milliseconds.
    Milliseconds,
    /// Seconds.
    Seconds,
    /// Bytes of memory.
    Bytes,
    /// A plain count: samples, objects, contentions, events.
    Count,
    /// Any other unit name, kept as the producer wrote it.
    Other(String),
}

impl Unit {
    /// Maps a unit name as pprof and others write it (`nanoseconds`, `bytes`,
    /// `count`, `ns`, `B`, ...) to a unit; unknown names become [`Unit::Other`].
    pub fn from_name(name: &str) -> Self {
        match name.trim().to_ascii_lowercase().as_str() {
            "nanoseconds" | "nanosecond" | "ns" => Self::Nanoseconds,
            "microseconds" | "microsecond" | "us" | "µs" => Self::Microseconds,
            "milliseconds" | "millisecond" | "ms" => Self::Milliseconds,
            "seconds" | "second" | "s" => Self::Seconds,
            "bytes" | "byte" | "b" => Self::Bytes,
            "count" | "counts" | "samples" | "events" | "" => Self::Count,
            _ => Self::Other(name.to_string()),
        }
    }

    /// The name as printed in `info` and JSON (`nanoseconds`, `bytes`, `count`, ...).
    pub fn name(&self) -> &str {
        match self {
            Self::Nanoseconds => "nanoseconds",
            Self::Microseconds => "microseconds",
            Self::Milliseconds => "milliseconds",
            Self::Seconds => "seconds",
            Self::Bytes => "bytes",
            Self::Count => "count",
            Self::Other(s) => s,
        }
    }

    /// Formats `value` (already divided by the metric's decimal scale) for a
    /// person: times scaled to ns/µs/ms/s, bytes to B/KiB/MiB/GiB/TiB, counts
    /// with thousands separators. For example `format(3.21e9)` on
    /// nanoseconds is `"3.21 s"`, `format(537_186_099.0)` on bytes is
    /// `"512.3 MiB"`.
    pub fn format(&self, value: f64) -> String {
        let ns_per = match self {
            Self::Nanoseconds => Some(1.0),
            Self::Microseconds => Some(1e3),
            Self::Milliseconds => Some(1e6),
            Self::Seconds => Some(1e9),
            _ => None,
        };
        if let Some(scale) = ns_per {
            return format_duration_ns(value * scale);
        }
        match self {
            Self::Bytes => format_bytes(value),
            Self::Count => format_count(value),
            Self::Other(u) => format!("{} {u}", format_count(value)),
            _ => format_count(value),
        }
    }
}

/// Formats an exact weight in `unit` for a person: counts (and units
/// with no scale, [`Unit::Other`]) as the exact integer or fixed-point
/// decimal with thousands separators (`9,223,372,036,854,775,933`,
/// `1,234.56`), never rounded through `f64`; times and bytes in people's
/// units (`3.21 s`, `512.3 MiB`) while the value is below 2^53 (where an
/// `f64` holds it exactly), else exactly in the base unit with separators
/// (`9,223,372,036,854,775,807 ns`).
pub fn format_weight(unit: &Unit, weight: Weight, decimals: u32) -> String {
    let base = match unit {
        Unit::Count => return format_grouped(weight, decimals),
        Unit::Other(u) => return format!("{} {u}", format_grouped(weight, decimals)),
        Unit::Nanoseconds => "ns",
        Unit::Microseconds => "µs",
        Unit::Milliseconds => "ms",
        Unit::Seconds => "s",
        Unit::Bytes => "B",
    };
    if weight.unsigned_abs() < 1 << 53 {
        unit.format(weight as f64 / 10f64.powi(decimals as i32))
    } else {
        format!("{} {base}", format_grouped(weight, decimals))
    }
}

/// An exact fixed-point weight with thousands separators in its whole
/// part and its decimals trimmed of trailing zeros: `(1234567, 0)` is
/// `"1,234,567"`, `(-123456, 2)` is `"-1,234.56"`. See [`format_exact`]
/// for the same without separators (machine-readable output).
pub fn format_grouped(weight: Weight, decimals: u32) -> String {
    let exact = format_exact(weight, decimals);
    let (sign, rest) = match exact.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", exact.as_str()),
    };
    let (whole, frac) = match rest.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (rest, None),
    };
    let mut out = String::with_capacity(exact.len() + whole.len() / 3);
    out.push_str(sign);
    out.push_str(&group_digits(whole));
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// An integer with thousands separators, exactly: `1234567` is `"1,234,567"`.
pub fn format_int(v: impl Into<i128>) -> String {
    format_grouped(v.into(), 0)
}

/// `"1234567"` as `"1,234,567"` (ASCII digits only).
fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Formats nanoseconds as `812 ns`, `12.4 µs`, `3.21 ms`, `1.50 s`.
pub fn format_duration_ns(ns: f64) -> String {
    let a = ns.abs();
    let (v, u) = if a < 1e3 {
        (ns, "ns")
    } else if a < 1e6 {
        (ns / 1e3, "µs")
    } else if a < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    if u == "ns" { format!("{} ns", format_count(v)) } else { format!("{} {u}", three_digits(v)) }
}

/// Formats bytes with binary prefixes: `512 B`, `1.50 KiB`, `512.3 MiB`.
pub fn format_bytes(b: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = b;
    let mut i = 0;
    while v.abs() >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 { format!("{} B", format_count(v)) } else { format!("{} {}", three_digits(v), UNITS[i]) }
}

/// Three significant digits, at least one decimal: `3.21`, `12.4`, `512.3`.
fn three_digits(v: f64) -> String {
    let a = v.abs();
    if a >= 10.0 { format!("{v:.1}") } else { format!("{v:.2}") }
}

/// Formats a count with thousands separators: `1,234,567`; a fractional
/// value keeps up to two decimals (`1,234.5`).
pub fn format_count(v: f64) -> String {
    let neg = v < 0.0;
    let a = v.abs();
    let mut whole = a.trunc();
    // Two decimals at most; a fraction that rounds up to 1.00 carries.
    let mut frac = if a - whole > 0.005 { format!("{:.2}", a - whole) } else { String::new() };
    if frac.starts_with('1') {
        whole += 1.0;
        frac.clear();
    }
    // Whole numbers below 2^53 are exact as integers, and integer
    // formatting is many times cheaper than a float's.
    let digits = if whole < 9_007_199_254_740_992.0 { (whole as u64).to_string() } else { format!("{whole:.0}") };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 4);
    if neg {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(frac.trim_start_matches('0').trim_end_matches('0'));
    out
}

/// Prints an exact fixed-point weight with `decimals` decimal places, trailing
/// zeros trimmed: `(3123, 2)` is `"31.23"`, `(310, 1)` is `"31"`, `(7, 0)` is
/// `"7"`. Used by the folded export so counts round-trip exactly.
pub fn format_exact(weight: Weight, decimals: u32) -> String {
    if decimals == 0 {
        return weight.to_string();
    }
    let neg = weight < 0;
    let a = weight.unsigned_abs();
    let scale = 10u128.pow(decimals);
    let whole = a / scale;
    let frac = a % scale;
    let sign = if neg { "-" } else { "" };
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let f = format!("{frac:0width$}", width = decimals as usize);
    format!("{sign}{whole}.{}", f.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_people_units() {
        assert_eq!(Unit::Nanoseconds.format(3.21e9), "3.21 s");
        assert_eq!(Unit::Bytes.format(537_186_099.0), "512.3 MiB");
        assert_eq!(Unit::Count.format(1_234_567.0), "1,234,567");
        assert_eq!(format_count(1_234.5), "1,234.5");
        assert_eq!(format_count(-0.25), "-0.25");
        // A fraction that rounds up to a whole carries (was "9991.").
        assert_eq!(format_count(999.996), "1,000");
        assert_eq!(format_count(1e20), "100,000,000,000,000,000,000");
        assert_eq!(Unit::Nanoseconds.format(812.0), "812 ns");
        assert_eq!(Unit::Microseconds.format(12.4), "12.4 µs");
        assert_eq!(format_exact(3123, 2), "31.23");
        assert_eq!(format_exact(310, 1), "31");
        assert_eq!(format_exact(-5, 1), "-0.5");
        assert_eq!(format_exact(1 << 63, 0), "9223372036854775808");
    }

    #[test]
    fn weights_print_exactly_where_a_person_reads_a_count() {
        // 2^63 - 3 as f64 is 2^63: the old f64 path printed ...808.
        let big: Weight = (1 << 63) - 3;
        assert_eq!(format_weight(&Unit::Count, big, 0), "9,223,372,036,854,775,805");
        assert_eq!(format_weight(&Unit::Count, -big * 3, 0), "-27,670,116,110,564,327,415");
        assert_eq!(format_weight(&Unit::Other("objects".into()), 1_234_567, 0), "1,234,567 objects");
        assert_eq!(format_weight(&Unit::Count, 123_456_789, 3), "123,456.789");
        assert_eq!(format_weight(&Unit::Count, -5, 1), "-0.5");
        assert_eq!(format_weight(&Unit::Count, 0, 0), "0");
        assert_eq!(format_weight(&Unit::Count, 999, 0), "999");
        assert_eq!(format_weight(&Unit::Count, 1000, 0), "1,000");
        // Times and bytes in people's units while an f64 holds them, else exactly.
        assert_eq!(format_weight(&Unit::Nanoseconds, 1_200_000_000, 0), "1.20 s");
        assert_eq!(format_weight(&Unit::Bytes, 15 << 20, 0), "15.0 MiB");
        assert_eq!(format_weight(&Unit::Nanoseconds, big, 0), "9,223,372,036,854,775,805 ns");
        assert_eq!(format_weight(&Unit::Bytes, big, 0), "9,223,372,036,854,775,805 B");
        assert_eq!(format_int(1_234_567u64), "1,234,567");
        assert_eq!(format_int(u64::MAX), "18,446,744,073,709,551,615");
    }
}
