//! PURE: kubectl's current context and whether the pinned context's API server is ready.
//!
//! Error shapes: kubernetes/kubernetes v1.33.1 `staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go`
//! (`StandardErrorMessage`: "The connection to the server %s was refused - did you specify the
//! right host or port?", "Unable to connect to the server: %v", "Error from server (%s): %s",
//! "error: You must be logged in to the server (%s)") and client-go in the same tree
//! (`staging/src/k8s.io/client-go/tools/clientcmd/validation.go`: "context was not found for
//! specified context"). Go 1.20 prefixed x509 errors with "tls: failed to verify certificate: "
//! (kubectl 1.27+ is built with it). `tests/cluster_stub.rs` runs every real kubectl build on the
//! machine against a loopback API server and feeds its output through this module.
//! `/readyz` and `/livez` exist since Kubernetes 1.16 (kubernetes/website
//! `content/en/docs/reference/using-api/health-checks.md`); before, `/readyz` is NotFound and
//! `/healthz` answers.

use super::text::{self, MAX_FIELD, MAX_ITEMS};
use super::{End, Inconclusive, Ran};

// ----- current context --------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CurrentContext {
    Set {
        name: String,
    },
    NotSet,
    /// The kubeconfig cannot be parsed.
    KubeconfigUnreadable,
    Inconclusive(Inconclusive),
}

/// Classifies `kubectl config current-context` (no network).
pub(crate) fn classify_current_context(ran: &Ran) -> CurrentContext {
    match ran.end {
        End::Code(0) => match text::first_line(ran.out()) {
            Some(name) => CurrentContext::Set {
                name: text::field(name, MAX_FIELD),
            },
            None => CurrentContext::NotSet,
        },
        End::Code(code) => {
            let err = ran.err();
            if err.contains("current-context is not set") {
                CurrentContext::NotSet
            } else if err.contains("error loading config file") {
                CurrentContext::KubeconfigUnreadable
            } else {
                CurrentContext::Inconclusive(Inconclusive::Unrecognised { code })
            }
        }
        other => CurrentContext::Inconclusive(Inconclusive::of(other)),
    }
}

// ----- API server ---------------------------------------------------------------------------

/// Which health endpoint was asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ApiPath {
    Readyz,
    /// The fallback for API servers older than Kubernetes 1.16.
    Healthz,
}

