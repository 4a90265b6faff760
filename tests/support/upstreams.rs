//! The five upstreams as they lay out their releases (docs/tools.md, "Download URLs" and
//! "Published checksums"), served over HTTPS by the loopback server, with generated artifacts:
//! - kubectl: `dl.k8s.io/release/vV/bin/OS/ARCH/kubectl[.exe]` and a `.sha256` of bare hex;
//! - helm: `get.helm.sh/helm-vV-OS-ARCH.tar.gz` (`.zip` on Windows) and a `.sha256sum` of
//!   `hash  name` lines;
//! - minikube: `storage.googleapis.com/minikube/releases/vV/minikube-OS-ARCH[.exe]` and a
//!   `.sha256` of bare hex with a newline;
//! - docker: `download.docker.com/{linux,mac,win}/static/stable/{x86_64,aarch64}/docker-V.tgz`
//!   (`.zip` on Windows) and no checksum at all;
//! - VirtualBox: `download.virtualbox.org/virtualbox/V/VirtualBox-V-R-SUFFIX` and one
//!   `SHA256SUMS` listing every file as `hash *name`.
//!
//! The artifacts for the machine running the tests are fake tools that answer with their
//! version, so that `--fix` can install and re-probe them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::artifacts::*;
use super::http::{Route, Server};
use super::tls::{Cert, TlsFront, ca_file};
use super::*;

/// Every platform each tool supports in the repository's versions.toml.
pub fn platforms(tool: &str) -> Vec<&'static str> {
    let all = [
        "linux-amd64",
        "linux-arm64",
        "darwin-amd64",
        "darwin-arm64",
        "windows-amd64",
        "windows-arm64",
    ];
    let unsupported: &[&str] = match tool {
        "docker" | "minikube" => &["windows-arm64"],
        "virtualbox" => &["linux-arm64", "windows-arm64"],
        _ => &[],
    };
    all.into_iter()
        .filter(|p| !unsupported.contains(p))
        .collect()
}

/// One artifact as served.
#[derive(Clone, Debug)]
pub struct Artifact {
    /// `/HOST/PATH`: where the server has it, and where a mirror keeps it.
    pub path: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

/// A release's artifact for one platform.
pub fn artifact(tool: &str, version: &str, platform: &str) -> Artifact {
    artifact_padded(tool, version, platform, 0)
}

/// `artifact`, with its executable padded to about `size` bytes of incompressible data after
/// the script's `exit 0` (the shell never reads it), for figures.
pub fn artifact_padded(tool: &str, version: &str, platform: &str, size: usize) -> Artifact {
    let (os, arch) = platform.split_once('-').unwrap();
    let exe = if os == "windows" { ".exe" } else { "" };
    // Distinct bytes per platform; a runnable fake for every one of them.
    let tag = format!("# {tool} {version} for {platform}\n");
    let tagged = |f: Fake| {
        let mut b = script(&f);
        b.extend_from_slice(tag.as_bytes());
        pad(&mut b, size);
        b
    };
    let (path, bytes) = match tool {
        "kubectl" => (
            format!("/dl.k8s.io/release/v{version}/bin/{os}/{arch}/kubectl{exe}"),
            tagged(Fake::kubectl(version)),
        ),
        "helm" => {
            let helm = tagged(Fake::helm(version));
            let member = format!("{os}-{arch}/helm{exe}");
            if os == "windows" {
                (
                    format!("/get.helm.sh/helm-v{version}-{os}-{arch}.zip"),
                    zip(&[(&member, &helm, false)]),
                )
            } else {
                (
                    format!("/get.helm.sh/helm-v{version}-{os}-{arch}.tar.gz"),
                    tar_gz(&[
                        TarEntry::file(&format!("{os}-{arch}/LICENSE"), b"Apache 2.0"),
                        TarEntry::file(&member, &helm),
                    ]),
                )
            }
        }
        "minikube" => (
            format!(
                "/storage.googleapis.com/minikube/releases/v{version}/minikube-{os}-{arch}{exe}"
            ),
            tagged(Fake::minikube(version)),
        ),
        "docker" => {
            let d = tagged(Fake::docker(version));
            let dos = match os {
                "darwin" => "mac",
                "windows" => "win",
                o => o,
            };
            let darch = if arch == "amd64" { "x86_64" } else { "aarch64" };
            let base = format!("/download.docker.com/{dos}/static/stable/{darch}/docker-{version}");
            if os == "windows" {
                (
                    format!("{base}.zip"),
                    zip(&[("docker/docker.exe", &d, false)]),
                )
            } else {
                (
                    format!("{base}.tgz"),
                    tar_gz(&[
                        TarEntry::file("docker/dockerd", b"not this one"),
                        TarEntry::file("docker/docker", &d),
                    ]),
                )
            }
        }
        "virtualbox" => {
            let (v, r) = version.split_once('r').unwrap();
            let suffix = match platform {
                "linux-amd64" => "Linux_amd64.run",
                "darwin-amd64" => "OSX.dmg",
                "darwin-arm64" => "macOSArm64.dmg",
                _ => "Win.exe",
            };
            let mut b = format!("VirtualBox installer {v} r{r} for {platform}\n").into_bytes();
            pad(&mut b, size);
            (
                format!("/download.virtualbox.org/virtualbox/{v}/VirtualBox-{v}-{r}-{suffix}"),
                b,
            )
        }
        other => panic!("unknown tool {other}"),
    };
    let sha256 = sha256(&bytes);
    Artifact {
        path,
        bytes,
        sha256,
    }
}

/// Appends incompressible bytes up to `size`.
fn pad(b: &mut Vec<u8>, size: usize) {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ b.len() as u64;
    while b.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b.extend_from_slice(&x.to_le_bytes());
    }
    if size > 0 {
        b.truncate(size);
    }
}

