//! The one apply path, for `--fix` and the TUI alike: record the keeps → plan → take the lock
//! → re-read the overrides and re-diagnose if anything changed meanwhile → fetch and verify →
//! install → re-probe → roll back what does not answer with the pin.
//!
//! Cancellation (`Cancel`) stops downloads and extractions and is checked before every rename
//! into the bin dir; once a rename has happened, the re-probe and the roll-back always finish.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use crate::cancel::Cancel;
use crate::core::diagnose::Finding;
use crate::core::manifest::{Satisfaction, ToolSpec};
use crate::core::observation::{CopyState, Observation};
use crate::core::outcome::{
    ApplyError, BinDirProblem, Done, Outcome, PrivilegedError, Reprobed, Rollback,
};
use crate::core::plan::{self, Action, Choices, Download, Plan};
use crate::core::progress::{Phase, Progress};
use crate::core::receipt::{self, Receipt};
use crate::core::tool::Tool;
use crate::core::vbox;
use crate::install::{self, lock, receipts};
use crate::net::fetch::{ClientStart, Fetcher};
use crate::probe::{self, ProbeOptions, SearchSpace};
use crate::session::Session;

/// What an apply did.
#[derive(Debug)]
pub(crate) struct Applied {
    /// One per keep, per planned download and per refusal, in tool order.
    pub(crate) outcomes: Vec<Outcome>,
}

impl Applied {
    pub(crate) fn cancelled(&self) -> bool {
        self.outcomes.iter().any(|o| o.done == Done::Cancelled)
    }
}

/// How an apply talks to its caller.
#[derive(Clone)]
pub(crate) struct Runner {
    pub(crate) progress: Arc<dyn Progress>,
    pub(crate) cancel: Cancel,
    /// VirtualBox's privileged commands may run here (`--fix --allow-sudo` on a terminal).
    pub(crate) sudo_allowed: bool,
}

/// Starts building the HTTP client for `apply`, so that it overlaps whatever runs before it
/// (`--fix`: the probes before planning).
pub(crate) fn start_client(session: &Session) -> ClientStart {
    Fetcher::start_client(session.ctx.fetch, session.ctx.cert_file.clone())
}

/// `client`: one that `start_client` started (else it is built when the first download needs
/// it).
pub(crate) async fn apply(
    session: &mut Session,
    mut observations: Vec<Observation>,
    findings: &[Finding],
    choices: &Choices,
    runner: &Runner,
    client: Option<ClientStart>,
) -> Applied {
    let mut outcomes = Vec::new();
    for (tool, entry) in &choices.keep {
        let done = match session.save_override(*tool, entry.clone()) {
            Ok(e) => Done::Kept(e),
            Err(e) => Done::Failed(ApplyError::Overrides { detail: e.0 }),
        };
        outcomes.push(Outcome { tool: *tool, done });
    }
    for tool in &choices.not_needed {
        let done = match session.save_not_needed(*tool, None) {
            Ok(()) => Done::MarkedNotNeeded,
            Err(e) => Done::Failed(ApplyError::Overrides { detail: e.0 }),
        };
        outcomes.push(Outcome { tool: *tool, done });
    }
    let recorded = !choices.keep.is_empty() || !choices.not_needed.is_empty();
    let planner = |s: &Session, f: &[Finding]| {
        plan::plan(f, &s.manifest, &s.layout(), s.ctx.mirror.as_deref(), |t| {
            choices.install.contains(&t)
        })
    };
    let mut plan = if !recorded {
        planner(session, findings)
    } else {
        planner(session, &session.diagnose(&observations))
    };

    // A bin dir that cannot take the binaries is found before hundreds of MiB are downloaded.
    if let Err(problem) = bin_dir_ready(&plan, &session.ctx.bin_dir) {
        let e = ApplyError::BinDir {
            path: session.ctx.bin_dir.clone(),
            problem,
        };
        let failed: Vec<Tool> = plan
            .actions
            .iter()
            .filter_map(|a| match a {
                Action::Install(d) => Some(d.tool),
                _ => None,
            })
            .collect();
        outcomes.extend(failed.into_iter().map(|tool| Outcome {
            tool,
            done: Done::Failed(e.clone()),
        }));
        plan.actions.retain(|a| !matches!(a, Action::Install(_)));
    }
    if plan.downloads().next().is_some() {
        let ctx = &session.ctx;
        let lock = lock::acquire(
            &ctx.cache_dir,
            ctx.lock_timeout,
            &*runner.progress,
            &runner.cancel,
        )
        .await;
        let lock = match lock {
            Ok(l) => l,
            Err(e) => {
                let done = match e {
                    crate::core::failure::LockError::Cancelled => Done::Cancelled,
                    e => Done::Failed(ApplyError::Lock(e)),
                };
                outcomes.extend(fail_downloads(&plan, done));
                return finish(&plan, outcomes);
            }
        };
        // Lock, then re-check: another run may have installed what we wanted, or the user may
        // have kept a version meanwhile.
        let changed = match session.reload_overrides() {
            Ok(changed) => changed,
            Err(e) => {
                let done = Done::Failed(ApplyError::Overrides { detail: e.0 });
                outcomes.extend(fail_downloads(&plan, done));
                return finish(&plan, outcomes);
            }
        };
        if lock.waited || changed {
            observations = session.observe().await;
            plan = planner(session, &session.diagnose(&observations));
        }
        match fetcher(session, client).await {
            Ok(fetcher) => {
                let done = execute(&plan, session, fetcher, runner).await;
                outcomes.extend(done);
            }
            Err(detail) => {
                outcomes.extend(fail_downloads(
                    &plan,
                    Done::Failed(ApplyError::Setup { detail }),
                ));
            }
        }
        drop(lock);
    }

    // VirtualBox: say whether minikube's VM runs, since the installer must not replace the
    // drivers under it.
    if outcomes
        .iter()
        .any(|o| matches!(o.done, Done::InstallerReady { .. }))
    {
        let running = minikube_vm_running(&observations).await;
        for o in &mut outcomes {
            if let Done::InstallerReady {
                vm_running,
                sudo_allowed,
                ..
            } = &mut o.done
            {
                *vm_running = running;
                *sudo_allowed = runner.sudo_allowed;
            }
        }
    }
    finish(&plan, outcomes)
}

