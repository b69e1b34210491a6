//! The recording session on disk: owns [`Session`], which journals each exchange as soon as it
//! completes (redacted first, so no secret reaches disk) and turns the journal into case files
//! at the end, and [`recover`], which does the same for the journal a killed session left.
//!
//! The journal is `.NAME.record-journal` beside the case file: a header line (the upstream,
//! without credentials, and whether to split), then one step per line, each on disk before the
//! client gets its answer. A refused exchange is left out and named; the good ones are kept.
//! Where the case files go is checked when the session starts, before any request is
//! forwarded: a name taken (without `--force`), a folder that cannot be written, or an earlier
//! session's journal stops it at once.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::{case_text, step_of, Exchange};
use crate::secrets::{redact_text, without_credentials};
use crate::write::{write_atomic, Appender, WriteError};

/// Why a session cannot start or finish.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// An exchange that could not be recorded, named by its order, method and redacted path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub index: usize,
    pub method: String,
    pub url: String,
    pub reason: String,
}

/// What a session or a recovery wrote: each file with its number of steps.
#[derive(Debug, Default)]
pub struct Finished {
    pub written: Vec<(PathBuf, usize)>,
    pub refused: Vec<Refused>,
    /// A journal line that could not be read back (the last one, cut short by a kill).
    pub unreadable: usize,
}

/// Where a session's case files go: `DIR/NAME.json`, or `DIR/NAME_01.json`, ... when split.
#[derive(Debug, Clone)]
struct Destination {
    dir: PathBuf,
    name: String,
}

impl Destination {
    fn of(out: &Path) -> Result<Destination, RecordError> {
        let name = out
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| RecordError::Refused("--out must name a file".to_owned()))?;
        let dir = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        Ok(Destination { dir, name })
    }

    fn journal(&self) -> PathBuf {
        PathBuf::from(format!(".{}.record-journal", self.name))
    }

    fn file(&self, split: Option<usize>) -> PathBuf {
        match split {
            Some(i) => PathBuf::from(format!("{}_{:02}.json", self.name, i + 1)),
            None => PathBuf::from(format!("{}.json", self.name)),
        }
    }

    /// Case files of this destination that exist already.
    fn taken(&self, split: bool) -> Vec<PathBuf> {
        if !split {
            let path = self.dir.join(self.file(None));
            return if path.exists() {
                vec![path]
            } else {
                Vec::new()
            };
        }
        let prefix = format!("{}_", self.name);
        let mut found: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .and_then(|n| {
                        n.strip_prefix(&prefix)?
                            .strip_suffix(".json")
                            .map(str::to_owned)
                    })
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect();
        found.sort();
        found
    }

    fn check_free(&self, split: bool, force: bool) -> Result<(), RecordError> {
        match self.taken(split).first() {
            Some(path) if !force => Err(RecordError::Refused(format!(
                "{} exists; pass --force to replace it",
                path.display()
            ))),
            _ => Ok(()),
        }
    }
}

/// A recording session: the journal open, the exchanges journaled or refused so far.
#[derive(Debug)]
pub struct Session {
    destination: Destination,
    split: bool,
    force: bool,
    journal: Appender,
    refused: Vec<Refused>,
    seen: usize,
    /// The first journal write that failed; the session then records nothing more.
    failed: Option<WriteError>,
}

impl Session {
    /// Starts a session writing `out`: fails before anything is forwarded when a case file is
    /// taken (without `force`), an earlier session's journal is there, or the folder cannot be
    /// written.
    pub fn start(
        out: &Path,
        split: bool,
        force: bool,
        upstream: &str,
    ) -> Result<Session, RecordError> {
        let destination = Destination::of(out)?;
        let journal_path = destination.dir.join(destination.journal());
        if journal_path.exists() {
            return Err(RecordError::Refused(format!(
                "an earlier session's journal is at {}; write it as cases with `conform record --recover --out {}` (or delete it)",
                journal_path.display(),
                out.display()
            )));
        }
        destination.check_free(split, force)?;
        std::fs::create_dir_all(&destination.dir).map_err(|e| WriteError {
            path: destination.dir.clone(),
            message: format!("cannot create the folder: {e}"),
        })?;
        let mut journal = Appender::create(&destination.dir, &destination.journal())?;
        let header = json!({"upstream": without_credentials(upstream), "split": split});
        journal.append(&header.to_string())?;
        Ok(Session {
            destination,
            split,
            force,
            journal,
            refused: Vec::new(),
            seen: 0,
            failed: None,
        })
    }

