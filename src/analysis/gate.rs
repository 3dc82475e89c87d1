//! Regression gates: `--fail-on EXPR` expressions for CI, parsed here and
//! checked against a [`Diff`] (and, for two trace files, a
//! [`TraceComparison`]).
//!
//! Grammar: `SUBJECT OP CHANGE`, blanks allowed between the parts.
//! - `SUBJECT`: `total` (the metric's total), `fn:NAME` (a function's
//!   total), `self:NAME` (its self weight), `p50`, `p90`, `p99` (trace
//!   latency percentiles), `service:NAME` (a service's self time over all
//!   traces). NAME is a function or service name as printed; several
//!   functions of one name (in different modules) are taken together:
//!   their self weights summed, their total counting a sample once
//!   however many of them are on its stack (from a table matched by name,
//!   `CompareOptions::by_name`).
//! - `OP`: `>`, `>=`, `<`, `<=`. The last `<` or `>` of the expression is
//!   the operator, so names may hold `<` and `>` (`fn:Vec<T>::push>+5%`).
//! - `CHANGE`: a signed number and a unit: `%` (change relative to before),
//!   a time (`ns`, `us`/`µs`, `ms`, `s`), a size (`B`, `KB`, `MB`, `GB`,
//!   `TB` in powers of 1000, `KiB`, `MiB`, `GiB`, `TiB` in powers of 1024),
//!   or none (the metric's own unit: samples, bytes, nanoseconds ...).
//!
//! A gate trips when `after - before` (or its percentage of `before`)
//! compares true with the threshold: `total>+5%` trips when the total grew
//! by more than 5%. A change of a before of 0 is infinitely many percent.

use std::fmt;
use std::ops::Range;

use super::diff::{Diff, DiffRow};
use super::trace_compare::TraceComparison;
use crate::model::{Unit, Weight};

/// What a gate measures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The metric's total.
    Total,
    /// A function's total weight.
    Function(String),
    /// A function's self weight.
    SelfWeight(String),
    /// A trace latency percentile (50, 90 or 99).
    Percentile(u8),
    /// A service's self time over all traces.
    Service(String),
}

/// The comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

impl Op {
    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Self::Gt => a > b,
            Self::Ge => a >= b,
            Self::Lt => a < b,
            Self::Le => a <= b,
        }
    }
}

/// The threshold's kind.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Threshold {
    /// A change in percent of the before value.
    Percent(f64),
    /// An absolute change in nanoseconds.
    Time(f64),
    /// An absolute change in bytes.
    Bytes(f64),
    /// An absolute change in the metric's own unit.
    Plain(f64),
}

/// One parsed gate.
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    /// The expression as given.
    pub expr: String,
    /// What is measured.
    pub subject: Subject,
    /// The operator.
    pub op: Op,
    /// The threshold.
    pub threshold: Threshold,
    name_at: Range<usize>,
    unit_at: Range<usize>,
}

/// A malformed gate, or one that does not fit the files: the expression,
/// the byte range of the bad part, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateError {
    /// The expression.
    pub expr: String,
    /// Byte range of the bad part in `expr`.
    pub at: Range<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for GateError {
    /// `--fail-on "EXPR": MESSAGE`, then the expression with carets under the bad part.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let col = self.expr[..self.at.start.min(self.expr.len())].chars().count();
        let width = self.expr.get(self.at.clone()).map_or(1, |s| s.chars().count().max(1));
        write!(
            f,
            "--fail-on {:?}: {}\n  {}\n  {}{}",
            self.expr,
            self.message,
            self.expr,
            " ".repeat(col),
            "^".repeat(width)
        )
    }
}

impl std::error::Error for GateError {}

/// A gate's figures: before, after, the change it compares and whether it tripped.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Value before (metric weight, or ns for trace subjects).
    pub before: Weight,
    /// Value after.
    pub after: Weight,
    /// The change compared with the threshold: percent for `%` gates, else
    /// the difference in the threshold's unit (ns, bytes, or the metric's
    /// unit); `None` when infinite (a before of 0).
    pub change: Option<f64>,
    /// Whether the gate tripped.
    pub tripped: bool,
    /// The rows a function gate took together when its name is in several
    /// modules (`name [module]` each); empty otherwise. Naming one of them
    /// in the gate (`fn:'helper [liba.so]'`) picks that row alone.
    pub summed: Vec<String>,
}

/// Parses `expr`.
pub fn parse(expr: &str) -> Result<Gate, GateError> {
    let err = |at: Range<usize>, message: String| GateError { expr: expr.to_string(), at, message };
    let Some(op_at) = expr.rfind(['<', '>']) else {
        return Err(err(0..expr.len(), "no operator: expected SUBJECT>CHANGE, e.g. total>+5%".into()));
    };
    let ge = expr[op_at + 1..].starts_with('=');
    let op = match (&expr[op_at..op_at + 1], ge) {
        (">", false) => Op::Gt,
        (">", true) => Op::Ge,
        ("<", false) => Op::Lt,
        _ => Op::Le,
    };
    let change_start = op_at + 1 + usize::from(ge);
    let subject_text = expr[..op_at].trim();
    let subject_start = expr.len() - expr.trim_start().len();
    let (subject, name_at) = parse_subject(subject_text, subject_start).map_err(|(at, m)| err(at, m))?;
    let (threshold, unit_at) = parse_change(expr, change_start).map_err(|(at, m)| err(at, m))?;
    Ok(Gate { expr: expr.to_string(), subject, op, threshold, name_at, unit_at })
}

