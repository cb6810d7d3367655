//! Guests (Better Auth's anonymous plugin, `src/plugins/anonymous/index.ts`, 1.7.x) and
//! what happens when one becomes a real account.
//!
//! Every flow that creates a session for a request that carried a guest's session calls
//! [`upgrade_guest`]: the [`GuestMerge`] hook moves the guest's conversations and profile
//! (the reader API's hook) and deletes the guest user, in one transaction. Better Auth does
//! the same through `onLinkAccount` on paths starting with `/sign-in`, `/sign-up`,
//! `/callback` and `/verify-email`; here the flows call it explicitly, so a new flow cannot
//! be added without deciding whether it upgrades guests.

use std::future::Future;
use std::pin::Pin;

use lectern_store::{AuditAction, AuditEvent, Session, Store, User};

use crate::audit::Audit;
use crate::state::Auth;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Moves what belongs to a guest to the account the guest became, and deletes the guest.
pub trait GuestMerge: Send + Sync + std::fmt::Debug {
    /// Called once per upgrade. Atomic: an error keeps the guest (and whatever it owns) in
    /// place; the sign-in itself still succeeds.
    fn merge<'a>(
        &'a self,
        store: &'a Store,
        guest: &'a User,
        account: &'a User,
    ) -> BoxFuture<'a, Result<(), String>>;
}

/// The hook until the reader API provides one: nothing to move, the guest is deleted.
#[derive(Debug)]
pub struct NoMerge;

impl GuestMerge for NoMerge {
    fn merge<'a>(
        &'a self,
        store: &'a Store,
        guest: &'a User,
        _: &'a User,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(
            async move { store.delete_user(&guest.id).await.map(drop).map_err(|e| e.to_string()) },
        )
    }
}

/// The guest whose session came with the request, if the request came from a guest.
#[derive(Debug)]
pub struct Guest(pub Session, pub User);

impl Guest {
    pub fn from_current(current: Option<(Session, User)>) -> Option<Self> {
        current.filter(|(_, user)| user.is_guest()).map(|(s, u)| Self(s, u))
    }
}

/// Runs the merge hook, which removes the guest, once `account` has a new session.
pub async fn upgrade_guest(auth: &Auth, audit: &Audit, guest: Option<Guest>, account: &User) {
    let Some(Guest(_, guest)) = guest else { return };
    // Better Auth keeps the guest when it signs in as itself or as another guest.
    if guest.id == account.id || account.is_guest() {
        return;
    }
    let event = match auth.merge.merge(&auth.store, &guest, account).await {
        Ok(()) => AuditEvent::success(AuditAction::GuestMerge),
        Err(err) => {
            tracing::error!(guest.id = %guest.id, user.id = %account.id, error = %err, "guest merge failed; guest kept");
            AuditEvent::failure(AuditAction::GuestMerge)
        }
    };
    audit.record(event.user(&account.id).detail(serde_json::json!({ "guest": guest.id })));
}
