//! Telling the truth on real machines: hermetic probes against a hostile HOME (with the real
//! kubectl builds and docker CLI where this machine has them), a configuration that breaks a tool
//! named instead of the tool reinstalled, binaries that cannot run here, and install receipts.
#![cfg(unix)]

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::artifacts::*;
use support::world::*;
use support::*;

/// A HOME full of configuration that breaks or changes version commands.
fn hostile_home(sb: &Sandbox) {
    let h = sb.home();
    let w = |rel: &str, text: &str| {
        let p = h.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    };
    // kubectl ≥ 1.33: a preference for a flag `version` does not have (every command exits 1),
    // and one that would make `version` print JSON by default.
    w(
        ".kube/kuberc",
        "apiVersion: kubectl.config.k8s.io/v1alpha1\nkind: Preference\noverrides:\n- command: version\n  flags:\n  - name: output\n    default: json\n  - name: no-such-flag\n    default: \"1\"\n",
    );
    // An unreachable cluster and a kubeconfig that is not YAML.
    w(".kube/config", "{{{ not yaml\n");
    // docker and helm registry credentials that do not parse.
    w(".docker/config.json", "{ not json");
    w(".config/helm/registry/config.json", "{ not json");
    // A broken helm plugin.
    w(
        ".local/share/helm/plugins/broken/plugin.yaml",
        ":\n  - [ not yaml",
    );
}

fn version_of(kubectl: &Path) -> String {
    let out = Command::new(kubectl)
        .args(["version", "--client", "-o", "json"])
        .env("KUBERC", "off")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["clientVersion"]["gitVersion"]
        .as_str()
        .unwrap()
        .trim_start_matches('v')
        .to_string()
}

/// A manifest that pins kubectl at `version` (no downloads: --check only).
fn kubectl_manifest(sb: &Sandbox, version: &str) -> PathBuf {
    sb.write(
        "kubectl.toml",
        &format!(
            "schema = 1\n[tools.kubectl]\nversion = \"{version}\"\nurl = \"https://dl.k8s.io/release/v{{version}}/bin/{{os}}/{{arch}}/kubectl{{exe}}\"\n"
        ),
    )
}

#[test]
fn real_kubectl_builds_read_right_in_a_hostile_home() {
    let builds = support::real::kubectl_builds();
    if builds.is_empty() {
        eprintln!("no kubectl on this machine: nothing to check");
        return;
    }
    for kubectl in builds {
        let want = version_of(&kubectl);
        let mut sb = Sandbox::new();
        sb.with_dirs();
        hostile_home(&sb);
        let d = sb.path_dir("tools");
        std::os::unix::fs::symlink(&kubectl, d.join("kubectl")).unwrap();
        // 1.33 reads kuberc only when asked; 1.34+ always.
        sb.env.insert("KUBECTL_KUBERC".into(), "true".into());
        sb.env.insert(
            "KUBECONFIG".into(),
            sb.home().join(".kube/config").display().to_string(),
        );
        let m = kubectl_manifest(&sb, &want);
        let (code, r) = sb.check_json(&["--manifest", m.to_str().unwrap()]);
        let k = row(&r, "kubectl");
        assert_eq!(k["found"], want.as_str(), "{}: {r:#}", kubectl.display());
        assert_eq!(k["status"], "ok", "{}", kubectl.display());
        // Only releases that read kuberc break on it, and then it is the kuberc to fix.
        let minor: u32 = want.split('.').nth(1).unwrap().parse().unwrap();
        let (kind, exit) = if minor >= 33 {
            ("fix_config", 1)
        } else {
            ("none", 0)
        };
        assert_eq!(k["remedy"]["kind"], kind, "{}: {r:#}", kubectl.display());
        assert_eq!(code, Some(exit), "{}: {r:#}", kubectl.display());
    }
}

