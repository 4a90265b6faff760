//! PURE: the keys of versions.toml, checked on the document's structure before any value is
//! read: an unknown or misspelt table or key is named with its position and the closest
//! allowed name, and every one of them is reported.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::validate::Validator;
use crate::core::suggest::did_you_mean;
use crate::core::tool::Tool;

const TOP: &[&str] = &["schema", "tools", "cluster"];
const CLUSTER: &[&str] = &[
    "profile",
    "driver",
    "context",
    "kubernetes_version",
    "addons",
    "timeouts",
];
pub(super) const CLUSTER_TIMEOUTS: &[&str] =
    &["docker", "minikube", "context", "api", "addons", "helm"];
const TOOL: &[&str] = &[
    "version",
    "revision",
    "accept",
    "url",
    "archive",
    "path",
    "checksum_url",
    "sha256",
    "platforms",
    "os",
    "arch",
    "unsupported",
];
const PLATFORM: &[&str] = &["url", "archive", "path", "checksum_url"];

impl Validator<'_> {
    /// Reports every unknown key and tool; true when there were none.
    pub(super) fn keys(&mut self, doc: &Spanned<DeTable<'_>>) -> bool {
        let before = self.problems.len();
        self.allowed(doc.get_ref(), "", TOP);
        if !doc.get_ref().keys().any(|k| k.get_ref() == "schema") {
            self.push(
                0..0,
                "schema".into(),
                "the file has no `schema`".into(),
                "start the file with `schema = 1`",
            );
        }
        let cluster = doc
            .get_ref()
            .iter()
            .find(|(k, _)| k.get_ref() == "cluster")
            .and_then(|(_, v)| table(v));
        if let Some(c) = cluster {
            self.allowed(c, "cluster", CLUSTER);
            let timeouts = c
                .iter()
                .find(|(k, _)| k.get_ref() == "timeouts")
                .and_then(|(_, v)| table(v));
            if let Some(t) = timeouts {
                self.allowed(t, "cluster.timeouts", CLUSTER_TIMEOUTS);
            }
        }
        let tools = doc
            .get_ref()
            .iter()
            .find(|(k, _)| k.get_ref() == "tools")
            .and_then(|(_, v)| table(v));
        for (name, value) in tools.into_iter().flatten() {
            let key = format!("tools.{}", name.get_ref());
            if !Tool::ALL.iter().any(|t| t.name() == name.get_ref()) {
                let names = Tool::ALL.map(Tool::name);
                self.push(
                    name.span(),
                    key,
                    format!("unknown tool `{}`", name.get_ref()),
                    &format!(
                        "{}tools are: {}",
                        did_you_mean(name.get_ref(), &names),
                        Tool::names()
                    ),
                );
                continue;
            }
            let Some(spec) = table(value) else { continue };
            self.allowed(spec, &key, TOOL);
            if !spec.keys().any(|k| k.get_ref() == "version") {
                self.push(
                    name.span(),
                    format!("{key}.version"),
                    format!("{} has no `version`", name.get_ref()),
                    "pin the release, e.g. `version = \"1.30.6\"`",
                );
            }
            let platforms = spec
                .iter()
                .find(|(k, _)| k.get_ref() == "platforms")
                .and_then(|(_, v)| table(v));
            for (p, t) in platforms.into_iter().flatten() {
                if let Some(t) = table(t) {
                    self.allowed(t, &format!("{key}.platforms.{}", p.get_ref()), PLATFORM);
                }
            }
        }
        self.problems.len() == before
    }

    fn allowed(&mut self, t: &DeTable<'_>, parent: &str, allowed: &[&str]) {
        for k in t.keys() {
            let name = k.get_ref();
            if allowed.contains(&name.as_ref()) {
                continue;
            }
            let key = if parent.is_empty() {
                name.to_string()
            } else {
                format!("{parent}.{name}")
            };
            self.push(
                k.span(),
                key,
                format!("unknown key `{name}`"),
                &format!(
                    "{}the keys allowed here are: {} (see README, versions.toml)",
                    did_you_mean(name, allowed),
                    allowed.join(", ")
                ),
            );
        }
    }
}

fn table<'a, 'i>(v: &'a Spanned<DeValue<'i>>) -> Option<&'a DeTable<'i>> {
    match v.get_ref() {
        DeValue::Table(t) => Some(t),
        _ => None,
    }
}
