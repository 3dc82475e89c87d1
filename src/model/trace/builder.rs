//! `TraceSetBuilder`: spans in any order in, a [`TraceSet`] of laid-out trees out.
//!
//! Loaders call [`TraceSetBuilder::add`] per span; [`TraceSetBuilder::finish`]
//! groups by trace id, resolves parents, re-hangs spans whose parent is not
//! in the file under the trace's root, cuts parent cycles, flags clock skew
//! and lays each trace out depth-first with an explicit stack. Every oddity
//! becomes a warning; none is fatal.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use super::{Span, SpanId, Trace, TraceId, TraceSet};

/// Collects spans; see the module docs.
#[derive(Debug, Default)]
pub struct TraceSetBuilder {
    index: HashMap<TraceId, usize, FxBuildHasher>,
    traces: Vec<(TraceId, Vec<Span>)>,
    warnings: Vec<String>,
    spans: usize,
}

impl TraceSetBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a span of trace `trace`. A span that ends before it starts is
    /// kept with its end set to its start, and a warning.
    pub fn add(&mut self, trace: TraceId, mut span: Span) {
        if span.end_ns < span.start_ns {
            self.warnings.push(format!(
                "trace {trace}: span {} ({:?}) ends {} ns before it starts; its duration is taken as 0",
                span.id,
                span.name,
                span.start_ns - span.end_ns
            ));
            span.end_ns = span.start_ns;
        }
        let next = self.traces.len();
        let i = *self.index.entry(trace).or_insert(next);
        if i == next {
            self.traces.push((trace, Vec::new()));
        }
        self.traces[i].1.push(span);
        self.spans += 1;
    }

    /// Number of spans added so far.
    pub fn span_count(&self) -> usize {
        self.spans
    }

    /// Records a warning to hand back from [`finish`](Self::finish).
    pub fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }

    /// The trace set, sorted by trace start then id, and every warning.
    pub fn finish(self) -> (TraceSet, Vec<String>) {
        let mut warnings = self.warnings;
        let mut traces: Vec<Trace> =
            self.traces.into_iter().map(|(id, spans)| lay_out(id, spans, &mut warnings)).collect();
        traces.sort_by_key(|t| (t.start_ns(), t.id));
        for (ti, t) in traces.iter_mut().enumerate() {
            for s in &mut t.spans {
                s.trace = ti as u32;
            }
        }
        (TraceSet { traces }, warnings)
    }
}

const NONE: u32 = u32::MAX;

/// Resolves parents (by the first span with an id), returning parent index
/// per span (`NONE` for roots) and marking missing parents.
fn resolve_parents(id: TraceId, spans: &mut [Span], warnings: &mut Vec<String>) -> Vec<u32> {
    let mut by_id: HashMap<SpanId, u32, FxBuildHasher> = HashMap::with_capacity_and_hasher(spans.len(), FxBuildHasher);
    let mut dups = 0usize;
    for (i, s) in spans.iter().enumerate() {
        if by_id.try_insert_compat(s.id, i as u32) {
            continue;
        }
        dups += 1;
        if dups <= 3 {
            warnings.push(format!(
                "trace {id}: duplicate span id {} ({:?}); both spans are kept, references go to the first",
                s.id, s.name
            ));
        }
    }
    if dups > 3 {
        warnings.push(format!("trace {id}: {dups} duplicate span ids in all"));
    }
    let mut parent = vec![NONE; spans.len()];
    for (i, s) in spans.iter_mut().enumerate() {
        let Some(pid) = s.parent_id else { continue };
        match by_id.get(&pid) {
            Some(&p) if p as usize != i => parent[i] = p,
            _ => s.parent_missing = true,
        }
    }
    parent
}

