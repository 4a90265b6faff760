//! `mirror DIR`: every pinned artifact and its checksum file, downloaded and verified into
//! `DIR/HOST/PATH` — the layout `--mirror` reads — so that any static file server, bucket or
//! artifact store serving DIR (or DIR itself, as `--mirror DIR`) replaces the upstreams.
//!
//! Checksum files come first (one per URL; VirtualBox's SHA256SUMS serves four platforms), then
//! the artifacts, a bounded number at a time, through the one fetch path: into the cache,
//! verified, then hard-linked (or copied) into DIR with a temp file and a rename, so DIR never
//! holds a partial file. A file already in DIR with the right hash is not fetched again; one
//! with the wrong bytes is repaired. The index `DIR/aladdin-doctor-mirror.json` lists every
//! file with its URL, size and sha256.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cancel;
use crate::core::checksum;
use crate::core::inert::inert_lines;
use crate::core::mirror::{
    self, ChecksumFile, Disagreement, FileKind, INDEX_FILE, Index, Item, MirrorError, Row, Stored,
};
use crate::core::plan::{Checksum, Download, mirror_url};
use crate::core::progress::{Phase, Progress};
use crate::core::report::Format;
use crate::core::tool::Platform;
use crate::core::upstream::{self, trusted_transport};
use crate::fsutil;
use crate::fsutil::hash_file;
use crate::modes::jobs::{PARALLEL, run_all};
use crate::modes::progress::Sink;
use crate::net::fetch::Fetcher;
use crate::session::{EXIT_FINDINGS, EXIT_OK, Fatal, Session, emit};

/// The largest index or checksum file read back from the mirror.
const MAX_SMALL_FILE: u64 = 16 << 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MirrorOptions {
    pub(crate) dir: PathBuf,
    /// Only these platforms (empty: all).
    pub(crate) platforms: Vec<Platform>,
    pub(crate) format: Format,
    pub(crate) quiet: bool,
}

/// What every job needs.
#[derive(Clone)]
struct Env {
    dir: PathBuf,
    fetcher: Arc<Fetcher>,
    /// `--mirror`: where to fetch from (a mirror of a mirror).
    source: Option<String>,
    old: Arc<Option<Index>>,
}

pub(crate) async fn run(session: &Session, opts: MirrorOptions) -> Result<u8, Fatal> {
    let ctx = &session.ctx;
    let plan = mirror::plan(upstream::all(
        &session.manifest,
        &session.tools,
        &opts.platforms,
    ));
    if plan.items.is_empty() {
        return Err(Fatal(
            "nothing to mirror: no selected tool supports the platforms asked for".into(),
        ));
    }
    fs::create_dir_all(&opts.dir)
        .map_err(|e| Fatal(format!("cannot create {}: {e}", opts.dir.display())))?;
    let dir = fs::canonicalize(&opts.dir)
        .map_err(|e| Fatal(format!("cannot use {}: {e}", opts.dir.display())))?;
    let index_path = dir.join(INDEX_FILE);
    let env = Env {
        dir: dir.clone(),
        fetcher: Arc::new(
            Fetcher::new(&ctx.cache_dir, ctx.fetch, ctx.cert_file.as_deref())
                .map_err(Fatal)?
                .traced(ctx.probe.trace.clone()),
        ),
        source: ctx.mirror.clone(),
        old: Arc::new(read_small(&index_path).and_then(|t| Index::parse(&t))),
    };
    let sink = Sink::new(opts.quiet, ctx.stderr_tty);

    let work = async {
        // The checksum files, then the artifacts that are verified against them.
        let jobs: Vec<_> = plan
            .checksums
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let names: Vec<String> = plan
                    .items
                    .iter()
                    .filter(|it| it.checksum == Some(i))
                    .map(|it| it.target.artifact.file_name().to_string())
                    .collect();
                let (c, env) = (c.clone(), env.clone());
                let progress = sink.labelled(format!("{} checksums", c.tool));
                async move { checksum_file(&c, &names, &env, &*progress).await }
            })
            .collect();
        let sums: Vec<(Row, Option<String>)> = run_all(jobs, PARALLEL)
            .await
            .into_iter()
            .zip(&plan.checksums)
            .map(|(r, c)| {
                r.unwrap_or_else(|e| (checksum_row(c, Err(MirrorError::Internal(e))), None))
            })
            .collect();
        let texts: Arc<Vec<Option<String>>> = Arc::new(sums.iter().map(|s| s.1.clone()).collect());
        let jobs: Vec<_> = plan
            .items
            .iter()
            .map(|item| {
                let (item, env, texts) = (item.clone(), env.clone(), texts.clone());
                let progress =
                    sink.labelled(format!("{} {}", item.target.tool, item.target.platform));
                let checksum = item.checksum.map(|i| (plan.checksums[i].url.clone(), i));
                async move {
                    let text = checksum.map(|(url, i)| (url, texts[i].clone()));
                    artifact(&item, text, &env, &*progress).await
                }
            })
            .collect();
        let items: Vec<Row> = run_all(jobs, PARALLEL)
            .await
            .into_iter()
            .zip(&plan.items)
            .map(|(r, it)| r.unwrap_or_else(|e| item_row(it, Err(MirrorError::Internal(e)))))
            .collect();
        (sums.into_iter().map(|s| s.0).collect::<Vec<_>>(), items)
    };
    let (sums, items) = tokio::select! {
        r = work => r,
        _ = cancel::terminated() => {
            sink.note("interrupted: the mirror holds only whole, verified files; run it again to finish");
            return Ok(EXIT_FINDINGS);
        }
    };

    // Each tool's artifacts, then its checksum files, in the manifest's order.
    let mut rows = Vec::new();
    for spec in &session.manifest.tools {
        rows.extend(items.iter().filter(|r| r.tool == spec.tool).cloned());
        rows.extend(sums.iter().filter(|r| r.tool == spec.tool).cloned());
    }
    let fresh = rows.iter().filter_map(Row::entry).collect();
    // An earlier entry stays while its file does (another --platforms, say); the old index is
    // only a file on disk, so a path that would leave DIR is dropped, never looked at.
    let index = mirror::merge((*env.old).clone(), fresh, &session.manifest.source, |e| {
        let inside = e
            .path
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != ".." && !s.contains('\\'));
        inside
            && fs::metadata(under(&dir, e.path.split('/')))
                .is_ok_and(|m| m.is_file() && m.len() == e.size)
    });
    fsutil::write_atomic(&index_path, index.render().as_bytes(), Some(0o644))
        .map_err(|e| Fatal(format!("cannot write {}: {e}", index_path.display())))?;
    let shown = dir.display().to_string();
    emit(&match opts.format {
        Format::Json => mirror::json(&rows, &shown, &session.manifest.source),
        Format::Text => {
            inert_lines(&mirror::text(&rows, &shown, &session.manifest.source, true)).into_owned()
        }
    })?;
    Ok(if rows.iter().all(Row::ok) {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}

fn under<'a>(dir: &Path, segments: impl IntoIterator<Item = &'a str>) -> PathBuf {
    let mut p = dir.to_path_buf();
    p.extend(segments);
    p
}

