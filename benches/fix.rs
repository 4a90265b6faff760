//! Prints the figures for `--fix` (not a pass/fail test):
//! - install of a 200 MiB (and 400 MiB) artifact from a loopback server: throughput against
//!   `curl -s URL | sha256sum` of the same file in the same run, and the doctor's peak RSS;
//! - five tools at once against the longest single install, on a server that paces every
//!   connection at 20 MB/s (a network, not a memory copy).
//!
//! Run: `cargo bench --bench fix` (needs curl and sha256sum for the comparison).

#[path = "../tests/support/mod.rs"]
mod support;

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::artifacts::*;
use support::http::{Route, Server};
use support::*;

use common::{Ran, mib, run};

fn big_kubectl(size: usize) -> Vec<u8> {
    let mut b = script(&Fake::kubectl(PIN_KUBECTL));
    let line = format!("#{}\n", "x".repeat(4094));
    while b.len() < size {
        b.extend_from_slice(line.as_bytes());
    }
    b
}

fn install_figure(size_mib: usize) {
    let bytes = big_kubectl(size_mib << 20);
    let k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&bytes);
    let server = Server::start();
    server.route(&k.served_at(), Route::File(Arc::new(bytes.clone())));
    let url = format!("{}{}", server.base(), k.served_at());
    let mb = bytes.len() as f64 / 1e6;

    // curl | sha256sum, three times, best.
    let mut curl_best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let ok = Command::new("/bin/sh")
            .args(["-c", &format!("curl -s '{url}' | sha256sum >/dev/null")])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            println!("curl/sha256sum not available; skipping the comparison");
            curl_best = f64::NAN;
            break;
        }
        curl_best = curl_best.min(t.elapsed().as_secs_f64());
    }

    let mut best: Option<Ran> = None;
    for _ in 0..3 {
        let (sb, m) = Sandbox::for_releases(&[&k]);
        let mut cmd = sb.cmd();
        cmd.args(doctor_args(&["--fix", "-q"], &m, &server.base(), &[]));
        let r = run(&cmd);
        assert!(r.ok(), "--fix failed (run it by hand: {cmd:?})");
        assert_eq!(
            std::fs::read(sb.bin_dir().join("kubectl")).unwrap().len(),
            bytes.len()
        );
        if best.as_ref().is_none_or(|b| r.secs < b.secs) {
            best = Some(r);
        }
    }
    let best = best.unwrap();
    println!(
        "{size_mib:>4} MiB install: doctor {:>6.3} s ({:>6.0} MB/s, download+verify+install+fsync+re-probe)   curl|sha256sum {:>6.3} s ({:>6.0} MB/s)   ratio {:.2}x   peak RSS {}",
        best.secs,
        mb / best.secs,
        curl_best,
        mb / curl_best,
        curl_best / best.secs,
        mib(best.peak_rss_kib)
    );
}

fn parallel_figure() {
    let server = Server::start();
    let releases = common::five_tools(&server);
    let mut single = Vec::new();
    for r in &releases {
        single.push((r.tool, common::fix_of(&server, &[r]).secs));
    }
    let longest = single.iter().map(|s| s.1).fold(0.0, f64::max);
    let all: Vec<&Release> = releases.iter().collect();
    let together = common::fix_of(&server, &all).secs;
    for (t, s) in &single {
        println!("  alone: {t:<10} {s:.3} s");
    }
    println!(
        "five tools at once: {together:.3} s   longest single: {longest:.3} s   ratio {:.2}x",
        together / longest
    );
}

fn main() {
    if common::answered_rss_of() {
        return;
    }
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    std::thread::sleep(Duration::from_millis(10));
    install_figure(200);
    install_figure(400);
    parallel_figure();
}
