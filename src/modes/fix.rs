//! `--fix`: plan → fetch and verify (every tool at once) → install → re-probe → report from a
//! fresh diagnosis. Also the execution the TUI drives.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::task::JoinSet;

use crate::app::{self, EXIT_FINDINGS, Fatal, emit};
use crate::cli::Cli;
use crate::context::Context;
use crate::core::diagnose::{self, Finding};
use crate::core::manifest::{Manifest, Satisfaction, ToolSpec};
use crate::core::plan::{self, Action, Download, Plan};
use crate::core::progress::{Bars, Lines, Phase, Progress, Quiet};
use crate::core::tool::{Os, Tool};
use crate::core::vbox;
use crate::install;
use crate::net::fetch::Fetcher;
use crate::probe::{self, CopyState, Observation, ProbeOptions};

/// What happened to one planned tool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Installed {
        tool: Tool,
        version: String,
        dest: PathBuf,
    },
    /// VirtualBox: the installer is downloaded and verified here.
    InstallerReady {
        tool: Tool,
        installer: PathBuf,
    },
    Failed {
        tool: Tool,
        error: String,
    },
}

impl Outcome {
    pub(crate) fn tool(&self) -> Tool {
        match self {
            Outcome::Installed { tool, .. }
            | Outcome::InstallerReady { tool, .. }
            | Outcome::Failed { tool, .. } => *tool,
        }
    }
}

/// Fetches, verifies and installs every download of `plan` concurrently.
pub(crate) async fn execute(
    plan: &Plan,
    manifest: &Manifest,
    fetcher: Arc<Fetcher>,
    progress: Arc<dyn Progress>,
    probe_opts: ProbeOptions,
) -> Vec<Outcome> {
    let mut set = JoinSet::new();
    for action in &plan.actions {
        let (d, installer) = match action {
            Action::Install(d) => (d.clone(), false),
            Action::Installer(d) => (d.clone(), true),
            _ => continue,
        };
        let Some(spec) = manifest.get(d.tool).cloned() else {
            continue;
        };
        let (fetcher, progress, opts) = (fetcher.clone(), progress.clone(), probe_opts.clone());
        set.spawn(async move {
            let tool = d.tool;
            let out = one(&d, &spec, installer, &fetcher, &*progress, &opts).await;
            match &out {
                Outcome::Failed { error, .. } => progress.phase(tool, Phase::Failed, error.clone()),
                Outcome::Installed { version, dest, .. } => progress.phase(
                    tool,
                    Phase::Done,
                    format!("{version} at {}", dest.display()),
                ),
                Outcome::InstallerReady { installer, .. } => progress.phase(
                    tool,
                    Phase::Done,
                    format!("verified {}", installer.display()),
                ),
            }
            out
        });
    }
    let mut outcomes = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok(o) = r {
            outcomes.push(o);
        }
    }
    outcomes.sort_by_key(Outcome::tool);
    outcomes
}

async fn one(
    d: &Download,
    spec: &ToolSpec,
    installer: bool,
    fetcher: &Fetcher,
    progress: &dyn Progress,
    opts: &ProbeOptions,
) -> Outcome {
    let fail = |error: String| Outcome::Failed {
        tool: d.tool,
        error,
    };
    let artifact = match fetcher.fetch(d, progress).await {
        Ok(path) => path,
        Err(e) => return fail(e.to_string()),
    };
    if installer {
        return Outcome::InstallerReady {
            tool: d.tool,
            installer: artifact,
        };
    }
    progress.phase(d.tool, Phase::Install, d.dest.display().to_string());
    // No await between staging and the rename: a cancelled run never leaves the temp file.
    let committed = match install::stage(&artifact, d.archive, d.member.as_deref(), &d.dest)
        .and_then(|staged| install::commit(staged, &d.dest))
    {
        Ok(c) => c,
        Err(e) => return fail(format!("cannot install {}: {e}", d.dest.display())),
    };
    progress.phase(d.tool, Phase::Reprobe, "");
    let state = probe::probe_path(d.tool, &d.dest, opts).await;
    let problem = match &state {
        CopyState::Read(r) if spec.satisfaction(&r.version) == Satisfaction::Pin => None,
        CopyState::Read(r) => Some(format!("reports {}", r.version)),
        CopyState::Failed { reason, .. } => Some(reason.clone()),
        CopyState::NotExecutable => Some("is not executable".into()),
    };
    match problem {
        None => Outcome::Installed {
            tool: d.tool,
            version: d.to.clone(),
            dest: d.dest.clone(),
        },
        Some(p) => {
            let restored = match install::rollback(&committed) {
                Ok(()) if committed.previous.is_some() => "the previous binary was put back",
                Ok(()) => "it was removed again",
                Err(_) => "and rolling back failed",
            };
            fail(format!(
                "the installed {} {p}, not the pin {}; {restored}",
                d.dest.display(),
                d.to
            ))
        }
    }
}