fn parse_subject(text: &str, start: usize) -> Result<(Subject, Range<usize>), (Range<usize>, String)> {
    let whole = start..start + text.len();
    let expected = "expected total, fn:NAME, self:NAME, p50, p90, p99 or service:NAME";
    if text.is_empty() {
        return Err((start..start, format!("nothing before the operator: {expected}")));
    }
    if let Some((kind, name)) = text.split_once(':') {
        let name_at = start + kind.len() + 1..whole.end;
        if name.trim().is_empty() {
            return Err((name_at, format!("{kind}: needs a name after the colon")));
        }
        let name = name.to_string();
        return match kind.to_ascii_lowercase().as_str() {
            "fn" => Ok((Subject::Function(name), name_at)),
            "self" => Ok((Subject::SelfWeight(name), name_at)),
            "service" => Ok((Subject::Service(name), name_at)),
            _ => Err((start..start + kind.len(), format!("unknown kind {kind:?}: {expected}"))),
        };
    }
    match text.to_ascii_lowercase().as_str() {
        "total" => Ok((Subject::Total, whole)),
        "p50" => Ok((Subject::Percentile(50), whole)),
        "p90" => Ok((Subject::Percentile(90), whole)),
        "p99" => Ok((Subject::Percentile(99), whole)),
        _ => Err((whole, format!("unknown subject {text:?}: {expected}"))),
    }
}

fn parse_change(expr: &str, start: usize) -> Result<(Threshold, Range<usize>), (Range<usize>, String)> {
    let rest = &expr[start..];
    let lead = rest.len() - rest.trim_start().len();
    let text = rest.trim();
    let at = start + lead;
    let b = text.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits_from = i;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    let number = &text[..i];
    let value: f64 = match number.parse() {
        Ok(v) if i > digits_from => v,
        _ => {
            let bad = if text.is_empty() { expr.len()..expr.len() } else { at..at + text.len() };
            return Err((bad, "expected a change such as +5%, +2ms, +1MiB or +100 after the operator".into()));
        }
    };
    let unit = text[i..].trim();
    let unit_start = at + i + (text[i..].len() - text[i..].trim_start().len());
    let unit_at = unit_start..unit_start + unit.len();
    let time = |ns: f64| Threshold::Time(value * ns);
    let bytes = |b: f64| Threshold::Bytes(value * b);
    let threshold = match unit {
        "" => Threshold::Plain(value),
        "%" => Threshold::Percent(value),
        "ns" => time(1.0),
        "us" | "µs" => time(1e3),
        "ms" => time(1e6),
        "s" => time(1e9),
        "B" => bytes(1.0),
        "KB" | "kB" => bytes(1e3),
        "MB" => bytes(1e6),
        "GB" => bytes(1e9),
        "TB" => bytes(1e12),
        "KiB" => bytes(1024.0),
        "MiB" => bytes(1024.0 * 1024.0),
        "GiB" => bytes(1024.0 * 1024.0 * 1024.0),
        "TiB" => bytes(1024.0 * 1024.0 * 1024.0 * 1024.0),
        _ => {
            return Err((
                unit_at,
                format!("unknown unit {unit:?}: expected %, ns, us, ms, s, B, KB, MB, GB, KiB, MiB, GiB or none"),
            ));
        }
    };
    Ok((threshold, unit_at))
}

/// What a gate is measured in: the metric's unit and decimal scale, or
/// nanoseconds for trace subjects.
#[derive(Clone, Debug)]
pub struct Scale {
    /// The unit of the weights.
    pub unit: Unit,
    /// Fixed-point decimals of the weights.
    pub decimals: u32,
}

impl Gate {
    /// True when the gate takes the total of a name that `cmp` has in
    /// several modules: [`Self::check`] then needs the table matched by
    /// name (`CompareOptions::by_name`) to count each sample once.
    pub fn needs_table_by_name(&self, cmp: &Diff) -> bool {
        matches!(&self.subject, Subject::Function(name) if cmp.rows_named(name).nth(1).is_some())
    }

