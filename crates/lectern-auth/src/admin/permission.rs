//! `POST /admin/has-permission` (`src/plugins/admin/routes.ts` `userHasPermission`, 1.7.24).

use axum::Json;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Caller;
use crate::body::{Body, Field, Kind, Schema};
use crate::error::{AuthError, AuthResult};

#[derive(Debug, Deserialize)]
pub struct HasPermission {
    permission: Option<Value>,
    permissions: Option<Value>,
}

impl Schema for HasPermission {
    const FIELDS: &'static [Field] = &[
        Field::optional("userId", Kind::Coerced),
        Field::optional("role", Kind::String),
        Field::optional("permission", Kind::Any),
        Field::optional("permissions", Kind::Any),
    ];
}

/// A record of string arrays, as zod's `z.record(z.string(), z.array(z.string()))`.
fn actions(value: &Value) -> Option<Vec<(String, Vec<String>)>> {
    let Value::Object(map) = value else { return None };
    map.iter()
        .map(|(resource, actions)| {
            let actions = actions.as_array()?;
            let actions: Option<Vec<String>> =
                actions.iter().map(|a| a.as_str().map(str::to_owned)).collect();
            Some((resource.clone(), actions?))
        })
        .collect()
}

/// `{permissions}` (or the older `{permission}`, exactly one of them) → `{"error":null,
/// "success":bool}` for the caller's role. Over HTTP a session is required; the body's
/// `userId` and `role` only serve server-side calls in Better Auth, so they are not used.
pub async fn has_permission(
    caller: Result<Caller, AuthError>,
    Body(body): Body<HasPermission>,
) -> AuthResult<Json<Value>> {
    let requested = match (&body.permission, &body.permissions) {
        (Some(one), None) => actions(one).map(|_| None),
        (None, Some(many)) => actions(many).map(Some),
        _ => None,
    };
    let Some(requested) = requested else {
        return Err(AuthError::validation("[body] Invalid input"));
    };
    // The plugin reads only `permissions`: `{permission}` passes the schema, then fails.
    let Some(requested) = requested else {
        return Err(AuthError::Plain {
            status: StatusCode::BAD_REQUEST,
            message: "invalid permission check. no permission(s) were passed.",
        });
    };
    let caller = caller?;
    let request: Vec<(&str, Vec<&str>)> = requested
        .iter()
        .map(|(r, a)| (r.as_str(), a.iter().map(String::as_str).collect()))
        .collect();
    let request: Vec<(&str, &[&str])> = request.iter().map(|(r, a)| (*r, a.as_slice())).collect();
    let success = super::has_permission(caller.user().role.as_deref(), &request);
    Ok(Json(json!({ "error": null, "success": success })))
}
