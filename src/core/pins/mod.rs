//! PURE: the platform team's view of versions.toml — what `pins check` found for every tool ×
//! platform, what `pins update` learned, and their words (text and JSON).

pub(crate) mod edit;

use std::fmt::Write as _;

use serde::Serialize;

use crate::core::checksum::ChecksumError;
use crate::core::failure::FetchError;
use crate::core::outcome::fetch_error_kind;
use crate::core::tool::{Platform, Tool};
use crate::core::upstream::Target;

// ----- pins check ----------------------------------------------------------------------------

/// Why a published checksum gave no hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ChecksumProblem {
    Fetch(FetchError),
    Unusable { url: String, error: ChecksumError },
}

impl std::fmt::Display for ChecksumProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChecksumProblem::Fetch(e) => write!(f, "{e}"),
            ChecksumProblem::Unusable { url, error } => {
                write!(f, "unusable checksum file: {error} ({url})")
            }
        }
    }
}

/// What `pins check` saw for one tool on one platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CheckRow {
    pub(crate) target: Target,
    /// The artifact exists (with its size when the server said), or why not.
    pub(crate) artifact: Result<Option<u64>, FetchError>,
    /// The published sha256 (None: the tool has no `checksum_url`).
    pub(crate) published: Option<Result<String, ChecksumProblem>>,
}

/// Whether a pinned hash and a published checksum say the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Agreement {
    Agree,
    Disagree,
    /// Not both of them exist.
    NotApplicable,
}

impl CheckRow {
    pub(crate) fn pinned(&self) -> Option<&str> {
        self.target.artifact.sha256.as_deref()
    }

    pub(crate) fn agreement(&self) -> Agreement {
        match (self.pinned(), &self.published) {
            (Some(p), Some(Ok(h))) if p == h => Agreement::Agree,
            (Some(_), Some(Ok(_))) => Agreement::Disagree,
            _ => Agreement::NotApplicable,
        }
    }

    /// Neither a pinned hash nor a checksum URL: `--fix` refuses this platform.
    pub(crate) fn unverifiable(&self) -> bool {
        self.pinned().is_none() && self.target.artifact.checksum_url.is_none()
    }

    pub(crate) fn ok(&self) -> bool {
        self.artifact.is_ok()
            && !matches!(self.published, Some(Err(_)))
            && !self.unverifiable()
            && self.agreement() != Agreement::Disagree
    }

    fn artifact_word(&self) -> String {
        match &self.artifact {
            Ok(_) => "ok".into(),
            Err(e) => fetch_word(e),
        }
    }

    fn checksum_word(&self) -> String {
        match (&self.published, self.pinned()) {
            (Some(Ok(_)), _) => "ok".into(),
            (Some(Err(ChecksumProblem::Fetch(e))), _) => fetch_word(e),
            (Some(Err(ChecksumProblem::Unusable { .. })), _) => "unusable".into(),
            (None, Some(_)) => "pinned only".into(),
            (None, None) => "none".into(),
        }
    }

    fn agreement_word(&self) -> &'static str {
        match self.agreement() {
            Agreement::Agree => "ok",
            Agreement::Disagree => "MISMATCH",
            Agreement::NotApplicable => "—",
        }
    }

    /// What is wrong, one line each.
    fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let (tool, version) = (self.target.tool, &self.target.version);
        if let Err(e) = &self.artifact {
            let help = if e.is_missing() {
                format!(
                    "; if {tool} {version} has no release for {}, list it in `unsupported`",
                    self.target.platform
                )
            } else {
                String::new()
            };
            out.push(format!("artifact: {e}{help}"));
        }
        if let Some(Err(p)) = &self.published {
            out.push(format!("checksum: {p}"));
        }
        if self.unverifiable() {
            out.push(format!(
                "no pinned sha256 and no checksum_url, so `--fix` refuses it: fill the hashes with `aladdin-doctor pins update {tool} {version} --manifest versions.toml`"
            ));
        }
        if let (Agreement::Disagree, Some(p), Some(Ok(h))) =
            (self.agreement(), self.pinned(), &self.published)
        {
            out.push(format!(
                "pinned sha256 {p} but {} publishes {h}: a re-released artifact or a wrong pin; `pins update {tool} {version}` takes the published one",
                self.target.artifact.checksum_url.as_deref().unwrap_or("")
            ));
        }
        out
    }
}

