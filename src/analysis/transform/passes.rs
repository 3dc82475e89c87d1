//! The passes behind [`super::Transform`]: each maps every stack of the
//! old prefix tree, in index order (parents first), to a stack of a new
//! tree, to the empty stack or to "dropped", then remaps the samples.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use super::{Transform, TransformError, pprof};
use crate::model::frame::FrameRef;
use crate::model::{FrameId, FrameKind, Parent, Profile, Samples, StackId, StackTable};

/// The old stack's samples are dropped.
const DROP: u32 = u32::MAX;
/// The old stack maps to the empty stack (its samples keep their weight
/// at the root, belonging to no function).
const EMPTY: u32 = u32::MAX - 1;
/// No stack (a state column's "none").
const NONE: u32 = u32::MAX;

/// Per frame of `profile`, whether its name is `name`.
fn named(profile: &Profile, name: &str) -> Vec<bool> {
    profile.frames.iter().map(|(_, f)| f.name == name).collect()
}

/// Per frame of `profile`, whether it is in `module`.
fn in_module(profile: &Profile, module: &str) -> Vec<bool> {
    profile.frames.iter().map(|(_, f)| f.module == module).collect()
}

/// A new prefix tree being built, and the old -> new map.
///
/// No hashing where it cannot collide: a new stack made from one old stack
/// (and mapped to by no other) only gets children from that old stack's
/// children, which have distinct frames, so they are appended as they come.
/// A new stack becomes *shared* when a second old stack maps to it, or a
/// child not of that shape is put under it (another frame, another
/// parent); from then on its children go through the `(parent, frame)`
/// index, which is filled with the children it already has (a linked list
/// per stack). A merge or hide of a few functions hashes only the
/// children of the stacks they touch.
struct Out {
    parents: Vec<Parent>,
    frames: Vec<FrameId>,
    map: Vec<u32>,
    shared: Vec<bool>,
    first_child: Vec<u32>,
    next_sibling: Vec<u32>,
    /// The same three for the virtual root above the roots (`EMPTY`).
    root_shared: bool,
    root_first: u32,
    index: HashMap<u64, u32, FxBuildHasher>,
}

fn key(parent: u32, frame: FrameId) -> u64 {
    (u64::from(parent) << 32) | u64::from(frame.0)
}

impl Out {
    fn new(n: usize) -> Self {
        Self {
            parents: Vec::with_capacity(n),
            frames: Vec::with_capacity(n),
            map: Vec::with_capacity(n),
            shared: Vec::with_capacity(n),
            first_child: Vec::with_capacity(n),
            next_sibling: Vec::with_capacity(n),
            root_shared: false,
            root_first: NONE,
            index: HashMap::default(),
        }
    }

    #[inline]
    fn is_shared(&self, x: u32) -> bool {
        if x == EMPTY { self.root_shared } else { self.shared[x as usize] }
    }

    /// Another old stack maps to the new stack `x` (or puts a child of
    /// another shape under it): index the children it has.
    fn share(&mut self, x: u32) {
        if x == DROP || self.is_shared(x) {
            return;
        }
        let mut c = if x == EMPTY {
            self.root_shared = true;
            self.root_first
        } else {
            self.shared[x as usize] = true;
            self.first_child[x as usize]
        };
        while c != NONE {
            self.index.insert(key(x, self.frames[c as usize]), c);
            c = self.next_sibling[c as usize];
        }
    }

    /// `frame` under the new stack `parent` (`EMPTY`: a root), for the old
    /// stack `s`.
    #[inline]
    fn push(&mut self, old: &StackTable, s: usize, parent: u32, frame: FrameId) -> u32 {
        let own = frame == old.frames()[s] && parent == parent_of(old, &self.map, s);
        if !own {
            self.share(parent);
        }
        let shared = self.is_shared(parent);
        if shared && let Some(&c) = self.index.get(&key(parent, frame)) {
            self.share(c);
            return c;
        }
        let id = self.frames.len() as u32;
        self.parents.push(Parent::from((parent != EMPTY).then_some(StackId(parent))));
        self.frames.push(frame);
        self.shared.push(false);
        self.first_child.push(NONE);
        let head = if parent == EMPTY { &mut self.root_first } else { &mut self.first_child[parent as usize] };
        self.next_sibling.push(*head);
        *head = id;
        if shared {
            self.index.insert(key(parent, frame), id);
        }
        id
    }

