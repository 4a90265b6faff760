//! PURE: the line that puts the bin dir first on PATH, for `eval "$(aladdin-doctor env)"`.
//!
//! The new PATH is computed here from the current one (the bin dir first, every other
//! occurrence of it removed), so evaluating the line twice leaves PATH unchanged.

use std::path::{Path, PathBuf};

/// The shells `env` writes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    /// Any POSIX shell (sh, dash, ksh).
    Sh,
}

/// Guesses the shell from `$SHELL` (or the platform when unset).
pub(crate) fn guess_shell(shell_var: Option<&str>, windows: bool) -> Shell {
    let name = shell_var.and_then(|s| {
        Path::new(s)
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
    });
    match name.as_deref() {
        Some("bash") => Shell::Bash,
        Some("zsh") => Shell::Zsh,
        Some("fish") => Shell::Fish,
        Some("pwsh") | Some("powershell") | Some("pwsh.exe") | Some("powershell.exe") => {
            Shell::Powershell
        }
        Some(_) => Shell::Sh,
        None if windows => Shell::Powershell,
        None => Shell::Sh,
    }
}

/// PATH entries with `bin_dir` first and nowhere else.
pub(crate) fn path_with_bin_first(bin_dir: &Path, entries: &[PathBuf]) -> Vec<PathBuf> {
    let norm = |p: &Path| {
        p.to_string_lossy()
            .trim_end_matches(['/', '\\'])
            .to_string()
    };
    let bin = norm(bin_dir);
    std::iter::once(bin_dir.to_path_buf())
        .chain(entries.iter().filter(|e| norm(e) != bin).cloned())
        .collect()
}

pub(crate) fn line(shell: Shell, bin_dir: &Path, entries: &[PathBuf], windows: bool) -> String {
    let parts: Vec<String> = path_with_bin_first(bin_dir, entries)
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    match shell {
        Shell::Bash | Shell::Zsh | Shell::Sh => {
            format!("export PATH={}", sh_quote(&parts.join(":")))
        }
        Shell::Fish => format!(
            "set -gx PATH {}",
            parts
                .iter()
                .map(|p| sh_quote(p))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Shell::Powershell => {
            let sep = if windows { ";" } else { ":" };
            format!("$env:PATH = '{}'", parts.join(sep).replace('\'', "''"))
        }
    }
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pb(v: &[&str]) -> Vec<PathBuf> {
        v.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn bin_dir_first_once() {
        let bin = Path::new("/h/.aladdin/bin");
        let once = path_with_bin_first(bin, &pb(&["/usr/bin", "/h/.aladdin/bin/", "/bin"]));
        assert_eq!(once, pb(&["/h/.aladdin/bin", "/usr/bin", "/bin"]));
        let twice = path_with_bin_first(bin, &once);
        assert_eq!(once, twice);
    }

    #[test]
    fn lines_per_shell() {
        let bin = Path::new("/h/it's/bin");
        let e = pb(&["/usr/bin"]);
        assert_eq!(
            line(Shell::Bash, bin, &e, false),
            "export PATH='/h/it'\\''s/bin:/usr/bin'"
        );
        assert_eq!(
            line(Shell::Fish, bin, &e, false),
            "set -gx PATH '/h/it'\\''s/bin' '/usr/bin'"
        );
        assert_eq!(
            line(Shell::Powershell, Path::new("C:\\a"), &pb(&["C:\\b"]), true),
            "$env:PATH = 'C:\\a;C:\\b'"
        );
    }

    #[test]
    fn shell_guess() {
        assert_eq!(guess_shell(Some("/usr/bin/zsh"), false), Shell::Zsh);
        assert_eq!(guess_shell(Some("/usr/local/bin/fish"), false), Shell::Fish);
        assert_eq!(guess_shell(Some("/bin/dash"), false), Shell::Sh);
        assert_eq!(guess_shell(None, true), Shell::Powershell);
    }
}