#[test]
fn a_kuberc_that_breaks_kubectl_is_named_and_kubectl_is_not_reinstalled() {
    let Some(kubectl) = support::real::kubectl_builds()
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with("kubectl.1.33"))
    else {
        eprintln!("no kubectl 1.33 on this machine: nothing to check");
        return;
    };
    let want = version_of(&kubectl);
    let (r, bytes) = kubectl_release();
    let w = World::new(&[&r]);
    w.serve(&r, file(bytes));
    let mut sb_env = w.sb.env.clone();
    // A preference for a flag `version` does not have: kubectl 1.33 exits 1 on every command.
    let kuberc = w.sb.write(
        "home/.kube/kuberc",
        "apiVersion: kubectl.config.k8s.io/v1alpha1\nkind: Preference\noverrides:\n- command: version\n  flags:\n  - name: no-such-flag\n    default: \"1\"\n",
    );
    sb_env.insert("KUBECTL_KUBERC".into(), "true".into());
    let tools = w.sb.root().join("real");
    fs::create_dir_all(&tools).unwrap();
    std::os::unix::fs::symlink(&kubectl, tools.join("kubectl")).unwrap();
    let m = kubectl_manifest(&w.sb, &want);
    let run = |mode: &str| {
        let args = doctor_args(&[mode], &m, &w.base(), &["--format", "json"]);
        let mut c = w.sb.cmd();
        c.envs(&sb_env)
            .env(
                "PATH",
                std::env::join_paths([tools.clone(), w.sb.bin_dir()]).unwrap(),
            )
            .args(&args);
        let out = c.output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
        (out.status.code(), v)
    };
    let (code, r) = run("--check");
    let k = row(&r, "kubectl");
    assert_eq!(k["found"], want.as_str(), "{r:#}");
    assert_eq!(k["status"], "ok", "the binary is the pin: {r:#}");
    assert_eq!(k["fix"], "manual");
    assert_eq!(k["remedy"]["kind"], "fix_config", "{r:#}");
    assert_eq!(k["remedy"]["config"], "kuberc");
    assert_eq!(
        k["remedy"]["source"]["at"],
        kuberc.display().to_string().as_str(),
        "{r:#}"
    );
    let hint = k["hint"].as_str().unwrap();
    assert!(
        hint.contains("reinstalling kubectl would not help"),
        "{hint}"
    );
    assert_eq!(code, Some(1));
    // --fix leaves it alone: nothing is downloaded.
    let (code, _) = run("--fix");
    assert_eq!(code, Some(1));
    assert!(w.server.requests().is_empty(), "{:?}", w.server.requests());
}

#[test]
fn the_real_docker_cli_reads_right_and_a_breaking_config_is_named() {
    let Some(docker) = support::real::docker() else {
        eprintln!("no docker CLI on this machine: nothing to check");
        return;
    };
    let out = Command::new(&docker).arg("--version").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(want) = text
        .strip_prefix("Docker version ")
        .and_then(|r| r.split(',').next())
        .map(str::to_string)
    else {
        eprintln!("{} is not the docker CLI: {text}", docker.display());
        return;
    };
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.path_dir("tools");
    std::os::unix::fs::symlink(&docker, d.join("docker")).unwrap();
    // Aliases other than `builder` make every docker command exit 1 (docker/cli 19.03+).
    let config = sb.write("home/.docker/config.json", r#"{"aliases":{"foo":"bar"}}"#);
    // And an endpoint that does not exist.
    sb.env.insert(
        "DOCKER_HOST".into(),
        "unix:///nonexistent/docker.sock".into(),
    );
    let m = sb.write(
        "docker.toml",
        &format!(
            "schema = 1\n[tools.docker]\nversion = \"{want}\"\nurl = \"https://download.docker.com/{{os}}/static/stable/{{arch}}/docker-{{version}}.tgz\"\narchive = \"tar.gz\"\npath = \"docker/docker{{exe}}\"\n"
        ),
    );
    let (code, r) = sb.check_json(&["--manifest", m.to_str().unwrap()]);
    let row = row(&r, "docker");
    assert_eq!(row["found"], want.as_str(), "{r:#}");
    assert_eq!(row["remedy"]["kind"], "fix_config", "{r:#}");
    assert_eq!(row["remedy"]["config"], "docker_cli");
    assert_eq!(
        row["remedy"]["source"]["at"],
        config.display().to_string().as_str()
    );
    assert_eq!(code, Some(1));
    // Without the aliases, nothing to say.
    fs::write(&config, "{}").unwrap();
    let (code, r) = sb.check_json(&["--manifest", m.to_str().unwrap()]);
    assert_eq!(self::row(&r, "docker")["remedy"]["kind"], "none", "{r:#}");
    assert_eq!(code, Some(0));
}

/// A helm that, like 3.8–3.17, exits 1 when its registry config does not parse, panics on an
/// unknown HELM_DRIVER, and warns about a broken plugin.
fn picky_helm(dir: &Path) {
    let script = r#"#!/bin/sh
PATH=/usr/bin:/bin
case "$HELM_DRIVER" in ""|secret|secrets) ;; *) echo "panic: Unknown driver in HELM_DRIVER: $HELM_DRIVER" >&2; exit 2 ;; esac
reg="${HELM_REGISTRY_CONFIG:-${HELM_CONFIG_HOME:-$HOME/.config/helm}/registry/config.json}"
if [ -f "$reg" ] && [ "$(head -c 1 "$reg")" != "{" -o "$(cat "$reg")" = "{ not json" ]; then
  echo "WARNING: $reg: invalid character" >&2; exit 1
