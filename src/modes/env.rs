//! `env`: the line that puts the bin dir first on PATH, for `eval "$(aladdin-doctor env)"`;
//! with `--persist`, the line that does it in every new shell, added to its startup file once.

use crate::context::Context;
use crate::core::envline::{self, Shell};
use crate::core::inert::inert_lines;
use crate::core::tool::Os;
use crate::session::{EXIT_OK, Fatal, emit};
use crate::shellrc::{self, Persisted, PlanProblem};

pub(crate) fn run(
    ctx: &Context,
    shell: Option<Shell>,
    persist: bool,
    dry_run: bool,
) -> Result<u8, Fatal> {
    let windows = ctx.platform.os == Os::Windows;
    let shell = shellrc::shell(ctx, shell).map_err(|p| problem(ctx, p))?;
    if !persist {
        emit(&format!(
            "{}\n",
            envline::line(shell, &ctx.bin_dir, &ctx.path_entries, windows)
        ))?;
        return Ok(EXIT_OK);
    }
    let plan = shellrc::plan(ctx, shell).map_err(|p| problem(ctx, p))?;
    let rc = &plan.rc;
    let shown = format!("{}\n{}", envline::MARKER, plan.line);
    let done = shellrc::write(&plan, true).map_err(|e| write_error(rc, e))?;
    let appended = match &done {
        Persisted::Unchanged { line: n } => {
            emit(&inert_lines(&format!(
                "{}:{n} already puts {} first on PATH ({}); nothing changed\n",
                rc.display(),
                ctx.bin_dir.display(),
                shell.name()
            )))?;
            return Ok(EXIT_OK);
        }
        Persisted::Appended => true,
        Persisted::Replaced { old } => {
            emit(&inert_lines(&format!(
                "the line aladdin-doctor added before names another bin dir:\n  {old}\n"
            )))?;
            false
        }
    };
    let action = match (dry_run, appended) {
        (false, true) => "Adding to the end of",
        (false, false) => "Replacing that line in",
        (true, true) => "Would add to the end of",
        (true, false) => "Would replace that line in",
    };
    emit(&inert_lines(&format!(
        "{action} {} ({}), so that every new shell puts {} first on PATH:\n\n{shown}\n\n",
        rc.display(),
        shell.name(),
        ctx.bin_dir.display(),
    )))?;
    if dry_run {
        emit("--dry-run: nothing was written.\n")?;
        return Ok(EXIT_OK);
    }
    shellrc::write(&plan, false).map_err(|e| write_error(rc, e))?;
    emit(&format!(
        "Done. Open a new terminal, or now in this one: {}\n",
        match shell {
            Shell::Fish => "aladdin-doctor env | source",
            _ => crate::core::render::ENV_CMD,
        }
    ))?;
    Ok(EXIT_OK)
}

fn write_error(rc: &std::path::Path, e: shellrc::WriteError) -> Fatal {
    if e.reading {
        Fatal(format!(
            "cannot read {}: {}; nothing was changed",
            rc.display(),
            e.error
        ))
    } else {
        Fatal(format!(
            "cannot write {}: {}; nothing was changed. Add the two lines above to it yourself",
            rc.display(),
            e.error
        ))
    }
}

fn problem(ctx: &Context, p: PlanProblem) -> Fatal {
    match p {
        PlanProblem::UnknownShell(name) => unknown_shell(ctx, &name),
        PlanProblem::NoHome => Fatal(
            "cannot find your home directory (HOME is unset), so there is no startup file to add the line to".into(),
        ),
        PlanProblem::NoStartupFile => Fatal(
            "--persist writes bash, zsh, fish and sh startup files; for PowerShell add `aladdin-doctor env --shell powershell | Invoke-Expression` to your $PROFILE".into(),
        ),
    }
}

/// `$SHELL` names a shell whose syntax `env` does not write: say so, never print a bash line.
fn unknown_shell(ctx: &Context, name: &str) -> Fatal {
    let bin = ctx.bin_dir.display();
    let own = match name {
        "tcsh" | "csh" => format!("; in {name}: `set path = ( {bin} $path )`"),
        _ => String::new(),
    };
    Fatal(format!(
        "your shell is {name} (SHELL={}), whose syntax aladdin-doctor env does not write: pass --shell bash, zsh, fish, sh or powershell if you use one of those, or put {bin} first on PATH in {name}'s own way{own}",
        ctx.shell.as_deref().unwrap_or_default()
    ))
}
