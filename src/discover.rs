//! Case discovery: owns [`discover`], which walks a cases folder and returns every case file
//! with its derived name, sorted by name, and [`Filter`], which selects cases by name or tag.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A case file found on disk, not yet read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// Path relative to the cases folder, `/`-separated, without `.json`.
    pub name: Arc<str>,
    pub file: Arc<Path>,
    /// Why the entry cannot be read (a symlink loop, an unreadable folder); it then fails as a
    /// case of its own and the run goes on.
    pub problem: Option<String>,
}

/// A folder that could not be walked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read {}: {message}", path.display())]
pub struct DiscoverError {
    pub path: PathBuf,
    pub message: String,
}

/// Every `*.json` under `root` (files and folders starting with `_` or `.` are skipped).
pub fn discover(root: &Path) -> Result<Vec<Entry>, DiscoverError> {
    if !root.is_dir() {
        return Err(DiscoverError {
            path: root.to_path_buf(),
            message: "not a folder".to_owned(),
        });
    }
    let mut entries = Vec::new();
    // Symlinks are followed (a loop is reported as a broken entry), never skipped silently.
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || {
                let name = e.file_name().to_string_lossy();
                !name.starts_with('.') && !name.starts_with('_')
            }
        });
    for item in walker {
        let item = match item {
            Ok(item) => item,
            Err(err) => {
                let path = err.path().unwrap_or(root).to_path_buf();
                entries.push(Entry {
                    name: name_of(root, &path).into(),
                    file: path.into(),
                    problem: Some(err.to_string()),
                });
                continue;
            }
        };
        let path = item.path();
        if !item.file_type().is_file() || path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        entries.push(Entry {
            name: name_of(root, path).into(),
            file: path.into(),
            problem: None,
        });
    }
    entries.sort();
    Ok(entries)
}

/// The case name of `path` under `root`: relative, `/`-separated, without `.json`.
fn name_of(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path).with_extension("");
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Selects cases: a case is selected when any pattern is a substring of its name or equals one
/// of its tags. No patterns select everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub patterns: Vec<String>,
}

impl Filter {
    pub fn new(patterns: Vec<String>) -> Filter {
        Filter { patterns }
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn matches(&self, name: &str, tags: &[String]) -> bool {
        self.patterns.is_empty()
            || self
                .patterns
                .iter()
                .any(|p| name.contains(p.as_str()) || tags.iter().any(|t| t == p))
    }

    /// Patterns that selected none of `selected`, for a "matched nothing" error.
    pub fn unmatched<'a>(&'a self, names_and_tags: &[(&str, &[String])]) -> Vec<&'a str> {
        self.patterns
            .iter()
            .filter(|p| {
                !names_and_tags
                    .iter()
                    .any(|(name, tags)| Filter::new(vec![(*p).clone()]).matches(name, tags))
            })
            .map(String::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_relative_sorted_and_skip_hidden() {
        let dir = std::env::temp_dir().join(format!("conform-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for f in [
            "b/z.json",
            "a.json",
            "b/_draft.json",
            ".hidden/x.json",
            "b/notes.txt",
        ] {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "{}").unwrap();
        }
        let names: Vec<String> = discover(&dir)
            .unwrap()
            .into_iter()
            .map(|e| e.name.to_string())
            .collect();
        assert_eq!(names, ["a", "b/z"]);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(discover(&dir).is_err());
    }

    #[test]
    fn filter_by_substring_or_tag() {
        let f = Filter::new(vec!["checkout".into(), "error".into()]);
        assert!(f.matches("checkout/sessions/create", &[]));
        assert!(f.matches("customers/x", &["error".into()]));
        assert!(!f.matches("customers/x", &["errors".into()]));
        assert!(Filter::default().matches("anything", &[]));
    }
}