fn finish(plan: &Plan, mut outcomes: Vec<Outcome>) -> Applied {
    for a in &plan.actions {
        if let Action::Refuse(r) = a {
            outcomes.push(Outcome {
                tool: r.tool(),
                done: Done::Refused(r.clone()),
            });
        }
    }
    outcomes.sort_by_key(|o| o.tool);
    Applied { outcomes }
}

/// The bin dir exists (or can be made), is a directory, can be written, and no planned binary's
/// place in it is taken by a directory.
fn bin_dir_ready(plan: &Plan, bin_dir: &Path) -> Result<(), BinDirProblem> {
    let installs: Vec<&Download> = plan
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::Install(d) => Some(d),
            _ => None,
        })
        .collect();
    if installs.is_empty() {
        return Ok(());
    }
    if std::fs::metadata(bin_dir).is_ok_and(|m| !m.is_dir()) {
        return Err(BinDirProblem::NotADirectory);
    }
    let writable = std::fs::create_dir_all(bin_dir).and_then(|()| {
        let probe = crate::fsutil::temp_path(bin_dir, "write-test");
        crate::fsutil::create_new(&probe)?;
        std::fs::remove_file(&probe)
    });
    if let Err(e) = writable {
        return Err(BinDirProblem::NotWritable {
            detail: e.to_string(),
        });
    }
    if let Some(d) = installs.iter().find(|d| d.dest.is_dir()) {
        return Err(BinDirProblem::DestIsDirectory {
            dest: d.dest.clone(),
        });
    }
    Ok(())
}

fn fail_downloads(plan: &Plan, done: Done) -> Vec<Outcome> {
    plan.downloads()
        .map(|d| Outcome {
            tool: d.tool,
            done: done.clone(),
        })
        .collect()
}

/// Ready to fetch and install (call with the lock held): sweeps temp files a killed run left in
/// the bin dir, and builds the HTTP client (or finishes `client`).
async fn fetcher(session: &Session, client: Option<ClientStart>) -> Result<Arc<Fetcher>, String> {
    install::clean_stale(&session.ctx.bin_dir);
    let ctx = &session.ctx;
    let cert_file = ctx.cert_file.as_deref();
    match client {
        Some(c) => Fetcher::started(&ctx.cache_dir, ctx.fetch, cert_file, c).await,
        None => Fetcher::new(&ctx.cache_dir, ctx.fetch, cert_file),
    }
    .map(|f| Arc::new(f.traced(ctx.probe.trace.clone())))
}

