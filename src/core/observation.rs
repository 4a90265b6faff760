//! PURE: what probing found, as plain data: every copy of a tool, and for each one its
//! version or why it could not be read. `probe` produces it; `diagnose` reads it.

use std::path::PathBuf;
use std::time::Duration;

use crate::core::isolation::{Config, Source};
use crate::core::receipt::Change;
use crate::core::tool::Tool;
use crate::core::version::Version;

/// Every copy of one tool, in the order a shell would consider them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Observation {
    pub(crate) tool: Tool,
    pub(crate) copies: Vec<Copy>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Copy {
    pub(crate) path: PathBuf,
    pub(crate) origin: Origin,
    pub(crate) in_bin_dir: bool,
    pub(crate) state: CopyState,
    /// For the copy PATH runs: how it fares with the user's own configuration.
    pub(crate) as_user: Option<AsUser>,
    /// For a copy in the bin dir with an install receipt: what changed since (empty: nothing).
    pub(crate) receipt: Option<Vec<Change>>,
}

/// The version command run as the user runs it (their configuration, but nothing written).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum AsUser {
    /// It works with their configuration too.
    Same,
    /// It fails with their configuration; keeping `culprit` away makes it work (None: no
    /// single part of it does).
    Breaks {
        culprit: Option<(Config, Source)>,
        failure: ProbeFailure,
    },
}

/// How a copy was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// In the PATH entry with this index: the first executable one is what the user runs.
    Path(usize),
    /// Outside PATH where consumers still look (VirtualBox's install dir on Windows).
    Known,
    /// In the bin dir, which is not on PATH.
    BinDir,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum CopyState {
    /// A file with the tool's name that cannot be executed (a shell skips it).
    NotExecutable,
    Read(Reading),
    Failed {
        failure: ProbeFailure,
        /// What the last attempt printed, for the details view.
        output: Option<RawOutput>,
    },
}

impl Copy {
    pub(crate) fn executable(&self) -> bool {
        !matches!(self.state, CopyState::NotExecutable)
    }

    /// Whether running the tool's name would reach this copy (PATH, or a known location).
    pub(crate) fn reachable(&self) -> bool {
        matches!(self.origin, Origin::Path(_) | Origin::Known)
    }
}

impl Observation {
    /// The copy the user's PATH runs (or, for VirtualBox on Windows, the one minikube finds).
    pub(crate) fn effective(&self) -> Option<&Copy> {
        let first = |want: fn(&Origin) -> bool| {
            self.copies
                .iter()
                .find(|c| c.executable() && want(&c.origin))
        };
        first(|o| matches!(o, Origin::Path(_))).or_else(|| first(|o| matches!(o, Origin::Known)))
    }
}

/// What a probe process left behind.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct RawOutput {
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    /// None when killed by a signal.
    pub(crate) code: Option<i32>,
    /// The signal that killed it.
    pub(crate) signal: Option<i32>,
}

impl RawOutput {
    #[cfg(test)]
    pub(crate) fn new(stdout: &str, stderr: &str, code: i32) -> Self {
        RawOutput {
            stdout: stdout.to_string(),
            stderr: stderr.to_string(),
            code: Some(code),
            signal: None,
        }
    }
}

/// A version read from a tool.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Reading {
    pub(crate) version: Version,
    /// Things the tool said that the user should see (VirtualBox's kernel-module warnings).
    pub(crate) warnings: Vec<Warning>,
}

/// Something a tool printed beside its version.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Warning {
    pub(crate) kind: WarningKind,
    /// What the tool said, folded into one line (untrusted text).
    pub(crate) text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum WarningKind {
    /// VirtualBox's kernel driver is missing or unusable: no VM can start.
    VmsCannotStart,
    /// Worth showing, needs no action to run VMs (the `vboxusers` group, for USB).
    Info,
}