/// Cuts cycles in parent links (each cut span becomes parent-missing).
fn cut_cycles(parent: &mut [u32], spans: &mut [Span]) -> usize {
    // 0 unvisited, 1 on the current walk, 2 done.
    let mut state = vec![0u8; parent.len()];
    let mut path = Vec::new();
    let mut cuts = 0;
    for start in 0..parent.len() {
        let mut i = start as u32;
        while i != NONE && state[i as usize] == 0 {
            state[i as usize] = 1;
            path.push(i);
            i = parent[i as usize];
        }
        if i != NONE && state[i as usize] == 1 {
            parent[i as usize] = NONE;
            spans[i as usize].parent_missing = true;
            cuts += 1;
        }
        for &p in &path {
            state[p as usize] = 2;
        }
        path.clear();
    }
    cuts
}

fn lay_out(id: TraceId, mut spans: Vec<Span>, warnings: &mut Vec<String>) -> Trace {
    let mut parent = resolve_parents(id, &mut spans, warnings);
    let cuts = cut_cycles(&mut parent, &mut spans);
    if cuts > 0 {
        warnings.push(format!("trace {id}: {cuts} cycles in parent links cut; those spans hang under the root"));
    }
    // Roots by start; re-hang spans whose parent is missing under the first
    // true root, or make the earliest of them the root when there is none.
    let by_start = |a: &u32, b: &u32| (spans[*a as usize].start_ns, *a).cmp(&(spans[*b as usize].start_ns, *b));
    let mut true_roots: Vec<u32> =
        (0..spans.len() as u32).filter(|&i| parent[i as usize] == NONE && !spans[i as usize].parent_missing).collect();
    let mut orphans: Vec<u32> =
        (0..spans.len() as u32).filter(|&i| parent[i as usize] == NONE && spans[i as usize].parent_missing).collect();
    true_roots.sort_by(by_start);
    orphans.sort_by(by_start);
    if let Some(&first) = orphans.first() {
        let missing: Vec<String> = orphans
            .iter()
            .take(3)
            .map(|&o| {
                let s = &spans[o as usize];
                format!("span {} ({:?}) names parent {}", s.id, s.name, s.parent_id.unwrap_or_default())
            })
            .collect();
        warnings.push(format!(
            "trace {id}: {} span(s) name a parent that is not in the file, shown under the trace root with \"parent missing\": {}",
            orphans.len(),
            missing.join("; ")
        ));
        let host = true_roots.first().copied().unwrap_or(first);
        if true_roots.is_empty() {
            true_roots.push(first);
        }
        for &o in &orphans {
            if o != host {
                parent[o as usize] = host;
            }
        }
    }
    let skewed = flag_skew(&parent, &mut spans);
    if skewed > 0 {
        warnings.push(format!(
            "trace {id}: {skewed} span(s) start before or end after their parent (clock skew); kept and flagged"
        ));
    }
    order_depth_first(id, spans, &parent, &true_roots)
}

fn flag_skew(parent: &[u32], spans: &mut [Span]) -> usize {
    let mut n = 0;
    for i in 0..spans.len() {
        let p = parent[i];
        if p == NONE || spans[i].parent_missing {
            continue;
        }
        let (ps, pe) = (spans[p as usize].start_ns, spans[p as usize].end_ns);
        if spans[i].start_ns < ps || spans[i].end_ns > pe {
            spans[i].clock_skew = true;
            n += 1;
        }
    }
    n
}

