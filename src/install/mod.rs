//! I/O: puts one verified artifact into the bin dir so that the bin dir always holds the old
//! binary or the new one, whole.
//!
//! Only the member named by `path` is extracted (rejecting `..`, absolute paths, links and
//! unreasonable sizes) into a temp file in the bin dir, which is fsynced, made executable and
//! renamed over the old binary. The old binary is kept under `BIN/.previous/` so that a failed
//! re-probe rolls back.

mod extract;
pub(crate) mod lock;
pub(crate) mod receipts;

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::cancel::Cancel;
use crate::core::failure::InstallError;
use crate::core::manifest::ArchiveKind;
use crate::fsutil::{self, TempFile};

/// No tool we install is anywhere near this; a member claiming more is refused.
pub(crate) const MAX_MEMBER: u64 = 1 << 30;

pub(crate) const PREVIOUS_DIR: &str = ".previous";

pub(super) fn io_at(path: &Path) -> impl FnOnce(io::Error) -> InstallError + '_ {
    move |e| InstallError::io(path, &e)
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

/// A binary written next to its destination, not yet in place.
#[derive(Debug)]
pub(crate) struct Staged {
    pub(crate) file: TempFile,
    /// sha256 of the staged file.
    pub(crate) sha256: String,
    pub(crate) size: u64,
}

/// Writes the executable from `artifact` (whose sha256 is `artifact_sha256`) into a temp file
/// next to `dest`, fsynced and executable. Dropping the returned guard removes it. Stops
/// between chunks once `cancel` is set.
pub(crate) fn stage(
    artifact: &Path,
    artifact_sha256: &str,
    archive: ArchiveKind,
    member: Option<&str>,
    dest: &Path,
    cancel: &Cancel,
) -> Result<Staged, InstallError> {
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
        let size = f.metadata().map_err(io_at(tmp.path()))?.len();
        return Ok(Staged {
            file: tmp,
            sha256: artifact_sha256.to_string(),
            size,
        });
    }
    let (size, sha256) = {
        let mut out = fsutil::create_new(tmp.path()).map_err(io_at(tmp.path()))?;
        let copied = match (archive, member) {
            (ArchiveKind::Binary, _) => {
                let src = File::open(artifact).map_err(io_at(artifact))?;
                extract::copy(src, &mut out, tmp.path(), cancel)?
            }
            (ArchiveKind::TarGz, Some(m)) => extract::tar_gz(artifact, m, &mut out, cancel)?,
            (ArchiveKind::Zip, Some(m)) => extract::zip(artifact, m, &mut out, cancel)?,
            (kind, _) => return Err(InstallError::NoMember(kind)),
        };
        out.flush().map_err(io_at(tmp.path()))?;
        fsutil::set_mode(&out, Some(0o755)).map_err(io_at(tmp.path()))?;
        out.sync_all().map_err(io_at(tmp.path()))?;
        copied
    };
    Ok(Staged {
        file: tmp,
        sha256,
        size,
    })
}

/// Where the binary that `dest` replaces is kept.
pub(crate) fn previous_path(dest: &Path) -> PathBuf {
    let dir = dest.parent().expect("dest has a parent");
    dir.join(PREVIOUS_DIR)
        .join(dest.file_name().expect("dest has a name"))
}

/// Marks `dest` as installed by us and not yet re-probed. A run killed between the rename and
/// the re-probe leaves it behind, and the next install then knows that `dest` is not the user's
/// binary: it must not take the place of the one kept in `.previous/`.
fn pending_path(dest: &Path) -> PathBuf {
    let dir = dest.parent().expect("dest has a parent");
    let name = dest.file_name().expect("dest has a name").to_string_lossy();
    dir.join(PREVIOUS_DIR).join(format!(".pending-{name}"))
}

/// What `commit` changed, so that it can be undone (or confirmed).
#[derive(Debug)]
pub(crate) struct Committed {
    pub(crate) dest: PathBuf,
    /// The replaced binary, kept (None when there was none).
    pub(crate) previous: Option<PathBuf>,
}

