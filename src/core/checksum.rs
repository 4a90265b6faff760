//! PURE: reading published checksum files, and hex.
//!
//! Three shapes: bare hex (kubectl's `.sha256`, minikube's, helm's `.sha256`), sha256sum lines
//! `hex  name` (helm's `.sha256sum`), and listings with `hex *name` (VirtualBox's SHA256SUMS),
//! from which our file's line is taken.

/// Lower-case hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

pub(crate) fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Why a checksum file gave no hash for our file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ChecksumError {
    /// An HTML page, not a checksum file.
    Html,
    /// One token that is not a sha256 (its first characters).
    NotSha256 { token: String },
    /// No line holds a sha256.
    NoHash,
    /// A listing without our file.
    NotListed { file_name: String, others: usize },
}

impl std::fmt::Display for ChecksumError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChecksumError::Html => write!(
                f,
                "the checksum URL returned an HTML page, not a checksum (a proxy or captive portal?)"
            ),
            ChecksumError::NotSha256 { token } => write!(f, "`{token}` is not a sha256"),
            ChecksumError::NoHash => write!(
                f,
                "no sha256 in it (expected a hash, `hash  name` lines or a SHA256SUMS listing)"
            ),
            ChecksumError::NotListed { file_name, others } => write!(
                f,
                "it lists no `{file_name}` ({others} other file{})",
                if *others == 1 { "" } else { "s" }
            ),
        }
    }
}

/// The sha256 for `file_name` in a checksum file's `text`.
pub(crate) fn parse(text: &str, file_name: &str) -> Result<String, ChecksumError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if looks_like_html(trimmed.as_bytes()) {
        return Err(ChecksumError::Html);
    }
    let lines: Vec<&str> = trimmed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    // Bare hex: one token on one line.
    if let [only] = lines.as_slice()
        && let [token] = only.split_whitespace().collect::<Vec<_>>().as_slice()
    {
        return if is_sha256_hex(token) {
            Ok(token.to_ascii_lowercase())
        } else {
            Err(ChecksumError::NotSha256 { token: clip(token) })
        };
    }
    let mut others = 0;
    for line in &lines {
        let mut parts = line.splitn(2, char::is_whitespace);
        let (Some(hash), Some(name)) = (parts.next(), parts.next()) else {
            continue;
        };
        let name = name.trim().trim_start_matches('*');
        let name = name.strip_prefix("./").unwrap_or(name);
        if !is_sha256_hex(hash) {
            continue;
        }
        if name == file_name || name.rsplit('/').next() == Some(file_name) {
            return Ok(hash.to_ascii_lowercase());
        }
        others += 1;
    }
    if others == 0 {
        Err(ChecksumError::NoHash)
    } else {
        Err(ChecksumError::NotListed {
            file_name: file_name.to_string(),
            others,
        })
    }
}

/// An HTML page where a binary or a checksum was expected.
pub(crate) fn looks_like_html(head: &[u8]) -> bool {
    let start: Vec<u8> = head
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(15)
        .map(u8::to_ascii_lowercase)
        .collect();
    start.starts_with(b"<!doctype html") || start.starts_with(b"<html")
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "7a3adf80ca74b1b2afdfc7f4570f0005ca03c2812367ffb6ee2f731d66e45e61";

    #[test]
    fn bare_hex() {
        assert_eq!(parse(&format!("{H}\n"), "kubectl").unwrap(), H);
        assert_eq!(parse(&H.to_uppercase(), "kubectl").unwrap(), H);
        assert!(parse("abc\n", "kubectl").is_err());
    }

    #[test]
    fn sha256sum_lines() {
        let t = format!("{H}  helm-v3.17.0-linux-amd64.tar.gz\n");
        assert_eq!(parse(&t, "helm-v3.17.0-linux-amd64.tar.gz").unwrap(), H);
        let err = parse(&t, "helm-v3.17.0-linux-arm64.tar.gz").unwrap_err();
        assert_eq!(
            err,
            ChecksumError::NotListed {
                file_name: "helm-v3.17.0-linux-arm64.tar.gz".into(),
                others: 1
            }
        );
        assert!(
            err.to_string()
                .contains("lists no `helm-v3.17.0-linux-arm64.tar.gz`"),
            "{err}"
        );
    }

    #[test]
    fn sha256sums_listing_with_stars_and_crlf() {
        let other = "8bad003d65e9f385c4bf1f413f1ea1242a4f16fd9f352848685c78732147c97b";
        let t = format!(
            "{other} *VirtualBox-7.2.10-174163-Win.exe\r\n{H} *VirtualBox-7.2.10-174163-Linux_amd64.run\r\n{other} *./Oracle_VirtualBox_Extension_Pack-7.2.10.vbox-extpack\r\n"
        );
        assert_eq!(
            parse(&t, "VirtualBox-7.2.10-174163-Linux_amd64.run").unwrap(),
            H
        );
        assert_eq!(
            parse(&t, "Oracle_VirtualBox_Extension_Pack-7.2.10.vbox-extpack").unwrap(),
            other
        );
    }

    #[test]
    fn html_is_named() {
        let e = parse("<!DOCTYPE html><html>portal</html>", "x").unwrap_err();
        assert_eq!(e, ChecksumError::Html);
        assert!(e.to_string().contains("captive portal"), "{e}");
        assert!(looks_like_html(b"  <HTML><body>"));
        assert!(!looks_like_html(b"\x7fELF\x02\x01"));
    }

    #[test]
    fn hex_encoding() {
        assert_eq!(hex(&[0, 1, 0xab, 0xff]), "0001abff");
    }
}
