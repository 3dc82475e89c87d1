//! Jaeger JSON traces. (Being written.)

use super::LoadOptions;
use super::error::LoadError;
use super::source::Input;
use crate::model::Profile;
use crate::model::trace::TraceSet;

/// Loads Jaeger JSON.
pub fn load(input: &mut Input, opts: &LoadOptions) -> Result<(Profile, TraceSet), LoadError> {
    let _ = (input, opts);
    Err(LoadError::unsupported("Jaeger loading is being written"))
}
