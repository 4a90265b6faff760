//! `status`: for wrappers and prompts. Silent with exit 0 when every tool is satisfied;
//! otherwise one short line per finding on stderr and exit 1. Probe answers come from the
//! cache while the binaries are unchanged, so the usual run costs a few stats.

use std::io::Write;

use crate::core::inert::inert;
use crate::core::render;
use crate::core::report::Format;
use crate::session::{Fatal, Session, emit, exit_code};

pub(crate) async fn run(session: &Session, format: Format) -> Result<u8, Fatal> {
    let (_, findings) = session.diagnose_now().await;
    let cluster = session.cluster(&findings).await;
    if format == Format::Json {
        emit(&session.render(format, &findings, &[], &cluster))?;
    } else {
        let mut err = std::io::stderr().lock();
        for f in findings.iter().filter(|f| !f.satisfied()) {
            let _ = writeln!(err, "{}", inert(&render::status_line(f)));
        }
        let minikube = session.minikube_release(&findings);
        for r in crate::cluster::render::render(&cluster, minikube)
            .iter()
            .filter(|r| r.fails)
        {
            let fix = r
                .hint
                .as_deref()
                .unwrap_or("aladdin-doctor --check --cluster");
            let line = format!(
                "aladdin-doctor: {} {}: {} → {fix}",
                r.name,
                r.status.word(),
                r.detail
            );
            let _ = writeln!(err, "{}", inert(&line));
        }
    }
    Ok(exit_code(&findings, &[], &cluster))
}
