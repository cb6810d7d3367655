//! Social sign-in on Better Auth 1.7's wire protocol (`src/api/routes/sign-in.ts`
//! `signInSocial`, `callback.ts`, `account.ts` `linkSocial`, `error.ts`): the official
//! client's `signIn.social` and `linkSocial` work unchanged.
//!
//! One addition for a book on another site than Lectern (the widget in bearer mode): the
//! browser never stores Lectern's cookies from a cross-site `fetch`, so the flow cannot be
//! bound to it there. The client asks with `additionalData: {lecternOneTimeToken: true}`,
//! sends the browser to [`redirect`] (a first-party page of Lectern that sets the `state`
//! cookie, then goes on to the provider), and the callback returns the reader with
//! `?ott=<one-time token>` for the widget to trade for its session.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use lectern_store::{AuditAction, AuditEvent};
use serde::Deserialize;
use serde_json::Value;

use super::{check_url, query_map};
use crate::audit::Audit;
use crate::body::{Body, Field, Kind, Schema};
use crate::client_ip::ClientIp;
use crate::error::{AuthError, AuthResult};
use crate::guest::{Guest, upgrade_guest};
use crate::oauth::accounts::{self, SignedIn};
use crate::oauth::provider::{AuthorizationRequest, Provider};
use crate::oauth::state::{self, FlowState, Link};
use crate::oauth::{Identity, Tokens};
use crate::origin::UrlField;
use crate::session::{self, Client, CurrentSession, SessionCookies};
use crate::state::Auth;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SocialSignIn {
    provider: String,
    #[serde(rename = "callbackURL")]
    callback_url: Option<String>,
    #[serde(rename = "newUserCallbackURL")]
    new_user_callback_url: Option<String>,
    #[serde(rename = "errorCallbackURL")]
    error_callback_url: Option<String>,
    disable_redirect: Option<bool>,
    id_token: Option<Value>,
    scopes: Option<Vec<String>>,
    request_sign_up: Option<bool>,
    login_hint: Option<String>,
    additional_data: Option<Value>,
}

impl Schema for SocialSignIn {
    const FIELDS: &'static [Field] = &[
        Field::required("provider", Kind::String),
        Field::optional("callbackURL", Kind::String),
        Field::optional("newUserCallbackURL", Kind::String),
        Field::optional("errorCallbackURL", Kind::String),
        Field::optional("disableRedirect", Kind::Boolean),
        Field::optional("idToken", Kind::Any),
        Field::optional("scopes", Kind::Any),
        Field::optional("requestSignUp", Kind::Boolean),
        Field::optional("loginHint", Kind::String),
        Field::optional("additionalParams", Kind::Any),
        Field::optional("additionalData", Kind::Any),
    ];
}

impl SocialSignIn {
    fn check_urls(&self, auth: &Auth) -> AuthResult<()> {
        check_url(auth, self.callback_url.as_deref(), UrlField::Callback)?;
        check_url(auth, self.error_callback_url.as_deref(), UrlField::ErrorCallback)?;
        check_url(auth, self.new_user_callback_url.as_deref(), UrlField::NewUserCallback)
    }

    fn provider<'a>(&self, auth: &'a Auth) -> AuthResult<&'a Provider> {
        let provider = auth.providers.get(&self.provider).ok_or_else(|| {
            AuthError::new(StatusCode::NOT_FOUND, "PROVIDER_NOT_FOUND", "Provider not found")
        })?;
        // A token the client already holds (Google One Tap, native apps) can only be checked
        // against an OpenID Connect provider's keys; linking with one is not built yet.
        if self.id_token.is_some() && !provider.uses_nonce() {
            return Err(AuthError::new(
                StatusCode::NOT_FOUND,
                "ID_TOKEN_NOT_SUPPORTED",
                "id_token not supported",
            ));
        }
        Ok(provider)
    }

    fn flow(&self, auth: &Auth) -> FlowState {
        let wants_ott = self
            .additional_data
            .as_ref()
            .and_then(|d| d.get("lecternOneTimeToken"))
            .is_some_and(|v| v == &Value::Bool(true));
        FlowState {
            callback_url: self.callback_url.clone().unwrap_or_else(|| auth.config.base_url.clone()),
            error_url: self.error_callback_url.clone(),
            new_user_url: self.new_user_callback_url.clone(),
            request_sign_up: self.request_sign_up,
            lectern_one_time_token: wants_ott,
            ..FlowState::default()
        }
    }
}

