//! `conform run` options: determinism across thread counts, known-failure lists, output formats
//! and report files, fail-fast.

use serde_json::Value;

use crate::support::{stderr, stdout, Scratch};

/// Twelve passing cases and three whose golden file disagrees with the recording.
fn project(name: &str) -> Scratch {
    let scratch = Scratch::new(name);
    for i in 0..15 {
        let case = format!(
            r#"{{"tags": ["products"], "request": {{"method": "GET", "path": "/v1/products/prod_Aa1Bb2Cc{i:02}"}},
              "response": {{"status": 200, "body": {{"id": "prod_Aa1Bb2Cc{i:02}", "object": "product", "active": true}}}}}}"#
        );
        scratch.write(&format!("cases/products/p{i:02}.json"), &case);
    }
    assert!(scratch.conform(&["bless"]).status.success());
    for i in [3, 7, 11] {
        let path = format!("golden/products/p{i:02}.json");
        let text = scratch
            .read(&path)
            .replace("\"active\": true", "\"active\": false");
        scratch.write(&path, &text);
    }
    scratch
}

#[test]
fn output_is_the_same_whatever_the_thread_count() {
    let scratch = project("determinism");
    let one = stdout(&scratch.conform(&["run", "--jobs", "1"]));
    let many = stdout(&scratch.conform(&["run", "--jobs", "8"]));
    assert_eq!(one, many);
    assert!(one.ends_with("12 passed, 3 failed\n"), "{one}");
}

#[test]
fn known_failures_pass_the_run_and_fixed_ones_are_reported() {
    let scratch = project("expect");
    scratch.write(
        "expect.txt",
        "# known\nproducts/p03  # active flag\nproducts/p07\nproducts/p11\n",
    );
    let out = scratch.conform(&["run", "--expect", "expect.txt"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).ends_with("12 passed, 0 failed, 3 expected failures\n"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("xfail products/p03 (changed): active flag"),
        "{}",
        stdout(&out)
    );

    // A listed case that passes fails the run, and --update-expect shrinks the list.
    scratch.write(
        "expect.txt",
        "products/p03\nproducts/p07\nproducts/p11\nproducts/p01\n",
    );
    let out = scratch.conform(&["run", "--expect", "expect.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("XPASS products/p01"),
        "{}",
        stdout(&out)
    );
    let out = scratch.conform(&["run", "--expect", "expect.txt", "--update-expect"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list = scratch.read("expect.txt");
    assert!(!list.contains("products/p01"), "{list}");
    assert!(list.contains("products/p07"), "{list}");

    // A new failure is not covered by the list.
    scratch.write("expect.txt", "products/p03\nproducts/p07\n");
    assert_eq!(
        scratch
            .conform(&["run", "--expect", "expect.txt"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn json_lines_and_json_report_agree_with_the_summary() {
    let scratch = project("json");
    let out = scratch.conform(&[
        "run",
        "--format",
        "json",
        "--report",
        "json=out/report.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 15);
    assert_eq!(lines.iter().filter(|l| l["verdict"] == "failed").count(), 3);
    let report: Value = serde_json::from_str(&scratch.read("out/report.json")).unwrap();
    assert_eq!(report["summary"]["passed"], 12);
    assert_eq!(report["summary"]["failed"], 3);
    assert_eq!(report["summary"]["classes"]["changed"], 3);
    let failing = &report["cases"][3];
    assert_eq!(failing["name"], "products/p03");
    assert_eq!(
        failing["steps"][0]["failures"][0]["pointer"],
        "/body/active"
    );
}

#[test]
fn libtest_format_and_fail_fast() {
    let scratch = project("libtest");
    let out = stdout(&scratch.conform(&["run", "--format", "libtest", "--jobs", "1"]));
    assert!(out.contains("test products/p03 ... FAILED"), "{out}");
    assert!(out.contains("test products/p04 ... ok"), "{out}");
    let out = stdout(&scratch.conform(&["run", "--fail-fast", "--jobs", "1"]));
    assert!(out.contains("skip products/p14"), "{out}");
    assert!(out.contains("skipped"), "{out}");
}
