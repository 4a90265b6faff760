//! A `--fix` world: a sandbox whose bin dir is first on PATH, a loopback server with HTTPS in
//! front of it (trusted through SSL_CERT_FILE), and a manifest pinning the releases served.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::artifacts::*;
use super::http::{Route, Server};
use super::tls::{Cert, TlsFront, ca_file};
use super::*;

pub struct World {
    pub sb: Sandbox,
    pub server: Server,
    /// HTTPS in front of `server` (SSL_CERT_FILE trusts its CA): a checksum from
    /// `checksum_url` counts only over https.
    pub front: TlsFront,
    pub manifest: PathBuf,
}

impl World {
    /// A sandbox whose bin dir is first on PATH, a server, and a manifest pinning `releases`.
    pub fn new(releases: &[&Release]) -> World {
        let (mut sb, manifest) = Sandbox::for_releases(releases);
        sb.path_dir("tools");
        let ca = ca_file(sb.root(), false);
        sb.env
            .insert("SSL_CERT_FILE".into(), ca.display().to_string());
        let server = Server::start();
        let front = TlsFront::start(server.port, Cert::Good);
        World {
            sb,
            server,
            front,
            manifest,
        }
    }

    /// The `--mirror` base: `https://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        self.front.base()
    }

    pub fn serve(&self, r: &Release, route: Route) {
        self.server.route(&r.served_at(), route);
    }

    pub fn args(&self, mode: &str, extra: &[&str]) -> Vec<String> {
        doctor_args(&[mode], &self.manifest, &self.base(), extra)
    }

    pub fn fix(&self, extra: &[&str]) -> Output {
        let a = self.args("--fix", extra);
        self.sb
            .run(&a.iter().map(String::as_str).collect::<Vec<_>>())
    }

    pub fn check(&self) -> (Option<i32>, serde_json::Value) {
        let a = self.args("--check", &["--format", "json"]);
        let v: Vec<&str> = a.iter().map(String::as_str).collect();
        let out = self.sb.run(&v);
        (out.code, serde_json::from_str(&out.stdout).unwrap())
    }

    pub fn bin(&self, name: &str) -> PathBuf {
        self.sb.bin_dir().join(name)
    }
}

pub fn file(bytes: Vec<u8>) -> Route {
    Route::File(Arc::new(bytes))
}

pub fn kubectl_release() -> (Release, Vec<u8>) {
    let bytes = script(&Fake::kubectl(PIN_KUBECTL));
    let r = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&bytes);
    (r, bytes)
}

/// Every file in `dir` with its bytes (temp files included).
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = tree(dir)
        .into_iter()
        .map(|(p, (_, _, c))| (p.strip_prefix(dir).unwrap().display().to_string(), c))
        .collect();
    v.sort();
    v
}
