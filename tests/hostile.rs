//! The doctor against an attacker, a hostile network and bad luck: interrupts mid-install, tools
//! that leave daemons behind, concurrent edits, escape sequences from tools and servers, plain-http
//! mirrors, downgrading redirects, endless or crawling downloads, odd bin dirs.
#![cfg(unix)]

mod support;

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::artifacts::*;
use support::http::Route;
use support::tls::{Cert, TlsFront, ca_file};
use support::world::*;
use support::*;

/// A release whose binary answers with another version than the pin: its re-probe fails and
/// it must be rolled back.
fn wrong_kubectl() -> (Release, Vec<u8>) {
    let bytes = script(&Fake::kubectl("1.31.0"));
    let r = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&bytes);
    (r, bytes)
}

fn no_raw_control_bytes(what: &str, s: &str) {
    let bad: Vec<char> = s
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\t'))
        .collect();
    assert!(bad.is_empty(), "{what} has raw {bad:?}:\n{s}");
}

// ----- data loss ------------------------------------------------------------------------------

#[test]
fn an_interrupt_while_a_large_archive_is_extracted_leaves_the_old_binary() {
    // The member reports the wrong version (so it would be rolled back), padded to 256 MiB of
    // zeros after `exit` so that extracting it takes a while.
    let mut member = script(&Fake::helm("3.16.0"));
    member.resize(256 << 20, 0);
    let tgz = {
        let mut raw = Vec::new();
        {
            let gz = flate2::write::GzEncoder::new(&mut raw, flate2::Compression::fast());
            let mut t = tar::Builder::new(gz);
            let mut h = tar::Header::new_gnu();
            h.set_size(member.len() as u64);
            h.set_mode(0o755);
            h.set_cksum();
            t.append_data(&mut h, "linux-amd64/helm", &member[..])
                .unwrap();
            t.into_inner().unwrap().finish().unwrap();
        }
        raw
    };
    drop(member);
    let h = Release::new("helm", PIN_HELM, "helm.tar.gz", "tar.gz")
        .member("linux-amd64/helm")
        .pinned(&tgz);
    let w = World::new(&[&h]);
    w.serve(&h, file(tgz));
    fake(&w.sb.bin_dir(), &Fake::helm("3.12.0"));
    let before = snapshot(&w.sb.bin_dir());

    for signal in [libc::SIGTERM, libc::SIGINT] {
        let mut child =
            w.sb.cmd()
                .args(w.args("--fix", &[]))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        while !line.starts_with("helm: install") {
            line.clear();
            assert!(err.read_line(&mut line).unwrap() > 0, "never installed");
        }
        std::thread::sleep(Duration::from_millis(30));
        // SAFETY: kill(2) on a child we spawned and have not waited for.
        unsafe { libc::kill(child.id() as i32, signal) };
        let out = child.wait_with_output().unwrap();
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut rest);
        assert_eq!(out.status.code(), Some(1), "{rest}");
        assert!(rest.contains("interrupted"), "{rest}");
        assert_eq!(
            snapshot(&w.sb.bin_dir()),
            before,
            "the bin dir is as it was (no new binary, no temp file)"
        );
    }
}

#[test]
fn a_binary_left_unverified_by_a_killed_run_is_never_kept_as_the_previous_one() {
    let (k, bytes) = wrong_kubectl();
    let w = World::new(&[&k]);
    w.serve(&k, file(bytes));
    // What a SIGKILL between the rename and the re-probe leaves: the user's kubectl kept, ours
    // in its place, marked as not yet verified.
    let mine = script(&Fake::kubectl("1.29.0"));
    fs::create_dir_all(w.bin(".previous")).unwrap();
    fs::write(w.bin(".previous/kubectl"), &mine).unwrap();
    fs::write(w.bin(".previous/.pending-kubectl"), "").unwrap();
    fake(&w.sb.bin_dir(), &Fake::kubectl("1.28.0"));

    let out = w.fix(&[]);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    assert!(
        out.stdout.contains("the previous binary was put back"),
        "{}",
        out.stdout
    );
    assert_eq!(
        fs::read(w.bin("kubectl")).unwrap(),
        mine,
        "the user's own kubectl is back, not the unverified one"
    );
}

