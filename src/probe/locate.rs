//! I/O: PATH lookup the way a shell does it, plus the bin dir and known install locations.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::core::observation::Origin;
use crate::core::tool::Tool;

/// Where to look; built once from the environment (see `context`).
#[derive(Clone, Debug, Default)]
pub(crate) struct SearchSpace {
    pub(crate) path_entries: Vec<PathBuf>,
    pub(crate) bin_dir: PathBuf,
    /// VirtualBox's install directories outside PATH (Windows), searched after PATH.
    pub(crate) virtualbox_dirs: Vec<PathBuf>,
    /// `.exe` on Windows.
    pub(crate) exe_suffix: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) path: PathBuf,
    pub(crate) origin: Origin,
    pub(crate) in_bin_dir: bool,
    pub(crate) executable: bool,
}

impl SearchSpace {
    /// The index of the bin dir among PATH entries, if it is on PATH.
    pub(crate) fn bin_dir_index(&self) -> Option<usize> {
        self.path_entries
            .iter()
            .position(|e| same_dir(e, &self.bin_dir))
    }
}

/// Every file named like `tool` on PATH (in order), in the known locations, and in the bin dir;
/// the same file reached twice (a symlinked dir, a hard link, case folding) is listed once.
pub(crate) fn locate(tool: Tool, space: &SearchSpace) -> Vec<Candidate> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let names: Vec<String> = tool
        .executables()
        .iter()
        .map(|n| format!("{n}{}", space.exe_suffix))
        .collect();

    let mut consider = |dir: &Path, origin: Origin, out: &mut Vec<Candidate>| {
        for name in &names {
            let path = dir.join(name);
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() || !seen.insert(identity(&path, &meta)) {
                continue;
            }
            out.push(Candidate {
                in_bin_dir: same_dir(dir, &space.bin_dir),
                executable: is_executable(&meta),
                path,
                origin,
            });
        }
    };

    for (i, dir) in space.path_entries.iter().enumerate() {
        // Like a shell, an empty entry would mean the current directory; a probe must not
        // run whatever lies in the cwd, so empty and relative entries are skipped.
        if dir.as_os_str().is_empty() || dir.is_relative() {
            continue;
        }
        consider(dir, Origin::Path(i), &mut out);
    }
    if tool == Tool::Virtualbox {
        for dir in &space.virtualbox_dirs {
            consider(dir, Origin::Known, &mut out);
        }
    }
    consider(&space.bin_dir, Origin::BinDir, &mut out);
    out
}

#[cfg(unix)]
fn identity(_path: &Path, meta: &fs::Metadata) -> (u64, u64, PathBuf) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino(), PathBuf::new())
}

#[cfg(not(unix))]
fn identity(path: &Path, _meta: &fs::Metadata) -> (u64, u64, PathBuf) {
    let p = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    (0, 0, PathBuf::from(p.to_string_lossy().to_lowercase()))
}

#[cfg(unix)]
fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &fs::Metadata) -> bool {
    true
}

fn same_dir(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
