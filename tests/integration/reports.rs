//! Report files: JUnit XML parses and counts right, the JSON report follows its published
//! schema, the HTML page escapes what it shows, and the matrix renders in headless Chromium with
//! totals equal to the JSON reports'.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{stdout, Reply, Scratch, TestServer};

/// Six product cases; the in-test server below answers two of them differently.
fn project(name: &str) -> Scratch {
    let scratch = Scratch::new(name);
    for i in 0..6 {
        scratch.write(
            &format!("cases/products/p{i}.json"),
            &format!(
                r#"{{"request": {{"method": "GET", "path": "/v1/products/prod_Aa1Bb2Cc3D{i}"}},
                   "response": {{"status": 200, "body": {{"id": "prod_Aa1Bb2Cc3D{i}", "object": "product", "name": "<tee> & \"mug\" {i}"}}}}}}"#
            ),
        );
    }
    assert!(scratch.conform(&["bless"]).status.success());
    scratch
}

fn server() -> TestServer {
    TestServer::start(|req| {
        let id = req.path.rsplit('/').next().unwrap_or("").to_owned();
        let n: u32 = id.chars().last().and_then(|c| c.to_digit(10)).unwrap_or(0);
        let name = if n < 2 {
            "changed".to_owned()
        } else {
            format!("<tee> & \"mug\" {n}")
        };
        Reply::json(200, json!({"id": id, "object": "product", "name": name}))
    })
}

/// A project whose run against the test server wrote JUnit, JSON and HTML reports under `out/`
/// (two of its six cases fail).
pub(crate) fn reported(name: &str) -> Scratch {
    let scratch = project(name);
    let server = server();
    let out = scratch.conform(&[
        "run",
        "--target",
        &server.url,
        "--report",
        "junit=out/junit.xml",
        "--report",
        "json=out/report.json",
        "--report",
        "html=out/report.html",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    scratch
}

#[test]
fn junit_json_and_html_reports() {
    let scratch = reported("reports");

    let xml = scratch.read("out/junit.xml");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.attribute("tests"), Some("6"));
    assert_eq!(root.attribute("failures"), Some("2"));
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0].attribute("type"), Some("changed"));
    assert!(failures[0].text().unwrap().contains("/body/name"));
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase"))
        .unwrap();
    assert_eq!(case.attribute("classname"), Some("products"));

    let report: Value = serde_json::from_str(&scratch.read("out/report.json")).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report["summary"]["failed"], 2);

    let html = scratch.read("out/report.html");
    assert!(html.contains("&lt;tee&gt; &amp;"), "escaped values");
    assert!(!html.contains("<tee>"));
    assert!(html.contains("id=\"filter\""));
    assert!(
        !html.contains("<script src") && !html.contains("<link"),
        "self-contained"
    );
}

/// The HTML report in a browser: no console errors, the counts and the fragment's filter apply.
/// Run by `tests/runtimes` when chromium is installed.
#[allow(dead_code)]
pub(crate) fn html_report_loads_cleanly_in_a_browser() {
    let scratch = reported("reports-browser");
    let page = format!(
        "{}#products/p1",
        scratch.path().join("out/report.html").display()
    );
    let (dom, log) = chromium_dom_url(&page, &scratch.path().join("profile-report"));
    assert!(
        !log.contains(":CONSOLE") && !log.contains("Uncaught"),
        "console output: {log}"
    );
    assert!(
        dom.contains("id=\"passed\">4<") && dom.contains("id=\"failed\">2<"),
        "{dom}"
    );
    assert!(
        dom.contains("<span id=\"shown\">1</span>"),
        "the filter from the fragment applies: {dom}"
    );
    assert_eq!(dom.matches("class=\"case hidden\"").count(), 5, "{dom}");
}

#[allow(dead_code)]
fn chromium_dom(page: &Path, profile: &Path) -> (String, String) {
    chromium_dom_url(&page.display().to_string(), profile)
}

#[allow(dead_code)]
fn chromium_dom_url(page: &str, profile: &Path) -> (String, String) {
    let mut child = Command::new("/usr/bin/chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{page}"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A project holding two JSON reports (built-in target, test server) and the matrix of both
/// (`matrix.html`, `matrix.json`).
pub(crate) fn matrix_of(name: &str) -> Scratch {
    let scratch = project(name);
    let server = server();
    assert_eq!(
        scratch
            .conform(&["run", "--report", "json=builtin.json"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        scratch
            .conform(&["run", "--target", &server.url, "--report", "json=fake.json"])
            .status
            .code(),
        Some(1)
    );
    let out = scratch.conform(&[
        "matrix",
        "--report",
        "builtin=builtin.json",
        "--report",
        "fake=fake.json",
        "--out",
        "matrix.html",
        "--json",
        "matrix.json",
    ]);
    assert!(out.status.success(), "{}", stdout(&out));
    scratch
}

#[test]
fn the_matrix_totals_are_the_reports_totals() {
    let scratch = matrix_of("matrix");
    let matrix: Value = serde_json::from_str(&scratch.read("matrix.json")).unwrap();
    for (i, file) in ["builtin.json", "fake.json"].iter().enumerate() {
        let report: Value = serde_json::from_str(&scratch.read(file)).unwrap();
        assert_eq!(matrix["totals"][i]["pass"], report["summary"]["passed"]);
        assert_eq!(matrix["totals"][i]["fail"], report["summary"]["failed"]);
    }
}

/// The matrix page in a browser: no console errors, and its script's totals are the embedded
/// ones. Run by `tests/runtimes` when chromium is installed.
#[allow(dead_code)]
pub(crate) fn matrix_page_loads_cleanly_in_a_browser() {
    let scratch = matrix_of("matrix-browser");
    let (dom, log) = chromium_dom(
        &scratch.path().join("matrix.html"),
        &scratch.path().join("profile"),
    );
    assert!(
        !log.contains(":CONSOLE") && !log.contains("Uncaught"),
        "console output: {log}"
    );
    assert!(
        dom.contains("id=\"total-0\" data-expected=\"6/0/0/0/0/0\">6 / 0 / 0 / 0 / 0 / 0<"),
        "{dom}"
    );
    assert!(
        dom.contains("id=\"total-1\" data-expected=\"4/2/0/0/0/0\">4 / 2 / 0 / 0 / 0 / 0<"),
        "{dom}"
    );
}

#[test]
fn github_annotations_put_failures_on_the_case_file_lines() {
    let scratch = project("github");
    let server = server();
    let out = scratch.conform(&[
        "run",
        "--target",
        &server.url,
        "--level",
        "strict",
        "--report",
        "github=-",
        "--format",
        "github",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("::error ")).collect();
    // Printed twice: once for --format, once for --report github=-.
    assert_eq!(errors.len(), 4, "{text}");
    for line in &errors {
        let (props, message) = line["::error ".len()..].split_once("::").unwrap();
        let file = props
            .split(',')
            .find_map(|p| p.strip_prefix("file="))
            .unwrap();
        let line_no: usize = props
            .split(',')
            .find_map(|p| p.strip_prefix("line="))
            .unwrap()
            .parse()
            .unwrap();
        let source = scratch.read(file);
        let at = source.lines().nth(line_no - 1).unwrap();
        assert!(
            at.contains('{') || at.contains("request"),
            "line {line_no} of {file}: {at}"
        );
        assert!(!message.contains('\n'), "{message}");
        assert!(
            message.contains("%0A") || message.contains("value changed"),
            "{message}"
        );
    }
    assert!(
        text.contains("::notice title=conform::4 passed, 2 failed"),
        "{text}"
    );
}
