//! Who a provider's identity becomes (`src/oauth2/link-account.ts`, 1.7.x): the user who
//! already linked that provider account; else the user with that email, linked only when
//! the provider vouches for the email (or is trusted) **and** the local address was
//! verified, so nobody takes over an account by registering its email at a provider; else a
//! new user. Failures are Better Auth's `?error=` codes.

use lectern_store::{OAuthAccount, OAuthWrite, Session, StoreError, User, UserId};

use super::{Identity, Tokens};
use crate::error::AuthResult;
use crate::ids::generate_id;
use crate::session::{self, Client};
use crate::state::Auth;
use crate::wire;

/// A signed-in reader: the user, their new session, and whether the user is new.
#[derive(Debug)]
pub struct SignedIn {
    pub user: User,
    pub session: Session,
    pub new_user: bool,
}

fn account(provider: &str, identity: &Identity, tokens: &Tokens, user: &UserId) -> OAuthAccount {
    OAuthAccount {
        id: generate_id(),
        account_id: identity.account_id.clone(),
        provider_id: provider.to_owned(),
        user_id: user.clone(),
        access_token: tokens.access_token.clone(),
        refresh_token: tokens.refresh_token.clone(),
        id_token: tokens.id_token.clone(),
        access_token_expires_at: tokens.access_token_expires_at,
        refresh_token_expires_at: tokens.refresh_token_expires_at,
        scope: (!tokens.scopes.is_empty()).then(|| tokens.scopes.join(",")),
        now: wire::now(),
    }
}

fn trusted(auth: &Auth, provider: &str) -> bool {
    auth.config.trusted_providers.iter().any(|p| p == provider)
}

/// Signs the provider's reader in, creating or linking the user as Better Auth would.
pub async fn sign_in(
    auth: &Auth,
    provider: &str,
    identity: &Identity,
    tokens: &Tokens,
    client: &Client,
) -> AuthResult<Result<SignedIn, &'static str>> {
    let Some(email) = identity.email.as_deref().map(str::to_lowercase) else {
        return Ok(Err("email_not_found"));
    };
    let (mut user, new_user, row) =
        match auth.store.find_provider_account(provider, &identity.account_id).await? {
            Some((row, owner)) => (owner, false, Some(row)),
            None => match auth.store.find_login(&email).await? {
                Some((owner, _)) => {
                    if (!trusted(auth, provider) && !identity.email_verified)
                        || !owner.email_verified
                    {
                        return Ok(Err("account_not_linked"));
                    }
                    (owner, false, None)
                }
                None => (new_user(identity, email.clone()), true, None),
            },
        };
    let mark_verified =
        !new_user && identity.email_verified && !user.email_verified && user.email == email;
    let account = account(provider, identity, tokens, &user.id);
    let session = session::new_session(auth, &user, true, client);
    let write = match (&row, new_user) {
        (Some(row), _) => OAuthWrite::Refresh(row),
        (None, true) => OAuthWrite::NewUser(&user),
        (None, false) => OAuthWrite::Link,
    };
    match auth.store.save_oauth_sign_in(write, &account, mark_verified, Some(&session)).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => return Ok(Err("unable_to_create_user")),
        Err(err) => return Err(err.into()),
    }
    user.email_verified |= mark_verified;
    Ok(Ok(SignedIn { user, session, new_user }))
}

fn new_user(identity: &Identity, email: String) -> User {
    let now = wire::now();
    User {
        id: UserId(generate_id()),
        name: identity.name.clone(),
        email,
        email_verified: identity.email_verified,
        image: identity.image.clone(),
        created_at: now,
        updated_at: now,
        is_anonymous: Some(false),
        software_background: None,
        hardware_background: None,
        role: Some(lectern_store::DEFAULT_ROLE.into()),
        banned: Some(false),
        ban_reason: None,
        ban_expires: None,
    }
}

/// Links the provider's account to the signed-in reader who started the flow
/// (`linkOAuthAccount`): their session must still be live, the provider must vouch for the
/// email (or be trusted), and the email must be theirs.
pub async fn link(
    auth: &Auth,
    provider: &str,
    link: &super::state::Link,
    session_token: Option<&str>,
    identity: &Identity,
    tokens: &Tokens,
) -> AuthResult<Result<(), &'static str>> {
    let live = match session_token {
        Some(token) => auth.store.find_session(token).await?.is_some_and(|(s, u)| {
            u.id.as_str() == link.user_id && s.expires_at > chrono::Utc::now()
        }),
        None => false,
    };
    if !live || (!trusted(auth, provider) && !identity.email_verified) {
        return Ok(Err("unable_to_link_account"));
    }
    let same_email = identity.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(&link.email));
    if !same_email {
        return Ok(Err("email_does_not_match"));
    }
    let user = UserId(link.user_id.clone());
    let existing = auth.store.find_provider_account(provider, &identity.account_id).await?;
    let row = match &existing {
        Some((_, owner)) if owner.id != user => {
            return Ok(Err("account_already_linked_to_different_user"));
        }
        Some((row, _)) => OAuthWrite::Refresh(row),
        None => OAuthWrite::Link,
    };
    match auth
        .store
        .save_oauth_sign_in(row, &account(provider, identity, tokens, &user), false, None)
        .await
    {
        Ok(()) => Ok(Ok(())),
        Err(StoreError::Conflict) => Ok(Err("unable_to_link_account")),
        Err(err) => Err(err.into()),
    }
}
