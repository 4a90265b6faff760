//! PURE: is the docker daemon reachable? Reads `docker version --format '{{.Server.Version}}'`.
//!
//! `docker version` exits 1 whenever the server part fails, since docker/cli v17.09.0-ce
//! (`components/cli/cli/command/system/version.go`, `runVersion`); `docker info --format` does
//! not (rc 0 with the error in the output up to 28.0), so it is not used. The classification
//! follows minikube's own probe (kubernetes/minikube `pkg/minikube/registry/drvs/docker/docker.go`:
//! "permission denied" → PROVIDER_DOCKER_NEWGRP, "Is the docker daemon running" → NOT_RUNNING,
//! timeout → PROVIDER_DOCKER_DEADLINE_EXCEEDED) plus the wording of docker/cli v29.0.0
//! (`vendor/github.com/moby/moby/client/request.go`: "failed to connect to the docker API at …",
//! "permission denied while trying to connect to the docker API at …"), which minikube's
//! patterns miss.

use super::text::{self, MAX_FIELD};
use super::{End, Inconclusive, Ran};

/// Where a docker endpoint points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) scheme: Scheme,
    /// As written, e.g. `unix:///var/run/docker.sock` (bounded, control characters removed).
    pub(crate) raw: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scheme {
    Unix,
    Tcp,
    Npipe,
    Ssh,
    Other,
}

impl Endpoint {
    pub(crate) fn parse(s: &str) -> Option<Endpoint> {
        let raw = text::field(s, MAX_FIELD);
        if raw.is_empty() || raw.contains(char::is_whitespace) {
            return None;
        }
        let scheme = match raw.split_once("://").map(|(s, _)| s) {
            Some("unix") => Scheme::Unix,
            Some("tcp") => Scheme::Tcp,
            Some("npipe") => Scheme::Npipe,
            Some("ssh") => Scheme::Ssh,
            _ => Scheme::Other,
        };
        Some(Endpoint { scheme, raw })
    }
}

/// The docker-related environment, read once at start-up by the caller.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DockerEnv {
    pub(crate) docker_host: Option<String>,
    pub(crate) docker_context: Option<String>,
    pub(crate) docker_cert_path: Option<String>,
    /// Set by `eval $(minikube docker-env)` since minikube v1.8.0 (kubernetes/minikube
    /// `cmd/minikube/cmd/docker-env.go`).
    pub(crate) minikube_active_dockerd: Option<String>,
}

/// Which daemon `docker version` talks to, without contacting it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DaemonTarget {
    /// The context in effect (normally `default`: `unix:///var/run/docker.sock` on Linux).
    Default,
    /// `DOCKER_HOST` (it wins over any context).
    Host(Endpoint),
    /// `DOCKER_CONTEXT` names a context other than `default`.
    Context { name: String },
    /// The dockerd inside a minikube VM, through `eval $(minikube docker-env)`.
    MinikubeVm {
        /// From `MINIKUBE_ACTIVE_DOCKERD` (absent before minikube v1.8.0).
        profile: Option<String>,
        endpoint: Option<Endpoint>,
    },
}

