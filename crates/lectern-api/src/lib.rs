//! Lectern's reader API under `/api`. Today: `GET /api/me`, the verified identity, which
//! every later endpoint builds on through the [`SignedIn`] extractor. Profiles, chats and the
//! tutor arrive with issues 4 and 5.

mod error;
pub mod me;
mod reader;
mod state;

pub use error::ApiError;
pub use reader::SignedIn;
pub use state::{Api, in_process_verifier};