#[test]
fn a_tool_that_leaves_a_daemon_holding_its_output_is_read_not_timed_out() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.path_dir("tools");
    let pidfile = sb.root().join("daemon.pid");
    fs::write(
        d.join("kubectl"),
        format!(
            "#!/bin/sh\nPATH=/usr/bin:/bin\nsetsid sh -c 'echo $$ > {p}.tmp; mv {p}.tmp {p}; exec sleep 60' &\nwhile [ ! -s {p} ]; do sleep 0.01; done\necho 'Client Version: v1.30.6'\nexit 0\n",
            p = pidfile.display()
        ),
    )
    .unwrap();
    fs::set_permissions(d.join("kubectl"), fs::Permissions::from_mode(0o755)).unwrap();
    let t = Instant::now();
    let (code, r) = sb.check_json(&["--only", "kubectl", "--probe-timeout", "30"]);
    let took = t.elapsed();
    let daemon = fs::read_to_string(&pidfile).expect("the daemon started");
    let pid: i32 = daemon.trim().parse().unwrap();
    // SAFETY: kill(2) on the test's own daemon, by pid. It was alive until now: it escaped the
    // probe's process group, as the README says such a daemon can.
    assert_eq!(
        unsafe { libc::kill(pid, libc::SIGKILL) },
        0,
        "daemon {pid} was gone"
    );
    assert_eq!(row(&r, "kubectl")["status"], "ok", "{r:#}");
    assert_eq!(code, Some(0));
    assert!(
        took < Duration::from_secs(15),
        "waited for the daemon: {took:?}"
    );
}

#[test]
fn two_overrides_at_once_both_land() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.path_dir("tools");
    fake(&d, &Fake::kubectl("1.29.0"));
    fake(&d, &Fake::helm("3.12.0"));
    for round in 0..15 {
        let _ = fs::remove_file(sb.overrides_file());
        let spawn = |tool: &str| {
            sb.cmd()
                .args(["override", tool, "--reason", &format!("round {round}")])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn("kubectl"), spawn("helm"));
        for c in [a, b] {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let text = fs::read_to_string(sb.overrides_file()).unwrap();
        assert!(
            text.contains("[kubectl]") && text.contains("[helm]"),
            "round {round}: one was lost:\n{text}"
        );
    }
}

