//! PURE: "did you mean …?" for names a user misspelt (a tool, a key).

/// The candidate closest to `word`, when it is close enough to be a likely typo.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d < c.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `; did you mean `x`?` or nothing.
pub(crate) fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    closest(word, candidates)
        .map(|c| format!("did you mean `{c}`? "))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_matched_and_strangers_are_not() {
        let tools = ["docker", "virtualbox", "minikube", "kubectl", "helm"];
        assert_eq!(closest("kubetcl", &tools), Some("kubectl"));
        assert_eq!(closest("kubeclt", &tools), Some("kubectl"));
        assert_eq!(closest("Helm", &tools), Some("helm"));
        assert_eq!(closest("hlm", &tools), Some("helm"));
        assert_eq!(closest("virtualbx", &tools), Some("virtualbox"));
        assert_eq!(closest("terraform", &tools), None);
        assert_eq!(
            closest("sha265", &["sha256", "url", "path"]),
            Some("sha256")
        );
        assert_eq!(closest("x", &["os", "url"]), None);
    }
}
