//! `conform record` against hostile and broken upstreams: secrets in every channel never reach
//! the case file, stdout or stderr; a broken exchange writes no file and fails the command.

use std::io::{Read, Write};
use std::path::Path;

use serde_json::json;

use crate::serve::Process;
use crate::support::{Reply, Scratch, TestServer};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Everything under `dir` as one string.
fn tree(dir: &Path) -> String {
    let mut all = String::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            all.push_str(&String::from_utf8_lossy(
                &std::fs::read(entry.path()).unwrap(),
            ));
        }
    }
    all
}

fn record(project: &Scratch, upstream: &str, requests: usize) -> Process {
    let out = project.path().join("cases/recorded/flow.json");
    Process::start(
        project.path(),
        &[
            "record",
            "--upstream",
            upstream,
            "--out",
            &out.to_string_lossy(),
            "--port",
            "0",
            "--max-requests",
            &requests.to_string(),
        ],
    )
}

#[test]
fn secrets_in_every_channel_never_reach_the_output() {
    let live = concat!("sk_", "live_", "Zx81Qw");
    let secret = "cs_test_a1_secret_Hh77";
    let upstream = TestServer::start(move |_| {
        Reply::json(
            200,
            json!({"id": "cus_Up1Stream2Aa", "object": "customer",
                   "client_secret": secret, "items": [{"client_secret": {"n": 7}}],
                   "note": format!("key {live}")}),
        )
    });
    let with_credentials = upstream
        .url
        .replace("http://", "http://operator:Pa55w0rdX@");
    let project = Scratch::new("record-secrets");
    let proxy = record(&project, &with_credentials, 3);
    let a = agent();
    let encoded = live.replace('_', "%5F");
    let _ = a
        .post(&format!(
            "{}/v1/customers/{live}?key={encoded}&{live}=1",
            proxy.url
        ))
        .header("Authorization", &format!("Bearer {live}"))
        .header("Idempotency-Key", live)
        .header("X-Other", live)
        .send_form([
            (live, "1"),
            ("items[0][client_secret]", "9"),
            ("email", "a@b.c"),
        ])
        .unwrap();
    let _ = a
        .post(&format!("{}/v1/checkout/sessions", proxy.url))
        .header("Authorization", &format!("Bearer {live}"))
        .content_type("application/json")
        .send(json!({live: {"client_secret": [secret]}, "nested": [[{"k": live}]]}).to_string())
        .unwrap();
    let _ = a
        .get(&format!("{}/v1/customers?q={encoded}", proxy.url))
        .header("Authorization", &format!("Bearer {live}"))
        .call()
        .unwrap();
    let (code, stderr) = proxy.terminate_after_exit();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("wrote "),
        "stdout is part of what is checked: {stderr}"
    );
    let written = tree(project.path());
    assert!(
        written.contains("\"source\": \"recorded\""),
        "a case was written"
    );
    let everything = format!("{written}\n{stderr}");
    for needle in ["Zx81Qw", "Hh77", "Pa55w0rdX", "\"n\": 7"] {
        assert!(
            !everything.contains(needle),
            "{needle} leaked:\n{everything}"
        );
    }
}

/// An upstream that announces a body longer than what it sends, then closes.
fn truncating_upstream() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        // Bounded: answers at most four connections.
        for stream in listener.incoming().take(4).flatten() {
            let mut stream = stream;
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\": \"cus_",
            );
        }
    });
    format!("http://{address}")
}

#[test]
fn a_truncated_upstream_body_fails_the_command_and_writes_nothing() {
    let project = Scratch::new("record-truncated");
    let proxy = record(&project, &truncating_upstream(), 1);
    let _ = agent()
        .get(&format!("{}/v1/customers/cus_X", proxy.url))
        .call();
    let (code, stderr) = proxy.terminate_after_exit();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("could not be recorded"), "{stderr}");
    assert!(!project.path().join("cases/recorded/flow.json").exists());
    assert!(
        !tree(project.path()).contains("cus_"),
        "no half-written case"
    );
}

#[test]
fn a_request_target_that_is_not_a_path_is_not_forwarded() {
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = std::sync::Arc::clone(&hits);
    let upstream = TestServer::start(move |_| {
        seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Reply::json(200, json!({}))
    });
    let project = Scratch::new("record-authority");
    let proxy = record(&project, &upstream.url, 1);
    let address = proxy.url.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    stream
        .write_all(
            b"GET @127.0.0.1:9/v1/customers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let (code, _) = proxy.terminate();
    assert!(code.is_some(), "the proxy stops on SIGTERM");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert!(!project.path().join("cases/recorded/flow.json").exists());
}

#[test]
fn an_unreachable_upstream_fails_the_command_and_writes_nothing() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let project = Scratch::new("record-down");
    let proxy = record(&project, &format!("http://127.0.0.1:{port}"), 1);
    let response = agent()
        .get(&format!("{}/v1/customers", proxy.url))
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 502);
    let (code, stderr) = proxy.terminate_after_exit();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("could not be reached"), "{stderr}");
    assert!(!project.path().join("cases/recorded/flow.json").exists());
}

#[test]
fn a_stalled_upstream_fails_the_command_and_writes_nothing() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        // Accepts, reads, and never answers (bounded: one connection, 10 s).
        if let Some(Ok(mut stream)) = listener.incoming().next() {
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            std::thread::sleep(std::time::Duration::from_secs(10));
        }
    });
    let project = Scratch::new("record-stalled");
    let out = project.path().join("cases/recorded/flow.json");
    let proxy = Process::start(
        project.path(),
        &[
            "record",
            "--upstream",
            &upstream,
            "--out",
            &out.to_string_lossy(),
            "--port",
            "0",
            "--max-requests",
            "1",
            "--timeout",
            "1",
        ],
    );
    let _ = agent().get(&format!("{}/v1/customers", proxy.url)).call();
    let (code, stderr) = proxy.terminate_after_exit();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn a_deeply_nested_form_through_the_proxy_is_answered_but_not_recorded() {
    let upstream = TestServer::start(|_| Reply::json(200, json!({"id": "cus_Up1Stream2Aa"})));
    let project = Scratch::new("record-deep");
    let proxy = record(&project, &upstream.url, 1);
    let deep = format!("a{}=1", "[b]".repeat(2_800));
    let response = agent()
        .post(&format!("{}/v1/customers", proxy.url))
        .content_type("application/x-www-form-urlencoded")
        .send(deep.as_str())
        .unwrap();
    // Forwarded and answered, but not recorded: the form would be stored incomplete.
    assert_eq!(response.status().as_u16(), 200);
    let (code, stderr) = proxy.terminate_after_exit();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("overflow"), "{stderr}");
    assert!(stderr.contains("over the form limits"), "{stderr}");
    assert!(!project.path().join("cases/recorded/flow.json").exists());
}
