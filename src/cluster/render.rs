//! PURE: cluster rows → words. Nothing here decides anything: status and remedy are already set
//! by [`super::rows`]; this only says them.

use serde::Serialize;

use super::addons::{AddonCheck, Workload};
use super::commands::{ProbeCommand, Program};
use super::docker::{DaemonState, DaemonTarget, Endpoint, EndpointProblem, Engine};
use super::fix::{Action, Done, Failure, Why, action, start};
use super::helm::{HelmObservation, HelmState, TillerState};
use super::kubectl::{ApiPath, ApiState, CurrentContext};
use super::minikube::{Component, Components, DriverState, MinikubeState};
use super::rows::{AddonSeen, ClusterTool, Remedy, Row, RowStatus, Seen, SkipReason};
use super::{ClusterRun, Inconclusive, Release};

/// A row as the report shows it: one object of the JSON report's `cluster` array (`name`,
/// `status`, `detail`, `fix`, `hint`), and what the text report and the TUI print.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Rendered {
    pub(crate) name: String,
    pub(crate) status: RowStatus,
    pub(crate) detail: String,
    /// The typed remedy; `null` when there is nothing to do.
    pub(crate) fix: Option<Remedy>,
    pub(crate) hint: Option<String>,
    /// Whether it leaves something to do (`rows::fails`).
    #[serde(skip)]
    pub(crate) fails: bool,
    /// The API server's row, when it could not be asked: nothing says the cluster works.
    #[serde(skip)]
    pub(crate) unverified: bool,
    /// What `--fix --cluster` ran for it, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) ran: Vec<RenderedFix>,
}

/// One fix `--fix --cluster` ran: an object of a row's `ran` array in the JSON report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct RenderedFix {
    /// The command as a user would type it.
    pub(crate) command: String,
    /// `ok`, `failed`, `timed-out`, `interrupted` or `not-started`.
    pub(crate) result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) exit_code: Option<i32>,
    /// Why, in words, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    /// Its last lines of output when it failed (untrusted: made inert before printing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) output: Vec<String>,
}

/// What the fix does, as the report names it.
pub(crate) fn action_line(a: &Action) -> String {
    match a {
        Action::Run(c) | Action::SwitchContext(c) => command_line(c),
        Action::Restrict { path } => format!("chmod go-rwx {}", kubeconfig_arg(path)),
        Action::Manual(_) => String::new(),
    }
}

fn rendered_fix(d: &Done) -> RenderedFix {
    let mut r = RenderedFix {
        command: action_line(&d.action),
        result: "ok",
        exit_code: None,
        error: None,
        output: Vec::new(),
    };
    match &d.result {
        Ok(()) => {}
        Err(Failure::Exit { code, tail }) => {
            r.result = "failed";
            r.exit_code = *code;
            r.error = Some(match code {
                Some(c) => format!("exited with code {c}"),
                None => "was killed by a signal".into(),
            });
            r.output = tail.clone();
        }
        Err(Failure::TimedOut { limit, tail }) => {
            r.result = "timed-out";
            r.error = Some(format!("was stopped after {} s", limit.as_secs()));
            r.output = tail.clone();
        }
        Err(Failure::Cancelled) => {
            r.result = "interrupted";
            r.error = Some("was interrupted".into());
        }
        Err(Failure::NotStarted { error }) => {
            r.result = "not-started";
            r.error = Some(format!("could not be started: {error}"));
        }
        Err(Failure::Restrict { path, error }) => {
            r.result = "failed";
            r.error = Some(format!("{path}: {error}"));
        }
    }
    r
}

