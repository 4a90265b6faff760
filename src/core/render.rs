//! PURE: the words. Findings, remedies, notes and outcomes are typed everywhere else; this is
//! the one place they become sentences, for the text report, the JSON `hint` and the TUI.

use crate::core::diagnose::{Finding, Layout, Note, PathFix, Remedy, SeenError, Stale, Status};
use crate::core::failure::{FetchError, FetchErrorKind, InstallError, IoProblem, TlsProblem};
use crate::core::isolation::Source;
use crate::core::observation::WarningKind;
use crate::core::outcome::{ApplyError, BinDirProblem, Done, Outcome, Refusal, Rollback};
use crate::core::tool::Tool;
use crate::core::vbox;

/// The line that puts the bin dir first on PATH, as hints quote it.
pub(crate) const ENV_CMD: &str = "eval \"$(aladdin-doctor env)\"";

/// The one hint for a finding: what fixes it, or what was done about it (`outcome`).
pub(crate) fn hint(f: &Finding, outcome: Option<&Outcome>, layout: &Layout) -> Option<String> {
    if let Some(o) = outcome
        && !f.satisfied()
    {
        match &o.done {
            Done::Refused(r) => return Some(format!("not installed: {}", refusal(r))),
            Done::InstallerReady {
                installer,
                vm_running,
                sudo_allowed,
            } => {
                return Some(installer_hint(
                    layout,
                    &installer.display().to_string(),
                    *vm_running,
                    *sudo_allowed,
                ));
            }
            // The next step comes from what failed: never "run --fix" after a failed --fix.
            Done::Failed(e) => return Some(failure_hint(f.tool, e, layout)),
            _ => {}
        }
    }
    remedy_hint(f, layout)
}