/// A failed fetch in a table cell: `missing`, `HTTP 403`, or the kind of failure.
fn fetch_word(e: &FetchError) -> String {
    use crate::core::failure::FetchErrorKind as K;
    match &e.kind {
        _ if e.is_missing() => "missing".into(),
        K::Client { status } | K::Server { status } => format!("HTTP {status}"),
        _ => fetch_error_kind(e).replace('_', " "),
    }
}

/// The table `pins check` prints: a row per tool and platform, the problems under their row.
pub(crate) fn check_text(rows: &[CheckRow], manifest: &str) -> String {
    let mut out = format!(
        "aladdin-doctor pins check · pins from {manifest} · {} artifact{}\n\n",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        out,
        "{:<10} {:<13}  {:<12} {:<12} agreement",
        "tool", "platform", "artifact", "checksum"
    );
    for r in rows {
        let mark = if r.ok() { "" } else { "  ✗" };
        let _ = writeln!(
            out,
            "{:<10} {:<13}  {:<12} {:<12} {}{mark}",
            r.target.tool.name(),
            r.target.platform.to_string(),
            r.artifact_word(),
            r.checksum_word(),
            r.agreement_word()
        );
        for p in r.problems() {
            let _ = writeln!(out, "    {p}");
        }
    }
    let bad = rows.iter().filter(|r| !r.ok()).count();
    let _ = writeln!(out);
    if bad == 0 {
        let _ = writeln!(
            out,
            "✓ Every pinned artifact exists, every checksum source answers, and every published checksum agrees with its pin."
        );
    } else {
        let _ = writeln!(
            out,
            "✗ {bad} of {} artifacts need attention (above).",
            rows.len()
        );
    }
    out
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    schema: u32,
    ok: bool,
    manifest: &'a str,
    artifacts: Vec<JsonCheckRow>,
}

#[derive(Serialize)]
struct JsonCheckRow {
    tool: &'static str,
    platform: Platform,
    version: String,
    url: String,
    ok: bool,
    artifact: JsonFetched,
    checksum: JsonChecksum,
    pinned: Option<String>,
    /// ok | mismatch | null
    agreement: Option<&'static str>,
    problems: Vec<String>,
}

#[derive(Serialize)]
struct JsonFetched {
    /// ok | missing | failed
    status: &'static str,
    size: Option<u64>,
    error_kind: Option<&'static str>,
    error: Option<String>,
}

#[derive(Serialize)]
struct JsonChecksum {
    /// ok | missing | failed | unusable | pinned_only | none
    status: &'static str,
    url: Option<String>,
    sha256: Option<String>,
    error: Option<String>,
}

