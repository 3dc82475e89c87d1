//! The transform flags (`--focus`, `--ignore`, `--hide`, `--show`,
//! `--merge`, `--drop`, `--collapse-recursion`, `--collapse-module`,
//! `--transform`), flattened into every subcommand that reads a profile's
//! stacks. They build an ordered [`Transform`] list; see
//! [`TransformArgs::transforms`] for the order.

use std::path::Path;

use anyhow::Result;
use clap::Args;

use firesight::analysis::transform::{self, Transform};
use firesight::load::Loaded;

use super::{LoadArgs, UsageError, load_file};

/// Transforms applied to the profile before anything is counted.
#[derive(Debug, Args, Clone, Default)]
pub struct TransformArgs {
    /// pprof's -focus: only samples with a frame whose function name, file
    /// or module matches RE (whole stacks kept).
    #[arg(long, value_name = "RE")]
    pub focus: Option<String>,
    /// pprof's -ignore: drop samples with a frame that matches RE.
    #[arg(long, value_name = "RE")]
    pub ignore: Option<String>,
    /// pprof's -hide: remove frames that match RE from every stack.
    #[arg(long, value_name = "RE")]
    pub hide: Option<String>,
    /// pprof's -show: keep only frames that match RE.
    #[arg(long, value_name = "RE")]
    pub show: Option<String>,
    /// Merge the function NAME away: its self weight goes to its caller (repeatable).
    #[arg(long = "merge", value_name = "NAME")]
    pub merge: Vec<String>,
    /// Drop the samples whose stack contains the function NAME (repeatable).
    #[arg(long = "drop", value_name = "NAME")]
    pub drop: Vec<String>,
    /// Collapse recursion, direct and indirect: of every function, or with
    /// =NAME of that one (repeatable).
    #[arg(long = "collapse-recursion", value_name = "NAME", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub collapse_recursion: Vec<String>,
    /// Collapse the frames of module (library, binary, service) NAME into one frame (repeatable).
    #[arg(long = "collapse-module", value_name = "NAME")]
    pub collapse_module: Vec<String>,
    /// Any transform as KIND:ARG, applied after the flags above, in the
    /// order given (repeatable): focus-function:NAME, focus-subtree:A;B;C,
    /// merge:NAME, drop:NAME, collapse-recursion[:NAME],
    /// collapse-direct-recursion[:NAME], collapse-subtree:NAME, collapse-module:NAME, focus:RE,
    /// ignore:RE, hide:RE, show:RE.
    #[arg(long = "transform", value_name = "KIND:ARG")]
    pub transform: Vec<String>,
}

impl TransformArgs {
    /// The transforms in the order they apply: pprof's filters first, in
    /// pprof's order (focus, ignore, hide, show: focus and ignore look at
    /// the stacks before hide and show change them, as in pprof), then
    /// drop, merge, collapse-module, collapse-recursion, then each
    /// `--transform` in the order given.
    pub fn transforms(&self) -> Result<Vec<Transform>> {
        let mut out = Vec::new();
        let pprof = [
            (&self.focus, Transform::Focus as fn(String) -> Transform),
            (&self.ignore, Transform::Ignore),
            (&self.hide, Transform::Hide),
            (&self.show, Transform::Show),
        ];
        for (re, make) in pprof {
            if let Some(re) = re {
                out.push(make(re.clone()));
            }
        }
        out.extend(self.drop.iter().cloned().map(Transform::Drop));
        out.extend(self.merge.iter().cloned().map(Transform::Merge));
        for m in &self.collapse_module {
            if m.is_empty() {
                return Err(UsageError("--collapse-module needs a module name".into()).into());
            }
            out.push(Transform::CollapseModule(m.clone()));
        }
        out.extend(
            self.collapse_recursion.iter().map(|n| Transform::CollapseRecursion((!n.is_empty()).then(|| n.clone()))),
        );
        for t in &self.transform {
            out.push(t.parse::<Transform>().map_err(|e| UsageError(format!("--transform {t:?}: {e}")))?);
        }
        Ok(out)
    }

    /// True when no transform is asked for.
    pub fn is_empty(&self) -> bool {
        self.focus.is_none()
            && self.ignore.is_none()
            && self.hide.is_none()
            && self.show.is_none()
            && self.merge.is_empty()
            && self.drop.is_empty()
            && self.collapse_recursion.is_empty()
            && self.collapse_module.is_empty()
            && self.transform.is_empty()
    }

    /// Applies the transforms to `loaded`'s profile, warning on stderr for
    /// each that matched nothing (as pprof warns). A bad regular expression
    /// is a usage error.
    pub fn apply_to(&self, file: &Path, loaded: &mut Loaded) -> Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        let ts = self.transforms()?;
        let (p, applied) = transform::apply(&loaded.profile, &ts).map_err(|e| UsageError(e.to_string()))?;
        for w in applied.warnings(&ts) {
            eprintln!("warning: {}: {w}", file.display());
        }
        loaded.profile = p;
        Ok(())
    }
}

/// Loads `path` and applies `transforms` to it.
pub fn load_transformed(path: &Path, load: &LoadArgs, transforms: &TransformArgs) -> Result<Loaded> {
    transformed(path, load_file(path, load)?, transforms)
}

/// What [`load_transformed`] does after the load: the warnings, then the
/// transforms.
pub fn transformed(path: &Path, mut loaded: Loaded, transforms: &TransformArgs) -> Result<Loaded> {
    super::warn_skipped(path, &loaded);
    transforms.apply_to(path, &mut loaded)?;
    Ok(loaded)
}