/// Ready to fetch and install (call with the lock held): sweeps temp files a killed run left in
/// the bin dir, and builds the HTTP client.
pub(crate) fn fetcher(ctx: &Context) -> Result<Arc<Fetcher>, String> {
    install::clean_stale(&ctx.bin_dir);
    Fetcher::new(&ctx.cache_dir, ctx.transfer_timeout).map(Arc::new)
}

/// Resolves on Ctrl-C or SIGTERM.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Whether minikube's VM is running under VirtualBox (`VBoxManage list runningvms`).
pub(crate) async fn minikube_vm_running(observations: &[Observation]) -> bool {
    let Some(vbox) = observations
        .iter()
        .find(|o| o.tool == Tool::Virtualbox)
        .and_then(|o| o.effective())
    else {
        return false;
    };
    let out = probe::run_command(
        &vbox.path,
        &["list", "runningvms"],
        std::time::Duration::from_secs(5),
    )
    .await;
    out.is_some_and(|o| {
        o.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("\"minikube\""))
    })
}

/// The hint for VirtualBox once its installer is verified.
pub(crate) fn installer_hint(
    os: Os,
    installer: &std::path::Path,
    minikube_running: bool,
    ran_with_sudo: bool,
) -> String {
    let cmds: Vec<String> = vbox::install_commands(os, &installer.display().to_string())
        .iter()
        .map(|c| format!("`{}`", vbox::render(c)))
        .collect();
    let mut h = format!("verified installer at {}", installer.display());
    if minikube_running {
        h.push_str("; minikube's VM is running: stop it first with `minikube stop`");
    }
    h.push_str(&format!(
        "; then install it (admin rights): {}",
        cmds.join(", then ")
    ));
    if !ran_with_sudo {
        h.push_str("; or let `aladdin-doctor --fix --allow-sudo` run these on a terminal, showing each first");
    }
    h
}

/// Runs VirtualBox's privileged commands, showing each first. Only with `--allow-sudo` on a
/// terminal.
fn run_privileged(os: Os, installer: &std::path::Path) -> Result<(), String> {
    for cmd in vbox::install_commands(os, &installer.display().to_string()) {
        eprintln!("running: {}", vbox::render(&cmd));
        let status = std::process::Command::new(&cmd[0])
            .args(&cmd[1..])
            .status()
            .map_err(|e| format!("cannot run `{}`: {e}", cmd[0]))?;
        if !status.success() {
            return Err(format!("`{}` failed ({status})", vbox::render(&cmd)));
        }
    }
    Ok(())
}

/// Adds what happened to the fresh findings, so the one report says it.
pub(crate) fn annotate(findings: &mut [Finding], plan: &Plan, outcomes: &[Outcome]) {
    for f in findings.iter_mut() {
        for o in outcomes.iter().filter(|o| o.tool() == f.tool) {
            match o {
                Outcome::Installed { version, dest, .. } => {
                    f.notes
                        .push(format!("installed {version} at {}", dest.display()));
                }
                Outcome::Failed { error, .. } => {
                    f.notes.push(format!("install failed: {error}"));
                }
                Outcome::InstallerReady { .. } => {}
            }
        }
        for a in &plan.actions {
            if let Action::Refuse { tool, reason } = a
                && *tool == f.tool
            {
                f.hint = Some(format!("not installed: {reason}"));
            }
        }
    }
}

