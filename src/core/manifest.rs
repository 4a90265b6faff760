//! PURE: `versions.toml`, parsed strictly. Every problem names file:line:col, the key, what is
//! wrong and what is allowed. The repo's `versions.toml` is embedded and is the default.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::core::tool::{Arch, Os, Platform, Tool};
use crate::core::version::Version;

/// The repository's `versions.toml`, compiled in.
pub(crate) const EMBEDDED: &str = include_str!("../../versions.toml");
/// How the embedded manifest is named in messages.
pub(crate) const EMBEDDED_NAME: &str = "versions.toml (embedded)";

const PLACEHOLDERS: [&str; 5] = ["version", "os", "arch", "exe", "revision"];

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
    fn parse(s: &str) -> Option<Self> {
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
    fn has_members(self) -> bool {
        matches!(self, ArchiveKind::TarGz | ArchiveKind::Zip)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Manifest {
    /// The file name used in messages.
    pub(crate) source: String,
    /// In report order (`Tool::ALL`); only the tools the file lists.
    pub(crate) tools: Vec<ToolSpec>,
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
struct Template {
    url: Option<String>,
    archive: Option<ArchiveKind>,
    path: Option<String>,
    checksum_url: Option<String>,
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

// ----- errors ---------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) line: usize,
    pub(crate) col: usize,
    /// Dotted key, e.g. `tools.kubectl.sha256.linux-amd64`.
    pub(crate) key: String,
    pub(crate) message: String,
    /// What is allowed / what to do.
    pub(crate) help: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) struct FileError {
    pub(crate) file: String,
    pub(crate) problems: Vec<Problem>,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(
            f,
            "{} has {} problem{}:",
            self.file,
            n,
            if n == 1 { "" } else { "s" }
        )?;
        for (i, p) in self.problems.iter().enumerate() {
            write!(
                f,
                "{}:{}:{}: {}: {}\n  help: {}",
                self.file, p.line, p.col, p.key, p.message, p.help
            )?;
            if i + 1 < n {
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

// ----- raw schema -----------------------------------------------------------------------------

type SpannedMap = BTreeMap<Spanned<String>, Spanned<String>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    schema: Spanned<i64>,
    #[serde(default)]
    tools: BTreeMap<Spanned<String>, RawTool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTool {
    version: Spanned<String>,
    revision: Option<Spanned<i64>>,
    accept: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    archive: Option<Spanned<String>>,
    path: Option<Spanned<String>>,
    checksum_url: Option<Spanned<String>>,
    #[serde(default)]
    sha256: SpannedMap,
    #[serde(default)]
    platforms: BTreeMap<Spanned<String>, RawTemplate>,
    #[serde(default)]
    os: SpannedMap,
    #[serde(default)]
    arch: SpannedMap,
    #[serde(default)]
    unsupported: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    url: Option<Spanned<String>>,
    archive: Option<Spanned<String>>,
    path: Option<Spanned<String>>,
    checksum_url: Option<Spanned<String>>,
}

// ----- validation -----------------------------------------------------------------------------

struct Validator<'a> {
    text: &'a str,
    problems: Vec<Problem>,
}

impl Validator<'_> {
    fn push(&mut self, span: Range<usize>, key: String, message: String, help: &str) {
        let (line, col) = line_col(self.text, span.start);
        self.problems.push(Problem {
            line,
            col,
            key,
            message,
            help: help.to_string(),
        });
    }

    fn into_error(self, source: &str) -> FileError {
        FileError {
            file: source.to_string(),
            problems: self.problems,
        }
    }

    /// A syntax or shape error from the TOML parser: find the table and key it is about.
    fn toml_error(&mut self, e: &toml::de::Error) {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim().to_string();
        let table = table_at(self.text, span.start);
        let field = message
            .split('`')
            .nth(1)
            .filter(|_| message.contains("field"))
            .map(str::to_string);
        let key = match (table.as_str(), field) {
            ("", Some(f)) => f,
            (t, Some(f)) => format!("{t}.{f}"),
            ("", None) => "(top level)".to_string(),
            (t, None) => t.to_string(),
        };
        let help = if message.contains("unknown field") {
            "remove or rename this key; the allowed keys are listed above (see README, versions.toml)"
        } else if message.contains("missing field") {
            "add this key"
        } else {
            "fix the TOML syntax or the value's type here (see README, versions.toml)"
        };
        self.push(span, key, message, help);
    }

    fn manifest(&mut self, raw: RawManifest, source: &str) -> Manifest {
        if *raw.schema.get_ref() != 1 {
            self.push(
                raw.schema.span(),
                "schema".into(),
                format!("unsupported schema {}", raw.schema.get_ref()),
                "this aladdin-doctor reads `schema = 1`; upgrade aladdin-doctor for newer files",
            );
        }
        let mut tools = Vec::new();
        for (name, rt) in raw.tools {
            match name.get_ref().parse::<Tool>() {
                Ok(tool) if tool.name() == name.get_ref() => {
                    if let Some(spec) = self.tool(tool, rt) {
                        tools.push(spec);
                    }
                }
                _ => self.push(
                    name.span(),
                    format!("tools.{}", name.get_ref()),
                    format!("unknown tool `{}`", name.get_ref()),
                    &format!("tools are: {}", Tool::names()),
                ),
            }
        }
        tools.sort_by_key(|t: &ToolSpec| t.tool);
        Manifest {
            source: source.to_string(),
            tools,
        }
    }

    fn tool(&mut self, tool: Tool, rt: RawTool) -> Option<ToolSpec> {
        let k = |s: &str| format!("tools.{}.{}", tool.name(), s);
        let problems_before = self.problems.len();

        // version
        let version = rt.version.get_ref().clone();
        let pin = self.pin(tool, &rt.version, &k("version"));

        // revision (VirtualBox only)
        let revision = match &rt.revision {
            Some(r) if tool != Tool::Virtualbox => {
                self.push(
                    r.span(),
                    k("revision"),
                    "`revision` is only used by virtualbox".into(),
                    "remove it",
                );
                None
            }
            Some(r) if *r.get_ref() <= 0 => {
                self.push(
                    r.span(),
                    k("revision"),
                    format!("revision {} is not a build number", r.get_ref()),
                    "use VirtualBox's build number, e.g. `revision = 174163`",
                );
                None
            }
            Some(r) => Some(*r.get_ref() as u64),
            None => None,
        };

        // accept
        let accept =
            rt.accept
                .as_ref()
                .and_then(|a| match semver::VersionReq::parse(a.get_ref()) {
                    Ok(req) => Some((a.get_ref().clone(), req)),
                    Err(e) => {
                        self.push(
                            a.span(),
                            k("accept"),
                            format!("`{}` is not a version requirement: {e}", a.get_ref()),
                            "use semver requirement syntax, e.g. `accept = \">=1.30, <1.31\"`",
                        );
                        None
                    }
                });

        // renames
        let os_names = self.renames(&rt.os, &k("os"), |s| {
            Os::ALL.into_iter().find(|o| o.name() == s)
        });
        let arch_names = self.renames(&rt.arch, &k("arch"), |s| {
            Arch::ALL.into_iter().find(|a| a.name() == s)
        });

        // unsupported platforms
        let mut unsupported = BTreeSet::new();
        for p in &rt.unsupported {
            if let Some(platform) = self.platform_key(p, &k("unsupported")) {
                unsupported.insert(platform);
            }
        }

        // templates
        let base = self.template(
            revision.is_some(),
            &k(""),
            rt.url.as_ref(),
            rt.archive.as_ref(),
            rt.path.as_ref(),
            rt.checksum_url.as_ref(),
        );
        let mut platforms = BTreeMap::new();
        for (pk, t) in &rt.platforms {
            let Some(platform) = self.platform_key(pk, &k("platforms")) else {
                continue;
            };
            let prefix = format!("tools.{}.platforms.{}.", tool.name(), pk.get_ref());
            let tpl = self.template(
                revision.is_some(),
                &prefix,
                t.url.as_ref(),
                t.archive.as_ref(),
                t.path.as_ref(),
                t.checksum_url.as_ref(),
            );
            platforms.insert(platform, tpl);
        }

        // sha256
        let mut sha256 = BTreeMap::new();
        for (pk, hash) in &rt.sha256 {
            let Some(platform) = self.platform_key(pk, &k("sha256")) else {
                continue;
            };
            let h = hash.get_ref();
            if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
                sha256.insert(platform, h.to_ascii_lowercase());
            } else {
                self.push(
                    hash.span(),
                    format!("tools.{}.sha256.{}", tool.name(), pk.get_ref()),
                    format!(
                        "`{h}` is not a SHA-256 hash ({} characters)",
                        h.chars().count()
                    ),
                    "a sha256 is exactly 64 hexadecimal digits (0-9, a-f), as printed by `sha256sum`",
                );
            }
        }

        if self.problems.len() > problems_before {
            return None;
        }
        let mut pin = pin?;
        pin.revision = revision;
        let spec = ToolSpec {
            tool,
            version,
            pin,
            revision,
            accept,
            base,
            platforms,
            sha256,
            os_names,
            arch_names,
            unsupported,
        };

        // Whole-tool checks: every supported platform resolves to a URL; the archive kinds fit.
        let whole = rt.version.span();
        for platform in Platform::all() {
            if !spec.is_supported(platform) {
                continue;
            }
            match spec.artifact(platform) {
                None => self.push(
                    whole.clone(),
                    k("url"),
                    format!("no download URL for {platform}"),
                    &format!(
                        "set `url`, or `[tools.{}.platforms.{platform}] url = …`, or list {platform} in `unsupported`",
                        tool.name()
                    ),
                ),
                Some(a) => {
                    if tool == Tool::Virtualbox && a.archive != ArchiveKind::Installer {
                        self.push(
                            whole.clone(),
                            k("archive"),
                            format!("virtualbox on {platform} must use `archive = \"installer\"`"),
                            "VirtualBox needs a system installer (kernel drivers); it cannot go into the bin dir",
                        );
                    } else if tool != Tool::Virtualbox && a.archive == ArchiveKind::Installer {
                        self.push(
                            whole.clone(),
                            k("archive"),
                            format!("{} on {platform} uses `archive = \"installer\"`", tool.name()),
                            "only virtualbox is installed by a system installer; use binary, tar.gz or zip",
                        );
                    } else if a.archive.has_members() && a.member.is_none() {
                        self.push(
                            whole.clone(),
                            k("path"),
                            format!(
                                "{} on {platform} is a {} archive but names no member to install",
                                tool.name(),
                                a.archive.name()
                            ),
                            "set `path`, the file inside the archive, e.g. `path = \"{os}-{arch}/helm{exe}\"`",
                        );
                    }
                }
            }
        }
        if self.problems.len() > problems_before {
            return None;
        }
        Some(spec)
    }

    fn pin(&mut self, tool: Tool, v: &Spanned<String>, key: &str) -> Option<Version> {
        let s = v.get_ref();
        if let Some(bad) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_')))
        {
            self.push(
                v.span(),
                key.into(),
                format!("version `{s}` contains `{bad}`"),
                "a version may contain only letters, digits, '.', '-', '+' and '_'",
            );
            return None;
        }
        match Version::parse(s) {
            Ok(p) if !p.has_patch => {
                self.push(
                    v.span(),
                    key.into(),
                    format!("version `{s}` is not a full release"),
                    "pin an exact release, MAJOR.MINOR.PATCH (e.g. `3.17.0`); use `accept` for a range",
                );
                None
            }
            Ok(p) if p.revision.is_some() => {
                self.push(
                    v.span(),
                    key.into(),
                    format!("version `{s}` includes a build revision"),
                    &format!(
                        "write the version and the revision apart: `version = \"{}.{}.{}\"` and `revision = {}`",
                        p.major,
                        p.minor,
                        p.patch,
                        p.revision.unwrap_or_default()
                    ),
                );
                None
            }
            Ok(p) if s.starts_with(['v', 'V']) => {
                self.push(
                    v.span(),
                    key.into(),
                    format!("version `{s}` starts with `{}`", &s[..1]),
                    &format!(
                        "write the bare version (`{}`); URLs add their own `v` (e.g. `v{{version}}`) for {}",
                        p.raw,
                        tool.name()
                    ),
                );
                None
            }
            Ok(p) => Some(p),
            Err(e) => {
                self.push(
                    v.span(),
                    key.into(),
                    format!("`{s}` is not a version: {e}"),
                    "pin an exact release, MAJOR.MINOR.PATCH (e.g. `1.30.6`)",
                );
                None
            }
        }
    }

    fn platform_key(&mut self, key: &Spanned<String>, parent: &str) -> Option<Platform> {
        match key.get_ref().parse::<Platform>() {
            Ok(p) => Some(p),
            Err(e) => {
                self.push(
                    key.span(),
                    format!("{parent}.{}", key.get_ref()),
                    e,
                    "platforms are written {os}-{arch} with os linux, darwin or windows and arch amd64 or arm64",
                );
                None
            }
        }
    }

    fn renames<T: Ord + Copy>(
        &mut self,
        map: &SpannedMap,
        parent: &str,
        lookup: impl Fn(&str) -> Option<T>,
    ) -> BTreeMap<T, String> {
        let mut out = BTreeMap::new();
        for (from, to) in map {
            let Some(key) = lookup(from.get_ref()) else {
                self.push(
                    from.span(),
                    format!("{parent}.{}", from.get_ref()),
                    format!("`{}` is not a name that can be renamed here", from.get_ref()),
                    "rename os linux/darwin/windows or arch amd64/arm64, e.g. `arch = { amd64 = \"x86_64\" }`",
                );
                continue;
            };
            let t = to.get_ref();
            if t.is_empty()
                || !t
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            {
                self.push(
                    to.span(),
                    format!("{parent}.{}", from.get_ref()),
                    format!("`{t}` is not a usable name in a URL"),
                    "use letters, digits, '.', '-' and '_' only",
                );
                continue;
            }
            out.insert(key, t.clone());
        }
        out
    }

    fn template(
        &mut self,
        has_revision: bool,
        prefix: &str,
        url: Option<&Spanned<String>>,
        archive: Option<&Spanned<String>>,
        path: Option<&Spanned<String>>,
        checksum_url: Option<&Spanned<String>>,
    ) -> Template {
        let key = |s: &str| format!("{prefix}{s}");
        let mut t = Template::default();
        if let Some(u) = url
            && self.url(u, &key("url"), has_revision, false)
        {
            t.url = Some(u.get_ref().clone());
        }
        if let Some(c) = checksum_url
            && self.url(c, &key("checksum_url"), has_revision, true)
        {
            t.checksum_url = Some(c.get_ref().clone());
        }
        if let Some(a) = archive {
            match ArchiveKind::parse(a.get_ref()) {
                Some(kind) => t.archive = Some(kind),
                None => self.push(
                    a.span(),
                    key("archive"),
                    format!("unknown archive kind `{}`", a.get_ref()),
                    "archive is one of: binary, tar.gz, zip, installer",
                ),
            }
        }
        if let Some(p) = path {
            let s = p.get_ref();
            if self.placeholders(p, &key("path"), has_revision) {
                if s.is_empty()
                    || s.starts_with('/')
                    || s.starts_with('\\')
                    || s.split(['/', '\\']).any(|c| c == "..")
                {
                    self.push(
                        p.span(),
                        key("path"),
                        format!("`{s}` is not a relative path inside the archive"),
                        "name the member relative to the archive root, without `..`, e.g. `docker/docker{exe}`",
                    );
                } else {
                    t.path = Some(s.clone());
                }
            }
        }
        t
    }

    fn url(&mut self, u: &Spanned<String>, key: &str, has_revision: bool, checksum: bool) -> bool {
        let s = u.get_ref();
        let rest = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://").filter(|_| !checksum));
        let Some(rest) = rest else {
            let help = if checksum && s.starts_with("http://") {
                "a checksum must come over https:// (a checksum fetched over plain http proves nothing); `--mirror` may still be http"
            } else {
                "use an http:// or https:// URL (file://, ftp:// and bare paths are not downloaded); to serve files locally, use `--mirror`"
            };
            self.push(
                u.span(),
                key.into(),
                format!("`{s}` is not an http(s) URL"),
                help,
            );
            return false;
        };
        let host = rest.split('/').next().unwrap_or("");
        if host.is_empty() || host.contains('{') {
            self.push(
                u.span(),
                key.into(),
                format!("`{s}` has no fixed host"),
                "the host must be written out (placeholders may appear in the path only)",
            );
            return false;
        }
        if let Some(bad) = s
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '`' | '\\'))
        {
            self.push(
                u.span(),
                key.into(),
                format!("`{s}` contains {bad:?}"),
                "percent-encode the character (e.g. %20 for a space)",
            );
            return false;
        }
        self.placeholders(u, key, has_revision)
    }

    fn placeholders(&mut self, v: &Spanned<String>, key: &str, has_revision: bool) -> bool {
        let s = v.get_ref();
        let mut rest = s.as_str();
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                self.push(
                    v.span(),
                    key.into(),
                    format!("`{s}` has a `{{` that is never closed"),
                    "placeholders are {version}, {os}, {arch}, {exe} and {revision}",
                );
                return false;
            };
            let name = &after[..close];
            if !PLACEHOLDERS.contains(&name) {
                self.push(
                    v.span(),
                    key.into(),
                    format!("unknown placeholder `{{{name}}}` in `{s}`"),
                    "placeholders are {version}, {os}, {arch}, {exe} and {revision}",
                );
                return false;
            }
            if name == "revision" && !has_revision {
                self.push(
                    v.span(),
                    key.into(),
                    format!("`{s}` uses {{revision}} but the tool has no `revision`"),
                    "set `revision = <build number>` (VirtualBox) or remove {revision}",
                );
                return false;
            }
            rest = &after[close + 1..];
        }
        if rest.contains('}') {
            self.push(
                v.span(),
                key.into(),
                format!("`{s}` has a `}}` without a `{{`"),
                "placeholders are {version}, {os}, {arch}, {exe} and {revision}",
            );
            return false;
        }
        true
    }
}

