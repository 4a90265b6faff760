//! I/O: making the bin dir first on PATH in every new shell — which startup file, which line
//! (`core::envline` decides both), and writing it there once. Shared by `env --persist` and the
//! TUI's PATH step; each words the result its own way.

use std::path::PathBuf;

use crate::context::Context;
use crate::core::envline::{self, Homes, Persist, Shell};
use crate::core::tool::Os;
use crate::fsutil;

/// What persisting would write, and where; shown before anything is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PersistPlan {
    pub(crate) shell: Shell,
    /// The startup file as the user knows it (a symlink is written through).
    pub(crate) rc: PathBuf,
    /// The line, without the marker comment above it.
    pub(crate) line: String,
}

/// Why there is nothing to persist into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PlanProblem {
    /// `$SHELL` names a shell whose syntax `env` does not write.
    UnknownShell(String),
    /// No home directory: no startup file.
    NoHome,
    /// PowerShell: its profile is the user's to edit.
    NoStartupFile,
}

/// The shell `env` writes for: the one asked for, else the one `$SHELL` names.
pub(crate) fn shell(ctx: &Context, asked: Option<Shell>) -> Result<Shell, PlanProblem> {
    match asked {
        Some(s) => Ok(s),
        None => envline::guess_shell(ctx.shell.as_deref(), ctx.platform.os == Os::Windows)
            .map_err(PlanProblem::UnknownShell),
    }
}

pub(crate) fn plan(ctx: &Context, shell: Shell) -> Result<PersistPlan, PlanProblem> {
    let home = ctx.home.as_deref().ok_or(PlanProblem::NoHome)?;
    let homes = Homes {
        home,
        zdotdir: ctx.zdotdir.as_deref(),
        xdg_config: ctx.xdg_config_home.as_deref(),
        macos: ctx.platform.os == Os::Darwin,
    };
    match (
        envline::rc_file(shell, &homes),
        envline::persist_line(shell, &ctx.bin_dir, home),
    ) {
        (Some(rc), Some(line)) => Ok(PersistPlan { shell, rc, line }),
        _ => Err(PlanProblem::NoStartupFile),
    }
}

/// What writing did (or, with `dry_run`, would do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Persisted {
    /// The file already has the line, at this line number.
    Unchanged {
        line: usize,
    },
    Appended,
    /// The line added before named another bin dir; it was replaced.
    Replaced {
        old: String,
    },
}

/// A startup file that could not be read or written; nothing was changed.
#[derive(Debug)]
pub(crate) struct WriteError {
    pub(crate) reading: bool,
    pub(crate) error: std::io::Error,
}

/// Adds the plan's line (under `envline::MARKER`) to its startup file, once; a line added
/// before for another bin dir is replaced. Written through symlinks, keeping the file's mode.
pub(crate) fn write(plan: &PersistPlan, dry_run: bool) -> Result<Persisted, WriteError> {
    let target = fsutil::resolve_links(&plan.rc);
    let text = match std::fs::read_to_string(&target) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => {
            return Err(WriteError {
                reading: true,
                error,
            });
        }
    };
    let (new_text, done) = match envline::persist(&text, &plan.line) {
        Persist::Unchanged { line } => return Ok(Persisted::Unchanged { line }),
        Persist::Appended { text } => (text, Persisted::Appended),
        Persist::Replaced { old, text } => (text, Persisted::Replaced { old }),
    };
    if !dry_run {
        fsutil::replace_file(&plan.rc, new_text.as_bytes()).map_err(|error| WriteError {
            reading: false,
            error,
        })?;
    }
    Ok(done)
}
