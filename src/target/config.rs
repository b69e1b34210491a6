//! Which target to run against: owns [`TargetConfig`], the one description of a target (the
//! built-in replay target, or a base URL with a key, headers, a timeout and a body limit) with
//! the one set of defaults, shared by the command line and the `cargo test` harness.

use std::time::Duration;

use super::http::{without_credentials, HttpOptions, HttpTarget};
use super::{ReplayTarget, Target};

/// Seconds before a request times out.
pub const DEFAULT_TIMEOUT_SECS: f64 = 30.0;
/// Largest response body accepted, in bytes.
pub const DEFAULT_MAX_BODY: u64 = 16 * 1024 * 1024;

#[derive(Clone)]
pub struct TargetConfig {
    /// Base URL; `None` (or empty) is the built-in replay target.
    pub url: Option<String>,
    pub api_key: Option<String>,
    /// `Name: value` headers sent with every request.
    pub headers: Vec<String>,
    pub timeout_secs: f64,
    pub max_body: u64,
}

impl std::fmt::Debug for TargetConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetConfig")
            .field("url", &self.url.as_deref().map(without_credentials))
            .field("api_key", &self.api_key.as_ref().map(|_| "<hidden>"))
            .field("headers", &self.headers.len())
            .field("timeout_secs", &self.timeout_secs)
            .field("max_body", &self.max_body)
            .finish()
    }
}

impl Default for TargetConfig {
    fn default() -> TargetConfig {
        TargetConfig {
            url: None,
            api_key: None,
            headers: Vec::new(),
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

impl TargetConfig {
    /// The defaults for `url` (`None`: the built-in target).
    pub fn for_url(url: Option<String>) -> TargetConfig {
        TargetConfig {
            url,
            ..TargetConfig::default()
        }
    }

    /// Whether a URL was given (rather than the built-in replay target).
    pub fn is_remote(&self) -> bool {
        self.url.as_deref().is_some_and(|u| !u.trim().is_empty())
    }

    /// The target as reports show it: the URL without credentials, or `replay`.
    pub fn display_name(&self) -> String {
        match self.url.as_deref().filter(|u| !u.trim().is_empty()) {
            Some(url) => without_credentials(url),
            None => "replay".to_owned(),
        }
    }

    /// Checks the settings and builds the target.
    pub fn build(&self) -> Result<Box<dyn Target>, String> {
        let Some(url) = self.url.as_deref().filter(|u| !u.trim().is_empty()) else {
            return Ok(Box::new(ReplayTarget));
        };
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "the target must be an http:// or https:// URL, got `{}`",
                without_credentials(url)
            ));
        }
        if !(self.timeout_secs > 0.0 && self.timeout_secs.is_finite()) {
            return Err("the timeout must be a positive number of seconds".to_owned());
        }
        let mut options = HttpOptions::new(url);
        options.api_key = self.api_key.clone().filter(|k| !k.is_empty());
        options.timeout = Duration::from_secs_f64(self.timeout_secs);
        options.max_body = self.max_body;
        for header in &self.headers {
            let Some((name, value)) = header.split_once(':') else {
                return Err(format!(
                    "a header must look like `Name: value`, got `{header}`"
                ));
            };
            if name.trim().eq_ignore_ascii_case("authorization") {
                return Err(
                    "give the key with --api-key (or CONFORM_API_KEY), not an Authorization header"
                        .to_owned(),
                );
            }
            options
                .headers
                .push((name.trim().to_owned(), value.trim().to_owned()));
        }
        Ok(Box::new(HttpTarget::new(options)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_set_of_defaults_and_no_credentials_shown() {
        let config = TargetConfig::for_url(Some("http://user:pw@127.0.0.1:9/".to_owned()));
        assert_eq!(config.timeout_secs, DEFAULT_TIMEOUT_SECS);
        assert_eq!(config.display_name(), "http://127.0.0.1:9/");
        assert!(!format!("{config:?}").contains("pw"));
        assert!(TargetConfig::default().build().is_ok());
        let mut bad = config.clone();
        bad.headers = vec!["Authorization: Bearer x".to_owned()];
        assert!(bad.build().is_err());
        bad.url = Some("ftp://x".to_owned());
        assert!(bad.build().is_err());
    }
}