    /// The journal's path.
    pub fn journal_path(&self) -> &Path {
        self.journal.path()
    }

    /// Journals `exchange` (redacted), or notes why it cannot be recorded.
    pub fn add(&mut self, exchange: &Exchange) {
        self.seen += 1;
        if let Some(problem) = &exchange.problem {
            self.refused.push(Refused {
                index: self.seen,
                method: exchange.method.clone(),
                url: redact_text(&exchange.url),
                reason: problem.clone(),
            });
            return;
        }
        if self.failed.is_some() {
            return;
        }
        if let Err(err) = self.journal.append(&step_of(exchange).to_string()) {
            self.failed = Some(err);
        }
    }

    /// Turns the journal into case files and removes it. A write that fails keeps the journal
    /// for `--recover`.
    pub fn finish(self) -> Result<Finished, RecordError> {
        if let Some(err) = self.failed {
            return Err(err.into());
        }
        let Session {
            destination,
            split,
            force,
            journal,
            refused,
            ..
        } = self;
        drop(journal);
        let mut finished = write_journal(&destination, Some(split), force)?;
        finished.refused = refused;
        Ok(finished)
    }
}

/// Writes the journal a killed or failed session left for `out` as case files, and removes it.
pub fn recover(out: &Path, force: bool) -> Result<Finished, RecordError> {
    let destination = Destination::of(out)?;
    if !destination.dir.join(destination.journal()).exists() {
        return Err(RecordError::Refused(format!(
            "no journal to recover for {} (looked for {})",
            out.display(),
            destination.dir.join(destination.journal()).display()
        )));
    }
    write_journal(&destination, None, force)
}

/// Reads the journal of `destination` and writes its steps; `split` overrides the journal's.
fn write_journal(
    destination: &Destination,
    split: Option<bool>,
    force: bool,
) -> Result<Finished, RecordError> {
    let path = destination.dir.join(destination.journal());
    let text = std::fs::read_to_string(&path).map_err(|e| WriteError {
        path: path.clone(),
        message: format!("cannot read the journal: {e}"),
    })?;
    let mut lines = text.lines();
    let header: Value = lines
        .next()
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or(Value::Null);
    let upstream = header["upstream"]
        .as_str()
        .unwrap_or("an upstream")
        .to_owned();
    let split = split.unwrap_or_else(|| header["split"].as_bool().unwrap_or(false));
    let mut steps = Vec::new();
    let mut unreadable = 0;
    for line in lines.filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Value>(line) {
            Ok(step) => steps.push(step),
            Err(_) => unreadable += 1,
        }
    }
    let mut finished = Finished {
        unreadable,
        ..Finished::default()
    };
    if !steps.is_empty() {
        destination.check_free(split, force)?;
        let files: Vec<(PathBuf, Vec<Value>)> = if split {
            steps
                .into_iter()
                .enumerate()
                .map(|(i, step)| (destination.file(Some(i)), vec![step]))
                .collect()
        } else {
            vec![(destination.file(None), steps)]
        };
        for (file, steps) in files {
            let count = steps.len();
            let written = write_atomic(
                &destination.dir,
                &file,
                case_text(steps, &upstream).as_bytes(),
            )?;
            finished.written.push((written, count));
        }
    }
    std::fs::remove_file(&path).map_err(|e| WriteError {
        path: path.clone(),
        message: format!("cannot remove the journal: {e}"),
    })?;
    Ok(finished)
}
