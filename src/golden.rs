//! Golden files: owns [`GoldenFile`], the reviewed expected output of one case
//! (`golden/<case name>.json`): per step the normalized status, compared headers and body.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::normalize::{Rule, Snapshot};

/// A golden file's text that is not a golden file.
#[derive(Debug, thiserror::Error)]
pub enum GoldenParseError {
    #[error("line {line} column {column}: {source}")]
    Json {
        line: usize,
        column: usize,
        source: serde_json::Error,
    },
    #[error("/normalize/{index}: {source}")]
    Rule {
        index: usize,
        source: crate::normalize::RuleError,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenFile {
    pub case: String,
    /// Extra normalization rules for every step, kept across `bless` runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub normalize: Vec<Rule>,
    pub steps: Vec<GoldenStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenStep {
    pub name: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub headers: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub body: GoldenBody,
}

impl GoldenStep {
    pub fn new(name: &str, snapshot: Snapshot) -> GoldenStep {
        GoldenStep {
            name: name.to_owned(),
            status: snapshot.status,
            headers: snapshot.headers,
            body: snapshot.body.into(),
        }
    }

    /// The step as a borrowed snapshot (nothing copied); the body is parsed on first use.
    pub fn view(&self) -> Result<crate::normalize::SnapshotRef<'_>, &str> {
        Ok(crate::normalize::SnapshotRef {
            status: self.status,
            headers: &self.headers,
            body: self.body.value()?,
        })
    }
}

/// A golden step's body. Read from a file it stays the JSON text it was and is parsed on first
/// use, so a run whose answer matches the text (the comparison reads the text first) never
/// builds it. Equality, cloning and serialization go by the parsed value.
#[derive(Debug, Default)]
pub struct GoldenBody {
    text: Option<Box<RawValue>>,
    parsed: OnceLock<Result<Value, String>>,
}

impl GoldenBody {
    /// The JSON text the body was read from, when it was read from one.
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref().map(RawValue::get)
    }

    /// The body's value. The text is valid JSON, but may still be beyond what a value holds
    /// (nesting deeper than 128, a number out of range): that is the error.
    pub fn value(&self) -> Result<&Value, &str> {
        self.parsed
            .get_or_init(|| match &self.text {
                Some(text) => {
                    serde_json::from_str(text.get()).map_err(|e| format!("{e} of the body"))
                }
                None => Ok(Value::Null),
            })
            .as_ref()
            .map_err(String::as_str)
    }
}

impl From<Value> for GoldenBody {
    fn from(value: Value) -> GoldenBody {
        GoldenBody {
            text: None,
            parsed: OnceLock::from(Ok(value)),
        }
    }
}

impl Clone for GoldenBody {
    fn clone(&self) -> GoldenBody {
        GoldenBody {
            text: self.text.clone(),
            parsed: self.parsed.clone(),
        }
    }
}

impl PartialEq for GoldenBody {
    fn eq(&self, other: &GoldenBody) -> bool {
        self.value() == other.value()
    }
}

impl Serialize for GoldenBody {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value()
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for GoldenBody {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<GoldenBody, D::Error> {
        Ok(GoldenBody {
            text: Some(Box::<RawValue>::deserialize(deserializer)?),
            parsed: OnceLock::new(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", file.display())]
pub struct GoldenError {
    pub file: PathBuf,
    pub message: String,
}

/// Largest golden file read.
pub const MAX_GOLDEN_BYTES: u64 = 16 * 1024 * 1024;

/// The golden file of case `name` relative to the golden root.
pub fn relative_path(name: &str) -> PathBuf {
    PathBuf::from(format!("{name}.json"))
}

impl GoldenFile {
    /// Reads the golden file of `name` under `root`; `Ok(None)` when there is none.
    pub fn read(root: &Path, name: &str) -> Result<Option<GoldenFile>, GoldenError> {
        let file = root.join(relative_path(name));
        let text = match crate::load::read_capped(&file, MAX_GOLDEN_BYTES) {
            Ok(Ok(text)) => text,
            Ok(Err(size)) => {
                return Err(GoldenError {
                    message: format!(
                        "file is {size} bytes, larger than the {MAX_GOLDEN_BYTES} bytes a golden file may have"
                    ),
                    file,
                })
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => {
                return Err(GoldenError {
                    file,
                    message: err.to_string(),
                })
            }
        };
        GoldenFile::parse(&text)
            .map(Some)
            .map_err(|err| GoldenError {
                file,
                message: err.to_string(),
            })
    }

    pub fn parse(text: &str) -> Result<GoldenFile, GoldenParseError> {
        let golden: GoldenFile =
            serde_json::from_str(text).map_err(|source| GoldenParseError::Json {
                line: source.line(),
                column: source.column(),
                source,
            })?;
        for (index, rule) in golden.normalize.iter().enumerate() {
            rule.check()
                .map_err(|source| GoldenParseError::Rule { index, source })?;
        }
        Ok(golden)
    }

    /// Pretty-printed with sorted keys and a final newline, as committed.
    pub fn render(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    pub fn step(&self, name: &str) -> Option<&GoldenStep> {
        self.steps.iter().find(|s| s.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn render_parse_round_trip() {
        let golden = GoldenFile {
            case: "customers/create".to_owned(),
            normalize: Vec::new(),
            steps: vec![GoldenStep::new(
                "step1",
                Snapshot {
                    status: 200,
                    headers: [("content-type".to_owned(), "application/json".to_owned())].into(),
                    body: json!({"object": "customer", "id": "<cus_1>"}),
                },
            )],
        };
        let text = golden.render();
        assert!(text.find("\"id\"").unwrap() < text.find("\"object\"").unwrap());
        assert_eq!(GoldenFile::parse(&text).unwrap(), golden);
    }

    #[test]
    fn an_oversized_golden_file_is_an_error_naming_it() {
        let root = std::env::temp_dir().join(format!("conform-golden-cap-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let file = std::fs::File::create(root.join("big.json")).unwrap();
        file.set_len(MAX_GOLDEN_BYTES + 1).unwrap();
        let err = GoldenFile::read(&root, "big").unwrap_err();
        assert!(err.message.contains("larger than"), "{err}");
        assert!(err.to_string().contains("big.json"));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = GoldenFile::parse(r#"{"case": "x", "steps": [], "stepz": 1}"#).unwrap_err();
        assert!(err.to_string().contains("stepz"), "{err}");
    }
}
