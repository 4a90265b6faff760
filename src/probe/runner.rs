//! I/O: runs the probes. Argument vectors only (no shell), stdin closed, `LC_ALL=C`, output
//! bounded, and a timeout after which the probe and everything it started is killed. All copies
//! of all tools are probed at once.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::cache::{self, Memo, ProbeCache};
use super::parse::{self, Interpretation};
use super::{Candidate, SearchSpace, locate};
use crate::core::binfmt;
use crate::core::isolation::{self, Isolation};
use crate::core::observation::{
    AsUser, CannotRun, Copy, CopyState, Observation, Origin, ProbeFailure, RawOutput, clip,
};
use crate::core::probe_cache::{self, Entry};
use crate::core::receipt::{self, Change};
use crate::core::tool::{Os, Platform, Tool};
use crate::core::trace::{ProbeEnd, TraceEvent, Tracer};
use crate::install::receipts;

/// Output kept per stream; the rest is drained and dropped so the tool never blocks on a pipe.
pub(crate) const MAX_OUTPUT: usize = 64 * 1024;
/// How long output is still read after the tool itself has exited.
const EXIT_GRACE: Duration = Duration::from_millis(250);

#[derive(Clone, Debug, Default)]
pub(crate) struct ProbeOptions {
    /// Overrides every tool's own timeout (`--probe-timeout`).
    pub(crate) timeout: Option<Duration>,
    pub(crate) env: Arc<ProbeEnv>,
    /// Answers of earlier runs (None: probe everything, record nothing).
    pub(crate) cache: Option<Arc<ProbeCache>>,
    /// `-v`: every run of a tool and every cache answer.
    pub(crate) trace: Tracer,
    /// Answers of this run (`--fix`), for files that have not changed since.
    pub(crate) memo: Option<Arc<Memo>>,
}

/// What a probe needs to know of the environment (read once, by the context).
#[derive(Clone, Debug)]
pub(crate) struct ProbeEnv {
    /// The inherited variables a probe may remove or name (`isolation::WATCHED`).
    pub(crate) vars: BTreeMap<String, String>,
    pub(crate) home: PathBuf,
    /// Where each probe's temp dir is made.
    pub(crate) temp: PathBuf,
    pub(crate) platform: Platform,
}

impl Default for ProbeEnv {
    fn default() -> Self {
        ProbeEnv {
            vars: BTreeMap::new(),
            home: PathBuf::from("/"),
            temp: PathBuf::from("/tmp"),
            platform: Platform::from_rust(std::env::consts::OS, std::env::consts::ARCH).unwrap_or(
                Platform {
                    os: Os::Linux,
                    arch: crate::core::tool::Arch::Amd64,
                },
            ),
        }
    }
}

/// The as-user check is a second look, not the reading: it may not hold a run up for long.
const AS_USER_TIMEOUT: Duration = Duration::from_secs(5);

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
                as_user: None,
                receipt: None,
            }],
        }));
    }
    out
}

/// Locates and probes every copy of one tool; the copies are probed concurrently, and the copy
/// PATH runs is also run as the user runs it.
pub(crate) async fn observe_tool(
    tool: Tool,
    space: &SearchSpace,
    opts: &ProbeOptions,
) -> Observation {
    let candidates = locate(tool, space);
    let effective = effective(&candidates);
    let handles: Vec<_> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let path = c.path.clone();
            let executable = c.executable;
            let opts = opts.clone();
            let check_as_user = Some(i) == effective;
            tokio::spawn(async move {
                if !executable {
                    return (CopyState::NotExecutable, None);
                }
                cached_probe(tool, &path, &opts, check_as_user).await
            })
        })
        .collect();
    let mut copies = Vec::with_capacity(candidates.len());
    for (c, h) in candidates.into_iter().zip(handles) {
        let (state, as_user) = h.await.unwrap_or_else(|e| {
            let failure = ProbeFailure::Internal {
                detail: e.to_string(),
            };
            let output = None;
            (CopyState::Failed { failure, output }, None)
        });
        // The user's configuration matters only for a binary that works.
        let as_user = as_user.filter(|_| matches!(state, CopyState::Read(_)));
        // A binary we installed is held to its receipt (one stat; `verify` re-hashes).
        let receipt = if c.in_bin_dir {
            receipts::read(&c.path).map(|r| match receipts::identity(&c.path) {
                Ok(now) => receipt::changes(&r.identity, &now),
                Err(_) => vec![Change::Replaced],
            })
        } else {
            None
        };
        copies.push(Copy {
            path: c.path,
            origin: c.origin,
            in_bin_dir: c.in_bin_dir,
            state,
            as_user,
            receipt,
        });
    }
    Observation { tool, copies }
}

