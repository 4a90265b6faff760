//! PURE: the overrides file (`overrides.toml` in the config dir): versions the user chose to
//! keep instead of the pin. An entry applies only while the pin, the binary's path and its
//! version are all what they were when it was recorded. Edits keep the user's comments.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::core::manifest::{FileError, Problem, line_col};
use crate::core::tool::Tool;

pub(crate) const FILE_NAME: &str = "overrides.toml";

const HEADER: &str = "\
# Versions kept instead of the pin, written by `aladdin-doctor override` (or the TUI's \"keep mine\").
# An entry stops applying when the pin, the binary's path or its version changes.
# Remove one with `aladdin-doctor override TOOL --clear`.
";

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OverrideEntry {
    /// The version that was found, as the tool printed it.
    pub(crate) version: String,
    /// The binary that was found.
    pub(crate) path: PathBuf,
    /// The pin at the time (as `ToolSpec::pin_display`).
    pub(crate) pin: String,
    pub(crate) reason: Option<String>,
    /// RFC 3339 time of recording.
    pub(crate) recorded: Option<String>,
}

impl OverrideEntry {
    pub(crate) fn applies(&self, pin: &str, path: &Path, version: &str) -> bool {
        self.pin == pin && self.path == path && self.version == version
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Overrides {
    pub(crate) entries: BTreeMap<Tool, OverrideEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    version: String,
    path: String,
    pin: String,
    reason: Option<String>,
    recorded: Option<String>,
}

impl Overrides {
    pub(crate) fn get(&self, tool: Tool) -> Option<&OverrideEntry> {
        self.entries.get(&tool)
    }

    /// Parses the file's text; `source` names it in errors.
    pub(crate) fn parse(text: &str, source: &str) -> Result<Overrides, FileError> {
        let err = |span: std::ops::Range<usize>, key: String, message: String| {
            let (line, col) = line_col(text, span.start);
            FileError {
                file: source.to_string(),
                problems: vec![Problem {
                    line,
                    col,
                    key,
                    message,
                    help: "the overrides file is never rewritten while it is broken: fix this line, or delete the file to forget every override".into(),
                }],
            }
        };
        let raw: BTreeMap<Spanned<String>, RawEntry> = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            let table = text[..span.start.min(text.len())]
                .lines()
                .rev()
                .map(str::trim)
                .find(|l| l.starts_with('['))
                .map(|l| l.trim_matches(['[', ']']).to_string())
                .unwrap_or_else(|| "(top level)".into());
            err(span, table, e.message().trim().to_string())
        })?;
        let mut entries = BTreeMap::new();
        for (name, e) in raw {
            let tool = match name.get_ref().parse::<Tool>() {
                Ok(t) if t.name() == name.get_ref() => t,
                _ => {
                    return Err(err(
                        name.span(),
                        name.get_ref().clone(),
                        format!(
                            "unknown tool `{}`; {}known: {}",
                            name.get_ref(),
                            crate::core::suggest::did_you_mean(
                                name.get_ref(),
                                &Tool::ALL.map(Tool::name)
                            ),
                            Tool::names()
                        ),
                    ));
                }
            };
            entries.insert(
                tool,
                OverrideEntry {
                    version: e.version,
                    path: PathBuf::from(e.path),
                    pin: e.pin,
                    reason: e.reason.filter(|r| !r.trim().is_empty()),
                    recorded: e.recorded,
                },
            );
        }
        Ok(Overrides { entries })
    }

    /// `text` with `tool`'s entry set to `entry`; other entries and comments are kept.
    /// `text` must already parse (see `parse`).
    pub(crate) fn with_entry(text: &str, tool: Tool, entry: &OverrideEntry) -> String {
        let mut doc = document(text);
        let mut t = toml_edit::Table::new();
        t.insert("version", toml_edit::value(entry.version.as_str()));
        t.insert(
            "path",
            toml_edit::value(entry.path.to_string_lossy().as_ref()),
        );
        t.insert("pin", toml_edit::value(entry.pin.as_str()));
        if let Some(r) = &entry.reason {
            t.insert("reason", toml_edit::value(r.as_str()));
        }
        if let Some(r) = &entry.recorded {
            t.insert("recorded", toml_edit::value(r.as_str()));
        }
        // Keep a comment the user wrote above an existing entry.
        if let Some(old) = doc.get(tool.name()).and_then(|i| i.as_table()) {
            t.decor_mut().clone_from(old.decor());
        }
        doc.insert(tool.name(), toml_edit::Item::Table(t));
        if text.trim().is_empty() {
            format!("{HEADER}\n{doc}")
        } else {
            doc.to_string()
        }
    }

