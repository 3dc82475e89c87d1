//! What every loader fuzz target asserts beyond "no panic": a load either
//! fails with a `LoadError` or yields a profile whose invariants hold.
//!
//! - every sample's stack exists, every stack's frame exists, and a stack's
//!   parent comes before it (the prefix tree is well formed);
//! - per metric, the call tree's total equals the sum of the sample weights
//!   (samples with an empty stack included), and the folded export sums to
//!   the same;
//! - for a metric with no negative weight, no node of the call tree is
//!   lighter than its children together, nor than its own self weight.

use std::io::Write;
use std::sync::Arc;

use firesight::load::{self, Format, Input, LoadOptions, Progress};
use firesight::model::calltree::SampleFilter;
use firesight::model::{CallTree, MetricId, NodeId, Profile, Weight};

/// Largest decompressed size a fuzz input may expand to (a gzip bomb stops
/// here with an error instead of eating the fuzzer's memory).
pub const MAX_DECOMPRESSED: u64 = 64 << 20;

/// Loads `data` (sniffed, or as `format`) and checks the invariants of what loads.
pub fn load_and_check(data: &[u8], format: Option<Format>) {
    let opts = LoadOptions {
        format,
        chunk_size: 4096,
        max_decompressed: MAX_DECOMPRESSED,
        max_whole_input: MAX_DECOMPRESSED,
        ..LoadOptions::default()
    };
    let Ok(mut input) = Input::from_reader(
        std::io::Cursor::new(data.to_vec()),
        None,
        Arc::new(Progress::default()),
        opts.chunk_size,
        opts.max_decompressed,
    ) else {
        return;
    };
    if let Ok(loaded) = load::load_input(&mut input, &opts) {
        check_profile(&loaded.profile);
    }
}

/// Gzips `data` and loads it, sniffed: the decompression path.
pub fn load_gzipped_and_check(data: &[u8]) {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    if enc.write_all(data).is_err() {
        return;
    }
    if let Ok(gz) = enc.finish() {
        load_and_check(&gz, None);
    }
}

/// Panics when a profile breaks an invariant (see the crate docs).
pub fn check_profile(p: &Profile) {
    let stacks = p.stacks.len();
    for (i, parent) in p.stacks.parents().iter().enumerate() {
        if let Some(par) = parent.get() {
            assert!(par.index() < i, "stack {i} has parent {} after it", par.index());
        }
        assert!(p.stacks.frames()[i].index() < p.frames.len(), "stack {i} names a frame that does not exist");
    }
    for s in p.samples.stacks.iter().flatten() {
        assert!(s.index() < stacks, "a sample names stack {} of {stacks}", s.index());
    }
    // The recursion column a loader handed over (perf script) is the one
    // the table makes itself.
    let fresh = firesight::model::StackTable::from_parts(p.stacks.parents().to_vec(), p.stacks.frames().to_vec());
    if let Some(fresh) = fresh {
        assert_eq!(p.stacks.recursion(), fresh.recursion(), "the loader's recursion flags");
    }
    assert!(!p.metrics.is_empty(), "a profile has at least one metric");
    for m in 0..p.metrics.len() {
        let metric = MetricId::from_index(m);
        check_metric(p, metric);
    }
}

fn check_metric(p: &Profile, metric: MetricId) {
    let sum: Weight = p.total(metric);
    let tree = CallTree::build(p, metric, &SampleFilter::default());
    assert_eq!(tree.total(), sum, "call tree total against the samples' sum, metric {}", p.metric(metric).name);
    let lines = firesight::export::folded::fold(p, metric, &SampleFilter::default());
    let mut out = Vec::new();
    if firesight::export::folded::write(p, metric, &lines, &mut out).is_ok() {
        let text = String::from_utf8_lossy(&out);
        let folded: Option<Weight> = text
            .lines()
            .map(|l| l.rsplit_once(' ').and_then(|(_, w)| parse_weight(w, p.metric(metric).decimals)))
            .sum();
        if let Some(folded) = folded {
            assert_eq!(folded, sum, "folded export total against the samples' sum");
        }
    }
    let negative = (0..p.samples.len()).any(|i| p.weight(i, metric) < 0);
    if negative {
        return;
    }
    for i in 0..tree.nodes.len() {
        let n = tree.node(NodeId::from_index(i));
        let children: Weight = tree.children(NodeId::from_index(i)).map(|c| tree.node(c).total).sum();
        assert!(children + n.self_weight <= n.total, "node {i}: children {children} + self {} over total {}", n.self_weight, n.total);
    }
}

/// A folded weight as written (`31`, `-31.5` at `decimals` places).
fn parse_weight(text: &str, decimals: u32) -> Option<Weight> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut v: Weight = int.parse().ok()?;
    let mut frac = frac.to_owned();
    while (frac.len() as u32) < decimals {
        frac.push('0');
    }
    for c in frac.chars().take(decimals as usize) {
        v = v.checked_mul(10)?.checked_add(Weight::from(c.to_digit(10)?))?;
    }
    Some(if neg { -v } else { v })
}

/// A small real profile (folded text) the text-parser targets transform.
pub fn sample_profile() -> Profile {
    let text = b"main;run;parse;lex 40\nmain;run;parse 10\nmain;run;eval;eval;eval 25\nmain;gc 5\n[k]irq;do_irq 3\nmain;run;eval;lib.so`call 7\n";
    let mut input = Input::from_reader(std::io::Cursor::new(text.to_vec()), None, Arc::new(Progress::default()), 4096, 1 << 20)
        .expect("in memory");
    load::load_input(&mut input, &LoadOptions::default()).expect("a valid folded profile").profile
}