/// Renames the staged file over `dest`, keeping the old binary first (unless the old one is an
/// unverified install of ours: then the binary kept before it stays kept).
pub(crate) fn commit(staged: Staged, dest: &Path) -> Result<Committed, InstallError> {
    let staged = staged.file;
    let dir = dest.parent().expect("dest has a parent");
    let keep = previous_path(dest);
    let keep_dir = keep.parent().expect("has parent").to_path_buf();
    fs::create_dir_all(&keep_dir).map_err(io_at(&keep_dir))?;
    let pending = pending_path(dest);
    let ours_unverified = pending.exists();
    let previous = if fs::symlink_metadata(dest).is_err() {
        None
    } else if ours_unverified {
        keep.exists().then_some(keep)
    } else {
        let _ = fs::remove_file(&keep);
        keep_previous(dest, &keep)?;
        Some(keep)
    };
    fsutil::create_new(&pending)
        .map(drop)
        .or_else(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => Ok(()),
            _ => Err(e),
        })
        .map_err(io_at(&pending))?;
    fsutil::sync_dir(&keep_dir);
    fs::rename(staged.path(), dest).map_err(io_at(dest))?;
    staged.keep();
    fsutil::sync_dir(dir);
    Ok(Committed {
        dest: dest.to_path_buf(),
        previous,
    })
}

/// The re-probe found the pin: `dest` is verified.
pub(crate) fn confirm(c: &Committed) {
    let _ = fs::remove_file(pending_path(&c.dest));
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
    let _ = fs::remove_file(pending_path(&c.dest));
    let _ = fs::remove_dir(previous_path(&c.dest).parent().expect("has parent")); // if empty
    fsutil::sync_dir(c.dest.parent().expect("has parent"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_keeps_previous_and_rollback_restores_it() {
        let d = tempfile::tempdir().unwrap();
        let dest = d.path().join("kubectl");
        fs::write(&dest, b"old").unwrap();
        let art = d.path().join("artifact");
        fs::write(&art, b"new").unwrap();
        let staged = stage(
            &art,
            "",
            ArchiveKind::Binary,
            None,
            &dest,
            &Cancel::default(),
        )
        .unwrap();
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
    fn an_unverified_install_never_replaces_the_kept_binary() {
        let d = tempfile::tempdir().unwrap();
        let dest = d.path().join("kubectl");
        fs::write(&dest, b"mine").unwrap();
        let stage_bytes = |b: &[u8]| {
            // A new file each time: `stage` hard-links a raw binary, so rewriting one in place
            // would change what is installed.
            let art = d.path().join(String::from_utf8_lossy(b).as_ref());
            fs::write(&art, b).unwrap();
            stage(
                &art,
                "",
                ArchiveKind::Binary,
                None,
                &dest,
                &Cancel::default(),
            )
            .unwrap()
        };
        // A run is killed after its rename, before the re-probe: `bad` is in place, unverified.
        let c = commit(stage_bytes(b"bad"), &dest).unwrap();
        std::mem::forget(c);
        // The next run keeps "mine" as the previous binary, not "bad"...
        let c = commit(stage_bytes(b"good"), &dest).unwrap();
        assert_eq!(fs::read(c.previous.as_ref().unwrap()).unwrap(), b"mine");
        // ...so its roll-back gives the user's binary back.
        rollback(&c).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"mine");
        // A confirmed install is the user's now: the next one keeps it.
        let c = commit(stage_bytes(b"good"), &dest).unwrap();
        confirm(&c);
        let c = commit(stage_bytes(b"newer"), &dest).unwrap();
        assert_eq!(fs::read(c.previous.as_ref().unwrap()).unwrap(), b"good");
    }

    #[test]
    fn binary_is_linked_on_one_file_system_and_copied_across() {
        use std::os::unix::fs::MetadataExt;
        let d = tempfile::tempdir().unwrap();
        let art = d.path().join("artifact");
        fs::write(&art, b"#!/bin/sh\n").unwrap();
        let dest = d.path().join("bin/kubectl");
        let staged = stage(
            &art,
            "",
            ArchiveKind::Binary,
            None,
            &dest,
            &Cancel::default(),
        )
        .unwrap();
        assert_eq!(
            fs::metadata(staged.file.path()).unwrap().ino(),
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
            let staged = stage(
                &art2,
                "",
                ArchiveKind::Binary,
                None,
                &dest,
                &Cancel::default(),
            )
            .unwrap();
            assert_ne!(
                fs::metadata(staged.file.path()).unwrap().ino(),
                fs::metadata(&art2).unwrap().ino()
            );
            assert_eq!(
                fs::read(staged.file.path()).unwrap(),
                fs::read(&art2).unwrap()
            );
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(staged.file.path())
                    .unwrap()
                    .permissions()
                    .mode()
                    & 0o777,
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
        let err = stage(
            &art,
            "",
            ArchiveKind::TarGz,
            Some("linux-amd64/helm"),
            &dest,
            &Cancel::default(),
        )
        .unwrap_err();
        assert!(matches!(err, InstallError::Damaged { .. }), "{err}");
        assert_eq!(fs::read_dir(d.path().join("bin")).unwrap().count(), 0);
    }
}
