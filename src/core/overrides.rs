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

/// A tool the user does not need (`override TOOL --not-needed`): it counts as satisfied
/// whatever is installed, until the mark is cleared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NotNeeded {
    pub(crate) reason: Option<String>,
    /// RFC 3339 time of recording.
    pub(crate) recorded: Option<String>,
}

/// What the overrides file says about one tool.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ForTool<'a> {
    pub(crate) keep: Option<&'a OverrideEntry>,
    pub(crate) not_needed: Option<&'a NotNeeded>,
}

/// A problem in the overrides file and the tool whose entry holds it (None: it cannot be told
/// which tool it concerns, so it concerns every tool).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EntryProblem {
    pub(crate) tool: Option<Tool>,
    pub(crate) problem: Problem,
}

/// The overrides file, read entry by entry: a broken entry is a problem of its own tool only,
/// so that it does not stop a run that looks at other tools.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Overrides {
    pub(crate) entries: BTreeMap<Tool, OverrideEntry>,
    pub(crate) not_needed: BTreeMap<Tool, NotNeeded>,
    /// In file order.
    pub(crate) problems: Vec<EntryProblem>,
    /// The file's name, for messages.
    pub(crate) source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    version: Option<String>,
    path: Option<String>,
    pin: Option<String>,
    not_needed: Option<bool>,
    reason: Option<String>,
    recorded: Option<String>,
}

const HELP: &str = "the overrides file is never rewritten while it is broken: fix this line, or delete the file to forget every override";

impl Overrides {
    #[cfg(test)]
    pub(crate) fn get(&self, tool: Tool) -> Option<&OverrideEntry> {
        self.entries.get(&tool)
    }

