//! Signing keys in Better Auth's `jwks` table.

use chrono::{DateTime, Utc};

use crate::tx::transaction;
use crate::{Backend, Result, Store, read};

/// A row of `jwks`: public and (encrypted) private JWK as JSON text, `id` is the `kid`.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct JwkRow {
    pub id: String,
    pub public_key: String,
    pub private_key: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub alg: Option<String>,
    pub crv: Option<String>,
}

impl JwkRow {
    /// Whether the key may still sign at `now` (it may be listed in the JWKS for longer).
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }
}

const COLUMNS: &str = r#""id", "publicKey", "privateKey", "createdAt", "expiresAt", "alg", "crv""#;
const INSERT: &str = r#"INSERT INTO "jwks" ("id", "publicKey", "privateKey", "createdAt", "expiresAt", "alg", "crv") VALUES ($1, $2, $3, $4, $5, $6, $7)"#;
/// Serialises key creation across every Lectern process on one PostgreSQL database.
const PG_LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext('lectern:jwks'))";

macro_rules! bind_jwk {
    ($query:expr, $k:expr) => {
        $query
            .bind(&$k.id)
            .bind(&$k.public_key)
            .bind(&$k.private_key)
            .bind($k.created_at)
            .bind($k.expires_at)
            .bind(&$k.alg)
            .bind(&$k.crv)
    };
}

impl Store {
    /// Every key, newest first.
    pub async fn jwks(&self) -> Result<Vec<JwkRow>> {
        let sql = format!(r#"SELECT {COLUMNS} FROM "jwks" ORDER BY "createdAt" DESC"#);
        read!(self, |p| sqlx::query_as(&sql).fetch_all(p).await)
    }

    /// The newest live key for `alg`, created from `make` if there is none. Exactly one key
    /// is created however many requests and processes ask at once (Better Auth created
    /// duplicates here): the check and the insert run under one lock.
    pub async fn ensure_jwk(
        &self,
        alg: &str,
        now: DateTime<Utc>,
        make: impl FnOnce() -> JwkRow + Send,
    ) -> Result<JwkRow> {
        let sql = format!(r#"SELECT {COLUMNS} FROM "jwks" ORDER BY "createdAt" DESC"#);
        let pick = |rows: Vec<JwkRow>| {
            rows.into_iter().find(|k| k.is_live(now) && k.alg.as_deref().unwrap_or("EdDSA") == alg)
        };
        let postgres = self.backend() == Backend::Postgres;
        // On SQLite the transaction's IMMEDIATE start already excludes every other writer.
        transaction!(self, |tx| {
            if postgres {
                sqlx::query(PG_LOCK).execute(&mut *tx).await?;
            }
            let rows: Vec<JwkRow> = sqlx::query_as(&sql).fetch_all(&mut *tx).await?;
            if let Some(key) = pick(rows) {
                return Ok(key);
            }
            let key = make();
            bind_jwk!(sqlx::query(INSERT), key).execute(&mut *tx).await?;
            Ok(key)
        })
    }

    /// Retires every live key of `alg` at `retire_at` and adds `new`, in one transaction.
    pub async fn rotate_jwks(
        &self,
        alg: &str,
        retire_at: DateTime<Utc>,
        new: &JwkRow,
    ) -> Result<()> {
        transaction!(self, |tx| {
            sqlx::query(
                r#"UPDATE "jwks" SET "expiresAt" = $1 WHERE COALESCE("alg", 'EdDSA') = $2 AND ("expiresAt" IS NULL OR "expiresAt" > $3)"#,
            )
            .bind(retire_at)
            .bind(alg)
            .bind(new.created_at)
            .execute(&mut *tx)
            .await?;
            bind_jwk!(sqlx::query(INSERT), new).execute(&mut *tx).await?;
            Ok(())
        })
    }
}
