//! Transforms: an ordered list of rewrites of a profile's stacks and
//! samples, shared by the command line (`--focus`, `--merge` ...) and the
//! window (the right-click menu and the chips above the flamegraph).
//!
//! Each transform is a pure `Profile -> Profile` function (the Firefox
//! Profiler's transform stack, `src/profile-logic/transforms.ts`): one
//! forward pass over the stack table (a parent's index is below its
//! child's), which maps every old stack to a stack of a new prefix tree, to
//! the empty stack, or to nothing (its samples are dropped); then the
//! samples' stack column is remapped. Every later view (call tree, function
//! table, folded text, SVG, the hot path) reads the result as it reads any
//! profile, so transforms work on every format and metric, traces' span
//! projections included.
//!
//! Functions are named by their frame name (`main.serializeJSON`), so the
//! text form of a transform (its chip, its CLI flag) means the same in every
//! file. pprof's four filters take a regular expression, matched as
//! `go tool pprof` does (see [`pprof`]).

mod passes;
pub mod pprof;

use std::fmt;

use crate::model::Profile;

pub use passes::apply_one;

/// One transform. See the module docs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Transform {
    /// Every stack through the function, cut above its outermost
    /// occurrence, so all its call sites merge into one root.
    FocusFunction(String),
    /// Only the stacks that start with this path of functions (root
    /// first), cut above its last function: one subtree as the root.
    FocusSubtree(Vec<String>),
    /// The function leaves every stack; its self weight goes to its caller
    /// (at a root, to no function: the samples keep their weight).
    Merge(String),
    /// Samples whose stack contains the function are dropped.
    Drop(String),
    /// Recursion of the function (every function when `None`), direct and
    /// indirect, collapsed: an inner call of it continues from its
    /// outermost call, so it appears at most once on each stack.
    CollapseRecursion(Option<String>),
    /// Only direct recursion collapsed (the function calling itself with
    /// nothing in between); every function when `None`.
    CollapseDirectRecursion(Option<String>),
    /// Everything the function calls becomes its self weight: each stack
    /// through it ends at its outermost call (Firefox's "collapse
    /// function subtree").
    CollapseSubtree(String),
    /// Consecutive frames of a module (library, binary, package or a
    /// trace's service) become one frame named after it.
    CollapseModule(String),
    /// pprof's `-focus RE`: only samples with a frame that matches.
    Focus(String),
    /// pprof's `-ignore RE`: samples with a frame that matches are dropped.
    Ignore(String),
    /// pprof's `-hide RE`: frames that match leave the stacks (a sample
    /// left with none is dropped).
    Hide(String),
    /// pprof's `-show RE`: only frames that match stay (a sample left with
    /// none is dropped).
    Show(String),
}

/// A transform that cannot be applied (a regular expression that does not
/// compile) or a text form that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TransformError(pub String);

impl Transform {
    /// The short name of the kind, as the text form starts
    /// (`focus-function`, `merge`, `hide` ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::FocusFunction(_) => "focus-function",
            Self::FocusSubtree(_) => "focus-subtree",
            Self::Merge(_) => "merge",
            Self::Drop(_) => "drop",
            Self::CollapseRecursion(_) => "collapse-recursion",
            Self::CollapseDirectRecursion(_) => "collapse-direct-recursion",
            Self::CollapseSubtree(_) => "collapse-subtree",
            Self::CollapseModule(_) => "collapse-module",
            Self::Focus(_) => "focus",
            Self::Ignore(_) => "ignore",
            Self::Hide(_) => "hide",
            Self::Show(_) => "show",
        }
    }

    /// What a chip says: "Merge main.helper", "Focus on subtree a > b".
    pub fn label(&self) -> String {
        match self {
            Self::FocusFunction(f) => format!("Focus on {f}"),
            Self::FocusSubtree(p) => format!("Focus on subtree {}", p.join(" > ")),
            Self::Merge(f) => format!("Merge {f}"),
            Self::Drop(f) => format!("Drop samples with {f}"),
            Self::CollapseRecursion(None) => "Collapse all recursion".to_string(),
            Self::CollapseRecursion(Some(f)) => format!("Collapse recursion of {f}"),
            Self::CollapseDirectRecursion(None) => "Collapse direct recursion".to_string(),
            Self::CollapseDirectRecursion(Some(f)) => format!("Collapse direct recursion of {f}"),
            Self::CollapseSubtree(f) => format!("Collapse what {f} calls"),
            Self::CollapseModule(m) => format!("Collapse module {m}"),
            Self::Focus(r) => format!("focus /{r}/"),
            Self::Ignore(r) => format!("ignore /{r}/"),
            Self::Hide(r) => format!("hide /{r}/"),
            Self::Show(r) => format!("show /{r}/"),
        }
    }
}

