//! PURE: install receipts. Every install records what it put where (tool, version, URL, the
//! artifact's sha256, the installed file's sha256 and size, when, and the file's identity on
//! disk), so that a managed binary changed since — replaced by a script that prints the pinned
//! version, truncated, another build — is reported as `modified`, not `ok`. `--check` compares
//! the identity (cheap: one stat); `aladdin-doctor verify` re-hashes.

use serde::{Deserialize, Serialize};

/// The receipt format; a receipt of another schema is ignored (and rewritten by the next install).
pub(crate) const SCHEMA: u32 = 1;

/// Where a file is and what it looks like, as far as a stat tells.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Identity {
    pub(crate) dev: u64,
    pub(crate) ino: u64,
    pub(crate) size: u64,
    /// Modification time in nanoseconds since the epoch (ctime is not kept: linking the file
    /// elsewhere, as the cache and `.previous/` do, changes it without changing the file).
    pub(crate) mtime_ns: i128,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Receipt {
    pub(crate) schema: u32,
    pub(crate) tool: String,
    pub(crate) version: String,
    pub(crate) url: String,
    /// The downloaded artifact's sha256 (verified before install).
    pub(crate) artifact_sha256: String,
    /// The installed file's sha256 (the artifact itself, or the member taken from it).
    pub(crate) sha256: String,
    pub(crate) size: u64,
    /// RFC 3339.
    pub(crate) installed: String,
    pub(crate) identity: Identity,
}

/// What differs between a receipt and the file now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Change {
    /// Another file now stands at the path (renamed over, copied in).
    Replaced,
    Size,
    /// Written in place.
    Modified,
}

/// The differences between `receipt` and the file's identity `now` (empty: unchanged).
pub(crate) fn changes(receipt: &Identity, now: &Identity) -> Vec<Change> {
    let mut out = Vec::new();
    if (receipt.dev, receipt.ino) != (now.dev, now.ino) {
        out.push(Change::Replaced);
    }
    if receipt.size != now.size {
        out.push(Change::Size);
    }
    if receipt.mtime_ns != now.mtime_ns {
        out.push(Change::Modified);
    }
    out
}

pub(crate) fn parse(text: &str) -> Option<Receipt> {
    serde_json::from_str::<Receipt>(text)
        .ok()
        .filter(|r| r.schema == SCHEMA)
}

pub(crate) fn render(r: &Receipt) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("a receipt serialises");
    s.push('\n');
    s
}

/// What `verify` found for one receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The file hashes to what was installed.
    Intact,
    /// Another content now (its sha256 and size).
    Altered {
        sha256: String,
        size: u64,
    },
    Missing,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Checked {
    pub(crate) path: std::path::PathBuf,
    pub(crate) receipt: Receipt,
    pub(crate) verdict: Verdict,
}

/// `verify`'s table.
pub(crate) fn verify_text(rows: &[Checked], bin_dir: &std::path::Path) -> String {
    use std::fmt::Write as _;
    let inert = |s: &str| crate::core::inert::inert(s).into_owned();
    let mut out = String::new();
    if rows.is_empty() {
        let _ = writeln!(
            out,
            "No binaries installed by aladdin-doctor in {} (no receipts in {}/.receipts).",
            inert(&bin_dir.display().to_string()),
            inert(&bin_dir.display().to_string())
        );
        return out;
    }
    for c in rows {
        let (mark, word, detail) = match &c.verdict {
            Verdict::Intact => ("✓", "intact", String::new()),
            Verdict::Altered { sha256, size } => (
                "✗",
                "modified",
                format!(
                    "sha256 {} ({size} bytes), installed {} ({} bytes) on {}",
                    &sha256[..12.min(sha256.len())],
                    &c.receipt.sha256[..12.min(c.receipt.sha256.len())],
                    c.receipt.size,
                    c.receipt.installed
                ),
            ),
            Verdict::Missing => ("✗", "missing", "the file is gone".to_string()),
        };
        let _ = writeln!(
            out,
            "[{mark}] {:<10} {:<9} {:<10} {}",
            inert(&c.receipt.tool),
            word,
            inert(&c.receipt.version),
            inert(&c.path.display().to_string())
        );
        if !detail.is_empty() {
            let _ = writeln!(out, "    {}", inert(&detail));
        }
    }
    let bad = rows.iter().filter(|c| c.verdict != Verdict::Intact).count();
    let _ = writeln!(out);
    if bad == 0 {
        let _ = writeln!(out, "✓ Every installed binary is as installed.");
    } else {
        let _ = writeln!(
            out,
            "! {bad} of {} installed binaries changed since install; `aladdin-doctor --fix` installs the pins again.",
            rows.len()
        );
    }
    out
}

pub(crate) fn verify_json(rows: &[Checked]) -> String {
    let v: Vec<serde_json::Value> = rows
        .iter()
        .map(|c| {
            let (verdict, sha256) = match &c.verdict {
                Verdict::Intact => ("intact", Some(c.receipt.sha256.clone())),
                Verdict::Altered { sha256, .. } => ("modified", Some(sha256.clone())),
                Verdict::Missing => ("missing", None),
            };
            serde_json::json!({
                "tool": c.receipt.tool,
                "path": c.path.display().to_string(),
                "version": c.receipt.version,
                "verdict": verdict,
                "sha256": sha256,
                "receipt": c.receipt,
            })
        })
        .collect();
    let ok = rows.iter().all(|c| c.verdict == Verdict::Intact);
    let mut s =
        serde_json::to_string_pretty(&serde_json::json!({"schema": 1, "ok": ok, "binaries": v}))
            .expect("serialises");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ino: u64, size: u64, mtime_ns: i128) -> Identity {
        Identity {
            dev: 1,
            ino,
            size,
            mtime_ns,
        }
    }

    #[test]
    fn changes_and_round_trip() {
        assert!(changes(&id(5, 10, 7), &id(5, 10, 7)).is_empty());
        assert_eq!(
            changes(&id(5, 10, 7), &id(6, 3, 9)),
            [Change::Replaced, Change::Size, Change::Modified]
        );
        assert_eq!(changes(&id(5, 10, 7), &id(5, 10, 8)), [Change::Modified]);
        let r = Receipt {
            schema: SCHEMA,
            tool: "kubectl".into(),
            version: "1.30.6".into(),
            url: "https://dl.k8s.io/release/v1.30.6/bin/linux/amd64/kubectl".into(),
            artifact_sha256: "a".repeat(64),
            sha256: "a".repeat(64),
            size: 10,
            installed: "2026-11-24T10:00:00Z".into(),
            identity: id(5, 10, 7),
        };
        assert_eq!(parse(&render(&r)), Some(r.clone()));
        let future = render(&r).replace("\"schema\": 1", "\"schema\": 2");
        assert_eq!(parse(&future), None);
        assert_eq!(parse("{not json"), None);
    }
}
