//! Which frames a pprof filter's regular expression matches, as
//! `go tool pprof` matches them (google/pprof `profile/filter.go`):
//! `Location.matchesName` tries each line's function name and file name and
//! the location's mapping file; `unmatchedLines` / `matchedLines` (hide,
//! show) decide line by line. Firesight keeps each line of a location as a
//! frame (inlined lines are frames of kind `inline`), so the decision per
//! frame is pprof's decision per line, and "a sample contains a matching
//! location" (focus, ignore) is "a sample contains a matching frame".
//!
//! Differences, stated: a frame's module is the basename of pprof's
//! mapping file (the loader keeps no directory), so a regular expression
//! naming a directory of the mapping does not match it; an unsymbolized
//! frame (kind `unknown`, a location without lines) is matched by its
//! module only, as pprof matches such a location by its mapping only.
//! The syntax is `regex-lite`'s, which takes RE2's (Go's) syntax except
//! Unicode classes.

use regex_lite::Regex;

use super::TransformError;
use crate::model::{FrameKind, Profile};

/// Compiles a filter's regular expression, naming the flag on error.
pub fn compile(flag: &str, re: &str) -> Result<Regex, TransformError> {
    Regex::new(re).map_err(|e| TransformError(format!("{flag} {re:?} is not a regular expression: {e}")))
}

/// Per frame of `profile`, whether `re` matches it (name, file or module;
/// the module only for an unsymbolized frame).
pub fn frames_matching(profile: &Profile, re: &Regex) -> Vec<bool> {
    profile
        .frames
        .iter()
        .map(|(_, f)| {
            let module = !f.module.is_empty() && re.is_match(&f.module);
            if f.kind == FrameKind::Unknown {
                return module;
            }
            module || re.is_match(&f.name) || f.file.as_deref().is_some_and(|file| re.is_match(file))
        })
        .collect()
}
