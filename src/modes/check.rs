//! `--check` (and the default off a terminal): read-only, no network (with `--cluster`, it
//! asks the local cluster, read-only).

use crate::core::report::Format;
use crate::session::{Fatal, Session, emit, exit_code};

pub(crate) async fn run(session: &Session, format: Format) -> Result<u8, Fatal> {
    let (_, findings) = session.diagnose_now().await;
    let cluster = session.cluster(&findings).await;
    emit(&session.render(format, &findings, &[], &cluster))?;
    Ok(exit_code(&findings, &[], &cluster))
}
