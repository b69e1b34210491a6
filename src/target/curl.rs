//! Reproduction commands: owns [`curl_command`], which prints a request as a `curl` line with
//! the API key as a shell variable, never its value.

use super::Outgoing;
use crate::case::Auth;

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A `curl` command line that sends `request` to `base` (`$CONFORM_TARGET` when `None`).
pub fn curl_command(base: Option<&str>, request: &Outgoing) -> String {
    let base = base.unwrap_or("${CONFORM_TARGET}");
    let url = format!("{base}{}", request.path);
    let mut parts = vec!["curl".to_owned(), "-sS".to_owned()];
    if request.method != "GET" || request.body.is_some() {
        parts.push(format!("-X {}", request.method));
    }
    parts.push(if base.starts_with("${") {
        format!("\"{url}\"")
    } else {
        quote(&url)
    });
    match request.auth {
        Auth::Default => parts.push("-H \"Authorization: Bearer $CONFORM_API_KEY\"".to_owned()),
        Auth::Malformed => parts.push(format!(
            "-H {}",
            quote("Authorization: Bearer not-a-valid-key")
        )),
        Auth::None => {}
    }
    for (name, value) in &request.headers {
        parts.push(format!("-H {}", quote(&format!("{name}: {value}"))));
    }
    if let Some(body) = &request.body {
        parts.push(format!(
            "-H {}",
            quote(&format!("Content-Type: {}", body.content_type))
        ));
        parts.push(format!("--data-raw {}", quote(&body.text)));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Body;

    #[test]
    fn key_is_a_variable_and_quotes_are_escaped() {
        let request = Outgoing {
            method: "POST".into(),
            path: "/v1/customers".into(),
            headers: vec![("Idempotency-Key".into(), "k'1".into())],
            body: Some(Body {
                content_type: "application/x-www-form-urlencoded".into(),
                text: "name=O'Hara".into(),
            }),
            auth: Auth::Default,
        };
        let line = curl_command(Some("http://127.0.0.1:9"), &request);
        assert_eq!(
            line,
            r#"curl -sS -X POST 'http://127.0.0.1:9/v1/customers' -H "Authorization: Bearer $CONFORM_API_KEY" -H 'Idempotency-Key: k'\''1' -H 'Content-Type: application/x-www-form-urlencoded' --data-raw 'name=O'\''Hara'"#
        );
    }
}
