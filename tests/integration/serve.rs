//! `conform serve` and `conform record` as processes on 127.0.0.1 with real sockets.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{stdout, Scratch};

/// A `conform` child process killed on drop; `url` is what its first stdout line announced.
pub struct Process {
    child: Child,
    pub url: String,
    /// The first line the process printed (it announced `url`).
    pub first_line: String,
    /// Kept open so the child can go on writing to stdout.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Process {
    pub fn start(dir: &Path, args: &[&str]) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_conform"))
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        reader.read_line(&mut line).unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        Process {
            child,
            url,
            first_line: line,
            _stdout: reader,
        }
    }

    /// Sends SIGTERM and waits (at most 10 s) for a clean exit; returns the exit code and stderr.
    pub fn terminate(mut self) -> (Option<i32>, String) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = self.child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                return (status.code(), err);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        (None, String::new())
    }

    /// Waits (at most 20 s) for the process to exit by itself; returns the code, and stderr
    /// followed by everything it printed on stdout.
    pub fn terminate_after_exit(mut self) -> (Option<i32>, String) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = self.child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                err.push_str(&self.first_line);
                let _ = std::io::Read::read_to_string(&mut self._stdout, &mut err);
                return (status.code(), err);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        (None, String::new())
    }

    /// Waits (at most 20 s) for the process to exit by itself.
    pub fn wait(mut self) -> Option<i32> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn conform_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CONFORM_TARGET")
        .output()
        .unwrap()
}

#[test]
fn the_whole_corpus_passes_against_the_replayer() {
    let server = Process::start(root(), &["serve", "--port", "0"]);
    let out = conform_in(
        root(),
        &["run", "--quiet", "--jobs", "8", "--target", &server.url],
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let in_process = stdout(&conform_in(root(), &["run", "--quiet"]));
    // Over HTTP, the cases only the built-in target answers are skipped.
    let count = |line: Option<&str>, word: &str| -> usize {
        line.unwrap_or("")
            .split(", ")
            .find_map(|part| part.strip_suffix(word))
            .map_or(0, |n| n.trim().parse().unwrap())
    };
    let (served, local) = (text.lines().last(), in_process.lines().last());
    assert_eq!(count(served, " failed"), 0, "{text}");
    assert_eq!(
        count(served, " passed") + count(served, " skipped"),
        count(local, " passed"),
        "{served:?} {local:?}"
    );
    assert!(count(local, " passed") > 100, "{local:?}");
    let (code, _) = server.terminate();
    assert_eq!(code, Some(0), "clean exit on SIGTERM");
}

fn get(url: &str, key: Option<&str>) -> (u16, serde_json::Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent.get(url);
    if let Some(key) = key {
        request = request.header("Authorization", &format!("Bearer {key}"));
    }
    let mut response = request.call().unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

const CASE: &str = r#"{"steps": [
  {"request": {"method": "POST", "path": "/v1/customers", "form": {"email": "rec@example.com"}},
   "response": {"status": 200, "headers": {"content-type": "application/json"},
     "body": {"id": "cus_Rec0rd1Ng2Aa", "object": "customer", "email": "rec@example.com", "balance": 0, "created": 1763700000, "livemode": false, "metadata": {}}}},
  {"request": {"method": "GET", "path": "/v1/customers/cus_Rec0rd1Ng2Aa"},
   "response": {"status": 200, "headers": {"content-type": "application/json"},
     "body": {"id": "cus_Rec0rd1Ng2Aa", "object": "customer", "email": "rec@example.com", "balance": 0, "created": 1763700000, "livemode": false, "metadata": {}}}}
]}"#;

