//! A server on 127.0.0.1 that misbehaves at the byte level: it reads HTTP/1.1
//! requests itself and answers each with what the scenario's handler says,
//! down to cutting the body, stalling, or closing without a word. Plain TCP,
//! or TLS with a certificate made on the spot. Its tasks end with the test's
//! runtime, and a stalled connection lets go by itself after a minute.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A request as the server read it.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
pub enum Reply {
    /// Writes these bytes and keeps the connection for the next request.
    Bytes(Vec<u8>),
    /// Waits this long, then writes these bytes.
    Delayed(Duration, Vec<u8>),
    /// Writes these bytes, then waits this long before writing the rest.
    Trickle(Vec<u8>, Duration, Vec<u8>),
    /// Writes these bytes and closes the connection.
    Cut(Vec<u8>),
    /// Writes these bytes, then nothing more (for a minute at most).
    Stall(Vec<u8>),
    /// Writes a head, then zeros, `total` bytes of body in all, for as long
    /// as the client reads.
    Flood { head: Vec<u8>, total: u64 },
}

type Handler = dyn Fn(&Received, usize) -> Reply + Send + Sync;

/// A misbehaving server; see the module.
pub struct FaultyServer {
    pub uri: String,
    received: Arc<Mutex<Vec<Received>>>,
    open: Arc<AtomicUsize>,
    peak_open: Arc<AtomicUsize>,
    accepted: Arc<AtomicUsize>,
    written: Arc<AtomicU64>,
    peak_waiting: Arc<AtomicUsize>,
}

impl FaultyServer {
    /// Starts a plain HTTP server. `handler` gets each request and how many
    /// requests to the same path came before it, plus one.
    pub async fn start(handler: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static) -> Self {
        Self::serve(None, Arc::new(handler)).await
    }

    /// Starts an HTTPS server with a self-signed certificate for `127.0.0.1`.
    pub async fn start_tls(handler: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static) -> Self {
        Self::start_tls_with(rustls::crypto::aws_lc_rs::default_provider(), handler).await
    }

    /// Starts an HTTPS server as [`start_tls`](Self::start_tls) does, with the cryptography of `provider`.
    pub async fn start_tls_with(
        provider: rustls::crypto::CryptoProvider,
        handler: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("a certificate");
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key)
            .expect("a usable certificate");
        Self::serve(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))), Arc::new(handler)).await
    }

    async fn serve(tls: Option<tokio_rustls::TlsAcceptor>, handler: Arc<Handler>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port on 127.0.0.1");
        let address = listener.local_addr().unwrap();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let server = FaultyServer {
            uri: format!("{scheme}://{address}"),
            received: Default::default(),
            open: Default::default(),
            peak_open: Default::default(),
            accepted: Default::default(),
            written: Default::default(),
            peak_waiting: Default::default(),
        };
        let shared = Connection {
            handler,
            received: server.received.clone(),
            open: server.open.clone(),
            peak_open: server.peak_open.clone(),
            written: server.written.clone(),
            waiting: Default::default(),
            peak_waiting: server.peak_waiting.clone(),
        };
        let accepted = server.accepted.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                accepted.fetch_add(1, Ordering::SeqCst);
                let connection = shared.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    match tls {
                        Some(acceptor) => {
                            // A client that refuses the certificate ends the handshake here.
                            if let Ok(stream) = acceptor.accept(stream).await {
                                connection.run(stream).await;
                            }
                        }
                        None => connection.run(stream).await,
                    }
                });
            }
        });
        server
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The requests received on `path`.
    pub fn received_on(&self, path: &str) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.path == path).collect()
    }

    /// The most connections that were open at once.
    pub fn peak_connections(&self) -> usize {
        self.peak_open.load(Ordering::SeqCst)
    }

    /// The most requests that were waiting for their reply at once: read
    /// whole, reply not yet begun. Each is in flight at the client then.
    pub fn peak_waiting(&self) -> usize {
        self.peak_waiting.load(Ordering::SeqCst)
    }

    /// Connections accepted, TLS handshakes that failed included.
    pub fn connections_accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Body bytes of `Flood` replies the client took.
    pub fn flood_written(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct Connection {
    handler: Arc<Handler>,
    received: Arc<Mutex<Vec<Received>>>,
    open: Arc<AtomicUsize>,
    peak_open: Arc<AtomicUsize>,
    written: Arc<AtomicU64>,
    waiting: Arc<AtomicUsize>,
    peak_waiting: Arc<AtomicUsize>,
}

impl Connection {
    async fn run(self, stream: impl AsyncRead + AsyncWrite + Unpin) {
        let now_open = self.open.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak_open.fetch_max(now_open, Ordering::SeqCst);
        let mut stream = BufReader::new(stream);
        while let Some(request) = read_request(&mut stream).await {
            let n = {
                let mut received = self.received.lock().unwrap();
                received.push(request.clone());
                received.iter().filter(|r| r.path == request.path).count()
            };
            let now_waiting = self.waiting.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak_waiting.fetch_max(now_waiting, Ordering::SeqCst);
            let reply = (self.handler)(&request, n);
            if let Reply::Delayed(pause, _) = &reply {
                tokio::time::sleep(*pause).await;
            }
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            let keep_open = match reply {
                Reply::Bytes(bytes) | Reply::Delayed(_, bytes) => stream.write_all(&bytes).await.is_ok(),
                Reply::Trickle(first, pause, rest) => {
                    let _ = stream.write_all(&first).await;
                    let _ = stream.flush().await;
                    tokio::time::sleep(pause).await;
                    stream.write_all(&rest).await.is_ok()
                }
                Reply::Cut(bytes) => {
                    let _ = stream.write_all(&bytes).await;
                    false
                }
                Reply::Stall(bytes) => {
                    let _ = stream.write_all(&bytes).await;
                    let _ = stream.flush().await;
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    false
                }
                Reply::Flood { head, total } => {
                    let _ = stream.write_all(&head).await;
                    let chunk = vec![b'0'; 64 * 1024];
                    let mut sent = 0;
                    while sent < total {
                        let n = chunk.len().min((total - sent) as usize);
                        if stream.write_all(&chunk[..n]).await.is_err() {
                            break;
                        }
                        sent += n as u64;
                        self.written.fetch_add(n as u64, Ordering::SeqCst);
                    }
                    false
                }
            };
            let _ = stream.flush().await;
            if !keep_open {
                break;
            }
        }
        self.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Reads one request; `None` at the end of the connection or on bytes that are not HTTP.
async fn read_request(stream: &mut (impl AsyncBufReadExt + Unpin)) -> Option<Received> {
    let mut line = String::new();
    if stream.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?;
    let path = target.split('?').next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).await.ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let length = headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.ok()?;
    Some(Received { method, path, headers, body })
}

/// An HTTP/1.1 response with a `content-length`.
pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = head(status, headers);
    head.truncate(head.len() - 2);
    head.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    head.extend_from_slice(body);
    head
}

/// The status line and headers, ending with the blank line.
pub fn head(status: u16, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut text = format!("HTTP/1.1 {status} Fault\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.into_bytes()
}

/// A JSON response.
pub fn json(status: u16, value: &serde_json::Value) -> Vec<u8> {
    response(status, &[("content-type", "application/json")], value.to_string().as_bytes())
}
