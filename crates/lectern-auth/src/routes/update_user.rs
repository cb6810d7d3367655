//! `POST /update-user` (`src/api/routes/update-user.ts`, 1.7.x): name, image and the
//! reader-background fields. The email has its own flow; `isAnonymous` is server-owned.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use lectern_store::{AuditAction, AuditEvent, UserPatch};
use serde::{Deserialize, Deserializer};

use crate::audit::Audit;
use crate::body::{Body, Field, Kind, Schema};
use crate::cookies;
use crate::error::{AuthError, AuthResult};
use crate::routes::status_true;
use crate::session::{CurrentSession, SessionCookies};
use crate::state::Auth;
use crate::{validate, wire};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUser {
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    image: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    software_background: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    hardware_background: Option<Option<String>>,
    email: Option<serde_json::Value>,
    is_anonymous: Option<serde_json::Value>,
}

impl Schema for UpdateUser {
    const FIELDS: &'static [Field] = &[
        Field::optional("name", Kind::String),
        Field::nullable("image", Kind::String),
        Field::nullable("softwareBackground", Kind::String),
        Field::nullable("hardwareBackground", Kind::String),
        Field::optional("email", Kind::Any),
        Field::optional("isAnonymous", Kind::Any),
    ];
    const BODY_TYPE: &'static str = "record";
}

/// Tells a field sent as `null` (clear it) from a field not sent (keep it).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

pub async fn handler(
    State(auth): State<Auth>,
    audit: Audit,
    headers: HeaderMap,
    current: CurrentSession,
    Body(body): Body<UpdateUser>,
) -> AuthResult<Response> {
    if body.email.is_some() {
        return Err(AuthError::bad_request("EMAIL_CAN_NOT_BE_UPDATED", "Email can not be updated"));
    }
    if body.is_anonymous.is_some() {
        return Err(AuthError::bad_request(
            "FIELD_NOT_ALLOWED",
            "isAnonymous is not allowed to be set",
        ));
    }
    if let Some(name) = &body.name {
        validate::text("name", name, validate::MAX_NAME)?;
    }
    for (field, value, max) in [
        ("image", &body.image, validate::MAX_IMAGE),
        ("softwareBackground", &body.software_background, validate::MAX_BACKGROUND),
        ("hardwareBackground", &body.hardware_background, validate::MAX_BACKGROUND),
    ] {
        if let Some(Some(value)) = value {
            validate::text(field, value, max)?;
        }
    }
    let patch = UserPatch {
        name: body.name,
        image: body.image,
        software_background: body.software_background,
        hardware_background: body.hardware_background,
    };
    if patch.is_empty() {
        return Err(AuthError::Plain {
            status: StatusCode::BAD_REQUEST,
            message: "No fields to update",
        });
    }
    auth.store.update_user(&current.user.id, &patch, wire::now()).await?;
    // Which fields changed, never their values.
    let fields: Vec<&str> = [
        ("name", patch.name.is_some()),
        ("image", patch.image.is_some()),
        ("softwareBackground", patch.software_background.is_some()),
        ("hardwareBackground", patch.hardware_background.is_some()),
    ]
    .into_iter()
    .filter_map(|(field, changed)| changed.then_some(field))
    .collect();
    let detail = serde_json::json!({ "fields": fields });
    audit
        .record(AuditEvent::success(AuditAction::UserUpdate).user(&current.user.id).detail(detail));
    // Better Auth re-sends the session cookie after an update (it refreshes its cookie cache).
    let remember = cookies::read(&headers, &auth.cookies.dont_remember).is_none();
    Ok((SessionCookies::issue(&auth, &current.session.token, remember), status_true())
        .into_response())
}
