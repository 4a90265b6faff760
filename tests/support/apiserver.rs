//! A loopback HTTPS stub of a Kubernetes API server, for running the real kubectl and helm
//! against it. std `TcpListener`, a thread per connection, rustls (ring) for TLS, certificates
//! made at test time with rcgen (ECDSA P-256): nothing outside the Rust toolchain is needed.
//!
//! Modes: ready, not ready (500 with a `[-]etcd` body), 401, hang (reads the request, never
//! answers), a certificate for the wrong address, an unknown CA (the kubeconfig trusts another
//! CA), refused (nothing listens), and no `/readyz` (an API server older than Kubernetes 1.16).
//! Routes: `/version`, `/readyz`, `/livez`, `/healthz`, the `default` namespace's secrets (what
//! `helm list` reads), and a 404 `Status` for anything else. Query strings are ignored for
//! routing and kept in the request log.
//!
//! The response bodies copy kube-apiserver's (kubernetes/kubernetes v1.27.3
//! `staging/src/k8s.io/apiserver/pkg/server/healthz/healthz.go` for the check list,
//! `staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go` for `Status`).

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// 200 `ok` on every health path.
    Ready,
    /// 500 with the `[+]…/[-]etcd failed: reason withheld/readyz check failed` body.
    NotReady,
    /// 401 `Status` for every request.
    Unauthorized,
    /// Reads the request and never answers (until the server is dropped).
    Hang,
    /// Serves a certificate valid only for 192.168.99.100 (minikube's old VirtualBox address).
    WrongSan,
    /// Serves the normal certificate; the kubeconfig trusts an unrelated CA.
    UnknownCa,
    /// Nothing listens on the port.
    Refused,
    /// `/readyz` and `/livez` are NotFound, `/healthz` is `ok` (Kubernetes < 1.16).
    NoReadyz,
}

impl Mode {
    pub const ALL: [Mode; 8] = [
        Mode::Ready,
        Mode::NotReady,
        Mode::Unauthorized,
        Mode::Hang,
        Mode::WrongSan,
        Mode::UnknownCa,
        Mode::Refused,
        Mode::NoReadyz,
    ];
}

/// One request as the server saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// Path and query, e.g. `/readyz?timeout=5s`.
    pub target: String,
    pub authorization: Option<String>,
    pub user_agent: Option<String>,
}

impl Request {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

pub struct Pki {
    pub ca_pem: String,
    pub other_ca_pem: String,
    /// 127.0.0.1 and localhost.
    pub server: (CertificateDer<'static>, Vec<u8>),
    /// 192.168.99.100 only.
    pub wrong_san: (CertificateDer<'static>, Vec<u8>),
}

fn ca(cn: &str) -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), Issuer::new(params, key))
}

fn leaf(
    issuer: &Issuer<'static, KeyPair>,
    sans: Vec<SanType>,
) -> (CertificateDer<'static>, Vec<u8>) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "kube-apiserver");
    // Go ignores the CN: without a SAN kubectl says "doesn't contain any IP SANs".
    params.subject_alt_names = sans;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    let cert = params.signed_by(&key, issuer).unwrap();
    (cert.der().clone(), key.serialize_der())
}

pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let (ca_pem, issuer) = ca("fake-kube-ca");
        let (other_ca_pem, _) = ca("some-other-ca");
        let server = leaf(
            &issuer,
            vec![
                SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
                SanType::DnsName("localhost".try_into().unwrap()),
            ],
        );
        let wrong_san = leaf(
            &issuer,
            vec![SanType::IpAddress(IpAddr::V4(Ipv4Addr::new(
                192, 168, 99, 100,
            )))],
        );
        Pki {
            ca_pem,
            other_ca_pem,
            server,
            wrong_san,
        }
    })
}

pub fn tls_config(cert: &(CertificateDer<'static>, Vec<u8>)) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.1.clone()));
    // No ALPN: kubectl and helm then speak HTTP/1.1.
    let cfg = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.0.clone()], key)
        .unwrap();
    Arc::new(cfg)
}

pub struct ApiServer {
    pub mode: Mode,
    pub port: u16,
    log: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl ApiServer {
    pub fn start(mode: Mode) -> ApiServer {
        let log: Arc<Mutex<Vec<Request>>> = Default::default();
        let stop: Arc<AtomicBool> = Default::default();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        if mode == Mode::Refused {
            // Closed again at once: connections to the port are refused. (Another test could
            // bind the same ephemeral port meanwhile; the kernel hands ports out in sequence,
            // so that takes a wrap-around of the whole range.)
            drop(listener);
            return ApiServer {
                mode,
                port,
                log,
                stop,
            };
        }
        let cert = if mode == Mode::WrongSan {
            &pki().wrong_san
        } else {
            &pki().server
        };
        let cfg = tls_config(cert);
        let (log2, stop2) = (log.clone(), stop.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (cfg, log, stop) = (cfg.clone(), log2.clone(), stop2.clone());
                thread::spawn(move || {
                    let _ = serve(stream, cfg, mode, &log, &stop);
                });
            }
        });
        ApiServer {
            mode,
            port,
            log,
            stop,
        }
    }

    /// `https://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    /// The CA the kubeconfig should trust for this mode.
    pub fn trusted_ca_pem(&self) -> &'static str {
        if self.mode == Mode::UnknownCa {
            &pki().other_ca_pem
        } else {
            &pki().ca_pem
        }
    }

    /// Writes `dir/kubeconfig` (0600): one cluster (this server), one user with
    /// `token: fake-token` (without a credential kubectl asks `Please enter Username:`), one
    /// context named `context`, and `current-context: context`.
    pub fn write_kubeconfig(&self, dir: &Path, context: &str) -> PathBuf {
        write_kubeconfig(dir, &self.url(), self.trusted_ca_pem(), context)
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if self.mode != Mode::Refused {
            // Wake the accept loop so it sees `stop`.
            let _ = TcpStream::connect(("127.0.0.1", self.port));
        }
    }
}

