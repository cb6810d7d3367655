//! The guest merge (DESIGN.md §4): when a guest signs up or signs in, what the guest made
//! moves to the account, through the identity server's [`GuestMerge`] hook.

use lectern_auth::guest::{BoxFuture, GuestMerge};
use lectern_store::{Store, User};

/// Moves a guest's profile (when the account has none) to the account.
#[derive(Debug, Default)]
pub struct ReaderMerge;

impl GuestMerge for ReaderMerge {
    fn merge<'a>(
        &'a self,
        store: &'a Store,
        guest: &'a User,
        account: &'a User,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let moved =
                store.move_profile(&guest.id, &account.id).await.map_err(|e| e.to_string())?;
            tracing::debug!(guest.id = %guest.id, user.id = %account.id, profile = moved, "guest merged");
            Ok(())
        })
    }
}