/// The copy PATH runs (else the first known location's): the one whose as-user check counts.
fn effective(candidates: &[Candidate]) -> Option<usize> {
    let runs = |c: &&Candidate, want: fn(&Origin) -> bool| c.executable && want(&c.origin);
    candidates
        .iter()
        .position(|c| runs(&c, |o| matches!(o, Origin::Path(_))))
        .or_else(|| {
            candidates
                .iter()
                .position(|c| runs(&c, |o| matches!(o, Origin::Known)))
        })
}

/// The probe of one binary (and, for the copy PATH runs, its as-user check), from this run's
/// memo or the cache when its key matches; a fresh answer is recorded.
async fn cached_probe(
    tool: Tool,
    path: &Path,
    opts: &ProbeOptions,
    check_as_user: bool,
) -> (CopyState, Option<AsUser>) {
    if opts.cache.is_none() && opts.memo.is_none() {
        return fresh_probe(tool, path, opts, check_as_user).await;
    }
    let key = cache::key(tool, path, parse::attempts(tool));
    let fingerprint = check_as_user.then(|| cache::config_fingerprint(tool, &opts.env));
    let memo_hit = key
        .as_ref()
        .and_then(|k| opts.memo.as_ref().and_then(|m| m.get(k)));
    let this_run = memo_hit.is_some();
    let hit = memo_hit.or_else(|| {
        key.as_ref()
            .and_then(|k| opts.cache.as_ref().and_then(|c| c.get(k)))
    });
    opts.trace.emit(|| TraceEvent::ProbeCache {
        tool,
        path: path.to_path_buf(),
        hit: hit.is_some(),
        this_run,
    });
    let cached_as_user = |e: &Entry| {
        e.as_user
            .as_ref()
            .filter(|(f, _)| Some(f) == fingerprint.as_ref())
            .map(|(_, a)| a.clone())
    };
    let (state, as_user) = match &hit {
        Some(e) if !check_as_user => return (e.state.clone(), None),
        Some(e) if cached_as_user(e).is_some() => return (e.state.clone(), cached_as_user(e)),
        // The binary is known; only the user's configuration changed.
        Some(e) => (e.state.clone(), as_user(tool, path, opts).await),
        None => fresh_probe(tool, path, opts, check_as_user).await,
    };
    record(tool, path, opts, key, fingerprint, &state, &as_user);
    (state, as_user)
}

/// The probe of one binary, run now (and its as-user check alongside, when asked).
async fn fresh_probe(
    tool: Tool,
    path: &Path,
    opts: &ProbeOptions,
    check_as_user: bool,
) -> (CopyState, Option<AsUser>) {
    if check_as_user {
        tokio::join!(probe_path(tool, path, opts), as_user(tool, path, opts))
    } else {
        (probe_path(tool, path, opts).await, None)
    }
}

