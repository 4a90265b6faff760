//! The commit this binary is built from, for `aladdin-doctor --version`: `unknown` when the
//! sources are not a git checkout of their own (a source tarball, `cargo install` from a copy).

use std::path::Path;
use std::process::Command;

fn git_once(args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || s.is_empty() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("git {}: {}", args.join(" "), err.trim()));
    }
    Ok(s)
}

/// `git ARGS` in this checkout. A checkout (`.git` beside Cargo.toml) is asked up to three
/// times, and a last failure is a build warning: a busy machine can fail a fork, and a binary
/// that says "commit unknown" from a checkout should say why at build time. Sources without
/// `.git` never run git.
fn git(args: &[&str]) -> Option<String> {
    if !Path::new(env!("CARGO_MANIFEST_DIR")).join(".git").exists() {
        return None;
    }
    let mut last = String::new();
    for attempt in 0..3 {
        match git_once(args) {
            Ok(s) => return Some(s),
            Err(e) => last = e,
        }
        if attempt < 2 {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    println!("cargo:warning=--version will say commit unknown: {last}");
    None
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let dir = env!("CARGO_MANIFEST_DIR");
    // Only this repository's own checkout: not a repository the sources happen to sit in.
    let own = git(&["rev-parse", "--show-toplevel"]).is_some_and(|top| {
        let (a, b) = (
            Path::new(&top).canonicalize(),
            Path::new(dir).canonicalize(),
        );
        matches!((a, b), (Ok(a), Ok(b)) if a == b)
    });
    let commit = own
        .then(|| git(&["rev-parse", "--short=10", "HEAD"]))
        .flatten()
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=ALADDIN_DOCTOR_COMMIT={commit}");
    if own {
        // Built again when HEAD moves: HEAD, the branch it names, and the packed refs. Only
        // files that exist are named (a missing one would rebuild every time).
        let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
        // No branch (a detached HEAD) is not a failure.
        watched.extend(git_once(&["symbolic-ref", "-q", "HEAD"]).ok());
        for name in watched {
            if let Some(p) = git(&["rev-parse", "--git-path", &name])
                && Path::new(&p).exists()
            {
                println!("cargo:rerun-if-changed={p}");
            }
        }
    }
}
