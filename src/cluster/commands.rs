//! PURE: the argument vectors of the cluster probes, by era, and how long each may run.
//!
//! Every probe gets stdin closed, [`PROBE_ENV`] and a hard kill after `kill_after`: nothing here
//! has a reliable client-side timeout (`docker version` waits forever on a socket that accepts
//! and never answers; `kubectl get --raw` without `--request-timeout` and helm 3.8+ hang).
//! Probes that talk to the cluster name the pinned context explicitly (`--context`,
//! `--kube-context`), so nothing is ever sent to whatever the current context happens to be.

use std::time::Duration;

use super::helm::HelmGeneration;
use super::kubectl::ApiPath;
use super::{ClusterPins, Release};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Program {
    Docker,
    Minikube,
    Kubectl,
    Helm,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProbeCommand {
    pub(crate) program: Program,
    pub(crate) args: Vec<String>,
    pub(crate) kill_after: Duration,
}

/// Environment for every cluster probe, on top of the runner's hermetic one.
/// `KUBERC=off`: kubectl 1.34+ reads `~/.kube/kuberc` by default, whose `defaults` can turn
/// `get --raw` into an error ("--raw and --output are mutually exclusive"); older releases ignore
/// it. `MINIKUBE_WANTUPDATENOTIFICATION=false`: v1.28+ `status` and `profile list` fetch release
/// notes first (kubernetes/minikube `pkg/minikube/notify/notify.go`). `MINIKUBE_IN_STYLE=false`:
/// no emoji.
pub(crate) const PROBE_ENV: &[(&str, &str)] = &[
    ("LC_ALL", "C"),
    ("KUBERC", "off"),
    ("MINIKUBE_WANTUPDATENOTIFICATION", "false"),
    ("MINIKUBE_IN_STYLE", "false"),
];

/// kubectl's own per-request timeout for the API probe; the kill comes 3 s later.
pub(crate) const API_REQUEST_TIMEOUT: &str = "5s";

fn cmd(program: Program, args: &[&str], secs: u64) -> ProbeCommand {
    ProbeCommand {
        program,
        args: args.iter().map(|s| s.to_string()).collect(),
        kill_after: Duration::from_secs(secs),
    }
}

/// `-o json` for `status`, `profile list` and `addons list` came in minikube v1.5.0.
const JSON_OUTPUT: Release = Release::new(1, 5, 0);
/// `profile list --light` came in v1.18.0; without it each profile gets a full status (slow).
const PROFILE_LIST_LIGHT: Release = Release::new(1, 18, 0);

/// minikube's profile flag, left out for the default profile so that releases that predate
/// `--profile` still work.
fn profile_args(pins: &ClusterPins) -> Vec<String> {
    if pins.profile == "minikube" {
        Vec::new()
    } else {
        vec!["--profile".into(), pins.profile.clone()]
    }
}

/// The profile, and JSON output where this minikube has it (`-p` and `-o` are the short forms
/// every JSON-capable release accepts); before it, the profile alone (see `profile_args`).
fn profile_and_output(pins: &ClusterPins, minikube: Release) -> Vec<String> {
    if minikube >= JSON_OUTPUT {
        ["-p", &pins.profile, "-o", "json"]
            .map(String::from)
            .to_vec()
    } else {
        profile_args(pins)
    }
}

/// Row 1: the docker daemon. minikube gives its own probe 6 s.
pub(crate) fn docker_version() -> ProbeCommand {
    cmd(
        Program::Docker,
        &["version", "--format", "{{.Server.Version}}"],
        8,
    )
}

/// Row 2: `minikube status`. It contacts the VM and retries the apiserver's /healthz for up to
/// 15 s, so it gets 30 s.
pub(crate) fn minikube_status(pins: &ClusterPins, minikube: Release) -> ProbeCommand {
    let mut c = cmd(Program::Minikube, &["status"], 30);
    c.args.extend(profile_and_output(pins, minikube));
    c
}

/// Row 2b: the driver. `None` before v1.5.0: read `profiles/P/config.json` instead
/// ([`super::minikube::driver_from_config_json`]).
pub(crate) fn minikube_profiles(minikube: Release) -> Option<ProbeCommand> {
    if minikube >= PROFILE_LIST_LIGHT {
        Some(cmd(
            Program::Minikube,
            &["profile", "list", "-o", "json", "--light"],
            15,
        ))
    } else if minikube >= JSON_OUTPUT {
        Some(cmd(
            Program::Minikube,
            &["profile", "list", "-o", "json"],
            30,
        ))
    } else {
        None
    }
}

/// Row 3: the current context (reads the kubeconfig only).
pub(crate) fn current_context() -> ProbeCommand {
    cmd(Program::Kubectl, &["config", "current-context"], 5)
}

/// Row 4: the API server's health path, through the pinned context.
pub(crate) fn api(pins: &ClusterPins, path: ApiPath) -> ProbeCommand {
    let mut c = cmd(Program::Kubectl, &["--context"], 8);
    c.args.extend([
        pins.context.clone(),
        "get".into(),
        format!("--raw={}", path.path()),
        format!("--request-timeout={API_REQUEST_TIMEOUT}"),
    ]);
    c
}

/// Row 5: the addons recorded for the profile (no VM contact).
pub(crate) fn addons_list(pins: &ClusterPins, minikube: Release) -> ProbeCommand {
    let mut c = cmd(Program::Minikube, &["addons", "list"], 15);
    c.args.extend(profile_and_output(pins, minikube));
    c
}

/// Row 5: an addon's workload ([`super::addons::workload_path`]), without discovery.
pub(crate) fn workload(pins: &ClusterPins, path: &str) -> ProbeCommand {
    let mut c = cmd(Program::Kubectl, &["--context"], 8);
    c.args.extend([
        pins.context.clone(),
        "get".into(),
        format!("--raw={path}"),
        format!("--request-timeout={API_REQUEST_TIMEOUT}"),
    ]);
    c
}

/// Row 6: helm ↔ cluster. helm 2's `--tiller-connection-timeout` defaults to 300 s.
pub(crate) fn helm(pins: &ClusterPins, generation: HelmGeneration) -> ProbeCommand {
    let mut c = match generation {
        HelmGeneration::Tiller => cmd(
            Program::Helm,
            &["version", "--server", "--tiller-connection-timeout", "5"],
            10,
        ),
        HelmGeneration::Client => cmd(Program::Helm, &["list", "--max", "1", "-o", "json"], 10),
    };
    c.args
        .extend(["--kube-context".into(), pins.context.clone()]);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pins(profile: &str) -> ClusterPins {
        ClusterPins {
            profile: profile.into(),
            driver: "virtualbox".into(),
            context: profile.into(),
            kubernetes_version: None,
            addons: vec![],
        }
    }

    fn args(c: &ProbeCommand) -> Vec<&str> {
        c.args.iter().map(String::as_str).collect()
    }

    #[test]
    fn by_era() {
        let p = pins("minikube");
        let dev = pins("dev");
        assert_eq!(
            args(&minikube_status(&p, Release::new(1, 35, 0))),
            ["status", "-p", "minikube", "-o", "json"]
        );
        assert_eq!(
            args(&minikube_status(&p, Release::new(0, 25, 2))),
            ["status"]
        );
        assert_eq!(
            args(&minikube_status(&dev, Release::new(1, 4, 0))),
            ["status", "--profile", "dev"]
        );
        assert_eq!(
            args(&minikube_profiles(Release::new(1, 18, 0)).unwrap()),
            ["profile", "list", "-o", "json", "--light"]
        );
        assert_eq!(
            args(&minikube_profiles(Release::new(1, 17, 1)).unwrap()),
            ["profile", "list", "-o", "json"]
        );
        assert_eq!(minikube_profiles(Release::new(1, 4, 0)), None);
        assert_eq!(
            args(&addons_list(&p, Release::new(1, 5, 0))),
            ["addons", "list", "-p", "minikube", "-o", "json"]
        );
        assert_eq!(
            args(&addons_list(&p, Release::new(0, 25, 0))),
            ["addons", "list"]
        );
    }

    #[test]
    fn cluster_probes_name_the_context() {
        let p = pins("minikube");
        assert_eq!(
            args(&api(&p, ApiPath::Readyz)),
            [
                "--context",
                "minikube",
                "get",
                "--raw=/readyz",
                "--request-timeout=5s"
            ]
        );
        assert_eq!(
            args(&helm(&p, HelmGeneration::Client)),
            [
                "list",
                "--max",
                "1",
                "-o",
                "json",
                "--kube-context",
                "minikube"
            ]
        );
        assert_eq!(
            args(&helm(&p, HelmGeneration::Tiller)),
            [
                "version",
                "--server",
                "--tiller-connection-timeout",
                "5",
                "--kube-context",
                "minikube"
            ]
        );
        let w = workload(
            &p,
            "/apis/apps/v1/namespaces/kube-system/deployments/metrics-server",
        );
        assert_eq!(w.args[0..2], ["--context", "minikube"]);
        // The kill always comes after kubectl's own request timeout.
        assert!(api(&p, ApiPath::Readyz).kill_after > Duration::from_secs(5));
        assert!(PROBE_ENV.contains(&("KUBERC", "off")));
    }
}