/// Records an answer read from the file whose key was `key` before the probe: in the cache, and
/// in this run's memo if the file still has that key (it did not change while it answered). A
/// timeout or an internal error is recorded in neither: it may not happen again.
fn record(
    tool: Tool,
    path: &Path,
    opts: &ProbeOptions,
    key: Option<probe_cache::Key>,
    fingerprint: Option<String>,
    state: &CopyState,
    as_user: &Option<AsUser>,
) {
    let Some(key) = key else { return };
    if !probe_cache::cacheable(state) {
        return;
    }
    let entry = Entry {
        key,
        state: state.clone(),
        as_user: fingerprint.zip(as_user.clone()),
        recorded_ns: cache::now_ns(),
    };
    if let Some(memo) = &opts.memo
        && cache::key(tool, path, parse::attempts(tool)).as_ref() == Some(&entry.key)
    {
        memo.put(entry.clone());
    }
    if let Some(cache) = &opts.cache {
        cache.put(entry);
    }
}

/// The re-probe of a binary just installed at `path`: always run, never answered from the memo
/// or the cache. With a memo (`--fix`), the answer is recorded there, and when `path` is the
/// copy PATH runs its as-user check runs alongside, so that the report after the install does
/// not run the binary again.
pub(crate) async fn reprobe(
    tool: Tool,
    path: &Path,
    opts: &ProbeOptions,
    space: &SearchSpace,
) -> CopyState {
    if opts.memo.is_none() {
        return probe_path(tool, path, opts).await;
    }
    let check_as_user = runs_first(tool, path, space);
    let key = cache::key(tool, path, parse::attempts(tool));
    let fingerprint = check_as_user.then(|| cache::config_fingerprint(tool, &opts.env));
    let (state, as_user) = fresh_probe(tool, path, opts, check_as_user).await;
    record(tool, path, opts, key, fingerprint, &state, &as_user);
    state
}

/// Whether `path` is the copy of `tool` that PATH runs.
fn runs_first(tool: Tool, path: &Path, space: &SearchSpace) -> bool {
    let candidates = locate(tool, space);
    let resolved = |p: &Path| std::fs::canonicalize(p).ok();
    effective(&candidates)
        .is_some_and(|i| resolved(&candidates[i].path).is_some_and(|c| Some(c) == resolved(path)))
}

/// Asks one binary its version, hermetically: the user's configuration kept away.
pub(crate) async fn probe_path(tool: Tool, path: &Path, opts: &ProbeOptions) -> CopyState {
    probe_with(
        tool,
        path,
        opts,
        Isolation::Hermetic,
        opts.timeout_for(tool),
    )
    .await
}

/// The version command as the user runs it (their configuration; nothing written, nothing
/// left hanging). When it fails, each part of their configuration is kept away in turn to
/// find the one to blame. None when there is nothing of theirs to check.
async fn as_user(tool: Tool, path: &Path, opts: &ProbeOptions) -> Option<AsUser> {
    let pieces = isolation::pieces(tool);
    if pieces.iter().all(|p| p.always) {
        return None;
    }
    let timeout = opts.timeout_for(tool).min(AS_USER_TIMEOUT);
    let failure = match probe_with(tool, path, opts, Isolation::AsUser, timeout).await {
        CopyState::Read(_) => return Some(AsUser::Same),
        CopyState::NotExecutable => return None,
        CopyState::Failed { failure, .. } => failure,
    };
    for (i, piece) in pieces.iter().enumerate().filter(|(_, p)| !p.always) {
        let with = Isolation::AsUserWithout(i);
        if let CopyState::Read(_) = probe_with(tool, path, opts, with, timeout).await {
            let env = &opts.env;
            let source =
                isolation::source(piece.config, tool, &env.vars, &env.home, env.platform.os);
            return Some(AsUser::Breaks {
                culprit: Some((piece.config, source)),
                failure,
            });
        }
    }
    Some(AsUser::Breaks {
        culprit: None,
        failure,
    })
}

/// A probe's own temp dir, laid out for the tool's isolation; removed on drop.
struct ProbeDir(tempfile::TempDir);