pub(crate) fn check_json(rows: &[CheckRow], manifest: &str) -> String {
    let artifacts = rows
        .iter()
        .map(|r| JsonCheckRow {
            tool: r.target.tool.name(),
            platform: r.target.platform,
            version: r.target.version.clone(),
            url: r.target.artifact.url.clone(),
            ok: r.ok(),
            artifact: match &r.artifact {
                Ok(size) => JsonFetched {
                    status: "ok",
                    size: *size,
                    error_kind: None,
                    error: None,
                },
                Err(e) => JsonFetched {
                    status: if e.is_missing() { "missing" } else { "failed" },
                    size: None,
                    error_kind: Some(fetch_error_kind(e)),
                    error: Some(e.to_string()),
                },
            },
            checksum: JsonChecksum {
                status: match (&r.published, r.pinned()) {
                    (Some(Ok(_)), _) => "ok",
                    (Some(Err(ChecksumProblem::Fetch(e))), _) if e.is_missing() => "missing",
                    (Some(Err(ChecksumProblem::Fetch(_))), _) => "failed",
                    (Some(Err(ChecksumProblem::Unusable { .. })), _) => "unusable",
                    (None, Some(_)) => "pinned_only",
                    (None, None) => "none",
                },
                url: r.target.artifact.checksum_url.clone(),
                sha256: match &r.published {
                    Some(Ok(h)) => Some(h.clone()),
                    _ => None,
                },
                error: match &r.published {
                    Some(Err(p)) => Some(p.to_string()),
                    _ => None,
                },
            },
            pinned: r.pinned().map(str::to_string),
            agreement: match r.agreement() {
                Agreement::Agree => Some("ok"),
                Agreement::Disagree => Some("mismatch"),
                Agreement::NotApplicable => None,
            },
            problems: r.problems(),
        })
        .collect();
    let report = JsonCheck {
        schema: 1,
        ok: rows.iter().all(CheckRow::ok),
        manifest,
        artifacts,
    };
    let mut s = serde_json::to_string_pretty(&report).expect("a report serializes");
    s.push('\n');
    s
}

// ----- pins update ----------------------------------------------------------------------------

/// Where `pins update` learned a hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Learned {
    /// From the checksum file upstream publishes (this URL, as written in versions.toml).
    Published { url: String },
    /// Upstream publishes none: the artifact was downloaded (over https) and hashed.
    Hashed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum UpdateError {
    Artifact(FetchError),
    Checksum(ChecksumProblem),
    /// A hash would come over plain http (a plain-http `--mirror`), which proves nothing.
    Insecure {
        url: String,
    },
    Internal(String),
}

/// What `pins update` found for one platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PlatformUpdate {
    Hash {
        sha256: String,
        learned: Learned,
    },
    /// The artifact is not there (404/410, or not in a local mirror).
    Missing(FetchError),
    Failed(UpdateError),
}

/// How `pins update` ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum UpdateResult {
    Written {
        file: String,
    },
    DryRun {
        diff: String,
    },
    /// The file already says exactly this.
    Unchanged,
    /// A platform failed: nothing was written.
    NotWritten,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UpdateReport {
    pub(crate) tool: Tool,
    /// The pin before, as shown to users.
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) platforms: Vec<(Platform, PlatformUpdate)>,
    pub(crate) allow_missing: bool,
    /// `accept`, when it does not include the new pin.
    pub(crate) accept_excludes: Option<String>,
    pub(crate) result: UpdateResult,
}

impl UpdateReport {
    /// A platform that stops the update: any failure, and a missing artifact unless
    /// `--allow-missing`.
    pub(crate) fn failed(&self) -> bool {
        self.platforms.iter().any(|(_, u)| match u {
            PlatformUpdate::Hash { .. } => false,
            PlatformUpdate::Missing(_) => !self.allow_missing,
            PlatformUpdate::Failed(_) => true,
        })
    }
}