/// `minikube` is the minikube release the tools section found (flags differ by era).
pub(crate) fn render(run: &ClusterRun, minikube: Option<Release>) -> Vec<Rendered> {
    let rows = &run.rows;
    rows.iter()
        .map(|r| Rendered {
            ran: run
                .fixes
                .iter()
                .filter(|d| d.check == r.check)
                .map(rendered_fix)
                .collect(),
            name: r.check.name(),
            status: r.status,
            detail: detail(r, rows),
            fix: (r.remedy != Remedy::None).then(|| r.remedy.clone()),
            hint: hint(&r.remedy, minikube),
            fails: super::rows::fails(r),
            unverified: r.check == super::rows::Check::ApiServer && r.status == RowStatus::Skipped,
        })
        .collect()
}

/// POSIX shell quoting for values put into a suggested command.
fn sh(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn profile_flag(profile: &str) -> String {
    if profile == "minikube" {
        String::new()
    } else {
        format!(" -p {}", sh(profile))
    }
}

/// The kubeconfig a restrict acts on: the one named, else the one kubectl reads first.
fn kubeconfig_arg(path: &Option<String>) -> String {
    match path {
        Some(p) => sh(p),
        None => "~/.kube/config".into(),
    }
}

/// A command as a user would type it: `minikube start --driver=virtualbox`.
pub(crate) fn command_line(c: &ProbeCommand) -> String {
    let program = match c.program {
        Program::Docker => "docker",
        Program::Minikube => "minikube",
        Program::Kubectl => "kubectl",
        Program::Helm => "helm",
    };
    let mut line = program.to_string();
    for a in &c.args {
        line.push(' ');
        line.push_str(&sh(a));
    }
    line
}

/// The command (or step) that fixes a row, if any.
pub(crate) fn hint(remedy: &Remedy, minikube: Option<Release>) -> Option<String> {
    Some(match remedy {
        Remedy::None => return None,
        Remedy::StartDockerDaemon => {
            "start the docker daemon: `sudo systemctl start docker`, or start Docker Desktop".into()
        }
        Remedy::RestartDockerDaemon => {
            "restart the docker daemon: `sudo systemctl restart docker`, or restart Docker Desktop"
                .into()
        }
        Remedy::FixSocketPermission { .. } => {
            "let your user use docker: `sudo usermod -aG docker $USER && newgrp docker`".into()
        }
        Remedy::ResetDockerEndpoint => {
            "point docker at a daemon that exists: `unset DOCKER_HOST DOCKER_CONTEXT && docker context use default`".into()
        }
        Remedy::LeaveMinikubeDockerEnv => {
            "this shell still points docker at minikube's VM: `unset DOCKER_TLS_VERIFY DOCKER_HOST DOCKER_CERT_PATH MINIKUBE_ACTIVE_DOCKERD`".into()
        }
        Remedy::StartMinikube { .. }
        | Remedy::UnpauseMinikube { .. }
        | Remedy::UpdateContext { .. }
        | Remedy::UseContext { .. }
        | Remedy::EnableAddon { .. }
        | Remedy::InstallTiller { .. } => match action(remedy, minikube, false) {
            Some(Action::Run(c) | Action::SwitchContext(c)) => format!("`{}`", command_line(&c)),
            _ => return None,
        },
        Remedy::RecreateMinikube {
            profile,
            driver,
            kubernetes_version,
        } => format!(
            "to use the pinned driver, recreate the cluster (this deletes it): `minikube delete{} && {}`",
            profile_flag(profile),
            command_line(&start(profile, driver, kubernetes_version, true, minikube, false))
        ),
        Remedy::FreeNodeDisk { profile } => format!(
            "the node's /var is full: free space inside it (`minikube ssh{}`), or recreate it with a bigger `--disk-size`",
            profile_flag(profile)
        ),
        Remedy::RestrictKubeconfig { path } => {
            format!("`chmod go-rwx {}`", kubeconfig_arg(path))
        }
        Remedy::RetryLater => "it is still starting: check again in a minute".into(),
    })
}

fn inconclusive(i: &Inconclusive) -> String {
    match i {
        Inconclusive::TimedOut => "timed out".into(),
        Inconclusive::NotStarted => "could not be started".into(),
        Inconclusive::Signal => "was killed by a signal".into(),
        Inconclusive::Unrecognised { code } => {
            format!("gave output in no known shape (exit code {code})")
        }
    }
}

fn tool(t: ClusterTool) -> &'static str {
    match t {
        ClusterTool::Docker => "docker",
        ClusterTool::Minikube => "minikube",
        ClusterTool::Kubectl => "kubectl",
        ClusterTool::Helm => "helm",
    }
}

