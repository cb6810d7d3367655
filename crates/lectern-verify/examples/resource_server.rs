//! A separate service that trusts Better Auth (or Lectern) JWTs without calling it per
//! request: `GET /api/me` answers with the verified reader.
//!
//! ```sh
//! cargo run -p lectern-verify --example resource_server --features axum -- \
//!     --jwks-url http://127.0.0.1:3000/api/auth/jwks
//! TOKEN=$(curl -s -H "Authorization: Bearer $SESSION" http://127.0.0.1:3000/api/auth/token | jq -r .token)
//! curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:4000/api/me
//! ```

use std::net::SocketAddr;

use axum::extract::FromRef;
use axum::routing::get;
use axum::{Json, Router};
use clap::Parser;
use lectern_verify::axum::VerifiedReader;
use lectern_verify::{JwtConfig, JwtVerifier, KeySource, Reader, Verifier, Via};
use serde::Serialize;

#[derive(Debug, Parser)]
struct Args {
    /// The issuer's JWKS, e.g. `https://auth.example.com/api/auth/jwks`.
    #[arg(long, env = "LECTERN_JWKS_URL")]
    jwks_url: String,
    /// Expected `iss`; defaults to the JWKS URL's origin, as Better Auth signs it.
    #[arg(long, env = "LECTERN_ISSUER")]
    issuer: Option<String>,
    /// Expected `aud`; defaults to the issuer.
    #[arg(long, env = "LECTERN_AUDIENCE")]
    audience: Option<String>,
    #[arg(long, env = "LECTERN_ADDR", default_value = "127.0.0.1:4000")]
    addr: SocketAddr,
}

#[derive(Clone)]
struct AppState {
    verifier: Verifier,
}

impl FromRef<AppState> for Verifier {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

#[derive(Serialize)]
struct Me {
    user: Reader,
    via: Via,
}

async fn me(VerifiedReader(reader): VerifiedReader) -> Json<Me> {
    let via = reader.via;
    Json(Me { user: reader, via })
}

fn app(verifier: Verifier) -> Router {
    Router::new().route("/api/me", get(me)).with_state(AppState { verifier })
}

fn verifier(args: &Args) -> Result<JwtVerifier, lectern_verify::VerifyError> {
    let issuer = match &args.issuer {
        Some(issuer) => issuer.clone(),
        None => JwtConfig::better_auth(&args.jwks_url)?.issuer,
    };
    let audience = args.audience.clone().unwrap_or_else(|| issuer.clone());
    Ok(JwtVerifier::new(JwtConfig::new(issuer, audience), KeySource::http(&args.jwks_url)?))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let verifier = verifier(&args)?;
    // Fetch the keys now so a wrong URL shows at start-up, not on the first request; an
    // issuer that is merely down is retried when tokens arrive.
    if let KeySource::Cached(cache) = verifier.keys() {
        if let Err(err) = cache.refresh().await {
            eprintln!("warning: {err}");
        }
    }
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    eprintln!(
        "resource server on http://{}/api/me, issuer {}",
        listener.local_addr()?,
        verifier.config().issuer
    );
    axum::serve(listener, app(verifier.into())).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Args::command().debug_assert();
    }
}
