//! `--fix` against a loopback HTTP server serving generated artifacts through `--mirror`.
#![cfg(unix)]

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::artifacts::*;
use support::http::Route;
use support::world::*;
use support::*;

#[test]
fn installs_every_archive_kind_then_check_passes() {
    let kubectl = script(&Fake::kubectl(PIN_KUBECTL));
    let helm = script(&Fake::helm(PIN_HELM));
    let docker = script(&Fake::docker(PIN_DOCKER));
    let minikube = script(&Fake::minikube(PIN_MINIKUBE));
    let helm_tgz = tar_gz(&[
        TarEntry::file("linux-amd64/LICENSE", b"Apache 2.0"),
        TarEntry::file("./linux-amd64/helm", &helm),
    ]);
    let docker_zip = zip(&[
        ("docker/dockerd", b"not this one", false),
        ("docker/docker", &docker, false),
    ]);

    let k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&kubectl);
    let mut h = Release::new("helm", PIN_HELM, "helm.tar.gz", "tar.gz").member("linux-amd64/helm");
    h.checksum_url = Some("https://dl.example.com/helm/3.17.0/helm.tar.gz.sha256sum".into());
    let d = Release::new("docker", PIN_DOCKER, "docker.zip", "zip")
        .member("docker/docker")
        .pinned(&docker_zip);
    let mut m = Release::new("minikube", PIN_MINIKUBE, "minikube", "binary");
    m.checksum_url = Some("https://dl.example.com/minikube/1.35.0/minikube.sha256".into());

    let w = World::new(&[&k, &h, &d, &m]);
    w.serve(&k, file(kubectl.clone()));
    w.serve(&h, file(helm_tgz.clone()));
    w.server.route(
        "/dl.example.com/helm/3.17.0/helm.tar.gz.sha256sum",
        file(format!("{}  helm.tar.gz\n", sha256(&helm_tgz)).into_bytes()),
    );
    w.serve(&d, file(docker_zip));
    w.serve(&m, file(minikube.clone()));
    w.server.route(
        "/dl.example.com/minikube/1.35.0/minikube.sha256",
        file(format!("{}\n", sha256(&minikube)).into_bytes()),
    );
    // An old kubectl is replaced, and kept.
    fake(&w.sb.bin_dir(), &Fake::kubectl("1.29.0"));
    let old = fs::read(w.bin("kubectl")).unwrap();

    let out = w.fix(&[]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    for (name, want) in [
        ("kubectl", &kubectl),
        ("helm", &helm),
        ("docker", &docker),
        ("minikube", &minikube),
    ] {
        assert_eq!(&fs::read(w.bin(name)).unwrap(), want, "{name}");
        let mode = fs::metadata(w.bin(name)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755, "{name}");
    }
    assert_eq!(fs::read(w.bin(".previous/kubectl")).unwrap(), old);
    assert!(!fs::read_dir(w.sb.bin_dir()).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".aladdin-doctor-tmp")
    }));
    // Off a terminal: one plain line per phase on stderr; the report on stdout.
    assert!(out.stderr.contains("kubectl: verify"), "{}", out.stderr);
    assert!(out.stderr.contains("helm: install"), "{}", out.stderr);
    assert!(out.stdout.contains("installed 1.30.6 at"), "{}", out.stdout);
    assert!(
        out.stdout.contains("All 4 tools are as pinned."),
        "{}",
        out.stdout
    );

    let (code, r) = w.check();
    assert_eq!(code, Some(0), "{r:#}");

    // A second run has nothing to do and makes no request.
    let before = w.server.requests().len();
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(w.server.requests().len(), before);

    // Reinstalling from the cache (also for tools verified through checksum_url) needs no request.
    for name in ["kubectl", "helm", "docker", "minikube"] {
        fs::remove_file(w.bin(name)).unwrap();
    }
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        w.server.requests().len(),
        before,
        "{:?}",
        w.server.requests()
    );
    assert!(out.stderr.contains("helm: cached"), "{}", out.stderr);
    assert_eq!(fs::read(w.bin("helm")).unwrap(), helm);
}

