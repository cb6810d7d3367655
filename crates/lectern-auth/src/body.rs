//! Request bodies in Better Auth's terms: JSON objects (and, on sign-in and sign-up, HTML
//! form posts), with its error codes for anything else (better-call `src/router.ts` and
//! `src/endpoint.ts`, 1.7.x).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{AuthError, AuthResult};
use crate::state::Auth;

/// A JSON object body deserialised into `T`.
#[derive(Debug)]
pub struct Body<T>(pub T);

/// A JSON object or an `application/x-www-form-urlencoded` form, as sign-in and sign-up
/// accept (`metadata.allowedMediaTypes`).
#[derive(Debug)]
pub struct FormOrJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Auth> for Body<T> {
    type Rejection = AuthError;

    async fn from_request(req: Request, auth: &Auth) -> AuthResult<Self> {
        read(req, auth, false).await.map(Self)
    }
}

impl<T: DeserializeOwned> FromRequest<Auth> for FormOrJson<T> {
    type Rejection = AuthError;

    async fn from_request(req: Request, auth: &Auth) -> AuthResult<Self> {
        read(req, auth, true).await.map(Self)
    }
}

async fn read<T: DeserializeOwned>(req: Request, auth: &Auth, form_allowed: bool) -> AuthResult<T> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let bytes = Bytes::from_request(req, auth).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AuthError::new(
                rejection.status(),
                "PAYLOAD_TOO_LARGE",
                "Request body is too large",
            )
        } else {
            AuthError::bad_request("INVALID_REQUEST_BODY", "Could not read the request body")
        }
    })?;
    let value = match content_type.as_deref() {
        _ if bytes.iter().all(u8::is_ascii_whitespace) => Value::Object(Default::default()),
        Some("application/json") => serde_json::from_slice::<Value>(&bytes)
            .map_err(|_| AuthError::bad_request("INVALID_JSON", "Invalid JSON in request body"))?,
        Some("application/x-www-form-urlencoded") if form_allowed => {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
                .map_err(|_| AuthError::bad_request("INVALID_REQUEST_BODY", "Invalid form body"))?;
            form_to_json(pairs)
        }
        _ => {
            return Err(AuthError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "Unsupported media type",
            ));
        }
    };
    if !value.is_object() {
        return Err(AuthError::bad_request(
            "BODY_MUST_BE_AN_OBJECT",
            "Body must be an object",
        ));
    }
    serde_json::from_value(value).map_err(|err| AuthError::validation(describe(&err)))
}

/// Form fields are strings; `true`/`false` become booleans so `rememberMe=false` means what
/// it says, as Better Auth's form parsing does.
fn form_to_json(pairs: Vec<(String, String)>) -> Value {
    let mut object = serde_json::Map::new();
    for (key, value) in pairs {
        let value = match value.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(value),
        };
        object.insert(key, value);
    }
    Value::Object(object)
}

/// serde's message names the field, which is what a form needs to show.
fn describe(err: &serde_json::Error) -> String {
    let message = err.to_string();
    match message.split_once(" at line ") {
        Some((head, _)) => head.to_owned(),
        None => message,
    }
}
