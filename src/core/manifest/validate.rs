//! PURE: the strict check of versions.toml. Every problem is collected (not just the first)
//! with its position, key, message and help.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use super::error::{FileError, Problem, line_col};
use super::raw::{RawCluster, RawManifest, RawTool, SpannedMap};
use super::{ArchiveKind, Manifest, PLACEHOLDERS, Template, ToolSpec};
use crate::cluster::{ClusterPins, Timeouts};
use crate::core::tool::{Arch, Os, Platform, Tool};
use crate::core::version::Version;

pub(super) struct Validator<'a> {
    pub(super) text: &'a str,
    pub(super) problems: Vec<Problem>,
}

impl Validator<'_> {
    pub(super) fn push(&mut self, span: Range<usize>, key: String, message: String, help: &str) {
        let (line, col) = line_col(self.text, span.start);
        self.problems.push(Problem {
            line,
            col,
            key,
            message,
            help: help.to_string(),
        });
    }

    /// The problems in the order they appear in the file.
    pub(super) fn into_error(mut self, source: &str) -> FileError {
        self.problems.sort_by_key(|p| (p.line, p.col));
        FileError {
            file: source.to_string(),
            problems: self.problems,
        }
    }

    /// A syntax or type error from the TOML parser, at the table that holds it. (Unknown keys
    /// and tools are found before, by `keys`.)
    pub(super) fn toml_error(&mut self, e: &toml::de::Error) {
        let span = e.span().unwrap_or(0..0);
        let table = table_at(self.text, span.start);
        let key = if table.is_empty() {
            "(top level)".to_string()
        } else {
            table
        };
        self.push(
            span,
            key,
            e.message().trim().to_string(),
            "fix the TOML syntax or the value's type here (see README, versions.toml)",
        );
    }

    pub(super) fn manifest(&mut self, raw: RawManifest, source: &str) -> Manifest {
        if *raw.schema.get_ref() != 1 {
            self.push(
                raw.schema.span(),
                "schema".into(),
                format!("unsupported schema {}", raw.schema.get_ref()),
                "this aladdin-doctor reads `schema = 1`; upgrade aladdin-doctor for newer files",
            );
        }
        if raw.tools.is_empty() && *raw.schema.get_ref() == 1 {
            // A manifest checks only the tools it lists: one that lists none would pass every
            // machine ("all 0 tools are as pinned").
            self.push(
                0..0,
                "tools".into(),
                "the file pins no tools, so there would be nothing to check".into(),
                &format!(
                    "add a `[tools.NAME]` table with `version` and `url` for each tool to check ({}); see README, versions.toml",
                    Tool::names()
                ),
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
        let (cluster, cluster_timeouts) = match raw.cluster {
            Some(c) => self.cluster(c),
            None => Default::default(),
        };
        Manifest {
            source: source.to_string(),
            tools,
            cluster,
            cluster_timeouts,
        }
    }

    /// `[cluster]`: the minikube profile, driver and kube context the cluster checks expect,
    /// the Kubernetes version for `minikube start`, required addons, per-check timeouts.
    fn cluster(&mut self, c: RawCluster) -> (ClusterPins, Timeouts) {
        let mut pins = ClusterPins::default();
        let name_ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 63
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        let mut name = |v: Option<Spanned<String>>, key: &str, into: &mut String| {
            if let Some(v) = v {
                if name_ok(v.get_ref()) {
                    *into = v.get_ref().clone();
                } else {
                    self.push(
                        v.span(),
                        format!("cluster.{key}"),
                        format!("`{}` is not a usable name", v.get_ref()),
                        "use letters, digits, '-', '_' and '.' only (at most 63)",
                    );
                }
            }
        };
        name(c.profile, "profile", &mut pins.profile);
        // The context minikube writes is named after the profile.
        pins.context = pins.profile.clone();
        name(c.context, "context", &mut pins.context);
        if let Some(d) = c.driver {
            if crate::cluster::DRIVERS.contains(&d.get_ref().as_str()) {
                pins.driver = d.get_ref().clone();
            } else {
                self.push(
                    d.span(),
                    "cluster.driver".into(),
                    format!("unknown minikube driver `{}`", d.get_ref()),
                    &format!(
                        "{}drivers are: {}",
                        crate::core::suggest::did_you_mean(d.get_ref(), crate::cluster::DRIVERS),
                        crate::cluster::DRIVERS.join(", ")
                    ),
                );
            }
        }
        if let Some(k) = c.kubernetes_version {
            let bare = k.get_ref().trim_start_matches('v');
            match Version::parse(bare) {
                Ok(v)
                    if v.has_patch
                        && v.raw
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"._-+".contains(&b)) =>
                {
                    pins.kubernetes_version = Some(format!("v{bare}"));
                }
                _ => self.push(
                    k.span(),
                    "cluster.kubernetes_version".into(),
                    format!("`{}` is not a Kubernetes release", k.get_ref()),
                    "write MAJOR.MINOR.PATCH, e.g. `kubernetes_version = \"1.30.6\"`",
                ),
            }
        }
        for a in c.addons {
            if name_ok(a.get_ref()) {
                pins.addons.push(a.get_ref().clone());
            } else {
                self.push(
                    a.span(),
                    "cluster.addons".into(),
                    format!("`{}` is not an addon name", a.get_ref()),
                    "name minikube addons as `minikube addons list` does, e.g. `metrics-server`",
                );
            }
        }
        let mut t = Timeouts::default();
        for (k, v) in c.timeouts {
            let secs = *v.get_ref();
            if !(1..=600).contains(&secs) {
                self.push(
                    v.span(),
                    format!("cluster.timeouts.{}", k.get_ref()),
                    format!("{secs} is not a number of seconds from 1 to 600"),
                    "give each check between 1 and 600 seconds",
                );
                continue;
            }
            let d = Some(std::time::Duration::from_secs(secs as u64));
            match k.get_ref().as_str() {
                "docker" => t.docker = d,
                "minikube" => t.minikube = d,
                "context" => t.context = d,
                "api" => t.api = d,
                "addons" => t.addons = d,
                _ => t.helm = d,
            }
        }
        (pins, t)
    }

    fn tool(&mut self, tool: Tool, rt: RawTool) -> Option<ToolSpec> {
        let k = |s: &str| format!("tools.{}.{}", tool.name(), s);
        let problems_before = self.problems.len();
        let pin = self.pin(tool, &rt.version, &k("version"));
        let revision = self.revision(tool, rt.revision.as_ref(), &k("revision"));
        let accept = self.accept(rt.accept.as_ref(), &k("accept"));
        let os_names = self.renames(&rt.os, &k("os"), |s| {
            Os::ALL.into_iter().find(|o| o.name() == s)
        });
        let arch_names = self.renames(&rt.arch, &k("arch"), |s| {
            Arch::ALL.into_iter().find(|a| a.name() == s)
        });
        let unsupported = rt
            .unsupported
            .iter()
            .filter_map(|p| self.platform_key(p, &k("unsupported")))
            .collect();
        let base = self.template(
            revision.is_some(),
            &k(""),
            rt.url.as_ref(),
            rt.archive.as_ref(),
            rt.path.as_ref(),
            rt.checksum_url.as_ref(),
        );
        let platforms = self.platform_templates(tool, &rt, revision.is_some());
        let sha256 = self.hashes(tool, &rt.sha256);
        if self.problems.len() > problems_before {
            return None;
        }
        let mut pin = pin?;
        pin.revision = revision;
        let spec = ToolSpec {
            tool,
            version: rt.version.get_ref().clone(),
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
        self.every_platform(&spec, rt.version.span());
        (self.problems.len() == problems_before).then_some(spec)
    }

    /// VirtualBox's build number, the only tool with one.
    fn revision(&mut self, tool: Tool, r: Option<&Spanned<i64>>, key: &str) -> Option<u64> {
        let r = r?;
        if tool != Tool::Virtualbox {
            self.push(
                r.span(),
                key.into(),
                "`revision` is only used by virtualbox".into(),
                "remove it",
            );
            return None;
        }
        match u64::try_from(*r.get_ref()) {
            Ok(n) if n > 0 => Some(n),
            _ => {
                self.push(
                    r.span(),
                    key.into(),
                    format!("revision {} is not a build number", r.get_ref()),
                    "use VirtualBox's build number, e.g. `revision = 174163`",
                );
                None
            }
        }
    }

    fn accept(
        &mut self,
        a: Option<&Spanned<String>>,
        key: &str,
    ) -> Option<(String, semver::VersionReq)> {
        let a = a?;
        match semver::VersionReq::parse(a.get_ref()) {
            Ok(req) => Some((a.get_ref().clone(), req)),
            Err(e) => {
                self.push(
                    a.span(),
                    key.into(),
                    format!("`{}` is not a version requirement: {e}", a.get_ref()),
                    "use semver requirement syntax, e.g. `accept = \">=1.30, <1.31\"`",
                );
                None
            }
        }
    }

    /// `[tools.X.platforms.P]`: per-platform url/archive/path/checksum_url.
    fn platform_templates(
        &mut self,
        tool: Tool,
        rt: &RawTool,
        has_revision: bool,
    ) -> BTreeMap<Platform, Template> {
        let mut platforms = BTreeMap::new();
        for (pk, t) in &rt.platforms {
            let parent = format!("tools.{}.platforms", tool.name());
            let Some(platform) = self.platform_key(pk, &parent) else {
                continue;
            };
            let tpl = self.template(
                has_revision,
                &format!("{parent}.{}.", pk.get_ref()),
                t.url.as_ref(),
                t.archive.as_ref(),
                t.path.as_ref(),
                t.checksum_url.as_ref(),
            );
            platforms.insert(platform, tpl);
        }
        platforms
    }

    /// `[tools.X.sha256]`: 64 hex digits per platform, stored lower-case.
    fn hashes(&mut self, tool: Tool, map: &SpannedMap) -> BTreeMap<Platform, String> {
        let mut sha256 = BTreeMap::new();
        for (pk, hash) in map {
            let parent = format!("tools.{}.sha256", tool.name());
            let Some(platform) = self.platform_key(pk, &parent) else {
                continue;
            };
            let h = hash.get_ref();
            if crate::core::checksum::is_sha256_hex(h) {
                sha256.insert(platform, h.to_ascii_lowercase());
            } else {
                self.push(
                    hash.span(),
                    format!("{parent}.{}", pk.get_ref()),
                    format!(
                        "`{h}` is not a SHA-256 hash ({} characters)",
                        h.chars().count()
                    ),
                    "a sha256 is exactly 64 hexadecimal digits (0-9, a-f), as printed by `sha256sum`",
                );
            }
        }
        sha256
    }

    /// Whole-tool checks: every supported platform resolves to a URL, and the archive kinds fit
    /// the tool.
    fn every_platform(&mut self, spec: &ToolSpec, whole: Range<usize>) {
        let tool = spec.tool;
        let k = |s: &str| format!("tools.{}.{}", tool.name(), s);
        for platform in Platform::all().filter(|p| spec.is_supported(*p)) {
            let Some(a) = spec.artifact(platform) else {
                self.push(
                    whole.clone(),
                    k("url"),
                    format!("no download URL for {platform}"),
                    &format!(
                        "set `url`, or `[tools.{}.platforms.{platform}] url = …`, or list {platform} in `unsupported`",
                        tool.name()
                    ),
                );
                continue;
            };
            let installer = a.archive == ArchiveKind::Installer;
            if !tool.installs_into_bin_dir() && !installer {
                self.push(
                    whole.clone(),
                    k("archive"),
                    format!("virtualbox on {platform} must use `archive = \"installer\"`"),
                    "VirtualBox needs a system installer (kernel drivers); it cannot go into the bin dir",
                );
            } else if tool.installs_into_bin_dir() && installer {
                self.push(
                    whole.clone(),
                    k("archive"),
                    format!(
                        "{} on {platform} uses `archive = \"installer\"`",
                        tool.name()
                    ),
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
        let last = s.split(['?', '#']).next().unwrap_or(s).rsplit('/').next();
        if matches!(last, Some("" | "." | "..")) {
            self.push(
                u.span(),
                key.into(),
                format!("`{s}` does not end in a file name"),
                "the URL must name the file to download (its last segment becomes the file name)",
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
