//! Reading a callgrind file into a weighted call graph: functions with
//! their self cost per event, and call edges with their call count and
//! inclusive cost per event.
//!
//! The format (Valgrind's "Callgrind Format Specification"): header lines
//! (`version:`, `creator:`, `cmd:`, `positions:`, `events:`, `summary:`,
//! `totals:` ...), then position specifications (`ob=`, `fl=`, `fi=`,
//! `fe=`, `fn=`, and for calls `cob=`, `cfi=`/`cfl=`, `cfn=`) and cost
//! lines (one column per position type, `+n`/`-n`/`*` relative to the line
//! before, or absolute; then one cost per event, missing trailing costs
//! being 0). Names are compressed: `(7) name` defines id 7, a later `(7)`
//! refers to it (files share one id space, functions one, objects one).
//! A `calls=COUNT TARGET` line makes the cost line after it the inclusive
//! cost of that call (it is not the caller's self cost); the callee is
//! named by the `cfn=` before it (and `cfi=`/`cob=`, else the caller's file
//! and object), which hold for that call only. `fi=`/`fe=` switch the file
//! of the following cost lines (inlined code); they do not change which
//! function the cost belongs to. `jump=`/`jcnd=` lines are skipped.
//!
//! Source lines: with a `line` position column (`positions: line`, the
//! default, or `instr line`), every cost line's line number is kept with
//! the file it is in (the last `fl=`, `fi=` or `fe=`, as
//! `callgrind_annotate` reads it): a function's self cost per (file,
//! line), and a call's inclusive cost per call site (the position of the
//! cost line after `calls=`). Line 0 (no debug information) is no line:
//! that cost stays with the function only.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use crate::load::error::{At, LoadError};
use crate::load::source::Input;

pub(super) const FORMAT: &str = "callgrind";

/// A function's identity: its object and callgrind's compressed function
/// id, which callgrind gives each function of a file (two static
/// `check_match` of one library have two ids), or for a file without name
/// compression its file and name. The `fl=` file alone would not do: a
/// call's `cfi=` names the file of the callee's first code, which for code
/// inlined from a header is not the `fl=` its `fn=` line had.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FuncKey {
    /// The object (`ob=`), `???` when unknown.
    pub object: u32,
    /// The compressed id, or `u64::MAX` with `file` and `name`.
    id: u64,
    file: u32,
    /// The function name (`fn=`).
    pub name: u32,
}

/// The call graph read from a file.
#[derive(Debug, Default)]
pub struct Graph {
    /// Interned names (objects, files and functions share the table).
    pub names: Vec<String>,
    /// Event names (`events:`), each a metric.
    pub events: Vec<String>,
    /// Functions, in order of first mention.
    pub funcs: Vec<FuncKey>,
    /// The source file of each function (the `fl=` of its first `fn=`
    /// line, else the `cfi=` of its first call).
    pub func_files: Vec<u32>,
    /// Self cost per function, row-major: function `f`, event `e` at `f * events + e`.
    pub self_cost: Vec<u64>,
    /// Call edges: (caller, callee) -> index into `edge_*`.
    pub edges: Vec<(u32, u32)>,
    /// Calls per edge.
    pub edge_calls: Vec<u64>,
    /// Inclusive cost per edge, row-major like `self_cost`.
    pub edge_cost: Vec<u64>,
    /// Header lines (`cmd`, `creator`, `summary` ...), in file order.
    pub header: Vec<(String, String)>,
    /// `summary:` costs (in the header), when given.
    pub summary: Option<Vec<u64>>,
    /// `totals:` costs (after the last cost line), when given.
    pub totals: Option<Vec<u64>>,
    /// Lines skipped (with a warning each): (line, offset, message).
    pub skipped: Vec<(u64, u64, String)>,
    /// Lines skipped in all.
    pub skipped_total: u64,
    /// Self cost per source line: owner = function.
    pub self_sites: Sites,
    /// Inclusive cost of calls per call site: owner = edge.
    pub call_sites: Sites,
}

/// Costs per source line of functions (self) or of call edges (inclusive).
#[derive(Debug, Default)]
pub struct Sites {
    /// (owner, file name id, line), owner being a function or an edge index.
    pub keys: Vec<(u32, u32, u32)>,
    /// Cost per site, row-major like [`Graph::self_cost`].
    pub cost: Vec<u64>,
}

impl FuncKey {
    fn new(object: u32, id: Option<u64>, file: u32, name: u32) -> Self {
        match id {
            Some(id) => Self { object, id, file: 0, name },
            None => Self { object, id: u64::MAX, file, name },
        }
    }
}

