//! Prints the figures for `status` (not a pass/fail test), against /bin/true in the same run:
//! - warm: five tools answering in 100 ms each, every answer cached (goal: within 3 ms of
//!   /bin/true);
//! - cold: the same with the cache removed before each run (goal: within 1.25× the slowest
//!   probe, 100 ms);
//! - the cache file's size for those 5 tools, and for 50 copies on PATH.
//!
//! Run: `cargo bench --bench status` (build the release binary first: `cargo build --release`,
//! or it measures the debug build).

#[path = "../tests/support/mod.rs"]
mod support;

mod common;

use std::time::Duration;

use support::*;

use common::timed;

fn sandbox(copies_per_tool: usize) -> Sandbox {
    let mut sb = Sandbox::new();
    sb.with_dirs();
    sb.env.insert(
        "ALADDIN_DOCTOR_STATE_DIR".into(),
        sb.root().join("state").display().to_string(),
    );
    for i in 0..copies_per_tool {
        let d = sb.path_dir(&format!("tools{i}"));
        fake(&d, &Fake::docker(PIN_DOCKER).slow("0.1"));
        fake(&d, &Fake::vbox(PIN_VBOX.0, PIN_VBOX.1).slow("0.1"));
        fake(&d, &Fake::minikube(PIN_MINIKUBE).slow("0.1"));
        fake(&d, &Fake::kubectl(PIN_KUBECTL).slow("0.1"));
        fake(&d, &Fake::helm(PIN_HELM).slow("0.1"));
    }
    // Past the 2 s in which fresh timestamps are not trusted.
    std::thread::sleep(Duration::from_millis(2100));
    sb
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --all-targets` builds benches; only `cargo bench` measures.
    }
    println!("binary: {BIN}");
    let sb = sandbox(1);
    let cache = sb.root().join("state/probe-cache.json");
    assert_eq!(
        sb.run(&["status"]).code,
        Some(0),
        "{:?}",
        sb.run(&["status"])
    );
    let t = timed("(baseline) /bin/true", 200, || {
        std::process::Command::new("/bin/true").output().unwrap();
    });
    let warm = timed("status, warm (5 tools, 100 ms each, cached)", 200, || {
        sb.cmd().arg("status").output().unwrap();
    });
    let cold = timed("status, cold (cache removed before each run)", 20, || {
        let _ = std::fs::remove_file(&cache);
        sb.cmd().arg("status").output().unwrap();
    });
    timed("--check (never uses the cache)", 20, || {
        sb.cmd().arg("--check").output().unwrap();
    });
    let _ = sb.run(&["status"]);
    let size5 = std::fs::metadata(&cache).map(|m| m.len()).unwrap_or(0);

    let many = sandbox(10);
    let _ = many.run(&["status"]);
    let cache50 = many.root().join("state/probe-cache.json");
    let size50 = std::fs::metadata(&cache50).map(|m| m.len()).unwrap_or(0);
    let warm50 = timed(
        "status, warm, 50 copies on PATH (10 of each tool)",
        50,
        || {
            many.cmd().arg("status").output().unwrap();
        },
    );

    println!();
    println!(
        "warm status - /bin/true: {:+.2} ms (goal ≤ 3 ms); 50 copies: {:+.2} ms",
        warm - t,
        warm50 - t
    );
    println!(
        "cold status / slowest probe (100 ms): {:.2}× (goal ≤ 1.25×)",
        cold / 100.0
    );
    println!("cache file: {size5} bytes for 5 tools, {size50} bytes for 50 copies");
}
