//! A loopback HTTP/1.1 server on `std::net::TcpListener` with byte-exact control over faults
//! (truncation, stalls, resets, redirects), Range support and a request log.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

#[derive(Clone)]
pub enum Route {
    /// 200 with Content-Length; a `Range: bytes=N-` request gets 206.
    File(Arc<Vec<u8>>),
    /// 200 with the whole body even when a Range was asked for.
    FileIgnoringRange(Arc<Vec<u8>>),
    /// This status with a short text body.
    Status(u16),
    /// Claims the full length, sends the first `n` bytes, closes.
    Truncated(Arc<Vec<u8>>, usize),
    /// Sends the first `n` bytes, then holds the connection open without sending more.
    Stall(Arc<Vec<u8>>, usize),
    /// Sends the first `n` bytes, then resets the connection (RST).
    Reset(Arc<Vec<u8>>, usize),
    /// 302 to this location.
    Redirect(String),
    /// 200 text/html: a captive portal.
    Html,
    /// Chunks of `chunk` bytes every `delay_ms`.
    Drip(Arc<Vec<u8>>, usize, u64),
    /// The nth request gets the nth route; the last one repeats.
    Sequence(Vec<Route>),
    /// Claims this Content-Length, then sends zeros for as long as the client reads.
    Claim(u64),
    /// No Content-Length; zeros until the client goes away.
    Endless,
    /// HEAD is answered 405 (as some CDNs and presigned-URL stores do); GET gets the route.
    GetOnly(Box<Route>),
}

#[derive(Clone, Debug)]
pub struct Request {
    /// GET or HEAD.
    pub method: String,
    pub path: String,
    pub range: Option<String>,
    /// The host of an absolute-form request (the server was used as a proxy).
    pub via_proxy_host: Option<String>,
}

pub struct Server {
    pub port: u16,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    counts: Arc<Mutex<HashMap<String, usize>>>,
    log: Arc<Mutex<Vec<Request>>>,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let s = Server {
            port,
            routes: Default::default(),
            counts: Default::default(),
            log: Default::default(),
            connections: Default::default(),
            stop: Default::default(),
        };
        let (routes, counts, log, conns, stop) = (
            s.routes.clone(),
            s.counts.clone(),
            s.log.clone(),
            s.connections.clone(),
            s.stop.clone(),
        );
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                conns.fetch_add(1, Ordering::SeqCst);
                let (routes, counts, log, stop) =
                    (routes.clone(), counts.clone(), log.clone(), stop.clone());
                thread::spawn(move || {
                    let _ = handle(stream, &routes, &counts, &log, &stop);
                });
            }
        });
        s
    }

    /// `http://127.0.0.1:PORT`
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Serves `route` at `path` (e.g. `/dl.k8s.io/release/v1.30.6/bin/linux/amd64/kubectl`).
    pub fn route(&self, path: &str, route: Route) {
        self.routes.lock().unwrap().insert(path.to_string(), route);
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// TCP connections accepted (including ones that never sent a request).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn handle(
    mut stream: TcpStream,
    routes: &Mutex<HashMap<String, Route>>,
    counts: &Mutex<HashMap<String, usize>>,
    log: &Mutex<Vec<Request>>,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let method = line.split_whitespace().next().unwrap_or("GET").to_string();
    let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    // A client talking to a proxy sends the absolute URI: keep the host, route on the path.
    let (via_proxy_host, path) = match target.strip_prefix("http://") {
        Some(rest) => {
            let (host, p) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            (
                Some(host.to_string()),
                if p.is_empty() {
                    "/".to_string()
                } else {
                    p.to_string()
                },
            )
        }
        None => (None, target),
    };
    let mut range = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("range")
        {
            range = Some(v.trim().to_string());
        }
    }
    log.lock().unwrap().push(Request {
        method: method.clone(),
        path: path.clone(),
        range: range.clone(),
        via_proxy_host,
    });
    let n = {
        let mut c = counts.lock().unwrap();
        let e = c.entry(path.clone()).or_insert(0);
        *e += 1;
        *e - 1
    };
    let route = routes.lock().unwrap().get(&path).cloned();
    let mut route = route.unwrap_or(Route::Status(404));
    while let Route::Sequence(list) = route {
        route = list[n.min(list.len() - 1)].clone();
    }
    if method == "HEAD" {
        return respond_head(&mut stream, route);
    }
    if let Route::GetOnly(inner) = route {
        route = *inner;
    }
    respond(&mut stream, route, range.as_deref(), stop)
}

/// A HEAD request: the headers a GET would get, no body.
fn respond_head(stream: &mut TcpStream, route: Route) -> std::io::Result<()> {
    let octets = ("Content-Type", "application/octet-stream".to_string());
    match route {
        Route::File(body)
        | Route::FileIgnoringRange(body)
        | Route::Truncated(body, _)
        | Route::Stall(body, _)
        | Route::Reset(body, _)
        | Route::Drip(body, _, _) => head(
            stream,
            "200 OK",
            &[octets, ("Content-Length", body.len().to_string())],
        ),
        Route::Status(code) => head(
            stream,
            &format!("{code} Status"),
            &[("Content-Length", "0".into())],
        ),
        Route::Redirect(to) => head(
            stream,
            "302 Found",
            &[("Location", to), ("Content-Length", "0".into())],
        ),
        Route::Html => head(
            stream,
            "200 OK",
            &[("Content-Type", "text/html; charset=utf-8".into())],
        ),
        Route::Claim(len) => head(
            stream,
            "200 OK",
            &[octets, ("Content-Length", len.to_string())],
        ),
        Route::Endless => head(stream, "200 OK", &[octets]),
        Route::GetOnly(_) => head(
            stream,
            "405 Method Not Allowed",
            &[("Content-Length", "0".into())],
        ),
        Route::Sequence(_) => unreachable!("resolved by handle"),
    }
}

