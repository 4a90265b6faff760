//! PURE: what `aladdin-doctor cache` shows and what `cache clean` removes. The download cache
//! holds verified artifacts (`CACHE/sha256/<hash>/<file>`), partial downloads
//! (`CACHE/partial/*.partial`) and, for artifacts verified through a published checksum, the
//! hash learned for each URL (`CACHE/index/<key>`); the probe cache is one file in the state
//! dir. `clean` keeps what the manifest in use still pins, for any platform.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use crate::core::manifest::Manifest;
use crate::core::plan;
use crate::core::tool::Tool;
use crate::core::upstream;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Artifact {
        sha256: String,
        file_name: String,
    },
    Partial,
    /// The hash learned from a checksum URL (what the file says, if it could be read).
    Index {
        sha256: Option<String>,
    },
    ProbeCache,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) path: PathBuf,
    pub(crate) size: u64,
    pub(crate) kind: Kind,
}

/// What the manifest in use still needs from the cache: the sha256 of every artifact it pins,
/// for every tool and platform.
#[derive(Clone, Debug, Default)]
pub(crate) struct Wanted {
    hashes: BTreeSet<String>,
}

/// The hashes the manifest pins, and for an artifact it pins no hash for (verified through
/// `checksum_url`), the hash `learned` says was verified for its URL (the cache's index; after
/// `--mirror` when one is in use, and as written).
pub(crate) fn wanted(
    manifest: &Manifest,
    mirror: Option<&str>,
    learned: impl Fn(&str) -> Option<String>,
) -> Wanted {
    let mut w = Wanted::default();
    for t in upstream::all(manifest, &Tool::ALL, &[]) {
        match &t.artifact.sha256 {
            Some(h) => {
                w.hashes.insert(h.clone());
            }
            None => {
                let url = &t.artifact.url;
                for u in [url.clone(), plan::mirror_url(url, mirror)] {
                    w.hashes.extend(learned(&u));
                }
            }
        }
    }
    w
}

impl Wanted {
    fn keeps(&self, sha256: &str, _file_name: &str) -> bool {
        self.hashes.contains(sha256)
    }
}

/// What `clean` removes: every partial download (no download is under way: `clean` holds the
/// install lock), every artifact no pin names, and the learned hashes of artifacts that are
/// gone; with `all`, everything, the probe cache included.
pub(crate) fn to_remove<'a>(entries: &'a [Entry], wanted: &Wanted, all: bool) -> Vec<&'a Entry> {
    if all {
        return entries.iter().collect();
    }
    let kept: BTreeSet<&str> = entries
        .iter()
        .filter_map(|e| match &e.kind {
            Kind::Artifact { sha256, file_name } if wanted.keeps(sha256, file_name) => {
                Some(sha256.as_str())
            }
            _ => None,
        })
        .collect();
    entries
        .iter()
        .filter(|e| match &e.kind {
            Kind::Partial => true,
            Kind::Artifact { sha256, .. } => !kept.contains(sha256.as_str()),
            Kind::Index { sha256 } => sha256.as_deref().is_none_or(|h| !kept.contains(h)),
            Kind::ProbeCache => false,
        })
        .collect()
}

/// 1.5 MiB, 12 KiB, 512 B.
pub(crate) fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Tally {
    pub(crate) files: usize,
    pub(crate) bytes: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Tallies {
    pub(crate) artifacts: Tally,
    /// Artifacts no pin of the manifest in use names (`clean` removes them).
    pub(crate) unpinned: Tally,
    pub(crate) partials: Tally,
    pub(crate) probe_cache: Tally,
}

pub(crate) fn tally<'a>(entries: impl IntoIterator<Item = &'a Entry>, wanted: &Wanted) -> Tallies {
    let mut t = Tallies::default();
    for e in entries {
        let slot = match &e.kind {
            Kind::Artifact { sha256, file_name } => {
                if !wanted.keeps(sha256, file_name) {
                    t.unpinned.files += 1;
                    t.unpinned.bytes += e.size;
                }
                &mut t.artifacts
            }
            Kind::Partial => &mut t.partials,
            Kind::ProbeCache => &mut t.probe_cache,
            Kind::Index { .. } => continue,
        };
        slot.files += 1;
        slot.bytes += e.size;
    }
    t
}

/// `aladdin-doctor cache`, as text.
pub(crate) fn show_text(cache_dir: &str, probe_cache: &str, t: &Tallies) -> String {
    let mut out = String::new();
    let row = |out: &mut String, what: &str, x: Tally| {
        let _ = writeln!(out, "  {what:<20} {:>4}  {:>10}", x.files, size(x.bytes));
    };
    let _ = writeln!(out, "Download cache {cache_dir}");
    row(&mut out, "verified artifacts", t.artifacts);
    if t.unpinned.files > 0 {
        let _ = writeln!(
            out,
            "    of which {} no longer pinned ({})",
            t.unpinned.files,
            size(t.unpinned.bytes)
        );
    }
    row(&mut out, "partial downloads", t.partials);
    if t.probe_cache.files == 0 {
        let _ = writeln!(out, "Probe cache {probe_cache} (none yet)");
    } else {
        let _ = writeln!(
            out,
            "Probe cache {probe_cache}  {}",
            size(t.probe_cache.bytes)
        );
    }
    let freed = t.unpinned.bytes + t.partials.bytes;
    if freed > 0 {
        let _ = writeln!(
            out,
            "`aladdin-doctor cache clean` frees {} (what the pins no longer name, and partial downloads).",
            size(freed)
        );
    }
    out
}

