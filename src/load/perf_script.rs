//! Linux `perf script` text. (Being written.)

use super::PerfOptions;
use super::error::LoadError;
use super::source::Input;
use crate::model::Profile;

/// True when `line` looks like a perf script sample header.
pub fn looks_like_header(line: &str) -> bool {
    let _ = line;
    false
}

/// Loads perf script output.
pub fn load(input: &mut Input, opts: &PerfOptions) -> Result<Profile, LoadError> {
    let _ = (input, opts);
    Err(LoadError::unsupported("perf script loading is being written"))
}
