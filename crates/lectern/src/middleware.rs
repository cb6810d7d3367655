//! The middleware stack, composed in one place.

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lectern_auth::{Auth, AuthError};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

/// Largest request body the identity routes read. Their bodies are a few hundred bytes.
const AUTH_BODY_LIMIT: usize = 64 * 1024;

/// The identity routes behind Better Auth's checks.
pub fn identity(routes: Router<Auth>, auth: &Auth) -> Router<Auth> {
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            auth.clone(),
            lectern_auth::guard::guard,
        ))
        .layer(DefaultBodyLimit::max(AUTH_BODY_LIMIT))
}

/// Tracing and CORS around everything.
pub fn stack(app: Router, auth: &Auth) -> Router {
    app.layer(cors(auth)).layer(
        TraceLayer::new_for_http()
            // The path only: query strings can carry tokens, and headers carry cookies.
            .make_span_with(|req: &Request| {
                tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
            })
            .on_request(())
            .on_response(|res: &Response, latency: Duration, _: &tracing::Span| {
                tracing::debug!(status = res.status().as_u16(), latency_us = latency.as_micros() as u64, "response");
            }),
    )
}

/// Credentials are allowed for trusted origins only, and the session headers Better Auth's
/// clients read are exposed to them (`set-auth-token`, `set-auth-jwt`).
fn cors(auth: &Auth) -> CorsLayer {
    let trusted = auth.config.trusted_origins.clone();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {
            origin.to_str().is_ok_and(|o| trusted.is_trusted(o))
        }))
        .allow_credentials(true)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
        .expose_headers([
            HeaderName::from_static("set-auth-token"),
            HeaderName::from_static("set-auth-jwt"),
        ])
        .max_age(Duration::from_secs(600))
}

pub async fn not_found() -> Response {
    AuthError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found").into_response()
}

async fn method_not_allowed() -> Response {
    AuthError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "Method not allowed",
    )
    .into_response()
}
