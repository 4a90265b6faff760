//! The shell around the pure core: loads files, runs probes, renders, maps outcomes to exit
//! codes. Every mode goes through the same `diagnose`.

use std::io::{self, Write};
use std::path::Path;

use crate::cli::{Cli, Command, Format};
use crate::context::Context;
use crate::core::diagnose::{self, Finding, Layout};
use crate::core::envline;
use crate::core::manifest::Manifest;
use crate::core::overrides::{OverrideEntry, Overrides};
use crate::core::report::{self, Header};
use crate::core::tool::Tool;
use crate::fsutil;
use crate::probe::{self, Observation};

/// Exit codes (DESIGN §2).
pub(crate) const EXIT_OK: u8 = 0;
pub(crate) const EXIT_FINDINGS: u8 = 1;
pub(crate) const EXIT_ERROR: u8 = 2;

/// A failure that stops the run: printed to stderr, exit 2.
#[derive(Debug)]
pub(crate) struct Fatal(pub String);

impl<E: std::fmt::Display> From<E> for Fatal {
    fn from(e: E) -> Self {
        Fatal(e.to_string())
    }
}

pub(crate) fn run(cli: Cli) -> u8 {
    let ctx = match Context::from_env(&cli) {
        Ok(c) => c,
        Err(e) => return fatal(&Fatal(e.to_string())),
    };
    let result = match &cli.command {
        Some(Command::Env { shell }) => run_env(&ctx, *shell),
        Some(Command::Override {
            tool,
            reason,
            clear,
        }) => {
            runtime().and_then(|rt| rt.block_on(run_override(&ctx, *tool, reason.clone(), *clear)))
        }
        None if cli.fix => {
            runtime().and_then(|rt| rt.block_on(crate::modes::fix::run_fix(&ctx, &cli)))
        }
        None if !cli.check && cli.format == Format::Text && ctx.stdin_tty && ctx.stdout_tty => {
            runtime().and_then(|rt| rt.block_on(crate::tui::run(&ctx, &cli)))
        }
        None => runtime().and_then(|rt| rt.block_on(run_check(&ctx, &cli))),
    };
    match result {
        Ok(code) => code,
        Err(f) => fatal(&f),
    }
}

fn fatal(f: &Fatal) -> u8 {
    let _ = writeln!(io::stderr(), "error: {}", f.0);
    EXIT_ERROR
}

fn runtime() -> Result<tokio::runtime::Runtime, Fatal> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Fatal(format!("cannot start the async runtime: {e}")))
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

pub(crate) fn load_manifest(ctx: &Context) -> Result<Manifest, Fatal> {
    match &ctx.manifest_path {
        None => Ok(Manifest::embedded()?),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Fatal(format!(
                    "cannot read the manifest {}: {e}\n  help: pass an existing versions.toml with --manifest, or drop --manifest to use the embedded one",
                    path.display()
                ))
            })?;
            Ok(Manifest::parse(&text, &path.display().to_string())?)
        }
    }
}

/// The overrides file's text ("" when there is none) and its parsed entries.
pub(crate) fn load_overrides(ctx: &Context) -> Result<(String, Overrides), Fatal> {
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
    let parsed = Overrides::parse(&text, &path.display().to_string())?;
    Ok((text, parsed))
}

