//! Name resolution for the HTTP client: each host is looked up once per agent, not once per
//! request. ureq looks the host up before every request, even when a pooled connection is
//! reused, and with a timeout set it does so on a freshly spawned thread; a run sends every
//! request to one base URL, so the answer is kept. A failed lookup is not kept: the next request
//! tries again.

use std::collections::HashMap;
use std::sync::Mutex;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// Hosts (with port and scheme) a run has looked up, at most this many: a run talks to one
/// target, a proxy to one upstream.
const MAX_HOSTS: usize = 16;

#[derive(Debug, Default)]
pub struct ResolveOnce {
    lookup: DefaultResolver,
    known: Mutex<HashMap<String, ResolvedSocketAddrs>>,
}

impl Resolver for ResolveOnce {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or(""),
            uri.authority().map_or("", |a| a.as_str())
        );
        let known = |map: &HashMap<String, ResolvedSocketAddrs>| map.get(&key).cloned();
        if let Some(addrs) = known(&self.known.lock().unwrap_or_else(|e| e.into_inner())) {
            return Ok(addrs);
        }
        let addrs = self.lookup.resolve(uri, config, timeout)?;
        let mut map = self.known.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() < MAX_HOSTS {
            map.insert(key, addrs.clone());
        }
        Ok(addrs)
    }
}

/// An agent with `config` whose lookups go through [`ResolveOnce`].
pub fn agent(config: Config) -> ureq::Agent {
    ureq::Agent::with_parts(config, DefaultConnector::new(), ResolveOnce::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn timeout() -> NextTimeout {
        NextTimeout {
            after: ureq::unversioned::transport::time::Duration::from(Duration::from_secs(5)),
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        }
    }

    #[test]
    fn a_host_is_looked_up_once_and_kept_per_authority() {
        let resolver = ResolveOnce::default();
        let config = Config::default();
        let a: Uri = "http://127.0.0.1:4242/v1/customers".parse().unwrap();
        let b: Uri = "http://127.0.0.1:4343/v1/customers".parse().unwrap();
        let first = resolver.resolve(&a, &config, timeout()).unwrap();
        assert_eq!(first[0], "127.0.0.1:4242".parse().unwrap());
        let again = resolver.resolve(&a, &config, timeout()).unwrap();
        assert_eq!(&first[..], &again[..]);
        let other = resolver.resolve(&b, &config, timeout()).unwrap();
        assert_eq!(other[0], "127.0.0.1:4343".parse().unwrap());
        assert_eq!(resolver.known.lock().unwrap().len(), 2);
    }

    #[test]
    fn a_failed_lookup_is_not_kept() {
        let resolver = ResolveOnce::default();
        let config = Config::default();
        let bad: Uri = "http://no-such-host.invalid:1/".parse().unwrap();
        assert!(resolver.resolve(&bad, &config, timeout()).is_err());
        assert!(resolver.known.lock().unwrap().is_empty());
    }
}