/// The cache is not made durable (no fsync of the file or its directory): what makes that safe
/// is that a cached artifact is hashed again before it is reused.
#[test]
fn a_damaged_cached_artifact_is_fetched_again_not_installed() {
    let (k, bytes) = kubectl_release();
    let w = World::new(&[&k]);
    w.serve(&k, file(bytes.clone()));
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let cached =
        w.sb.cache_dir()
            .join("sha256")
            .join(k.sha256.as_ref().unwrap())
            .join("kubectl");
    // Same size, one byte changed, as a crash could leave it (a new file: the installed binary
    // is a hard link of the cached one).
    let mut damaged = fs::read(&cached).unwrap();
    let last = damaged.len() - 2;
    damaged[last] ^= 0x20;
    let tmp = cached.with_file_name("damaged");
    fs::write(&tmp, &damaged).unwrap();
    fs::rename(&tmp, &cached).unwrap();
    fs::remove_file(w.bin("kubectl")).unwrap();

    let before = w.server.requests().len();
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(w.server.requests().len(), before + 1);
    assert_eq!(fs::read(w.bin("kubectl")).unwrap(), bytes);
    assert_eq!(fs::read(&cached).unwrap(), bytes);
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let (k, bytes) = kubectl_release();
    let w = World::new(&[&k]);
    w.serve(&k, file(bytes));
    let before = tree(w.sb.root());
    let out = w.fix(&["--dry-run"]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout.contains("kubectl    missing → 1.30.6"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!(
            "from {}/dl.example.com/kubectl/1.30.6/kubectl",
            w.base()
        )),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("(pinned in versions.toml)"));
    assert_eq!(tree(w.sb.root()), before);
    assert_eq!(w.server.connections(), 0);
}

#[test]
fn resumes_a_truncated_transfer_with_range() {
    let (k, bytes) = kubectl_release();
    let w = World::new(&[&k]);
    let body = Arc::new(bytes.clone());
    w.serve(
        &k,
        Route::Sequence(vec![Route::Truncated(body.clone(), 100), Route::File(body)]),
    );
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let reqs = w.server.requests_to(&k.served_at());
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    assert_eq!(reqs[1].range.as_deref(), Some("bytes=100-"));
    assert_eq!(fs::read(w.bin("kubectl")).unwrap(), bytes);
}

#[test]
fn a_partial_download_from_an_interrupted_run_is_resumed() {
    let (k, bytes) = kubectl_release();
    let w = World::new(&[&k]);
    let body = Arc::new(bytes.clone());
    w.serve(&k, Route::Truncated(body.clone(), 200));
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout.contains("connection closed after"),
        "{}",
        out.stdout
    );
    // The next run continues where the bytes stopped; a server that ignores Range is handled.
    w.serve(&k, Route::File(body.clone()));
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let last = w.server.requests_to(&k.served_at()).pop().unwrap();
    assert_eq!(last.range.as_deref(), Some("bytes=200-"));

    let w2 = World::new(&[&k]);
    w2.serve(&k, Route::Truncated(body.clone(), 200));
    assert_eq!(w2.fix(&[]).code, Some(1));
    w2.serve(&k, Route::FileIgnoringRange(body));
    let out = w2.fix(&[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(fs::read(w2.bin("kubectl")).unwrap(), bytes);
}

#[test]
fn server_error_once_is_retried() {
    let (k, bytes) = kubectl_release();
    let w = World::new(&[&k]);
    w.serve(
        &k,
        Route::Sequence(vec![Route::Status(500), Route::File(Arc::new(bytes))]),
    );
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(w.server.requests_to(&k.served_at()).len(), 2);
    assert!(
        out.stderr.contains("HTTP 500"),
        "the retry is told: {}",
        out.stderr
    );
}

/// Runs a failing `--fix` and checks the contract: exit 1, the error in the report, the bin dir
/// byte-identical and free of temp files.
fn fault(route: impl FnOnce(&Release, &[u8]) -> Route, expect: &str, extra: &[&str]) -> World {
    let (k, bytes) = kubectl_release();
    let w = World::new(&[&k]);
    w.serve(&k, route(&k, &bytes));
    fake(&w.sb.bin_dir(), &Fake::kubectl("1.29.0"));
    fs::write(w.bin("notes.txt"), "mine").unwrap();
    let before = snapshot(&w.sb.bin_dir());
    let t = Instant::now();
    let out = w.fix(extra);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(expect),
        "expected {expect:?} in:\n{}\n{}",
        out.stdout,
        out.stderr
    );
    assert!(out.stdout.contains("install failed"), "{}", out.stdout);
    assert_eq!(snapshot(&w.sb.bin_dir()), before, "bin dir changed");
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
    w
}

