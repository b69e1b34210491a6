//! Which parameters each endpoint takes, read from the `stripe` Node package: owns
//! [`Endpoints`] and [`read_endpoints`]. Each resource's `.js` file names, per method, the HTTP
//! method and path it requests; its `.d.ts` file names the parameters interface the method
//! takes. Joining the two gives `POST /v1/customers` -> `CustomerCreateParams`.

use std::collections::BTreeMap;
use std::path::Path;

use regex::Regex;

use super::DeriveError;

/// Parameters interfaces by method and path shape (every path parameter written `{}`).
#[derive(Debug, Default)]
pub struct Endpoints {
    params: BTreeMap<(String, String), String>,
}

impl Endpoints {
    /// The parameters interface of a request, whose path may hold ids, `${...}` templates or
    /// `{name}` placeholders where the route has parameters.
    pub fn params(&self, method: &str, path: &str) -> Option<&str> {
        let key = (method.to_ascii_uppercase(), shape(path));
        self.params.get(&key).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.params.len()
    }

    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }
}

/// A path with its query dropped and every parameter segment written `{}`.
fn shape(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or("");
    path.split('/')
        .map(|segment| {
            let parameter =
                segment.starts_with('{') || segment.contains("${") || crate::ids::is_id(segment);
            if parameter {
                "{}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads every resource of the `stripe` package folder `dir` (its `cjs/` files).
pub fn read_endpoints(dir: &Path) -> Result<Endpoints, DeriveError> {
    let request = Regex::new(
        r"(\w+)\([\w, ]*\)\s*\{\s*return this\._makeRequest\('(\w+)',\s*(?:'([^']*)'|`([^`]*)`)",
    )
    .map_err(|e| DeriveError {
        file: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let takes =
        Regex::new(r"(?m)^\s+(\w+)\((?:\w+: string, )*params\??: ([\w.]+)").map_err(|e| {
            DeriveError {
                file: dir.to_path_buf(),
                message: e.to_string(),
            }
        })?;
    let template = Regex::new(r"\$\{[^}]*\}").map_err(|e| DeriveError {
        file: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut endpoints = Endpoints::default();
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|x| x == "js"))
        .filter(|p| !p.components().any(|c| c.as_os_str() == "esm"))
        .collect();
    files.sort();
    for js in files {
        let declarations = js.with_extension("d.ts");
        let (Ok(code), Ok(types)) = (
            std::fs::read_to_string(&js),
            std::fs::read_to_string(&declarations),
        ) else {
            continue;
        };
        let by_method: BTreeMap<&str, &str> = takes
            .captures_iter(&types)
            .filter_map(|c| Some((c.get(1)?.as_str(), c.get(2)?.as_str())))
            .collect();
        for found in request.captures_iter(&code) {
            let (Some(name), Some(method)) = (found.get(1), found.get(2)) else {
                continue;
            };
            let Some(path) = found.get(3).or(found.get(4)) else {
                continue;
            };
            let Some(params) = by_method.get(name.as_str()) else {
                continue;
            };
            let path = template.replace_all(path.as_str(), "{}");
            endpoints.params.insert(
                (method.as_str().to_owned(), shape(&path)),
                (*params).to_owned(),
            );
        }
    }
    if endpoints.is_empty() {
        return Err(DeriveError {
            file: dir.to_path_buf(),
            message: "no resource methods found (expected the `stripe` Node package)".to_owned(),
        });
    }
    Ok(endpoints)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_shaped_alike_from_either_side() {
        assert_eq!(
            shape("/v1/customers/cus_Q1w2E3r4T5/balance_transactions?limit=3"),
            "/v1/customers/{}/balance_transactions"
        );
        assert_eq!(
            shape("/v1/customers/{}/balance_transactions"),
            "/v1/customers/{}/balance_transactions"
        );
        assert_eq!(
            shape("/v1/checkout/sessions/${create.body.id}/expire"),
            "/v1/checkout/sessions/{}/expire"
        );
        assert_eq!(
            shape("/v1/credit_notes/preview"),
            "/v1/credit_notes/preview"
        );
    }
}
