//! The real binary in a pseudo-terminal (portable-pty + vt100): fake tools on PATH, a loopback
//! server, keys sent as a user would. Also prints the time to the first frame and the latency
//! from a key press to the next frame (`cargo test --test tui -- --nocapture`).
#![cfg(unix)]

mod support;

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use support::artifacts::*;
use support::http::{Route, Server};
use support::*;

struct Pty {
    parser: Arc<Mutex<vt100::Parser>>,
    /// When the parser last received bytes.
    changed: Arc<Mutex<Instant>>,
    writer: Box<dyn Write + Send>,
    master: Box<dyn portable_pty::MasterPty + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    started: Instant,
}

impl Pty {
    fn spawn(sb: &Sandbox, args: &[&str], cols: u16, rows: u16) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(args);
        cmd.env_clear();
        cmd.env("HOME", sb.home());
        cmd.env("PATH", std::env::join_paths(&sb.path).unwrap());
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C.UTF-8");
        for (k, v) in &sb.env {
            cmd.env(k, v);
        }
        cmd.cwd(sb.root());
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            NonZeroU16::new(rows).unwrap(),
            NonZeroU16::new(cols).unwrap(),
            200,
        )));
        let changed = Arc::new(Mutex::new(started));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let (p, c) = (parser.clone(), changed.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        p.lock().unwrap().process(&buf[..n]);
                        *c.lock().unwrap() = Instant::now();
                    }
                }
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Pty {
            parser,
            changed,
            writer,
            master: pair.master,
            child,
            started,
        }
    }

    fn resize(&self, cols: u16, rows: u16) {
        self.parser.lock().unwrap().set_size(
            NonZeroU16::new(rows).unwrap(),
            NonZeroU16::new(cols).unwrap(),
        );
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until the screen contains `needle`; returns when it first did.
    fn wait_for(&self, needle: &str, within: Duration) -> Instant {
        let t = Instant::now();
        loop {
            if self.screen().contains(needle) {
                return Instant::now();
            }
            assert!(
                t.elapsed() < within,
                "no {needle:?} on screen after {within:?}:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Esc and following keys must not merge into an Alt chord.
        std::thread::sleep(Duration::from_millis(60));
    }

    /// Waits until the terminal is back on the main screen with the cursor shown (the output
    /// after the child's exit may still be in flight).
    fn wait_restored(&self) {
        let t = Instant::now();
        loop {
            {
                let p = self.parser.lock().unwrap();
                if !p.screen().alternate_screen() && !p.screen().hide_cursor() {
                    return;
                }
            }
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "terminal not restored:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn wait_exit(&mut self, within: Duration) -> u32 {
        let t = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.exit_code();
            }
            assert!(t.elapsed() < within, "still running:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Pty {
    /// A failed test must not leave the TUI running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[test]
fn keep_one_install_another_then_the_terminal_is_restored() {
    // kubectl 1.32.4 is the user's own and kept; helm is missing and installed.
    let helm = script(&Fake::helm(PIN_HELM));
    let tgz = tar_gz(&[TarEntry::file("linux-amd64/helm", &helm)]);
    let h = Release::new("helm", PIN_HELM, "helm.tar.gz", "tar.gz")
        .member("linux-amd64/helm")
        .pinned(&tgz);
    let kubectl = script(&Fake::kubectl(PIN_KUBECTL));
    let k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&kubectl);
    let server = Server::start();
    server.route(&h.served_at(), Route::File(Arc::new(tgz)));
    server.route(&k.served_at(), Route::File(Arc::new(kubectl)));

    let (mut sb, m) = Sandbox::for_releases(&[&k, &h]);
    let tools = sb.path_dir("tools");
    fake(&tools, &Fake::kubectl("1.32.4-dispatcher"));
    let base = server.base();
    let mut pty = Pty::spawn(
        &sb,
        &["--manifest", m.to_str().unwrap(), "--mirror", &base],
        100,
        30,
    );

    let first = pty.wait_for("aladdin-doctor", Duration::from_secs(10));
    let first_frame = first.duration_since(pty.started);
    pty.wait_for("2 of 2 tools need attention", Duration::from_secs(10));
    let s = pty.screen();
    assert!(s.contains("1.32.4-dispatcher"), "{s}");
    assert!(s.contains("✗ missing"), "{s}");

    // Key → next frame, measured on moves between the two rows.
    let mut latencies = Vec::new();
    for i in 0..10 {
        let before = pty.screen();
        let sent = Instant::now();
        pty.writer
            .write_all(if i % 2 == 0 { b"j" } else { b"k" })
            .unwrap();
        pty.writer.flush().unwrap();
        loop {
            if pty.screen() != before {
                latencies.push(pty.changed.lock().unwrap().duration_since(sent));
                break;
            }
            assert!(
                sent.elapsed() < Duration::from_secs(5),
                "no redraw after a key"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
        std::thread::sleep(Duration::from_millis(30));
    }
    eprintln!(
        "TUI figures: first frame {:.1} ms after spawn; key → frame median {:.1} ms (max {:.1} ms)",
        first_frame.as_secs_f64() * 1000.0,
        median(latencies.clone()).as_secs_f64() * 1000.0,
        latencies.iter().max().unwrap().as_secs_f64() * 1000.0
    );

    // kubectl is selected (the first open row): keep it, with a reason.
    pty.send("\r");
    pty.wait_for("[k] keep 1.32.4-dispatcher", Duration::from_secs(5));
    pty.send("k");
    pty.wait_for("reason (optional)", Duration::from_secs(5));
    pty.send("gcloud");
    pty.send("\r");
    pty.wait_for("→ keep mine", Duration::from_secs(5));
    // helm is selected next; install is its default. Apply, confirm.
    pty.send("a");
    pty.wait_for("Apply this plan?", Duration::from_secs(5));
    let s = pty.screen();
    assert!(
        s.contains("keep     kubectl    1.32.4-dispatcher (gcloud)"),
        "{s}"
    );
    assert!(s.contains("install  helm       missing → 3.17.0"), "{s}");
    pty.send("y");
    pty.wait_for("Done.", Duration::from_secs(20));
    let s = pty.screen();
    assert!(s.contains("Every tool is satisfied."), "{s}");
    assert!(s.contains("overridden"), "{s}");
    assert!(s.contains("✓ installed 3.17.0"), "{s}");

    pty.send("q");
    let code = pty.wait_exit(Duration::from_secs(10));
    assert_eq!(code, 0);
    // The terminal is restored: main screen, cursor shown, the report left in the scrollback.
    pty.wait_restored();
    // An override is summarised as such, never as "as pinned".
    pty.wait_for(
        "All 2 tools are satisfied: 1 as pinned, 1 overridden (kubectl).",
        Duration::from_secs(5),
    );

    let overrides = std::fs::read_to_string(sb.overrides_file()).unwrap();
    assert!(
        overrides.contains("[kubectl]") && overrides.contains("reason = \"gcloud\""),
        "{overrides}"
    );
    assert!(
        overrides.contains("version = \"1.32.4-dispatcher\""),
        "{overrides}"
    );
    assert_eq!(std::fs::read(sb.bin_dir().join("helm")).unwrap(), helm);
    assert!(
        !sb.bin_dir().join("kubectl").exists(),
        "kept, not installed"
    );
    assert!(server.requests_to(&k.served_at()).is_empty());
}

#[test]
fn quitting_while_a_download_runs_asks_then_cancels_cleanly() {
    let bytes = {
        let mut b = script(&Fake::kubectl(PIN_KUBECTL));
        b.extend(std::iter::repeat_n(b'#', 400_000));
        b
    };
    let k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&bytes);
    let server = Server::start();
    // ~5 s of transfer: still running when we quit.
    server.route(&k.served_at(), Route::Drip(Arc::new(bytes), 4096, 50));
    let (mut sb, m) = Sandbox::for_releases(&[&k]);
    sb.path_dir("tools");
    let base = server.base();
    let mut pty = Pty::spawn(
        &sb,
        &["--manifest", m.to_str().unwrap(), "--mirror", &base],
        80,
        24,
    );
    pty.wait_for("1 of 1 tools need attention", Duration::from_secs(10));
    pty.send("a");
    pty.send("y");
    pty.wait_for("downloading", Duration::from_secs(10));
    pty.send("q");
    pty.wait_for("Quit and cancel it?", Duration::from_secs(5));
    pty.send("n");
    pty.wait_for("downloading", Duration::from_secs(5));
    pty.send("q");
    pty.wait_for("Quit and cancel it?", Duration::from_secs(5));
    pty.send("y");
    let code = pty.wait_exit(Duration::from_secs(10));
    assert_eq!(code, 1, "kubectl is still missing");
    pty.wait_restored();
    // No partial files outside the cache's resumable .partial.
    let names: Vec<String> = std::fs::read_dir(sb.bin_dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.is_empty(), "{names:?}");
    assert_eq!(
        std::fs::read_dir(sb.cache_dir().join("partial"))
            .unwrap()
            .count(),
        1
    );
}

#[test]
fn sigterm_restores_the_terminal() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.all_pinned();
    let mut pty = Pty::spawn(&sb, &[], 80, 24);
    pty.wait_for("Every tool is satisfied.", Duration::from_secs(10));
    assert!(pty.parser.lock().unwrap().screen().alternate_screen());
    let pid = pty.child.process_id().unwrap();
    // SAFETY: kill(2) on our own child.
    unsafe {
        libc::kill(pid as i32, libc::SIGTERM);
    }
    let code = pty.wait_exit(Duration::from_secs(10));
    assert_eq!(code, 0, "every tool was satisfied");
    pty.wait_restored();
}

#[test]
fn a_small_terminal_is_told_plainly_and_resizes_are_followed() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.all_pinned();
    let mut pty = Pty::spawn(&sb, &[], 60, 20);
    pty.wait_for("at least 80×24", Duration::from_secs(10));
    assert!(pty.screen().contains("60×20"), "{}", pty.screen());
    assert!(pty.screen().contains("--check"), "{}", pty.screen());
    pty.resize(100, 30);
    pty.wait_for("Every tool is satisfied.", Duration::from_secs(10));
    assert!(pty.screen().contains(" Tools "));
    pty.resize(79, 30);
    pty.wait_for("79×30", Duration::from_secs(10));
    pty.send("q");
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
}

/// A sandbox with a fake `sudo` (logs, then runs its arguments) and a VirtualBox "installer"
/// that puts a VBoxManage reporting the pin on PATH, served by `server`.
fn virtualbox_world(server: &Server) -> (Sandbox, std::path::PathBuf) {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.bin_dir_on_path();
    let tools = sb.path_dir("tools");
    let log = sb.root().join("sudo.log");
    std::fs::write(
        tools.join("sudo"),
        format!(
            "#!/bin/sh\necho \"sudo $*\" >> '{}'\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\nexport PATH\nexec \"$@\"\n",
            log.display()
        ),
    )
    .unwrap();
    let installer = format!(
        "#!/bin/sh\n[ \"$1\" = install ] || exit 2\nprintf '#!/bin/sh\\necho 7.2.10r174163\\n' > '{t}/VBoxManage'\nchmod +x '{t}/VBoxManage'\necho 'VirtualBox 7.2.10 installed'\n",
        t = tools.display()
    );
    let mut v = Release::new(
        "virtualbox",
        "7.2.10",
        "VirtualBox-7.2.10-174163-Linux_amd64.run",
        "installer",
    )
    .pinned(installer.as_bytes());
    v.extra = "revision = 174163\n".into();
    server.route(
        &v.served_at(),
        Route::File(Arc::new(installer.into_bytes())),
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tools.join("sudo"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let m = sb.write("versions.toml", &manifest(&[&v]));
    (sb, m)
}

#[test]
fn virtualbox_installer_runs_outside_the_tui_after_consent() {
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        return; // the installer commands differ per OS
    }
    let server = Server::start();
    let (sb, m) = virtualbox_world(&server);
    let base = server.base();
    let mut pty = Pty::spawn(
        &sb,
        &["--manifest", m.to_str().unwrap(), "--mirror", &base],
        90,
        28,
    );
    pty.wait_for("1 of 1 tools need attention", Duration::from_secs(10));
    // It needs admin rights: skipped until chosen.
    assert!(pty.screen().contains("→ skip"), "{}", pty.screen());
    pty.send("\r");
    pty.wait_for("[i] install 7.2.10", Duration::from_secs(5));
    pty.send("i");
    pty.send("a");
    pty.wait_for("Apply this plan?", Duration::from_secs(5));
    pty.send("y");
    pty.wait_for(
        "The VirtualBox installer is verified",
        Duration::from_secs(10),
    );
    pty.wait_for("sudo sh", Duration::from_secs(5));
    assert!(
        !sb.root().join("sudo.log").exists(),
        "nothing ran before consent"
    );
    pty.send("y");
    pty.wait_for(
        "Press Enter to return to aladdin-doctor",
        Duration::from_secs(10),
    );
    assert!(
        !pty.parser.lock().unwrap().screen().alternate_screen(),
        "sudo gets the normal screen"
    );
    assert!(
        pty.screen().contains("VirtualBox 7.2.10 installed"),
        "{}",
        pty.screen()
    );
    pty.send("\r");
    pty.wait_for("Every tool is satisfied.", Duration::from_secs(10));
    assert!(
        pty.parser.lock().unwrap().screen().alternate_screen(),
        "back in the TUI"
    );
    pty.send("q");
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
    pty.wait_restored();
    let log = std::fs::read_to_string(sb.root().join("sudo.log")).unwrap();
    assert!(
        log.starts_with("sudo sh ")
            && log.contains("VirtualBox-7.2.10-174163-Linux_amd64.run install"),
        "{log}"
    );
}

#[test]
fn fix_allow_sudo_on_a_terminal_shows_then_runs_each_command() {
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        return;
    }
    let server = Server::start();
    let (sb, m) = virtualbox_world(&server);
    let base = server.base();
    let mut pty = Pty::spawn(
        &sb,
        &[
            "--fix",
            "--allow-sudo",
            "--manifest",
            m.to_str().unwrap(),
            "--mirror",
            &base,
        ],
        100,
        30,
    );
    assert_eq!(
        pty.wait_exit(Duration::from_secs(20)),
        0,
        "{}",
        pty.screen()
    );
    pty.wait_for("The tool is as pinned.", Duration::from_secs(5));
    let s = pty.screen();
    let shown = s.find("running: sudo sh ").expect("the command is shown");
    let ran = s.find("VirtualBox 7.2.10 installed").expect("then it runs");
    assert!(shown < ran, "{s}");
    assert!(
        std::fs::read_to_string(sb.root().join("sudo.log"))
            .unwrap()
            .contains("install")
    );
}

#[test]
fn fix_on_a_terminal_draws_progress_bars() {
    let bytes = {
        let mut b = script(&Fake::kubectl(PIN_KUBECTL));
        b.extend(std::iter::repeat_n(b'#', 300_000));
        b
    };
    let k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&bytes);
    let server = Server::start();
    server.route(&k.served_at(), Route::Drip(Arc::new(bytes), 8192, 20));
    let (sb, m) = Sandbox::for_releases(&[&k]);
    let base = server.base();
    let mut pty = Pty::spawn(
        &sb,
        &[
            "--fix",
            "--manifest",
            m.to_str().unwrap(),
            "--mirror",
            &base,
        ],
        120,
        30,
    );
    // A bar with bytes, rate and ETA while it downloads.
    pty.wait_for("KiB/s eta", Duration::from_secs(10));
    let s = pty.screen();
    assert!(s.contains("kubectl") && s.contains("KiB/"), "{s}");
    assert_eq!(pty.wait_exit(Duration::from_secs(20)), 0);
    pty.wait_for("The tool is as pinned.", Duration::from_secs(5));
}

/// Closing the terminal (the pty master) hangs it up: the TUI must exit, not spin on EOF.
#[test]
fn closing_the_terminal_ends_the_tui() {
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;

    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.all_pinned();
    let (mut master, mut slave) = (0, 0);
    let ws = libc::winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two fds into the provided integers.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &ws,
        )
    };
    assert_eq!(rc, 0);
    // openpty's fds are inherited by default: the child must not hold the master open.
    for fd in [master, slave] {
        // SAFETY: fcntl on fds we own.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    // SAFETY: both fds were just returned by openpty and are owned here.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut cmd = sb.cmd();
    cmd.env("TERM", "xterm-256color")
        .stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave.try_clone().unwrap());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    drop(slave);

    // Read until the first frame is drawn.
    let mut file = std::fs::File::from(master);
    let mut seen = Vec::new();
    let t = Instant::now();
    while !String::from_utf8_lossy(&seen).contains("Tools") {
        assert!(t.elapsed() < Duration::from_secs(10), "no frame");
        let mut pfd = libc::pollfd {
            fd: std::os::fd::AsRawFd::as_raw_fd(&file),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        if unsafe { libc::poll(&mut pfd, 1, 100) } > 0 {
            let mut buf = [0u8; 4096];
            let n = file.read(&mut buf).unwrap_or(0);
            seen.extend_from_slice(&buf[..n]);
        }
    }
    drop(file); // the last master fd: the terminal is gone

    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("the TUI kept running after its terminal closed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    use std::os::unix::process::ExitStatusExt;
    eprintln!(
        "exited {:?} (signal {:?}) {:?} after the hang-up",
        status.code(),
        status.signal(),
        t.elapsed()
    );
    assert_eq!(status.signal(), None, "a clean exit, not an abort");
}

#[test]
fn check_on_a_terminal_uses_colour_unless_no_color() {
    for no_color in [false, true] {
        let mut sb = Sandbox::new();
        sb.with_dirs();
        sb.all_pinned();
        if no_color {
            sb.env.insert("NO_COLOR".into(), "1".into());
        }
        let mut pty = Pty::spawn(&sb, &["--check"], 100, 30);
        assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
        pty.wait_for("All 5 tools are as pinned.", Duration::from_secs(5));
        let p = pty.parser.lock().unwrap();
        let s = p.screen();
        let row = s
            .rows(0, 100)
            .position(|l| l.starts_with("[✓] docker"))
            .expect("docker row") as u16;
        let mark = s.cell(row, 1).unwrap();
        assert_eq!(mark.contents(), "✓");
        let coloured = mark.fgcolor() != vt100::Color::Default;
        assert_eq!(coloured, !no_color, "NO_COLOR={no_color}");
    }
}

#[test]
fn ctrl_c_leaves_cleanly() {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.all_pinned();
    let mut pty = Pty::spawn(&sb, &[], 80, 24);
    pty.wait_for("Every tool is satisfied.", Duration::from_secs(10));
    pty.send("\x03");
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
    pty.wait_restored();
}

/// The TUI keeps its word: a skip stays skipped after the apply, a stalled download says so and
/// which attempt it is on, a failure is named in the status line and told in full in the details,
/// and the report left in the scrollback has it.
#[test]
fn skips_stay_stalls_show_and_failures_are_told_in_full() {
    let kubectl = script(&Fake::kubectl(PIN_KUBECTL));
    let k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&kubectl);
    let helm = script(&Fake::helm(PIN_HELM));
    let h = Release::new("helm", PIN_HELM, "helm", "binary").pinned(&helm);
    let minikube = script(&Fake::minikube(PIN_MINIKUBE));
    let mk = Release::new("minikube", PIN_MINIKUBE, "minikube", "binary").pinned(&minikube);
    let server = Server::start();
    let body = Arc::new(kubectl.clone());
    // Two attempts stall after 300 bytes; the third gets the file.
    server.route(
        &k.served_at(),
        Route::Sequence(vec![
            Route::Stall(body.clone(), 300),
            Route::Stall(body.clone(), 300),
            Route::File(body),
        ]),
    );
    server.route(&h.served_at(), Route::Status(404));

    let (sb, m) = Sandbox::for_releases(&[&mk, &k, &h]);
    let base = server.base();
    let mut pty = Pty::spawn(
        &sb,
        &[
            "--manifest",
            m.to_str().unwrap(),
            "--mirror",
            &base,
            "--timeout",
            "4",
        ],
        100,
        30,
    );
    pty.wait_for("3 of 3 tools need attention", Duration::from_secs(10));
    // minikube is the first open row: skip it. Then apply.
    pty.send("\r");
    pty.wait_for("[s] skip", Duration::from_secs(5));
    pty.send("s");
    pty.send("a");
    pty.wait_for("Apply this plan?", Duration::from_secs(5));
    assert!(
        pty.screen().contains("skip     minikube"),
        "{}",
        pty.screen()
    );
    pty.send("y");
    pty.wait_for("stalled 3s", Duration::from_secs(10));
    pty.wait_for("2/3 stalled", Duration::from_secs(10));
    pty.wait_for("Done.", Duration::from_secs(20));
    let s = pty.screen();
    assert!(s.contains("1 failed (helm)"), "{s}");
    assert!(s.contains("✓ installed 1.30.6"), "{s}");
    let minikube_row = s.lines().find(|l| l.contains("minikube ")).unwrap();
    assert!(minikube_row.contains("→ skip"), "{s}");
    // The details of the failed row: its reason in full.
    for _ in 0..5 {
        if pty.screen().lines().any(|l| l.contains("┌ helm")) {
            break;
        }
        pty.send("j");
    }
    pty.send("d");
    pty.wait_for("Last apply", Duration::from_secs(5));
    assert!(pty.screen().contains("404"), "{}", pty.screen());
    pty.send("q");
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 1);
    pty.wait_restored();
    pty.wait_for("404", Duration::from_secs(5));
    assert!(
        server.requests_to(&mk.served_at()).is_empty(),
        "skipped, not fetched"
    );
    assert_eq!(
        std::fs::read(sb.bin_dir().join("kubectl")).unwrap(),
        kubectl
    );
}

