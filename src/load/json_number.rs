//! Exact decimals from JSON numbers, for formats whose weights are
//! fractional (speedscope's seconds, Chrome's µs with fractions).
//!
//! A JSON number is read as an `f64`; its shortest round-trip text (what
//! Rust's `Display` prints, never with an exponent) is the decimal the
//! producer wrote for any number of up to 15 significant digits, so
//! `0.005` stays 5 thousandths rather than becoming
//! 0.005000000000000000104. That text becomes a fixed-point integer.

use crate::model::{MetricId, ProfileBuilder, Weight};

/// Most fraction digits kept; finer numbers are rounded to this many.
pub const MAX_DECIMALS: u32 = 12;

/// A number as `scaled / 10^decimals`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    /// The value times `10^decimals`.
    pub scaled: Weight,
    /// Digits after the point.
    pub decimals: u32,
}

/// The decimal `v` was written as; `None` for NaN, infinities and values
/// past 10^24.
pub fn decimal_of(v: f64) -> Option<Decimal> {
    if !v.is_finite() || v.abs() >= 1e24 {
        return None;
    }
    let text = format!("{v}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    if frac.len() as u32 > MAX_DECIMALS {
        let scaled = (v * 10f64.powi(MAX_DECIMALS as i32)).round();
        return Some(Decimal { scaled: scaled as Weight, decimals: MAX_DECIMALS });
    }
    let neg = int.starts_with('-');
    let mut scaled: Weight = 0;
    for b in int.bytes().chain(frac.bytes()).filter(u8::is_ascii_digit) {
        scaled = scaled * 10 + Weight::from(b - b'0');
    }
    Some(Decimal { scaled: if neg { -scaled } else { scaled }, decimals: frac.len() as u32 })
}

/// `d` in metric `m`'s fixed-point scale, raising the metric's scale
/// first when `d` has more fraction digits.
pub fn weight_in(b: &mut ProfileBuilder, m: MetricId, d: Decimal) -> Weight {
    let cur = b.metric(m).decimals;
    if d.decimals > cur {
        b.ensure_decimals(m, d.decimals);
        return d.scaled;
    }
    d.scaled.saturating_mul(10i128.pow(cur - d.decimals))
}

/// `v` (a time in `unit_ns` nanoseconds per unit) as whole nanoseconds,
/// rounded; `None` when negative, not finite or past 2^64.
pub fn to_ns(v: f64, unit_ns: f64) -> Option<u64> {
    let ns = (v * unit_ns).round();
    (0.0..1.8e19).contains(&ns).then_some(ns as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_what_was_written() {
        assert_eq!(decimal_of(0.005), Some(Decimal { scaled: 5, decimals: 3 }));
        assert_eq!(decimal_of(1.165), Some(Decimal { scaled: 1165, decimals: 3 }));
        assert_eq!(decimal_of(12.0), Some(Decimal { scaled: 12, decimals: 0 }));
        assert_eq!(decimal_of(-2.5), Some(Decimal { scaled: -25, decimals: 1 }));
        assert_eq!(decimal_of(f64::NAN), None);
        assert_eq!(to_ns(1836662440.89, 1000.0), Some(1_836_662_440_890));
    }
}