    /// `text` without `tool`'s entry (None when there was none).
    pub(crate) fn without_entry(text: &str, tool: Tool) -> Option<String> {
        let mut doc = document(text);
        doc.remove(tool.name())?;
        Some(doc.to_string())
    }
}

/// The document to edit; callers have parsed `text` with `Overrides::parse` first.
fn document(text: &str) -> toml_edit::DocumentMut {
    text.parse().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(version: &str) -> OverrideEntry {
        OverrideEntry {
            version: version.into(),
            path: "/usr/bin/kubectl".into(),
            pin: "1.30.6".into(),
            reason: Some("gcloud manages it".into()),
            recorded: Some("2026-11-24T10:00:00Z".into()),
        }
    }

    #[test]
    fn round_trip_and_applies() {
        let text = Overrides::with_entry("", Tool::Kubectl, &entry("1.32.4-dispatcher"));
        assert!(text.starts_with("# Versions kept"), "{text}");
        let o = Overrides::parse(&text, "overrides.toml").unwrap();
        let e = o.get(Tool::Kubectl).unwrap();
        assert_eq!(e, &entry("1.32.4-dispatcher"));
        let path = Path::new("/usr/bin/kubectl");
        assert!(e.applies("1.30.6", path, "1.32.4-dispatcher"));
        assert!(!e.applies("1.30.7", path, "1.32.4-dispatcher"), "new pin");
        assert!(!e.applies(
            "1.30.6",
            Path::new("/usr/local/bin/kubectl"),
            "1.32.4-dispatcher"
        ));
        assert!(!e.applies("1.30.6", path, "1.32.5"), "new binary version");
    }

    #[test]
    fn edits_keep_comments_and_other_entries() {
        let text = "# my notes\n\n[helm]\n# keep helm 2 for the legacy chart\nversion = \"2.9.1\"\npath = \"/opt/helm\"\npin = \"3.17.0\"\n";
        let edited = Overrides::with_entry(text, Tool::Kubectl, &entry("1.29.0"));
        assert!(edited.contains("# my notes"));
        assert!(edited.contains("# keep helm 2 for the legacy chart"));
        let o = Overrides::parse(&edited, "o").unwrap();
        assert_eq!(o.entries.len(), 2);
        let cleared = Overrides::without_entry(&edited, Tool::Kubectl).unwrap();
        let o = Overrides::parse(&cleared, "o").unwrap();
        assert_eq!(o.entries.keys().copied().collect::<Vec<_>>(), [Tool::Helm]);
        assert!(cleared.contains("# my notes"));
        assert!(Overrides::without_entry(&cleared, Tool::Kubectl).is_none());
    }

    #[test]
    fn corrupt_files_are_clear_errors() {
        let e = Overrides::parse(
            "[kubectl]\nversion = \"1\"\npath = \n",
            "/cfg/overrides.toml",
        )
        .unwrap_err();
        assert_eq!(e.file, "/cfg/overrides.toml");
        assert_eq!(e.problems[0].line, 3);
        assert!(e.to_string().contains("/cfg/overrides.toml:3:"), "{e}");
        let e = Overrides::parse("[kubectl]\nversion = \"1\"\n", "o").unwrap_err();
        assert!(e.problems[0].message.contains("missing field"), "{e}");
        let e = Overrides::parse(
            "[kubeclt]\nversion = \"1\"\npath = \"/x\"\npin = \"1\"\n",
            "o",
        )
        .unwrap_err();
        assert_eq!(e.problems[0].key, "kubeclt");
        assert_eq!((e.problems[0].line, e.problems[0].col), (1, 2));
        assert!(Overrides::parse("", "o").unwrap().entries.is_empty());
    }
}
