//! PURE: is the local cluster working? (`--cluster`)
//!
//! Each probe's outcome (stdout, stderr, exit code, or "timed out" / "could not start") becomes a
//! typed observation: [`docker::DaemonState`], [`minikube::MinikubeState`] and
//! [`minikube::ProfileList`], [`kubectl::CurrentContext`] and [`kubectl::ApiState`],
//! [`addons::AddonsState`], [`helm::TillerState`] / [`helm::HelmState`]. [`rows::rows`] turns
//! the observations into report rows (ok / failed / warning / skipped, each with a typed
//! [`rows::Remedy`]), applying the dependencies between checks; [`render`] turns rows into
//! words. [`commands`] says which argument vectors to run and how long to let them run.
//!
//! Facts about each tool's commands, outputs and exit codes by era: `docs/cluster.md`.
//!
//! Tool output is untrusted: every classifier looks at a bounded prefix (or, for minikube's JSON
//! status, suffix) of each stream and keeps only short, control-character-free fields
//! ([`text`]). Matching a tool's own error text to choose a variant is parsing; no decision here
//! reads a sentence of ours.
//!
//! Self-contained on purpose: this module uses only `std`, `serde` and `serde_json`, and reaches
//! its siblings through `super::`, so `tests/cluster_stub.rs` compiles the same files in (with
//! `#[path]`) and feeds them real kubectl output.

pub(crate) mod addons;
pub(crate) mod commands;
pub(crate) mod docker;
pub(crate) mod fix;
pub(crate) mod helm;
pub(crate) mod kubectl;
pub(crate) mod minikube;
pub(crate) mod render;
pub(crate) mod rows;
pub(crate) mod text;

/// What `--cluster` found, and what `--fix --cluster` did on the way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ClusterRun {
    /// The rows of the last look, in report order (empty without `--cluster`).
    pub(crate) rows: Vec<rows::Row>,
    pub(crate) fixes: Vec<fix::Done>,
}

/// How a probe ended, with what it printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ran {
    pub(crate) end: End,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// The process exited with this code.
    Code(i32),
    /// Killed by a signal we did not send.
    Signal,
    /// Killed by our timeout (what it printed until then is kept).
    TimedOut,
    /// The program could not be started (missing, not executable).
    NotStarted,
}

impl Ran {
    pub(crate) fn exit(code: i32, stdout: &str, stderr: &str) -> Ran {
        Ran {
            end: End::Code(code),
            stdout: stdout.to_string(),
            stderr: stderr.to_string(),
        }
    }

    pub(crate) fn timed_out(stdout: &str, stderr: &str) -> Ran {
        Ran {
            end: End::TimedOut,
            stdout: stdout.to_string(),
            stderr: stderr.to_string(),
        }
    }

    pub(crate) fn not_started() -> Ran {
        Ran {
            end: End::NotStarted,
            stdout: String::new(),
            stderr: String::new(),
        }
    }

    pub(crate) fn code(&self) -> Option<i32> {
        match self.end {
            End::Code(c) => Some(c),
            _ => None,
        }
    }

    /// The bounded part of stdout a classifier may look at.
    pub(crate) fn out(&self) -> &str {
        text::head(&self.stdout, text::MAX_STREAM)
    }

    /// The bounded part of stderr a classifier may look at.
    pub(crate) fn err(&self) -> &str {
        text::head(&self.stderr, text::MAX_STREAM)
    }
}

/// A probe that told us nothing we can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Inconclusive {
    TimedOut,
    NotStarted,
    Signal,
    /// Output in no shape we know, with the exit code.
    Unrecognised {
        code: i32,
    },
}

impl Inconclusive {
    /// The inconclusive reading of an end that was not a recognised exit.
    pub(crate) fn of(end: End) -> Inconclusive {
        match end {
            End::Code(code) => Inconclusive::Unrecognised { code },
            End::Signal => Inconclusive::Signal,
            End::TimedOut => Inconclusive::TimedOut,
            End::NotStarted => Inconclusive::NotStarted,
        }
    }
}