fn head(stream: &mut TcpStream, status: &str, headers: &[(&str, String)]) -> std::io::Result<()> {
    let mut s = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str("\r\n");
    stream.write_all(s.as_bytes())
}

fn respond(
    stream: &mut TcpStream,
    route: Route,
    range: Option<&str>,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    let octets = ("Content-Type", "application/octet-stream".to_string());
    match route {
        Route::File(body) => {
            let spec = range.and_then(|r| r.strip_prefix("bytes="));
            let start = spec
                .and_then(|r| r.split('-').next())
                .and_then(|n| n.parse::<usize>().ok());
            // `bytes=N-M`: an end, inclusive (a probe asks for `bytes=0-0`).
            let end = spec
                .and_then(|r| r.split('-').nth(1))
                .and_then(|n| n.parse::<usize>().ok())
                .map(|e| (e + 1).min(body.len()))
                .unwrap_or(body.len());
            match start {
                Some(s) if s < end => {
                    head(
                        stream,
                        "206 Partial Content",
                        &[
                            octets,
                            ("Content-Length", (end - s).to_string()),
                            (
                                "Content-Range",
                                format!("bytes {s}-{}/{}", end - 1, body.len()),
                            ),
                        ],
                    )?;
                    stream.write_all(&body[s..end])
                }
                Some(_) => head(
                    stream,
                    "416 Range Not Satisfiable",
                    &[("Content-Length", "0".into())],
                ),
                None => {
                    head(
                        stream,
                        "200 OK",
                        &[octets, ("Content-Length", body.len().to_string())],
                    )?;
                    stream.write_all(&body)
                }
            }
        }
        Route::FileIgnoringRange(body) => {
            head(
                stream,
                "200 OK",
                &[octets, ("Content-Length", body.len().to_string())],
            )?;
            stream.write_all(&body)
        }
        Route::Status(code) => {
            let text = format!("status {code}\n");
            let reason = match code {
                404 => "Not Found",
                403 => "Forbidden",
                500 => "Internal Server Error",
                503 => "Service Unavailable",
                _ => "Status",
            };
            head(
                stream,
                &format!("{code} {reason}"),
                &[
                    ("Content-Type", "text/plain".into()),
                    ("Content-Length", text.len().to_string()),
                ],
            )?;
            stream.write_all(text.as_bytes())
        }
        Route::Truncated(body, n) => {
            head(
                stream,
                "200 OK",
                &[octets, ("Content-Length", body.len().to_string())],
            )?;
            stream.write_all(&body[..n])?;
            stream.flush()?;
            stream.shutdown(std::net::Shutdown::Both)
        }
        Route::Stall(body, n) => {
            head(
                stream,
                "200 OK",
                &[octets, ("Content-Length", body.len().to_string())],
            )?;
            stream.write_all(&body[..n])?;
            stream.flush()?;
            for _ in 0..600 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                thread::sleep(Duration::from_millis(100));
            }
            Ok(())
        }
        Route::Reset(body, n) => {
            head(
                stream,
                "200 OK",
                &[octets, ("Content-Length", body.len().to_string())],
            )?;
            stream.write_all(&body[..n])?;
            stream.flush()?;
            thread::sleep(Duration::from_millis(50));
            reset(stream);
            Ok(())
        }
        Route::Redirect(to) => head(
            stream,
            "302 Found",
            &[("Location", to), ("Content-Length", "0".into())],
        ),
        Route::Html => {
            let body = "<!DOCTYPE html><html><head><title>Sign in to the network</title></head><body>Guest Wi-Fi</body></html>\n";
            head(
                stream,
                "200 OK",
                &[
                    ("Content-Type", "text/html; charset=utf-8".into()),
                    ("Content-Length", body.len().to_string()),
                ],
            )?;
            stream.write_all(body.as_bytes())
        }
        Route::Drip(body, chunk, delay) => {
            head(
                stream,
                "200 OK",
                &[octets, ("Content-Length", body.len().to_string())],
            )?;
            for c in body.chunks(chunk) {
                stream.write_all(c)?;
                stream.flush()?;
                thread::sleep(Duration::from_millis(delay));
            }
            Ok(())
        }
        Route::Claim(len) => {
            head(
                stream,
                "200 OK",
                &[octets, ("Content-Length", len.to_string())],
            )?;
            endless(stream, stop)
        }
        Route::Endless => {
            head(stream, "200 OK", &[octets])?;
            endless(stream, stop)
        }
        Route::Sequence(_) | Route::GetOnly(_) => unreachable!("resolved by handle"),
    }
}

/// Zeros until the peer stops reading (or the server stops).
fn endless(stream: &mut TcpStream, stop: &AtomicBool) -> std::io::Result<()> {
    let zeros = vec![0u8; 64 * 1024];
    while !stop.load(Ordering::SeqCst) {
        stream.write_all(&zeros)?;
    }
    Ok(())
}

/// Closes with RST instead of FIN (SO_LINGER with a zero timeout).
fn reset(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setsockopt on a valid, owned socket fd with a correctly sized linger struct.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &linger as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}
