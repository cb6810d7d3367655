//! The `lectern` binary's library half: configuration, the URL map and the middleware
//! stack, so integration tests drive exactly what `lectern serve` runs.

mod access_log;
pub mod admin;
pub mod audit;
pub mod book;
pub mod config;
pub mod demo_data;
mod health;
pub mod keys;
pub mod metrics;
mod middleware;
pub mod router;
pub mod serve;
pub mod telemetry;
pub mod web;

pub use router::{Reading, app, app_with};