    pub(crate) fn for_tool(&self, tool: Tool) -> ForTool<'_> {
        ForTool {
            keep: self.entries.get(&tool),
            not_needed: self.not_needed.get(&tool),
        }
    }

    /// Parses the file's text; `source` names it in errors. Any problem is an error.
    #[cfg(test)]
    pub(crate) fn parse(text: &str, source: &str) -> Result<Overrides, FileError> {
        let o = Overrides::read(text, source);
        match o.error_for(None) {
            Some(e) => Err(e),
            None => Ok(o),
        }
    }

    /// The problems that concern `tools` (every problem for None) as one error, if any.
    pub(crate) fn error_for(&self, tools: Option<&[Tool]>) -> Option<FileError> {
        let problems: Vec<Problem> = self
            .problems
            .iter()
            .filter(|p| match (tools, p.tool) {
                (Some(tools), Some(t)) => tools.contains(&t),
                _ => true,
            })
            .map(|p| p.problem.clone())
            .collect();
        (!problems.is_empty()).then(|| FileError {
            file: self.source.clone(),
            problems,
        })
    }

    /// Reads the file's text entry by entry: each `[tool]` table is parsed on its own (a line
    /// that starts with `[` starts one), so a broken table costs only its own tool, and every
    /// problem keeps its real line.
    pub(crate) fn read(text: &str, source: &str) -> Overrides {
        let mut o = Overrides {
            source: source.to_string(),
            ..Overrides::default()
        };
        let mut seen: Vec<Tool> = Vec::new();
        for (start, chunk) in chunks(text) {
            let header = header_name(chunk);
            let owner = header.as_deref().and_then(owner_of);
            let mut problem = |tool: Option<Tool>, at: usize, key: String, message: String| {
                let (line, col) = line_col(text, start + at);
                o.problems.push(EntryProblem {
                    tool,
                    problem: Problem {
                        line,
                        col,
                        key,
                        message,
                        help: HELP.into(),
                    },
                });
            };
            let raw: BTreeMap<Spanned<String>, RawEntry> = match toml::from_str(chunk) {
                Ok(raw) => raw,
                Err(e) => {
                    let at = e.span().map_or(0, |s| s.start);
                    let key = header.clone().unwrap_or_else(|| "(top level)".into());
                    problem(owner, at, key, e.message().trim().to_string());
                    continue;
                }
            };
            for (name, e) in raw {
                let tool = match name.get_ref().parse::<Tool>() {
                    Ok(t) if t.name() == name.get_ref() => t,
                    _ => {
                        problem(
                            owner_of(name.get_ref()),
                            name.span().start,
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
                        );
                        continue;
                    }
                };
                if seen.contains(&tool) {
                    problem(
                        Some(tool),
                        name.span().start,
                        tool.name().into(),
                        format!("`[{tool}]` appears twice; keep one"),
                    );
                    continue;
                }
                seen.push(tool);
                let reason = e.reason.filter(|r| !r.trim().is_empty());
                let keep = (e.version, e.path, e.pin);
                match (e.not_needed, keep) {
                    (Some(true), (None, None, None)) => {
                        o.not_needed.insert(
                            tool,
                            NotNeeded {
                                reason,
                                recorded: e.recorded,
                            },
                        );
                    }
                    (Some(true), _) => problem(
                        Some(tool),
                        name.span().start,
                        tool.name().into(),
                        "`not_needed = true` cannot go with `version`, `path` and `pin`: an entry either keeps a version or marks the tool not needed".into(),
                    ),
                    (_, (Some(version), Some(path), Some(pin))) => {
                        o.entries.insert(
                            tool,
                            OverrideEntry {
                                version,
                                path: PathBuf::from(path),
                                pin,
                                reason,
                                recorded: e.recorded,
                            },
                        );
                    }
                    (_, (version, path, _)) => {
                        let missing = if version.is_none() {
                            "version"
                        } else if path.is_none() {
                            "path"
                        } else {
                            "pin"
                        };
                        problem(
                            Some(tool),
                            name.span().start,
                            tool.name().into(),
                            format!(
                                "missing field `{missing}` (an entry has `version`, `path` and `pin`, or `not_needed = true`)"
                            ),
                        );
                    }
                }
            }
        }
        o
    }

    /// `text` with `tool`'s entry set to `entry`; other entries and comments are kept.
    /// `text` must already parse (see `parse`).
    pub(crate) fn with_entry(text: &str, tool: Tool, entry: &OverrideEntry) -> String {
        let mut t = toml_edit::Table::new();
        t.insert("version", toml_edit::value(entry.version.as_str()));
        t.insert(
            "path",
            toml_edit::value(entry.path.to_string_lossy().as_ref()),
        );
        t.insert("pin", toml_edit::value(entry.pin.as_str()));
        put(text, tool, t, &entry.reason, &entry.recorded)
    }

    /// `text` with `tool` marked not needed (replacing a kept version, keeping its comment).
    pub(crate) fn with_not_needed(text: &str, tool: Tool, n: &NotNeeded) -> String {
        let mut t = toml_edit::Table::new();
        t.insert("not_needed", toml_edit::value(true));
        put(text, tool, t, &n.reason, &n.recorded)
    }

    /// `text` without `tool`'s entry (None when there was none).
    pub(crate) fn without_entry(text: &str, tool: Tool) -> Option<String> {
        let mut doc = document(text);
        doc.remove(tool.name())?;
        Some(doc.to_string())
    }
}

/// `text` with `tool`'s entry replaced by `t` plus its reason and date; other entries and a
/// comment the user wrote above the old entry stay; a new file gets the header.
fn put(
    text: &str,
    tool: Tool,
    mut t: toml_edit::Table,
    reason: &Option<String>,
    recorded: &Option<String>,
) -> String {
    let mut doc = document(text);
    if let Some(r) = reason {
        t.insert("reason", toml_edit::value(r.as_str()));
    }
    if let Some(r) = recorded {
        t.insert("recorded", toml_edit::value(r.as_str()));
    }
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

/// The document to edit; callers have parsed `text` with `Overrides::parse` first.
fn document(text: &str) -> toml_edit::DocumentMut {
    text.parse().unwrap_or_default()
}

/// The file cut before every line that starts with `[` (a table header): (offset, text).
fn chunks(text: &str) -> Vec<(usize, &str)> {
    let mut starts = vec![0];
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if at > 0 && line.trim_start().starts_with('[') {
            starts.push(at);
        }
        at += line.len();
    }
    starts.push(text.len());
    starts
        .windows(2)
        .map(|w| (w[0], &text[w[0]..w[1]]))
        .collect()
}

/// The table a chunk's header line names (`[kubectl]` → `kubectl`), if it starts with one.
fn header_name(chunk: &str) -> Option<String> {
    let line = chunk.lines().next()?.trim();
    if !line.starts_with('[') {
        return None;
    }
    let inner = line.trim_start_matches('[');
    let inner = inner.split(']').next().unwrap_or(inner);
    let first = inner.split('.').next().unwrap_or(inner);
    Some(first.trim().trim_matches(['"', '\'']).to_string())
}