    /// The old stack being mapped goes to the existing new stack `x`.
    #[inline]
    fn alias(&mut self, x: u32) -> u32 {
        self.share(x);
        x
    }

    /// The new stack table.
    fn table(self) -> Result<StackTable, TransformError> {
        StackTable::from_parts(self.parents, self.frames)
            .ok_or_else(|| TransformError("internal error: a transform made an invalid stack table".into()))
    }
}

/// The new stack of `s`'s parent: `EMPTY` at a root.
#[inline]
fn parent_of(old: &StackTable, map: &[u32], s: usize) -> u32 {
    old.parent(StackId::from_index(s)).map_or(EMPTY, |p| map[p.index()])
}

/// Applies one transform; also says whether it matched anything.
pub fn apply_one(profile: &Profile, t: &Transform) -> Result<(Profile, bool), TransformError> {
    // pprof's filters with an empty pattern are no filter (its
    // `compileRegexOption` returns none for ""), not one that matches
    // every frame (`--ignore ''` would drop every sample).
    if let Transform::Focus(re) | Transform::Ignore(re) | Transform::Hide(re) | Transform::Show(re) = t
        && re.is_empty()
    {
        return Ok((profile.clone(), true));
    }
    let old = &profile.stacks;
    let n = old.len();
    let mut frames = profile.frames.clone();
    let mut function_of = profile.function_of.clone();
    // Whether the samples with an empty stack survive (pprof's filters drop
    // them, and every sample whose frames they all remove).
    let mut empty_survives = true;
    let mut out = Out::new(n);
    let matched;
    match t {
        Transform::Merge(name) => {
            let hit = named(profile, name);
            matched = hit.iter().any(|&h| h);
            for s in 0..n {
                let np = parent_of(old, &out.map, s);
                let f = old.frames()[s];
                let m = if hit[f.index()] || np == DROP { out.alias(np) } else { out.push(old, s, np, f) };
                out.map.push(m);
            }
        }
        Transform::Drop(name) => {
            let hit = named(profile, name);
            matched = hit.iter().any(|&h| h);
            for s in 0..n {
                let np = parent_of(old, &out.map, s);
                let f = old.frames()[s];
                let m = if hit[f.index()] || np == DROP { DROP } else { out.push(old, s, np, f) };
                out.map.push(m);
            }
        }
        Transform::FocusFunction(name) => {
            let hit = named(profile, name);
            matched = hit.iter().any(|&h| h);
            empty_survives = false;
            let mut through = vec![false; n];
            for s in 0..n {
                let p = old.parent(StackId::from_index(s));
                let f = old.frames()[s];
                let above = p.is_some_and(|p| through[p.index()]);
                through[s] = above || hit[f.index()];
                let m = if above {
                    out.push(old, s, out.map[p.map_or(0, |p| p.index())], f)
                } else if through[s] {
                    out.push(old, s, EMPTY, f)
                } else {
                    DROP
                };
                out.map.push(m);
            }
        }
        Transform::FocusSubtree(path) => {
            empty_survives = false;
            let k = path.len() as u32;
            // Each name of the path as a small id, and each frame's name's
            // id when the path names it: memory follows the path plus the
            // frames, not their product (a table of frames per name of the
            // path was a gigabyte for 500 000 names over 2 000 frames).
            let mut ids: HashMap<&str, u32, FxBuildHasher> = HashMap::default();
            let want: Vec<u32> = path
                .iter()
                .map(|name| {
                    let next = ids.len() as u32;
                    *ids.entry(name.as_str()).or_insert(next)
                })
                .collect();
            let name_id: Vec<u32> =
                profile.frames.iter().map(|(_, f)| ids.get(f.name.as_str()).copied().unwrap_or(NONE)).collect();
            let mut present = vec![false; ids.len()];
            for &i in name_id.iter().filter(|&&i| i != NONE) {
                present[i as usize] = true;
            }
            matched = k > 0 && want.iter().all(|&i| present[i as usize]);
            // How many functions of the path the stack has matched from the root.
            let mut depth = vec![NONE; n];
            for s in 0..n {
                let p = old.parent(StackId::from_index(s));
                let f = old.frames()[s];
                let pd = p.map_or(0, |p| depth[p.index()]);
                let m = if pd == NONE {
                    DROP
                } else if pd == k {
                    depth[s] = k;
                    out.push(old, s, out.map[p.map_or(0, |p| p.index())], f)
                } else if name_id[f.index()] == want[pd as usize] {
                    depth[s] = pd + 1;
                    if pd + 1 == k { out.push(old, s, EMPTY, f) } else { DROP }
                } else {
                    DROP
                };
                out.map.push(m);
            }
        }
        Transform::CollapseRecursion(Some(name)) => {
            let hit = named(profile, name);
            matched = hit.iter().any(|&h| h);
            // The new stack of the outermost call of the function above.
            let mut outer = vec![NONE; n];
            for s in 0..n {
                let p = old.parent(StackId::from_index(s));
                let np = parent_of(old, &out.map, s);
                let f = old.frames()[s];
                let po = p.map_or(NONE, |p| outer[p.index()]);
                let m = if hit[f.index()] && po != NONE { out.alias(po) } else { out.push(old, s, np, f) };
                outer[s] = if po == NONE && hit[f.index()] { m } else { po };
                out.map.push(m);
            }
        }
        Transform::CollapseSubtree(name) => {
            let hit = named(profile, name);
            matched = hit.iter().any(|&h| h);
            let mut through = vec![false; n];
            for s in 0..n {
                let p = old.parent(StackId::from_index(s));
                let np = parent_of(old, &out.map, s);
                let f = old.frames()[s];
                let above = p.is_some_and(|p| through[p.index()]);
                through[s] = above || hit[f.index()];
                let m = if above { out.alias(np) } else { out.push(old, s, np, f) };
                out.map.push(m);
            }
        }
        Transform::CollapseRecursion(None) => {
            matched = collapse_all_recursion(profile, &mut out);
        }
        Transform::CollapseDirectRecursion(which) => {
            let hit = which.as_ref().map(|name| named(profile, name));
            let mut matched_name = hit.as_ref().is_none_or(|h| h.iter().any(|&x| x));
            let mut any = false;
            for s in 0..n {
                let np = parent_of(old, &out.map, s);
                let f = old.frames()[s];
                let fun = profile.function(f);
                let same = np != EMPTY
                    && profile.function(out.frames[np as usize]) == fun
                    && hit.as_ref().is_none_or(|h| h[f.index()]);
                any |= same;
                let m = if same { out.alias(np) } else { out.push(old, s, np, f) };
                out.map.push(m);
            }
            // Every function: it matched when some recursion was there.
            matched_name &= which.is_some() || any;
            matched = matched_name;
        }
        Transform::CollapseModule(module) => {
            let hit = in_module(profile, module);
            matched = hit.iter().any(|&h| h);
            let x = frames.intern(FrameRef::new(module, module, FrameKind::User));
            if x.index() >= function_of.len() {
                function_of.resize(x.index() + 1, x);
            }
            for s in 0..n {
                let np = parent_of(old, &out.map, s);
                let f = old.frames()[s];
                let m = if !hit[f.index()] {
                    out.push(old, s, np, f)
                } else if np != EMPTY && out.frames[np as usize] == x {
                    out.alias(np)
                } else {
                    out.push(old, s, np, x)
                };
                out.map.push(m);
            }
        }
        Transform::Focus(re) | Transform::Ignore(re) => {
            let focus = matches!(t, Transform::Focus(_));
            let hit = pprof::frames_matching(profile, &pprof::compile(t.kind(), re)?);
            matched = hit.iter().any(|&h| h);
            empty_survives = false;
            let mut contains = vec![false; n];
            for s in 0..n {
                let p = old.parent(StackId::from_index(s));
                contains[s] = p.is_some_and(|p| contains[p.index()]) || hit[old.frames()[s].index()];
            }
            // The tree is unchanged; only samples go.
            out.parents = old.parents().to_vec();
            out.frames = old.frames().to_vec();
            out.map = (0..n).map(|s| if contains[s] == focus { s as u32 } else { DROP }).collect();
        }
        Transform::Hide(re) | Transform::Show(re) => {
            let show = matches!(t, Transform::Show(_));
            let hit = pprof::frames_matching(profile, &pprof::compile(t.kind(), re)?);
            matched = hit.iter().any(|&h| h);
            empty_survives = false;
            for s in 0..n {
                let np = parent_of(old, &out.map, s);
                let f = old.frames()[s];
                let m = if hit[f.index()] == show { out.push(old, s, np, f) } else { out.alias(np) };
                out.map.push(m);
            }
        }
    }
    let samples = remap(profile, &out.map, empty_survives);
    let stacks = out.table()?;
    let result = Profile {
        format: profile.format.clone(),
        frames,
        stacks,
        metrics: profile.metrics.clone(),
        default_metric: profile.default_metric,
        samples,
        threads: profile.threads.clone(),
        label_sets: profile.label_sets.clone(),
        meta: profile.meta.clone(),
        warnings: profile.warnings.clone(),
        warnings_total: profile.warnings_total,
        function_of,
        // Context switches belong to threads and times, not stacks: kept.
        switches: profile.switches.clone(),
    };
    Ok((result, matched))
}