/// What the row saw, or why it was skipped.
pub(crate) fn detail(row: &Row, rows: &[Row]) -> String {
    if let Some(reason) = &row.skipped {
        return format!("skipped: {}", skip_reason(reason, rows, 0));
    }
    match &row.seen {
        Seen::Nothing => String::new(),
        Seen::Docker {
            target,
            state,
            needed,
        } => docker(target, state, *needed),
        Seen::Minikube { profile, state } => minikube(profile, state),
        Seen::Driver { state, pinned } => match state {
            DriverState::Driver(d) if d == pinned => format!("driver `{d}`"),
            DriverState::Driver(d) => format!("driver `{d}`, but the team pins `{pinned}`"),
            DriverState::ProfileNotListed => {
                "`minikube profile list` does not list the profile".into()
            }
            DriverState::ProfileInvalid => "minikube lists the profile as invalid".into(),
            DriverState::NotRecorded => "the profile records no driver".into(),
            DriverState::Inconclusive(i) => format!("`minikube profile list` {}", inconclusive(i)),
        },
        Seen::Context { state, pinned } => match state {
            CurrentContext::Set { name } if name == pinned => format!("current context `{name}`"),
            CurrentContext::Set { name } => format!(
                "CURRENT CONTEXT IS `{name}`, NOT `{pinned}`: your own kubectl and helm commands go to `{name}`"
            ),
            CurrentContext::NotSet => {
                format!(
                    "no current context: plain kubectl and helm commands reach no cluster (want `{pinned}`)"
                )
            }
            CurrentContext::KubeconfigUnreadable => {
                "the kubeconfig cannot be parsed: every kubectl command fails".into()
            }
            CurrentContext::Inconclusive(i) => {
                format!("`kubectl config current-context` {}", inconclusive(i))
            }
        },
        Seen::Api(obs) => {
            let path = obs.path.path();
            let via = match obs.path {
                ApiPath::Readyz => String::new(),
                ApiPath::Healthz => " (no /readyz: Kubernetes older than 1.16)".into(),
            };
            format!("{path}: {}{via}", api(&obs.state))
        }
        Seen::Addon { required, seen } => addon(required, seen),
        Seen::Helm(h) => helm(h),
    }
}

fn skip_reason(reason: &SkipReason, rows: &[Row], depth: usize) -> String {
    match reason {
        SkipReason::ToolMissing(t) => format!("{} is not installed", tool(*t)),
        SkipReason::NotNeeded { driver } => {
            format!("the {driver} driver does not use the host's docker daemon")
        }
        SkipReason::NotProbed => "not checked".into(),
        SkipReason::Blocked { by } => {
            let Some(blocker) = rows.iter().find(|r| r.check == *by) else {
                return format!("{} failed", by.name());
            };
            match &blocker.skipped {
                // Say the root cause once, not a chain of "skipped because skipped".
                Some(inner) if depth < 8 => skip_reason(inner, rows, depth + 1),
                _ => format!("{}: {}", by.name(), detail(blocker, rows)),
            }
        }
    }
}

fn endpoint(e: &Option<Endpoint>) -> String {
    e.as_ref()
        .map(|e| format!(" at {}", e.raw))
        .unwrap_or_default()
}

