//! PURE: (manifest, observations, overrides, layout) → one finding per pinned tool, each with a
//! status, a fix and one hint. Every rendering (text, JSON, TUI, `--fix`) starts from these.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::core::manifest::{Manifest, Satisfaction, ToolSpec};
use crate::core::overrides::{OverrideEntry, Overrides};
use crate::core::tool::{Platform, Tool};
use crate::core::vbox;
use crate::probe::{Copy, CopyState, Observation, Origin, RawOutput};

/// The line that puts the bin dir first on PATH, as hints quote it.
const ENV_CMD: &str = "eval \"$(aladdin-doctor env)\"";

/// Where things are, as far as the diagnosis needs to know.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    pub(crate) platform: Platform,
    pub(crate) bin_dir: PathBuf,
    /// Index of the bin dir among the PATH entries, if it is on PATH.
    pub(crate) bin_dir_index: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Ok,
    Drift,
    Missing,
    Unknown,
    Overridden,
}

impl Status {
    pub(crate) fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Drift => "drift",
            Status::Missing => "missing",
            Status::Unknown => "unknown",
            Status::Overridden => "overridden",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Fix {
    /// The doctor can install the pin into the bin dir.
    Install,
    /// Something only the user (or a system installer) can do; the hint has the steps.
    Manual,
}

/// One copy of a tool, as reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) path: PathBuf,
    pub(crate) version: Option<String>,
    /// Why the version is unknown (timed out, not executable, unreadable output).
    pub(crate) error: Option<String>,
    pub(crate) in_bin_dir: bool,
    /// Running the tool's name reaches this copy (it is on PATH, or the effective one).
    pub(crate) reachable: bool,
    pub(crate) satisfies: bool,
    pub(crate) warnings: Vec<String>,
    pub(crate) output: Option<RawOutput>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) tool: Tool,
    /// The pin as shown (`7.2.10r174163` for VirtualBox).
    pub(crate) pinned: String,
    pub(crate) accept: Option<String>,
    pub(crate) status: Status,
    pub(crate) fix: Option<Fix>,
    /// The copy the user's PATH runs.
    pub(crate) found: Option<Seen>,
    /// Every other copy (shadowed ones, the bin dir's when it is not first, non-executables).
    pub(crate) others: Vec<Seen>,
    pub(crate) hint: Option<String>,
    /// Facts worth showing that need no action (accepted range, harmless warnings).
    pub(crate) notes: Vec<String>,
    /// The override that made this row `overridden`.
    pub(crate) kept: Option<OverrideEntry>,
}

impl Finding {
    /// Nothing remains to be done for this tool.
    pub(crate) fn satisfied(&self) -> bool {
        matches!(self.status, Status::Ok | Status::Overridden) && self.fix.is_none()
    }
}

/// Exit code for a set of findings: 0 when every tool is satisfied, else 1.
pub(crate) fn exit_code(findings: &[Finding]) -> i32 {
    if findings.iter().all(Finding::satisfied) {
        0
    } else {
        1
    }
}

pub(crate) fn diagnose(
    manifest: &Manifest,
    observations: &[Observation],
    overrides: &Overrides,
    layout: &Layout,
) -> Vec<Finding> {
    manifest
        .tools
        .iter()
        .filter_map(|spec| {
            let obs = observations.iter().find(|o| o.tool == spec.tool)?;
            Some(diagnose_tool(spec, obs, overrides.get(spec.tool), layout))
        })
        .collect()
}

