//! `POST /chatkit` (and `/api/chatkit`): the OpenAI ChatKit server protocol, as the
//! `openai-chatkit` Python SDK's `ChatKitServer.process` answers it (1.6.x,
//! `chatkit/server.py`), so a ChatKit front end can use Lectern in place of a Python
//! ChatKit server.
//!
//! One request envelope `{type, params, metadata}`; the streaming types answer
//! `text/event-stream` with a `data: <event JSON>` per event ([`stream`]), the others JSON
//! ([`threads`]). A ChatKit thread is a Lectern chat and its items are the chat's messages,
//! with the same ids, so the reader API and ChatKit see one history. Readers are who the
//! reader API says they are ([`SignedIn`]), behind the same gate.
//!
//! Errors have the SDK's `ErrorEvent` shape: as the one event of a stream for a streaming
//! request, so the ChatKit UI shows its message; as the JSON body, with the HTTP status,
//! for the others and for anything wrong before the request's type is known.

mod stream;
mod threads;
pub mod types;

use std::net::{IpAddr, Ipv4Addr};

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lectern_auth::client_ip::ClientIp;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::chat::owner;
use crate::error::{ApiError, ApiResult};
use crate::gate::has_profile;
use crate::reader::SignedIn;
use crate::state::Api;
use types::{ErrorEvent, Event};

/// The request envelope (`ChatKitReq`); its `metadata` is ignored, as Lectern keeps no
/// integration metadata.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Envelope {
    /// `threads.create`, `threads.add_user_message`, `threads.retry_after_item` (streamed);
    /// `threads.get_by_id`, `threads.list`, `threads.update`, `threads.delete`,
    /// `items.list`, `items.feedback` (JSON).
    #[serde(rename = "type")]
    kind: String,
    /// The request's parameters, as the SDK's `*Params` types.
    #[serde(default)]
    #[schema(value_type = Object)]
    params: serde_json::Value,
}

/// What `/chatkit` may answer besides success, always in the SDK's error shape with
/// Lectern's code (also the reader API's request checks' refusals, see [`refusals`]).
#[derive(Debug, utoipa::IntoResponses)]
pub enum ChatKitErrors {
    /// Malformed JSON, an unknown or unsupported type, invalid params.
    #[response(status = 400)]
    BadRequest(ErrorEvent),
    /// No credential, or one that does not verify.
    #[response(status = 401)]
    Unauthorized(ErrorEvent),
    /// `PROFILE_REQUIRED` (a JSON request; a streaming one gets it as its stream's error).
    #[response(status = 403)]
    Forbidden(ErrorEvent),
    /// No such thread or item of the caller's.
    #[response(status = 404)]
    NotFound(ErrorEvent),
    /// A body over 64 KiB.
    #[response(status = 413)]
    TooLarge(ErrorEvent),
    /// Too many requests.
    #[response(status = 429)]
    TooMany(ErrorEvent),
    /// The database or the tutor cannot take the request now.
    #[response(status = 503)]
    Unavailable(ErrorEvent),
}

/// Request types the SDK defines that Lectern does not serve (no attachments, client tools,
/// widgets' actions, structured input or dictation), and whether each one streams.
const UNSUPPORTED: [(&str, bool); 7] = [
    ("threads.add_client_tool_output", true),
    ("threads.add_structured_input", true),
    ("threads.custom_action", true),
    ("threads.sync_custom_action", false),
    ("attachments.create", false),
    ("attachments.delete", false),
    ("input.transcribe", false),
];

/// The request types that ask the tutor (and stream its answer).
const ASKS: [&str; 3] = ["threads.create", "threads.add_user_message", "threads.retry_after_item"];

/// The bucket of the reader API's ask endpoint (see [`crate::guard`]): questions asked here
/// count there too, so a reader has one budget of questions whichever way they ask.
const ASK_BUCKET: &str = "/api/chats/*/messages";

fn streams(kind: &str) -> bool {
    ASKS.contains(&kind) || UNSUPPORTED.iter().any(|(k, streamed)| *k == kind && *streamed)
}

/// Answers a ChatKit request: `text/event-stream` of thread stream events for
/// `threads.create`, `threads.add_user_message` and `threads.retry_after_item`; JSON for the
/// others. Errors have the SDK's `ErrorEvent` shape (`{"type":"error","code":"custom",
/// "message","allow_retry","lectern_code"}`): the one event of the stream for a streaming
/// request, otherwise the body of a 4xx/5xx answer.
#[utoipa::path(post, path = "/chatkit", operation_id = "chatkit", tag = "chatkit",
    request_body = Envelope, security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "JSON (a Thread, a Page of threads or items, or `{}`), or for the streaming types Server-Sent Events, `data: <thread stream event>` each",
            content((Object = "application/json"), (String = "text/event-stream"))),
        ChatKitErrors,
    ))]
pub async fn serve(
    State(api): State<Api>,
    signed_in: Result<SignedIn, ApiError>,
    ClientIp(ip): ClientIp,
    req: Request,
) -> Response {
    let reader = match signed_in {
        Ok(SignedIn(reader)) => reader,
        Err(err) => return json_error(err).await,
    };
    let envelope = match envelope(req.into_body()).await {
        Ok(envelope) => envelope,
        Err(err) => return json_error(err).await,
    };
    let streamed = streams(&envelope.kind);
    let answered = async {
        gate(&api, &reader).await?;
        if ASKS.contains(&envelope.kind.as_str()) {
            tutor_turn(&api, ip).await?;
        }
        dispatch(&api, &reader, envelope).await
    }
    .await;
    match answered {
        Ok(response) => response,
        Err(err) if streamed => stream::error(err).await,
        Err(err) => json_error(err).await,
    }
}

