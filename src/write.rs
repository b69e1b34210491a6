//! File writing: owns [`write_atomic`], the one way the project writes a file: to a temporary
//! file beside the target, then renamed over it, and only ever inside a given root folder.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {message}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    pub message: String,
}

/// Why a path is not one inside its root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unconfined {
    #[error("the path leaves its folder (`..`)")]
    LeavesFolder,
    #[error("the path must be relative to its folder")]
    NotRelative,
    #[error("the path names no file")]
    NoFile,
}

/// Checks that `relative` stays inside its root: no absolute path, no `..`, not empty.
pub fn confined(relative: &Path) -> Result<(), Unconfined> {
    let mut depth = 0usize;
    for component in relative.components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => return Err(Unconfined::LeavesFolder),
            Component::RootDir | Component::Prefix(_) => return Err(Unconfined::NotRelative),
        }
    }
    if depth == 0 {
        return Err(Unconfined::NoFile);
    }
    Ok(())
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Whether a file name is one of `write_atomic`'s temporary files (`.NAME.tmp-PID-N`).
pub fn is_temporary(file_name: &str) -> bool {
    file_name.starts_with('.') && file_name.contains(".tmp-")
}

/// Temporary files an interrupted write left under `root`, sorted.
pub fn leftovers(root: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .max_depth(64)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && is_temporary(&e.file_name().to_string_lossy()))
        .map(|e| e.into_path())
        .collect();
    found.sort();
    found
}

/// Removes the temporary files an interrupted write left under `root`; returns how many.
pub fn remove_leftovers(root: &Path) -> usize {
    leftovers(root)
        .iter()
        .filter(|p| fs::remove_file(p).is_ok())
        .count()
}

/// Writes `contents` to `root/relative` atomically, creating folders as needed. Returns the
/// path written.
pub fn write_atomic(root: &Path, relative: &Path, contents: &[u8]) -> Result<PathBuf, WriteError> {
    let path = root.join(relative);
    let fail = |message: String| WriteError {
        path: path.clone(),
        message,
    };
    confined(relative).map_err(|e| fail(e.to_string()))?;
    let dir = path.parent().unwrap_or(root);
    fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{file_name}.tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&temp, &path)
    })();
    if let Err(err) = result {
        let _ = fs::remove_file(&temp);
        return Err(fail(err.to_string()));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("conform-write-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn writes_and_replaces_inside_root() {
        let root = scratch("ok");
        let path = write_atomic(&root, Path::new("a/b.json"), b"one").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"one");
        write_atomic(&root, Path::new("a/b.json"), b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let leftovers: Vec<_> = fs::read_dir(root.join("a")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn leftovers_are_found_and_removed() {
        let root = scratch("leftovers");
        write_atomic(&root, Path::new("a/b.json"), b"one").unwrap();
        fs::write(root.join("a/.b.json.tmp-1-2"), b"half").unwrap();
        assert_eq!(leftovers(&root), [root.join("a/.b.json.tmp-1-2")]);
        assert_eq!(remove_leftovers(&root), 1);
        assert!(leftovers(&root).is_empty());
        assert!(root.join("a/b.json").exists());
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn refuses_paths_outside_root() {
        let root = scratch("escape");
        for bad in ["../x.json", "/tmp/x.json", "a/../../x.json", ""] {
            let err = write_atomic(&root, Path::new(bad), b"x").unwrap_err();
            assert!(!err.message.is_empty(), "{bad}");
        }
        assert!(!root.join("../x.json").exists());
    }
}

/// A file that grows a line at a time, each line on disk before [`Appender::append`] returns:
/// a journal that survives the process being killed. Confined to its root like every write.
#[derive(Debug)]
pub struct Appender {
    path: PathBuf,
    file: fs::File,
}

impl Appender {
    /// Creates `relative` under `root` (it must not exist yet).
    pub fn create(root: &Path, relative: &Path) -> Result<Appender, WriteError> {
        let path = root.join(relative);
        let fail = |message: String| WriteError {
            path: path.clone(),
            message,
        };
        confined(relative).map_err(|e| fail(e.to_string()))?;
        let file = fs::OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .map_err(|e| fail(e.to_string()))?;
        Ok(Appender { path, file })
    }

    /// Appends `line` and a newline, and waits until they are on disk.
    pub fn append(&mut self, line: &str) -> Result<(), WriteError> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        self.file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| WriteError {
                path: self.path.clone(),
                message: e.to_string(),
            })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}
