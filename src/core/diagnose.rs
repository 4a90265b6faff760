//! PURE: (manifest, observations, overrides, layout) → one finding per pinned tool: its
//! status and the one typed remedy. Every rendering (text, JSON, TUI, `--fix`) starts from
//! these; `render` turns them into words.

use std::path::PathBuf;

use serde::Serialize;

use crate::core::isolation::{Config, Source};
use crate::core::manifest::{Manifest, Satisfaction, ToolSpec};
use crate::core::observation::{
    AsUser, CannotRun, Copy, CopyState, Observation, Origin, ProbeFailure, RawOutput, Warning,
    WarningKind,
};
use crate::core::overrides::{ForTool, NotNeeded, OverrideEntry, Overrides};
use crate::core::receipt::Change;
use crate::core::tool::{Platform, Tool};

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
    /// A binary the doctor installed has changed since (its install receipt no longer matches).
    Modified,
    /// The user marked the tool not needed (`override TOOL --not-needed`).
    #[serde(rename = "not_needed")]
    NotNeeded,
}

impl Status {
    pub(crate) fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Drift => "drift",
            Status::Missing => "missing",
            Status::Unknown => "unknown",
            Status::Overridden => "overridden",
            Status::Modified => "modified",
            Status::NotNeeded => "not needed",
        }
    }
}

/// The JSON report's `fix` field (README, "JSON report"): a summary of the remedy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Fix {
    /// The doctor can install the pin into the bin dir.
    Install,
    /// Something only the user (or a system installer) can do; the hint has the steps.
    Manual,
}

/// What makes PATH run the bin dir's copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "path", rename_all = "snake_case")]
pub(crate) enum PathFix {
    /// The bin dir is not on PATH.
    AddBinDir,
    /// The bin dir is on PATH, after `dir`, which holds the copy that runs now.
    BinDirBefore { dir: PathBuf },
}

/// The one thing that fixes a finding. Code branches on this; `render` words it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Remedy {
    /// Nothing to do.
    None,
    /// The doctor installs the pin into the bin dir; `then`, PATH needs a change too.
    InstallPin { then: Option<PathFix> },
    /// The pin is already in the bin dir at `parked`, but PATH runs another copy (`shadowed_by`)
    /// or nothing: only PATH needs to change.
    UseBinDir {
        parked: PathBuf,
        shadowed_by: Option<PathBuf>,
        bin_dir_on_path: bool,
    },
    /// VirtualBox: its system installer (admin rights) from `url`.
    SystemInstaller { file: String, url: String },
    /// VirtualBox is at the pin but cannot start VMs: its kernel driver needs fixing.
    RepairVirtualbox,
    /// The binary is fine (the pin) but the user's own configuration makes its version command
    /// fail for them: that configuration is what to fix, not the binary.
    FixConfig {
        /// The part to blame (None: no single part of it).
        config: Option<Config>,
        source: Option<Source>,
        #[serde(skip_serializing)]
        failure: ProbeFailure,
    },
    /// The binary may not run here (a noexec mount, a security policy, macOS quarantine):
    /// reinstalling the same file changes nothing.
    Unblock { path: PathBuf, quarantine: bool },
    /// versions.toml has no release of the tool for this platform.
    NoRelease { platform: Platform },
}

impl Remedy {
    /// The JSON `fix` summary.
    pub(crate) fn fix(&self) -> Option<Fix> {
        match self {
            Remedy::None => None,
            Remedy::InstallPin { .. } => Some(Fix::Install),
            Remedy::UseBinDir { .. }
            | Remedy::SystemInstaller { .. }
            | Remedy::RepairVirtualbox
            | Remedy::FixConfig { .. }
            | Remedy::Unblock { .. }
            | Remedy::NoRelease { .. } => Some(Fix::Manual),
        }
    }
}

/// Why a copy's version is unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SeenError {
    /// A file with the tool's name that cannot be executed (a shell skips it).
    NotExecutable,
    Probe(ProbeFailure),
}