fi
if [ -z "$HELM_NO_PLUGINS" ] && [ -d "${HELM_DATA_HOME:-$HOME/.local/share/helm}/plugins/broken" ]; then
  echo "failed to load plugins: broken" >&2
fi
[ -n "$MARKER" ] && touch "$MARKER"
case "$*" in
  "version --short -c"|"version --short") echo 'v3.17.0+g301108e' ;;
  *) exit 64 ;;
esac
"#;
    fs::write(dir.join("helm"), script).unwrap();
    fs::set_permissions(dir.join("helm"), fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_broken_registry_config_is_named_not_blamed_on_helm() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    hostile_home(&sb);
    sb.env.insert("HELM_DRIVER".into(), "bogus".into());
    let d = sb.path_dir("tools");
    picky_helm(&d);
    let (code, r) = sb.check_json(&["--only", "helm"]);
    let h = row(&r, "helm");
    assert_eq!(h["found"], "3.17.0+g301108e", "the version is read: {r:#}");
    assert_eq!(h["status"], "ok");
    assert_eq!(h["remedy"]["kind"], "fix_config", "{r:#}");
    assert_eq!(h["remedy"]["config"], "helm_home");
    assert_eq!(
        h["remedy"]["source"]["at"],
        sb.home()
            .join(".config/helm/registry/config.json")
            .display()
            .to_string()
            .as_str()
    );
    assert_eq!(code, Some(1));
    // Fixed, there is nothing to say (the bogus HELM_DRIVER is kept away from every probe).
    fs::write(sb.home().join(".config/helm/registry/config.json"), "{}").unwrap();
    let (code, r) = sb.check_json(&["--only", "helm"]);
    assert_eq!(row(&r, "helm")["remedy"]["kind"], "none", "{r:#}");
    assert_eq!(code, Some(0));
}

#[test]
fn probes_write_nothing_outside_their_temp_dir() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let tmp = sb.root().join("tmp");
    fs::create_dir_all(&tmp).unwrap();
    sb.env.insert("TMPDIR".into(), tmp.display().to_string());
    let d = sb.path_dir("tools");
    // minikube writes its home and a log file on every run.
    fs::write(
        d.join("minikube"),
        "#!/bin/sh\nPATH=/usr/bin:/bin\nmkdir -p \"${MINIKUBE_HOME:-$HOME}/.minikube/certs\"\necho log > \"${TMPDIR:-/tmp}/minikube_version.log\"\necho \"minikube version: v1.35.0\"\n",
    )
    .unwrap();
    fs::set_permissions(d.join("minikube"), fs::Permissions::from_mode(0o755)).unwrap();
    let (_, r) = sb.check_json(&["--only", "minikube"]);
    assert_eq!(row(&r, "minikube")["status"], "ok", "{r:#}");
    assert!(
        !sb.home().join(".minikube").exists(),
        "the user's ~/.minikube"
    );
    let left: Vec<_> = fs::read_dir(&tmp)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}