/// See [`ApiServer::write_kubeconfig`].
pub fn write_kubeconfig(dir: &Path, server: &str, ca_pem: &str, context: &str) -> PathBuf {
    let yaml = format!(
        "apiVersion: v1\n\
         kind: Config\n\
         clusters:\n\
         - name: stub\n\
         \x20 cluster:\n\
         \x20   server: {server}\n\
         \x20   certificate-authority-data: {ca}\n\
         users:\n\
         - name: stub-user\n\
         \x20 user:\n\
         \x20   token: fake-token\n\
         contexts:\n\
         - name: {context}\n\
         \x20 context:\n\
         \x20   cluster: stub\n\
         \x20   user: stub-user\n\
         current-context: {context}\n",
        ca = base64(ca_pem.as_bytes()),
    );
    let path = dir.join("kubeconfig");
    std::fs::write(&path, yaml).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// Standard base64 with padding (what kubeconfig `*-data` fields hold).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

const MAX_HEAD: usize = 16 * 1024;

/// Reads one request head; `None` at a clean end of the connection.
fn read_head(tls: &mut impl Read) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if buf.len() > MAX_HEAD {
            return Err(std::io::Error::new(ErrorKind::InvalidData, "head too big"));
        }
        match tls.read(&mut byte) {
            Ok(0) => return Ok(None),
            Ok(_) => buf.push(byte[0]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

fn parse(head: &str) -> Request {
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split_whitespace();
    let method = first.next().unwrap_or("").to_string();
    let target = first.next().unwrap_or("").to_string();
    let header = |name: &str| {
        head.split("\r\n").skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    };
    let authorization = header("authorization");
    let user_agent = header("user-agent");
    Request {
        method,
        target,
        authorization,
        user_agent,
    }
}

fn serve(
    tcp: TcpStream,
    cfg: Arc<ServerConfig>,
    mode: Mode,
    log: &Mutex<Vec<Request>>,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    // An idle keep-alive connection ends its thread after a while.
    tcp.set_read_timeout(Some(Duration::from_secs(20)))?;
    let conn = ServerConnection::new(cfg).map_err(std::io::Error::other)?;
    let mut tls = StreamOwned::new(conn, tcp);
    while let Some(head) = read_head(&mut tls)? {
        let req = parse(&head);
        let path = req.path().to_string();
        log.lock().unwrap().push(req);
        if mode == Mode::Hang {
            while !stop.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(20));
            }
            return Ok(());
        }
        let (status, content_type, body) = route(mode, &path);
        let reason = match status {
            200 => "OK",
            401 => "Unauthorized",
            404 => "Not Found",
            _ => "Internal Server Error",
        };
        let response = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nX-Content-Type-Options: nosniff\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        tls.write_all(response.as_bytes())?;
        tls.flush()?;
    }
    Ok(())
}

fn status_json(reason: &str, message: &str, code: u16) -> String {
    format!(
        r#"{{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Failure","message":"{message}","reason":"{reason}","details":{{}},"code":{code}}}"#
    )
}

const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";

fn not_ready(check: &str) -> String {
    format!(
        "[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\n[+]poststarthook/start-kube-apiserver-admission-initializer ok\n[+]poststarthook/generic-apiserver-start-informers ok\n{check} check failed\n"
    )
}

fn route(mode: Mode, path: &str) -> (u16, &'static str, String) {
    let not_found = || {
        (
            404,
            JSON,
            status_json(
                "NotFound",
                "the server could not find the requested resource",
                404,
            ),
        )
    };
    if mode == Mode::Unauthorized {
        return (401, JSON, status_json("Unauthorized", "Unauthorized", 401));
    }
    match path {
        "/version" => (
            200,
            JSON,
            r#"{"major":"1","minor":"27","gitVersion":"v1.27.3","gitCommit":"25b4e43193bcda6c7328a6d147b1fb73a33f1598","gitTreeState":"clean","buildDate":"2023-06-14T09:47:40Z","goVersion":"go1.20.5","compiler":"gc","platform":"linux/amd64"}"#.to_string(),
        ),
        "/readyz" | "/livez" | "/healthz" => {
            let check = &path[1..];
            match mode {
                Mode::NotReady => (500, TEXT, not_ready(check)),
                Mode::NoReadyz if path != "/healthz" => not_found(),
                _ => (200, TEXT, "ok".to_string()),
            }
        }
        "/api/v1/namespaces/default/secrets" => (
            200,
            JSON,
            r#"{"kind":"SecretList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}"#.to_string(),
        ),
        _ => not_found(),
    }
}
