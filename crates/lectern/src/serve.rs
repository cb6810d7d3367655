//! Start-up and shutdown of `lectern serve`.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use lectern_auth::Auth;
use lectern_auth::password::HashAlgorithm;
use lectern_store::{Store, StoreOptions};
use tokio::net::TcpListener;

use crate::config::Config;

/// Connects and migrates the database, then picks the password format: argon2id on a
/// fresh database, Better Auth's scrypt on one that already holds Better Auth hashes, so
/// a team can roll back to the Node server without locking anyone out.
pub async fn state(config: Config) -> anyhow::Result<Auth> {
    let options =
        StoreOptions { session_cache_ttl: config.session_cache_ttl, ..StoreOptions::default() };
    let store = connect_with(&config.database_url, &options).await?;
    let mut auth_config = config.auth;
    auth_config.password_hash = match config.password_hash {
        Some(chosen) => chosen,
        None if store.holds_better_auth_hashes().await? => HashAlgorithm::Scrypt,
        None => HashAlgorithm::Argon2id,
    };
    tracing::info!(
        backend = ?store.backend(),
        password_hash = ?auth_config.password_hash,
        base_url = %auth_config.base_url,
        rate_limit = auth_config.rate_limit,
        "identity ready"
    );
    Ok(Auth::new(store, auth_config))
}

pub async fn connect(database_url: &str) -> anyhow::Result<Store> {
    connect_with(database_url, &StoreOptions::default()).await
}

async fn connect_with(database_url: &str, options: &StoreOptions) -> anyhow::Result<Store> {
    let store =
        Store::connect(database_url, options).await.context("cannot connect to DATABASE_URL")?;
    store.migrate().await.context("database migration failed")?;
    Ok(store)
}

/// Serves until SIGINT or SIGTERM, then lets in-flight requests finish (at most 10 s).
pub async fn run(addr: SocketAddr, config: Config) -> anyhow::Result<()> {
    let auth = state(config).await?;
    let store = auth.store.clone();
    let app = crate::app(auth);
    let listener =
        TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(addr = %listener.local_addr()?, "lectern listening");
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal());
    server.await?;
    tokio::time::timeout(Duration::from_secs(10), store.close()).await.ok();
    tracing::info!("lectern stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