fn target(t: &DaemonTarget) -> String {
    match t {
        DaemonTarget::Default => "the default docker endpoint".into(),
        DaemonTarget::Host(e) => format!("DOCKER_HOST={}", e.raw),
        DaemonTarget::Context { name } => format!("docker context `{name}`"),
        DaemonTarget::MinikubeVm { profile, endpoint } => format!(
            "the dockerd in minikube's VM{}{} (minikube docker-env)",
            profile
                .as_ref()
                .map(|p| format!(" of profile `{p}`"))
                .unwrap_or_default(),
            endpoint
                .as_ref()
                .map(|e| format!(" at {}", e.raw))
                .unwrap_or_default()
        ),
    }
}

fn docker(t: &DaemonTarget, state: &DaemonState, needed: bool) -> String {
    let what = match state {
        DaemonState::Running {
            version,
            engine: Engine::Docker,
        } => format!("docker daemon {version} answers"),
        DaemonState::Running {
            version,
            engine: Engine::PodmanShim,
        } => format!("podman {version} behind the docker shim (no docker daemon)"),
        DaemonState::NotRunning { endpoint: e } => {
            format!("no docker daemon is running{}", endpoint(e))
        }
        DaemonState::PermissionDenied { endpoint: e } => format!(
            "permission denied on the docker socket{}: your user is not in group `docker`",
            endpoint(e)
        ),
        DaemonState::DaemonError { message } => {
            format!("the docker daemon answers with an error: {message}")
        }
        DaemonState::EndpointConfig(EndpointProblem::ContextNotFound { name }) => {
            format!("docker context `{name}` does not exist")
        }
        DaemonState::EndpointConfig(EndpointProblem::TlsFiles) => {
            "DOCKER_CERT_PATH names TLS files that are gone".into()
        }
        DaemonState::EndpointConfig(EndpointProblem::Other) => {
            "docker cannot work out which daemon to use".into()
        }
        DaemonState::Unresolvable { endpoint: e } => {
            format!("the docker host does not resolve{}", endpoint(e))
        }
        DaemonState::Hung => "the docker daemon accepted the connection and never answered".into(),
        DaemonState::Inconclusive(i) => format!("`docker version` {}", inconclusive(i)),
    };
    let ok = matches!(state, DaemonState::Running { .. });
    let note = if !needed && !ok {
        " (the cluster's driver does not need it; building images for it does)"
    } else {
        ""
    };
    format!("{what} — probed {}{note}", target(t))
}

fn component(c: &Component) -> String {
    match c {
        Component::Other(s) => s.clone(),
        Component::Empty => "(empty)".into(),
        other => format!("{other:?}"),
    }
}

fn components(c: &Components) -> String {
    format!(
        "host {}, kubelet {}, apiserver {}, kubeconfig {}",
        component(&c.host),
        component(&c.kubelet),
        component(&c.apiserver),
        component(&c.kubeconfig)
    )
}

fn minikube(profile: &str, state: &MinikubeState) -> String {
    match state {
        MinikubeState::NoProfile => format!("no minikube profile `{profile}`"),
        MinikubeState::Stopped => format!("profile `{profile}` is stopped"),
        MinikubeState::Paused => format!("profile `{profile}` is paused"),
        MinikubeState::Running {
            components: c,
            workers_down,
        } => {
            let mut s = format!("profile `{profile}` is running ({})", components(c));
            if !c.kubeconfig_ok() {
                s.push_str("; its kubeconfig entry points at a stale address");
            }
            if *workers_down > 0 {
                s.push_str(&format!("; {workers_down} worker node(s) down"));
            }
            s
        }
        MinikubeState::Degraded(c) => {
            format!(
                "profile `{profile}` is up but not serving ({})",
                components(c)
            )
        }
        MinikubeState::Transitional(c) => {
            format!(
                "profile `{profile}` is {}",
                component(&c.host).to_lowercase()
            )
        }
        MinikubeState::Broken(c) => format!("profile `{profile}`: {}", components(c)),
        MinikubeState::Inconclusive(i) => format!("`minikube status` {}", inconclusive(i)),
    }
}

