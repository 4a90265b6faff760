//! Takes the one member to install out of an archive, refusing anything unsafe: names that
//! point outside the archive, links, and sizes beyond `MAX_MEMBER`.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Component, Path};
use std::sync::mpsc;

use sha2::{Digest, Sha256};

use super::{MAX_MEMBER, io_at};
use crate::cancel::Cancel;
use crate::core::checksum;
use crate::core::failure::{Hostile, InstallError};
use crate::fsutil;

/// Bytes copied between two looks at `cancel`.
const CHUNK: usize = 1 << 20;
/// The read buffer under a decompressor (the default 8 KiB means a read call per 8 KiB).
const ARCHIVE_BUF: usize = 256 << 10;

/// Buffers of `CHUNK` bytes in flight between the reader and the writer of `copy`.
const IN_FLIGHT: usize = 3;

/// Copies `r` into `out` (`out_path` names it in errors), stopping once `cancel` is set or more
/// than `MAX_MEMBER` bytes arrived. Returns the bytes copied and their sha256. Writeback starts
/// every `fsutil::WRITEBACK_EVERY` bytes, so that the fsync before the rename is short.
///
/// The reading (inflating, for an archive) runs on this thread and the hashing and writing on
/// a second one, `IN_FLIGHT` buffers apart: an extraction that outlasts the other downloads
/// then has two cores instead of one (benches/speed.rs). Memory stays `IN_FLIGHT × CHUNK`
/// whatever the size.
pub(super) fn copy(
    mut r: impl Read,
    out: &mut File,
    out_path: &Path,
    cancel: &Cancel,
) -> Result<(u64, String), InstallError> {
    let (full_tx, full_rx) = mpsc::sync_channel::<(Vec<u8>, usize)>(IN_FLIGHT);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
    for _ in 0..IN_FLIGHT {
        let _ = empty_tx.send(vec![0u8; CHUNK]);
    }
    std::thread::scope(|s| {
        let writer = s.spawn(move || -> io::Result<String> {
            let mut hash = Sha256::new();
            let mut written = 0u64;
            for (buf, n) in full_rx {
                hash.update(&buf[..n]);
                out.write_all(&buf[..n])?;
                fsutil::writeback_past(out, written, written + n as u64);
                written += n as u64;
                // The reader may have stopped: a buffer nobody takes back is dropped.
                let _ = empty_tx.send(buf);
            }
            Ok(checksum::hex(&hash.finalize()))
        });
        let read = (|| {
            let mut copied = 0u64;
            loop {
                if cancel.is_cancelled() {
                    return Err(InstallError::Cancelled);
                }
                // Err: the writer stopped on an error, which `join` below returns.
                let Ok(mut buf) = empty_rx.recv() else {
                    return Ok(copied);
                };
                let n = fill(&mut r, &mut buf)?;
                if n == 0 {
                    return Ok(copied);
                }
                copied += n as u64;
                if copied > MAX_MEMBER {
                    return Err(InstallError::Hostile(Hostile::TooLarge {
                        member: out_path.display().to_string(),
                        size: None,
                    }));
                }
                if full_tx.send((buf, n)).is_err() {
                    return Ok(copied);
                }
            }
        })();
        // The writer finishes what it was given and stops.
        drop(full_tx);
        let written = writer.join().expect("the writer thread does not panic");
        let copied = read?;
        let sha256 = written.map_err(io_at(out_path))?;
        Ok((copied, sha256))
    })
}

/// Reads from `r` until `buf` is full or `r` ends; the bytes read.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> Result<usize, InstallError> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(InstallError::Damaged {
                    detail: e.to_string(),
                });
            }
        }
    }
    Ok(n)
}

/// `copy` of an archive member that declared `declared` bytes.
fn member(
    r: impl Read,
    out: &mut File,
    declared: u64,
    member: &str,
    cancel: &Cancel,
) -> Result<(u64, String), InstallError> {
    let (copied, sha256) = copy(r, out, Path::new(member), cancel).map_err(|e| match e {
        InstallError::Hostile(Hostile::TooLarge { .. }) => {
            InstallError::Hostile(Hostile::TooLarge {
                member: member.to_string(),
                size: None,
            })
        }
        e => e,
    })?;
    if copied != declared {
        return Err(InstallError::Truncated {
            member: member.to_string(),
            copied,
            declared,
        });
    }
    Ok((copied, sha256))
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

/// Names seen while looking for the member, for the error that says it is missing.
struct Seen(Vec<String>);

impl Seen {
    fn add(&mut self, name: String) {
        if self.0.len() < 8 {
            self.0.push(name);
        }
    }
    fn missing(self, member: &str) -> InstallError {
        InstallError::MemberMissing {
            member: member.to_string(),
            seen: self.0,
        }
    }
}

fn too_large(member: &str, size: u64) -> Result<(), InstallError> {
    if size > MAX_MEMBER {
        return Err(InstallError::Hostile(Hostile::TooLarge {
            member: member.to_string(),
            size: Some(size),
        }));
    }
    Ok(())
}

pub(super) fn tar_gz(
    archive: &Path,
    wanted: &str,
    out: &mut File,
    cancel: &Cancel,
) -> Result<(u64, String), InstallError> {
    let f = File::open(archive).map_err(io_at(archive))?;
    let gz = flate2::read::GzDecoder::new(BufReader::with_capacity(ARCHIVE_BUF, f));
    let mut ar = tar::Archive::new(gz);
    let bad = |e: io::Error| InstallError::Damaged {
        detail: e.to_string(),
    };
    let mut seen = Seen(Vec::new());
    for entry in ar.entries().map_err(bad)? {
        if cancel.is_cancelled() {
            return Err(InstallError::Cancelled);
        }
        let mut e = entry.map_err(bad)?;
        let raw = e.path().map_err(bad)?.into_owned();
        let Some(name) = safe_name(&raw) else {
            return Err(InstallError::Hostile(Hostile::Escapes {
                name: raw.display().to_string(),
            }));
        };
        if name != wanted {
            seen.add(name);
            continue;
        }
        let kind = e.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            return Err(InstallError::Hostile(Hostile::Link {
                member: wanted.to_string(),
            }));
        }
        if !kind.is_file() {
            return Err(InstallError::NotAFile {
                member: wanted.to_string(),
            });
        }
        let size = e.header().size().map_err(bad)?;
        too_large(wanted, size)?;
        return member(&mut e, out, size, wanted, cancel);
    }
    Err(seen.missing(wanted))
}

