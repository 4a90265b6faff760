//! PURE: the edits `pins update` makes to versions.toml, on the document (toml_edit) rather than
//! on the parsed values, so that every comment, blank line and key order stays as the owners
//! wrote it (the pattern of `core::overrides`). Callers validate the result with the strict
//! manifest parser before anything is written.
//!
//! The `[tools.X.sha256]` table ends up with exactly one hash per supported platform: existing
//! keys keep their place (and the comments around them), new platforms are appended in
//! `Platform::all` order, and a hash for a platform that is (now) in `unsupported` is removed,
//! since nothing would ever read it.

use std::collections::BTreeMap;
use std::fmt;

use toml_edit::{Array, DocumentMut, Item, Table, TableLike, Value};

use crate::core::tool::{Platform, Tool};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EditError {
    /// Not TOML (the caller parses the file first, so this is a bug).
    Syntax(String),
    /// The file has no `[tools.X]`.
    NoTool(Tool),
    /// The key holds another type of value than versions.toml allows there.
    Shape(String),
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::Syntax(e) => write!(f, "not TOML: {e}"),
            EditError::NoTool(t) => write!(
                f,
                "it pins no {t}: add a [tools.{t}] table with its url (see README, versions.toml), then run pins update"
            ),
            EditError::Shape(key) => write!(f, "`{key}` is not a table or list as expected"),
        }
    }
}

fn document(text: &str) -> Result<DocumentMut, EditError> {
    text.parse::<DocumentMut>()
        .map_err(|e| EditError::Syntax(e.to_string()))
}

fn tool_table(doc: &mut DocumentMut, tool: Tool) -> Result<&mut dyn TableLike, EditError> {
    doc.get_mut("tools")
        .and_then(Item::as_table_like_mut)
        .and_then(|t| t.get_mut(tool.name()))
        .and_then(Item::as_table_like_mut)
        .ok_or(EditError::NoTool(tool))
}

/// Replaces a value, keeping the spaces and the comment around it.
fn replace(item: &mut Item, new: Value) {
    match item.as_value_mut() {
        Some(v) => {
            let decor = v.decor().clone();
            *v = new;
            *v.decor_mut() = decor;
        }
        None => *item = Item::Value(new),
    }
}

/// `text` with `tool`'s `version` (and VirtualBox's `revision`, when given) set.
pub(crate) fn set_version(
    text: &str,
    tool: Tool,
    version: &str,
    revision: Option<u64>,
) -> Result<String, EditError> {
    let mut doc = document(text)?;
    let t = tool_table(&mut doc, tool)?;
    match t.get_mut("version") {
        Some(item) => replace(item, Value::from(version)),
        None => {
            t.insert("version", toml_edit::value(version));
        }
    }
    if let Some(r) = revision {
        let r = Value::from(i64::try_from(r).unwrap_or(i64::MAX));
        match t.get_mut("revision") {
            Some(item) => replace(item, r),
            None => {
                t.insert("revision", Item::Value(r));
            }
        }
    }
    Ok(doc.to_string())
}

/// `text` with `tool`'s `[tools.X.sha256]` holding exactly `hashes`, and `missing` added to its
/// `unsupported` list.
pub(crate) fn set_hashes(
    text: &str,
    tool: Tool,
    hashes: &BTreeMap<Platform, String>,
    missing: &[Platform],
) -> Result<String, EditError> {
    let mut doc = document(text)?;
    let t = tool_table(&mut doc, tool)?;
    let key = |k: &str| format!("tools.{tool}.{k}");
    if !missing.is_empty() {
        match t.get_mut("unsupported") {
            Some(item) => {
                let list = item
                    .as_array_mut()
                    .ok_or_else(|| EditError::Shape(key("unsupported")))?;
                for p in missing {
                    let name = p.to_string();
                    if !list.iter().any(|v| v.as_str() == Some(name.as_str())) {
                        list.push(name);
                    }
                }
            }
            None => {
                let list: Array = missing.iter().map(|p| p.to_string()).collect();
                t.insert("unsupported", toml_edit::value(list));
            }
        }
    }
    match t.get_mut("sha256") {
        Some(item) => match item.as_inline_table_mut() {
            Some(inline) => {
                fill(inline, hashes);
                // One line: normal spacing, not the old last value's space before `}`.
                inline.fmt();
            }
            None => {
                let table = item
                    .as_table_like_mut()
                    .ok_or_else(|| EditError::Shape(key("sha256")))?;
                fill(table, hashes);
            }
        },
        None if hashes.is_empty() => {}
        None => {
            // After the tool's other tables (toml_edit places a table without a position after
            // the last one before it); an inline tool table gets an inline table.
            let mut table = Table::new();
            table.decor_mut().set_prefix("");
            fill(&mut table, hashes);
            t.insert("sha256", Item::Table(table));
        }
    }
    Ok(doc.to_string())
}

