//! Dispatch only: resolve the command line once, read the environment once, run the mode.

use std::io::Write;

use crate::cli::{self, Cli};
use crate::context::Context;
use crate::core::inert::inert_lines;
use crate::core::trace::TraceEvent;
use crate::mode::{self, Mode};
use crate::modes;
use crate::session::{CacheUse, EXIT_ERROR, Fatal, Session, emit};
use crate::tui;

pub(crate) fn run(cli: Cli) -> u8 {
    let (settings, choice) = mode::resolve(cli);
    // What needs neither the environment nor a manifest from outside.
    let early = match choice.clone().mode(false) {
        Mode::Version => Some(modes::about::version()),
        Mode::Completions { shell } => Some(emit_bytes(&cli::completions(shell))),
        Mode::Man => Some(emit_bytes(&cli::man())),
        _ => None,
    };
    if let Some(result) = early {
        return result.unwrap_or_else(|f| fatal(&f));
    }
    let ctx = match Context::from_env(&settings) {
        Ok(c) => c,
        Err(e) => return fatal(&Fatal(e.to_string())),
    };
    let mode = choice.mode(ctx.stdin_tty && ctx.stdout_tty);
    let only = settings.only;
    let (trace, started) = (ctx.probe.trace.clone(), std::time::Instant::now());
    let result = match mode {
        Mode::Env {
            shell,
            persist,
            dry_run,
        } => modes::env::run(&ctx, shell, persist, dry_run),
        Mode::Verify { format } => modes::verify::run(&ctx, format),
        Mode::Override {
            tool,
            reason,
            clear,
            not_needed,
        } => block_on(async move {
            let mut session = Session::open(ctx, &[tool], CacheUse::ReadWrite)?;
            let what = match (clear, not_needed) {
                (true, _) => modes::keep::What::Clear,
                (_, true) => modes::keep::What::NotNeeded,
                _ => modes::keep::What::Keep,
            };
            modes::keep::run(&mut session, tool, reason, what).await
        }),
        Mode::Check { format, cached } => block_on(async move {
            let cache = if cached {
                CacheUse::Read
            } else {
                CacheUse::Off
            };
            let session = Session::open(ctx, &only, cache)?;
            modes::check::run(&session, format).await
        }),
        Mode::Status { format } => block_on(async move {
            let session = Session::open(ctx, &only, CacheUse::ReadWrite)?;
            modes::status::run(&session, format).await
        }),
        Mode::Fix(opts) => block_on(async move {
            // A dry run changes nothing, the probe cache included.
            let cache = if opts.dry_run {
                CacheUse::Read
            } else {
                CacheUse::ReadWrite
            };
            let mut session = Session::open(ctx, &only, cache)?;
            modes::fix::run(&mut session, opts).await
        }),
        Mode::PinsUpdate(opts) => block_on(async move { modes::pins::update(&ctx, opts).await }),
        Mode::PinsCheck(opts) => block_on(async move {
            let session = Session::without_overrides(ctx, &only)?;
            modes::pins::check(&session, opts).await
        }),
        Mode::Mirror(opts) => block_on(async move {
            let session = Session::without_overrides(ctx, &only)?;
            modes::mirror::run(&session, opts).await
        }),
        Mode::Cache(opts) => block_on(async move {
            let session = Session::without_overrides(ctx, &only)?;
            modes::cache::run(&session, opts).await
        }),
        Mode::Version | Mode::Completions { .. } | Mode::Man => unreachable!("handled above"),
        Mode::Tui => block_on(async move {
            let session = Session::open(ctx, &only, CacheUse::ReadWrite)?;
            tui::run(session).await
        }),
    };
    trace.emit(|| TraceEvent::Step {
        what: "the whole run".into(),
        took: started.elapsed(),
    });
    match result {
        Ok(code) => code,
        Err(f) => fatal(&f),
    }
}

fn emit_bytes(bytes: &[u8]) -> Result<u8, Fatal> {
    emit(&String::from_utf8_lossy(bytes))?;
    Ok(crate::session::EXIT_OK)
}

fn fatal(f: &Fatal) -> u8 {
    let _ = writeln!(std::io::stderr(), "error: {}", inert_lines(&f.0));
    EXIT_ERROR
}

fn block_on(work: impl Future<Output = Result<u8, Fatal>>) -> Result<u8, Fatal> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Fatal(format!("cannot start the async runtime: {e}")))?
        .block_on(work)
}
