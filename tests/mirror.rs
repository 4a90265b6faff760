//! `mirror DIR` against loopback upstreams laid out like the real ones, and `--fix` installing
//! from the tree it builds with no server at all.
#![cfg(unix)]

mod support;

use std::fs;
use std::path::Path;
use std::sync::Arc;

use support::http::Route;
use support::upstreams::*;
use support::*;

fn args<'a>(a: &[&'a str], manifest: &'a str, mirror: &'a str) -> Vec<&'a str> {
    let mut v = a.to_vec();
    v.extend(["--manifest", manifest, "--mirror", mirror]);
    v
}

fn index(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("aladdin-doctor-mirror.json")).unwrap())
        .unwrap()
}

/// Files whose name says they are half-written.
fn temp_files(dir: &Path) -> Vec<String> {
    tree(dir)
        .keys()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| n.contains(".aladdin-doctor-tmp") || n.ends_with(".partial"))
        .collect()
}

#[test]
fn mirror_builds_a_tree_that_fix_installs_from_with_no_server() {
    let up = Upstreams::start();
    let served = up.repo_releases();
    let (sb, m) = sandbox(&repo_manifest_pinning(&served));
    let ms = m.display().to_string();
    let base = up.base();

    // The repository's file leaves two docker platforms without a hash, and docker publishes
    // none: pins update fills them by hashing the downloads, and then every platform checks out.
    let out = sb.run(&args(&["pins", "update", "docker", PIN_DOCKER], &ms, &base));
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let out = sb.run(&args(&["pins", "check"], &ms, &base));
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);

    let dir = sb.root().join("mirror");
    let ds = dir.display().to_string();
    let out = sb.run(&args(&["mirror", &ds], &ms, &base));
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    // Every artifact at DIR/HOST/PATH, byte for byte, and each checksum file as published.
    for a in served.values() {
        assert_eq!(
            fs::read(dir.join(&a.path[1..])).unwrap(),
            a.bytes,
            "{}",
            a.path
        );
    }
    let kubectl = &served[&("kubectl".to_string(), "linux-amd64".to_string())];
    assert_eq!(
        fs::read_to_string(dir.join(format!("{}.sha256", &kubectl.path[1..]))).unwrap(),
        kubectl.sha256
    );
    let sums = fs::read_to_string(dir.join("download.virtualbox.org/virtualbox/7.2.10/SHA256SUMS"))
        .unwrap();
    assert!(sums.contains("*VirtualBox-7.2.10-174163-Win.exe"), "{sums}");
    // The index: every file with its upstream URL, size and sha256.
    let ix = index(&dir);
    let files = ix["files"].as_array().unwrap();
    // 26 artifacts; kubectl 6, helm 6 and minikube 5 checksum files, and one SHA256SUMS.
    assert_eq!(files.len(), 26 + 18, "{ix:#}");
    for a in served.values() {
        let e = files
            .iter()
            .find(|e| e["path"] == a.path[1..])
            .unwrap_or_else(|| panic!("{} not indexed", a.path));
        assert_eq!(e["sha256"], a.sha256.as_str());
        assert_eq!(e["size"], a.bytes.len());
        assert_eq!(e["url"], format!("https:/{}", a.path));
        assert_eq!(e["kind"], "artifact");
    }
    assert!(temp_files(&dir).is_empty(), "{:?}", temp_files(&dir));

    // A re-run checks every file and downloads nothing.
    let before = up.server.requests().len();
    let out = sb.run(&args(&["mirror", &ds, "--format", "json"], &ms, &base));
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(up.server.requests().len(), before, "no request at all");
    let run: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(
        run["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["result"] == "present"),
        "{run:#}"
    );

    // A damaged file is found (by its hash) and repaired; nothing else is fetched.
    let damaged = dir.join(&kubectl.path[1..]);
    fs::write(&damaged, b"#!/bin/sh\necho pwned\n").unwrap();
    let out = sb.run(&args(&["mirror", &ds], &ms, &base));
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains(&format!("repaired   {}", &kubectl.path[1..])),
        "{}",
        out.stdout
    );
    assert_eq!(fs::read(&damaged).unwrap(), kubectl.bytes);
    let after: Vec<String> = up.server.requests()[before..]
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert!(after.iter().all(|p| *p == kubectl.path), "{after:?}");

    // A laptop with no network: the upstreams are gone, the mirror is a directory.
    drop(up);
    // `pins check` against the mirror says it is complete, reading it from disk.
    let out = sb.run(&args(&["pins", "check"], &ms, &ds));
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    fs::remove_file(dir.join(&kubectl.path[1..])).unwrap();
    let out = sb.run(&args(&["pins", "check", "--only", "kubectl"], &ms, &ds));
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("kubectl    linux-amd64    missing")
            && out.stdout.contains("not in the mirror: there is no"),
        "{}",
        out.stdout
    );
    fs::write(dir.join(&kubectl.path[1..]), &kubectl.bytes).unwrap();
    let manifest = fs::read_to_string(&m).unwrap();
    for mirror in [ds.clone(), format!("file://{ds}")] {
        let (mut laptop, lm) = Sandbox::for_releases(&[]);
        fs::write(&lm, &manifest).unwrap();
        laptop.path_dir("tools");
        let lms = lm.display().to_string();
        let only = "--only=docker,minikube,kubectl,helm";
        let out = laptop.run(&args(&["--fix", only], &lms, &mirror));
        assert_eq!(
            out.code,
            Some(0),
            "{mirror}\n{}\n{}",
            out.stdout,
            out.stderr
        );
        let (code, report) = laptop.check_json(&["--manifest", &lms, only]);
        assert_eq!(code, Some(0), "{report:#}");
        for tool in ["docker", "minikube", "kubectl", "helm"] {
            assert_eq!(row(&report, tool)["status"], "ok", "{report:#}");
            assert!(laptop.bin_dir().join(tool).exists());
        }
        // VirtualBox's installer is verified against the mirrored SHA256SUMS (this platform
        // has no pinned hash): read from disk, that is as good as https.
        let out = laptop.run(&args(&["--fix", "--only=virtualbox"], &lms, &mirror));
        assert!(
            out.stdout.contains("verified installer at"),
            "{}\n{}",
            out.stdout,
            out.stderr
        );
    }
}

