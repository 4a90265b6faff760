//! What the benches share: incompressible padding, a doctor run measured through this bench
//! binary (wall time, exit code, peak RSS) and the five tools' artifacts for "five at once".
//! Each bench's `main` answers `--rss-of` first (see `rss_of`).
#![allow(dead_code)]

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::artifacts::*;
use crate::support::http::{Route, Server};
use crate::support::*;

/// Pads a script with incompressible bytes after its `exit 0` (the shell never reads them);
/// `seed` makes artifacts of the same size differ.
pub fn pad(mut b: Vec<u8>, size: usize, seed: u64) -> Vec<u8> {
    let mut x: u64 = 0x9e3779b97f4a7c15 ^ seed;
    b.reserve(size.saturating_sub(b.len()));
    while b.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b.extend_from_slice(&x.to_le_bytes());
    }
    b.truncate(size);
    b
}

pub struct Ran {
    pub secs: f64,
    pub code: i32,
    pub peak_rss_kib: i64,
}

impl Ran {
    pub fn ok(&self) -> bool {
        self.code == 0
    }
}

/// Runs `cmd` (its environment as set on it; nothing else is inherited) through this bench
/// binary as a small intermediary (`--rss-of`), which times it and reaps it with wait4 for its
/// peak RSS. (A child forked straight from the bench would count the artifacts the bench holds
/// as resident until its exec.)
pub fn run(cmd: &Command) -> Ran {
    let mut outer = Command::new(std::env::current_exe().unwrap());
    outer.env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            outer.env(k, v);
        }
    }
    if let Some(d) = cmd.get_current_dir() {
        outer.current_dir(d);
    }
    outer
        .arg("--rss-of")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    let out = outer.stderr(Stdio::inherit()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace();
    Ran {
        peak_rss_kib: it.next().and_then(|n| n.parse().ok()).unwrap_or(-1),
        code: it.next().and_then(|n| n.parse().ok()).unwrap_or(-1),
        secs: it.next().and_then(|n| n.parse().ok()).unwrap_or(f64::NAN),
    }
}

/// `--rss-of PROGRAM ARGS…`: runs it (no input, output discarded) and prints its peak RSS in
/// KiB, its exit code and its wall time in seconds.
#[allow(clippy::zombie_processes, reason = "reaped by libc::wait4")]
pub fn rss_of(program: &str, args: &[String]) {
    let t = Instant::now();
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value to be overwritten; wait4 on our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(pid, child.id() as i32);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    println!("{} {code} {secs}", usage.ru_maxrss);
}

/// If this process was started as `--rss-of PROGRAM ARGS…`, does that and says so.
pub fn answered_rss_of() -> bool {
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) != Some("--rss-of") {
        return false;
    }
    rss_of(&argv[2], &argv[3..]);
    true
}

/// Peak RSS for a line of figures.
pub fn mib(kib: i64) -> String {
    if kib < 0 {
        "n/a".into()
    } else {
        format!("{:.1} MiB", kib as f64 / 1024.0)
    }
}

/// Runs `f` once to warm the page cache, then `runs` times; prints min, median and p90 under
/// `label` and returns the median in ms.
pub fn timed(label: &str, runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let n = times.len();
    let m = ms(times[n / 2]);
    println!(
        "{label:<52} min {:>7.2} ms   median {m:>7.2} ms   p90 {:>7.2} ms   ({n} runs)",
        ms(times[0]),
        ms(times[n * 9 / 10])
    );
    m
}

pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

/// The five tools' pinned artifacts, in proportion to the real ones (minikube ~100 MB, docker
/// ~70, kubectl ~50, helm ~16, the VirtualBox installer ~120) scaled by 1/10, served by `server`
/// with each connection paced at ~20 MB/s (64 KiB every 3 ms: a network, not a memory copy).
pub fn five_tools(server: &Server) -> Vec<Release> {
    let mut releases = Vec::new();
    for (tool, mb, seed) in [
        ("minikube", 10usize, 4u64),
        ("docker", 7, 5),
        ("kubectl", 5, 3),
        ("helm", 2, 6),
        ("virtualbox", 12, 7),
    ] {
        let size = mb << 20;
        let (bytes, r) = match tool {
            "kubectl" => {
                let b = pad(script(&Fake::kubectl(PIN_KUBECTL)), size, seed);
                let r = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&b);
                (b, r)
            }
            "minikube" => {
                let b = pad(script(&Fake::minikube(PIN_MINIKUBE)), size, seed);
                let r = Release::new("minikube", PIN_MINIKUBE, "minikube", "binary").pinned(&b);
                (b, r)
            }
            "docker" => {
                let d = pad(script(&Fake::docker(PIN_DOCKER)), size, seed);
                let z = zip(&[("docker/docker", &d, false)]);
                let r = Release::new("docker", PIN_DOCKER, "docker.zip", "zip")
                    .member("docker/docker")
                    .pinned(&z);
                (z, r)
            }
            "helm" => {
                let h = pad(script(&Fake::helm(PIN_HELM)), size, seed);
                let t = tar_gz(&[TarEntry::file("linux-amd64/helm", &h)]);
                let r = Release::new("helm", PIN_HELM, "helm.tar.gz", "tar.gz")
                    .member("linux-amd64/helm")
                    .pinned(&t);
                (t, r)
            }
            _ => {
                let b = pad(Vec::new(), size, seed);
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
        server.route(&r.served_at(), Route::Drip(Arc::new(bytes), 64 << 10, 3));
        releases.push(r);
    }
    releases
}

/// `--fix` of `only` in a fresh sandbox against `server`, measured with `run`. Exit 1 is
/// expected when VirtualBox is among them (its installer needs admin rights).
pub fn fix_of(server: &Server, only: &[&Release]) -> Ran {
    let (sb, m) = Sandbox::for_releases(only);
    let mut cmd = sb.cmd();
    cmd.args(doctor_args(&["--fix", "-q"], &m, &server.base(), &[]));
    run(&cmd)
}
