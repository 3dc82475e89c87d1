//! The merged tree as it was first built (a hash lookup per stack of each
//! side, then the same layout), kept to check that [`super::merge`]
//! builds the same nodes.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use super::{Comparison, FunctionKey, SideWeight};
use crate::model::{Profile, Weight};

/// The merged tree while it is built: nodes in creation order (a parent
/// before its children), own weights only.
pub(super) struct RawTree {
    parent: Vec<u32>,
    function: Vec<u32>,
    own: Vec<[Weight; 2]>,
    index: HashMap<(u32, u32), u32, FxBuildHasher>,
}

const NO_FUNCTION: u32 = u32::MAX;

impl RawTree {
    pub(super) fn new() -> Self {
        Self { parent: vec![0], function: vec![NO_FUNCTION], own: vec![[0, 0]], index: HashMap::default() }
    }

    fn child(&mut self, parent: u32, function: u32) -> u32 {
        let next = self.parent.len() as u32;
        let id = *self.index.entry((parent, function)).or_insert(next);
        if id == next {
            self.parent.push(parent);
            self.function.push(function);
            self.own.push([0, 0]);
        }
        id
    }

    /// Adds the stacks of side `side` (0 before, 1 after) that carry weight,
    /// with their ancestors.
    pub(super) fn add_side(&mut self, side: usize, p: &Profile, fids: &[u32], stack_w: &[Weight], empty: Weight) {
        let parents = p.stacks.parents();
        let frames = p.stacks.frames();
        let mut needed: Vec<bool> = stack_w.iter().map(|&w| w != 0).collect();
        for s in (0..needed.len()).rev() {
            if needed[s]
                && let Some(q) = parents[s].get()
            {
                needed[q.index()] = true;
            }
        }
        self.index.reserve(needed.iter().filter(|&&k| k).count());
        let mut node_of: Vec<u32> = vec![0; needed.len()];
        for s in 0..needed.len() {
            if !needed[s] {
                continue;
            }
            let parent = parents[s].get().map_or(0, |q| node_of[q.index()]);
            let node = self.child(parent, fids[frames[s].index()]);
            node_of[s] = node;
            self.own[node as usize][side] += stack_w[s];
        }
        self.own[0][side] += empty;
    }

    /// Lays the tree out (sibling blocks, depth first) with children sorted
    /// by name, then module; returns the nodes and the deepest depth.
    pub(super) fn arena(&self, functions: &[FunctionKey]) -> (Vec<RefNode>, u32) {
        let (laid, max_depth) = self.laid(functions);
        // Read back in preorder, as [`RefNode::all`] reads a comparison.
        let mut out = Vec::with_capacity(laid.len());
        let mut todo = vec![0u32];
        while let Some(i) = todo.pop() {
            let n = &laid[i as usize];
            out.push(RefNode {
                function: n.function,
                depth: n.depth,
                children: n.child_count,
                before: n.before,
                after: n.after,
            });
            todo.extend((n.first_child..n.first_child + n.child_count).rev());
        }
        (out, max_depth)
    }

    fn laid(&self, functions: &[FunctionKey]) -> (Vec<Laid>, u32) {
        let n = self.parent.len();
        let mut total = self.own.clone();
        for i in (1..n).rev() {
            let p = self.parent[i] as usize;
            let t = total[i];
            total[p][0] += t[0];
            total[p][1] += t[1];
        }
        let mut order: Vec<u32> = (0..functions.len() as u32).collect();
        order.sort_by(|&a, &b| {
            let (fa, fb) = (&functions[a as usize], &functions[b as usize]);
            fa.name.cmp(&fb.name).then_with(|| fa.module.cmp(&fb.module))
        });
        let mut rank = vec![0u32; functions.len()];
        for (r, &f) in order.iter().enumerate() {
            rank[f as usize] = r as u32;
        }
        // Children lists by counting sort on the parent.
        let mut start = vec![0u32; n + 1];
        for i in 1..n {
            start[self.parent[i] as usize + 1] += 1;
        }
        for i in 1..=n {
            start[i] += start[i - 1];
        }
        let mut fill = start.clone();
        let mut kids = vec![0u32; n.saturating_sub(1)];
        for i in 1..n {
            let p = self.parent[i] as usize;
            kids[fill[p] as usize] = i as u32;
            fill[p] += 1;
        }
        let weight = |i: usize, side: usize| SideWeight { self_weight: self.own[i][side], total: total[i][side] };
        let mut nodes = Vec::with_capacity(n);
        nodes.push(Laid {
            function: None,
            depth: 0,
            first_child: 0,
            child_count: 0,
            before: weight(0, 0),
            after: weight(0, 1),
        });
        // Depth first, each node's children appended as one block when it
        // is expanded (as the merge does).
        let mut todo: Vec<(u32, u32)> = vec![(0, 0)];
        let mut max_depth = 0;
        while let Some((head, src)) = todo.pop() {
            let (head, src) = (head as usize, src as usize);
            let list = &mut kids[start[src] as usize..start[src + 1] as usize];
            list.sort_unstable_by_key(|&k| rank[self.function[k as usize] as usize]);
            let depth = nodes[head].depth + 1;
            let first = nodes.len();
            nodes[head].first_child = first as u32;
            nodes[head].child_count = list.len() as u32;
            for &k in list.iter() {
                let k = k as usize;
                nodes.push(Laid {
                    function: Some(self.function[k]),
                    depth,
                    first_child: 0,
                    child_count: 0,
                    before: weight(k, 0),
                    after: weight(k, 1),
                });
                max_depth = max_depth.max(depth);
            }
            for (t, &k) in list.iter().enumerate().rev() {
                todo.push(((first + t) as u32, k));
            }
        }
        (nodes, max_depth)
    }
}

/// A node of the reference's layout (sibling blocks, depth first).
struct Laid {
    function: Option<u32>,
    depth: u32,
    first_child: u32,
    child_count: u32,
    before: SideWeight,
    after: SideWeight,
}

/// A merged node with its weights and number of children, in preorder
/// (children in name order): the reference's tree and a [`Comparison`]'s
/// read the same way ([`RefNode::all`]), whatever their layouts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct RefNode {
    pub(super) function: Option<u32>,
    pub(super) depth: u32,
    pub(super) children: u32,
    pub(super) before: SideWeight,
    pub(super) after: SideWeight,
}

impl RefNode {
    /// Every node of `c` with its weights, in preorder; each node's parent
    /// is checked on the way.
    pub(super) fn all(c: &Comparison) -> Vec<Self> {
        let mut out = Vec::with_capacity(c.len());
        let mut todo = vec![0u32];
        while let Some(i) = todo.pop() {
            let n = c.node(i);
            let kids: Vec<u32> = c.children(i).collect();
            assert!(kids.iter().all(|&k| c.node(k).parent() == Some(i) && k > i), "node {i}: a child's parent");
            out.push(Self {
                function: n.function(),
                depth: c.depth(i),
                children: kids.len() as u32,
                before: c.before(i),
                after: c.after(i),
            });
            todo.extend(kids.into_iter().rev());
        }
        out
    }
}