pub(crate) fn update_text(r: &UpdateReport) -> String {
    let mut out = String::new();
    let n = r.platforms.len();
    let bad = r
        .platforms
        .iter()
        .filter(|(_, u)| match u {
            PlatformUpdate::Hash { .. } => false,
            PlatformUpdate::Missing(_) => !r.allow_missing,
            PlatformUpdate::Failed(_) => true,
        })
        .count();
    let _ = write!(out, "{} {} → {}", r.tool, r.from, r.to);
    if bad > 0 {
        let _ = writeln!(
            out,
            ": {bad} of {n} platform{} failed; nothing was written",
            if n == 1 { "" } else { "s" }
        );
    } else {
        let _ = writeln!(out, " ({n} platform{})", if n == 1 { "" } else { "s" });
    }
    for (p, u) in &r.platforms {
        let line = match u {
            PlatformUpdate::Hash {
                sha256,
                learned: Learned::Published { url },
            } => format!("{sha256}  published at {url}"),
            PlatformUpdate::Hash {
                sha256,
                learned: Learned::Hashed,
            } => format!("{sha256}  downloaded and hashed (upstream publishes no checksum)"),
            PlatformUpdate::Missing(e) if r.allow_missing => {
                format!("missing: {e}; listed in `unsupported`")
            }
            PlatformUpdate::Missing(e) => format!(
                "missing: {e}\n      help: if {} {} has no release for {p}, pass --allow-missing to list it in `unsupported`; otherwise check the version and the url",
                r.tool, r.to
            ),
            PlatformUpdate::Failed(UpdateError::Artifact(e)) => format!("artifact: {e}"),
            PlatformUpdate::Failed(UpdateError::Checksum(c)) => format!("checksum: {c}"),
            PlatformUpdate::Failed(UpdateError::Insecure { url }) => format!(
                "refused: the hash would come over plain http ({url}), which proves nothing; update pins from the upstreams (no --mirror), an https mirror, or a local one"
            ),
            PlatformUpdate::Failed(UpdateError::Internal(d)) => format!("internal error: {d}"),
        };
        let _ = writeln!(out, "  {:<14} {line}", p.to_string());
    }
    if let Some(accept) = &r.accept_excludes {
        let _ = writeln!(
            out,
            "note: accept = \"{accept}\" does not include {}; update or remove it by hand",
            r.to
        );
    }
    match &r.result {
        UpdateResult::Written { file } => {
            let _ = writeln!(
                out,
                "Wrote {file} (everything else in it is as it was); review it with `git diff`."
            );
        }
        UpdateResult::DryRun { diff } => {
            out.push('\n');
            out.push_str(diff);
            let _ = writeln!(out, "\nDry run: nothing was written.");
        }
        UpdateResult::Unchanged => {
            let _ = writeln!(out, "Nothing to change: versions.toml already says this.");
        }
        UpdateResult::NotWritten => {}
    }
    out
}

#[derive(Serialize)]
struct JsonUpdate<'a> {
    schema: u32,
    ok: bool,
    tool: &'static str,
    from: &'a str,
    to: &'a str,
    /// written | dry_run | unchanged | not_written
    result: &'static str,
    file: Option<&'a str>,
    diff: Option<&'a str>,
    platforms: Vec<JsonPlatform>,
    /// `accept`, when it does not include the new pin.
    accept_excludes: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonPlatform {
    platform: Platform,
    /// hash | missing | failed
    status: &'static str,
    sha256: Option<String>,
    /// published | hashed
    source: Option<&'static str>,
    /// The checksum file the hash came from.
    url: Option<String>,
    error_kind: Option<&'static str>,
    error: Option<String>,
}

