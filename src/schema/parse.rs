//! Parsing the documented attribute listings: owns [`parse_attributes`], which reads the
//! captured reference text of one object (names split across lines and glued to their type,
//! enum values glued to their descriptions, `Show N more` where a list was collapsed) into plain
//! [`Attribute`]s, and [`parse_event_types`] for the list of event types.

use serde_json::Value;

/// The type of a documented attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    String,
    Integer,
    Boolean,
    Float,
    /// A number written as a string (`"1099.5"`).
    Decimal,
    /// Unix seconds.
    Timestamp,
    Enum,
    Dictionary,
    ArrayOf(Box<Kind>),
}

/// One documented attribute path, `automatic_tax.liability.type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub path: Vec<String>,
    pub kind: Kind,
    pub nullable: bool,
    pub expandable: bool,
    /// Documented enum values, in document order.
    pub values: Vec<String>,
    /// The document collapsed the value list (`Show N more`) or listed none: other values are
    /// not failures.
    pub open: bool,
}

impl Attribute {
    pub fn dotted(&self) -> String {
        self.path.join(".")
    }
}

/// A listing entry that could not be read, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unparsed {
    pub text: String,
    pub reason: String,
}

/// What one document holds.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub attributes: Vec<Attribute>,
    pub unparsed: Vec<Unparsed>,
    /// Every JSON example found in the document.
    pub examples: Vec<Value>,
}

/// Type names as the capture writes them, longest first so `array of strings` wins over `string`.
/// Builds the [`Kind`] of one type name.
type MakeKind = fn() -> Kind;

const KINDS: &[(&str, MakeKind)] = &[
    ("array of dictionaries", || {
        Kind::ArrayOf(Box::new(Kind::Dictionary))
    }),
    ("array of objects", || {
        Kind::ArrayOf(Box::new(Kind::Dictionary))
    }),
    ("array of strings", || Kind::ArrayOf(Box::new(Kind::String))),
    ("array of enums", || Kind::ArrayOf(Box::new(Kind::Enum))),
    ("array of integers", || {
        Kind::ArrayOf(Box::new(Kind::Integer))
    }),
    ("decimal string", || Kind::Decimal),
    ("dictionary", || Kind::Dictionary),
    ("timestamp", || Kind::Timestamp),
    ("boolean", || Kind::Boolean),
    ("integer", || Kind::Integer),
    ("object", || Kind::Dictionary),
    ("string", || Kind::String),
    ("float", || Kind::Float),
    ("enum", || Kind::Enum),
];

/// Every JSON object example in `text` (lines that start with `{`).
pub fn examples(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|line| line.trim_start().starts_with('{'))
        .filter_map(|line| serde_json::from_str(line.trim()).ok())
        .collect()
}

/// Splits `text` into listing entries: each starts with `- ` followed by a lowercase letter,
/// at the start of a line or after whitespace.
fn entries(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    for i in 0..bytes.len().saturating_sub(2) {
        // The capture sometimes glues an entry to the previous sentence: `mode.- customer_details.`
        let at_boundary = i == 0 || bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b'.';
        if at_boundary
            && bytes[i] == b'-'
            && bytes[i + 1] == b' '
            && bytes[i + 2].is_ascii_lowercase()
        {
            starts.push(i + 2);
        }
    }
    starts
        .iter()
        .enumerate()
        .map(|(k, &start)| {
            let end = starts.get(k + 1).map_or(text.len(), |&next| next - 2);
            &text[start..end]
        })
        .collect()
}

/// Joins the pieces of a name the capture split: whitespace after `_` or `.` goes, other runs of
/// whitespace become one space.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !(out.ends_with('_') || out.ends_with('.')) && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('.')
        && !text.ends_with('.')
        && text.split('.').all(|seg| {
            !seg.is_empty()
                && (seg
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                    || (seg.starts_with('<') && seg.ends_with('>')))
        })
}

/// Reads the head of one entry: name, nullability, type, expandability.
fn head(entry: &str) -> Result<(Vec<String>, Kind, bool, bool), String> {
    let cut: String = entry.chars().take(400).collect();
    let head = collapse(&cut);
    let mut lost_name = false;
    for (p, _) in head.char_indices().skip(1) {
        let (name, rest) = head.split_at(p);
        let bare = rest.strip_prefix("nullable ").unwrap_or(rest);
        if name.ends_with('.')
            && is_name(name.trim_end_matches('.'))
            && KINDS.iter().any(|(word, _)| bare.starts_with(word))
        {
            lost_name = true;
            continue;
        }
        if !is_name(name) {
            if name.contains(' ') {
                break;
            }
            continue;
        }
        let (nullable, rest) = match rest.strip_prefix("nullable ") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        for (word, make) in KINDS {
            if let Some(after) = rest.strip_prefix(word) {
                let expandable = after.trim_start().starts_with("Expandable");
                let path = name.split('.').map(str::to_owned).collect();
                return Ok((path, make(), nullable, expandable));
            }
        }
    }
    if lost_name {
        return Err(
            "the document lost this attribute's name (only its parent path and type remain)"
                .to_owned(),
        );
    }
    Err("no attribute type after the name".to_owned())
}

