//! PURE: long lines of the text report wrapped to the terminal's width.

/// `text` in lines of at most `width` characters where it can be: the first line starts with
/// `first`, every further one with `rest` (an indent that lines up with the text after
/// `first`). Lines break at spaces only; a word longer than the room (a URL, a path, a
/// command) is kept whole on a line of its own, so that it can still be copied.
pub(crate) fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut len = first.chars().count();
    let mut empty = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let w = word.chars().count();
        if !empty && len + 1 + w > width {
            lines.push(std::mem::take(&mut line));
            line = rest.to_string();
            len = rest.chars().count();
            empty = true;
        }
        if !empty {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += w;
        empty = false;
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_at_spaces_within_the_width_and_indents_what_follows() {
        let lines = wrap(
            "run `aladdin-doctor --fix` to install 1.30.6; or keep 1.32.4 with `aladdin-doctor override kubectl`",
            40,
            "    → ",
            "      ",
        );
        assert_eq!(
            lines,
            [
                "    → run `aladdin-doctor --fix` to",
                "      install 1.30.6; or keep 1.32.4",
                "      with `aladdin-doctor override",
                "      kubectl`",
            ]
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 40));
        // Nothing is lost or reordered.
        let words: Vec<&str> = lines
            .iter()
            .flat_map(|l| l.split(' '))
            .filter(|w| !w.is_empty() && *w != "→")
            .collect();
        assert_eq!(words.join(" ").matches("aladdin-doctor").count(), 2);
    }

    #[test]
    fn a_word_longer_than_the_line_stays_whole() {
        let url = "https://download.virtualbox.org/virtualbox/7.2.10/VirtualBox-7.2.10-174163-Linux_amd64.run";
        let lines = wrap(&format!("download {url} and run it"), 30, "• ", "  ");
        assert_eq!(lines, ["• download", &format!("  {url}"), "  and run it"]);
        // Short text and a wide terminal: unchanged.
        assert_eq!(wrap("all good", 80, "✓ ", "  "), ["✓ all good"]);
    }
}
