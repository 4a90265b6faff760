//! I/O: runs a command `--fix --cluster` chose (`cluster::fix`). Argument vector only, stdin
//! closed; unlike a probe, what it leaves running on success (minikube's VM, a daemon) is left
//! alone, and a cancelled run (Ctrl-C) passes SIGINT on to it. Every line it prints goes to `on_line` (cut to [`MAX_LINE`] bytes; the
//! caller makes it inert before it reaches a terminal) and the last [`TAIL`] lines are kept for
//! the report. It runs in a session of its own (no controlling terminal: nothing it starts can
//! prompt on ours); at its time limit its process group gets SIGTERM and, 5 s later, SIGKILL;
//! when the run is cancelled, SIGINT and, 10 s later, SIGKILL.

use std::collections::VecDeque;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};

use crate::cancel::Cancel;

/// The longest line passed on; the rest of a longer one is dropped.
pub(crate) const MAX_LINE: usize = 512;
/// Lines kept for the report.
pub(crate) const TAIL: usize = 12;
/// How long output is still read after the command has exited (a daemon it started may hold
/// the pipes for as long as it lives).
const EXIT_GRACE: Duration = Duration::from_millis(250);

/// How a command ended.
#[derive(Debug)]
pub(crate) enum ActionEnd {
    /// Exited with this code (`None`: killed by a signal).
    Exited(Option<i32>),
    /// Stopped at its time limit.
    TimedOut,
    /// Stopped because the run was cancelled.
    Cancelled,
    /// Could not be started.
    NotStarted(std::io::Error),
}

#[derive(Debug)]
pub(crate) struct ActionOutput {
    pub(crate) end: ActionEnd,
    /// Its last lines (stdout and stderr interleaved as they arrived).
    pub(crate) tail: Vec<String>,
}

pub(crate) async fn run(
    path: &Path,
    args: &[String],
    set: &[(String, String)],
    limit: Duration,
    cancel: &Cancel,
    on_line: &(dyn Fn(&str) + Send + Sync),
) -> ActionOutput {
    let mut cmd = Command::new(path);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .envs(set.iter().map(|(k, v)| (k, v)))
        .kill_on_drop(true);
    // A session of its own: no controlling terminal, so nothing it starts can ask for a password
    // on ours (minikube's `none` driver calls sudo), and one process group to stop as a whole.
    #[cfg(unix)]
    // SAFETY: setsid(2) is async-signal-safe and touches no memory of this process; it runs in
    // the child between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return ActionOutput {
                end: ActionEnd::NotStarted(e),
                tail: Vec::new(),
            };
        }
    };
    let group = child.id();
    // The pipes are read by tasks of their own that drain to the end even after this returns:
    // a daemon the command left running keeps its pipes and must not die of SIGPIPE.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(256);
    if let Some(out) = child.stdout.take() {
        tokio::spawn(lines(out, tx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(lines(err, tx.clone()));
    }
    drop(tx);

    let mut tail: VecDeque<String> = VecDeque::with_capacity(TAIL);
    let mut take = |l: String| {
        on_line(&l);
        if tail.len() == TAIL {
            tail.pop_front();
        }
        tail.push_back(l);
    };
    let deadline = tokio::time::Instant::now() + limit;
    let end = loop {
        tokio::select! {
            Some(l) = rx.recv() => take(l),
            status = child.wait() => {
                // What it printed until now, and for a short grace after.
                let grace = tokio::time::sleep(EXIT_GRACE);
                tokio::pin!(grace);
                loop {
                    tokio::select! {
                        Some(l) = rx.recv() => take(l),
                        _ = &mut grace => break,
                        else => break,
                    }
                }
                break ActionEnd::Exited(status.ok().and_then(|s| s.code()));
            }
            _ = tokio::time::sleep_until(deadline) => {
                stop(&mut child, group, Signal::Term, Duration::from_secs(5)).await;
                break ActionEnd::TimedOut;
            }
            _ = cancel.cancelled() => {
                stop(&mut child, group, Signal::Int, Duration::from_secs(10)).await;
                break ActionEnd::Cancelled;
            }
        }
    };
    ActionOutput {
        end,
        tail: tail.into_iter().collect(),
    }
}

#[derive(Clone, Copy)]
enum Signal {
    Term,
    Int,
}

/// Asks the command and everything in its process group to stop, then kills the group after
/// `grace`.
async fn stop(child: &mut Child, group: Option<u32>, signal: Signal, grace: Duration) {
    #[cfg(unix)]
    if let Some(pgid) = group.and_then(|p| i32::try_from(p).ok()) {
        let sig = match signal {
            Signal::Term => libc::SIGTERM,
            Signal::Int => libc::SIGINT,
        };
        // SAFETY: kill(2) with a negative pid signals the process group the child leads (it
        // called setsid before exec); it has no memory-safety preconditions.
        unsafe {
            libc::kill(-pgid, sig);
        }
        let exited = tokio::time::timeout(grace, child.wait()).await.is_ok();
        // SAFETY: as above; SIGKILL for whatever of the group is left.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        if exited {
            return;
        }
    }
    #[cfg(not(unix))]
    let _ = (group, signal, grace);
    let _ = child.start_kill();
    let _ = child.wait().await;
}

