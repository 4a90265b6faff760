//! PURE: the line that puts the bin dir first on PATH, for `eval "$(aladdin-doctor env)"`, and
//! the one `env --persist` adds to the shell's startup file.
//!
//! The new PATH is computed here from the current one (the bin dir first, every other
//! occurrence of it removed), so evaluating the line twice leaves PATH unchanged. The persisted
//! line does not hold today's PATH: it puts the bin dir in front of whatever PATH the shell has
//! when it starts, unless it is already first, so sourcing it again changes nothing.

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

impl Shell {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::Powershell => "powershell",
            Shell::Sh => "sh",
        }
    }
}

/// Guesses the shell from `$SHELL` (or the platform when unset). A shell whose syntax `env`
/// does not write (tcsh, csh, nu, xonsh, …) is `Err` with its name: a bash line would be
/// wrong there.
pub(crate) fn guess_shell(shell_var: Option<&str>, windows: bool) -> Result<Shell, String> {
    let name = shell_var.and_then(|s| {
        Path::new(s)
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
    });
    let name = name.as_deref().map(|n| n.trim_end_matches(".exe"));
    Ok(match name {
        Some("bash") => Shell::Bash,
        Some("zsh") => Shell::Zsh,
        Some("fish") => Shell::Fish,
        Some("pwsh") | Some("powershell") => Shell::Powershell,
        // POSIX shells: the `sh` syntax.
        Some("sh" | "dash" | "ash" | "ksh" | "mksh" | "pdksh" | "oksh" | "yash" | "posh") => {
            Shell::Sh
        }
        Some(other) => return Err(other.to_string()),
        None if windows => Shell::Powershell,
        None => Shell::Sh,
    })
}

/// The comment above the persisted line: how a later `--persist` finds it.
pub(crate) const MARKER: &str =
    "# aladdin-doctor: its bin dir first on PATH (added by `aladdin-doctor env --persist`)";

/// Where the user's home and shell configuration are, for `env --persist`.
#[derive(Clone, Debug)]
pub(crate) struct Homes<'a> {
    pub(crate) home: &'a Path,
    /// `ZDOTDIR`: where zsh reads `.zshrc`.
    pub(crate) zdotdir: Option<&'a Path>,
    /// `XDG_CONFIG_HOME`: where fish reads `fish/conf.d`.
    pub(crate) xdg_config: Option<&'a Path>,
    pub(crate) macos: bool,
}

/// The startup file a new interactive shell reads: bash `~/.bashrc` (on macOS, where a
/// terminal starts a login shell, `~/.bash_profile`), zsh `$ZDOTDIR/.zshrc`, fish a file of our
/// own in `conf.d` (fish sources every file there), sh `~/.profile`. None for PowerShell.
pub(crate) fn rc_file(shell: Shell, h: &Homes<'_>) -> Option<PathBuf> {
    Some(match shell {
        Shell::Bash if h.macos => h.home.join(".bash_profile"),
        Shell::Bash => h.home.join(".bashrc"),
        Shell::Zsh => h.zdotdir.unwrap_or(h.home).join(".zshrc"),
        Shell::Fish => h
            .xdg_config
            .map_or_else(|| h.home.join(".config"), Path::to_path_buf)
            .join("fish")
            .join("conf.d")
            .join("aladdin-doctor.fish"),
        Shell::Sh => h.home.join(".profile"),
        Shell::Powershell => return None,
    })
}

/// The bin dir as a word of `shell`: `"$HOME/.aladdin/bin"` when it is under the home
/// directory (the file stays right when it is copied to another machine), else quoted.
fn dir_word(shell: Shell, bin_dir: &Path, home: &Path) -> String {
    let safe = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-/+@%,".contains(c))
    };
    if let Ok(rest) = bin_dir.strip_prefix(home)
        && let Some(rest) = rest.to_str()
        && safe(rest)
    {
        return format!("\"$HOME/{rest}\"");
    }
    let full = bin_dir.to_string_lossy();
    match shell {
        Shell::Fish => format!("'{}'", full.replace('\\', "\\\\").replace('\'', "\\'")),
        _ => sh_quote(&full),
    }
}

/// The line `env --persist` adds: the bin dir in front of PATH unless it is already first.
/// None for PowerShell (its profile takes `aladdin-doctor env | Invoke-Expression`).
pub(crate) fn persist_line(shell: Shell, bin_dir: &Path, home: &Path) -> Option<String> {
    let d = dir_word(shell, bin_dir, home);
    Some(match shell {
        // `${PATH:+…}`: an empty PATH gets no empty entry (which would mean the current dir).
        Shell::Bash | Shell::Zsh | Shell::Sh => format!(
            "case \"$PATH\" in {d}|{d}:*) ;; *) PATH={d}${{PATH:+\":$PATH\"}}; export PATH ;; esac"
        ),
        Shell::Fish => format!("contains -- {d} $PATH[1]; or set -gx PATH {d} $PATH"),
        Shell::Powershell => return None,
    })
}

/// What `--persist` does to a startup file's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Persist {
    /// The line is there already (at this 1-based line).
    Unchanged { line: usize },
    /// Added at the end.
    Appended { text: String },
    /// The line under our marker was another (an older bin dir): replaced.
    Replaced { old: String, text: String },
}

