//! Case loading: owns [`load`], which reads and checks one case file, and [`LoadError`], which
//! names the file and the line and column (or JSON pointer) of what is wrong.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::case::{Case, CaseFile, NamedStep, Step};
use crate::discover::Entry;

/// Largest case file read, so a stray huge file cannot exhaust memory.
pub const MAX_CASE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// JSON pointer of the offending value, for errors found after parsing.
    pub pointer: Option<String>,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, ":{line}:{column}")?;
        }
        if let Some(pointer) = &self.pointer {
            write!(f, " at {pointer}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for LoadError {}

impl LoadError {
    /// The error without its file name: `3:14: unknown field ...` or `at /steps/0: ...`.
    pub fn detail(&self) -> String {
        let mut out = String::new();
        if let (Some(line), Some(column)) = (self.line, self.column) {
            out.push_str(&format!("{line}:{column}: "));
        }
        if let Some(pointer) = &self.pointer {
            out.push_str(&format!("at {pointer}: "));
        }
        out.push_str(&self.message);
        out
    }
}

impl LoadError {
    fn at(file: &Path, pointer: impl Into<String>, message: impl Into<String>) -> LoadError {
        LoadError {
            file: file.to_path_buf(),
            line: None,
            column: None,
            pointer: Some(pointer.into()),
            message: message.into(),
        }
    }
}

/// Reads, parses and checks the case file of `entry`.
pub fn load(entry: &Entry) -> Result<Case, LoadError> {
    let file = &entry.file;
    let plain = |message: String| LoadError {
        file: file.to_path_buf(),
        line: None,
        column: None,
        pointer: None,
        message,
    };
    if let Some(problem) = &entry.problem {
        return Err(plain(problem.clone()));
    }
    let text = match read_capped(file, MAX_CASE_BYTES) {
        Ok(Ok(text)) => text,
        Ok(Err(size)) => {
            return Err(plain(format!(
                "file is {size} bytes, larger than the {MAX_CASE_BYTES} bytes a case may have"
            )))
        }
        Err(e) => return Err(plain(format!("cannot read: {e}"))),
    };
    let mut case = parse(&entry.name, file, &text)?;
    // The case and its outcome share the entry's strings rather than holding copies.
    case.name = std::sync::Arc::clone(&entry.name);
    case.file = std::sync::Arc::clone(&entry.file);
    Ok(case)
}

/// Reads the UTF-8 text of a file of at most `max` bytes: open, read, close, with no separate
/// size query (system calls are a large share of reading a small file). `Ok(Err(size))` when
/// the file is larger; reading stops after `max + 1` bytes.
pub fn read_capped(file: &Path, max: u64) -> std::io::Result<Result<String, u64>> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(16 * 1024);
    std::fs::File::open(file)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        let size = std::fs::metadata(file).map_or(max + 1, |m| m.len());
        return Ok(Err(size));
    }
    String::from_utf8(bytes)
        .map(Ok)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Parses and checks case text; `file` is only used in errors and kept in the case.
pub fn parse(name: &str, file: &Path, text: &str) -> Result<Case, LoadError> {
    let raw: CaseFile = serde_json::from_str(text).map_err(|e| LoadError {
        file: file.to_path_buf(),
        line: Some(e.line()),
        column: Some(e.column()),
        pointer: None,
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or("")
            .to_owned(),
    })?;
    let steps: Vec<Step> = match (raw.steps, raw.request, raw.response) {
        (Some(steps), None, None) => steps,
        (None, Some(request), Some(response)) => vec![Step {
            name: None,
            request,
            response,
            list: Default::default(),
            normalize: Vec::new(),
            open: Vec::new(),
            subject: false,
            invalid_on_purpose: false,
        }],
        (None, Some(_), None) => {
            return Err(LoadError::at(
                file,
                "",
                "a top-level `request` needs a `response`",
            ))
        }
        (None, None, Some(_)) => {
            return Err(LoadError::at(
                file,
                "",
                "a top-level `response` needs a `request`",
            ))
        }
        (None, None, None) => {
            return Err(LoadError::at(
                file,
                "",
                "a case needs `steps` (or a top-level `request` and `response`)",
            ))
        }
        _ => {
            return Err(LoadError::at(
                file,
                "",
                "use either `steps` or a top-level `request`/`response`, not both",
            ))
        }
    };
    if steps.is_empty() {
        return Err(LoadError::at(
            file,
            "/steps",
            "a case needs at least one step",
        ));
    }
    for (i, rule) in raw.normalize.iter().enumerate() {
        rule.check()
            .map_err(|e| LoadError::at(file, format!("/normalize/{i}"), e.to_string()))?;
    }
    for (i, rule) in raw.open.iter().enumerate() {
        rule.check()
            .map_err(|e| LoadError::at(file, format!("/open/{i}"), e.to_string()))?;
    }
    let lines = step_lines(text, steps.len());
    let mut seen = BTreeSet::new();
    let mut named = Vec::with_capacity(steps.len());
    for (i, step) in steps.into_iter().enumerate() {
        let pointer = format!("/steps/{i}");
        let name = step
            .name
            .clone()
            .unwrap_or_else(|| format!("step{}", i + 1));
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(LoadError::at(
                file,
                format!("{pointer}/name"),
                format!("step name `{name}` must use only a-z, 0-9 and _"),
            ));
        }
        if !seen.insert(name.clone()) {
            return Err(LoadError::at(
                file,
                format!("{pointer}/name"),
                format!("step name `{name}` is used twice"),
            ));
        }
        check_step(file, &pointer, &step)?;
        let line = lines.get(i).copied().unwrap_or(1);
        named.push(NamedStep { name, step, line });
    }
    Ok(Case {
        name: name.into(),
        file: file.into(),
        description: raw.description,
        source: raw.source,
        tags: raw.tags,
        stripe_version: raw.stripe_version,
        exclusive: raw.exclusive,
        normalize: raw.normalize,
        open: raw.open,
        replay_only: raw.replay_only,
        steps: named,
    })
}

