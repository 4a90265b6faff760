//! PURE: text from outside (tool output, server responses, file contents, paths) made inert
//! before it reaches a terminal: control characters (C0, DEL, C1) and the bidirectional
//! overrides that reorder what is shown are written as visible escapes, so nothing a tool or a
//! server says can move the cursor, clear the screen, set a title, link, or fake a line. JSON
//! needs none of this (serde escapes control characters itself).

use std::borrow::Cow;
use std::fmt::Write as _;

/// One line: newlines and tabs are escaped too.
pub(crate) fn inert(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// Text that may span lines: newlines and tabs are kept, everything else escaped.
pub(crate) fn inert_lines(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

fn dangerous(c: char, keep_layout: bool) -> bool {
    match c {
        '\n' | '\t' => !keep_layout,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        // Bidirectional embeddings, overrides and isolates (Unicode TR9).
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

fn escape(s: &str, keep_layout: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| dangerous(c, keep_layout)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !dangerous(c, keep_layout) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_obey() {
        // OSC title, screen clear, a fake line, an OSC 8 link, a C1 CSI, DEL, a bell.
        let hostile = "v1.30.6\x1b]0;pwned\x07\x1b[2J\n[✓] kubectl ok\x1b]8;;http://evil\x1b\\x\u{9b}31m\u{7f}";
        let one = inert(hostile);
        assert!(!one.chars().any(|c| c.is_control()), "{one}");
        assert_eq!(
            one,
            "v1.30.6\\x1b]0;pwned\\x07\\x1b[2J\\x0a[✓] kubectl ok\\x1b]8;;http://evil\\x1b\\x\\u{9b}31m\\x7f"
        );
        let many = inert_lines(hostile);
        assert!(many.contains("\\x1b[2J\n[✓] kubectl ok"), "{many}");
        assert_eq!(inert("a\u{202e}b"), "a\\u{202e}b");
        assert!(matches!(inert("plain ✓ text/µ"), Cow::Borrowed(_)));
        assert_eq!(inert_lines("a\tb\nc"), "a\tb\nc");
    }
}
