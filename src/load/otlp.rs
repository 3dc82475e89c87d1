//! OTLP traces. (Being written.)

use super::error::LoadError;
use super::source::Input;
use super::{Format, LoadOptions};
use crate::model::Profile;
use crate::model::trace::TraceSet;

/// Loads OTLP traces.
pub fn load(input: &mut Input, format: Format, opts: &LoadOptions) -> Result<(Profile, TraceSet), LoadError> {
    let _ = (input, format, opts);
    Err(LoadError::unsupported("OTLP loading is being written"))
}
