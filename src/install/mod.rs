//! I/O: puts one verified artifact into the bin dir so that the bin dir always holds the old
//! binary or the new one, whole.
//!
//! Only the member named by `path` is extracted (rejecting `..`, absolute paths, links and
//! unreasonable sizes) into a temp file in the bin dir, which is fsynced, made executable and
//! renamed over the old binary. The old binary is kept under `BIN/.previous/` so that a failed
//! re-probe rolls back.

pub(crate) mod lock;

use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};

use crate::core::manifest::ArchiveKind;
use crate::fsutil::{self, TempFile};

/// No tool we install is anywhere near this; a member claiming more is refused.
pub(crate) const MAX_MEMBER: u64 = 1 << 30;

pub(crate) const PREVIOUS_DIR: &str = ".previous";

#[derive(Debug, thiserror::Error)]
pub(crate) enum InstallError {
    #[error("the archive is unsafe: {0}; nothing was installed")]
    Hostile(String),
    #[error("{0}")]
    Member(String),
    #[error("{path}: {err}")]
    Io { path: PathBuf, err: io::Error },
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> InstallError + '_ {
    move |err| InstallError::Io {
        path: path.to_path_buf(),
        err,
    }
}

/// Removes temp files that an interrupted run (SIGKILL, power loss) left in `dir`.
pub(crate) fn clean_stale(dir: &Path) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        if e.file_name()
            .to_string_lossy()
            .starts_with(fsutil::TEMP_PREFIX)
        {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Writes the executable from `artifact` into a temp file next to `dest`, fsynced and
/// executable. Dropping the returned guard removes it.
pub(crate) fn stage(
    artifact: &Path,
    archive: ArchiveKind,
    member: Option<&str>,
    dest: &Path,
) -> Result<TempFile, InstallError> {
    let dir = dest.parent().expect("dest has a parent");
    fs::create_dir_all(dir).map_err(io_at(dir))?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = TempFile::new(fsutil::temp_path(dir, &name));
    // A raw binary is already verified in the cache: link it instead of writing it a second
    // time (same file system); the fsync below then makes both durable at once.
    if archive == ArchiveKind::Binary && fs::hard_link(artifact, tmp.path()).is_ok() {
        let f = File::open(tmp.path()).map_err(io_at(tmp.path()))?;
        fsutil::set_mode(&f, Some(0o755)).map_err(io_at(tmp.path()))?;
        f.sync_all().map_err(io_at(tmp.path()))?;
        return Ok(tmp);
    }
    {
        let mut out = fsutil::create_new(tmp.path()).map_err(io_at(tmp.path()))?;
        match (archive, member) {
            (ArchiveKind::Binary, _) => {
                let mut src = File::open(artifact).map_err(io_at(artifact))?;
                io::copy(&mut src, &mut out).map_err(io_at(tmp.path()))?;
            }
            (ArchiveKind::TarGz, Some(m)) => extract_tar_gz(artifact, m, &mut out)?,
            (ArchiveKind::Zip, Some(m)) => extract_zip(artifact, m, &mut out)?,
            (kind, _) => {
                return Err(InstallError::Member(format!(
                    "cannot install from a {} without a member path",
                    kind.name()
                )));
            }
        }
        out.flush().map_err(io_at(tmp.path()))?;
        fsutil::set_mode(&out, Some(0o755)).map_err(io_at(tmp.path()))?;
        out.sync_all().map_err(io_at(tmp.path()))?;
    }
    Ok(tmp)
}

/// Where the binary that `dest` replaces is kept.
pub(crate) fn previous_path(dest: &Path) -> PathBuf {
    let dir = dest.parent().expect("dest has a parent");
    dir.join(PREVIOUS_DIR)
        .join(dest.file_name().expect("dest has a name"))
}

/// What `commit` changed, so that it can be undone.
#[derive(Debug)]
pub(crate) struct Committed {
    pub(crate) dest: PathBuf,
    /// The replaced binary, kept (None when there was none).
    pub(crate) previous: Option<PathBuf>,
}

/// Renames the staged file over `dest`, keeping the old binary first.
pub(crate) fn commit(staged: TempFile, dest: &Path) -> Result<Committed, InstallError> {
    let dir = dest.parent().expect("dest has a parent");
    let previous = if fs::symlink_metadata(dest).is_ok() {
        let keep = previous_path(dest);
        let keep_dir = keep.parent().expect("has parent");
        fs::create_dir_all(keep_dir).map_err(io_at(keep_dir))?;
        let _ = fs::remove_file(&keep);
        keep_previous(dest, &keep)?;
        Some(keep)
    } else {
        None
    };
    fs::rename(staged.path(), dest).map_err(io_at(dest))?;
    staged.keep();
    fsutil::sync_dir(dir);
    Ok(Committed {
        dest: dest.to_path_buf(),
        previous,
    })
}

/// Unix: a hard link, so `dest` never disappears (the rename over it is atomic).
#[cfg(unix)]
fn keep_previous(dest: &Path, keep: &Path) -> Result<(), InstallError> {
    fs::hard_link(dest, keep)
        .or_else(|_| fs::copy(dest, keep).map(|_| ()))
        .map_err(io_at(keep))
}

/// Windows: a running .exe cannot be replaced or deleted, but it can be renamed away.
#[cfg(not(unix))]
fn keep_previous(dest: &Path, keep: &Path) -> Result<(), InstallError> {
    fs::rename(dest, keep).map_err(io_at(keep))
}

/// Puts back what `commit` replaced.
pub(crate) fn rollback(c: &Committed) -> io::Result<()> {
    match &c.previous {
        Some(prev) => fs::rename(prev, &c.dest)?,
        None => fs::remove_file(&c.dest)?,
    }
    if let Some(dir) = c.previous.as_ref().and_then(|p| p.parent()) {
        let _ = fs::remove_dir(dir); // only if empty
    }
    fsutil::sync_dir(c.dest.parent().expect("has parent"));
    Ok(())
}

/// A member name relative to the archive root without `.` components; None for `..` or an
/// absolute path.
fn safe_name(p: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

fn copy_limited(
    mut r: impl Read,
    out: &mut File,
    declared: u64,
    member: &str,
) -> Result<(), InstallError> {
    let copied =
        io::copy(&mut (&mut r).take(MAX_MEMBER + 1), out).map_err(|err| InstallError::Io {
            path: PathBuf::from(member),
            err,
        })?;
    if copied > MAX_MEMBER {
        return Err(InstallError::Hostile(format!(
            "{member} is larger than 1 GiB"
        )));
    }
    if copied != declared {
        return Err(InstallError::Member(format!(
            "{member} is truncated ({copied} of {declared} bytes)"
        )));
    }
    Ok(())
}

fn extract_tar_gz(archive: &Path, member: &str, out: &mut File) -> Result<(), InstallError> {
    let f = File::open(archive).map_err(io_at(archive))?;
    let gz = flate2::read::GzDecoder::new(BufReader::new(f));
    let mut ar = tar::Archive::new(gz);
    let bad = |e: io::Error| InstallError::Member(format!("the archive is damaged: {e}"));
    let mut seen = Vec::new();
    for entry in ar.entries().map_err(bad)? {
        let mut e = entry.map_err(bad)?;
        let raw = e.path().map_err(bad)?.into_owned();
        let Some(name) = safe_name(&raw) else {
            return Err(InstallError::Hostile(format!(
                "it contains the member `{}`, which points outside the archive",
                raw.display()
            )));
        };
        if name != member {
            if seen.len() < 8 {
                seen.push(name);
            }
            continue;
        }
        let kind = e.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            return Err(InstallError::Hostile(format!(
                "{member} is a link, not a file"
            )));
        }
        if !kind.is_file() {
            return Err(InstallError::Member(format!(
                "{member} is not a regular file"
            )));
        }
        let size = e.header().size().map_err(bad)?;
        if size > MAX_MEMBER {
            return Err(InstallError::Hostile(format!(
                "{member} claims {size} bytes, more than 1 GiB"
            )));
        }
        return copy_limited(&mut e, out, size, member);
    }
    Err(not_found(member, &seen))
}

fn extract_zip(archive: &Path, member: &str, out: &mut File) -> Result<(), InstallError> {
    let f = File::open(archive).map_err(io_at(archive))?;
    let bad =
        |e: zip::result::ZipError| InstallError::Member(format!("the archive is damaged: {e}"));
    let mut z = zip::ZipArchive::new(BufReader::new(f)).map_err(bad)?;
    let mut seen = Vec::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).map_err(bad)?;
        let raw = e.name().map(|n| n.into_owned()).unwrap_or_default();
        let Some(name) = e.enclosed_name().as_deref().and_then(safe_name) else {
            return Err(InstallError::Hostile(format!(
                "it contains the member `{raw}`, which points outside the archive"
            )));
        };
        if name != member {
            if seen.len() < 8 {
                seen.push(name);
            }
            continue;
        }
        if e.is_symlink() {
            return Err(InstallError::Hostile(format!(
                "{member} is a link, not a file"
            )));
        }
        if !e.is_file() {
            return Err(InstallError::Member(format!(
                "{member} is not a regular file"
            )));
        }
        let size = e.size();
        if size > MAX_MEMBER {
            return Err(InstallError::Hostile(format!(
                "{member} claims {size} bytes, more than 1 GiB"
            )));
        }
        return copy_limited(&mut e, out, size, member);
    }
    Err(not_found(member, &seen))
}

