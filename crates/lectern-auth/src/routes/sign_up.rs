//! `POST /sign-up/email` (`src/api/routes/sign-up.ts`, 1.7.x).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use lectern_store::{AuditAction, AuditEvent, CredentialAccount, StoreError, User, UserId};
use serde::Deserialize;

use super::email_flows;
use crate::audit::Audit;
use crate::body::{Field, FormOrJson, Kind, Schema};
use crate::client_ip::ClientIp;
use crate::config::EmailVerification;
use crate::error::{AuthError, AuthResult};
use crate::guest::{Guest, upgrade_guest};
use crate::ids::generate_id;
use crate::session::{self, Client, SessionCookies};
use crate::state::Auth;
use crate::wire::{self, UserJson};
use crate::{origin, validate};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignUp {
    name: String,
    email: String,
    password: String,
    image: Option<String>,
    #[serde(rename = "callbackURL")]
    callback_url: Option<String>,
    remember_me: Option<bool>,
    software_background: Option<String>,
    hardware_background: Option<String>,
}

impl Schema for SignUp {
    const FIELDS: &'static [Field] = &[
        Field::required("name", Kind::String),
        Field::required("email", Kind::String),
        Field::required("password", Kind::String),
        Field::optional("image", Kind::String),
        Field::optional("callbackURL", Kind::String),
        Field::optional("rememberMe", Kind::Boolean),
        Field::nullable("softwareBackground", Kind::String),
        Field::nullable("hardwareBackground", Kind::String),
    ];
    const RECORD: bool = true;
}

pub async fn handler(
    State(auth): State<Auth>,
    ClientIp(ip): ClientIp,
    audit: Audit,
    headers: HeaderMap,
    FormOrJson(body): FormOrJson<SignUp>,
) -> AuthResult<Response> {
    let email = super::email_field("email", &body.email)?;
    validate::new_password(&body.password)?;
    validate::text("name", &body.name, validate::MAX_NAME)?;
    for (field, value, max) in [
        ("image", &body.image, validate::MAX_IMAGE),
        ("softwareBackground", &body.software_background, validate::MAX_BACKGROUND),
        ("hardwareBackground", &body.hardware_background, validate::MAX_BACKGROUND),
    ] {
        if let Some(value) = value {
            validate::text(field, value, max)?;
        }
    }
    if let Some(url) = &body.callback_url {
        origin::check_callback(&auth.config.trusted_origins, url, origin::UrlField::Callback)?;
    }
    let turn = auth.hashing_turn().await?;
    // With verification required, a taken address gets the same answer as a new one (after
    // the same hashing), as Better Auth does, so sign-up does not reveal who has an account.
    let required = auth.config.email_verification == EmailVerification::Required;
    let taken = auth.store.find_login(&email).await?.is_some();
    if taken && !required {
        return Err(user_exists());
    }
    // Hash before touching the database: no transaction waits on the hashing pool.
    let password_hash = auth.hash_password(turn, body.password).await?;

    let now = wire::now();
    let user = User {
        id: UserId(generate_id()),
        name: body.name,
        email,
        email_verified: false,
        image: body.image,
        created_at: now,
        updated_at: now,
        is_anonymous: Some(false),
        software_background: body.software_background,
        hardware_background: body.hardware_background,
        role: Some(lectern_store::DEFAULT_ROLE.into()),
        banned: Some(false),
        ban_reason: None,
        ban_expires: None,
    };
    let account = CredentialAccount {
        id: generate_id(),
        user_id: user.id.clone(),
        password_hash,
        created_at: now,
    };
    let no_session = || Json(serde_json::json!({ "token": null, "user": UserJson::from(&user) }));
    if taken {
        return Ok(no_session().into_response());
    }
    // With verification required there is no session until the address is proven: the
    // mailed link signs the reader in.
    let remember = body.remember_me.unwrap_or(true);
    let client = Client::from_headers(&headers, ip);
    let session = (!required).then(|| session::new_session(&auth, &user, remember, &client));
    let guest = Guest::from_current(session::current(&auth, &headers).await?);
    match auth.store.create_user_with_password(&user, &account, session.as_ref()).await {
        Err(StoreError::Conflict) if required => return Ok(no_session().into_response()),
        Err(StoreError::Conflict) => return Err(user_exists()),
        other => other?,
    }
    let method = serde_json::json!({ "method": "email" });
    audit.record(AuditEvent::success(AuditAction::SignUp).user(&user.id).detail(method));
    email_flows::send_verification(&auth, &user, body.callback_url.as_deref()).await?;
    let Some(session) = session else {
        return Ok(no_session().into_response());
    };
    upgrade_guest(&auth, &audit, guest, &user).await;
    let cookies = SessionCookies::issue(&auth, &session.token, remember);
    let body = serde_json::json!({ "token": session.token, "user": UserJson::from(&user) });
    Ok((cookies, Json(body)).into_response())
}

fn user_exists() -> AuthError {
    AuthError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
        "User already exists. Use another email.",
    )
}
