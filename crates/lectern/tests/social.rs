//! Social sign-in end to end through the router, on both backends, against a provider on
//! loopback that speaks OpenID Connect (discovery, JWKS, EdDSA ID tokens) and GitHub's
//! OAuth endpoints. The same flows run against the certified `oidc-provider` and the
//! reference Better Auth server in tests/compat/social.test.mjs; here the provider can be
//! made to misbehave: wrong nonce, unknown key, another audience, errors, hanging.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use ed25519_dalek::{Signer, SigningKey};
use lectern_auth::oauth::config::{Protocol, ProviderConfig};
use lectern_testkit::{Backend, TestClient, TestResponse, backend_tests};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const CLIENT_ID: &str = "lectern-client";
const CLIENT_SECRET: &str = "lectern-secret";

/// What a test can make the provider do wrong.
#[derive(Debug, Default, Clone)]
struct Faults {
    token_status: Option<u16>,
    hang: bool,
    nonce: Option<String>,
    audience: Option<String>,
    rogue_key: bool,
}

struct Grant {
    login: String,
    challenge: String,
    nonce: Option<String>,
    redirect_uri: String,
}

struct Idp {
    base: String,
    key: SigningKey,
    rogue: SigningKey,
    grants: Mutex<HashMap<String, Grant>>,
    faults: Mutex<Faults>,
}

impl Idp {
    async fn start() -> Arc<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let idp = Arc::new(Self {
            base,
            key: SigningKey::from_bytes(&[7; 32]),
            rogue: SigningKey::from_bytes(&[9; 32]),
            grants: Mutex::default(),
            faults: Mutex::default(),
        });
        let app = Router::new()
            .route("/oidc/.well-known/openid-configuration", get(discovery))
            .route("/oidc/jwks", get(jwks))
            .route("/oidc/token", post(token))
            .route("/github/login/oauth/access_token", post(token))
            .route("/github/api/user", get(github_user))
            .route("/github/api/user/emails", get(github_emails))
            .with_state(Arc::clone(&idp));
        tokio::spawn(async move { axum::serve(listener, app).await });
        idp
    }

    fn providers(&self) -> Vec<ProviderConfig> {
        let provider = |id: &str, protocol| ProviderConfig {
            id: id.into(),
            name: id.into(),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            scopes: vec!["openid".into(), "email".into(), "profile".into()],
            protocol,
            timeout: Duration::from_secs(1),
        };
        vec![
            provider(
                "campus",
                Protocol::Oidc {
                    discovery: format!("{}/oidc/.well-known/openid-configuration", self.base),
                    issuers: Vec::new(),
                },
            ),
            provider(
                "github",
                Protocol::GitHub {
                    authorize: format!("{}/github/login/oauth/authorize", self.base),
                    token: format!("{}/github/login/oauth/access_token", self.base),
                    api: format!("{}/github/api", self.base),
                },
            ),
        ]
    }

    fn fault(&self, f: impl FnOnce(&mut Faults)) {
        f(&mut self.faults.lock().expect("faults"));
    }

    /// The reader logs in as `login` at the authorization URL: the callback path and query
    /// the provider sends the browser back to.
    fn authorize(&self, url: &str, login: &str) -> String {
        let query: HashMap<String, String> = url::Url::parse(url)
            .expect("authorization URL")
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(query["client_id"], CLIENT_ID);
        assert_eq!(query["code_challenge_method"], "S256");
        let code = lectern_auth::ids::random_alphanumeric(16);
        let grant = Grant {
            login: login.to_owned(),
            challenge: query["code_challenge"].clone(),
            nonce: query.get("nonce").cloned(),
            redirect_uri: query["redirect_uri"].clone(),
        };
        let callback = grant.redirect_uri.strip_prefix(ORIGIN).expect("our callback").to_owned();
        self.grants.lock().expect("grants").insert(code.clone(), grant);
        format!("{callback}?code={code}&state={}", query["state"])
    }

    fn id_token(&self, grant: &Grant) -> String {
        let faults = self.faults.lock().expect("faults").clone();
        let now = chrono::Utc::now().timestamp();
        let claims = json!({
            "iss": format!("{}/oidc", self.base), "sub": format!("sub-{}", grant.login),
            "aud": faults.audience.unwrap_or_else(|| CLIENT_ID.into()),
            "iat": now, "exp": now + 300,
            "nonce": faults.nonce.or_else(|| grant.nonce.clone()),
            "email": grant.login, "email_verified": !grant.login.starts_with("unverified"),
            "name": "Provider Reader",
        });
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"EdDSA","kid":"k1","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{header}.{payload}");
        let key = if faults.rogue_key { &self.rogue } else { &self.key };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(key.sign(input.as_bytes()).to_bytes()))
    }
}

