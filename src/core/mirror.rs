//! PURE: the layout of an offline mirror and its index.
//!
//! `--mirror BASE` fetches `https://HOST/PATH` from `BASE/HOST/PATH` (`core::plan::mirror_url`),
//! so `aladdin-doctor mirror DIR` stores every file at `DIR/HOST/PATH`, with PATH
//! percent-decoded as a static file server decodes a request path. A `file://` base (or a plain
//! directory, which the context turns into one) is read by the same rules, so a directory
//! written by `mirror` works as `--mirror` on the same machine, served over HTTP, or copied
//! into a bucket.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::checksum::ChecksumError;
use crate::core::failure::FetchError;
use crate::core::tool::{Platform, Tool};
use crate::core::upstream::Target;

/// The index `mirror` writes at the top of the directory.
pub(crate) const INDEX_FILE: &str = "aladdin-doctor-mirror.json";

/// Why a URL has no place in a mirror directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LayoutError {
    /// Not `http(s)://HOST/PATH` (or, for a mirror base, not `file:///PATH`).
    Scheme,
    /// `file://` with a host other than `localhost`.
    RemoteFile,
    /// A query or a fragment: no file name can stand for it.
    Query,
    /// A path segment that is empty, `.`, `..`, or holds a separator or NUL once decoded.
    Segment(String),
    /// A `%` not followed by two hex digits, or an escape that decodes to invalid UTF-8.
    Escape(String),
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayoutError::Scheme => write!(f, "not an http(s) URL with a host and a path"),
            LayoutError::RemoteFile => write!(
                f,
                "a file:// URL must name a path on this machine (file:///PATH)"
            ),
            LayoutError::Query => write!(
                f,
                "it has a query or a fragment, which no file can stand for"
            ),
            LayoutError::Segment(s) => {
                write!(
                    f,
                    "its path segment `{s}` cannot be a file or directory name"
                )
            }
            LayoutError::Escape(s) => write!(f, "`{s}` is not a valid percent-escape"),
        }
    }
}

/// `https://HOST/PATH` → `[HOST, segment, …]`: where a mirror keeps it, relative to its root.
pub(crate) fn layout_path(url: &str) -> Result<Vec<String>, LayoutError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or(LayoutError::Scheme)?;
    if rest.contains(['?', '#']) {
        return Err(LayoutError::Query);
    }
    let (host, path) = rest.split_once('/').ok_or(LayoutError::Scheme)?;
    if host.is_empty() || path.is_empty() {
        return Err(LayoutError::Scheme);
    }
    let mut out = vec![segment(host, false)?];
    for s in path.split('/') {
        out.push(segment(s, true)?);
    }
    Ok(out)
}

/// One path segment, decoded and checked.
fn segment(raw: &str, decode: bool) -> Result<String, LayoutError> {
    let s = if decode {
        percent_decode(raw)?
    } else {
        raw.to_string()
    };
    if s.is_empty() || s == "." || s == ".." || s.contains(['/', '\\', '\0']) {
        return Err(LayoutError::Segment(raw.to_string()));
    }
    Ok(s)
}

fn percent_decode(s: &str) -> Result<String, LayoutError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| LayoutError::Escape(s.to_string()))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| LayoutError::Escape(s.to_string()))
}

/// The `file://` URL of an absolute directory, percent-encoded where a URL needs it.
pub(crate) fn file_url(abs_path: &str) -> String {
    let mut out = String::from("file://");
    for b in abs_path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The absolute local path a `file://` URL names (decoded); `Ok(None)` for any other URL.
/// `..` and `.` are refused, so a URL from versions.toml cannot climb out of the mirror.
pub(crate) fn file_path(url: &str) -> Result<Option<String>, LayoutError> {
    let Some(rest) = url.strip_prefix("file://") else {
        return Ok(None);
    };
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return Err(LayoutError::RemoteFile);
    }
    if rest.contains(['?', '#']) {
        return Err(LayoutError::Query);
    }
    let mut out = String::new();
    for raw in rest.split('/').filter(|s| !s.is_empty()) {
        let s = percent_decode(raw)?;
        if s == "." || s == ".." || s.contains(['/', '\0']) {
            return Err(LayoutError::Segment(raw.to_string()));
        }
        out.push('/');
        out.push_str(&s);
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(Some(out))
}

// ----- the plan ---------------------------------------------------------------------------------

/// A published checksum file to mirror (one file may serve several platforms, like VirtualBox's
/// `SHA256SUMS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChecksumFile {
    pub(crate) tool: Tool,
    pub(crate) platforms: Vec<Platform>,
    /// As written in versions.toml.
    pub(crate) url: String,
    pub(crate) path: Result<Vec<String>, LayoutError>,
}