#[test]
fn a_binary_that_cannot_run_here_says_why() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.path_dir("tools");
    // An ELF header for the other CPU.
    let (machine, other) = if cfg!(target_arch = "x86_64") {
        (0xb7u16, "linux-arm64")
    } else {
        (0x3e, "linux-amd64")
    };
    let mut elf = vec![0u8; 64];
    elf[..4].copy_from_slice(b"\x7fELF");
    elf[4] = 2;
    elf[5] = 1;
    elf[18..20].copy_from_slice(&machine.to_le_bytes());
    fs::write(d.join("kubectl"), &elf).unwrap();
    // A script whose interpreter is not there.
    fs::write(d.join("helm"), "#!/nonexistent/sh\necho v3.17.0\n").unwrap();
    for f in ["kubectl", "helm"] {
        fs::set_permissions(d.join(f), fs::Permissions::from_mode(0o755)).unwrap();
    }
    let (code, r) = sb.check_json(&["--only", "kubectl,helm"]);
    let k = row(&r, "kubectl");
    assert_eq!(k["status"], "unknown");
    assert_eq!(k["error_kind"], "cannot_run");
    assert!(
        k["error"]
            .as_str()
            .unwrap()
            .contains(&format!("is built for {other}")),
        "{k:#}"
    );
    assert_eq!(k["fix"], "install", "the pin for this machine runs");
    let h = row(&r, "helm");
    assert!(
        h["error"]
            .as_str()
            .unwrap()
            .contains("its interpreter /nonexistent/sh is missing"),
        "{h:#}"
    );
    assert_eq!(code, Some(1));
}

// ----- receipts -------------------------------------------------------------------------------

#[test]
fn a_managed_binary_changed_after_install_is_modified_not_ok() {
    let (k, bytes) = kubectl_release();
    let w = World::new(&[&k]);
    w.serve(&k, file(bytes.clone()));
    assert_eq!(w.fix(&[]).code, Some(0));
    let receipt: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(w.bin(".receipts/kubectl.json")).unwrap())
            .unwrap();
    assert_eq!(receipt["tool"], "kubectl");
    assert_eq!(receipt["version"], PIN_KUBECTL);
    assert_eq!(receipt["sha256"], sha256(&bytes).as_str());
    assert_eq!(receipt["size"], bytes.len() as u64);
    let verify = |w: &World| {
        let out = w.sb.run(&["verify", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        (
            out.code,
            v["binaries"][0]["verdict"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(verify(&w), (Some(0), "intact".into()));
    assert_eq!(w.check().0, Some(0));

    // 1. Replaced by a script that merely prints the pinned version.
    let fake_pin = w.sb.root().join("fake");
    fs::write(
        &fake_pin,
        format!("#!/bin/sh\necho 'Client Version: v{PIN_KUBECTL}'\n"),
    )
    .unwrap();
    fs::set_permissions(&fake_pin, fs::Permissions::from_mode(0o755)).unwrap();
    fs::rename(&fake_pin, w.bin("kubectl")).unwrap();
    let (code, r) = w.check();
    assert_eq!(row(&r, "kubectl")["status"], "modified", "{r:#}");
    assert_eq!(row(&r, "kubectl")["fix"], "install");
    assert_eq!(code, Some(1));
    assert_eq!(verify(&w), (Some(1), "modified".into()));
    // --fix puts the pin back, and the receipt with it.
    assert_eq!(w.fix(&[]).code, Some(0));
    assert_eq!(verify(&w), (Some(0), "intact".into()));

    // 2. Truncated in place.
    let f = fs::OpenOptions::new()
        .write(true)
        .open(w.bin("kubectl"))
        .unwrap();
    f.set_len(bytes.len() as u64 / 2).unwrap();
    drop(f);
    assert_eq!(row(&w.check().1, "kubectl")["status"], "modified");
    assert_eq!(verify(&w).1, "modified");
    assert_eq!(w.fix(&[]).code, Some(0));

    // 3. Another build of the same size, its mtime put back: a stat cannot tell, a hash can.
    let before = fs::metadata(w.bin("kubectl")).unwrap().modified().unwrap();
    let mut other = bytes.clone();
    let last = other.len() - 2;
    other[last] ^= 0x01;
    let f = fs::OpenOptions::new()
        .write(true)
        .open(w.bin("kubectl"))
        .unwrap();
    std::io::Write::write_all(&mut &f, &other).unwrap();
    f.set_modified(before).unwrap();
    drop(f);
    assert_eq!(verify(&w), (Some(1), "modified".into()));
}
