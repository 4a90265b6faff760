//! `env`: the line that puts the bin dir first on PATH, for `eval "$(aladdin-doctor env)"`;
//! with `--persist`, the line that does it in every new shell, added to its startup file once.

use crate::context::Context;
use crate::core::envline::{self, Homes, Persist, Shell};
use crate::core::inert::inert_lines;
use crate::core::tool::Os;
use crate::fsutil;
use crate::session::{EXIT_OK, Fatal, emit};

pub(crate) fn run(
    ctx: &Context,
    shell: Option<Shell>,
    persist: bool,
    dry_run: bool,
) -> Result<u8, Fatal> {
    let windows = ctx.platform.os == Os::Windows;
    let shell = match shell {
        Some(s) => s,
        None => envline::guess_shell(ctx.shell.as_deref(), windows)
            .map_err(|name| unknown_shell(ctx, &name))?,
    };
    if !persist {
        emit(&format!(
            "{}\n",
            envline::line(shell, &ctx.bin_dir, &ctx.path_entries, windows)
        ))?;
        return Ok(EXIT_OK);
    }
    let home = ctx.home.as_deref().ok_or_else(|| {
        Fatal("cannot find your home directory (HOME is unset), so there is no startup file to add the line to".into())
    })?;
    let homes = Homes {
        home,
        zdotdir: ctx.zdotdir.as_deref(),
        xdg_config: ctx.xdg_config_home.as_deref(),
        macos: ctx.platform.os == Os::Darwin,
    };
    let (Some(rc), Some(line)) = (
        envline::rc_file(shell, &homes),
        envline::persist_line(shell, &ctx.bin_dir, home),
    ) else {
        return Err(Fatal(
            "--persist writes bash, zsh, fish and sh startup files; for PowerShell add `aladdin-doctor env --shell powershell | Invoke-Expression` to your $PROFILE".into(),
        ));
    };
    let target = fsutil::resolve_links(&rc);
    let text = match std::fs::read_to_string(&target) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(Fatal(format!(
                "cannot read {}: {e}; nothing was changed",
                rc.display()
            )));
        }
    };
    let shown = format!("{}\n{line}", envline::MARKER);
    let (new_text, appended) = match envline::persist(&text, &line) {
        Persist::Unchanged { line: n } => {
            emit(&inert_lines(&format!(
                "{}:{n} already puts {} first on PATH ({}); nothing changed\n",
                rc.display(),
                ctx.bin_dir.display(),
                shell.name()
            )))?;
            return Ok(EXIT_OK);
        }
        Persist::Appended { text } => (text, true),
        Persist::Replaced { old, text } => {
            emit(&inert_lines(&format!(
                "the line aladdin-doctor added before names another bin dir:\n  {old}\n"
            )))?;
            (text, false)
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
    fsutil::replace_file(&rc, new_text.as_bytes()).map_err(|e| {
        Fatal(format!(
            "cannot write {}: {e}; nothing was changed. Add the two lines above to it yourself",
            rc.display()
        ))
    })?;
    emit(&format!(
        "Done. Open a new terminal, or now in this one: {}\n",
        match shell {
            Shell::Fish => "aladdin-doctor env | source",
            _ => crate::core::render::ENV_CMD,
        }
    ))?;
    Ok(EXIT_OK)
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
