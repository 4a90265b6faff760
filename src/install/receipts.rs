//! I/O: install receipts in the bin dir (`BIN/.receipts/<binary>.json`), written atomically.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::core::receipt::{self, Identity, Receipt};
use crate::fsutil;

pub(crate) const DIR: &str = ".receipts";

/// The receipt of the binary at `dest`.
pub(crate) fn path(dest: &Path) -> PathBuf {
    let dir = dest.parent().expect("dest has a parent");
    let name = dest.file_name().expect("dest has a name").to_string_lossy();
    dir.join(DIR).join(format!("{name}.json"))
}

pub(crate) fn write(dest: &Path, r: &Receipt) -> io::Result<()> {
    fsutil::write_atomic(&path(dest), receipt::render(r).as_bytes(), None)
}

/// The receipt for `dest`, if there is a readable one of this schema.
pub(crate) fn read(dest: &Path) -> Option<Receipt> {
    receipt::parse(&fs::read_to_string(path(dest)).ok()?)
}

/// Every receipt in `bin_dir`, with the binary it stands for.
pub(crate) fn all(bin_dir: &Path) -> Vec<(PathBuf, Receipt)> {
    let Ok(rd) = fs::read_dir(bin_dir.join(DIR)) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, Receipt)> = rd
        .flatten()
        .filter_map(|e| {
            let name = e
                .file_name()
                .to_string_lossy()
                .strip_suffix(".json")?
                .to_string();
            let r = receipt::parse(&fs::read_to_string(e.path()).ok()?)?;
            Some((bin_dir.join(name), r))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// What a stat says of `path` (the file itself, not a symlink to it).
pub(crate) fn identity(path: &Path) -> io::Result<Identity> {
    let m = fs::symlink_metadata(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Ok(Identity {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
        })
    }
    #[cfg(not(unix))]
    {
        let mtime_ns = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        Ok(Identity {
            dev: 0,
            ino: 0,
            size: m.len(),
            mtime_ns,
        })
    }
}