/// Fetches, verifies and installs every download of `plan` concurrently. A worker that fails
/// (a bug) is reported as a failure of its tool, never dropped.
async fn execute(
    plan: &Plan,
    session: &Session,
    fetcher: Arc<Fetcher>,
    runner: &Runner,
) -> Vec<Outcome> {
    let mut set = JoinSet::new();
    let mut tasks = Vec::new();
    for action in &plan.actions {
        let (d, installer) = match action {
            Action::Install(d) => (d.clone(), false),
            Action::Installer(d) => (d.clone(), true),
            _ => continue,
        };
        let Some(spec) = session.manifest.get(d.tool).cloned() else {
            continue;
        };
        let (fetcher, runner, opts) = (fetcher.clone(), runner.clone(), session.ctx.probe.clone());
        let space = session.ctx.search_space();
        let tool = d.tool;
        let handle = set.spawn(async move {
            let done = one(&d, &spec, installer, &fetcher, &runner, &opts, &space).await;
            let progress = &*runner.progress;
            let outcome = Outcome { tool, done };
            match &outcome.done {
                // An unreachable host in a few words (the report sums them up once); any other
                // failure in full.
                Done::Failed(_) if outcome.unreachable().is_some() => progress.phase(
                    tool,
                    Phase::Failed,
                    outcome
                        .unreachable()
                        .map(crate::core::render::unreachable)
                        .unwrap_or_default(),
                ),
                Done::Failed(e) => {
                    progress.phase(tool, Phase::Failed, crate::core::render::apply_error(e))
                }
                Done::Installed { version, dest } => progress.phase(
                    tool,
                    Phase::Done,
                    format!("{version} at {}", dest.display()),
                ),
                Done::InstallerReady { installer, .. } => progress.phase(
                    tool,
                    Phase::Done,
                    format!("verified {}", installer.display()),
                ),
                Done::Cancelled => progress.phase(tool, Phase::Failed, "interrupted"),
                Done::Kept(_) | Done::MarkedNotNeeded | Done::Refused(_) => {}
            }
            outcome
        });
        tasks.push((handle.id(), tool));
    }
    let mut outcomes = Vec::new();
    while let Some(r) = set.join_next_with_id().await {
        match r {
            Ok((_, o)) => outcomes.push(o),
            Err(e) => {
                if let Some((_, tool)) = tasks.iter().find(|(id, _)| *id == e.id()) {
                    outcomes.push(Outcome {
                        tool: *tool,
                        done: Done::Failed(ApplyError::Internal {
                            detail: e.to_string(),
                        }),
                    });
                }
            }
        }
    }
    outcomes
}

