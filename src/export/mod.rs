//! Exports: folded text and flamegraph SVG. Imports `model` only; every file
//! is written to a temporary file in the target directory and renamed into
//! place, so a failed export never leaves half a file and never touches input.

pub mod diff_folded;
pub mod folded;
mod folded_walk;
pub mod svg;

use std::io::{self, Write};
use std::path::Path;

/// Writes `out` atomically: `fill` writes into a temporary file beside the
/// target, which is renamed over it only when `fill` succeeds. `-` means
/// standard output (written directly). A symbolic link is followed, so the
/// file it points at is replaced and the link stays; an existing target keeps
/// its permissions.
///
/// Errors: the target exists but is not a regular file (a device, a
/// directory), it is read-only, the directory is not writable, `fill` fails,
/// or the rename fails.
pub fn write_atomically(out: &Path, fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    if out.as_os_str() == "-" {
        let mut w = io::BufWriter::new(io::stdout().lock());
        fill(&mut w)?;
        return w.flush();
    }
    let target = match std::fs::symlink_metadata(out) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(out)?,
        _ => out.to_path_buf(),
    };
    let existing = match std::fs::metadata(&target) {
        Ok(m) if !m.is_file() => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} exists and is not a regular file; not replacing it", target.display()),
            ));
        }
        Ok(m) if m.permissions().readonly() => {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("{} is read-only; not replacing it", target.display()),
            ));
        }
        Ok(m) => Some(m.permissions()),
        Err(_) => None,
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".firesight-").suffix(".tmp").tempfile_in(dir)?;
    {
        let mut w = io::BufWriter::new(tmp.as_file_mut());
        fill(&mut w)?;
        w.flush()?;
    }
    match existing {
        Some(p) => tmp.as_file().set_permissions(p)?,
        // tempfile creates 0600 files; a new export is an ordinary file.
        #[cfg(unix)]
        None => {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        #[cfg(not(unix))]
        None => {}
    }
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}
