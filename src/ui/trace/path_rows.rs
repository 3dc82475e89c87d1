//! The critical-path table's rows: one per span on the path, largest share
//! first, each naming its operation by index (a trace of a million spans
//! has a million rows and a few operations).

use crate::analysis::traces::{CriticalSection, PairIndex, critical_path_shares};
use crate::model::trace::Trace;

/// One span on the critical path.
#[derive(Clone, Debug, PartialEq)]
pub struct PathRow {
    /// Span index in the trace.
    pub span: u32,
    /// Index of the row's operation in those [`path_rows`] returns.
    pub op: u32,
    /// Time on the critical path, ns.
    pub path_ns: u64,
}

/// The rows of `trace`'s critical path `sections`, largest share first, and
/// the operations they name: (`service: span name`, service).
pub fn path_rows(trace: &Trace, sections: &[CriticalSection]) -> (Vec<PathRow>, Vec<(String, String)>) {
    let mut ops = PairIndex::default();
    let mut path_ops = Vec::new();
    let mut path: Vec<PathRow> = critical_path_shares(sections)
        .into_iter()
        .filter_map(|(i, ns)| {
            let s = trace.spans.get(i)?;
            let op = ops.number(&s.service, &s.name, || {
                path_ops.push((format!("{}: {}", s.service, s.name), s.service.to_string()));
                (path_ops.len() - 1) as u32
            });
            Some(PathRow { span: i as u32, op, path_ns: ns })
        })
        .collect();
    path.sort_by_key(|r| std::cmp::Reverse(r.path_ns));
    (path, path_ops)
}