/// A small file's text (an index, a checksum file), or None.
fn read_small(path: &Path) -> Option<String> {
    let f = fs::File::open(path).ok()?;
    let mut text = String::new();
    f.take(MAX_SMALL_FILE).read_to_string(&mut text).ok()?;
    Some(text)
}

fn checksum_row(c: &ChecksumFile, result: Result<(Stored, u64, String), MirrorError>) -> Row {
    Row {
        tool: c.tool,
        platforms: c.platforms.clone(),
        kind: FileKind::Checksum,
        url: c.url.clone(),
        path: c
            .path
            .as_ref()
            .map_or_else(|_| c.url.clone(), |p| p.join("/")),
        result,
        disagreement: None,
    }
}

fn item_row(it: &Item, result: Result<(Stored, u64, String), MirrorError>) -> Row {
    Row {
        tool: it.target.tool,
        platforms: vec![it.target.platform],
        kind: FileKind::Artifact,
        url: it.target.artifact.url.clone(),
        path: it
            .path
            .as_ref()
            .map_or_else(|_| it.target.artifact.url.clone(), |p| p.join("/")),
        result,
        disagreement: None,
    }
}

/// A checksum file: kept when the mirror has it as the index says, else fetched, checked to
/// name at least one of its artifacts (`names`), and written. Returns its text for the
/// artifacts.
async fn checksum_file(
    c: &ChecksumFile,
    names: &[String],
    env: &Env,
    progress: &dyn Progress,
) -> (Row, Option<String>) {
    let row = |r| checksum_row(c, r);
    let rel = match &c.path {
        Ok(p) => p,
        Err(e) => return (row(Err(MirrorError::Layout(e.clone()))), None),
    };
    let dest = under(&env.dir, rel.iter().map(String::as_str));
    let key = rel.join("/");
    let on_disk = read_small(&dest);
    if let (Some(text), Some(entry)) = (
        &on_disk,
        env.old.as_ref().as_ref().and_then(|i| i.get(&key, &c.url)),
    ) && checksum::hex(&sha2_digest(text.as_bytes())) == entry.sha256
    {
        let got = (Stored::Present, text.len() as u64, entry.sha256.clone());
        return (row(Ok(got)), Some(text.clone()));
    }
    let url = mirror_url(&c.url, env.source.as_deref());
    progress.phase(c.tool, Phase::Checksum, url.clone());
    let text = match env.fetcher.checksum_text(&url).await {
        Ok(t) => t,
        Err(e) => return (row(Err(MirrorError::Fetch(e))), None),
    };
    // Never serve a checksum file that names none of our artifacts (an HTML page, say).
    if let Some(first) = names.first()
        && names.iter().all(|n| checksum::parse(&text, n).is_err())
    {
        let error = checksum::parse(&text, first).expect_err("all failed");
        return (row(Err(MirrorError::Checksum { url, error })), None);
    }
    let stored = match &on_disk {
        None => Stored::Downloaded,
        Some(old) if *old == text => Stored::Present,
        Some(_) => Stored::Repaired,
    };
    if let Err(e) = fsutil::write_atomic(&dest, text.as_bytes(), Some(0o644)) {
        let error = MirrorError::Io {
            path: dest.display().to_string(),
            detail: e.to_string(),
        };
        return (row(Err(error)), None);
    }
    progress.phase(c.tool, Phase::Done, key);
    let sha = checksum::hex(&sha2_digest(text.as_bytes()));
    (row(Ok((stored, text.len() as u64, sha))), Some(text))
}