fn api(s: &ApiState) -> String {
    match s {
        ApiState::Ready => "ready".into(),
        ApiState::NotReady { failed } if failed.is_empty() => "not ready".into(),
        ApiState::NotReady { failed } => format!("not ready (failing: {})", failed.join(", ")),
        ApiState::NotFound => "not found: this is not a Kubernetes API server".into(),
        ApiState::Refused { server } => format!("connection to {server} refused"),
        ApiState::TlsUnknownAuthority => {
            "the server's certificate is not signed by the kubeconfig's CA".into()
        }
        ApiState::TlsNameMismatch {
            valid_for,
            requested,
        } => format!(
            "the server's certificate is for {}, not {requested}",
            if valid_for.is_empty() {
                "other names".to_string()
            } else {
                valid_for.join(", ")
            }
        ),
        ApiState::TlsExpired => "the server's certificate has expired".into(),
        ApiState::TlsOther => "TLS failed".into(),
        ApiState::Unauthorized => "the kubeconfig's credentials are rejected (401)".into(),
        ApiState::Forbidden => "forbidden (403)".into(),
        ApiState::ServerError { reason } => format!("the server answers {reason}"),
        ApiState::TimedOut => "no answer in time".into(),
        ApiState::Dns { host } => format!("the server name `{host}` does not resolve"),
        ApiState::NoRoute => "no route to the server".into(),
        ApiState::ConnectionDropped => "the connection was dropped".into(),
        ApiState::ContextMissing { name } => format!("the kubeconfig has no context `{name}`"),
        ApiState::KubeconfigUnreadable => "the kubeconfig cannot be parsed".into(),
        ApiState::NeedsCredentials => "the kubeconfig has no credentials for this context".into(),
        ApiState::UnexpectedBody => "answered, but not with `ok`".into(),
        ApiState::Inconclusive(i) => format!("kubectl {}", inconclusive(i)),
    }
}

fn addon(required: &str, seen: &AddonSeen) -> String {
    match seen {
        AddonSeen::NoProfile => "minikube knows no such profile".into(),
        AddonSeen::Inconclusive(i) => format!("`minikube addons list` {}", inconclusive(i)),
        AddonSeen::Check { check, workload } => {
            let (name, state) = match check {
                AddonCheck::Enabled { name } => (name.as_str(), "enabled"),
                AddonCheck::Disabled { name } => (name.as_str(), "disabled"),
                AddonCheck::Unknown { name } => (name.as_str(), "listed without a status"),
                AddonCheck::NotOffered => {
                    return format!("this minikube has no `{required}` addon");
                }
            };
            let mut s = if name == required {
                format!("`{name}` is {state}")
            } else {
                format!(
                    "`{required}` is the old name of `{name}` (heapster was retired in Kubernetes 1.13); `{name}` is {state}"
                )
            };
            match workload {
                Some(Workload::Available { ready }) => {
                    s.push_str(&format!(", {ready} replica(s) available"))
                }
                Some(Workload::NotAvailable) => s.push_str(", but no replica is available yet"),
                Some(Workload::Missing) => s.push_str(", but its workload is missing"),
                Some(Workload::Unreadable) => s.push_str("; its workload could not be read"),
                None => {}
            }
            s
        }
    }
}

