//! The checks every `/api/auth` request passes before its handler, in Better Auth's order:
//! the rate limiter, then the origin (CSRF) check. It also records the client's IP for
//! the flows that store it on a session.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::client_ip::ClientIp;
use crate::state::Auth;
use crate::{origin, rate_limit};

pub async fn guard(State(auth): State<Auth>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let ip =
        peer.map(|peer| rate_limit::client_ip(peer, req.headers(), &auth.config.trusted_proxies));
    req.extensions_mut().insert(ClientIp(ip));

    let path = req.uri().path();
    if auth.config.rate_limit {
        // Without a peer address (in-process callers) every request shares one bucket.
        let ip = ip.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into());
        if let Err(err) = auth.limiter.check(ip, path, Instant::now()) {
            return err.into_response();
        }
    }
    if let Err(err) =
        origin::check_request(&auth.config.trusted_origins, req.method(), path, req.headers())
    {
        return err.into_response();
    }
    next.run(req).await
}
