//! The reader API's request checks: the identity routes' rate limits and origin (CSRF)
//! check, so a page on an untrusted origin cannot make a signed-in reader's browser write.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lectern_auth::guard::Checks;

use crate::state::Api;

pub async fn guard(State(api): State<Api>, mut req: Request, next: Next) -> Response {
    let checks = Checks {
        limiter: api.settings.rate_limit.then_some(&api.limiter),
        trusted_origins: &api.settings.trusted_origins,
        trusted_proxies: &api.settings.trusted_proxies,
    };
    let bucket = bucket(req.uri().path());
    // Any path but the sign-in forms': a write that carries cookies needs a trusted origin.
    match checks.admit(&mut req, &bucket, "/api").await {
        Ok(()) => next.run(req).await,
        Err(err) => err.into_response(),
    }
}

/// One rate-limit bucket per resource kind, not per id, so a client cannot dodge the limit
/// by varying ids: `/api/chats/abc/messages` counts as `/api/chats/*/messages`.
fn bucket(path: &str) -> String {
    path.split('/')
        .enumerate()
        .map(|(i, segment)| if i == 3 { "*" } else { segment })
        .take(5)
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_share_a_bucket() {
        assert_eq!(super::bucket("/api/chats/abc/messages"), "/api/chats/*/messages");
        assert_eq!(super::bucket("/api/chats/xyz/messages"), "/api/chats/*/messages");
        assert_eq!(super::bucket("/api/me"), "/api/me");
        assert_eq!(super::bucket("/api/user/profile"), "/api/user/*");
    }
}
