//! What every mode shares: the context, the manifest, the overrides and the selected tools;
//! probing and diagnosing; the report; and the one exit-code policy.

use std::io::{self, Write};

use crate::cancel::Cancel;
use crate::cluster::{ClusterRun, fix};
use crate::context::Context;
use crate::core::diagnose::{self, Finding, Layout};
use crate::core::inert::inert_lines;
use crate::core::manifest::Manifest;
use crate::core::observation::Observation;
use crate::core::outcome::Outcome;
use crate::core::overrides::{NotNeeded, OverrideEntry, Overrides};
use crate::core::report::Format;
use crate::core::report::{self, Header};
use crate::core::tool::Tool;
use crate::core::trace::TraceEvent;
use crate::fsutil;
use crate::probe;
use crate::probe::cache::ProbeCache;
use crate::probe::cluster::ClusterTools;
use std::sync::Arc;

/// Exit codes, the same in every mode: 0 every tool satisfied, 1 something remains to be done
/// (or an install failed), 2 could not run.
pub(crate) const EXIT_OK: u8 = 0;
pub(crate) const EXIT_FINDINGS: u8 = 1;
pub(crate) const EXIT_ERROR: u8 = 2;

/// The exit code for a run that got as far as a diagnosis.
pub(crate) fn exit_code(findings: &[Finding], outcomes: &[Outcome], cluster: &ClusterRun) -> u8 {
    if findings.iter().all(Finding::satisfied)
        && !outcomes.iter().any(Outcome::failed)
        && !cluster.rows.iter().any(crate::cluster::rows::fails)
    {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    }
}

/// A failure that stops the run: printed to stderr, exit 2.
#[derive(Debug)]
pub(crate) struct Fatal(pub(crate) String);

impl<E: std::fmt::Display> From<E> for Fatal {
    fn from(e: E) -> Self {
        Fatal(e.to_string())
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn emit(text: &str) -> Result<(), Fatal> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Fatal(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub(crate) ctx: Context,
    pub(crate) manifest: Manifest,
    pub(crate) overrides: Overrides,
    /// The overrides file as read, to notice a change made by another process.
    overrides_text: String,
    /// The tools to look at: the manifest's, narrowed by `--only`.
    pub(crate) tools: Vec<Tool>,
}

/// How a run uses the probe cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CacheUse {
    Off,
    /// `--check --cached`: reuse answers, write nothing.
    Read,
    /// `status`, the TUI, `--fix`: reuse and refresh.
    ReadWrite,
}

impl Session {
    pub(crate) fn open(mut ctx: Context, only: &[Tool], cache: CacheUse) -> Result<Session, Fatal> {
        let cache = if ctx.no_cache { CacheUse::Off } else { cache };
        if cache != CacheUse::Off {
            ctx.probe.cache = Some(Arc::new(ProbeCache::load(
                &ctx.state_dir,
                cache == CacheUse::ReadWrite,
            )));
        }
        let manifest = load_manifest(&ctx)?;
        let tools = selected_tools(&manifest, only)?;
        let (overrides_text, overrides) = load_overrides(&ctx)?;
        usable(&overrides, &tools)?;
        warn_ignored(&overrides);
        Ok(Session {
            ctx,
            manifest,
            overrides,
            overrides_text,
            tools,
        })
    }

    /// A session for the platform team's commands (`pins check`, `mirror`): the manifest and
    /// the selected tools. A user's overrides file has no say in them and is not read.
    pub(crate) fn without_overrides(ctx: Context, only: &[Tool]) -> Result<Session, Fatal> {
        let manifest = load_manifest(&ctx)?;
        let tools = selected_tools(&manifest, only)?;
        Ok(Session {
            ctx,
            manifest,
            overrides: Overrides::default(),
            overrides_text: String::new(),
            tools,
        })
    }

    /// A session over `manifest` for in-crate tests (no overrides file yet).
    #[cfg(test)]
    pub(crate) fn for_test(ctx: Context, manifest: Manifest) -> Session {
        Session {
            ctx,
            tools: manifest.tools.iter().map(|s| s.tool).collect(),
            manifest,
            overrides: Overrides::default(),
            overrides_text: String::new(),
        }
    }

    pub(crate) fn layout(&self) -> Layout {
        Layout {
            platform: self.ctx.platform,
            bin_dir: self.ctx.bin_dir.clone(),
            bin_dir_index: self.ctx.search_space().bin_dir_index(),
        }
    }

    pub(crate) fn header(&self) -> Header {
        Header {
            layout: self.layout(),
            manifest: self.manifest.source.clone(),
        }
    }

