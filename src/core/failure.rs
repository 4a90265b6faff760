//! PURE: typed failures of downloading, installing and locking. Code decides on the kind
//! (retry or not, which hint to give); the words are rendered last, by `Display`.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::core::checksum::ChecksumError;
use crate::core::manifest::ArchiveKind;
use crate::core::mirror::LayoutError;
use crate::core::tool::Tool;

/// Attempts per transfer (the first one included).
pub(crate) const ATTEMPTS: u32 = 3;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FetchError {
    /// The URL the request went to (after `--mirror`).
    pub(crate) url: String,
    pub(crate) kind: FetchErrorKind,
}

/// Where the hash a download is checked against came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HashSource {
    Pinned,
    /// Published at this URL (as written in versions.toml).
    Published(String),
}

/// What kind of local file problem stopped a download.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IoProblem {
    DiskFull,
    Permission,
    ReadOnly,
    Other,
}

impl IoProblem {
    pub(crate) fn of(e: &io::Error) -> IoProblem {
        match e.kind() {
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => IoProblem::DiskFull,
            io::ErrorKind::PermissionDenied => IoProblem::Permission,
            io::ErrorKind::ReadOnlyFilesystem => IoProblem::ReadOnly,
            _ => IoProblem::Other,
        }
    }
}

/// Why TLS failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TlsProblem {
    /// The certificate chains to no CA we trust: a TLS-intercepting proxy is the usual cause.
    UnknownIssuer,
    /// The certificate is for another host.
    NameMismatch,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FetchErrorKind {
    /// 404 or 410.
    NotFound {
        status: u16,
    },
    /// Another 4xx.
    Client {
        status: u16,
    },
    /// 5xx, 429 or 408: worth another attempt.
    Server {
        status: u16,
    },
    ProxyAuth,
    /// No data arrived for this many seconds.
    Stalled {
        secs: u64,
    },
    /// The body ended (closed or reset) after `after` bytes.
    Closed {
        after: u64,
        of: Option<u64>,
    },
    /// The server resumed at the wrong offset, or refused to resume: start over.
    BadResume,
    Dns {
        detail: String,
    },
    Connect {
        detail: String,
    },
    Tls {
        problem: TlsProblem,
        detail: String,
    },
    TooManyRedirects,
    /// A redirect from https to plain http (to this URL): refused, for it drops integrity.
    InsecureRedirect {
        to: String,
    },
    /// Bigger than the limit (`claimed` when the server said so up front).
    TooLarge {
        limit: u64,
        claimed: Option<u64>,
    },
    /// Slower than `min` bytes per second for `secs` seconds.
    TooSlow {
        bytes_per_sec: u64,
        min: u64,
        secs: u64,
    },
    /// An HTML page where a binary or a checksum was expected.
    Html,
    /// Another transport error (worth another attempt).
    Transport {
        detail: String,
    },
    /// The checksum file the manifest names is not there.
    ChecksumMissing {
        tool: Tool,
        status: u16,
    },
    ChecksumUnusable(ChecksumError),
    ChecksumTooLarge {
        limit: usize,
    },
    ChecksumNotText,
    HashMismatch {
        expected: String,
        got: String,
        source: HashSource,
    },
    Io {
        path: PathBuf,
        problem: IoProblem,
        detail: String,
    },
    /// A file of a local mirror (`--mirror file:///DIR` or `--mirror DIR`).
    Local {
        path: PathBuf,
        problem: LocalProblem,
    },
}

/// What is wrong with a file of a local mirror.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LocalProblem {
    /// Not there: the mirror is incomplete.
    Missing,
    /// A directory, a device or a pipe: never read.
    NotAFile,
    Unreadable(String),
    /// The `file://` URL names no local path, or climbs out with `..`.
    BadUrl(LayoutError),
}