pub(crate) async fn run_fix(ctx: &Context, cli: &Cli) -> Result<u8, Fatal> {
    let manifest = app::load_manifest(ctx)?;
    let (_, overrides) = app::load_overrides(ctx)?;
    let tools = app::selected_tools(&manifest, &cli.common.only)?;
    let (mut observations, findings) = app::diagnose_now(ctx, &manifest, &overrides, &tools).await;
    let layout = app::layout(ctx);
    let planner = |findings: &[Finding]| {
        plan::plan(findings, &manifest, &layout, ctx.mirror.as_deref(), |t| {
            tools.contains(&t)
        })
    };
    let mut plan = planner(&findings);
    if cli.dry_run {
        emit(&plan.render(&ctx.bin_dir))?;
        return Ok(diagnose::exit_code(&findings) as u8);
    }

    let bars = (!cli.quiet && ctx.stderr_tty).then(|| Arc::new(Bars::default()));
    let progress: Arc<dyn Progress> = match (&bars, cli.quiet) {
        (Some(b), _) => b.clone(),
        (None, true) => Arc::new(Quiet),
        (None, false) => Arc::new(Lines),
    };

    let mut outcomes = Vec::new();
    let mut vbox_hint = None;
    if plan.downloads().next().is_some() {
        let lock = crate::install::lock::acquire(&ctx.cache_dir, ctx.lock_timeout, &*progress)
            .await
            .map_err(Fatal)?;
        if lock.waited {
            // Lock, then re-check: the other run may have installed what we wanted.
            let (o, f) = app::diagnose_now(ctx, &manifest, &overrides, &tools).await;
            observations = o;
            plan = planner(&f);
        }
        let fetcher = fetcher(ctx).map_err(Fatal)?;
        let work = execute(
            &plan,
            &manifest,
            fetcher,
            progress.clone(),
            ctx.probe.clone(),
        );
        tokio::select! {
            o = work => outcomes = o,
            _ = interrupted() => {
                // Dropping `work` aborts every transfer at its next await; partial downloads stay
                // in the cache to be resumed, and no temp file exists outside a synchronous
                // stage-and-rename.
                progress.note("interrupted: nothing was half-installed; the next `aladdin-doctor --fix` resumes the downloads".to_string());
                return Ok(EXIT_FINDINGS);
            }
        }

        // VirtualBox: never sudo silently.
        let installer = outcomes.iter().find_map(|o| match o {
            Outcome::InstallerReady { installer, .. } => Some(installer.clone()),
            _ => None,
        });
        if let Some(installer) = installer {
            let running = minikube_vm_running(&observations).await;
            let may_sudo = cli.allow_sudo && ctx.stdin_tty && ctx.stderr_tty;
            if may_sudo && !running {
                let run = || run_privileged(ctx.platform.os, &installer);
                let result = match &bars {
                    Some(b) => b.suspend(run),
                    None => run(),
                };
                if let Err(e) = result {
                    let error = format!("{e}; the verified installer is {}", installer.display());
                    outcomes.retain(|o| o.tool() != Tool::Virtualbox);
                    outcomes.push(Outcome::Failed {
                        tool: Tool::Virtualbox,
                        error,
                    });
                }
            }
            vbox_hint = Some(installer_hint(
                ctx.platform.os,
                &installer,
                running,
                may_sudo,
            ));
        }
    }

    // The summary comes from a fresh diagnosis, like --check.
    let (_, mut findings) = app::diagnose_now(ctx, &manifest, &overrides, &tools).await;
    annotate(&mut findings, &plan, &outcomes);
    if let Some(hint) = vbox_hint
        && let Some(f) = findings
            .iter_mut()
            .find(|f| f.tool == Tool::Virtualbox && !f.satisfied())
    {
        f.hint = Some(hint);
    }
    emit(&app::render(ctx, cli.format, &findings, &manifest))?;
    Ok(diagnose::exit_code(&findings) as u8)
}