/// `n` in a row's prompt marks the tool not needed, like `override TOOL --not-needed`: recorded
/// on apply, nothing downloaded, and from then on it counts as satisfied.
#[test]
fn a_tool_marked_not_needed_counts_as_satisfied() {
    let kubectl = script(&Fake::kubectl(PIN_KUBECTL));
    let k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&kubectl);
    let server = Server::start();
    server.route(&k.served_at(), Route::File(Arc::new(kubectl)));
    let (sb, m) = Sandbox::for_releases(&[&k]);
    let base = server.base();
    let mut pty = Pty::spawn(
        &sb,
        &["--manifest", m.to_str().unwrap(), "--mirror", &base],
        100,
        30,
    );
    pty.wait_for("1 of 1 tools need attention", Duration::from_secs(10));
    pty.send("\r");
    pty.wait_for("[n] not needed", Duration::from_secs(5));
    pty.send("n");
    pty.wait_for("→ not needed", Duration::from_secs(5));
    pty.send("a");
    pty.wait_for("not needed kubectl", Duration::from_secs(5));
    pty.send("y");
    pty.wait_for("Every tool is satisfied.", Duration::from_secs(10));
    pty.send("q");
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
    let overrides = std::fs::read_to_string(sb.overrides_file()).unwrap();
    assert!(overrides.contains("not_needed = true"), "{overrides}");
    assert!(server.requests_to(&k.served_at()).is_empty());
    // --check agrees.
    let out = sb.run(&["--check", "--manifest", m.to_str().unwrap()]);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
}