#[test]
fn fault_404_is_not_retried() {
    let w = fault(|_, _| Route::Status(404), "HTTP 404 Not Found", &[]);
    assert_eq!(w.server.requests().len(), 1);
}

#[test]
fn fault_500_always_gives_up_after_three_attempts() {
    let w = fault(|_, _| Route::Status(500), "HTTP 500", &[]);
    assert_eq!(w.server.requests().len(), 3);
}

#[test]
fn fault_truncated_body() {
    fault(
        |_, b| Route::Truncated(Arc::new(b.to_vec()), 50),
        "the connection closed after",
        &[],
    );
}

#[test]
fn fault_stalled_transfer() {
    fault(
        |_, b| Route::Stall(Arc::new(b.to_vec()), 50),
        "stalled transfer",
        &["--timeout", "1"],
    );
}

#[test]
fn fault_one_corrupt_byte() {
    let w = fault(
        |_, b| {
            let mut b = b.to_vec();
            b[40] ^= 1;
            Route::File(Arc::new(b))
        },
        "checksum mismatch",
        &[],
    );
    // The damaged bytes are not kept for resuming.
    let partial = fs::read_dir(w.sb.cache_dir().join("partial"))
        .unwrap()
        .count();
    assert_eq!(partial, 0);
}

#[test]
fn fault_redirect_loop() {
    fault(
        |r, _| Route::Redirect(r.served_at()),
        "too many redirects",
        &[],
    );
}

#[test]
fn fault_connection_reset() {
    let w = fault(
        |_, b| Route::Reset(Arc::new(b.to_vec()), 30),
        "the connection closed after",
        &[],
    );
    assert_eq!(w.server.requests().len(), 3, "a reset is retried");
}

#[test]
fn fault_html_page_names_a_captive_portal() {
    fault(|_, _| Route::Html, "captive portal", &[]);
}

#[test]
fn fault_checksum_file_missing() {
    let bytes = script(&Fake::kubectl(PIN_KUBECTL));
    let mut k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary");
    k.checksum_url = Some("https://dl.example.com/kubectl/1.30.6/kubectl.sha256".into());
    let w = World::new(&[&k]);
    w.serve(&k, file(bytes));
    fake(&w.sb.bin_dir(), &Fake::kubectl("1.29.0"));
    let before = snapshot(&w.sb.bin_dir());
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout.contains("the checksum file is missing"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("[tools.kubectl.sha256]"),
        "{}",
        out.stdout
    );
    assert_eq!(snapshot(&w.sb.bin_dir()), before);
    assert!(
        w.server.requests_to(&k.served_at()).is_empty(),
        "never downloaded unverifiable bytes"
    );
}

#[test]
fn fault_pinned_hash_mismatch() {
    let bytes = script(&Fake::kubectl(PIN_KUBECTL));
    let k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(b"other bytes");
    let w = World::new(&[&k]);
    w.serve(&k, file(bytes));
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(1));
    assert!(out.stdout.contains("checksum mismatch"), "{}", out.stdout);
    assert!(
        out.stdout.contains("pinned in versions.toml"),
        "{}",
        out.stdout
    );
    assert!(!w.bin("kubectl").exists());
}

#[test]
fn refuses_a_tool_without_any_checksum() {
    let bytes = script(&Fake::kubectl(PIN_KUBECTL));
    let k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary");
    let w = World::new(&[&k]);
    w.serve(&k, file(bytes));
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout
            .contains("not installed: versions.toml pins no sha256"),
        "{}",
        out.stdout
    );
    assert_eq!(w.server.connections(), 0);
}

