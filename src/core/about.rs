//! PURE: what `aladdin-doctor --version` says: the release, the commit it was built from, and
//! the versions.toml compiled into it (a short sha256 of its text, and its pins), so that two
//! binaries with the same number can be told apart.

use sha2::{Digest, Sha256};

use crate::core::checksum;
use crate::core::manifest::Manifest;

/// `aladdin-doctor 0.1.0 (commit abc1234def)` and `versions.toml sha256 0123abcd4567: docker
/// 27.3.1, …`.
pub(crate) fn version(release: &str, commit: &str, text: &str, manifest: &Manifest) -> String {
    let hash = checksum::hex(&Sha256::digest(text.as_bytes()));
    let pins: Vec<String> = manifest
        .tools
        .iter()
        .map(|s| format!("{} {}", s.tool, s.pin_display()))
        .collect();
    format!(
        "aladdin-doctor {release} (commit {commit})\nversions.toml sha256 {}: {}\n",
        &hash[..12],
        pins.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::manifest::EMBEDDED;

    #[test]
    fn names_the_commit_the_manifest_hash_and_every_pin() {
        let m = Manifest::embedded().unwrap();
        let v = version("0.1.0", "abc1234def", EMBEDDED, &m);
        let mut lines = v.lines();
        assert_eq!(
            lines.next(),
            Some("aladdin-doctor 0.1.0 (commit abc1234def)")
        );
        let pins = lines.next().unwrap();
        let hash = checksum::hex(&Sha256::digest(EMBEDDED.as_bytes()));
        assert!(
            pins.starts_with(&format!("versions.toml sha256 {}: ", &hash[..12])),
            "{pins}"
        );
        for s in &m.tools {
            assert!(
                pins.contains(&format!("{} {}", s.tool, s.pin_display())),
                "{pins}"
            );
        }
        assert!(pins.contains("virtualbox 7.2.10r174163"), "{pins}");
        // Another manifest text, another hash.
        let other = version("0.1.0", "x", &format!("{EMBEDDED}\n"), &m);
        assert_ne!(other.lines().nth(1), v.lines().nth(1));
    }
}