fn helm(h: &HelmObservation) -> String {
    match h {
        HelmObservation::Tiller(t) => match t {
            TillerState::Ready { version } => format!(
                "Tiller {}is ready",
                version
                    .as_ref()
                    .map(|v| format!("{v} "))
                    .unwrap_or_default()
            ),
            TillerState::NotInstalled => "helm 2 needs Tiller in the cluster; there is none".into(),
            TillerState::NotReady => "Tiller's pod is not ready".into(),
            TillerState::CannotConnect => "cannot connect to Tiller".into(),
            TillerState::TooOld => "Tiller is too old to report its version".into(),
            TillerState::ClusterUnreachable(s) => format!("helm cannot reach the cluster: {}", api(s)),
            TillerState::TimedOut => "no answer from Tiller in time".into(),
            TillerState::Inconclusive(i) => format!("`helm version --server` {}", inconclusive(i)),
        },
        HelmObservation::Client(c) => match c {
            HelmState::Reachable { warnings } if warnings.is_empty() => {
                "helm reaches the cluster".into()
            }
            HelmState::Reachable { .. } => {
                "helm reaches the cluster, and warns that the kubeconfig is readable by others".into()
            }
            HelmState::ClusterUnreachable(s) => format!("helm cannot reach the cluster: {}", api(s)),
            HelmState::Forbidden => {
                "the API server answers, but your user may not list secrets, where helm keeps releases".into()
            }
            HelmState::ListFailed => "helm cannot list releases".into(),
            HelmState::TimedOut => "helm got no answer in time".into(),
            HelmState::Inconclusive(i) => format!("`helm list` {}", inconclusive(i)),
        },
    }
}

