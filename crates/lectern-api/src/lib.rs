//! Lectern's reader API under `/api`: who the reader is (`/api/me`), their background
//! profile and the gate it guards ([`Profiled`]), conversations with the tutor (also over the
//! ChatKit protocol), the guest merge, and the OpenAPI document.

mod body;
pub mod chat;
pub mod chatkit;
mod error;
pub mod gate;
pub mod guard;
pub mod insights;
pub mod me;
pub mod merge;
pub mod openapi;
pub mod profile;
mod reader;
mod state;
pub mod tutor;

pub use body::ApiJson;
pub use error::{ApiError, ApiResult};
pub use gate::Profiled;
pub use reader::SignedIn;
pub use state::{Api, Settings};
