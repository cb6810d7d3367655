//! `GET /api/me` (**contract**, DESIGN.md §5): the verified identity, and the cheap
//! endpoint the verification benchmarks hit.

use axum::Json;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use lectern_verify::Via;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::reader::SignedIn;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Me<'a> {
    user: UserView<'a>,
    /// Whether the reader answered the background questionnaire; the profile (issue 4)
    /// makes this true.
    profile_complete: bool,
    via: &'static str,
}

#[derive(Debug, Serialize)]
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
    #[serde(flatten)]
    extra: &'a Map<String, Value>,
}

fn iso(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

pub async fn handler(SignedIn(reader): SignedIn) -> Response {
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
        profile_complete: false,
        via: match reader.via {
            Via::Jwt => "jwt",
            Via::Introspection | Via::Session => "session",
        },
    };
    Json(me).into_response()
}
