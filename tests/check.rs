//! `--check`, `env` and `override` driven through the real binary in a sandbox.
#![cfg(unix)]

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use support::http::Server;
use support::*;

#[test]
fn all_pinned_exits_0_with_the_embedded_manifest() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.all_pinned();
    let out = sb.run(&["--check"]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    for tool in ["docker", "virtualbox", "minikube", "kubectl", "helm"] {
        let line = out
            .stdout
            .lines()
            .find(|l| l.contains(&format!("] {tool} ")))
            .unwrap_or_else(|| panic!("no row for {tool}:\n{}", out.stdout));
        assert!(line.starts_with("[✓]") && line.contains(" ok "), "{line}");
    }
    assert!(
        out.stdout.contains("All 5 tools are as pinned."),
        "{}",
        out.stdout
    );
    // Off a terminal: no colour codes.
    assert!(!out.stdout.contains('\x1b'));
}

#[test]
fn default_mode_off_a_terminal_is_the_check() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.all_pinned();
    let out = sb.run(&[]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("All 5 tools are as pinned."));
}

#[test]
fn json_report_shape_and_drift_exit_1() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.all_pinned();
    fake(&d, &Fake::kubectl("1.32.4-dispatcher"));
    fs::remove_file(d.join("helm")).unwrap();
    let (code, r) = sb.check_json(&[]);
    assert_eq!(code, Some(1));
    assert_eq!(r["schema"], 1);
    assert_eq!(r["ok"], false);
    assert_eq!(r["platform"], this_platform());
    assert_eq!(r["bin_dir"], sb.bin_dir().display().to_string());
    assert_eq!(r["tools"].as_array().unwrap().len(), 5);

    let k = row(&r, "kubectl");
    assert_eq!(k["pinned"], "1.30.6");
    assert_eq!(k["found"], "1.32.4-dispatcher");
    assert_eq!(k["path"], d.join("kubectl").display().to_string());
    assert_eq!(k["status"], "drift");
    assert_eq!(k["fix"], "install");
    assert!(k["others"].as_array().unwrap().is_empty());
    let hint = k["hint"].as_str().unwrap();
    assert!(
        hint.contains("aladdin-doctor --fix") && hint.contains("aladdin-doctor override kubectl"),
        "{hint}"
    );

    let h = row(&r, "helm");
    assert_eq!(h["status"], "missing");
    assert_eq!(h["fix"], "install");
    assert!(h["found"].is_null() && h["path"].is_null());

    let ok = row(&r, "docker");
    assert_eq!(ok["status"], "ok");
    assert!(ok["fix"].is_null());
    assert!(ok["hint"].is_null());
}

#[test]
fn every_era_of_every_tool_is_read_right() {
    // The original 2018 pins, and today's releases.
    let eras: &[(Fake, &str, &str)] = &[
        (Fake::kubectl("1.8.6"), "kubectl", "1.8.6"),
        (Fake::kubectl("1.27.16"), "kubectl", "1.27.16"),
        (Fake::kubectl("1.33.1"), "kubectl", "1.33.1"),
        (Fake::helm("2.9.1"), "helm", "2.9.1+g20adb27"),
        (Fake::helm("3.12.0"), "helm", "3.12.0+g301108e"),
        (Fake::helm("4.0.0"), "helm", "4.0.0+g1a2b3c4"),
        (Fake::minikube("0.25.0"), "minikube", "0.25.0"),
        (Fake::minikube("1.35.0"), "minikube", "1.35.0"),
        (Fake::docker("17.09.0-ce"), "docker", "17.09.0-ce"),
        (Fake::docker("28.2.2"), "docker", "28.2.2"),
        (Fake::vbox("5.2.4", 119785), "virtualbox", "5.2.4r119785"),
        (
            Fake::vbox_saying("6.1.26_Ubuntur145957", ""),
            "virtualbox",
            "6.1.26_Ubuntur145957",
        ),
    ];
    let started = Instant::now();
    for (fake_tool, name, want) in eras {
        let mut sb = Sandbox::new();
        sb.with_dirs();
        let d = sb.path_dir("tools");
        fake(&d, fake_tool);
        let (_, r) = sb.check_json(&["--only", name]);
        assert_eq!(row(&r, name)["found"], *want, "{name} {want}: {r:#}");
    }
    // helm 2's bare `helm version` waits 300 s for Tiller: it was never called.
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn helm_2_is_never_asked_without_client_flag() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.path_dir("tools");
    fake(&d, &Fake::helm("2.9.1"));
    let t = Instant::now();
    let (code, r) = sb.check_json(&["--only", "helm"]);
    assert_eq!(code, Some(1));
    assert_eq!(row(&r, "helm")["status"], "drift");
    // The fake sleeps 300 s when asked without -c; a 15 s probe timeout would show as unknown.
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
}