async fn discovery(State(idp): State<Arc<Idp>>) -> Json<Value> {
    let base = format!("{}/oidc", idp.base);
    Json(json!({
        "issuer": base, "authorization_endpoint": format!("{base}/auth"),
        "token_endpoint": format!("{base}/token"), "jwks_uri": format!("{base}/jwks"),
        "id_token_signing_alg_values_supported": ["EdDSA"],
    }))
}

async fn jwks(State(idp): State<Arc<Idp>>) -> Json<Value> {
    let x = URL_SAFE_NO_PAD.encode(idp.key.verifying_key().as_bytes());
    Json(
        json!({ "keys": [{ "kty": "OKP", "crv": "Ed25519", "x": x, "kid": "k1", "alg": "EdDSA", "use": "sig" }] }),
    )
}

async fn token(State(idp): State<Arc<Idp>>, Form(form): Form<HashMap<String, String>>) -> Response {
    let faults = idp.faults.lock().expect("faults").clone();
    if faults.hang {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    if let Some(status) = faults.token_status {
        return StatusCode::from_u16(status).expect("status").into_response();
    }
    let invalid =
        || (StatusCode::BAD_REQUEST, Json(json!({ "error": "invalid_grant" }))).into_response();
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || form.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
    {
        return invalid();
    }
    let Some(grant) = form.get("code").and_then(|c| idp.grants.lock().expect("grants").remove(c))
    else {
        return invalid();
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != grant.challenge
        || form.get("redirect_uri") != Some(&grant.redirect_uri)
    {
        return invalid();
    }
    Json(json!({
        "access_token": format!("at-{}", grant.login), "token_type": "bearer",
        "expires_in": 3600, "scope": "openid email profile", "id_token": idp.id_token(&grant),
    }))
    .into_response()
}

fn bearer_login(headers: &HeaderMap) -> String {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    auth.strip_prefix("Bearer at-").unwrap_or("").to_owned()
}

async fn github_user(headers: HeaderMap) -> Json<Value> {
    let login = bearer_login(&headers);
    let email = (!login.starts_with("private")).then(|| login.clone());
    Json(
        json!({ "id": login.len() * 1000 + 7, "login": login, "name": null, "email": email, "avatar_url": "https://avatars.example/1" }),
    )
}

async fn github_emails(headers: HeaderMap) -> Json<Value> {
    let login = bearer_login(&headers);
    Json(json!([
        { "email": "old@example.com", "primary": false, "verified": true },
        { "email": login, "primary": true, "verified": !login.starts_with("unverified") },
    ]))
}

async fn app_with_idp(backend: Backend) -> (TestApp, Arc<Idp>) {
    let idp = Idp::start().await;
    let providers = idp.providers();
    let app = TestApp::with(backend, |c| c.providers = providers).await;
    (app, idp)
}

async fn start(client: &TestClient, body: Value) -> TestResponse {
    client.post("/api/auth/sign-in/social").json(&body).send().await
}

/// Starts a sign-in with `provider` and logs in at the provider as `login`; returns the
/// callback's answer.
async fn sign_in_with(client: &TestClient, idp: &Idp, provider: &str, login: &str) -> TestResponse {
    let started = start(client, json!({ "provider": provider, "callbackURL": "/book/" })).await;
    let url = started.assert_ok()["url"].as_str().expect("url").to_owned();
    client.get(&idp.authorize(&url, login)).send().await
}

#[track_caller]
fn location(res: &TestResponse) -> &str {
    assert_eq!(res.status.as_u16(), 302, "a redirect, got {}", String::from_utf8_lossy(&res.body));
    res.header("location").expect("location")
}

/// The audit trail so far, oldest first: event, outcome and detail of each.
async fn audited(app: &TestApp) -> Vec<(String, String, Value)> {
    app.auth.store.flush_audit().await;
    let since = chrono::Utc::now() - chrono::Duration::hours(1);
    let events = app.auth.store.audit_events(None, since, 100).await.expect("audit trail");
    let detail =
        |d: Option<&str>| d.map_or(Value::Null, |d| serde_json::from_str(d).expect("JSON"));
    events.into_iter().rev().map(|e| (e.event, e.outcome, detail(e.detail.as_deref()))).collect()
}

async fn users_with_email(app: &TestApp, email: &str) -> usize {
    app.auth.store.find_login(email).await.expect("read").into_iter().count()
}

async fn oidc_sign_in_creates_then_finds_the_reader(backend: Backend) {
    let (app, idp) = app_with_idp(backend).await;
    let started = start(
        &app.client,
        json!({ "provider": "campus", "callbackURL": "/book/", "newUserCallbackURL": "/welcome", "disableRedirect": true }),
    )
    .await;
    let body = started.assert_ok();
    assert_eq!(body["redirect"], false);
    assert!(started.header("location").is_none(), "disableRedirect sends no Location");
    assert!(
        started
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("better-auth.state=") && c.contains("Max-Age=300"))
    );
    let url = body["url"].as_str().expect("url");
    assert!(url.starts_with(&format!("{}/oidc/auth?", idp.base)), "{url}");
    assert!(
        url.contains("nonce=")
            && url.contains(
                "redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fapi%2Fauth%2Fcallback%2Fcampus"
            )
    );

    let callback = app.client.get(&idp.authorize(url, "ada@example.edu")).send().await;
    assert_eq!(location(&callback), "/welcome", "a new reader goes to newUserCallbackURL");
    assert!(callback.set_cookies().iter().any(|c| c.starts_with("better-auth.session_token=")));
    let me = session(&app.client).await;
    assert_eq!(me["user"]["email"], "ada@example.edu");
    assert_eq!(me["user"]["emailVerified"], true);
    assert_eq!(me["user"]["name"], "Provider Reader");
    let accounts = app.client.get("/api/auth/list-accounts").send().await.assert_ok();
    assert_eq!(accounts[0]["providerId"], "campus");
    assert_eq!(accounts[0]["accountId"], "sub-ada@example.edu");

    let again = app.browser();
    let callback = sign_in_with(&again, &idp, "campus", "ada@example.edu").await;
    assert_eq!(location(&callback), "/book/", "a known reader goes to callbackURL");
    assert_eq!(session(&again).await["user"]["id"], me["user"]["id"]);
    assert_eq!(users_with_email(&app, "ada@example.edu").await, 1);
    let by_campus = json!({ "method": "social", "provider": "campus" });
    assert_eq!(
        audited(&app).await,
        [
            ("sign_up".into(), "success".into(), by_campus.clone()),
            ("sign_in".into(), "success".into(), by_campus),
        ]
    );
}

async fn github_uses_the_primary_verified_email_when_the_profile_hides_it(backend: Backend) {
    let (app, idp) = app_with_idp(backend).await;
    let callback = sign_in_with(&app.client, &idp, "github", "private-reader@example.com").await;
    assert_eq!(location(&callback), "/book/");
    let me = session(&app.client).await;
    assert_eq!(me["user"]["email"], "private-reader@example.com");
    assert_eq!(me["user"]["emailVerified"], true);
    assert_eq!(
        me["user"]["name"], "private-reader@example.com",
        "login stands in for a missing name"
    );
    let accounts = app.client.get("/api/auth/list-accounts").send().await.assert_ok();
    assert_eq!(accounts[0]["providerId"], "github");
    assert_eq!(accounts[0]["accountId"], "26007");
}

async fn state_is_bound_to_the_browser_and_single_use(backend: Backend) {
    let (app, idp) = app_with_idp(backend).await;
    let started =
        start(&app.client, json!({ "provider": "campus", "callbackURL": "/book/" })).await;
    let url = started.assert_ok()["url"].as_str().expect("url").to_owned();
    let callback = idp.authorize(&url, "eve@example.com");

    // Another browser (the attacker's link opened by a victim) has no state cookie.
    let res = app.browser().get(&callback).send().await;
    assert_eq!(location(&res), "http://localhost:3000/api/auth/error?error=state_mismatch");
    // Refused without spending it: the owner's own sign-in still completes, once.
    let res = app.client.get(&callback).send().await;
    assert_eq!(location(&res), "/book/");
    let res = app.client.get(&callback).send().await;
    assert_eq!(location(&res), "http://localhost:3000/api/auth/error?error=state_mismatch");

    let res = app.client.get("/api/auth/callback/campus?code=x").send().await;
    assert_eq!(location(&res), "http://localhost:3000/api/auth/error?error=state_not_found");
    let res = app.client.get("/api/auth/callback/campus?code=x&state=forged").send().await;
    assert_eq!(location(&res), "http://localhost:3000/api/auth/error?error=state_mismatch");

    let page = app.client.get("/api/auth/error?error=%3Cscript%3E").send().await;
    let page = String::from_utf8_lossy(&page.body);
    assert!(page.contains("&lt;script&gt;") && !page.contains("<script>"), "{page}");
}

async fn id_tokens_that_do_not_verify_sign_nobody_in(backend: Backend) {
    let (app, idp) = app_with_idp(backend).await;
    type Fault = fn(&mut Faults);
    let cases: [(&str, Fault); 3] = [
        ("a nonce from another flow", |f| f.nonce = Some("another".into())),
        ("a key the provider does not publish", |f| f.rogue_key = true),
        ("another client's audience", |f| f.audience = Some("someone-else".into())),
    ];
    for (what, fault) in cases {
        *idp.faults.lock().expect("faults") = Faults::default();
        idp.fault(fault);
        let client = app.browser();
        let started = start(
            &client,
            json!({ "provider": "campus", "callbackURL": "/book/", "errorCallbackURL": "/oops" }),
        )
        .await;
        let url = started.assert_ok()["url"].as_str().expect("url").to_owned();
        let res = client.get(&idp.authorize(&url, "mallory@example.com")).send().await;
        assert_eq!(location(&res), "/oops?error=unable_to_get_user_info", "{what}");
        assert!(res.set_cookies().iter().all(|c| !c.starts_with("better-auth.session_token=")));
    }
    assert_eq!(users_with_email(&app, "mallory@example.com").await, 0, "nothing half-created");
}

async fn a_failing_or_hanging_provider_ends_on_the_error_url(backend: Backend) {
    let (app, idp) = app_with_idp(backend).await;
    for (what, fault) in [
        ("500", Faults { token_status: Some(500), ..Faults::default() }),
        ("hang", Faults { hang: true, ..Faults::default() }),
    ] {
        *idp.faults.lock().expect("faults") = fault;
        let res = sign_in_with(&app.browser(), &idp, "github", "bob@example.com").await;
        assert_eq!(
            location(&res),
            "http://localhost:3000/api/auth/error?error=invalid_code",
            "{what}"
        );
    }
    *idp.faults.lock().expect("faults") = Faults::default();
    let started =
        start(&app.client, json!({ "provider": "campus", "errorCallbackURL": "/oops" })).await;
    let url = started.assert_ok()["url"].as_str().expect("url").to_owned();
    let denied = idp
        .authorize(&url, "bob@example.com")
        .replace("code=", "error=access_denied&error_description=No+thanks&x=");
    let res = app.client.get(&denied).send().await;
    assert_eq!(location(&res), "/oops?error=access_denied&error_description=No+thanks");
    assert_eq!(users_with_email(&app, "bob@example.com").await, 0);
}

async fn a_provider_email_never_takes_over_an_unverified_account(backend: Backend) {
    let (app, idp) = app_with_idp(backend).await;
    sign_up_as(&app.browser(), "owner@example.com").await;
    let res = sign_in_with(&app.client, &idp, "campus", "owner@example.com").await;
    assert_eq!(location(&res), "http://localhost:3000/api/auth/error?error=account_not_linked");
    assert!(app.client.get("/api/auth/get-session").send().await.json().is_null());
}

async fn untrusted_urls_are_refused_before_anything_starts(backend: Backend) {
    let (app, _idp) = app_with_idp(backend).await;
    for url in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "https:\\\\evil.example",
        "http://localhost:3000@evil.example/",
    ] {
        start(&app.client, json!({ "provider": "campus", "callbackURL": url }))
            .await
            .assert_error(403, "INVALID_CALLBACK_URL");
    }
    start(
        &app.client,
        json!({ "provider": "campus", "errorCallbackURL": "https://evil.example/" }),
    )
    .await
    .assert_error(403, "INVALID_ERROR_CALLBACK_URL");
    start(&app.client, json!({ "provider": "campus", "newUserCallbackURL": "//evil.example" }))
        .await
        .assert_error(403, "INVALID_NEW_USER_CALLBACK_URL");
    start(&app.client, json!({ "provider": "myspace" }))
        .await
        .assert_error(404, "PROVIDER_NOT_FOUND");
    let listed = app.client.get("/api/auth/social-providers").send().await.assert_ok();
    assert_eq!(
        listed,
        json!({ "providers": [{ "id": "campus", "name": "campus" }, { "id": "github", "name": "github" }] })
    );
}

