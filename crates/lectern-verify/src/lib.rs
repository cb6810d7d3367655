//! Verify Better Auth 1.7 credentials in any Rust service.
//!
//! Three strategies behind one [`Verifier`], all returning the same [`Reader`]:
//! - [`Verifier::Jwks`]: stateless JWTs from Better Auth's jwt plugin, checked against the
//!   issuer's JWKS (EdDSA, RS256, ES256), fetched and cached by `kid`;
//! - [`Verifier::Introspection`]: session tokens checked by Better Auth's `get-session`,
//!   with a short cache;
//! - `Verifier::SessionTable` (feature `postgres`): session tokens or signed cookies read
//!   from Better Auth's session table.
//!
//! The `axum` feature adds `axum::VerifiedReader`, an extractor that rejects with 401.
//!
//! ```no_run
//! # async fn run(token: &str) -> Result<(), lectern_verify::VerifyError> {
//! use lectern_verify::{JwtVerifier, Verifier};
//!
//! let verifier = Verifier::from(JwtVerifier::better_auth("https://auth.example.com")?);
//! let reader = verifier.verify(token).await?;
//! println!("{} <{}>", reader.name, reader.email);
//! # Ok(()) }
//! ```
//!
//! This crate depends on no other Lectern crate.

mod algorithm;
mod claims;
mod error;
mod introspection;
mod jwk;
mod jwt;
mod key_source;
mod reader;
mod session_token;
mod token;
mod ttl_cache;
mod user;
mod verifier;

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "postgres")]
mod session_table;

pub use algorithm::{Algorithm, AlgorithmSet};
pub use claims::{Claims, JwtConfig};
pub use error::VerifyError;
pub use introspection::{IntrospectionConfig, IntrospectionVerifier};
pub use jwk::{Jwk, JwkSet, KeySet, VerifyingKey};
pub use jwt::JwtVerifier;
pub use key_source::{CachePolicy, HttpJwks, JwksCache, KeySource, StaticKeys};
pub use reader::{Reader, SessionId, UserId, Via};
#[cfg(feature = "postgres")]
pub use session_table::SessionTableVerifier;
pub use session_token::{session_token, sign_session_token};
pub use user::UserFields;
pub use verifier::Verifier;