/// `POST /sign-in/social` → `{url, redirect}`: where to send the reader, and the `state`
/// cookie. A guest who starts it keeps their chats once signed in.
pub async fn sign_in(
    State(auth): State<Auth>,
    ClientIp(ip): ClientIp,
    audit: Audit,
    headers: HeaderMap,
    Body(body): Body<SocialSignIn>,
) -> AuthResult<Response> {
    body.check_urls(&auth)?;
    let provider = body.provider(&auth)?;
    if let Some(id_token) = &body.id_token {
        let client = Client::from_headers(&headers, ip);
        let answer =
            sign_in_with_id_token(&auth, &audit, provider, id_token, &headers, &client).await;
        if let Err(AuthError::Client { code, .. }) = &answer {
            audit.record(social_failure(AuditAction::SignIn, provider.id(), code));
        }
        return answer;
    }
    let mut flow = body.flow(&auth);
    flow.lectern_session = session::current(&auth, &headers)
        .await?
        .filter(|(_, user)| user.is_guest())
        .map(|(session, _)| session.token);
    start(&auth, provider, &body, flow).await
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IdToken {
    token: String,
    nonce: Option<String>,
    access_token: Option<String>,
    refresh_token: Option<String>,
}

/// `sign-in/social` with `idToken: {token, nonce?, accessToken?, refreshToken?}`: the token
/// must verify against the provider's keys, issuer and our client id (and `nonce` if given);
/// then the reader is signed in as after a redirect, with the answer in the body.
async fn sign_in_with_id_token(
    auth: &Auth,
    audit: &Audit,
    provider: &Provider,
    id_token: &Value,
    headers: &HeaderMap,
    client: &Client,
) -> AuthResult<Response> {
    let given: IdToken = serde_json::from_value(id_token.clone())
        .map_err(|e| AuthError::validation(format!("[body.idToken] {e}")))?;
    let tokens = Tokens {
        id_token: Some(given.token),
        access_token: given.access_token,
        refresh_token: given.refresh_token,
        ..Tokens::default()
    };
    let identity = provider.identity(&tokens, given.nonce.as_deref()).await.map_err(|failure| {
        tracing::info!(provider = provider.id(), error = failure.detail(), "ID token refused");
        AuthError::new(StatusCode::UNAUTHORIZED, "INVALID_TOKEN", "Invalid token")
    })?;
    if identity.email.is_none() {
        return Err(AuthError::new(
            StatusCode::UNAUTHORIZED,
            "USER_EMAIL_NOT_FOUND",
            "User email not found",
        ));
    }
    let guest = session::current(auth, headers).await?;
    let signed_in = match accounts::sign_in(auth, provider.id(), &identity, &tokens, client).await?
    {
        Ok(signed_in) => signed_in,
        Err(code) => {
            let message = code.replace('_', " ");
            return Err(AuthError::new(StatusCode::UNAUTHORIZED, "OAUTH_LINK_ERROR", message));
        }
    };
    audit.record(social_success(&signed_in, provider.id()));
    upgrade_guest(auth, audit, Guest::from_current(guest), &signed_in.user).await;
    let cookies = SessionCookies::issue(auth, &signed_in.session.token, true);
    let body = serde_json::json!({
        "redirect": false,
        "token": signed_in.session.token,
        "user": crate::wire::UserJson::from(&signed_in.user),
    });
    Ok((cookies, Json(body)).into_response())
}

/// `POST /link-social`: links a provider account to the signed-in reader.
pub async fn link(
    State(auth): State<Auth>,
    current: CurrentSession,
    Body(body): Body<SocialSignIn>,
) -> AuthResult<Response> {
    body.check_urls(&auth)?;
    let provider = body.provider(&auth)?;
    if body.id_token.is_some() {
        return Err(AuthError::new(
            StatusCode::NOT_FOUND,
            "ID_TOKEN_NOT_SUPPORTED",
            "id_token not supported",
        ));
    }
    let mut flow = body.flow(&auth);
    flow.link =
        Some(Link { email: current.user.email.clone(), user_id: current.user.id.0.clone() });
    flow.lectern_session = Some(current.session.token);
    start(&auth, provider, &body, flow).await
}

async fn start(
    auth: &Auth,
    provider: &Provider,
    body: &SocialSignIn,
    mut flow: FlowState,
) -> AuthResult<Response> {
    let (state, verifier) = state::generate();
    let nonce = provider.uses_nonce().then(|| crate::ids::random_url_safe(32));
    let redirect_uri = callback_uri(auth, provider.id());
    let url = provider
        .authorization_url(&AuthorizationRequest {
            state: &state,
            code_verifier: &verifier,
            nonce: nonce.as_deref(),
            redirect_uri: &redirect_uri,
            extra_scopes: body.scopes.as_deref().unwrap_or_default(),
            login_hint: body.login_hint.as_deref(),
        })
        .await
        .map_err(|failure| {
            tracing::warn!(
                provider = provider.id(),
                error = failure.detail(),
                "provider unavailable"
            );
            AuthError::new(
                StatusCode::BAD_GATEWAY,
                "PROVIDER_UNAVAILABLE",
                "The sign-in provider cannot be reached; try again shortly",
            )
        })?;
    flow.code_verifier = verifier;
    flow.id_token_nonce = nonce;
    // The widget across sites goes through Lectern's own page first, to get the cookie.
    let url = if flow.lectern_one_time_token {
        flow.lectern_authorization_url = Some(url);
        format!("{}/api/auth/sign-in/social/continue?state={state}", auth.config.base_url)
    } else {
        url
    };
    let cookie = state::save(auth, &state, flow).await?;
    let redirect = !body.disable_redirect.unwrap_or(false);
    let mut response =
        Json(serde_json::json!({ "url": url, "redirect": redirect })).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    if let Some(location) = redirect.then(|| HeaderValue::try_from(&url).ok()).flatten() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

fn callback_uri(auth: &Auth, provider: &str) -> String {
    format!("{}/api/auth/callback/{provider}", auth.config.base_url)
}

/// `GET /sign-in/social/continue?state=…` (Lectern's): binds the flow to this browser with
/// the `state` cookie and sends it on to the provider. Whoever holds the URL can only start
/// a sign-in as themselves: the callback needs the cookie this page sets in *their* browser.
pub async fn redirect(State(auth): State<Auth>, RawQuery(query): RawQuery) -> AuthResult<Response> {
    let query = query_map(query);
    let state = query.get("state").ok_or_else(|| super::missing_query("state"))?;
    let flow = state::peek(&auth, state).await?;
    let Some(url) = flow.and_then(|f| f.lectern_authorization_url) else {
        return Ok(error_redirect(&default_error_url(&auth), "state_mismatch", None));
    };
    let mut response = super::redirect(&url)?;
    response.headers_mut().append(header::SET_COOKIE, state::cookie(&auth, state));
    Ok(response)
}

/// `POST /callback/:id` (`response_mode=form_post`): the same parameters, sent on to the
/// GET so the browser brings its `SameSite=Lax` cookies.
pub async fn callback_post(
    State(auth): State<Auth>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: String,
) -> AuthResult<Response> {
    let mut params = query_map(Some(body));
    params.extend(query_map(query));
    let params = serde_urlencoded::to_string(&params).map_err(AuthError::internal)?;
    super::redirect(&format!("{}?{params}", callback_uri(&auth, &id)))
}

/// `GET /callback/:id`: finishes the flow. The browser always leaves with a redirect: to
/// the callback URL signed in, or to the error URL with `?error=<code>`.
pub async fn callback(
    State(auth): State<Auth>,
    Path(id): Path<String>,
    ClientIp(ip): ClientIp,
    audit: Audit,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> AuthResult<Response> {
    let query = query_map(query);
    let client = Client::from_headers(&headers, ip);
    let mut response = match finish(&auth, &audit, &id, &headers, &query, &client).await? {
        Ok(response) => response,
        Err((url, code, description)) => {
            tracing::info!(provider = %id, error = code, "social sign-in failed");
            error_redirect(&url, code, description.as_deref())
        }
    };
    if crate::cookies::read(&headers, &auth.cookies.state).is_some() {
        response.headers_mut().append(header::SET_COOKIE, auth.cookies.clear(&auth.cookies.state));
    }
    Ok(response)
}

/// Where to send the browser on failure, Better Auth's code, and the provider's description.
type Failed = (String, &'static str, Option<String>);

async fn finish(
    auth: &Auth,
    audit: &Audit,
    id: &str,
    headers: &HeaderMap,
    query: &std::collections::HashMap<String, String>,
    client: &Client,
) -> AuthResult<Result<Response, Failed>> {
    let default_error = default_error_url(auth);
    let Some(state) = query.get("state") else {
        return Ok(Err((default_error, "state_not_found", None)));
    };
    let flow = match state::take(auth, headers, state).await? {
        Ok(flow) => flow,
        Err(e) => return Ok(Err((e.error_url.unwrap_or(default_error), e.code, None))),
    };
    let error_url = flow.error_url.clone().unwrap_or(default_error);
    // From here a flow this browser started fails (before, a stray request is only logged).
    let linker = flow.link.as_ref().map(|link| lectern_store::UserId(link.user_id.clone()));
    let action = if linker.is_some() { AuditAction::AccountLink } else { AuditAction::SignIn };
    // The provider as configured, never text of the URL's choosing.
    let known = auth.providers.get(id).map_or("unknown", |p| p.id());
    let fail_with = |code: &'static str, description: Option<String>| {
        audit.record(social_failure(action, known, code).user(linker.as_ref()));
        Ok(Err((error_url.clone(), code, description)))
    };
    let fail = |code: &'static str| fail_with(code, None);
    if let Some(error) = query.get("error") {
        // The provider's own code (`access_denied`…), passed on as Better Auth does.
        return fail_with(provider_error(error), query.get("error_description").cloned());
    }
    let Some(code) = query.get("code") else { return fail("no_code") };
    let Some(provider) = auth.providers.get(id) else { return fail("oauth_provider_not_found") };
    if let Some(iss) = query.get("iss") {
        if provider.issuer().await.is_some_and(|expected| &expected != iss) {
            return fail("issuer_mismatch");
        }
    }
    if provider.uses_nonce() && flow.id_token_nonce.is_none() {
        return fail("nonce_binding_missing");
    }
    let (identity, tokens) = match exchange(auth, provider, code, &flow).await {
        Ok(found) => found,
        Err(code) => return fail(code),
    };
    if let Some(link) = &flow.link {
        let linked =
            accounts::link(auth, id, link, flow.lectern_session.as_deref(), &identity, &tokens)
                .await?;
        let Err(code) = linked else {
            let detail = serde_json::json!({ "provider": provider.id() });
            let linked = AuditEvent::success(AuditAction::AccountLink).user(linker.as_ref());
            audit.record(linked.detail(detail));
            return Ok(Ok(super::redirect(&flow.callback_url)?));
        };
        return fail(code);
    }
    let guest = match flow.lectern_session.as_deref() {
        Some(token) => auth.store.find_session(token).await?,
        None => session::current(auth, headers).await?,
    };
    let signed_in = match accounts::sign_in(auth, id, &identity, &tokens, client).await? {
        Ok(signed_in) => signed_in,
        Err(code) => return fail(code),
    };
    audit.record(social_success(&signed_in, provider.id()));
    upgrade_guest(auth, audit, Guest::from_current(guest), &signed_in.user).await;
    let mut target = match (&flow.new_user_url, signed_in.new_user) {
        (Some(url), true) => url.clone(),
        _ => flow.callback_url.clone(),
    };
    if flow.lectern_one_time_token {
        let token = super::one_time_token::issue(auth, &signed_in.session.token).await?;
        target = with_query(&target, &[("ott", &token)]);
    }
    let cookies = SessionCookies::issue(auth, &signed_in.session.token, true);
    Ok(Ok((cookies, super::redirect(&target)?).into_response()))
}

async fn exchange(
    auth: &Auth,
    provider: &Provider,
    code: &str,
    flow: &FlowState,
) -> Result<(Identity, Tokens), &'static str> {
    let logged = |failure: crate::oauth::provider::Failure| {
        tracing::warn!(
            provider = provider.id(),
            error = failure.detail(),
            "social sign-in: {}",
            failure.code()
        );
        failure.code()
    };
    let redirect_uri = callback_uri(auth, provider.id());
    let tokens =
        provider.exchange(code, &flow.code_verifier, &redirect_uri).await.map_err(logged)?;
    let identity =
        provider.identity(&tokens, flow.id_token_nonce.as_deref()).await.map_err(logged)?;
    Ok((identity, tokens))
}

/// A social sign-in (`sign_up` for a reader new to Lectern), by `provider`.
fn social_success(signed_in: &SignedIn, provider: &str) -> AuditEvent {
    let action = if signed_in.new_user { AuditAction::SignUp } else { AuditAction::SignIn };
    let detail = serde_json::json!({ "method": "social", "provider": provider });
    AuditEvent::success(action).user(&signed_in.user.id).detail(detail)
}

fn social_failure(action: AuditAction, provider: &str, code: &str) -> AuditEvent {
    let detail = serde_json::json!({ "method": "social", "provider": provider, "code": code });
    AuditEvent::failure(action).detail(detail)
}

/// A provider's `error` is echoed only when it is an RFC 6749 code; anything else
/// becomes `oauth_error`, so the parameter cannot carry text of an attacker's choosing.
fn provider_error(error: &str) -> &'static str {
    const CODES: &[&str] = &[
        "access_denied",
        "invalid_request",
        "unauthorized_client",
        "unsupported_response_type",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
        "interaction_required",
        "login_required",
        "consent_required",
        "account_selection_required",
    ];
    CODES.iter().find(|c| **c == error).copied().unwrap_or("oauth_error")
}

fn default_error_url(auth: &Auth) -> String {
    format!("{}/api/auth/error", auth.config.base_url)
}

/// `url` with `pairs` added to its query, before any fragment (`appendQueryParams`).
fn with_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let (base, fragment) = url.split_once('#').map_or((url, None), |(b, f)| (b, Some(f)));
    let separator = if base.contains('?') { '&' } else { '?' };
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
    format!("{base}{separator}{query}{fragment}")
}