/// One copy of a tool, as reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) path: PathBuf,
    pub(crate) version: Option<String>,
    /// Why the version is unknown.
    pub(crate) error: Option<SeenError>,
    pub(crate) in_bin_dir: bool,
    /// Running the tool's name reaches this copy (it is on PATH, or the effective one).
    pub(crate) reachable: bool,
    pub(crate) satisfies: bool,
    pub(crate) warnings: Vec<Warning>,
    pub(crate) output: Option<RawOutput>,
    /// Changed since the doctor installed it (what changed).
    pub(crate) modified: Option<Vec<Change>>,
}

/// Why an override no longer applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stale {
    Pin,
    Path,
    Version,
}

/// A fact worth showing that needs no action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Note {
    /// `version` is not the pin but `range` accepts it.
    Accepted { version: String, range: String },
    /// The recorded override no longer applies.
    StaleOverride { entry: OverrideEntry, why: Stale },
    /// The tool warned about something that does not stop it.
    Warning(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) tool: Tool,
    /// The pin as shown (`7.2.10r174163` for VirtualBox).
    pub(crate) pinned: String,
    pub(crate) accept: Option<String>,
    pub(crate) status: Status,
    pub(crate) remedy: Remedy,
    /// The copy the user's PATH runs.
    pub(crate) found: Option<Seen>,
    /// Every other copy (shadowed ones, the bin dir's when it is not first, non-executables).
    pub(crate) others: Vec<Seen>,
    pub(crate) notes: Vec<Note>,
    /// The override that made this row `overridden`.
    pub(crate) kept: Option<OverrideEntry>,
    /// The mark that made this row `not_needed`.
    pub(crate) not_needed: Option<NotNeeded>,
}

impl Finding {
    /// Nothing remains to be done for this tool.
    pub(crate) fn satisfied(&self) -> bool {
        matches!(
            self.status,
            Status::Ok | Status::Overridden | Status::NotNeeded
        ) && self.remedy == Remedy::None
    }

    pub(crate) fn fix(&self) -> Option<Fix> {
        self.remedy.fix()
    }

    /// The version found on PATH, if it could be read.
    pub(crate) fn found_version(&self) -> Option<&str> {
        self.found.as_ref().and_then(|s| s.version.as_deref())
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
            Some(diagnose_tool(
                spec,
                obs,
                overrides.for_tool(spec.tool),
                layout,
            ))
        })
        .collect()
}

pub(crate) fn diagnose_tool(
    spec: &ToolSpec,
    obs: &Observation,
    said: ForTool<'_>,
    layout: &Layout,
) -> Finding {
    let entry = said.keep;
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

    let kept = found
        .as_ref()
        .filter(|f| !f.satisfies)
        .and_then(|f| Some((f, f.version.as_deref()?)))
        .and_then(|(f, v)| entry.filter(|e| e.applies(&pinned, &f.path, v)))
        .cloned();
    let status = match &found {
        _ if said.not_needed.is_some() => Status::NotNeeded,
        None => Status::Missing,
        Some(f) if f.modified.is_some() => Status::Modified,
        Some(f) if f.version.is_none() => Status::Unknown,
        Some(f) if f.satisfies => Status::Ok,
        Some(_) if kept.is_some() => Status::Overridden,
        Some(_) => Status::Drift,
    };
    let notes = notes(spec, &found, status, entry, kept.is_some(), &pinned);
    let remedy = remedy(spec, effective, &found, &others, status, layout);
    Finding {
        tool: spec.tool,
        pinned,
        accept: spec.accept.as_ref().map(|(s, _)| s.clone()),
        status,
        remedy,
        found,
        others,
        notes,
        kept,
        not_needed: said.not_needed.cloned(),
    }
}

fn notes(
    spec: &ToolSpec,
    found: &Option<Seen>,
    status: Status,
    entry: Option<&OverrideEntry>,
    kept: bool,
    pinned: &str,
) -> Vec<Note> {
    let mut notes = Vec::new();
    if let (Some(v), Some((range, _))) = (
        found.as_ref().and_then(|f| f.version.as_ref()),
        &spec.accept,
    ) && v != pinned
        && status == Status::Ok
    {
        notes.push(Note::Accepted {
            version: v.clone(),
            range: range.clone(),
        });
    }
    if let Some(e) = entry
        && !kept
    {
        let why = if e.pin != pinned {
            Stale::Pin
        } else if found.as_ref().is_none_or(|f| f.path != e.path) {
            Stale::Path
        } else {
            Stale::Version
        };
        notes.push(Note::StaleOverride {
            entry: e.clone(),
            why,
        });
    }
    for w in found.iter().flat_map(|f| f.warnings.iter()) {
        if w.kind == WarningKind::Info {
            notes.push(Note::Warning(w.text.clone()));
        }
    }
    notes
}