#[test]
fn a_binary_that_reports_another_version_is_rolled_back() {
    let wrong = script(&Fake::kubectl("1.31.0"));
    let k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&wrong);
    let w = World::new(&[&k]);
    w.serve(&k, file(wrong));
    fake(&w.sb.bin_dir(), &Fake::kubectl("1.29.0"));
    let before = snapshot(&w.sb.bin_dir());
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout
            .contains("reports 1.31.0, not the pin 1.30.6; the previous binary was put back"),
        "{}",
        out.stdout
    );
    assert_eq!(snapshot(&w.sb.bin_dir()), before);
}

/// `f`, appending "NAME before|after ARGS" to `log` each time it runs: after once `mark` exists.
fn logging(mut f: Fake, log: &Path, mark: &Path) -> Fake {
    f.body = format!(
        "if [ -e '{}' ]; then w=after; else w=before; fi; echo \"{} $w $*\" >> '{}'\n{}",
        mark.display(),
        f.file,
        log.display(),
        f.body
    );
    f
}

/// How often `tool` ran, in all and once the mark existed.
fn runs(log: &Path, tool: &str) -> (usize, usize) {
    let text = fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split(' ').collect::<Vec<_>>())
        .filter(|w| w[0] == tool)
        .collect();
    let after = lines.iter().filter(|w| w[1] == "after").count();
    (lines.len(), after)
}

/// The report at the end of `--fix` reuses what this run read, with the probe cache and
/// without it: no binary runs after the new kubectl's receipt is written (right after its
/// re-probe), and each runs as often as one `--check` runs it.
#[test]
fn the_report_after_fix_runs_no_binary_again() {
    for extra in [&[][..], &["--no-cache"][..]] {
        let log = tempfile::NamedTempFile::new().unwrap();
        let log = log.path();
        let h = Release::new("helm", PIN_HELM, "helm.tar.gz", "tar.gz")
            .member("linux-amd64/helm")
            .pinned(b"never fetched");
        let w = World::new(&[&h]);
        let receipt = w.bin(".receipts/kubectl.json");
        let kubectl = script(&logging(Fake::kubectl(PIN_KUBECTL), log, &receipt));
        let k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&kubectl);
        assert_eq!(
            w.sb.write("versions.toml", &manifest(&[&k, &h])),
            w.manifest
        );
        w.serve(&k, file(kubectl));
        fake(
            &w.sb.root().join("tools"),
            &logging(Fake::helm(PIN_HELM), log, &receipt),
        );

        let out = w.fix(extra);
        assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
        assert!(receipt.exists());
        let fixed = (runs(log, "kubectl"), runs(log, "helm"));
        assert_eq!(
            (fixed.0.1, fixed.1.1),
            (0, 0),
            "{extra:?}: runs after the install"
        );

        fs::write(log, "").unwrap();
        let (code, r) = w.check();
        assert_eq!(code, Some(0), "{r:#}");
        let checked = (runs(log, "kubectl").0, runs(log, "helm").0);
        assert!(checked.0 > 0 && checked.1 > 0, "{checked:?}");
        assert_eq!(
            (fixed.0.0, fixed.1.0),
            checked,
            "{extra:?}: (kubectl, helm) runs"
        );
    }
}