pub(crate) fn diagnose_tool(
    spec: &ToolSpec,
    obs: &Observation,
    entry: Option<&OverrideEntry>,
    layout: &Layout,
) -> Finding {
    let tool = spec.tool;
    let pinned = spec.pin_display();
    let effective = obs.effective();
    let seen = |c: &Copy| to_seen(spec, c, effective.is_some_and(|e| e.path == c.path));
    let found = effective.map(seen);
    let others: Vec<Seen> = obs
        .copies
        .iter()
        .filter(|c| effective.is_none_or(|e| e.path != c.path))
        .map(seen)
        .collect();

    let mut notes = Vec::new();
    let mut kept = None;
    let status = match (effective, &found) {
        (None, _) => Status::Missing,
        (Some(_), Some(f)) if f.version.is_none() => Status::Unknown,
        (Some(_), Some(f)) if f.satisfies => Status::Ok,
        (Some(c), Some(f)) => {
            let version = f.version.as_deref().unwrap_or_default();
            match entry.filter(|e| e.applies(&pinned, &c.path, version)) {
                Some(e) => {
                    kept = Some(e.clone());
                    Status::Overridden
                }
                None => Status::Drift,
            }
        }
        (Some(_), None) => Status::Missing,
    };

    if let (Some(f), Some((range, _))) = (&found, &spec.accept)
        && let Some(v) = &f.version
        && v != &pinned
        && status == Status::Ok
    {
        notes.push(format!("{v} is accepted by `{range}` (pin {pinned})"));
    }
    if let Some(e) = entry
        && kept.is_none()
    {
        notes.push(format!(
            "an override kept {} at {} for pin {}; it no longer applies because the {} changed",
            e.version,
            e.path.display(),
            e.pin,
            if e.pin != pinned {
                "pin"
            } else if found.as_ref().is_none_or(|f| f.path != e.path) {
                "binary's path"
            } else {
                "binary's version"
            }
        ));
    }

    // A copy of the pin already sits in the bin dir but is not what PATH runs.
    let parked = others
        .iter()
        .find(|s| s.in_bin_dir && s.satisfies)
        .map(|s| s.path.clone());
    let bin = layout.bin_dir.display();
    let keep = |f: &Seen| {
        format!(
            "keep {} with `aladdin-doctor override {tool}`",
            f.version.as_deref().unwrap_or("it")
        )
    };

    // Blocking VirtualBox warnings: the version can be right and VMs still not start.
    let blocking: Vec<&String> = found
        .iter()
        .flat_map(|f| f.warnings.iter())
        .filter(|w| tool == Tool::Virtualbox && w.contains("vboxdrv"))
        .collect();
    for w in found.iter().flat_map(|f| f.warnings.iter()) {
        if !blocking.contains(&w) {
            notes.push(w.clone());
        }
    }

    let (fix, hint) = match status {
        Status::Ok if !blocking.is_empty() => (
            Some(Fix::Manual),
            Some(format!(
                "VirtualBox is installed but cannot start VMs: {}",
                blocking
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            )),
        ),
        Status::Ok => (None, None),
        Status::Overridden => (
            None,
            Some(format!(
                "kept instead of {pinned}{}; undo with `aladdin-doctor override {tool} --clear`",
                kept.as_ref()
                    .and_then(|k| k.reason.as_ref())
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            )),
        ),
        _ if !tool.installs_into_bin_dir() => {
            (Some(Fix::Manual), Some(virtualbox_hint(spec, layout)))
        }
        _ if spec.artifact(layout.platform).is_none() => {
            let mut h = format!(
                "versions.toml has no {tool} release for {}: install {pinned} yourself, or ask the owners of versions.toml",
                layout.platform
            );
            if status == Status::Drift
                && let Some(f) = &found
            {
                h.push_str(&format!(", or {}", keep(f)));
            }
            (Some(Fix::Manual), Some(h))
        }
        _ if parked.is_some() => {
            let parked = parked.expect("checked");
            let h = match (&found, layout.bin_dir_index) {
                (Some(f), Some(_)) => format!(
                    "the pinned {pinned} at {} is shadowed by {}, which comes first on PATH: put {bin} first with `{ENV_CMD}`{}",
                    parked.display(),
                    f.path.display(),
                    if status == Status::Drift {
                        format!(", or {}", keep(f))
                    } else {
                        String::new()
                    }
                ),
                (Some(f), None) => format!(
                    "the pinned {pinned} is in {bin}, which is not on PATH, so {} runs: put {bin} first with `{ENV_CMD}`",
                    f.path.display()
                ),
                (None, _) => format!(
                    "the pinned {pinned} is in {bin}, which is not on PATH: put it there with `{ENV_CMD}`"
                ),
            };
            (Some(Fix::Manual), Some(h))
        }
        _ => {
            let then = path_advice(effective, layout)
                .map(|p| format!(", then {p}"))
                .unwrap_or_default();
            let h = match (&found, status) {
                (Some(f), Status::Drift) => format!(
                    "run `aladdin-doctor --fix` to install {pinned}{then}; or {}",
                    keep(f)
                ),
                (Some(_), Status::Unknown) => format!(
                    "run `aladdin-doctor --fix` to install the pinned {pinned} in its place{then}"
                ),
                _ => format!(
                    "run `aladdin-doctor --fix` to install {tool} {pinned} into {bin}{then}"
                ),
            };
            (Some(Fix::Install), Some(h))
        }
    };

    Finding {
        tool,
        pinned,
        accept: spec.accept.as_ref().map(|(s, _)| s.clone()),
        status,
        fix,
        found,
        others,
        hint,
        notes,
        kept,
    }
}

