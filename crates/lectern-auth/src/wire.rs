//! The JSON shapes Better Auth's clients read: users and sessions as its adapters return
//! them (camelCase, ISO-8601 timestamps with milliseconds).

use chrono::{DateTime, SecondsFormat, Utc};
use lectern_store::{Account, Session, User};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use serde::{Serialize, Serializer};

/// What JavaScript's `encodeURIComponent` leaves alone; everything else is escaped, as
/// Better Auth's cookies and links are.
pub(crate) const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

fn iso<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

fn iso_opt<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => iso(at, s),
        None => s.serialize_none(),
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserJson<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub email_verified: bool,
    pub image: Option<&'a str>,
    #[serde(serialize_with = "iso")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "iso")]
    pub updated_at: DateTime<Utc>,
    pub is_anonymous: Option<bool>,
    /// The admin plugin's fields (`src/plugins/admin/schema.ts`), where Better Auth with
    /// `admin()` after `anonymous()` puts them.
    pub role: Option<&'a str>,
    pub banned: Option<bool>,
    pub ban_reason: Option<&'a str>,
    #[serde(serialize_with = "iso_opt")]
    pub ban_expires: Option<DateTime<Utc>>,
    pub software_background: Option<&'a str>,
    pub hardware_background: Option<&'a str>,
    pub id: &'a str,
}

impl<'a> From<&'a User> for UserJson<'a> {
    fn from(u: &'a User) -> Self {
        Self {
            name: &u.name,
            email: &u.email,
            email_verified: u.email_verified,
            image: u.image.as_deref(),
            created_at: u.created_at,
            updated_at: u.updated_at,
            is_anonymous: u.is_anonymous,
            role: u.role.as_deref(),
            banned: u.banned,
            ban_reason: u.ban_reason.as_deref(),
            ban_expires: u.ban_expires,
            software_background: u.software_background.as_deref(),
            hardware_background: u.hardware_background.as_deref(),
            id: u.id.as_str(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionJson<'a> {
    #[serde(serialize_with = "iso")]
    pub expires_at: DateTime<Utc>,
    pub token: &'a str,
    #[serde(serialize_with = "iso")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "iso")]
    pub updated_at: DateTime<Utc>,
    pub ip_address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub user_id: &'a str,
    /// The admin plugin's: the admin who opened this session as the user.
    pub impersonated_by: Option<&'a str>,
    pub id: &'a str,
}

impl<'a> From<&'a Session> for SessionJson<'a> {
    fn from(s: &'a Session) -> Self {
        Self {
            expires_at: s.expires_at,
            token: &s.token,
            created_at: s.created_at,
            updated_at: s.updated_at,
            ip_address: s.ip_address.as_deref(),
            user_agent: s.user_agent.as_deref(),
            user_id: s.user_id.as_str(),
            impersonated_by: s.impersonated_by.as_ref().map(|u| u.as_str()),
            id: s.id.as_str(),
        }
    }
}

/// An account as `list-accounts` shows it: no password, no provider tokens, and the stored
/// comma-separated scopes as a list.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountJson<'a> {
    pub account_id: &'a str,
    pub provider_id: &'a str,
    pub user_id: &'a str,
    #[serde(serialize_with = "iso")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "iso")]
    pub updated_at: DateTime<Utc>,
    pub id: &'a str,
    pub scopes: Vec<&'a str>,
}

impl<'a> From<&'a Account> for AccountJson<'a> {
    fn from(a: &'a Account) -> Self {
        let scopes = a.scope.as_deref().unwrap_or("");
        Self {
            account_id: &a.account_id,
            provider_id: &a.provider_id,
            user_id: a.user_id.as_str(),
            created_at: a.created_at,
            updated_at: a.updated_at,
            id: &a.id,
            scopes: scopes.split(',').map(str::trim).filter(|s| !s.is_empty()).collect(),
        }
    }
}

/// Timestamps are kept at millisecond precision, as JavaScript's `Date` (and so Better
/// Auth) writes them, so both servers read back what they wrote.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
}
