//! Rules a case, a step or a golden file adds to normalization: owns [`Rule`] and
//! [`apply_rules`]. A rule addresses values by JSON pointer, where a `*` segment matches any key
//! or index.

pub use crate::case::{JsonType, Rule};
use serde_json::Value;

impl JsonType {
    fn accepts(self, value: &Value) -> bool {
        match self {
            JsonType::String => value.is_string(),
            JsonType::Integer => value.is_i64() || value.is_u64(),
            JsonType::Number => value.is_number(),
            JsonType::Boolean => value.is_boolean(),
            JsonType::Object => value.is_object(),
            JsonType::Array => value.is_array(),
            JsonType::Null => value.is_null(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Integer => "integer",
            JsonType::Number => "number",
            JsonType::Boolean => "boolean",
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::Null => "null",
        }
    }
}

/// A rule that is not well formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("rule path `{0}` is not a JSON pointer (it must start with `/`)")]
    NotAPointer(String),
    #[error("rule for `{0}` must set exactly one of `ignore`, `type`, `regex`")]
    NotExactlyOne(String),
    #[error("rule regex `{regex}` is invalid: {reason}")]
    BadRegex { regex: String, reason: String },
}

impl Rule {
    /// Checks that the rule is well formed; the error names what is wrong.
    pub fn check(&self) -> Result<(), RuleError> {
        if !self.path.is_empty() && !self.path.starts_with('/') {
            return Err(RuleError::NotAPointer(self.path.clone()));
        }
        let set = usize::from(self.ignore)
            + usize::from(self.json_type.is_some())
            + usize::from(self.regex.is_some());
        if set != 1 {
            return Err(RuleError::NotExactlyOne(self.path.clone()));
        }
        if let Some(re) = &self.regex {
            regex::Regex::new(re).map_err(|e| RuleError::BadRegex {
                regex: re.clone(),
                reason: e.to_string(),
            })?;
        }
        Ok(())
    }
}

/// Applies `rules` in order to `body`.
pub fn apply_rules(body: &mut Value, rules: &[&Rule]) {
    for rule in rules {
        let segments: Vec<String> = if rule.path.is_empty() {
            Vec::new()
        } else {
            rule.path[1..]
                .split('/')
                .map(crate::pointer::unescape)
                .collect()
        };
        let regex = rule
            .regex
            .as_deref()
            .and_then(|r| regex::Regex::new(r).ok());
        apply_one(body, &segments, rule, regex.as_ref());
    }
}

fn apply_one(node: &mut Value, segments: &[String], rule: &Rule, regex: Option<&regex::Regex>) {
    let Some((first, rest)) = segments.split_first() else {
        replace(node, rule, regex);
        return;
    };
    if rest.is_empty() && rule.ignore {
        match node {
            Value::Object(map) if first == "*" => map.clear(),
            Value::Object(map) => {
                map.remove(first);
            }
            Value::Array(items) if first == "*" => items.clear(),
            Value::Array(items) => {
                if let Ok(i) = first.parse::<usize>() {
                    if i < items.len() {
                        items[i] = Value::String("<ignored>".into());
                    }
                }
            }
            _ => {}
        }
        return;
    }
    match node {
        Value::Object(map) => {
            if first == "*" {
                for child in map.values_mut() {
                    apply_one(child, rest, rule, regex);
                }
            } else if let Some(child) = map.get_mut(first) {
                apply_one(child, rest, rule, regex);
            }
        }
        Value::Array(items) => {
            if first == "*" {
                for child in items.iter_mut() {
                    apply_one(child, rest, rule, regex);
                }
            } else if let Some(child) = first.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                apply_one(child, rest, rule, regex);
            }
        }
        _ => {}
    }
}

fn replace(node: &mut Value, rule: &Rule, regex: Option<&regex::Regex>) {
    if rule.ignore {
        *node = Value::String("<ignored>".into());
    } else if let Some(t) = rule.json_type {
        if t.accepts(node) {
            *node = Value::String(format!("<any {}>", t.name()));
        }
    } else if let (Some(re), Some(text)) = (regex, node.as_str()) {
        if re.is_match(text) {
            *node = Value::String(format!("<matches {}>", re.as_str()));
        }
    }
}