/// An artifact to mirror.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Item {
    pub(crate) target: Target,
    pub(crate) path: Result<Vec<String>, LayoutError>,
    /// Its checksum file, an index into `MirrorPlan::checksums`.
    pub(crate) checksum: Option<usize>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct MirrorPlan {
    pub(crate) checksums: Vec<ChecksumFile>,
    pub(crate) items: Vec<Item>,
}

/// Every artifact of `targets`, and each distinct checksum file once.
pub(crate) fn plan(targets: Vec<Target>) -> MirrorPlan {
    let mut p = MirrorPlan::default();
    for target in targets {
        let checksum = target.artifact.checksum_url.as_ref().map(|url| {
            match p.checksums.iter().position(|c| &c.url == url) {
                Some(i) => {
                    p.checksums[i].platforms.push(target.platform);
                    i
                }
                None => {
                    p.checksums.push(ChecksumFile {
                        tool: target.tool,
                        platforms: vec![target.platform],
                        url: url.clone(),
                        path: layout_path(url),
                    });
                    p.checksums.len() - 1
                }
            }
        });
        p.items.push(Item {
            path: layout_path(&target.artifact.url),
            target,
            checksum,
        });
    }
    p
}

// ----- the index -------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FileKind {
    Artifact,
    Checksum,
}

/// One file of the mirror, as the index lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IndexEntry {
    /// Relative to the mirror's root, `/`-separated: `HOST/PATH`.
    pub(crate) path: String,
    /// The upstream URL it mirrors.
    pub(crate) url: String,
    pub(crate) size: u64,
    pub(crate) sha256: String,
    pub(crate) kind: FileKind,
    pub(crate) tool: String,
    pub(crate) platforms: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Index {
    pub(crate) schema: u32,
    pub(crate) generator: String,
    /// Where the pins came from.
    pub(crate) manifest: String,
    pub(crate) files: Vec<IndexEntry>,
}

impl Index {
    /// An index file's text, or None when it is not one (it is then rebuilt from scratch).
    pub(crate) fn parse(text: &str) -> Option<Index> {
        serde_json::from_str::<Index>(text)
            .ok()
            .filter(|i| i.schema == 1)
    }

    /// The entry for `path` with this `url`.
    pub(crate) fn get(&self, path: &str, url: &str) -> Option<&IndexEntry> {
        self.files.iter().find(|e| e.path == path && e.url == url)
    }

    pub(crate) fn render(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("an index serializes");
        s.push('\n');
        s
    }
}

/// The index after a run: this run's entries, plus earlier entries for files this run did not
/// touch that `still_there` confirms (another `--platforms`, say). Sorted by path.
pub(crate) fn merge(
    old: Option<Index>,
    fresh: Vec<IndexEntry>,
    manifest: &str,
    still_there: impl Fn(&IndexEntry) -> bool,
) -> Index {
    let mut files = fresh;
    for e in old.map(|o| o.files).unwrap_or_default() {
        if !files.iter().any(|f| f.path == e.path) && still_there(&e) {
            files.push(e);
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Index {
        schema: 1,
        generator: concat!("aladdin-doctor ", env!("CARGO_PKG_VERSION")).to_string(),
        manifest: manifest.to_string(),
        files,
    }
}

// ----- what a run did ------------------------------------------------------------------------------

/// A file that is in the mirror now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stored {
    /// Already there with the right hash: not downloaded.
    Present,
    Downloaded,
    /// There, but with the wrong bytes: downloaded again.
    Repaired,
}

/// Why a file is not in the mirror.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MirrorError {
    Layout(LayoutError),
    Fetch(FetchError),
    /// The checksum file names no hash for this artifact.
    Checksum {
        url: String,
        error: ChecksumError,
    },
    /// Its checksum file could not be mirrored (that row says why).
    ChecksumFileFailed {
        url: String,
    },
    /// Neither a pinned sha256 nor a checksum_url: nothing to verify against.
    NoChecksum {
        tool: Tool,
        version: String,
    },
    /// Only a checksum fetched over plain http: nothing to verify against either.
    InsecureChecksum {
        url: String,
    },
    Io {
        path: String,
        detail: String,
    },
    Internal(String),
}

