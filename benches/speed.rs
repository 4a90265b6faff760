//! Prints the figures for `--fix` against the transfer floor and a peer (not a pass/fail test).
//!
//! One loopback server (tests/support/http.rs) serves a 200 MiB raw binary (kubectl) and a
//! tar.gz whose member is a 50 MiB executable (helm; the content is incompressible, so the
//! archive is about as large as its member, and inflating it costs about what inflating a real
//! Go binary does). In `SPEED_RUNS` interleaved rounds (default 7), each after `sync` and once
//! the machine is idle:
//! - floor: both fetched at once with `curl -s -o /dev/null`;
//! - floor to disk: both fetched at once into files, then `sync FILE FILE` (the least anything
//!   that leaves the bytes durable can take);
//! - doctor: `aladdin-doctor --fix -q` into an empty bin dir with an empty cache (download,
//!   verify, install, fsync, re-probe, final report);
//! - mise: `mise install` of the same two artifacts through its http backend with sha256
//!   checksums, every mise dir in a temp dir (`MISE_BIN`, else `mise` on PATH; without it the
//!   peer figure is skipped with a note).
//!
//! Prints medians and minima, the ratios, and peak RSS (wait4, through this bench binary as a
//! small intermediary); then, unless `SPEED_FIVE=0`, five tools at once against the longest one
//! alone, on a server that paces each connection at ~20 MB/s.
//!
//! Knobs: `SPEED_RUNS=N`; `SPEED_DOCTORS=name=PATH,name=PATH` (several builds, interleaved in
//! the same rounds); `SPEED_PROBE_DELAY=SECS` (the fakes answer that slowly, as real tools take
//! tens of ms); `SPEED_RAW_MIB` (200) and `SPEED_MEMBER_MIB` (50); `MISE_BIN=PATH`;
//! `SPEED_FIVE=0`; `SPEED_LINK_MBPS=N` (every connection paced at about N MB/s, as a real link
//! is; unpaced loopback outruns SHA-256, so its floor is one no verifying installer can reach);
//! `SPEED_SERVE=DIR` (only serve, with the manifest and mise.toml written to DIR, for a run
//! traced by hand).
//!
//! Run: `cargo bench --bench speed` (needs curl and coreutils' sync for the floors).

#[path = "../tests/support/mod.rs"]
mod support;

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::artifacts::*;
use support::http::{Route, Server};
use support::*;

use common::{median, mib, pad, run};

const RAW_MIB: usize = 200;
const MEMBER_MIB: usize = 50;

