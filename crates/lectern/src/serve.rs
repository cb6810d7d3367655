//! Start-up and shutdown of `lectern serve`.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use lectern_api::chat::answer::LOST_AFTER;
use lectern_api::chat::stop::Generations;
use lectern_auth::Auth;
use lectern_auth::password::HashAlgorithm;
use lectern_store::{Store, StoreOptions};
use tokio::net::TcpListener;

use crate::config::Config;

/// Connects and migrates the database, then picks the password format: argon2id on a
/// fresh database, Better Auth's scrypt on one that already holds Better Auth hashes, so
/// a team can roll back to the Node server without locking anyone out.
pub async fn state(config: &Config) -> anyhow::Result<Auth> {
    let options = StoreOptions {
        session_cache_ttl: config.session_cache_ttl,
        durability: config.sqlite_durability,
        audit_retention: config.audit_retention,
        insights: config.insights,
        ..StoreOptions::default()
    };
    let store = connect_with(&config.database_url, &options).await?;
    crate::admin::grant_listed(&store, &config.auth.admin_emails).await?;
    let mut auth_config = config.auth.clone();
    auth_config.password_hash = match config.password_hash {
        Some(chosen) => chosen,
        None if store.holds_better_auth_hashes().await? => HashAlgorithm::Scrypt,
        None => HashAlgorithm::Argon2id,
    };
    tracing::info!(
        backend = ?store.backend(),
        sqlite_sync = ?config.sqlite_durability,
        password_hash = ?auth_config.password_hash,
        base_url = %auth_config.base_url,
        rate_limit = auth_config.rate_limit,
        shared_rate_limits = auth_config.shared_rate_limits.is_some(),
        "identity ready"
    );
    Ok(Auth::with_merge(store, auth_config, Arc::new(lectern_api::merge::ReaderMerge)))
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

/// Which part of Lectern a process serves.
#[derive(Debug, Clone)]
pub enum Role {
    /// Everything in one process.
    All,
    /// Only `/api/auth/*`, as the Better Auth sidecar did.
    Auth,
    /// Only the reader API, verifying readers issued by the auth server at `auth_url`.
    Api { auth_url: String },
}

/// How `--role api` verifies readers (`LECTERN_VERIFY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Stateless JWTs against the auth server's JWKS (the default).
    Jwks,
    /// Session tokens checked by the auth server's `get-session`, cached for a few seconds.
    Introspection,
    /// Session tokens looked up in the shared PostgreSQL session table.
    SessionTable,
}

impl std::str::FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "jwks" => Ok(Self::Jwks),
            "introspection" => Ok(Self::Introspection),
            "session-table" => Ok(Self::SessionTable),
            other => Err(format!("{other:?}: use jwks, introspection or session-table")),
        }
    }
}

async fn verifier(
    strategy: Strategy,
    auth_url: &str,
    config: &Config,
) -> anyhow::Result<lectern_verify::Verifier> {
    use lectern_verify::{
        IntrospectionConfig, IntrospectionVerifier, JwtVerifier, SessionTableVerifier,
    };
    Ok(match strategy {
        Strategy::Jwks => JwtVerifier::better_auth(auth_url)?.into(),
        Strategy::Introspection => {
            IntrospectionVerifier::new(IntrospectionConfig::better_auth(auth_url))?.into()
        }
        Strategy::SessionTable => {
            let pool = sqlx::PgPool::connect(&config.database_url).await.context(
                "LECTERN_VERIFY=session-table needs DATABASE_URL on the shared PostgreSQL",
            )?;
            let secret = config.auth.secrets.current().expose();
            SessionTableVerifier::new(pool).with_secret(secret).into()
        }
    })
}

/// With `REDIS_URL`, the rate-limit counters all replicas share. A Redis that cannot be
/// reached stops the start here, where the mistake is plain to see.
async fn shared_rate_limits(
    config: &Config,
) -> anyhow::Result<Option<lectern_auth::rate_limit::SharedCounters>> {
    let Some(redis) = &config.redis else { return Ok(None) };
    if !config.auth.rate_limit {
        tracing::info!("REDIS_URL unused: rate limiting is off");
        return Ok(None);
    }
    let counters = lectern_auth::rate_limit::SharedCounters::connect(&redis.url, &redis.prefix)
        .await
        .map_err(|e| anyhow::anyhow!("REDIS_URL: {e}"))?;
    tracing::info!(prefix = %redis.prefix, "rate limits shared in Redis");
    Ok(Some(counters))
}

/// Answers whose generating process was killed are marked interrupted (a live one
/// checkpoints far more often than [`LOST_AFTER`]).
async fn interrupt_stale_answers(store: &Store) -> anyhow::Result<()> {
    let before = chrono::Utc::now() - chrono::TimeDelta::from_std(LOST_AFTER)?;
    let interrupted = store.interrupt_stale(before).await?;
    if interrupted > 0 {
        tracing::warn!(
            answers = interrupted,
            "answers cut off by an earlier stop marked interrupted"
        );
    }
    Ok(())
}

/// How long answers cut short at the end of the grace period get to save what they had.
const TO_SAVE: Duration = Duration::from_secs(5);