impl fmt::Display for MirrorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MirrorError::Layout(e) => write!(f, "cannot be laid out in a mirror: {e}"),
            MirrorError::Fetch(e) => write!(f, "{e}"),
            MirrorError::Checksum { url, error } => write!(f, "{url}: {error}"),
            MirrorError::ChecksumFileFailed { url } => {
                write!(
                    f,
                    "its checksum file {url} could not be mirrored (see its row)"
                )
            }
            MirrorError::NoChecksum { tool, version } => write!(
                f,
                "versions.toml pins no sha256 and names no checksum_url, so it could not be verified: fill the hashes with `aladdin-doctor pins update {tool} {version} --manifest versions.toml`"
            ),
            MirrorError::InsecureChecksum { url } => write!(
                f,
                "its only checksum comes over plain http ({url}), which proves nothing: pin its sha256 (`aladdin-doctor pins update`), or mirror from an https source"
            ),
            MirrorError::Io { path, detail } => write!(f, "cannot write {path}: {detail}"),
            MirrorError::Internal(d) => write!(f, "internal error: {d}"),
        }
    }
}

/// A published checksum that disagrees with the pin: the artifact was mirrored against the pin,
/// but someone has to look.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Disagreement {
    pub(crate) pinned: String,
    pub(crate) published: String,
    pub(crate) url: String,
}

/// One file of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) tool: Tool,
    pub(crate) platforms: Vec<Platform>,
    pub(crate) kind: FileKind,
    /// Upstream, as written in versions.toml.
    pub(crate) url: String,
    /// `HOST/PATH`, or the URL when it has no layout.
    pub(crate) path: String,
    pub(crate) result: Result<(Stored, u64, String), MirrorError>,
    pub(crate) disagreement: Option<Disagreement>,
}

impl Row {
    pub(crate) fn ok(&self) -> bool {
        self.result.is_ok() && self.disagreement.is_none()
    }

    pub(crate) fn entry(&self) -> Option<IndexEntry> {
        let (_, size, sha256) = self.result.as_ref().ok()?;
        Some(IndexEntry {
            path: self.path.clone(),
            url: self.url.clone(),
            size: *size,
            sha256: sha256.clone(),
            kind: self.kind,
            tool: self.tool.name().to_string(),
            platforms: self.platforms.iter().map(|p| p.to_string()).collect(),
        })
    }
}

fn platforms_text(ps: &[Platform]) -> String {
    if ps.len() == Platform::all().count() {
        return "all".into();
    }
    ps.iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Bytes for people: `1.4 MB`.
pub(crate) fn size_text(n: u64) -> String {
    match n {
        n if n >= 1_000_000_000 => format!("{:.1} GB", n as f64 / 1e9),
        n if n >= 1_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        n if n >= 1_000 => format!("{:.1} kB", n as f64 / 1e3),
        n => format!("{n} B"),
    }
}

/// The summary of a run: a row per file, the failures spelled out, and how to use the mirror.
pub(crate) fn text(rows: &[Row], dir: &str, manifest: &str, index_written: bool) -> String {
    use std::fmt::Write as _;
    let mut out = format!("aladdin-doctor mirror · pins from {manifest} · into {dir}\n\n");
    let _ = writeln!(
        out,
        "{:<10} {:<13} {:>9}  {:<10} file",
        "tool", "platform", "size", "result"
    );
    for r in rows {
        let (word, size) = match (&r.result, &r.disagreement) {
            (Ok((_, n, _)), Some(_)) => ("MISMATCH", size_text(*n)),
            (Ok((s, n, _)), None) => (
                match s {
                    Stored::Present => "present",
                    Stored::Downloaded => "downloaded",
                    Stored::Repaired => "repaired",
                },
                size_text(*n),
            ),
            (Err(_), _) => ("FAILED", String::new()),
        };
        let _ = writeln!(
            out,
            "{:<10} {:<13} {:>9}  {word:<10} {}",
            r.tool.name(),
            platforms_text(&r.platforms),
            size,
            r.path
        );
        if let Err(e) = &r.result {
            let _ = writeln!(out, "    {e}");
        }
        if let Some(d) = &r.disagreement {
            let _ = writeln!(
                out,
                "    mirrored against the pinned sha256 {}, but {} publishes {}: check the pin (`aladdin-doctor pins check`)",
                d.pinned, d.url, d.published
            );
        }
    }
    let ok: Vec<&Row> = rows.iter().filter(|r| r.result.is_ok()).collect();
    let bytes: u64 = ok
        .iter()
        .filter_map(|r| r.result.as_ref().ok().map(|x| x.1))
        .sum();
    let fetched = ok
        .iter()
        .filter(|r| matches!(r.result, Ok((Stored::Downloaded | Stored::Repaired, _, _))))
        .count();
    let bad = rows.iter().filter(|r| !r.ok()).count();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{} {} of {} files in the mirror ({}), {fetched} fetched in this run{}",
        if bad == 0 { "✓" } else { "✗" },
        ok.len(),
        rows.len(),
        size_text(bytes),
        if index_written {
            format!("; index {dir}/{INDEX_FILE}")
        } else {
            String::new()
        }
    );
    if bad > 0 {
        let _ = writeln!(out, "✗ {bad} need attention (above)");
    }
    let _ = writeln!(
        out,
        "Serve {dir} with any static file server (or bucket) and run `aladdin-doctor --fix --mirror URL`; on this machine `aladdin-doctor --fix --mirror {dir}` reads it directly."
    );
    out
}

