//! Generated release artifacts (raw binaries, tar.gz, zip, hostile archives) and manifests
//! that pin them, served through `--mirror`.

use std::io::Write;

use sha2::{Digest, Sha256};

use super::Fake;

pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fake tool as the bytes of an executable script.
pub fn script(fake: &Fake) -> Vec<u8> {
    format!(
        "#!/bin/sh\nPATH=/usr/bin:/bin\nexport PATH\n{}\nexit 0\n",
        fake.body
    )
    .into_bytes()
}

/// One entry of a hand-made tar: any name, any type, any declared size.
pub struct TarEntry<'a> {
    pub name: &'a str,
    pub kind: tar::EntryType,
    pub data: &'a [u8],
    /// Size written in the header (defaults to `data.len()`).
    pub declared: Option<u64>,
    pub link: Option<&'a str>,
}

impl<'a> TarEntry<'a> {
    pub fn file(name: &'a str, data: &'a [u8]) -> Self {
        TarEntry {
            name,
            kind: tar::EntryType::Regular,
            data,
            declared: None,
            link: None,
        }
    }
}

/// A gzipped tar written header by header, so that hostile names and sizes are possible.
pub fn tar_gz(entries: &[TarEntry]) -> Vec<u8> {
    let mut raw = Vec::new();
    for e in entries {
        let mut h = tar::Header::new_old();
        let name = e.name.as_bytes();
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        if let Some(l) = e.link {
            h.as_old_mut().linkname[..l.len()].copy_from_slice(l.as_bytes());
        }
        h.set_entry_type(e.kind);
        h.set_size(e.declared.unwrap_or(e.data.len() as u64));
        h.set_mode(0o755);
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        raw.extend_from_slice(h.as_bytes());
        raw.extend_from_slice(e.data);
        raw.resize(raw.len().div_ceil(512) * 512, 0);
    }
    raw.extend_from_slice(&[0u8; 1024]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&raw).unwrap();
    gz.finish().unwrap()
}

/// A zip with (name, data, symlink?) entries.
pub fn zip(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data, link) in entries {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o755);
        if *link {
            w.add_symlink(*name, std::str::from_utf8(data).unwrap(), opts)
                .unwrap();
        } else {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
    }
    w.finish().unwrap().into_inner()
}

/// One `[tools.X]` table of a test manifest.
pub struct Release {
    pub tool: &'static str,
    pub version: String,
    /// Upstream URL (https://HOST/PATH), served by the test server at /HOST/PATH.
    pub url: String,
    pub archive: &'static str,
    pub path: Option<String>,
    pub sha256: Option<String>,
    pub checksum_url: Option<String>,
    pub extra: String,
}

impl Release {
    pub fn new(tool: &'static str, version: &str, file: &str, archive: &'static str) -> Release {
        Release {
            tool,
            version: version.into(),
            url: format!("https://dl.example.com/{tool}/{version}/{file}"),
            archive,
            path: None,
            sha256: None,
            checksum_url: None,
            extra: String::new(),
        }
    }

    /// The path the test server must serve it at (mirror layout).
    pub fn served_at(&self) -> String {
        format!("/{}", self.url.trim_start_matches("https://"))
    }

    pub fn pinned(mut self, bytes: &[u8]) -> Self {
        self.sha256 = Some(sha256(bytes));
        self
    }

    pub fn member(mut self, path: &str) -> Self {
        self.path = Some(path.into());
        self
    }

    pub fn toml(&self) -> String {
        let mut s = format!(
            "[tools.{}]\nversion = \"{}\"\nurl = \"{}\"\narchive = \"{}\"\n{}",
            self.tool, self.version, self.url, self.archive, self.extra
        );
        if let Some(p) = &self.path {
            s.push_str(&format!("path = \"{p}\"\n"));
        }
        if let Some(c) = &self.checksum_url {
            s.push_str(&format!("checksum_url = \"{c}\"\n"));
        }
        if let Some(h) = &self.sha256 {
            s.push_str(&format!(
                "[tools.{}.sha256]\n{} = \"{h}\"\n",
                self.tool,
                super::this_platform()
            ));
        }
        s
    }
}

pub fn manifest(releases: &[&Release]) -> String {
    let mut s = String::from("schema = 1\n\n");
    for r in releases {
        s.push_str(&r.toml());
        s.push('\n');
    }
    s
}