/// Serves `role` until SIGINT or SIGTERM, then stops accepting connections and lets
/// in-flight requests and answers finish within `LECTERN_SHUTDOWN_GRACE`; answers still
/// being generated after it are cut short, keeping what they had.
pub async fn run(addr: SocketAddr, role: Role, mut config: Config) -> anyhow::Result<()> {
    config.auth.shared_rate_limits = shared_rate_limits(&config).await?;
    let generations = Arc::new(Generations::default());
    let grace = config.shutdown_grace;
    let (app, store) = match role {
        Role::All => {
            let auth = state(&config).await?;
            interrupt_stale_answers(&auth.store).await?;
            spawn_cleanup(&auth.store, config.cleanup_every);
            let (tutor, site) = config.book.clone().load().await?;
            let reading = crate::Reading {
                questionnaire: config.questionnaire,
                tutor: Some(tutor),
                site: Some(site),
                generations: generations.clone(),
            };
            (crate::app_with(auth.clone(), reading), auth.store.clone())
        }
        Role::Auth => {
            let auth = state(&config).await?;
            spawn_cleanup(&auth.store, config.cleanup_every);
            (crate::router::auth_role(auth.clone()), auth.store.clone())
        }
        Role::Api { auth_url } => {
            let verifier = verifier(config.verify, &auth_url, &config).await?;
            let store = connect(&config.database_url).await?;
            tracing::info!(auth_url = %auth_url, strategy = ?config.verify, "reader API ready");
            let settings = lectern_api::Settings::from(&config.auth);
            interrupt_stale_answers(&store).await?;
            let (tutor, site) = config.book.clone().load().await?;
            let (tutor, site) = (Some(tutor), Some(site));
            let api = lectern_api::Api::new(
                verifier,
                None,
                store.clone(),
                settings,
                config.questionnaire,
                tutor,
                generations.clone(),
            );
            let edge = crate::router::Edge {
                store: store.clone(),
                origins: config.auth.trusted_origins,
                proxies: config.auth.trusted_proxies,
            };
            (crate::router::api_role(api, site, edge), store)
        }
    };
    let app = match config.metrics_addr {
        _ if !config.metrics => {
            crate::metrics::turn_off();
            app
        }
        None => app.merge(crate::metrics::routes(store.clone())),
        Some(metrics_addr) => {
            let listener = TcpListener::bind(metrics_addr).await.with_context(|| {
                format!("cannot listen on {metrics_addr} (LECTERN_METRICS_ADDR)")
            })?;
            tracing::info!(addr = %metrics_addr, "metrics on their own port");
            let metrics = crate::metrics::routes(store.clone());
            tokio::spawn(async move { axum::serve(listener, metrics).await });
            app
        }
    };
    let listener =
        TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(addr = %listener.local_addr()?, "lectern listening");
    // When the grace period ends, once a signal came.
    let (stopping_tx, stopping) = tokio::sync::watch::channel(None);
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            let _ = stopping_tx.send(Some(tokio::time::Instant::now() + grace));
        });
    let mut watching = stopping.clone();
    let deadline = async move {
        match watching.wait_for(Option::is_some).await.map(|ends| *ends) {
            Ok(Some(ends)) => tokio::time::sleep_until(ends).await,
            _ => std::future::pending().await,
        }
    };
    let server = server.into_future();
    tokio::pin!(server);
    let mut cut = 0;
    tokio::select! {
        served = &mut server => served?,
        () = deadline => {
            tracing::warn!("requests still running after the grace period; stopping");
            cut = generations.finish(Duration::ZERO, TO_SAVE).await;
            // The cut answers' last events reach their readers before the connections close.
            let _ = tokio::time::timeout(Duration::from_millis(500), &mut server).await;
        }
    }
    // Answers outlive their requests (a reader who closed the tab still gets theirs saved).
    let ends = (*stopping.borrow()).unwrap_or_else(tokio::time::Instant::now);
    let left = ends.saturating_duration_since(tokio::time::Instant::now());
    cut += generations.finish(left, TO_SAVE).await;
    if cut > 0 {
        tracing::warn!(answers = cut, "answers cut short by the stop, with what they had saved");
    }
    tokio::time::timeout(TO_SAVE, store.close()).await.ok();
    tracing::info!("lectern stopped");
    Ok(())
}

/// Deletes expired sessions and tokens every `every` (`LECTERN_CLEANUP_INTERVAL`), in
/// batches of short transactions, one replica at a time.
fn spawn_cleanup(store: &Store, every: Option<Duration>) {
    let Some(every) = every else { return };
    let store = store.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let mut deleted = 0;
            loop {
                match store.purge_expired(chrono::Utc::now(), 1000).await {
                    Ok(Some(n)) if n > 0 => deleted += n,
                    Ok(_) => break,
                    Err(err) => {
                        tracing::warn!(error = %err, "cleanup of expired rows interrupted");
                        break;
                    }
                }
            }
            if deleted > 0 {
                tracing::info!(deleted, "expired sessions, tokens and audit events deleted");
            }
        }
    });
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
