//! PURE: the probe cache. For each binary probed, a key made of everything that can change its
//! answer — the resolved path, the file's identity (device, inode, size, mtime and ctime in
//! nanoseconds), the probe's own recipe (arguments, isolation, this program's version) — maps to
//! what the probe read. A probe whose key matches is not run; PATH lookup, the manifest, the
//! overrides and the diagnosis are always fresh.
//!
//! Never stale: replacing, touching, re-linking or rewriting a binary changes its key. A file
//! changed within `RACY_NS` of when its entry was recorded may have been changed again within
//! the timestamp granularity of its file system, so such an entry is not trusted (git's "racy
//! git" rule, `Documentation/technical/racy-git.txt`). A corrupt, truncated, foreign or
//! future-format cache is ignored (and rewritten), never an error.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::core::checksum;
use crate::core::isolation;
use crate::core::observation::{AsUser, CopyState, ProbeFailure};
use crate::core::tool::Tool;

pub(crate) const SCHEMA: u32 = 1;
/// Timestamps closer than this to the recording are not trusted (covers 1 s file systems).
pub(crate) const RACY_NS: i128 = 2_000_000_000;

/// What makes one probe's answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct Key {
    pub(crate) tool: Tool,
    /// The binary, symlinks resolved.
    pub(crate) path: PathBuf,
    pub(crate) dev: u64,
    pub(crate) ino: u64,
    pub(crate) size: u64,
    pub(crate) mtime_ns: i128,
    pub(crate) ctime_ns: i128,
    /// `recipe(tool)`.
    pub(crate) recipe: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub(crate) key: Key,
    pub(crate) state: CopyState,
    /// The as-user check, with a fingerprint of the configuration it ran with.
    pub(crate) as_user: Option<(String, AsUser)>,
    /// When it was recorded (ns since the epoch).
    pub(crate) recorded_ns: i128,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Cache {
    pub(crate) schema: u32,
    /// The program that wrote it; another version's entries are not used.
    pub(crate) writer: String,
    pub(crate) entries: Vec<Entry>,
}

/// This program, as the writer of a cache.
pub(crate) fn writer() -> String {
    format!("aladdin-doctor {}", env!("CARGO_PKG_VERSION"))
}

/// Everything about how `tool` is probed: if any of it changes, old answers do not count.
pub(crate) fn recipe(tool: Tool, attempts: &[&[&str]]) -> String {
    let text = format!("{SCHEMA}|{tool}|{attempts:?}|{:?}", isolation::pieces(tool));
    checksum::hex(&Sha256::digest(text.as_bytes()))[..16].to_string()
}

/// A fingerprint of what the user's configuration is, for the as-user check: the tool's
/// variables and the identity of each file behind its configuration.
pub(crate) fn config_fingerprint(parts: &[String]) -> String {
    checksum::hex(&Sha256::digest(parts.join("\n").as_bytes()))[..16].to_string()
}

/// Whether a result may be reused: a timeout or an internal error may not happen again.
pub(crate) fn cacheable(state: &CopyState) -> bool {
    !matches!(
        state,
        CopyState::Failed {
            failure: ProbeFailure::TimedOut { .. } | ProbeFailure::Internal { .. },
            ..
        }
    )
}

impl Cache {
    /// The cache in `text`, or an empty one if it is not one this program wrote.
    pub(crate) fn parse(text: &str) -> Cache {
        match serde_json::from_str::<Cache>(text) {
            Ok(c) if c.schema == SCHEMA && c.writer == writer() => c,
            _ => Cache::empty(),
        }
    }

    pub(crate) fn empty() -> Cache {
        Cache {
            schema: SCHEMA,
            writer: writer(),
            entries: Vec::new(),
        }
    }

    pub(crate) fn render(&self) -> String {
        serde_json::to_string(self).expect("the cache serialises")
    }

    /// The entry for `key`, unless its timestamps are too close to its recording to trust.
    pub(crate) fn get(&self, key: &Key) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| &e.key == key && e.recorded_ns - key.mtime_ns.max(key.ctime_ns) > RACY_NS)
    }

    /// Records `entry`, replacing any for the same path and tool.
    pub(crate) fn put(&mut self, entry: Entry) {
        self.entries
            .retain(|e| !(e.key.path == entry.key.path && e.key.tool == entry.key.tool));
        self.entries.push(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::observation::Reading;
    use crate::core::version::Version;
    use std::time::Duration;

    fn key(mtime_ns: i128) -> Key {
        Key {
            tool: Tool::Kubectl,
            path: "/usr/bin/kubectl".into(),
            dev: 1,
            ino: 2,
            size: 3,
            mtime_ns,
            ctime_ns: mtime_ns,
            recipe: recipe(Tool::Kubectl, &[&["version", "--client"]]),
        }
    }

    fn entry(k: Key, recorded_ns: i128) -> Entry {
        Entry {
            key: k,
            state: CopyState::Read(Reading {
                version: Version::parse("1.30.6").unwrap(),
                warnings: vec![],
            }),
            as_user: Some(("abc".into(), AsUser::Same)),
            recorded_ns,
        }
    }

    #[test]
    fn hits_only_the_same_key_and_never_a_racy_one() {
        let mut c = Cache::empty();
        let t = 10_000_000_000_000;
        c.put(entry(key(t), t + 5_000_000_000));
        assert!(c.get(&key(t)).is_some());
        assert!(c.get(&key(t + 1)).is_none(), "touched");
        let mut other = key(t);
        other.ino = 9;
        assert!(c.get(&other).is_none(), "replaced");
        let mut r = key(t);
        r.recipe = recipe(Tool::Kubectl, &[&["version"]]);
        assert!(c.get(&r).is_none(), "probed another way");
        // Recorded in the same second as the file's last change: not trusted.
        c.put(entry(key(t), t + 500_000_000));
        assert!(c.get(&key(t)).is_none());
        assert_eq!(c.entries.len(), 1, "put replaces");
    }

    #[test]
    fn round_trips_and_ignores_what_it_did_not_write() {
        let mut c = Cache::empty();
        c.put(entry(key(1), 5_000_000_000));
        c.put(Entry {
            state: CopyState::Failed {
                failure: ProbeFailure::NoVersion {
                    command: "kubectl version".into(),
                    exit: Some(1),
                    said: None,
                },
                output: None,
            },
            ..entry(
                Key {
                    tool: Tool::Helm,
                    ..key(1)
                },
                5_000_000_000,
            )
        });
        let text = c.render();
        assert_eq!(Cache::parse(&text), c);
        for bad in [
            String::new(),
            "garbage".into(),
            text[..text.len() / 2].to_string(),
            text.replace("\"schema\":1", "\"schema\":2"),
            text.replace(&writer(), "aladdin-doctor 99.0.0"),
            "{\"schema\":1}".into(),
        ] {
            assert_eq!(Cache::parse(&bad), Cache::empty(), "{bad}");
        }
        assert!(!cacheable(&CopyState::Failed {
            failure: ProbeFailure::TimedOut {
                command: "x".into(),
                after: Duration::from_secs(1)
            },
            output: None
        }));
    }
}
