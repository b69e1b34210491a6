//! The HTTP/1.1 server under the replayer and the recording proxy, on hyper: owns [`listen`],
//! which serves every request with a plain blocking handler, and [`Limits`], the bounds every
//! connection lives within. Keep-alive, chunked bodies, `HEAD` and `Expect: 100-continue` are
//! hyper's; what a client may cost is ours:
//!
//! - the request head is at most [`Limits::max_head`] bytes (431 above it) and must arrive
//!   within [`Limits::header_timeout`];
//! - a body is at most [`Limits::max_body`] bytes (413 above it, at once when its
//!   `Content-Length` says so before any byte arrives) and must arrive within
//!   [`Limits::body_timeout`] (408 otherwise), whatever its chunk sizes announce;
//! - a keep-alive connection waiting for its next request is closed after
//!   [`Limits::header_timeout`], since the next request's head must arrive within it; one that
//!   stalls mid-request for [`Limits::idle_timeout`], or does not take its answer within
//!   [`Limits::write_timeout`], is closed too;
//! - at most [`Limits::max_connections`] connections are held at once ([`connection_cap`] by
//!   default: what the process's open-file limit leaves room for). As they fill up, idle and
//!   slow connections yield to working ones: past half the slots, a new connection gets a
//!   shorter head timeout, the fuller the shorter; with every slot taken, the oldest connection
//!   not in the middle of a request is closed to make room. A closed connection always frees
//!   its slot;
//! - a handler that panics answers 500 and frees its slot.
//!
//! So one connection holds at most `max_head + max_body` of request and its one answer.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{watch, Semaphore};
use tokio_io_timeout::TimeoutStream;

/// Largest request head (request line and headers), the default of [`Limits::max_head`].
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest request body, the default of [`Limits::max_body`].
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// The fewest connections served at once, whatever the open-file limit.
pub const MAX_CONNECTIONS: usize = 256;
/// File descriptors left for everything but connections (cases, logs, the runtime).
const RESERVED_FILES: u64 = 256;

/// How many connections the process can hold: its open-file limit (`ulimit -n`, soft) less
/// what it needs besides, and never fewer than [`MAX_CONNECTIONS`]; the default of
/// [`Limits::max_connections`].
pub fn connection_cap() -> usize {
    let soft = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
        .map_or(0, |(soft, _)| soft);
    let room = soft.saturating_sub(RESERVED_FILES).min(1 << 20) as usize;
    room.max(MAX_CONNECTIONS)
}

/// Raises the process's soft open-file limit to its hard limit, so [`connection_cap`] is as
/// high as the system allows; returns the soft limit in force afterwards.
pub fn raise_file_limit() -> u64 {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return 0;
    };
    if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        return hard;
    }
    soft
}
/// A connection that stalls (no byte read) for this long is closed; an idle keep-alive
/// connection closes sooner, after the header timeout.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// The next request's head must arrive within this long, which also closes an idle keep-alive
/// connection; the default of [`Limits::header_timeout`].
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The bounds of every connection.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_head: usize,
    pub max_body: usize,
    pub max_connections: usize,
    pub header_timeout: Duration,
    /// The whole body must arrive within this long (408 otherwise), whatever it announces.
    pub body_timeout: Duration,
    pub idle_timeout: Duration,
    pub write_timeout: Duration,
    /// How long shutdown waits for requests in flight.
    pub drain_timeout: Duration,
    /// Whether the handler may block (it then runs on a blocking thread); a handler that only
    /// computes runs on the connection's task.
    pub blocking: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_head: MAX_HEAD_BYTES,
            max_body: MAX_BODY_BYTES,
            max_connections: connection_cap(),
            header_timeout: HEADER_TIMEOUT,
            body_timeout: Duration::from_secs(10),
            idle_timeout: IDLE_TIMEOUT,
            write_timeout: Duration::from_secs(30),
            drain_timeout: Duration::from_secs(5),
            blocking: true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query string (origin form), or the whole target when a client sent another form.
    pub url: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Response {
    pub fn json(status: u16, body: &serde_json::Value) -> Response {
        Response {
            status,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: Bytes::from(body.to_string()),
        }
    }
}

