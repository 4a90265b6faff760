//! `pins update` and `pins check` against loopback upstreams laid out like the real ones
//! (tests/support/upstreams.rs), editing a copy of the repository's versions.toml.
#![cfg(unix)]

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use support::http::Route;
use support::upstreams::*;
use support::*;

fn run(sb: &Sandbox, args: &[&str], manifest: &Path, mirror: &str) -> Output {
    let mut a: Vec<&str> = args.to_vec();
    let m = manifest.display().to_string();
    a.extend(["--manifest", &m, "--mirror", mirror]);
    sb.run(&a)
}

/// The text before `[tools.TOOL]`, the tool's tables (up to the next tool's header), and the
/// rest.
fn split_section<'a>(text: &'a str, tool: &str) -> (&'a str, &'a str, &'a str) {
    let start = text.find(&format!("[tools.{tool}]")).unwrap();
    let mut end = text.len();
    let mut pos = start;
    for line in text[start..].split_inclusive('\n') {
        if pos > start
            && line.starts_with("[tools.")
            && !line.starts_with(&format!("[tools.{tool}."))
        {
            end = pos;
            break;
        }
        pos += line.len();
    }
    (&text[..start], &text[start..end], &text[end..])
}

fn hash(served: &std::collections::BTreeMap<String, Artifact>, p: &str) -> String {
    served[p].sha256.clone()
}

