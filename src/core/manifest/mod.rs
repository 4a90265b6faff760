//! PURE: `versions.toml`, parsed strictly. Every problem names file:line:col, the key, what is
//! wrong and what is allowed. The repo's `versions.toml` is embedded and is the default.

mod error;
mod keys;
mod raw;
#[cfg(test)]
mod tests;
mod validate;

use std::collections::{BTreeMap, BTreeSet};

pub(crate) use error::{FileError, Problem, line_col};
use raw::RawManifest;
use validate::Validator;

use crate::cluster::{ClusterPins, Timeouts};
use crate::core::tool::{Arch, Os, Platform, Tool};
use crate::core::version::Version;

/// The repository's `versions.toml`, compiled in.
pub(crate) const EMBEDDED: &str = include_str!("../../../versions.toml");
/// How the embedded manifest is named in messages.
pub(crate) const EMBEDDED_NAME: &str = "versions.toml (embedded)";

pub(super) const PLACEHOLDERS: [&str; 5] = ["version", "os", "arch", "exe", "revision"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArchiveKind {
    /// The download is the executable itself.
    Binary,
    TarGz,
    Zip,
    /// A system installer (VirtualBox): verified and handed to the user or to sudo.
    Installer,
}

impl ArchiveKind {
    pub(super) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "binary" => ArchiveKind::Binary,
            "tar.gz" | "tgz" => ArchiveKind::TarGz,
            "zip" => ArchiveKind::Zip,
            "installer" => ArchiveKind::Installer,
            _ => return None,
        })
    }
    pub(crate) fn name(self) -> &'static str {
        match self {
            ArchiveKind::Binary => "binary",
            ArchiveKind::TarGz => "tar.gz",
            ArchiveKind::Zip => "zip",
            ArchiveKind::Installer => "installer",
        }
    }
    pub(super) fn has_members(self) -> bool {
        matches!(self, ArchiveKind::TarGz | ArchiveKind::Zip)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Manifest {
    /// The file name used in messages.
    pub(crate) source: String,
    /// In report order (`Tool::ALL`); only the tools the file lists.
    pub(crate) tools: Vec<ToolSpec>,
    /// `[cluster]`: what `--cluster` checks against (aladdin's defaults when absent).
    pub(crate) cluster: ClusterPins,
    pub(crate) cluster_timeouts: Timeouts,
}

#[derive(Clone, Debug)]
pub(crate) struct ToolSpec {
    pub(crate) tool: Tool,
    /// The pin exactly as written; used in URLs.
    pub(crate) version: String,
    /// The pin parsed (with `revision` folded in for VirtualBox).
    pub(crate) pin: Version,
    pub(crate) revision: Option<u64>,
    /// `accept` as written and parsed.
    pub(crate) accept: Option<(String, semver::VersionReq)>,
    base: Template,
    platforms: BTreeMap<Platform, Template>,
    sha256: BTreeMap<Platform, String>,
    os_names: BTreeMap<Os, String>,
    arch_names: BTreeMap<Arch, String>,
    unsupported: BTreeSet<Platform>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Template {
    pub(super) url: Option<String>,
    pub(super) archive: Option<ArchiveKind>,
    pub(super) path: Option<String>,
    pub(super) checksum_url: Option<String>,
}

/// What to download for one tool on one platform, placeholders rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Artifact {
    pub(crate) url: String,
    pub(crate) archive: ArchiveKind,
    /// The archive member to install (tar.gz / zip).
    pub(crate) member: Option<String>,
    /// The pinned hash for this platform, lower-case hex.
    pub(crate) sha256: Option<String>,
    pub(crate) checksum_url: Option<String>,
}

impl Artifact {
    /// The last path segment of the URL (`kubectl`, `helm-v3.17.0-linux-amd64.tar.gz`).
    pub(crate) fn file_name(&self) -> &str {
        let path = self.url.split(['?', '#']).next().unwrap_or(&self.url);
        path.rsplit('/').next().unwrap_or(path)
    }
}

/// How a found version relates to a tool's pin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Satisfaction {
    Pin,
    Accepted,
    No,
}

impl ToolSpec {
    /// The pin as shown to users: `7.2.10r174163` for VirtualBox, else the version.
    pub(crate) fn pin_display(&self) -> String {
        match self.revision {
            Some(r) => format!("{}r{}", self.version, r),
            None => self.version.clone(),
        }
    }

    pub(crate) fn satisfaction(&self, found: &Version) -> Satisfaction {
        if found.matches_pin(&self.pin) {
            Satisfaction::Pin
        } else if self
            .accept
            .as_ref()
            .is_some_and(|(_, req)| req.matches(&found.to_semver()))
        {
            Satisfaction::Accepted
        } else {
            Satisfaction::No
        }
    }

    pub(crate) fn is_supported(&self, platform: Platform) -> bool {
        !self.unsupported.contains(&platform)
    }

    /// The artifact for `platform`, or None where the manifest says there is no release.
    pub(crate) fn artifact(&self, platform: Platform) -> Option<Artifact> {
        if !self.is_supported(platform) {
            return None;
        }
        let over = self.platforms.get(&platform).cloned().unwrap_or_default();
        let url = over.url.or_else(|| self.base.url.clone())?;
        let archive = over
            .archive
            .or(self.base.archive)
            .unwrap_or(ArchiveKind::Binary);
        let member = over.path.or_else(|| self.base.path.clone());
        let checksum_url = over.checksum_url.or_else(|| self.base.checksum_url.clone());
        let render = |s: &str| self.render(s, platform);
        Some(Artifact {
            url: render(&url),
            archive,
            member: member.filter(|_| archive.has_members()).map(|m| render(&m)),
            sha256: self.sha256.get(&platform).cloned(),
            checksum_url: checksum_url.map(|c| render(&c)),
        })
    }

    fn render(&self, template: &str, platform: Platform) -> String {
        let os = self
            .os_names
            .get(&platform.os)
            .map(String::as_str)
            .unwrap_or(platform.os.name());
        let arch = self
            .arch_names
            .get(&platform.arch)
            .map(String::as_str)
            .unwrap_or(platform.arch.name());
        let revision = self.revision.map(|r| r.to_string()).unwrap_or_default();
        template
            .replace("{version}", &self.version)
            .replace("{os}", os)
            .replace("{arch}", arch)
            .replace("{exe}", platform.os.exe_suffix())
            .replace("{revision}", &revision)
    }
}

impl Manifest {
    pub(crate) fn embedded() -> Result<Manifest, FileError> {
        Manifest::parse(EMBEDDED, EMBEDDED_NAME)
    }

    pub(crate) fn get(&self, tool: Tool) -> Option<&ToolSpec> {
        self.tools.iter().find(|t| t.tool == tool)
    }

    /// Parses and validates. `source` is the file name used in messages.
    pub(crate) fn parse(text: &str, source: &str) -> Result<Manifest, FileError> {
        let mut v = Validator {
            text,
            problems: Vec::new(),
        };
        let doc = match toml::de::DeTable::parse(text) {
            Ok(doc) => doc,
            Err(e) => {
                v.toml_error(&e);
                return Err(v.into_error(source));
            }
        };
        if !v.keys(&doc) {
            return Err(v.into_error(source));
        }
        let raw: RawManifest = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                v.toml_error(&e);
                return Err(v.into_error(source));
            }
        };
        let manifest = v.manifest(raw, source);
        if v.problems.is_empty() {
            Ok(manifest)
        } else {
            Err(v.into_error(source))
        }
    }
}
