//! `TraceSetBuilder`: spans in any order in, a [`TraceSet`] of laid-out trees out.
//!
//! Loaders call [`TraceSetBuilder::add`] per span; [`TraceSetBuilder::finish`]
//! groups by trace id, resolves parents, re-hangs spans whose parent is not
//! in the file under the trace's root, cuts loops of parent links (naming
//! the spans of each loop and where the cut one is shown), flags clock skew
//! (a span starting before its parent) and asynchronous spans (ending after
//! it), and lays each trace out depth-first with an explicit stack. Every oddity
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
    /// Spans with an unset (0) Unix start time, and the first of them.
    unset_start: usize,
    first_unset: Option<String>,
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

    /// Adds a span whose times count from the Unix epoch (OTLP, Jaeger),
    /// where a start of 0 means the producer left it unset: such a span
    /// would last from 1970 to its end, so it is taken to start where it
    /// ends (duration 0) and counted for one warning naming the first.
    pub fn add_epoch(&mut self, trace: TraceId, mut span: Span) {
        if span.start_ns == 0 {
            self.unset_start += 1;
            if self.first_unset.is_none() {
                self.first_unset = Some(format!("span {} ({:?}) of trace {trace}", span.id, span.name));
            }
            span.start_ns = span.end_ns;
        }
        self.add(trace, span);
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
        if let Some(first) = self.first_unset {
            warnings.push(format!(
                "{} span(s) have no start time (0: unset), the first {first}; each is taken to start where it \
                 ends (duration 0)",
                self.unset_start
            ));
        }
        let mut traces: Vec<Trace> =
            self.traces.into_iter().map(|(id, spans)| lay_out(id, spans, &mut warnings)).collect();
        traces.sort_by_cached_key(|t| (t.start_ns(), t.id));
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
        // A span naming itself is a loop of one, cut with the others.
        match by_id.get(&pid) {
            Some(&p) => parent[i] = p,
            None => s.parent_missing = true,
        }
    }
    parent
}

/// Breaks every loop of parent links by cutting the link of the loop's
/// earliest-starting span (the likeliest true ancestor), which then hangs
/// like a span whose parent is missing, flagged `parent_loop`. Returns each
/// loop's members: the cut span first, then its parent, that span's
/// parent, and so on round the loop.
fn cut_loops(parent: &mut [u32], spans: &mut [Span]) -> Vec<Vec<u32>> {
    // 0 unvisited, 1 on the current walk, 2 done.
    let mut state = vec![0u8; parent.len()];
    let mut path = Vec::new();
    let mut loops = Vec::new();
    for start in 0..parent.len() {
        let mut i = start as u32;
        while i != NONE && state[i as usize] == 0 {
            state[i as usize] = 1;
            path.push(i);
            i = parent[i as usize];
        }
        if i != NONE && state[i as usize] == 1 {
            // The walk came back to `i`: the loop is the path from `i` on.
            let members = &path[path.iter().position(|&p| p == i).unwrap_or(0)..];
            let cut_at = (0..members.len()).min_by_key(|&k| (spans[members[k] as usize].start_ns, members[k]));
            let cut_at = cut_at.unwrap_or(0);
            let mut ring = members[cut_at..].to_vec();
            ring.extend_from_slice(&members[..cut_at]);
            let cut = ring[0] as usize;
            parent[cut] = NONE;
            spans[cut].parent_missing = true;
            spans[cut].parent_loop = true;
            loops.push(ring);
        }
        for &p in &path {
            state[p as usize] = 2;
        }
        path.clear();
    }
    loops
}

/// `0000000000000001 ("GET /orders")`.
fn span_ref(s: &Span) -> String {
    format!("{} ({:?})", s.id, s.name)
}

/// What a loop is and what was done with it, for the warnings list:
/// `trace T: spans A ("x") and B ("y") are each other's parent; A, the
/// earlier, is shown as the trace's root, flagged "parent loop"`.
fn loop_warning(id: TraceId, ring: &[u32], spans: &[Span], placed: &str) -> String {
    let at = |k: usize| &spans[ring[k] as usize];
    let first = at(0);
    let what = match ring.len() {
        0 | 1 => format!("span {} names itself as its parent", span_ref(first)),
        2 => format!("spans {} and {} are each other's parent", span_ref(first), span_ref(at(1))),
        n => {
            let shown: Vec<String> = (0..n.min(4)).map(|k| span_ref(at(k))).collect();
            let more = if n > 4 { format!(" → … ({n} spans in all)") } else { String::new() };
            format!("spans {}{more} → {} form a loop, each naming the next as its parent", shown.join(" → "), first.id)
        }
    };
    let which = match ring.len() {
        0 | 1 => "",
        2 => ", the earlier,",
        _ => ", the earliest,",
    };
    format!("trace {id}: {what}; {}{which} is shown {placed}, flagged \"parent loop\"", first.id)
}

