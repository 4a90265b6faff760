//! PURE: problems in a TOML file the user wrote, each with file:line:col, the key, what is
//! wrong and what to do (for versions.toml and the overrides file).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) line: usize,
    pub(crate) col: usize,
    /// Dotted key, e.g. `tools.kubectl.sha256.linux-amd64`.
    pub(crate) key: String,
    pub(crate) message: String,
    /// What is allowed / what to do.
    pub(crate) help: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) struct FileError {
    pub(crate) file: String,
    pub(crate) problems: Vec<Problem>,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(
            f,
            "{} has {} problem{}:",
            self.file,
            n,
            if n == 1 { "" } else { "s" }
        )?;
        for (i, p) in self.problems.iter().enumerate() {
            write!(
                f,
                "{}:{}:{}: {}: {}\n  help: {}",
                self.file, p.line, p.col, p.key, p.message, p.help
            )?;
            if i + 1 < n {
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}