/// The line (from 1) where each of the first `wanted` steps starts: the elements of the
/// top-level `steps` array, or the top-level `request` of a one-step case. A scan that tracks
/// strings and nesting depth (iteratively, so deep nesting cannot overflow the stack); nothing is
/// allocated per value, and it stops once `wanted` steps are found.
pub fn step_lines(text: &str, wanted: usize) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut line = 1;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut string_start = 0;
    let mut last_key: Option<(usize, usize)> = None;
    // Depth of the `steps` array while inside it, and whether an element is expected next.
    let mut steps_depth: Option<usize> = None;
    let mut expect_element = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        i += 1;
        if b == b'\n' {
            line += 1;
        }
        if in_string {
            // A JSON string holds no raw newline: jump to its next quote or backslash.
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                if depth == 1 {
                    last_key = Some((string_start, i - 1));
                }
            } else if let Some(next) = memchr::memchr2(b'"', b'\\', &bytes[i..]) {
                i += next;
            } else {
                break;
            }
            continue;
        }
        if b.is_ascii_whitespace() {
            continue;
        }
        if expect_element && Some(depth) == steps_depth {
            if b != b']' {
                lines.push(line);
                if lines.len() >= wanted {
                    break;
                }
            }
            expect_element = false;
        }
        match b {
            b'"' => {
                in_string = true;
                string_start = i;
            }
            b'{' | b'[' => {
                depth += 1;
                if b == b'[' && depth == 2 && key_is(text, last_key, "steps") {
                    steps_depth = Some(depth);
                    expect_element = true;
                }
                if b == b'{' && depth == 2 && key_is(text, last_key, "request") && lines.is_empty()
                {
                    lines.push(line);
                    if lines.len() >= wanted {
                        break;
                    }
                }
            }
            b'}' | b']' => {
                if Some(depth) == steps_depth {
                    steps_depth = None;
                }
                depth = depth.saturating_sub(1);
            }
            b',' if Some(depth) == steps_depth => expect_element = true,
            _ => {}
        }
    }
    lines
}

fn key_is(text: &str, key: Option<(usize, usize)>, name: &str) -> bool {
    key.is_some_and(|(a, b)| text.get(a..b) == Some(name))
}

const METHODS: &[&str] = &["GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"];

