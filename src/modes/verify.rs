//! `verify`: re-hashes every binary the doctor installed against its install receipt.

use crate::context::Context;
use crate::core::receipt::{self, Checked, Verdict};
use crate::core::report::Format;
use crate::fsutil;
use crate::install::receipts;
use crate::session::{EXIT_FINDINGS, EXIT_OK, Fatal, emit};

pub(crate) fn run(ctx: &Context, format: Format) -> Result<u8, Fatal> {
    let rows: Vec<Checked> = receipts::all(&ctx.bin_dir)
        .into_iter()
        .map(|(path, r)| {
            let verdict = match (fsutil::hash_file(&path), std::fs::metadata(&path)) {
                (Ok(h), _) if h == r.sha256 => Verdict::Intact,
                (Ok(sha256), Ok(m)) => Verdict::Altered {
                    sha256,
                    size: m.len(),
                },
                _ => Verdict::Missing,
            };
            Checked {
                path,
                receipt: r,
                verdict,
            }
        })
        .collect();
    emit(&match format {
        Format::Text => receipt::verify_text(&rows, &ctx.bin_dir),
        Format::Json => receipt::verify_json(&rows),
    })?;
    Ok(if rows.iter().all(|c| c.verdict == Verdict::Intact) {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}
