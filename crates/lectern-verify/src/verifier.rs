//! The one interface over the three strategies, so a service picks one in configuration and
//! its handlers never know which.

use crate::error::VerifyError;
use crate::introspection::IntrospectionVerifier;
use crate::jwt::JwtVerifier;
use crate::reader::Reader;
#[cfg(feature = "postgres")]
use crate::session_table::SessionTableVerifier;

/// A credential checker; cheap to clone, so it can live in axum state.
#[derive(Debug, Clone)]
pub enum Verifier {
    /// Stateless JWTs against the issuer's JWKS: no call per request; a revoked session
    /// keeps working until its token expires (15 minutes with Better Auth).
    Jwks(JwtVerifier),
    /// Session tokens checked by `get-session`: revocation seen within the cache TTL.
    Introspection(IntrospectionVerifier),
    /// Session tokens or signed cookies read from the shared PostgreSQL session table.
    #[cfg(feature = "postgres")]
    SessionTable(SessionTableVerifier),
}

impl Verifier {
    /// `credential` is what the client presented: the bearer token, or the session
    /// cookie's value for the session strategies.
    pub async fn verify(&self, credential: &str) -> Result<Reader, VerifyError> {
        match self {
            Self::Jwks(jwt) => jwt.verify(credential).await,
            Self::Introspection(introspection) => introspection.verify(credential).await,
            #[cfg(feature = "postgres")]
            Self::SessionTable(table) => table.verify(credential).await,
        }
    }

    /// True for the strategies that take Better Auth's session token, and so can also read
    /// the `better-auth.session_token` cookie a browser sends.
    pub fn takes_session_tokens(&self) -> bool {
        !matches!(self, Self::Jwks(_))
    }
}

impl From<JwtVerifier> for Verifier {
    fn from(verifier: JwtVerifier) -> Self {
        Self::Jwks(verifier)
    }
}

impl From<IntrospectionVerifier> for Verifier {
    fn from(verifier: IntrospectionVerifier) -> Self {
        Self::Introspection(verifier)
    }
}

#[cfg(feature = "postgres")]
impl From<SessionTableVerifier> for Verifier {
    fn from(verifier: SessionTableVerifier) -> Self {
        Self::SessionTable(verifier)
    }
}
