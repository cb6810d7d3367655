//! Request bodies in Better Auth's terms: JSON objects (and, on sign-in and sign-up, HTML
//! form posts), with its error codes for anything else (better-call `src/router.ts` and
//! `src/endpoint.ts`, 1.7.x).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{AuthError, AuthResult};
use crate::state::Auth;

/// The JSON type a body field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Boolean,
    /// Validated by the flow itself (Better Auth accepts any value here).
    Any,
    /// zod's `z.coerce.string()`: any value present, made a string as JavaScript's
    /// `String(value)` would (the admin plugin's `userId`).
    Coerced,
}

/// One field of a request body, as Better Auth's zod schema declares it.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// Whether `null` is accepted (zod's `.nullish()`).
    pub nullable: bool,
}

impl Field {
    pub const fn required(name: &'static str, kind: Kind) -> Self {
        Self { name, kind, required: true, nullable: false }
    }
    pub const fn optional(name: &'static str, kind: Kind) -> Self {
        Self { name, kind, required: false, nullable: false }
    }
    pub const fn nullable(name: &'static str, kind: Kind) -> Self {
        Self { name, kind, required: false, nullable: true }
    }
}

/// A request body's schema: checked before deserialising, so a client gets zod's messages
/// (`[body.email] Invalid input: expected string, received undefined`), every problem at once.
pub trait Schema: DeserializeOwned {
    const FIELDS: &'static [Field];
    /// What zod calls the body in its messages: `object`, or `record` for schemas that are
    /// a map of fields (update-user).
    const BODY_TYPE: &'static str = "object";
    /// Whether the schema also takes extra fields (sign-up's additional user fields); zod
    /// then reports a non-object body twice, as an object and as a record.
    const RECORD: bool = false;
}

/// A JSON object body deserialised into `T`.
#[derive(Debug)]
pub struct Body<T>(pub T);

/// A JSON object or an `application/x-www-form-urlencoded` form, as sign-in and sign-up
/// accept (`metadata.allowedMediaTypes`).
#[derive(Debug)]
pub struct FormOrJson<T>(pub T);

impl<T: Schema> FromRequest<Auth> for Body<T> {
    type Rejection = AuthError;

    async fn from_request(req: Request, _: &Auth) -> AuthResult<Self> {
        read(req, false).await.map(Self)
    }
}

impl<T: Schema> FromRequest<Auth> for FormOrJson<T> {
    type Rejection = AuthError;

    async fn from_request(req: Request, _: &Auth) -> AuthResult<Self> {
        read(req, true).await.map(Self)
    }
}

async fn read<T: Schema>(req: Request, form_allowed: bool) -> AuthResult<T> {
    let raw_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let content_type =
        raw_type.as_deref().map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    let bytes = read_limited(req.into_body()).await?;
    // Better Auth reads no body at all when the request names no content type.
    let value = if bytes.iter().all(u8::is_ascii_whitespace) || content_type.is_none() {
        None
    } else {
        Some(match content_type.as_deref() {
            Some("application/json") => serde_json::from_slice::<Value>(&bytes).map_err(|_| {
                AuthError::bad_request("BAD_REQUEST", "Invalid JSON in request body")
            })?,
            Some("application/x-www-form-urlencoded") if form_allowed => {
                let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
                    .map_err(|_| AuthError::bad_request("BAD_REQUEST", "Invalid form body"))?;
                form_to_json(pairs)
            }
            _ => return Err(unsupported(raw_type.as_deref().unwrap_or(""), form_allowed)),
        })
    };
    if value.as_ref().is_some_and(has_nul) {
        return Err(AuthError::validation("[body] NUL characters are not allowed"));
    }
    let value = check::<T>(value)?;
    serde_json::from_value(value).map_err(|err| AuthError::validation(format!("[body] {err}")))
}

/// Whether any string (or key) in `value` holds a NUL character, which PostgreSQL's `text`
/// cannot store: such a body is refused as invalid rather than failing at the database.
pub fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// Largest body the identity routes read; theirs are a few hundred bytes.
pub const MAX_BODY: usize = 64 * 1024;
/// How much of an oversized body is still read (and thrown away) so that the client, which
/// may still be sending, receives the 413 instead of a reset connection.
const MAX_DRAIN: usize = 16 * 1024 * 1024;

pub async fn read_limited(body: axum::body::Body) -> AuthResult<Bytes> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| {
            AuthError::bad_request("BAD_REQUEST", "Could not read the request body")
        })?;
        let Ok(data) = frame.into_data() else { continue };
        seen += data.len();
        if seen <= MAX_BODY {
            bytes.extend_from_slice(&data);
        } else if seen > MAX_DRAIN {
            break;
        }
    }
    if seen > MAX_BODY {
        return Err(AuthError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "Request body is too large",
        ));
    }
    Ok(Bytes::from(bytes))
}

