//! The walk behind [`super::folded`]: folded lines in bytewise order of
//! their text, straight from the prefix tree of stacks.
//!
//! A line's text is its frame names joined by `;`. Texts are compared
//! segment by segment (a name holding `;` is several segments, as it is
//! once printed), so the walk goes down a tree of segments: the children of
//! a node are the next segments of its stacks, and children with the same
//! text (two frames that share a name) are one node, their weights summed.
//! Among siblings, a child `x` gives its own line `x` and a block of lines
//! `x;...`; bytewise, `x` < `x::y` < `x;...` (`:` sorts before `;`), so
//! own lines and blocks are sorted as the keys `x` and `x;`.
//!
//! Memory: the children index (three `u32` per stack) and, along the
//! current path, the siblings still to visit at each level; the text of the
//! current path is one `String`. Nothing grows with the output.

use std::cmp::Ordering;
use std::io;

use crate::model::{Profile, StackId, Weight};

/// One segment of one stack's leaf frame name: `seg` = `name[start..end]`.
#[derive(Clone, Copy)]
struct Member<'a> {
    seg: &'a str,
    stack: u32,
    end: u32,
    /// The segment ends the name.
    last: bool,
}

/// A line (`block == false`) or the lines below a child (`block == true`)
/// at one level: members `lo..hi` of the level share the segment.
#[derive(Clone, Copy)]
struct Item {
    lo: u32,
    hi: u32,
    block: bool,
    own: Weight,
}

/// One level of the walk: the members below the parent, sorted by
/// segment, the items still to visit, and where the path ended above it.
struct Level<'a> {
    members: Vec<Member<'a>>,
    items: Vec<Item>,
    next: usize,
    path_len: usize,
}

struct Tree<'a> {
    profile: &'a Profile,
    weight: &'a [Weight],
    /// Children of stack `s`: `children[start[s]..start[s + 1]]` (live only).
    start: Vec<u32>,
    children: Vec<u32>,
}

/// Bytewise order of the keys `a` or `a;` (`block`) and `b` or `b;`;
/// segments hold no `;`.
fn cmp_keys(a: &str, a_block: bool, b: &str, b_block: bool) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let n = x.len().min(y.len());
    x[..n].cmp(&y[..n]).then_with(|| {
        let next_x = x.get(n).copied().or(a_block.then_some(b';'));
        let next_y = y.get(n).copied().or(b_block.then_some(b';'));
        next_x.cmp(&next_y)
    })
}