#[test]
fn what_cannot_be_mirrored_is_named_and_the_rest_is_kept() {
    let up = Upstreams::start();
    let served = up.repo_releases();
    let (sb, m) = sandbox(&repo_manifest_pinning(&served));
    let ms = m.display().to_string();
    let a = |tool: &str, p: &str| served[&(tool.to_string(), p.to_string())].clone();
    up.server
        .route(&a("kubectl", "linux-amd64").path, Route::Status(404));
    // A mirror whose copy of one file is corrupt: it never reaches DIR.
    let bad = a("helm", "linux-amd64");
    let mut corrupt = bad.bytes.clone();
    corrupt[100] ^= 1;
    up.server.route(&bad.path, Route::File(Arc::new(corrupt)));

    // From a plain-http source: pinned hashes still verify, published checksums prove nothing.
    let dir = sb.root().join("mirror");
    let ds = dir.display().to_string();
    let plain = up.server.base();
    let out = sb.run(&args(
        &[
            "mirror",
            &ds,
            "--only",
            "kubectl,docker,helm",
            "--platforms",
            "linux-amd64,linux-arm64",
        ],
        &ms,
        &plain,
    ));
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    let t = &out.stdout;
    for want in [
        // Pinned in the repository's file, not there.
        format!(
            "kubectl    linux-amd64              FAILED     {}\n    HTTP 404 Not Found ({plain}{})",
            &a("kubectl", "linux-amd64").path[1..],
            a("kubectl", "linux-amd64").path
        ),
        // Not pinned, and its checksum came over plain http.
        "kubectl    linux-arm64              FAILED".to_string(),
        "its only checksum comes over plain http".to_string(),
        // Neither pinned nor published.
        "docker     linux-arm64              FAILED".to_string(),
        "pins update docker 27.3.1 --manifest versions.toml".to_string(),
        // The wrong bytes, against the pin.
        "helm       linux-amd64              FAILED".to_string(),
        "checksum mismatch".to_string(),
        "docker     linux-amd64".to_string(),
    ] {
        assert!(t.contains(&want), "{want}\n---\n{t}");
    }
    assert!(
        !dir.join(&bad.path[1..]).exists(),
        "a bad download never lands"
    );
    let docker = a("docker", "linux-amd64");
    assert_eq!(fs::read(dir.join(&docker.path[1..])).unwrap(), docker.bytes);
    let ix = index(&dir);
    let paths: Vec<&str> = ix["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&&docker.path[1..]), "{paths:?}");
    assert!(!paths.contains(&&bad.path[1..]), "{paths:?}");
    assert!(temp_files(&dir).is_empty(), "{:?}", temp_files(&dir));
    // Asking for a platform none of them supports is an error, not an empty mirror.
    let out = sb.run(&args(
        &[
            "mirror",
            &ds,
            "--only",
            "docker",
            "--platforms",
            "windows-arm64",
        ],
        &ms,
        &plain,
    ));
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("nothing to mirror"), "{}", out.stderr);
}