fn check_step(file: &Path, pointer: &str, step: &Step) -> Result<(), LoadError> {
    let request = &step.request;
    if !METHODS.contains(&request.method.as_str()) {
        return Err(LoadError::at(
            file,
            format!("{pointer}/request/method"),
            format!(
                "unknown method `{}` (expected one of {})",
                request.method,
                METHODS.join(", ")
            ),
        ));
    }
    if !request.path.starts_with('/') {
        return Err(LoadError::at(
            file,
            format!("{pointer}/request/path"),
            format!("path `{}` must start with `/`", request.path),
        ));
    }
    if request.form.is_some() && request.json.is_some() {
        return Err(LoadError::at(
            file,
            format!("{pointer}/request"),
            "a request has either a `form` or a `json` body, not both",
        ));
    }
    for (key, value) in [("form", &request.form), ("query", &request.query)] {
        if value.as_ref().is_some_and(|v| !v.is_object()) {
            return Err(LoadError::at(
                file,
                format!("{pointer}/request/{key}"),
                format!("`{key}` must be an object"),
            ));
        }
    }
    if request
        .headers
        .keys()
        .any(|h| h.eq_ignore_ascii_case("authorization"))
    {
        return Err(LoadError::at(
            file,
            format!("{pointer}/request/headers"),
            "an `Authorization` header must not be stored in a case; use `auth` instead",
        ));
    }
    if !(100..=599).contains(&step.response.status) {
        return Err(LoadError::at(
            file,
            format!("{pointer}/response/status"),
            format!("status {} is not an HTTP status", step.response.status),
        ));
    }
    for (i, rule) in step.normalize.iter().enumerate() {
        rule.check()
            .map_err(|e| LoadError::at(file, format!("{pointer}/normalize/{i}"), e.to_string()))?;
    }
    // What is sent as a form must decode within the limits a server holds it to, or the case
    // would be replayed without it.
    for (part, value) in [("query", &step.request.query), ("form", &step.request.form)] {
        if let Some(value) = value {
            if let Err(err) = crate::form::check_value(value) {
                return Err(LoadError::at(
                    file,
                    format!("{pointer}/request/{part}"),
                    format!("the {part} is over the form limits: {}", err.message),
                ));
            }
        }
    }
    for (i, rule) in step.open.iter().enumerate() {
        rule.check()
            .map_err(|e| LoadError::at(file, format!("{pointer}/open/{i}"), e.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_over_the_form_limits_fails_to_load_naming_the_step() {
        let deep = format!(
            "{}{}",
            "{\"a\":".repeat(40),
            "1".to_owned() + &"}".repeat(40)
        );
        let text = format!(
            r#"{{"steps": [{{"request": {{"method": "GET", "path": "/v1/customers", "query": {deep}}}, "response": {{"status": 200, "body": {{}}}}}}]}}"#
        );
        let err = parse("deep", Path::new("cases/deep.json"), &text).unwrap_err();
        assert_eq!(
            err.pointer.as_deref(),
            Some("/steps/0/request/query"),
            "{err}"
        );
        assert!(err.to_string().contains("cases/deep.json"), "{err}");
        assert!(err.to_string().contains("over the form limits"), "{err}");
    }

    #[test]
    fn read_capped_reads_up_to_the_cap_and_reports_the_size_beyond_it() {
        let dir = std::env::temp_dir().join(format!("conform-capped-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("f.json");
        std::fs::write(&file, "0123456789").unwrap();
        assert_eq!(read_capped(&file, 10).unwrap(), Ok("0123456789".to_owned()));
        assert_eq!(read_capped(&file, 9).unwrap(), Err(10));
        std::fs::write(&file, [b'{', 0xff, b'}']).unwrap();
        let err = read_capped(&file, 10).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert!(read_capped(&dir.join("absent.json"), 10).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn step_lines_name_where_each_step_starts_and_stop_at_the_count_wanted() {
        let text = "{\n  \"description\": \"[{\\\"\",\n  \"steps\": [\n    {\"request\": {\"method\": \"GET\", \"path\": \"/v1/a\"},\n     \"response\": {\"status\": 200, \"body\": {\"x\": [1, {}]}}},\n\n    {\"request\": {\"method\": \"GET\", \"path\": \"/v1/b\"},\n     \"response\": {\"status\": 200, \"body\": null}},\n    {\"request\": {\"method\": \"GET\", \"path\": \"/v1/c\"},\n     \"response\": {\"status\": 200, \"body\": null}}\n  ]\n}\n";
        assert_eq!(step_lines(text, usize::MAX), vec![4, 7, 9]);
        assert_eq!(step_lines(text, 2), vec![4, 7]);
        let case = parse_str(text).unwrap();
        let lines: Vec<usize> = case.steps.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![4, 7, 9]);
        let one = "{\"tags\": [\"a\"],\n \"request\": {\"method\": \"GET\", \"path\": \"/v1/x\"},\n \"response\": {\"status\": 200, \"body\": {}}}";
        assert_eq!(step_lines(one, 1), vec![2]);
        assert_eq!(parse_str(one).unwrap().steps[0].line, 2);
    }

    fn parse_str(text: &str) -> Result<Case, LoadError> {
        parse("t", Path::new("cases/t.json"), text)
    }

    #[test]
    fn single_step_shorthand_and_default_names() {
        let case = parse_str(r#"{"request": {"method": "GET", "path": "/v1/x"}, "response": {"status": 200, "body": {}}}"#).unwrap();
        assert_eq!(case.steps.len(), 1);
        assert_eq!(case.steps[0].name, "step1");
    }

    #[test]
    fn unknown_keys_name_line_and_column() {
        let err = parse_str("{\n  \"steps\": [],\n  \"bogus\": 1\n}").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("unknown field `bogus`"), "{err}");
        assert!(err.to_string().starts_with("cases/t.json:3:"), "{err}");
    }

    #[test]
    fn a_step_without_request_is_an_error() {
        let err = parse_str(r#"{"steps": [{"response": {"status": 200}}]}"#).unwrap_err();
        assert!(err.message.contains("missing field `request`"), "{err}");
        assert!(err.line.is_some());
    }

    #[test]
    fn semantic_errors_carry_a_pointer() {
        let err = parse_str(r#"{"steps": [{"request": {"method": "GET", "path": "/a"}, "response": {"status": 200}}, {"request": {"method": "FETCH", "path": "/a"}, "response": {"status": 200}}]}"#).unwrap_err();
        assert_eq!(err.pointer.as_deref(), Some("/steps/1/request/method"));
        let err = parse_str(r#"{"steps": [{"request": {"method": "GET", "path": "/a", "headers": {"Authorization": "x"}}, "response": {"status": 200}}]}"#).unwrap_err();
        assert_eq!(err.pointer.as_deref(), Some("/steps/0/request/headers"));
        let err = parse_str(r#"{"steps": []}"#).unwrap_err();
        assert_eq!(err.pointer.as_deref(), Some("/steps"));
    }
}
