//! Prints the figures for `mirror DIR` (not a pass/fail test): the repository's versions.toml
//! (26 artifacts for 5 tools on every platform they support, plus 18 checksum files) mirrored
//! from loopback upstreams laid out like the real ones (tests/support/upstreams.rs), served over
//! HTTPS with every connection paced at ~20 MB/s (a network, not a memory copy), against the
//! longest single artifact alone; and the mirror run's peak RSS.
//!
//! Run: `cargo bench --bench mirror`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::Instant;

use support::http::Route;
use support::upstreams::*;
use support::*;

/// Artifact sizes in MB, about a tenth of the real ones (the VirtualBox installers ~120 MB,
/// minikube ~100, the docker tarballs ~70, kubectl ~50, the helm archives ~16).
fn size(tool: &str) -> usize {
    let mb = match tool {
        "virtualbox" => 12,
        "minikube" => 10,
        "docker" => 7,
        "kubectl" => 5,
        _ => 2,
    };
    mb << 20
}

/// Bytes per second of one connection: 64 KiB every 3 ms (plus the relay's own time).
const CHUNK: usize = 64 << 10;
const EVERY_MS: u64 = 3;

struct Run {
    secs: f64,
    peak_rss_kib: i64,
    code: i32,
}

/// Runs the doctor through this bench binary as a small intermediary (`--rss-of`), which
/// reaps it with wait4 for its own peak RSS. (A child forked straight from this process would
/// count the artifacts held here as resident until its exec.)
fn doctor(sb: &Sandbox, args: &[&str]) -> Run {
    let base = sb.cmd();
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.env_clear();
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    cmd.current_dir(sb.root())
        .arg("--rss-of")
        .arg(BIN)
        .args(args);
    let t = Instant::now();
    let out = cmd.stderr(Stdio::inherit()).output().unwrap();
    let secs = t.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace().map(|n| n.parse::<i64>().unwrap());
    Run {
        secs,
        peak_rss_kib: it.next().unwrap(),
        code: it.next().unwrap() as i32,
    }
}

/// `--rss-of PROGRAM ARGS…`: runs it (output discarded) and prints its peak RSS in KiB and its
/// exit code.
#[allow(clippy::zombie_processes, reason = "reaped by libc::wait4")]
fn rss_of(program: &str, args: &[String]) {
    let child = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value to be overwritten; wait4 on our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    println!("{} {}", usage.ru_maxrss, libc::WEXITSTATUS(status));
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("--rss-of") {
        return rss_of(&argv[2], &argv[3..]);
    }
    if !argv.iter().any(|a| a == "--bench") {
        return;
    }
    let up = Upstreams::start();
    let served = up.repo_releases_as(size, |b| Route::Drip(b, CHUNK, EVERY_MS));
    let manifest = manifest_pinning_all(&served);
    let total: usize = served.values().map(|a| a.bytes.len()).sum();
    let base = up.base();

    let mirror = |only: &[&str]| -> Run {
        let (sb, m) = sandbox(&manifest);
        let dir = sb.root().join("mirror").display().to_string();
        let ms = m.display().to_string();
        let mut args = vec!["mirror", &dir, "-q", "--manifest", &ms, "--mirror", &base];
        args.extend_from_slice(only);
        let r = doctor(&sb, &args);
        assert_eq!(r.code, 0, "mirror {only:?} failed");
        r
    };

    // The longest single artifact, alone (with its checksum file, as a mirror fetches it).
    let (longest, bytes) = served
        .iter()
        .max_by_key(|(_, a)| a.bytes.len())
        .map(|((t, p), a)| ((t.clone(), p.clone()), a.bytes.len()))
        .unwrap();
    let mut single = f64::MAX;
    for _ in 0..3 {
        let r = mirror(&["--only", &longest.0, "--platforms", &longest.1]);
        single = single.min(r.secs);
    }
    let rate = bytes as f64 / single;

    let mut all: Option<Run> = None;
    for _ in 0..3 {
        let r = mirror(&[]);
        if all.as_ref().is_none_or(|a| r.secs < a.secs) {
            all = Some(r);
        }
    }
    let all = all.unwrap();
    let serial = total as f64 / rate;
    println!(
        "mirror of {} artifacts ({:.0} MB) + 18 checksum files, each connection ~{:.0} MB/s:",
        served.len(),
        total as f64 / 1e6,
        rate / 1e6
    );
    println!(
        "  everything:              {:>6.2} s   peak RSS {:.1} MiB",
        all.secs,
        all.peak_rss_kib as f64 / 1024.0
    );
    println!(
        "  longest single ({} {}, {:.1} MB): {:>6.2} s   ratio {:.2}x",
        longest.0,
        longest.1,
        bytes as f64 / 1e6,
        single,
        all.secs / single
    );
    println!(
        "  one at a time would take ~{serial:.1} s (total / one connection's rate): {:.1}x faster",
        serial / all.secs
    );
}
