//! The whole URL map of the service.

use axum::Router;
use axum::routing::{get, post};
use lectern_auth::Auth;
use lectern_auth::routes::{
    change_password, get_session, jwt, sessions, sign_in_anonymous, sign_in_email, sign_out,
    sign_up, update_user,
};

use crate::{health, middleware};

/// The application for `state`, with its middleware; `serve` and the tests both use it.
pub fn app(auth: Auth) -> Router {
    let identity = Router::new()
        .route("/ok", get(lectern_auth::routes::ok))
        .route("/sign-up/email", post(sign_up::handler))
        .route("/sign-in/email", post(sign_in_email::handler))
        .route("/sign-in/anonymous", post(sign_in_anonymous::handler))
        .route("/get-session", get(get_session::handler).post(get_session::post))
        .route("/sign-out", post(sign_out::handler))
        .route("/list-sessions", get(sessions::list))
        .route("/revoke-session", post(sessions::revoke))
        .route("/revoke-sessions", post(sessions::revoke_all))
        .route("/revoke-other-sessions", post(sessions::revoke_others))
        .route("/update-user", post(update_user::handler))
        .route("/change-password", post(change_password::handler))
        .route("/token", get(jwt::token))
        .route("/jwks", get(jwt::jwks));

    let app = Router::new()
        .nest("/api/auth", middleware::identity(identity, &auth))
        // The original designs' JWKS path (DESIGN.md §5).
        .route("/.well-known/jwks.json", get(jwt::jwks))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .fallback(middleware::not_found)
        .with_state(auth.clone());
    middleware::stack(app, &auth)
}