/// Why a version could not be read. Rendered to words by `Display`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum ProbeFailure {
    /// `command` did not answer within `after` and was stopped.
    TimedOut { command: String, after: Duration },
    /// The binary cannot run on this machine.
    CannotRun { path: String, cause: CannotRun },
    /// `command` ended without printing a version; `said` is its first non-empty line.
    NoVersion {
        command: String,
        exit: Option<i32>,
        said: Option<String>,
    },
    /// What stands where the version belongs is not one.
    NotAVersion { text: String, detail: String },
    /// The podman-docker shim stands where docker is expected.
    Podman { version: String },
    /// The probe task itself failed (a bug).
    Internal { detail: String },
}

impl ProbeFailure {
    /// A stable name for the JSON report's `error_kind`.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            ProbeFailure::TimedOut { .. } => "timed_out",
            ProbeFailure::CannotRun { .. } => "cannot_run",

            ProbeFailure::NoVersion { .. } => "no_version",
            ProbeFailure::NotAVersion { .. } => "not_a_version",
            ProbeFailure::Podman { .. } => "podman",
            ProbeFailure::Internal { .. } => "internal",
        }
    }
}

impl std::fmt::Display for ProbeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProbeFailure::TimedOut { command, after } => write!(
                f,
                "`{command}` did not answer within {} and was stopped",
                human_duration(*after)
            ),
            ProbeFailure::CannotRun { path, cause } => match cause {
                CannotRun::Foreign { built_for, here } => {
                    write!(f, "{path} is built for {built_for}; this machine is {here}")
                }
                CannotRun::MissingInterpreter {
                    interpreter: Some(i),
                } => write!(f, "{path} cannot start: its interpreter {i} is missing"),
                CannotRun::MissingInterpreter { interpreter: None } => write!(
                    f,
                    "{path} cannot start: the program loader it names is missing (built for another system?)"
                ),
                CannotRun::MissingLibrary { library } => write!(
                    f,
                    "{path} cannot start: the shared library {library} is missing"
                ),
                CannotRun::Blocked => write!(
                    f,
                    "{path} may not be executed here: its file system is mounted noexec, or a security policy blocks it"
                ),
                CannotRun::KilledAtStart => write!(
                    f,
                    "{path} was killed as it started, before printing anything (on macOS: a quarantined or unsigned download)"
                ),
                CannotRun::Loop => write!(f, "{path} is a symlink or #! loop"),
                CannotRun::Other { detail } => write!(f, "could not run {path}: {detail}"),
            },
            ProbeFailure::NoVersion {
                command,
                exit,
                said,
            } => {
                let status = match exit {
                    Some(0) => "exited 0".to_string(),
                    Some(c) => format!("exited {c}"),
                    None => "was killed by a signal".to_string(),
                };
                match said {
                    Some(line) => write!(
                        f,
                        "`{command}` {status} without a version; it said: {}",
                        clip(line, 120)
                    ),
                    None => write!(f, "`{command}` {status} and printed nothing"),
                }
            }
            ProbeFailure::NotAVersion { text, detail } => {
                write!(f, "`{}` is not a version: {detail}", clip(text, 60))
            }
            ProbeFailure::Podman { version } => write!(
                f,
                "this `docker` is podman {version} (the podman-docker shim), not the docker CLI"
            ),
            ProbeFailure::Internal { detail } => {
                write!(f, "internal error while probing: {detail}")
            }
        }
    }
}

/// Why a binary cannot run here.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum CannotRun {
    /// Its header says it is for another system (`built_for`, e.g. `linux-arm64`).
    Foreign {
        built_for: String,
        here: String,
    },
    /// The `#!` interpreter or the ELF program loader it names does not exist.
    MissingInterpreter {
        interpreter: Option<String>,
    },
    /// The dynamic loader could not find a shared library.
    MissingLibrary {
        library: String,
    },
    /// An executable file that may not be executed (noexec mount, security policy).
    Blocked,
    /// Killed before it printed anything (macOS Gatekeeper or code signing).
    KilledAtStart,
    Loop,
    Other {
        detail: String,
    },
}

/// `5 s`, or `1500 ms` when not a whole number of seconds.
pub(crate) fn human_duration(d: Duration) -> String {
    if d.as_millis().is_multiple_of(1000) {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// At most `max` characters of `s`, with `…` when cut.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}
