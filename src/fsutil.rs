//! I/O: small file-system helpers shared by the overrides file and installs.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};

use sha2::Digest;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Prefix of every temporary file we create next to a destination; stale ones (a SIGKILL
/// mid-write) are recognised by it and removed by the next install.
pub(crate) const TEMP_PREFIX: &str = ".aladdin-doctor-tmp-";

/// A unique temporary path in `dir` for `name`.
pub(crate) fn temp_path(dir: &Path, name: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("{TEMP_PREFIX}{name}-{}-{n}", std::process::id()))
}

/// Removes the file on drop unless `keep` was called: no half-written file survives an error
/// or a panic.
#[derive(Debug)]
pub(crate) struct TempFile {
    path: Option<PathBuf>,
}

impl TempFile {
    pub(crate) fn new(path: PathBuf) -> Self {
        TempFile { path: Some(path) }
    }
    pub(crate) fn path(&self) -> &Path {
        self.path.as_deref().expect("not kept yet")
    }
    /// The file was renamed into place: do not remove it.
    pub(crate) fn keep(mut self) {
        self.path = None;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = &self.path {
            let _ = fs::remove_file(p);
        }
    }
}

/// Writes `bytes` to `path` atomically: a temp file in the same directory, fsync, rename,
/// fsync of the directory. Creates the directory if needed. `mode` sets Unix permissions.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("path has no parent directory"))?;
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = TempFile::new(temp_path(dir, &name));
    {
        let mut f = create_new(tmp.path())?;
        f.write_all(bytes)?;
        set_mode(&f, mode)?;
        f.sync_all()?;
    }
    fs::rename(tmp.path(), path)?;
    tmp.keep();
    sync_dir(dir);
    Ok(())
}

/// The file that writing `path` should change: symlinks are followed to their target (a
/// dotfile manager keeps the real file elsewhere), even when the target does not exist yet.
pub(crate) fn resolve_links(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match fs::read_link(&p) {
            Ok(target) => {
                p = match p.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            Err(_) => return p,
        }
    }
    p
}

/// Replaces the file `path` names with `bytes`, atomically, writing through symlinks and keeping
/// the existing file's permissions.
pub(crate) fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let target = resolve_links(path);
    write_atomic(&target, bytes, permissions(&target))
}

#[cfg(unix)]
fn permissions(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn permissions(_path: &Path) -> Option<u32> {
    None
}

/// An exclusive advisory lock on `path` (created if needed), held until the file is dropped.
/// Waits up to `wait`; None when another process still holds it then.
pub(crate) fn lock_file(path: &Path, wait: std::time::Duration) -> io::Result<Option<File>> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    let started = std::time::Instant::now();
    loop {
        match f.try_lock() {
            Ok(()) => return Ok(Some(f)),
            Err(fs::TryLockError::WouldBlock) if started.elapsed() < wait => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(fs::TryLockError::WouldBlock) => return Ok(None),
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

/// SHA-256 of a file, read once.
pub(crate) fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(crate::core::checksum::hex(&h.finalize()))
}

pub(crate) fn create_new(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(unix)]
pub(crate) fn set_mode(f: &File, mode: Option<u32>) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match mode {
        Some(m) => f.set_permissions(fs::Permissions::from_mode(m)),
        None => Ok(()),
    }
}

#[cfg(not(unix))]
pub(crate) fn set_mode(_f: &File, _mode: Option<u32>) -> io::Result<()> {
    Ok(())
}

/// How often a long write starts writing back what it wrote so far, so that the fsync before
/// its rename finds little left to do.
pub(crate) const WRITEBACK_EVERY: u64 = 8 << 20;

/// After a write took `file` from `before` to `now` bytes: when that crossed a multiple of
/// `WRITEBACK_EVERY`, schedules writeback of the block before it (Linux `sync_file_range`;
/// elsewhere nothing). Never waits, and durability still comes from the fsync.
pub(crate) fn writeback_past(file: &File, before: u64, now: u64) {
    if before / WRITEBACK_EVERY != now / WRITEBACK_EVERY {
        start_writeback(file, now);
    }
}

#[cfg(target_os = "linux")]
fn start_writeback(file: &File, upto: u64) {
    use std::os::fd::AsRawFd;
    let from = upto.saturating_sub(WRITEBACK_EVERY) / WRITEBACK_EVERY * WRITEBACK_EVERY;
    // SAFETY: sync_file_range on an open file descriptor we own; it only schedules writeback.
    unsafe {
        libc::sync_file_range(
            file.as_raw_fd(),
            from as libc::off64_t,
            (upto - from) as libc::off64_t,
            libc::SYNC_FILE_RANGE_WRITE,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _upto: u64) {}

/// Makes a rename durable (best effort; not possible on Windows).
pub(crate) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn replacing_writes_through_links_and_keeps_the_mode() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let real = d.path().join("dotfiles/overrides.toml");
        fs::create_dir_all(real.parent().unwrap()).unwrap();
        fs::write(&real, b"old").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
        let link = d.path().join("config/overrides.toml");
        fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink("../dotfiles/overrides.toml", &link).unwrap();
        replace_file(&link, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
        assert_eq!(
            fs::metadata(&real).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // A dangling link is followed too: the file is created where it points.
        let dangling = d.path().join("config/other.toml");
        std::os::unix::fs::symlink("../dotfiles/other.toml", &dangling).unwrap();
        replace_file(&dangling, b"x").unwrap();
        assert_eq!(
            fs::read(d.path().join("dotfiles/other.toml")).unwrap(),
            b"x"
        );
    }

    #[test]
    fn atomic_write_creates_dirs_and_leaves_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a/b/file.toml");
        write_atomic(&p, b"one", None).unwrap();
        write_atomic(&p, b"two", Some(0o600)).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("file.toml")]);
    }
}