/// A knob of this bench (the program's own environment is read in src/context.rs only).
#[allow(clippy::disallowed_methods, reason = "a bench reads its knobs")]
fn knob(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn knob_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    knob(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn sync() {
    let _ = Command::new("sync").status();
}

/// (busy, total) jiffies of all CPUs.
fn cpu_jiffies() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// Waits (up to 5 min) until the machine has been ≥ 95 % idle for 0.75 s, so that a build
/// elsewhere on it lands in no measurement.
fn wait_quiet() {
    let start = Instant::now();
    let mut quiet = 0;
    while quiet < 3 && start.elapsed().as_secs() < 300 {
        let (b0, t0) = cpu_jiffies();
        std::thread::sleep(Duration::from_millis(250));
        let (b1, t1) = cpu_jiffies();
        let busy = (b1 - b0) as f64 / (t1 - t0).max(1) as f64;
        quiet = if busy < 0.05 { quiet + 1 } else { 0 };
    }
    let waited = start.elapsed().as_secs_f64();
    if waited > 5.0 {
        eprintln!("(waited {waited:.0} s for the machine to be idle)");
    }
}

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

fn find_mise() -> Option<PathBuf> {
    if let Some(p) = knob("MISE_BIN") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    knob("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("mise"))
            .find(|p| p.is_file())
    })
}

/// `mise install` of both artifacts, every mise dir under `root`.
fn mise_cmd(mise: &Path, root: &Path, toml: &str) -> Command {
    let d = |n: &str| {
        let p = root.join(n);
        std::fs::create_dir_all(&p).unwrap();
        p
    };
    let proj = d("proj");
    std::fs::write(proj.join("mise.toml"), toml).unwrap();
    let mut c = Command::new(mise);
    c.arg("install")
        .current_dir(&proj)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", d("home"))
        .env("MISE_DATA_DIR", d("data"))
        .env("MISE_CACHE_DIR", d("cache"))
        .env("MISE_CONFIG_DIR", d("config"))
        .env("MISE_STATE_DIR", d("state"))
        .env("MISE_GLOBAL_CONFIG_FILE", root.join("config/config.toml"))
        .env("MISE_CEILING_PATHS", root)
        .env("MISE_TRUSTED_CONFIG_PATHS", &proj)
        .env("MISE_YES", "1")
        .env("MISE_PREFER_OFFLINE", "1")
        .env("MISE_AUTO_UPDATE", "0")
        .env("MISE_DISABLE_UPDATE_WARNING", "1")
        .env("MISE_LOCKFILE", "0")
        .env("MISE_QUIET", "1")
        .env("NO_COLOR", "1");
    c
}

/// Both URLs fetched at once by curl, into `to` (None: /dev/null), then fsynced; seconds.
fn curl_pair(urls: [&str; 2], to: Option<&Path>) -> f64 {
    let outs: Vec<PathBuf> = match to {
        Some(dir) => vec![dir.join("a"), dir.join("b")],
        None => vec![PathBuf::from("/dev/null"); 2],
    };
    wait_quiet();
    sync();
    let t = Instant::now();
    let children: Vec<_> = urls
        .iter()
        .zip(&outs)
        .map(|(url, out)| {
            Command::new("curl")
                .args(["-s", "-o"])
                .arg(out)
                .arg(url)
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "curl failed");
    }
    if to.is_some() {
        let synced = Command::new("sync").args(&outs).status();
        assert!(synced.is_ok_and(|s| s.success()), "sync FILE… failed");
    }
    t.elapsed().as_secs_f64()
}

fn main() {
    if common::answered_rss_of() {
        return;
    }
    let argv: Vec<String> = std::env::args().collect();
    if !argv.iter().any(|a| a == "--bench") {
        return; // `cargo test --all-targets` builds benches; only `cargo bench` measures.
    }
    let runs: usize = knob_num("SPEED_RUNS", 7).max(1);
    let raw_mib: usize = knob_num("SPEED_RAW_MIB", RAW_MIB);
    let member_mib: usize = knob_num("SPEED_MEMBER_MIB", MEMBER_MIB);
    // The fakes answer after this many seconds (a real kubectl or helm takes tens of ms), to
    // weigh the re-probe and the final report.
    let delay = knob("SPEED_PROBE_DELAY");
    let slow = |mut f: Fake| {
        if let Some(d) = &delay {
            f.body = format!("sleep {d}\n{}", f.body);
        }
        f
    };

    let kubectl = pad(script(&slow(Fake::kubectl(PIN_KUBECTL))), raw_mib << 20, 1);
    let helm_bin = pad(script(&slow(Fake::helm(PIN_HELM))), member_mib << 20, 2);
    let helm_tgz = tar_gz(&[TarEntry::file("linux-amd64/helm", &helm_bin)]);
    drop(helm_bin);
    let k = Release::new("kubectl", PIN_KUBECTL, "kubectl", "binary").pinned(&kubectl);
    let h = Release::new("helm", PIN_HELM, "helm-linux-amd64.tar.gz", "tar.gz")
        .member("linux-amd64/helm")
        .pinned(&helm_tgz);
    let server = Server::start();
    let base = server.base();
    let (k_len, h_len) = (kubectl.len(), helm_tgz.len());
    // Unpaced, loopback moves ~2.7 GB/s per stream here: faster than SHA-256 itself. With
    // SPEED_LINK_MBPS every connection is paced at about that many MB/s (a chunk each ms), as a
    // real link is, for the floor, the doctor and mise alike.
    let link: Option<usize> = knob("SPEED_LINK_MBPS").map(|v| v.parse().expect("SPEED_LINK_MBPS"));
    let served = |b: Vec<u8>| match link {
        Some(mbps) => Route::Drip(Arc::new(b), (mbps * 1000).max(1), 1),
        None => Route::File(Arc::new(b)),
    };
    server.route(&k.served_at(), served(kubectl));
    server.route(&h.served_at(), served(helm_tgz));
    let k_url = format!("{base}{}", k.served_at());
    let h_url = format!("{base}{}", h.served_at());
    println!(
        "artifacts: kubectl raw {:.1} MiB, helm tar.gz {:.2} MiB (member {member_mib} MiB, incompressible); probes answer after {}; {}; {runs} interleaved runs",
        k_len as f64 / 1048576.0,
        h_len as f64 / 1048576.0,
        delay
            .as_deref()
            .map_or("no delay".into(), |d| format!("{d} s")),
        link.map_or("connections unpaced".into(), |m| format!(
            "each connection paced at ~{m} MB/s"
        ))
    );

    let mise = find_mise();
    let mise_toml = format!(
        "[tools]\n\"http:kubectl\" = {{ version = \"{PIN_KUBECTL}\", url = \"{k_url}\", checksum = \"sha256:{}\", bin = \"kubectl\" }}\n\"http:helm\" = {{ version = \"{PIN_HELM}\", url = \"{h_url}\", checksum = \"sha256:{}\", bin_path = \"linux-amd64\" }}\n",
        k.sha256.as_ref().unwrap(),
        h.sha256.as_ref().unwrap()
    );

    // SPEED_SERVE=DIR: write the manifest, mise.toml and the base URL there and serve for
    // SPEED_SERVE_SECS (default 600), for tracing one run by hand (perf, strace).
    if let Some(dir) = knob("SPEED_SERVE").map(PathBuf::from) {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("versions.toml"), manifest(&[&k, &h])).unwrap();
        std::fs::write(dir.join("mise.toml"), &mise_toml).unwrap();
        std::fs::write(dir.join("base"), &base).unwrap();
        println!(
            "serving at {base}; manifest and mise.toml in {}",
            dir.display()
        );
        std::thread::sleep(Duration::from_secs(knob_num("SPEED_SERVE_SECS", 600)));
        return;
    }

    let curl_ok = Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());

    let doctors: Vec<(String, PathBuf)> = match knob("SPEED_DOCTORS") {
        Some(list) => list
            .split(',')
            .map(|e| {
                let (n, p) = e.split_once('=').expect("SPEED_DOCTORS: name=PATH,…");
                (n.to_string(), PathBuf::from(p))
            })
            .collect(),
        None => vec![("doctor".to_string(), PathBuf::from(BIN))],
    };

    let (mut floor, mut disk_floor, mut peer) = (Vec::new(), Vec::new(), Vec::new());
    let mut doctor: Vec<Vec<f64>> = vec![Vec::new(); doctors.len()];
    let mut doctor_rss = vec![-1i64; doctors.len()];
    let mut mise_rss = -1i64;
    for i in 0..runs {
        if curl_ok {
            floor.push(curl_pair([&k_url, &h_url], None));
            let dir = tempfile::Builder::new()
                .prefix("speed-floor")
                .tempdir()
                .unwrap();
            disk_floor.push(curl_pair([&k_url, &h_url], Some(dir.path())));
        }

        for (j, (name, bin)) in doctors.iter().enumerate() {
            let (sb, m) = Sandbox::for_releases(&[&k, &h]);
            let args = doctor_args(&["--fix", "-q"], &m, &base, &[]);
            // The sandbox's command and environment, with this build.
            let mut cmd = Command::new(bin);
            cmd.env_clear().current_dir(sb.root()).args(&args);
            for (key, v) in sb.cmd().get_envs() {
                if let Some(v) = v {
                    cmd.env(key, v);
                }
            }
            wait_quiet();
            sync();
            let r = run(&cmd);
            assert!(r.ok(), "{name} --fix failed (run it by hand: {cmd:?})");
            assert_eq!(
                std::fs::metadata(sb.bin_dir().join("kubectl"))
                    .unwrap()
                    .len(),
                k_len as u64
            );
            assert!(sb.bin_dir().join("helm").is_file());
            doctor[j].push(r.secs);
            doctor_rss[j] = doctor_rss[j].max(r.peak_rss_kib);
        }

        if let Some(mise) = &mise {
            let root = tempfile::Builder::new()
                .prefix("speed-mise")
                .tempdir()
                .unwrap();
            let c = mise_cmd(mise, root.path(), &mise_toml);
            wait_quiet();
            sync();
            let r = run(&c);
            assert!(r.ok(), "mise install failed (run it by hand: {c:?})");
            peer.push(r.secs);
            mise_rss = mise_rss.max(r.peak_rss_kib);
        }
        let ds: Vec<String> = doctors
            .iter()
            .zip(&doctor)
            .map(|((n, _), v)| format!("{n} {:.3}", v.last().unwrap()))
            .collect();
        eprintln!(
            "run {}: floor {:.3}  floor to disk {:.3}  {}  mise {}",
            i + 1,
            floor.last().copied().unwrap_or(f64::NAN),
            disk_floor.last().copied().unwrap_or(f64::NAN),
            ds.join("  "),
            peer.last()
                .map_or_else(|| "-".into(), |s: &f64| format!("{s:.3}"))
        );
    }

    let f = median(&floor);
    let df = median(&disk_floor);
    println!("medians (min) over {runs} interleaved runs:");
    if curl_ok {
        println!(
            "  floor: 2 × curl -o /dev/null at once          {f:.3} s   (min {:.3})",
            min(&floor)
        );
        println!(
            "  floor to disk: 2 × curl -o FILE, fsync both   {df:.3} s   (min {:.3})   {:.2}× the floor",
            min(&disk_floor),
            df / f
        );
    } else {
        println!("  floor: curl not found, no floor figure");
    }
    let m = mise.as_ref().map(|_| median(&peer));
    for (j, (name, _)) in doctors.iter().enumerate() {
        let d = median(&doctor[j]);
        println!(
            "  {name:<16} --fix                    {d:.3} s   (min {:.3})   {:.2}× the floor   {:.2}× the floor to disk   {}peak RSS {}",
            min(&doctor[j]),
            d / f,
            d / df,
            m.map(|m| format!("{:.2}× faster than mise   ", m / d))
                .unwrap_or_default(),
            mib(doctor_rss[j])
        );
    }
    match (&mise, m) {
        (Some(p), Some(m)) => println!(
            "  mise install                             {m:.3} s   (min {:.3})   {:.2}× the floor   peak RSS {}   ({})",
            min(&peer),
            m / f,
            mib(mise_rss),
            p.display()
        ),
        _ => println!("  mise not found (set MISE_BIN, or put mise on PATH): no peer figure"),
    }

    if knob("SPEED_FIVE").as_deref() != Some("0") {
        five_at_once();
    }
}

/// Five tools at once against the longest one alone, each connection paced at ~20 MB/s.
fn five_at_once() {
    let server = Server::start();
    let releases = common::five_tools(&server);
    let once = |only: &[&Release]| {
        sync();
        common::fix_of(&server, only).secs
    };
    let longest = releases.iter().map(|r| once(&[r])).fold(0.0, f64::max);
    let all: Vec<&Release> = releases.iter().collect();
    let together = median(&[once(&all), once(&all), once(&all)]);
    println!(
        "five tools at once (~20 MB/s per connection): {together:.3} s   longest alone {longest:.3} s   ratio {:.2}×",
        together / longest
    );
}
