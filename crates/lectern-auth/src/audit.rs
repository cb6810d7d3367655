//! Recording to the audit trail from the flows. A handler takes [`Audit`] like any other
//! part of the request (it carries the client's address and user agent) and records in one
//! line; [`Audit::record`] hands the event to the store's batched writer and returns at once.

use std::convert::Infallible;
use std::net::IpAddr;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use lectern_store::{AuditEvent, Store};

use crate::client_ip::ClientIp;
use crate::state::Auth;

/// A server state whose flows record events: the store to record to, or `None` when
/// recording is off (`LECTERN_AUDIT=off`).
pub trait AuditLog {
    fn audit_log(&self) -> Option<&Store>;
}

impl AuditLog for Auth {
    fn audit_log(&self) -> Option<&Store> {
        self.config.audit.then_some(&self.store)
    }
}

/// Where the request came from, and where its events go.
#[derive(Debug, Clone)]
pub struct Audit {
    store: Option<Store>,
    ip: Option<IpAddr>,
    user_agent: Option<HeaderValue>,
}

impl<S: AuditLog + Send + Sync> FromRequestParts<S> for Audit {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        Ok(Self {
            store: state.audit_log().cloned(),
            ip: parts.extensions.get::<ClientIp>().and_then(|c| c.0),
            user_agent: parts.headers.get(header::USER_AGENT).cloned(),
        })
    }
}

impl Audit {
    /// Records `event` as coming from this request's client.
    pub fn record(&self, event: AuditEvent) {
        let Some(store) = &self.store else { return };
        let user_agent = self.user_agent.as_ref().and_then(|v| v.to_str().ok()).map(str::to_owned);
        store.audit(AuditEvent { ip: self.ip.map(|ip| ip.to_string()), user_agent, ..event });
    }
}
