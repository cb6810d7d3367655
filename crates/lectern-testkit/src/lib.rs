//! Test support for Lectern (dev-only): a fresh database per test on either backend, an
//! in-process HTTP client with a browser-like cookie jar, a macro that runs one test body on
//! SQLite and on PostgreSQL, a fake OpenAI-compatible model server ([`llm::FakeLlm`]), a
//! small file system a test can fill ([`tmpfs::Tmpfs`]), `lectern serve` as a process
//! ([`server::Server`]) and a Redis of the test's own ([`redis::PrivateRedis`]).

mod client;
mod db;
pub mod llm;
pub mod redis;
pub mod server;
pub mod tmpfs;

pub use client::{TestClient, TestRequest, TestResponse, TestStream};
pub use db::{Backend, TestDb};

/// Runs each named `async fn(Backend)` once per backend, as `sqlite::name` and
/// `postgres::name`, so the same body tests both.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await
                }
            )*
        }
    };
}