/// The startup file's text with `line` under our marker: found and left alone, replaced under
/// the marker, or appended once at the end. Everything else in the file is kept as it was.
pub(crate) fn persist(text: &str, line: &str) -> Persist {
    let lines: Vec<&str> = text.lines().collect();
    if let Some(i) = lines.iter().position(|l| l.trim_end() == MARKER) {
        match lines.get(i + 1) {
            Some(l) if l.trim_end() == line => return Persist::Unchanged { line: i + 2 },
            Some(old) => {
                let mut out = String::with_capacity(text.len() + line.len());
                let mut at = 0;
                for (n, l) in text.split_inclusive('\n').enumerate() {
                    if n == i + 1 {
                        out.push_str(line);
                        out.push_str(if l.ends_with('\n') { "\n" } else { "" });
                    } else {
                        out.push_str(l);
                    }
                    at += l.len();
                }
                debug_assert_eq!(at, text.len());
                return Persist::Replaced {
                    old: old.to_string(),
                    text: out,
                };
            }
            None => {}
        }
    }
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(MARKER);
    out.push('\n');
    out.push_str(line);
    out.push('\n');
    Persist::Appended { text: out }
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
        assert_eq!(guess_shell(Some("/usr/bin/zsh"), false), Ok(Shell::Zsh));
        assert_eq!(
            guess_shell(Some("/usr/local/bin/fish"), false),
            Ok(Shell::Fish)
        );
        assert_eq!(guess_shell(Some("/bin/dash"), false), Ok(Shell::Sh));
        assert_eq!(guess_shell(Some("/bin/ksh"), false), Ok(Shell::Sh));
        assert_eq!(guess_shell(None, true), Ok(Shell::Powershell));
        assert_eq!(guess_shell(None, false), Ok(Shell::Sh));
        for (shell, name) in [
            ("/bin/tcsh", "tcsh"),
            ("/usr/bin/csh", "csh"),
            ("/opt/nu", "nu"),
        ] {
            assert_eq!(guess_shell(Some(shell), false), Err(name.to_string()));
        }
    }

    #[test]
    fn rc_files_per_shell() {
        let home = Path::new("/h");
        let h = Homes {
            home,
            zdotdir: None,
            xdg_config: None,
            macos: false,
        };
        let rc = |s| rc_file(s, &h).unwrap();
        assert_eq!(rc(Shell::Bash), Path::new("/h/.bashrc"));
        assert_eq!(rc(Shell::Zsh), Path::new("/h/.zshrc"));
        assert_eq!(
            rc(Shell::Fish),
            Path::new("/h/.config/fish/conf.d/aladdin-doctor.fish")
        );
        assert_eq!(rc(Shell::Sh), Path::new("/h/.profile"));
        assert_eq!(rc_file(Shell::Powershell, &h), None);
        let z = Path::new("/z");
        let x = Path::new("/x");
        let h = Homes {
            zdotdir: Some(z),
            xdg_config: Some(x),
            macos: true,
            ..h
        };
        assert_eq!(
            rc_file(Shell::Bash, &h).unwrap(),
            Path::new("/h/.bash_profile")
        );
        assert_eq!(rc_file(Shell::Zsh, &h).unwrap(), Path::new("/z/.zshrc"));
        assert_eq!(
            rc_file(Shell::Fish, &h).unwrap(),
            Path::new("/x/fish/conf.d/aladdin-doctor.fish")
        );
    }

    #[test]
    fn persisted_lines_name_the_bin_dir_not_todays_path() {
        let home = Path::new("/h");
        let bin = Path::new("/h/.aladdin/bin");
        assert_eq!(
            persist_line(Shell::Bash, bin, home).unwrap(),
            r#"case "$PATH" in "$HOME/.aladdin/bin"|"$HOME/.aladdin/bin":*) ;; *) PATH="$HOME/.aladdin/bin"${PATH:+":$PATH"}; export PATH ;; esac"#
        );
        assert_eq!(
            persist_line(Shell::Fish, bin, home).unwrap(),
            r#"contains -- "$HOME/.aladdin/bin" $PATH[1]; or set -gx PATH "$HOME/.aladdin/bin" $PATH"#
        );
        let odd = Path::new("/opt/it's $x");
        assert!(
            persist_line(Shell::Sh, odd, home)
                .unwrap()
                .starts_with(r#"case "$PATH" in '/opt/it'\''s $x'|"#)
        );
        assert!(
            persist_line(Shell::Fish, odd, home)
                .unwrap()
                .starts_with(r#"contains -- '/opt/it\'s $x' "#)
        );
        assert_eq!(persist_line(Shell::Powershell, bin, home), None);
    }

    #[test]
    fn persisting_appends_once_replaces_its_own_line_and_keeps_the_rest() {
        let mine = "# my aliases\nalias ll='ls -l'";
        let Persist::Appended { text } = persist(mine, "LINE") else {
            panic!()
        };
        assert_eq!(
            text,
            format!("# my aliases\nalias ll='ls -l'\n\n{MARKER}\nLINE\n")
        );
        assert_eq!(persist(&text, "LINE"), Persist::Unchanged { line: 5 });
        let Persist::Replaced { old, text: moved } = persist(&format!("{text}export X=1\n"), "NEW")
        else {
            panic!()
        };
        assert_eq!(old, "LINE");
        assert_eq!(
            moved,
            format!("# my aliases\nalias ll='ls -l'\n\n{MARKER}\nNEW\nexport X=1\n")
        );
        let Persist::Appended { text } = persist("", "LINE") else {
            panic!()
        };
        assert_eq!(text, format!("{MARKER}\nLINE\n"));
    }
}