#[test]
fn virtualbox_stdout_warning_is_shown_and_blocks() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.path_dir("tools");
    let warning = "WARNING: The vboxdrv kernel module is not loaded. Either there is no module\n         available for the current kernel (6.1.0-18-amd64) or it failed to\n         load. Please recompile the kernel module and install it by\n\n           sudo /sbin/vboxconfig\n\n         You will not be able to start VMs until this problem is fixed.\n";
    fake(&d, &Fake::vbox_saying("7.2.10r174163", warning));
    let (code, r) = sb.check_json(&["--only", "virtualbox"]);
    let v = row(&r, "virtualbox");
    assert_eq!(v["found"], "7.2.10r174163");
    assert_eq!(v["status"], "ok", "the version is the pin");
    assert_eq!(v["fix"], "manual", "but VMs cannot start");
    assert!(
        v["hint"]
            .as_str()
            .unwrap()
            .contains("sudo /sbin/vboxconfig"),
        "{v:#}"
    );
    assert_eq!(code, Some(1), "never ok when it is not");
}

#[test]
fn virtualbox_missing_is_manual_with_steps_for_this_os() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.path_dir("tools");
    let (code, r) = sb.check_json(&["--only", "virtualbox"]);
    assert_eq!(code, Some(1));
    let v = row(&r, "virtualbox");
    assert_eq!(v["status"], "missing");
    assert_eq!(v["fix"], "manual");
    let hint = v["hint"].as_str().unwrap();
    if cfg!(target_os = "linux") && cfg!(target_arch = "x86_64") {
        assert!(
            hint.contains("VirtualBox-7.2.10-174163-Linux_amd64.run"),
            "{hint}"
        );
        assert!(hint.contains("sudo sh"), "{hint}");
        assert!(hint.contains("minikube stop"), "{hint}");
    }
}

#[test]
fn podman_shim_is_not_docker() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.path_dir("tools");
    fake(&d, &Fake::podman_shim());
    let (code, r) = sb.check_json(&["--only", "docker"]);
    assert_eq!(code, Some(1));
    let row = row(&r, "docker");
    assert_eq!(row["status"], "unknown");
    assert!(
        row["error"].as_str().unwrap().contains("podman 5.1.2"),
        "{row:#}"
    );
}

#[test]
fn shadowed_copy_in_the_bin_dir_is_visible() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let first = sb.path_dir("usr-bin");
    fake(&first, &Fake::kubectl("1.32.4-dispatcher"));
    sb.bin_dir_on_path();
    fake(&sb.bin_dir(), &Fake::kubectl(PIN_KUBECTL));
    let (code, r) = sb.check_json(&["--only", "kubectl"]);
    assert_eq!(code, Some(1));
    let k = row(&r, "kubectl");
    assert_eq!(k["found"], "1.32.4-dispatcher");
    assert_eq!(k["path"], first.join("kubectl").display().to_string());
    assert_eq!(k["status"], "drift");
    // Installing again would change nothing: the fix is a PATH change.
    assert_eq!(k["fix"], "manual");
    let others = k["others"].as_array().unwrap();
    assert_eq!(others.len(), 1);
    assert_eq!(
        others[0]["path"],
        sb.bin_dir().join("kubectl").display().to_string()
    );
    assert_eq!(others[0]["found"], "1.30.6");
    let hint = k["hint"].as_str().unwrap();
    assert!(
        hint.contains("shadowed") && hint.contains("aladdin-doctor env"),
        "{hint}"
    );

    // The text report says the same.
    let out = sb.run(&["--check", "--only", "kubectl"]);
    assert!(out.stdout.contains("also "), "{}", out.stdout);
    assert!(out.stdout.contains("1.30.6 (shadowed by"), "{}", out.stdout);

    // With the bin dir first (what `env` does), it is ok.
    sb.path.rotate_right(1);
    let (code, r) = sb.check_json(&["--only", "kubectl"]);
    assert_eq!(code, Some(0), "{r:#}");
    assert_eq!(
        row(&r, "kubectl")["others"][0]["found"],
        "1.32.4-dispatcher"
    );
}