/// The checksum file each artifact's upstream publishes for it (not docker, and not
/// VirtualBox, whose one listing covers every platform: `vbox_sums`).
pub fn checksum_file(tool: &str, a: &Artifact) -> Option<(String, String)> {
    let name = a.path.rsplit('/').next().unwrap();
    match tool {
        "kubectl" => Some((format!("{}.sha256", a.path), a.sha256.clone())),
        "minikube" => Some((format!("{}.sha256", a.path), format!("{}\n", a.sha256))),
        "helm" => Some((
            format!("{}.sha256sum", a.path),
            format!("{}  {name}\n", a.sha256),
        )),
        _ => None,
    }
}

/// VirtualBox's `SHA256SUMS` for `artifacts`, with the extension pack as upstream lists it.
pub fn vbox_sums(version: &str, artifacts: &[Artifact]) -> (String, String) {
    let (v, _) = version.split_once('r').unwrap();
    let mut text = format!(
        "{} *Oracle_VirtualBox_Extension_Pack-{v}.vbox-extpack\n",
        "5".repeat(64)
    );
    for a in artifacts {
        text.push_str(&format!(
            "{} *{}\n",
            a.sha256,
            a.path.rsplit('/').next().unwrap()
        ));
    }
    (
        format!("/download.virtualbox.org/virtualbox/{v}/SHA256SUMS"),
        text,
    )
}

/// The upstreams: a loopback server with HTTPS in front (trusted through SSL_CERT_FILE).
pub struct Upstreams {
    pub server: Server,
    pub front: TlsFront,
}

impl Upstreams {
    pub fn start() -> Upstreams {
        let server = Server::start();
        let front = TlsFront::start(server.port, Cert::Good);
        Upstreams { server, front }
    }

