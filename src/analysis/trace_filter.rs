//! Which traces a trace list shows: by service, operation, attribute value,
//! errors and a duration range. Pure functions over [`TraceSet`]; imports
//! `model` only. The window's trace-list filters use it.

use crate::model::trace::{Trace, TraceSet};

/// A filter over traces; every part that is set must hold. Text parts
/// match case-insensitively as substrings; empty text asks nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceFilter {
    /// A span of a service whose name contains this.
    pub service: String,
    /// A span whose name contains this (with `service`: the same span).
    pub operation: String,
    /// A span (or its resource) with an attribute `key=value`, `key`
    /// (any value) or `=value` (any key), each part a substring.
    pub attribute: String,
    /// Only traces with at least one error span. Default: false.
    pub errors_only: bool,
    /// Only traces lasting at least this long, ns.
    pub min_ns: Option<u64>,
    /// Only traces lasting at most this long, ns.
    pub max_ns: Option<u64>,
}

/// Case-insensitive substring test; `needle_lower` is lower case. ASCII
/// needles compare without allocating (the filter runs over every span).
fn contains(haystack: &str, needle_lower: &str) -> bool {
    if needle_lower.is_empty() {
        return true;
    }
    if needle_lower.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle_lower.as_bytes());
        return h.len() >= n.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    haystack.to_lowercase().contains(needle_lower)
}

impl TraceFilter {
    /// True when the filter asks nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether `t` passes.
    pub fn keeps(&self, t: &Trace) -> bool {
        let d = t.duration_ns();
        if self.min_ns.is_some_and(|m| d < m) || self.max_ns.is_some_and(|m| d > m) {
            return false;
        }
        if self.errors_only && t.error_count() == 0 {
            return false;
        }
        let service = self.service.trim().to_lowercase();
        let operation = self.operation.trim().to_lowercase();
        if (!service.is_empty() || !operation.is_empty())
            && !t.spans.iter().any(|s| contains(&s.service, &service) && contains(&s.name, &operation))
        {
            return false;
        }
        let attr = self.attribute.trim().to_lowercase();
        if !attr.is_empty() {
            let (k, v) = match attr.split_once('=') {
                Some((k, v)) => (k.trim().to_string(), Some(v.trim().to_string())),
                None => (attr.clone(), None),
            };
            let hit = |a: &crate::model::trace::Attribute| {
                contains(&a.key, &k) && v.as_ref().is_none_or(|v| contains(&a.value.to_string(), v))
            };
            if !t.spans.iter().any(|s| s.attributes.iter().any(hit) || s.resource.iter().any(hit)) {
                return false;
            }
        }
        true
    }

    /// Per trace of `set`, whether it passes.
    pub fn mask(&self, set: &TraceSet) -> Vec<bool> {
        set.traces.iter().map(|t| self.keeps(t)).collect()
    }
}