#[test]
fn pinned_copy_only_in_a_bin_dir_off_path_is_a_path_problem() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.path_dir("tools");
    fs::create_dir_all(sb.bin_dir()).unwrap();
    fake(&sb.bin_dir(), &Fake::helm(PIN_HELM));
    let (code, r) = sb.check_json(&["--only", "helm"]);
    assert_eq!(code, Some(1));
    let h = row(&r, "helm");
    assert_eq!(h["status"], "missing");
    assert_eq!(h["fix"], "manual");
    assert_eq!(h["others"][0]["found"], "3.17.0+g301108e");
    assert!(h["hint"].as_str().unwrap().contains("not on PATH"));
}

#[test]
fn hanging_tool_is_bounded_and_the_others_still_report() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.all_pinned();
    fake(&d, &Fake::hanging("kubectl"));
    let t = Instant::now();
    let (code, r) = sb.check_json(&["--probe-timeout", "0.5"]);
    let took = t.elapsed();
    assert_eq!(code, Some(1));
    let k = row(&r, "kubectl");
    assert_eq!(k["status"], "unknown");
    assert_eq!(k["path"], d.join("kubectl").display().to_string());
    assert!(
        k["error"]
            .as_str()
            .unwrap()
            .contains("did not answer within 500 ms"),
        "{k:#}"
    );
    for t in ["docker", "virtualbox", "minikube", "helm"] {
        assert_eq!(row(&r, t)["status"], "ok", "{t}");
    }
    assert!(took < Duration::from_secs(10), "{took:?}");
    // Nothing left running: the hung script's `sleep` was killed with its process group.
    std::thread::sleep(Duration::from_millis(200));
    let ps = std::process::Command::new("ps")
        .args(["-eo", "args"])
        .output();
    if let Ok(ps) = ps {
        let ps = String::from_utf8_lossy(&ps.stdout);
        assert!(!ps.lines().any(|l| l.trim() == "sleep 121.7"), "{ps}");
    }
}

#[test]
fn non_executable_file_is_skipped_like_a_shell_does() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let first = sb.path_dir("first");
    let second = sb.path_dir("second");
    let p = fake(&first, &Fake::kubectl(PIN_KUBECTL));
    fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
    let (code, r) = sb.check_json(&["--only", "kubectl"]);
    assert_eq!(code, Some(1));
    let k = row(&r, "kubectl");
    assert_eq!(k["status"], "missing");
    assert_eq!(k["others"][0]["path"], p.display().to_string());
    assert!(
        k["others"][0]["error"]
            .as_str()
            .unwrap()
            .contains("not executable")
    );

    // An executable copy later on PATH is the one that runs.
    fake(&second, &Fake::kubectl("1.30.9"));
    let (code, r) = sb.check_json(&["--only", "kubectl"]);
    let k = row(&r, "kubectl");
    assert_eq!(k["found"], "1.30.9");
    assert_eq!(k["status"], "ok", "accepted by >=1.30.6, <1.31");
    assert_eq!(code, Some(0));
}

#[test]
fn missing_tool_and_empty_path() {
    let sb = Sandbox::new();
    let (code, r) = sb.check_json(&[]);
    assert_eq!(code, Some(1));
    for t in r["tools"].as_array().unwrap() {
        assert_eq!(t["status"], "missing", "{t:#}");
    }
    assert_eq!(row(&r, "kubectl")["fix"], "install");
    assert_eq!(row(&r, "virtualbox")["fix"], "manual");
}

