//! I/O: one `--fix` at a time. An advisory lock (flock) on `CACHE/lock`; a second run waits with
//! a message, up to a bound, then gives up naming the holder. The kernel drops the lock when
//! the holder exits, however it exits.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::cancel::Cancel;
use crate::core::failure::LockError;
use crate::core::progress::Progress;

pub(crate) struct Lock {
    _file: File,
    /// Another run held the lock first: what it did may have changed the picture.
    pub(crate) waited: bool,
}

/// Takes the lock, waiting up to `wait` (and giving up once `cancel` is set).
pub(crate) async fn acquire(
    cache_dir: &Path,
    wait: Duration,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Lock, LockError> {
    let io = |path: &Path, e: std::io::Error| LockError::Io {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    std::fs::create_dir_all(cache_dir).map_err(|e| io(cache_dir, e))?;
    let path = cache_dir.join("lock");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| io(&path, e))?;
    let started = Instant::now();
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => {
                let _ = file.set_len(0);
                let _ = file.seek(SeekFrom::Start(0));
                let _ = writeln!(file, "pid {}", std::process::id());
                let _ = file.flush();
                return Ok(Lock {
                    _file: file,
                    waited: told,
                });
            }
            Err(TryLockError::WouldBlock) => {
                let holder = holder(&path);
                if started.elapsed() >= wait {
                    return Err(LockError::Busy {
                        path,
                        holder,
                        waited_secs: wait.as_secs(),
                    });
                }
                if !told {
                    told = true;
                    progress.note(format!(
                        "waiting for another aladdin-doctor --fix ({holder}) to finish (up to {} s)…",
                        wait.as_secs()
                    ));
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                    _ = cancel.cancelled() => return Err(LockError::Cancelled),
                }
            }
            Err(TryLockError::Error(e)) => return Err(io(&path, e)),
        }
    }
}

fn holder(path: &Path) -> String {
    let mut s = String::new();
    let _ = File::open(path).and_then(|mut f| f.read_to_string(&mut s));
    let s = s.trim();
    if s.is_empty() {
        "pid unknown".into()
    } else {
        s.to_string()
    }
}