#[derive(Serialize)]
struct JsonRun<'a> {
    schema: u32,
    ok: bool,
    dir: &'a str,
    manifest: &'a str,
    files: Vec<JsonRow>,
}

#[derive(Serialize)]
struct JsonRow {
    tool: &'static str,
    platforms: Vec<String>,
    kind: FileKind,
    url: String,
    path: String,
    /// present | downloaded | repaired | failed
    result: &'static str,
    size: Option<u64>,
    sha256: Option<String>,
    error: Option<String>,
    /// The published checksum, where it disagrees with the pin.
    published: Option<String>,
}

pub(crate) fn json(rows: &[Row], dir: &str, manifest: &str) -> String {
    let files = rows
        .iter()
        .map(|r| JsonRow {
            tool: r.tool.name(),
            platforms: r.platforms.iter().map(|p| p.to_string()).collect(),
            kind: r.kind,
            url: r.url.clone(),
            path: r.path.clone(),
            result: match &r.result {
                Ok((Stored::Present, ..)) => "present",
                Ok((Stored::Downloaded, ..)) => "downloaded",
                Ok((Stored::Repaired, ..)) => "repaired",
                Err(_) => "failed",
            },
            size: r.result.as_ref().ok().map(|x| x.1),
            sha256: r.result.as_ref().ok().map(|x| x.2.clone()),
            error: r.result.as_ref().err().map(|e| e.to_string()),
            published: r.disagreement.as_ref().map(|d| d.published.clone()),
        })
        .collect();
    let run = JsonRun {
        schema: 1,
        ok: rows.iter().all(Row::ok),
        dir,
        manifest,
        files,
    };
    let mut s = serde_json::to_string_pretty(&run).expect("a run serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::manifest::Manifest;
    use crate::core::upstream;

    #[test]
    fn urls_map_to_host_and_decoded_path() {
        assert_eq!(
            layout_path("https://dl.k8s.io/release/v1.30.6/bin/linux/amd64/kubectl").unwrap(),
            [
                "dl.k8s.io",
                "release",
                "v1.30.6",
                "bin",
                "linux",
                "amd64",
                "kubectl"
            ]
        );
        assert_eq!(
            layout_path("http://127.0.0.1:8080/a%20b/c%2Bd").unwrap(),
            ["127.0.0.1:8080", "a b", "c+d"]
        );
        for (url, err) in [
            (
                "https://h/a/../../etc/passwd",
                LayoutError::Segment("..".into()),
            ),
            (
                "https://h/a/%2e%2e/x",
                LayoutError::Segment("%2e%2e".into()),
            ),
            ("https://h/a%2Fb", LayoutError::Segment("a%2Fb".into())),
            ("https://h/a//b", LayoutError::Segment("".into())),
            ("https://h/dir/", LayoutError::Segment("".into())),
            ("https://h/a?x=1", LayoutError::Query),
            ("https://h", LayoutError::Scheme),
            ("ftp://h/a", LayoutError::Scheme),
            ("https://h/%zz", LayoutError::Escape("%zz".into())),
            ("https://h/%ff", LayoutError::Escape("%ff".into())),
        ] {
            assert_eq!(layout_path(url), Err(err), "{url}");
        }
    }

    #[test]
    fn file_urls_round_trip_and_stay_inside() {
        let u = file_url("/srv/my mirror/100%");
        assert_eq!(u, "file:///srv/my%20mirror/100%25");
        assert_eq!(
            file_path(&u).unwrap().as_deref(),
            Some("/srv/my mirror/100%")
        );
        assert_eq!(
            file_path("file://localhost/srv/m/dl.k8s.io/a%20b")
                .unwrap()
                .as_deref(),
            Some("/srv/m/dl.k8s.io/a b")
        );
        assert_eq!(file_path("https://h/a").unwrap(), None);
        assert_eq!(
            file_path("file://server/share/x"),
            Err(LayoutError::RemoteFile)
        );
        assert_eq!(
            file_path("file:///srv/m/h/../../etc/passwd"),
            Err(LayoutError::Segment("..".into()))
        );
    }

    #[test]
    fn the_plan_shares_checksum_files() {
        let m = Manifest::embedded().unwrap();
        let p = plan(upstream::all(&m, &[Tool::Virtualbox, Tool::Docker], &[]));
        assert_eq!(p.items.len(), 9, "docker 5 + virtualbox 4");
        // VirtualBox: one SHA256SUMS for its four platforms; docker publishes none.
        assert_eq!(p.checksums.len(), 1);
        assert_eq!(p.checksums[0].platforms.len(), 4);
        assert_eq!(
            p.checksums[0].path.as_ref().unwrap().join("/"),
            "download.virtualbox.org/virtualbox/7.2.10/SHA256SUMS"
        );
        let vbox: Vec<_> = p
            .items
            .iter()
            .filter(|i| i.target.tool == Tool::Virtualbox)
            .collect();
        assert!(vbox.iter().all(|i| i.checksum == Some(0)));
        assert!(
            p.items
                .iter()
                .filter(|i| i.target.tool == Tool::Docker)
                .all(|i| i.checksum.is_none())
        );
    }

    fn entry(path: &str) -> IndexEntry {
        IndexEntry {
            path: path.into(),
            url: format!("https://{path}"),
            size: 3,
            sha256: "ab".repeat(32),
            kind: FileKind::Artifact,
            tool: "kubectl".into(),
            platforms: vec!["linux-amd64".into()],
        }
    }

    #[test]
    fn the_index_keeps_earlier_files_that_are_still_there() {
        let old = Index {
            schema: 1,
            generator: "x".into(),
            manifest: "m".into(),
            files: vec![entry("h/b"), entry("h/gone"), entry("h/a")],
        };
        let text = old.render();
        let parsed = Index::parse(&text).unwrap();
        assert_eq!(parsed, old);
        assert!(Index::parse("{\"schema\": 2, \"files\": []}").is_none());
        assert!(Index::parse("not json").is_none());
        let mut fresh = entry("h/a");
        fresh.size = 9;
        let merged = merge(Some(parsed), vec![fresh.clone(), entry("h/c")], "m", |e| {
            e.path != "h/gone"
        });
        let paths: Vec<&str> = merged.files.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["h/a", "h/b", "h/c"]);
        assert_eq!(merged.files[0], fresh, "this run's entry wins");
    }

    #[test]
    fn the_summary_names_failures_and_how_to_serve() {
        let row = |path: &str, result| Row {
            tool: Tool::Kubectl,
            platforms: vec![Platform::all().next().unwrap()],
            kind: FileKind::Artifact,
            url: format!("https://{path}"),
            path: path.into(),
            result,
            disagreement: None,
        };
        let rows = vec![
            row(
                "dl.k8s.io/a",
                Ok((Stored::Downloaded, 1_500_000, "aa".into())),
            ),
            row("dl.k8s.io/b", Ok((Stored::Present, 10, "bb".into()))),
            row(
                "dl.k8s.io/c",
                Err(MirrorError::NoChecksum {
                    tool: Tool::Docker,
                    version: "27.3.1".into(),
                }),
            ),
        ];
        let t = text(&rows, "/srv/m", "versions.toml", true);
        assert!(t.contains("downloaded"), "{t}");
        assert!(t.contains("1.5 MB"), "{t}");
        assert!(
            t.contains("FAILED     dl.k8s.io/c\n    versions.toml pins no sha256"),
            "{t}"
        );
        assert!(t.contains("pins update docker 27.3.1 --manifest"), "{t}");
        assert!(
            t.contains("✗ 2 of 3 files in the mirror (1.5 MB), 1 fetched"),
            "{t}"
        );
        assert!(t.contains("--fix --mirror /srv/m"), "{t}");
        let j: serde_json::Value = serde_json::from_str(&json(&rows, "/srv/m", "v")).unwrap();
        assert_eq!(j["ok"], false);
        assert_eq!(j["files"][0]["result"], "downloaded");
        assert_eq!(j["files"][2]["result"], "failed");
        assert!(
            j["files"][2]["error"]
                .as_str()
                .unwrap()
                .contains("pins update")
        );
    }
}