fn remedy(
    spec: &ToolSpec,
    effective: Option<&Copy>,
    found: &Option<Seen>,
    others: &[Seen],
    status: Status,
    layout: &Layout,
) -> Remedy {
    let blocked = found
        .iter()
        .flat_map(|f| f.warnings.iter())
        .any(|w| w.kind == WarningKind::VmsCannotStart);
    let breaks = effective.and_then(|c| match &c.as_user {
        Some(AsUser::Breaks { culprit, failure }) => Some(Remedy::FixConfig {
            config: culprit.as_ref().map(|(c, _)| *c),
            source: culprit.as_ref().map(|(_, s)| s.clone()),
            failure: failure.clone(),
        }),
        _ => None,
    });
    match status {
        Status::Ok if blocked => return Remedy::RepairVirtualbox,
        Status::Ok if breaks.is_some() => return breaks.expect("checked"),
        Status::Ok | Status::Overridden | Status::NotNeeded => return Remedy::None,
        Status::Drift | Status::Missing | Status::Unknown | Status::Modified => {}
    }
    if let Some(c) = effective
        && let CopyState::Failed {
            failure: ProbeFailure::CannotRun { cause, .. },
            ..
        } = &c.state
        && matches!(cause, CannotRun::Blocked | CannotRun::KilledAtStart)
    {
        return Remedy::Unblock {
            path: c.path.clone(),
            quarantine: *cause == CannotRun::KilledAtStart,
        };
    }
    let Some(artifact) = spec.artifact(layout.platform) else {
        return Remedy::NoRelease {
            platform: layout.platform,
        };
    };
    if !spec.tool.installs_into_bin_dir() {
        return Remedy::SystemInstaller {
            file: artifact.file_name().to_string(),
            url: artifact.url.clone(),
        };
    }
    // A copy of the pin already sits in the bin dir but is not what PATH runs.
    if let Some(parked) = others.iter().find(|s| s.in_bin_dir && s.satisfies) {
        return Remedy::UseBinDir {
            parked: parked.path.clone(),
            shadowed_by: found.as_ref().map(|f| f.path.clone()),
            bin_dir_on_path: layout.bin_dir_index.is_some(),
        };
    }
    Remedy::InstallPin {
        then: path_fix(effective, layout),
    }
}

/// What else must change when an install into the bin dir would not change what PATH runs.
fn path_fix(effective: Option<&Copy>, layout: &Layout) -> Option<PathFix> {
    match (effective, layout.bin_dir_index) {
        (Some(c), _) if c.in_bin_dir => None,
        (_, None) => Some(PathFix::AddBinDir),
        // The bin dir is on PATH, but after the directory of the copy that runs now.
        (Some(c), Some(b)) if matches!(c.origin, Origin::Path(i) if i < b) => {
            Some(PathFix::BinDirBefore {
                dir: c.path.parent().map(PathBuf::from).unwrap_or_default(),
            })
        }
        _ => None,
    }
}