impl ProbeDir {
    fn new(under: &Path) -> std::io::Result<ProbeDir> {
        let d = tempfile::Builder::new()
            .prefix("aladdin-doctor-probe-")
            .tempdir_in(under)?;
        for dir in isolation::TEMP_DIRS {
            std::fs::create_dir_all(d.path().join(dir))?;
        }
        for (file, text) in isolation::TEMP_FILES {
            let p = d.path().join(file);
            std::fs::create_dir_all(p.parent().expect("has parent"))?;
            std::fs::write(p, text)?;
        }
        Ok(ProbeDir(d))
    }
}

async fn probe_with(
    tool: Tool,
    path: &Path,
    opts: &ProbeOptions,
    isolation: Isolation,
    timeout: Duration,
) -> CopyState {
    let failed = |failure| CopyState::Failed {
        failure,
        output: None,
    };
    let env = &opts.env;
    // A binary for another system is named as such, without running it.
    let head = read_head(path);
    if let Some(built_for) = binfmt::foreign(&binfmt::sniff(&head), env.platform) {
        return failed(ProbeFailure::CannotRun {
            path: path.display().to_string(),
            cause: CannotRun::Foreign {
                built_for,
                here: env.platform.to_string(),
            },
        });
    }
    let _dir;
    let (remove, set) = if isolation::pieces(tool).is_empty() {
        (Vec::new(), Vec::new())
    } else {
        let dir = match ProbeDir::new(&env.temp) {
            Ok(d) => d,
            Err(e) => {
                return failed(ProbeFailure::Internal {
                    detail: format!(
                        "cannot make a temp dir in {} for the probe: {e}; set TMPDIR to a writable directory",
                        env.temp.display()
                    ),
                });
            }
        };
        let names: Vec<String> = env.vars.keys().cloned().collect();
        let changes =
            isolation::environment(tool, isolation, &names, dir.0.path(), env.platform.os);
        _dir = dir;
        changes
    };
    let deadline = tokio::time::Instant::now() + timeout;
    let attempts = parse::attempts(tool);
    let mut last = None;
    for (i, args) in attempts.iter().enumerate() {
        let started = std::time::Instant::now();
        let ran = run(path, args, deadline, (&remove, &set)).await;
        opts.trace.emit(|| TraceEvent::Probe {
            tool,
            argv: std::iter::once(path.display().to_string())
                .chain(args.iter().map(|a| a.to_string()))
                .collect(),
            isolation: match isolation {
                Isolation::Hermetic => "hermetic".into(),
                Isolation::AsUser => "as you run it".into(),
                Isolation::AsUserWithout(i) => format!(
                    "as you run it, without {:?}",
                    isolation::pieces(tool)[i].config
                ),
            },
            removed: remove.clone(),
            set: set.clone(),
            took: started.elapsed(),
            end: match &ran {
                Ok(o) => ProbeEnd::Exited {
                    code: o.code,
                    signal: o.signal,
                },
                Err(RunError::TimedOut(_)) => ProbeEnd::TimedOut,
                Err(RunError::Spawn(e)) => ProbeEnd::CannotSpawn {
                    detail: e.to_string(),
                },
            },
        });
        let out = match ran {
            Ok(out) => out,
            Err(RunError::TimedOut(_)) => {
                return failed(ProbeFailure::TimedOut {
                    command: format!("{} {}", path.display(), args.join(" ")),
                    after: timeout,
                });
            }
            Err(RunError::Spawn(e)) => {
                return failed(ProbeFailure::CannotRun {
                    path: path.display().to_string(),
                    cause: spawn_failure(path, &head, &e),
                });
            }
        };
        if let Some(cause) = died_at_start(&out) {
            return CopyState::Failed {
                failure: ProbeFailure::CannotRun {
                    path: path.display().to_string(),
                    cause,
                },
                output: Some(out),
            };
        }
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

/// The first bytes of `path` (empty when it cannot be read).
fn read_head(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let mut head = Vec::with_capacity(binfmt::HEAD);
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.take(binfmt::HEAD as u64).read_to_end(&mut head);
    }
    head
}

/// Why a spawn failed, by errno (the kernel's word for it) and the file's header.
fn spawn_failure(path: &Path, head: &[u8], e: &std::io::Error) -> CannotRun {
    #[cfg(unix)]
    {
        let interpreter = match binfmt::sniff(head) {
            binfmt::Format::Script { interpreter } => Some(interpreter),
            _ => None,
        };
        match e.raw_os_error() {
            Some(libc::ENOEXEC) => {
                return CannotRun::Foreign {
                    built_for: "another system (the kernel cannot load it)".into(),
                    here: ProbeEnv::default().platform.to_string(),
                };
            }
            // The file is there, so what is missing is what it names to run it.
            Some(libc::ENOENT) if path.is_file() => {
                return CannotRun::MissingInterpreter { interpreter };
            }
            Some(libc::EACCES) if path.is_file() => return CannotRun::Blocked,
            Some(libc::ELOOP) => return CannotRun::Loop,
            _ => {}
        }
    }
    #[cfg(not(unix))]
    let _ = (path, head);
    CannotRun::Other {
        detail: e.to_string(),
    }
}

/// A process that ran but died before it was the tool: the loader could not find a library
/// (glibc's `ld.so` exits 127 with "error while loading shared libraries: NAME: …"), or it
/// was killed before printing anything (macOS Gatekeeper/code signing send SIGKILL).
fn died_at_start(out: &RawOutput) -> Option<CannotRun> {
    const MARK: &str = "error while loading shared libraries: ";
    if out.code == Some(127)
        && let Some(at) = out.stderr.find(MARK)
    {
        let rest = &out.stderr[at + MARK.len()..];
        let library = rest.split(':').next().unwrap_or(rest).trim();
        return Some(CannotRun::MissingLibrary {
            library: clip(library, 120),
        });
    }
    let killed = cfg!(target_os = "macos") && out.signal == Some(9);
    (killed && out.stdout.is_empty() && out.stderr.is_empty()).then_some(CannotRun::KilledAtStart)
}

/// Runs a command the way probes run: no shell, stdin closed, `LC_ALL=C`, bounded output, and
/// killed (with everything it started) at the timeout. None when it could not run or timed out.
pub(crate) async fn run_command(
    path: &Path,
    args: &[&str],
    timeout: Duration,
) -> Option<RawOutput> {
    run(
        path,
        args,
        tokio::time::Instant::now() + timeout,
        (&[], &[]),
    )
    .await
    .ok()
}

pub(crate) enum RunError {
    /// Killed at the deadline; what it printed until then.
    TimedOut(RawOutput),
    Spawn(std::io::Error),
}

/// Variables to remove, then variables to set.
pub(crate) type EnvChange<'a> = (&'a [String], &'a [(String, String)]);

/// Runs `path args…` the way probes run (no shell, stdin closed, bounded output, killed with
/// everything it started at `deadline`), with the environment changed by `env`.
pub(crate) async fn run(
    path: &Path,
    args: &[&str],
    deadline: tokio::time::Instant,
    (remove, set): EnvChange<'_>,
) -> Result<RawOutput, RunError> {
    let mut cmd = Command::new(path);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in remove {
        cmd.env_remove(name);
    }
    cmd.envs(set.iter().map(|(k, v)| (k, v)))
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
            let code = status.as_ref().ok().and_then(|s| s.code());
            #[cfg(unix)]
            let signal = {
                use std::os::unix::process::ExitStatusExt;
                status.ok().and_then(|s| s.signal())
            };
            #[cfg(not(unix))]
            let signal = None;
            Ok(RawOutput {
                stdout: String::from_utf8_lossy(&out).into_owned(),
                stderr: String::from_utf8_lossy(&err).into_owned(),
                code,
                signal,
            })
        }
        Err(_) => {
            kill_group(pid);
            let _ = child.start_kill();
            let _ = child.wait().await;
            Err(RunError::TimedOut(RawOutput {
                stdout: String::from_utf8_lossy(&out).into_owned(),
                stderr: String::from_utf8_lossy(&err).into_owned(),
                code: None,
                signal: None,
            }))
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

    /// A kubectl that prints `version` and appends a line to `log` each time it runs; put in
    /// place by a rename (a new file, as an install does).
    fn logging_kubectl(dir: &Path, version: &str, log: &Path) -> PathBuf {
        let p = dir.join("kubectl");
        let tmp = dir.join(".kubectl.tmp");
        std::fs::write(
            &tmp,
            format!(
                "#!/bin/sh\necho run >> '{}'\necho 'Client Version: v{version}'\n",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::rename(&tmp, &p).unwrap();
        p
    }

    fn runs(log: &Path) -> usize {
        std::fs::read_to_string(log).map_or(0, |t| t.lines().count())
    }

    fn found(o: &Observation) -> String {
        match &o.copies[0].state {
            CopyState::Read(r) => r.version.raw.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_memo_runs_an_unchanged_binary_once_and_a_replaced_one_again() {
        let d = tempfile::tempdir().unwrap();
        let (tools, log) = (d.path().join("tools"), d.path().join("log"));
        std::fs::create_dir(&tools).unwrap();
        logging_kubectl(&tools, "1.30.6", &log);
        let space = SearchSpace {
            path_entries: vec![tools.clone()],
            bin_dir: d.path().join("bin"),
            ..SearchSpace::default()
        };
        let opts = ProbeOptions {
            memo: Some(Arc::new(Memo::default())),
            ..ProbeOptions::default()
        };
        let first = observe_tool(Tool::Kubectl, &space, &opts).await;
        assert_eq!(found(&first), "1.30.6");
        assert!(first.copies[0].as_user.is_some(), "{first:?}");
        let once = runs(&log);
        assert!(once > 0);

        // Unchanged: answered from the memo, as-user check included.
        let again = observe_tool(Tool::Kubectl, &space, &opts).await;
        assert_eq!(runs(&log), once);
        assert_eq!(again.copies[0].state, first.copies[0].state);
        assert_eq!(again.copies[0].as_user, first.copies[0].as_user);

        // Replaced meanwhile: another file, so it runs again.
        logging_kubectl(&tools, "1.31.0", &log);
        let replaced = observe_tool(Tool::Kubectl, &space, &opts).await;
        assert_eq!(found(&replaced), "1.31.0");
        assert_eq!(runs(&log), 2 * once);

        // Without a memo (every mode but --fix), every look runs it.
        let plain = ProbeOptions::default();
        observe_tool(Tool::Kubectl, &space, &plain).await;
        observe_tool(Tool::Kubectl, &space, &plain).await;
        assert_eq!(runs(&log), 4 * once);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reprobe_always_runs_and_the_next_look_does_not() {
        let d = tempfile::tempdir().unwrap();
        let (bin, log) = (d.path().join("bin"), d.path().join("log"));
        std::fs::create_dir(&bin).unwrap();
        let space = SearchSpace {
            path_entries: vec![bin.clone()],
            bin_dir: bin.clone(),
            ..SearchSpace::default()
        };
        let opts = ProbeOptions {
            memo: Some(Arc::new(Memo::default())),
            ..ProbeOptions::default()
        };
        let p = logging_kubectl(&bin, "1.30.6", &log);
        observe_tool(Tool::Kubectl, &space, &opts).await;
        let looked = runs(&log);
        // The re-probe runs the file even though the memo knows it, with its as-user check
        // (it is the copy PATH runs) ...
        assert!(matches!(
            reprobe(Tool::Kubectl, &p, &opts, &space).await,
            CopyState::Read(_)
        ));
        assert_eq!(runs(&log), 2 * looked);
        // ... so that the look after it runs nothing.
        let after = observe_tool(Tool::Kubectl, &space, &opts).await;
        assert_eq!(found(&after), "1.30.6");
        assert!(after.copies[0].as_user.is_some(), "{after:?}");
        assert_eq!(runs(&log), 2 * looked);
    }
}
