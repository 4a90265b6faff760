//! Prints the figures for `--fix` (not a pass/fail test):
//! - install of a 200 MiB (and 400 MiB) artifact from a loopback server: throughput against
//!   `curl -s URL | sha256sum` of the same file in the same run, and the doctor's peak RSS;
//! - five tools at once against the longest single install, on a server that paces every
//!   connection at 20 MB/s (a network, not a memory copy).
//!
//! Run: `cargo bench --bench fix` (needs curl and sha256sum; peak RSS needs GNU time).

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::artifacts::*;
use support::http::{Route, Server};
use support::*;

/// Pads a script with incompressible bytes after its `exit 0` (the shell never reads them).
fn pad(mut b: Vec<u8>, size: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e3779b97f4a7c15;
    while b.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b.extend_from_slice(&x.to_le_bytes());
    }
    b.truncate(size);
    b
}

fn big_kubectl(size: usize) -> Vec<u8> {
    let mut b = script(&Fake::kubectl(PIN_KUBECTL));
    let line = format!("#{}\n", "x".repeat(4094));
    while b.len() < size {
        b.extend_from_slice(line.as_bytes());
    }
    b
}

struct Run {
    secs: f64,
    peak_rss_kib: Option<u64>,
}

/// Runs the doctor (under GNU time when present, for the peak RSS).
fn doctor(sb: &Sandbox, args: &[String]) -> Run {
    let gnu_time = Path::new("/usr/bin/time").exists();
    let rss_file = sb.root().join("rss");
    let mut cmd = if gnu_time {
        let mut c = Command::new("/usr/bin/time");
        c.arg("-f").arg("%M").arg("-o").arg(&rss_file).arg(BIN);
        c
    } else {
        Command::new(BIN)
    };
    let base = sb.cmd();
    cmd.env_clear();
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let t = Instant::now();
    let out = cmd
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak_rss_kib = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|s| s.trim().parse().ok());
    Run { secs, peak_rss_kib }
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

    let mut best: Option<Run> = None;
    for _ in 0..3 {
        let (sb, m) = Sandbox::for_releases(&[&k]);
        let args = doctor_args(&["--fix", "-q"], &m, &server.base(), &[]);
        let r = doctor(&sb, &args);
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
        best.peak_rss_kib
            .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
            .unwrap_or("n/a (no GNU time)".into())
    );
}

fn parallel_figure() {
    // Proportional to the real artifacts (minikube ~100 MB, docker ~70, kubectl ~50, helm ~16,
    // the VirtualBox installer ~120), scaled by 1/10, each connection paced at 20 MB/s.
    let sizes = [
        ("minikube", 10usize),
        ("docker", 7),
        ("kubectl", 5),
        ("helm", 2),
        ("virtualbox", 12),
    ];
    let server = Server::start();
    let mut releases = Vec::new();
    for (tool, mb) in sizes {
        let (bytes, r) = match tool {
            "kubectl" => {
                let b = big_kubectl(mb << 20);
                let r = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&b);
                (b, r)
            }
            "minikube" => {
                let b = pad(script(&Fake::minikube(PIN_MINIKUBE)), mb << 20);
                let r = Release::new("minikube", PIN_MINIKUBE, "minikube", "binary").pinned(&b);
                (b, r)
            }
            "docker" => {
                let d = pad(script(&Fake::docker(PIN_DOCKER)), mb << 20);
                let z = zip(&[("docker/docker", &d, false)]);
                let r = Release::new("docker", PIN_DOCKER, "docker.zip", "zip")
                    .member("docker/docker")
                    .pinned(&z);
                (z, r)
            }
            "helm" => {
                let h = pad(script(&Fake::helm(PIN_HELM)), mb << 20);
                let t = tar_gz(&[TarEntry::file("linux-amd64/helm", &h)]);
                let r = Release::new("helm", PIN_HELM, "helm.tar.gz", "tar.gz")
                    .member("linux-amd64/helm")
                    .pinned(&t);
                (t, r)
            }
            _ => {
                let b = pad(Vec::new(), mb << 20);
                let mut r = Release::new(
                    "virtualbox",
                    "7.2.10",
                    "VirtualBox-7.2.10-174163-Linux_amd64.run",
                    "installer",
                )
                .pinned(&b);
                r.extra = "revision = 174163\n".into();
                (b, r)
            }
        };
        // 64 KiB every 3.2 ms ≈ 20 MB/s per connection.
        server.route(&r.served_at(), Route::Drip(Arc::new(bytes), 64 << 10, 3));
        releases.push(r);
    }
    let run = |only: &[&Release]| -> f64 {
        let (sb, m) = Sandbox::for_releases(only);
        let args = doctor_args(&["--fix", "-q"], &m, &server.base(), &[]);
        let t = Instant::now();
        // Exit 1 is expected when VirtualBox is in the set (its installer needs admin rights).
        sb.cmd().args(&args).output().unwrap();
        t.elapsed().as_secs_f64()
    };
    let mut single = Vec::new();
    for r in &releases {
        single.push((r.tool, run(&[r])));
    }
    let longest = single.iter().map(|s| s.1).fold(0.0, f64::max);
    let all: Vec<&Release> = releases.iter().collect();
    let together = run(&all);
    for (t, s) in &single {
        println!("  alone: {t:<10} {s:.3} s");
    }
    println!(
        "five tools at once: {together:.3} s   longest single: {longest:.3} s   ratio {:.2}x",
        together / longest
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    std::thread::sleep(Duration::from_millis(10));
    install_figure(200);
    install_figure(400);
    parallel_figure();
}