/// Every function at most once per stack: a function already on the new
/// stack above continues from there (its inner calls and what lay between
/// are cut).
///
/// How: the new path of the stack last mapped is kept (`path`, root
/// first) with, per function, where on it the function is (each is there
/// at most once, by construction). Old stacks come in index order, which
/// for an interned table is mostly a chain of children, so moving the
/// path to the next stack's new parent costs the distance between them
/// (usually one step), and the question "is this function above?" is one
/// lookup instead of a walk up the path.
fn collapse_all_recursion(profile: &Profile, out: &mut Out) -> bool {
    let old = &profile.stacks;
    // Per new stack, its depth (1 for a root).
    let mut depth: Vec<u32> = Vec::with_capacity(old.len());
    let mut path: Vec<u32> = Vec::new();
    // Per function, the new stack on `path` that has it (`NONE`: absent).
    let mut at: Vec<u32> = vec![NONE; profile.frames.len()];
    let fun_of = |x: u32, out: &Out| profile.function(out.frames[x as usize]).index();
    let mut suffix: Vec<u32> = Vec::new();
    let mut any = false;
    for s in 0..old.len() {
        let np = parent_of(old, &out.map, s);
        // Move `path` to end at `np`: climb from np to the first stack that
        // is already on the path, cut the path there, add what was climbed.
        suffix.clear();
        let mut keep = 0;
        if np != EMPTY && np != DROP {
            let mut c = np;
            loop {
                let d = depth[c as usize] as usize;
                if d <= path.len() && path[d - 1] == c {
                    keep = d;
                    break;
                }
                suffix.push(c);
                match out.parents[c as usize].get() {
                    Some(p) => c = p.0,
                    None => break,
                }
            }
        }
        for &x in &path[keep..] {
            at[fun_of(x, out)] = NONE;
        }
        path.truncate(keep);
        for &x in suffix.iter().rev() {
            at[fun_of(x, out)] = x;
            path.push(x);
        }
        let fun = profile.function(old.frames()[s]).index();
        let m = if at[fun] != NONE {
            any = true;
            out.alias(at[fun])
        } else {
            let m = out.push(old, s, np, old.frames()[s]);
            if m as usize == depth.len() {
                depth.push(path.len() as u32 + 1);
            }
            m
        };
        out.map.push(m);
    }
    any
}