/// The tools to look at: the manifest's, narrowed by `--only`.
pub(crate) fn selected_tools(manifest: &Manifest, only: &[Tool]) -> Result<Vec<Tool>, Fatal> {
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

pub(crate) fn layout(ctx: &Context) -> Layout {
    Layout {
        platform: ctx.platform,
        bin_dir: ctx.bin_dir.clone(),
        bin_dir_index: ctx.search_space().bin_dir_index(),
    }
}

pub(crate) fn header(ctx: &Context, manifest: &Manifest) -> Header {
    Header {
        layout: layout(ctx),
        manifest: manifest.source.clone(),
    }
}

/// Probes and diagnoses: the one diagnosis every mode renders.
pub(crate) async fn diagnose_now(
    ctx: &Context,
    manifest: &Manifest,
    overrides: &Overrides,
    tools: &[Tool],
) -> (Vec<Observation>, Vec<Finding>) {
    let observations = probe::observe(tools, &ctx.search_space(), &ctx.probe).await;
    let findings = diagnose::diagnose(manifest, &observations, overrides, &layout(ctx));
    (observations, findings)
}

/// The report every mode ends with: text (coloured only on a terminal) or JSON.
pub(crate) fn render(
    ctx: &Context,
    format: Format,
    findings: &[Finding],
    manifest: &Manifest,
) -> String {
    let header = header(ctx, manifest);
    match format {
        Format::Json => report::json(findings, &header),
        Format::Text => report::text(findings, &header, ctx.stdout_tty && ctx.colour_allowed),
    }
}

/// `--check` (and the default off a terminal): read-only, no network.
async fn run_check(ctx: &Context, cli: &Cli) -> Result<u8, Fatal> {
    let manifest = load_manifest(ctx)?;
    let (_, overrides) = load_overrides(ctx)?;
    let tools = selected_tools(&manifest, &cli.common.only)?;
    let (_, findings) = diagnose_now(ctx, &manifest, &overrides, &tools).await;
    emit(&render(ctx, cli.format, &findings, &manifest))?;
    Ok(diagnose::exit_code(&findings) as u8)
}

fn run_env(ctx: &Context, shell: Option<crate::cli::Shell>) -> Result<u8, Fatal> {
    let windows = ctx.platform.os == crate::core::tool::Os::Windows;
    let shell = shell.unwrap_or_else(|| envline::guess_shell(ctx.shell.as_deref(), windows));
    emit(&format!(
        "{}\n",
        envline::line(shell, &ctx.bin_dir, &ctx.path_entries, windows)
    ))?;
    Ok(EXIT_OK)
}

async fn run_override(
    ctx: &Context,
    tool: Tool,
    reason: Option<String>,
    clear: bool,
) -> Result<u8, Fatal> {
    let manifest = load_manifest(ctx)?;
    // A broken file is reported and left exactly as it is.
    let (text, overrides) = load_overrides(ctx)?;
    let path = ctx.overrides_path();
    let spec = manifest.get(tool).ok_or_else(|| {
        Fatal(format!(
            "{} does not pin {tool}; there is nothing to override",
            manifest.source
        ))
    })?;

    if clear {
        return match Overrides::without_entry(&text, tool) {
            None => {
                emit(&format!("{tool} has no override; nothing to clear\n"))?;
                Ok(EXIT_OK)
            }
            Some(new_text) => {
                write_overrides(&path, &new_text)?;
                emit(&format!(
                    "{tool}: override cleared; it is checked against the pin {} again\n",
                    spec.pin_display()
                ))?;
                Ok(EXIT_OK)
            }
        };
    }

    let (_, findings) = diagnose_now(ctx, &manifest, &overrides, &[tool]).await;
    let finding = findings.into_iter().next().expect("one tool diagnosed");
    let Some(found) = finding.found.as_ref() else {
        return Err(Fatal(format!(
            "{tool} is not installed (nothing on PATH), so there is no version to keep\n  help: install it, or run `aladdin-doctor --fix` to install the pinned {}",
            finding.pinned
        )));
    };
    let Some(version) = found.version.clone() else {
        return Err(Fatal(format!(
            "the version of {} could not be read ({}), so it cannot be kept",
            found.path.display(),
            found.error.as_deref().unwrap_or("unknown reason")
        )));
    };
    if found.satisfies {
        emit(&format!(
            "{tool} {version} at {} already satisfies the pin {}; nothing to keep\n",
            found.path.display(),
            finding.pinned
        ))?;
        return Ok(EXIT_OK);
    }
    let entry = OverrideEntry {
        version: version.clone(),
        path: found.path.clone(),
        pin: finding.pinned.clone(),
        reason,
        recorded: None,
    };
    save_override(ctx, tool, entry)?;
    emit(&format!(
        "{tool} {version} at {} is kept instead of {} (recorded in {}); it is reported again if the pin or the binary changes\n",
        found.path.display(),
        finding.pinned,
        path.display()
    ))?;
    Ok(EXIT_OK)
}

/// Records `entry` (stamped now) in the overrides file, keeping everything else in it. Used by
/// `aladdin-doctor override` and the TUI's "keep mine". A broken file is left untouched.
pub(crate) fn save_override(
    ctx: &Context,
    tool: Tool,
    mut entry: OverrideEntry,
) -> Result<OverrideEntry, Fatal> {
    let (text, _) = load_overrides(ctx)?;
    entry.recorded =
        Some(humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string());
    write_overrides(
        &ctx.overrides_path(),
        &Overrides::with_entry(&text, tool, &entry),
    )?;
    Ok(entry)
}

fn write_overrides(path: &Path, text: &str) -> Result<(), Fatal> {
    fsutil::write_atomic(path, text.as_bytes(), None).map_err(|e| {
        Fatal(format!(
            "cannot write the overrides file {}: {e}",
            path.display()
        ))
    })
}
