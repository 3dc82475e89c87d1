//! Exports: folded text and flamegraph SVG. Imports `model` only; every file
//! is written to a temporary file in the target directory and renamed into
//! place, so a failed export never leaves half a file and never touches input.

pub mod folded;
pub mod svg;

use std::io::{self, Write};
use std::path::Path;

/// Writes `out` atomically: `fill` writes into a temporary file beside it,
/// which is renamed over `out` only when `fill` succeeds.
///
/// Errors: the directory is not writable, `fill` fails, or the rename fails.
pub fn write_atomically(out: &Path, fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".firesight-").suffix(".tmp").tempfile_in(dir)?;
    {
        let mut w = io::BufWriter::new(tmp.as_file_mut());
        fill(&mut w)?;
        w.flush()?;
    }
    // tempfile creates 0600 files; an export is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(out).map_err(|e| e.error)?;
    Ok(())
}
