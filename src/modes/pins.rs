//! `pins update TOOL VERSION` and `pins check`: the platform team's side of versions.toml.
//!
//! Both walk every platform a tool supports, not just this machine's, a bounded number at a time,
//! through the one fetch path (cache, retries, limits, proxy, CA, `--mirror`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cancel;
use crate::context::Context;
use crate::core::checksum;
use crate::core::diff;
use crate::core::inert::inert_lines;
use crate::core::manifest::{Manifest, ToolSpec};
use crate::core::pins::edit;
use crate::core::pins::{
    CheckRow, ChecksumProblem, Learned, PlatformUpdate, UpdateError, UpdateReport, UpdateResult,
    check_json, check_text, update_json, update_text,
};
use crate::core::plan::{Checksum, Download, mirror_url};
use crate::core::progress::{Phase, Progress};
use crate::core::report::Format;
use crate::core::tool::{Platform, Tool};
use crate::core::upstream::{self, Target, trusted_transport};
use crate::fsutil;
use crate::modes::jobs::{PARALLEL, run_all};
use crate::modes::progress::Sink;
use crate::net::fetch::Fetcher;
use crate::session::{EXIT_FINDINGS, EXIT_OK, Fatal, Session, emit, read_manifest};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UpdateOptions {
    pub(crate) tool: Tool,
    pub(crate) version: String,
    /// VirtualBox's build number for the new version.
    pub(crate) revision: Option<u64>,
    pub(crate) dry_run: bool,
    pub(crate) allow_missing: bool,
    pub(crate) quiet: bool,
    pub(crate) format: Format,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CheckOptions {
    pub(crate) format: Format,
    /// Only these platforms (empty: all).
    pub(crate) platforms: Vec<Platform>,
}

fn fetcher(ctx: &Context) -> Result<Arc<Fetcher>, Fatal> {
    Fetcher::new(&ctx.cache_dir, ctx.fetch, ctx.cert_file.as_deref())
        .map(|f| f.traced(ctx.probe.trace.clone()))
        .map(Arc::new)
        .map_err(Fatal)
}

/// `pins update`: set the pin, learn every supported platform's sha256, and write the file —
/// only when every platform succeeded, and only after the strict parser accepts the result.
pub(crate) async fn update(ctx: &Context, opts: UpdateOptions) -> Result<u8, Fatal> {
    let tool = opts.tool;
    let path = ctx.manifest_path.as_deref().ok_or_else(|| {
        Fatal(format!(
            "pins update edits a versions.toml file, and the one embedded in aladdin-doctor cannot be edited\n  help: pass the file with --manifest PATH (or ALADDIN_DOCTOR_MANIFEST), e.g. the repository's versions.toml, which is the one compiled in: `aladdin-doctor pins update {tool} {} --manifest versions.toml`",
            opts.version
        ))
    })?;
    let name = path.display().to_string();
    let original = read_manifest(path)?;
    let before = Manifest::parse(&original, &name)?;
    let spec = before.get(tool).ok_or_else(|| {
        Fatal(format!(
            "{name} pins no {tool}: add a [tools.{tool}] table with its url first (see README, versions.toml)"
        ))
    })?;
    check_revision(spec, &opts)?;
    let from = spec.pin_display();

    // The new pin, checked by the strict parser before anything goes over the network.
    let pinned = edit::set_version(&original, tool, &opts.version, opts.revision)
        .map_err(|e| Fatal(format!("cannot edit {name}: {e}")))?;
    let after = Manifest::parse(&pinned, &name).map_err(|e| {
        Fatal(format!(
            "{tool} {} cannot be pinned; nothing was written:\n{e}",
            opts.version
        ))
    })?;
    let spec = after.get(tool).expect("the tool is still there").clone();

    let fetcher = fetcher(ctx)?;
    let sink = Sink::new(opts.quiet, ctx.stderr_tty);
    let jobs: Vec<_> = upstream::of_tool(&spec, &[])
        .into_iter()
        .map(|target| {
            let (fetcher, mirror) = (fetcher.clone(), ctx.mirror.clone());
            let progress = sink.labelled(format!("{tool} {}", target.platform));
            async move {
                let u = learn(&target, &fetcher, mirror.as_deref(), &*progress).await;
                let (phase, detail) = match &u {
                    PlatformUpdate::Hash { sha256, .. } => (Phase::Done, sha256.clone()),
                    PlatformUpdate::Missing(e) => (Phase::Failed, format!("missing: {e}")),
                    PlatformUpdate::Failed(_) => (Phase::Failed, String::new()),
                };
                progress.phase(tool, phase, detail);
                (target.platform, u)
            }
        })
        .collect();
    let results = tokio::select! {
        r = run_all(jobs, PARALLEL) => r,
        _ = cancel::terminated() => {
            sink.note("interrupted: nothing was written");
            return Ok(EXIT_FINDINGS);
        }
    };
    let platforms: Vec<(Platform, PlatformUpdate)> = results
        .into_iter()
        .zip(upstream::of_tool(&spec, &[]))
        .map(|(r, t)| {
            r.unwrap_or_else(|e| (t.platform, PlatformUpdate::Failed(UpdateError::Internal(e))))
        })
        .collect();

    let accept_excludes = spec
        .accept
        .as_ref()
        .filter(|(_, req)| !req.matches(&spec.pin.to_semver()))
        .map(|(text, _)| text.clone());
    let mut report = UpdateReport {
        tool,
        from,
        to: spec.pin_display(),
        platforms,
        allow_missing: opts.allow_missing,
        accept_excludes,
        result: UpdateResult::NotWritten,
    };
    // Text from outside (server errors, checksum files) is made inert before a terminal sees it.
    let render = |r: &UpdateReport| match opts.format {
        Format::Json => update_json(r),
        Format::Text => inert_lines(&update_text(r)).into_owned(),
    };
    if report.failed() {
        emit(&render(&report))?;
        return Ok(EXIT_FINDINGS);
    }

    let mut hashes = BTreeMap::new();
    let mut missing = Vec::new();
    for (p, u) in &report.platforms {
        match u {
            PlatformUpdate::Hash { sha256, .. } => {
                hashes.insert(*p, sha256.clone());
            }
            PlatformUpdate::Missing(_) => missing.push(*p),
            PlatformUpdate::Failed(_) => unreachable!("a failed platform stops the update"),
        }
    }
    let text = edit::set_hashes(&pinned, tool, &hashes, &missing)
        .map_err(|e| Fatal(format!("cannot edit {name}: {e}")))?;
    // The same strict parser as every run: what is written can be read.
    Manifest::parse(&text, &name).map_err(|e| {
        Fatal(format!(
            "internal error: the updated {name} would not parse; nothing was written:\n{e}"
        ))
    })?;

    report.result = if text == original {
        UpdateResult::Unchanged
    } else if opts.dry_run {
        UpdateResult::DryRun {
            diff: diff::unified(
                &original,
                &text,
                &format!("a/{name}"),
                &format!("b/{name}"),
                3,
            ),
        }
    } else {
        UpdateResult::Written {
            file: write(path, &original, &text)?.display().to_string(),
        }
    };
    emit(&render(&report))?;
    Ok(EXIT_OK)
}

/// VirtualBox's URLs need the build number of the new version; no other tool has one.
fn check_revision(spec: &ToolSpec, opts: &UpdateOptions) -> Result<(), Fatal> {
    let tool = spec.tool;
    match (tool, opts.revision) {
        (Tool::Virtualbox, None) if opts.version != spec.version => Err(Fatal(format!(
            "virtualbox's download URLs carry the build number of each release: pass it with --revision N (the number in the installer names at https://download.virtualbox.org/virtualbox/{}/)",
            opts.version
        ))),
        (Tool::Virtualbox, _) | (_, None) => Ok(()),
        (_, Some(_)) => Err(Fatal(format!(
            "--revision is VirtualBox's build number; {tool} has none"
        ))),
    }
}

/// Writes `text` over `path` unless the file changed since it was read as `original`.
fn write(path: &Path, original: &str, text: &str) -> Result<PathBuf, Fatal> {
    let now = read_manifest(path)?;
    if now != original {
        return Err(Fatal(format!(
            "{} changed while pins update was fetching; nothing was written: run it again",
            path.display()
        )));
    }
    fsutil::replace_file(path, text.as_bytes())
        .map_err(|e| Fatal(format!("cannot write {}: {e}", path.display())))?;
    let written = fsutil::resolve_links(path);
    Ok(std::fs::canonicalize(&written).unwrap_or(written))
}

/// One platform's sha256: from the published checksum file (after making sure the artifact
/// itself is there), or, where upstream publishes none, by downloading and hashing it.
async fn learn(
    target: &Target,
    fetcher: &Fetcher,
    mirror: Option<&str>,
    progress: &dyn Progress,
) -> PlatformUpdate {
    let a = &target.artifact;
    let url = mirror_url(&a.url, mirror);
    match &a.checksum_url {
        Some(upstream_checksum) => {
            let checksum_url = mirror_url(upstream_checksum, mirror);
            if !trusted_transport(&checksum_url) {
                return PlatformUpdate::Failed(UpdateError::Insecure { url: checksum_url });
            }
            progress.phase(target.tool, Phase::Checksum, checksum_url.clone());
            let (exists, text) =
                tokio::join!(fetcher.exists(&url), fetcher.checksum_text(&checksum_url));
            match exists {
                Err(e) if e.is_missing() => return PlatformUpdate::Missing(e),
                Err(e) => return PlatformUpdate::Failed(UpdateError::Artifact(e)),
                Ok(_) => {}
            }
            let text = match text {
                Ok(t) => t,
                Err(e) => {
                    return PlatformUpdate::Failed(UpdateError::Checksum(ChecksumProblem::Fetch(
                        e,
                    )));
                }
            };
            match checksum::parse(&text, a.file_name()) {
                Ok(sha256) => PlatformUpdate::Hash {
                    sha256,
                    learned: Learned::Published {
                        url: upstream_checksum.clone(),
                    },
                },
                Err(error) => {
                    PlatformUpdate::Failed(UpdateError::Checksum(ChecksumProblem::Unusable {
                        url: checksum_url,
                        error,
                    }))
                }
            }
        }
        None => {
            if !trusted_transport(&url) {
                return PlatformUpdate::Failed(UpdateError::Insecure { url });
            }
            let d = Download {
                tool: target.tool,
                from: None,
                to: target.version.clone(),
                url,
                upstream_url: a.url.clone(),
                archive: a.archive,
                member: a.member.clone(),
                // Not used: the point is to learn the hash.
                checksum: Checksum::Pinned(String::new()),
                file_name: a.file_name().to_string(),
                dest: PathBuf::new(),
            };
            match fetcher.fetch_unverified(&d, progress).await {
                Ok(fetched) => PlatformUpdate::Hash {
                    sha256: fetched.sha256,
                    learned: Learned::Hashed,
                },
                Err(e) if e.is_missing() => PlatformUpdate::Missing(e),
                Err(e) => PlatformUpdate::Failed(UpdateError::Artifact(e)),
            }
        }
    }
}

/// `pins check`: every tool × platform, read-only; exit 1 on any problem.
pub(crate) async fn check(session: &Session, opts: CheckOptions) -> Result<u8, Fatal> {
    let ctx = &session.ctx;
    let targets = upstream::all(&session.manifest, &session.tools, &opts.platforms);
    if targets.is_empty() {
        return Err(Fatal(
            "nothing to check: no selected tool supports the platforms asked for".into(),
        ));
    }
    let fetcher = fetcher(ctx)?;
    let jobs: Vec<_> = targets
        .iter()
        .cloned()
        .map(|target| {
            let (fetcher, mirror) = (fetcher.clone(), ctx.mirror.clone());
            async move { inspect(target, &fetcher, mirror.as_deref()).await }
        })
        .collect();
    let results = tokio::select! {
        r = run_all(jobs, PARALLEL) => r,
        _ = cancel::terminated() => return Ok(EXIT_FINDINGS),
    };
    let rows: Vec<CheckRow> = results
        .into_iter()
        .zip(targets)
        .map(|(r, target)| {
            r.unwrap_or_else(|e| CheckRow {
                artifact: Err(crate::core::failure::FetchError::new(
                    &target.artifact.url,
                    crate::core::failure::FetchErrorKind::Transport {
                        detail: format!("internal error: {e}"),
                    },
                )),
                published: None,
                target,
            })
        })
        .collect();
    let source = &session.manifest.source;
    emit(&match opts.format {
        Format::Json => check_json(&rows, source),
        Format::Text => inert_lines(&check_text(&rows, source)).into_owned(),
    })?;
    Ok(if rows.iter().all(CheckRow::ok) {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}

/// Whether the artifact is there and what its checksum file says, both at once.
async fn inspect(target: Target, fetcher: &Fetcher, mirror: Option<&str>) -> CheckRow {
    let a = &target.artifact;
    let url = mirror_url(&a.url, mirror);
    let published = async {
        let c = mirror_url(a.checksum_url.as_deref()?, mirror);
        Some(match fetcher.checksum_text(&c).await {
            Ok(text) => checksum::parse(&text, a.file_name())
                .map_err(|error| ChecksumProblem::Unusable { url: c, error }),
            Err(e) => Err(ChecksumProblem::Fetch(e)),
        })
    };
    let (artifact, published) = tokio::join!(fetcher.exists(&url), published);
    CheckRow {
        target,
        artifact,
        published,
    }
}