/// `cache clean`, as text: what was (or, with `dry_run`, would be) removed.
pub(crate) fn clean_text(
    removed: &[&Entry],
    failed: &[(PathBuf, String)],
    dry_run: bool,
) -> String {
    let mut out = String::new();
    let bytes: u64 = removed.iter().map(|e| e.size).sum();
    if dry_run {
        for e in removed {
            let _ = writeln!(out, "would remove {} ({})", e.path.display(), size(e.size));
        }
    }
    let _ = writeln!(
        out,
        "{} {} file{} ({}); nothing the current pins need was touched.",
        if dry_run { "Would remove" } else { "Removed" },
        removed.len(),
        if removed.len() == 1 { "" } else { "s" },
        size(bytes)
    );
    for (p, e) in failed {
        let _ = writeln!(out, "could not remove {}: {e}", p.display());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(sha: &str, name: &str, size: u64) -> Entry {
        Entry {
            path: format!("/c/sha256/{sha}/{name}").into(),
            size,
            kind: Kind::Artifact {
                sha256: sha.into(),
                file_name: name.into(),
            },
        }
    }

    #[test]
    fn clean_keeps_what_any_platforms_pin_names_and_removes_the_rest() {
        let m = Manifest::embedded().unwrap();
        let w = wanted(&m, None, |_| None);
        // An artifact with no pinned hash: the hash verified through its published checksum
        // (the cache's index, for its URL as written or through the mirror) is kept.
        let helm = "1".repeat(64);
        let unpinned = Manifest::parse(
            "schema = 1\n[tools.helm]\nversion = \"3.17.0\"\nurl = \"https://get.helm.sh/helm-v{version}-{os}-{arch}.tar.gz\"\narchive = \"tar.gz\"\npath = \"{os}-{arch}/helm\"\nchecksum_url = \"https://get.helm.sh/helm-v{version}-{os}-{arch}.tar.gz.sha256sum\"\n",
            "m",
        )
        .unwrap();
        let learned = |url: &str| {
            (url == "http://m.corp/get.helm.sh/helm-v3.17.0-linux-amd64.tar.gz")
                .then(|| helm.clone())
        };
        assert!(wanted(&unpinned, Some("http://m.corp"), learned).keeps(&helm, "x"));
        assert!(!wanted(&unpinned, None, learned).keeps(&helm, "x"));
        let w = Wanted {
            hashes: w.hashes.into_iter().chain([helm.clone()]).collect(),
        };
        // kubectl's linux-amd64 hash is pinned; darwin-arm64 docker too (another platform).
        let kubectl = "7a3adf80ca74b1b2afdfc7f4570f0005ca03c2812367ffb6ee2f731d66e45e61";
        let docker_mac = "9dae125282116146b06eb777c2125ddda6c0468c0b9ad6c72a82edbc6783a77b";
        let old = "0".repeat(64);
        let entries = vec![
            artifact(kubectl, "kubectl", 50),
            artifact(docker_mac, "docker-27.3.1.tgz", 40),
            artifact(&old, "kubectl", 30),
            artifact(&helm, "helm-v3.17.0-linux-amd64.tar.gz", 20),
            Entry {
                path: "/c/partial/x.partial".into(),
                size: 7,
                kind: Kind::Partial,
            },
            Entry {
                path: "/c/index/a".into(),
                size: 64,
                kind: Kind::Index {
                    sha256: Some(old.clone()),
                },
            },
            Entry {
                path: "/c/index/b".into(),
                size: 64,
                kind: Kind::Index {
                    sha256: Some(kubectl.into()),
                },
            },
            Entry {
                path: "/s/probe-cache.json".into(),
                size: 9,
                kind: Kind::ProbeCache,
            },
        ];
        let gone: Vec<&str> = to_remove(&entries, &w, false)
            .iter()
            .map(|e| e.path.to_str().unwrap())
            .collect();
        assert_eq!(
            gone,
            [
                format!("/c/sha256/{old}/kubectl").as_str(),
                "/c/partial/x.partial",
                "/c/index/a"
            ]
        );
        assert_eq!(to_remove(&entries, &w, true).len(), entries.len());
        let t = tally(&entries, &w);
        assert_eq!(
            t.artifacts,
            Tally {
                files: 4,
                bytes: 140
            }
        );
        assert_eq!(
            t.unpinned,
            Tally {
                files: 1,
                bytes: 30
            }
        );
        assert_eq!(t.partials, Tally { files: 1, bytes: 7 });
        let text = show_text("/c", "/s/probe-cache.json", &t);
        assert!(
            text.contains("of which 1 no longer pinned (30 B)"),
            "{text}"
        );
        assert!(text.contains("frees 37 B"), "{text}");
    }

    #[test]
    fn sizes() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(300 << 20), "300.0 MiB");
    }
}
