//! One database per test: a temporary SQLite file, or a new PostgreSQL database on the
//! server named by `LECTERN_TEST_POSTGRES_URL` (default: the local server every developer
//! and CI machine runs). A missing PostgreSQL server fails the test; it is never skipped.

use rand::Rng;
use rand::distributions::Alphanumeric;
use sqlx::{Connection, PgConnection};

const DEFAULT_ADMIN_URL: &str = "postgres://root@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for the lifetime of this value.
#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    /// The test owns the database and removes it itself.
    Nothing,
    File(std::path::PathBuf),
    Database {
        admin_url: String,
        name: String,
    },
}

fn suffix() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(12)
        .map(|c| char::from(c).to_ascii_lowercase())
        .collect()
}

fn admin_url() -> String {
    std::env::var("LECTERN_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

impl TestDb {
    /// A database the test made itself (on a file system it mounted, say); left as it is.
    pub fn existing(url: &str) -> Self {
        Self { url: url.to_owned(), cleanup: Cleanup::Nothing }
    }

    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("lectern-test-{}.db", suffix()));
                Self { url: format!("sqlite://{}", path.display()), cleanup: Cleanup::File(path) }
            }
            Backend::Postgres => {
                let admin_url = admin_url();
                let name = format!("lectern_test_{}", suffix());
                let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|err| {
                    panic!("PostgreSQL is required for these tests ({admin_url}): {err}")
                });
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await
                    .expect("create the test database");
                let _ = admin.close().await;
                let url = match admin_url.rsplit_once('/') {
                    Some((server, _)) => format!("{server}/{name}"),
                    None => panic!("LECTERN_TEST_POSTGRES_URL needs a database path"),
                };
                Self { url, cleanup: Cleanup::Database { admin_url, name } }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Nothing => {}
            Cleanup::File(path) => {
                for ext in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
                }
            }
            Cleanup::Database { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime; the cleanup gets a runtime of its own.
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build()
                    else {
                        return;
                    };
                    rt.block_on(async {
                        if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                            let _ = sqlx::query(&sql).execute(&mut admin).await;
                        }
                    });
                })
                .join();
            }
        }
    }
}
