//! PURE: observations → cluster rows, with the dependencies between them.
//!
//! Order and dependencies (a row is skipped, with the row that blocked it, when a row it
//! depends on **failed**; a warning does not block, and neither does an inconclusive probe,
//! because a later probe is independent evidence):
//!
//! | row               | depends on                                                        |
//! |-------------------|-------------------------------------------------------------------|
//! | `docker-daemon`   | docker installed (not needed by other drivers: failure = warning) |
//! | `minikube`        | minikube installed; `docker-daemon` when the driver is docker      |
//! | `minikube-driver` | `minikube` not skipped, and the profile exists                    |
//! | `kube-context`    | kubectl installed (a wrong context is a loud warning only)        |
//! | `api-server`      | kubectl installed, `minikube`, `kube-context` (unreadable config)  |
//! | `addon:NAME`      | `minikube`, `api-server`                                          |
//! | `helm`            | helm installed, `api-server`                                      |
//!
//! A row whose dependencies hold but which has no observation yet is skipped as
//! [`SkipReason::NotProbed`]; [`wanted`] tells a runner exactly those, so it can probe in
//! dependency order (docker → minikube → driver, context, API → addons, helm) and never run a
//! probe whose answer would be noise.

use std::collections::BTreeMap;

use serde::Serialize;

use super::addons::{self, AddonCheck, AddonsState, Workload};
use super::docker::{DaemonState, DaemonTarget, EndpointProblem, Engine};
use super::helm::{HelmGeneration, HelmObservation, HelmState, HelmWarning, TillerState};
use super::kubectl::{ApiObservation, ApiState, CurrentContext};
use super::minikube::{Component, DriverState, MinikubeState};
use super::{ClusterPins, Inconclusive};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    DockerDaemon,
    Minikube,
    MinikubeDriver,
    KubeContext,
    ApiServer,
    /// A required addon, as the team names it.
    Addon(String),
    Helm,
}