fn sha2_digest(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

/// An artifact: verified against its pin (or its published checksum when it has none), kept
/// when DIR already has the right bytes, else fetched into the cache and placed into DIR.
async fn artifact(
    item: &Item,
    checksum: Option<(String, Option<String>)>,
    env: &Env,
    progress: &dyn Progress,
) -> Row {
    let mut row = item_row(
        item,
        Err(MirrorError::NoChecksum {
            tool: item.target.tool,
            version: item.target.version.clone(),
        }),
    );
    let a = &item.target.artifact;
    let tool = item.target.tool;
    let rel = match &item.path {
        Ok(p) => p,
        Err(e) => {
            row.result = Err(MirrorError::Layout(e.clone()));
            return row;
        }
    };
    // What upstream publishes for this file, if anything.
    let published = checksum.map(|(url, text)| match text {
        Some(t) => checksum::parse(&t, a.file_name())
            .map_err(|error| MirrorError::Checksum {
                url: url.clone(),
                error,
            })
            .map(|h| (h, url)),
        None => Err(MirrorError::ChecksumFileFailed { url }),
    });
    let (expected, how) = match (&a.sha256, published) {
        (Some(pinned), published) => {
            if let Some(Ok((h, url))) = published
                && h != *pinned
            {
                row.disagreement = Some(Disagreement {
                    pinned: pinned.clone(),
                    published: h,
                    url,
                });
            }
            (pinned.clone(), Checksum::Pinned(pinned.clone()))
        }
        (None, Some(Ok((h, url)))) => {
            let from = mirror_url(&url, env.source.as_deref());
            if !trusted_transport(&from) {
                row.result = Err(MirrorError::InsecureChecksum { url: from });
                return row;
            }
            (
                h,
                Checksum::Url {
                    url: from,
                    upstream: url,
                },
            )
        }
        (None, Some(Err(e))) => {
            row.result = Err(e);
            return row;
        }
        (None, None) => return row,
    };

    let dest = under(&env.dir, rel.iter().map(String::as_str));
    let existed = dest.exists();
    if existed {
        progress.phase(tool, Phase::Verify, "the mirror's copy");
        let d2 = dest.clone();
        let have = tokio::task::spawn_blocking(move || hash_file(&d2)).await;
        if let Ok(Ok(h)) = have
            && h == expected
        {
            let size = fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
            progress.phase(tool, Phase::Done, "present");
            row.result = Ok((Stored::Present, size, expected));
            return row;
        }
    }
    let d = Download {
        tool,
        from: None,
        to: item.target.version.clone(),
        url: mirror_url(&a.url, env.source.as_deref()),
        upstream_url: a.url.clone(),
        archive: a.archive,
        member: a.member.clone(),
        checksum: how,
        file_name: a.file_name().to_string(),
        dest: dest.clone(),
    };
    let cached = match env.fetcher.fetch(&d, progress).await {
        Ok(f) => f.path,
        Err(e) => {
            progress.phase(tool, Phase::Failed, e.to_string());
            row.result = Err(MirrorError::Fetch(e));
            return row;
        }
    };
    let (from, to) = (cached.clone(), dest.clone());
    let placed = tokio::task::spawn_blocking(move || place(&from, &to)).await;
    row.result = match placed {
        Ok(Ok(size)) => {
            progress.phase(tool, Phase::Done, rel.join("/"));
            Ok((
                if existed {
                    Stored::Repaired
                } else {
                    Stored::Downloaded
                },
                size,
                expected,
            ))
        }
        Ok(Err(e)) => Err(MirrorError::Io {
            path: dest.display().to_string(),
            detail: e.to_string(),
        }),
        Err(e) => Err(MirrorError::Internal(e.to_string())),
    };
    row
}

/// Puts the verified cache file at `dest`: a hard link when both are on one file system (no
/// second copy), else a copy; through a temp file and a rename either way. Returns the size.
fn place(cached: &Path, dest: &Path) -> std::io::Result<u64> {
    let dir = dest.parent().expect("a file in the mirror has a directory");
    fs::create_dir_all(dir)?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = fsutil::TempFile::new(fsutil::temp_path(dir, &name));
    if fs::hard_link(cached, tmp.path()).is_err() {
        fs::copy(cached, tmp.path())?;
        fs::File::open(tmp.path())?.sync_all()?;
    }
    fs::rename(tmp.path(), dest)?;
    tmp.keep();
    fsutil::sync_dir(dir);
    Ok(fs::metadata(dest)?.len())
}
