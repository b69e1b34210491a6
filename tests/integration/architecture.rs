//! The import rule of docs/architecture.md: every `crate::` path under `src/` points to a module
//! of a lower layer, and the layer table names exactly the modules `src/` has.

use std::collections::BTreeMap;
use std::path::Path;

fn layers() -> BTreeMap<String, usize> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md"))
            .unwrap();
    let mut layers = BTreeMap::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 {
            continue;
        }
        let Ok(layer) = cells[1].parse::<usize>() else {
            continue;
        };
        for module in cells[2].split(',') {
            layers.insert(module.trim().to_owned(), layer);
        }
    }
    layers
}

/// (module, file) for every library source file; `cli/` and `main.rs` are the binary.
fn sources() -> Vec<(String, std::path::PathBuf)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
        let entry = entry.unwrap();
        let relative = entry
            .path()
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if !relative.ends_with(".rs")
            || relative == "lib.rs"
            || relative == "main.rs"
            || relative.starts_with("cli/")
        {
            continue;
        }
        let module = relative
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_owned();
        out.push((module, entry.path().to_path_buf()));
    }
    out
}

fn crate_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
        rest = after;
    }
    out
}

#[test]
fn imports_follow_the_documented_layers() {
    let layers = layers();
    assert!(
        layers.len() > 20,
        "the layer table was not found: {layers:?}"
    );
    let mut violations = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (module, file) in sources() {
        let Some(&own) = layers.get(&module) else {
            violations.push(format!(
                "{module} ({}) is not in the layer table",
                file.display()
            ));
            continue;
        };
        seen.insert(module.clone());
        let text = std::fs::read_to_string(&file).unwrap();
        for target in crate_paths(&text) {
            if target == module {
                continue;
            }
            match layers.get(&target) {
                Some(&layer) if layer < own => {}
                Some(&layer) => violations.push(format!(
                    "{} imports {target} (layer {layer}) from layer {own}",
                    file.display()
                )),
                None => violations.push(format!(
                    "{} imports {target}, which is not in the table",
                    file.display()
                )),
            }
        }
    }
    for module in layers.keys() {
        if !seen.contains(module) {
            violations.push(format!(
                "the table names {module}, which src/ does not have"
            ));
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_rule_catches_an_upward_import() {
    assert_eq!(
        crate_paths("use crate::engine::run_case; crate::ids::is_id(x)"),
        ["engine", "ids"]
    );
}

/// Every `.rs` file under `src/`, relative to it, with its text.
fn all_sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    walkdir::WalkDir::new(&src)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| {
            let relative = e
                .path()
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (relative, std::fs::read_to_string(e.path()).unwrap())
        })
        .collect()
}

/// Files (other than `allowed`) whose text holds one of `needles`.
fn holding(needles: &[&str], allowed: impl Fn(&str) -> bool) -> Vec<String> {
    all_sources()
        .into_iter()
        .filter(|(path, text)| !allowed(path) && needles.iter().any(|n| text.contains(n)))
        .map(|(path, _)| path)
        .collect()
}

#[test]
fn front_ends_only_wire() {
    let front_end = |path: &str| path.starts_with("cli/") || path == "main.rs";
    // The library takes plain values: no command-line parsing, no environment, no printing.
    assert_eq!(holding(&["clap"], front_end), Vec::<String>::new());
    let library_tests = |path: &str| path.ends_with("tests.rs");
    assert_eq!(
        holding(&["env::var("], |p| front_end(p) || p == "harness.rs"),
        Vec::<String>::new()
    );
    assert_eq!(
        holding(&["println!", "eprintln!"], |p| {
            front_end(p) || p == "harness.rs" || library_tests(p)
        }),
        Vec::<String>::new()
    );
    // Exit codes are decided in one place, and commands write stdout through one writer.
    assert_eq!(
        holding(&["ExitCode::from"], |p| p == "cli/exit.rs"),
        Vec::<String>::new()
    );
    let bare_prints: Vec<String> = all_sources()
        .into_iter()
        .filter(|(path, _)| path.starts_with("cli/") && path != "cli/exit.rs")
        .filter(|(_, text)| {
            text.matches("println!(").count() > text.matches("eprintln!(").count()
                || text.contains(" print!(")
        })
        .map(|(path, _)| path)
        .collect();
    assert_eq!(bare_prints, Vec::<String>::new());
}