/// What `--fix` read of a binary is reused only while the file is the same: one replaced during
/// the run (here by the new kubectl's re-probe) is probed again for the report.
#[test]
fn a_binary_replaced_during_fix_is_probed_again_for_the_report() {
    let (k, _) = kubectl_release();
    let h = Release::new("helm", PIN_HELM, "helm.tar.gz", "tar.gz")
        .member("linux-amd64/helm")
        .pinned(b"never fetched");
    let w = World::new(&[&k, &h]);
    let tools = w.sb.root().join("tools");
    let spare = w.sb.root().join("spare");
    fs::create_dir_all(&spare).unwrap();
    fake(&spare, &Fake::helm("3.16.0"));
    fake(&tools, &Fake::helm(PIN_HELM));
    let mut replacing = Fake::kubectl(PIN_KUBECTL);
    replacing.body = format!(
        "cp -p '{s}/helm' '{t}/.helm.'$$ && mv '{t}/.helm.'$$ '{t}/helm'\n{}",
        replacing.body,
        s = spare.display(),
        t = tools.display()
    );
    let kubectl = script(&replacing);
    let k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&kubectl);
    // The same manifest file, now pinning this kubectl (its script names the sandbox's dirs).
    assert_eq!(
        w.sb.write("versions.toml", &manifest(&[&k, &h])),
        w.manifest
    );
    w.serve(&k, file(kubectl));

    let out = w.fix(&["--format", "json"]);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    let r: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(row(&r, "kubectl")["status"], "ok", "{r:#}");
    assert_eq!(row(&r, "helm")["found"], "3.16.0+g301108e", "{r:#}");
    assert_eq!(row(&r, "helm")["status"], "drift", "{r:#}");
}

fn hostile(entries: &[TarEntry], expect: &str) {
    let tgz = tar_gz(entries);
    let h = Release::new("helm", PIN_HELM, "helm.tar.gz", "tar.gz")
        .member("linux-amd64/helm")
        .pinned(&tgz);
    let w = World::new(&[&h]);
    w.serve(&h, file(tgz));
    fs::write(w.bin("helm"), "old helm").unwrap();
    let before = snapshot(&w.sb.bin_dir());
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    assert!(
        out.stdout.contains(expect),
        "expected {expect:?}:\n{}",
        out.stdout
    );
    assert_eq!(snapshot(&w.sb.bin_dir()), before);
    assert!(!w.sb.root().join("x").exists());
}

#[test]
fn hostile_tar_parent_dir() {
    hostile(
        &[
            TarEntry::file("../x", b"owned"),
            TarEntry::file("linux-amd64/helm", b"helm"),
        ],
        "points outside the archive",
    );
}

#[test]
fn hostile_tar_absolute_path() {
    hostile(
        &[
            TarEntry::file("/etc/x", b"owned"),
            TarEntry::file("linux-amd64/helm", b"helm"),
        ],
        "points outside the archive",
    );
}

#[test]
fn hostile_tar_symlink_member() {
    hostile(
        &[TarEntry {
            name: "linux-amd64/helm",
            kind: tar::EntryType::Symlink,
            data: b"",
            declared: Some(0),
            link: Some("/etc/passwd"),
        }],
        "is a link",
    );
}

#[test]
fn hostile_tar_hardlink_member() {
    hostile(
        &[
            TarEntry::file("linux-amd64/README.md", b"readme"),
            TarEntry {
                name: "linux-amd64/helm",
                kind: tar::EntryType::Link,
                data: b"",
                declared: Some(0),
                link: Some("linux-amd64/README.md"),
            },
        ],
        "is a link",
    );
}

#[test]
fn hostile_tar_huge_member() {
    hostile(
        &[TarEntry {
            name: "linux-amd64/helm",
            kind: tar::EntryType::Regular,
            data: b"#!/bin/sh\n",
            declared: Some(5 << 30),
            link: None,
        }],
        "more than 1 GiB",
    );
}

#[test]
fn hostile_zip_entries() {
    for (entries, expect) in [
        (
            vec![
                ("../x", b"owned".as_slice(), false),
                ("docker/docker", b"d".as_slice(), false),
            ],
            "points outside the archive",
        ),
        (
            vec![("docker/docker", b"/etc/passwd".as_slice(), true)],
            "is a link",
        ),
    ] {
        let z = zip(&entries);
        let d = Release::new("docker", PIN_DOCKER, "docker.zip", "zip")
            .member("docker/docker")
            .pinned(&z);
        let w = World::new(&[&d]);
        w.serve(&d, file(z));
        let out = w.fix(&[]);
        assert_eq!(out.code, Some(1));
        assert!(out.stdout.contains(expect), "{expect}: {}", out.stdout);
        assert!(!w.bin("docker").exists());
    }
}