/// Splits `pipe` into lines (on `\n` or `\r`, so a progress line that redraws itself becomes
/// lines), each cut to `MAX_LINE` bytes, and sends them on; once nobody listens it reads on to
/// the end and drops them.
async fn lines<R: AsyncRead + Unpin>(mut pipe: R, tx: tokio::sync::mpsc::Sender<String>) {
    let mut buf = [0u8; 8192];
    let mut current: Vec<u8> = Vec::new();
    let mut listening = true;
    let send = async |line: &[u8], listening: &mut bool| {
        if *listening && !line.is_empty() {
            *listening = tx
                .send(String::from_utf8_lossy(line).into_owned())
                .await
                .is_ok();
        }
    };
    loop {
        let n = match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        for &b in &buf[..n] {
            if b == b'\n' || b == b'\r' {
                send(&current, &mut listening).await;
                current.clear();
            } else if current.len() < MAX_LINE {
                current.push(b);
            }
        }
    }
    send(&current, &mut listening).await;
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::Mutex;

    fn script(dir: &Path, body: &str) -> std::path::PathBuf {
        let p = dir.join("tool");
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[tokio::test]
    async fn lines_are_passed_on_cut_and_the_tail_is_kept() {
        let d = tempfile::tempdir().unwrap();
        let long = "x".repeat(2000);
        let p = script(
            d.path(),
            &format!(
                "i=0; while [ $i -lt 20 ]; do echo line $i; i=$((i+1)); done; echo {long} >&2; printf 'a\\rb'; exit 3"
            ),
        );
        let seen = Mutex::new(Vec::new());
        let out = run(
            &p,
            &[],
            &[],
            Duration::from_secs(10),
            &Cancel::default(),
            &|l| seen.lock().unwrap().push(l.to_string()),
        )
        .await;
        assert!(matches!(out.end, ActionEnd::Exited(Some(3))), "{out:?}");
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.len(), 23, "{seen:?}");
        assert!(seen.iter().all(|l| l.len() <= MAX_LINE));
        assert_eq!(out.tail.len(), TAIL);
        // The two pipes interleave in no fixed order; both ends of the redrawn line are lines.
        assert!(out.tail.iter().any(|l| l == "a") && out.tail.iter().any(|l| l == "b"));
    }

    #[tokio::test]
    async fn what_a_command_started_is_stopped_with_it() {
        let d = tempfile::tempdir().unwrap();
        let pidfile = d.path().join("pid");
        // A wrapper that does not exec: the sleep is its child, in its process group.
        let p = script(
            d.path(),
            &format!("sleep 30 & echo $! > '{}'; wait", pidfile.display()),
        );
        let out = run(
            &p,
            &[],
            &[],
            Duration::from_millis(500),
            &Cancel::default(),
            &|_| {},
        )
        .await;
        assert!(matches!(out.end, ActionEnd::TimedOut), "{out:?}");
        let pid: i32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // Gone (or a zombie waiting for init): not sleeping on.
        std::thread::sleep(Duration::from_millis(200));
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let running = state.rsplit(')').next().is_some_and(|rest| {
            rest.trim_start().starts_with('S') || rest.trim_start().starts_with('R')
        });
        assert!(!running, "the command's child still runs: {state}");
    }

    #[tokio::test]
    async fn a_command_past_its_limit_is_stopped() {
        let d = tempfile::tempdir().unwrap();
        let p = script(d.path(), "echo started; exec sleep 30");
        let t = std::time::Instant::now();
        let out = run(
            &p,
            &[],
            &[],
            Duration::from_millis(300),
            &Cancel::default(),
            &|_| {},
        )
        .await;
        assert!(matches!(out.end, ActionEnd::TimedOut), "{out:?}");
        assert!(t.elapsed() < Duration::from_secs(5));
        assert_eq!(out.tail, ["started"]);
    }
}