pub(super) fn zip(
    archive: &Path,
    wanted: &str,
    out: &mut File,
    cancel: &Cancel,
) -> Result<(u64, String), InstallError> {
    let f = File::open(archive).map_err(io_at(archive))?;
    let bad = |e: zip::result::ZipError| InstallError::Damaged {
        detail: e.to_string(),
    };
    let mut z = zip::ZipArchive::new(BufReader::with_capacity(ARCHIVE_BUF, f)).map_err(bad)?;
    let mut seen = Seen(Vec::new());
    for i in 0..z.len() {
        let mut e = z.by_index(i).map_err(bad)?;
        let raw = e.name().map(|n| n.into_owned()).unwrap_or_default();
        let Some(name) = e.enclosed_name().as_deref().and_then(safe_name) else {
            return Err(InstallError::Hostile(Hostile::Escapes { name: raw }));
        };
        if name != wanted {
            seen.add(name);
            continue;
        }
        if e.is_symlink() {
            return Err(InstallError::Hostile(Hostile::Link {
                member: wanted.to_string(),
            }));
        }
        if !e.is_file() {
            return Err(InstallError::NotAFile {
                member: wanted.to_string(),
            });
        }
        let size = e.size();
        too_large(wanted, size)?;
        return member(&mut e, out, size, wanted, cancel);
    }
    Err(seen.missing(wanted))
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
    fn a_set_cancel_stops_the_copy_before_writing() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out");
        let mut out = File::create(&p).unwrap();
        let cancel = Cancel::default();
        cancel.cancel();
        let err = copy(&b"abc"[..], &mut out, &p, &cancel).unwrap_err();
        assert!(matches!(err, InstallError::Cancelled), "{err}");
        assert_eq!(std::fs::metadata(&p).unwrap().len(), 0);
        let (copied, sha) = copy(&b"abc"[..], &mut out, &p, &Cancel::default()).unwrap();
        assert_eq!(copied, 3);
        assert_eq!(
            sha,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_copy_of_many_buffers_is_whole_and_hashed_in_order() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out");
        let mut out = File::create(&p).unwrap();
        // More than IN_FLIGHT buffers, so that each is reused, and a short last one.
        let data: Vec<u8> = (0..(IN_FLIGHT + 2) * CHUNK + 12345)
            .map(|i| (i % 251) as u8)
            .collect();
        // A reader that hands out a few bytes at a time, as a decompressor does.
        struct Dribble<'a>(&'a [u8]);
        impl Read for Dribble<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(self.0.len()).min(32 * 1024 + 7);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let (copied, sha) = copy(Dribble(&data), &mut out, &p, &Cancel::default()).unwrap();
        assert_eq!(copied, data.len() as u64);
        assert_eq!(sha, checksum::hex(&Sha256::digest(&data)));
        assert_eq!(std::fs::read(&p).unwrap(), data);
    }

    #[test]
    fn a_failing_read_or_write_stops_the_copy_with_its_own_error() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out");
        // The source breaks after two buffers: the archive is damaged.
        struct Breaks(usize);
        impl Read for Breaks {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "corrupt deflate stream",
                    ));
                }
                let n = buf.len().min(self.0);
                buf[..n].fill(1);
                self.0 -= n;
                Ok(n)
            }
        }
        let mut out = File::create(&p).unwrap();
        let err = copy(Breaks(2 * CHUNK), &mut out, &p, &Cancel::default()).unwrap_err();
        assert!(
            matches!(&err, InstallError::Damaged { detail } if detail.contains("corrupt deflate")),
            "{err:?}"
        );
        // The destination cannot be written (opened read-only): the error names it.
        let mut read_only = File::open(&p).unwrap();
        let err = copy(
            io::repeat(0).take(5 * CHUNK as u64),
            &mut read_only,
            &p,
            &Cancel::default(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, InstallError::Io { path, .. } if path == &p),
            "{err:?}"
        );
    }
}
