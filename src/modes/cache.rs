//! `cache`: what the download cache and the probe cache hold; `cache clean`: remove partial
//! downloads and the artifacts the manifest in use no longer pins (for any platform), or, with
//! `--all`, everything. The rules are in `core::cache`.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::cancel::Cancel;
use crate::core::cache::{self, Entry, Kind, Tallies};
use crate::core::inert::inert_lines;
use crate::core::progress::Quiet;
use crate::core::report::Format;
use crate::install::lock;
use crate::net::fetch;
use crate::probe::cache::FILE as PROBE_CACHE;
use crate::session::{EXIT_FINDINGS, EXIT_OK, Fatal, Session, emit};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CacheOptions {
    /// `cache clean`: (`--all`, `--dry-run`).
    pub(crate) clean: Option<(bool, bool)>,
    pub(crate) format: Format,
}

#[derive(Serialize)]
struct JsonShow<'a> {
    schema: u32,
    cache_dir: String,
    /// Where the probe cache lives (its size is in `tallies.probe_cache`).
    probe_cache_file: String,
    #[serde(flatten)]
    tallies: &'a Tallies,
}

#[derive(Serialize)]
struct JsonRemoved {
    path: String,
    bytes: u64,
}

#[derive(Serialize)]
struct JsonClean {
    schema: u32,
    dry_run: bool,
    removed: Vec<JsonRemoved>,
    bytes: u64,
    failed: Vec<JsonRemoved>,
}

pub(crate) async fn run(session: &Session, opts: CacheOptions) -> Result<u8, Fatal> {
    let ctx = &session.ctx;
    let probe_cache = ctx.state_dir.join(PROBE_CACHE);
    let mut entries = fetch::inventory(&ctx.cache_dir);
    if let Ok(m) = std::fs::metadata(&probe_cache) {
        entries.push(Entry {
            path: probe_cache.clone(),
            size: m.len(),
            kind: Kind::ProbeCache,
        });
    }
    let wanted = cache::wanted(&session.manifest, ctx.mirror.as_deref(), |url| {
        fetch::learned_hash(&ctx.cache_dir, url)
    });
    let Some((all, dry_run)) = opts.clean else {
        let t = cache::tally(&entries, &wanted);
        emit(&match opts.format {
            Format::Text => inert_lines(&cache::show_text(
                &ctx.cache_dir.display().to_string(),
                &probe_cache.display().to_string(),
                &t,
            ))
            .into_owned(),
            Format::Json => json(&JsonShow {
                schema: 1,
                cache_dir: ctx.cache_dir.display().to_string(),
                probe_cache_file: probe_cache.display().to_string(),
                tallies: &t,
            }),
        })?;
        return Ok(EXIT_OK);
    };

    let remove = cache::to_remove(&entries, &wanted, all);
    // No download may be under way while its partial file or its artifact goes: hold the lock
    // `--fix` holds.
    let _lock = if dry_run || remove.is_empty() {
        None
    } else {
        Some(
            lock::acquire(&ctx.cache_dir, Duration::ZERO, &Quiet, &Cancel::default())
                .await
                .map_err(|e| Fatal(e.to_string()))?,
        )
    };
    let mut failed: Vec<(PathBuf, String)> = Vec::new();
    if !dry_run {
        for e in &remove {
            if let Err(err) = std::fs::remove_file(&e.path)
                && err.kind() != std::io::ErrorKind::NotFound
            {
                failed.push((e.path.clone(), err.to_string()));
            }
            // An artifact's directory (`sha256/<hash>/`) goes with its last file.
            if let (Kind::Artifact { .. }, Some(dir)) = (&e.kind, e.path.parent()) {
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
    let removed: Vec<&Entry> = remove
        .into_iter()
        .filter(|e| !failed.iter().any(|(p, _)| *p == e.path))
        .collect();
    emit(&match opts.format {
        Format::Text => inert_lines(&cache::clean_text(&removed, &failed, dry_run)).into_owned(),
        Format::Json => json(&JsonClean {
            schema: 1,
            dry_run,
            bytes: removed.iter().map(|e| e.size).sum(),
            removed: removed
                .iter()
                .map(|e| JsonRemoved {
                    path: e.path.display().to_string(),
                    bytes: e.size,
                })
                .collect(),
            failed: failed
                .iter()
                .map(|(p, _)| JsonRemoved {
                    path: p.display().to_string(),
                    bytes: 0,
                })
                .collect(),
        }),
    })?;
    Ok(if failed.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}

fn json(v: &impl Serialize) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("serialises");
    s.push('\n');
    s
}
