//! `GET /api/me` (**contract**, DESIGN.md §5): the verified identity, and the cheap
//! endpoint the verification benchmarks hit.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use lectern_verify::Via;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::error::{ApiResult, ErrorBody};
use crate::gate::has_profile;
use crate::openapi::SignedInErrors;
use crate::reader::SignedIn;
use crate::state::Api;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Me<'a> {
    user: UserView<'a>,
    /// Whether the reader answered the background questionnaire (the gate is open).
    profile_complete: bool,
    /// How the caller proved who they are: `session` (cookie or bearer session token) or `jwt`.
    #[schema(value_type = String, example = "session")]
    via: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct UserView<'a> {
    id: &'a str,
    email: &'a str,
    name: &'a str,
    email_verified: bool,
    image: Option<&'a str>,
    created_at: Option<String>,
    updated_at: Option<String>,
    is_anonymous: bool,
    /// The user's additional fields (`softwareBackground`, `hardwareBackground`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    extra: &'a Map<String, Value>,
}

fn iso(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

#[utoipa::path(get, path = "/api/me", operation_id = "getMe", tag = "identity",
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The verified reader", body = Me),
        (status = 503, description = "The issuer's keys cannot be fetched", body = ErrorBody),
        SignedInErrors,
    ))]
pub async fn handler(State(api): State<Api>, SignedIn(reader): SignedIn) -> ApiResult<Response> {
    let profile_complete = has_profile(&api, reader.id.as_str()).await?;
    let me = Me {
        user: UserView {
            id: reader.id.as_str(),
            email: &reader.email,
            name: &reader.name,
            email_verified: reader.email_verified,
            image: reader.image.as_deref(),
            created_at: iso(reader.created_at),
            updated_at: iso(reader.updated_at),
            is_anonymous: reader.is_anonymous,
            extra: &reader.extra,
        },
        profile_complete,
        via: match reader.via {
            Via::Jwt => "jwt",
            Via::Introspection | Via::Session => "session",
        },
    };
    Ok(Json(me).into_response())
}
