//! `GET /api/openapi.json`: the reader API's OpenAPI 3.1 document, generated from the
//! handlers and their types. The profile's answers are described from the questionnaire in
//! use, so the document always matches what validation accepts.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoResponses, Modify, OpenApi};

use crate::error::ErrorBody;
use crate::profile::{Kind, Questionnaire};
use crate::state::Api;

#[derive(OpenApi)]
#[openapi(
    info(title = "Lectern reader API", description = "Profiles, chats and the tutor. Identity (`/api/auth/*`) speaks the Better Auth 1.7 protocol and is documented by Better Auth."),
    paths(
        crate::me::handler,
        crate::profile::schema,
        crate::profile::get,
        crate::profile::put,
        crate::profile::post,
        crate::profile::patch,
        crate::chat::list,
        crate::chat::create,
        crate::chat::get,
        crate::chat::rename,
        crate::chat::delete,
        crate::chat::ask::ask,
        crate::chat::feedback::rate,
        crate::chat::stop::stop,
        crate::merge::explicit,
        crate::chatkit::serve,
        crate::chatkit::serve_under_api,
    ),
    // ChatKit's error body is only named by its responses (`ChatKitErrors`), which do not
    // register it.
    components(schemas(crate::chatkit::types::ErrorEvent, crate::chatkit::types::ErrorType)),
    modifiers(&Security),
)]
struct ReaderApi;

struct Security;

/// What every endpoint for signed-in readers may answer.
#[derive(Debug, IntoResponses)]
pub enum SignedInErrors {
    /// No credential, or one that does not verify.
    #[response(status = 401)]
    Unauthorized(ErrorBody<'static>),
    /// `PROFILE_REQUIRED` on the tutor's endpoints (answer the questionnaire first), or a
    /// write from an untrusted origin.
    #[response(status = 403)]
    Forbidden(ErrorBody<'static>),
    /// Too many requests; `X-Retry-After` says when to try again.
    #[response(status = 429)]
    TooMany(ErrorBody<'static>),
    /// `STORAGE_UNAVAILABLE`: the database cannot take the request now (a full disk, a
    /// server restarting); `Retry-After` says when to try again. On the ask endpoint also
    /// `TUTOR_UNAVAILABLE` (no book index is loaded) and `TUTOR_BUSY` (too many questions
    /// waiting; `Retry-After`).
    #[response(status = 503)]
    Unavailable(ErrorBody<'static>),
}

/// What an endpoint that reads a JSON body may answer about it.
#[derive(Debug, IntoResponses)]
pub enum BodyErrors {
    /// An invalid body or field; the code says which.
    #[response(status = 400)]
    BadRequest(ErrorBody<'static>),
    /// A body over 64 KiB.
    #[response(status = 413)]
    TooLarge(ErrorBody<'static>),
    /// A body that is not `application/json`.
    #[response(status = 415)]
    NotJson(ErrorBody<'static>),
}

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "better-auth.session_token",
                "The session cookie set by /api/auth sign-in (`__Secure-` prefixed on https)",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A session token (`set-auth-token`) or a JWT (`set-auth-jwt`, `/api/auth/token`)"))
                    .build(),
            ),
        );
    }
}

/// The `answers` field's schema: a reference to `ProfileAnswers`, which [`document`] adds.
pub fn answers_ref() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name("ProfileAnswers"))
}

/// The whole document as JSON, with `ProfileAnswers` made from `questionnaire`.
pub fn document(questionnaire: &Questionnaire) -> String {
    let mut doc = ReaderApi::openapi();
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.insert("ProfileAnswers".into(), RefOr::T(answers_schema(questionnaire)));
    doc.to_pretty_json().expect("an OpenAPI document serialises")
}

fn answers_schema(questionnaire: &Questionnaire) -> Schema {
    let mut object = ObjectBuilder::new()
        .description(Some("Answers by question id, as `GET /api/user/profile/schema` asks them"))
        .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(
            false,
        )));
    for q in &questionnaire.questions {
        let values: Vec<&str> = q.options.iter().map(|o| o.value.as_str()).collect();
        // `null` removes an answer (PATCH), so every answer may be null.
        let nullable = |t| SchemaType::from_iter([t, Type::Null]);
        let schema: Schema = match q.kind {
            Kind::Single => ObjectBuilder::new()
                .schema_type(nullable(Type::String))
                .enum_values(Some(values.into_iter().map(Some).chain([None])))
                .into(),
            Kind::Text => ObjectBuilder::new()
                .schema_type(nullable(Type::String))
                .max_length(q.max_length)
                .into(),
            Kind::Multi => ArrayBuilder::new()
                .schema_type(nullable(Type::Array))
                .items(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)))
                .unique_items(true)
                .into(),
        };
        object = object.property(&q.id, schema);
    }
    object.into()
}

pub async fn serve(State(api): State<Api>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], api.openapi.clone()).into_response()
}
