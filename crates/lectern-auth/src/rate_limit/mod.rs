//! Better Auth's rate limiter (`src/api/rate-limiter/index.ts`, 1.7.x): a counter per
//! client IP and path, 3 requests per 10 s on sign-in, sign-up, change-password and
//! change-email, 100 per 10 s elsewhere. A window ends only after `window` seconds without
//! an allowed request, as in Better Auth.
//!
//! The counters live in this process, or, with `REDIS_URL`, in Redis ([`shared`]), so that
//! replicas behind a load balancer share one limit; if Redis stops answering, each replica
//! falls back to its own counters rather than refuse or wave through everyone.
//!
//! The client IP is the TCP peer, unless the peer is a configured trusted proxy: then it is
//! the last `X-Forwarded-For` hop that is not itself a trusted proxy. Better Auth believes a
//! single-hop `X-Forwarded-For` from anyone, which lets a client pick its own bucket.

mod memory;
pub mod shared;

use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::error::{AuthError, AuthResult};
use memory::MemoryCounters;
pub use shared::SharedCounters;

/// IPs and CIDR ranges whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses `10.0.0.1,10.1.0.0/16,::1`.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut ranges = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (ip, bits) = match item.split_once('/') {
                Some((ip, bits)) => (ip, Some(bits)),
                None => (item, None),
            };
            let ip: IpAddr = ip.parse().map_err(|_| format!("not an IP address: {item:?}"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                Some(b) => b
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or(format!("bad prefix in {item:?}"))?,
                None => max,
            };
            ranges.push((ip, bits));
        }
        Ok(Self(ranges))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|(net, bits)| in_range(ip, *net, *bits))
    }
}

fn in_range(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// The client's IP: see the module documentation.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, proxies: &TrustedProxies) -> IpAddr {
    if !proxies.contains(peer) {
        return peer;
    }
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if proxies.contains(ip) => continue,
            Ok(ip) => return ip,
            Err(_) => break,
        }
    }
    peer
}

/// The rate-limit key part for an IP: IPv6 clients are grouped by /64, since one host
/// usually owns a whole /64.
fn ip_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let prefix = u128::from(v6) & (u128::MAX << 64);
                format!("{}/64", Ipv6Addr::from(prefix))
            }
        },
    }
}

/// The counter's name. Paths are the client's to choose (the check runs before routing), so
/// a long one is hashed: a key stays small in memory and in Redis.
fn key(ip: IpAddr, path: &str) -> String {
    const LONGEST_PATH: usize = 128;
    if path.len() <= LONGEST_PATH {
        format!("{}|{path}", ip_key(ip))
    } else {
        format!("{}|#{}", ip_key(ip), hex::encode(Sha256::digest(path.as_bytes())))
    }
}

/// Window and maximum for `path` (relative to `/api/auth`), Better Auth's default rules;
/// and for the reader API's buckets (`/api/…`), its default and the tutor's.
fn rule(path: &str) -> Rule {
    const TEN_S: Duration = Duration::from_secs(10);
    const MINUTE: Duration = Duration::from_secs(60);
    let strict = ["/sign-in", "/sign-up", "/change-password", "/change-email"];
    // `/delete-user` mails a confirmation link when deletion is confirmed by mail.
    let mail =
        ["/request-password-reset", "/send-verification-email", "/forget-password", "/delete-user"];
    // Asking the tutor costs a model call: a question every few seconds is a fast reader.
    if path.starts_with("/api/chats/") && path.ends_with("/messages") {
        Rule { name: "tutor", window: MINUTE, max: 20, shared: true }
    } else if path == "/sign-in/social/continue" {
        // Only sends a browser on to the provider: its sign-in/social was counted already.
        Rule { name: "default", window: TEN_S, max: 100, shared: false }
    } else if strict.iter().any(|p| path.starts_with(p)) {
        Rule { name: "sign-in", window: TEN_S, max: 3, shared: true }
    } else if mail.iter().any(|p| path.starts_with(p)) {
        Rule { name: "mail", window: MINUTE, max: 3, shared: true }
    } else {
        Rule { name: "default", window: TEN_S, max: 100, shared: false }
    }
}

/// A window and the most requests it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rule {
    /// For the `lectern_rate_limited_total` metric.
    name: &'static str,
    window: Duration,
    max: u32,
    /// Counted in Redis when there is one. These limits stop guessing passwords and spending
    /// (mail, model calls), which a client could multiply by the number of replicas. The
    /// general limit guards each replica's own load, so each counts it alone, at memory
    /// speed: in Redis it cost get-session a third of its throughput (docs/benchmarks.md).
    shared: bool,
}

