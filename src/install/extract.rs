//! Takes the one member to install out of an archive, refusing anything unsafe: names that
//! point outside the archive, links, and sizes beyond `MAX_MEMBER`.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Component, Path};

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

/// Copies `r` into `out` (`out_path` names it in errors), stopping once `cancel` is set or more
/// than `MAX_MEMBER` bytes arrived. Returns the bytes copied and their sha256. Writeback starts
/// every `fsutil::WRITEBACK_EVERY` bytes, so that the fsync before the rename is short.
pub(super) fn copy(
    mut r: impl Read,
    out: &mut File,
    out_path: &Path,
    cancel: &Cancel,
) -> Result<(u64, String), InstallError> {
    let mut buf = vec![0u8; CHUNK];
    let mut copied = 0u64;
    let mut hash = Sha256::new();
    loop {
        if cancel.is_cancelled() {
            return Err(InstallError::Cancelled);
        }
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok((copied, checksum::hex(&hash.finalize()))),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(InstallError::Damaged {
                    detail: e.to_string(),
                });
            }
        };
        copied += n as u64;
        if copied > MAX_MEMBER {
            return Err(InstallError::Hostile(Hostile::TooLarge {
                member: out_path.display().to_string(),
                size: None,
            }));
        }
        hash.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(io_at(out_path))?;
        fsutil::writeback_past(out, copied - n as u64, copied);
    }
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
}