fn unsupported(content_type: &str, form_allowed: bool) -> AuthError {
    let allowed = if form_allowed {
        "application/x-www-form-urlencoded, application/json"
    } else {
        "application/json"
    };
    AuthError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
        format!("Content-Type {content_type:?} is not allowed. Allowed types: {allowed}"),
    )
}

/// Checks `value` against `T`'s fields and returns the object to deserialise. A missing
/// body is an empty object when no field is required, as Better Auth's optional schemas.
fn check<T: Schema>(value: Option<Value>) -> AuthResult<Value> {
    let value = match value {
        Some(value) => value,
        None if T::FIELDS.iter().any(|f| f.required) || T::BODY_TYPE == "record" => {
            return Err(not_an_object::<T>(None));
        }
        None => Value::Object(Default::default()),
    };
    let Value::Object(object) = &value else {
        return Err(not_an_object::<T>(Some(&value)));
    };
    let problems: Vec<String> = T::FIELDS
        .iter()
        .filter_map(|field| {
            let got = object.get(field.name);
            let fine = match (got, field.kind) {
                (None, _) => !field.required,
                (Some(_), Kind::Coerced) => true,
                (Some(Value::Null), _) => field.nullable,
                (Some(_), Kind::Any) => true,
                (Some(Value::String(_)), Kind::String) | (Some(Value::Bool(_)), Kind::Boolean) => {
                    true
                }
                (Some(_), _) => false,
            };
            let expected = match field.kind {
                Kind::String => "string",
                Kind::Boolean => "boolean",
                Kind::Any => "value",
                // What zod 4 says of a missing `z.coerce.string()` in an object.
                Kind::Coerced => "nonoptional",
            };
            (!fine).then(|| {
                format!(
                    "[body.{}] Invalid input: expected {expected}, received {}",
                    field.name,
                    type_name(got)
                )
            })
        })
        .collect();
    if !problems.is_empty() {
        return Err(AuthError::validation(problems.join("; ")));
    }
    let mut value = value;
    if let Value::Object(object) = &mut value {
        for field in T::FIELDS.iter().filter(|f| f.kind == Kind::Coerced) {
            if let Some(v) = object.get_mut(field.name) {
                *v = Value::String(js_string(v));
            }
        }
    }
    Ok(value)
}

/// JavaScript's `String(value)` for a JSON value.
fn js_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items
            .iter()
            .map(|v| if v.is_null() { String::new() } else { js_string(v) })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}

fn not_an_object<T: Schema>(value: Option<&Value>) -> AuthError {
    let got = type_name(value);
    let mut message = format!("[body] Invalid input: expected {}, received {got}", T::BODY_TYPE);
    if T::RECORD {
        message.push_str(&format!("; [body] Invalid input: expected record, received {got}"));
    }
    AuthError::validation(message)
}

/// zod's name for a JSON value's type.
fn type_name(value: Option<&Value>) -> &'static str {
    match value {
        None => "undefined",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "array",
        Some(Value::Object(_)) => "object",
    }
}

/// Form fields are strings, as in Better Auth (so `rememberMe=false` fails validation there
/// and here alike).
fn form_to_json(pairs: Vec<(String, String)>) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // the fields exist to be deserialised
    struct Probe {
        email: String,
        remember: Option<bool>,
    }

    impl Schema for Probe {
        const FIELDS: &'static [Field] =
            &[Field::required("email", Kind::String), Field::optional("remember", Kind::Boolean)];
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<f64>().prop_map(|f| serde_json::json!(f)),
            "\\PC{0,20}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("email|remember|\\PC{0,8}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Whatever JSON a client sends, the checker either accepts a body that then
        /// deserialises, or names the problem as a 400; it never panics.
        #[test]
        fn any_json_is_accepted_or_refused_cleanly(value in json()) {
            match check::<Probe>(Some(value)) {
                Ok(checked) => prop_assert!(serde_json::from_value::<Probe>(checked).is_ok()),
                Err(AuthError::Client { status, code, .. }) => {
                    prop_assert_eq!(status, StatusCode::BAD_REQUEST);
                    prop_assert_eq!(code, "VALIDATION_ERROR");
                }
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn names_every_problem_like_zod() {
        let err =
            check::<Probe>(Some(serde_json::json!({ "remember": "yes" }))).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "VALIDATION_ERROR: [body.email] Invalid input: expected string, received undefined; \
             [body.remember] Invalid input: expected boolean, received string"
        );
        let err = check::<Probe>(None).expect_err("refused");
        assert!(err.to_string().ends_with("expected object, received undefined"));
    }
}