fn lay_out(id: TraceId, mut spans: Vec<Span>, warnings: &mut Vec<String>) -> Trace {
    let mut parent = resolve_parents(id, &mut spans, warnings);
    let loops = cut_loops(&mut parent, &mut spans);
    // Roots by start; re-hang spans whose parent is missing (or was cut out
    // of a loop) under the first true root, or make the earliest of them the
    // root when there is none.
    let by_start = |a: &u32, b: &u32| (spans[*a as usize].start_ns, *a).cmp(&(spans[*b as usize].start_ns, *b));
    let mut true_roots: Vec<u32> =
        (0..spans.len() as u32).filter(|&i| parent[i as usize] == NONE && !spans[i as usize].parent_missing).collect();
    let mut orphans: Vec<u32> =
        (0..spans.len() as u32).filter(|&i| parent[i as usize] == NONE && spans[i as usize].parent_missing).collect();
    true_roots.sort_by(by_start);
    orphans.sort_by(by_start);
    let host = true_roots.first().or(orphans.first()).copied();
    for ring in loops.iter().take(3) {
        let placed = match host {
            Some(h) if h == ring[0] => "as the trace's root".to_string(),
            Some(h) if true_roots.is_empty() => format!("under {}, the trace's root", span_ref(&spans[h as usize])),
            Some(h) => format!("under the trace's root {}", span_ref(&spans[h as usize])),
            None => "as a root".to_string(),
        };
        warnings.push(loop_warning(id, ring, &spans, &placed));
    }
    if loops.len() > 3 {
        warnings.push(format!("trace {id}: {} loops of parent links in all, each cut the same way", loops.len()));
    }
    let missing: Vec<u32> = orphans.iter().copied().filter(|&o| !spans[o as usize].parent_loop).collect();
    if !missing.is_empty() {
        let named: Vec<String> = missing
            .iter()
            .take(3)
            .map(|&o| {
                let s = &spans[o as usize];
                format!("span {} ({:?}) names parent {}", s.id, s.name, s.parent_id.unwrap_or_default())
            })
            .collect();
        warnings.push(format!(
            "trace {id}: {} span(s) name a parent that is not in the file, shown under the trace root with \"parent missing\": {}",
            missing.len(),
            named.join("; ")
        ));
    }
    if let Some(host) = host {
        if true_roots.is_empty() {
            true_roots.push(host);
        }
        for &o in &orphans {
            if o != host {
                parent[o as usize] = host;
            }
        }
    }
    let skewed = flag_skew(&parent, &mut spans);
    if skewed > 0 {
        warnings.push(format!("trace {id}: {skewed} span(s) start before their parent (clock skew); kept and flagged"));
    }
    order_depth_first(id, spans, &parent, &true_roots)
}

/// Flags spans that start before their parent (clock skew: a child cannot
/// start before what started it) and spans that end after it (asynchronous
/// work: a log write, a connection set up after the response); returns the
/// number of the first kind, the oddity worth a warning.
fn flag_skew(parent: &[u32], spans: &mut [Span]) -> usize {
    let mut n = 0;
    for i in 0..spans.len() {
        let p = parent[i];
        if p == NONE || spans[i].parent_missing {
            continue;
        }
        let (ps, pe) = (spans[p as usize].start_ns, spans[p as usize].end_ns);
        if spans[i].start_ns < ps {
            spans[i].clock_skew = true;
            n += 1;
        } else if spans[i].end_ns > pe {
            spans[i].ends_after_parent = true;
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
        Span::new(sid, parent.and_then(SpanId::parse_hex), std::sync::Arc::from(id), start, end)
    }

    #[test]
    fn lays_out_depth_first_rehangs_orphans_and_cuts_loops() {
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
        let names: Vec<&str> = tr.spans.iter().map(|s| &*s.name).collect();
        assert_eq!(names, ["a", "e", "f", "b", "c", "d"]);
        assert_eq!(tr.roots, [0]);
        assert!(tr.spans[1].parent_missing && tr.spans[5].parent_missing);
        // b (10..120 under a, 0..100) ends after its parent: asynchronous, not skew.
        assert!(tr.spans[3].ends_after_parent && !tr.spans[3].clock_skew);
        assert_eq!(tr.spans[0].subtree_end, 6);
        assert_eq!(tr.children(0), [1, 3, 4, 5]);
        assert_eq!(tr.spans[2].depth, 2);
        assert!(tr.spans[1].parent_loop && !tr.spans[5].parent_loop);
        assert_eq!(
            warnings,
            [
                "trace 01010101010101010101010101010101: spans 000000000000000e (\"e\") and 000000000000000f (\"f\") are each other's parent; 000000000000000e, the earlier, is shown under the trace's root 000000000000000a (\"a\"), flagged \"parent loop\"",
                "trace 01010101010101010101010101010101: 1 span(s) name a parent that is not in the file, shown under the trace root with \"parent missing\": span 000000000000000d (\"d\") names parent 00000000000000ff",
            ]
        );
        // Root self time: 100 minus b (clipped to 10..100) and c inside b: 10.
        assert_eq!(tr.self_times_ns()[0], 10);
    }
}
