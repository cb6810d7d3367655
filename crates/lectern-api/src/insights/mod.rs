//! The author's dashboard under `/admin` (docs/insights.md): who the readers are, what they
//! ask, where the book fails them, and how the tutor is doing, as server-rendered pages
//! whose every table downloads as CSV (`?format=csv&table=<id>`).
//!
//! Admins only ([`Admin`]): no session is a 401, a reader's or a guest's session a 403,
//! both `{"code","message"}` with no data. Served where the identity server runs in the
//! same process (`--role all`); elsewhere the paths are 404s.

mod html;
mod query;
mod views;
mod wording;

use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use lectern_store::User;

pub use wording::{group, repeat_of, similarity, terms};

use crate::error::{ApiError, ApiResult};
use crate::state::Api;
use crate::tutor::Toc;
use query::Params;
use views::Context;

/// A request from a signed-in admin: a handler that takes it cannot serve anyone else.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl FromRequestParts<Api> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, api: &Api) -> Result<Self, ApiError> {
        let Some(auth) = &api.auth else {
            return Err(ApiError::not_found("NOT_FOUND", "Not found"));
        };
        match lectern_auth::session::current(auth, &parts.headers).await? {
            None => Err(ApiError::Unauthorized("no session for the dashboard".into())),
            Some((_, user)) if is_admin(&user) => Ok(Self),
            Some(_) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "Only the book's admins can see its insights",
            )),
        }
    }
}

/// Whether `user` may see the dashboard: Better Auth's admin plugin role `admin` (among
/// the user's comma-separated roles).
fn is_admin(user: &User) -> bool {
    user.is_admin()
}

/// Which view a route shows.
#[derive(Debug, Clone, Copy)]
enum View {
    Overview,
    Readers,
    Backgrounds,
    Questions,
    Failures,
    Health,
}

async fn show(api: &Api, query: Option<String>, view: View) -> ApiResult<Response> {
    let params = Params::parse(query.as_deref(), &api.questionnaire, query::today())?;
    let empty = Toc::default();
    let toc = api.tutor.as_ref().map_or(&empty, |t| &t.toc);
    let cx = Context { store: &api.store, questionnaire: &api.questionnaire, toc, params: &params };
    let page = match view {
        View::Overview => views::overview(&cx).await?,
        View::Readers => views::readers(&cx).await?,
        View::Backgrounds => views::backgrounds(&cx).await?,
        View::Questions => views::questions(&cx).await?,
        View::Failures => views::failures(&cx).await?,
        View::Health => views::health(&cx).await?,
    };
    match &params.csv {
        None => Ok(html::render(&page, &params, &api.questionnaire, api.store.insights_enabled())),
        Some(id) => match page.table(id) {
            Some(table) => Ok(html::csv(table, page.path)),
            None => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_TABLE",
                "`table` names none of this page's tables",
            )),
        },
    }
}

macro_rules! view_handler {
    ($name:ident, $view:expr) => {
        pub async fn $name(
            State(api): State<Api>,
            _: Admin,
            RawQuery(query): RawQuery,
        ) -> ApiResult<Response> {
            show(&api, query, $view).await
        }
    };
}

view_handler!(overview, View::Overview);
view_handler!(readers, View::Readers);
view_handler!(backgrounds, View::Backgrounds);
view_handler!(questions, View::Questions);
view_handler!(failures, View::Failures);
view_handler!(health, View::Health);
