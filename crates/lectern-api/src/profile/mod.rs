//! The reader's background profile: `GET /api/user/profile/schema`, and `GET`, `PUT`
//! (also `POST`, the original design's path) and `PATCH /api/user/profile`.

mod answers;
mod questionnaire;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use lectern_auth::audit::Audit;
use lectern_store::{AuditAction, AuditEvent, IfRevision, Profile, ProfileWrite, UserId};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

pub use answers::{Answers, FieldError, FieldErrors};
pub use questionnaire::{Choice, Kind, Question, Questionnaire, ShowIf, Summary};

use crate::body::ApiJson;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::openapi::{BodyErrors, SignedInErrors};
use crate::reader::SignedIn;
use crate::state::Api;

/// What a whole-profile write answers.
#[derive(Debug, utoipa::IntoResponses)]
pub enum ProfileWritten {
    /// Replaced.
    #[response(status = 200)]
    Replaced(ProfileView),
    /// Created.
    #[response(status = 201)]
    Created(ProfileView),
}

/// How often a partial update is retried when another write to the same profile won the
/// race; each retry re-reads, so none is lost.
const PATCH_ATTEMPTS: usize = 5;

/// `{"answers":{"<question id>": value}}` (**contract**, DESIGN.md §5).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    #[schema(schema_with = crate::openapi::answers_ref)]
    answers: Map<String, Value>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    #[schema(schema_with = crate::openapi::answers_ref)]
    answers: Map<String, Value>,
    /// `softwareBackground` and `hardwareBackground` as the user now carries them.
    software_background: Option<String>,
    hardware_background: Option<String>,
    created_at: String,
    updated_at: String,
}

impl ProfileView {
    fn new(api: &Api, profile: &Profile) -> Self {
        let answers = current_answers(api, profile);
        let summary = |which| answers.summary(&api.questionnaire, which);
        Self {
            software_background: summary(Summary::Software),
            hardware_background: summary(Summary::Hardware),
            answers: answers.0,
            created_at: profile.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            updated_at: profile.updated_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        }
    }
}

/// The stored answers to questions the questionnaire still asks (an author may have
/// removed some since).
fn current_answers(api: &Api, profile: &Profile) -> Answers {
    let stored: Map<String, Value> = serde_json::from_str(&profile.answers).unwrap_or_default();
    Answers(stored.into_iter().filter(|(id, _)| api.questionnaire.question(id).is_some()).collect())
}

/// The questionnaire, for the widget's form.
#[utoipa::path(get, path = "/api/user/profile/schema", operation_id = "getProfileSchema", tag = "profile",
    responses((status = 200, description = "The questions", body = Questionnaire)))]
pub async fn schema(State(api): State<Api>) -> Json<Questionnaire> {
    Json(api.questionnaire.clone())
}

#[utoipa::path(get, path = "/api/user/profile", operation_id = "getProfile", tag = "profile",
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The reader's profile", body = ProfileView),
        (status = 404, description = "No profile yet: show the questionnaire", body = ErrorBody),
        SignedInErrors,
    ))]
pub async fn get(
    State(api): State<Api>,
    SignedIn(reader): SignedIn,
) -> ApiResult<Json<ProfileView>> {
    let user = UserId(reader.id.as_str().to_owned());
    let profile = api.store.profile(&user).await?.ok_or_else(not_found)?;
    Ok(Json(ProfileView::new(&api, &profile)))
}

/// Creates or replaces the whole profile.
#[utoipa::path(put, path = "/api/user/profile", operation_id = "putProfile", tag = "profile",
    security(("session_cookie" = []), ("bearer" = [])), request_body = ProfileBody,
    responses(ProfileWritten, SignedInErrors, BodyErrors))]