/// The request counters, in memory or shared in Redis. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct RateLimiter {
    memory: Arc<MemoryCounters>,
    shared: Option<SharedCounters>,
}

impl RateLimiter {
    /// With `shared`, every replica counts in the same Redis; this process's own counters
    /// serve only while Redis does not answer.
    pub fn new(shared: Option<SharedCounters>) -> Self {
        Self { memory: Arc::default(), shared }
    }

    /// Counts a request from `ip` to `path`; `Err(RateLimited)` when over the limit.
    pub async fn check(&self, ip: IpAddr, path: &str) -> AuthResult<()> {
        let rule = rule(path);
        let key = key(ip, path);
        // `None`: not counted in Redis (no Redis, a local rule, or Redis unavailable).
        let in_redis = match &self.shared {
            Some(shared) if rule.shared => shared.count(&key, rule).await.ok(),
            _ => None,
        };
        let retry_after = in_redis.unwrap_or_else(|| self.memory.count(&key, rule, Instant::now()));
        match retry_after {
            None => Ok(()),
            Some(wait) => {
                metrics::counter!("lectern_rate_limited_total", "rule" => rule.name).increment(1);
                Err(AuthError::RateLimited {
                    retry_after: (wait.as_secs_f64().ceil() as u64).max(1),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test IP")
    }

    #[tokio::test]
    async fn sign_in_allows_three_per_ten_seconds() {
        let limiter = RateLimiter::default();
        for _ in 0..3 {
            assert!(limiter.check(ip("1.2.3.4"), "/sign-in/email").await.is_ok());
        }
        let refused = limiter.check(ip("1.2.3.4"), "/sign-in/email").await;
        assert!(matches!(refused, Err(AuthError::RateLimited { retry_after: 10 })), "{refused:?}");
        // Another client and another path have their own counters.
        assert!(limiter.check(ip("1.2.3.5"), "/sign-in/email").await.is_ok());
        assert!(limiter.check(ip("1.2.3.4"), "/get-session").await.is_ok());
    }

    #[test]
    fn replicas_share_the_limits_on_guessing_and_spending_only() {
        for path in [
            "/sign-in/email",
            "/sign-up/email",
            "/change-password",
            "/request-password-reset",
            "/api/chats/*/messages",
        ] {
            assert!(rule(path).shared, "{path}");
        }
        for path in ["/get-session", "/token", "/api/me", "/api/chats", "/sign-in/social/continue"]
        {
            assert!(!rule(path).shared, "{path}: each replica guards its own load");
        }
        assert_eq!(rule("/sign-in/social").max, 3, "starting a social sign-in is a sign-in");
        assert_eq!(rule("/delete-user").window, Duration::from_secs(60), "it may send mail");
    }

    #[tokio::test]
    async fn ipv6_clients_share_their_64() {
        let limiter = RateLimiter::default();
        for host in ["2001:db8::1", "2001:db8::2", "2001:db8::3"] {
            assert!(limiter.check(ip(host), "/sign-up/email").await.is_ok());
        }
        assert!(limiter.check(ip("2001:db8::4"), "/sign-up/email").await.is_err());
        assert!(limiter.check(ip("2001:db8:0:1::1"), "/sign-up/email").await.is_ok());
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, ::1").expect("valid list");
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.7".parse().expect("header"));
        assert_eq!(client_ip(ip("10.0.0.1"), &headers, &proxies), ip("203.0.113.9"));
        assert_eq!(client_ip(ip("198.51.100.1"), &headers, &proxies), ip("198.51.100.1"));
        assert_eq!(client_ip(ip("::1"), &HeaderMap::new(), &proxies), ip("::1"));
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("nope").is_err());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// A forwarded-for header is attacker-controlled text: it never panics the parser,
        /// and an untrusted peer can never choose its own address with it.
        #[test]
        fn forwarded_for_is_never_believed_from_strangers(xff in "\\PC{0,100}") {
            let mut headers = HeaderMap::new();
            if let Ok(value) = xff.parse() {
                headers.insert("x-forwarded-for", value);
            }
            let proxies = TrustedProxies::parse("10.0.0.0/8").expect("valid");
            let stranger: IpAddr = "198.51.100.7".parse().expect("ip");
            prop_assert_eq!(client_ip(stranger, &headers, &proxies), stranger);
            let _ = client_ip("10.0.0.1".parse().expect("ip"), &headers, &proxies);
        }
    }
}