impl<'a> Tree<'a> {
    /// The segment of `stack`'s name that starts at byte `from`.
    fn member(&self, stack: u32, from: usize) -> Member<'a> {
        let name = self.profile.frames.name(self.profile.stacks.frame(StackId(stack)));
        let end = name[from..].find(';').map_or(name.len(), |i| from + i);
        Member { seg: &name[from..end], stack, end: end as u32, last: end == name.len() }
    }

    fn children(&self, s: u32) -> &[u32] {
        &self.children[self.start[s as usize] as usize..self.start[s as usize + 1] as usize]
    }

    /// The members one level below `members`: each one's next segment, or
    /// the first segment of each of its stack's children.
    fn below(&self, members: &[Member<'a>]) -> Vec<Member<'a>> {
        let mut out = Vec::new();
        for &m in members {
            if m.last {
                out.extend(self.children(m.stack).iter().map(|&c| self.member(c, 0)));
            } else {
                out.push(self.member(m.stack, m.end as usize + 1));
            }
        }
        out
    }

    /// A level over `members`: grouped by segment, each group's own line
    /// (when it weighs anything) and block (when anything is below it),
    /// in bytewise order of the texts.
    fn level(&self, mut members: Vec<Member<'a>>, path_len: usize) -> Level<'a> {
        members.sort_unstable_by(|a, b| a.seg.cmp(b.seg));
        let mut items = Vec::new();
        let mut lo = 0;
        while lo < members.len() {
            let seg = members[lo].seg;
            let hi = lo + members[lo..].iter().take_while(|m| m.seg == seg).count();
            let group = &members[lo..hi];
            let own: Weight = group.iter().filter(|m| m.last).map(|m| self.weight[m.stack as usize]).sum();
            let block = group.iter().any(|m| !m.last || !self.children(m.stack).is_empty());
            let (lo32, hi32) = (lo as u32, hi as u32);
            if own != 0 {
                items.push(Item { lo: lo32, hi: hi32, block: false, own });
            }
            if block {
                items.push(Item { lo: lo32, hi: hi32, block: true, own: 0 });
            }
            lo = hi;
        }
        let seg = |it: &Item| members[it.lo as usize].seg;
        items.sort_by(|a, b| cmp_keys(seg(a), a.block, seg(b), b.block));
        Level { members, items, next: 0, path_len }
    }
}

/// Calls `f(text, weight)` for every line in bytewise order of the texts:
/// first the samples with no stack (`empty`, the empty text), then every
/// distinct text whose stacks' summed `weight` is not 0. `live[s]` says
/// that stack `s` or one below it weighs something (others are skipped).
pub fn walk(
    profile: &Profile,
    weight: &[Weight],
    live: &[bool],
    empty: Weight,
    mut f: impl FnMut(&str, Weight) -> io::Result<()>,
) -> io::Result<()> {
    if empty != 0 {
        f("", empty)?;
    }
    let n = profile.stacks.len();
    let parents = profile.stacks.parents();
    let mut start = vec![0u32; n + 1];
    let mut roots = Vec::new();
    for s in 0..n {
        match parents[s].get() {
            _ if !live[s] => {}
            Some(p) => start[p.index() + 1] += 1,
            None => roots.push(s as u32),
        }
    }
    for s in 0..n {
        start[s + 1] += start[s];
    }
    let mut children = vec![0u32; start[n] as usize];
    let mut fill = start.clone();
    for s in 0..n {
        if live[s]
            && let Some(p) = parents[s].get()
        {
            children[fill[p.index()] as usize] = s as u32;
            fill[p.index()] += 1;
        }
    }
    drop(fill);
    let tree = Tree { profile, weight, start, children };
    let first: Vec<Member> = roots.iter().map(|&r| tree.member(r, 0)).collect();
    let mut levels = vec![tree.level(first, 0)];
    let mut path = String::new();
    while !levels.is_empty() {
        let below_root = levels.len() > 1;
        let Some(top) = levels.last_mut() else { break };
        let Some(&item) = top.items.get(top.next) else {
            let done = levels.pop();
            path.truncate(done.map_or(0, |l| l.path_len));
            continue;
        };
        top.next += 1;
        let base = path.len();
        if below_root {
            path.push(';');
        }
        let group = &top.members[item.lo as usize..item.hi as usize];
        path.push_str(group[0].seg);
        if item.block {
            // Down a chain (one member whose level below has one member:
            // the next segment of its name, or its only child) without
            // building a level per step: each step's own line, then on.
            let mut m = group[0];
            loop {
                let single = match group.len() {
                    1 if !m.last => Some(tree.member(m.stack, m.end as usize + 1)),
                    1 => match tree.children(m.stack) {
                        &[c] => Some(tree.member(c, 0)),
                        _ => None,
                    },
                    _ => None,
                };
                let Some(b) = single else {
                    let below = tree.below(if group.len() == 1 { std::slice::from_ref(&m) } else { group });
                    levels.push(tree.level(below, base));
                    break;
                };
                path.push(';');
                path.push_str(b.seg);
                let own = if b.last { weight[b.stack as usize] } else { 0 };
                if own != 0 {
                    f(&path, own)?;
                }
                if b.last && tree.children(b.stack).is_empty() {
                    path.truncate(base);
                    break;
                }
                m = b;
            }
        } else {
            f(&path, item.own)?;
            path.truncate(base);
        }
    }
    Ok(())
}
