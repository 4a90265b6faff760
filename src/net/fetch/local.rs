//! I/O: a mirror on this machine — `--mirror file:///DIR`, or `--mirror DIR`, which the context
//! turns into a `file://` URL — for air-gapped machines. Its files get the same treatment as
//! downloads: hashed while they are copied into the cache's `.partial`, renamed into place only
//! when the hash matches, so a damaged or tampered mirror is caught like a bad network. Only
//! regular files are read (never a device or a pipe), and sizes are bounded as for downloads.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::Digest;

use super::Resume;
use crate::core::failure::{FetchError, FetchErrorKind as Kind, LocalProblem};
use crate::core::mirror;
use crate::core::plan::Download;
use crate::core::progress::{Event, Progress};

/// The file a `file://` URL names; None for any other URL.
pub(super) fn source(url: &str) -> Result<Option<PathBuf>, FetchError> {
    mirror::file_path(url)
        .map(|p| p.map(PathBuf::from))
        .map_err(|e| local_error(url, Path::new(url), LocalProblem::BadUrl(e)))
}

fn local_error(url: &str, path: &Path, problem: LocalProblem) -> FetchError {
    FetchError::new(
        url,
        Kind::Local {
            path: path.to_path_buf(),
            problem,
        },
    )
}

fn unreadable(url: &str, path: &Path, e: &io::Error) -> FetchError {
    local_error(url, path, LocalProblem::Unreadable(e.to_string()))
}

/// The size of the regular file at `src`.
pub(super) fn size(src: &Path, url: &str) -> Result<u64, FetchError> {
    match fs::metadata(src) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            Err(local_error(url, src, LocalProblem::Missing))
        }
        Err(e) => Err(unreadable(url, src, &e)),
        Ok(m) if !m.is_file() => Err(local_error(url, src, LocalProblem::NotAFile)),
        Ok(m) => Ok(m.len()),
    }
}

fn open(src: &Path, url: &str) -> Result<(File, u64), FetchError> {
    let len = size(src, url)?;
    let f = File::open(src).map_err(|e| unreadable(url, src, &e))?;
    Ok((f, len))
}

/// Copies `src` into `partial` from its start, hashing every byte into `state`, with the
/// download's size limit and progress events. Yields between chunks, so that other transfers
/// (and a cancellation) get their turn.
pub(super) async fn copy(
    src: &Path,
    d: &Download,
    partial: &Path,
    state: &mut Resume,
    max_bytes: u64,
    progress: &dyn Progress,
) -> Result<(), FetchError> {
    let url = d.url.as_str();
    let (mut f, len) = open(src, url)?;
    if len > max_bytes {
        return Err(FetchError::new(
            url,
            Kind::TooLarge {
                limit: max_bytes,
                claimed: Some(len),
            },
        ));
    }
    let mut out = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(partial)
        .map_err(|e| FetchError::io(url, partial, &e))?;
    *state = Resume::default();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        progress.event(Event::Bytes {
            tool: d.tool,
            done: state.len,
            total: Some(len),
        });
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(unreadable(url, src, &e)),
        };
        if state.len + n as u64 > max_bytes {
            return Err(FetchError::new(
                url,
                Kind::TooLarge {
                    limit: max_bytes,
                    claimed: None,
                },
            ));
        }
        state.hasher.update(&buf[..n]);
        out.write_all(&buf[..n])
            .map_err(|e| FetchError::io(url, partial, &e))?;
        let before = state.len;
        state.len += n as u64;
        crate::fsutil::writeback_past(&out, before, state.len);
        tokio::task::yield_now().await;
    }
    Ok(())
}

/// A small text file (a checksum) of at most `limit` bytes.
pub(super) fn read_text(src: &Path, url: &str, limit: usize) -> Result<String, FetchError> {
    let (f, len) = open(src, url)?;
    let too_large = || FetchError::new(url, Kind::ChecksumTooLarge { limit });
    if len > limit as u64 {
        return Err(too_large());
    }
    let mut body = Vec::new();
    f.take(limit as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| unreadable(url, src, &e))?;
    if body.len() > limit {
        return Err(too_large());
    }
    String::from_utf8(body).map_err(|_| FetchError::new(url, Kind::ChecksumNotText))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_only_and_regular_files_only() {
        assert_eq!(source("https://dl.k8s.io/x").unwrap(), None);
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a b");
        fs::write(&f, "abc\n").unwrap();
        let url = mirror::file_url(&f.display().to_string());
        let src = source(&url).unwrap().unwrap();
        assert_eq!(src, f);
        assert_eq!(size(&src, &url).unwrap(), 4);
        assert_eq!(read_text(&src, &url, 10).unwrap(), "abc\n");
        assert_eq!(
            read_text(&src, &url, 3).unwrap_err().kind,
            Kind::ChecksumTooLarge { limit: 3 }
        );
        let missing = d.path().join("nope");
        let e = size(&missing, "file:///nope").unwrap_err();
        assert!(e.is_missing(), "{e}");
        assert!(e.to_string().contains("not in the mirror"), "{e}");
        let e = size(d.path(), "file:///dir").unwrap_err();
        assert!(matches!(
            e.kind,
            Kind::Local {
                problem: LocalProblem::NotAFile,
                ..
            }
        ));
        let e = source("file:///srv/m/../../etc/passwd").unwrap_err();
        assert!(matches!(
            e.kind,
            Kind::Local {
                problem: LocalProblem::BadUrl(_),
                ..
            }
        ));
    }
}
