//! The middleware stack, composed in one place.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lectern_api::Api;
use lectern_auth::origin::TrustedOrigins;
use lectern_auth::rate_limit::TrustedProxies;
use lectern_auth::{Auth, AuthError};

/// The identity routes behind Better Auth's checks.
pub fn identity(routes: Router<Auth>, auth: &Auth) -> Router<Auth> {
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(auth.clone(), lectern_auth::guard::guard))
}

/// The reader API behind the same checks; a known path with the wrong method is a 405.
pub fn reader_api(routes: Router<Api>, api: &Api) -> Router<Api> {
    routes
        .method_not_allowed_fallback(|| async {
            AuthError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "Method Not Allowed",
            )
        })
        .layer(axum::middleware::from_fn_with_state(api.clone(), lectern_api::guard::guard))
}

/// The request log and CORS around everything.
pub fn stack(app: Router, trusted: TrustedOrigins, proxies: TrustedProxies) -> Router {
    app.layer(axum::middleware::from_fn(crate::metrics::track))
        .layer(axum::middleware::from_fn_with_state(Arc::new(trusted), cors))
        .layer(axum::middleware::from_fn_with_state(Arc::new(proxies), crate::access_log::log))
}

/// CORS with credentials for trusted origins only. Better Auth leaves CORS to the host
/// framework; an untrusted origin here gets exactly what Better Auth gives it (no CORS
/// headers, and a preflight falls through to routing). Trusted origins may read the
/// session headers Better Auth's clients use (`set-auth-token`, `set-auth-jwt`).
async fn cors(State(trusted): State<Arc<TrustedOrigins>>, req: Request, next: Next) -> Response {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .filter(|o| o.to_str().is_ok_and(|o| trusted.is_trusted(o)))
        .cloned();
    let Some(origin) = origin else { return next.run(req).await };
    let preflight = req.method() == Method::OPTIONS
        && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut res = if preflight {
        let mut res = StatusCode::NO_CONTENT.into_response();
        let h = res.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOWED_METHODS));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOWED_HEADERS));
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        res
    } else {
        next.run(req).await
    };
    let h = res.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSED_HEADERS));
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    res
}

const ALLOWED_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
const ALLOWED_HEADERS: &str = "content-type, authorization, accept";
const EXPOSED_HEADERS: &str = "set-auth-token, set-auth-jwt, x-retry-after";

pub async fn not_found() -> Response {
    AuthError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found").into_response()
}

/// Better Auth's router answers a known path with the wrong method as an unknown path.
async fn method_not_allowed() -> Response {
    not_found().await
}
