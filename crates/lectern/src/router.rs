//! The whole URL map of the service, for each role.

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use lectern_api::Api;
use lectern_api::chat::stop::Generations;
use lectern_api::profile::{self, Questionnaire};
use lectern_api::tutor::Tutor;
use lectern_api::{chat, chatkit, insights, merge};
use lectern_auth::Auth;
use lectern_auth::origin::TrustedOrigins;
use lectern_auth::rate_limit::TrustedProxies;
use lectern_auth::routes::{
    accounts, change_password, delete_user, email_flows, get_session, jwt, one_time_token,
    password_reset, sessions, sign_in_anonymous, sign_in_email, sign_out, sign_up, social,
    update_user,
};
use lectern_store::Store;

use crate::web::{self, Site};
use crate::{health, middleware};

/// What the reader API serves besides identity: the questionnaire, the tutor and the demo
/// site.
#[derive(Debug, Default)]
pub struct Reading {
    pub questionnaire: Questionnaire,
    /// `None`: no book loaded, so asking answers 503.
    pub tutor: Option<Arc<Tutor>>,
    /// `None`: no demo pages, only the widget's files.
    pub site: Option<Arc<Site>>,
    /// The answers being generated, which a stopping server lets finish or saves.
    pub generations: Arc<Generations>,
}

/// `--role all` with the built-in questionnaire and no book.
pub fn app(auth: Auth) -> Router {
    app_with(auth, Reading::default())
}

/// `--role all`: identity and reader API in one process; the API reads sessions and keys
/// in process. `serve` and the tests both use it.
pub fn app_with(auth: Auth, reading: Reading) -> Router {
    let api = Api::in_process(&auth, reading.questionnaire, reading.tutor, reading.generations)
        .expect("the base URL was validated with the configuration");
    let edge = Edge::of(&auth);
    let routes = identity(auth).merge(reader_api(api)).merge(web::routes(reading.site));
    finish(routes, edge)
}

/// `--role auth`: only `/api/auth/*` (and the JWKS alias), as the Better Auth sidecar was.
pub fn auth_role(auth: Auth) -> Router {
    let edge = Edge::of(&auth);
    finish(identity(auth), edge)
}

/// `--role api`: the reader API, verifying readers with the configured strategy, and the
/// widget with the demo site (which need `/api/auth` from the same origin, via a proxy).
pub fn api_role(api: Api, site: Option<Arc<Site>>, edge: Edge) -> Router {
    finish(reader_api(api).merge(web::routes(site)), edge)
}

/// What the layers around every route need: the database for health, and whom to trust.
#[derive(Debug, Clone)]
pub struct Edge {
    pub store: Store,
    pub origins: TrustedOrigins,
    pub proxies: TrustedProxies,
}

impl Edge {
    fn of(auth: &Auth) -> Self {
        Self {
            store: auth.store.clone(),
            origins: auth.config.trusted_origins.clone(),
            proxies: auth.config.trusted_proxies.clone(),
        }
    }
}

/// Better Auth's admin plugin (`src/plugins/admin/routes.ts`, 1.7.24) under `/admin`.
fn admin_plugin() -> Router<Auth> {
    use lectern_auth::admin::{bans, impersonate, permission, sessions, users};
    Router::new()
        .route("/admin/list-users", get(users::list))
        .route("/admin/get-user", get(users::get))
        .route("/admin/create-user", post(users::create))
        .route("/admin/update-user", post(users::update_user))
        .route("/admin/set-role", post(users::set_role))
        .route("/admin/set-user-password", post(users::set_password))
        .route("/admin/remove-user", post(users::remove))
        .route("/admin/ban-user", post(bans::ban))
        .route("/admin/unban-user", post(bans::unban))
        .route("/admin/list-user-sessions", post(sessions::list))
        .route("/admin/revoke-user-session", post(sessions::revoke_one))
        .route("/admin/revoke-user-sessions", post(sessions::revoke_all))
        .route("/admin/impersonate-user", post(impersonate::start))
        .route("/admin/stop-impersonating", post(impersonate::stop))
        .route("/admin/has-permission", post(permission::has_permission))
}