/// The samples of `profile` whose stacks `map` keeps, with their new stacks.
fn remap(profile: &Profile, map: &[u32], empty_survives: bool) -> Samples {
    let s = &profile.samples;
    let k = profile.metrics.len();
    let mut out = Samples::default();
    let keep = |st: Option<StackId>| -> Option<Option<StackId>> {
        let m = match st {
            None => EMPTY,
            Some(st) => map[st.index()],
        };
        match m {
            DROP => None,
            EMPTY if !empty_survives => None,
            EMPTY => Some(None),
            m => Some(Some(StackId(m))),
        }
    };
    let all = (0..s.len()).all(|i| keep(s.stacks[i]).is_some());
    if all {
        out = s.clone();
        for st in &mut out.stacks {
            *st = keep(*st).flatten();
        }
        return out;
    }
    for i in 0..s.len() {
        let Some(st) = keep(s.stacks[i]) else { continue };
        out.stacks.push(st);
        out.weights.extend_from_slice(&s.weights[i * k..(i + 1) * k]);
        out.labels.push(s.labels[i]);
        if !s.times_ns.is_empty() {
            out.times_ns.push(s.time_ns(i));
        }
        if !s.threads.is_empty() {
            out.threads.push(s.thread(i));
        }
        if !s.origins.is_empty() {
            out.origins.push(s.origin(i).unwrap_or(crate::model::profile::NO_ORIGIN));
        }
    }
    out
}
