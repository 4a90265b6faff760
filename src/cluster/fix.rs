//! PURE: what `--fix --cluster` does about each row's remedy, and in which order.
//!
//! A remedy becomes one of: a command we run (minikube start / unpause / update-context / addons
//! enable, helm 2's `helm init`), a context switch (only with `--switch-context`: it changes
//! which cluster every later kubectl and helm call talks to), a `chmod` of the kubeconfig, or a
//! step left to the user. Left to the user, always: anything that needs root (the docker
//! daemon, the `docker` group), anything that destroys state (`minikube delete`), anything that
//! lives in the user's shell (`DOCKER_HOST`, `minikube docker-env`), and freeing disk inside the
//! node. The argument vectors here are also what the report suggests ([`super::render`]), so
//! the hint and the command `--fix` runs cannot drift apart.

use std::time::Duration;

use super::Release;
use super::commands::{ProbeCommand, Program};
use super::rows::{Check, Remedy, Row};

/// `--driver` replaced `--vm-driver` in minikube v1.8.0 (kubernetes/minikube commit
/// e2ce45c6f0; see kubernetes/minikube#11548).
const DRIVER_FLAG: Release = Release::new(1, 8, 0);

/// What `--fix --cluster` does about a remedy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Run this command (shown first, its output passed through made inert).
    Run(ProbeCommand),
    /// `kubectl config use-context`: run only with `--switch-context`.
    SwitchContext(ProbeCommand),
    /// Remove group and other permissions from the kubeconfig (`None`: the one kubectl uses).
    Restrict { path: Option<String> },
    /// Not ours to do; the report says how.
    Manual(Why),
}

/// Why a remedy is left to the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Why {
    /// It needs root (the daemon, the `docker` group): never sudo behind the user's back.
    NeedsRoot,
    /// It destroys the cluster's state.
    Destroys,
    /// It is the user's shell environment; a child process cannot change it.
    Shell,
    /// It needs a judgement (what to delete inside the node).
    Judgement,
    /// Something is starting; time fixes it.
    Wait,
}

fn profile_flag(profile: &str) -> Vec<String> {
    if profile == "minikube" {
        Vec::new()
    } else {
        vec!["-p".into(), profile.into()]
    }
}

fn command(program: Program, args: Vec<String>, secs: u64) -> ProbeCommand {
    ProbeCommand {
        program,
        args,
        kill_after: Duration::from_secs(secs),
    }
}

/// `--keep-context` (v0.25 to today): `minikube start` sets the current context unless told
/// not to (kubernetes/minikube `cmd/minikube/cmd/start_flags.go`, `keepContext`).
const KEEP_CONTEXT: &str = "--keep-context";
/// From v1.14.0 `minikube update-context` also makes the profile's context the current one
/// (kubernetes/minikube `cmd/minikube/cmd/update-context.go`, `SetCurrentContext`).
const UPDATE_CONTEXT_SWITCHES: Release = Release::new(1, 14, 0);

/// `minikube start`. A profile that does not exist yet is created with the pinned driver and
/// Kubernetes version (`create`); an existing one is started as it was made, since minikube
/// refuses another driver for it and would up- or downgrade its Kubernetes in place. The current
/// context stays as it is unless `switch_context`. It may download an ISO and images and boot a
/// VM: 15 minutes.
pub(crate) fn start(
    profile: &str,
    driver: &str,
    kubernetes_version: &Option<String>,
    create: bool,
    minikube: Option<Release>,
    switch_context: bool,
) -> ProbeCommand {
    let flag = match minikube {
        Some(v) if v < DRIVER_FLAG => "--vm-driver",
        _ => "--driver",
    };
    let mut args = vec!["start".to_string()];
    args.extend(profile_flag(profile));
    if create {
        args.push(format!("{flag}={driver}"));
        if let Some(k) = kubernetes_version {
            args.push(format!("--kubernetes-version={k}"));
        }
    }
    if !switch_context {
        args.push(KEEP_CONTEXT.into());
    }
    command(Program::Minikube, args, 15 * 60)
}

