//! `--fix`: diagnose → plan (printed by `--dry-run`) → the one apply path → VirtualBox's
//! privileged step when allowed → a report from a fresh diagnosis, with what was done.

use std::sync::Arc;

use crate::apply::{self, Runner};
use crate::cancel::{self, Cancel};
use crate::cluster::ClusterRun;
use crate::cluster::fix;
use crate::cluster::render;
use crate::core::diagnose::Finding;
use crate::core::inert::inert_lines;
use crate::core::outcome::{ApplyError, Done};
use crate::core::plan::{self, Choices};
use crate::core::progress::{Progress, Quiet};
use crate::core::report::{self, Format};
use crate::modes::progress::{Bars, Lines};
use crate::probe::cache::Memo;
use crate::session::{EXIT_FINDINGS, Fatal, Session, emit, exit_code};

/// What `--fix` was asked to do besides installing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FixOptions {
    /// With `--cluster`: switch the current kube context to the pinned one.
    pub(crate) switch_context: bool,
    pub(crate) dry_run: bool,
    pub(crate) allow_sudo: bool,
    pub(crate) quiet: bool,
    pub(crate) format: Format,
}

pub(crate) async fn run(session: &mut Session, opts: FixOptions) -> Result<u8, Fatal> {
    // Each binary runs once per run: the report at the end reuses what the probes before
    // planning and the re-probes read from files that have not changed since.
    session.ctx.probe.memo = Some(Arc::new(Memo::default()));
    // The HTTP client is built while the probes run.
    let client = (!opts.dry_run).then(|| apply::start_client(session));
    let (observations, findings) = session.diagnose_now().await;
    if opts.dry_run {
        let plan = plan::plan(
            &findings,
            &session.manifest,
            &session.layout(),
            session.ctx.mirror.as_deref(),
            |t| session.tools.contains(&t),
        );
        let rows = match session.ctx.cluster {
            true => Some(
                session
                    .look_at_cluster(&session.cluster_tools(&findings).await)
                    .await,
            ),
            false => None,
        };
        let minikube = session.minikube_release(&findings);
        // The exit code of a dry run is that of the look it made, like --check.
        let looked = ClusterRun {
            rows: rows.clone().unwrap_or_default(),
            ..ClusterRun::default()
        };
        match opts.format {
            Format::Json => {
                let cluster = rows.map(|rows| {
                    render::render(
                        &ClusterRun {
                            rows,
                            ..ClusterRun::default()
                        },
                        minikube,
                    )
                });
                emit(&report::json_dry_run(
                    &findings,
                    &plan,
                    cluster.as_deref(),
                    &session.header(),
                ))?;
            }
            Format::Text => {
                emit(&inert_lines(&plan.render(&findings, &session.layout())))?;
                if let Some(rows) = rows {
                    emit(&inert_lines(&render::dry_run(
                        &rows,
                        minikube,
                        opts.switch_context,
                    )))?;
                }
            }
        }
        return Ok(exit_code(&findings, &[], &looked));
    }

    let ctx = &session.ctx;
    let bars = (!opts.quiet && ctx.stderr_tty).then(|| Arc::new(Bars::default()));
    let progress: Arc<dyn Progress> = match (&bars, opts.quiet) {
        (Some(b), _) => b.clone(),
        (None, true) => Arc::new(Quiet),
        (None, false) => Arc::new(Lines),
    };
    let runner = Runner {
        progress: progress.clone(),
        cancel: Cancel::default(),
        sudo_allowed: opts.allow_sudo && ctx.stdin_tty && ctx.stderr_tty,
    };
    let choices = Choices {
        install: session.tools.clone(),
        keep: Vec::new(),
        not_needed: Vec::new(),
    };

    let applied = {
        let applying = apply::apply(session, observations, &findings, &choices, &runner, client);
        tokio::pin!(applying);
        tokio::select! {
            a = &mut applying => a,
            _ = cancel::terminated() => {
                // Downloads stop at once and keep their `.partial` for the next run; an install
                // whose rename already happened still finishes its re-probe and roll-back.
                runner.cancel.cancel();
                applying.await
            }
        }
    };
    if applied.cancelled() {
        progress.note(
            "interrupted: nothing was half-installed; the next `aladdin-doctor --fix` resumes the downloads",
        );
        return Ok(EXIT_FINDINGS);
    }
    // Another --fix held the lock for longer than we may wait: this run could not run.
    if let Some(e) = applied.outcomes.iter().find_map(|o| match &o.done {
        Done::Failed(ApplyError::Lock(e)) => Some(e),
        _ => None,
    }) {
        return Err(Fatal(e.to_string()));
    }
    let mut outcomes = applied.outcomes;

    // VirtualBox: never sudo silently; only with --allow-sudo on a terminal, each command shown.
    let mut installer_ran = false;
    for o in &mut outcomes {
        let Done::InstallerReady {
            installer,
            vm_running: false,
            sudo_allowed: true,
        } = &o.done
        else {
            continue;
        };
        let commands = apply::privileged_commands(session, installer, false);
        installer_ran = true;
        let run = || apply::run_privileged(&commands, &mut std::io::stderr());
        let result = match &bars {
            Some(b) => b.suspend(run),
            None => run(),
        };
        if let Err(e) = result {
            o.done = Done::Failed(ApplyError::Privileged(e));
        }
    }

    // A system installer may change files behind a wrapper whose own identity stays the same.
    if installer_ran && let Some(memo) = &session.ctx.probe.memo {
        memo.clear();
    }
    // The summary comes from a fresh diagnosis, like --check (a file that has not changed since
    // this run probed it is not run again).
    let (_, findings) = session.diagnose_now().await;
    let cluster = if session.ctx.cluster {
        fix_cluster(session, &findings, progress.as_ref(), opts.switch_context).await
    } else {
        ClusterRun::default()
    };
    emit(&session.render(opts.format, &findings, &outcomes, &cluster))?;
    Ok(exit_code(&findings, &outcomes, &cluster))
}

/// `--fix --cluster` on the command line: each command shown before it runs, its output
/// passed through (made inert by the progress sink), a signal stops it.
async fn fix_cluster(
    session: &Session,
    findings: &[Finding],
    progress: &dyn Progress,
    switch_context: bool,
) -> ClusterRun {
    let cancel = Cancel::default();
    let watcher = tokio::spawn({
        let cancel = cancel.clone();
        async move {
            cancel::terminated().await;
            cancel.cancel();
        }
    });
    let on_step = |step: &fix::Step| {
        progress.note(format!(
            "{}: running `{}`",
            step.check.name(),
            render::action_line(&step.action)
        ));
    };
    let on_line = |l: &str| progress.note(format!("  │ {l}"));
    let run = session
        .fix_cluster(
            findings,
            switch_context,
            fix::MAX_ROUNDS,
            &cancel,
            &on_step,
            &on_line,
        )
        .await;
    watcher.abort();
    let minikube = session.minikube_release(findings);
    if !switch_context && let Some(name) = fix::needs_switch(&run.rows, minikube) {
        progress.note(format!(
            "kube-context: not switched to `{name}`; `aladdin-doctor --fix --cluster --switch-context` switches it"
        ));
    }
    run
}