    /// Locates and probes every copy of every selected tool, all at once.
    pub(crate) async fn observe(&self) -> Vec<Observation> {
        let started = std::time::Instant::now();
        let observations =
            probe::observe(&self.tools, &self.ctx.search_space(), &self.ctx.probe).await;
        self.ctx.probe.trace.emit(|| TraceEvent::Step {
            what: format!(
                "located and probed {} tool{} ({})",
                self.tools.len(),
                if self.tools.len() == 1 { "" } else { "s" },
                observations
                    .iter()
                    .map(|o| format!(
                        "{}: {} cop{}",
                        o.tool,
                        o.copies.len(),
                        if o.copies.len() == 1 { "y" } else { "ies" }
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            took: started.elapsed(),
        });
        self.remember(&observations);
        observations
    }

    /// Writes the probe cache (if this run refreshes it), keeping entries for what `observations`
    /// saw.
    pub(crate) fn remember(&self, observations: &[Observation]) {
        if let Some(cache) = &self.ctx.probe.cache {
            let seen: Vec<(Tool, std::path::PathBuf)> = observations
                .iter()
                .flat_map(|o| {
                    o.copies
                        .iter()
                        .filter_map(move |c| Some((o.tool, std::fs::canonicalize(&c.path).ok()?)))
                })
                .collect();
            let tools: Vec<Tool> = observations.iter().map(|o| o.tool).collect();
            cache.save(&tools, &seen);
        }
    }

    pub(crate) fn diagnose(&self, observations: &[Observation]) -> Vec<Finding> {
        diagnose::diagnose(
            &self.manifest,
            observations,
            &self.overrides,
            &self.layout(),
        )
    }

    /// Probes and diagnoses: the one diagnosis every mode renders.
    pub(crate) async fn diagnose_now(&self) -> (Vec<Observation>, Vec<Finding>) {
        let observations = self.observe().await;
        let findings = self.diagnose(&observations);
        (observations, findings)
    }

    /// Reads the overrides file again; true when another process changed it.
    pub(crate) fn reload_overrides(&mut self) -> Result<bool, Fatal> {
        let (text, overrides) = load_overrides(&self.ctx)?;
        usable(&overrides, &self.tools)?;
        let changed = text != self.overrides_text;
        self.overrides_text = text;
        self.overrides = overrides;
        Ok(changed)
    }

    /// Records `entry` (stamped now) in the overrides file, keeping everything else in it. Used
    /// by `aladdin-doctor override` and the TUI's "keep mine". A broken file is left untouched.
    pub(crate) fn save_override(
        &mut self,
        tool: Tool,
        mut entry: OverrideEntry,
    ) -> Result<OverrideEntry, Fatal> {
        entry.recorded =
            Some(humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string());
        self.edit_overrides(|text| Some(Overrides::with_entry(text, tool, &entry)))?;
        Ok(entry)
    }

    /// Marks `tool` not needed (stamped now) in the overrides file, replacing a kept version.
    pub(crate) fn save_not_needed(
        &mut self,
        tool: Tool,
        reason: Option<String>,
    ) -> Result<(), Fatal> {
        let mark = NotNeeded {
            reason,
            recorded: Some(
                humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            ),
        };
        self.edit_overrides(|text| Some(Overrides::with_not_needed(text, tool, &mark)))?;
        Ok(())
    }

    /// Forgets `tool`'s override; false when it had none.
    pub(crate) fn clear_override(&mut self, tool: Tool) -> Result<bool, Fatal> {
        self.edit_overrides(|text| Overrides::without_entry(text, tool))
    }

    /// Read-modify-write of the overrides file under its lock, so that two edits at once both
    /// land; `edit` returns None to leave the file as it is. Returns whether it was written.
    fn edit_overrides(&mut self, edit: impl FnOnce(&str) -> Option<String>) -> Result<bool, Fatal> {
        let path = self.ctx.overrides_path();
        let lock = path.with_extension("toml.lock");
        let guard = fsutil::lock_file(&lock, std::time::Duration::from_secs(10))
            .map_err(|e| Fatal(format!("cannot lock {}: {e}", lock.display())))?;
        if guard.is_none() {
            return Err(Fatal(format!(
                "another aladdin-doctor is editing {} and still holds {}; try again in a moment",
                path.display(),
                lock.display()
            )));
        }
        self.reload_overrides()?;
        // An edit rewrites the whole file: never while any part of it is broken.
        if let Some(e) = self.overrides.error_for(None) {
            return Err(Fatal(e.to_string()));
        }
        let Some(text) = edit(&self.overrides_text) else {
            return Ok(false);
        };
        fsutil::replace_file(&path, text.as_bytes()).map_err(|e| {
            Fatal(format!(
                "cannot write the overrides file {}: {e}",
                path.display()
            ))
        })?;
        self.reload_overrides()?;
        Ok(true)
    }

    /// The report every mode ends with: text (coloured only on a terminal) or JSON.
    pub(crate) fn render(
        &self,
        format: Format,
        findings: &[Finding],
        outcomes: &[Outcome],
        cluster: &ClusterRun,
    ) -> String {
        let header = self.header();
        let minikube = self.minikube_release(findings);
        // With `--cluster`, or when the TUI was asked to look (`c`).
        let cluster = (self.ctx.cluster || !cluster.rows.is_empty())
            .then(|| crate::cluster::render::render(cluster, minikube));
        let cluster = cluster.as_deref();
        match format {
            Format::Json => report::json(findings, outcomes, cluster, &header),
            Format::Text => report::text(
                findings,
                outcomes,
                cluster,
                &header,
                report::Style {
                    colour: self.ctx.colour,
                    width: self.ctx.width,
                },
            ),
        }
    }

    /// The minikube release the diagnosis found (its flags differ by era).
    pub(crate) fn minikube_release(&self, findings: &[Finding]) -> Option<crate::cluster::Release> {
        findings
            .iter()
            .find(|f| f.tool == Tool::Minikube)
            .and_then(|f| f.found_version())
            .and_then(crate::cluster::Release::parse)
    }

    /// The cluster tools: the copy PATH runs of docker, minikube, kubectl and helm, from the
    /// diagnosis where it looked at them, else probed now (`--only docker --cluster` still
    /// needs minikube). A copy whose version could not be read is still used: minikube then
    /// gets today's flags, helm 3's checks.
    pub(crate) async fn cluster_tools(&self, findings: &[Finding]) -> ClusterTools {
        use crate::cluster::Release;
        use crate::cluster::helm::HelmGeneration;
        let wanted = [Tool::Docker, Tool::Minikube, Tool::Kubectl, Tool::Helm];
        let space = self.ctx.search_space();
        let missing: Vec<Tool> = wanted
            .into_iter()
            .filter(|t| !findings.iter().any(|f| f.tool == *t))
            .collect();
        let probed = futures_util::future::join_all(
            missing
                .iter()
                .map(|t| probe::observe_tool(*t, &space, &self.ctx.probe)),
        )
        .await;
        let found = |t: Tool| -> Option<(std::path::PathBuf, Option<Release>)> {
            if let Some(f) = findings.iter().find(|f| f.tool == t) {
                let s = f.found.as_ref()?;
                return Some((
                    s.path.clone(),
                    s.version.as_deref().and_then(Release::parse),
                ));
            }
            let c = probed.iter().find(|o| o.tool == t)?.effective()?;
            let version = match &c.state {
                crate::core::observation::CopyState::Read(r) => Some(Release::new(
                    u32::try_from(r.version.major).unwrap_or(u32::MAX),
                    u32::try_from(r.version.minor).unwrap_or(u32::MAX),
                    u32::try_from(r.version.patch).unwrap_or(u32::MAX),
                )),
                _ => None,
            };
            Some((c.path.clone(), version))
        };
        // The newest releases' flags when the version could not be read.
        const TODAY: Release = Release::new(1, 35, 0);
        ClusterTools {
            docker: found(Tool::Docker).map(|(p, _)| p),
            minikube: found(Tool::Minikube).map(|(p, v)| (p, v.unwrap_or(TODAY))),
            kubectl: found(Tool::Kubectl).map(|(p, _)| p),
            helm: found(Tool::Helm).map(|(p, v)| {
                let generation = v.map_or(HelmGeneration::Client, |r| {
                    HelmGeneration::of_major(u64::from(r.major))
                });
                (p, generation)
            }),
        }
    }

    /// With `--cluster`: the cluster's rows, probed with the tools the diagnosis found (empty
    /// without `--cluster`).
    pub(crate) async fn cluster(&self, findings: &[Finding]) -> ClusterRun {
        if !self.ctx.cluster {
            return ClusterRun::default();
        }
        ClusterRun {
            rows: self
                .look_at_cluster(&self.cluster_tools(findings).await)
                .await,
            fixes: Vec::new(),
        }
    }

    /// `--fix --cluster`, for every mode: look, run what `cluster::fix::next` plans (`on_step`
    /// before each, every line of its output to `on_line`, untrusted), look again; at most
    /// `rounds` rounds and no command twice. Once `cancel` is set, a running command gets
    /// SIGINT and nothing else runs, not even a last look.
    pub(crate) async fn fix_cluster(
        &self,
        findings: &[Finding],
        switch_context: bool,
        rounds: usize,
        cancel: &Cancel,
        on_step: &(dyn Fn(&fix::Step) + Sync),
        on_line: &(dyn Fn(&str) + Send + Sync),
    ) -> ClusterRun {
        let tools = self.cluster_tools(findings).await;
        let minikube = tools.minikube.as_ref().map(|(_, r)| *r);
        let look = async || {
            tokio::select! {
                rows = self.look_at_cluster(&tools) => Some(rows),
                _ = cancel.cancelled() => None,
            }
        };
        let mut run = ClusterRun {
            rows: look().await.unwrap_or_default(),
            fixes: Vec::new(),
        };
        for _ in 0..rounds {
            let done: Vec<fix::Action> = run.fixes.iter().map(|d| d.action.clone()).collect();
            let steps = fix::next(&run.rows, minikube, switch_context, &done);
            if steps.is_empty() || cancel.is_cancelled() {
                break;
            }
            for step in &steps {
                if cancel.is_cancelled() {
                    break;
                }
                on_step(step);
                let done =
                    probe::cluster::act(step, &tools, &self.ctx.probe.env, cancel, on_line).await;
                run.fixes.push(done);
            }
            match look().await {
                Some(rows) => run.rows = rows,
                None => break,
            }
        }
        run
    }

    /// One look at the cluster with `tools`.
    pub(crate) async fn look_at_cluster(
        &self,
        tools: &ClusterTools,
    ) -> Vec<crate::cluster::rows::Row> {
        crate::probe::cluster::observe(
            &self.manifest.cluster,
            &self.manifest.cluster_timeouts,
            tools,
            &self.ctx.probe.env,
        )
        .await
    }
}

fn load_manifest(ctx: &Context) -> Result<Manifest, Fatal> {
    match &ctx.manifest_path {
        None => Ok(Manifest::embedded()?),
        Some(path) => {
            let text = read_manifest(path)?;
            Ok(Manifest::parse(&text, &path.display().to_string())?)
        }
    }
}

/// The text of the versions.toml at `path`.
pub(crate) fn read_manifest(path: &std::path::Path) -> Result<String, Fatal> {
    std::fs::read_to_string(path).map_err(|e| {
        Fatal(format!(
            "cannot read the manifest {}: {e}\n  help: pass an existing versions.toml with --manifest, or drop --manifest to use the embedded one",
            path.display()
        ))
    })
}

/// The overrides file's text ("" when there is none) and its parsed entries.
fn load_overrides(ctx: &Context) -> Result<(String, Overrides), Fatal> {
    let path = ctx.overrides_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(Fatal(format!(
                "cannot read the overrides file {}: {e}",
                path.display()
            )));
        }
    };
    let parsed = Overrides::read(&text, &path.display().to_string());
    Ok((text, parsed))
}

/// The overrides stop a run only where a broken entry concerns one of `tools` (or cannot be
/// told apart from them); the broken entries of other tools are named on stderr and ignored.
fn usable(overrides: &Overrides, tools: &[Tool]) -> Result<(), Fatal> {
    match overrides.error_for(Some(tools)) {
        Some(e) => Err(Fatal(e.to_string())),
        None => Ok(()),
    }
}

fn warn_ignored(overrides: &Overrides) {
    let mut err = io::stderr().lock();
    for p in &overrides.problems {
        let _ = writeln!(
            err,
            "{}",
            inert_lines(&format!(
                "warning: {}:{}:{}: {}: {}; ignored, since this run does not look at {}",
                overrides.source,
                p.problem.line,
                p.problem.col,
                p.problem.key,
                p.problem.message,
                p.tool.map_or("it", |t| t.name())
            ))
        );
    }
}

/// The tools to look at: the manifest's, narrowed by `--only`.
fn selected_tools(manifest: &Manifest, only: &[Tool]) -> Result<Vec<Tool>, Fatal> {
    for t in only {
        if manifest.get(*t).is_none() {
            return Err(Fatal(format!(
                "--only {t}: {} does not pin {t} (it pins: {})",
                manifest.source,
                manifest
                    .tools
                    .iter()
                    .map(|s| s.tool.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    Ok(manifest
        .tools
        .iter()
        .map(|s| s.tool)
        .filter(|t| only.is_empty() || only.contains(t))
        .collect())
}
