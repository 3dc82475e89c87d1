//! Callers and callees of one function, merged over every place it occurs
//! (speedscope's sandwich view, `src/lib/profile.ts`
//! `getInvertedProfileForCallersOf` / `getProfileForCalleesOf`).
//!
//! Callees: the tree of [`Transform::FocusFunction`] (every stack through
//! the function, cut above its outermost call). Callers: the bottom-up tree
//! of [`Transform::CollapseSubtree`] (every stack through it ends at its
//! outermost call), whose root for the function has its callers as
//! children. Both roots weigh the function's total, so every box's share of
//! its root is its share of the function's total.

use crate::analysis::transform::{Transform, TransformError, apply};
use crate::model::{CallTree, MetricId, NodeId, Profile, SampleFilter, Weight};

/// The two trees of a function and their roots.
#[derive(Clone, Debug)]
pub struct Sandwich {
    /// The function's name.
    pub name: String,
    /// The profile the callers tree's frames are in.
    pub callers_profile: Profile,
    /// Bottom-up: the function, then who calls it, then who calls them.
    pub callers: CallTree,
    /// The function's node in `callers`.
    pub callers_root: NodeId,
    /// The profile the callees tree's frames are in.
    pub callees_profile: Profile,
    /// Top-down from the function: what it calls.
    pub callees: CallTree,
    /// The function's node in `callees`.
    pub callees_root: NodeId,
    /// The function's total (samples with it on the stack, each once).
    pub total: Weight,
}

/// The heaviest child of `tree`'s root whose function is named `name`.
fn root_named(tree: &CallTree, profile: &Profile, name: &str) -> NodeId {
    tree.children(tree.root())
        .filter(|&c| tree.node(c).frame.is_some_and(|f| profile.frames.name(f) == name))
        .max_by_key(|&c| tree.node(c).abs_total)
        .unwrap_or(tree.root())
}

/// Callers and callees of the function `name` over the samples `filter`
/// keeps (its `inverted` flag is ignored).
pub fn sandwich(
    profile: &Profile,
    metric: MetricId,
    filter: &SampleFilter,
    name: &str,
) -> Result<Sandwich, TransformError> {
    let top = SampleFilter { inverted: false, ..filter.clone() };
    let (callees_profile, _) = apply(profile, &[Transform::FocusFunction(name.to_string())])?;
    let callees = CallTree::build(&callees_profile, metric, &top);
    let callees_root = root_named(&callees, &callees_profile, name);
    let (callers_profile, _) = apply(profile, &[Transform::CollapseSubtree(name.to_string())])?;
    let callers = CallTree::build(&callers_profile, metric, &SampleFilter { inverted: true, ..filter.clone() });
    let callers_root = root_named(&callers, &callers_profile, name);
    let total = callees.total();
    Ok(Sandwich {
        name: name.to_string(),
        callers_profile,
        callers,
        callers_root,
        callees_profile,
        callees,
        callees_root,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::frame::FrameRef;
    use crate::model::{FrameKind, ProfileBuilder, Unit};

    #[test]
    fn callers_and_callees_weigh_the_function_total() {
        let mut b = ProfileBuilder::new("test");
        let m = b.add_metric("samples", Unit::Count);
        for (path, w) in [("a;f;x", 3), ("b;f", 2), ("a;f;y;f;x", 4), ("c", 9)] {
            let ids: Vec<_> = path.split(';').map(|f| b.frame(FrameRef::new(f, "", FrameKind::User))).collect();
            let s = b.stack_from_root(&ids);
            b.add_sample_for(s, m, w, None, None);
        }
        let p = b.finish().unwrap_or_else(|e| panic!("{e}"));
        let s = sandwich(&p, m, &SampleFilter::default(), "f").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.total, 9);
        assert_eq!(s.callers.node(s.callers_root).total, 9);
        let callers: Vec<(String, Weight)> = s
            .callers
            .children(s.callers_root)
            .map(|c| {
                (
                    s.callers_profile.frames.name(s.callers.node(c).frame.unwrap_or_default()).to_string(),
                    s.callers.node(c).total,
                )
            })
            .collect();
        assert_eq!(callers, vec![("a".to_string(), 7), ("b".to_string(), 2)]);
        let callees: Vec<(String, Weight)> = s
            .callees
            .children(s.callees_root)
            .map(|c| {
                (
                    s.callees_profile.frames.name(s.callees.node(c).frame.unwrap_or_default()).to_string(),
                    s.callees.node(c).total,
                )
            })
            .collect();
        assert_eq!(callees, vec![("x".to_string(), 3), ("y".to_string(), 4)]);
    }
}
