//! I/O: asking an upstream (or a mirror) about an artifact without downloading it, and reading
//! its published checksum — what `pins check` and `pins update` do for every platform.
//!
//! Existence is a HEAD request; when HEAD is refused or fails (some CDNs and presigned-URL
//! stores answer GET only), a GET of the first byte decides (`Range: bytes=0-0`), and its body
//! is never read. Both go through the same client as downloads (proxy, CA, redirects, the
//! https→http refusal) and are retried the same way.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE};

use super::{ATTEMPTS, Fetcher, check_status, classify, local, refine_connect_error};
use crate::core::failure::{FetchError, FetchErrorKind as Kind};
use crate::core::trace::TraceEvent;

impl Fetcher {
    /// Whether `url` exists, and its size when the server says. An artifact over the
    /// `--max-download` limit counts as a failure: `--fix` would refuse it.
    pub(crate) async fn exists(&self, url: &str) -> Result<Option<u64>, FetchError> {
        let size = match local::source(url)? {
            Some(src) => Some(local::size(&src, url)?),
            None => {
                let mut attempt = 1;
                loop {
                    match self.exists_once(url).await {
                        Err(e) if e.retryable() && attempt < ATTEMPTS => {
                            tokio::time::sleep(self.backoff * 2u32.pow(attempt - 1)).await;
                            attempt += 1;
                        }
                        other => break other?,
                    }
                }
            }
        };
        let limit = self.limits.max_bytes;
        match size {
            Some(n) if n > limit => Err(FetchError::new(
                url,
                Kind::TooLarge {
                    limit,
                    claimed: Some(n),
                },
            )),
            _ => Ok(size),
        }
    }

    /// A published checksum file's text: bounded, retried, read from disk for a local mirror.
    pub(crate) async fn checksum_text(&self, url: &str) -> Result<String, FetchError> {
        self.text(url).await
    }

    async fn exists_once(&self, url: &str) -> Result<Option<u64>, FetchError> {
        let started = std::time::Instant::now();
        let head = self.client.head(url).send().await;
        self.trace.emit(|| TraceEvent::Request {
            method: "HEAD",
            url: url.to_string(),
            from: None,
            status: head.as_ref().ok().map(|r| r.status().as_u16()),
            took: started.elapsed(),
        });
        if let Ok(r) = head
            && r.status().is_success()
        {
            return judge(url, &r);
        }
        let started = std::time::Instant::now();
        let get = self.client.get(url).header(RANGE, "bytes=0-0").send().await;
        self.trace.emit(|| TraceEvent::Request {
            method: "GET",
            url: url.to_string(),
            from: Some(0),
            status: get.as_ref().ok().map(|r| r.status().as_u16()),
            took: started.elapsed(),
        });
        let r = match get {
            Ok(r) => r,
            Err(e) => return Err(refine_connect_error(classify(url, e, self.limits.stall)).await),
        };
        check_status(url, r.status())?;
        judge(url, &r)
        // `r` is dropped unread: with its connection, never more than a first chunk.
    }
}

/// An answer that says the artifact is there: its size, unless it is an HTML page.
fn judge(url: &str, r: &reqwest::Response) -> Result<Option<u64>, FetchError> {
    let header = |name| r.headers().get(name).and_then(|v| v.to_str().ok());
    if header(CONTENT_TYPE)
        .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/html"))
    {
        return Err(FetchError::new(url, Kind::Html));
    }
    // A HEAD response has no body, so reqwest's `content_length()` says 0: read the header.
    Ok(if r.status() == StatusCode::PARTIAL_CONTENT {
        header(CONTENT_RANGE)
            .and_then(|v| v.rsplit('/').next())
            .and_then(|n| n.trim().parse().ok())
    } else {
        header(CONTENT_LENGTH).and_then(|n| n.trim().parse().ok())
    })
}
