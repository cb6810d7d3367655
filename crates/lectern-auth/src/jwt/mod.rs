//! JWTs as Better Auth's jwt plugin issues them (`src/plugins/jwt/*`, 1.7.x): keys in the
//! `jwks` table with private keys encrypted by the secret, `GET /token`, `GET /jwks` and the
//! `set-auth-jwt` header on `get-session`.

pub mod keys;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, Utc};
use lectern_store::{JwkRow, SessionId, Store, User};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::RwLock;

pub use keys::Alg;

use crate::error::{AuthError, AuthResult};
use crate::ids::generate_id;
use crate::secrets::Secrets;
use crate::wire::{self, UserJson};

#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub alg: Alg,
    /// `exp - iat`: 15 minutes, as Better Auth.
    pub lifetime: Duration,
    /// When set, a key signs for this long and is then replaced (Better Auth's
    /// `rotationInterval`).
    pub rotation: Option<Duration>,
    /// How long a retired key stays in the JWKS (Better Auth's `gracePeriod`, 30 days), so
    /// tokens it signed keep verifying.
    pub grace: Duration,
}

impl Default for JwtConfig {
    fn default() -> Self {
        Self {
            alg: Alg::EdDSA,
            lifetime: Duration::from_secs(15 * 60),
            rotation: None,
            grace: Duration::from_secs(30 * 24 * 60 * 60),
        }
    }
}

/// The key that signs now, kept in memory: one database read per refresh interval instead
/// of one per token.
#[derive(Debug)]
pub struct Signer {
    kid: String,
    key: keys::SigningKey,
    alg: Alg,
    /// When this process should look at the table again (rotation by another process).
    recheck_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
}

/// How often a process re-reads the table for keys rotated elsewhere.
const RECHECK: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub struct KeyRing {
    signer: RwLock<Option<Arc<Signer>>>,
    /// Tokens already signed, by session: Better Auth signs a new JWT on every `get-session`;
    /// reusing one while it has more than half its life left saves that signature, and
    /// any change to the user or a new key makes a new one.
    issued: std::sync::Mutex<std::collections::HashMap<SessionId, Issued>>,
}

#[derive(Debug, Clone)]
struct Issued {
    token: String,
    kid: String,
    user: User,
    fresh_until: i64,
}

/// Beyond this many cached tokens the cache starts over rather than grow without bound.
const MAX_ISSUED: usize = 100_000;

impl KeyRing {
    /// The current signing key, created once (across processes) when there is none.
    pub async fn signer(
        &self,
        store: &Store,
        secrets: &Secrets,
        config: &JwtConfig,
    ) -> AuthResult<Arc<Signer>> {
        let now = Utc::now();
        let usable = |s: &Signer| now < s.recheck_at && s.expires_at.is_none_or(|at| at > now);
        if let Some(signer) = self.signer.read().await.as_ref().filter(|s| usable(s)) {
            return Ok(Arc::clone(signer));
        }
        let mut slot = self.signer.write().await;
        if let Some(signer) = slot.as_ref().filter(|s| usable(s)) {
            return Ok(Arc::clone(signer));
        }
        let row = store
            .ensure_jwk(config.alg.as_str(), now, || new_row(config, secrets, wire::now()))
            .await?;
        let signer = Arc::new(import(&row, config.alg, secrets, now)?);
        *slot = Some(Arc::clone(&signer));
        Ok(signer)
    }

    /// Forgets the cached key (after a rotation in this process).
    pub async fn reset(&self) {
        *self.signer.write().await = None;
    }

    /// A token for `user` in `session`: the one already issued if it is still fresh for the
    /// same user data and key, else a new one.
    pub fn token_for(
        &self,
        signer: &Signer,
        session: &SessionId,
        user: &User,
        issuer: &str,
        lifetime: Duration,
    ) -> String {
        let now = Utc::now().timestamp();
        let mut issued = self.issued.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = issued
            .get(session)
            .filter(|i| i.kid == signer.kid && i.user == *user && i.fresh_until > now)
        {
            return hit.token.clone();
        }
        let token = signer.token(user, issuer, lifetime);
        if issued.len() >= MAX_ISSUED {
            issued.clear();
        }
        let fresh_until = now + (lifetime.as_secs() / 2) as i64;
        let entry = Issued {
            token: token.clone(),
            kid: signer.kid.clone(),
            user: user.clone(),
            fresh_until,
        };
        issued.insert(session.clone(), entry);
        token
    }
}