fn remedy_hint(f: &Finding, layout: &Layout) -> Option<String> {
    let (tool, pinned) = (f.tool, f.pinned.as_str());
    let bin = layout.bin_dir.display();
    let keep = || {
        format!(
            "keep {} with `aladdin-doctor override {tool}`",
            f.found_version().unwrap_or("it")
        )
    };
    let drift = f.status == Status::Drift;
    Some(match &f.remedy {
        Remedy::None if f.status == Status::Overridden => format!(
            "kept instead of {pinned}{}; undo with `aladdin-doctor override {tool} --clear`",
            f.kept
                .as_ref()
                .and_then(|k| k.reason.as_ref())
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ),
        Remedy::None if f.status == Status::NotNeeded => format!(
            "marked not needed{}; undo with `aladdin-doctor override {tool} --clear`",
            f.not_needed
                .as_ref()
                .and_then(|n| n.reason.as_ref())
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ),
        Remedy::None => return None,
        Remedy::RepairVirtualbox => format!(
            "VirtualBox is installed but cannot start VMs: {}",
            f.found
                .iter()
                .flat_map(|s| s.warnings.iter())
                .filter(|w| w.kind == WarningKind::VmsCannotStart)
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Remedy::FixConfig {
            config,
            source,
            failure,
        } => {
            let whose = match (config, source) {
                (Some(_), Some(src)) => format!("your {}", source_words(src)),
                _ => "your configuration".to_string(),
            };
            format!(
                "{tool} {} itself is fine, but with {whose} its version command fails for you ({failure}): fix or remove that; reinstalling {tool} would not help",
                f.found_version().unwrap_or(pinned),
            )
        }
        Remedy::Unblock {
            path,
            quarantine: true,
        } => format!(
            "macOS stopped {} from running: if you trust it, `xattr -d com.apple.quarantine {}`; otherwise remove it and let `aladdin-doctor --fix` install the pin",
            path.display(),
            path.display()
        ),
        Remedy::Unblock { path, .. } => format!(
            "{} may not be executed where it is (a noexec mount or a security policy): install into a bin dir on another file system with --bin-dir or ALADDIN_BIN",
            path.display()
        ),
        Remedy::NoRelease { platform } if tool == Tool::Virtualbox => format!(
            "VirtualBox {pinned} has no release for {platform} in versions.toml; use another minikube driver (e.g. docker) or ask the owners of versions.toml"
        ),
        Remedy::NoRelease { platform } => {
            let mut h = format!(
                "versions.toml has no {tool} release for {platform}: install {pinned} yourself, or ask the owners of versions.toml"
            );
            if drift && f.found.is_some() {
                h.push_str(&format!(", or {}", keep()));
            }
            h
        }
        Remedy::SystemInstaller { file, url } => {
            let steps: Vec<String> = std::iter::once(vbox::stop_minikube())
                .chain(vbox::install_commands(layout.platform.os, file))
                .map(|c| format!("`{}`", vbox::render(&c)))
                .collect();
            let steps = steps.join(", then ").replacen(
                "`minikube stop`",
                "`minikube stop` (if it runs)",
                1,
            );
            format!(
                "VirtualBox needs its system installer (admin rights): run `aladdin-doctor --fix` to download and verify {file} and get the commands, or by hand download {url} and run {steps}"
            )
        }
        Remedy::UseBinDir {
            parked,
            shadowed_by,
            bin_dir_on_path,
        } => match (shadowed_by, bin_dir_on_path) {
            (Some(by), true) => format!(
                "the pinned {pinned} at {} is shadowed by {}, which comes first on PATH: put {bin} first with `{ENV_CMD}`{}",
                parked.display(),
                by.display(),
                if drift {
                    format!(", or {}", keep())
                } else {
                    String::new()
                }
            ),
            (Some(by), false) => format!(
                "the pinned {pinned} is in {bin}, which is not on PATH, so {} runs: put {bin} first with `{ENV_CMD}`",
                by.display()
            ),
            (None, _) => format!(
                "the pinned {pinned} is in {bin}, which is not on PATH: put it there with `{ENV_CMD}`"
            ),
        },
        Remedy::InstallPin { then } => {
            let then = then
                .as_ref()
                .map(|p| format!(", then {}", path_fix(p, layout)))
                .unwrap_or_default();
            match f.status {
                Status::Modified => format!(
                    "{} changed since aladdin-doctor installed it ({}): run `aladdin-doctor --fix` to install {pinned} again{then}",
                    f.found
                        .as_ref()
                        .map(|s| s.path.display().to_string())
                        .unwrap_or_default(),
                    f.found
                        .as_ref()
                        .and_then(|s| s.modified.as_ref())
                        .map(|c| changes(c))
                        .unwrap_or_default()
                ),
                Status::Drift => format!(
                    "run `aladdin-doctor --fix` to install {pinned}{then}; or {}",
                    keep()
                ),
                Status::Unknown => format!(
                    "run `aladdin-doctor --fix` to install the pinned {pinned} in its place{then}"
                ),
                _ => format!(
                    "run `aladdin-doctor --fix` to install {tool} {pinned} into {bin}{then}"
                ),
            }
        }
    })
}

fn changes(c: &[crate::core::receipt::Change]) -> String {
    use crate::core::receipt::Change;
    c.iter()
        .map(|c| match c {
            Change::Replaced => "another file stands there",
            Change::Size => "its size differs",
            Change::Modified => "it was written to",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// "~/.kube/kuberc", "KUBECTL_KUBERC and KUBERC".
fn source_words(s: &Source) -> String {
    match s {
        Source::File(p) => p.display().to_string(),
        Source::Directory(p) => format!("{} directory", p.display()),
        Source::Variables(v) if v.is_empty() => "environment".to_string(),
        Source::Variables(v) => format!(
            "environment variable{} {}",
            if v.len() == 1 { "" } else { "s" },
            v.join(", ")
        ),
    }
}

fn path_fix(p: &PathFix, layout: &Layout) -> String {
    let bin = layout.bin_dir.display();
    match p {
        PathFix::AddBinDir => format!("put {bin} on PATH with `{ENV_CMD}`"),
        PathFix::BinDirBefore { dir } => format!(
            "put {bin} before {} on PATH with `{ENV_CMD}`",
            dir.display()
        ),
    }
}

pub(crate) fn note(n: &Note, pinned: &str) -> String {
    match n {
        Note::Accepted { version, range } => {
            format!("{version} is accepted by `{range}` (pin {pinned})")
        }
        Note::StaleOverride { entry, why } => format!(
            "an override kept {} at {} for pin {}; it no longer applies because the {} changed",
            entry.version,
            entry.path.display(),
            entry.pin,
            match why {
                Stale::Pin => "pin",
                Stale::Path => "binary's path",
                Stale::Version => "binary's version",
            }
        ),
        Note::Warning(text) => text.clone(),
    }
}

pub(crate) fn seen_error(e: &SeenError) -> String {
    match e {
        SeenError::NotExecutable => {
            "not executable (a shell skips it); `chmod +x` it or remove it".into()
        }
        SeenError::Probe(f) => f.to_string(),
    }
}

pub(crate) fn refusal(r: &Refusal) -> String {
    match r {
        Refusal::NoChecksum {
            tool,
            platform,
            file_name,
        } => format!(
            "versions.toml pins no sha256 for {tool} on {platform} and {tool} publishes no checksum file, so the download could not be verified: add `{platform} = \"<sha256 of {file_name}>\"` under `[tools.{tool}.sha256]`"
        ),
        Refusal::InsecureChecksum {
            tool,
            platform,
            file_name,
            url,
        } => format!(
            "the only checksum for {file_name} would come over plain http ({url}), which proves nothing: pin it under `[tools.{tool}.sha256]` as `{platform} = \"<sha256>\"` (`aladdin-doctor pins update` fills these in), or use an https mirror"
        ),
    }
}

/// What an apply did to a tool, as a note under its row (None when the hint says it).
pub(crate) fn outcome_note(o: &Outcome) -> Option<String> {
    match &o.done {
        Done::Installed { version, dest } => {
            Some(format!("installed {version} at {}", dest.display()))
        }
        Done::Failed(e) => Some(format!("install failed: {}", apply_error(e))),
        Done::Cancelled => Some("interrupted before anything was installed".into()),
        Done::Kept(_) | Done::MarkedNotNeeded | Done::InstallerReady { .. } | Done::Refused(_) => {
            None
        }
    }
}

/// A short word for an outcome (the TUI's action column).
pub(crate) fn outcome_word(o: &Outcome) -> String {
    match &o.done {
        Done::Installed { version, .. } => format!("installed {version}"),
        Done::InstallerReady { .. } => "installer ready".into(),
        Done::Kept(_) => "kept".into(),
        Done::MarkedNotNeeded => "not needed".into(),
        Done::Refused(_) => "refused".into(),
        Done::Failed(_) => "failed".into(),
        Done::Cancelled => "cancelled".into(),
    }
}

pub(crate) fn apply_error(e: &ApplyError) -> String {
    match e {
        ApplyError::Lock(e) => e.to_string(),
        ApplyError::BinDir { path, problem } => match problem {
            BinDirProblem::NotADirectory => format!(
                "the bin dir {} is a file, not a directory: move it away, or choose another bin dir with --bin-dir or ALADDIN_BIN",
                path.display()
            ),
            BinDirProblem::NotWritable { detail } => format!(
                "cannot write to the bin dir {} ({detail}): fix its permissions, or choose another bin dir with --bin-dir or ALADDIN_BIN",
                path.display()
            ),
            BinDirProblem::DestIsDirectory { dest } => format!(
                "{} is a directory where the binary belongs: remove or rename it",
                dest.display()
            ),
        },
        ApplyError::Setup { detail } => format!("cannot set up downloads: {detail}"),
        ApplyError::Fetch(e) => e.to_string(),
        ApplyError::Install { dest, error } => {
            format!("cannot install {}: {error}", dest.display())
        }
        ApplyError::Reprobe {
            dest,
            found,
            pin,
            rollback,
        } => format!(
            "the installed {} {found}, not the pin {pin}; {}",
            dest.display(),
            match rollback {
                Rollback::Restored => "the previous binary was put back".to_string(),
                Rollback::Removed => "it was removed again".to_string(),
                Rollback::Failed { detail } => format!("and rolling back failed: {detail}"),
            }
        ),
        ApplyError::Overrides { detail } => detail.clone(),
        ApplyError::Privileged(e) => format!("{e}"),
        ApplyError::Internal { detail } => format!("internal error: {detail}"),
    }
}

/// One line of `-v/--verbose`.
pub(crate) fn trace_line(e: &crate::core::trace::TraceEvent) -> String {
    use crate::core::trace::{ProbeEnd, TraceEvent as T};
    let ms = |d: &std::time::Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    match e {
        T::Probe {
            tool,
            argv,
            isolation,
            removed,
            set,
            took,
            end,
        } => {
            let end = match end {
                ProbeEnd::Exited { code: Some(c), .. } => format!("exit {c}"),
                ProbeEnd::Exited {
                    signal: Some(s), ..
                } => format!("killed by signal {s}"),
                ProbeEnd::Exited { .. } => "exited".to_string(),
                ProbeEnd::TimedOut => "timed out, killed".to_string(),
                ProbeEnd::CannotSpawn { detail } => format!("could not start: {detail}"),
            };
            let mut line = format!(
                "probe {tool} ({isolation}): {} → {end} in {}",
                argv.join(" "),
                ms(took)
            );
            if !removed.is_empty() {
                line.push_str(&format!("; unset {}", removed.join(" ")));
            }
            if !set.is_empty() {
                let set: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
                line.push_str(&format!("; set {}", set.join(" ")));
            }
            line
        }
        T::ProbeCache {
            tool,
            path,
            hit,
            this_run,
        } => format!(
            "probe cache {} for {tool} at {}",
            match (hit, this_run) {
                (true, true) => "hit (read earlier in this run, unchanged since)",
                (true, false) => "hit",
                (false, _) => "miss",
            },
            path.display()
        ),
        T::Request {
            method,
            url,
            from,
            status,
            took,
        } => format!(
            "{method} {url}{} → {} in {}",
            from.map(|f| format!(" (from byte {f})"))
                .unwrap_or_default(),
            status.map_or_else(|| "no response".to_string(), |s| format!("HTTP {s}")),
            ms(took)
        ),
        T::Cached { tool, path } => {
            format!("download cache hit for {tool}: {}", path.display())
        }
        T::Local { path } => format!("read {} from the local mirror", path.display()),
        T::Step { what, took } => format!("{what} in {}", ms(took)),
    }
}

/// The host of a URL (`dl.k8s.io`, `127.0.0.1:8080`), for messages.
pub(crate) fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    host.rsplit_once('@').map_or(host, |(_, h)| h)
}

/// The one summary of downloads that could not reach their hosts (`hosts` deduplicated, in
/// order); said once, however many tools it stopped.
pub(crate) fn no_network(hosts: &[&str]) -> String {
    format!(
        "no network: could not reach {}; use --mirror URL (a mirror server or a directory) or set HTTPS_PROXY",
        hosts.join(", ")
    )
}

/// What stopped a download that never reached its host (a name that does not resolve, a
/// connection that cannot be made), in a few words.
pub(crate) fn unreachable(f: &FetchError) -> String {
    match &f.kind {
        FetchErrorKind::Dns { .. } => format!("cannot resolve {}", host_of(&f.url)),
        _ => format!("cannot connect to {}", host_of(&f.url)),
    }
}

/// The next step after `e` stopped `tool`'s install: from the kind of failure, never "run
/// --fix" again.
pub(crate) fn failure_hint(tool: Tool, e: &ApplyError, layout: &Layout) -> String {
    match e {
        ApplyError::Fetch(f) => fetch_hint(tool, f, layout),
        ApplyError::Install { error, .. } => match error {
            InstallError::Io { path, problem, .. } => io_hint(path, *problem, layout),
            InstallError::Hostile(_)
            | InstallError::Damaged { .. }
            | InstallError::Truncated { .. } => format!(
                "the archive served for {tool} cannot be installed safely and nothing was installed: tell the owners of versions.toml (its `url` for {tool})"
            ),
            InstallError::MemberMissing { .. }
            | InstallError::NotAFile { .. }
            | InstallError::NoMember(_) => format!(
                "versions.toml's `path` for {tool} does not name the binary in the archive: correct it (or ask the owners of versions.toml)"
            ),
            InstallError::Cancelled => "interrupted before anything was installed".into(),
        },
        ApplyError::BinDir { .. } => {
            "fix the bin dir as said, or install elsewhere with --bin-dir DIR or ALADDIN_BIN".into()
        }
        ApplyError::Reprobe { pin, .. } => format!(
            "the release versions.toml points to does not report {pin}: check `version` and `url` of {tool} in versions.toml"
        ),
        ApplyError::Lock(_) => "wait for the other aladdin-doctor to finish".into(),
        ApplyError::Setup { .. } => {
            "fix the HTTPS setup named above (SSL_CERT_FILE), then try again".into()
        }
        ApplyError::Overrides { .. } => "fix the overrides file named above".into(),
        ApplyError::Privileged(_) => format!(
            "the {tool} installer is verified; run the command that failed by hand in a terminal to see why"
        ),
        ApplyError::Internal { .. } => {
            "this is a bug in aladdin-doctor: please report it with the message above".into()
        }
    }
}

fn fetch_hint(tool: Tool, f: &FetchError, layout: &Layout) -> String {
    use FetchErrorKind as K;
    let host = host_of(&f.url);
    match &f.kind {
        K::Dns { .. } | K::Connect { .. } => no_network(&[host]),
        K::ProxyAuth => {
            "give the proxy its credentials: HTTPS_PROXY=http://user:pass@host:port".into()
        }
        K::Tls {
            problem: TlsProblem::UnknownIssuer,
            ..
        } => "if a corporate proxy intercepts TLS, install its CA in the system trust store or point SSL_CERT_FILE at it; or use --mirror URL".into(),
        K::Tls {
            problem: TlsProblem::NameMismatch,
            ..
        } => format!(
            "the certificate {host} presented is made out to another name: check --mirror and HTTPS_PROXY"
        ),
        K::Tls { .. } => format!("TLS with {host} failed: check HTTPS_PROXY, or use --mirror URL"),
        K::Html => "sign in to the network first (hotel or guest Wi-Fi), or set HTTPS_PROXY; or use --mirror URL".into(),
        K::NotFound { .. } => format!(
            "{host} has no such file: check `version` and `url` of {tool} in versions.toml; a --mirror may lack it (`aladdin-doctor mirror DIR` builds a complete one)"
        ),
        K::Client { status } => format!(
            "{host} refused the download (HTTP {status}): check that you may reach it (HTTPS_PROXY), or use --mirror URL"
        ),
        K::Server { .. }
        | K::Stalled { .. }
        | K::Closed { .. }
        | K::BadResume
        | K::Transport { .. }
        | K::TooSlow { .. } => format!(
            "{host} failed {} times: try again later, or use --mirror URL; a partial download is kept and resumed",
            crate::core::failure::ATTEMPTS
        ),
        K::TooManyRedirects | K::InsecureRedirect { .. } => format!(
            "{host} redirects where it should not: check HTTPS_PROXY, or use --mirror URL"
        ),
        K::TooLarge { .. } => {
            "if the release really is that large, raise the limit with --max-download MIB".into()
        }
        K::ChecksumMissing { .. }
        | K::ChecksumUnusable(_)
        | K::ChecksumTooLarge { .. }
        | K::ChecksumNotText => format!(
            "pin the sha256 under [tools.{tool}.sha256] in versions.toml (`aladdin-doctor pins update {tool} VERSION` fills it in), or check the version"
        ),
        K::HashMismatch { .. } => format!(
            "nothing was installed: a download that does not match its checksum must not be used; a proxy that rewrites downloads does this, and so does a file replaced upstream: tell the owners of versions.toml if it persists ({tool})"
        ),
        K::Io { path, problem, .. } => io_hint(path, *problem, layout),
        K::Local { .. } => {
            "complete the mirror with `aladdin-doctor mirror DIR`, or drop --mirror".into()
        }
    }
}

/// A file that could not be written: where it is and the flag or variable that moves it.
fn io_hint(path: &std::path::Path, problem: IoProblem, layout: &Layout) -> String {
    let (what, moved_by) = if path.starts_with(&layout.bin_dir) {
        ("the bin dir", "--bin-dir DIR or ALADDIN_BIN")
    } else {
        ("the download cache", "ALADDIN_DOCTOR_CACHE_DIR")
    };
    let path = path.display();
    match problem {
        IoProblem::DiskFull => {
            format!("the disk holding {path} is full: free space, or move {what} with {moved_by}")
        }
        IoProblem::Permission => format!(
            "{path} may not be written (permission denied): fix its permissions, or move {what} with {moved_by}"
        ),
        IoProblem::ReadOnly => {
            format!("{path} is on a read-only file system: move {what} with {moved_by}")
        }
        IoProblem::Other => format!("{path} could not be written: move {what} with {moved_by}"),
    }
}

/// VirtualBox once its installer is verified: the commands, and what stops them.
pub(crate) fn installer_hint(
    layout: &Layout,
    installer: &str,
    vm_running: bool,
    sudo_allowed: bool,
) -> String {
    let cmds: Vec<String> = vbox::install_commands(layout.platform.os, installer)
        .iter()
        .map(|c| format!("`{}`", vbox::render(c)))
        .collect();
    let mut h = format!("verified installer at {installer}");
    if vm_running {
        h.push_str("; minikube's VM is running: stop it first with `minikube stop`");
    }
    h.push_str(&format!(
        "; then install it (admin rights): {}",
        cmds.join(", then ")
    ));
    if !sudo_allowed {
        h.push_str("; or let `aladdin-doctor --fix --allow-sudo` run these on a terminal, showing each first");
    }
    h
}

/// One short line for `status`: the tool, what is wrong, and the command that fixes it.
pub(crate) fn status_line(f: &Finding) -> String {
    let found = match &f.found {
        None => "not found".to_string(),
        Some(s) => s.version.clone().unwrap_or_else(|| "unreadable".into()),
    };
    let what = match f.status {
        Status::Ok | Status::Overridden | Status::NotNeeded => "needs attention",
        s => s.word(),
    };
    let command = match &f.remedy {
        Remedy::InstallPin { .. } => "aladdin-doctor --fix".to_string(),
        Remedy::UseBinDir { .. } => ENV_CMD.to_string(),
        Remedy::SystemInstaller { .. } => "aladdin-doctor --fix --allow-sudo".to_string(),
        Remedy::FixConfig {
            source: Some(Source::File(p) | Source::Directory(p)),
            ..
        } => format!("fix {}", p.display()),
        Remedy::None
        | Remedy::RepairVirtualbox
        | Remedy::FixConfig { .. }
        | Remedy::Unblock { .. }
        | Remedy::NoRelease { .. } => "aladdin-doctor --check".to_string(),
    };
    format!(
        "aladdin-doctor: {} {what}: {found} (pinned {}) → {command}",
        f.tool, f.pinned
    )
}