#[test]
fn an_overrides_file_kept_as_a_symlink_stays_one_with_its_mode() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.path_dir("tools");
    fake(&d, &Fake::kubectl("1.29.0"));
    let real = sb.write("dotfiles/aladdin-overrides.toml", "# mine\n");
    fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
    fs::create_dir_all(sb.config_dir()).unwrap();
    std::os::unix::fs::symlink(&real, sb.overrides_file()).unwrap();

    let out = sb.run(&["override", "kubectl"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let link = fs::symlink_metadata(sb.overrides_file()).unwrap();
    assert!(link.file_type().is_symlink(), "still a symlink");
    let text = fs::read_to_string(&real).unwrap();
    assert!(
        text.contains("# mine\n") && text.contains("[kubectl]"),
        "{text}"
    );
    assert_eq!(
        fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn durations_out_of_range_are_clear_errors_not_panics() {
    let sb = Sandbox::new();
    let cases: [&[&str]; 4] = [
        &["--check", "--timeout", "9223372036854775807"],
        &["--check", "--timeout", "0"],
        &["--check", "--lock-timeout", "1e300"],
        &["--check", "--probe-timeout=-5"],
    ];
    for args in cases {
        let out = sb.run(args);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("seconds from"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
}

// ----- attacks through the doctor -------------------------------------------------------------

#[test]
fn escape_sequences_from_a_tool_never_reach_the_terminal() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    let d = sb.path_dir("tools");
    // A title, a screen clear, a fake ✓ line and an OSC 8 link, on stdout and stderr.
    let evil = r"printf 'Client Version: v1.30.6\033]0;pwned\007\033[2J\n[\342\234\223] helm ok\n\033]8;;http://evil\033\\\\link\033]8;;\033\\\\\n'";
    fs::write(
        d.join("kubectl"),
        format!("#!/bin/sh\n{evil}\n{evil} >&2\nexit 3\n"),
    )
    .unwrap();
    fs::set_permissions(d.join("kubectl"), fs::Permissions::from_mode(0o755)).unwrap();
    // And a directory whose name holds an escape.
    let odd = sb.path_dir("bin\x1b[31mred");
    fake(&odd, &Fake::helm("3.12.0"));

    let out = sb.run(&["--check"]);
    no_raw_control_bytes("--check stdout", &out.stdout);
    no_raw_control_bytes("--check stderr", &out.stderr);
    assert!(out.stdout.contains("\\x1b]0;pwned\\x07"), "{}", out.stdout);
    assert!(out.stdout.contains("bin\\x1b[31mred"), "{}", out.stdout);
    // The JSON keeps the exact text (escaped the JSON way).
    let (_, r) = sb.check_json(&[]);
    assert!(
        row(&r, "kubectl")["error"]
            .as_str()
            .unwrap()
            .contains("\u{1b}]0;pwned\u{7}")
    );
}

#[test]
fn escape_sequences_from_a_mirror_never_reach_the_terminal() {
    let (mut k, bytes) = kubectl_release();
    k.sha256 = None;
    k.checksum_url = Some("https://dl.example.com/kubectl/1.30.6/kubectl.sha256".into());
    let w = World::new(&[&k]);
    w.serve(&k, file(bytes));
    w.server.route(
        "/dl.example.com/kubectl/1.30.6/kubectl.sha256",
        file(b"\x1b]0;pwned\x07\x1b[2J\n".to_vec()),
    );
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(1));
    no_raw_control_bytes("--fix stdout", &out.stdout);
    no_raw_control_bytes("--fix stderr", &out.stderr);
    assert!(
        out.stdout.contains("unusable checksum file"),
        "{}",
        out.stdout
    );
}

#[test]
fn over_a_plain_http_mirror_only_pinned_hashes_count() {
    let (mut k, bytes) = kubectl_release();
    k.sha256 = None;
    k.checksum_url = Some("https://dl.example.com/kubectl/1.30.6/kubectl.sha256".into());
    let w = World::new(&[&k]);
    w.serve(&k, file(bytes.clone()));
    // Whoever is on the path serves a binary and a checksum that matches it.
    w.server.route(
        "/dl.example.com/kubectl/1.30.6/kubectl.sha256",
        file(format!("{}\n", sha256(&bytes)).into_bytes()),
    );
    let plain = w.server.base();
    let args = doctor_args(&["--fix"], &w.manifest, &plain, &[]);
    let out =
        w.sb.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    assert!(
        out.stdout.contains("over plain http") && out.stdout.contains("[tools.kubectl.sha256]"),
        "{}",
        out.stdout
    );
    assert!(!w.bin("kubectl").exists());
    assert!(w.server.requests().is_empty(), "nothing was fetched");
    // Over https (the same server behind TLS) the published checksum is fine.
    assert_eq!(w.fix(&[]).code, Some(0));
}

#[test]
fn a_redirect_from_https_to_http_is_refused() {
    let (k, bytes) = kubectl_release();
    let w = World::new(&[&k]);
    let plain = format!("{}{}", w.server.base(), k.served_at());
    w.server.route(
        &k.served_at(),
        Route::Sequence(vec![Route::Redirect(plain), file(bytes)]),
    );
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("refused a redirect from https to plain http"),
        "{}",
        out.stdout
    );
    assert_eq!(w.server.requests().len(), 1, "the http URL was never asked");
    assert!(!w.bin("kubectl").exists());
}

#[test]
fn downloads_are_bounded_in_size_and_speed() {
    let (k, _) = kubectl_release();
    let w = World::new(&[&k]);
    let cases: Vec<(Route, &[&str], &str)> = vec![
        // A 10 TB Content-Length: refused before a byte is written.
        (
            Route::Claim(10 << 40),
            &["--max-download", "1"],
            "announces 10485760 MiB, more than the 1 MiB limit",
        ),
        // No Content-Length and no end: stopped at the limit.
        (
            Route::Endless,
            &["--max-download", "1"],
            "went past the 1 MiB limit",
        ),
        // One byte every 200 ms: too slow for the window.
        (
            Route::Drip(Arc::new(vec![b'x'; 1000]), 1, 200),
            &["--min-speed", "100", "--min-speed-time", "2"],
            "too slow",
        ),
    ];
    for (route, extra, expect) in cases {
        w.serve(&k, route);
        let t = Instant::now();
        let out = w.fix(extra);
        assert_eq!(out.code, Some(1), "{expect}: {}", out.stdout);
        assert!(out.stdout.contains(expect), "{expect}:\n{}", out.stdout);
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "{expect}: {:?}",
            t.elapsed()
        );
        assert!(!w.bin("kubectl").exists());
        let partial = w.sb.cache_dir().join("partial");
        let kept: u64 = fs::read_dir(&partial)
            .map(|rd| rd.flatten().map(|e| e.metadata().unwrap().len()).sum())
            .unwrap_or(0);
        assert!(
            kept <= (1 << 20) + (64 << 10),
            "{expect}: {kept} bytes kept"
        );
        let _ = fs::remove_dir_all(&partial);
    }
}

#[test]
fn an_http_error_leaves_no_empty_partial_file() {
    let (k, _) = kubectl_release();
    let w = World::new(&[&k]);
    w.serve(&k, Route::Status(404));
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(1));
    let partial = w.sb.cache_dir().join("partial");
    let left: Vec<_> = fs::read_dir(&partial)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    // The URL is named once in the message.
    let url = format!("{}{}", w.base(), k.served_at());
    assert_eq!(out.stdout.matches(&url).count(), 1, "{}", out.stdout);
}