impl FetchError {
    pub(crate) fn new(url: &str, kind: FetchErrorKind) -> FetchError {
        FetchError {
            url: url.to_string(),
            kind,
        }
    }

    pub(crate) fn io(url: &str, path: &std::path::Path, e: &io::Error) -> FetchError {
        FetchError::new(
            url,
            FetchErrorKind::Io {
                path: path.to_path_buf(),
                problem: IoProblem::of(e),
                detail: e.to_string(),
            },
        )
    }

    /// The file is not there: 404 or 410, a missing checksum file, a file missing from a local
    /// mirror.
    pub(crate) fn is_missing(&self) -> bool {
        matches!(
            self.kind,
            FetchErrorKind::NotFound { .. }
                | FetchErrorKind::ChecksumMissing { .. }
                | FetchErrorKind::Local {
                    problem: LocalProblem::Missing,
                    ..
                }
        )
    }

    /// Whether another attempt may succeed.
    pub(crate) fn retryable(&self) -> bool {
        use FetchErrorKind::*;
        matches!(
            self.kind,
            Server { .. }
                | Stalled { .. }
                | Closed { .. }
                | BadResume
                | Connect { .. }
                | Transport { .. }
        )
    }
}

impl fmt::Display for FetchErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use FetchErrorKind::*;
        match self {
            NotFound { status } | Client { status } | Server { status } => {
                write!(f, "HTTP {status}")?;
                if let Some(r) = reason_phrase(*status) {
                    write!(f, " {r}")?;
                }
                Ok(())
            }
            ProxyAuth => write!(
                f,
                "HTTP 407: your proxy wants credentials (set HTTPS_PROXY=http://user:pass@host:port)"
            ),
            Stalled { secs } => write!(f, "no data for {secs} s (stalled transfer)"),
            Closed { after, of: Some(t) } => {
                write!(f, "the connection closed after {after} of {t} bytes")
            }
            Closed { after, of: None } => write!(f, "the connection closed after {after} bytes"),
            BadResume => write!(f, "the server could not resume the download"),
            Dns { detail } => write!(f, "cannot resolve the host ({detail})"),
            Connect { detail } => write!(f, "cannot connect ({detail})"),
            Tls {
                problem: TlsProblem::UnknownIssuer,
                detail,
            } => write!(
                f,
                "{detail}; if a corporate proxy intercepts TLS, install its CA in the system trust store (or point SSL_CERT_FILE at it)"
            ),
            Tls { detail, .. } => write!(f, "{detail}"),
            TooManyRedirects => write!(f, "too many redirects (a redirect loop?)"),
            InsecureRedirect { to } => write!(
                f,
                "refused a redirect from https to plain http ({to}): the download would lose its integrity in transit"
            ),
            TooLarge {
                limit,
                claimed: Some(n),
            } => write!(
                f,
                "the server announces {} MiB, more than the {} MiB limit; raise it with --max-download if this is right",
                n / (1 << 20),
                limit / (1 << 20)
            ),
            TooLarge {
                limit,
                claimed: None,
            } => write!(
                f,
                "the download went past the {} MiB limit and was stopped; raise it with --max-download if this is right",
                limit / (1 << 20)
            ),
            TooSlow {
                bytes_per_sec,
                min,
                secs,
            } => write!(
                f,
                "too slow: {bytes_per_sec} bytes/s over {secs} s, below the minimum of {min} bytes/s (--min-speed, --min-speed-time)"
            ),
            Html => write!(
                f,
                "an HTML page was served where a binary was expected; a proxy or a captive portal (hotel or guest Wi-Fi sign-in) is the likely cause"
            ),
            Transport { detail } => write!(f, "{detail}"),
            ChecksumMissing { tool, status } => write!(
                f,
                "the checksum file is missing: HTTP {status}; pin the hash under [tools.{tool}.sha256] in versions.toml, or check the version"
            ),
            ChecksumUnusable(e) => write!(f, "unusable checksum file: {e}"),
            ChecksumTooLarge { limit } => {
                write!(f, "the checksum file is larger than {} KiB", limit / 1024)
            }
            ChecksumNotText => write!(f, "the checksum file is not text"),
            HashMismatch {
                expected,
                got,
                source,
            } => {
                let source = match source {
                    HashSource::Pinned => "pinned in versions.toml".to_string(),
                    HashSource::Published(u) => format!("from {u}"),
                };
                write!(
                    f,
                    "checksum mismatch: expected {expected} ({source}), got {got}; nothing was installed. The download was damaged or the file changed upstream"
                )
            }
            Io { path, detail, .. } => write!(f, "cannot write {}: {detail}", path.display()),
            Local { path, problem } => match problem {
                LocalProblem::Missing => write!(
                    f,
                    "not in the mirror: there is no {} (`aladdin-doctor mirror DIR` builds a complete one)",
                    path.display()
                ),
                LocalProblem::NotAFile => write!(f, "{} is not a regular file", path.display()),
                LocalProblem::Unreadable(d) => write!(f, "cannot read {}: {d}", path.display()),
                LocalProblem::BadUrl(e) => write!(f, "not a usable local mirror path: {e}"),
            },
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.kind, self.url)
    }
}