pub type Handler = dyn Fn(Request) -> Response + Send + Sync;

/// A running listener; dropping it does not stop it, [`Server::shutdown`] does.
pub struct Server {
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
    activity: Arc<Activity>,
    held: Arc<Held>,
}

/// The connections held, by order of arrival: whether each is in the middle of a request, and
/// how to close it.
#[derive(Debug, Default)]
struct Held {
    next: std::sync::atomic::AtomicU64,
    open: std::sync::Mutex<std::collections::BTreeMap<u64, Holding>>,
}

#[derive(Debug, Clone)]
struct Holding {
    busy: Arc<std::sync::atomic::AtomicBool>,
    close: Arc<tokio::sync::Notify>,
}

impl Held {
    fn add(&self) -> (u64, Holding) {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let holding = Holding {
            busy: Arc::default(),
            close: Arc::default(),
        };
        self.lock().insert(id, holding.clone());
        (id, holding)
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Closes the oldest connection not in the middle of a request; false when every one is.
    fn close_oldest_idle(&self) -> bool {
        let open = self.lock();
        let idle = open
            .values()
            .find(|h| !h.busy.load(std::sync::atomic::Ordering::Relaxed));
        match idle {
            Some(holding) => {
                holding.close.notify_one();
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeMap<u64, Holding>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The head timeout of a new connection when `used` of `cap` slots are taken: the full one up
/// to half, then shorter as the slots fill, down to a tenth (at least 200 ms).
fn head_timeout(base: Duration, used: usize, cap: usize) -> Duration {
    let cap = cap.max(1);
    if used * 2 <= cap {
        return base;
    }
    let free = cap.saturating_sub(used) as f64 / (cap as f64 / 2.0);
    base.mul_f64(free.clamp(0.1, 1.0))
        .max(Duration::from_millis(200))
}

/// When a client was last heard from: a connection accepted or a request head read, refused
/// requests included.
#[derive(Debug)]
struct Activity {
    started: std::time::Instant,
    /// Milliseconds from `started` to the last activity.
    last: std::sync::atomic::AtomicU64,
}

impl Activity {
    fn touch(&self) {
        let now = self.started.elapsed().as_millis() as u64;
        self.last
            .fetch_max(now, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Server {
    /// How many connections are held now.
    pub fn connections(&self) -> usize {
        self.held.lock().len()
    }

    /// How long since a client was last heard from (a connection accepted or a request read,
    /// refused ones included), or since the server started.
    pub fn idle_for(&self) -> Duration {
        let last = self
            .activity
            .last
            .load(std::sync::atomic::Ordering::Relaxed);
        self.activity
            .started
            .elapsed()
            .saturating_sub(Duration::from_millis(last))
    }

    /// Stops accepting, lets requests in flight finish (within the drain timeout), and returns.
    pub fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Why a listener could not start.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot start the server runtime: {0}")]
    Runtime(std::io::Error),
}

/// Listens on `addr` with the default [`Limits`].
pub fn listen(addr: &str, handler: Arc<Handler>) -> Result<Server, ListenError> {
    listen_with(addr, handler, Limits::default())
}

/// Listens on `addr` and serves requests with `handler` within `limits`.
pub fn listen_with(
    addr: &str,
    handler: Arc<Handler>,
    limits: Limits,
) -> Result<Server, ListenError> {
    let bind = |source| ListenError::Bind {
        addr: addr.to_owned(),
        source,
    };
    let listener = std::net::TcpListener::bind(addr).map_err(bind)?;
    let bound = listener.local_addr().map_err(bind)?;
    listener.set_nonblocking(true).map_err(bind)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("conform-http")
        .enable_all()
        .build()
        .map_err(ListenError::Runtime)?;
    let (stop, stopped) = watch::channel(false);
    let activity = Arc::new(Activity {
        started: std::time::Instant::now(),
        last: std::sync::atomic::AtomicU64::new(0),
    });
    let heard = Arc::clone(&activity);
    let held = Arc::new(Held::default());
    let shared = Arc::clone(&held);
    let thread = std::thread::spawn(move || {
        runtime.block_on(serve(listener, handler, limits, stopped, heard, shared));
    });
    Ok(Server {
        addr: bound,
        stop,
        thread: Some(thread),
        activity,
        held,
    })
}

async fn serve(
    listener: std::net::TcpListener,
    handler: Arc<Handler>,
    limits: Limits,
    mut stopped: watch::Receiver<bool>,
    activity: Arc<Activity>,
    held: Arc<Held>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let cap = limits.max_connections.max(1);
    let slots = Arc::new(Semaphore::new(cap));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        // A slot first. With every slot taken, the oldest connection not in the middle of a
        // request makes room; if every one is, new connections wait in the backlog.
        let slot = match Arc::clone(&slots).try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                held.close_oldest_idle();
                tokio::select! {
                    slot = Arc::clone(&slots).acquire_owned() => match slot {
                        Ok(slot) => slot,
                        Err(_) => break,
                    },
                    _ = stopped.changed() => break,
                }
            }
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors and the like: back off briefly.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            _ = stopped.changed() => break,
        };
        activity.touch();
        let _ = stream.set_nodelay(true);
        let mut timed = TimeoutStream::new(stream);
        timed.set_read_timeout(Some(limits.idle_timeout));
        timed.set_write_timeout(Some(limits.write_timeout));
        let io = TokioIo::new(Box::pin(timed));
        let handler = Arc::clone(&handler);
        let heard = Arc::clone(&activity);
        let (id, holding) = held.add();
        let busy = Arc::clone(&holding.busy);
        let service = service_fn(move |request| {
            heard.touch();
            let busy = Arc::clone(&busy);
            busy.store(true, std::sync::atomic::Ordering::Relaxed);
            let answered = answer(request, Arc::clone(&handler), limits);
            async move {
                let response = answered.await;
                busy.store(false, std::sync::atomic::Ordering::Relaxed);
                response
            }
        });
        let used = cap.saturating_sub(slots.available_permits());
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(head_timeout(limits.header_timeout, used, cap))
            .max_buf_size(limits.max_head.max(8192))
            .keep_alive(true)
            .serve_connection(io, service);
        let connection = graceful.watch(connection);
        let held = Arc::clone(&held);
        tokio::spawn(async move {
            tokio::select! {
                _ = connection => {}
                _ = holding.close.notified() => {}
            }
            held.remove(id);
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(limits.drain_timeout) => {}
    }
}

fn error(status: u16, message: &str) -> Response {
    Response::json(
        status,
        &serde_json::json!({"error": {"type": "invalid_request_error", "message": message}}),
    )
}

async fn answer(
    request: hyper::Request<Incoming>,
    handler: Arc<Handler>,
    limits: Limits,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    // A declared length over the limit is refused before any of the body is read.
    let declared = hyper::body::Body::size_hint(&body).exact();
    if declared.is_some_and(|n| n > limits.max_body as u64) {
        return Ok(into_hyper(error(413, "The request body is too large.")));
    }
    // A request that declares no body (most GETs) needs no read and no timer.
    let collected = if hyper::body::Body::is_end_stream(&body) {
        Ok(Ok(Bytes::new()))
    } else {
        tokio::time::timeout(
            limits.body_timeout,
            Limited::new(body, limits.max_body).collect(),
        )
        .await
        .map(|read| read.map(http_body_util::Collected::to_bytes))
    };
    let body = match collected {
        Err(_) => {
            return Ok(into_hyper(error(
                408,
                "The request body did not arrive in time.",
            )))
        }
        Ok(Ok(bytes)) => bytes,
        Ok(Err(err)) => {
            let too_large = err
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            return Ok(into_hyper(if too_large {
                error(413, "The request body is too large.")
            } else {
                error(400, "The request body could not be read.")
            }));
        }
    };
    let url = match parts.uri.path_and_query() {
        Some(pq) if parts.uri.scheme().is_none() => pq.as_str().to_owned(),
        _ => parts.uri.to_string(),
    };
    let request = Request {
        method: parts.method.as_str().to_owned(),
        url,
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    };
    let failed = || {
        Response::json(
            500,
            &serde_json::json!({"error": {"type": "api_error", "message": "The server failed to answer this request."}}),
        )
    };
    let response = if limits.blocking {
        tokio::task::spawn_blocking(move || handler(request))
            .await
            .unwrap_or_else(|_| failed())
    } else {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(request)))
            .unwrap_or_else(|_| failed())
    };
    Ok(into_hyper(response))
}

fn into_hyper(response: Response) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        if [
            "content-length",
            "connection",
            "transfer-encoding",
            "keep-alive",
        ]
        .iter()
        .any(|skip| name.eq_ignore_ascii_case(skip))
        {
            continue;
        }
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder
        .body(Full::new(response.body.clone()))
        .unwrap_or_else(|_| {
            // A header the recording holds that HTTP cannot carry: answer without headers.
            let mut plain = hyper::Response::new(Full::new(response.body));
            *plain.status_mut() =
                hyper::StatusCode::from_u16(response.status).unwrap_or(hyper::StatusCode::OK);
            plain
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn ok_handler() -> Arc<Handler> {
        Arc::new(|_: Request| Response::json(200, &serde_json::json!({})))
    }

    #[test]
    fn a_declared_length_over_the_limit_is_refused_at_once() {
        let server = listen("127.0.0.1:0", ok_handler()).unwrap();
        let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let started = std::time::Instant::now();
        stream
            .write_all(
                b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Length: 17000000\r\n\r\n",
            )
            .unwrap();
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"HTTP/1.1 413");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        server.shutdown();
    }

    #[test]
    fn an_idle_keep_alive_connection_closes_after_the_header_timeout() {
        let limits = Limits {
            header_timeout: Duration::from_millis(300),
            ..Limits::default()
        };
        let server = listen_with("127.0.0.1:0", ok_handler(), limits).unwrap();
        let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
            .write_all(b"GET /v1/customers HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let started = std::time::Instant::now();
        let mut all = Vec::new();
        // The answer, then the end of the stream once the connection sat idle.
        let _ = stream.read_to_end(&mut all);
        let waited = started.elapsed();
        assert!(
            all.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&all)
        );
        assert!(
            waited >= Duration::from_millis(250) && waited < Duration::from_secs(3),
            "{waited:?}"
        );
        assert!(server.idle_for() >= Duration::from_millis(250));
        server.shutdown();
    }

    #[test]
    fn a_panicking_handler_answers_500_and_the_server_goes_on() {
        for blocking in [true, false] {
            let limits = Limits {
                blocking,
                ..Limits::default()
            };
            let handler: Arc<Handler> = Arc::new(|request: Request| {
                if request.url == "/panic" {
                    panic!("handler failure");
                }
                Response::json(200, &serde_json::json!({}))
            });
            let server = listen_with("127.0.0.1:0", handler, limits).unwrap();
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into();
            let url = format!("http://{}", server.addr);
            let status = |path: &str| {
                agent
                    .get(format!("{url}{path}"))
                    .call()
                    .unwrap()
                    .status()
                    .as_u16()
            };
            assert_eq!(status("/panic"), 500, "blocking: {blocking}");
            assert_eq!(status("/ok"), 200, "blocking: {blocking}");
            server.shutdown();
        }
    }
}