fn to_seen(spec: &ToolSpec, c: &Copy, is_effective: bool) -> Seen {
    let (version, error, warnings, output) = match &c.state {
        CopyState::NotExecutable => (None, Some(SeenError::NotExecutable), Vec::new(), None),
        CopyState::Read(r) => (Some(r.version.raw.clone()), None, r.warnings.clone(), None),
        CopyState::Failed { failure, output } => (
            None,
            Some(SeenError::Probe(failure.clone())),
            Vec::new(),
            output.clone(),
        ),
    };
    // A binary changed since we installed it satisfies nothing, whatever it prints.
    let modified = c.receipt.clone().filter(|changes| !changes.is_empty());
    let satisfies = match &c.state {
        CopyState::Read(r) => {
            spec.satisfaction(&r.version) != Satisfaction::No && modified.is_none()
        }
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
        modified,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::observation::Reading;
    use crate::core::render;
    use crate::core::tool::{Arch, Os};
    use crate::core::version::Version;
    use std::time::Duration;

    fn hint(f: &Finding, l: &Layout) -> String {
        render::hint(f, None, l).unwrap_or_default()
    }

    /// The exit-code policy's input: whether every finding is satisfied.
    fn exit_code(f: &[Finding]) -> u8 {
        u8::from(!f.iter().all(Finding::satisfied))
    }

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
            as_user: None,
            receipt: None,
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
            ForTool {
                keep: entry,
                not_needed: None,
            },
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
        assert_eq!((f.status, &f.remedy), (Status::Ok, &Remedy::None));
        assert_eq!(render::hint(&f, None, &l), None);
        assert!(f.satisfied());
        let f = one(
            Tool::Kubectl,
            vec![copy("/usr/bin/kubectl", Origin::Path(1), read("1.30.8"))],
            &l,
            None,
        );
        assert_eq!(f.status, Status::Ok);
        assert_eq!(
            f.notes,
            [Note::Accepted {
                version: "1.30.8".into(),
                range: ">=1.30.6, <1.31".into()
            }]
        );
        assert!(render::note(&f.notes[0], &f.pinned).contains("accepted by `>=1.30.6, <1.31`"));
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
        assert_eq!(
            (f.status, &f.remedy),
            (
                Status::Drift,
                &Remedy::InstallPin {
                    then: Some(PathFix::AddBinDir)
                }
            )
        );
        assert_eq!(f.fix(), Some(Fix::Install));
        let h = hint(&f, &layout(None));
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
        assert_eq!(
            f.remedy,
            Remedy::InstallPin {
                then: Some(PathFix::BinDirBefore {
                    dir: "/usr/bin".into()
                })
            }
        );
        assert!(hint(&f, &layout(Some(3))).contains("put /h/.aladdin/bin before /usr/bin on PATH"));
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
        assert_eq!(f.remedy, Remedy::InstallPin { then: None });
        assert!(!hint(&f, &layout(Some(0))).contains("PATH"));
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
        assert_eq!(
            (f.status, &f.remedy),
            (
                Status::Drift,
                &Remedy::UseBinDir {
                    parked: "/h/.aladdin/bin/kubectl".into(),
                    shadowed_by: Some("/usr/bin/kubectl".into()),
                    bin_dir_on_path: true
                }
            )
        );
        assert_eq!(f.fix(), Some(Fix::Manual));
        assert_eq!(f.found_version(), Some("1.32.4-dispatcher"));
        assert_eq!(f.others.len(), 1);
        assert!(f.others[0].satisfies && f.others[0].in_bin_dir);
        let h = hint(&f, &layout(Some(1)));
        assert!(h.contains("is shadowed by /usr/bin/kubectl"), "{h}");
        assert!(h.contains("eval \"$(aladdin-doctor env)\""), "{h}");
    }

    #[test]
    fn unknown_when_the_version_cannot_be_read() {
        let failed = CopyState::Failed {
            failure: ProbeFailure::TimedOut {
                command: "/usr/bin/minikube version".into(),
                after: Duration::from_secs(15),
            },
            output: None,
        };
        let f = one(
            Tool::Minikube,
            vec![copy("/usr/bin/minikube", Origin::Path(0), failed)],
            &layout(Some(1)),
            None,
        );
        assert_eq!((f.status, f.fix()), (Status::Unknown, Some(Fix::Install)));
        assert!(f.found.as_ref().unwrap().version.is_none());
        let seen = f.found.as_ref().unwrap();
        let SeenError::Probe(p) = seen.error.as_ref().unwrap() else {
            panic!("{seen:?}")
        };
        assert_eq!(p.kind(), "timed_out");
        assert!(
            render::seen_error(seen.error.as_ref().unwrap())
                .starts_with("`/usr/bin/minikube version` did not answer")
        );
        assert!(
            hint(&f, &layout(Some(1)))
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
        assert_eq!((f.status, f.fix()), (Status::Missing, Some(Fix::Install)));
        assert!(f.found.is_none());
        assert_eq!(f.others[0].error, Some(SeenError::NotExecutable));
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
        assert_eq!((f.status, &f.remedy), (Status::Overridden, &Remedy::None));
        assert!(f.satisfied());
        assert!(hint(&f, &l).contains("(gcloud)"));
        let moved = vec![copy(
            "/usr/local/bin/kubectl",
            Origin::Path(1),
            read("1.32.4-dispatcher"),
        )];
        let f = one(Tool::Kubectl, moved, &l, Some(&entry));
        assert_eq!(f.status, Status::Drift);
        assert!(matches!(
            f.notes[0],
            Note::StaleOverride {
                why: Stale::Path,
                ..
            }
        ));
        assert!(
            render::note(&f.notes[0], &f.pinned).contains("because the binary's path changed"),
            "{:?}",
            f.notes
        );
        let stale = OverrideEntry {
            pin: "1.29.0".into(),
            ..entry.clone()
        };
        let f = one(Tool::Kubectl, c(), &l, Some(&stale));
        assert!(matches!(
            f.notes[0],
            Note::StaleOverride {
                why: Stale::Pin,
                ..
            }
        ));
    }

    #[test]
    fn virtualbox_is_always_manual_with_os_steps() {
        let f = one(Tool::Virtualbox, vec![], &layout(Some(0)), None);
        assert_eq!((f.status, f.fix()), (Status::Missing, Some(Fix::Manual)));
        assert!(
            matches!(&f.remedy, Remedy::SystemInstaller { file, .. } if file == "VirtualBox-7.2.10-174163-Linux_amd64.run")
        );
        let h = hint(&f, &layout(Some(0)));
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
        assert_eq!((f.status, f.fix()), (Status::Drift, Some(Fix::Manual)));
        let h = hint(&f, &mac);
        assert!(
            h.contains("hdiutil attach -nobrowse VirtualBox-7.2.10-174163-macOSArm64.dmg"),
            "{h}"
        );
        let mut arm = layout(Some(0));
        arm.platform = Platform::new(Os::Linux, Arch::Arm64);
        let f = one(Tool::Virtualbox, vec![], &arm, None);
        assert_eq!(
            f.remedy,
            Remedy::NoRelease {
                platform: arm.platform
            }
        );
        assert!(hint(&f, &arm).contains("no release for linux-arm64"));
    }

    #[test]
    fn unsupported_platform_is_manual() {
        let mut l = layout(Some(0));
        l.platform = Platform::new(Os::Windows, Arch::Arm64);
        let f = one(Tool::Docker, vec![], &l, None);
        assert_eq!((f.status, f.fix()), (Status::Missing, Some(Fix::Manual)));
        assert!(hint(&f, &l).contains("no docker release for windows-arm64"));
    }

    #[test]
    fn vboxusers_warning_is_a_note_not_a_blocker() {
        let warning = |kind, text: &str| crate::core::observation::Warning {
            kind,
            text: text.into(),
        };
        let state = CopyState::Read(Reading {
            version: Version::parse("7.2.10r174163").unwrap(),
            warnings: vec![warning(
                WarningKind::Info,
                "WARNING: You are not a member of the \"vboxusers\" group.",
            )],
        });
        let f = one(
            Tool::Virtualbox,
            vec![copy("/usr/bin/VBoxManage", Origin::Path(0), state)],
            &layout(Some(0)),
            None,
        );
        assert_eq!((f.status, &f.remedy), (Status::Ok, &Remedy::None));
        assert_eq!(f.notes.len(), 1);
        // The kernel-module warning is a blocker even though the version is right.
        let state = CopyState::Read(Reading {
            version: Version::parse("7.2.10r174163").unwrap(),
            warnings: vec![warning(
                WarningKind::VmsCannotStart,
                "WARNING: The vboxdrv kernel module is not loaded.",
            )],
        });
        let f = one(
            Tool::Virtualbox,
            vec![copy("/usr/bin/VBoxManage", Origin::Path(0), state)],
            &layout(Some(0)),
            None,
        );
        assert_eq!(
            (f.status, &f.remedy),
            (Status::Ok, &Remedy::RepairVirtualbox)
        );
        assert!(!f.satisfied());
        assert_eq!(exit_code(&[f]), 1);
    }
}
