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