fn set(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Which daemon the user's `docker` reaches. `DOCKER_HOST` overrides the context (docker/cli
/// v28.2.2 `cli/command/cli.go`, `resolveContextName`). minikube's docker-env sets
/// `MINIKUBE_ACTIVE_DOCKERD` since v1.8.0; the 0.25 era only sets a `tcp://…:2376` host with
/// `DOCKER_CERT_PATH` under `.minikube` (kubernetes/minikube v0.25.0 `cmd/minikube/cmd/env.go`).
pub(crate) fn target(env: &DockerEnv) -> DaemonTarget {
    let host = set(&env.docker_host).and_then(Endpoint::parse);
    if let Some(profile) = set(&env.minikube_active_dockerd) {
        return DaemonTarget::MinikubeVm {
            profile: Some(text::field(profile, MAX_FIELD)),
            endpoint: host,
        };
    }
    if let Some(endpoint) = host {
        let minikube_certs = set(&env.docker_cert_path)
            .is_some_and(|p| p.contains("/.minikube/") || p.contains("\\.minikube\\"));
        if endpoint.scheme == Scheme::Tcp && minikube_certs {
            return DaemonTarget::MinikubeVm {
                profile: None,
                endpoint: Some(endpoint),
            };
        }
        return DaemonTarget::Host(endpoint);
    }
    match set(&env.docker_context) {
        Some(name) if name != "default" => DaemonTarget::Context {
            name: text::field(name, MAX_FIELD),
        },
        _ => DaemonTarget::Default,
    }
}

/// What answers on the other end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Engine {
    Docker,
    /// The podman-docker shim: no daemon, podman runs locally and answers the version itself.
    PodmanShim,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DaemonState {
    Running {
        version: String,
        engine: Engine,
    },
    /// Nothing listens: socket or pipe missing, connection refused, or a stopped VM.
    NotRunning {
        endpoint: Option<Endpoint>,
    },
    /// The socket exists but this user may not open it (not in group `docker`).
    PermissionDenied {
        endpoint: Option<Endpoint>,
    },
    /// The daemon answered with an error, e.g. Docker Desktop still starting. The message is the
    /// daemon's, kept for display only.
    DaemonError {
        message: String,
    },
    /// The CLI could not work out an endpoint: a missing context, or TLS files of a stale
    /// `minikube docker-env`.
    EndpointConfig(EndpointProblem),
    /// The endpoint's host name does not resolve (29.x: "failed to connect … lookup …").
    Unresolvable {
        endpoint: Option<Endpoint>,
    },
    /// Accepted the connection and never answered (there is no client-side timeout: killed).
    Hung,
    Inconclusive(Inconclusive),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EndpointProblem {
    ContextNotFound {
        name: String,
    },
    /// `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH` name files that are gone.
    TlsFiles,
    Other,
}

/// Classifies `docker version --format '{{.Server.Version}}'` (cluster row 1).
pub(crate) fn classify(ran: &Ran) -> DaemonState {
    match ran.end {
        End::TimedOut => return DaemonState::Hung,
        End::Code(0) => return running(ran),
        End::Code(_) => {}
        other => return DaemonState::Inconclusive(Inconclusive::of(other)),
    }
    let err = ran.err();
    let endpoint_after = |marker: &str| {
        text::after(err, marker)
            .map(text::token)
            .and_then(Endpoint::parse)
    };

    // Before "Cannot connect": a permission error is not a stopped daemon. 20.10–28.x:
    // "…connect to the Docker daemon socket at unix:///…: Get …"; 29.x: "…to the docker API at …".
    if text::contains_ci(err, "permission denied") {
        let endpoint = endpoint_after("daemon socket at ").or_else(|| endpoint_after("API at "));
        return DaemonState::PermissionDenied { endpoint };
    }
    if let Some(rest) = text::after(err, "Error response from daemon:") {
        return DaemonState::DaemonError {
            message: text::field(text::first_line(rest).unwrap_or(""), MAX_FIELD),
        };
    }
    if text::contains_ci(err, "unable to resolve docker endpoint") {
        // 28.x: `context "nope": context not found: open …`; 20.10: `context "nope" does not exist`.
        let problem = match text::between(err, "context \"", "\"") {
            Some(name) => EndpointProblem::ContextNotFound {
                name: text::field(name, MAX_FIELD),
            },
            None if err.contains(".pem") => EndpointProblem::TlsFiles,
            None => EndpointProblem::Other,
        };
        return DaemonState::EndpointConfig(problem);
    }
    if err.contains("Cannot connect to the Docker daemon at ") {
        return DaemonState::NotRunning {
            endpoint: endpoint_after("Docker daemon at "),
        };
    }
    if err.contains("failed to connect to the docker API at ") {
        let endpoint = endpoint_after("docker API at ");
        if err.contains(": lookup ") {
            return DaemonState::Unresolvable { endpoint };
        }
        return DaemonState::NotRunning { endpoint };
    }
    // Windows before 29.x: "error during connect: Get http://%2F%2F.%2Fpipe%2Fdocker_engine/…:
    // open //./pipe/docker_engine: …. This error may also indicate that the docker daemon is not
    // running." (docker/for-win#3541). The Win32 part is localised, so only the English frame is
    // matched.
    if err.contains("docker daemon is not running")
        || err.contains("Is the docker daemon running")
        || err.contains("connect: connection refused")
    {
        return DaemonState::NotRunning { endpoint: None };
    }
    DaemonState::Inconclusive(Inconclusive::of(ran.end))
}

fn running(ran: &Ran) -> DaemonState {
    let Some(version) = text::first_line(ran.out()) else {
        return DaemonState::Inconclusive(Inconclusive::Unrecognised { code: 0 });
    };
    let looks_like_version = version.len() <= 64
        && version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-+~_".contains(c));
    if !looks_like_version {
        return DaemonState::Inconclusive(Inconclusive::Unrecognised { code: 0 });
    }
    // The podman-docker shim says so on stderr on every call (podman 4.3.1, observed).
    let engine = if ran.err().contains("Emulate Docker CLI using podman") {
        Engine::PodmanShim
    } else {
        Engine::Docker
    };
    DaemonState::Running {
        version: version.to_string(),
        engine,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(raw: &str) -> Option<Endpoint> {
        Endpoint::parse(raw)
    }

    /// Outputs of docker CLI 28.2.2 and 20.10.24 observed against stub daemons, and 29.x /
    /// Windows texts from docker/cli v29.0.0 and docker/for-win#3541.
    #[test]
    fn every_known_shape() {
        let cases: Vec<(Ran, DaemonState)> = vec![
            (
                Ran::exit(0, "28.2.2\n", ""),
                DaemonState::Running {
                    version: "28.2.2".into(),
                    engine: Engine::Docker,
                },
            ),
            (
                Ran::exit(
                    0,
                    "4.3.1\n",
                    "Emulate Docker CLI using podman. Create /etc/containers/nodocker to quiet msg.\n",
                ),
                DaemonState::Running {
                    version: "4.3.1".into(),
                    engine: Engine::PodmanShim,
                },
            ),
            (
                Ran::exit(
                    1,
                    "",
                    "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n",
                ),
                DaemonState::NotRunning {
                    endpoint: ep("unix:///var/run/docker.sock"),
                },
            ),
            (
                Ran::exit(
                    1,
                    "",
                    "Cannot connect to the Docker daemon at unix:///nonexistent. Is the docker daemon running?\n",
                ),
                DaemonState::NotRunning {
                    endpoint: ep("unix:///nonexistent"),
                },
            ),
            (
                Ran::exit(
                    1,
                    "",
                    "Cannot connect to the Docker daemon at tcp://127.0.0.1:1. Is the docker daemon running?\n",
                ),
                DaemonState::NotRunning {
                    endpoint: ep("tcp://127.0.0.1:1"),
                },
            ),
            (
                Ran::exit(
                    1,
                    "",
                    "permission denied while trying to connect to the Docker daemon socket at unix:///run/x/priv.sock: Get \"http://%2Frun%2Fx%2Fpriv.sock/v1.50/version\": dial unix /run/x/priv.sock: connect: permission denied\n",
                ),
                DaemonState::PermissionDenied {
                    endpoint: ep("unix:///run/x/priv.sock"),
                },
            ),
            // docker 17.x–19.03 said "Got permission denied …".
            (
                Ran::exit(
                    1,
                    "",
                    "Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get http://%2Fvar%2Frun%2Fdocker.sock/v1.40/version: dial unix /var/run/docker.sock: connect: permission denied\n",
                ),
                DaemonState::PermissionDenied {
                    endpoint: ep("unix:///var/run/docker.sock"),
                },
            ),
            (
                Ran::exit(
                    1,
                    "",
                    "Error response from daemon: Docker Desktop is unable to start\n",
                ),
                DaemonState::DaemonError {
                    message: "Docker Desktop is unable to start".into(),
                },
            ),
            (
                Ran::exit(
                    1,
                    "",
                    "Failed to initialize: unable to resolve docker endpoint: context \"nope\": context not found: open /root/.docker/contexts/meta/0123/meta.json: no such file or directory\n",
                ),
                DaemonState::EndpointConfig(EndpointProblem::ContextNotFound {
                    name: "nope".into(),
                }),
            ),
            (
                Ran::exit(
                    1,
                    "",
                    "unable to resolve docker endpoint: context \"nope\" does not exist\n",
                ),
                DaemonState::EndpointConfig(EndpointProblem::ContextNotFound {
                    name: "nope".into(),
                }),
            ),
            (
                Ran::exit(
                    1,
                    "",
                    "Failed to initialize: unable to resolve docker endpoint: open /nonexistent/ca.pem: no such file or directory\n",
                ),
                DaemonState::EndpointConfig(EndpointProblem::TlsFiles),
            ),
            // docker/cli 29.x
            (
                Ran::exit(
                    1,
                    "",
                    "failed to connect to the docker API at unix:///var/run/docker.sock; check if the path is correct and if the daemon is running: dial unix /var/run/docker.sock: connect: no such file or directory\n",
                ),
                DaemonState::NotRunning {
                    endpoint: ep("unix:///var/run/docker.sock"),
                },
            ),
            (
                Ran::exit(
                    1,
                    "",
                    "permission denied while trying to connect to the docker API at unix:///var/run/docker.sock\n",
                ),
                DaemonState::PermissionDenied {
                    endpoint: ep("unix:///var/run/docker.sock"),
                },
            ),
            (
                Ran::exit(
                    1,
                    "",
                    "failed to connect to the docker API at tcp://nonexistent.invalid:2376: lookup nonexistent.invalid: no such host\n",
                ),
                DaemonState::Unresolvable {
                    endpoint: ep("tcp://nonexistent.invalid:2376"),
                },
            ),
            (
                Ran::exit(
                    1,
                    "",
                    "failed to connect to the docker API at npipe:////./pipe/dockerDesktopLinuxEngine; check if the path is correct and if the daemon is running: open //./pipe/dockerDesktopLinuxEngine: The system cannot find the file specified.\n",
                ),
                DaemonState::NotRunning {
                    endpoint: ep("npipe:////./pipe/dockerDesktopLinuxEngine"),
                },
            ),
            // Windows, old CLI
            (
                Ran::exit(
                    1,
                    "",
                    "error during connect: Get http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.39/version: open //./pipe/docker_engine: The system cannot find the file specified. In the default daemon configuration on Windows, the docker client must be run elevated to connect. This error may also indicate that the docker daemon is not running.\n",
                ),
                DaemonState::NotRunning { endpoint: None },
            ),
            (Ran::timed_out("", ""), DaemonState::Hung),
            (
                Ran::not_started(),
                DaemonState::Inconclusive(Inconclusive::NotStarted),
            ),
            // The podman shim asked for a field it lacks.
            (
                Ran::exit(
                    125,
                    "",
                    "Error: template: version:1:32: executing \"version\" at <.Platform.Name>: can't evaluate field Platform in type *define.Version\n",
                ),
                DaemonState::Inconclusive(Inconclusive::Unrecognised { code: 125 }),
            ),
        ];
        for (ran, want) in cases {
            assert_eq!(classify(&ran), want, "{ran:?}");
        }
    }

    #[test]
    fn malformed_and_hostile_output() {
        // rc 0 but nothing, or not a version.
        assert_eq!(
            classify(&Ran::exit(0, "", "")),
            DaemonState::Inconclusive(Inconclusive::Unrecognised { code: 0 })
        );
        assert_eq!(
            classify(&Ran::exit(0, "\x1b]0;pwned\x07\n", "")),
            DaemonState::Inconclusive(Inconclusive::Unrecognised { code: 0 })
        );
        // A huge stderr: only the head is read, and kept fields stay short.
        let mut err = "Error response from daemon: ".to_string();
        err.push_str(&"A".repeat(1 << 20));
        match classify(&Ran::exit(1, "", &err)) {
            DaemonState::DaemonError { message } => {
                assert!(message.chars().count() <= MAX_FIELD)
            }
            other => panic!("{other:?}"),
        }
        // A marker only beyond the bounded head is not seen.
        let mut late = "x".repeat(2 * text::MAX_STREAM);
        late.push_str(
            "Cannot connect to the Docker daemon at unix:///x. Is the docker daemon running?",
        );
        assert_eq!(
            classify(&Ran::exit(1, "", &late)),
            DaemonState::Inconclusive(Inconclusive::Unrecognised { code: 1 })
        );
    }

    #[test]
    fn target_from_environment() {
        assert_eq!(target(&DockerEnv::default()), DaemonTarget::Default);
        let ctx = DockerEnv {
            docker_context: Some("desktop-linux".into()),
            ..Default::default()
        };
        assert_eq!(
            target(&ctx),
            DaemonTarget::Context {
                name: "desktop-linux".into()
            }
        );
        let dflt = DockerEnv {
            docker_context: Some("default".into()),
            ..Default::default()
        };
        assert_eq!(target(&dflt), DaemonTarget::Default);
        // DOCKER_HOST wins over the context.
        let host = DockerEnv {
            docker_host: Some("unix:///run/user/1000/docker.sock".into()),
            docker_context: Some("desktop-linux".into()),
            ..Default::default()
        };
        assert_eq!(
            target(&host),
            DaemonTarget::Host(ep("unix:///run/user/1000/docker.sock").unwrap())
        );
        // minikube docker-env, 1.x
        let mk = DockerEnv {
            docker_host: Some("tcp://192.168.99.100:2376".into()),
            docker_cert_path: Some("/home/u/.minikube/certs".into()),
            minikube_active_dockerd: Some("minikube".into()),
            ..Default::default()
        };
        assert_eq!(
            target(&mk),
            DaemonTarget::MinikubeVm {
                profile: Some("minikube".into()),
                endpoint: ep("tcp://192.168.99.100:2376"),
            }
        );
        // minikube docker-env, 0.25 era: no MINIKUBE_ACTIVE_DOCKERD.
        let old = DockerEnv {
            docker_host: Some("tcp://192.168.99.100:2376".into()),
            docker_cert_path: Some("/home/u/.minikube/certs".into()),
            ..Default::default()
        };
        assert_eq!(
            target(&old),
            DaemonTarget::MinikubeVm {
                profile: None,
                endpoint: ep("tcp://192.168.99.100:2376"),
            }
        );
        // Empty values count as unset.
        let empty = DockerEnv {
            docker_host: Some(" ".into()),
            minikube_active_dockerd: Some(String::new()),
            ..Default::default()
        };
        assert_eq!(target(&empty), DaemonTarget::Default);
    }

    #[test]
    fn endpoint_schemes() {
        assert_eq!(ep("unix:///x").unwrap().scheme, Scheme::Unix);
        assert_eq!(ep("tcp://h:1").unwrap().scheme, Scheme::Tcp);
        assert_eq!(ep("npipe:////./pipe/x").unwrap().scheme, Scheme::Npipe);
        assert_eq!(ep("ssh://u@h").unwrap().scheme, Scheme::Ssh);
        assert_eq!(ep("fd://").unwrap().scheme, Scheme::Other);
        assert_eq!(ep(""), None);
        assert_eq!(ep("a b"), None);
    }
}