/// What `--fix --cluster` does about `remedy` (`None` for [`Remedy::None`]). With
/// `switch_context`, commands may change the current kube context; without, they keep it, or
/// (where they cannot) wait for consent as [`Action::SwitchContext`].
pub(crate) fn action(
    remedy: &Remedy,
    minikube: Option<Release>,
    switch_context: bool,
) -> Option<Action> {
    let with_profile = |mut args: Vec<String>, profile: &str| {
        args.extend(profile_flag(profile));
        args
    };
    Some(match remedy {
        Remedy::None => return None,
        Remedy::StartDockerDaemon
        | Remedy::RestartDockerDaemon
        | Remedy::FixSocketPermission { .. } => Action::Manual(Why::NeedsRoot),
        Remedy::ResetDockerEndpoint | Remedy::LeaveMinikubeDockerEnv => Action::Manual(Why::Shell),
        Remedy::RecreateMinikube { .. } => Action::Manual(Why::Destroys),
        Remedy::FreeNodeDisk { .. } => Action::Manual(Why::Judgement),
        Remedy::RetryLater => Action::Manual(Why::Wait),
        // The `none` driver runs the cluster on the host as root: minikube calls sudo itself.
        Remedy::StartMinikube { driver, create, .. } if *create && driver == "none" => {
            Action::Manual(Why::NeedsRoot)
        }
        Remedy::StartMinikube {
            profile,
            driver,
            kubernetes_version,
            create,
        } => Action::Run(start(
            profile,
            driver,
            kubernetes_version,
            *create,
            minikube,
            switch_context,
        )),
        Remedy::UnpauseMinikube { profile } => Action::Run(command(
            Program::Minikube,
            with_profile(vec!["unpause".into()], profile),
            2 * 60,
        )),
        Remedy::UpdateContext { profile } => {
            let cmd = command(
                Program::Minikube,
                with_profile(vec!["update-context".into()], profile),
                60,
            );
            match minikube {
                Some(v) if v < UPDATE_CONTEXT_SWITCHES => Action::Run(cmd),
                _ => Action::SwitchContext(cmd),
            }
        }
        Remedy::EnableAddon { profile, name } => Action::Run(command(
            Program::Minikube,
            with_profile(
                vec!["addons".into(), "enable".into(), name.clone()],
                profile,
            ),
            5 * 60,
        )),
        // helm 2 only. `--wait` blocks until Tiller answers, so the re-check sees it;
        // `--skip-refresh` skips the stable repository's index, whose old home answers 403
        // (helm/helm `cmd/helm/init.go`).
        Remedy::InstallTiller { context } => Action::Run(command(
            Program::Helm,
            vec![
                "init".into(),
                "--kube-context".into(),
                context.clone(),
                "--skip-refresh".into(),
                "--wait".into(),
            ],
            5 * 60,
        )),
        Remedy::UseContext { name } => Action::SwitchContext(command(
            Program::Kubectl,
            vec!["config".into(), "use-context".into(), name.clone()],
            10,
        )),
        Remedy::RestrictKubeconfig { path } => Action::Restrict { path: path.clone() },
    })
}

/// One thing `--fix --cluster` will do this round, for the row it fixes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) check: Check,
    pub(crate) action: Action,
}

/// The most rounds of fix → re-check: minikube start, then what only a running cluster shows
/// (addons, Tiller), then one spare.
pub(crate) const MAX_ROUNDS: usize = 3;

/// What to do this round: every failing or warning row's action that we may run (in report
/// order, so the cluster starts before its addons are enabled), leaving out what an earlier
/// round already did: a command that ran once and did not help is not repeated.
pub(crate) fn next(
    rows: &[Row],
    minikube: Option<Release>,
    switch_context: bool,
    done: &[Action],
) -> Vec<Step> {
    let due = |r: &Row| super::rows::fails(r) || r.status == super::rows::RowStatus::Warning;
    // With `--switch-context`, `minikube start` itself makes its profile's context current:
    // no use-context for it in the same round.
    let started = switch_context.then(|| {
        rows.iter().find_map(|r| match &r.remedy {
            Remedy::StartMinikube { profile, .. } if due(r) => Some(profile.as_str()),
            _ => None,
        })
    });
    let mut steps: Vec<Step> = Vec::new();
    for r in rows {
        if !due(r) {
            continue;
        }
        if let (Some(Some(profile)), Remedy::UseContext { name }) = (started, &r.remedy)
            && name == profile
        {
            continue;
        }
        let Some(action) = action(&r.remedy, minikube, switch_context) else {
            continue;
        };
        let runnable = match &action {
            Action::Run(_) | Action::Restrict { .. } => true,
            Action::SwitchContext(_) => switch_context,
            Action::Manual(_) => false,
        };
        if runnable && !done.contains(&action) && !steps.iter().any(|s| s.action == action) {
            steps.push(Step {
                check: r.check.clone(),
                action,
            });
        }
    }
    steps
}

