//! The built-in replay target: owns [`ReplayTarget`], which answers each step with its own
//! recording, in process and without any network, so the corpus checks itself.

use super::{Answer, Exchange, Outgoing, Payload, Sent, Target, TransportError};

#[derive(Debug, Default, Clone, Copy)]
pub struct ReplayTarget;

impl Target for ReplayTarget {
    fn send<'c>(&self, exchange: Exchange<'c>, _request: &Outgoing) -> Sent<'c> {
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
        Ok(Answer {
            status: response.status,
            headers: response
                .headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
            body: Payload::Value(&response.body),
        })
    }

    fn base_url(&self) -> Option<&str> {
        None
    }

    fn answers_with_recordings(&self) -> bool {
        true
    }
}
