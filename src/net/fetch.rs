//! I/O: downloads that are verified before anything becomes visible.
//!
//! Bytes stream through SHA-256 into `CACHE/partial/<key>.partial`; only when the hash matches
//! is the file renamed to `CACHE/sha256/<hash>/<file name>`, which later runs reuse without a
//! request. An interrupted `.partial` is resumed with a Range request (restarted when the server
//! ignores Range). Connection errors, 5xx and stalls are retried with backoff; 4xx is not.
//!
//! Every transfer is bounded: a size refused up front (Content-Length) and capped while
//! streaming, a stall (`--timeout`), and a minimum average speed over a window (like curl's
//! `--speed-limit`/`--speed-time`). A redirect from https to plain http is refused.
//!
//! A `file://` URL (a mirror on this machine) is read from disk by `local`, with the same
//! hashing, cache and verification. `upstream` asks whether an artifact exists without
//! downloading it (`pins check`, `pins update`).

mod local;
mod upstream;

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, CONTENT_TYPE, RANGE};
use sha2::{Digest, Sha256};

use crate::core::checksum;
use crate::core::failure::{FetchError, FetchErrorKind as Kind, HashSource, TlsProblem};
use crate::core::plan::{Checksum, Download};
use crate::core::progress::{Event, Phase, Progress};
use crate::core::trace::{TraceEvent, Tracer};
use crate::fsutil;

pub(crate) use crate::core::failure::ATTEMPTS;
/// The biggest checksum file we read.
const MAX_CHECKSUM_FILE: usize = 1024 * 1024;

/// How much and how slowly a download may go (`--max-download`, `--timeout`, `--min-speed`,
/// `--min-speed-time`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// No data at all for this long fails the transfer.
    pub(crate) stall: Duration,
    /// The most bytes one artifact may have.
    pub(crate) max_bytes: u64,
    /// Below this many bytes per second, averaged over `slow_window`, the transfer fails.
    pub(crate) min_speed: u64,
    pub(crate) slow_window: Duration,
}

impl Limits {
    #[cfg(test)]
    pub(crate) const DEFAULT_MAX_BYTES: u64 = 2 << 30;
}

/// A verified artifact in the cache.
#[derive(Clone, Debug)]
pub(crate) struct Fetched {
    pub(crate) path: PathBuf,
    pub(crate) sha256: String,
}

/// Redirects followed per request.
const MAX_REDIRECTS: usize = 10;
/// Partial downloads untouched for this long are swept.
const STALE_PARTIAL: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Clone)]
pub(crate) struct Fetcher {
    client: reqwest::Client,
    cache: PathBuf,
    limits: Limits,
    backoff: Duration,
    /// `-v`: every request, cache hit and local read.
    trace: Tracer,
}

/// Why the redirect policy stopped (read back by `classify`, by type).
#[derive(Debug)]
enum RedirectStop {
    TooMany,
    Downgrade(String),
}

impl std::fmt::Display for RedirectStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RedirectStop::TooMany => write!(f, "too many redirects"),
            RedirectStop::Downgrade(to) => write!(f, "redirect to plain http ({to})"),
        }
    }
}

impl std::error::Error for RedirectStop {}

/// An HTTP client being built on a blocking thread (`Fetcher::start_client`).
pub(crate) struct ClientStart(tokio::task::JoinHandle<Result<reqwest::Client, String>>);

impl Fetcher {
    /// `cert_file`: `SSL_CERT_FILE` when set; one that cannot be read is an error here, not a
    /// trust store silently missing.
    pub(crate) fn new(
        cache: &Path,
        limits: Limits,
        cert_file: Option<&Path>,
    ) -> Result<Fetcher, String> {
        Ok(Fetcher::with_client(
            cache,
            limits,
            Fetcher::client(limits, cert_file)?,
        ))
    }

    /// Starts building the HTTP client on a blocking thread (it sets up TLS with the system's
    /// CA certificates: a few ms), so that it is ready by the time something needs it.
    pub(crate) fn start_client(limits: Limits, cert_file: Option<PathBuf>) -> ClientStart {
        ClientStart(tokio::task::spawn_blocking(move || {
            Fetcher::client(limits, cert_file.as_deref())
        }))
    }