impl Check {
    /// The row's `name` in reports (`addon:metrics-server`).
    pub(crate) fn name(&self) -> String {
        match self {
            Check::DockerDaemon => "docker-daemon".into(),
            Check::Minikube => "minikube".into(),
            Check::MinikubeDriver => "minikube-driver".into(),
            Check::KubeContext => "kube-context".into(),
            Check::ApiServer => "api-server".into(),
            Check::Addon(name) => format!("addon:{name}"),
            Check::Helm => "helm".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RowStatus {
    Ok,
    Failed,
    Warning,
    Skipped,
}

impl RowStatus {
    pub(crate) fn word(self) -> &'static str {
        match self {
            RowStatus::Ok => "ok",
            RowStatus::Failed => "failed",
            RowStatus::Warning => "warning",
            RowStatus::Skipped => "skipped",
        }
    }
}

/// What to do about a row: a typed remedy; [`super::render::hint`] turns it into a command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub(crate) enum Remedy {
    None,
    StartDockerDaemon,
    /// The daemon hangs or answers with errors.
    RestartDockerDaemon,
    /// Add the user to group `docker` (minikube's PROVIDER_DOCKER_NEWGRP).
    FixSocketPermission {
        socket: Option<String>,
    },
    /// `DOCKER_CONTEXT`/`DOCKER_HOST` point somewhere that does not exist.
    ResetDockerEndpoint,
    /// The shell still carries `minikube docker-env` for a VM that is gone or stopped.
    LeaveMinikubeDockerEnv,
    /// `create`: the profile does not exist yet, so the pinned driver and Kubernetes version
    /// apply; an existing profile starts as it was made.
    StartMinikube {
        profile: String,
        driver: String,
        kubernetes_version: Option<String>,
        create: bool,
    },
    UnpauseMinikube {
        profile: String,
    },
    /// Delete and recreate the profile with the pinned driver (destroys the cluster's state).
    RecreateMinikube {
        profile: String,
        driver: String,
        kubernetes_version: Option<String>,
    },
    FreeNodeDisk {
        profile: String,
    },
    /// `minikube update-context`: the profile's kubeconfig entry points at a stale endpoint.
    UpdateContext {
        profile: String,
    },
    UseContext {
        name: String,
    },
    EnableAddon {
        profile: String,
        name: String,
    },
    InstallTiller {
        context: String,
    },
    /// Take group and other permissions off the kubeconfig (helm 3.4–3.16 warn on every call
    /// otherwise).
    RestrictKubeconfig {
        path: Option<String>,
    },
    /// Something is starting up; look again in a minute.
    RetryLater,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClusterTool {
    Docker,
    Minikube,
    Kubectl,
    Helm,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SkipReason {
    /// The tool is not installed (the tools section already says so).
    ToolMissing(ClusterTool),
    /// The host's docker daemon plays no part with this driver.
    NotNeeded { driver: String },
    /// A row this one depends on failed (or was itself skipped).
    Blocked { by: Check },
    /// Dependencies hold; there is no observation yet.
    NotProbed,
}

/// What a row saw, kept typed for rendering (text, JSON, TUI).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Seen {
    Nothing,
    Docker {
        target: DaemonTarget,
        state: DaemonState,
        needed: bool,
    },
    Minikube {
        profile: String,
        state: MinikubeState,
    },
    Driver {
        state: DriverState,
        pinned: String,
    },
    Context {
        state: CurrentContext,
        pinned: String,
    },
    Api(ApiObservation),
    Addon {
        required: String,
        seen: AddonSeen,
    },
    Helm(HelmObservation),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AddonSeen {
    Check {
        check: AddonCheck,
        workload: Option<Workload>,
    },
    NoProfile,
    Inconclusive(Inconclusive),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) check: Check,
    pub(crate) status: RowStatus,
    pub(crate) seen: Seen,
    pub(crate) remedy: Remedy,
    /// Set exactly when `status` is `Skipped`.
    pub(crate) skipped: Option<SkipReason>,
}

/// Which tools the tools section found (helm with its generation).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Installed {
    pub(crate) docker: bool,
    pub(crate) minikube: bool,
    pub(crate) kubectl: bool,
    pub(crate) helm: Option<HelmGeneration>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DockerSeen {
    pub(crate) target: DaemonTarget,
    pub(crate) state: DaemonState,
}

/// Every probe's observation; `None` when the probe did not run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Observed {
    pub(crate) docker: Option<DockerSeen>,
    pub(crate) minikube: Option<MinikubeState>,
    pub(crate) driver: Option<DriverState>,
    pub(crate) context: Option<CurrentContext>,
    pub(crate) api: Option<ApiObservation>,
    pub(crate) addons: Option<AddonsState>,
    /// Workload reads, by the addon name minikube uses ([`addons::resolve`]).
    pub(crate) workloads: BTreeMap<String, Workload>,
    pub(crate) helm: Option<HelmObservation>,
}

fn skipped(check: Check, reason: SkipReason) -> Row {
    Row {
        check,
        status: RowStatus::Skipped,
        seen: Seen::Nothing,
        remedy: Remedy::None,
        skipped: Some(reason),
    }
}

fn row(check: Check, status: RowStatus, seen: Seen, remedy: Remedy) -> Row {
    Row {
        check,
        status,
        seen,
        remedy,
        skipped: None,
    }
}

/// Whether a row leaves something to do (the run exits 1): a failure, or a warning that the
/// cluster is not the pinned one (another kube context or driver). Other warnings (a docker
/// daemon the driver does not need, an addon still starting) are shown, not failed.
pub(crate) fn fails(r: &Row) -> bool {
    match r.status {
        RowStatus::Failed => true,
        RowStatus::Warning => matches!(r.check, Check::KubeContext | Check::MinikubeDriver),
        RowStatus::Ok | RowStatus::Skipped => false,
    }
}

/// Whether a row blocks the rows that depend on it.
fn blocks(r: &Row) -> bool {
    matches!(r.status, RowStatus::Failed | RowStatus::Skipped)
}

/// The rows, in report order.
pub(crate) fn rows(pins: &ClusterPins, installed: &Installed, seen: &Observed) -> Vec<Row> {
    let docker = docker_row(pins, installed, seen);
    let minikube = minikube_row(pins, installed, seen, &docker);
    let driver = driver_row(pins, seen, &minikube);
    let context = context_row(pins, installed, seen);
    let api = api_row(pins, installed, seen, &minikube, &context);
    let mut out = vec![docker, minikube, driver, context, api];
    for required in &pins.addons {
        let r = addon_row(pins, seen, required, &out[1], &out[4]);
        out.push(r);
    }
    let helm = helm_row(pins, installed, seen, &out[4]);
    out.push(helm);
    out
}

/// Whether a runner should run `check`'s probe now: its dependencies hold and it has no
/// observation yet.
pub(crate) fn wanted(
    check: &Check,
    pins: &ClusterPins,
    installed: &Installed,
    seen: &Observed,
) -> bool {
    rows(pins, installed, seen)
        .iter()
        .any(|r| r.check == *check && r.skipped == Some(SkipReason::NotProbed))
}

fn docker_row(pins: &ClusterPins, installed: &Installed, seen: &Observed) -> Row {
    let needed = pins.needs_docker_daemon();
    if !installed.docker {
        let reason = if needed {
            SkipReason::ToolMissing(ClusterTool::Docker)
        } else {
            SkipReason::NotNeeded {
                driver: pins.driver.clone(),
            }
        };
        return skipped(Check::DockerDaemon, reason);
    }
    let Some(d) = &seen.docker else {
        return skipped(Check::DockerDaemon, SkipReason::NotProbed);
    };
    let in_vm = matches!(d.target, DaemonTarget::MinikubeVm { .. });
    let failed = if needed {
        RowStatus::Failed
    } else {
        RowStatus::Warning
    };
    let (status, remedy) = match &d.state {
        DaemonState::Running {
            engine: Engine::Docker,
            ..
        } => (RowStatus::Ok, Remedy::None),
        // No daemon behind the shim: the docker driver is the wrong one for podman.
        DaemonState::Running {
            engine: Engine::PodmanShim,
            ..
        } => (
            if needed {
                RowStatus::Warning
            } else {
                RowStatus::Ok
            },
            Remedy::None,
        ),
        DaemonState::NotRunning { .. } | DaemonState::Hung if in_vm => {
            (failed, Remedy::LeaveMinikubeDockerEnv)
        }
        DaemonState::NotRunning { .. } => (failed, Remedy::StartDockerDaemon),
        DaemonState::Hung | DaemonState::DaemonError { .. } => {
            (failed, Remedy::RestartDockerDaemon)
        }
        DaemonState::PermissionDenied { endpoint } => (
            failed,
            Remedy::FixSocketPermission {
                socket: endpoint.as_ref().map(|e| e.raw.clone()),
            },
        ),
        DaemonState::EndpointConfig(EndpointProblem::TlsFiles) => {
            (failed, Remedy::LeaveMinikubeDockerEnv)
        }
        DaemonState::EndpointConfig(_) | DaemonState::Unresolvable { .. } => {
            (failed, Remedy::ResetDockerEndpoint)
        }
        DaemonState::Inconclusive(_) => (RowStatus::Warning, Remedy::None),
    };
    row(
        Check::DockerDaemon,
        status,
        Seen::Docker {
            target: d.target.clone(),
            state: d.state.clone(),
            needed,
        },
        remedy,
    )
}

fn start(pins: &ClusterPins, create: bool) -> Remedy {
    Remedy::StartMinikube {
        profile: pins.profile.clone(),
        driver: pins.driver.clone(),
        kubernetes_version: pins.kubernetes_version.clone(),
        create,
    }
}

fn minikube_row(pins: &ClusterPins, installed: &Installed, seen: &Observed, docker: &Row) -> Row {
    if !installed.minikube {
        return skipped(
            Check::Minikube,
            SkipReason::ToolMissing(ClusterTool::Minikube),
        );
    }
    if pins.needs_docker_daemon() && blocks(docker) {
        return skipped(
            Check::Minikube,
            SkipReason::Blocked {
                by: Check::DockerDaemon,
            },
        );
    }
    let Some(state) = &seen.minikube else {
        return skipped(Check::Minikube, SkipReason::NotProbed);
    };
    let profile = pins.profile.clone();
    let (status, remedy) = match state {
        MinikubeState::NoProfile => (RowStatus::Failed, start(pins, true)),
        MinikubeState::Stopped => (RowStatus::Failed, start(pins, false)),
        MinikubeState::Paused => (
            RowStatus::Failed,
            Remedy::UnpauseMinikube {
                profile: profile.clone(),
            },
        ),
        MinikubeState::Running {
            components,
            workers_down,
        } => {
            if !components.kubeconfig_ok() {
                (
                    RowStatus::Warning,
                    Remedy::UpdateContext {
                        profile: profile.clone(),
                    },
                )
            } else if *workers_down > 0 {
                (RowStatus::Warning, start(pins, false))
            } else {
                (RowStatus::Ok, Remedy::None)
            }
        }
        MinikubeState::Transitional(_) => (RowStatus::Failed, Remedy::RetryLater),
        MinikubeState::Broken(c) if c.host == Component::InsufficientStorage => (
            RowStatus::Failed,
            Remedy::FreeNodeDisk {
                profile: profile.clone(),
            },
        ),
        // `minikube start` on an existing profile repairs what it can.
        MinikubeState::Degraded(_) | MinikubeState::Broken(_) => {
            (RowStatus::Failed, start(pins, false))
        }
        MinikubeState::Inconclusive(_) => (RowStatus::Warning, Remedy::None),
    };
    row(
        Check::Minikube,
        status,
        Seen::Minikube {
            profile,
            state: state.clone(),
        },
        remedy,
    )
}

fn driver_row(pins: &ClusterPins, seen: &Observed, minikube: &Row) -> Row {
    let no_profile = matches!(seen.minikube, Some(MinikubeState::NoProfile));
    if minikube.status == RowStatus::Skipped || no_profile {
        return skipped(
            Check::MinikubeDriver,
            SkipReason::Blocked {
                by: Check::Minikube,
            },
        );
    }
    let Some(state) = &seen.driver else {
        return skipped(Check::MinikubeDriver, SkipReason::NotProbed);
    };
    let (status, remedy) = match state {
        DriverState::Driver(d) if *d == pins.driver => (RowStatus::Ok, Remedy::None),
        // It works, but it is not what the team pins; switching destroys the cluster, so this
        // is a warning, never a failure.
        DriverState::Driver(_) => (
            RowStatus::Warning,
            Remedy::RecreateMinikube {
                profile: pins.profile.clone(),
                driver: pins.driver.clone(),
                kubernetes_version: pins.kubernetes_version.clone(),
            },
        ),
        _ => (RowStatus::Warning, Remedy::None),
    };
    row(
        Check::MinikubeDriver,
        status,
        Seen::Driver {
            state: state.clone(),
            pinned: pins.driver.clone(),
        },
        remedy,
    )
}

fn context_row(pins: &ClusterPins, installed: &Installed, seen: &Observed) -> Row {
    if !installed.kubectl {
        return skipped(
            Check::KubeContext,
            SkipReason::ToolMissing(ClusterTool::Kubectl),
        );
    }
    let Some(state) = &seen.context else {
        return skipped(Check::KubeContext, SkipReason::NotProbed);
    };
    // The pinned context is minikube's profile's: it exists only once the profile does, and
    // switching to it before would fail. The minikube row's fix comes first then.
    let context_missing = pins.context == pins.profile
        && (!installed.minikube || matches!(seen.minikube, Some(MinikubeState::NoProfile)));
    let use_pinned = if context_missing {
        Remedy::None
    } else {
        Remedy::UseContext {
            name: pins.context.clone(),
        }
    };
    let (status, remedy) = match state {
        CurrentContext::Set { name } if *name == pins.context => (RowStatus::Ok, Remedy::None),
        // The probes pass --context, so this breaks nothing here; but the user's own kubectl and
        // helm commands go elsewhere, possibly to a production cluster. Said loudly in render.
        CurrentContext::Set { .. } | CurrentContext::NotSet => (RowStatus::Warning, use_pinned),
        CurrentContext::KubeconfigUnreadable => (RowStatus::Failed, Remedy::None),
        CurrentContext::Inconclusive(_) => (RowStatus::Warning, Remedy::None),
    };
    row(
        Check::KubeContext,
        status,
        Seen::Context {
            state: state.clone(),
            pinned: pins.context.clone(),
        },
        remedy,
    )
}

fn api_row(
    pins: &ClusterPins,
    installed: &Installed,
    seen: &Observed,
    minikube: &Row,
    context: &Row,
) -> Row {
    if !installed.kubectl {
        return skipped(
            Check::ApiServer,
            SkipReason::ToolMissing(ClusterTool::Kubectl),
        );
    }
    if blocks(minikube) {
        return skipped(
            Check::ApiServer,
            SkipReason::Blocked {
                by: Check::Minikube,
            },
        );
    }
    // A wrong current context only warns; an unreadable kubeconfig fails every kubectl call.
    if context.status == RowStatus::Failed {
        return skipped(
            Check::ApiServer,
            SkipReason::Blocked {
                by: Check::KubeContext,
            },
        );
    }
    let Some(obs) = &seen.api else {
        return skipped(Check::ApiServer, SkipReason::NotProbed);
    };
    let (mk_running, kubeconfig_stale) = match &seen.minikube {
        Some(MinikubeState::Running { components, .. }) => (true, !components.kubeconfig_ok()),
        _ => (false, false),
    };
    let update = Remedy::UpdateContext {
        profile: pins.profile.clone(),
    };
    use ApiState as A;
    let (status, remedy) = match &obs.state {
        A::Ready => (RowStatus::Ok, Remedy::None),
        A::NotReady { .. } => (RowStatus::Failed, Remedy::RetryLater),
        // The kubeconfig entry points at an endpoint that is not this profile's VM (its IP
        // changed, or another VM took it): what `minikube update-context` rewrites.
        A::TlsUnknownAuthority | A::TlsNameMismatch { .. } | A::TlsExpired | A::TlsOther => {
            (RowStatus::Failed, update)
        }
        A::Refused { .. } if mk_running || kubeconfig_stale => (RowStatus::Failed, update),
        A::TimedOut | A::NoRoute | A::Dns { .. } | A::ConnectionDropped if kubeconfig_stale => {
            (RowStatus::Failed, update)
        }
        // `minikube start` rewrites the context and its client certificate.
        A::Refused { .. } | A::ContextMissing { .. } | A::Unauthorized | A::NeedsCredentials => {
            (RowStatus::Failed, start(pins, false))
        }
        A::TimedOut
        | A::NoRoute
        | A::Dns { .. }
        | A::ConnectionDropped
        | A::NotFound
        | A::Forbidden
        | A::ServerError { .. }
        | A::UnexpectedBody
        | A::KubeconfigUnreadable => (RowStatus::Failed, Remedy::None),
        A::Inconclusive(_) => (RowStatus::Warning, Remedy::None),
    };
    row(Check::ApiServer, status, Seen::Api(obs.clone()), remedy)
}

fn addon_row(
    pins: &ClusterPins,
    seen: &Observed,
    required: &str,
    minikube: &Row,
    api: &Row,
) -> Row {
    let check = Check::Addon(required.to_string());
    if blocks(minikube) {
        return skipped(
            check,
            SkipReason::Blocked {
                by: Check::Minikube,
            },
        );
    }
    if blocks(api) {
        return skipped(
            check,
            SkipReason::Blocked {
                by: Check::ApiServer,
            },
        );
    }
    let Some(listing) = &seen.addons else {
        return skipped(check, SkipReason::NotProbed);
    };
    let enable = |name: &str| Remedy::EnableAddon {
        profile: pins.profile.clone(),
        name: name.to_string(),
    };
    let (status, remedy, addon_seen) = match listing {
        AddonsState::Listed(map) => {
            let resolved = addons::resolve(required, map);
            let workload = match &resolved {
                AddonCheck::Enabled { name } => seen.workloads.get(name).cloned(),
                _ => None,
            };
            let (status, remedy) = match (&resolved, &workload) {
                (AddonCheck::Enabled { .. }, None | Some(Workload::Available { .. })) => {
                    (RowStatus::Ok, Remedy::None)
                }
                (AddonCheck::Enabled { .. }, Some(Workload::NotAvailable)) => {
                    (RowStatus::Warning, Remedy::RetryLater)
                }
                (AddonCheck::Enabled { name }, Some(Workload::Missing)) => {
                    (RowStatus::Failed, enable(name))
                }
                (AddonCheck::Enabled { .. }, Some(Workload::Unreadable)) => {
                    (RowStatus::Warning, Remedy::None)
                }
                (AddonCheck::Disabled { name }, _) => (RowStatus::Failed, enable(name)),
                (AddonCheck::Unknown { .. }, _) => (RowStatus::Warning, Remedy::None),
                (AddonCheck::NotOffered, _) => (RowStatus::Failed, Remedy::None),
            };
            (
                status,
                remedy,
                AddonSeen::Check {
                    check: resolved,
                    workload,
                },
            )
        }
        AddonsState::NoProfile => (RowStatus::Failed, start(pins, true), AddonSeen::NoProfile),
        AddonsState::Inconclusive(i) => (
            RowStatus::Warning,
            Remedy::None,
            AddonSeen::Inconclusive(i.clone()),
        ),
    };
    row(
        check,
        status,
        Seen::Addon {
            required: required.to_string(),
            seen: addon_seen,
        },
        remedy,
    )
}

fn helm_row(pins: &ClusterPins, installed: &Installed, seen: &Observed, api: &Row) -> Row {
    if installed.helm.is_none() {
        return skipped(Check::Helm, SkipReason::ToolMissing(ClusterTool::Helm));
    }
    if blocks(api) {
        return skipped(
            Check::Helm,
            SkipReason::Blocked {
                by: Check::ApiServer,
            },
        );
    }
    let Some(obs) = &seen.helm else {
        return skipped(Check::Helm, SkipReason::NotProbed);
    };
    let (status, remedy) = match obs {
        HelmObservation::Tiller(t) => match t {
            TillerState::Ready { .. } => (RowStatus::Ok, Remedy::None),
            TillerState::NotInstalled => (
                RowStatus::Failed,
                Remedy::InstallTiller {
                    context: pins.context.clone(),
                },
            ),
            TillerState::NotReady => (RowStatus::Failed, Remedy::RetryLater),
            TillerState::TooOld | TillerState::Inconclusive(_) => {
                (RowStatus::Warning, Remedy::None)
            }
            TillerState::CannotConnect
            | TillerState::ClusterUnreachable(_)
            | TillerState::TimedOut => (RowStatus::Failed, Remedy::None),
        },
        HelmObservation::Client(h) => match h {
            HelmState::Reachable { warnings } => match warnings.first() {
                None => (RowStatus::Ok, Remedy::None),
                Some(HelmWarning::KubeconfigReadableByOthers { path }) => (
                    RowStatus::Warning,
                    Remedy::RestrictKubeconfig { path: path.clone() },
                ),
            },
            HelmState::Inconclusive(_) => (RowStatus::Warning, Remedy::None),
            HelmState::ClusterUnreachable(_)
            | HelmState::Forbidden
            | HelmState::ListFailed
            | HelmState::TimedOut => (RowStatus::Failed, Remedy::None),
        },
    };
    row(Check::Helm, status, Seen::Helm(obs.clone()), remedy)
}

#[cfg(test)]
mod tests {
    use super::super::addons::AddonStatus;
    use super::super::docker::Endpoint;
    use super::super::kubectl::ApiPath;
    use super::super::minikube::Components;
    use super::*;

