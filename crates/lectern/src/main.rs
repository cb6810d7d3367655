//! `lectern`: sign-in, reader profiles and an AI tutor for online textbooks.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use lectern::config::{self, Config, Env};
use lectern::serve;
use lectern::telemetry::Exporting;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Password hashes take 19–32 MiB each. glibc's allocator keeps such blocks in per-thread
/// arenas after they are freed (its mmap threshold grows with them), so a few sign-ins left
/// the process at ~180 MiB. jemalloc, with its background purging thread (turned on in
/// `main`), hands them back to the OS within seconds.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const DEFAULT_ADDR: &str = "127.0.0.1:3000";

#[derive(Debug, Parser)]
#[command(
    name = "lectern",
    version,
    about = "Sign-in, reader profiles and an AI tutor for online textbooks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve identity (/api/auth), the reader API, the tutor, the widget and the demo site.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:3000", env = "LECTERN_ADDR")]
        addr: SocketAddr,
        /// Which part of Lectern this process serves.
        #[arg(long, value_enum, default_value_t = Role::All)]
        role: Role,
        /// With --role api: the auth server's public URL (its JWT issuer), e.g.
        /// https://auth.example.com. Readers are verified by LECTERN_VERIFY (default jwks).
        #[arg(long, env = "LECTERN_AUTH_URL", required_if_eq("role", "api"))]
        auth_url: Option<String>,
    },
    /// Apply database migrations to DATABASE_URL and exit.
    Migrate,
    /// Build the tutor's search index of the book (LECTERN_BOOK_DIR, or the bundled sample
    /// book) in LECTERN_INDEX_DIR. `serve` does this on start when the book changed.
    Index {
        /// Rebuild even if the index is current.
        #[arg(long)]
        force: bool,
    },
    /// Manage the JWT signing keys (the `jwks` table).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Print the audit trail, newest first: sign-ups, sign-ins and their failures, sign-outs,
    /// password and email changes, revocations, deletions, key rotations, profile changes and
    /// guest merges, with the time, outcome, user, client address and detail.
    Audit {
        /// Only this user's events (a user id, as the `user` table holds it).
        #[arg(long)]
        user: Option<String>,
        /// How far back to look, e.g. 30m, 24h or 7d.
        #[arg(long, default_value = "24h", value_parser = duration_arg)]
        since: std::time::Duration,
        /// At most this many events (the newest).
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// One JSON object per line: id, at, event, outcome, userId, ip, userAgent, detail.
        #[arg(long)]
        json: bool,
    },
    /// Manage admins (Better Auth's admin plugin, /api/auth/admin/*).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Tools for development and demonstrations.
    Dev {
        #[command(subcommand)]
        command: DevCommand,
    },
    /// Exit 0 if the server at --addr is ready (GET /readyz answers 200).
    Healthcheck {
        /// Address of the server to check.
        #[arg(long, default_value = "127.0.0.1:3000", env = "LECTERN_ADDR")]
        addr: SocketAddr,
    },
}