    /// `new`, with the client that `start_client` started.
    pub(crate) async fn started(
        cache: &Path,
        limits: Limits,
        cert_file: Option<&Path>,
        start: ClientStart,
    ) -> Result<Fetcher, String> {
        let client = match start.0.await {
            Ok(built) => built?,
            // The thread did not finish (a panic): build it here, to report what it meets.
            Err(_) => Fetcher::client(limits, cert_file)?,
        };
        Ok(Fetcher::with_client(cache, limits, client))
    }

    fn client(limits: Limits, cert_file: Option<&Path>) -> Result<reqwest::Client, String> {
        if let Some(f) = cert_file
            && let Err(e) = File::open(f).and_then(|mut f| f.read(&mut [0u8; 1]))
        {
            return Err(format!(
                "SSL_CERT_FILE is set to {}, which cannot be read ({e}); point it at a readable PEM bundle or unset it",
                f.display()
            ));
        }
        // reqwest is built without a default TLS provider; ring is smaller and faster to build.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let policy = reqwest::redirect::Policy::custom(|attempt| {
            let from_https = attempt.previous().iter().any(|u| u.scheme() == "https");
            if from_https && attempt.url().scheme() != "https" {
                let to = attempt.url().to_string();
                attempt.error(RedirectStop::Downgrade(to))
            } else if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error(RedirectStop::TooMany)
            } else {
                attempt.follow()
            }
        });
        reqwest::Client::builder()
            .user_agent(concat!("aladdin-doctor/", env!("CARGO_PKG_VERSION")))
            .redirect(policy)
            .connect_timeout(limits.stall)
            .read_timeout(limits.stall)
            .build()
            .map_err(|e| format!("cannot set up HTTPS: {e}"))
    }

    /// A fetcher over `client`; sweeps the cache's stale partial downloads (with the install
    /// lock held, where there is one: another run may be resuming one).
    fn with_client(cache: &Path, limits: Limits, client: reqwest::Client) -> Fetcher {
        let fetcher = Fetcher {
            client,
            cache: cache.to_path_buf(),
            limits,
            backoff: Duration::from_millis(250),
            trace: Tracer::default(),
        };
        fetcher.sweep_partials();
        fetcher
    }

    /// Reports every request, cache hit and local read to `trace` (`-v`).
    pub(crate) fn traced(mut self, trace: Tracer) -> Fetcher {
        self.trace = trace;
        self
    }

    /// Removes partial downloads nobody resumed for a week.
    fn sweep_partials(&self) {
        let Ok(rd) = fs::read_dir(self.cache.join("partial")) else {
            return;
        };
        for e in rd.flatten() {
            let stale = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STALE_PARTIAL);
            if stale {
                let _ = fs::remove_file(e.path());
            }
        }
    }

    fn key(url: &str) -> String {
        checksum::hex(&Sha256::digest(url.as_bytes()))[..32].to_string()
    }

    fn verified_path(&self, sha256: &str, file_name: &str) -> PathBuf {
        self.cache.join("sha256").join(sha256).join(file_name)
    }

    fn index_path(&self, url: &str) -> PathBuf {
        self.cache.join("index").join(Self::key(url))
    }

    pub(crate) fn partial_path(&self, url: &str) -> PathBuf {
        self.cache
            .join("partial")
            .join(format!("{}.partial", Self::key(url)))
    }

    /// The path of the verified artifact for `d`, from the cache or the network.
    pub(crate) async fn fetch(
        &self,
        d: &Download,
        progress: &dyn Progress,
    ) -> Result<Fetched, FetchError> {
        let expected = self.expected_hash(d, progress).await?;
        self.fetch_checked(d, Some(expected), progress).await
    }

    /// Downloads `d` with no hash to check it against (`pins update`, for an upstream that
    /// publishes none; `d.checksum` is not used) and returns the cached file and its hash.
    /// Nothing is resumed from an earlier run: without a hash, a stale prefix could not be told.
    pub(crate) async fn fetch_unverified(
        &self,
        d: &Download,
        progress: &dyn Progress,
    ) -> Result<Fetched, FetchError> {
        let _ = fs::remove_file(self.partial_path(&d.url));
        self.fetch_checked(d, None, progress).await
    }

    /// The verified artifact and its hash; with `expected` None, whatever arrives is kept (in
    /// the cache, under the hash it has).
    async fn fetch_checked(
        &self,
        d: &Download,
        expected: Option<(String, HashSource)>,
        progress: &dyn Progress,
    ) -> Result<Fetched, FetchError> {
        if let Some(expected) = &expected {
            let dest = self.verified_path(&expected.0, &d.file_name);
            if dest.exists() {
                progress.phase(d.tool, Phase::Verify, "cached copy");
                match fsutil::hash_file(&dest) {
                    Ok(h) if h == expected.0 => {
                        self.trace.emit(|| TraceEvent::Cached {
                            tool: d.tool,
                            path: dest.clone(),
                        });
                        progress.phase(d.tool, Phase::Cached, dest.display().to_string());
                        return Ok(Fetched {
                            path: dest,
                            sha256: h,
                        });
                    }
                    _ => {
                        // Tampered with or damaged: fetch it again.
                        let _ = fs::remove_file(&dest);
                    }
                }
            }
        }

        let local = local::source(&d.url)?;
        let partial = self.partial_path(&d.url);
        mkdirs(partial.parent().expect("has parent"), &d.url)?;
        let mut state =
            Resume::from_disk(&partial).map_err(|e| FetchError::io(&d.url, &partial, &e))?;
        let mut fresh_retry_left = state.len > 0;
        let mut attempt = 1;
        let got = loop {
            progress.phase(
                d.tool,
                Phase::Download,
                if state.len > 0 {
                    format!("resuming at {} bytes", state.len)
                } else {
                    String::new()
                },
            );
            let result = match &local {
                Some(src) => {
                    self.trace.emit(|| TraceEvent::Local { path: src.clone() });
                    let max = self.limits.max_bytes;
                    local::copy(src, d, &partial, &mut state, max, progress).await
                }
                None => self.transfer(d, &partial, &mut state, progress).await,
            };
            match result {
                Ok(()) => {}
                Err(e) if e.retryable() && attempt < ATTEMPTS => {
                    // In a few words: the host that could not be reached, or what went wrong
                    // (the URL is in the final error if the last attempt fails too).
                    let error = match e.kind {
                        Kind::Dns { .. } | Kind::Connect { .. } => {
                            crate::core::render::unreachable(&e)
                        }
                        _ => e.kind.to_string(),
                    };
                    progress.event(Event::Retry {
                        tool: d.tool,
                        attempt: attempt + 1,
                        of: ATTEMPTS,
                        error,
                    });
                    tokio::time::sleep(self.backoff * 2u32.pow(attempt - 1)).await;
                    attempt += 1;
                    continue;
                }
                Err(e) => return Err(e),
            }
            progress.phase(d.tool, Phase::Verify, "");
            let got = checksum::hex(&state.hasher.clone().finalize());
            if let Some(expected) = &expected
                && got != expected.0
            {
                let _ = fs::remove_file(&partial);
                if fresh_retry_left {
                    // The resumed prefix came from an earlier run and may be stale: start over once.
                    fresh_retry_left = false;
                    state = Resume::default();
                    continue;
                }
                return Err(FetchError::new(
                    &d.url,
                    Kind::HashMismatch {
                        expected: expected.0.clone(),
                        got,
                        source: expected.1.clone(),
                    },
                ));
            }
            break got;
        };
        let dest = self.verified_path(&got, &d.file_name);

        // Verified: make it visible in the cache. No fsync here, of the file or of its
        // directory: a cached file lost or damaged by a crash is fetched again or caught by the
        // re-hash on reuse (above; tests/fix.rs has it), and an install fsyncs what it installs
        // and the directory it is renamed into.
        let finish = || -> std::io::Result<()> {
            fs::create_dir_all(dest.parent().expect("has parent"))?;
            fs::rename(&partial, &dest)?;
            if expected.is_some() && matches!(d.checksum, Checksum::Url { .. }) {
                fsutil::write_atomic(&self.index_path(&d.url), got.as_bytes(), None)?;
            }
            Ok(())
        };
        finish().map_err(|e| FetchError::io(&d.url, &dest, &e))?;
        Ok(Fetched {
            path: dest,
            sha256: got,
        })
    }

    /// The hash to check against and where it came from.
    async fn expected_hash(
        &self,
        d: &Download,
        progress: &dyn Progress,
    ) -> Result<(String, HashSource), FetchError> {
        match &d.checksum {
            Checksum::Pinned(h) => Ok((h.clone(), HashSource::Pinned)),
            Checksum::Url { url, upstream } => {
                // A hash learned from this checksum URL on an earlier run, whose artifact is cached.
                if let Ok(h) = fs::read_to_string(self.index_path(&d.url))
                    && checksum::is_sha256_hex(h.trim())
                    && self.verified_path(h.trim(), &d.file_name).exists()
                {
                    return Ok((
                        h.trim().to_string(),
                        HashSource::Published(upstream.clone()),
                    ));
                }
                progress.phase(d.tool, Phase::Checksum, url.clone());
                let text = self.text(url).await.map_err(|e| match e.kind {
                    Kind::NotFound { status } => FetchError::new(
                        &e.url,
                        Kind::ChecksumMissing {
                            tool: d.tool,
                            status,
                        },
                    ),
                    _ => e,
                })?;
                let h = checksum::parse(&text, &d.file_name)
                    .map_err(|m| FetchError::new(url, Kind::ChecksumUnusable(m)))?;
                Ok((h, HashSource::Published(upstream.clone())))
            }
        }
    }

    /// A small text file (a checksum), with the same retries as downloads.
    async fn text(&self, url: &str) -> Result<String, FetchError> {
        if let Some(src) = local::source(url)? {
            return local::read_text(&src, url, MAX_CHECKSUM_FILE);
        }
        let mut attempt = 1;
        loop {
            match self.text_once(url).await {
                Err(e) if e.retryable() && attempt < ATTEMPTS => {
                    tokio::time::sleep(self.backoff * 2u32.pow(attempt - 1)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn text_once(&self, url: &str) -> Result<String, FetchError> {
        let resp = self.send(url, None).await?;
        check_status(url, resp.status())?;
        let mut body = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| classify(url, e, self.limits.stall))?;
            body.extend_from_slice(&chunk);
            if body.len() > MAX_CHECKSUM_FILE {
                return Err(FetchError::new(
                    url,
                    Kind::ChecksumTooLarge {
                        limit: MAX_CHECKSUM_FILE,
                    },
                ));
            }
        }
        String::from_utf8(body).map_err(|_| FetchError::new(url, Kind::ChecksumNotText))
    }

    async fn send(
        &self,
        url: &str,
        range_from: Option<u64>,
    ) -> Result<reqwest::Response, FetchError> {
        let mut req = self.client.get(url);
        if let Some(from) = range_from {
            req = req.header(RANGE, format!("bytes={from}-"));
        }
        let started = std::time::Instant::now();
        let sent = req.send().await;
        self.trace.emit(|| TraceEvent::Request {
            method: "GET",
            url: url.to_string(),
            from: range_from,
            status: sent.as_ref().ok().map(|r| r.status().as_u16()),
            took: started.elapsed(),
        });
        match sent {
            Ok(r) => Ok(r),
            Err(e) => Err(refine_connect_error(classify(url, e, self.limits.stall)).await),
        }
    }

    /// One attempt: appends to `partial` from `state.len`, hashing every byte written.
    async fn transfer(
        &self,
        d: &Download,
        partial: &Path,
        state: &mut Resume,
        progress: &dyn Progress,
    ) -> Result<(), FetchError> {
        let url = d.url.as_str();
        let resp = self.send(url, (state.len > 0).then_some(state.len)).await?;
        let status = resp.status();
        // An error status leaves no (empty) partial file behind.
        if !status.is_success() && status != StatusCode::RANGE_NOT_SATISFIABLE {
            check_status(url, status)?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(partial)
            .map_err(|e| FetchError::io(url, partial, &e))?;

        match status {
            StatusCode::PARTIAL_CONTENT if state.len > 0 => {
                let start = resp
                    .headers()
                    .get(CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(content_range_start);
                if start != Some(state.len) {
                    restart(&file, state).map_err(|e| FetchError::io(url, partial, &e))?;
                    return Err(FetchError::new(url, Kind::BadResume));
                }
            }
            StatusCode::RANGE_NOT_SATISFIABLE if state.len > 0 => {
                restart(&file, state).map_err(|e| FetchError::io(url, partial, &e))?;
                return Err(FetchError::new(url, Kind::BadResume));
            }
            s if s.is_success() => {
                // A full body: anything kept from before is stale.
                if state.len > 0 {
                    restart(&file, state).map_err(|e| FetchError::io(url, partial, &e))?;
                }
            }
            s => check_status(url, s)?,
        }
        let is_html = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/html"));
        if is_html {
            return Err(FetchError::new(url, Kind::Html));
        }
        let total = resp.content_length().map(|n| n.saturating_add(state.len));
        let max = self.limits.max_bytes;
        if let Some(t) = total
            && t > max
        {
            return Err(FetchError::new(
                url,
                Kind::TooLarge {
                    limit: max,
                    claimed: Some(t),
                },
            ));
        }
        let mut speed = SpeedCheck::new(self.limits, state.len);
        let mut stream = resp.bytes_stream();
        let mut first = state.len == 0;
        progress.event(Event::Bytes {
            tool: d.tool,
            done: state.len,
            total,
        });
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| match classify(url, e, self.limits.stall) {
                stalled @ FetchError {
                    kind: Kind::Stalled { .. },
                    ..
                } => stalled,
                _ => FetchError::new(
                    url,
                    Kind::Closed {
                        after: state.len,
                        of: total,
                    },
                ),
            })?;
            if first && !chunk.is_empty() {
                first = false;
                if checksum::looks_like_html(&chunk) {
                    let _ = file.set_len(0);
                    return Err(FetchError::new(url, Kind::Html));
                }
            }
            if state.len + chunk.len() as u64 > max {
                return Err(FetchError::new(
                    url,
                    Kind::TooLarge {
                        limit: max,
                        claimed: None,
                    },
                ));
            }
            state.hasher.update(&chunk);
            file.write_all(&chunk)
                .map_err(|e| FetchError::io(url, partial, &e))?;
            let before = state.len;
            state.len += chunk.len() as u64;
            if let Some(rate) = speed.too_slow(state.len) {
                return Err(FetchError::new(
                    url,
                    Kind::TooSlow {
                        bytes_per_sec: rate,
                        min: self.limits.min_speed,
                        secs: self.limits.slow_window.as_secs(),
                    },
                ));
            }
            fsutil::writeback_past(&file, before, state.len);
            progress.event(Event::Bytes {
                tool: d.tool,
                done: state.len,
                total,
            });
        }
        if let Some(t) = total
            && state.len < t
        {
            return Err(FetchError::new(
                url,
                Kind::Closed {
                    after: state.len,
                    of: Some(t),
                },
            ));
        }
        Ok(())
    }
}

/// Fails a transfer whose average speed over a window stays below the minimum.
struct SpeedCheck {
    limits: Limits,
    since: std::time::Instant,
    at: u64,
}

impl SpeedCheck {
    fn new(limits: Limits, at: u64) -> SpeedCheck {
        SpeedCheck {
            limits,
            since: std::time::Instant::now(),
            at,
        }
    }

    /// The window's speed when it was too slow; a new window starts after each full one.
    fn too_slow(&mut self, now_at: u64) -> Option<u64> {
        let elapsed = self.since.elapsed();
        if self.limits.min_speed == 0 || elapsed < self.limits.slow_window {
            return None;
        }
        let rate = (now_at.saturating_sub(self.at) as f64 / elapsed.as_secs_f64()) as u64;
        self.since = std::time::Instant::now();
        self.at = now_at;
        (rate < self.limits.min_speed).then_some(rate)
    }
}

/// What is already in the `.partial` file: its length and the hash state over it.
#[derive(Clone, Default)]
struct Resume {
    len: u64,
    hasher: Sha256,
}

impl Resume {
    fn from_disk(partial: &Path) -> std::io::Result<Resume> {
        let mut state = Resume::default();
        let mut f = match File::open(partial) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(state),
            Err(e) => return Err(e),
        };
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            state.hasher.update(&buf[..n]);
            state.len += n as u64;
        }
        Ok(state)
    }
}