#[derive(Default)]
struct State {
    name_index: HashMap<String, u32, FxBuildHasher>,
    /// Compressed ids per kind (0 objects, 1 files, 2 functions) -> name.
    compressed: [HashMap<u64, u32, FxBuildHasher>; 3],
    func_index: HashMap<FuncKey, u32, FxBuildHasher>,
    /// Functions whose `fn=` line has been read (their file is known).
    defined: std::collections::HashSet<u32, FxBuildHasher>,
    edge_index: HashMap<(u32, u32), u32, FxBuildHasher>,
    ob: u32,
    fl: u32,
    func: Option<u32>,
    cob: Option<u32>,
    cfi: Option<u32>,
    cfn: Option<(u32, Option<u64>)>,
    /// The next cost line is the inclusive cost of this call: (edge, count).
    pending_call: Option<u32>,
    positions: usize,
    last_pos: Vec<i64>,
    /// Which position column is the line, if any.
    line_col: Option<usize>,
    /// The file of the following cost lines: the last `fl=`, `fi=` or `fe=`.
    cur_file: u32,
    self_site_index: HashMap<(u32, u32, u32), u32, FxBuildHasher>,
    call_site_index: HashMap<(u32, u32, u32), u32, FxBuildHasher>,
}

impl State {
    fn intern(&mut self, g: &mut Graph, s: &str) -> u32 {
        if let Some(&i) = self.name_index.get(s) {
            return i;
        }
        let i = g.names.len() as u32;
        g.names.push(s.to_string());
        self.name_index.insert(s.to_string(), i);
        i
    }

    /// A name spec `(id) name`, `(id)` or `name`, of kind `k`.
    fn name(&mut self, g: &mut Graph, k: usize, spec: &str, line: &Ln) -> Result<u32, LoadError> {
        self.name_id(g, k, spec, line).map(|(n, _)| n)
    }

    /// As [`State::name`], with the compressed id when there is one.
    fn name_id(&mut self, g: &mut Graph, k: usize, spec: &str, line: &Ln) -> Result<(u32, Option<u64>), LoadError> {
        let spec = spec.trim_start();
        let Some(rest) = spec.strip_prefix('(') else {
            return Ok((self.intern(g, spec.trim_end()), None));
        };
        let Some((id, name)) = rest.split_once(')') else {
            return Err(line.err(format!("name compression `{spec}` has no `)`; expected `(id) name` or `(id)`")));
        };
        let Ok(id) = id.trim().parse::<u64>() else {
            // Not compressed (`--compress-strings=no`): a name that starts
            // with `(`, as `(below main)`.
            return Ok((self.intern(g, spec.trim_end()), None));
        };
        let name = name.trim();
        if name.is_empty() {
            return self.compressed[k].get(&id).map(|&n| (n, Some(id))).ok_or_else(|| {
                line.err(format!("name id ({id}) is used before a line defines it with `({id}) name`"))
            });
        }
        let i = self.intern(g, name);
        self.compressed[k].insert(id, i);
        Ok((i, Some(id)))
    }

    fn func(&mut self, g: &mut Graph, key: FuncKey, file: u32, defined: bool) -> u32 {
        if let Some(&f) = self.func_index.get(&key) {
            if defined && !self.defined.contains(&f) {
                self.defined.insert(f);
                g.func_files[f as usize] = file;
            }
            return f;
        }
        let f = g.funcs.len() as u32;
        g.funcs.push(key);
        g.func_files.push(file);
        if defined {
            self.defined.insert(f);
        }
        g.self_cost.resize(g.self_cost.len() + g.events.len().max(1), 0);
        self.func_index.insert(key, f);
        f
    }
}

struct Ln<'a> {
    text: &'a str,
    number: u64,
}

impl Ln<'_> {
    fn err(&self, what: String) -> LoadError {
        LoadError::invalid(FORMAT, Some(At::Line(self.number)), what)
    }
}