/// After an install into a bin dir PATH does not run first, the TUI offers the PATH step: the
/// line for this terminal, and `w` adds it to the shell's startup file (shown first).
#[test]
fn after_an_install_the_path_step_is_offered_and_persisted_on_request() {
    let kubectl = script(&Fake::kubectl(PIN_KUBECTL));
    let k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&kubectl);
    let server = Server::start();
    server.route(&k.served_at(), Route::File(Arc::new(kubectl)));
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.path_dir("tools");
    let m = sb.write("versions.toml", &manifest(&[&k]));
    sb.env.insert("SHELL".into(), "/bin/bash".into());
    let base = server.base();
    let mut pty = Pty::spawn(
        &sb,
        &["--manifest", m.to_str().unwrap(), "--mirror", &base],
        110,
        32,
    );
    pty.wait_for("1 of 1 tools need attention", Duration::from_secs(10));
    pty.send("a");
    pty.wait_for("Apply this plan?", Duration::from_secs(5));
    pty.send("y");
    pty.wait_for("p puts them first on PATH", Duration::from_secs(20));
    pty.send("p");
    pty.wait_for("In this terminal, run:", Duration::from_secs(5));
    let s = pty.screen();
    let bin = sb.bin_dir().display().to_string();
    assert!(s.contains("export"), "{s}");
    assert!(s.contains(&format!("PATH='{bin}")), "{s}");
    assert!(s.contains(".bashrc"), "{s}");
    let rc = sb.home().join(".bashrc");
    assert!(!rc.exists(), "nothing written before w");
    pty.send("w");
    pty.wait_for("added to", Duration::from_secs(5));
    let text = std::fs::read_to_string(&rc).unwrap();
    assert!(text.contains(".aladdin/bin"), "{text}");
    pty.send("q");
    pty.wait_exit(Duration::from_secs(10));
    // A new bash runs the installed kubectl.
    if std::path::Path::new("/bin/bash").exists() {
        let out = std::process::Command::new("/bin/bash")
            .args(["-c", ". ~/.bashrc; command -v kubectl"])
            .env_clear()
            .env("HOME", sb.home())
            .env("PATH", "/usr/bin:/bin")
            .output()
            .unwrap();
        let found = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            found.trim(),
            sb.bin_dir().join("kubectl").display().to_string()
        );
    }
}
