//! Lectern's identity server: the Better Auth 1.7 HTTP protocol (email and password,
//! sessions, cookies, bearer tokens, anonymous guests), so the official `better-auth`
//! client works against Lectern unchanged and Lectern can share a Better Auth database.
//!
//! The URL map lives in the `lectern` binary's `router.rs`; this crate provides the
//! handlers ([`routes`]), the state they share ([`Auth`]) and the request checks the
//! middleware stack runs ([`origin`], [`rate_limit`]).

pub mod admin;
pub mod audit;
pub mod body;
pub mod client_ip;
pub mod config;
pub mod cookies;
pub mod email_token;
mod error;
pub mod guard;
pub mod guest;
pub mod ids;
pub mod jwt;
pub mod mail;
pub mod mail_templates;
pub mod oauth;
pub mod origin;
pub mod outbox;
pub mod password;
pub mod rate_limit;
pub mod routes;
pub mod secrets;
pub mod session;
mod state;
pub mod validate;
pub mod wire;

pub use config::{AuthConfig, Secret, SessionPolicy};
pub use error::{AuthError, AuthResult};
pub use state::Auth;