/// Reads the call graph from `input`, line by line.
pub fn read(input: &mut Input) -> Result<Graph, LoadError> {
    let mut g = Graph::default();
    let mut st = State { positions: 1, last_pos: vec![0], line_col: Some(0), ..State::default() };
    let unknown = st.intern(&mut g, "???");
    st.ob = unknown;
    st.fl = unknown;
    st.cur_file = unknown;
    let mut lines = input.lines(FORMAT);
    let mut costs: Vec<u64> = Vec::new();
    while let Some(line) = lines.next_line()? {
        let text = match std::str::from_utf8(line.bytes) {
            Ok(t) => std::borrow::Cow::Borrowed(t),
            Err(_) => String::from_utf8_lossy(line.bytes),
        };
        let ln = Ln { text: text.trim_end(), number: line.number };
        if ln.text.is_empty() || ln.text.starts_with('#') {
            continue;
        }
        let first = ln.text.as_bytes()[0];
        if first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'*') {
            cost_line(&mut g, &mut st, &ln, &mut costs)?;
            continue;
        }
        let Some((key, value)) = split_spec(ln.text) else {
            skip(&mut g, &ln, line.offset, "not a header, position or cost line");
            continue;
        };
        match key {
            "ob" => st.ob = st.name(&mut g, 0, value, &ln)?,
            "fl" => {
                st.fl = st.name(&mut g, 1, value, &ln)?;
                st.cur_file = st.fl;
            }
            "fi" | "fe" => st.cur_file = st.name(&mut g, 1, value, &ln)?,
            "fn" => {
                let (name, id) = st.name_id(&mut g, 2, value, &ln)?;
                let key = FuncKey::new(st.ob, id, st.fl, name);
                let fl = st.fl;
                st.func = Some(st.func(&mut g, key, fl, true));
                st.cob = None;
                st.cfi = None;
                st.cfn = None;
            }
            "cob" => st.cob = Some(st.name(&mut g, 0, value, &ln)?),
            "cfi" | "cfl" => st.cfi = Some(st.name(&mut g, 1, value, &ln)?),
            "cfn" => st.cfn = Some(st.name_id(&mut g, 2, value, &ln)?),
            "calls" => call_line(&mut g, &mut st, &ln, value)?,
            "jump" | "jcnd" => {}
            // A jump's target file and function (`--collect-jumps=yes`):
            // not drawn, but they may define compressed names used later.
            "jfi" => {
                st.name(&mut g, 1, value, &ln)?;
            }
            "jfn" => {
                st.name(&mut g, 2, value, &ln)?;
            }
            "events" => {
                if !g.funcs.is_empty() {
                    return Err(ln.err("`events:` after the first function; expected it in the header".into()));
                }
                g.events = value.split_whitespace().map(str::to_string).collect();
                if g.events.is_empty() {
                    return Err(ln.err("`events:` names no event; expected `events: Ir ...`".into()));
                }
            }
            "positions" => {
                let n = value.split_whitespace().count();
                if n == 0 || n > 2 || value.split_whitespace().any(|p| !matches!(p, "line" | "instr")) {
                    return Err(ln.err(format!("positions {value:?}; expected `line`, `instr` or `instr line`")));
                }
                st.positions = n;
                st.last_pos = vec![0; n];
                st.line_col = value.split_whitespace().position(|p| p == "line");
            }
            "summary" | "totals" => {
                let v: Option<Vec<u64>> = value.split_whitespace().map(|x| x.parse().ok()).collect();
                let slot = if key == "totals" { &mut g.totals } else { &mut g.summary };
                if slot.is_none() {
                    *slot = v;
                }
                g.header.push((key.to_string(), value.trim().to_string()));
            }
            _ => g.header.push((key.to_string(), value.trim().to_string())),
        }
    }
    if g.events.is_empty() {
        return Err(LoadError::invalid(FORMAT, None, "no `events:` line; expected a header line like `events: Ir`"));
    }
    if st.pending_call.is_some() {
        return Err(LoadError::invalid(
            FORMAT,
            Some(At::Line(lines.line_number())),
            "the file ends after a `calls=` line; expected the call's cost line (truncated file?)",
        ));
    }
    Ok(g)
}

/// `key=value` or `key: value` (header); `None` for anything else.
fn split_spec(text: &str) -> Option<(&str, &str)> {
    let end = text.find(['=', ':'])?;
    let key = &text[..end];
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    Some((key, &text[end + 1..]))
}

fn skip(g: &mut Graph, ln: &Ln, offset: u64, why: &str) {
    g.skipped_total += 1;
    if g.skipped.len() < 1000 {
        let shown: String = ln.text.chars().take(60).collect();
        g.skipped.push((ln.number, offset, format!("{why}, skipped: {shown:?}")));
    }
}

