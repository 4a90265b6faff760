//! `--version`: the release, the commit and the pins compiled in (`core::about`).

use crate::core::about;
use crate::core::manifest::{EMBEDDED, Manifest};
use crate::session::{EXIT_OK, Fatal, emit};

pub(crate) fn version() -> Result<u8, Fatal> {
    let manifest = Manifest::embedded()?;
    emit(&about::version(
        env!("CARGO_PKG_VERSION"),
        env!("ALADDIN_DOCTOR_COMMIT"),
        EMBEDDED,
        &manifest,
    ))?;
    Ok(EXIT_OK)
}
