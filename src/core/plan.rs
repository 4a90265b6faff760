//! PURE: (findings, choices) → a plan: what will be downloaded from where, checked against
//! what, and put where. A plan is printed by `--fix --dry-run` and tested before anything
//! touches the disk.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::core::diagnose::{Finding, Layout, Remedy};
use crate::core::manifest::{ArchiveKind, Manifest};
use crate::core::outcome::Refusal;
use crate::core::overrides::OverrideEntry;
use crate::core::render;
use crate::core::tool::{Platform, Tool};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Download, verify, install into the bin dir, re-probe.
    Install(Download),
    /// VirtualBox: download and verify the system installer; its privileged commands are
    /// printed (or run with `--allow-sudo` on a terminal).
    Installer(Download),
    /// Nothing the doctor can do; the finding's remedy says what the user can.
    Manual { tool: Tool },
    /// Not done because it would not be safe (no checksum to verify against).
    Refuse(Refusal),
}

impl Action {
    pub(crate) fn tool(&self) -> Tool {
        match self {
            Action::Install(d) | Action::Installer(d) => d.tool,
            Action::Manual { tool } => *tool,
            Action::Refuse(r) => r.tool(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Download {
    pub(crate) tool: Tool,
    /// The version found now (None when missing or unreadable).
    pub(crate) from: Option<String>,
    /// The pin.
    pub(crate) to: String,
    /// Where the bytes come from (after `--mirror`).
    pub(crate) url: String,
    /// The URL as written in versions.toml.
    pub(crate) upstream_url: String,
    pub(crate) archive: ArchiveKind,
    pub(crate) member: Option<String>,
    pub(crate) checksum: Checksum,
    /// The artifact's file name (last URL segment).
    pub(crate) file_name: String,
    /// The installed binary (`BIN/kubectl[.exe]`); the installer's own name for VirtualBox.
    pub(crate) dest: PathBuf,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Checksum {
    /// From versions.toml.
    Pinned(String),
    /// Fetched from `url` (after `--mirror`); `upstream` is the URL as written.
    Url { url: String, upstream: String },
}

/// What the user chose for the unsatisfied tools: `--fix` installs every one; the TUI asks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Choices {
    pub(crate) install: Vec<Tool>,
    /// "Keep mine": the override to record (stamped when it is written).
    pub(crate) keep: Vec<(Tool, OverrideEntry)>,
    /// "Not needed": the tools to mark so.
    pub(crate) not_needed: Vec<Tool>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) actions: Vec<Action>,
}

/// `https://HOST/PATH` → `BASE/HOST/PATH` (README, "Mirrors").
pub(crate) fn mirror_url(url: &str, mirror: Option<&str>) -> String {
    match mirror {
        None => url.to_string(),
        Some(base) => {
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"))
                .unwrap_or(url);
            format!("{}/{rest}", base.trim_end_matches('/'))
        }
    }
}

/// The name a tool gets in the bin dir.
pub(crate) fn installed_name(tool: Tool, platform: Platform) -> String {
    format!("{}{}", tool.executables()[0], platform.os.exe_suffix())
}

/// Plans every finding that `wanted` selects and that is not satisfied.
pub(crate) fn plan(
    findings: &[Finding],
    manifest: &Manifest,
    layout: &Layout,
    mirror: Option<&str>,
    wanted: impl Fn(Tool) -> bool,
) -> Plan {
    let mut actions = Vec::new();
    for f in findings.iter().filter(|f| wanted(f.tool) && !f.satisfied()) {
        let artifact = manifest
            .get(f.tool)
            .and_then(|s| s.artifact(layout.platform));
        let action = match (&f.remedy, artifact) {
            (Remedy::InstallPin { .. }, Some(a)) => {
                download(f, a, layout, mirror).map(Action::Install)
            }
            (Remedy::SystemInstaller { .. }, Some(a)) => {
                download(f, a, layout, mirror).map(Action::Installer)
            }
            _ => Ok(Action::Manual { tool: f.tool }),
        };
        actions.push(action.unwrap_or_else(Action::Refuse));
    }
    Plan { actions }
}

fn download(
    f: &Finding,
    a: crate::core::manifest::Artifact,
    layout: &Layout,
    mirror: Option<&str>,
) -> Result<Download, Refusal> {
    let file_name = a.file_name().to_string();
    let checksum = match (&a.sha256, &a.checksum_url) {
        (Some(h), _) => Checksum::Pinned(h.clone()),
        // A checksum is worth only the transport it came over: a plain-http mirror could serve
        // any binary with a matching checksum.
        (None, Some(u)) if mirror_url(u, mirror).starts_with("http://") => {
            return Err(Refusal::InsecureChecksum {
                tool: f.tool,
                platform: layout.platform,
                file_name,
                url: mirror_url(u, mirror),
            });
        }
        (None, Some(u)) => Checksum::Url {
            url: mirror_url(u, mirror),
            upstream: u.clone(),
        },
        (None, None) => {
            return Err(Refusal::NoChecksum {
                tool: f.tool,
                platform: layout.platform,
                file_name,
            });
        }
    };
    let dest = if a.archive == ArchiveKind::Installer {
        PathBuf::from(&file_name)
    } else {
        layout.bin_dir.join(installed_name(f.tool, layout.platform))
    };
    Ok(Download {
        tool: f.tool,
        from: f.found_version().map(str::to_string),
        to: f.pinned.clone(),
        url: mirror_url(&a.url, mirror),
        upstream_url: a.url.clone(),
        archive: a.archive,
        member: a.member.clone(),
        checksum,
        file_name,
        dest,
    })
}

impl Plan {
    pub(crate) fn downloads(&self) -> impl Iterator<Item = &Download> {
        self.actions.iter().filter_map(|a| match a {
            Action::Install(d) | Action::Installer(d) => Some(d),
            _ => None,
        })
    }

    /// What `--fix --dry-run` prints; `findings` give the manual steps their words.
    pub(crate) fn render(&self, findings: &[Finding], layout: &Layout) -> String {
        let bin_dir = &layout.bin_dir;
        let mut out = String::new();
        if self.actions.is_empty() {
            out.push_str("Nothing to do: every selected tool is satisfied.\n");
            return out;
        }
        let _ = writeln!(out, "Plan (dry run, nothing is changed):");
        for a in &self.actions {
            match a {
                Action::Install(d) | Action::Installer(d) => {
                    let from = d.from.as_deref().unwrap_or(if d.tool == Tool::Virtualbox {
                        "not installed"
                    } else {
                        "missing"
                    });
                    let what = match a {
                        Action::Install(_) => format!("install into {}", d.dest.display()),
                        _ => "download and verify the installer; installing it needs admin rights"
                            .into(),
                    };
                    let _ = writeln!(out, "  {:<10} {from} → {}  {what}", d.tool.name(), d.to);
                    let _ = writeln!(out, "  {:<10} from {}", "", d.url);
                    if let Some(m) = &d.member {
                        let _ =
                            writeln!(out, "  {:<10} take {m} from the {}", "", d.archive.name());
                    }
                    let sum = match &d.checksum {
                        Checksum::Pinned(h) => format!("sha256 {h} (pinned in versions.toml)"),
                        Checksum::Url { url, .. } => format!("sha256 from {url}"),
                    };
                    let _ = writeln!(out, "  {:<10} {sum}", "");
                }
                Action::Manual { tool } => {
                    let hint = findings
                        .iter()
                        .find(|f| f.tool == *tool)
                        .and_then(|f| render::hint(f, None, layout))
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "  {:<10} not installable by aladdin-doctor: {hint}",
                        tool.name()
                    );
                }
                Action::Refuse(r) => {
                    let _ = writeln!(
                        out,
                        "  {:<10} refused: {}",
                        r.tool().name(),
                        render::refusal(r)
                    );
                }
            }
        }
        let _ = writeln!(out, "Bin dir: {}", bin_dir.display());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::diagnose::diagnose;
    use crate::core::diagnose::tests::{copy, layout, read};
    use crate::core::observation::{Observation, Origin};
    use crate::core::overrides::Overrides;
    use crate::core::tool::{Arch, Os};

    fn findings(l: &Layout) -> (Manifest, Vec<Finding>) {
        let m = Manifest::embedded().unwrap();
        let obs = vec![
            Observation {
                tool: Tool::Docker,
                copies: vec![copy("/usr/bin/docker", Origin::Path(1), read("27.3.1"))],
            },
            Observation {
                tool: Tool::Virtualbox,
                copies: vec![],
            },
            Observation {
                tool: Tool::Minikube,
                copies: vec![],
            },
            Observation {
                tool: Tool::Kubectl,
                copies: vec![copy(
                    "/usr/bin/kubectl",
                    Origin::Path(1),
                    read("1.32.4-dispatcher"),
                )],
            },
            Observation {
                tool: Tool::Helm,
                copies: vec![copy("/usr/bin/helm", Origin::Path(1), read("3.12.0"))],
            },
        ];
        let f = diagnose(&m, &obs, &Overrides::default(), l);
        (m, f)
    }

    #[test]
    fn mirror_rewrites_host_and_path() {
        assert_eq!(
            mirror_url(
                "https://dl.k8s.io/release/v1.30.6/bin/linux/amd64/kubectl",
                Some("http://127.0.0.1:8080/")
            ),
            "http://127.0.0.1:8080/dl.k8s.io/release/v1.30.6/bin/linux/amd64/kubectl"
        );
        assert_eq!(mirror_url("https://a/b", None), "https://a/b");
    }

    #[test]
    fn plans_unsatisfied_tools_with_their_checksum_source() {
        let l = layout(Some(0));
        let (m, f) = findings(&l);
        let p = plan(&f, &m, &l, Some("https://mirror"), |_| true);
        let tools: Vec<Tool> = p.actions.iter().map(Action::tool).collect();
        assert_eq!(
            tools,
            [Tool::Virtualbox, Tool::Minikube, Tool::Kubectl, Tool::Helm],
            "docker is ok"
        );
        let Action::Install(k) = &p.actions[2] else {
            panic!("{:?}", p.actions[2])
        };
        assert_eq!(k.from.as_deref(), Some("1.32.4-dispatcher"));
        assert_eq!(k.to, "1.30.6");
        assert_eq!(
            k.url,
            "https://mirror/dl.k8s.io/release/v1.30.6/bin/linux/amd64/kubectl"
        );
        assert_eq!(k.dest, PathBuf::from("/h/.aladdin/bin/kubectl"));
        assert!(matches!(&k.checksum, Checksum::Pinned(h) if h.starts_with("7a3adf80")));
        let Action::Installer(v) = &p.actions[0] else {
            panic!("{:?}", p.actions[0])
        };
        assert_eq!(v.file_name, "VirtualBox-7.2.10-174163-Linux_amd64.run");
        assert_eq!(
            v.checksum,
            Checksum::Url {
                url: "https://mirror/download.virtualbox.org/virtualbox/7.2.10/SHA256SUMS".into(),
                upstream: "https://download.virtualbox.org/virtualbox/7.2.10/SHA256SUMS".into()
            }
        );
        let Action::Install(h) = &p.actions[3] else {
            panic!()
        };
        assert_eq!(h.member.as_deref(), Some("linux-amd64/helm"));
        // Over a plain-http mirror a published checksum proves nothing: only pinned hashes go.
        let p = plan(&f, &m, &l, Some("http://mirror"), |_| true);
        assert!(
            matches!(p.actions[2], Action::Install(_)),
            "kubectl is pinned"
        );
        assert_eq!(
            p.actions[0],
            Action::Refuse(Refusal::InsecureChecksum {
                tool: Tool::Virtualbox,
                platform: l.platform,
                file_name: "VirtualBox-7.2.10-174163-Linux_amd64.run".into(),
                url: "http://mirror/download.virtualbox.org/virtualbox/7.2.10/SHA256SUMS".into(),
            })
        );
        // --only / the TUI's choices narrow it.
        let p = plan(&f, &m, &l, None, |t| t == Tool::Helm);
        assert_eq!(p.actions.len(), 1);
        let text = p.render(&f, &l);
        assert!(
            text.contains("helm       3.12.0 → 3.17.0  install into /h/.aladdin/bin/helm"),
            "{text}"
        );
        assert!(
            text.contains("take linux-amd64/helm from the tar.gz"),
            "{text}"
        );
        assert!(text.contains("(pinned in versions.toml)"), "{text}");
    }

    #[test]
    fn refuses_what_cannot_be_verified() {
        let mut l = layout(Some(0));
        l.platform = Platform::new(Os::Linux, Arch::Arm64);
        let m = Manifest::embedded().unwrap();
        let obs = vec![Observation {
            tool: Tool::Docker,
            copies: vec![],
        }];
        let f = diagnose(&m, &obs, &Overrides::default(), &l);
        let p = plan(&f, &m, &l, None, |_| true);
        let Action::Refuse(r) = &p.actions[0] else {
            panic!("{:?}", p.actions)
        };
        assert_eq!(
            r,
            &Refusal::NoChecksum {
                tool: Tool::Docker,
                platform: l.platform,
                file_name: "docker-27.3.1.tgz".into()
            }
        );
        let reason = render::refusal(r);
        assert!(
            reason.contains("[tools.docker.sha256]") && reason.contains("linux-arm64 = "),
            "{reason}"
        );
    }

    #[test]
    fn windows_names() {
        let mut l = layout(Some(0));
        l.platform = Platform::new(Os::Windows, Arch::Amd64);
        let (m, f) = findings(&l);
        let p = plan(&f, &m, &l, None, |t| t == Tool::Helm || t == Tool::Kubectl);
        let d: Vec<&Download> = p.downloads().collect();
        assert_eq!(d[0].dest, PathBuf::from("/h/.aladdin/bin/kubectl.exe"));
        assert_eq!(d[1].archive, ArchiveKind::Zip);
        assert_eq!(d[1].member.as_deref(), Some("windows-amd64/helm.exe"));
    }
}