/// The kube context a fix would switch to, when one may run only with `--switch-context`.
pub(crate) fn needs_switch(rows: &[Row], minikube: Option<Release>) -> Option<String> {
    rows.iter().find_map(|r| {
        let gated = (super::rows::fails(r) || r.status == super::rows::RowStatus::Warning)
            && matches!(
                action(&r.remedy, minikube, false),
                Some(Action::SwitchContext(_))
            );
        match &r.remedy {
            Remedy::UseContext { name } if gated => Some(name.clone()),
            // minikube names the context after the profile.
            Remedy::UpdateContext { profile } if gated => Some(profile.clone()),
            _ => None,
        }
    })
}

/// What `--fix --cluster` did for a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Done {
    pub(crate) check: Check,
    pub(crate) action: Action,
    pub(crate) result: Result<(), Failure>,
}

/// How a fix failed. `tail` is the command's last lines, untrusted (made inert when shown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Exited non-zero (`None`: killed by a signal).
    Exit {
        code: Option<i32>,
        tail: Vec<String>,
    },
    TimedOut {
        limit: Duration,
        tail: Vec<String>,
    },
    /// The run was interrupted while it ran.
    Cancelled,
    NotStarted {
        error: String,
    },
    /// The kubeconfig's permissions could not be changed.
    Restrict {
        path: String,
        error: String,
    },
}

#[cfg(test)]
mod tests {
    use super::super::ClusterPins;
    use super::super::minikube::MinikubeState;
    use super::super::rows::{self, Installed, Observed, RowStatus, Seen};
    use super::*;

    fn args(a: &Action) -> Vec<&str> {
        match a {
            Action::Run(c) | Action::SwitchContext(c) => {
                c.args.iter().map(String::as_str).collect()
            }
            _ => vec![],
        }
    }

    #[test]
    fn the_driver_flag_follows_the_minikube_era() {
        let start = Remedy::StartMinikube {
            profile: "minikube".into(),
            driver: "virtualbox".into(),
            kubernetes_version: Some("v1.30.6".into()),
            create: true,
        };
        assert_eq!(
            args(&action(&start, Some(Release::new(1, 35, 0)), true).unwrap()),
            [
                "start",
                "--driver=virtualbox",
                "--kubernetes-version=v1.30.6"
            ]
        );
        assert_eq!(
            args(&action(&start, Some(Release::new(0, 25, 2)), false).unwrap()),
            [
                "start",
                "--vm-driver=virtualbox",
                "--kubernetes-version=v1.30.6",
                "--keep-context"
            ]
        );
        // An existing profile starts as it was made; the context stays unless asked.
        let existing = Remedy::StartMinikube {
            profile: "dev".into(),
            driver: "virtualbox".into(),
            kubernetes_version: Some("v1.30.6".into()),
            create: false,
        };
        assert_eq!(
            args(&action(&existing, Some(Release::new(1, 35, 0)), false).unwrap()),
            ["start", "-p", "dev", "--keep-context"]
        );
        // update-context switches the context from v1.14: it waits for consent there.
        let update = Remedy::UpdateContext {
            profile: "minikube".into(),
        };
        assert!(matches!(
            action(&update, Some(Release::new(1, 35, 0)), false),
            Some(Action::SwitchContext(_))
        ));
        assert!(matches!(
            action(&update, Some(Release::new(1, 13, 1)), false),
            Some(Action::Run(_))
        ));
        // The none driver calls sudo itself.
        let none = Remedy::StartMinikube {
            profile: "minikube".into(),
            driver: "none".into(),
            kubernetes_version: None,
            create: true,
        };
        assert_eq!(
            action(&none, None, false),
            Some(Action::Manual(Why::NeedsRoot))
        );
        let dev = Remedy::EnableAddon {
            profile: "dev".into(),
            name: "ingress".into(),
        };
        assert_eq!(
            args(&action(&dev, None, false).unwrap()),
            ["addons", "enable", "ingress", "-p", "dev"]
        );
    }