pub async fn put(
    State(api): State<Api>,
    SignedIn(reader): SignedIn,
    audit: Audit,
    ApiJson(body): ApiJson<ProfileBody>,
) -> ApiResult<Response> {
    let answers =
        Answers::validate(&api.questionnaire, &body.answers).map_err(ApiError::Invalid)?;
    let user = UserId(reader.id.as_str().to_owned());
    let profile = save(&api, &user, &answers, IfRevision::Any).await?.ok_or_else(not_found)?;
    audit.record(AuditEvent::success(AuditAction::ProfileUpdate).user(&user));
    let status = if profile.revision == 1 { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(ProfileView::new(&api, &profile))).into_response())
}

/// The original design's `POST /api/user/profile`: the same as `PUT`.
#[utoipa::path(post, path = "/api/user/profile", operation_id = "postProfile", tag = "profile",
    security(("session_cookie" = []), ("bearer" = [])), request_body = ProfileBody,
    responses(ProfileWritten, SignedInErrors, BodyErrors))]
pub async fn post(
    api: State<Api>,
    reader: SignedIn,
    audit: Audit,
    body: ApiJson<ProfileBody>,
) -> ApiResult<Response> {
    put(api, reader, audit, body).await
}

/// Changes some answers; `null` removes one. The result must still be a valid profile.
#[utoipa::path(patch, path = "/api/user/profile", operation_id = "patchProfile", tag = "profile",
    security(("session_cookie" = []), ("bearer" = [])), request_body = ProfileBody,
    responses(
        (status = 200, description = "Updated (or created, if the answers make a whole profile)", body = ProfileView),
        (status = 409, description = "Too many concurrent updates; try again", body = ErrorBody),
        SignedInErrors,
        BodyErrors,
    ))]
pub async fn patch(
    State(api): State<Api>,
    SignedIn(reader): SignedIn,
    audit: Audit,
    ApiJson(body): ApiJson<ProfileBody>,
) -> ApiResult<Json<ProfileView>> {
    let user = UserId(reader.id.as_str().to_owned());
    for _ in 0..PATCH_ATTEMPTS {
        let current = api.store.profile(&user).await?;
        let (mut merged, condition) = match &current {
            Some(profile) => (current_answers(&api, profile).0, IfRevision::Is(profile.revision)),
            None => (Map::new(), IfRevision::Absent),
        };
        merged.extend(body.answers.clone());
        let answers = Answers::validate(&api.questionnaire, &merged).map_err(ApiError::Invalid)?;
        if let Some(profile) = save(&api, &user, &answers, condition).await? {
            audit.record(AuditEvent::success(AuditAction::ProfileUpdate).user(&user));
            return Ok(Json(ProfileView::new(&api, &profile)));
        }
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "PROFILE_CHANGED",
        "The profile changed while it was being updated; please try again",
    ))
}

async fn save(
    api: &Api,
    user: &UserId,
    answers: &Answers,
    condition: IfRevision,
) -> ApiResult<Option<Profile>> {
    let json = Value::Object(answers.0.clone()).to_string();
    let software = answers.summary(&api.questionnaire, Summary::Software);
    let hardware = answers.summary(&api.questionnaire, Summary::Hardware);
    let choices = choices(&api.questionnaire, answers);
    let write = ProfileWrite {
        choices: &choices,
        user_id: user,
        answers: &json,
        software_summary: software.as_deref(),
        hardware_summary: hardware.as_deref(),
        now: chrono::Utc::now(),
    };
    Ok(api.store.save_profile(&write, condition).await?)
}

/// The options chosen, as (question id, option value), for the author's dashboard.
fn choices<'a>(questionnaire: &'a Questionnaire, answers: &'a Answers) -> Vec<(&'a str, &'a str)> {
    questionnaire
        .questions
        .iter()
        .filter(|q| q.kind != Kind::Text)
        .flat_map(|q| {
            let values: Vec<&str> = match answers.0.get(&q.id) {
                Some(Value::String(s)) => vec![s.as_str()],
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            values.into_iter().map(move |v| (q.id.as_str(), v))
        })
        .collect()
}

fn not_found() -> ApiError {
    ApiError::not_found("PROFILE_NOT_FOUND", "No profile yet")
}