/// What to say when an install into the bin dir would not change what PATH runs.
fn path_advice(effective: Option<&Copy>, layout: &Layout) -> Option<String> {
    let bin = layout.bin_dir.display();
    match (effective, layout.bin_dir_index) {
        (Some(c), _) if c.in_bin_dir => None,
        (_, None) => Some(format!("put {bin} on PATH with `{ENV_CMD}`")),
        // The bin dir is on PATH, but after the directory of the copy that runs now.
        (Some(c), Some(b)) if matches!(c.origin, Origin::Path(i) if i < b) => Some(format!(
            "put {bin} before {} on PATH with `{ENV_CMD}`",
            parent(&c.path)
        )),
        _ => None,
    }
}

fn parent(p: &Path) -> String {
    p.parent()
        .map(|d| d.display().to_string())
        .unwrap_or_default()
}

fn to_seen(spec: &ToolSpec, c: &Copy, is_effective: bool) -> Seen {
    let (version, error, warnings, output) = match &c.state {
        CopyState::NotExecutable => (
            None,
            Some("not executable (a shell skips it); `chmod +x` it or remove it".to_string()),
            Vec::new(),
            None,
        ),
        CopyState::Read(r) => (Some(r.version.raw.clone()), None, r.warnings.clone(), None),
        CopyState::Failed { reason, output, .. } => {
            (None, Some(reason.clone()), Vec::new(), output.clone())
        }
    };
    let satisfies = match &c.state {
        CopyState::Read(r) => spec.satisfaction(&r.version) != Satisfaction::No,
        _ => false,
    };
    Seen {
        path: c.path.clone(),
        version,
        error,
        in_bin_dir: c.in_bin_dir,
        reachable: is_effective || c.reachable(),
        satisfies,
        warnings,
        output,
    }
}

