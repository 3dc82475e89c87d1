//! Source files for line listings: finding the file a profile recorded
//! (often on another machine or in another checkout) and reading its lines.
//!
//! A recorded path is looked up, in order: after each `trim` prefix it
//! starts with, under each search folder; as recorded, when it exists; by
//! pprof's heuristic (a search folder's last component found in the
//! recorded path: what follows it, under that folder); and by the recorded
//! path's trailing components (at least a folder and the file), longest
//! first, under each search folder and (for a relative path) its parents. Every place tried is kept, so a view
//! can say where it looked.

use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Largest source file read (bigger files are refused, not truncated).
pub const MAX_SOURCE_BYTES: u64 = 64 << 20;

/// Where to look for source files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceSearch {
    /// Folders to search (pprof's `-source_path`), in order.
    pub dirs: Vec<PathBuf>,
    /// Prefixes removed from recorded paths before searching (pprof's `-trim_path`).
    pub trim: Vec<String>,
}

/// A source file that could not be found or read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceMissing {
    /// The path as the profile records it.
    pub recorded: String,
    /// Every path tried, in order (at most [`MAX_TRIED`]).
    pub tried: Vec<PathBuf>,
    /// What went wrong with the last candidate, when one existed but could not be read.
    pub error: Option<String>,
}

/// At most this many tried paths are kept for the message.
pub const MAX_TRIED: usize = 24;

impl std::fmt::Display for SourceMissing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(e) = &self.error {
            return write!(f, "could not read {}: {e}", self.recorded);
        }
        write!(f, "source file {} not found", self.recorded)?;
        if !self.tried.is_empty() {
            write!(f, "; looked at ")?;
            for (i, p) in self.tried.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write!(f, "{}", p.display())?;
            }
        }
        Ok(())
    }
}

impl SourceSearch {
    /// Search `dirs` with no trimming.
    pub fn in_dirs(dirs: Vec<PathBuf>) -> Self {
        Self { dirs, trim: Vec::new() }
    }

    /// The file on this machine for `recorded`, or every place tried.
    pub fn resolve(&self, recorded: &str) -> Result<PathBuf, SourceMissing> {
        let mut tried: Vec<PathBuf> = Vec::new();
        let try_path = |p: PathBuf, tried: &mut Vec<PathBuf>| -> Option<PathBuf> {
            if p.is_file() {
                return Some(p);
            }
            if tried.len() < MAX_TRIED && !tried.contains(&p) {
                tried.push(p);
            }
            None
        };
        if recorded.is_empty() {
            return Err(SourceMissing { recorded: String::new(), tried, error: None });
        }
        for prefix in &self.trim {
            if let Some(rest) = recorded.strip_prefix(prefix.as_str()) {
                let rest = rest.trim_start_matches(['/', '\\']);
                for d in &self.dirs {
                    if let Some(p) = try_path(d.join(rest), &mut tried) {
                        return Ok(p);
                    }
                }
            }
        }
        let rec = Path::new(recorded);
        if let Some(p) = try_path(rec.to_path_buf(), &mut tried) {
            return Ok(p);
        }
        let slashed = recorded.replace('\\', "/");
        for d in &self.dirs {
            if let Some(base) = d.file_name().and_then(|b| b.to_str()) {
                let want = format!("/{base}/");
                if let Some(i) = slashed.find(&want)
                    && let Some(p) = try_path(d.join(&slashed[i + want.len()..]), &mut tried)
                {
                    return Ok(p);
                }
            }
        }
        let parts: Vec<&str> = rec
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => s.to_str(),
                _ => None,
            })
            .collect();
        for d in &self.dirs {
            let mut dir = Some(d.as_path());
            while let Some(cur) = dir {
                // A bare file name would match any file of that name: keep a
                // folder with it, unless the profile records nothing more.
                let last_start = if parts.len() > 1 { parts.len() - 1 } else { parts.len() };
                for start in 0..last_start {
                    let rel: PathBuf = parts[start..].iter().collect();
                    if let Some(p) = try_path(cur.join(rel), &mut tried) {
                        return Ok(p);
                    }
                }
                // A relative recorded path may be relative to a parent of the
                // folder (pprof searches up); an absolute one is matched by
                // its suffixes under the folder itself only.
                dir = if rec.is_relative() { cur.parent() } else { None };
            }
        }
        // Last: the bare file name directly in a folder the user named (a
        // source folder holding `kvstore.c` for `/tmp/build/kvstore.c`).
        if parts.len() > 1
            && let Some(name) = parts.last()
        {
            for d in &self.dirs {
                if let Some(p) = try_path(d.join(name), &mut tried) {
                    return Ok(p);
                }
            }
        }
        Err(SourceMissing { recorded: recorded.to_owned(), tried, error: None })
    }

    /// Resolves `recorded` and reads its lines (see [`read_lines`]).
    pub fn read(&self, recorded: &str) -> Result<(PathBuf, Vec<String>), SourceMissing> {
        let path = self.resolve(recorded)?;
        match read_lines(&path) {
            Ok(lines) => Ok((path, lines)),
            Err(e) => Err(SourceMissing { recorded: recorded.to_owned(), tried: vec![path], error: Some(e) }),
        }
    }
}

/// The lines of the text file at `path` (invalid UTF-8 replaced, line ends
/// removed); an error for files over [`MAX_SOURCE_BYTES`] or that are not
/// regular files.
pub fn read_lines(path: &Path) -> Result<Vec<String>, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".to_owned());
    }
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(format!("{} bytes, more than the {} a source file may have", meta.len(), MAX_SOURCE_BYTES));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    File::open(path).and_then(|f| f.take(MAX_SOURCE_BYTES + 1).read_to_end(&mut bytes)).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(format!("more than the {MAX_SOURCE_BYTES} bytes a source file may have"));
    }
    let text = String::from_utf8_lossy(&bytes);
    Ok(text.lines().map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned()).collect())
}
