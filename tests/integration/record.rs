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

#[test]
fn a_truncated_upstream_body_fails_the_command_and_writes_nothing() {
    let project = Scratch::new("record-truncated");
    let proxy = record(&project, &mostly_good_upstream(), 1);
    let _ = agent()
        .get(&format!("{}/v1/customers/broken", proxy.url))
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

/// An upstream answering each request with a customer, except paths holding `broken`, whose
/// body it cuts short. Bounded: at most 16 connections.
fn mostly_good_upstream() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(16).flatten() {
            let mut stream = stream;
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).into_owned();
            let answer = if head.contains("broken") {
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"id\": \"cus_".to_owned()
            } else {
                let body = r#"{"id": "cus_Good1Answer2", "object": "x"}"#;
                format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
            };
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    format!("http://{address}")
}

fn recorded_steps(path: &Path) -> usize {
    let case: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    case["steps"].as_array().unwrap().len()
}

#[test]
fn a_refused_exchange_is_named_and_the_good_ones_are_written() {
    let project = Scratch::new("record-partial");
    let proxy = record(&project, &mostly_good_upstream(), 5);
    let a = agent();
    for path in [
        "/v1/customers/a",
        "/v1/customers/b",
        "/v1/customers/broken",
        "/v1/customers/c",
        "/v1/customers/d",
    ] {
        let _ = a.get(&format!("{}{path}", proxy.url)).call();
    }
    let (code, output) = proxy.terminate_after_exit();
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains("exchange 3 (GET /v1/customers/broken) could not be recorded"),
        "{output}"
    );
    let out = project.path().join("cases/recorded/flow.json");
    assert_eq!(recorded_steps(&out), 4, "{output}");
    assert!(!project
        .path()
        .join("cases/recorded/.flow.record-journal")
        .exists());
}

#[test]
fn a_killed_session_is_recovered_from_its_journal() {
    let project = Scratch::new("record-killed");
    let proxy = record(&project, &mostly_good_upstream(), 50);
    let a = agent();
    for path in ["/v1/customers/a", "/v1/customers/b", "/v1/customers/c"] {
        let answer = a.get(&format!("{}{path}", proxy.url)).call().unwrap();
        assert_eq!(answer.status().as_u16(), 200);
    }
    // SIGKILL: nothing of the process's own runs.
    drop(proxy);
    let out = project.path().join("cases/recorded/flow.json");
    assert!(!out.exists());
    let again = project.conform(&[
        "record",
        "--upstream",
        "http://127.0.0.1:9",
        "--out",
        &out.to_string_lossy(),
        "--port",
        "0",
    ]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "a new session does not start over a journal"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("--recover"));
    let recovered = project.conform(&["record", "--recover", "--out", &out.to_string_lossy()]);
    assert_eq!(
        recovered.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&recovered.stderr)
    );
    assert_eq!(recorded_steps(&out), 3);
    assert!(!project
        .path()
        .join("cases/recorded/.flow.record-journal")
        .exists());
}

#[test]
fn an_idle_timeout_ends_a_session_that_never_gets_a_request() {
    let project = Scratch::new("record-idle");
    let out = project.path().join("cases/recorded/flow.json");
    let started = std::time::Instant::now();
    let proxy = Process::start(
        project.path(),
        &[
            "record",
            "--upstream",
            "http://127.0.0.1:9",
            "--out",
            &out.to_string_lossy(),
            "--port",
            "0",
            "--idle-timeout",
            "2",
        ],
    );
    let code = proxy.wait();
    assert_eq!(code, Some(0));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(!out.exists());
}

#[test]
fn taken_names_and_unwritable_folders_stop_a_session_before_it_forwards() {
    let project = Scratch::new("record-taken");
    project.write("cases/recorded/flow_03.json", "{}");
    let out = project.path().join("cases/recorded/flow.json");
    let split = project.conform(&[
        "record",
        "--upstream",
        "http://127.0.0.1:9",
        "--out",
        &out.to_string_lossy(),
        "--split",
        "--port",
        "0",
    ]);
    assert_eq!(split.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&split.stderr).contains("flow_03.json exists"));
    let blocked = project.path().join("not-a-folder");
    std::fs::write(&blocked, "a file").unwrap();
    let out = blocked.join("flow.json");
    let unwritable = project.conform(&[
        "record",
        "--upstream",
        "http://127.0.0.1:9",
        "--out",
        &out.to_string_lossy(),
        "--port",
        "0",
    ]);
    assert_eq!(unwritable.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unwritable.stderr).contains("not-a-folder"));
}

#[test]
fn secrets_held_inside_text_never_reach_the_output() {
    let values = [
        "QueryHidden1",
        "FormHidden2",
        "JsonHidden3",
        "EscapedHidden4",
    ];
    let upstream = TestServer::start(move |_| {
        Reply::json(
            200,
            json!({"id": "cus_Up1Stream2Aa", "object": "customer",
                   "next": "/v1/customers?client_secret=QueryHidden1&key=x",
                   "form": "nested[client_secret][0]=FormHidden2",
                   "payload": "{\"client_secret\":\"JsonHidden3\"}",
                   "escaped": "{\\\"webhook_secret\\\": \\\"EscapedHidden4\\\"}"}),
        )
    });
    let project = Scratch::new("record-text-secrets");
    let proxy = record(&project, &upstream.url, 2);
    let a = agent();
    let _ = a
        .post(&format!("{}/v1/customers", proxy.url))
        .send_form([
            (
                "return",
                "https://shop.example/back?client_secret=QueryHidden1",
            ),
            ("note", "nested[client_secret][0]=FormHidden2"),
            ("blob", "{\"client_secret\":\"JsonHidden3\"}"),
        ])
        .unwrap();
    let _ = a
        .get(&format!(
            "{}/v1/customers?q={}",
            proxy.url, "%7B%5C%22payment_secret%5C%22%3A%20%5C%22EscapedHidden4%5C%22%7D"
        ))
        .call()
        .unwrap();
    let (code, output) = proxy.terminate_after_exit();
    assert_eq!(code, Some(0), "{output}");
    let everything = format!("{output}{}", tree(project.path()));
    assert!(everything.contains("<redacted>"), "{everything}");
    for value in values {
        assert!(!everything.contains(value), "{value} leaked:\n{everything}");
    }
}