fn order_depth_first(id: TraceId, spans: Vec<Span>, parent: &[u32], roots: &[u32]) -> Trace {
    let n = spans.len();
    // Children per span, by start (CSR over the old indices).
    let mut counts = vec![0u32; n + 1];
    for &p in parent {
        if p != NONE {
            counts[p as usize + 1] += 1;
        }
    }
    for i in 0..n {
        counts[i + 1] += counts[i];
    }
    let mut fill = counts.clone();
    let mut kids = vec![0u32; counts[n] as usize];
    for (i, &p) in parent.iter().enumerate() {
        if p != NONE {
            kids[fill[p as usize] as usize] = i as u32;
            fill[p as usize] += 1;
        }
    }
    for i in 0..n {
        kids[counts[i] as usize..counts[i + 1] as usize].sort_by_key(|&c| (spans[c as usize].start_ns, c));
    }
    // Pre-order walk with an explicit stack; children pushed in reverse.
    let mut order: Vec<u32> = Vec::with_capacity(n);
    let mut depth = vec![0u32; n];
    let mut stack: Vec<u32> = roots.iter().rev().copied().collect();
    while let Some(i) = stack.pop() {
        order.push(i);
        let cs = &kids[counts[i as usize] as usize..counts[i as usize + 1] as usize];
        for &c in cs.iter().rev() {
            depth[c as usize] = depth[i as usize] + 1;
            stack.push(c);
        }
    }
    let mut new_of = vec![NONE; n];
    for (new, &old) in order.iter().enumerate() {
        new_of[old as usize] = new as u32;
    }
    let mut slots: Vec<Option<Span>> = spans.into_iter().map(Some).collect();
    let mut out: Vec<Span> = Vec::with_capacity(n);
    for &old in &order {
        let Some(mut s) = slots[old as usize].take() else { continue };
        let p = parent[old as usize];
        s.parent = (p != NONE).then(|| new_of[p as usize]);
        s.depth = depth[old as usize];
        out.push(s);
    }
    // Subtree ends: a reverse pass, each span extends its parent's end.
    for (i, s) in out.iter_mut().enumerate() {
        s.subtree_end = i as u32 + 1;
    }
    for i in (0..out.len()).rev() {
        if let Some(p) = out[i].parent {
            let e = out[i].subtree_end;
            let pe = &mut out[p as usize].subtree_end;
            *pe = (*pe).max(e);
        }
    }
    let mut child_start = Vec::with_capacity(out.len() + 1);
    let mut children = Vec::with_capacity(out.len());
    for &old in &order {
        child_start.push(children.len() as u32);
        let cs = &kids[counts[old as usize] as usize..counts[old as usize + 1] as usize];
        children.extend(cs.iter().map(|&c| new_of[c as usize]));
    }
    child_start.push(children.len() as u32);
    let roots = roots.iter().map(|&r| new_of[r as usize]).collect();
    Trace { id, spans: out, roots, children, child_start }
}

/// `HashMap::try_insert` is unstable; this keeps the first value.
trait TryInsertCompat<K, V> {
    fn try_insert_compat(&mut self, k: K, v: V) -> bool;
}

impl<K: std::hash::Hash + Eq, V> TryInsertCompat<K, V> for HashMap<K, V, FxBuildHasher> {
    fn try_insert_compat(&mut self, k: K, v: V) -> bool {
        match self.entry(k) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(v);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(id: &str, parent: Option<&str>, start: u64, end: u64) -> Span {
        let sid = SpanId::parse_hex(id).unwrap_or_default();
        Span::new(sid, parent.and_then(SpanId::parse_hex), id.to_string(), start, end)
    }

    #[test]
    fn lays_out_depth_first_rehangs_orphans_and_cuts_cycles() {
        let t = TraceId([1; 16]);
        let mut b = TraceSetBuilder::new();
        b.add(t, span("c", Some("a"), 20, 30));
        b.add(t, span("a", None, 0, 100));
        b.add(t, span("b", Some("a"), 10, 120));
        b.add(t, span("d", Some("ff"), 40, 50));
        b.add(t, span("e", Some("f"), 1, 2));
        b.add(t, span("f", Some("e"), 1, 2));
        let (set, warnings) = b.finish();
        let tr = &set.traces[0];
        let names: Vec<&str> = tr.spans.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "e", "f", "b", "c", "d"]);
        assert_eq!(tr.roots, [0]);
        assert!(tr.spans[1].parent_missing && tr.spans[5].parent_missing);
        assert!(tr.spans[3].clock_skew);
        assert_eq!(tr.spans[0].subtree_end, 6);
        assert_eq!(tr.children(0), [1, 3, 4, 5]);
        assert_eq!(tr.spans[2].depth, 2);
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        // Root self time: 100 minus b (clipped to 10..100) and c inside b: 10.
        assert_eq!(tr.self_times_ns()[0], 10);
    }
}