/// Puts the comments `carried` from removed keys above key `k`.
fn carry_to(table: &mut dyn TableLike, k: &str, carried: &mut String) {
    if carried.is_empty() {
        return;
    }
    if let Some(mut key) = table.key_mut(k) {
        let own = key
            .leaf_decor()
            .prefix()
            .and_then(|p| p.as_str())
            .unwrap_or("")
            .to_string();
        key.leaf_decor_mut()
            .set_prefix(format!("{}{own}", std::mem::take(carried)));
    }
}

/// Sets the hashes in place, removes the keys of platforms without one (moving a comment
/// above a removed key to the next key), appends new platforms.
fn fill(table: &mut dyn TableLike, hashes: &BTreeMap<Platform, String>) {
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_string()).collect();
    let mut carried = String::new();
    for k in &keys {
        let hash = k.parse::<Platform>().ok().and_then(|p| hashes.get(&p));
        match (hash, table.get_mut(k)) {
            (Some(h), Some(item)) => {
                replace(item, Value::from(h.as_str()));
                carry_to(table, k, &mut carried);
            }
            _ => {
                let comment = table
                    .key(k)
                    .and_then(|key| key.leaf_decor().prefix())
                    .and_then(|p| p.as_str())
                    .filter(|p| p.contains('#'))
                    .map(str::to_string);
                carried.push_str(&comment.unwrap_or_default());
                table.remove(k);
            }
        }
    }
    for (p, h) in hashes {
        let name = p.to_string();
        if !table.contains_key(&name) {
            table.insert(&name, toml_edit::value(h.as_str()));
            carry_to(table, &name, &mut carried);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::manifest::{EMBEDDED, Manifest};
    use crate::core::tool::{Arch, Os};

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    fn hashes(pairs: &[(&str, char)]) -> BTreeMap<Platform, String> {
        pairs
            .iter()
            .map(|(k, c)| (p(k), c.to_string().repeat(64)))
            .collect()
    }

    #[test]
    fn the_repos_file_changes_only_where_it_must() {
        let text = set_version(EMBEDDED, Tool::Kubectl, "1.31.0", None).unwrap();
        let all = hashes(&[
            ("linux-amd64", 'a'),
            ("linux-arm64", 'b'),
            ("darwin-amd64", 'c'),
            ("darwin-arm64", 'd'),
            ("windows-amd64", 'e'),
            ("windows-arm64", 'f'),
        ]);
        let text = set_hashes(&text, Tool::Kubectl, &all, &[]).unwrap();
        let start = EMBEDDED.find("[tools.kubectl]").unwrap();
        let end = EMBEDDED.find("[tools.helm]").unwrap();
        let new_end = text.find("[tools.helm]").unwrap();
        assert_eq!(
            &text[..start],
            &EMBEDDED[..start],
            "before kubectl: byte for byte"
        );
        assert_eq!(
            &text[new_end..],
            &EMBEDDED[end..],
            "after kubectl: byte for byte"
        );
        let a = "a".repeat(64);
        let (b, c, d, e, f) = (
            "b".repeat(64),
            "c".repeat(64),
            "d".repeat(64),
            "e".repeat(64),
            "f".repeat(64),
        );
        assert_eq!(
            &text[start..new_end],
            format!(
                "[tools.kubectl]\nversion = \"1.31.0\"\naccept = \">=1.30.6, <1.31\"\nurl = \"https://dl.k8s.io/release/v{{version}}/bin/{{os}}/{{arch}}/kubectl{{exe}}\"\nchecksum_url = \"https://dl.k8s.io/release/v{{version}}/bin/{{os}}/{{arch}}/kubectl{{exe}}.sha256\"\n[tools.kubectl.sha256]\nlinux-amd64 = \"{a}\"\ndarwin-amd64 = \"{c}\"\ndarwin-arm64 = \"{d}\"\nlinux-arm64 = \"{b}\"\nwindows-amd64 = \"{e}\"\nwindows-arm64 = \"{f}\"\n\n"
            )
        );
        let m = Manifest::parse(&text, "v").unwrap();
        let k = m.get(Tool::Kubectl).unwrap();
        assert_eq!(k.version, "1.31.0");
        assert_eq!(
            k.artifact(Platform::new(Os::Windows, Arch::Arm64))
                .unwrap()
                .sha256,
            Some(f)
        );
    }

    #[test]
    fn comments_and_spacing_around_values_are_kept() {
        let text = "schema = 1\n\n# the team's notes\n[tools.helm]\nversion   = \"3.17.0\"   # bumped by hand\nurl = \"https://get.helm.sh/helm-v{version}-{os}-{arch}.tar.gz\"\narchive = \"tar.gz\"\npath = \"{os}-{arch}/helm{exe}\"\n[tools.helm.sha256]\n# from the release page\nlinux-amd64 = \"0000000000000000000000000000000000000000000000000000000000000000\" # linux\n# old mac\ndarwin-amd64 = \"1111111111111111111111111111111111111111111111111111111111111111\"\n";
        let v = set_version(text, Tool::Helm, "3.18.1", None).unwrap();
        assert!(
            v.contains("version   = \"3.18.1\"   # bumped by hand\n"),
            "{v}"
        );
        // darwin-amd64 became unsupported: its hash goes, its comment moves down.
        let h = set_hashes(
            &v,
            Tool::Helm,
            &hashes(&[("linux-amd64", 'a'), ("windows-amd64", 'e')]),
            &[p("darwin-amd64")],
        )
        .unwrap();
        let a = "a".repeat(64);
        let e = "e".repeat(64);
        assert_eq!(
            h,
            format!(
                "schema = 1\n\n# the team's notes\n[tools.helm]\nversion   = \"3.18.1\"   # bumped by hand\nurl = \"https://get.helm.sh/helm-v{{version}}-{{os}}-{{arch}}.tar.gz\"\narchive = \"tar.gz\"\npath = \"{{os}}-{{arch}}/helm{{exe}}\"\nunsupported = [\"darwin-amd64\"]\n[tools.helm.sha256]\n# from the release page\nlinux-amd64 = \"{a}\" # linux\n# old mac\nwindows-amd64 = \"{e}\"\n"
            )
        );
        Manifest::parse(&h, "v").unwrap();
    }

    #[test]
    fn a_tool_without_hashes_gets_a_table_after_its_own() {
        // docker in the repo's file: hashes exist; take a copy without them.
        let start = EMBEDDED.find("# Docker publishes").unwrap();
        let end = EMBEDDED.find("[tools.docker.platforms").unwrap();
        let text = format!("{}{}", &EMBEDDED[..start], &EMBEDDED[end..]);
        let all = hashes(&[
            ("linux-amd64", 'a'),
            ("linux-arm64", 'b'),
            ("darwin-amd64", 'c'),
            ("darwin-arm64", 'd'),
            ("windows-amd64", 'e'),
        ]);
        let out = set_hashes(&text, Tool::Docker, &all, &[]).unwrap();
        let table = out.find("[tools.docker.sha256]").unwrap();
        let platforms = out.find("[tools.docker.platforms.windows-amd64]").unwrap();
        let vbox = out.find("[tools.virtualbox]").unwrap();
        assert!(platforms < table && table < vbox, "{out}");
        assert!(out[table..vbox].starts_with(&format!(
            "[tools.docker.sha256]\nlinux-amd64 = \"{}\"\nlinux-arm64",
            "a".repeat(64)
        )));
        // Everything else is as it was (the blank line before [tools.virtualbox] included).
        assert_eq!(format!("{}{}", &out[..table], &out[vbox - 1..]), text);
        let m = Manifest::parse(&out, "v").unwrap();
        let d = m.get(Tool::Docker).unwrap();
        assert!(d.artifact(p("windows-amd64")).unwrap().sha256.is_some());
    }

    #[test]
    fn inline_tables_lists_and_revisions() {
        let text = "schema = 1\n[tools.virtualbox]\nversion = \"7.2.10\"\nrevision = 174163\narchive = \"installer\"\nurl = \"https://download.virtualbox.org/virtualbox/{version}/VirtualBox-{version}-{revision}-{os}.run\"\nunsupported = [\"linux-arm64\"]\nsha256 = { linux-amd64 = \"0000000000000000000000000000000000000000000000000000000000000000\" }\n";
        let v = set_version(text, Tool::Virtualbox, "7.2.12", Some(175000)).unwrap();
        assert!(
            v.contains("version = \"7.2.12\"\nrevision = 175000\n"),
            "{v}"
        );
        let h = set_hashes(
            &v,
            Tool::Virtualbox,
            &hashes(&[("linux-amd64", 'a'), ("darwin-amd64", 'c')]),
            &[p("windows-arm64"), p("linux-arm64")],
        )
        .unwrap();
        assert!(
            h.contains("unsupported = [\"linux-arm64\", \"windows-arm64\"]\n"),
            "{h}"
        );
        assert!(
            h.contains(&format!(
                "sha256 = {{ linux-amd64 = \"{}\", darwin-amd64 = \"{}\" }}",
                "a".repeat(64),
                "c".repeat(64)
            )),
            "{h}"
        );
        assert_eq!(
            set_version(text, Tool::Kubectl, "1.0.0", None),
            Err(EditError::NoTool(Tool::Kubectl))
        );
        let bad = text.replace("unsupported = [\"linux-arm64\"]", "unsupported = 3");
        assert_eq!(
            set_hashes(
                &bad,
                Tool::Virtualbox,
                &BTreeMap::new(),
                &[p("linux-arm64")]
            ),
            Err(EditError::Shape("tools.virtualbox.unsupported".into()))
        );
    }
}