    /// The `--mirror` base that reaches them: `https://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        self.front.base()
    }

    /// Serves `tool` at `version` (VirtualBox: `7.2.10r174163`) for `platforms` with its
    /// checksum files; returns the artifacts by platform.
    pub fn release(
        &self,
        tool: &str,
        version: &str,
        platforms: &[&str],
    ) -> BTreeMap<String, Artifact> {
        self.release_as(tool, version, platforms, 0, Route::File)
    }

    /// `release` with artifacts of about `size` bytes, served by `route` (e.g. a `Drip`).
    pub fn release_as(
        &self,
        tool: &str,
        version: &str,
        platforms: &[&str],
        size: usize,
        route: impl Fn(Arc<Vec<u8>>) -> Route,
    ) -> BTreeMap<String, Artifact> {
        let mut out = BTreeMap::new();
        for p in platforms {
            let a = artifact_padded(tool, version, p, size);
            self.server.route(&a.path, route(Arc::new(a.bytes.clone())));
            if let Some((path, text)) = checksum_file(tool, &a) {
                self.server
                    .route(&path, Route::File(Arc::new(text.into_bytes())));
            }
            out.insert(p.to_string(), a);
        }
        if tool == "virtualbox" {
            let all: Vec<Artifact> = out.values().cloned().collect();
            let (path, text) = vbox_sums(version, &all);
            self.server
                .route(&path, Route::File(Arc::new(text.into_bytes())));
        }
        out
    }

    /// Every tool at the repository's pins, for every platform it supports.
    pub fn repo_releases(&self) -> BTreeMap<(String, String), Artifact> {
        self.repo_releases_as(|_| 0, Route::File)
    }

    /// `repo_releases` with each tool's artifacts of `size(tool)` bytes, served by `route`.
    pub fn repo_releases_as(
        &self,
        size: impl Fn(&str) -> usize,
        route: impl Fn(Arc<Vec<u8>>) -> Route + Copy,
    ) -> BTreeMap<(String, String), Artifact> {
        let mut all = BTreeMap::new();
        let vbox = format!("{}r{}", PIN_VBOX.0, PIN_VBOX.1);
        for (tool, version) in [
            ("docker", PIN_DOCKER),
            ("virtualbox", vbox.as_str()),
            ("minikube", PIN_MINIKUBE),
            ("kubectl", PIN_KUBECTL),
            ("helm", PIN_HELM),
        ] {
            for (p, a) in self.release_as(tool, version, &platforms(tool), size(tool), route) {
                all.insert((tool.to_string(), p), a);
            }
        }
        all
    }
}

/// The repository's versions.toml, as it is in this checkout.
pub fn repo_manifest() -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("versions.toml"))
        .unwrap()
}

/// The repository's versions.toml with every pinned hash replaced by the hash of the artifact
/// served for that tool and platform (the real hashes are of the real releases).
pub fn repo_manifest_pinning(served: &BTreeMap<(String, String), Artifact>) -> String {
    let mut text = repo_manifest();
    let doc: toml::Table = text.parse().unwrap();
    for (tool, spec) in doc["tools"].as_table().unwrap() {
        let Some(hashes) = spec.get("sha256").and_then(|h| h.as_table()) else {
            continue;
        };
        for (platform, real) in hashes {
            let ours = &served[&(tool.clone(), platform.clone())].sha256;
            text = text.replace(real.as_str().unwrap(), ours);
        }
    }
    text
}

/// A sandbox for the platform team's commands: config and cache inside, SSL_CERT_FILE trusting
/// the upstreams' certificate, and `versions.toml` holding `manifest` (its path is returned).
pub fn sandbox(manifest: &str) -> (Sandbox, PathBuf) {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let ca = ca_file(sb.root(), false);
    sb.env
        .insert("SSL_CERT_FILE".into(), ca.display().to_string());
    let m = sb.write("repo/versions.toml", manifest);
    (sb, m)
}

/// `repo_manifest_pinning`, and a pinned hash for every platform that has none (docker's
/// without a published checksum), so that every artifact verifies from any source.
pub fn manifest_pinning_all(served: &BTreeMap<(String, String), Artifact>) -> String {
    let mut doc: toml_edit::DocumentMut = repo_manifest_pinning(served).parse().unwrap();
    for ((tool, platform), a) in served {
        let spec = &mut doc["tools"][tool.as_str()];
        if spec.get("sha256").is_none() {
            spec["sha256"] = toml_edit::table();
        }
        let table = &mut spec["sha256"];
        if table.get(platform.as_str()).is_none() {
            table[platform.as_str()] = toml_edit::value(a.sha256.as_str());
        }
    }
    doc.to_string()
}