fn virtualbox_hint(spec: &ToolSpec, layout: &Layout) -> String {
    let pinned = spec.pin_display();
    let Some(artifact) = spec.artifact(layout.platform) else {
        return format!(
            "VirtualBox {pinned} has no release for {} in versions.toml; use another minikube driver (e.g. docker) or ask the owners of versions.toml",
            layout.platform
        );
    };
    let file = artifact.file_name().to_string();
    let steps: Vec<String> = std::iter::once(vbox::stop_minikube())
        .chain(vbox::install_commands(layout.platform.os, &file))
        .map(|c| format!("`{}`", vbox::render(&c)))
        .collect();
    let steps =
        steps
            .join(", then ")
            .replacen("`minikube stop`", "`minikube stop` (if it runs)", 1);
    format!(
        "VirtualBox needs its system installer (admin rights): run `aladdin-doctor --fix` to download and verify {file} and get the commands, or by hand download {} and run {}",
        artifact.url, steps
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::tool::{Arch, Os};
    use crate::core::version::Version;
    use crate::probe::Reading;

    pub(crate) fn read(v: &str) -> CopyState {
        CopyState::Read(Reading {
            version: Version::parse(v).unwrap(),
            warnings: vec![],
        })
    }

    pub(crate) fn copy(path: &str, origin: Origin, state: CopyState) -> Copy {
        Copy {
            path: path.into(),
            origin,
            in_bin_dir: path.starts_with("/h/.aladdin/bin/"),
            state,
        }
    }

    pub(crate) fn layout(bin_dir_index: Option<usize>) -> Layout {
        Layout {
            platform: Platform::new(Os::Linux, Arch::Amd64),
            bin_dir: "/h/.aladdin/bin".into(),
            bin_dir_index,
        }
    }

    fn manifest() -> Manifest {
        Manifest::embedded().unwrap()
    }

    fn one(
        tool: Tool,
        copies: Vec<Copy>,
        layout: &Layout,
        entry: Option<&OverrideEntry>,
    ) -> Finding {
        let m = manifest();
        diagnose_tool(
            m.get(tool).unwrap(),
            &Observation { tool, copies },
            entry,
            layout,
        )
    }

    #[test]
    fn ok_exact_and_accepted() {
        let l = layout(Some(0));
        let f = one(
            Tool::Kubectl,
            vec![copy("/usr/bin/kubectl", Origin::Path(1), read("1.30.6"))],
            &l,
            None,
        );
        assert_eq!((f.status, f.fix, f.hint.clone()), (Status::Ok, None, None));
        assert!(f.satisfied());
        let f = one(
            Tool::Kubectl,
            vec![copy("/usr/bin/kubectl", Origin::Path(1), read("1.30.8"))],
            &l,
            None,
        );
        assert_eq!(f.status, Status::Ok);
        assert!(
            f.notes[0].contains("accepted by `>=1.30.6, <1.31`"),
            "{:?}",
            f.notes
        );
        assert_eq!(exit_code(&[f]), 0);
    }

    #[test]
    fn drift_install_and_path_advice() {
        // The bin dir is not on PATH: installing there alone would not help.
        let f = one(
            Tool::Helm,
            vec![copy("/usr/bin/helm", Origin::Path(0), read("3.12.0"))],
            &layout(None),
            None,
        );
        assert_eq!((f.status, f.fix), (Status::Drift, Some(Fix::Install)));
        let h = f.hint.clone().unwrap();
        assert!(
            h.contains("install 3.17.0, then put /h/.aladdin/bin on PATH"),
            "{h}"
        );
        assert!(
            h.contains("keep 3.12.0 with `aladdin-doctor override helm`"),
            "{h}"
        );
        assert_eq!(exit_code(&[f]), 1);
        // The bin dir comes after /usr/bin.
        let f = one(
            Tool::Helm,
            vec![copy("/usr/bin/helm", Origin::Path(0), read("3.12.0"))],
            &layout(Some(3)),
            None,
        );
        assert!(
            f.hint
                .unwrap()
                .contains("put /h/.aladdin/bin before /usr/bin on PATH")
        );
        // The drifted copy is the bin dir's own: replacing it is enough.
        let f = one(
            Tool::Helm,
            vec![copy(
                "/h/.aladdin/bin/helm",
                Origin::Path(0),
                read("3.12.0"),
            )],
            &layout(Some(0)),
            None,
        );
        assert_eq!(f.fix, Some(Fix::Install));
        assert!(!f.hint.unwrap().contains("PATH"));
    }

    #[test]
    fn shadowed_pin_is_a_path_fix_not_a_reinstall() {
        let f = one(
            Tool::Kubectl,
            vec![
                copy(
                    "/usr/bin/kubectl",
                    Origin::Path(0),
                    read("1.32.4-dispatcher"),
                ),
                copy("/h/.aladdin/bin/kubectl", Origin::Path(1), read("1.30.6")),
            ],
            &layout(Some(1)),
            None,
        );
        assert_eq!((f.status, f.fix), (Status::Drift, Some(Fix::Manual)));
        assert_eq!(
            f.found.as_ref().unwrap().version.as_deref(),
            Some("1.32.4-dispatcher")
        );
        assert_eq!(f.others.len(), 1);
        assert!(f.others[0].satisfies && f.others[0].in_bin_dir);
        let h = f.hint.unwrap();
        assert!(h.contains("is shadowed by /usr/bin/kubectl"), "{h}");
        assert!(h.contains("eval \"$(aladdin-doctor env)\""), "{h}");
    }

    #[test]
    fn unknown_when_the_version_cannot_be_read() {
        let failed = CopyState::Failed {
            reason: "`/usr/bin/minikube version` did not answer within 15 s and was stopped".into(),
            timed_out: true,
            output: None,
        };
        let f = one(
            Tool::Minikube,
            vec![copy("/usr/bin/minikube", Origin::Path(0), failed)],
            &layout(Some(1)),
            None,
        );
        assert_eq!((f.status, f.fix), (Status::Unknown, Some(Fix::Install)));
        assert!(f.found.as_ref().unwrap().version.is_none());
        let seen = f.found.as_ref().unwrap();
        assert!(
            seen.error
                .as_ref()
                .unwrap()
                .starts_with("`/usr/bin/minikube version` did not answer")
        );
        assert!(
            f.hint
                .unwrap()
                .starts_with("run `aladdin-doctor --fix` to install the pinned 1.35.0")
        );
    }

    #[test]
    fn missing_and_not_executable() {
        let f = one(
            Tool::Helm,
            vec![copy(
                "/usr/bin/helm",
                Origin::Path(0),
                CopyState::NotExecutable,
            )],
            &layout(Some(0)),
            None,
        );
        assert_eq!((f.status, f.fix), (Status::Missing, Some(Fix::Install)));
        assert!(f.found.is_none());
        assert!(
            f.others[0]
                .error
                .as_ref()
                .unwrap()
                .contains("not executable")
        );
    }

    #[test]
    fn overrides_apply_only_to_what_was_recorded() {
        let entry = OverrideEntry {
            version: "1.32.4-dispatcher".into(),
            path: "/usr/bin/kubectl".into(),
            pin: "1.30.6".into(),
            reason: Some("gcloud".into()),
            recorded: None,
        };
        let l = layout(Some(0));
        let c = || {
            vec![copy(
                "/usr/bin/kubectl",
                Origin::Path(1),
                read("1.32.4-dispatcher"),
            )]
        };
        let f = one(Tool::Kubectl, c(), &l, Some(&entry));
        assert_eq!((f.status, f.fix), (Status::Overridden, None));
        assert!(f.satisfied());
        assert!(f.hint.unwrap().contains("(gcloud)"));
        let moved = vec![copy(
            "/usr/local/bin/kubectl",
            Origin::Path(1),
            read("1.32.4-dispatcher"),
        )];
        let f = one(Tool::Kubectl, moved, &l, Some(&entry));
        assert_eq!(f.status, Status::Drift);
        assert!(
            f.notes[0].contains("because the binary's path changed"),
            "{:?}",
            f.notes
        );
        let stale = OverrideEntry {
            pin: "1.29.0".into(),
            ..entry.clone()
        };
        let f = one(Tool::Kubectl, c(), &l, Some(&stale));
        assert!(
            f.notes[0].contains("because the pin changed"),
            "{:?}",
            f.notes
        );
    }

    #[test]
    fn virtualbox_is_always_manual_with_os_steps() {
        let f = one(Tool::Virtualbox, vec![], &layout(Some(0)), None);
        assert_eq!((f.status, f.fix), (Status::Missing, Some(Fix::Manual)));
        let h = f.hint.unwrap();
        assert!(
            h.contains("`sudo sh VirtualBox-7.2.10-174163-Linux_amd64.run install`"),
            "{h}"
        );
        let mut mac = layout(Some(0));
        mac.platform = Platform::new(Os::Darwin, Arch::Arm64);
        let f = one(
            Tool::Virtualbox,
            vec![copy(
                "/usr/local/bin/VBoxManage",
                Origin::Path(0),
                read("7.1.4r165100"),
            )],
            &mac,
            None,
        );
        assert_eq!((f.status, f.fix), (Status::Drift, Some(Fix::Manual)));
        let h = f.hint.unwrap();
        assert!(
            h.contains("hdiutil attach -nobrowse VirtualBox-7.2.10-174163-macOSArm64.dmg"),
            "{h}"
        );
        let mut arm = layout(Some(0));
        arm.platform = Platform::new(Os::Linux, Arch::Arm64);
        let f = one(Tool::Virtualbox, vec![], &arm, None);
        assert!(f.hint.unwrap().contains("no release for linux-arm64"));
    }

    #[test]
    fn unsupported_platform_is_manual() {
        let mut l = layout(Some(0));
        l.platform = Platform::new(Os::Windows, Arch::Arm64);
        let f = one(Tool::Docker, vec![], &l, None);
        assert_eq!((f.status, f.fix), (Status::Missing, Some(Fix::Manual)));
        assert!(
            f.hint
                .unwrap()
                .contains("no docker release for windows-arm64")
        );
    }

    #[test]
    fn vboxusers_warning_is_a_note_not_a_blocker() {
        let state = CopyState::Read(Reading {
            version: Version::parse("7.2.10r174163").unwrap(),
            warnings: vec!["WARNING: You are not a member of the \"vboxusers\" group.".into()],
        });
        let f = one(
            Tool::Virtualbox,
            vec![copy("/usr/bin/VBoxManage", Origin::Path(0), state)],
            &layout(Some(0)),
            None,
        );
        assert_eq!((f.status, f.fix), (Status::Ok, None));
        assert_eq!(f.notes.len(), 1);
    }
}
