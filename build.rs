//! The commit this binary is built from, for `aladdin-doctor --version`: `unknown` when the
//! sources are not a git checkout of their own (a source tarball, `cargo install` from a copy).

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
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
        watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
        for name in watched {
            if let Some(p) = git(&["rev-parse", "--git-path", &name])
                && Path::new(&p).exists()
            {
                println!("cargo:rerun-if-changed={p}");
            }
        }
    }
}