/// A release number as tools print it (`v1.35.0`, `1.8.0-beta.0`): enough to pick an era.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Release {
    pub(crate) major: u32,
    pub(crate) minor: u32,
    pub(crate) patch: u32,
}

impl Release {
    pub(crate) const fn new(major: u32, minor: u32, patch: u32) -> Release {
        Release {
            major,
            minor,
            patch,
        }
    }

    /// `v1.35.0`, `1.35`, `1.8.0-beta.0`, `v1.34.1+k3s1` → the numeric triple.
    pub(crate) fn parse(s: &str) -> Option<Release> {
        let s = s.trim();
        let s = s.strip_prefix('v').unwrap_or(s);
        let core = s.split(['-', '+']).next()?;
        let mut it = core.split('.');
        let num = |p: Option<&str>| -> Option<u32> {
            let p = p?;
            if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            p.parse().ok()
        };
        let major = num(it.next())?;
        let minor = num(it.next())?;
        let patch = match it.next() {
            None => 0,
            p => num(p)?,
        };
        if it.next().is_some() {
            return None;
        }
        Some(Release::new(major, minor, patch))
    }
}

/// What the team pins for the cluster (the `[cluster]` table of versions.toml, once the manifest
/// reads it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ClusterPins {
    /// minikube profile; minikube names the kube context after it.
    pub(crate) profile: String,
    /// minikube driver, e.g. `virtualbox` or `docker`.
    pub(crate) driver: String,
    /// The kube context every probe uses (`--context`), normally the profile's name.
    pub(crate) context: String,
    /// `--kubernetes-version` for `minikube start`, if pinned.
    pub(crate) kubernetes_version: Option<String>,
    /// Addons that must be enabled, as the team names them (`heapster` is the old name of
    /// `metrics-server`).
    pub(crate) addons: Vec<String>,
}

impl Default for ClusterPins {
    /// aladdin's own defaults: minikube's default profile on VirtualBox.
    fn default() -> Self {
        ClusterPins {
            profile: "minikube".into(),
            driver: "virtualbox".into(),
            context: "minikube".into(),
            kubernetes_version: None,
            addons: Vec::new(),
        }
    }
}

/// How long each cluster probe may run (`[cluster.timeouts]`), overriding its default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Timeouts {
    pub(crate) docker: Option<std::time::Duration>,
    pub(crate) minikube: Option<std::time::Duration>,
    pub(crate) context: Option<std::time::Duration>,
    pub(crate) api: Option<std::time::Duration>,
    pub(crate) addons: Option<std::time::Duration>,
    pub(crate) helm: Option<std::time::Duration>,
}

/// minikube's drivers (kubernetes/minikube `pkg/minikube/driver/driver.go`).
pub(crate) const DRIVERS: &[&str] = &[
    "virtualbox",
    "docker",
    "podman",
    "hyperkit",
    "vfkit",
    "qemu2",
    "qemu",
    "kvm2",
    "hyperv",
    "vmware",
    "parallels",
    "ssh",
    "none",
];

impl ClusterPins {
    /// Whether the host's docker daemon is part of the cluster (the docker driver).
    pub(crate) fn needs_docker_daemon(&self) -> bool {
        self.driver == "docker"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_parse() {
        assert_eq!(Release::parse("v1.35.0"), Some(Release::new(1, 35, 0)));
        assert_eq!(Release::parse("0.25.2"), Some(Release::new(0, 25, 2)));
        assert_eq!(Release::parse("1.35"), Some(Release::new(1, 35, 0)));
        assert_eq!(Release::parse("v1.34.1+k3s1"), Some(Release::new(1, 34, 1)));
        assert_eq!(Release::parse("1.8.0-beta.0"), Some(Release::new(1, 8, 0)));
        for bad in ["", "v", "1", "1.x", "1.2.3.4", "99999999999.1", "1..2"] {
            assert_eq!(Release::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn inconclusive_of_end() {
        assert_eq!(
            Inconclusive::of(End::Code(3)),
            Inconclusive::Unrecognised { code: 3 }
        );
        assert_eq!(Inconclusive::of(End::TimedOut), Inconclusive::TimedOut);
    }
}