async fn a_guest_keeps_their_chats_in_both_modes(backend: Backend) {
    let (app, idp) = app_with_idp(backend).await;
    // Same site: the guest's cookie comes back with the provider's redirect.
    app.client.post("/api/auth/sign-in/anonymous").send().await.assert_ok();
    with_profile(&app.client, "beginner", "none").await;
    let created = app.client.post("/api/chats").json(&json!({ "title": "before" })).send().await;
    assert_eq!(created.status.as_u16(), 201);
    let res = sign_in_with(&app.client, &idp, "campus", "guest1@example.com").await;
    assert_eq!(location(&res), "/book/");
    let chats = app.client.get("/api/chats").send().await.assert_ok();
    assert_eq!(chats["chats"][0]["title"], "before", "{chats}");

    // Across sites: the widget holds a bearer token and no cookie reaches Lectern.
    let widget = app.browser();
    let guest = widget.post("/api/auth/sign-in/anonymous").send().await;
    let token = guest.header("set-auth-token").expect("token").to_owned();
    with_profile(&widget, "beginner", "none").await;
    let created = widget.post("/api/chats").json(&json!({ "title": "across" })).send().await;
    assert_eq!(created.status.as_u16(), 201);
    widget.clear_cookies();
    let started = widget
        .post("/api/auth/sign-in/social")
        .bearer(&token)
        .json(&json!({ "provider": "github", "callbackURL": "http://localhost:3000/book/#chat", "additionalData": { "lecternOneTimeToken": true } }))
        .send()
        .await;
    let url = started.assert_ok()["url"].as_str().expect("url").to_owned();
    let path = url.strip_prefix(ORIGIN).expect("Lectern's own page first");
    assert!(path.starts_with("/api/auth/sign-in/social/continue?state="), "{path}");
    let browser = app.browser(); // the top-level navigation: Lectern's cookies are first-party
    let provider_url = location(&browser.get(path).send().await).to_owned();
    let back = browser.get(&idp.authorize(&provider_url, "guest2@example.com")).send().await;
    let landing = location(&back).to_owned();
    let ott = landing
        .strip_prefix("http://localhost:3000/book/?ott=")
        .and_then(|r| r.strip_suffix("#chat"))
        .expect("ott before the fragment");
    let verified =
        widget.post("/api/auth/one-time-token/verify").json(&json!({ "token": ott })).send().await;
    let signed = verified.header("set-auth-token").expect("session token").to_owned();
    assert_eq!(verified.json()["user"]["email"], "guest2@example.com");
    widget.clear_cookies();
    let chats = widget.get("/api/chats").bearer(&signed).send().await.assert_ok();
    assert_eq!(chats["chats"][0]["title"], "across", "{chats}");
}