#[test]
fn bad_manifest_exits_2_naming_line_and_key() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.all_pinned();
    let m = sb.write(
        "pins/versions.toml",
        "schema = 1\n\n[tools.kubectl]\nversion = \"1.30.6\"\nurl = \"https://dl.k8s.io/v{version}/{os}/{arch}/kubectl\"\nchecksum = \"abc\"\n",
    );
    let out = sb.run(&["--check", "--manifest", m.to_str().unwrap()]);
    assert_eq!(out.code, Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains(&format!("{}:6:1: tools.kubectl.checksum", m.display())),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("unknown key `checksum`"),
        "{}",
        out.stderr
    );

    // Through the environment too; a flag beats it.
    let mut sb2 = Sandbox::new();
    sb2.with_dirs();
    sb2.env
        .insert("ALADDIN_DOCTOR_MANIFEST".into(), m.display().to_string());
    assert_eq!(sb2.run(&["--check"]).code, Some(2));
    let good = sb2.write(
        "good.toml",
        "schema = 1\n[tools.kubectl]\nversion = \"1.30.6\"\nurl = \"https://dl.k8s.io/kubectl\"\n",
    );
    let (code, r) = sb2.check_json(&["--manifest", good.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert_eq!(r["tools"].as_array().unwrap().len(), 1, "only listed tools");

    // A missing file.
    let out = sb.run(&["--check", "--manifest", "/nonexistent/versions.toml"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("/nonexistent/versions.toml"),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_flags_exit_2() {
    let sb = Sandbox::new();
    assert_eq!(sb.run(&["--frobnicate"]).code, Some(2));
    assert_eq!(sb.run(&["--check", "--fix"]).code, Some(2));
    let out = sb.run(&["--check", "--only", "kubeclt"]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("kubeclt"), "{}", out.stderr);
    assert_eq!(sb.run(&["--version"]).code, Some(0));
    assert_eq!(sb.run(&["--help"]).code, Some(0));
}

#[test]
fn override_applies_then_a_new_pin_invalidates_it() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.all_pinned();
    fake(&d, &Fake::kubectl("1.32.4-dispatcher"));

    let out = sb.run(&["override", "kubectl", "--reason", "gcloud manages it"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stdout.contains("kept instead of 1.30.6"),
        "{}",
        out.stdout
    );
    let text = fs::read_to_string(sb.overrides_file()).unwrap();
    assert!(text.contains("version = \"1.32.4-dispatcher\""), "{text}");
    assert!(text.contains("reason = \"gcloud manages it\""), "{text}");

    let (code, r) = sb.check_json(&[]);
    assert_eq!(code, Some(0), "an override counts as satisfied: {r:#}");
    let k = row(&r, "kubectl");
    assert_eq!(k["status"], "overridden");
    assert!(k["fix"].is_null());
    assert_eq!(k["override"]["reason"], "gcloud manages it");

    // A new pin: the override no longer applies.
    let m = sb.write(
        "pins/versions.toml",
        &std::str::from_utf8(include_bytes!("../versions.toml"))
            .unwrap()
            .replace("version = \"1.30.6\"", "version = \"1.30.7\"")
            .replace(">=1.30.6", ">=1.30.7"),
    );
    let (code, r) = sb.check_json(&["--manifest", m.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    let k = row(&r, "kubectl");
    assert_eq!(k["status"], "drift");
    assert!(
        k["notes"][0]
            .as_str()
            .unwrap()
            .contains("no longer applies because the pin changed"),
        "{k:#}"
    );

    // A new binary version also invalidates it.
    fake(&d, &Fake::kubectl("1.32.5"));
    let (code, r) = sb.check_json(&[]);
    assert_eq!(code, Some(1));
    assert_eq!(row(&r, "kubectl")["status"], "drift");

    // --clear forgets it; clearing twice is harmless.
    assert_eq!(sb.run(&["override", "kubectl", "--clear"]).code, Some(0));
    assert!(
        !fs::read_to_string(sb.overrides_file())
            .unwrap()
            .contains("[kubectl]")
    );
    let out = sb.run(&["override", "kubectl", "--clear"]);
    assert_eq!(out.code, Some(0));
    assert!(out.stdout.contains("no override"), "{}", out.stdout);
}

#[test]
fn override_refuses_what_it_cannot_keep() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.all_pinned();
    fs::remove_file(d.join("helm")).unwrap();
    let out = sb.run(&["override", "helm"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("helm is not installed"),
        "{}",
        out.stderr
    );
    let out = sb.run(&["override", "docker"]);
    assert_eq!(out.code, Some(0));
    assert!(out.stdout.contains("already satisfies"), "{}", out.stdout);
    assert!(!sb.overrides_file().exists(), "nothing written");
}

#[test]
fn corrupt_overrides_file_is_a_clear_error_and_left_alone() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.all_pinned();
    fake(&d, &Fake::kubectl("1.29.0"));
    let broken = "[kubectl]\nversion = \"1.29.0\"\npath = /usr/bin/kubectl\n";
    fs::create_dir_all(sb.config_dir()).unwrap();
    fs::write(sb.overrides_file(), broken).unwrap();
    for args in [
        vec!["--check"],
        vec!["override", "kubectl"],
        vec!["override", "kubectl", "--clear"],
    ] {
        let out = sb.run(&args);
        assert_eq!(out.code, Some(2), "{args:?}");
        assert!(
            out.stderr
                .contains(&format!("{}:3:", sb.overrides_file().display())),
            "{args:?}: {}",
            out.stderr
        );
        assert!(!out.stderr.contains("panicked"));
        assert_eq!(fs::read_to_string(sb.overrides_file()).unwrap(), broken);
    }
}

#[test]
fn check_is_read_only_and_offline() {
    let mut sb = Sandbox::new();
    // Default dirs (no ALADDIN_DOCTOR_* variables): they would be created under HOME.
    let d = sb.all_pinned();
    fake(&d, &Fake::kubectl("1.29.0"));
    fs::remove_file(d.join("helm")).unwrap();
    // Any connection attempt would reach this server: as a mirror and as every proxy.
    let server = Server::start();
    sb.env.insert("ALADDIN_DOCTOR_MIRROR".into(), server.base());
    for p in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
    ] {
        sb.env.insert(p.into(), server.base());
    }
    let before = tree(sb.root());
    for args in [vec!["--check"], vec!["--check", "--format", "json"], vec![]] {
        let out = sb.run(&args);
        assert_eq!(out.code, Some(1), "{args:?} {}", out.stderr);
    }
    let after = tree(sb.root());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    assert_eq!(before, after, "no file created, changed or touched");
    assert!(!sb.home().join(".aladdin").exists());
    assert!(!sb.home().join(".cache").exists());
    assert!(!sb.home().join(".config").exists());
    assert_eq!(server.connections(), 0, "no network connection");
}

#[test]
fn env_line_puts_bin_dir_first_once() {
    let mut sb = Sandbox::new();
    sb.path_dir("tools");
    sb.bin_dir_on_path();
    let out = sb.run(&["env", "--shell", "bash"]);
    assert_eq!(out.code, Some(0));
    assert!(out.stdout.starts_with("export PATH="), "{}", out.stdout);
    // Evaluate it twice in a real POSIX shell.
    let bin = sb.bin_dir().display().to_string();
    let script = format!(
        "eval \"$('{b}' env)\"; eval \"$('{b}' env)\"; printf '%s' \"$PATH\"",
        b = BIN
    );
    let o = std::process::Command::new("/bin/sh")
        .args(["-c", &script])
        .env_clear()
        .env("HOME", sb.home())
        .env("SHELL", "/bin/sh")
        .env("PATH", std::env::join_paths(&sb.path).unwrap())
        .output()
        .unwrap();
    let path = String::from_utf8(o.stdout).unwrap();
    let entries: Vec<&str> = path.split(':').collect();
    assert_eq!(entries[0], bin, "{path}");
    assert_eq!(entries.iter().filter(|e| **e == bin).count(), 1, "{path}");
    assert_eq!(entries.len(), 2, "{path}");

    let fish = sb.run(&["env", "--shell", "fish"]);
    assert!(fish.stdout.starts_with("set -gx PATH '"), "{}", fish.stdout);
}

#[test]
fn broken_pipe_is_not_an_error() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.all_pinned();
    let mut child = sb
        .cmd()
        .arg("--check")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// This machine's real clients, where present (google-cloud-cli kubectl 1.27 … 1.33, the
/// gcloud dispatcher, docker 28.2.2).
#[test]
fn real_kubectl_and_docker_where_present() {
    let sdk = std::path::Path::new("/usr/lib/google-cloud-sdk/bin");
    let mut checked = 0;
    for minor in 27..=33 {
        let real = sdk.join(format!("kubectl.1.{minor}"));
        if !real.exists() {
            continue;
        }
        let mut sb = Sandbox::new();
        sb.with_dirs();
        let d = sb.path_dir("real");
        std::os::unix::fs::symlink(&real, d.join("kubectl")).unwrap();
        let (_, r) = sb.check_json(&["--only", "kubectl"]);
        let found = row(&r, "kubectl")["found"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            found.starts_with(&format!("1.{minor}.")),
            "kubectl.1.{minor}: {r:#}"
        );
        checked += 1;
    }
    for (tool, real) in [
        ("kubectl", "/usr/bin/kubectl"),
        ("docker", "/usr/local/bin/docker"),
    ] {
        let real = std::path::Path::new(real);
        if !real.exists() {
            continue;
        }
        // What the tool itself says, read independently of our parser.
        let args: &[&str] = if tool == "docker" {
            &["--version"]
        } else {
            &["version", "--client"]
        };
        let said = std::process::Command::new(real)
            .args(args)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&said.stdout);
        let mut sb = Sandbox::new();
        sb.with_dirs();
        let d = sb.path_dir("real");
        std::os::unix::fs::symlink(real, d.join(tool)).unwrap();
        let (_, r) = sb.check_json(&["--only", tool]);
        let found = row(&r, tool)["found"].as_str().unwrap().to_string();
        assert!(
            said.contains(&found),
            "{tool}: we read {found}, it said {said}"
        );
        checked += 1;
    }
    eprintln!("checked {checked} real binaries");
}

#[test]
fn a_tool_that_floods_its_output_is_drained_and_bounded() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.path_dir("tools");
    fake(
        &d,
        &Fake {
            file: "minikube",
            delay: None,
            body: "head -c 2000000 /dev/zero | tr '\\0' 'x' >&2\necho 'minikube version: v1.35.0'\nhead -c 2000000 /dev/zero | tr '\\0' 'y'".into(),
        },
    );
    let (code, r) = sb.check_json(&["--only", "minikube", "--probe-timeout", "20"]);
    assert_eq!(row(&r, "minikube")["found"], "1.35.0", "{r:#}");
    assert_eq!(code, Some(0));
}

#[test]
fn probes_get_closed_stdin_lc_all_c_and_no_shell() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.env.insert("LC_ALL".into(), "de_DE.UTF-8".into());
    let d = sb.path_dir("tools");
    // Answers only under LC_ALL=C, and only after stdin says EOF; an argument with a shell
    // metacharacter would show up verbatim if a shell were involved.
    fake(
        &d,
        &Fake {
            file: "kubectl",
            delay: None,
            body: r#"[ "$LC_ALL" = C ] || { echo "LC_ALL=$LC_ALL" >&2; exit 3; }
if read -r line; then echo "stdin was open: $line" >&2; exit 4; fi
case "$*" in "version --client"|"version --client -o json") ;; *) exit 5 ;; esac
[ "$1" = version ] && [ "$2" = --client ] || exit 6
echo 'Client Version: v1.30.6'"#
                .into(),
        },
    );
    // The doctor's own stdin is a pipe that stays open: an inherited stdin would block `read`.
    let mut child = sb
        .cmd()
        .args([
            "--check",
            "--format",
            "json",
            "--only",
            "kubectl",
            "--probe-timeout",
            "5",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _keep_open = child.stdin.take();
    let t = Instant::now();
    let out = child.wait_with_output().unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(row(&r, "kubectl")["found"], "1.30.6", "{r:#}");
    assert!(t.elapsed() < Duration::from_secs(4));
}