/// The dotted name of the `[table]` header that encloses `offset` ("" at top level).
fn table_at(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    text[..offset]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| {
            l.trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
                .replace(['"', '\''], "")
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, FileError> {
        Manifest::parse(text, "versions.toml")
    }

    fn problem(text: &str) -> Problem {
        let err = parse(text).expect_err("should fail");
        assert_eq!(err.file, "versions.toml");
        err.problems[0].clone()
    }

    const KUBECTL: &str = r#"schema = 1

[tools.kubectl]
version = "1.30.6"
url = "https://dl.k8s.io/release/v{version}/bin/{os}/{arch}/kubectl{exe}"
"#;

    #[test]
    fn minimal_manifest_renders_urls() {
        let m = parse(KUBECTL).unwrap();
        let k = m.get(Tool::Kubectl).unwrap();
        let a = k.artifact(Platform::new(Os::Windows, Arch::Arm64)).unwrap();
        assert_eq!(
            a.url,
            "https://dl.k8s.io/release/v1.30.6/bin/windows/arm64/kubectl.exe"
        );
        assert_eq!(a.archive, ArchiveKind::Binary);
        assert_eq!(a.file_name(), "kubectl.exe");
        assert!(m.get(Tool::Helm).is_none(), "only listed tools are checked");
    }

    #[test]
    fn embedded_manifest_is_valid() {
        let m = Manifest::embedded().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.tools.len(), 5);
    }

    #[test]
    fn unknown_key_names_line_col_and_key() {
        let p = problem(&format!("{KUBECTL}sha265 = \"x\"\n"));
        assert_eq!((p.line, p.col), (6, 1));
        assert_eq!(p.key, "tools.kubectl.sha265");
        assert!(p.message.contains("unknown field"), "{}", p.message);
    }

    #[test]
    fn bad_hash_is_reported_with_its_position() {
        let text = format!("{KUBECTL}[tools.kubectl.sha256]\nlinux-amd64 = \"7a3adf80\"\n");
        let p = problem(&text);
        assert_eq!(p.key, "tools.kubectl.sha256.linux-amd64");
        assert_eq!((p.line, p.col), (7, 15));
        assert!(p.help.contains("64 hexadecimal"));
    }

    #[test]
    fn unknown_platform_and_tool() {
        let p = problem(&format!(
            "{KUBECTL}[tools.kubectl.sha256]\ndarwin-x86_64 = \"{}\"\n",
            "a".repeat(64)
        ));
        assert_eq!(p.key, "tools.kubectl.sha256.darwin-x86_64");
        let p =
            problem("schema = 1\n[tools.kubeclt]\nversion = \"1.0.0\"\nurl = \"https://x/y\"\n");
        assert_eq!(p.key, "tools.kubeclt");
        assert_eq!(p.line, 2);
        assert!(p.help.contains("kubectl"));
    }

    #[test]
    fn unknown_placeholder() {
        let p = problem(&KUBECTL.replace("{arch}", "{platform}"));
        assert_eq!(p.key, "tools.kubectl.url");
        assert_eq!((p.line, p.col), (5, 7));
        assert!(p.message.contains("{platform}"), "{}", p.message);
        let p = problem(&KUBECTL.replace("{exe}", "{revision}"));
        assert!(p.message.contains("no `revision`"), "{}", p.message);
    }

    #[test]
    fn non_http_urls() {
        let p = problem(&KUBECTL.replace("https://dl.k8s.io", "file:///tmp"));
        assert_eq!(p.key, "tools.kubectl.url");
        assert!(p.message.contains("not an http(s) URL"));
        let text = format!("{KUBECTL}checksum_url = \"http://dl.k8s.io/x.sha256\"\n");
        let p = problem(&text);
        assert_eq!(p.key, "tools.kubectl.checksum_url");
        assert!(p.help.contains("https"));
        // Plain http is allowed for the artifact itself: integrity comes from the sha256.
        assert!(parse(&KUBECTL.replace("https://", "http://")).is_ok());
    }

    #[test]
    fn shell_metacharacters_in_versions() {
        for bad in [
            "1.30.6;rm -rf ~",
            "1.30.6$(id)",
            "1.30.6`x`",
            "1.30.6|x",
            "1.30.6 ",
        ] {
            let p = problem(&KUBECTL.replace("1.30.6", bad));
            assert_eq!(p.key, "tools.kubectl.version", "{bad}");
            assert_eq!((p.line, p.col), (4, 11), "{bad}");
            assert!(p.help.contains("only letters"), "{bad}");
        }
    }

    #[test]
    fn versions_must_be_full_releases() {
        let p = problem(&KUBECTL.replace("1.30.6", "1.30"));
        assert!(p.message.contains("not a full release"), "{}", p.message);
        let p = problem(&KUBECTL.replace("1.30.6", "v1.30.6"));
        assert!(p.help.contains("bare version"), "{}", p.help);
        let p = problem(&KUBECTL.replace("1.30.6", "latest"));
        assert!(p.message.contains("not a version"), "{}", p.message);
    }

    #[test]
    fn revision_is_separate_and_virtualbox_only() {
        let p = problem(
            "schema = 1\n[tools.virtualbox]\nversion = \"5.2.4r119785\"\nurl = \"https://x/{version}\"\narchive = \"installer\"\n",
        );
        assert!(p.help.contains("revision = 119785"), "{}", p.help);
        let p = problem(&format!("{KUBECTL}revision = 3\n"));
        assert_eq!(p.key, "tools.kubectl.revision");
    }

    #[test]
    fn archives_need_a_member() {
        let text = "schema = 1\n[tools.helm]\nversion = \"3.17.0\"\nurl = \"https://get.helm.sh/helm-v{version}-{os}-{arch}.tar.gz\"\narchive = \"tar.gz\"\n";
        let p = problem(text);
        assert_eq!(p.key, "tools.helm.path");
        let p = problem(&text.replace("tar.gz\"\n", "tar.xz\"\n"));
        assert_eq!(p.key, "tools.helm.archive");
        assert!(p.help.contains("binary, tar.gz, zip, installer"));
        let p = problem(&format!("{text}path = \"../helm\"\n"));
        assert_eq!(p.key, "tools.helm.path");
    }

    #[test]
    fn accept_requirement() {
        let m = parse(&format!("{KUBECTL}accept = \">=1.30, <1.31\"\n")).unwrap();
        let k = m.get(Tool::Kubectl).unwrap();
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(k.satisfaction(&v("1.30.6")), Satisfaction::Pin);
        assert_eq!(k.satisfaction(&v("1.30.2")), Satisfaction::Accepted);
        assert_eq!(k.satisfaction(&v("1.31.0")), Satisfaction::No);
        let p = problem(&format!("{KUBECTL}accept = \"between 1 and 2\"\n"));
        assert_eq!(p.key, "tools.kubectl.accept");
    }

    #[test]
    fn syntax_errors_and_wrong_types_have_positions() {
        let p = problem("schema = 1\n[tools.kubectl]\nversion = 1.30\n");
        assert_eq!(p.line, 3);
        let p = problem("schema = 1\n[tools.kubectl\n");
        assert_eq!(p.line, 2);
        let p = problem("schema = 2\n");
        assert_eq!(p.key, "schema");
        let p = problem("schema = 1\n[tools.kubectl]\nurl = \"https://x/y\"\n");
        assert!(p.message.contains("version"), "{}", p.message);
    }

    #[test]
    fn several_problems_are_all_reported() {
        let text = KUBECTL
            .replace("1.30.6", "1.30.6;x")
            .replace("{arch}", "{cpu}");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.problems.len(), 2, "{err}");
        let shown = err.to_string();
        assert!(
            shown.contains("versions.toml:4:11: tools.kubectl.version"),
            "{shown}"
        );
        assert!(
            shown.contains("versions.toml:5:7: tools.kubectl.url"),
            "{shown}"
        );
    }

    #[test]
    fn platform_overrides_and_renames() {
        let text = r#"schema = 1
[tools.docker]
version = "27.3.1"
url = "https://download.docker.com/{os}/static/stable/{arch}/docker-{version}.tgz"
archive = "tar.gz"
path = "docker/docker{exe}"
os = { darwin = "mac", windows = "win" }
arch = { amd64 = "x86_64", arm64 = "aarch64" }
unsupported = ["windows-arm64"]
[tools.docker.platforms.windows-amd64]
url = "https://download.docker.com/{os}/static/stable/{arch}/docker-{version}.zip"
archive = "zip"
"#;
        let m = parse(text).unwrap();
        let d = m.get(Tool::Docker).unwrap();
        let mac = d.artifact(Platform::new(Os::Darwin, Arch::Arm64)).unwrap();
        assert_eq!(
            mac.url,
            "https://download.docker.com/mac/static/stable/aarch64/docker-27.3.1.tgz"
        );
        assert_eq!(mac.member.as_deref(), Some("docker/docker"));
        let win = d.artifact(Platform::new(Os::Windows, Arch::Amd64)).unwrap();
        assert_eq!(
            win.url,
            "https://download.docker.com/win/static/stable/x86_64/docker-27.3.1.zip"
        );
        assert_eq!(win.archive, ArchiveKind::Zip);
        assert_eq!(win.member.as_deref(), Some("docker/docker.exe"));
        assert!(
            d.artifact(Platform::new(Os::Windows, Arch::Arm64))
                .is_none()
        );
    }

    /// Every tool × platform of the shipped manifest against the upstream naming (tools.md §3).
    #[test]
    fn embedded_urls_match_upstream_names() {
        let m = Manifest::embedded().unwrap();
        let url = |tool: Tool, p: &str| {
            m.get(tool).unwrap().artifact(p.parse().unwrap()).map(|a| {
                (
                    a.url,
                    a.archive.name(),
                    a.member,
                    a.sha256.is_some(),
                    a.checksum_url,
                )
            })
        };
        // kubectl: raw binary under dl.k8s.io/release, .exe on windows, bare-hex .sha256 beside it.
        for p in Platform::all() {
            let (u, kind, member, _, sum) = url(Tool::Kubectl, &p.to_string()).unwrap();
            let exe = if p.os == Os::Windows { ".exe" } else { "" };
            assert_eq!(
                u,
                format!(
                    "https://dl.k8s.io/release/v1.30.6/bin/{}/{}/kubectl{exe}",
                    p.os.name(),
                    p.arch.name()
                )
            );
            assert_eq!((kind, member), ("binary", None));
            assert_eq!(sum.unwrap(), format!("{u}.sha256"));
        }
        // helm: tar.gz with {os}-{arch}/helm, zip on windows.
        let (u, kind, member, pinned, sum) = url(Tool::Helm, "linux-arm64").unwrap();
        assert_eq!(u, "https://get.helm.sh/helm-v3.17.0-linux-arm64.tar.gz");
        assert_eq!(
            (kind, member.as_deref()),
            ("tar.gz", Some("linux-arm64/helm"))
        );
        assert!(pinned);
        assert_eq!(sum.unwrap(), format!("{u}.sha256sum"));
        let (u, kind, member, _, sum) = url(Tool::Helm, "windows-amd64").unwrap();
        assert_eq!(u, "https://get.helm.sh/helm-v3.17.0-windows-amd64.zip");
        assert_eq!(
            (kind, member.as_deref()),
            ("zip", Some("windows-amd64/helm.exe"))
        );
        assert_eq!(sum.unwrap(), format!("{u}.sha256sum"));
        let (u, ..) = url(Tool::Helm, "darwin-arm64").unwrap();
        assert_eq!(u, "https://get.helm.sh/helm-v3.17.0-darwin-arm64.tar.gz");
        // minikube: raw binaries, windows-amd64.exe, no windows-arm64.
        let (u, kind, ..) = url(Tool::Minikube, "darwin-arm64").unwrap();
        assert_eq!(
            u,
            "https://storage.googleapis.com/minikube/releases/v1.35.0/minikube-darwin-arm64"
        );
        assert_eq!(kind, "binary");
        let (u, _, _, _, sum) = url(Tool::Minikube, "windows-amd64").unwrap();
        assert_eq!(
            u,
            "https://storage.googleapis.com/minikube/releases/v1.35.0/minikube-windows-amd64.exe"
        );
        assert_eq!(sum.unwrap(), format!("{u}.sha256"));
        assert!(url(Tool::Minikube, "windows-arm64").is_none());
        // docker: x86_64/aarch64 and linux/mac/win, tgz with docker/docker, zip on windows.
        let docker = [
            (
                "linux-amd64",
                "https://download.docker.com/linux/static/stable/x86_64/docker-27.3.1.tgz",
                "docker/docker",
                true,
            ),
            (
                "linux-arm64",
                "https://download.docker.com/linux/static/stable/aarch64/docker-27.3.1.tgz",
                "docker/docker",
                false,
            ),
            (
                "darwin-amd64",
                "https://download.docker.com/mac/static/stable/x86_64/docker-27.3.1.tgz",
                "docker/docker",
                true,
            ),
            (
                "darwin-arm64",
                "https://download.docker.com/mac/static/stable/aarch64/docker-27.3.1.tgz",
                "docker/docker",
                true,
            ),
            (
                "windows-amd64",
                "https://download.docker.com/win/static/stable/x86_64/docker-27.3.1.zip",
                "docker/docker.exe",
                false,
            ),
        ];
        for (p, want, want_member, want_pinned) in docker {
            let (u, _, member, pinned, sum) = url(Tool::Docker, p).unwrap();
            assert_eq!(u, want, "{p}");
            assert_eq!(member.as_deref(), Some(want_member), "{p}");
            assert_eq!(pinned, want_pinned, "{p}");
            assert!(sum.is_none(), "docker publishes no checksums");
        }
        assert!(url(Tool::Docker, "windows-arm64").is_none());
        // VirtualBox: one installer per OS, SHA256SUMS listing, no arm64 outside macOS.
        let vbox = [
            ("linux-amd64", "VirtualBox-7.2.10-174163-Linux_amd64.run"),
            ("darwin-amd64", "VirtualBox-7.2.10-174163-OSX.dmg"),
            ("darwin-arm64", "VirtualBox-7.2.10-174163-macOSArm64.dmg"),
            ("windows-amd64", "VirtualBox-7.2.10-174163-Win.exe"),
        ];
        for (p, file) in vbox {
            let (u, kind, _, _, sum) = url(Tool::Virtualbox, p).unwrap();
            assert_eq!(
                u,
                format!("https://download.virtualbox.org/virtualbox/7.2.10/{file}")
            );
            assert_eq!(kind, "installer");
            assert_eq!(
                sum.unwrap(),
                "https://download.virtualbox.org/virtualbox/7.2.10/SHA256SUMS"
            );
        }
        assert!(url(Tool::Virtualbox, "linux-arm64").is_none());
        assert!(url(Tool::Virtualbox, "windows-arm64").is_none());
    }

    /// The shipped hashes are the ones recorded in tools.md §5 (spot checks per tool).
    #[test]
    fn embedded_hashes_are_the_published_ones() {
        let m = Manifest::embedded().unwrap();
        let hash = |t: Tool, p: &str| {
            m.get(t)
                .unwrap()
                .artifact(p.parse().unwrap())
                .unwrap()
                .sha256
        };
        assert_eq!(
            hash(Tool::Kubectl, "linux-amd64").unwrap(),
            "7a3adf80ca74b1b2afdfc7f4570f0005ca03c2812367ffb6ee2f731d66e45e61"
        );
        assert_eq!(
            hash(Tool::Helm, "windows-amd64").unwrap(),
            "0625e51437107991922f76adbec4a4f12a4438942182677399ab758a3ec8bdc5"
        );
        assert_eq!(
            hash(Tool::Minikube, "linux-arm64").unwrap(),
            "75549bfdbc3fe483c060e5aa5b848374426552d7e346df8bd15ad77532243767"
        );
        assert_eq!(
            hash(Tool::Docker, "darwin-arm64").unwrap(),
            "9dae125282116146b06eb777c2125ddda6c0468c0b9ad6c72a82edbc6783a77b"
        );
        assert_eq!(
            hash(Tool::Virtualbox, "darwin-arm64").unwrap(),
            "95bc371769ad9afa7defbff15f2fbc07f641a0a4fcb0cf3cc8116101ff741060"
        );
        // Every platform that has no pinned hash has a checksum_url, except docker (no upstream
        // checksums), whose unpinned platforms --fix refuses.
        for spec in &m.tools {
            for p in Platform::all() {
                if let Some(a) = spec.artifact(p) {
                    assert!(
                        a.sha256.is_some() || a.checksum_url.is_some() || spec.tool == Tool::Docker,
                        "{} {p}",
                        spec.tool
                    );
                }
            }
        }
    }

    #[test]
    fn line_col_counts_characters() {
        let text = "a\nb✓c\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 2), (2, 1));
        assert_eq!(line_col(text, 2 + "b✓".len()), (2, 3));
    }
}