fn call_line(g: &mut Graph, st: &mut State, ln: &Ln, value: &str) -> Result<(), LoadError> {
    let Some(caller) = st.func else {
        return Err(ln.err("`calls=` before any `fn=`; expected the calling function first".into()));
    };
    let Some((name, id)) = st.cfn.take() else {
        return Err(ln.err("`calls=` without a `cfn=` before it; expected the called function".into()));
    };
    let count = value.split_whitespace().next().and_then(|c| c.parse::<u64>().ok()).ok_or_else(|| {
        ln.err(format!("`calls={value}`: expected a call count and a target position, like `calls=2 36`"))
    })?;
    // Without `cfi=` the callee is in the current file, which `fi=`/`fe=`
    // (inlined code) may have changed since `fl=`.
    let file = st.cfi.take().unwrap_or(st.cur_file);
    let callee_key = FuncKey::new(st.cob.take().unwrap_or(st.ob), id, file, name);
    let callee = st.func(g, callee_key, file, false);
    let next = g.edges.len() as u32;
    let e = *st.edge_index.entry((caller, callee)).or_insert(next);
    if e == next {
        g.edges.push((caller, callee));
        g.edge_calls.push(0);
        g.edge_cost.resize(g.edge_cost.len() + g.events.len(), 0);
    }
    g.edge_calls[e as usize] = g.edge_calls[e as usize].saturating_add(count);
    st.pending_call = Some(e);
    Ok(())
}

fn cost_line(g: &mut Graph, st: &mut State, ln: &Ln, costs: &mut Vec<u64>) -> Result<(), LoadError> {
    let mut parts = ln.text.split_ascii_whitespace();
    for k in 0..st.positions {
        let Some(p) = parts.next() else {
            return Err(ln.err(format!("a cost line with {k} position(s); expected {}", st.positions)));
        };
        st.last_pos[k] = position(p, st.last_pos[k])
            .ok_or_else(|| ln.err(format!("position {p:?}; expected a number, 0x-hex, `+n`, `-n` or `*`")))?;
    }
    costs.clear();
    for c in parts {
        let v = c.parse::<u64>().map_err(|e| {
            let why = match e.kind() {
                std::num::IntErrorKind::PosOverflow => "is past the largest cost callgrind writes (2^64 - 1)",
                _ => "is not a non-negative integer",
            };
            ln.err(format!("cost {c:?} {why}"))
        })?;
        costs.push(v);
    }
    let n = g.events.len();
    if costs.len() > n {
        return Err(ln.err(format!("{} costs on a cost line but {n} event(s) in `events:`", costs.len())));
    }
    // Line 0 (or out of range) is no line: the cost stays with the function.
    let line = st.line_col.and_then(|c| u32::try_from(st.last_pos[c]).ok()).filter(|&l| l > 0);
    if let Some(e) = st.pending_call.take() {
        add_costs(&mut g.edge_cost, e as usize, n, costs);
        if let Some(line) = line {
            add_site(&mut g.call_sites, &mut st.call_site_index, (e, st.cur_file, line), n, costs);
        }
        return Ok(());
    }
    let Some(f) = st.func else {
        return Err(ln.err("a cost line before any `fn=`; expected the function it belongs to".into()));
    };
    add_costs(&mut g.self_cost, f as usize, n, costs);
    if let Some(line) = line {
        add_site(&mut g.self_sites, &mut st.self_site_index, (f, st.cur_file, line), n, costs);
    }
    Ok(())
}

/// Adds `costs` to row `row` of the row-major `table` of `n` columns.
fn add_costs(table: &mut [u64], row: usize, n: usize, costs: &[u64]) {
    for (acc, c) in table[row * n..(row + 1) * n].iter_mut().zip(costs) {
        *acc = acc.saturating_add(*c);
    }
}

/// Adds `costs` to the site `key` of `sites`, making it on first use.
fn add_site(
    sites: &mut Sites,
    index: &mut HashMap<(u32, u32, u32), u32, FxBuildHasher>,
    key: (u32, u32, u32),
    n: usize,
    costs: &[u64],
) {
    let next = sites.keys.len() as u32;
    let i = *index.entry(key).or_insert(next);
    if i == next {
        sites.keys.push(key);
        sites.cost.resize(sites.cost.len() + n, 0);
    }
    add_costs(&mut sites.cost, i as usize, n, costs);
}

/// A position: absolute (decimal or `0x` hex), `+n`/`-n` relative, `*` same.
fn position(p: &str, last: i64) -> Option<i64> {
    match p.as_bytes().first()? {
        b'*' => Some(last),
        b'+' => p[1..].parse::<i64>().ok().map(|d| last.wrapping_add(d)),
        b'-' => p[1..].parse::<i64>().ok().map(|d| last.wrapping_sub(d)),
        _ => match p.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).ok().map(|v| v as i64),
            None => p.parse().ok(),
        },
    }
}
