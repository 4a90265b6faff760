//! Prints the figures for `mirror DIR` (not a pass/fail test): the repository's versions.toml
//! (26 artifacts for 5 tools on every platform they support, plus 18 checksum files) mirrored
//! from loopback upstreams laid out like the real ones (tests/support/upstreams.rs), served over
//! HTTPS with every connection paced at ~20 MB/s (a network, not a memory copy), against the
//! longest single artifact alone; and the mirror run's peak RSS.
//!
//! Run: `cargo bench --bench mirror`.

#[path = "../tests/support/mod.rs"]
mod support;

mod common;

use support::http::Route;
use support::upstreams::*;
use support::*;

use common::{Ran, run};

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

/// The doctor with `args` in `sb`, measured through `common::run`.
fn doctor(sb: &Sandbox, args: &[&str]) -> Ran {
    let mut cmd = sb.cmd();
    cmd.current_dir(sb.root()).args(args);
    run(&cmd)
}

fn main() {
    if common::answered_rss_of() {
        return;
    }
    let argv: Vec<String> = std::env::args().collect();
    if !argv.iter().any(|a| a == "--bench") {
        return;
    }
    let up = Upstreams::start();
    let served = up.repo_releases_as(size, |b| Route::Drip(b, CHUNK, EVERY_MS));
    let manifest = manifest_pinning_all(&served);
    let total: usize = served.values().map(|a| a.bytes.len()).sum();
    let base = up.base();

    let mirror = |only: &[&str]| -> Ran {
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

    let mut all: Option<Ran> = None;
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