#[test]
fn a_missing_member_is_named() {
    let tgz = tar_gz(&[TarEntry::file("linux-amd64/README.md", b"readme")]);
    let h = Release::new("helm", PIN_HELM, "helm.tar.gz", "tar.gz")
        .member("linux-amd64/helm")
        .pinned(&tgz);
    let w = World::new(&[&h]);
    w.serve(&h, file(tgz));
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout
            .contains("no `linux-amd64/helm` (it has: linux-amd64/README.md)"),
        "{}",
        out.stdout
    );
}

#[test]
fn virtualbox_installer_is_verified_and_never_run_without_consent() {
    let installer = b"#!/bin/sh\necho should never run\nexit 1\n".to_vec();
    let mut v = Release::new(
        "virtualbox",
        "7.2.10",
        "VirtualBox-7.2.10-174163-Linux_amd64.run",
        "installer",
    );
    v.extra = "revision = 174163\n".into();
    v.checksum_url = Some("https://dl.example.com/virtualbox/7.2.10/SHA256SUMS".into());
    let w = World::new(&[&v]);
    w.serve(&v, file(installer.clone()));
    w.server.route(
        "/dl.example.com/virtualbox/7.2.10/SHA256SUMS",
        file(format!(
            "{} *VirtualBox-7.2.10-174163-Win.exe\n{} *VirtualBox-7.2.10-174163-Linux_amd64.run\n",
            "0".repeat(64),
            sha256(&installer)
        )
        .into_bytes()),
    );
    let out = w.fix(&["--allow-sudo"]);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    let (_, r) = w.check();
    let row = row(&r, "virtualbox");
    assert_eq!(row["status"], "missing");
    let cached =
        w.sb.cache_dir()
            .join("sha256")
            .join(sha256(&installer))
            .join("VirtualBox-7.2.10-174163-Linux_amd64.run");
    assert_eq!(fs::read(&cached).unwrap(), installer);
    assert!(
        out.stdout
            .contains(&format!("verified installer at {}", cached.display())),
        "{}",
        out.stdout
    );
    if cfg!(target_os = "linux") {
        assert!(
            out.stdout
                .contains(&format!("`sudo sh {} install`", cached.display())),
            "{}",
            out.stdout
        );
    }
    assert!(!out.stdout.contains("should never run") && !out.stderr.contains("should never run"));
    assert!(
        !out.stderr.contains("running:"),
        "no terminal: nothing privileged ran"
    );
}

fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".aladdin-doctor-tmp"))
                .collect()
        })
        .unwrap_or_default()
}

fn signal(child: &std::process::Child, sig: i32) {
    // SAFETY: kill(2) on the pid of a child we spawned and have not yet waited for.
    unsafe {
        libc::kill(child.id() as i32, sig);
    }
}

#[test]
fn two_fixes_at_once_never_install_together() {
    let (k, bytes) = kubectl_release();
    let w = World::new(&[&k]);
    // ~1.5 s of download for the first run.
    w.serve(
        &k,
        Route::Drip(Arc::new(bytes.clone()), bytes.len() / 30 + 1, 50),
    );
    let args = w.args("--fix", &[]);
    let first =
        w.sb.cmd()
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
    let t = Instant::now();
    while w.server.requests().is_empty() {
        assert!(t.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(10));
    }
    // A second run with a short bound gives up, naming the holder.
    let out = w.fix(&["--lock-timeout", "0"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("(pid {})", first.id())),
        "{}",
        out.stderr
    );
    // A patient one waits, then re-checks and finds nothing left to do.
    let out = w.fix(&["--lock-timeout", "30"]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("waiting for another aladdin-doctor --fix"),
        "{}",
        out.stderr
    );
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0));
    assert_eq!(w.server.requests().len(), 1, "installed once");
    assert_eq!(fs::read(w.bin("kubectl")).unwrap(), bytes);
}