fn error_redirect(url: &str, code: &str, description: Option<&str>) -> Response {
    let mut pairs = vec![("error", code)];
    if let Some(description) = description {
        pairs.push(("error_description", description));
    }
    super::redirect(&with_query(url, &pairs)).unwrap_or_else(|e| e.into_response())
}

/// `GET /social-providers` (Lectern's) → `{"providers":[{"id","name"}]}`: the buttons a
/// sign-in form should show.
pub async fn providers(State(auth): State<Auth>) -> Json<Value> {
    let list: Vec<Value> = auth
        .providers
        .list()
        .map(|(id, name)| serde_json::json!({ "id": id, "name": name }))
        .collect();
    Json(serde_json::json!({ "providers": list }))
}

/// `GET /error?error=…`: the page a failed sign-in lands on when the flow named no error
/// URL of its own.
pub async fn error_page(RawQuery(query): RawQuery) -> Response {
    let query = query_map(query);
    let code = query.get("error").map_or("UNKNOWN", String::as_str);
    let description = query
        .get("error_description")
        .map(String::as_str)
        .unwrap_or("Signing in did not complete. Go back to the book and try again.");
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Sign-in error</title></head><body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem\"><h1>Sign-in error</h1><p>{}</p><p><code>{}</code></p></body></html>",
        escape(description),
        escape(code)
    );
    (StatusCode::OK, Html(page)).into_response()
}

fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_go_before_the_fragment() {
        assert_eq!(with_query("/book/intro", &[("ott", "a b")]), "/book/intro?ott=a+b");
        assert_eq!(
            with_query("https://b.example/p?x=1#top", &[("error", "e")]),
            "https://b.example/p?x=1&error=e#top"
        );
    }

    #[test]
    fn only_standard_provider_errors_are_echoed() {
        assert_eq!(provider_error("access_denied"), "access_denied");
        assert_eq!(provider_error("<script>"), "oauth_error");
    }

    #[test]
    fn the_error_page_escapes_what_it_shows() {
        assert_eq!(escape("<b>\"x\"&'"), "&lt;b&gt;&quot;x&quot;&amp;&#39;");
    }
}