/// Reads the enum values listed after `Possible enum values`.
fn enum_values(entry: &str) -> (Vec<String>, bool) {
    let Some(at) = entry.find("Possible enum values") else {
        return (Vec::new(), true);
    };
    let mut segment = &entry[at + "Possible enum values".len()..];
    let mut open = false;
    if let Some(show) = segment.find("Show ") {
        let tail = &segment[show + 5..];
        if tail.split_whitespace().nth(1) == Some("more") {
            open = true;
            segment = &segment[..show];
        }
    }
    // Join lines the capture broke after `_`.
    let mut lines: Vec<String> = Vec::new();
    for raw in segment.lines() {
        let line = raw.trim();
        match lines.last_mut() {
            Some(last) if last.ends_with('_') => last.push_str(line),
            _ => lines.push(line.to_owned()),
        }
    }
    let mut values = Vec::new();
    for line in lines {
        let line = line.replace("_ ", "_");
        let end = line
            .find(|c: char| {
                !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' || c == '.')
            })
            .unwrap_or(line.len());
        let (value, rest) = line.split_at(end);
        let starts_well = value
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !starts_well || value.ends_with('_') || value.ends_with('.') {
            continue;
        }
        let rest_words: Vec<&str> = rest.split_whitespace().collect();
        let rest_is_values = !rest_words.is_empty()
            && rest_words.iter().all(|w| {
                w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            });
        let rest_is_description = rest.is_empty()
            || (rest.starts_with(' ')
                && rest
                    .trim_start()
                    .chars()
                    .next()
                    .is_some_and(|c| !c.is_ascii_lowercase()));
        if rest_is_values {
            values.push(value.to_owned());
            values.extend(rest_words.iter().map(|w| (*w).to_owned()));
        } else if rest_is_description {
            values.push(value.to_owned());
        }
    }
    values.dedup();
    let open = open || values.is_empty();
    (values, open)
}

/// Parses the attribute listing of one object's document: the text after `Attributes` up to
/// the first JSON example.
pub fn parse_attributes(text: &str) -> Listing {
    let start = text
        .find("Attributes\n")
        .map_or(0, |i| i + "Attributes\n".len());
    let body = &text[start..];
    let end = body
        .lines()
        .scan(0usize, |offset, line| {
            let here = *offset;
            *offset += line.len() + 1;
            Some((here, line))
        })
        .find(|(_, line)| line.trim_start().starts_with('{'))
        .map_or(body.len(), |(offset, _)| offset);
    let listing = &body[..end];
    let mut out = Listing {
        examples: examples(text),
        ..Listing::default()
    };
    for entry in entries(listing) {
        match head(entry) {
            Ok((path, kind, nullable, expandable)) => {
                let is_enum = matches!(&kind, Kind::Enum)
                    || matches!(&kind, Kind::ArrayOf(inner) if **inner == Kind::Enum);
                let (values, open) = if is_enum {
                    enum_values(entry)
                } else {
                    (Vec::new(), false)
                };
                out.attributes.push(Attribute {
                    path,
                    kind,
                    nullable,
                    expandable,
                    values,
                    open,
                });
            }
            Err(reason) => out.unparsed.push(Unparsed {
                text: collapse(&entry.chars().take(60).collect::<String>()),
                reason,
            }),
        }
    }
    out
}

/// The event types of the event type list (`resource.event` names followed by `data.`).
pub fn parse_event_types(text: &str) -> (Vec<String>, Vec<Unparsed>) {
    let start = text.find("Event types").unwrap_or(0);
    let mut types = Vec::new();
    let mut unparsed = Vec::new();
    for entry in entries(&text[start..]) {
        let cut: String = entry.chars().take(300).collect();
        let head = collapse(&cut);
        match head.find(" data.").or_else(|| head.find("data.")) {
            Some(at) if is_name(head[..at].trim()) && head[..at].contains('.') => {
                types.push(head[..at].trim().to_owned());
            }
            _ => unparsed.push(Unparsed {
                text: head.chars().take(60).collect(),
                reason: "not an event type entry".to_owned(),
            }),
        }
    }
    types.sort();
    types.dedup();
    (types, unparsed)
}
