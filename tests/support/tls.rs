//! HTTPS in front of the loopback HTTP server: a TLS-terminating relay, one thread per
//! connection, with a certificate made at test time (`apiserver::pki`). Requests are
//! GETs without a body and the server closes after each response, so a relay reads the
//! request head, passes it on, and copies the response back until the server closes.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use rustls::{ServerConnection, StreamOwned};

use super::apiserver::{pki, tls_config};

/// Which certificate the relay presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cert {
    /// For 127.0.0.1, signed by the test CA (`ca_pem`).
    Good,
    /// Signed by the test CA, but for another address.
    WrongName,
}

pub struct TlsFront {
    pub port: u16,
    stop: Arc<AtomicBool>,
}

impl TlsFront {
    /// Relays `https://127.0.0.1:PORT/…` to the HTTP server on `backend`.
    pub fn start(backend: u16, cert: Cert) -> TlsFront {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let cfg = tls_config(match cert {
            Cert::Good => &pki().server,
            Cert::WrongName => &pki().wrong_san,
        });
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let cfg = cfg.clone();
                thread::spawn(move || {
                    let _ = relay(stream, cfg, backend);
                });
            }
        });
        TlsFront { port, stop }
    }

    /// `https://127.0.0.1:PORT`
    pub fn base(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Writes the test CA (or, with `other`, an unrelated CA) to `dir/ca.pem` for SSL_CERT_FILE.
pub fn ca_file(dir: &Path, other: bool) -> PathBuf {
    let p = dir.join(if other { "other-ca.pem" } else { "ca.pem" });
    let pem = if other {
        &pki().other_ca_pem
    } else {
        &pki().ca_pem
    };
    std::fs::write(&p, pem).unwrap();
    p
}

fn relay(client: TcpStream, cfg: Arc<rustls::ServerConfig>, backend: u16) -> std::io::Result<()> {
    let conn = ServerConnection::new(cfg).map_err(std::io::Error::other)?;
    let mut tls = StreamOwned::new(conn, client);
    let mut head = Vec::new();
    let mut buf = [0u8; 8192];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tls.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let mut up = TcpStream::connect(("127.0.0.1", backend))?;
    up.write_all(&head)?;
    loop {
        let n = up.read(&mut buf)?;
        if n == 0 {
            break;
        }
        tls.write_all(&buf[..n])?;
        tls.flush()?;
    }
    tls.conn.send_close_notify();
    let _ = tls.flush();
    Ok(())
}