pub(crate) fn update_json(r: &UpdateReport) -> String {
    let (result, file, diff) = match &r.result {
        UpdateResult::Written { file } => ("written", Some(file.as_str()), None),
        UpdateResult::DryRun { diff } => ("dry_run", None, Some(diff.as_str())),
        UpdateResult::Unchanged => ("unchanged", None, None),
        UpdateResult::NotWritten => ("not_written", None, None),
    };
    let platforms = r
        .platforms
        .iter()
        .map(|(p, u)| {
            let mut j = JsonPlatform {
                platform: *p,
                status: "hash",
                sha256: None,
                source: None,
                url: None,
                error_kind: None,
                error: None,
            };
            match u {
                PlatformUpdate::Hash { sha256, learned } => {
                    j.sha256 = Some(sha256.clone());
                    match learned {
                        Learned::Published { url } => {
                            j.source = Some("published");
                            j.url = Some(url.clone());
                        }
                        Learned::Hashed => j.source = Some("hashed"),
                    }
                }
                PlatformUpdate::Missing(e) => {
                    j.status = "missing";
                    j.error_kind = Some(fetch_error_kind(e));
                    j.error = Some(e.to_string());
                }
                PlatformUpdate::Failed(e) => {
                    j.status = "failed";
                    let (kind, text) = match e {
                        UpdateError::Artifact(f)
                        | UpdateError::Checksum(ChecksumProblem::Fetch(f)) => {
                            (fetch_error_kind(f), f.to_string())
                        }
                        UpdateError::Checksum(c) => ("checksum_unusable", c.to_string()),
                        UpdateError::Insecure { url } => {
                            ("insecure_checksum", format!("plain http: {url}"))
                        }
                        UpdateError::Internal(d) => ("internal", d.clone()),
                    };
                    j.error_kind = Some(kind);
                    j.error = Some(text);
                }
            }
            j
        })
        .collect();
    let report = JsonUpdate {
        schema: 1,
        ok: !r.failed(),
        tool: r.tool.name(),
        from: &r.from,
        to: &r.to,
        result,
        file,
        diff,
        platforms,
        accept_excludes: r.accept_excludes.as_deref(),
    };
    let mut s = serde_json::to_string_pretty(&report).expect("a report serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::failure::FetchErrorKind;
    use crate::core::manifest::Manifest;
    use crate::core::upstream;

    fn targets() -> Vec<Target> {
        upstream::all(
            &Manifest::embedded().unwrap(),
            &[Tool::Kubectl, Tool::Docker],
            &[],
        )
    }

    fn row(t: &Target) -> CheckRow {
        CheckRow {
            target: t.clone(),
            artifact: Ok(Some(10)),
            published: t
                .artifact
                .checksum_url
                .as_ref()
                .map(|_| Ok(t.artifact.sha256.clone().unwrap_or_else(|| "e".repeat(64)))),
        }
    }

    #[test]
    fn each_failure_is_found_and_named() {
        let ts = targets();
        let mut rows: Vec<CheckRow> = ts.iter().map(row).collect();
        let find = |rows: &[CheckRow], tool, p: &str| {
            rows.iter()
                .position(|r| r.target.tool == tool && r.target.platform.to_string() == p)
                .unwrap()
        };
        let good = find(&rows, Tool::Kubectl, "linux-amd64");
        assert!(rows[good].ok());
        assert_eq!(rows[good].agreement(), Agreement::Agree);

        let missing = find(&rows, Tool::Kubectl, "darwin-amd64");
        rows[missing].artifact = Err(FetchError::new(
            "https://mirror/x",
            FetchErrorKind::NotFound { status: 404 },
        ));
        let mismatch = find(&rows, Tool::Kubectl, "darwin-arm64");
        rows[mismatch].published = Some(Ok("f".repeat(64)));
        let gone = find(&rows, Tool::Kubectl, "windows-amd64");
        rows[gone].published = Some(Err(ChecksumProblem::Fetch(FetchError::new(
            "https://x.sha256",
            FetchErrorKind::ChecksumMissing {
                tool: Tool::Kubectl,
                status: 404,
            },
        ))));
        // The repo's file pins docker for three platforms only and docker publishes nothing.
        let docker_arm = find(&rows, Tool::Docker, "linux-arm64");
        assert!(rows[docker_arm].unverifiable());
        let docker_mac = find(&rows, Tool::Docker, "darwin-amd64");
        assert!(rows[docker_mac].ok(), "pinned only is fine");

        let bad: Vec<usize> = (0..rows.len()).filter(|&i| !rows[i].ok()).collect();
        let mut want = vec![
            missing,
            mismatch,
            gone,
            docker_arm,
            find(&rows, Tool::Docker, "windows-amd64"),
        ];
        want.sort();
        assert_eq!(bad, want);

        let t = check_text(&rows, "versions.toml (embedded)");
        assert!(
            t.contains("kubectl    darwin-amd64   missing      ok           ok  ✗"),
            "{t}"
        );
        assert!(
            t.contains("kubectl    darwin-arm64   ok           ok           MISMATCH  ✗"),
            "{t}"
        );
        assert!(
            t.contains("docker     darwin-amd64   ok           pinned only  —\n"),
            "{t}"
        );
        assert!(
            t.contains("docker     linux-arm64    ok           none         —  ✗"),
            "{t}"
        );
        assert!(t.contains("artifact: HTTP 404 Not Found (https://mirror/x); if kubectl 1.30.6 has no release for darwin-amd64, list it in `unsupported`"), "{t}");
        assert!(t.contains(&format!("publishes {}", "f".repeat(64))), "{t}");
        assert!(t.contains("✗ 5 of 11 artifacts need attention"), "{t}");

        let j: serde_json::Value = serde_json::from_str(&check_json(&rows, "m")).unwrap();
        assert_eq!(j["ok"], false);
        let a = &j["artifacts"][missing];
        assert_eq!(a["platform"], "darwin-amd64");
        assert_eq!(a["artifact"]["status"], "missing");
        assert_eq!(a["artifact"]["error_kind"], "not_found");
        assert_eq!(j["artifacts"][mismatch]["agreement"], "mismatch");
        assert_eq!(j["artifacts"][gone]["checksum"]["status"], "missing");
        assert_eq!(j["artifacts"][docker_arm]["checksum"]["status"], "none");
        assert_eq!(j["artifacts"][good]["agreement"], "ok");
        assert_eq!(j["artifacts"][good]["artifact"]["size"], 10);
    }

    #[test]
    fn all_good_says_so() {
        let rows: Vec<CheckRow> = targets()
            .iter()
            .filter(|t| t.tool == Tool::Kubectl)
            .map(row)
            .collect();
        let t = check_text(&rows, "m");
        assert!(t.contains("✓ Every pinned artifact exists"), "{t}");
    }

    #[test]
    fn update_words() {
        let p = |s: &str| s.parse::<Platform>().unwrap();
        let missing = FetchError::new(
            "https://get.helm.sh/helm-v3.18.0-windows-arm64.zip",
            FetchErrorKind::NotFound { status: 404 },
        );
        let mut r = UpdateReport {
            tool: Tool::Helm,
            from: "3.17.0".into(),
            to: "3.18.0".into(),
            platforms: vec![
                (
                    p("linux-amd64"),
                    PlatformUpdate::Hash {
                        sha256: "a".repeat(64),
                        learned: Learned::Published {
                            url: "https://get.helm.sh/x.sha256sum".into(),
                        },
                    },
                ),
                (p("windows-arm64"), PlatformUpdate::Missing(missing)),
            ],
            allow_missing: false,
            accept_excludes: None,
            result: UpdateResult::NotWritten,
        };
        assert!(r.failed());
        let t = update_text(&r);
        assert!(
            t.starts_with("helm 3.17.0 → 3.18.0: 1 of 2 platforms failed; nothing was written\n"),
            "{t}"
        );
        assert!(t.contains("windows-arm64  missing: HTTP 404 Not Found (https://get.helm.sh/helm-v3.18.0-windows-arm64.zip)\n      help: if helm 3.18.0 has no release for windows-arm64, pass --allow-missing"), "{t}");
        r.allow_missing = true;
        r.accept_excludes = Some(">=3.17, <3.18".into());
        r.result = UpdateResult::Written {
            file: "/repo/versions.toml".into(),
        };
        assert!(!r.failed());
        let j: serde_json::Value = serde_json::from_str(&update_json(&r)).unwrap();
        assert_eq!(j["ok"], true);
        assert_eq!(j["result"], "written");
        assert_eq!(j["platforms"][0]["source"], "published");
        assert_eq!(j["platforms"][1]["status"], "missing");
        assert_eq!(j["platforms"][1]["error_kind"], "not_found");
        let t = update_text(&r);
        assert!(t.starts_with("helm 3.17.0 → 3.18.0 (2 platforms)\n"), "{t}");
        assert!(t.contains("listed in `unsupported`"), "{t}");
        assert!(
            t.contains("note: accept = \">=3.17, <3.18\" does not include 3.18.0"),
            "{t}"
        );
        assert!(t.contains("Wrote /repo/versions.toml"), "{t}");
    }
}
