//! `lectern keys list` and `lectern keys rotate`: the JWT signing keys in the `jwks` table.

use std::io::Write;
use std::time::Duration;

use chrono::Utc;
use lectern_auth::jwt;
use lectern_store::{AuditAction, AuditEvent};

use crate::config::Config;

/// Prints every key with its state: signing, retired (and until when it stays in the
/// JWKS), or gone from the JWKS.
pub async fn list(config: Config) -> anyhow::Result<()> {
    let store = crate::serve::connect(&config.database_url).await?;
    let rows = store.jwks().await?;
    let now = Utc::now();
    let grace = config.auth.jwt.grace;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{:<34} {:<6} {:<22} state", "kid", "alg", "created")?;
    let mut signing_seen = false;
    for row in &rows {
        let state = match row.expires_at {
            _ if row.is_live(now) && !signing_seen => {
                signing_seen = true;
                "signing".to_owned()
            }
            None => "published".to_owned(),
            Some(at) if at > now => format!("published, retires {}", at.format("%Y-%m-%d %H:%M")),
            Some(at) if at + grace > now => {
                format!("retired, in the JWKS until {}", (at + grace).format("%Y-%m-%d %H:%M"))
            }
            Some(_) => "retired, no longer in the JWKS".to_owned(),
        };
        let alg = row.alg.as_deref().unwrap_or("EdDSA");
        writeln!(
            out,
            "{:<34} {:<6} {:<22} {state}",
            row.id,
            alg,
            row.created_at.format("%Y-%m-%d %H:%M")
        )?;
    }
    if rows.is_empty() {
        writeln!(out, "(no keys yet: the first token or JWKS request makes one)")?;
    }
    Ok(())
}

const MIN_GRACE: Duration = Duration::from_secs(120);

/// Adds a signing key and retires the current ones: tokens they signed keep verifying for
/// `grace` (default: the configured JWKS grace period), then their keys leave the JWKS.
pub async fn rotate(config: Config, grace: Option<Duration>) -> anyhow::Result<()> {
    let store = crate::serve::connect(&config.database_url).await?;
    let jwt = &config.auth.jwt;
    let grace = grace.unwrap_or(jwt.grace);
    // Running servers switch to the new key within a minute; until then they still sign with
    // the old one, which must stay published for the tokens to verify.
    anyhow::ensure!(
        grace >= MIN_GRACE,
        "--grace must be at least 2m: servers keep signing with the old key for up to a minute"
    );
    let now = lectern_auth::wire::now();
    // The JWKS lists a retired key until `expiresAt + grace period` (Better Auth's rule, and
    // Better Auth reads this table too), so a shorter or longer grace for this rotation is
    // expressed through `expiresAt`; the newest key signs either way.
    let retire_at = now + grace - jwt.grace;
    let row = jwt::new_row(jwt, &config.auth.secrets, now);
    store.rotate_jwks(jwt.alg.as_str(), retire_at, &row).await?;
    if config.auth.audit {
        let detail = serde_json::json!({ "kid": row.id, "alg": jwt.alg.as_str() });
        store.audit(AuditEvent::success(AuditAction::KeyRotation).detail(detail));
    }
    // Writes the event before the process ends.
    store.close().await;
    let mut out = std::io::stdout().lock();
    writeln!(out, "new signing key {} ({})", row.id, jwt.alg.as_str())?;
    writeln!(
        out,
        "previous keys stay in the JWKS until {}",
        (now + grace).format("%Y-%m-%d %H:%M UTC")
    )?;
    writeln!(out, "running servers pick up the new key within a minute")?;
    Ok(())
}