#[test]
fn sigkill_during_install_leaves_the_old_or_the_new_binary_whole() {
    // A real-sized binary so that staging takes a while: the script plus 24 MiB of comments.
    let mut big = script(&Fake::kubectl(PIN_KUBECTL));
    let line = format!("#{}\n", "x".repeat(1022));
    while big.len() < 24 << 20 {
        big.extend_from_slice(line.as_bytes());
    }
    let k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&big);
    for delay_ms in [0u64, 5, 25, 100, 300, 800] {
        let w = World::new(&[&k]);
        w.serve(&k, Route::File(Arc::new(big.clone())));
        fake(&w.sb.bin_dir(), &Fake::kubectl("1.29.0"));
        let old = fs::read(w.bin("kubectl")).unwrap();
        let args = w.args("--fix", &["-q"]);
        let mut child =
            w.sb.cmd()
                .args(&args)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
        // Wait for the staging file to appear in the bin dir, then kill after `delay_ms`.
        let t = Instant::now();
        let mut saw_temp = false;
        while t.elapsed() < Duration::from_secs(20) {
            if !temp_files(&w.sb.bin_dir()).is_empty() {
                saw_temp = true;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        std::thread::sleep(Duration::from_millis(delay_ms));
        signal(&child, libc::SIGKILL);
        child.wait().unwrap();
        let now = fs::read(w.bin("kubectl")).unwrap();
        assert!(
            now == old || now == big,
            "delay {delay_ms} ms: a half-written binary ({} bytes)",
            now.len()
        );
        eprintln!(
            "delay {delay_ms} ms: saw temp {saw_temp}, kept {}",
            if now == old { "old" } else { "new" }
        );
        // The next run finishes the job and sweeps the stale temp file.
        let out = w.fix(&[]);
        assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
        assert_eq!(fs::read(w.bin("kubectl")).unwrap(), big);
        assert!(temp_files(&w.sb.bin_dir()).is_empty());
    }
}

#[test]
fn interrupted_download_leaves_nothing_behind_and_resumes() {
    let bytes = {
        let mut b = script(&Fake::kubectl(PIN_KUBECTL));
        b.extend(std::iter::repeat_n(b'#', 200_000));
        b.push(b'\n');
        b
    };
    let k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&bytes);
    for sig in [libc::SIGINT, libc::SIGTERM] {
        let w = World::new(&[&k]);
        // 4 KiB every 20 ms: about a second for the whole file.
        w.serve(&k, Route::Drip(Arc::new(bytes.clone()), 4096, 20));
        fake(&w.sb.bin_dir(), &Fake::kubectl("1.29.0"));
        let before = snapshot(&w.sb.bin_dir());
        let args = w.args("--fix", &[]);
        let child =
            w.sb.cmd()
                .args(&args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
        let t = Instant::now();
        while w.server.requests().is_empty() && t.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(300));
        signal(&child, sig);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("interrupted"), "{stderr}");
        assert_eq!(snapshot(&w.sb.bin_dir()), before, "bin dir untouched");
        let partials: Vec<_> = fs::read_dir(w.sb.cache_dir().join("partial"))
            .unwrap()
            .flatten()
            .collect();
        assert_eq!(partials.len(), 1);
        let kept = partials[0].metadata().unwrap().len();
        assert!(kept > 0 && kept < bytes.len() as u64, "{kept}");
        // The next run asks only for the rest.
        w.serve(&k, Route::File(Arc::new(bytes.clone())));
        let out = w.fix(&[]);
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        let last = w.server.requests_to(&k.served_at()).pop().unwrap();
        assert_eq!(last.range, Some(format!("bytes={kept}-")));
        assert_eq!(fs::read(w.bin("kubectl")).unwrap(), bytes);
    }
}

#[test]
fn proxies_from_the_environment_are_honoured() {
    let (k, bytes) = kubectl_release();
    let mut w = World::new(&[&k]);
    w.serve(&k, file(bytes.clone()));
    // The mirror's host does not exist; only the proxy can reach it.
    let mirror = "http://mirror.invalid";
    w.sb.env.insert("HTTP_PROXY".into(), w.server.base());
    let args = |extra: &[&str]| {
        let mut a = vec![
            "--fix",
            "--manifest",
            w.manifest.to_str().unwrap(),
            "--mirror",
            mirror,
        ];
        a.extend_from_slice(extra);
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let a = args(&[]);
    let out = w.sb.run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let req = &w.server.requests()[0];
    assert_eq!(req.via_proxy_host.as_deref(), Some("mirror.invalid"));
    assert_eq!(fs::read(w.bin("kubectl")).unwrap(), bytes);

    // NO_PROXY sends it direct, where the host does not resolve: a clear failure.
    fs::remove_file(w.bin("kubectl")).unwrap();
    fs::remove_dir_all(w.sb.cache_dir()).unwrap();
    w.sb.env.insert("NO_PROXY".into(), "mirror.invalid".into());
    let out = w.sb.run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.code, Some(1));
    assert!(out.stdout.contains("mirror.invalid"), "{}", out.stdout);
    assert_eq!(w.server.requests().len(), 1);
}