fn not_found(member: &str, seen: &[String]) -> InstallError {
    InstallError::Member(format!(
        "the archive has no `{member}` (it has: {}); check `path` in versions.toml",
        if seen.is_empty() {
            "nothing".to_string()
        } else {
            seen.join(", ")
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            safe_name(Path::new("./docker/docker")).as_deref(),
            Some("docker/docker")
        );
        assert_eq!(safe_name(Path::new("../x")), None);
        assert_eq!(safe_name(Path::new("/etc/x")), None);
        assert_eq!(safe_name(Path::new("a/../../x")), None);
    }

    #[test]
    fn commit_keeps_previous_and_rollback_restores_it() {
        let d = tempfile::tempdir().unwrap();
        let dest = d.path().join("kubectl");
        fs::write(&dest, b"old").unwrap();
        let art = d.path().join("artifact");
        fs::write(&art, b"new").unwrap();
        let staged = stage(&art, ArchiveKind::Binary, None, &dest).unwrap();
        let c = commit(staged, &dest).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"new");
        assert_eq!(fs::read(c.previous.as_ref().unwrap()).unwrap(), b"old");
        rollback(&c).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"old");
        assert!(!d.path().join(PREVIOUS_DIR).exists());
        // Nothing but what was there.
        let mut names: Vec<_> = fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["artifact", "kubectl"]);
    }

    #[test]
    fn binary_is_linked_on_one_file_system_and_copied_across() {
        use std::os::unix::fs::MetadataExt;
        let d = tempfile::tempdir().unwrap();
        let art = d.path().join("artifact");
        fs::write(&art, b"#!/bin/sh\n").unwrap();
        let dest = d.path().join("bin/kubectl");
        let staged = stage(&art, ArchiveKind::Binary, None, &dest).unwrap();
        assert_eq!(
            fs::metadata(staged.path()).unwrap().ino(),
            fs::metadata(&art).unwrap().ino()
        );
        drop(staged);
        assert!(
            art.exists(),
            "dropping the staged link keeps the cached file"
        );
        // Another file system (tmpfs), where a hard link is impossible: a real copy.
        let shm = Path::new("/dev/shm");
        if shm.is_dir() && fs::metadata(shm).unwrap().dev() != fs::metadata(d.path()).unwrap().dev()
        {
            let other = tempfile::tempdir_in(shm).unwrap();
            let art2 = other.path().join("artifact");
            fs::write(&art2, b"#!/bin/sh\necho copied\n").unwrap();
            let staged = stage(&art2, ArchiveKind::Binary, None, &dest).unwrap();
            assert_ne!(
                fs::metadata(staged.path()).unwrap().ino(),
                fs::metadata(&art2).unwrap().ino()
            );
            assert_eq!(fs::read(staged.path()).unwrap(), fs::read(&art2).unwrap());
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(staged.path()).unwrap().permissions().mode() & 0o777,
                0o755
            );
        }
    }

    #[test]
    fn failed_stage_leaves_nothing() {
        let d = tempfile::tempdir().unwrap();
        let dest = d.path().join("bin/helm");
        let art = d.path().join("not-a-tarball");
        fs::write(&art, b"garbage").unwrap();
        let err = stage(&art, ArchiveKind::TarGz, Some("linux-amd64/helm"), &dest).unwrap_err();
        assert!(
            err.to_string().contains("damaged") || err.to_string().contains("no `"),
            "{err}"
        );
        assert_eq!(fs::read_dir(d.path().join("bin")).unwrap().count(), 0);
    }
}