    fn pins(driver: &str) -> ClusterPins {
        ClusterPins {
            profile: "minikube".into(),
            driver: driver.into(),
            context: "minikube".into(),
            kubernetes_version: Some("v1.30.6".into()),
            addons: vec!["metrics-server".into()],
        }
    }

    fn all_installed() -> Installed {
        Installed {
            docker: true,
            minikube: true,
            kubectl: true,
            helm: Some(HelmGeneration::Client),
        }
    }

    fn components(kubeconfig: &str) -> Components {
        Components {
            host: Component::Running,
            kubelet: Component::Running,
            apiserver: Component::Running,
            kubeconfig: Component::parse(kubeconfig),
        }
    }

    fn healthy() -> Observed {
        Observed {
            docker: Some(DockerSeen {
                target: DaemonTarget::Default,
                state: DaemonState::Running {
                    version: "28.2.2".into(),
                    engine: Engine::Docker,
                },
            }),
            minikube: Some(MinikubeState::Running {
                components: components("Configured"),
                workers_down: 0,
            }),
            driver: Some(DriverState::Driver("virtualbox".into())),
            context: Some(CurrentContext::Set {
                name: "minikube".into(),
            }),
            api: Some(ApiObservation {
                path: ApiPath::Readyz,
                state: ApiState::Ready,
            }),
            addons: Some(AddonsState::Listed(
                [("metrics-server".to_string(), AddonStatus::Enabled)].into(),
            )),
            workloads: BTreeMap::new(),
            helm: Some(HelmObservation::Client(HelmState::Reachable {
                warnings: vec![],
            })),
        }
    }

