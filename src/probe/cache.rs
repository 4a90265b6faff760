//! I/O: the probe cache's file (`STATE/probe-cache.json`), the keys (a stat of each binary)
//! and the fingerprint of a user's configuration. The rules are in `core::probe_cache`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use super::runner::ProbeEnv;
use crate::core::isolation::{self, Source};
use crate::core::probe_cache::{self, Cache, Entry, Key};
use crate::core::tool::Tool;
use crate::fsutil;

pub(crate) const FILE: &str = "probe-cache.json";

/// The cache for one run: read at the start, written (atomically) at the end if allowed.
#[derive(Debug)]
pub(crate) struct ProbeCache {
    path: PathBuf,
    write: bool,
    cache: Mutex<Cache>,
    changed: AtomicBool,
}

impl ProbeCache {
    /// Reads `state_dir`'s cache; a missing or unreadable one starts empty. `write`: whether
    /// this run may refresh it (`--check --cached` only reads).
    pub(crate) fn load(state_dir: &Path, write: bool) -> ProbeCache {
        let path = state_dir.join(FILE);
        let cache = std::fs::read_to_string(&path)
            .map(|t| Cache::parse(&t))
            .unwrap_or_else(|_| Cache::empty());
        ProbeCache {
            path,
            write,
            cache: Mutex::new(cache),
            changed: AtomicBool::new(false),
        }
    }

    pub(crate) fn get(&self, key: &Key) -> Option<Entry> {
        self.cache.lock().expect("cache lock").get(key).cloned()
    }

    pub(crate) fn put(&self, entry: Entry) {
        if self.write {
            self.cache.lock().expect("cache lock").put(entry);
            self.changed.store(true, Ordering::SeqCst);
        }
    }

    /// Writes the cache back if it changed, keeping entries only for binaries this run saw
    /// (of the tools it looked at). A cache that cannot be written is no error: the next run
    /// probes again.
    pub(crate) fn save(&self, tools: &[Tool], seen: &[(Tool, PathBuf)]) {
        if !self.write || !self.changed.load(Ordering::SeqCst) {
            return;
        }
        let text = {
            let mut c = self.cache.lock().expect("cache lock");
            c.entries.retain(|e| {
                !tools.contains(&e.key.tool)
                    || seen
                        .iter()
                        .any(|(t, p)| *t == e.key.tool && *p == e.key.path)
            });
            c.render()
        };
        let _ = fsutil::write_atomic(&self.path, text.as_bytes(), None);
    }
}

/// What this run has read, for `--fix`: its final report does not run again a binary that the
/// probes before planning or the re-probe after an install have just run, as long as the file
/// has not changed since. Keyed like the cache (resolved path, device, inode, size, mtime and
/// ctime in nanoseconds, the probe's recipe), so a binary replaced, re-linked, touched or
/// rewritten meanwhile has another key and is probed again. Unlike the cache, fresh timestamps
/// are trusted: an answer is only kept if the file's key was the same after the probe as before
/// it, and only for the few seconds of one run. (Within a run, what it cannot tell apart is a
/// same-size rewrite in place within the file system's timestamp granularity of the probe.)
#[derive(Debug, Default)]
pub(crate) struct Memo(Mutex<HashMap<Key, Entry>>);

impl Memo {
    pub(crate) fn get(&self, key: &Key) -> Option<Entry> {
        self.0.lock().expect("memo lock").get(key).cloned()
    }

    pub(crate) fn put(&self, entry: Entry) {
        self.0
            .lock()
            .expect("memo lock")
            .insert(entry.key.clone(), entry);
    }

    /// Forgets everything (after a system installer ran: it may change files behind a wrapper
    /// whose own identity stays the same).
    pub(crate) fn clear(&self) {
        self.0.lock().expect("memo lock").clear();
    }
}

/// The key of the binary at `path` (None when it cannot be stat'ed: then it is not cached).
pub(crate) fn key(tool: Tool, path: &Path, attempts: &[&[&str]]) -> Option<Key> {
    let resolved = std::fs::canonicalize(path).ok()?;
    let (dev, ino, size, mtime_ns, ctime_ns) = stat(&resolved)?;
    Some(Key {
        tool,
        path: resolved,
        dev,
        ino,
        size,
        mtime_ns,
        ctime_ns,
        recipe: probe_cache::recipe(tool, attempts),
    })
}

#[cfg(unix)]
fn stat(path: &Path) -> Option<(u64, u64, u64, i128, i128)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
    Some((
        m.dev(),
        m.ino(),
        m.size(),
        ns(m.mtime(), m.mtime_nsec()),
        ns(m.ctime(), m.ctime_nsec()),
    ))
}

#[cfg(not(unix))]
fn stat(path: &Path) -> Option<(u64, u64, u64, i128, i128)> {
    let m = std::fs::metadata(path).ok()?;
    let ns = |t: std::io::Result<std::time::SystemTime>| {
        t.ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128)
    };
    Some((0, 0, m.len(), ns(m.modified()), ns(m.created())))
}

/// What the user's configuration for `tool` is now: the variables its pieces would touch, and
/// the identity of each file (or directory, and the plugin manifests in it) behind them.
pub(crate) fn config_fingerprint(tool: Tool, env: &ProbeEnv) -> String {
    let os = env.platform.os;
    let mut parts = Vec::new();
    for (name, value) in &env.vars {
        let touched = isolation::pieces(tool)
            .iter()
            .any(|p| p.remove.iter().any(|pat| isolation::matches(pat, name, os)));
        if touched {
            parts.push(format!("{name}={value}"));
        }
    }
    parts.push(format!("HOME={}", env.home.display()));
    let describe = |p: &Path| match stat(p) {
        Some(s) => format!("{}={s:?}", p.display()),
        None => format!("{}=absent", p.display()),
    };
    for piece in isolation::pieces(tool) {
        match isolation::source(piece.config, tool, &env.vars, &env.home, os) {
            Source::File(p) => parts.push(describe(&p)),
            Source::Directory(d) => {
                parts.push(describe(&d));
                if let Ok(rd) = std::fs::read_dir(&d) {
                    let mut inner: Vec<String> = rd
                        .flatten()
                        .map(|e| describe(&e.path().join("plugin.yaml")))
                        .collect();
                    inner.sort();
                    parts.extend(inner);
                }
            }
            Source::Variables(_) => {}
        }
    }
    probe_cache::config_fingerprint(&parts)
}

/// Now, in nanoseconds since the epoch.
pub(crate) fn now_ns() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}
