//! I/O: runs the probes. Argument vectors only (no shell), stdin closed, `LC_ALL=C`, output
//! bounded, and a timeout after which the probe and everything it started is killed. All copies
//! of all tools are probed at once.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use super::parse::{self, Interpretation};
use super::{SearchSpace, locate};
use crate::core::observation::{Copy, CopyState, Observation, Origin, ProbeFailure, RawOutput};
use crate::core::tool::Tool;

/// Output kept per stream; the rest is drained and dropped so the tool never blocks on a pipe.
pub(crate) const MAX_OUTPUT: usize = 64 * 1024;
/// How long output is still read after the tool itself has exited.
const EXIT_GRACE: Duration = Duration::from_millis(250);

#[derive(Clone, Debug, Default)]
pub(crate) struct ProbeOptions {
    /// Overrides every tool's own timeout (`--probe-timeout`).
    pub(crate) timeout: Option<Duration>,
}

impl ProbeOptions {
    pub(crate) fn timeout_for(&self, tool: Tool) -> Duration {
        self.timeout.unwrap_or_else(|| parse::default_timeout(tool))
    }
}

/// Locates and probes every copy of every tool, all at once.
pub(crate) async fn observe(
    tools: &[Tool],
    space: &SearchSpace,
    opts: &ProbeOptions,
) -> Vec<Observation> {
    let handles: Vec<_> = tools
        .iter()
        .map(|&tool| {
            let space = space.clone();
            let opts = opts.clone();
            tokio::spawn(async move { observe_tool(tool, &space, &opts).await })
        })
        .collect();
    let mut out = Vec::with_capacity(handles.len());
    for (h, &tool) in handles.into_iter().zip(tools) {
        out.push(h.await.unwrap_or_else(|e| Observation {
            tool,
            copies: vec![Copy {
                path: Default::default(),
                origin: Origin::BinDir,
                in_bin_dir: false,
                state: CopyState::Failed {
                    failure: ProbeFailure::Internal {
                        detail: e.to_string(),
                    },
                    output: None,
                },
            }],
        }));
    }
    out
}

/// Locates and probes every copy of one tool; the copies are probed concurrently.
pub(crate) async fn observe_tool(
    tool: Tool,
    space: &SearchSpace,
    opts: &ProbeOptions,
) -> Observation {
    let candidates = locate(tool, space);
    let handles: Vec<_> = candidates
        .iter()
        .map(|c| {
            let path = c.path.clone();
            let executable = c.executable;
            let opts = opts.clone();
            tokio::spawn(async move {
                if executable {
                    probe_path(tool, &path, &opts).await
                } else {
                    CopyState::NotExecutable
                }
            })
        })
        .collect();
    let mut copies = Vec::with_capacity(candidates.len());
    for (c, h) in candidates.into_iter().zip(handles) {
        let state = h.await.unwrap_or_else(|e| CopyState::Failed {
            failure: ProbeFailure::Internal {
                detail: e.to_string(),
            },
            output: None,
        });
        copies.push(Copy {
            path: c.path,
            origin: c.origin,
            in_bin_dir: c.in_bin_dir,
            state,
        });
    }
    Observation { tool, copies }
}

/// Asks one binary its version, trying each argument vector in turn.
pub(crate) async fn probe_path(tool: Tool, path: &Path, opts: &ProbeOptions) -> CopyState {
    let timeout = opts.timeout_for(tool);
    let deadline = tokio::time::Instant::now() + timeout;
    let attempts = parse::attempts(tool);
    let mut last = None;
    for (i, args) in attempts.iter().enumerate() {
        let out = match run(path, args, deadline).await {
            Ok(out) => out,
            Err(RunError::TimedOut) => {
                return CopyState::Failed {
                    failure: ProbeFailure::TimedOut {
                        command: format!("{} {}", path.display(), args.join(" ")),
                        after: timeout,
                    },
                    output: None,
                };
            }
            Err(RunError::Spawn(e)) => {
                return CopyState::Failed {
                    failure: ProbeFailure::CannotRun {
                        path: path.display().to_string(),
                        detail: e.to_string(),
                    },
                    output: None,
                };
            }
        };
        match parse::interpret(tool, i, &out) {
            Interpretation::Read(r) => return CopyState::Read(r),
            Interpretation::TryNext => last = Some(out),
            Interpretation::Failed(failure) => {
                return CopyState::Failed {
                    failure,
                    output: Some(out),
                };
            }
        }
    }
    CopyState::Failed {
        failure: ProbeFailure::Internal {
            detail: "no probe command was accepted".into(),
        },
        output: last,
    }
}