/// A fresh key row, its private JWK sealed with the current secret as Better Auth seals it
/// (and stored as a JSON string, as Better Auth stores it).
pub fn new_row(config: &JwtConfig, secrets: &Secrets, now: DateTime<Utc>) -> JwkRow {
    let (public, private) = keys::generate(config.alg);
    JwkRow {
        id: generate_id(),
        public_key: public,
        private_key: Value::String(secrets.encrypt(&private)).to_string(),
        created_at: now,
        expires_at: config.rotation.map(|r| now + r),
        alg: Some(config.alg.as_str().to_owned()),
        crv: config.alg.crv().map(str::to_owned),
    }
}

fn import(row: &JwkRow, alg: Alg, secrets: &Secrets, now: DateTime<Utc>) -> AuthResult<Signer> {
    let sealed: String =
        serde_json::from_str(&row.private_key).unwrap_or_else(|_| row.private_key.clone());
    // Better Auth's `disablePrivateKeyEncryption` stores the JWK itself.
    let private =
        if sealed.trim_start().starts_with('{') { Some(sealed) } else { secrets.decrypt(&sealed) };
    let Some(private) = private else {
        let detail = format!(
            "cannot decrypt the private key of JWK {}: none of the configured secrets sealed it \
             (add the secret it was made with to BETTER_AUTH_SECRETS, or run `lectern keys rotate`)",
            row.id
        );
        // Every session check meets this until an operator acts: said loudly once.
        static REPORTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if !REPORTED.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::error!("{detail}; sessions are answered without JWTs until then");
        }
        return Err(AuthError::SigningKeyUnavailable(detail));
    };
    let key = keys::import(alg, &private).ok_or_else(|| {
        AuthError::internal(format!("JWK {} is not a valid {} key", row.id, alg.as_str()))
    })?;
    Ok(Signer {
        kid: row.id.clone(),
        key,
        alg,
        recheck_at: now + RECHECK,
        expires_at: row.expires_at,
    })
}

#[derive(Serialize)]
struct Header<'a> {
    alg: &'a str,
    kid: &'a str,
}

/// Better Auth's payload: `iat`, the whole user, `sub`, then `exp`, `iss`, `aud`.
#[derive(Serialize)]
struct Claims<'a> {
    iat: i64,
    #[serde(flatten)]
    user: UserJson<'a>,
    sub: &'a str,
    exp: i64,
    iss: &'a str,
    aud: &'a str,
}

impl Signer {
    pub fn token(&self, user: &User, issuer: &str, lifetime: Duration) -> String {
        let iat = Utc::now().timestamp();
        let header = Header { alg: self.alg.as_str(), kid: &self.kid };
        let claims = Claims {
            iat,
            user: UserJson::from(user),
            sub: user.id.as_str(),
            exp: iat + lifetime.as_secs() as i64,
            iss: issuer,
            aud: issuer,
        };
        let signing_input = format!("{}.{}", b64_json(&header), b64_json(&claims));
        let signature = B64.encode(self.key.sign(signing_input.as_bytes()));
        format!("{signing_input}.{signature}")
    }
}

fn b64_json<T: Serialize>(value: &T) -> String {
    B64.encode(serde_json::to_vec(value).expect("JWT parts are plain data"))
}

/// The public JWKS: every key not yet past its grace period, as Better Auth lists them
/// (`{alg, crv, …public JWK, kid}`).
pub fn jwk_set(rows: &[JwkRow], grace: Duration, now: DateTime<Utc>) -> Value {
    let keys: Vec<Value> = rows
        .iter()
        .filter(|row| row.expires_at.is_none_or(|at| at + grace > now))
        .filter_map(|row| {
            let mut jwk = serde_json::Map::new();
            jwk.insert(
                "alg".into(),
                Value::from(row.alg.clone().unwrap_or_else(|| "EdDSA".into())),
            );
            if let Some(crv) = &row.crv {
                jwk.insert("crv".into(), Value::from(crv.clone()));
            }
            let Ok(Value::Object(public)) = serde_json::from_str::<Value>(&row.public_key) else {
                return None;
            };
            jwk.extend(public);
            jwk.insert("kid".into(), Value::from(row.id.clone()));
            Some(Value::Object(jwk))
        })
        .collect();
    serde_json::json!({ "keys": keys })
}
