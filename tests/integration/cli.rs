//! The command line on scratch projects: exit codes, bless and lint, broken inputs.

use crate::support::{stderr, stdout, Scratch};

const GOOD: &str = r#"{"description": "d", "tags": ["products"], "request": {"method": "GET", "path": "/v1/products/prod_Aa1Bb2Cc3Dd"},
  "response": {"status": 200, "body": {"id": "prod_Aa1Bb2Cc3Dd", "object": "product", "created": 1763700000, "updated": 1763700500}}}"#;

#[test]
fn a_malformed_case_fails_alone_with_its_location() {
    let scratch = Scratch::new("malformed");
    scratch.write("cases/products/good.json", GOOD);
    scratch.write(
        "cases/products/bad.json",
        "{\n  \"request\": {\"method\": \"GET\", \"path\": \"/v1/x\"},\n  \"respons\": {}\n}",
    );
    assert!(scratch
        .conform(&["bless", "products/good"])
        .status
        .success());
    let out = scratch.conform(&["run"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("pass products/good"), "{text}");
    assert!(text.contains("FAIL products/bad"), "{text}");
    assert!(text.contains("bad.json:3:"), "{text}");
    assert!(text.contains("respons"), "{text}");
    assert!(text.ends_with("1 passed, 1 failed\n"), "{text}");
}

#[test]
fn bless_writes_golden_files_and_lint_finds_drift() {
    let scratch = Scratch::new("bless");
    scratch.write("cases/products/good.json", GOOD);
    let lint = scratch.conform(&["lint"]);
    assert_eq!(lint.status.code(), Some(1));
    assert!(
        stdout(&lint).contains("no golden file"),
        "{}",
        stdout(&lint)
    );

    let bless = scratch.conform(&["bless"]);
    assert!(stdout(&bless).contains("1 created"), "{}", stdout(&bless));
    let golden = scratch.read("golden/products/good.json");
    assert!(golden.contains("\"id\": \"<prod_1>\""), "{golden}");
    assert!(
        golden.contains("\"updated\": \"<created+500>\""),
        "{golden}"
    );
    assert_eq!(scratch.conform(&["lint"]).status.code(), Some(0));

    // A changed recording makes the golden file stale, and the run fails until re-blessed
    // (elapsed seconds compare by direction only, so the change turns `updated` before `created`).
    scratch.write(
        "cases/products/good.json",
        &GOOD.replace("1763700500", "1763699100"),
    );
    let lint = scratch.conform(&["lint"]);
    assert!(stdout(&lint).contains("stale"), "{}", stdout(&lint));
    assert_eq!(scratch.conform(&["run"]).status.code(), Some(1));
    let bless = scratch.conform(&["bless"]);
    assert!(stdout(&bless).contains("1 updated"), "{}", stdout(&bless));
    assert!(
        stdout(&bless).contains("+        \"updated\": \"<created-900>\""),
        "{}",
        stdout(&bless)
    );
    assert_eq!(scratch.conform(&["run"]).status.code(), Some(0));

    // Golden files without a case are reported.
    scratch.write("golden/products/gone.json", &golden);
    assert!(stdout(&scratch.conform(&["lint"])).contains("without a case"));
}

#[test]
fn usage_errors_exit_2() {
    let scratch = Scratch::new("usage");
    scratch.write("cases/products/good.json", GOOD);
    let out = scratch.conform(&["run", "no_such_case"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no case matches `no_such_case`"));
    assert_eq!(
        scratch
            .conform(&["run", "--target", "ftp://x"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        scratch
            .conform(&["run", "--partition", "3/2"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(scratch.conform(&["frobnicate"]).status.code(), Some(2));
    scratch.write("schemas/product.json", "{ not json");
    let out = scratch.conform(&["run"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("product.json"), "{}", stderr(&out));
}

#[test]
fn partitions_split_the_cases() {
    let scratch = Scratch::new("partition");
    for i in 0..12 {
        scratch.write(
            &format!("cases/products/p{i}.json"),
            &GOOD.replace("prod_Aa1Bb2Cc3Dd", &format!("prod_Aa1Bb2Cc3D{i}")),
        );
    }
    assert!(scratch.conform(&["bless"]).status.success());
    let mut seen = std::collections::BTreeMap::new();
    for k in 1..=3 {
        let out = scratch.conform(&["run", "--partition", &format!("{k}/3")]);
        assert!(out.status.success());
        for line in stdout(&out).lines() {
            if let Some(name) = line.strip_prefix("pass ") {
                *seen.entry(name.to_owned()).or_insert(0) += 1;
            }
        }
    }
    // Disjoint and covering: every case ran in exactly one share.
    assert_eq!(seen.len(), 12, "{seen:?}");
    assert!(seen.values().all(|&n| n == 1), "{seen:?}");
}

#[test]
fn lint_warns_about_requests_the_replayer_cannot_tell_apart() {
    let scratch = Scratch::new("ambiguous");
    scratch.write("cases/products/a.json", GOOD);
    scratch.write(
        "cases/products/b.json",
        &GOOD.replace("1763700500", "1763700600"),
    );
    assert!(scratch.conform(&["bless"]).status.success());
    let out = stdout(&scratch.conform(&["lint"]));
    assert!(
        out.contains("repeats a request of case `products/a`"),
        "{out}"
    );
    // Both read a product no step creates: only the built-in target can answer them.
    assert!(
        out.contains("reads `prod_Aa1Bb2Cc3Dd`, which no earlier step creates"),
        "{out}"
    );
    assert!(out.contains("0 error(s), 3 warning(s)"), "{out}");
    let marked = GOOD.replacen('{', "{\"replay_only\": true, ", 1);
    scratch.write("cases/products/a.json", &marked);
    let out = stdout(&scratch.conform(&["lint"]));
    assert!(out.contains("0 error(s), 2 warning(s)"), "{out}");
}

/// Runs `conform ARGS` in `dir` with its stdout closed after the first bytes (`| head -c 8`).
fn with_stdout_cut(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 8];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_stdout_ends_every_subcommand_quietly() {
    let scratch = Scratch::new("pipe");
    for i in 0..400 {
        scratch.write(&format!("cases/products/p{i:03}.json"), GOOD);
    }
    // Blessing prints a line per case; the others print at least as much after it.
    let bless = with_stdout_cut(scratch.path(), &["bless"]);
    assert_eq!(bless.status.code(), Some(0), "{}", stderr(&bless));
    assert!(scratch.conform(&["bless"]).status.success());
    assert!(scratch
        .conform(&["run", "--report", "json=r.json"])
        .status
        .success());
    let files: Vec<String> = (0..400)
        .map(|i| format!("cases/products/p{i:03}.json"))
        .collect();
    let mut validate = vec!["validate"];
    validate.extend(files.iter().map(String::as_str));
    let commands: Vec<Vec<&str>> = vec![
        vec!["list"],
        vec!["list", "--names"],
        vec!["run"],
        vec!["run", "--format", "json"],
        vec!["lint"],
        vec!["bless", "--check"],
        validate,
        vec!["matrix", "--report", "a=r.json", "--report", "b=r.json"],
    ];
    for args in commands {
        let whole = scratch.conform(&args);
        let cut = with_stdout_cut(scratch.path(), &args);
        assert!(
            !stderr(&cut).contains("panicked"),
            "{args:?}: {}",
            stderr(&cut)
        );
        assert_eq!(
            cut.status.code(),
            whole.status.code(),
            "{args:?}: {}",
            stderr(&cut)
        );
        assert_eq!(cut.status.code(), Some(0), "{args:?}: {}", stderr(&whole));
    }
}

#[test]
fn symlinks_are_followed_and_loops_fail_as_cases() {
    let scratch = Scratch::new("symlinks");
    scratch.write("elsewhere/real.json", GOOD);
    std::fs::create_dir_all(scratch.path().join("cases/products")).unwrap();
    std::os::unix::fs::symlink(
        scratch.path().join("elsewhere/real.json"),
        scratch.path().join("cases/products/linked.json"),
    )
    .unwrap();
    // A folder that links to its parent: a loop.
    std::os::unix::fs::symlink(
        scratch.path().join("cases"),
        scratch.path().join("cases/products/loop"),
    )
    .unwrap();
    let list = scratch.conform(&["list", "--names"]);
    let names = stdout(&list);
    assert!(names.contains("products/linked"), "{names}");
    let run = scratch.conform(&["run"]);
    let text = stdout(&run);
    // The linked case runs (and fails only for lack of a golden file); the loop is a failure
    // of its own, never silently skipped, and the run does not exit 0.
    assert_eq!(run.status.code(), Some(1), "{text}");
    assert!(text.contains("products/linked"), "{text}");
    assert!(text.contains("loop"), "{text}");
}

#[test]
fn a_second_schema_for_one_object_names_both_files() {
    let scratch = Scratch::new("dup-schema");
    scratch.write("cases/products/good.json", GOOD);
    let schema = r#"{"x-object": "product", "type": "object"}"#;
    scratch.write("schemas/product.json", schema);
    scratch.write("schemas/product_again.json", schema);
    let out = scratch.conform(&["run"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("product_again.json"), "{err}");
    assert!(err.contains("product.json already describes"), "{err}");
}

#[test]
fn lint_reports_and_bless_removes_leftover_temporary_files() {
    let scratch = Scratch::new("leftovers");
    scratch.write("cases/products/good.json", GOOD);
    assert!(scratch.conform(&["bless"]).status.success());
    scratch.write("golden/products/.good.json.tmp-99-1", "{\"half\":");
    let lint = scratch.conform(&["lint"]);
    assert_eq!(lint.status.code(), Some(1), "{}", stdout(&lint));
    assert!(
        stdout(&lint).contains(".good.json.tmp-99-1"),
        "{}",
        stdout(&lint)
    );
    assert!(scratch.conform(&["bless"]).status.success());
    assert!(!scratch
        .path()
        .join("golden/products/.good.json.tmp-99-1")
        .exists());
    assert_eq!(scratch.conform(&["lint"]).status.code(), Some(0));
}

#[test]
fn target_credentials_never_reach_output_or_reports() {
    let scratch = Scratch::new("target-credentials");
    scratch.write("cases/products/good.json", GOOD);
    assert!(scratch.conform(&["bless"]).status.success());
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://operator:Hunter2Pass@127.0.0.1:{port}");
    let out = scratch.conform(&[
        "run",
        "--target",
        &url,
        "--timeout",
        "1",
        "--report",
        "json=r.json",
        "--report",
        "junit=r.xml",
        "--report",
        "html=r.html",
    ]);
    let everything = format!(
        "{}{}{}{}{}",
        stdout(&out),
        stderr(&out),
        scratch.read("r.json"),
        scratch.read("r.xml"),
        scratch.read("r.html")
    );
    assert!(!everything.contains("Hunter2Pass"), "{everything}");
    assert!(everything.contains(&format!("127.0.0.1:{port}")));
}

#[test]
fn lint_survives_a_deeply_nested_inline_query() {
    let scratch = Scratch::new("deep-query");
    let deep = format!("/v1/products?a{}=1", "[b]".repeat(3_000));
    scratch.write(
        "cases/products/deep.json",
        &format!(
            r#"{{"request": {{"method": "GET", "path": "{deep}"}}, "response": {{"status": 200, "body": {{}}}}}}"#
        ),
    );
    let out = scratch.conform(&["lint"]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    assert!(!stderr(&out).contains("overflow"), "{}", stderr(&out));
}