/// The `/api/chatkit` spelling, for sites that proxy only `/api` to Lectern.
#[utoipa::path(post, path = "/api/chatkit", operation_id = "chatkitUnderApi", tag = "chatkit",
    request_body = Envelope, security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "As `POST /chatkit`",
            content((Object = "application/json"), (String = "text/event-stream"))),
        ChatKitErrors,
    ))]
pub async fn serve_under_api(
    state: State<Api>,
    signed_in: Result<SignedIn, ApiError>,
    ip: ClientIp,
    req: Request,
) -> Response {
    serve(state, signed_in, ip, req).await
}

/// The reader API's gate, checked here rather than by [`crate::Profiled`] so that a
/// streaming request gets it as a stream error the ChatKit UI shows.
async fn gate(api: &Api, reader: &lectern_verify::Reader) -> ApiResult<()> {
    if reader.is_anonymous || has_profile(api, reader.id.as_str()).await? {
        Ok(())
    } else {
        Err(ApiError::profile_required())
    }
}

/// Counts a question against the tutor's rate limit (the reader API's request checks
/// counted this request in the `/chatkit` bucket, before its type was known).
async fn tutor_turn(api: &Api, ip: Option<IpAddr>) -> ApiResult<()> {
    if !api.settings.rate_limit {
        return Ok(());
    }
    // Without a peer address (in-process callers) every request shares one bucket, as in
    // the request checks.
    let ip = ip.unwrap_or(Ipv4Addr::UNSPECIFIED.into());
    Ok(api.limiter.check(ip, ASK_BUCKET).await?)
}

/// The envelope, from a body of at most 64 KiB. Any content type is read, as the SDK's
/// servers read the raw body; the origin check has already refused cross-site writes.
async fn envelope(body: Body) -> ApiResult<Envelope> {
    let value = crate::body::json_value(body).await?;
    serde_json::from_value(value).map_err(|err| invalid(&err))
}

fn invalid(err: &serde_json::Error) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", format!("[body] {err}"))
}

fn params<T: DeserializeOwned>(envelope: Envelope) -> ApiResult<T> {
    serde_json::from_value(envelope.params).map_err(|err| {
        ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", format!("[params] {err}"))
    })
}

async fn dispatch(
    api: &Api,
    reader: &lectern_verify::Reader,
    envelope: Envelope,
) -> ApiResult<Response> {
    let owner = owner(reader);
    let json = |value: serde_json::Value| Json(value).into_response();
    Ok(match envelope.kind.as_str() {
        "threads.create" => stream::create(api, owner, params(envelope)?).await?,
        "threads.add_user_message" => stream::add_message(api, owner, params(envelope)?).await?,
        "threads.retry_after_item" => stream::retry(api, owner, params(envelope)?).await?,
        "threads.get_by_id" => {
            Json(threads::get(api, &owner, params(envelope)?).await?).into_response()
        }
        "threads.list" => {
            Json(threads::list(api, &owner, params(envelope)?).await?).into_response()
        }
        "threads.update" => {
            Json(threads::update(api, &owner, params(envelope)?).await?).into_response()
        }
        "threads.delete" => {
            threads::delete(api, &owner, params(envelope)?).await?;
            json(serde_json::json!({}))
        }
        "items.list" => Json(threads::items(api, &owner, params(envelope)?).await?).into_response(),
        "items.feedback" => {
            threads::feedback(api, &owner, params(envelope)?).await?;
            json(serde_json::json!({}))
        }
        kind if UNSUPPORTED.iter().any(|(k, _)| *k == kind) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "UNSUPPORTED_REQUEST",
                format!(
                    "This server does not support {kind} (no attachments, client tools, actions or dictation)"
                ),
            ));
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "UNKNOWN_REQUEST",
                "Unknown ChatKit request type",
            ));
        }
    })
}

/// `err` in the SDK's shape: the reader API's answer for it (status, headers, code and
/// message, made in [`crate::error`] as for every endpoint), with the body rewritten.
async fn translate(err: ApiError) -> (axum::http::response::Parts, ErrorEvent) {
    let (parts, body) = err.into_response().into_parts();
    let said = read_error(body).await;
    let event = error_event(parts.status, &said);
    (parts, event)
}

async fn read_error(body: Body) -> serde_json::Value {
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or_default()
}

/// The reader API's `{code, message}` (Better Auth's rate limit has only a message) as an
/// `ErrorEvent`.
fn error_event(status: StatusCode, said: &serde_json::Value) -> ErrorEvent {
    let text = |field: &str| said[field].as_str().map(str::to_owned);
    ErrorEvent::new(
        text("message").unwrap_or_else(|| "The request failed".into()),
        status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error(),
        // Better Auth's rate limit says only a message: the status names it.
        text("code").unwrap_or_else(|| {
            status.canonical_reason().unwrap_or("ERROR").to_uppercase().replace(' ', "_")
        }),
    )
}

async fn json_error(err: ApiError) -> Response {
    let (mut parts, event) = translate(err).await;
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    (parts, Json(Event::Error(event))).into_response()
}

/// Around the ChatKit routes, outside the reader API's request checks: what those refuse
/// (an untrusted origin, a rate limit, a method) is answered in the SDK's shape too, with
/// its status and headers (`X-Retry-After`). Answers already in that shape pass unchanged.
pub async fn refusals(res: Response) -> Response {
    if !(res.status().is_client_error() || res.status().is_server_error()) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let said = read_error(body).await;
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    if said["type"] == "error" {
        return (parts, Json(said)).into_response();
    }
    let event = error_event(parts.status, &said);
    (parts, Json(Event::Error(event))).into_response()
}
