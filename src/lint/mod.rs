//! Linting: owns [`lint`], which checks case files and golden files without running anything:
//! cases that do not load, golden files that do not parse, are missing, are stale (differ from
//! what `conform bless` would write) or belong to no case, and recorded bodies that break their
//! schema.

use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

mod reference;
pub use reference::lint_reference;

use crate::bless::golden_from_recording;
use crate::golden::GoldenFile;
use crate::suite::{Item, Suite};
use crate::validate::{SchemaSet, Severity};

/// One finding; errors fail `conform lint`, warnings are shown only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub file: PathBuf,
    pub severity: Severity,
    pub message: String,
}

/// Lints `suite` against the golden files under `golden_root`. `orphans` also reports golden
/// files whose case is not in the suite (only meaningful for an unfiltered suite).
pub fn lint(suite: &Suite, golden_root: &Path, schemas: &SchemaSet, orphans: bool) -> Vec<Finding> {
    // Cases are checked in parallel; findings keep the suite's order.
    let per_case: Vec<Vec<Finding>> = suite
        .items
        .par_iter()
        .map(|item| lint_item(item, golden_root, schemas))
        .collect();
    let mut findings: Vec<Finding> = per_case.into_iter().flatten().collect();
    findings.extend(ambiguous(suite));
    for leftover in crate::write::leftovers(golden_root) {
        findings.push(error(
            &leftover,
            "temporary file left by an interrupted write; delete it (or run `conform bless`)"
                .to_owned(),
        ));
    }
    if orphans {
        let names: BTreeSet<&str> = suite.items.iter().map(Item::name).collect();
        for entry in WalkDir::new(golden_root)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| {
                e.file_type().is_file() && !e.file_name().to_string_lossy().starts_with('.')
            })
        {
            let Ok(relative) = entry.path().strip_prefix(golden_root) else {
                continue;
            };
            let text = relative.to_string_lossy().replace('\\', "/");
            let Some(name) = text.strip_suffix(".json") else {
                continue;
            };
            if !names.contains(name) {
                findings.push(error(
                    entry.path(),
                    format!("golden file without a case (no cases/{name}.json)"),
                ));
            }
        }
    }
    findings.sort();
    findings
}

pub(crate) fn error(file: &Path, message: String) -> Finding {
    Finding {
        file: file.to_path_buf(),
        severity: Severity::Error,
        message,
    }
}

/// The findings of one case: it loads, its golden file is there, names it and is fresh, and
/// every recorded body follows its schema.
fn lint_item(item: &Item, golden_root: &Path, schemas: &SchemaSet) -> Vec<Finding> {
    let mut findings = Vec::new();
    let case = match item.case() {
        Err(e) => {
            findings.push(error(&e.file, e.detail()));
            return findings;
        }
        Ok(case) => case,
    };
    let golden_file = golden_root.join(crate::golden::relative_path(&case.name));
    match GoldenFile::read(golden_root, &case.name) {
        Err(e) => findings.push(error(
            &golden_file,
            format!("broken golden file: {}", e.message),
        )),
        Ok(None) => findings.push(error(
            &case.file,
            format!(
                "no golden file; write it with `conform bless {}`",
                case.name
            ),
        )),
        Ok(Some(golden)) => {
            if *golden.case != *case.name {
                findings.push(error(
                    &golden_file,
                    format!("names case `{}`, expected `{}`", golden.case, case.name),
                ));
            }
            let unreadable: Vec<Finding> = golden
                .steps
                .iter()
                .enumerate()
                .filter_map(|(i, step)| {
                    let message = step.body.value().err()?;
                    Some(error(
                        &golden_file,
                        format!("broken golden file: /steps/{i}/body: {message}"),
                    ))
                })
                .collect();
            if !unreadable.is_empty() {
                findings.extend(unreadable);
            } else if golden_from_recording(&case, Some(&golden)).render() != golden.render() {
                findings.push(error(
                    &golden_file,
                    format!(
                        "stale: differs from the recordings; review and run `conform bless {}`",
                        case.name
                    ),
                ));
            }
        }
    }
    if !case.replay_only {
        findings.extend(uncreated_reads(&case));
    }
    for (i, named) in case.steps.iter().enumerate() {
        for violation in schemas.validate(&named.step.response.body) {
            findings.push(Finding {
                file: case.file.to_path_buf(),
                severity: violation.severity,
                message: format!(
                    "/steps/{i}/response/body{}: {} {} ({})",
                    violation.pointer, violation.object, violation.message, violation.rule
                ),
            });
        }
    }
    findings
}

/// Warnings for steps recorded as succeeding that read an id (in their path, or in the query
/// of a `GET`) no earlier step's recording returned: only the built-in target holds such an object, so the case should say
/// `"replay_only": true` (or create what it reads).
fn uncreated_reads(case: &crate::case::Case) -> Vec<Finding> {
    let mut created = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (i, named) in case.steps.iter().enumerate() {
        let step = &named.step;
        if (200..300).contains(&step.response.status) {
            // What a step reads: the ids in its path, and in the query of a read.
            let mut read = std::collections::HashSet::new();
            let request = crate::case::Request {
                form: None,
                json: None,
                headers: Default::default(),
                query: step
                    .request
                    .query
                    .clone()
                    .filter(|_| step.request.method == "GET"),
                ..step.request.clone()
            };
            crate::engine::request_ids(&request, &mut read);
            let mut missing: Vec<&String> =
                read.iter().filter(|id| !created.contains(*id)).collect();
            missing.sort();
            if let Some(id) = missing.first() {
                out.push(Finding {
                    file: case.file.to_path_buf(),
                    severity: Severity::Warning,
                    message: format!(
                        "/steps/{i}: step `{}` reads `{id}`, which no earlier step creates; only the built-in target can answer it: mark the case `\"replay_only\": true`, or create what it reads",
                        named.name
                    ),
                });
            }
        }
        crate::engine::collect_ids(&step.response.body, &mut created);
    }
    out
}

/// Requests recorded in different cases with different answers: `conform serve` can only tell
/// them apart by the previous request, so they are reported as warnings.
fn ambiguous(suite: &Suite) -> Vec<Finding> {
    let cases: Vec<&crate::case::Case> = suite.cases().collect();
    let index = crate::matcher::Index::new(&cases);
    let mut first: std::collections::HashMap<String, &crate::matcher::Recording> =
        std::collections::HashMap::new();
    let mut out = Vec::new();
    for r in &index.recordings {
        let key = format!(
            "{} {} {} {} {:?}",
            r.method, r.path, r.query, r.body, r.auth
        );
        match first.get(&key) {
            Some(other) if other.case != r.case && other.prepared != r.prepared => {
                out.push(Finding {
                    file: cases
                        .iter()
                        .find(|c| *c.name == *r.case)
                        .map(|c| c.file.to_path_buf())
                        .unwrap_or_default(),
                    severity: Severity::Warning,
                    message: format!(
                        "step `{}` ({} {}) repeats a request of case `{}` with a different answer; `conform serve` tells them apart only by the previous request",
                        r.step_name, r.method, r.path, other.case
                    ),
                });
            }
            Some(_) => {}
            None => {
                first.insert(key, r);
            }
        }
    }
    out
}