#[test]
fn the_corporate_ca_hint_is_for_an_unknown_issuer_only() {
    let (k, bytes) = kubectl_release();
    let w = World::new(&[&k]);
    w.serve(&k, file(bytes));
    // Trusting another CA: the issuer is unknown, as behind a TLS-intercepting proxy.
    let mut sb_env = w.sb.env.clone();
    let other = ca_file(w.sb.root(), true);
    sb_env.insert("SSL_CERT_FILE".into(), other.display().to_string());
    let run = |env: &std::collections::BTreeMap<String, String>, base: &str| {
        let args = doctor_args(&["--fix"], &w.manifest, base, &[]);
        let mut c = w.sb.cmd();
        c.envs(env).args(&args);
        let out = c.output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let unknown = run(&sb_env, &w.base());
    assert!(unknown.contains("corporate proxy"), "{unknown}");
    // The right CA but a certificate for another name: no corporate-CA hint.
    let wrong = TlsFront::start(w.server.port, Cert::WrongName);
    let mismatch = run(&w.sb.env, &wrong.base());
    assert!(mismatch.contains("install failed"), "{mismatch}");
    assert!(!mismatch.contains("corporate proxy"), "{mismatch}");
    // An unreadable SSL_CERT_FILE is reported, not ignored.
    sb_env.insert("SSL_CERT_FILE".into(), "/nonexistent/ca.pem".into());
    let unreadable = run(&sb_env, &w.base());
    assert!(
        unreadable.contains("SSL_CERT_FILE is set to /nonexistent/ca.pem"),
        "{unreadable}"
    );
}

// ----- the bin dir ----------------------------------------------------------------------------

#[test]
fn a_bin_dir_with_the_path_separator_is_refused() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    for args in [vec!["env"], vec!["--check"]] {
        let mut a = args.clone();
        a.extend(["--bin-dir", "/tmp/a:b"]);
        let out = sb.run(&a);
        assert_eq!(out.code, Some(2), "{a:?}");
        assert!(
            out.stderr.contains("contains `:`, the PATH separator"),
            "{}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn an_unusable_bin_dir_is_named_before_anything_is_downloaded() {
    let (k, bytes) = kubectl_release();
    let w = World::new(&[&k]);
    w.serve(&k, file(bytes));
    // The bin dir is a file.
    fs::remove_dir_all(w.sb.bin_dir()).unwrap();
    fs::write(w.sb.bin_dir(), "not a dir").unwrap();
    let out = w.fix(&[]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout.contains("is a file, not a directory"),
        "{}",
        out.stdout
    );
    assert!(w.server.requests().is_empty());
    // The binary's place is taken by a directory.
    fs::remove_file(w.sb.bin_dir()).unwrap();
    fs::create_dir_all(w.bin("kubectl")).unwrap();
    let out = w.fix(&[]);
    assert!(
        out.stdout
            .contains("is a directory where the binary belongs"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("os error"), "{}", out.stdout);
    assert!(w.server.requests().is_empty());
}