    #[test]
    fn root_destruction_and_the_shell_are_left_to_the_user() {
        for (r, why) in [
            (Remedy::StartDockerDaemon, Why::NeedsRoot),
            (Remedy::RestartDockerDaemon, Why::NeedsRoot),
            (Remedy::FixSocketPermission { socket: None }, Why::NeedsRoot),
            (Remedy::ResetDockerEndpoint, Why::Shell),
            (Remedy::LeaveMinikubeDockerEnv, Why::Shell),
            (
                Remedy::RecreateMinikube {
                    profile: "minikube".into(),
                    driver: "docker".into(),
                    kubernetes_version: None,
                },
                Why::Destroys,
            ),
            (
                Remedy::FreeNodeDisk {
                    profile: "minikube".into(),
                },
                Why::Judgement,
            ),
            (Remedy::RetryLater, Why::Wait),
        ] {
            assert_eq!(action(&r, None, true), Some(Action::Manual(why)), "{r:?}");
        }
        assert_eq!(action(&Remedy::None, None, true), None);
    }

    impl Step {
        fn action_args(&self) -> Vec<&str> {
            args(&self.action)
        }
    }

    fn row(check: Check, status: RowStatus, remedy: Remedy) -> Row {
        Row {
            check,
            status,
            seen: Seen::Nothing,
            remedy,
            skipped: None,
        }
    }

    #[test]
    fn steps_come_in_report_order_once_and_the_context_only_when_asked() {
        let use_ctx = Remedy::UseContext {
            name: "minikube".into(),
        };
        let rows = vec![
            row(
                Check::DockerDaemon,
                RowStatus::Warning,
                Remedy::StartDockerDaemon,
            ),
            row(
                Check::Minikube,
                RowStatus::Failed,
                Remedy::StartMinikube {
                    profile: "minikube".into(),
                    driver: "virtualbox".into(),
                    kubernetes_version: None,
                    create: false,
                },
            ),
            row(Check::KubeContext, RowStatus::Warning, use_ctx.clone()),
            row(
                Check::Addon("ingress".into()),
                RowStatus::Failed,
                Remedy::EnableAddon {
                    profile: "minikube".into(),
                    name: "ingress".into(),
                },
            ),
            row(
                Check::Helm,
                RowStatus::Warning,
                Remedy::RestrictKubeconfig { path: None },
            ),
        ];
        let checks = |steps: &[Step]| steps.iter().map(|s| s.check.name()).collect::<Vec<_>>();
        let steps = next(&rows, None, false, &[]);
        assert_eq!(checks(&steps), ["minikube", "addon:ingress", "helm"]);
        assert!(needs_switch(&rows, None).is_some());
        // With --switch-context, minikube start selects its context itself: no use-context.
        let steps = next(&rows, None, true, &[]);
        assert_eq!(checks(&steps), ["minikube", "addon:ingress", "helm"]);
        assert!(!steps[0].action_args().contains(&"--keep-context"));
        // Without a start to do, the switch is its own step.
        let running: Vec<Row> = rows
            .iter()
            .filter(|r| r.check != Check::Minikube)
            .cloned()
            .collect();
        let steps = next(&running, None, true, &[]);
        assert_eq!(checks(&steps), ["kube-context", "addon:ingress", "helm"]);
        // What ran in an earlier round and did not help is not run again.
        let done: Vec<Action> = steps.iter().map(|s| s.action.clone()).collect();
        assert!(next(&running, None, true, &done).is_empty());
    }

    #[test]
    fn a_stopped_cluster_is_started_and_nothing_else_is_tried_yet() {
        let pins = ClusterPins {
            addons: vec!["ingress".into()],
            ..ClusterPins::default()
        };
        let installed = Installed {
            docker: false,
            minikube: true,
            kubectl: true,
            helm: None,
        };
        let seen = Observed {
            minikube: Some(MinikubeState::NoProfile),
            ..Observed::default()
        };
        let rows = rows::rows(&pins, &installed, &seen);
        let steps = next(&rows, Some(Release::new(1, 35, 0)), true, &[]);
        assert_eq!(steps.len(), 1, "{steps:?}");
        assert_eq!(
            args(&steps[0].action),
            ["start", "--driver=virtualbox"],
            "{steps:?}"
        );
    }
}
