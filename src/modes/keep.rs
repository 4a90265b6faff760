//! `override TOOL`: keep the version installed now instead of the pin, mark the tool not needed
//! (`--not-needed`), or `--clear` either.

use crate::core::diagnose::SeenError;
use crate::core::inert::inert_lines;
use crate::core::overrides::OverrideEntry;
use crate::core::render;
use crate::core::tool::Tool;
use crate::session::{EXIT_OK, Fatal, Session, emit};

/// What `override TOOL` was asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum What {
    Keep,
    NotNeeded,
    Clear,
}

pub(crate) async fn run(
    session: &mut Session,
    tool: Tool,
    reason: Option<String>,
    what: What,
) -> Result<u8, Fatal> {
    let spec = session.manifest.get(tool).ok_or_else(|| {
        Fatal(format!(
            "{} does not pin {tool}; there is nothing to override",
            session.manifest.source
        ))
    })?;
    let pin = spec.pin_display();
    let path = session.ctx.overrides_path();

    if what == What::NotNeeded {
        // Nothing to probe: a tool that is not needed is usually not installed either.
        session.save_not_needed(tool, reason)?;
        emit(&inert_lines(&format!(
            "{tool} is marked not needed (recorded in {}): it counts as satisfied whatever is installed; undo with `aladdin-doctor override {tool} --clear`\n",
            path.display()
        )))?;
        return Ok(EXIT_OK);
    }
    if what == What::Clear {
        if session.clear_override(tool)? {
            emit(&inert_lines(&format!(
                "{tool}: override cleared; it is checked against the pin {pin} again\n"
            )))?;
        } else {
            emit(&inert_lines(&format!(
                "{tool} has no override; nothing to clear\n"
            )))?;
        }
        return Ok(EXIT_OK);
    }

    let (_, findings) = session.diagnose_now().await;
    let finding = findings
        .into_iter()
        .find(|f| f.tool == tool)
        .ok_or_else(|| Fatal(format!("{tool} was not diagnosed")))?;
    let Some(found) = finding.found.as_ref() else {
        return Err(Fatal(format!(
            "{tool} is not installed (nothing on PATH), so there is no version to keep\n  help: install it, or run `aladdin-doctor --fix` to install the pinned {pin}"
        )));
    };
    let Some(version) = found.version.clone() else {
        let why = found
            .error
            .as_ref()
            .map(render::seen_error)
            .unwrap_or_else(|| render::seen_error(&SeenError::NotExecutable));
        return Err(Fatal(format!(
            "the version of {} could not be read ({why}), so it cannot be kept",
            found.path.display(),
        )));
    };
    if found.satisfies {
        emit(&inert_lines(&format!(
            "{tool} {version} at {} already satisfies the pin {pin}; nothing to keep\n",
            found.path.display(),
        )))?;
        return Ok(EXIT_OK);
    }
    let entry = OverrideEntry {
        version: version.clone(),
        path: found.path.clone(),
        pin: pin.clone(),
        reason,
        recorded: None,
    };
    session.save_override(tool, entry)?;
    emit(&inert_lines(&format!(
        "{tool} {version} at {} is kept instead of {pin} (recorded in {}); it is reported again if the pin or the binary changes\n",
        found.path.display(),
        path.display()
    )))?;
    Ok(EXIT_OK)
}
