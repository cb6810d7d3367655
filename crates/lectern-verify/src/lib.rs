//! Token verification for any Rust service: JWKS fetch and cache by kid, claims checks, an axum extractor. Arrives with issue 3; depends on no other Lectern crate.
