//! Fetching a JWKS over HTTP(S), reading `Cache-Control` for how long the answer is fresh.

use std::time::Duration;

use reqwest::header::{ACCEPT, CACHE_CONTROL, HeaderValue};

use super::{CachePolicy, Fetched};
use crate::error::VerifyError;
use crate::jwk::JwkSet;

/// Far above any real key set (Better Auth's holds a few 200-byte keys), far below memory
/// trouble if the URL points somewhere unexpected.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// A JWKS endpoint, e.g. Better Auth's `<baseURL>/api/auth/jwks`.
#[derive(Debug, Clone)]
pub struct HttpJwks {
    client: reqwest::Client,
    url: reqwest::Url,
}

impl HttpJwks {
    pub fn new(url: &str, policy: &CachePolicy) -> Result<Self, VerifyError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("lectern-verify/", env!("CARGO_PKG_VERSION")))
            .timeout(policy.fetch_timeout)
            .build()
            .map_err(|err| VerifyError::Config(format!("HTTP client: {err}")))?;
        Self::with_client(client, url)
    }

    /// Shares a client (connection pool, proxies, extra root certificates) with the service.
    pub fn with_client(client: reqwest::Client, url: &str) -> Result<Self, VerifyError> {
        let url = reqwest::Url::parse(url)
            .map_err(|err| VerifyError::Config(format!("JWKS URL {url:?}: {err}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(VerifyError::Config(format!("JWKS URL {url} is not http(s)")));
        }
        Ok(Self { client, url })
    }

    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    pub(crate) async fn fetch(&self) -> Result<Fetched, String> {
        let mut response = self
            .client
            .get(self.url.clone())
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|err| format!("GET {}: {err}", self.url))?;
        if !response.status().is_success() {
            return Err(format!("GET {} answered {}", self.url, response.status()));
        }
        let max_age = response.headers().get(CACHE_CONTROL).and_then(max_age);
        if response.content_length().is_some_and(|len| len > MAX_BODY_BYTES as u64) {
            return Err(format!("GET {}: body over {MAX_BODY_BYTES} bytes", self.url));
        }
        let mut body = Vec::new();
        while let Some(chunk) =
            response.chunk().await.map_err(|err| format!("GET {}: {err}", self.url))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(format!("GET {}: body over {MAX_BODY_BYTES} bytes", self.url));
            }
            body.extend_from_slice(&chunk);
        }
        let keys: JwkSet = serde_json::from_slice(&body)
            .map_err(|err| format!("GET {}: not a JWKS: {err}", self.url))?;
        Ok(Fetched { keys, max_age })
    }
}

/// `max-age=N` in seconds; `no-store` and `no-cache` count as zero (the policy then raises
/// it to its floor). `s-maxage` is for shared caches, which this is not.
fn max_age(header: &HeaderValue) -> Option<Duration> {
    let text = header.to_str().ok()?;
    let mut found = None;
    for directive in text.split(',').map(str::trim) {
        let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
        if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
            return Some(Duration::ZERO);
        }
        if name.eq_ignore_ascii_case("max-age") && found.is_none() {
            found = value.trim_matches('"').parse::<u64>().ok().map(Duration::from_secs);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: &'static str) -> Option<Duration> {
        max_age(&HeaderValue::from_static(value))
    }

    #[test]
    fn cache_control_directives() {
        assert_eq!(parse("public, max-age=600"), Some(Duration::from_secs(600)));
        assert_eq!(parse("Max-Age=\"60\", must-revalidate"), Some(Duration::from_secs(60)));
        assert_eq!(parse("max-age=600, no-cache"), Some(Duration::ZERO));
        assert_eq!(parse("no-store"), Some(Duration::ZERO));
        assert_eq!(parse("public"), None);
        assert_eq!(parse("max-age=soon"), None);
        assert_eq!(parse("s-maxage=60"), None);
    }

    #[test]
    fn only_http_urls_are_accepted() {
        let policy = CachePolicy::default();
        assert!(HttpJwks::new("https://auth.example.com/api/auth/jwks", &policy).is_ok());
        assert!(HttpJwks::new("file:///etc/passwd", &policy).is_err());
        assert!(HttpJwks::new("not a url", &policy).is_err());
    }
}