/// RFC 9110's reason phrases for the statuses a download meets.
fn reason_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

/// Why an archive is refused as unsafe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Hostile {
    /// A member whose name points outside the archive (`..`, an absolute path).
    Escapes { name: String },
    /// The member to install is a symlink or a hard link.
    Link { member: String },
    /// The member claims (`size`) or holds more than the limit.
    TooLarge { member: String, size: Option<u64> },
}

impl fmt::Display for Hostile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hostile::Escapes { name } => write!(
                f,
                "it contains the member `{name}`, which points outside the archive"
            ),
            Hostile::Link { member } => write!(f, "{member} is a link, not a file"),
            Hostile::TooLarge {
                member,
                size: Some(n),
            } => write!(f, "{member} claims {n} bytes, more than 1 GiB"),
            Hostile::TooLarge { member, size: None } => {
                write!(f, "{member} is larger than 1 GiB")
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum InstallError {
    #[error("the archive is unsafe: {0}; nothing was installed")]
    Hostile(Hostile),
    #[error(
        "the archive has no `{member}` (it has: {}); check `path` in versions.toml",
        if seen.is_empty() { "nothing".to_string() } else { seen.join(", ") }
    )]
    MemberMissing { member: String, seen: Vec<String> },
    #[error("{member} is not a regular file")]
    NotAFile { member: String },
    #[error("{member} is truncated ({copied} of {declared} bytes)")]
    Truncated {
        member: String,
        copied: u64,
        declared: u64,
    },
    #[error("the archive is damaged: {detail}")]
    Damaged { detail: String },
    #[error("cannot install from a {} without a member path", .0.name())]
    NoMember(ArchiveKind),
    #[error("interrupted before anything was installed")]
    Cancelled,
    #[error("{}: {detail}", path.display())]
    Io {
        path: PathBuf,
        problem: IoProblem,
        detail: String,
    },
}

impl InstallError {
    pub(crate) fn io(path: &std::path::Path, e: &io::Error) -> InstallError {
        InstallError::Io {
            path: path.to_path_buf(),
            problem: IoProblem::of(e),
            detail: e.to_string(),
        }
    }
}

/// Why the install lock could not be taken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LockError {
    #[error(
        "another aladdin-doctor --fix ({holder}) is installing and still holds {} after {waited_secs} s; try again when it has finished",
        path.display()
    )]
    Busy {
        path: PathBuf,
        holder: String,
        waited_secs: u64,
    },
    #[error("cannot lock {}: {detail}", path.display())]
    Io { path: PathBuf, detail: String },
    #[error("interrupted while waiting for another aladdin-doctor --fix")]
    Cancelled,
}