    fn find<'a>(rows: &'a [Row], name: &str) -> &'a Row {
        rows.iter()
            .find(|r| r.check.name() == name)
            .unwrap_or_else(|| panic!("no row {name}"))
    }

    fn statuses(rows: &[Row]) -> Vec<(String, RowStatus)> {
        rows.iter().map(|r| (r.check.name(), r.status)).collect()
    }

    #[test]
    fn all_good_in_order() {
        let rows = rows(&pins("virtualbox"), &all_installed(), &healthy());
        let names: Vec<String> = rows.iter().map(|r| r.check.name()).collect();
        assert_eq!(
            names,
            [
                "docker-daemon",
                "minikube",
                "minikube-driver",
                "kube-context",
                "api-server",
                "addon:metrics-server",
                "helm"
            ]
        );
        assert!(rows.iter().all(|r| r.status == RowStatus::Ok), "{rows:#?}");
        assert!(rows.iter().all(|r| r.remedy == Remedy::None));
    }

    #[test]
    fn stopped_minikube_skips_what_needs_it_with_the_reason() {
        let mut seen = healthy();
        seen.minikube = Some(MinikubeState::Stopped);
        // What a runner that ignored the dependency would have seen: not reported.
        seen.api = Some(ApiObservation {
            path: ApiPath::Readyz,
            state: ApiState::Refused {
                server: "192.168.99.100:8443".into(),
            },
        });
        let rows = rows(&pins("virtualbox"), &all_installed(), &seen);
        let mk = find(&rows, "minikube");
        assert_eq!(mk.status, RowStatus::Failed);
        assert_eq!(
            mk.remedy,
            Remedy::StartMinikube {
                profile: "minikube".into(),
                driver: "virtualbox".into(),
                kubernetes_version: Some("v1.30.6".into()),
                create: false,
            }
        );
        // The driver of a stopped profile is still readable.
        assert_eq!(find(&rows, "minikube-driver").status, RowStatus::Ok);
        let api = find(&rows, "api-server");
        assert_eq!(api.status, RowStatus::Skipped);
        assert_eq!(
            api.skipped,
            Some(SkipReason::Blocked {
                by: Check::Minikube
            })
        );
        assert_eq!(api.seen, Seen::Nothing, "not 'refused'");
        assert_eq!(
            find(&rows, "addon:metrics-server").skipped,
            Some(SkipReason::Blocked {
                by: Check::Minikube
            })
        );
        assert_eq!(
            find(&rows, "helm").skipped,
            Some(SkipReason::Blocked {
                by: Check::ApiServer
            })
        );
        // The context row does not depend on minikube.
        assert_eq!(find(&rows, "kube-context").status, RowStatus::Ok);
    }

    #[test]
    fn no_profile_skips_the_driver() {
        let mut seen = healthy();
        seen.minikube = Some(MinikubeState::NoProfile);
        seen.driver = None;
        let rows = rows(&pins("virtualbox"), &all_installed(), &seen);
        assert_eq!(
            find(&rows, "minikube-driver").skipped,
            Some(SkipReason::Blocked {
                by: Check::Minikube
            })
        );
    }

    #[test]
    fn docker_daemon_matters_only_for_the_docker_driver() {
        let mut seen = healthy();
        seen.docker = Some(DockerSeen {
            target: DaemonTarget::Default,
            state: DaemonState::PermissionDenied {
                endpoint: Endpoint::parse("unix:///var/run/docker.sock"),
            },
        });
        seen.driver = Some(DriverState::Driver("docker".into()));
        // docker driver: the daemon row fails and minikube is skipped.
        let rows_docker = rows(&pins("docker"), &all_installed(), &seen);
        let d = find(&rows_docker, "docker-daemon");
        assert_eq!(d.status, RowStatus::Failed);
        assert_eq!(
            d.remedy,
            Remedy::FixSocketPermission {
                socket: Some("unix:///var/run/docker.sock".into())
            }
        );
        assert_eq!(
            find(&rows_docker, "minikube").skipped,
            Some(SkipReason::Blocked {
                by: Check::DockerDaemon
            })
        );
        assert_eq!(
            find(&rows_docker, "api-server").skipped,
            Some(SkipReason::Blocked {
                by: Check::Minikube
            })
        );
        // virtualbox driver: a warning, and nothing depends on it.
        let rows_vbox = rows(&pins("virtualbox"), &all_installed(), &seen);
        assert_eq!(find(&rows_vbox, "docker-daemon").status, RowStatus::Warning);
        assert_eq!(find(&rows_vbox, "minikube").status, RowStatus::Ok);
        // Not installed: not needed vs. missing.
        let no_docker = Installed {
            docker: false,
            ..all_installed()
        };
        assert_eq!(
            find(
                &rows(&pins("virtualbox"), &no_docker, &seen),
                "docker-daemon"
            )
            .skipped,
            Some(SkipReason::NotNeeded {
                driver: "virtualbox".into()
            })
        );
        let r = rows(&pins("docker"), &no_docker, &seen);
        assert_eq!(
            find(&r, "docker-daemon").skipped,
            Some(SkipReason::ToolMissing(ClusterTool::Docker))
        );
        assert_eq!(
            find(&r, "minikube").skipped,
            Some(SkipReason::Blocked {
                by: Check::DockerDaemon
            })
        );
    }

    #[test]
    fn docker_remedies() {
        let remedy = |target: DaemonTarget, state: DaemonState| {
            let mut seen = healthy();
            seen.docker = Some(DockerSeen { target, state });
            find(
                &rows(&pins("docker"), &all_installed(), &seen),
                "docker-daemon",
            )
            .remedy
            .clone()
        };
        let vm = DaemonTarget::MinikubeVm {
            profile: Some("minikube".into()),
            endpoint: Endpoint::parse("tcp://192.168.99.100:2376"),
        };
        assert_eq!(
            remedy(
                DaemonTarget::Default,
                DaemonState::NotRunning { endpoint: None }
            ),
            Remedy::StartDockerDaemon
        );
        assert_eq!(
            remedy(vm.clone(), DaemonState::NotRunning { endpoint: None }),
            Remedy::LeaveMinikubeDockerEnv
        );
        assert_eq!(
            remedy(vm, DaemonState::Hung),
            Remedy::LeaveMinikubeDockerEnv
        );
        assert_eq!(
            remedy(DaemonTarget::Default, DaemonState::Hung),
            Remedy::RestartDockerDaemon
        );
        assert_eq!(
            remedy(
                DaemonTarget::Default,
                DaemonState::EndpointConfig(EndpointProblem::TlsFiles)
            ),
            Remedy::LeaveMinikubeDockerEnv
        );
        assert_eq!(
            remedy(
                DaemonTarget::Context {
                    name: "nope".into()
                },
                DaemonState::EndpointConfig(EndpointProblem::ContextNotFound {
                    name: "nope".into()
                })
            ),
            Remedy::ResetDockerEndpoint
        );
    }

    #[test]
    fn wrong_context_warns_but_blocks_nothing() {
        let mut seen = healthy();
        seen.context = Some(CurrentContext::Set {
            name: "prod-eu".into(),
        });
        let rows = rows(&pins("virtualbox"), &all_installed(), &seen);
        let c = find(&rows, "kube-context");
        assert_eq!(c.status, RowStatus::Warning);
        assert_eq!(
            c.remedy,
            Remedy::UseContext {
                name: "minikube".into()
            }
        );
        assert_eq!(find(&rows, "api-server").status, RowStatus::Ok);
        assert_eq!(find(&rows, "helm").status, RowStatus::Ok);
    }

    #[test]
    fn unreadable_kubeconfig_blocks_the_api_row() {
        let mut seen = healthy();
        seen.context = Some(CurrentContext::KubeconfigUnreadable);
        let rows = rows(&pins("virtualbox"), &all_installed(), &seen);
        assert_eq!(find(&rows, "kube-context").status, RowStatus::Failed);
        assert_eq!(
            find(&rows, "api-server").skipped,
            Some(SkipReason::Blocked {
                by: Check::KubeContext
            })
        );
    }

    #[test]
    fn api_remedies() {
        let api = |state: ApiState, minikube: MinikubeState| {
            let mut seen = healthy();
            seen.minikube = Some(minikube);
            seen.api = Some(ApiObservation {
                path: ApiPath::Readyz,
                state,
            });
            let r = rows(&pins("virtualbox"), &all_installed(), &seen);
            let a = find(&r, "api-server");
            (a.status, a.remedy.clone())
        };
        let running = MinikubeState::Running {
            components: components("Configured"),
            workers_down: 0,
        };
        let stale = MinikubeState::Running {
            components: components("Misconfigured"),
            workers_down: 0,
        };
        let unknown = MinikubeState::Inconclusive(Inconclusive::TimedOut);
        let update = Remedy::UpdateContext {
            profile: "minikube".into(),
        };
        let start = start(&pins("virtualbox"), false);
        let refused = ApiState::Refused {
            server: "192.168.99.100:8443".into(),
        };
        assert_eq!(
            api(refused.clone(), running.clone()),
            (RowStatus::Failed, update.clone())
        );
        assert_eq!(
            api(refused, unknown.clone()),
            (RowStatus::Failed, start.clone())
        );
        assert_eq!(
            api(ApiState::TimedOut, stale.clone()),
            (RowStatus::Failed, update.clone())
        );
        assert_eq!(
            api(ApiState::TimedOut, running.clone()),
            (RowStatus::Failed, Remedy::None)
        );
        assert_eq!(
            api(ApiState::TlsUnknownAuthority, running.clone()),
            (RowStatus::Failed, update)
        );
        assert_eq!(
            api(
                ApiState::ContextMissing {
                    name: "minikube".into()
                },
                running.clone()
            ),
            (RowStatus::Failed, start)
        );
        assert_eq!(
            api(
                ApiState::NotReady {
                    failed: vec!["etcd".into()]
                },
                running.clone()
            ),
            (RowStatus::Failed, Remedy::RetryLater)
        );
        assert_eq!(
            api(
                ApiState::Inconclusive(Inconclusive::NotStarted),
                running.clone()
            ),
            (RowStatus::Warning, Remedy::None)
        );
        // minikube status unknown (timed out): the API is still asked, and a ready API is ok.
        assert_eq!(api(ApiState::Ready, unknown), (RowStatus::Ok, Remedy::None));
        // A stale kubeconfig makes the minikube row a warning, which does not block.
        assert_eq!(api(ApiState::Ready, stale), (RowStatus::Ok, Remedy::None));
    }

    #[test]
    fn failed_api_skips_addons_and_helm() {
        let mut seen = healthy();
        seen.api = Some(ApiObservation {
            path: ApiPath::Readyz,
            state: ApiState::TimedOut,
        });
        let rows = rows(&pins("virtualbox"), &all_installed(), &seen);
        for name in ["addon:metrics-server", "helm"] {
            assert_eq!(
                find(&rows, name).skipped,
                Some(SkipReason::Blocked {
                    by: Check::ApiServer
                }),
                "{name}"
            );
        }
    }

    #[test]
    fn addons() {
        let addon =
            |pinned: &str, listed: &[(&str, AddonStatus)], workloads: &[(&str, Workload)]| {
                let mut p = pins("virtualbox");
                p.addons = vec![pinned.into()];
                let mut seen = healthy();
                seen.addons = Some(AddonsState::Listed(
                    listed.iter().map(|(n, s)| (n.to_string(), *s)).collect(),
                ));
                seen.workloads = workloads
                    .iter()
                    .map(|(n, w)| (n.to_string(), w.clone()))
                    .collect();
                let r = rows(&p, &all_installed(), &seen);
                let a = find(&r, &format!("addon:{pinned}"));
                (a.status, a.remedy.clone())
            };
        let enable = |name: &str| Remedy::EnableAddon {
            profile: "minikube".into(),
            name: name.into(),
        };
        use AddonStatus::*;
        // The guide says heapster; minikube ≥ 1.6 has metrics-server.
        assert_eq!(
            addon("heapster", &[("metrics-server", Disabled)], &[]),
            (RowStatus::Failed, enable("metrics-server"))
        );
        assert_eq!(
            addon("heapster", &[("metrics-server", Enabled)], &[]),
            (RowStatus::Ok, Remedy::None)
        );
        assert_eq!(
            addon(
                "metrics-server",
                &[("metrics-server", Enabled)],
                &[("metrics-server", Workload::NotAvailable)]
            ),
            (RowStatus::Warning, Remedy::RetryLater)
        );
        assert_eq!(
            addon(
                "metrics-server",
                &[("metrics-server", Enabled)],
                &[("metrics-server", Workload::Missing)]
            ),
            (RowStatus::Failed, enable("metrics-server"))
        );
        assert_eq!(
            addon("metrics-server", &[("ingress", Enabled)], &[]),
            (RowStatus::Failed, Remedy::None)
        );
        // Several required addons: one row each.
        let mut p = pins("virtualbox");
        p.addons = vec!["metrics-server".into(), "ingress".into()];
        let r = rows(&p, &all_installed(), &healthy());
        assert_eq!(
            statuses(&r)[5..7],
            [
                ("addon:metrics-server".to_string(), RowStatus::Ok),
                ("addon:ingress".to_string(), RowStatus::Failed)
            ]
        );
    }

    #[test]
    fn helm_rows() {
        let helm = |installed: Option<HelmGeneration>, obs: HelmObservation| {
            let mut seen = healthy();
            seen.helm = Some(obs);
            let inst = Installed {
                helm: installed,
                ..all_installed()
            };
            let r = rows(&pins("virtualbox"), &inst, &seen);
            let h = find(&r, "helm");
            (h.status, h.remedy.clone(), h.skipped.clone())
        };
        assert_eq!(
            helm(
                Some(HelmGeneration::Tiller),
                HelmObservation::Tiller(TillerState::NotInstalled)
            ),
            (
                RowStatus::Failed,
                Remedy::InstallTiller {
                    context: "minikube".into()
                },
                None
            )
        );
        assert_eq!(
            helm(
                Some(HelmGeneration::Client),
                HelmObservation::Client(HelmState::Forbidden)
            ),
            (RowStatus::Failed, Remedy::None, None)
        );
        assert_eq!(
            helm(
                Some(HelmGeneration::Client),
                HelmObservation::Client(HelmState::Reachable {
                    warnings: vec![HelmWarning::KubeconfigReadableByOthers { path: None }]
                })
            ),
            (
                RowStatus::Warning,
                Remedy::RestrictKubeconfig { path: None },
                None
            )
        );
        assert_eq!(
            helm(None, HelmObservation::Client(HelmState::TimedOut)).2,
            Some(SkipReason::ToolMissing(ClusterTool::Helm))
        );
    }

    #[test]
    fn minikube_states() {
        let mk = |state: MinikubeState| {
            let mut seen = healthy();
            seen.minikube = Some(state);
            let r = rows(&pins("virtualbox"), &all_installed(), &seen);
            let m = find(&r, "minikube");
            (m.status, m.remedy.clone())
        };
        assert_eq!(
            mk(MinikubeState::Paused),
            (
                RowStatus::Failed,
                Remedy::UnpauseMinikube {
                    profile: "minikube".into()
                }
            )
        );
        assert_eq!(
            mk(MinikubeState::Running {
                components: components("Misconfigured"),
                workers_down: 0
            }),
            (
                RowStatus::Warning,
                Remedy::UpdateContext {
                    profile: "minikube".into()
                }
            )
        );
        let mut full = components("Configured");
        full.host = Component::InsufficientStorage;
        assert_eq!(
            mk(MinikubeState::Broken(full)),
            (
                RowStatus::Failed,
                Remedy::FreeNodeDisk {
                    profile: "minikube".into()
                }
            )
        );
        assert_eq!(
            mk(MinikubeState::Transitional(components("Configured"))).1,
            Remedy::RetryLater
        );
        assert_eq!(
            mk(MinikubeState::Inconclusive(Inconclusive::TimedOut)),
            (RowStatus::Warning, Remedy::None)
        );
    }

    #[test]
    fn driver_mismatch_is_a_warning() {
        let mut seen = healthy();
        seen.driver = Some(DriverState::Driver("docker".into()));
        let r = rows(&pins("virtualbox"), &all_installed(), &seen);
        let d = find(&r, "minikube-driver");
        assert_eq!(d.status, RowStatus::Warning);
        assert_eq!(
            d.remedy,
            Remedy::RecreateMinikube {
                profile: "minikube".into(),
                driver: "virtualbox".into(),
                kubernetes_version: Some("v1.30.6".into())
            }
        );
    }

    /// A runner asks `wanted` before each probe and gets the dependency order.
    #[test]
    fn wanted_drives_probe_order() {
        let p = pins("docker");
        let inst = all_installed();
        let mut seen = Observed::default();
        // Nothing seen: docker and the context can go; minikube waits for docker (driver docker).
        assert!(wanted(&Check::DockerDaemon, &p, &inst, &seen));
        assert!(wanted(&Check::KubeContext, &p, &inst, &seen));
        assert!(!wanted(&Check::Minikube, &p, &inst, &seen));
        // With the virtualbox driver minikube does not wait for docker.
        assert!(wanted(&Check::Minikube, &pins("virtualbox"), &inst, &seen));
        seen.docker = Some(DockerSeen {
            target: DaemonTarget::Default,
            state: DaemonState::NotRunning { endpoint: None },
        });
        assert!(!wanted(&Check::Minikube, &p, &inst, &seen));
        assert!(!wanted(&Check::ApiServer, &p, &inst, &seen));
        seen.docker = healthy().docker;
        assert!(wanted(&Check::Minikube, &p, &inst, &seen));
        seen.minikube = Some(MinikubeState::Stopped);
        assert!(wanted(&Check::MinikubeDriver, &p, &inst, &seen));
        assert!(!wanted(&Check::ApiServer, &p, &inst, &seen));
        assert!(!wanted(&Check::Helm, &p, &inst, &seen));
        seen.minikube = healthy().minikube;
        assert!(wanted(&Check::ApiServer, &p, &inst, &seen));
        assert!(!wanted(
            &Check::Addon("metrics-server".into()),
            &p,
            &inst,
            &seen
        ));
        seen.api = healthy().api;
        assert!(wanted(
            &Check::Addon("metrics-server".into()),
            &p,
            &inst,
            &seen
        ));
        assert!(wanted(&Check::Helm, &p, &inst, &seen));
    }

    #[test]
    fn remedy_json_is_typed() {
        let j = serde_json::to_value(Remedy::EnableAddon {
            profile: "minikube".into(),
            name: "metrics-server".into(),
        })
        .unwrap();
        assert_eq!(
            j,
            serde_json::json!({"kind": "enable-addon", "profile": "minikube", "name": "metrics-server"})
        );
        assert_eq!(
            serde_json::to_value(Remedy::None).unwrap(),
            serde_json::json!({"kind": "none"})
        );
        assert_eq!(
            serde_json::to_value(RowStatus::Skipped).unwrap(),
            serde_json::json!("skipped")
        );
    }
}