/// What `--fix --cluster` would do first, for `--dry-run` (later rounds depend on what the
/// first one changes).
pub(crate) fn dry_run(rows: &[Row], minikube: Option<Release>, switch_context: bool) -> String {
    let mut out = String::new();
    let steps = super::fix::next(rows, minikube, switch_context, &[]);
    for s in &steps {
        out.push_str(&format!(
            "cluster {}: would run `{}`, then look again\n",
            s.check.name(),
            action_line(&s.action)
        ));
    }
    for r in rows.iter().filter(|r| super::rows::fails(r)) {
        if steps.iter().any(|s| s.check == r.check) {
            continue;
        }
        let why = match action(&r.remedy, minikube, switch_context) {
            Some(Action::SwitchContext(_)) => "only with --switch-context",
            Some(Action::Manual(Why::NeedsRoot)) => "left to you: it needs root",
            Some(Action::Manual(Why::Destroys)) => "left to you: it deletes the cluster",
            Some(Action::Manual(Why::Shell)) => "left to you: it is your shell's environment",
            Some(Action::Manual(Why::Judgement)) => "left to you",
            Some(Action::Manual(Why::Wait)) => "it is starting: look again in a minute",
            Some(_) => "already tried",
            None => "nothing to run: its row says what to do",
        };
        let hint = hint(&r.remedy, minikube)
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        out.push_str(&format!("cluster {}: {why}{hint}\n", r.check.name()));
    }
    if steps.is_empty() && !rows.iter().any(super::rows::fails) {
        out.push_str("cluster: nothing to do\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::ClusterPins;
    use super::super::kubectl::ApiObservation;
    use super::super::rows::{Installed, Observed, rows};
    use super::*;

    fn run(rows: Vec<Row>) -> ClusterRun {
        ClusterRun {
            rows,
            fixes: Vec::new(),
        }
    }

    fn pins() -> ClusterPins {
        ClusterPins {
            profile: "minikube".into(),
            driver: "virtualbox".into(),
            context: "minikube".into(),
            kubernetes_version: Some("v1.30.6".into()),
            addons: vec!["heapster".into()],
        }
    }

    #[test]
    fn hints() {
        let start = Remedy::StartMinikube {
            profile: "minikube".into(),
            driver: "virtualbox".into(),
            kubernetes_version: Some("v1.30.6".into()),
            create: true,
        };
        assert_eq!(
            hint(&start, Some(Release::new(1, 35, 0))).unwrap(),
            "`minikube start --driver=virtualbox --kubernetes-version=v1.30.6 --keep-context`"
        );
        assert_eq!(
            hint(&start, Some(Release::new(1, 7, 3))).unwrap(),
            "`minikube start --vm-driver=virtualbox --kubernetes-version=v1.30.6 --keep-context`"
        );
        assert_eq!(
            hint(
                &Remedy::EnableAddon {
                    profile: "dev env".into(),
                    name: "metrics-server".into()
                },
                None
            )
            .unwrap(),
            "`minikube addons enable metrics-server -p 'dev env'`"
        );
        assert_eq!(
            hint(
                &Remedy::UseContext {
                    name: "it's".into()
                },
                None
            )
            .unwrap(),
            r"`kubectl config use-context 'it'\''s'`"
        );
        assert_eq!(hint(&Remedy::None, None), None);
    }

    #[test]
    fn skipped_rows_name_the_root_cause_once() {
        let installed = Installed {
            docker: true,
            minikube: true,
            kubectl: true,
            helm: None,
        };
        let seen = Observed {
            docker: None,
            minikube: Some(MinikubeState::Stopped),
            driver: Some(DriverState::Driver("virtualbox".into())),
            context: Some(CurrentContext::Set {
                name: "prod".into(),
            }),
            api: Some(ApiObservation {
                path: ApiPath::Readyz,
                state: ApiState::TimedOut,
            }),
            ..Default::default()
        };
        let r = render(&run(rows(&pins(), &installed, &seen)), None);
        let get = |n: &str| r.iter().find(|x| x.name == n).unwrap();
        assert_eq!(
            get("api-server").detail,
            "skipped: minikube: profile `minikube` is stopped"
        );
        assert_eq!(
            get("addon:heapster").detail,
            "skipped: minikube: profile `minikube` is stopped"
        );
        // helm is skipped for its own reason first.
        assert_eq!(get("helm").detail, "skipped: helm is not installed");
        assert!(get("kube-context").detail.contains("NOT `minikube`"));
        assert_eq!(
            get("minikube").hint.as_deref(),
            // The profile exists: it starts as it was made, keeping the current context.
            Some("`minikube start --keep-context`")
        );
        assert_eq!(get("docker-daemon").detail, "skipped: not checked");
    }

    #[test]
    fn chained_skip_reports_the_first_cause() {
        let installed = Installed {
            docker: true,
            minikube: false,
            kubectl: true,
            helm: Some(super::super::helm::HelmGeneration::Client),
        };
        let r = render(&run(rows(&pins(), &installed, &Observed::default())), None);
        let get = |n: &str| r.iter().find(|x| x.name == n).unwrap();
        assert_eq!(
            get("api-server").detail,
            "skipped: minikube is not installed"
        );
        assert_eq!(get("helm").detail, "skipped: minikube is not installed");
    }

    #[test]
    fn json_row_shape() {
        let installed = Installed {
            docker: false,
            minikube: true,
            kubectl: true,
            helm: None,
        };
        let seen = Observed {
            minikube: Some(MinikubeState::NoProfile),
            ..Default::default()
        };
        let r = render(
            &run(rows(&pins(), &installed, &seen)),
            Some(Release::new(1, 35, 0)),
        );
        let mk = serde_json::to_value(&r[1]).unwrap();
        assert_eq!(
            mk,
            serde_json::json!({
                "name": "minikube",
                "status": "failed",
                "detail": "no minikube profile `minikube`",
                "fix": {"kind": "start-minikube", "profile": "minikube", "driver": "virtualbox",
                        "kubernetes_version": "v1.30.6", "create": true},
                "hint": "`minikube start --driver=virtualbox --kubernetes-version=v1.30.6 --keep-context`"
            })
        );
        let docker = serde_json::to_value(&r[0]).unwrap();
        assert_eq!(docker["status"], "skipped");
        assert_eq!(docker["fix"], serde_json::Value::Null);
        assert_eq!(
            docker["detail"],
            "skipped: the virtualbox driver does not use the host's docker daemon"
        );
    }

    #[test]
    fn heapster_row_explains_the_rename() {
        let seen = AddonSeen::Check {
            check: AddonCheck::Disabled {
                name: "metrics-server".into(),
            },
            workload: None,
        };
        let s = addon("heapster", &seen);
        assert!(
            s.starts_with("`heapster` is the old name of `metrics-server`"),
            "{s}"
        );
        assert!(s.ends_with("`metrics-server` is disabled"), "{s}");
    }
}