async fn link_social_adds_a_provider_to_the_signed_in_reader(backend: Backend) {
    let (app, idp) = app_with_idp(backend).await;
    sign_up_as(&app.client, "linker@example.com").await;
    let started = app
        .client
        .post("/api/auth/link-social")
        .json(&json!({ "provider": "campus", "callbackURL": "/settings" }))
        .send()
        .await;
    let url = started.assert_ok()["url"].as_str().expect("url").to_owned();
    let res = app.client.get(&idp.authorize(&url, "linker@example.com")).send().await;
    assert_eq!(location(&res), "/settings");
    let accounts = app.client.get("/api/auth/list-accounts").send().await.assert_ok();
    let providers: Vec<&str> = accounts
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["providerId"].as_str().expect("id"))
        .collect();
    assert_eq!(providers, ["credential", "campus"]);

    let started = app
        .client
        .post("/api/auth/link-social")
        .json(&json!({ "provider": "github", "callbackURL": "/settings" }))
        .send()
        .await;
    let url = started.assert_ok()["url"].as_str().expect("url").to_owned();
    let res = app.client.get(&idp.authorize(&url, "someone-else@example.com")).send().await;
    assert_eq!(location(&res), "http://localhost:3000/api/auth/error?error=email_does_not_match");
    app.browser()
        .post("/api/auth/link-social")
        .json(&json!({ "provider": "campus" }))
        .send()
        .await
        .assert_error(401, "UNAUTHORIZED");
    let refused =
        json!({ "method": "social", "provider": "github", "code": "email_does_not_match" });
    let links: Vec<_> = audited(&app).await.into_iter().filter(|e| e.0 == "account_link").collect();
    assert_eq!(
        links,
        [
            ("account_link".into(), "success".into(), json!({ "provider": "campus" })),
            ("account_link".into(), "failure".into(), refused),
        ]
    );
}