#[derive(Debug, Subcommand)]
enum DevCommand {
    /// Fill DATABASE_URL with plausible readers of the book, their questionnaires and their
    /// questions (from examples/eval, answered by the real retrieval) over the last days, so
    /// the author's dashboard (/admin) has something to show. Demo readers cannot sign in.
    DemoData {
        /// How many readers to make.
        #[arg(long, default_value_t = 300)]
        readers: u32,
        /// Spread their sign-ups and questions over this many days up to now.
        #[arg(long, default_value_t = 60)]
        days: u32,
        /// The random seed: the same seed makes the same kind of data.
        #[arg(long, default_value_t = 16)]
        seed: u64,
        /// Also make this account (created when missing) an admin, to sign in to /admin.
        #[arg(long, requires = "admin_password")]
        admin_email: Option<String>,
        /// The admin account's password, when it is created.
        #[arg(long, env = "LECTERN_DEMO_ADMIN_PASSWORD")]
        admin_password: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// List the keys: which one signs, which are retired and until when they are published.
    List,
    /// Make a new signing key; the current ones stay in the JWKS for the grace period.
    Rotate {
        /// How long tokens signed by the current keys keep verifying, e.g. 12h or 30d
        /// (default: LECTERN_JWKS_GRACE, 30d).
        #[arg(long, value_parser = duration_arg)]
        grace: Option<std::time::Duration>,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Give the account with this email the admin role (its `role` column), so it may use
    /// /api/auth/admin/*. The account must exist; LECTERN_ADMIN_EMAILS does the same at
    /// sign-up and at start.
    Grant {
        /// The account's email address.
        email: String,
    },
}

fn duration_arg(text: &str) -> Result<std::time::Duration, String> {
    config::parse_duration(text)
        .ok_or_else(|| format!("{text:?} is not a duration like 12h or 30d"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Role {
    /// Everything in one process.
    All,
    /// Only /api/auth/* (the Better Auth sidecar's role).
    Auth,
    /// Only the reader API, verifying readers issued by --auth-url.
    Api,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Held to the end of main: dropping them writes out the lines and spans still queued.
    let _log = init_tracing();
    if let Err(err) = tikv_jemalloc_ctl::background_thread::write(true) {
        tracing::warn!(error = %err, "jemalloc will not return freed memory in the background");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("lectern: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(err) => {
            tracing::error!("{err:#}");
            eprintln!("lectern: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { addr, role, auth_url } => {
            let config = Config::from_vars(addr, &Env)?;
            let role = match (role, auth_url) {
                (Role::All, _) => serve::Role::All,
                (Role::Auth, _) => serve::Role::Auth,
                (Role::Api, Some(auth_url)) => serve::Role::Api { auth_url },
                (Role::Api, None) => anyhow::bail!("--role api needs --auth-url"),
            };
            serve::run(addr, role, config).await?;
        }
        Command::Migrate => {
            lectern::serve::connect(&config::database_url(&Env)).await?;
            tracing::info!("migrations applied");
        }
        Command::Index { force } => {
            let book = lectern::book::BookConfig::from_vars(&Env)?;
            tokio::task::spawn_blocking(move || lectern::book::run_index(&book, force)).await??;
        }
        Command::Keys { command } => {
            let config = Config::from_vars(DEFAULT_ADDR.parse()?, &Env)?;
            match command {
                KeysCommand::List => lectern::keys::list(config).await?,
                KeysCommand::Rotate { grace } => lectern::keys::rotate(config, grace).await?,
            }
        }
        Command::Audit { user, since, limit, json } => {
            let query = lectern::audit::Query { user, since, limit, json };
            lectern::audit::print(&config::database_url(&Env), query).await?;
        }
        Command::Admin { command: AdminCommand::Grant { email } } => {
            lectern::admin::grant(&config::database_url(&Env), &email).await?;
        }
        Command::Dev {
            command: DevCommand::DemoData { readers, days, seed, admin_email, admin_password },
        } => {
            let config = Config::from_vars(DEFAULT_ADDR.parse()?, &Env)?;
            let admin = admin_email.zip(admin_password);
            let options = lectern::demo_data::DemoOptions { readers, days, seed, admin };
            lectern::demo_data::run(&config, &options).await?;
        }
        Command::Healthcheck { addr } => return Ok(healthcheck(addr).await),
    }
    Ok(ExitCode::SUCCESS)
}

/// A plain HTTP/1.0 request, so the check needs no HTTP client library.
async fn healthcheck(addr: SocketAddr) -> ExitCode {
    let check = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream.write_all(b"GET /readyz HTTP/1.0\r\nHost: lectern\r\n\r\n").await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(
            response.starts_with(b"HTTP/1.0 200") || response.starts_with(b"HTTP/1.1 200"),
        )
    };
    match tokio::time::timeout(std::time::Duration::from_secs(5), check).await {
        Ok(Ok(true)) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}

/// Lines are written by a thread of their own, in batches: a line per request written from
/// the request's own thread, one `write` each, cost a fifth of the cached session checks a
/// second. Beyond [`QUEUED_LINES`] waiting lines (the disk or the pipe stalled), new lines
/// are dropped rather than holding requests or memory. Spans also go to an OpenTelemetry
/// collector when one is configured (see [`lectern::telemetry`]).
fn init_tracing() -> (tracing_appender::non_blocking::WorkerGuard, Option<Exporting>) {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    use tracing_subscriber::{EnvFilter, Layer as _};
    const QUEUED_LINES: usize = 16_384;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tantivy=warn"));
    let json = std::env::var("LECTERN_LOG_FORMAT").is_ok_and(|f| f == "json");
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(QUEUED_LINES)
        .thread_name("lectern-log")
        .finish(std::io::BufWriter::new(std::io::stderr()));
    let lines = tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(ansi);
    let lines = if json { lines.json().boxed() } else { lines.boxed() };
    let (spans, exporting) = match lectern::telemetry::layer() {
        Ok(Some((layer, exporting))) => (Some(layer), Some(exporting)),
        Ok(None) => (None, None),
        Err(err) => {
            eprintln!("lectern: traces will not be exported: {err:#}");
            (None, None)
        }
    };
    tracing_subscriber::registry().with(filter).with(lines).with(spans).init();
    (guard, exporting)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
