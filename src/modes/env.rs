//! `env`: the line that puts the bin dir first on PATH, for `eval "$(aladdin-doctor env)"`.

use crate::context::Context;
use crate::core::envline::{self, Shell};
use crate::core::tool::Os;
use crate::session::{EXIT_OK, Fatal, emit};

pub(crate) fn run(ctx: &Context, shell: Option<Shell>) -> Result<u8, Fatal> {
    let windows = ctx.platform.os == Os::Windows;
    let shell = shell.unwrap_or_else(|| envline::guess_shell(ctx.shell.as_deref(), windows));
    emit(&format!(
        "{}\n",
        envline::line(shell, &ctx.bin_dir, &ctx.path_entries, windows)
    ))?;
    Ok(EXIT_OK)
}
