//! The real tools this machine may have: kubectl builds beside a dispatcher (the google-cloud-cli
//! package's `kubectl.1.NN`) and the docker CLI. Tests use them where present and pass where
//! absent.

use std::path::{Path, PathBuf};

/// Every kubectl build to exercise, or none. (Tests may read the environment they run in; the
/// rule in clippy.toml is for the program.)
#[allow(clippy::disallowed_methods)]
pub fn kubectl_builds() -> Vec<PathBuf> {
    let Some(path) = std::env::var_os("PATH") else {
        return Vec::new();
    };
    let Some(found) = std::env::split_paths(&path)
        .map(|d| d.join("kubectl"))
        .find(|p| is_executable(p))
    else {
        return Vec::new();
    };
    let resolved = std::fs::canonicalize(&found).unwrap_or(found);
    let dir = resolved.parent().unwrap_or(Path::new("/"));
    let mut builds: Vec<(u32, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let minor: u32 = name.strip_prefix("kubectl.1.")?.parse().ok()?;
            is_executable(&e.path()).then(|| (minor, e.path()))
        })
        .collect();
    builds.sort();
    if builds.is_empty() {
        vec![resolved]
    } else {
        builds.into_iter().map(|(_, p)| p).collect()
    }
}

pub fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The real docker CLI on PATH (resolved), if any.
#[allow(clippy::disallowed_methods)]
pub fn docker() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("docker"))
        .find(|p| is_executable(p))
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
}