fn identity(auth: Auth) -> Router {
    let routes = Router::new()
        .route("/ok", get(lectern_auth::routes::ok))
        .route("/sign-up/email", post(sign_up::handler))
        .route("/sign-in/email", post(sign_in_email::handler))
        .route("/sign-in/anonymous", post(sign_in_anonymous::handler))
        .route("/sign-in/social", post(social::sign_in))
        .route("/sign-in/social/continue", get(social::redirect))
        .route("/callback/{id}", get(social::callback).post(social::callback_post))
        .route("/link-social", post(social::link))
        .route("/social-providers", get(social::providers))
        .route("/error", get(social::error_page))
        .route("/get-session", get(get_session::handler).post(get_session::post))
        .route("/sign-out", post(sign_out::handler))
        .route("/list-sessions", get(sessions::list))
        .route("/revoke-session", post(sessions::revoke))
        .route("/revoke-sessions", post(sessions::revoke_all))
        .route("/revoke-other-sessions", post(sessions::revoke_others))
        .route("/update-user", post(update_user::handler))
        .route("/change-password", post(change_password::handler))
        .route("/delete-user", post(delete_user::handler))
        .route("/delete-user/callback", get(delete_user::callback))
        .route("/list-accounts", get(accounts::list))
        .route("/unlink-account", post(accounts::unlink))
        .route("/change-email", post(email_flows::change_email))
        .route("/request-password-reset", post(password_reset::request_password_reset))
        .route("/reset-password", post(password_reset::reset_password))
        .route("/reset-password/{token}", get(password_reset::reset_password_link))
        .route("/send-verification-email", post(email_flows::send_verification_email))
        .route("/verify-email", get(email_flows::verify_email))
        .route("/one-time-token/generate", get(one_time_token::generate))
        .route("/one-time-token/verify", post(one_time_token::verify))
        .route("/token", get(jwt::token))
        .route("/jwks", get(jwt::jwks))
        .merge(admin_plugin());
    Router::new()
        .nest("/api/auth", middleware::identity(routes, &auth))
        // The original designs' JWKS path (DESIGN.md §5).
        .route("/.well-known/jwks.json", get(jwt::jwks))
        .with_state(auth)
}

fn reader_api(api: Api) -> Router {
    let routes = Router::new()
        .route("/api/me", get(lectern_api::me::handler))
        .route("/api/openapi.json", get(lectern_api::openapi::serve))
        .route("/api/user/profile/schema", get(profile::schema))
        .route(
            "/api/user/profile",
            get(profile::get).put(profile::put).post(profile::post).patch(profile::patch),
        )
        .route("/api/chats", get(chat::list).post(chat::create))
        .route("/api/chats/{id}", get(chat::get).patch(chat::rename).delete(chat::delete))
        .route("/api/chats/{id}/messages", post(chat::ask::ask))
        .route("/api/chats/{id}/messages/{message}/feedback", post(chat::feedback::rate))
        .route("/api/chats/{id}/stop", post(chat::stop::stop))
        .route("/api/chat/session/merge", post(merge::explicit))
        // The original design's path (DESIGN.md §5).
        .route("/api/chatkit/merge", post(merge::explicit))
        // The author's dashboard (docs/insights.md), admins only.
        .route("/admin", get(insights::overview))
        .route("/admin/readers", get(insights::readers))
        .route("/admin/backgrounds", get(insights::backgrounds))
        .route("/admin/questions", get(insights::questions))
        .route("/admin/failures", get(insights::failures))
        .route("/admin/health", get(insights::health));
    // The OpenAI ChatKit protocol, at the path ChatKit servers use and under /api, behind
    // the same checks, whose refusals it words in the SDK's error shape.
    let chatkit = Router::new()
        .route("/chatkit", post(chatkit::serve))
        .route("/api/chatkit", post(chatkit::serve_under_api));
    let chatkit = middleware::reader_api(chatkit, &api)
        .layer(axum::middleware::map_response(chatkit::refusals));
    middleware::reader_api(routes, &api).merge(chatkit).with_state(api)
}

fn finish(routes: Router, edge: Edge) -> Router {
    let health = Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .with_state(edge.store);
    let routes = routes.merge(health).fallback(middleware::not_found);
    middleware::stack(routes, edge.origins, edge.proxies)
}