/// Runs a command the way probes run: no shell, stdin closed, `LC_ALL=C`, bounded output, and
/// killed (with everything it started) at the timeout. None when it could not run or timed out.
pub(crate) async fn run_command(
    path: &Path,
    args: &[&str],
    timeout: Duration,
) -> Option<RawOutput> {
    run(path, args, tokio::time::Instant::now() + timeout)
        .await
        .ok()
}

enum RunError {
    TimedOut,
    Spawn(std::io::Error),
}

async fn run(
    path: &Path,
    args: &[&str],
    deadline: tokio::time::Instant,
) -> Result<RawOutput, RunError> {
    let mut cmd = Command::new(path);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("LC_ALL", "C")
        .env("NO_COLOR", "1")
        // minikube: never ask about updates while we only read a version.
        .env("MINIKUBE_WANTUPDATENOTIFICATION", "false")
        .kill_on_drop(true);
    #[cfg(unix)]
    cmd.process_group(0);

    let mut child = spawn(&mut cmd).await.map_err(RunError::Spawn)?;
    let pid = child.id();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();

    let (mut out, mut err) = (Vec::new(), Vec::new());
    let work = async {
        let (exited_tx, exited_rx) = tokio::sync::oneshot::channel::<()>();
        let waiting = async {
            let status = child.wait().await;
            // The tool is gone; anything it left running in its group would hold our pipes open.
            kill_group(pid);
            let _ = exited_tx.send(());
            status
        };
        // Read until both pipes close, or for a short grace once the tool itself has exited: a
        // daemon it started in a session of its own (`setsid … &`) escapes the group kill and
        // can hold the pipes for as long as it lives.
        let reading = async {
            let both =
                async { tokio::join!(read_into(stdout, &mut out), read_into(stderr, &mut err)) };
            let drained = async {
                if exited_rx.await.is_ok() {
                    tokio::time::sleep(EXIT_GRACE).await;
                }
            };
            tokio::select! {
                _ = both => {}
                _ = drained => {}
            }
        };
        tokio::join!(waiting, reading).0
    };
    match tokio::time::timeout_at(deadline, work).await {
        Ok(status) => {
            let code = status.ok().and_then(|s| s.code());
            Ok(RawOutput {
                stdout: String::from_utf8_lossy(&out).into_owned(),
                stderr: String::from_utf8_lossy(&err).into_owned(),
                code,
            })
        }
        Err(_) => {
            kill_group(pid);
            let _ = child.start_kill();
            let _ = child.wait().await;
            Err(RunError::TimedOut)
        }
    }
}

/// Spawns, retrying briefly on ETXTBSY: a binary we just installed can still be open for
/// writing in a child that another thread forked but has not yet exec'd.
async fn spawn(cmd: &mut Command) -> std::io::Result<tokio::process::Child> {
    const ETXTBSY: i32 = 26;
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) && cfg!(unix) && tries < 50 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            other => return other,
        }
    }
}

/// Reads `pipe` to its end into `kept`, keeping at most `MAX_OUTPUT` bytes and draining the
/// rest (so the tool never blocks on a full pipe). What was read stays in `kept` if the read is
/// abandoned.
async fn read_into<R: AsyncRead + Unpin>(pipe: Option<R>, kept: &mut Vec<u8>) {
    let Some(mut pipe) = pipe else { return };
    let mut buf = [0u8; 8192];
    loop {
        match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = MAX_OUTPUT.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
}

#[cfg(unix)]
fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: kill(2) with a negative pid signals the process group we created for this
        // probe (process_group(0) above); it has no memory-safety preconditions.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

#[cfg(not(unix))]
fn kill_group(_pid: Option<u32>) {}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_binary_still_open_for_writing_is_retried_not_failed() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("kubectl");
        let mut f = std::fs::File::create(&p).unwrap();
        f.write_all(b"#!/bin/sh\necho 'Client Version: v1.30.6'\n")
            .unwrap();
        f.set_permissions(std::fs::Permissions::from_mode(0o755))
            .unwrap();
        // While `f` is open for writing, exec fails with ETXTBSY.
        let path = p.clone();
        let probe = tokio::spawn(async move {
            probe_path(Tool::Kubectl, &path, &ProbeOptions::default()).await
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(f);
        match probe.await.unwrap() {
            CopyState::Read(r) => assert_eq!(r.version.raw, "1.30.6"),
            other => panic!("{other:?}"),
        }
    }
}
