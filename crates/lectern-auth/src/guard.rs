//! The checks every `/api/auth` request passes before its handler, in Better Auth's order:
//! the rate limiter, then the origin (CSRF) check. It also records the client's IP for
//! the flows that store it on a session. The reader API runs the same checks through
//! [`admit`].

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::client_ip::ClientIp;
use crate::origin::TrustedOrigins;
use crate::rate_limit::{RateLimiter, TrustedProxies};
use crate::state::Auth;
use crate::{AuthResult, origin, rate_limit};

pub async fn guard(State(auth): State<Auth>, mut req: Request, next: Next) -> Response {
    let limiter = auth.config.rate_limit.then_some(&auth.limiter);
    let checks = Checks {
        limiter,
        trusted_origins: &auth.config.trusted_origins,
        trusted_proxies: &auth.config.trusted_proxies,
    };
    let path = req.uri().path().to_owned();
    match checks.admit(&mut req, &path, &path).await {
        Ok(()) => next.run(req).await,
        Err(err) => err.into_response(),
    }
}

/// What a request is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Checks<'a> {
    /// `None` when rate limiting is off.
    pub limiter: Option<&'a RateLimiter>,
    pub trusted_origins: &'a TrustedOrigins,
    pub trusted_proxies: &'a TrustedProxies,
}

impl Checks<'_> {
    /// Resolves and records the client IP, counts the request in the rate-limit bucket
    /// `bucket` (a path, whose rule applies), and runs the origin check as for `path`.
    pub async fn admit(&self, req: &mut Request, bucket: &str, path: &str) -> AuthResult<()> {
        let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let ip = peer.map(|peer| rate_limit::client_ip(peer, req.headers(), self.trusted_proxies));
        req.extensions_mut().insert(ClientIp(ip));
        if let Some(limiter) = self.limiter {
            // Without a peer address (in-process callers) every request shares one bucket.
            let ip = ip.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into());
            limiter.check(ip, bucket).await?;
        }
        origin::check_request(self.trusted_origins, req.method(), path, req.headers())
    }
}