#[test]
fn creates_a_missing_bin_dir_and_quiet_means_quiet() {
    let (k, bytes) = kubectl_release();
    let w = World::new(&[&k]);
    w.serve(&k, file(bytes.clone()));
    fs::remove_dir_all(w.sb.bin_dir()).unwrap();
    let out = w.fix(&["-q"]);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    assert_eq!(fs::read(w.bin("kubectl")).unwrap(), bytes);
}

#[test]
fn a_running_minikube_vm_is_named_before_virtualbox_is_replaced() {
    let installer = b"#!/bin/sh\nexit 1\n".to_vec();
    let mut v = Release::new(
        "virtualbox",
        "7.2.10",
        "VirtualBox-7.2.10-174163-Linux_amd64.run",
        "installer",
    )
    .pinned(&installer);
    v.extra = "revision = 174163\n".into();
    let mut w = World::new(&[&v]);
    w.serve(&v, file(installer));
    // VirtualBox 7.1 is installed and minikube's VM runs in it.
    let tools = w.sb.path_dir("vbox");
    fake(
        &tools,
        &Fake {
            file: "VBoxManage",
            delay: None,
            body: r#"case "$*" in
  "--version") echo '7.1.4r165100' ;;
  "list runningvms") echo '"minikube" {0c1d2e3f-0000-4000-8000-000000000001}' ;;
esac"#
                .into(),
        },
    );
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout
            .contains("minikube's VM is running: stop it first with `minikube stop`"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("verified installer at"),
        "{}",
        out.stdout
    );
}

/// Holds `CACHE/lock` (flock, as a running `--fix` does) until dropped.
fn hold_install_lock(w: &World) -> fs::File {
    fs::create_dir_all(w.sb.cache_dir()).unwrap();
    let f = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(w.sb.cache_dir().join("lock"))
        .unwrap();
    f.lock().unwrap();
    f
}

/// Spawns `--fix` and returns once it says it is waiting for the lock; its stderr so far.
fn spawn_waiting_fix(w: &World) -> (std::process::Child, Arc<std::sync::Mutex<String>>) {
    use std::io::Read;
    let mut child =
        w.sb.cmd()
            .args(w.args("--fix", &["--lock-timeout", "60"]))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
    let err = Arc::new(std::sync::Mutex::new(String::new()));
    let mut pipe = child.stderr.take().unwrap();
    let sink = err.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let t = Instant::now();
    while !err.lock().unwrap().contains("waiting for another") {
        assert!(t.elapsed() < Duration::from_secs(20), "never waited");
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, err)
}

#[test]
fn an_override_recorded_while_waiting_for_the_lock_is_honoured() {
    let (k, bytes) = kubectl_release();
    let w = World::new(&[&k]);
    w.serve(&k, file(bytes));
    fake(&w.sb.bin_dir(), &Fake::kubectl("1.29.0"));
    let mine = fs::read(w.bin("kubectl")).unwrap();

    let lock = hold_install_lock(&w);
    let (child, _) = spawn_waiting_fix(&w);
    // Meanwhile the user decides to keep the kubectl they have.
    let out = w.sb.run(&[
        "override",
        "kubectl",
        "--manifest",
        w.manifest.to_str().unwrap(),
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    drop(lock);

    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("overridden"), "{stdout}");
    assert_eq!(
        fs::read(w.bin("kubectl")).unwrap(),
        mine,
        "kept, not replaced"
    );
    assert!(w.server.requests().is_empty(), "nothing was downloaded");
}
