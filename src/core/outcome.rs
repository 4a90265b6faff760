//! PURE: what applying a plan did to each tool, as plain data that the report, the JSON and
//! the TUI render (and that code matches on).

use std::fmt;
use std::path::PathBuf;

use crate::core::failure::{FetchError, InstallError, LockError};
use crate::core::observation::ProbeFailure;
use crate::core::overrides::OverrideEntry;
use crate::core::tool::{Platform, Tool};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) tool: Tool,
    pub(crate) done: Done,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Done {
    /// The pin is installed at `dest` and answered with its version.
    Installed {
        version: String,
        dest: PathBuf,
    },
    /// VirtualBox: the system installer is downloaded and verified.
    InstallerReady {
        installer: PathBuf,
        /// minikube's VM runs under VirtualBox: it must be stopped first.
        vm_running: bool,
        /// The privileged commands may run here (`--allow-sudo` on a terminal).
        sudo_allowed: bool,
    },
    /// "Keep mine" was recorded.
    Kept(OverrideEntry),
    /// "Not needed" was recorded (the TUI's `n`, like `override TOOL --not-needed`).
    MarkedNotNeeded,
    /// Not attempted because it could not be done safely.
    Refused(Refusal),
    Failed(ApplyError),
    /// Stopped by an interrupt before anything changed.
    Cancelled,
}

/// Why a download is not attempted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Neither a pinned sha256 nor a published checksum: nothing to verify against.
    NoChecksum {
        tool: Tool,
        platform: Platform,
        file_name: String,
    },
    /// Only a checksum over plain http (a plain-http `--mirror`) and no pinned sha256.
    InsecureChecksum {
        tool: Tool,
        platform: Platform,
        file_name: String,
        url: String,
    },
}

impl Refusal {
    pub(crate) fn tool(&self) -> Tool {
        match self {
            Refusal::NoChecksum { tool, .. } | Refusal::InsecureChecksum { tool, .. } => *tool,
        }
    }
}

/// What the re-probe of a freshly installed binary saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Reprobed {
    Version(String),
    Failed(ProbeFailure),
    NotExecutable,
}

impl fmt::Display for Reprobed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reprobed::Version(v) => write!(f, "reports {v}"),
            Reprobed::Failed(e) => write!(f, "{e}"),
            Reprobed::NotExecutable => write!(f, "is not executable"),
        }
    }
}

/// What was done after a re-probe failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Rollback {
    /// The replaced binary is back.
    Restored,
    /// There was none before: the new one was removed.
    Removed,
    Failed {
        detail: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PrivilegedError {
    #[error("cannot run `{program}`: {detail}")]
    CannotRun { program: String, detail: String },
    #[error("`{command}` failed ({status})")]
    Failed { command: String, status: String },
}

/// Why the bin dir cannot take an install (found before anything is downloaded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BinDirProblem {
    /// The bin dir's path is a file.
    NotADirectory,
    /// It cannot be created or written.
    NotWritable { detail: String },
    /// The binary's place in it is taken by a directory.
    DestIsDirectory { dest: PathBuf },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ApplyError {
    Lock(LockError),
    BinDir {
        path: PathBuf,
        problem: BinDirProblem,
    },
    /// The HTTP client could not be built.
    Setup {
        detail: String,
    },
    Fetch(FetchError),
    Install {
        dest: PathBuf,
        error: InstallError,
    },
    /// The installed binary does not answer with the pin; it was rolled back.
    Reprobe {
        dest: PathBuf,
        found: Reprobed,
        pin: String,
        rollback: Rollback,
    },
    /// The overrides file could not be read or written.
    Overrides {
        detail: String,
    },
    Privileged(PrivilegedError),
    /// A worker failed (a bug); reported, never dropped.
    Internal {
        detail: String,
    },
}

impl Outcome {
    pub(crate) fn failed(&self) -> bool {
        matches!(self.done, Done::Failed(_))
    }

    /// The download that never reached its host: its name did not resolve, or no connection
    /// could be made (offline, or a network that needs a proxy).
    pub(crate) fn unreachable(&self) -> Option<&FetchError> {
        use crate::core::failure::FetchErrorKind as K;
        match &self.done {
            Done::Failed(ApplyError::Fetch(f))
                if matches!(f.kind, K::Dns { .. } | K::Connect { .. }) =>
            {
                Some(f)
            }
            _ => None,
        }
    }
}

/// A stable name for what failed, for the JSON report's `error_kind`.
pub(crate) fn error_kind(e: &ApplyError) -> &'static str {
    use crate::core::failure::IoProblem;
    match e {
        ApplyError::Lock(_) => "lock",
        ApplyError::BinDir { .. } => "bin_dir",
        ApplyError::Setup { .. } => "setup",
        ApplyError::Fetch(f) => fetch_error_kind(f),
        ApplyError::Install { error, .. } => match error {
            InstallError::Hostile(_) => "unsafe_archive",
            InstallError::MemberMissing { .. } | InstallError::NotAFile { .. } => "member_missing",
            InstallError::Truncated { .. } | InstallError::Damaged { .. } => "damaged_archive",
            InstallError::NoMember(_) => "manifest",
            InstallError::Cancelled => "cancelled",
            InstallError::Io { problem, .. } => match problem {
                IoProblem::DiskFull => "disk_full",
                IoProblem::Permission => "permission",
                IoProblem::ReadOnly => "read_only",
                IoProblem::Other => "io",
            },
        },
        ApplyError::Reprobe { .. } => "reprobe",
        ApplyError::Overrides { .. } => "overrides",
        ApplyError::Privileged(_) => "privileged",
        ApplyError::Internal { .. } => "internal",
    }
}

/// A stable name for a download failure (JSON `error_kind`).
pub(crate) fn fetch_error_kind(f: &FetchError) -> &'static str {
    use crate::core::failure::{FetchErrorKind as F, IoProblem, LocalProblem};
    match &f.kind {
        F::NotFound { .. } => "not_found",
        F::Client { .. } => "http_client_error",
        F::Server { .. } => "http_server_error",
        F::ProxyAuth => "proxy_auth",
        F::Stalled { .. } => "stalled",
        F::Closed { .. } => "connection_closed",
        F::BadResume => "bad_resume",
        F::Dns { .. } => "dns",
        F::Connect { .. } => "connect",
        F::Tls { .. } => "tls",
        F::TooManyRedirects => "redirects",
        F::InsecureRedirect { .. } => "insecure_redirect",
        F::TooLarge { .. } => "too_large",
        F::TooSlow { .. } => "too_slow",
        F::Html => "captive_portal",
        F::Transport { .. } => "transport",
        F::ChecksumMissing { .. } => "checksum_missing",
        F::ChecksumUnusable(_) | F::ChecksumTooLarge { .. } | F::ChecksumNotText => {
            "checksum_unusable"
        }
        F::HashMismatch { .. } => "hash_mismatch",
        F::Local { problem, .. } => match problem {
            LocalProblem::Missing => "mirror_missing",
            LocalProblem::NotAFile | LocalProblem::BadUrl(_) => "mirror_path",
            LocalProblem::Unreadable(_) => "mirror_unreadable",
        },
        F::Io { problem, .. } => match problem {
            IoProblem::DiskFull => "disk_full",
            IoProblem::Permission => "permission",
            IoProblem::ReadOnly => "read_only",
            IoProblem::Other => "io",
        },
    }
}