fn restart(file: &File, state: &mut Resume) -> std::io::Result<()> {
    file.set_len(0)?;
    *state = Resume::default();
    Ok(())
}

fn content_range_start(v: &str) -> Option<u64> {
    v.strip_prefix("bytes ")?
        .split('-')
        .next()?
        .trim()
        .parse()
        .ok()
}

fn check_status(url: &str, s: StatusCode) -> Result<(), FetchError> {
    let status = s.as_u16();
    let kind = match s {
        s if s.is_success() => return Ok(()),
        StatusCode::NOT_FOUND | StatusCode::GONE => Kind::NotFound { status },
        StatusCode::PROXY_AUTHENTICATION_REQUIRED => Kind::ProxyAuth,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::REQUEST_TIMEOUT => Kind::Server { status },
        s if s.is_server_error() => Kind::Server { status },
        _ => Kind::Client { status },
    };
    Err(FetchError::new(url, kind))
}

/// Sorts a reqwest error into a kind by its type and its source chain (hyper, rustls and io
/// errors), never by the words of its message.
fn classify(url: &str, e: reqwest::Error, stall: Duration) -> FetchError {
    // The URL is named once, by `FetchError`'s own Display.
    let e = e.without_url();
    if e.is_redirect() {
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            if let Some(RedirectStop::Downgrade(to)) = s.downcast_ref::<RedirectStop>() {
                return FetchError::new(url, Kind::InsecureRedirect { to: to.clone() });
            }
            source = s.source();
        }
        return FetchError::new(url, Kind::TooManyRedirects);
    }
    if e.is_timeout() {
        return FetchError::new(
            url,
            Kind::Stalled {
                secs: stall.as_secs(),
            },
        );
    }
    let mut detail = e.to_string();
    let mut tls = None;
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        if let Some(r) = rustls_error(s) {
            tls = Some(tls_problem(r));
        }
        source = s.source();
    }
    let kind = if let Some(problem) = tls {
        Kind::Tls { problem, detail }
    } else if e.is_connect() {
        // A failed name lookup is told apart by `refine_connect_error`.
        Kind::Connect { detail }
    } else {
        Kind::Transport { detail }
    };
    FetchError::new(url, kind)
}

