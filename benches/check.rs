//! Prints the figures for `--check` (not a pass/fail test):
//! - wall time with five fake tools that each take 100 ms to answer (goal ≤ 125 ms);
//! - start-up cost of `--version`, and of `--check` with nothing on PATH.
//!
//! Run: `cargo bench --bench check`

#[path = "../tests/support/mod.rs"]
mod support;

mod common;

use support::*;

use common::timed;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --all-targets` builds benches; only `cargo bench` measures.
    }
    let mut slow = Sandbox::new();
    slow.with_dirs();
    let d = slow.path_dir("tools");
    fake(&d, &Fake::docker(PIN_DOCKER).slow("0.1"));
    fake(&d, &Fake::vbox(PIN_VBOX.0, PIN_VBOX.1).slow("0.1"));
    fake(&d, &Fake::minikube(PIN_MINIKUBE).slow("0.1"));
    fake(&d, &Fake::kubectl(PIN_KUBECTL).slow("0.1"));
    fake(&d, &Fake::helm(PIN_HELM).slow("0.1"));
    let out = slow.run(&["--check"]);
    assert_eq!(out.code, Some(0), "{}", out.stdout);

    let mut empty = Sandbox::new();
    empty.with_dirs();

    timed("--check, five tools answering in 100 ms each", 20, || {
        slow.cmd().arg("--check").output().unwrap();
    });
    timed("--version", 50, || {
        empty.cmd().arg("--version").output().unwrap();
    });
    timed("--check with nothing on PATH", 50, || {
        empty.cmd().arg("--check").output().unwrap();
    });
    timed("(baseline) /bin/true", 50, || {
        std::process::Command::new("/bin/true").output().unwrap();
    });
    let size = std::fs::metadata(BIN).map(|m| m.len()).unwrap_or(0);
    println!("binary {BIN}: {:.1} MiB", size as f64 / 1048576.0);
}