/// The text form `KIND:ARG` (`merge:main.helper`, `focus-subtree:a;b`,
/// `collapse-recursion` for every function), which `--transform` takes.
impl fmt::Display for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let arg = match self {
            Self::FocusSubtree(p) => Some(p.join(";")),
            Self::CollapseRecursion(a) | Self::CollapseDirectRecursion(a) => a.clone(),
            Self::FocusFunction(a)
            | Self::Merge(a)
            | Self::Drop(a)
            | Self::CollapseModule(a)
            | Self::CollapseSubtree(a)
            | Self::Focus(a)
            | Self::Ignore(a)
            | Self::Hide(a)
            | Self::Show(a) => Some(a.clone()),
        };
        match arg {
            Some(a) => write!(f, "{}:{a}", self.kind()),
            None => f.write_str(self.kind()),
        }
    }
}

impl std::str::FromStr for Transform {
    type Err = TransformError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, arg) = match s.split_once(':') {
            Some((k, a)) => (k, Some(a.to_string())),
            None => (s, None),
        };
        let need = |a: Option<String>| {
            a.filter(|a| !a.is_empty()).ok_or_else(|| TransformError(format!("{kind} needs an argument: {kind}:NAME")))
        };
        Ok(match kind {
            "focus-function" => Self::FocusFunction(need(arg)?),
            "focus-subtree" => Self::FocusSubtree(need(arg)?.split(';').map(str::to_string).collect()),
            "merge" => Self::Merge(need(arg)?),
            "drop" => Self::Drop(need(arg)?),
            "collapse-recursion" => Self::CollapseRecursion(arg.filter(|a| !a.is_empty())),
            "collapse-direct-recursion" => Self::CollapseDirectRecursion(arg.filter(|a| !a.is_empty())),
            "collapse-module" => Self::CollapseModule(need(arg)?),
            "collapse-subtree" => Self::CollapseSubtree(need(arg)?),
            "focus" => Self::Focus(need(arg)?),
            "ignore" => Self::Ignore(need(arg)?),
            "hide" => Self::Hide(need(arg)?),
            "show" => Self::Show(need(arg)?),
            other => {
                return Err(TransformError(format!(
                    "unknown transform {other:?}; one of focus-function, focus-subtree, merge, drop, \
                     collapse-recursion, collapse-direct-recursion, collapse-subtree, collapse-module, focus, ignore, hide, show \
                     (as KIND:ARGUMENT)"
                )));
            }
        })
    }
}

/// How a warning for a transform that matched nothing ends.
pub const UNMATCHED: &str = "matched nothing in this profile";

/// What applying a list of transforms did, beside the new profile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Per transform, in order: whether it matched anything (a function
    /// name present, a regular expression matching some frame). pprof warns
    /// for a filter that matched nothing; so do we.
    pub matched: Vec<bool>,
}

impl Applied {
    /// A warning per transform that matched nothing, as pprof's driver
    /// prints them ("no matches found for hide regexp: x").
    pub fn warnings(&self, transforms: &[Transform]) -> Vec<String> {
        transforms
            .iter()
            .zip(&self.matched)
            .filter(|(_, m)| !**m)
            .map(|(t, _)| format!("{} {UNMATCHED}", t.label()))
            .collect()
    }
}

/// Applies `transforms` in order to `profile`. The input is not changed;
/// with no transform the result is a copy.
pub fn apply(profile: &Profile, transforms: &[Transform]) -> Result<(Profile, Applied), TransformError> {
    let mut applied = Applied::default();
    let mut cur: Option<Profile> = None;
    for t in transforms {
        let (next, matched) = apply_one(cur.as_ref().unwrap_or(profile), t)?;
        applied.matched.push(matched);
        cur = Some(next);
    }
    Ok((cur.unwrap_or_else(|| profile.clone()), applied))
}

#[cfg(test)]
mod reference_tests;
#[cfg(test)]
mod tests;
