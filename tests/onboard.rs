//! Issue 13, "Onboarding that finishes": what a new hire meets on day one, through the real
//! binary in a sandbox.
#![cfg(unix)]

mod support;

use std::fs;

use support::artifacts::*;
use support::*;

#[test]
fn a_manifest_that_pins_no_tools_is_an_error_naming_the_file() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.all_pinned();
    let m = sb.write("empty/versions.toml", "schema = 1\n");
    let out = sb.run(&["--check", "--manifest", m.to_str().unwrap()]);
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains(&format!("{}:1:1: tools:", m.display())),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("pins no tools"), "{}", out.stderr);
}

#[test]
fn a_broken_overrides_entry_blocks_only_its_own_tool() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.all_pinned();
    fake(&d, &Fake::kubectl("1.29.0"));
    let broken = "# mine\n[helm]\nnot_needed = true\n\n[kubectl]\nversion = \"1.29.0\"\npath = /usr/bin/kubectl\npin = \"1.30.6\"\n";
    fs::create_dir_all(sb.config_dir()).unwrap();
    fs::write(sb.overrides_file(), broken).unwrap();

    // An unrelated tool is checked; the broken entry is named, with its real line.
    let out = sb.run(&["--check", "--only", "docker"]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    let at = format!("{}:7:", sb.overrides_file().display());
    assert!(out.stderr.contains(&at), "{}", out.stderr);
    assert!(out.stderr.contains("warning:"), "{}", out.stderr);
    // The entries around it still count.
    let (code, r) = sb.check_json(&["--only", "helm"]);
    assert_eq!(code, Some(0));
    assert_eq!(row(&r, "helm")["status"], "not_needed");

    // The tool whose entry is broken, and a whole run, cannot go on.
    for args in [vec!["--check", "--only", "kubectl"], vec!["--check"]] {
        let out = sb.run(&args);
        assert_eq!(out.code, Some(2), "{args:?}");
        assert!(
            out.stderr
                .contains(&format!("error: {}", sb.overrides_file().display())),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains(&at), "{}", out.stderr);
    }
    // Nothing rewrites it while it is broken, not even for another tool.
    let out = sb.run(&["override", "virtualbox", "--not-needed"]);
    assert_eq!(out.code, Some(2), "{}", out.stdout);
    assert_eq!(fs::read_to_string(sb.overrides_file()).unwrap(), broken);
}