#[test]
fn concurrent_clients_near_misses_keys_and_broken_cases() {
    let scratch = Scratch::new("serve");
    scratch.write("cases/customers/flow.json", CASE);
    scratch.write("cases/customers/broken.json", "{\"steps\": [");
    let server = Process::start(scratch.path(), &["serve", "--port", "0"]);
    let key = concat!("sk_", "test_", "conform");
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let url = format!("{}/v1/customers/cus_Rec0rd1Ng2Aa", server.url);
            std::thread::spawn(move || {
                (0..20)
                    .map(|_| get(&url, Some(key)).0)
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    for t in threads {
        assert!(t.join().unwrap().iter().all(|&s| s == 200));
    }
    let (status, body) = get(
        &format!("{}/v1/customers/cus_Other1Cust2X", server.url),
        Some(key),
    );
    assert_eq!(status, 404);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("customers/flow"), "{message}");
    let (status, body) = get(
        &format!("{}/v1/customers/cus_Rec0rd1Ng2Aa", server.url),
        None,
    );
    assert_eq!(status, 401);
    assert_eq!(body["error"]["type"], "invalid_request_error");
    let (status, body) = get(&format!("{}/__conform/cases", server.url), None);
    assert_eq!(status, 200);
    assert_eq!(body["count"], 1);
    let (code, stderr) = server.terminate();
    assert_eq!(code, Some(0));
    assert!(stderr.contains("broken.json"), "{stderr}");
    assert!(!stderr.contains(key));
}

#[test]
fn a_recorded_flow_replays_against_its_upstream() {
    let upstream_dir = Scratch::new("record-upstream");
    upstream_dir.write("cases/customers/flow.json", CASE);
    let upstream = Process::start(upstream_dir.path(), &["serve", "--port", "0"]);
    let project = Scratch::new("record-project");
    let out = project.path().join("cases/recorded/flow.json");
    let out_arg = out.to_string_lossy().into_owned();
    let proxy = Process::start(
        project.path(),
        &[
            "record",
            "--upstream",
            &upstream.url,
            "--out",
            &out_arg,
            "--port",
            "0",
            "--max-requests",
            "2",
        ],
    );
    let key = concat!("sk_", "test_", "SecretRecorded1");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let created = agent
        .post(&format!("{}/v1/customers", proxy.url))
        .header("Authorization", &format!("Bearer {key}"))
        .send_form([("email", "rec@example.com")])
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    assert_eq!(
        created["id"], "cus_Rec0rd1Ng2Aa",
        "the proxy answers unchanged"
    );
    let (status, _) = get(
        &format!("{}/v1/customers/cus_Rec0rd1Ng2Aa", proxy.url),
        Some(key),
    );
    assert_eq!(status, 200);
    assert_eq!(proxy.wait(), Some(0));
    let recorded = std::fs::read_to_string(&out).unwrap();
    assert!(!recorded.contains("SecretRecorded1"), "{recorded}");
    assert!(recorded.contains("\"source\": \"recorded\""));
    // Recording again refuses to overwrite.
    let again = conform_in(
        project.path(),
        &[
            "record",
            "--upstream",
            &upstream.url,
            "--out",
            &out_arg,
            "--port",
            "0",
        ],
    );
    assert_eq!(again.status.code(), Some(2));
    // Bless it and replay it against the upstream it came from.
    assert!(conform_in(project.path(), &["bless"]).status.success());
    let run = conform_in(project.path(), &["run", "--target", &upstream.url]);
    assert_eq!(run.status.code(), Some(0), "{}", stdout(&run));
}

/// Sends raw bytes and returns the status line of the answer (empty if none within 15 s).
fn raw(url: &str, bytes: &[u8]) -> String {
    use std::io::{Read, Write};
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let _ = stream.write_all(bytes);
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    // Bounded by the read timeout and by the size of a status line.
    while answer.len() < 64 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}

#[test]
fn hostile_requests_get_errors_and_the_replayer_keeps_answering() {
    let scratch = Scratch::new("hostile");
    scratch.write("cases/customers/flow.json", CASE);
    let server = Process::start(scratch.path(), &["serve", "--port", "0"]);
    let deep = format!("a{}=1", "[b]".repeat(2_800));
    let form = format!(
        "POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_test_x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{deep}",
        deep.len()
    );
    assert!(
        raw(&server.url, form.as_bytes()).contains(" 400"),
        "deep form"
    );
    // 64 clients announce an endless chunk and stall; meanwhile others are served, and each
    // stalled one is answered once the body timeout is over: never a crash, never a lost slot.
    let chunked = "POST /v1/customers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nab\r\n";
    let stalled: Vec<_> = (0..64)
        .map(|_| {
            let url = server.url.clone();
            std::thread::spawn(move || raw(&url, chunked.as_bytes()))
        })
        .collect();
    // 16 clients pipeline requests for a large answer and never read what comes back.
    let deaf: Vec<_> = (0..16)
        .map(|_| {
            let address = server.url.trim_start_matches("http://").to_owned();
            std::thread::spawn(move || {
                use std::io::Write;
                let mut stream = std::net::TcpStream::connect(address).unwrap();
                let batch = "GET /__conform/cases HTTP/1.1\r\nHost: x\r\n\r\n".repeat(200);
                let _ = stream.write_all(batch.as_bytes());
                std::thread::sleep(Duration::from_secs(2));
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let (status, _) = get(
        &format!("{}/v1/customers/cus_Rec0rd1Ng2Aa", server.url),
        Some("sk_test_x"),
    );
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "answered while others stall"
    );
    for client in deaf {
        client.join().unwrap();
    }
    for client in stalled {
        let status = client.join().unwrap();
        assert!(
            status.contains(" 408") || status.contains(" 400"),
            "huge chunk size: {status:?}"
        );
    }
    let long_line = format!(
        "GET /v1/customers HTTP/1.1\r\nX-Long: {}\r\n\r\n",
        "a".repeat(1 << 20)
    );
    assert!(
        raw(&server.url, long_line.as_bytes()).contains(" 431"),
        "long header line"
    );
    // A malformed request line is refused.
    assert!(raw(&server.url, b"NOT HTTP AT ALL\r\n\r\n").contains(" 400"));
    // Clients that send part of a head and stall are closed by the header timeout, and 300
    // connections (more than the slots) opened and dropped free their slots at once.
    let slow: Vec<_> = (0..32)
        .map(|_| {
            let url = server.url.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let _ = raw(&url, b"GET /v1/customers HTTP/1.1\r\nHost:");
                started.elapsed()
            })
        })
        .collect();
    let address = server.url.trim_start_matches("http://").to_owned();
    let crowd: Vec<_> = (0..300)
        .filter_map(|_| std::net::TcpStream::connect(&address).ok())
        .collect();
    drop(crowd);
    for client in slow {
        assert!(
            client.join().unwrap() < Duration::from_secs(14),
            "a stalled head is closed"
        );
    }
    // Afterwards a normal request is answered.
    let started = Instant::now();
    let (status, body) = get(
        &format!("{}/v1/customers/cus_Rec0rd1Ng2Aa", server.url),
        Some("sk_test_x"),
    );
    assert_eq!(status, 200, "{body}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn head_gets_no_body_and_expect_continue_is_answered() {
    use std::io::{Read, Write};
    let scratch = Scratch::new("head-expect");
    scratch.write("cases/customers/flow.json", CASE);
    let server = Process::start(scratch.path(), &["serve", "--port", "0"]);
    let address = server.url.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"HEAD /v1/customers/cus_Rec0rd1Ng2Aa HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_test_x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(body.is_empty(), "HEAD has no body: {body:?}");

    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let body = "email=rec%40example.com";
    stream
        .write_all(format!("POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_test_x\r\nContent-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes())
        .unwrap();
    let mut first = [0u8; 25];
    stream.read_exact(&mut first).unwrap();
    assert!(String::from_utf8_lossy(&first).starts_with("HTTP/1.1 100 Continue"));
    stream.write_all(body.as_bytes()).unwrap();
    let mut rest = [0u8; 64];
    let n = stream.read(&mut rest).unwrap();
    let text = String::from_utf8_lossy(&rest[..n]).into_owned();
    assert!(text.contains("HTTP/1.1 200"), "{text}");
}

/// A listener in this process answering every request with `{}`.
fn plain_server(limits: conform::listener::Limits) -> conform::listener::Server {
    let handler: std::sync::Arc<conform::listener::Handler> =
        std::sync::Arc::new(|_| conform::listener::Response::json(200, &serde_json::json!({})));
    conform::listener::listen_with("127.0.0.1:0", handler, limits).unwrap()
}

/// Opens `n` connections to `addr`, each sending `bytes` and then nothing more.
fn hold(addr: std::net::SocketAddr, n: usize, bytes: &[u8]) -> Vec<std::net::TcpStream> {
    (0..n)
        .map(|_| {
            let mut stream = std::net::TcpStream::connect(addr).unwrap();
            std::io::Write::write_all(&mut stream, bytes).unwrap();
            stream
        })
        .collect()
}

/// A normal request during the flood, and how long its answer took.
fn normal_request(addr: std::net::SocketAddr) -> (u16, Duration) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let started = Instant::now();
    let status = agent
        .get(format!("http://{addr}/v1/customers"))
        .call()
        .map_or(0, |r| r.status().as_u16());
    (status, started.elapsed())
}

/// Waits (at most 10 s) until `server` holds no connection.
fn drained(server: &conform::listener::Server) -> usize {
    let started = Instant::now();
    while server.connections() > 0 && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    server.connections()
}

const HALF_HEAD: &[u8] = b"GET /v1/customers HTTP/1.1\r\nHost: x\r\nX-Slow: ";
const STALLED_CHUNKS: &[u8] =
    b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab";

#[test]
fn a_flood_of_slow_clients_locks_no_one_out() {
    let files = conform::listener::raise_file_limit();
    assert!(
        files >= 6_000,
        "the flood needs about 5,300 open files; the hard limit here is {files}"
    );
    // Timeouts long enough that no flooding connection ends on its own during the test.
    let server = plain_server(conform::listener::Limits {
        header_timeout: Duration::from_secs(60),
        body_timeout: Duration::from_secs(60),
        ..conform::listener::Limits::default()
    });
    let opened = Instant::now();
    let mut flood = hold(server.addr, 2_000, HALF_HEAD);
    flood.extend(hold(server.addr, 600, STALLED_CHUNKS));
    eprintln!(
        "flood opened in {:?}, {} held",
        opened.elapsed(),
        server.connections()
    );
    // The whole flood held by the server (bounded wait), then a normal request.
    let started = Instant::now();
    while server.connections() < 2_600 && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!(
        "{} held after {:?}",
        server.connections(),
        started.elapsed()
    );
    assert!(server.connections() >= 2_600, "{}", server.connections());
    let (status, took) = normal_request(server.addr);
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(1), "{took:?}");
    drop(flood);
    assert_eq!(
        drained(&server),
        0,
        "every slot is free once the clients are gone"
    );
    server.shutdown();
}

#[test]
fn with_every_slot_taken_the_oldest_idle_connection_makes_room() {
    let limits = conform::listener::Limits {
        max_connections: 200,
        ..conform::listener::Limits::default()
    };
    let server = plain_server(limits);
    let flood = hold(server.addr, 1_000, HALF_HEAD);
    let (status, took) = normal_request(server.addr);
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert!(server.connections() <= 200);
    drop(flood);
    assert_eq!(drained(&server), 0);
    server.shutdown();
}
