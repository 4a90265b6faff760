//! PURE: can helm reach the cluster? helm 2 needs Tiller in the cluster (`helm version --server
//! --tiller-connection-timeout 5`); helm 3 and 4 need nothing but the API server, so the cheap
//! check is `helm --kube-context C list --max 1 -o json`.
//!
//! Sources: helm/helm v2.16.1 `pkg/helm/portforwarder/portforwarder.go` ("could not find
//! tiller", "could not find a ready tiller pod") and `cmd/helm/version.go` ("cannot connect to
//! Tiller", "server is too old to know its version"); helm/helm v3.17.3 `pkg/kube/client.go`
//! ("Kubernetes cluster unreachable", lowercased in helm 4) and helm/helm v3.4.0
//! `cmd/helm/root_unix.go` (`checkPerms`: the group-/world-readable kubeconfig warnings, printed
//! by 3.4–3.16).

use super::kubectl::{self, ApiState};
use super::text::{self, MAX_FIELD};
use super::{End, Inconclusive, Ran};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HelmGeneration {
    /// helm 2: a server part (Tiller) in the cluster.
    Tiller,
    /// helm 3 and 4: client only.
    Client,
}

impl HelmGeneration {
    /// From the major version the tools probe read.
    pub(crate) fn of_major(major: u64) -> HelmGeneration {
        if major <= 2 {
            HelmGeneration::Tiller
        } else {
            HelmGeneration::Client
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TillerState {
    Ready {
        version: Option<String>,
    },
    /// No pod labelled `app=helm,name=tiller`.
    NotInstalled,
    /// The pod exists and is not ready.
    NotReady,
    /// The gRPC connection through the port-forward failed.
    CannotConnect,
    /// Tiller answers but predates the version call.
    TooOld,
    /// Listing pods failed: the API server is not reachable from helm.
    ClusterUnreachable(ApiState),
    TimedOut,
    Inconclusive(Inconclusive),
}

/// Classifies `helm version --server --tiller-connection-timeout 5 --kube-context C` (helm 2).
pub(crate) fn classify_tiller(ran: &Ran) -> TillerState {
    match ran.end {
        End::Code(0) => {
            // `Server: &version.Version{SemVer:"v2.16.1", GitCommit:"…", GitTreeState:"clean"}`
            let version = text::lines(ran.out())
                .find(|l| l.trim_start().starts_with("Server:"))
                .and_then(|l| text::between(l, "SemVer:\"", "\""))
                .map(|v| text::field(v, 64));
            return TillerState::Ready { version };
        }
        End::Code(_) => {}
        End::TimedOut => return TillerState::TimedOut,
        other => return TillerState::Inconclusive(Inconclusive::of(other)),
    }
    let err = ran.err();
    // The longer message first: it contains the shorter one's start.
    if err.contains("could not find a ready tiller pod") {
        TillerState::NotReady
    } else if err.contains("could not find tiller") {
        TillerState::NotInstalled
    } else if err.contains("cannot connect to Tiller") {
        TillerState::CannotConnect
    } else if err.contains("server is too old to know its version") {
        TillerState::TooOld
    } else if let Some(state) = kubectl::transport(err) {
        TillerState::ClusterUnreachable(state)
    } else {
        TillerState::Inconclusive(Inconclusive::of(ran.end))
    }
}

/// Stderr that is not a failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HelmWarning {
    /// helm 3.4–3.16: `WARNING: Kubernetes configuration file is group-readable. This is
    /// insecure. Location: …` (and `world-readable`).
    KubeconfigReadableByOthers { path: Option<String> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HelmState {
    Reachable {
        warnings: Vec<HelmWarning>,
    },
    /// `Error: Kubernetes cluster unreachable: …`, with the cause as the API check would read it.
    ClusterUnreachable(ApiState),
    /// The user may not list secrets (RBAC) although the API server answers.
    Forbidden,
    /// Listing releases failed another way (e.g. the secrets resource is missing).
    ListFailed,
    /// helm has no request timeout; 3.8.1–4.3.1 hang on a server that never answers.
    TimedOut,
    Inconclusive(Inconclusive),
}

fn warnings(err: &str) -> Vec<HelmWarning> {
    text::lines(err)
        .filter(|l| {
            l.contains("Kubernetes configuration file is group-readable")
                || l.contains("Kubernetes configuration file is world-readable")
        })
        .take(1)
        .map(|l| HelmWarning::KubeconfigReadableByOthers {
            path: text::after(l, "Location: ").map(|p| text::field(p, MAX_FIELD)),
        })
        .collect()
}

/// Classifies `helm --kube-context C list --max 1 -o json` (helm 3, 4).
pub(crate) fn classify_list(ran: &Ran) -> HelmState {
    match ran.end {
        End::Code(0) => {
            let out = ran.out().trim_start();
            // `[]` or a JSON array of releases; without -o json, a table header.
            return if out.starts_with('[') || out.starts_with("NAME") {
                HelmState::Reachable {
                    warnings: warnings(ran.err()),
                }
            } else {
                HelmState::Inconclusive(Inconclusive::Unrecognised { code: 0 })
            };
        }
        End::Code(_) => {}
        End::TimedOut => return HelmState::TimedOut,
        other => return HelmState::Inconclusive(Inconclusive::of(other)),
    }
    let err = ran.err();
    if let Some(at) = text::find_ci(err, "Kubernetes cluster unreachable") {
        let rest = &err[at..];
        if rest.contains("unable to parse the server version") {
            return HelmState::ClusterUnreachable(ApiState::UnexpectedBody);
        }
        let cause =
            kubectl::transport(rest).unwrap_or(ApiState::Inconclusive(Inconclusive::of(ran.end)));
        return HelmState::ClusterUnreachable(cause);
    }
    if err.contains("is forbidden") {
        return HelmState::Forbidden;
    }
    if err.contains("failed to list") {
        return HelmState::ListFailed;
    }
    HelmState::Inconclusive(Inconclusive::of(ran.end))
}

/// What the helm row saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HelmObservation {
    Tiller(TillerState),
    Client(HelmState),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(stderr: &str) -> Ran {
        Ran::exit(1, "", stderr)
    }

    #[test]
    fn helm2_tiller() {
        let cases: Vec<(Ran, TillerState)> = vec![
            (
                Ran::exit(
                    0,
                    "Server: &version.Version{SemVer:\"v2.16.1\", GitCommit:\"bbdfe5e7803a12bbdf97e94cd847859890cf4050\", GitTreeState:\"clean\"}\n",
                    "",
                ),
                TillerState::Ready {
                    version: Some("v2.16.1".into()),
                },
            ),
            (
                err("Error: could not find tiller\n"),
                TillerState::NotInstalled,
            ),
            (
                Ran::exit(
                    1,
                    "Client: &version.Version{SemVer:\"v2.12.1\", GitCommit:\"02a47c7249b1fc6d8fd3b94e6b4babf9d818144e\", GitTreeState:\"clean\"}\n",
                    "Error: could not find tiller\n",
                ),
                TillerState::NotInstalled,
            ),
            (
                err("Error: could not find a ready tiller pod\n"),
                TillerState::NotReady,
            ),
            (
                err("Error: cannot connect to Tiller\n"),
                TillerState::CannotConnect,
            ),
            (
                err("Error: server is too old to know its version\n"),
                TillerState::TooOld,
            ),
            (
                err(
                    "Error: Get http://localhost:8080/api/v1/namespaces/kube-system/pods?labelSelector=app%3Dhelm%2Cname%3Dtiller: dial tcp 127.0.0.1:8080: connect: connection refused\n",
                ),
                TillerState::ClusterUnreachable(ApiState::Refused {
                    server: "127.0.0.1:8080".into(),
                }),
            ),
            (Ran::timed_out("", ""), TillerState::TimedOut),
            (
                err("Error: unknown flag: --tiller-connection-timeout\n"),
                TillerState::Inconclusive(Inconclusive::Unrecognised { code: 1 }),
            ),
        ];
        for (ran, want) in cases {
            assert_eq!(classify_tiller(&ran), want, "{ran:?}");
        }
    }

    /// stderr of helm 3.2.4–3.17.3 and 4.x against the loopback stub.
    #[test]
    fn helm3_list() {
        let cases: Vec<(Ran, HelmState)> = vec![
            (
                Ran::exit(0, "[]\n", ""),
                HelmState::Reachable { warnings: vec![] },
            ),
            (
                Ran::exit(
                    0,
                    "[]\n",
                    "WARNING: Kubernetes configuration file is group-readable. This is insecure. Location: /home/u/.kube/config\n",
                ),
                HelmState::Reachable {
                    warnings: vec![HelmWarning::KubeconfigReadableByOthers {
                        path: Some("/home/u/.kube/config".into()),
                    }],
                },
            ),
            (
                Ran::exit(
                    0,
                    "NAME\tNAMESPACE\tREVISION\tUPDATED\tSTATUS\tCHART\tAPP VERSION\n",
                    "",
                ),
                HelmState::Reachable { warnings: vec![] },
            ),
            (
                err(
                    "Error: Kubernetes cluster unreachable: Get \"https://127.0.0.1:16444/version\": dial tcp 127.0.0.1:16444: connect: connection refused\n",
                ),
                HelmState::ClusterUnreachable(ApiState::Refused {
                    server: "127.0.0.1:16444".into(),
                }),
            ),
            (
                err(
                    "Error: Kubernetes cluster unreachable: Get https://127.0.0.1:16444/version?timeout=32s: dial tcp 127.0.0.1:16444: connect: connection refused\n",
                ),
                HelmState::ClusterUnreachable(ApiState::Refused {
                    server: "127.0.0.1:16444".into(),
                }),
            ),
            (
                err(
                    "Error: kubernetes cluster unreachable: Get \"https://127.0.0.1:16444/version\": tls: failed to verify certificate: x509: certificate signed by unknown authority\n",
                ),
                HelmState::ClusterUnreachable(ApiState::TlsUnknownAuthority),
            ),
            (
                err(
                    "Error: Kubernetes cluster unreachable: the server has asked for the client to provide credentials\n",
                ),
                HelmState::ClusterUnreachable(ApiState::Unauthorized),
            ),
            (
                err(
                    "Error: Kubernetes cluster unreachable: unable to parse the server version: invalid character 'o' in literal null (expecting 'u')\n",
                ),
                HelmState::ClusterUnreachable(ApiState::UnexpectedBody),
            ),
            (
                err("Error: Kubernetes cluster unreachable\n"),
                HelmState::ClusterUnreachable(ApiState::Inconclusive(Inconclusive::Unrecognised {
                    code: 1,
                })),
            ),
            (
                err(
                    "Error: list: failed to list: the server could not find the requested resource (get secrets)\n",
                ),
                HelmState::ListFailed,
            ),
            (
                err(
                    "Error: list: failed to list: secrets is forbidden: User \"dev\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\"\n",
                ),
                HelmState::Forbidden,
            ),
            (Ran::timed_out("", ""), HelmState::TimedOut),
            (
                Ran::exit(0, "<html>", ""),
                HelmState::Inconclusive(Inconclusive::Unrecognised { code: 0 }),
            ),
        ];
        for (ran, want) in cases {
            assert_eq!(classify_list(&ran), want, "{ran:?}");
        }
    }

    #[test]
    fn generation() {
        assert_eq!(HelmGeneration::of_major(2), HelmGeneration::Tiller);
        assert_eq!(HelmGeneration::of_major(3), HelmGeneration::Client);
        assert_eq!(HelmGeneration::of_major(4), HelmGeneration::Client);
    }
}