#[test]
fn update_writes_every_platforms_published_hash_and_keeps_the_rest_byte_for_byte() {
    let up = Upstreams::start();
    let served = up.release("kubectl", "1.31.0", &platforms("kubectl"));
    let original = repo_manifest();
    let (sb, m) = sandbox(&original);

    let out = run(
        &sb,
        &["pins", "update", "kubectl", "1.31.0"],
        &m,
        &up.base(),
    );
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let text = fs::read_to_string(&m).unwrap();
    let (before, section, after) = split_section(&text, "kubectl");
    let (o_before, _, o_after) = split_section(&original, "kubectl");
    assert_eq!(
        before, o_before,
        "everything before [tools.kubectl] is as it was"
    );
    assert_eq!(after, o_after, "everything after it too");
    assert_eq!(
        section,
        format!(
            "[tools.kubectl]\nversion = \"1.31.0\"\naccept = \">=1.30.6, <1.31\"\nurl = \"https://dl.k8s.io/release/v{{version}}/bin/{{os}}/{{arch}}/kubectl{{exe}}\"\nchecksum_url = \"https://dl.k8s.io/release/v{{version}}/bin/{{os}}/{{arch}}/kubectl{{exe}}.sha256\"\n[tools.kubectl.sha256]\nlinux-amd64 = \"{}\"\ndarwin-amd64 = \"{}\"\ndarwin-arm64 = \"{}\"\nlinux-arm64 = \"{}\"\nwindows-amd64 = \"{}\"\nwindows-arm64 = \"{}\"\n\n",
            hash(&served, "linux-amd64"),
            hash(&served, "darwin-amd64"),
            hash(&served, "darwin-arm64"),
            hash(&served, "linux-arm64"),
            hash(&served, "windows-amd64"),
            hash(&served, "windows-arm64"),
        )
    );
    assert!(
        out.stdout.contains(&format!(
            "windows-arm64  {}  published at https://dl.k8s.io/release/v1.31.0/bin/windows/arm64/kubectl.exe.sha256",
            hash(&served, "windows-arm64")
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("note: accept = \">=1.30.6, <1.31\" does not include 1.31.0"),
        "{}",
        out.stdout
    );
    // The artifacts were asked about, not downloaded.
    for a in served.values() {
        let reqs = up.server.requests_to(&a.path);
        assert!(!reqs.is_empty(), "{} was checked", a.path);
        assert!(
            reqs.iter()
                .all(|r| r.method == "HEAD" || r.range.as_deref() == Some("bytes=0-0")),
            "{reqs:?}"
        );
    }

    // The file it wrote is one `pins check` and `--fix` read: every platform agrees.
    let out = run(&sb, &["pins", "check", "--only", "kubectl"], &m, &up.base());
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("✓ Every pinned artifact exists"),
        "{}",
        out.stdout
    );
}

#[test]
fn update_hashes_the_download_where_upstream_publishes_no_checksum_and_a_missing_platform_stops_it()
{
    let up = Upstreams::start();
    // No Intel-Mac build (the old script's bug, here as a missing file).
    let served = up.release(
        "docker",
        "27.4.0",
        &[
            "linux-amd64",
            "linux-arm64",
            "darwin-arm64",
            "windows-amd64",
        ],
    );
    let original = repo_manifest();
    let (sb, m) = sandbox(&original);

    let out = run(&sb, &["pins", "update", "docker", "27.4.0"], &m, &up.base());
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    let url = format!(
        "{}/download.docker.com/mac/static/stable/x86_64/docker-27.4.0.tgz",
        up.base()
    );
    assert!(
        out.stdout.contains(&format!(
            "darwin-amd64   missing: HTTP 404 Not Found ({url})\n      help: if docker 27.4.0 has no release for darwin-amd64, pass --allow-missing"
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .starts_with("docker 27.3.1 → 27.4.0: 1 of 5 platforms failed; nothing was written"),
        "{}",
        out.stdout
    );
    assert_eq!(fs::read_to_string(&m).unwrap(), original, "nothing written");

    let out = run(
        &sb,
        &["pins", "update", "docker", "27.4.0", "--allow-missing"],
        &m,
        &up.base(),
    );
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(&format!(
            "linux-arm64    {}  downloaded and hashed (upstream publishes no checksum)",
            hash(&served, "linux-arm64")
        )),
        "{}",
        out.stdout
    );
    let text = fs::read_to_string(&m).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let docker = doc["tools"]["docker"].as_table().unwrap();
    assert_eq!(docker["version"].as_str(), Some("27.4.0"));
    let unsupported: Vec<&str> = docker["unsupported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(unsupported, ["windows-arm64", "darwin-amd64"]);
    // Exactly the platforms it has, with the hashes of what was served; the old darwin-amd64
    // pin is gone with the platform.
    let pins: Vec<(String, String)> = docker["sha256"]
        .as_table()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let mut want: Vec<(String, String)> = served
        .iter()
        .map(|(p, a)| (p.clone(), a.sha256.clone()))
        .collect();
    want.sort();
    let mut got = pins.clone();
    got.sort();
    assert_eq!(got, want);
    // Only docker's section changed.
    let (b, _, a) = split_section(&text, "docker");
    let (ob, _, oa) = split_section(&original, "docker");
    assert_eq!((b, a), (ob, oa));
    // The downloads are in the cache, verified under their hash, for --fix and mirror to reuse.
    for a in served.values() {
        let name = a.path.rsplit('/').next().unwrap();
        let cached = sb.cache_dir().join("sha256").join(&a.sha256).join(name);
        assert_eq!(fs::read(&cached).unwrap(), a.bytes);
    }
}

#[test]
fn dry_run_prints_the_diff_and_a_write_keeps_the_symlink_and_the_mode() {
    let up = Upstreams::start();
    let served = up.release("helm", "3.18.0", &platforms("helm"));
    let original = repo_manifest();
    let (sb, link) = sandbox(&original);
    // A dotfile manager's layout: the file lives elsewhere, read-only for others.
    let real = sb.write("dotfiles/versions.toml", &original);
    fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
    fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("../dotfiles/versions.toml", &link).unwrap();
    let before = tree(sb.root());

    let out = run(
        &sb,
        &["pins", "update", "helm", "3.18.0", "--dry-run"],
        &link,
        &up.base(),
    );
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let name = link.display();
    for want in [
        format!("--- a/{name}\n+++ b/{name}\n"),
        "-version = \"3.17.0\"\n+version = \"3.18.0\"\n".to_string(),
        "-linux-amd64 = \"fb5d12662fde6eeff36ac4ccacbf3abed96b0ee2de07afdde4edb14e613aee24\"\n"
            .to_string(),
        format!("+windows-arm64 = \"{}\"\n", hash(&served, "windows-arm64")),
        "Dry run: nothing was written.".to_string(),
    ] {
        assert!(out.stdout.contains(&want), "{want}\n---\n{}", out.stdout);
    }
    // Only the version line and the hash lines change.
    let changed: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert!(
        changed
            .iter()
            .all(|l| l[1..].starts_with("version") || l.contains("64 = \"")),
        "{changed:#?}"
    );
    assert_eq!(
        tree(sb.root()),
        before,
        "a dry run writes nothing, anywhere"
    );

    let out = run(
        &sb,
        &["pins", "update", "helm", "3.18.0"],
        &link,
        &up.base(),
    );
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let text = fs::read_to_string(&real).unwrap();
    assert!(text.contains("version = \"3.18.0\""), "{text}");
    assert!(text.contains(&hash(&served, "darwin-arm64")));
    assert_eq!(
        fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert!(
        out.stdout.contains(&format!(
            "Wrote {}",
            fs::canonicalize(&real).unwrap().display()
        )),
        "{}",
        out.stdout
    );
}

#[test]
fn virtualbox_needs_its_build_number_and_takes_hashes_from_sha256sums() {
    let up = Upstreams::start();
    let served = up.release("virtualbox", "7.2.12r175000", &platforms("virtualbox"));
    let original = repo_manifest();
    let (sb, m) = sandbox(&original);

    let out = run(
        &sb,
        &["pins", "update", "virtualbox", "7.2.12"],
        &m,
        &up.base(),
    );
    assert_eq!(out.code, Some(2), "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("--revision N"), "{}", out.stderr);
    assert!(
        up.server.requests().is_empty(),
        "refused before any request"
    );

    let out = run(
        &sb,
        &[
            "pins",
            "update",
            "virtualbox",
            "7.2.12",
            "--revision",
            "175000",
        ],
        &m,
        &up.base(),
    );
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let doc: toml::Table = fs::read_to_string(&m).unwrap().parse().unwrap();
    let vbox = doc["tools"]["virtualbox"].as_table().unwrap();
    assert_eq!(vbox["revision"].as_integer(), Some(175000));
    for p in platforms("virtualbox") {
        assert_eq!(
            vbox["sha256"][p].as_str(),
            Some(hash(&served, p).as_str()),
            "{p}"
        );
    }
}

#[test]
fn refusals_write_nothing() {
    let up = Upstreams::start();
    up.release("kubectl", "1.31.0", &platforms("kubectl"));
    let original = repo_manifest();
    let (sb, m) = sandbox(&original);

    // The embedded manifest cannot be edited.
    let out = sb.run(&["pins", "update", "kubectl", "1.31.0"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("cannot be edited")
            && out.stderr.contains("--manifest PATH")
            && out.stderr.contains("repository's versions.toml"),
        "{}",
        out.stderr
    );
    // A version the strict parser refuses: named with its line, before any request.
    let out = run(
        &sb,
        &["pins", "update", "kubectl", "v1.31.0"],
        &m,
        &up.base(),
    );
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .contains("tools.kubectl.version: version `v1.31.0` starts with `v`"),
        "{}",
        out.stderr
    );
    assert!(up.server.requests().is_empty());
    // Over plain http, a published checksum proves nothing: no hash is learned from it.
    let plain = up.server.base();
    let out = run(&sb, &["pins", "update", "kubectl", "1.31.0"], &m, &plain);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("refused: the hash would come over plain http"),
        "{}",
        out.stdout
    );
    assert_eq!(fs::read_to_string(&m).unwrap(), original);
    let out = run(
        &sb,
        &["pins", "update", "kubectl", "1.31.0", "--format", "json"],
        &m,
        &plain,
    );
    assert_eq!(out.code, Some(1));
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["result"], "not_written");
    assert_eq!(v["platforms"].as_array().unwrap().len(), 6);
    assert_eq!(v["platforms"][0]["error_kind"], "insecure_checksum");
}

#[test]
fn check_finds_the_missing_platform_and_the_disagreement_and_writes_nothing() {
    let up = Upstreams::start();
    let served = up.repo_releases();
    let manifest = repo_manifest_pinning(&served);
    let a = |tool: &str, p: &str| served[&(tool.to_string(), p.to_string())].clone();
    // kubectl for Intel Macs is not there.
    up.server
        .route(&a("kubectl", "darwin-amd64").path, Route::Status(404));
    // helm publishes another hash for linux-arm64 than the pin.
    let helm = a("helm", "linux-arm64");
    up.server.route(
        &format!("{}.sha256sum", helm.path),
        Route::File(Arc::new(
            format!("{}  helm-v3.17.0-linux-arm64.tar.gz\n", "f".repeat(64)).into_bytes(),
        )),
    );
    // A store that answers GET only: the ranged GET decides.
    let win = a("virtualbox", "windows-amd64");
    up.server.route(
        &win.path,
        Route::GetOnly(Box::new(Route::File(Arc::new(win.bytes.clone())))),
    );
    let (sb, m) = sandbox(&manifest);
    let before = tree(sb.root());

    let out = run(&sb, &["pins", "check", "--format", "json"], &m, &up.base());
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let rows = v["artifacts"].as_array().unwrap();
    assert_eq!(rows.len(), 26, "every tool on every platform it supports");
    let bad: Vec<String> = rows
        .iter()
        .filter(|r| r["ok"] == false)
        .map(|r| {
            format!(
                "{} {}",
                r["tool"].as_str().unwrap(),
                r["platform"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        bad,
        [
            "docker linux-arm64",
            "docker windows-amd64",
            "kubectl darwin-amd64",
            "helm linux-arm64"
        ],
        "{:#}",
        v
    );
    let row = |tool: &str, p: &str| {
        rows.iter()
            .find(|r| r["tool"] == tool && r["platform"] == p)
            .unwrap()
    };
    assert_eq!(
        row("kubectl", "darwin-amd64")["artifact"]["status"],
        "missing"
    );
    assert_eq!(row("kubectl", "darwin-amd64")["checksum"]["status"], "ok");
    assert_eq!(row("helm", "linux-arm64")["agreement"], "mismatch");
    assert_eq!(
        row("helm", "linux-arm64")["checksum"]["sha256"],
        "f".repeat(64)
    );
    // The repository's file pins docker for three platforms only, and docker publishes none.
    assert_eq!(row("docker", "linux-arm64")["checksum"]["status"], "none");
    assert_eq!(
        row("docker", "darwin-amd64")["checksum"]["status"],
        "pinned_only"
    );
    assert_eq!(row("minikube", "darwin-arm64")["agreement"], "ok");
    let vbox = row("virtualbox", "windows-amd64");
    assert_eq!(vbox["ok"], true);
    assert_eq!(vbox["artifact"]["size"], win.bytes.len());
    let methods: Vec<(String, Option<String>)> = up
        .server
        .requests_to(&win.path)
        .into_iter()
        .map(|r| (r.method, r.range))
        .collect();
    assert_eq!(
        methods,
        [
            ("HEAD".into(), None),
            ("GET".into(), Some("bytes=0-0".into()))
        ]
    );

    let out = run(&sb, &["pins", "check"], &m, &up.base());
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout
            .contains("kubectl    darwin-amd64   missing      ok           ok  ✗"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("helm       linux-arm64    ok           ok           MISMATCH  ✗"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("✗ 4 of 26 artifacts need attention"),
        "{}",
        out.stdout
    );
    // Read-only: not even a cache dir.
    assert_eq!(tree(sb.root()), before);
    // And nothing was downloaded.
    for r in up.server.requests() {
        let artifact = served.values().any(|a| a.path == r.path);
        assert!(
            !artifact || r.method == "HEAD" || r.range.is_some(),
            "{r:?}"
        );
    }
}