impl ApiPath {
    pub(crate) fn path(self) -> &'static str {
        match self {
            ApiPath::Readyz => "/readyz",
            ApiPath::Healthz => "/healthz",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ApiState {
    /// 200 `ok`.
    Ready,
    /// 500 with the checks that failed (`[-]etcd failed: reason withheld` → `etcd`).
    NotReady {
        failed: Vec<String>,
    },
    /// The path does not exist (Kubernetes < 1.16 for `/readyz`).
    NotFound,
    /// Nothing listens at the server address (`host:port` as kubectl printed it).
    Refused {
        server: String,
    },
    TlsUnknownAuthority,
    /// The server's certificate is for other names (`valid_for`), not the one dialled.
    TlsNameMismatch {
        valid_for: Vec<String>,
        requested: String,
    },
    TlsExpired,
    /// Another TLS or x509 failure.
    TlsOther,
    /// 401: the credentials in the kubeconfig are not accepted.
    Unauthorized,
    /// 403.
    Forbidden,
    /// Another `Error from server (<reason>)`; the reason is the API's `StatusReason` identifier.
    ServerError {
        reason: String,
    },
    /// The request timed out (kubectl's `--request-timeout`, or our kill).
    TimedOut,
    /// The server's host name does not resolve.
    Dns {
        host: String,
    },
    /// No route / network unreachable (a VM on a host-only network that is down).
    NoRoute,
    /// Connection reset or closed mid-request.
    ConnectionDropped,
    /// `--context` names a context the kubeconfig lacks.
    ContextMissing {
        name: String,
    },
    KubeconfigUnreadable,
    /// The user entry has no credentials and kubectl asked for a username.
    NeedsCredentials,
    /// Exit 0, but the body is not `ok`.
    UnexpectedBody,
    Inconclusive(Inconclusive),
}

/// Classifies `kubectl --context C get --raw=/readyz --request-timeout=5s` (or `/healthz`).
pub(crate) fn classify_api(ran: &Ran) -> ApiState {
    match ran.end {
        End::Code(0) => {
            return if ran.out().trim() == "ok" {
                ApiState::Ready
            } else {
                ApiState::UnexpectedBody
            };
        }
        End::Code(_) => {}
        End::TimedOut => return ApiState::TimedOut,
        other => return ApiState::Inconclusive(Inconclusive::of(other)),
    }
    let err = ran.err();
    if let Some(state) = config_error(err) {
        return state;
    }
    // kubectl asks `Please enter Username: ` on stdout when the user entry is empty; with
    // stdin closed it then fails with `error: EOF`.
    if ran.out().contains("Please enter Username") {
        return ApiState::NeedsCredentials;
    }
    if let Some(state) = server_status(err) {
        return state;
    }
    if let Some(state) = transport(err) {
        return state;
    }
    ApiState::Inconclusive(Inconclusive::of(ran.end))
}

fn config_error(err: &str) -> Option<ApiState> {
    // `--context X` that does not exist: `error: context "X" does not exist`;
    // a current-context naming a missing context: `Error in configuration: context was not
    // found for specified context: X`.
    if let Some(name) = text::between(err, "context \"", "\" does not exist") {
        return Some(ApiState::ContextMissing {
            name: text::field(name, MAX_FIELD),
        });
    }
    if let Some(rest) = text::after(err, "context was not found for specified context: ") {
        return Some(ApiState::ContextMissing {
            name: text::field(text::first_line(rest).unwrap_or(""), MAX_FIELD),
        });
    }
    if err.contains("error loading config file") {
        return Some(ApiState::KubeconfigUnreadable);
    }
    None
}

/// `Error from server (<Reason>): …` and `error: You must be logged in to the server (…)`.
fn server_status(err: &str) -> Option<ApiState> {
    if err.contains("You must be logged in to the server") {
        return Some(ApiState::Unauthorized);
    }
    let reason = text::between(err, "Error from server (", ")")?;
    let reason_ok = !reason.is_empty()
        && reason.len() <= 64
        && reason.bytes().all(|b| b.is_ascii_alphanumeric());
    if !reason_ok {
        return None;
    }
    Some(match reason {
        "NotFound" => ApiState::NotFound,
        "Unauthorized" => ApiState::Unauthorized,
        "Forbidden" => ApiState::Forbidden,
        "InternalError" if has_health_checks(err) => ApiState::NotReady {
            failed: failed_checks(err),
        },
        _ => ApiState::ServerError {
            reason: reason.to_string(),
        },
    })
}

/// The body of a failing `/readyz`, `/livez` or `/healthz` inside kubectl's message:
/// `an error on the server ("[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\n…\nreadyz
/// check failed") has prevented the request from succeeding` (the `\n` are literal).
fn has_health_checks(err: &str) -> bool {
    err.contains("[-]") || err.contains("check failed")
}

fn failed_checks(err: &str) -> Vec<String> {
    let mut out = Vec::new();
    for piece in err.split("\\n").flat_map(|p| p.split('\n')) {
        // The first piece still carries kubectl's frame: `an error on the server ("[-]etcd …`.
        let Some(rest) = piece.find("[-]").map(|i| &piece[i + 3..]) else {
            continue;
        };
        let name = rest.split([' ', ':']).next().unwrap_or("");
        let name_ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_/.".contains(&b));
        if name_ok && out.len() < MAX_ITEMS {
            out.push(text::field(name, 128));
        }
    }
    out
}

/// Network and TLS failures, shared with helm (whose messages wrap the same Go errors).
pub(crate) fn transport(err: &str) -> Option<ApiState> {
    // kubectl: "The connection to the server 127.0.0.1:16444 was refused - did you specify …"
    if let Some(server) = text::between(err, "The connection to the server ", " was refused") {
        return Some(ApiState::Refused {
            server: text::field(server, MAX_FIELD),
        });
    }
    // Go's net error: "dial tcp 127.0.0.1:16444: connect: connection refused"
    if err.contains("connection refused") {
        let server = text::between(err, "dial tcp ", ": connect")
            .map(|s| text::field(s, MAX_FIELD))
            .unwrap_or_default();
        return Some(ApiState::Refused { server });
    }
    if err.contains("x509: certificate signed by unknown authority")
        || (err.contains("x509: ") && err.contains("certificate is not trusted"))
    {
        return Some(ApiState::TlsUnknownAuthority);
    }
    // "x509: certificate is valid for 192.168.99.100, not 127.0.0.1"
    if let Some(rest) = text::after(err, "x509: certificate is valid for ") {
        let line = text::first_line(rest).unwrap_or("");
        let (names, requested) = line.rsplit_once(", not ").unwrap_or((line, ""));
        return Some(ApiState::TlsNameMismatch {
            valid_for: names
                .split(", ")
                .take(MAX_ITEMS)
                .map(|n| text::field(n, MAX_FIELD))
                .collect(),
            requested: text::field(text::token(requested), MAX_FIELD),
        });
    }
    // "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"
    if let Some(requested) = text::between(err, "x509: cannot validate certificate for ", " ") {
        return Some(ApiState::TlsNameMismatch {
            valid_for: Vec::new(),
            requested: text::field(requested, MAX_FIELD),
        });
    }
    if err.contains("x509: certificate has expired or is not yet valid") {
        return Some(ApiState::TlsExpired);
    }
    if err.contains("x509: ") || err.contains("tls: ") {
        return Some(ApiState::TlsOther);
    }
    if err.contains("Client.Timeout exceeded")
        || err.contains("context deadline exceeded")
        || err.contains("i/o timeout")
        || err.contains("TLS handshake timeout")
    {
        return Some(ApiState::TimedOut);
    }
    // "dial tcp: lookup nonexistent.invalid on 10.255.255.53:53: no such host"
    if err.contains("no such host") {
        let host = text::after(err, "lookup ")
            .map(text::token)
            .map(|h| text::field(h, MAX_FIELD))
            .unwrap_or_default();
        return Some(ApiState::Dns { host });
    }
    if err.contains("no route to host")
        || err.contains("network is unreachable")
        || err.contains("host is unreachable")
    {
        return Some(ApiState::NoRoute);
    }
    if err.contains("connection reset by peer")
        || err.contains("Unable to connect to the server: EOF")
        || err.contains("unexpected EOF")
    {
        return Some(ApiState::ConnectionDropped);
    }
    if err.contains("the server has asked for the client to provide credentials") {
        return Some(ApiState::Unauthorized);
    }
    None
}

/// The outcome of the API check: which path answered, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiObservation {
    pub(crate) path: ApiPath,
    pub(crate) state: ApiState,
}

/// The probe to run after `/readyz` gave `readyz`: `/healthz` when `/readyz` does not exist
/// (Kubernetes < 1.16), otherwise none.
pub(crate) fn next_probe(readyz: &ApiState) -> Option<ApiPath> {
    (*readyz == ApiState::NotFound).then_some(ApiPath::Healthz)
}

/// Combines `/readyz` and, when [`next_probe`] asked for it, `/healthz`.
pub(crate) fn api_observation(readyz: ApiState, healthz: Option<ApiState>) -> ApiObservation {
    match healthz {
        Some(state) if readyz == ApiState::NotFound => ApiObservation {
            path: ApiPath::Healthz,
            state,
        },
        _ => ApiObservation {
            path: ApiPath::Readyz,
            state: readyz,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: i32, stderr: &str) -> Ran {
        Ran::exit(code, "", stderr)
    }

    #[test]
    fn current_context() {
        assert_eq!(
            classify_current_context(&Ran::exit(0, "fake\n", "")),
            CurrentContext::Set {
                name: "fake".into()
            }
        );
        assert_eq!(
            classify_current_context(&err(1, "error: current-context is not set\n")),
            CurrentContext::NotSet
        );
        // 1.27 with KUBECONFIG=/nonexistent/config
        assert_eq!(
            classify_current_context(&err(
                1,
                "W1124 10:00:00.000000   123 loader.go:222] Config not found: /nonexistent/config\nerror: current-context is not set\n"
            )),
            CurrentContext::NotSet
        );
        assert_eq!(
            classify_current_context(&err(
                1,
                "error: error loading config file \"/tmp/kc.yaml\": yaml: line 1: did not find expected ',' or ']'\n"
            )),
            CurrentContext::KubeconfigUnreadable
        );
        assert_eq!(
            classify_current_context(&Ran::timed_out("", "")),
            CurrentContext::Inconclusive(Inconclusive::TimedOut)
        );
        assert_eq!(
            classify_current_context(&Ran::exit(0, "\x1b[2Jprod\x07\n", "")),
            CurrentContext::Set {
                name: "[2Jprod".into()
            }
        );
    }

    /// The stderr shapes observed with kubectl 1.20, 1.24, 1.27 and 1.33 against a stub server.
    #[test]
    fn api_shapes() {
        let cases: Vec<(Ran, ApiState)> = vec![
            (Ran::exit(0, "ok", ""), ApiState::Ready),
            (
                err(
                    1,
                    "The connection to the server 127.0.0.1:16444 was refused - did you specify the right host or port?\n",
                ),
                ApiState::Refused {
                    server: "127.0.0.1:16444".into(),
                },
            ),
            (
                err(
                    1,
                    "The connection to the server localhost:8080 was refused - did you specify the right host or port?\n",
                ),
                ApiState::Refused {
                    server: "localhost:8080".into(),
                },
            ),
            (
                err(
                    1,
                    "Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority\n",
                ),
                ApiState::TlsUnknownAuthority,
            ),
            (
                err(
                    1,
                    "Unable to connect to the server: x509: certificate signed by unknown authority\n",
                ),
                ApiState::TlsUnknownAuthority,
            ),
            (
                err(
                    1,
                    "Unable to connect to the server: tls: failed to verify certificate: x509: certificate is valid for 192.168.99.100, not 127.0.0.1\n",
                ),
                ApiState::TlsNameMismatch {
                    valid_for: vec!["192.168.99.100".into()],
                    requested: "127.0.0.1".into(),
                },
            ),
            (
                err(
                    1,
                    "Unable to connect to the server: x509: certificate is valid for 10.0.0.1, 192.168.99.100, not 127.0.0.1\n",
                ),
                ApiState::TlsNameMismatch {
                    valid_for: vec!["10.0.0.1".into(), "192.168.99.100".into()],
                    requested: "127.0.0.1".into(),
                },
            ),
            (
                err(
                    1,
                    "Unable to connect to the server: x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs\n",
                ),
                ApiState::TlsNameMismatch {
                    valid_for: vec![],
                    requested: "127.0.0.1".into(),
                },
            ),
            (
                err(
                    1,
                    "Unable to connect to the server: x509: certificate has expired or is not yet valid: current time 2026-11-24T10:00:00Z is after 2025-01-01T00:00:00Z\n",
                ),
                ApiState::TlsExpired,
            ),
            (
                err(
                    1,
                    "error: You must be logged in to the server (Unauthorized)\n",
                ),
                ApiState::Unauthorized,
            ),
            (
                err(
                    1,
                    "error: You must be logged in to the server (the server has asked for the client to provide credentials)\n",
                ),
                ApiState::Unauthorized,
            ),
            (
                err(
                    1,
                    "Error from server (InternalError): an error on the server (\"[+]ping ok\\n[+]log ok\\n[-]etcd failed: reason withheld\\n[+]poststarthook/start-kube-apiserver-admission-initializer ok\\nreadyz check failed\") has prevented the request from succeeding\n",
                ),
                ApiState::NotReady {
                    failed: vec!["etcd".into()],
                },
            ),
            (
                err(
                    1,
                    "Error from server (InternalError): an error on the server (\"[-]etcd failed: reason withheld\\n[-]poststarthook/crd-informer-synced failed: reason withheld\\nhealthz check failed\") has prevented the request from succeeding\n",
                ),
                ApiState::NotReady {
                    failed: vec!["etcd".into(), "poststarthook/crd-informer-synced".into()],
                },
            ),
            (
                err(
                    1,
                    "Error from server (NotFound): the server could not find the requested resource\n",
                ),
                ApiState::NotFound,
            ),
            (
                err(
                    1,
                    "Error from server (ServiceUnavailable): the server is currently unable to handle the request\n",
                ),
                ApiState::ServerError {
                    reason: "ServiceUnavailable".into(),
                },
            ),
            (
                err(
                    1,
                    "Error from server (InternalError): an error on the server (\"boom\") has prevented the request from succeeding\n",
                ),
                ApiState::ServerError {
                    reason: "InternalError".into(),
                },
            ),
            (
                err(
                    1,
                    "Error from server (Forbidden): forbidden: User \"system:anonymous\" cannot get path \"/readyz\"\n",
                ),
                ApiState::Forbidden,
            ),
            (
                err(
                    1,
                    "Unable to connect to the server: net/http: request canceled (Client.Timeout exceeded while awaiting headers)\n",
                ),
                ApiState::TimedOut,
            ),
            (
                err(
                    1,
                    "Unable to connect to the server: context deadline exceeded (Client.Timeout exceeded while awaiting headers)\n",
                ),
                ApiState::TimedOut,
            ),
            (
                err(
                    1,
                    "Unable to connect to the server: dial tcp 192.168.99.100:8443: i/o timeout\n",
                ),
                ApiState::TimedOut,
            ),
            (Ran::timed_out("", ""), ApiState::TimedOut),
            (
                err(
                    1,
                    "Error in configuration: context was not found for specified context: minikube\n",
                ),
                ApiState::ContextMissing {
                    name: "minikube".into(),
                },
            ),
            (
                err(1, "error: context \"minikube\" does not exist\n"),
                ApiState::ContextMissing {
                    name: "minikube".into(),
                },
            ),
            (
                err(
                    1,
                    "Unable to connect to the server: dial tcp: lookup nonexistent.invalid on 10.255.255.53:53: no such host\n",
                ),
                ApiState::Dns {
                    host: "nonexistent.invalid".into(),
                },
            ),
            (
                err(
                    1,
                    "Unable to connect to the server: dial tcp 192.168.99.100:8443: connect: no route to host\n",
                ),
                ApiState::NoRoute,
            ),
            (
                err(1, "Unable to connect to the server: EOF\n"),
                ApiState::ConnectionDropped,
            ),
            (
                Ran::exit(1, "Please enter Username: ", "error: EOF\n"),
                ApiState::NeedsCredentials,
            ),
            (
                err(
                    1,
                    "error: error loading config file \"/tmp/kc\": yaml: line 1: did not find expected ',' or ']'\n",
                ),
                ApiState::KubeconfigUnreadable,
            ),
            (
                Ran::exit(0, "<html>portal</html>", ""),
                ApiState::UnexpectedBody,
            ),
            (
                err(1, "error: --raw and --output are mutually exclusive\n"),
                ApiState::Inconclusive(Inconclusive::Unrecognised { code: 1 }),
            ),
            (
                Ran::not_started(),
                ApiState::Inconclusive(Inconclusive::NotStarted),
            ),
        ];
        for (ran, want) in cases {
            assert_eq!(classify_api(&ran), want, "{ran:?}");
        }
    }

    #[test]
    fn hostile_api_output() {
        // A reason that is not an identifier is not trusted as one.
        assert_eq!(
            classify_api(&err(1, "Error from server (Not Found; rm -rf): x\n")),
            ApiState::Inconclusive(Inconclusive::Unrecognised { code: 1 })
        );
        // Thousands of failed checks: bounded.
        let body: String = (0..10_000).map(|i| format!("[-]c{i} failed\\n")).collect();
        let e = format!(
            "Error from server (InternalError): an error on the server (\"{body}readyz check failed\") has prevented the request from succeeding"
        );
        match classify_api(&err(1, &e)) {
            ApiState::NotReady { failed } => assert_eq!(failed.len(), MAX_ITEMS),
            other => panic!("{other:?}"),
        }
        // A huge server name is cut.
        let long = format!(
            "The connection to the server {}:1 was refused - did you specify the right host or port?",
            "h".repeat(5000)
        );
        match classify_api(&err(1, &long)) {
            ApiState::Refused { server } => assert!(server.chars().count() <= MAX_FIELD),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn healthz_fallback() {
        assert_eq!(next_probe(&ApiState::NotFound), Some(ApiPath::Healthz));
        assert_eq!(next_probe(&ApiState::Ready), None);
        assert_eq!(next_probe(&ApiState::TimedOut), None);
        assert_eq!(
            api_observation(ApiState::NotFound, Some(ApiState::Ready)),
            ApiObservation {
                path: ApiPath::Healthz,
                state: ApiState::Ready
            }
        );
        assert_eq!(
            api_observation(ApiState::NotFound, None),
            ApiObservation {
                path: ApiPath::Readyz,
                state: ApiState::NotFound
            }
        );
        // A healthz result is ignored unless readyz was NotFound.
        assert_eq!(
            api_observation(ApiState::Ready, Some(ApiState::TimedOut)).state,
            ApiState::Ready
        );
    }
}
