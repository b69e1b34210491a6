//! The built-in replay target: owns [`ReplayTarget`], which answers each step with its own
//! recording, in process and without any network, so the corpus checks itself.

use super::{Answer, Exchange, Outgoing, Target, TransportError};

#[derive(Debug, Default, Clone, Copy)]
pub struct ReplayTarget;

impl Target for ReplayTarget {
    fn send(&self, exchange: Exchange<'_>, _request: &Outgoing) -> Result<Answer, TransportError> {
        let Some(step) = exchange.case.steps.get(exchange.step) else {
            return Err(TransportError::Other {
                url: "replay".to_owned(),
                message: format!(
                    "case {} has no step {}",
                    exchange.case.name,
                    exchange.step + 1
                ),
            });
        };
        let response = &step.step.response;
        let body = if response.body.is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(&response.body).unwrap_or_default()
        };
        Ok(Answer {
            status: response.status,
            headers: response
                .headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
            body,
        })
    }

    fn base_url(&self) -> Option<&str> {
        None
    }
}
