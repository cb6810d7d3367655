//! The first admins: `lectern admin grant EMAIL` and `LECTERN_ADMIN_EMAILS`. Both write the
//! `admin` role into the user's row (Better Auth's admin plugin's `role` column), so every
//! replica and a Better Auth server sharing the database agree on who is an admin, and a
//! demotion with `set-role` holds. `LECTERN_ADMIN_EMAILS` grants at sign-up (in the sign-up
//! flows) and here at start for accounts that already exist; it is not checked per request.

use std::io::Write;

use lectern_store::{ADMIN_ROLE, AuditAction, AuditEvent, Store};

/// `lectern admin grant EMAIL`: makes the account with this address an admin.
pub async fn grant(database_url: &str, email: &str) -> anyhow::Result<()> {
    let email = lectern_auth::validate::email(email.trim())
        .ok_or_else(|| anyhow::anyhow!("{email:?} is not an email address"))?;
    let store = crate::serve::connect(database_url).await?;
    let Some(user) = store.set_role_by_email(&email, ADMIN_ROLE, lectern_auth::wire::now()).await?
    else {
        anyhow::bail!("no account has the address {email}; sign up first, then grant");
    };
    record(&store, &user.id, "cli");
    store.flush_audit().await;
    writeln!(std::io::stdout(), "{email} ({}) is now an admin", user.id)?;
    Ok(())
}

/// At start: every existing account listed in `LECTERN_ADMIN_EMAILS` that is not an admin
/// yet becomes one. Addresses without an account wait for their sign-up.
pub async fn grant_listed(store: &Store, emails: &[String]) -> anyhow::Result<()> {
    for email in emails {
        match store.find_user_by_email(email).await? {
            Some(user) if user.is_admin() => {}
            Some(user) => {
                store.set_role_by_email(email, ADMIN_ROLE, lectern_auth::wire::now()).await?;
                record(store, &user.id, "LECTERN_ADMIN_EMAILS");
                tracing::info!(user.id = %user.id, "admin role granted (LECTERN_ADMIN_EMAILS)");
            }
            None => {}
        }
    }
    Ok(())
}

fn record(store: &Store, user: &lectern_store::UserId, via: &str) {
    let detail = serde_json::json!({ "role": ADMIN_ROLE, "via": via });
    store.audit(AuditEvent::success(AuditAction::RoleChange).user(user).detail(detail));
}
