//! pprof profile.proto. (Being written.)

use super::LoadOptions;
use super::error::LoadError;
use super::source::Input;
use crate::model::Profile;

/// Loads a pprof profile.
pub fn load(input: &mut Input, opts: &LoadOptions) -> Result<Profile, LoadError> {
    let _ = (input, opts);
    Err(LoadError::unsupported("pprof loading is being written"))
}
