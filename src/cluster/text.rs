//! PURE: bounds for untrusted tool output. Every classifier looks at no more than `MAX_STREAM`
//! bytes of a stream, and every value it keeps (a name, a version, an endpoint) goes through
//! `field`, which drops control characters (no terminal escapes reach a report) and caps length.

/// Bytes of one stream a classifier looks at. The runner keeps 64 KiB per stream too
/// (`probe::runner::MAX_OUTPUT`); this bound holds even for callers that keep more.
pub(crate) const MAX_STREAM: usize = 64 * 1024;
/// Characters kept of a name, version, endpoint or message.
pub(crate) const MAX_FIELD: usize = 256;
/// Bytes of one line a JSON parser is given; longer lines are skipped.
pub(crate) const MAX_JSON_LINE: usize = 32 * 1024;
/// Entries kept of any list read from output (nodes, profiles, addons, failed checks).
pub(crate) const MAX_ITEMS: usize = 64;

/// The first `max` bytes of `s`, cut back to a character boundary.
pub(crate) fn head(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The last `max` bytes of `s`, moved forward to a character boundary.
pub(crate) fn tail(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// A value fit to keep and show: control characters removed, whitespace trimmed, at most `max`
/// characters (an ellipsis marks a cut).
pub(crate) fn field(s: &str, max: usize) -> String {
    let cleaned: String = head(s, max.saturating_mul(4))
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.chars().count() <= max {
        return trimmed.to_string();
    }
    let mut out: String = trimmed.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The first line of `s` (bounded) that is not blank, trimmed.
pub(crate) fn first_line(s: &str) -> Option<&str> {
    lines(s).map(str::trim).find(|l| !l.is_empty())
}

/// Lines of the first `MAX_STREAM` bytes of `s`; `\r\n` and bare `\r` both end a line.
pub(crate) fn lines(s: &str) -> impl Iterator<Item = &str> {
    head(s, MAX_STREAM).split(['\n', '\r'])
}

/// ASCII case-insensitive `contains`, for tool messages whose capitalisation changed between
/// releases (helm 4 lowercased "Kubernetes cluster unreachable").
pub(crate) fn contains_ci(haystack: &str, needle: &str) -> bool {
    find_ci(haystack, needle).is_some()
}

/// Byte offset of the first ASCII case-insensitive match of `needle` in `haystack`.
pub(crate) fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    if n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// The text after the first match of `marker` (case-sensitive), if any.
pub(crate) fn after<'a>(s: &'a str, marker: &str) -> Option<&'a str> {
    s.find(marker).map(|i| &s[i + marker.len()..])
}

/// The token at the start of `s` up to whitespace, then without trailing `.`, `:`, `;` or `,`:
/// `unix:///var/run/docker.sock. Is the…` → `unix:///var/run/docker.sock`.
pub(crate) fn token(s: &str) -> &str {
    let s = s.trim_start();
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    s[..end].trim_end_matches(['.', ':', ';', ','])
}

/// The text between the first `open` and the next `close` after it.
pub(crate) fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let rest = after(s, open)?;
    rest.find(close).map(|i| &rest[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_and_tail_respect_char_boundaries() {
        let s = "aé€b"; // 1 + 2 + 3 + 1 bytes
        assert_eq!(head(s, 2), "a");
        assert_eq!(head(s, 3), "aé");
        assert_eq!(head(s, 100), s);
        assert_eq!(tail(s, 2), "b");
        assert_eq!(tail(s, 4), "€b");
        assert_eq!(tail(s, 100), s);
    }

    #[test]
    fn field_strips_control_characters_and_caps() {
        assert_eq!(field("  \x1b[31mred\x07 ", 10), "[31mred");
        assert_eq!(field("abcdef", 4), "abc…");
        assert_eq!(field("abcd", 4), "abcd");
        let huge = "x".repeat(10 * MAX_STREAM);
        assert_eq!(field(&huge, MAX_FIELD).chars().count(), MAX_FIELD);
    }

    #[test]
    fn token_drops_sentence_punctuation() {
        assert_eq!(
            token("unix:///var/run/docker.sock. Is the docker daemon running?"),
            "unix:///var/run/docker.sock"
        );
        assert_eq!(
            token("unix:///run/x/priv.sock: Get"),
            "unix:///run/x/priv.sock"
        );
        assert_eq!(token("tcp://127.0.0.1:1. Is"), "tcp://127.0.0.1:1");
        assert_eq!(token("npipe:////./pipe/x; check"), "npipe:////./pipe/x");
    }

    #[test]
    fn case_insensitive_search() {
        assert!(contains_ci(
            "Error: kubernetes cluster unreachable",
            "Kubernetes cluster unreachable"
        ));
        assert_eq!(find_ci("abc", "C"), Some(2));
        assert_eq!(find_ci("ab", "abc"), None);
        assert_eq!(between("a (b) c", "(", ")"), Some("b"));
        assert_eq!(first_line("\n\n  x \r\ny"), Some("x"));
    }
}