/// The rustls error in `e`, also when io errors wrap it (tokio-rustls wraps it in an
/// `io::Error`, which hyper-rustls wraps in another).
fn rustls_error<'a>(mut e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    loop {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        e = e.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

fn tls_problem(e: &rustls::Error) -> TlsProblem {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => {
            TlsProblem::UnknownIssuer
        }
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => TlsProblem::NameMismatch,
        _ => TlsProblem::Other,
    }
}

/// A connect error whose host does not resolve is a name-lookup failure (offline, or a DNS
/// problem): tell it apart by resolving the host ourselves, not by reading the message.
async fn refine_connect_error(e: FetchError) -> FetchError {
    let Kind::Connect { detail } = &e.kind else {
        return e;
    };
    let Ok(url) = reqwest::Url::parse(&e.url) else {
        return e;
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return e;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let resolves = tokio::net::lookup_host((host, port))
        .await
        .is_ok_and(|mut addrs| addrs.next().is_some());
    match resolves {
        true => e,
        false => FetchError::new(
            &e.url,
            Kind::Dns {
                detail: detail.clone(),
            },
        ),
    }
}

/// The hash an earlier run verified for `url` through its published checksum (the cache's
/// index), if any.
pub(crate) fn learned_hash(cache: &Path, url: &str) -> Option<String> {
    let h = fs::read_to_string(cache.join("index").join(Fetcher::key(url))).ok()?;
    let h = h.trim();
    checksum::is_sha256_hex(h).then(|| h.to_string())
}

/// Every file of the download cache at `cache` (the layout `Fetcher` writes), for `cache` and
/// `cache clean`. The lock file is not listed.
pub(crate) fn inventory(cache: &Path) -> Vec<crate::core::cache::Entry> {
    use crate::core::cache::{Entry, Kind};
    let files = |dir: PathBuf| -> Vec<(PathBuf, u64)> {
        fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .filter_map(|e| {
                        let m = e.metadata().ok()?;
                        m.is_file().then(|| (e.path(), m.len()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    if let Ok(rd) = fs::read_dir(cache.join("sha256")) {
        for d in rd.flatten() {
            let sha256 = d.file_name().to_string_lossy().into_owned();
            for (path, size) in files(d.path()) {
                let file_name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                out.push(Entry {
                    path,
                    size,
                    kind: Kind::Artifact {
                        sha256: sha256.clone(),
                        file_name,
                    },
                });
            }
        }
    }
    for (path, size) in files(cache.join("partial")) {
        out.push(Entry {
            path,
            size,
            kind: Kind::Partial,
        });
    }
    for (path, size) in files(cache.join("index")) {
        let sha256 = fs::read_to_string(&path)
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| checksum::is_sha256_hex(h));
        out.push(Entry {
            path,
            size,
            kind: Kind::Index { sha256 },
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn mkdirs(dir: &Path, url: &str) -> Result<(), FetchError> {
    fs::create_dir_all(dir).map_err(|e| FetchError::io(url, dir, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range() {
        assert_eq!(content_range_start("bytes 100-199/200"), Some(100));
        assert_eq!(content_range_start("bytes */200"), None);
    }

    #[test]
    fn client_builds_with_ring() {
        // Without a provider, building the client panics; this proves the wiring.
        let d = std::env::temp_dir();
        assert!(Fetcher::new(&d, limits(), None).is_ok());
        let missing = d.join("no-such-ca-bundle.pem");
        let err = Fetcher::new(&d, limits(), Some(&missing)).err().unwrap();
        assert!(err.contains("SSL_CERT_FILE"), "{err}");
    }

    #[tokio::test]
    async fn a_client_started_early_is_the_same_client() {
        let d = tempfile::tempdir().unwrap();
        let start = Fetcher::start_client(limits(), None);
        assert!(
            Fetcher::started(d.path(), limits(), None, start)
                .await
                .is_ok()
        );
        // An unreadable SSL_CERT_FILE is reported when the client is used, as with `new`.
        let missing = d.path().join("no-such-ca-bundle.pem");
        let start = Fetcher::start_client(limits(), Some(missing.clone()));
        let err = Fetcher::started(d.path(), limits(), Some(&missing), start)
            .await
            .err()
            .unwrap();
        assert_eq!(
            err,
            Fetcher::new(d.path(), limits(), Some(&missing))
                .err()
                .unwrap()
        );
    }

    fn limits() -> Limits {
        Limits {
            stall: Duration::from_secs(5),
            max_bytes: Limits::DEFAULT_MAX_BYTES,
            min_speed: 1024,
            slow_window: Duration::from_millis(50),
        }
    }

    #[test]
    fn speed_is_judged_over_whole_windows() {
        let mut s = SpeedCheck::new(limits(), 0);
        assert_eq!(s.too_slow(10), None, "the first window is not over");
        std::thread::sleep(Duration::from_millis(60));
        assert!(
            s.too_slow(10).is_some(),
            "10 bytes in 60 ms is below 1 KiB/s"
        );
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(s.too_slow(10 + 100_000), None, "a fast window passes");
    }

    #[test]
    fn status_classes() {
        let e = check_status("u", StatusCode::INTERNAL_SERVER_ERROR).unwrap_err();
        assert_eq!(e.kind, Kind::Server { status: 500 });
        assert!(e.retryable());
        let e = check_status("u", StatusCode::NOT_FOUND).unwrap_err();
        assert_eq!(e.kind, Kind::NotFound { status: 404 });
        assert!(!e.retryable());
        assert_eq!(e.to_string(), "HTTP 404 Not Found (u)");
        assert!(check_status("u", StatusCode::OK).is_ok());
    }
}