async fn one(
    d: &Download,
    spec: &ToolSpec,
    installer: bool,
    fetcher: &Fetcher,
    runner: &Runner,
    opts: &ProbeOptions,
    space: &SearchSpace,
) -> Done {
    let (progress, cancel) = (&*runner.progress, &runner.cancel);
    let artifact = tokio::select! {
        r = fetcher.fetch(d, progress) => match r {
            Ok(path) => path,
            Err(e) => return Done::Failed(ApplyError::Fetch(e)),
        },
        _ = cancel.cancelled() => return Done::Cancelled,
    };
    if installer {
        return Done::InstallerReady {
            installer: artifact.path,
            vm_running: false,
            sudo_allowed: false,
        };
    }
    progress.phase(d.tool, Phase::Install, d.dest.display().to_string());
    let install_error = |error| {
        Done::Failed(ApplyError::Install {
            dest: d.dest.clone(),
            error,
        })
    };
    // Extraction reads and writes up to a GiB: off the async workers, stopping when cancelled.
    let staged = {
        let (artifact, d2, cancel) = (artifact.clone(), d.clone(), cancel.clone());
        tokio::task::spawn_blocking(move || {
            install::stage(
                &artifact.path,
                &artifact.sha256,
                d2.archive,
                d2.member.as_deref(),
                &d2.dest,
                &cancel,
            )
        })
        .await
    };
    let staged = match staged {
        Ok(Ok(s)) => s,
        Ok(Err(crate::core::failure::InstallError::Cancelled)) => return Done::Cancelled,
        Ok(Err(e)) => return install_error(e),
        Err(e) => {
            return Done::Failed(ApplyError::Internal {
                detail: e.to_string(),
            });
        }
    };
    // The last moment to stop: after the rename, the re-probe and roll-back must finish.
    if cancel.is_cancelled() {
        return Done::Cancelled;
    }
    let (sha256, size) = (staged.sha256.clone(), staged.size);
    let committed = match install::commit(staged, &d.dest) {
        Ok(c) => c,
        Err(e) => return install_error(e),
    };
    progress.phase(d.tool, Phase::Reprobe, "");
    let found = match probe::reprobe(d.tool, &d.dest, opts, space).await {
        CopyState::Read(r) if spec.satisfaction(&r.version) == Satisfaction::Pin => {
            install::confirm(&committed);
            // What was installed, for `--check` (stat) and `verify` (hash) to hold it to.
            let written = receipts::identity(&d.dest).and_then(|identity| {
                receipts::write(
                    &d.dest,
                    &Receipt {
                        schema: receipt::SCHEMA,
                        tool: d.tool.name().to_string(),
                        version: d.to.clone(),
                        url: d.upstream_url.clone(),
                        artifact_sha256: artifact.sha256.clone(),
                        sha256,
                        size,
                        installed: humantime::format_rfc3339_seconds(std::time::SystemTime::now())
                            .to_string(),
                        identity,
                    },
                )
            });
            if let Err(e) = written {
                progress.note(format!(
                    "{}: installed, but its receipt could not be written ({e}); `aladdin-doctor verify` will not know it",
                    d.tool
                ));
            }
            return Done::Installed {
                version: d.to.clone(),
                dest: d.dest.clone(),
            };
        }
        CopyState::Read(r) => Reprobed::Version(r.version.raw),
        CopyState::Failed { failure, .. } => Reprobed::Failed(failure),
        CopyState::NotExecutable => Reprobed::NotExecutable,
    };
    let rollback = match install::rollback(&committed) {
        Ok(()) if committed.previous.is_some() => Rollback::Restored,
        Ok(()) => Rollback::Removed,
        Err(e) => Rollback::Failed {
            detail: e.to_string(),
        },
    };
    Done::Failed(ApplyError::Reprobe {
        dest: d.dest.clone(),
        found,
        pin: d.to.clone(),
        rollback,
    })
}

/// Whether minikube's VM is running under VirtualBox (`VBoxManage list runningvms`).
async fn minikube_vm_running(observations: &[Observation]) -> bool {
    let Some(vbox) = observations
        .iter()
        .find(|o| o.tool == Tool::Virtualbox)
        .and_then(|o| o.effective())
    else {
        return false;
    };
    let out = probe::run_command(&vbox.path, &["list", "runningvms"], Duration::from_secs(5)).await;
    out.is_some_and(|o| {
        o.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("\"minikube\""))
    })
}

/// VirtualBox's privileged commands for a verified installer, with `minikube stop` first when
/// its VM runs.
pub(crate) fn privileged_commands(
    session: &Session,
    installer: &Path,
    stop_minikube: bool,
) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    if stop_minikube {
        all.push(vbox::stop_minikube());
    }
    all.extend(vbox::install_commands(
        session.ctx.platform.os,
        &installer.display().to_string(),
    ));
    all
}

/// The one privileged runner: shows each command on `out`, then runs it with the terminal
/// (sudo asks for its password there); stops at the first failure.
pub(crate) fn run_privileged(
    commands: &[Vec<String>],
    out: &mut dyn Write,
) -> Result<(), PrivilegedError> {
    for cmd in commands {
        let _ = writeln!(out, "running: {}", vbox::render(cmd));
        let _ = out.flush();
        let status = std::process::Command::new(&cmd[0])
            .args(&cmd[1..])
            .status()
            .map_err(|e| PrivilegedError::CannotRun {
                program: cmd[0].clone(),
                detail: e.to_string(),
            })?;
        if !status.success() {
            return Err(PrivilegedError::Failed {
                command: vbox::render(cmd),
                status: status.to_string(),
            });
        }
    }
    Ok(())
}