    /// Measures the gate on `cmp` (weights in `scale`) and, for trace
    /// subjects, `traces`; `by_name` is the same comparison matched by
    /// name, for a total of a name in several modules (see
    /// [`Self::needs_table_by_name`]; without it the rows' totals are
    /// summed, which counts twice a sample with two of them on its stack).
    /// Errors point at the part that does not fit: a name in neither side,
    /// a trace subject without two trace files, a unit that is not the
    /// metric's kind.
    pub fn check(
        &self,
        cmp: &Diff,
        by_name: Option<&Diff>,
        scale: &Scale,
        traces: Option<&TraceComparison>,
    ) -> Result<Outcome, GateError> {
        let err = |at: Range<usize>, message: String| GateError { expr: self.expr.clone(), at, message };
        let need_traces = || {
            traces.ok_or_else(|| {
                err(self.name_at.clone(), "needs two trace files (OTLP or Jaeger); these are profiles".into())
            })
        };
        let ns = Scale { unit: Unit::Nanoseconds, decimals: 0 };
        let mut summed = Vec::new();
        let (before, after, scale) = match &self.subject {
            Subject::Total => (cmp.before_total, cmp.after_total, scale),
            Subject::Function(name) | Subject::SelfWeight(name) => {
                let mut rows: Vec<_> = cmp.rows_named(name).collect();
                if rows.is_empty() {
                    // `name [module]`: the row of that module alone.
                    rows = cmp.rows.iter().filter(|r| r.qualified_name() == *name).collect();
                }
                if rows.len() > 1 {
                    summed = rows.iter().map(|r| r.qualified_name()).collect();
                }
                if rows.is_empty() {
                    return Err(err(
                        self.name_at.clone(),
                        no_such("function", name, cmp.rows.iter().map(|r| &*r.name)),
                    ));
                }
                let own = matches!(self.subject, Subject::SelfWeight(_));
                let pick = |r: &&DiffRow| {
                    if own { (r.before_self, r.after_self) } else { (r.before_total, r.after_total) }
                };
                let sum = |rows: &[&DiffRow]| rows.iter().map(pick).fold((0, 0), |(x, y), (b, a)| (x + b, y + a));
                let (b, a) = match by_name {
                    Some(t) if !own && rows.len() > 1 => sum(&t.rows_named(name).collect::<Vec<_>>()),
                    _ => sum(&rows),
                };
                (b, a, scale)
            }
            Subject::Percentile(p) => {
                let t = need_traces()?;
                let (b, a) = t.percentile(*p);
                (b as Weight, a as Weight, &ns)
            }
            Subject::Service(name) => {
                let t = need_traces()?;
                let Some(row) = t.services.iter().find(|s| s.name == *name) else {
                    return Err(err(
                        self.name_at.clone(),
                        no_such("service", name, t.services.iter().map(|s| &*s.name)),
                    ));
                };
                (row.before.self_ns as Weight, row.after.self_ns as Weight, &ns)
            }
        };
        let delta = (after - before) as f64 / 10f64.powi(scale.decimals as i32);
        let unit_err = |kind: &str| {
            err(
                self.unit_at.clone(),
                format!(
                    "a {kind} does not fit {} values: give % or a plain number in {}",
                    scale.unit.name(),
                    scale.unit.name()
                ),
            )
        };
        let per_ns = match scale.unit {
            Unit::Nanoseconds => Some(1.0),
            Unit::Microseconds => Some(1e3),
            Unit::Milliseconds => Some(1e6),
            Unit::Seconds => Some(1e9),
            _ => None,
        };
        let (change, limit) = match self.threshold {
            Threshold::Percent(p) => {
                let change = if before == 0 {
                    if after == 0 { Some(0.0) } else { None }
                } else {
                    Some((after - before) as f64 * 100.0 / before.unsigned_abs() as f64)
                };
                (change, p)
            }
            Threshold::Plain(v) => (Some(delta), v),
            Threshold::Time(t) => match per_ns {
                Some(k) => (Some(delta * k), t),
                None => return Err(unit_err("time")),
            },
            Threshold::Bytes(b) if scale.unit == Unit::Bytes => (Some(delta), b),
            Threshold::Bytes(_) => return Err(unit_err("size")),
        };
        let infinite = if after > before { f64::INFINITY } else { f64::NEG_INFINITY };
        let tripped = self.op.holds(change.unwrap_or(infinite), limit);
        Ok(Outcome { before, after, change, tripped, summed })
    }

    /// The threshold as written (`+5%`, `+2ms`).
    pub fn threshold_text(&self) -> &str {
        let at = self.expr.rfind(['<', '>']).map_or(0, |i| i + 1);
        self.expr[at..].trim_start_matches('=').trim()
    }

    /// The unit `change` is in: `%`, `ns`, `bytes`, or the metric's unit name.
    pub fn change_unit<'a>(&self, scale: &'a Scale) -> &'a str {
        match self.threshold {
            Threshold::Percent(_) => "%",
            Threshold::Time(_) => "nanoseconds",
            Threshold::Bytes(_) => "bytes",
            Threshold::Plain(_) => scale.unit.name(),
        }
    }
}

/// "no function named X in either profile", with up to three names that contain it.
fn no_such<'a>(what: &str, name: &str, names: impl Iterator<Item = &'a str>) -> String {
    let lower = name.to_lowercase();
    let mut close: Vec<&str> = names.filter(|n| n.to_lowercase().contains(&lower)).collect();
    close.sort_unstable();
    close.dedup();
    let more = close.len() > 3;
    close.truncate(3);
    let hint = if close.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}{}", close.join(", "), if more { ", ..." } else { "" })
    };
    format!("no {what} named {name:?} in either file{hint}")
}

#[cfg(test)]
mod tests;
