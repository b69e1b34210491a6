//! Suites through the library: a discovered suite reads cases as they run, exclusive cases
//! run alone after the others, and filters select before reading.

use std::path::PathBuf;
use std::sync::Mutex;

use conform::check::Level;
use conform::discover::Filter;
use conform::engine::Context;
use conform::outcome::FailureClass;
use conform::suite::{run, Item, RunOptions, Suite};
use conform::target::ReplayTarget;
use conform::validate::SchemaSet;

/// A cases folder with `a` (exclusive, tagged `alone`), `b` and a broken `c`, and golden
/// files for the two good ones.
fn corpus(label: &str) -> (PathBuf, PathBuf) {
    let root = std::env::temp_dir().join(format!("conform-suite-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (cases, golden) = (root.join("cases"), root.join("golden"));
    std::fs::create_dir_all(&cases).unwrap();
    let case = |extra: &str| {
        format!(
            r#"{{{extra}"request": {{"method": "GET", "path": "/v1/customers/cus_A1"}},
            "response": {{"status": 200, "body": {{"id": "cus_A1", "object": "customer"}}}}}}"#
        )
    };
    std::fs::write(
        cases.join("a.json"),
        case(r#""exclusive": true, "tags": ["alone"], "#),
    )
    .unwrap();
    std::fs::write(cases.join("b.json"), case("")).unwrap();
    std::fs::write(cases.join("c.json"), "{ not json").unwrap();
    for case in Suite::load(&cases).unwrap().cases() {
        conform::bless::bless(&golden, &conform::bless::golden_from_recording(case, None)).unwrap();
    }
    (root, golden)
}

#[test]
fn a_discovered_suite_reads_cases_as_they_run_and_exclusive_ones_last() {
    let (root, golden) = corpus("run");
    let suite = Suite::discover(&root.join("cases")).unwrap();
    assert!(suite.items.iter().all(|i| matches!(i, Item::Pending(_))));
    let schemas = SchemaSet::default();
    let ctx = Context {
        target: &ReplayTarget,
        schemas: &schemas,
        level: Level::Strict,
        keep_answers: false,
    };
    let options = RunOptions {
        golden_root: golden,
        jobs: 2,
        fail_fast: false,
        no_golden: false,
    };
    let order = Mutex::new(Vec::new());
    let outcomes = run(&suite, ctx, &options, &|o| {
        order.lock().unwrap().push(o.name.clone())
    });
    let verdicts: Vec<(&str, bool)> = outcomes.iter().map(|o| (&*o.name, o.passed())).collect();
    assert_eq!(verdicts, [("a", true), ("b", true), ("c", false)]);
    assert_eq!(outcomes[2].failures[0].class, FailureClass::Load);
    // The exclusive case is only known once read, and still runs alone after the others.
    assert_eq!(order.lock().unwrap().last().map(|n| &**n), Some("a"));
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn a_name_filter_selects_without_reading_and_a_tag_filter_reads() {
    let (root, _) = corpus("select");
    let mut by_name = Suite::discover(&root.join("cases")).unwrap();
    assert!(by_name
        .select(&Filter::new(vec!["b".to_owned()]))
        .is_empty());
    assert!(matches!(by_name.items.as_slice(), [Item::Pending(e)] if &*e.name == "b"));
    let mut by_tag = Suite::discover(&root.join("cases")).unwrap();
    let unmatched = by_tag.select(&Filter::new(vec!["alone".to_owned(), "nothing".to_owned()]));
    assert_eq!(unmatched, ["nothing"]);
    assert!(matches!(by_tag.items.as_slice(), [Item::Case(c)] if &*c.name == "a"));
    let _ = std::fs::remove_dir_all(root);
}