#[test]
fn a_tool_marked_not_needed_lets_check_pass_until_cleared() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.all_pinned();
    fs::remove_file(d.join("VBoxManage")).unwrap();
    assert_eq!(sb.run(&["--check"]).code, Some(1), "VirtualBox is missing");

    let out = sb.run(&[
        "override",
        "virtualbox",
        "--not-needed",
        "--reason",
        "docker driver",
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stdout.contains("virtualbox is marked not needed"),
        "{}",
        out.stdout
    );
    let text = fs::read_to_string(sb.overrides_file()).unwrap();
    assert!(
        text.contains("[virtualbox]\nnot_needed = true\nreason = \"docker driver\"\nrecorded = \""),
        "{text}"
    );

    let out = sb.run(&["--check"]);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    assert!(
        out.stdout.contains("[✓] virtualbox not needed"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("All 5 tools are satisfied: 4 as pinned, 1 not needed (virtualbox)."),
        "{}",
        out.stdout
    );
    assert_eq!(sb.run(&["status"]).code, Some(0));
    let (_, r) = sb.check_json(&[]);
    assert_eq!(row(&r, "virtualbox")["status"], "not_needed");
    assert_eq!(
        row(&r, "virtualbox")["not_needed"]["reason"],
        "docker driver"
    );
    // --fix has nothing to do for it.
    let out = sb.run(&["--fix", "--dry-run", "--only", "virtualbox"]);
    assert!(out.stdout.contains("Nothing to do"), "{}", out.stdout);

    assert_eq!(sb.run(&["override", "virtualbox", "--clear"]).code, Some(0));
    assert_eq!(sb.run(&["--check"]).code, Some(1));
    assert!(
        sb.run(&["override", "virtualbox", "--clear", "--not-needed"])
            .code
            == Some(2)
    );
}

#[test]
fn an_overridden_tool_is_summarised_as_overridden() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.all_pinned();
    fake(&d, &Fake::kubectl("1.32.4-dispatcher"));
    assert_eq!(sb.run(&["override", "kubectl"]).code, Some(0));
    let out = sb.run(&["--check"]);
    assert_eq!(out.code, Some(0));
    assert!(!out.stdout.contains("as pinned."), "{}", out.stdout);
    assert!(
        out.stdout.contains("1 overridden (kubectl)"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_leading_tilde_in_path_variables_is_home_and_tilde_user_is_refused() {
    let mut sb = Sandbox::new();
    sb.env.insert("ALADDIN_BIN".into(), "~/tools/bin".into());
    sb.env
        .insert("ALADDIN_DOCTOR_CONFIG_DIR".into(), "~/cfg".into());
    let (_, r) = sb.check_json(&["--only", "kubectl"]);
    assert_eq!(
        r["bin_dir"],
        sb.home().join("tools/bin").display().to_string()
    );
    assert_eq!(sb.run(&["override", "helm", "--not-needed"]).code, Some(0));
    assert!(sb.home().join("cfg/overrides.toml").is_file());
    assert!(!sb.root().join("~").exists(), "no directory named ~");

    let out = sb.run(&["--check", "--bin-dir=~/other"]);
    assert!(
        out.stdout
            .contains(&format!("bin dir {}", sb.home().join("other").display())),
        "{}",
        out.stdout
    );
    let out = sb.run(&["--check", "--manifest", "~/versions.toml"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .contains(&sb.home().join("versions.toml").display().to_string()),
        "{}",
        out.stderr
    );

    sb.env.insert("ALADDIN_BIN".into(), "~bob/bin".into());
    let out = sb.run(&["--check"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("ALADDIN_BIN) is `~bob/bin`"),
        "{}",
        out.stderr
    );
}

#[test]
fn colour_follows_the_flag_then_no_color_then_clicolor_force() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.all_pinned();
    let esc = |out: &Output| out.stdout.contains('\x1b');
    assert!(!esc(&sb.run(&["--check"])), "a pipe: none");
    assert!(esc(&sb.run(&["--check", "--color", "always"])));
    sb.env.insert("CLICOLOR_FORCE".into(), "1".into());
    assert!(esc(&sb.run(&["--check"])));
    assert!(!esc(&sb.run(&["--check", "--color=never"])));
    sb.env.insert("NO_COLOR".into(), "1".into());
    assert!(!esc(&sb.run(&["--check"])), "NO_COLOR beats CLICOLOR_FORCE");
    assert!(
        esc(&sb.run(&["--check", "--color", "always"])),
        "the flag beats both"
    );
    assert_eq!(sb.run(&["--check", "--color", "sometimes"]).code, Some(2));
}

#[test]
fn a_fix_that_cannot_reach_the_network_says_so_once_and_not_run_fix() {
    // A mirror on a loopback port nobody listens on: every connection is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (k, _) = support::world::kubectl_release();
    let h = Release::new("helm", PIN_HELM, "helm.tar.gz", "tar.gz")
        .member("linux-amd64/helm")
        .pinned(b"x");
    let m = Release::new("minikube", PIN_MINIKUBE, "minikube", "binary").pinned(b"y");
    let (sb, manifest) = Sandbox::for_releases(&[&k, &h, &m]);
    let args = doctor_args(&["--fix"], &manifest, &base, &[]);
    let out = sb.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("--fix"), "{}", out.stdout);
    assert_eq!(
        out.stdout.matches("no network").count(),
        1,
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("use --mirror URL"), "{}", out.stdout);
    assert!(out.stdout.contains("HTTPS_PROXY"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("• not installed: cannot connect to 127.0.0.1:"),
        "{}",
        out.stdout
    );
    // The progress lines say it in a few words too, not the client's whole error chain.
    assert!(
        out.stderr
            .contains("kubectl: failed: cannot connect to 127.0.0.1:"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("error sending request"),
        "{}",
        out.stderr
    );
}

/// `sh -c SCRIPT` (or another shell) with HOME in the sandbox and PATH as a login would have it.
fn shell(sb: &Sandbox, program: &str, args: &[&str], path: &str) -> (bool, String, String) {
    let o = std::process::Command::new(program)
        .args(args)
        .env_clear()
        .env("HOME", sb.home())
        .env("PATH", path)
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn installed(program: &str) -> Option<String> {
    ["/bin", "/usr/bin", "/usr/local/bin"]
        .iter()
        .map(|d| format!("{d}/{program}"))
        .find(|p| std::path::Path::new(p).is_file())
}

#[test]
fn env_persist_makes_a_new_sh_find_the_pinned_tools_first_and_is_idempotent() {
    let mut sb = Sandbox::new();
    let usr = sb.path_dir("usr-bin");
    fake(&usr, &Fake::kubectl("1.32.4-dispatcher"));
    fs::create_dir_all(sb.bin_dir()).unwrap();
    fake(&sb.bin_dir(), &Fake::kubectl(PIN_KUBECTL));
    sb.env.insert("SHELL".into(), "/bin/sh".into());
    // The user's own ~/.profile, kept through a symlink (a dotfile manager), mode 0600.
    let dotfiles = sb.root().join("dotfiles");
    fs::create_dir_all(&dotfiles).unwrap();
    let mine = "# my profile\nexport EDITOR=vi";
    fs::write(dotfiles.join("profile"), mine).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(dotfiles.join("profile"), fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink(dotfiles.join("profile"), sb.home().join(".profile")).unwrap();

    // --dry-run shows the line and the file and writes nothing.
    let out = sb.run(&["env", "--persist", "--dry-run"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stdout
            .contains(&sb.home().join(".profile").display().to_string()),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("case \"$PATH\" in \"$HOME/.aladdin/bin\""),
        "{}",
        out.stdout
    );
    assert_eq!(fs::read_to_string(dotfiles.join("profile")).unwrap(), mine);

    let out = sb.run(&["env", "--persist"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stdout.contains("Adding to the end of"),
        "{}",
        out.stdout
    );
    let text = fs::read_to_string(dotfiles.join("profile")).unwrap();
    assert!(
        text.starts_with("# my profile\nexport EDITOR=vi\n\n# aladdin-doctor:"),
        "{text}"
    );
    assert!(
        sb.home().join(".profile").is_symlink(),
        "written through the link"
    );
    let mode = fs::metadata(dotfiles.join("profile"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // Once only.
    let again = sb.run(&["env", "--persist"]);
    assert!(again.stdout.contains("already puts"), "{}", again.stdout);
    assert_eq!(fs::read_to_string(dotfiles.join("profile")).unwrap(), text);

    // A new shell, from a login's PATH: the pinned kubectl comes first, and sourcing the
    // file twice (a nested shell) does not grow PATH.
    let login = format!("{}:/usr/bin:/bin", usr.display());
    let (ok, stdout, stderr) = shell(
        &sb,
        "/bin/sh",
        &[
            "-c",
            ". \"$HOME/.profile\"; command -v kubectl; . \"$HOME/.profile\"; printf '%s\\n' \"$PATH\"; kubectl version --client",
        ],
        &login,
    );
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        sb.bin_dir().join("kubectl").display().to_string(),
        "{stdout}"
    );
    assert_eq!(
        lines[1],
        format!("{}:{login}", sb.bin_dir().display()),
        "{stdout}"
    );
    assert!(lines[2].contains(PIN_KUBECTL), "{stdout}");
}

#[test]
fn env_persist_in_bash_zsh_and_fish_where_installed() {
    let shells: [(&str, &[&str], &str); 3] = [
        ("bash", &["--shell", "bash"], ".bashrc"),
        ("zsh", &["--shell", "zsh"], ".zshrc"),
        (
            "fish",
            &["--shell", "fish"],
            ".config/fish/conf.d/aladdin-doctor.fish",
        ),
    ];
    let mut tried = 0;
    for (name, flags, rc) in shells {
        let Some(program) = installed(name) else {
            eprintln!("{name} is not installed here: skipped");
            continue;
        };
        tried += 1;
        let mut sb = Sandbox::new();
        let usr = sb.path_dir("usr-bin");
        fake(&usr, &Fake::helm("3.12.0"));
        fs::create_dir_all(sb.bin_dir()).unwrap();
        fake(&sb.bin_dir(), &Fake::helm(PIN_HELM));
        let mut args = vec!["env", "--persist"];
        args.extend_from_slice(flags);
        let out = sb.run(&args);
        assert_eq!(out.code, Some(0), "{name}: {}", out.stderr);
        assert!(sb.home().join(rc).is_file(), "{name}: {rc}");
        let login = format!("{}:/usr/bin:/bin", usr.display());
        let script = match name {
            // fish reads conf.d by itself; source it once more as a nested shell would.
            "fish" => format!("source ~/{rc}; command -v helm; string join : $PATH"),
            _ => format!(". ~/{rc}; . ~/{rc}; command -v helm; printf '%s\\n' \"$PATH\""),
        };
        let (ok, stdout, stderr) = shell(&sb, &program, &["-c", &script], &login);
        assert!(ok, "{name}: {stderr}");
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(
            lines[0],
            sb.bin_dir().join("helm").display().to_string(),
            "{name}: {stdout}"
        );
        assert_eq!(
            lines[1],
            format!("{}:{login}", sb.bin_dir().display()),
            "{name}: {stdout}"
        );
    }
    eprintln!("{tried} of 3 shells tried");
}

#[test]
fn env_for_an_unknown_shell_is_a_clear_error_not_a_bash_line() {
    let mut sb = Sandbox::new();
    sb.env.insert("SHELL".into(), "/bin/tcsh".into());
    for args in [vec!["env"], vec!["env", "--persist"]] {
        let out = sb.run(&args);
        assert_eq!(out.code, Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "no line at all: {}", out.stdout);
        assert!(
            out.stderr.contains("your shell is tcsh (SHELL=/bin/tcsh)"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("--shell"), "{}", out.stderr);
        assert!(out.stderr.contains("set path = ("), "{}", out.stderr);
    }
    // Naming the syntax still works.
    let out = sb.run(&["env", "--shell", "sh"]);
    assert_eq!(out.code, Some(0));
    assert!(out.stdout.starts_with("export PATH="));
    let out = sb.run(&["env", "--persist", "--shell", "powershell"]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("$PROFILE"), "{}", out.stderr);
}

#[test]
fn version_names_the_commit_and_the_embedded_pins() {
    use sha2::Digest;
    let sb = Sandbox::new();
    for flag in ["--version", "-V"] {
        let out = sb.run(&[flag]);
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        let mut lines = out.stdout.lines();
        let first = lines.next().unwrap();
        assert!(
            first.starts_with(&format!(
                "aladdin-doctor {} (commit ",
                env!("CARGO_PKG_VERSION")
            )),
            "{first}"
        );
        let commit = std::process::Command::new("git")
            .args(["rev-parse", "--short=10", "HEAD"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        match commit {
            Some(c) => assert!(first.ends_with(&format!("(commit {c})")), "{first} vs {c}"),
            None => assert!(first.ends_with("(commit unknown)"), "{first}"),
        }
        let text = fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/versions.toml")).unwrap();
        let hash: String = sha2::Sha256::digest(&text)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let pins = lines.next().unwrap();
        assert!(
            pins.starts_with(&format!("versions.toml sha256 {}: ", &hash[..12])),
            "{pins}"
        );
        for pin in [
            "docker 27.3.1",
            "virtualbox 7.2.10r174163",
            "kubectl 1.30.6",
            "helm 3.17.0",
        ] {
            assert!(pins.contains(pin), "{pins}");
        }
    }
}

#[test]
fn completions_and_the_man_page_come_from_the_command_line_definition() {
    let sb = Sandbox::new();
    let subcommands = [
        "env",
        "status",
        "override",
        "verify",
        "pins",
        "mirror",
        "completions",
        "man",
        "cache",
    ];
    for (shell, check) in [
        ("bash", Some(("bash", "-n"))),
        ("zsh", Some(("zsh", "-n"))),
        ("fish", Some(("fish", "--no-execute"))),
        ("powershell", None),
        ("elvish", None),
    ] {
        let out = sb.run(&["completions", shell]);
        assert_eq!(out.code, Some(0), "{shell}: {}", out.stderr);
        for word in subcommands
            .iter()
            .chain(&["not-needed", "persist", "color"])
        {
            assert!(out.stdout.contains(word), "{shell}: no {word}");
        }
        // The script parses in its shell, where that shell is installed.
        if let Some((name, flag)) = check
            && let Some(program) = installed(name)
        {
            let script = sb.write(&format!("completion.{name}"), &out.stdout);
            let o = std::process::Command::new(program)
                .args([flag, script.to_str().unwrap()])
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
    assert_eq!(sb.run(&["completions", "tcsh"]).code, Some(2));

    let out = sb.run(&["man"]);
    assert_eq!(out.code, Some(0));
    assert!(
        out.stdout.contains(".TH aladdin-doctor 1"),
        "{}",
        &out.stdout[..200]
    );
    assert!(out.stdout.contains(env!("CARGO_PKG_VERSION")));
    for word in subcommands {
        assert!(out.stdout.contains(word), "man: no {word}");
    }
    assert!(out.stdout.contains("\\-\\-not\\-needed") || out.stdout.contains("override"));
    // groff reads it without a warning, where groff is installed.
    if let Some(groff) = installed("groff") {
        let page = sb.write("aladdin-doctor.1", &out.stdout);
        let o = std::process::Command::new(groff)
            .args(["-man", "-Tutf8", "-ww", "-z", page.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            o.status.success() && o.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn cache_shows_sizes_and_clean_keeps_only_what_the_pins_name() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let c = sb.cache_dir();
    // The embedded manifest pins this hash for kubectl on linux-amd64.
    let pinned = "7a3adf80ca74b1b2afdfc7f4570f0005ca03c2812367ffb6ee2f731d66e45e61";
    let old = "0".repeat(64);
    let put = |rel: &str, len: usize| {
        let p = c.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, vec![b'x'; len]).unwrap();
        p
    };
    let keep = put(&format!("sha256/{pinned}/kubectl"), 3000);
    let stale = put(&format!("sha256/{old}/kubectl"), 2048);
    let partial = put("partial/0123.partial", 1024);
    let index = c.join("index/abcd");
    fs::create_dir_all(index.parent().unwrap()).unwrap();
    fs::write(&index, &old).unwrap();

    let out = sb.run(&["cache"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stdout
            .contains(&format!("Download cache {}", c.display())),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("verified artifacts      2     4.9 KiB"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("of which 1 no longer pinned (2.0 KiB)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("partial downloads       1     1.0 KiB"),
        "{}",
        out.stdout
    );
    let out = sb.run(&["cache", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    // The probe cache's path and its tally are two keys, each once (a repeated key loses one).
    assert_eq!(
        out.stdout.matches("\"probe_cache\":").count(),
        1,
        "{}",
        out.stdout
    );
    assert!(v["probe_cache_file"].is_string(), "{}", out.stdout);
    assert!(v["probe_cache"]["bytes"].is_number(), "{}", out.stdout);
    assert_eq!(v["artifacts"]["files"], 2);
    assert_eq!(v["unpinned"]["bytes"], 2048);
    assert_eq!(v["partials"]["files"], 1);

    let out = sb.run(&["cache", "clean", "--dry-run"]);
    assert!(
        out.stdout
            .contains(&format!("would remove {}", stale.display())),
        "{}",
        out.stdout
    );
    assert!(
        stale.exists() && partial.exists(),
        "a dry run removes nothing"
    );

    let out = sb.run(&["cache", "clean"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stdout.contains("Removed 3 files (3.1 KiB)"),
        "{}",
        out.stdout
    );
    assert!(keep.exists(), "the pinned artifact stays");
    assert!(!stale.exists() && !stale.parent().unwrap().exists());
    assert!(!partial.exists() && !index.exists());

    // --all: everything.
    let out = sb.run(&["cache", "clean", "--all", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["removed"].as_array().unwrap().len(), 1, "{v:#}");
    assert!(!keep.exists());
}

#[test]
fn verbose_shows_what_was_run_the_cache_and_the_urls_with_timings() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.env.insert(
        "ALADDIN_DOCTOR_STATE_DIR".into(),
        sb.root().join("state").display().to_string(),
    );
    let d = sb.path_dir("tools");
    let kubectl = fake(&d, &Fake::kubectl(PIN_KUBECTL));
    let quiet = sb.run(&["--check", "--only", "kubectl"]);
    let out = sb.run(&["--check", "-v", "--only", "kubectl"]);
    assert_eq!(out.stdout, quiet.stdout, "the report is the same");
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
    let probe = format!(
        "probe kubectl (hermetic): {} version --client -o json → exit 0 in ",
        kubectl.display()
    );
    assert!(out.stderr.contains(&probe), "{}", out.stderr);
    assert!(
        out.stderr.contains("set KUBECTL_KUBERC=false KUBERC=off"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("located and probed 1 tool (kubectl: 1 copy) in "),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("] the whole run in "), "{}", out.stderr);
    // status keeps answers: the second run says it used them (once the binary is older than
    // the probe cache's 2 s racy-timestamp window).
    std::thread::sleep(std::time::Duration::from_millis(2100));
    sb.run(&["status", "--only", "kubectl"]);
    let out = sb.run(&["status", "-v", "--only", "kubectl"]);
    assert!(
        out.stderr.contains("probe cache hit for kubectl"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("probe kubectl (hermetic)"),
        "{}",
        out.stderr
    );

    // --fix: the URL fetched, then a cache hit.
    let (k, bytes) = support::world::kubectl_release();
    let w = support::world::World::new(&[&k]);
    w.serve(&k, support::world::file(bytes));
    let out = w.fix(&["-v"]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    let get = format!(
        "GET {}/dl.example.com/kubectl/1.30.6/kubectl → HTTP 200 in ",
        w.base()
    );
    assert!(out.stderr.contains(&get), "{}", out.stderr);
    fs::remove_file(w.bin("kubectl")).unwrap();
    let out = w.fix(&["-v"]);
    assert!(
        out.stderr.contains("download cache hit for kubectl: "),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("GET "), "{}", out.stderr);
}

#[test]
fn fix_dry_run_json_is_the_report_with_a_typed_plan_per_tool() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.all_pinned();
    fs::remove_file(d.join("kubectl")).unwrap();
    fs::remove_file(d.join("VBoxManage")).unwrap();
    let before = tree(sb.root());
    let out = sb.run(&["--fix", "--dry-run", "--format", "json"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let r: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(r["dry_run"], true);
    assert_eq!(r["ok"], false);
    let k = &row(&r, "kubectl")["plan"];
    assert_eq!(k["action"], "install", "{k:#}");
    assert_eq!(k["from"], serde_json::Value::Null);
    assert_eq!(k["to"], PIN_KUBECTL);
    assert_eq!(k["archive"], "binary");
    assert_eq!(k["checksum"]["source"], "pinned");
    assert_eq!(k["checksum"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(
        k["dest"],
        sb.bin_dir().join("kubectl").display().to_string()
    );
    assert!(
        k["url"].as_str().unwrap().starts_with("https://dl.k8s.io/"),
        "{k:#}"
    );
    let v = &row(&r, "virtualbox")["plan"];
    assert_eq!(v["action"], "installer", "{v:#}");
    assert_eq!(row(&r, "docker")["plan"]["action"], "none");
    assert!(row(&r, "docker").get("outcome").is_none());
    assert_eq!(tree(sb.root()), before, "a dry run changes nothing");
    // Without --dry-run the JSON has no plan; --check has neither.
    let (_, c) = sb.check_json(&[]);
    assert!(c.get("dry_run").is_none() && row(&c, "kubectl").get("plan").is_none());
}

/// The README's day-one steps say what the binary does: the install command, the persisted
/// line as it is printed, and every subcommand of `--help` in its usage list.
#[test]
fn the_readmes_day_one_steps_match_the_binary() {
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(readme.contains("cargo install --locked --path ."));
    let sb = Sandbox::new();
    let out = sb.run(&["env", "--persist", "--dry-run", "--shell", "bash"]);
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("case "))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(
        readme.contains(line),
        "README's persisted line is not {line}"
    );
    let marker = out
        .stdout
        .lines()
        .find(|l| l.starts_with("# aladdin-doctor:"))
        .unwrap();
    assert!(readme.contains(marker));
    let help = sb.run(&["--help"]).stdout;
    let commands = help
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("Options:")
        .next()
        .unwrap();
    for name in commands
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| *w != "help")
    {
        assert!(
            readme.contains(&format!("aladdin-doctor {name}")),
            "README's usage does not list `{name}`"
        );
    }
}