async fn an_id_token_the_client_holds_signs_in_when_it_verifies(backend: Backend) {
    let (app, idp) = app_with_idp(backend).await;
    let grant = |login: &str| Grant {
        login: login.into(),
        challenge: String::new(),
        nonce: Some("n-123".into()),
        redirect_uri: String::new(),
    };
    let token = idp.id_token(&grant("tap@example.com"));
    let with = |token: &str, nonce: &str| json!({ "provider": "campus", "idToken": { "token": token, "nonce": nonce } });
    start(&app.client, with(&token, "another")).await.assert_error(401, "INVALID_TOKEN");
    idp.fault(|f| f.rogue_key = true);
    let forged = idp.id_token(&grant("tap@example.com"));
    start(&app.client, with(&forged, "n-123")).await.assert_error(401, "INVALID_TOKEN");
    let github = json!({ "provider": "github", "idToken": { "token": token } });
    start(&app.client, github).await.assert_error(404, "ID_TOKEN_NOT_SUPPORTED");
    assert_eq!(users_with_email(&app, "tap@example.com").await, 0);

    let res = start(&app.client, with(&token, "n-123")).await;
    let body = res.assert_ok();
    assert_eq!(
        (body["redirect"].as_bool(), body["user"]["email"].as_str()),
        (Some(false), Some("tap@example.com"))
    );
    assert!(res.set_cookies().iter().any(|c| c.starts_with("better-auth.session_token=")));
    assert_eq!(session(&app.client).await["session"]["token"], body["token"]);
}

backend_tests!(
    an_id_token_the_client_holds_signs_in_when_it_verifies,
    oidc_sign_in_creates_then_finds_the_reader,
    github_uses_the_primary_verified_email_when_the_profile_hides_it,
    state_is_bound_to_the_browser_and_single_use,
    id_tokens_that_do_not_verify_sign_nobody_in,
    a_failing_or_hanging_provider_ends_on_the_error_url,
    a_provider_email_never_takes_over_an_unverified_account,
    untrusted_urls_are_refused_before_anything_starts,
    a_guest_keeps_their_chats_in_both_modes,
    link_social_adds_a_provider_to_the_signed_in_reader,
);
