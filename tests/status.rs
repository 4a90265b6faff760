//! `aladdin-doctor status`: silent when all is well, one line per finding otherwise, and a probe
//! cache that is never stale.
#![cfg(unix)]

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use support::*;

/// Entries recorded within 2 s of a binary's last change are not trusted (racy timestamps):
/// waiting this long once lets a test see cache hits.
const SETTLE: Duration = Duration::from_millis(2100);

/// A fake tool that also appends a line to `log` every time it runs.
fn counted(dir: &Path, f: &Fake, log: &Path) -> PathBuf {
    let mut f = Fake {
        file: f.file,
        body: format!("echo run >> '{}'\n{}", log.display(), f.body),
        delay: f.delay,
    };
    f.delay = None;
    fake(dir, &f)
}

fn runs(log: &Path) -> usize {
    fs::read_to_string(log)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

fn sandbox() -> (Sandbox, PathBuf, PathBuf) {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.env.insert(
        "ALADDIN_DOCTOR_STATE_DIR".into(),
        sb.root().join("state").display().to_string(),
    );
    let d = sb.path_dir("tools");
    let log = sb.root().join("runs.log");
    (sb, d, log)
}

fn cache_file(sb: &Sandbox) -> PathBuf {
    sb.root().join("state/probe-cache.json")
}

#[test]
fn silent_when_all_is_well_one_line_per_finding_otherwise() {
    let (mut sb, _, _) = sandbox();
    sb.all_pinned();
    let out = sb.run(&["status"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");

    let d = sb.path_dir("first");
    sb.path.rotate_right(1); // `first` comes first on PATH
    fake(&d, &Fake::kubectl("1.29.0"));
    fake(&d, &Fake::helm("3.12.0"));
    let out = sb.run(&["status"]);
    assert_eq!(out.code, Some(1));
    assert!(out.stdout.is_empty());
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stderr);
    assert!(
        lines[0].contains("kubectl drift: 1.29.0 (pinned 1.30.6) → aladdin-doctor --fix"),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with("aladdin-doctor: helm drift: 3.12.0"));

    // The same JSON report as --check.
    let out = sb.run(&["status", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(row(&v, "kubectl")["status"], "drift");

    // Could not run: exit 2.
    let out = sb.run(&["status", "--manifest", "/nonexistent.toml"]);
    assert_eq!(out.code, Some(2));
}

#[test]
fn a_warm_cache_probes_nothing_and_check_never_writes_it() {
    let (sb, d, log) = sandbox();
    counted(&d, &Fake::kubectl("1.30.6"), &log);
    counted(&d, &Fake::helm("3.17.0"), &log);
    // --check neither reads nor writes the cache.
    assert_eq!(sb.run(&["--check", "--only", "kubectl,helm"]).code, Some(0));
    assert!(!cache_file(&sb).exists(), "--check wrote the cache");
    std::thread::sleep(SETTLE);
    assert_eq!(sb.run(&["status", "--only", "kubectl,helm"]).code, Some(0));
    assert!(cache_file(&sb).exists());
    let before = runs(&log);
    for _ in 0..3 {
        assert_eq!(sb.run(&["status", "--only", "kubectl,helm"]).code, Some(0));
    }
    assert_eq!(runs(&log), before, "warm runs probe nothing");
    // --check --cached reads it (and still writes nothing); plain --check probes.
    let cached = fs::read(cache_file(&sb)).unwrap();
    assert_eq!(
        sb.run(&["--check", "--cached", "--only", "kubectl,helm"])
            .code,
        Some(0)
    );
    assert_eq!(runs(&log), before);
    assert_eq!(sb.run(&["--check", "--only", "kubectl,helm"]).code, Some(0));
    assert!(runs(&log) > before);
    assert_eq!(fs::read(cache_file(&sb)).unwrap(), cached);
    // --no-cache ignores it.
    let before = runs(&log);
    assert_eq!(
        sb.run(&["status", "--no-cache", "--only", "kubectl,helm"])
            .code,
        Some(0)
    );
    assert!(runs(&log) > before);
}

#[test]
fn the_cache_is_never_stale() {
    let (mut sb, d, log) = sandbox();
    let status = |sb: &Sandbox| {
        let out = sb.run(&["status", "--only", "kubectl", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        row(&v, "kubectl")["found"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    // kubectl is a symlink, as package managers make them.
    fs::create_dir_all(sb.root().join("a")).unwrap();
    fs::create_dir_all(sb.root().join("b")).unwrap();
    let a = counted(&sb.root().join("a"), &Fake::kubectl("1.30.6"), &log);
    let b = counted(&sb.root().join("b"), &Fake::kubectl("1.31.2"), &log);
    std::os::unix::fs::symlink(&a, d.join("kubectl")).unwrap();
    std::thread::sleep(SETTLE);
    assert_eq!(status(&sb), "1.30.6");
    let warm = runs(&log);
    assert_eq!(status(&sb), "1.30.6");
    assert_eq!(runs(&log), warm, "warm");

    // Re-linked.
    fs::remove_file(d.join("kubectl")).unwrap();
    std::os::unix::fs::symlink(&b, d.join("kubectl")).unwrap();
    assert_eq!(status(&sb), "1.31.2", "re-linked");
    fs::remove_file(d.join("kubectl")).unwrap();
    std::os::unix::fs::symlink(&a, d.join("kubectl")).unwrap();
    assert_eq!(status(&sb), "1.30.6");

    // Replaced (a new file renamed over it).
    counted(&sb.root().join("a"), &Fake::kubectl("1.30.7"), &log);
    assert_eq!(status(&sb), "1.30.7", "replaced");
    // Settled and cached again, so what follows is caught by the key, not by the racy rule.
    std::thread::sleep(SETTLE);
    assert_eq!(status(&sb), "1.30.7");
    let warm = runs(&log);
    assert_eq!(status(&sb), "1.30.7");
    assert_eq!(runs(&log), warm, "warm again");

    // Rewritten in place, same size, its mtime put back to the same second.
    let before = fs::metadata(&a).unwrap().modified().unwrap();
    let text = fs::read_to_string(&a).unwrap().replace("1.30.7", "1.30.8");
    let f = fs::OpenOptions::new().write(true).open(&a).unwrap();
    std::io::Write::write_all(&mut &f, text.as_bytes()).unwrap();
    f.set_modified(before).unwrap();
    drop(f);
    assert_eq!(status(&sb), "1.30.8", "rewritten in place");

    // Touched.
    let f = fs::File::open(&a).unwrap();
    f.set_modified(std::time::SystemTime::now()).unwrap();
    drop(f);
    let n = runs(&log);
    assert_eq!(status(&sb), "1.30.8");
    assert!(runs(&log) > n, "a touched binary is probed again");

    // A new copy earlier on PATH shows at once.
    let early = sb.path_dir("early");
    sb.path.rotate_right(1);
    fake(&early, &Fake::kubectl("1.29.1"));
    assert_eq!(status(&sb), "1.29.1", "PATH is looked up fresh");
}

#[test]
fn a_broken_cache_file_is_ignored_and_rebuilt() {
    let (sb, d, log) = sandbox();
    counted(&d, &Fake::kubectl("1.30.6"), &log);
    std::thread::sleep(SETTLE);
    assert_eq!(sb.run(&["status", "--only", "kubectl"]).code, Some(0));
    let good = fs::read_to_string(cache_file(&sb)).unwrap();
    for bad in [
        String::new(),
        "\u{0}\u{1}garbage".to_string(),
        good[..good.len() / 2].to_string(),
        good.replace("\"schema\":1", "\"schema\":99"),
        "{\"some\":\"other program's file\"}".to_string(),
    ] {
        fs::write(cache_file(&sb), &bad).unwrap();
        let out = sb.run(&["status", "--only", "kubectl"]);
        assert_eq!(out.code, Some(0), "{bad:?}: {}", out.stderr);
        assert!(out.stderr.is_empty(), "{}", out.stderr);
        let rebuilt = fs::read_to_string(cache_file(&sb)).unwrap();
        assert!(rebuilt.contains("\"schema\":1"), "rebuilt after {bad:?}");
    }
    // A cache that is a directory (or unwritable) is no error either.
    fs::remove_file(cache_file(&sb)).unwrap();
    fs::create_dir(cache_file(&sb)).unwrap();
    assert_eq!(sb.run(&["status", "--only", "kubectl"]).code, Some(0));
}

#[test]
fn concurrent_writers_never_corrupt_the_cache() {
    let (sb, d, log) = sandbox();
    for f in [
        Fake::kubectl("1.30.6"),
        Fake::helm("3.17.0"),
        Fake::minikube("1.35.0"),
    ] {
        counted(&d, &f, &log);
    }
    let children: Vec<_> = (0..8)
        .map(|_| {
            sb.cmd()
                .args(["status", "--only", "kubectl,helm,minikube"])
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert_eq!(c.wait().unwrap().code(), Some(0));
    }
    let text = fs::read_to_string(cache_file(&sb)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).expect("whole JSON");
    assert!(!v["entries"].as_array().unwrap().is_empty());
    let temps: Vec<_> = fs::read_dir(sb.root().join("state"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n != "probe-cache.json")
        .collect();
    assert!(temps.is_empty(), "{temps:?}");
}
