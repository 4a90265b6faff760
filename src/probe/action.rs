//! I/O: runs a command `--fix --cluster` chose (`cluster::fix`). Argument vector only, stdin
//! closed; unlike a probe it stays in our process group, so a Ctrl-C at the terminal reaches it
//! as it would a command the user typed, and what it leaves running on success (minikube's VM, a
//! daemon) is left alone. Every line it prints goes to `on_line` (cut to [`MAX_LINE`] bytes; the
//! caller makes it inert before it reaches a terminal) and the last [`TAIL`] lines are kept for
//! the report. At its time limit it gets SIGTERM and, 5 s later, SIGKILL; when the run is
//! cancelled, SIGINT and, 10 s later, SIGKILL.

use std::collections::VecDeque;
use std::path::Path;
use std::process::Stdio;
use std::sync::Mutex;
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
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return ActionOutput {
                end: ActionEnd::NotStarted(e),
                tail: Vec::new(),
            };
        }
    };
    let tail = Mutex::new(VecDeque::with_capacity(TAIL));
    let line = |l: &str| {
        on_line(l);
        let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
        if t.len() == TAIL {
            t.pop_front();
        }
        t.push_back(l.to_string());
    };
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let reading = async {
        tokio::join!(lines(stdout, &line), lines(stderr, &line));
    };
    tokio::pin!(reading);
    let deadline = tokio::time::Instant::now() + limit;

    let end = tokio::select! {
        status = child.wait() => {
            // Its output, for as long as the pipes stay open or a short grace.
            let _ = tokio::time::timeout(EXIT_GRACE, &mut reading).await;
            ActionEnd::Exited(status.ok().and_then(|s| s.code()))
        }
        _ = tokio::time::sleep_until(deadline) => {
            stop(&mut child, Signal::Term, Duration::from_secs(5)).await;
            ActionEnd::TimedOut
        }
        _ = cancel.cancelled() => {
            stop(&mut child, Signal::Int, Duration::from_secs(10)).await;
            ActionEnd::Cancelled
        }
        _ = &mut reading => {
            // Both pipes closed; wait for the exit within what is left of the limit.
            tokio::select! {
                status = child.wait() => ActionEnd::Exited(status.ok().and_then(|s| s.code())),
                _ = tokio::time::sleep_until(deadline) => {
                    stop(&mut child, Signal::Term, Duration::from_secs(5)).await;
                    ActionEnd::TimedOut
                }
                _ = cancel.cancelled() => {
                    stop(&mut child, Signal::Int, Duration::from_secs(10)).await;
                    ActionEnd::Cancelled
                }
            }
        }
    };
    let tail = tail
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .drain(..)
        .collect();
    ActionOutput { end, tail }
}

#[derive(Clone, Copy)]
enum Signal {
    Term,
    Int,
}

/// Asks the command to stop, then kills it after `grace`.
async fn stop(child: &mut Child, signal: Signal, grace: Duration) {
    #[cfg(unix)]
    if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
        let sig = match signal {
            Signal::Term => libc::SIGTERM,
            Signal::Int => libc::SIGINT,
        };
        // SAFETY: kill(2) on the pid of a child we spawned and have not reaped yet; it has no
        // memory-safety preconditions.
        unsafe {
            libc::kill(pid, sig);
        }
        if tokio::time::timeout(grace, child.wait()).await.is_ok() {
            return;
        }
    }
    #[cfg(not(unix))]
    let _ = (signal, grace);
    let _ = child.start_kill();
    let _ = child.wait().await;
}

/// Splits `pipe` into lines (on `\n` or `\r`, so a progress line that redraws itself becomes
/// lines), each cut to `MAX_LINE` bytes.
async fn lines<R: AsyncRead + Unpin>(pipe: Option<R>, on_line: &(dyn Fn(&str) + Sync)) {
    let Some(mut pipe) = pipe else { return };
    let mut buf = [0u8; 8192];
    let mut current: Vec<u8> = Vec::new();
    loop {
        let n = match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        for &b in &buf[..n] {
            if b == b'\n' || b == b'\r' {
                if !current.is_empty() {
                    on_line(&String::from_utf8_lossy(&current));
                }
                current.clear();
            } else if current.len() < MAX_LINE {
                current.push(b);
            }
        }
    }
    if !current.is_empty() {
        on_line(&String::from_utf8_lossy(&current));
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

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