/// The tool a table name belongs to: its own, or the one it is a likely typo of.
fn owner_of(name: &str) -> Option<Tool> {
    let names = Tool::ALL.map(Tool::name);
    let name = crate::core::suggest::closest(name, &names)?;
    Tool::ALL.into_iter().find(|t| t.name() == name)
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

#[cfg(test)]
mod entry_tests {
    use super::*;

    #[test]
    fn a_broken_entry_is_a_problem_of_its_own_tool_only_at_its_real_line() {
        let text = "# mine\n\n[helm]\nversion = \"2.9.1\"\npath = \"/opt/helm\"\npin = \"3.17.0\"\n\n[kubectl]\nversion = \"1.29.0\"\npath = /usr/bin/kubectl\npin = \"1.30.6\"\n\n[virtualbox]\nnot_needed = true\nreason = \"docker driver\"\n";
        let o = Overrides::read(text, "/cfg/overrides.toml");
        assert_eq!(o.problems.len(), 1, "{:?}", o.problems);
        assert_eq!(o.problems[0].tool, Some(Tool::Kubectl));
        assert_eq!(o.problems[0].problem.line, 10, "the line of `path = /usr…`");
        assert!(
            o.get(Tool::Helm).is_some(),
            "the entries around it are read"
        );
        assert_eq!(
            o.not_needed
                .get(&Tool::Virtualbox)
                .unwrap()
                .reason
                .as_deref(),
            Some("docker driver")
        );
        assert!(o.error_for(Some(&[Tool::Helm, Tool::Docker])).is_none());
        let e = o.error_for(Some(&[Tool::Kubectl])).unwrap();
        assert!(e.to_string().contains("/cfg/overrides.toml:10:"), "{e}");
        assert!(
            Overrides::parse(text, "o").is_err(),
            "strict parsing still fails"
        );
    }

    #[test]
    fn problems_are_owned_by_the_tool_a_typo_names_or_by_every_tool() {
        let o = Overrides::read(
            "[kubetcl]\nversion = \"1\"\npath = \"/x\"\npin = \"1\"\n",
            "o",
        );
        assert_eq!(o.problems[0].tool, Some(Tool::Kubectl));
        assert!(
            o.problems[0]
                .problem
                .message
                .contains("did you mean `kubectl`?")
        );
        let o = Overrides::read("stray = 1\n[helm]\nnot_needed = true\n", "o");
        assert_eq!(o.problems[0].tool, None);
        assert!(
            o.error_for(Some(&[Tool::Docker])).is_some(),
            "a stray key concerns every tool"
        );
        let o = Overrides::read(
            "[helm]\nnot_needed = true\n[helm]\nnot_needed = true\n",
            "o",
        );
        assert_eq!(
            (o.problems[0].tool, o.problems[0].problem.line),
            (Some(Tool::Helm), 3)
        );
        let o = Overrides::read("[helm]\nnot_needed = true\nversion = \"1\"\n", "o");
        assert!(o.problems[0].problem.message.contains("cannot go with"));
        assert!(o.not_needed.is_empty());
    }

    #[test]
    fn not_needed_round_trips_replaces_a_keep_and_clears() {
        let kept = Overrides::with_entry(
            "",
            Tool::Virtualbox,
            &OverrideEntry {
                version: "6.1.0".into(),
                path: "/usr/bin/VBoxManage".into(),
                pin: "7.2.10r174163".into(),
                reason: None,
                recorded: None,
            },
        );
        let n = NotNeeded {
            reason: Some("docker driver".into()),
            recorded: Some("2026-11-24T10:00:00Z".into()),
        };
        let text = Overrides::with_not_needed(&kept, Tool::Virtualbox, &n);
        let o = Overrides::parse(&text, "o").unwrap();
        assert!(o.get(Tool::Virtualbox).is_none());
        assert_eq!(o.for_tool(Tool::Virtualbox).not_needed, Some(&n));
        let cleared = Overrides::without_entry(&text, Tool::Virtualbox).unwrap();
        assert!(
            Overrides::parse(&cleared, "o")
                .unwrap()
                .not_needed
                .is_empty()
        );
    }
}
