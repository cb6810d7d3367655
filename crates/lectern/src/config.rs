//! Configuration from the environment (DESIGN.md §3), with Better Auth's variable names
//! where they exist. Checked once at start-up: a production deployment with a missing or
//! development secret refuses to start.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};
use lectern_auth::origin::TrustedOrigins;
use lectern_auth::password::HashAlgorithm;
use lectern_auth::rate_limit::TrustedProxies;
use lectern_auth::secrets::Secrets;
use lectern_auth::{AuthConfig, Secret};

/// Used only in development, when no secret is set; production refuses it.
pub const DEVELOPMENT_SECRET: &str = "lectern-development-secret-do-not-use-in-production";
const MIN_SECRET_LEN: usize = 32;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://lectern.db";

/// Everything `lectern serve` needs, parsed.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub production: bool,
    pub auth: AuthConfig,
    /// `LECTERN_PASSWORD_HASH`, when set; otherwise chosen from the database's contents.
    pub password_hash: Option<HashAlgorithm>,
    /// `LECTERN_SESSION_CACHE_TTL`: the longest a session is served from memory (0: off).
    pub session_cache_ttl: Duration,
    /// `LECTERN_SQLITE_SYNC`: `full` (default) or `normal`; when a SQLite commit is synced.
    pub sqlite_durability: lectern_store::Durability,
    /// `LECTERN_VERIFY`: how `--role api` verifies readers.
    pub verify: crate::serve::Strategy,
    /// `LECTERN_PROFILE_SCHEMA`: the author's questionnaire, or the built-in one.
    pub questionnaire: lectern_api::profile::Questionnaire,
    pub book: crate::book::BookConfig,
    /// `REDIS_URL`: where replicas share their rate-limit counters.
    pub redis: Option<RedisConfig>,
    /// `LECTERN_METRICS_ADDR`: serve `/metrics` there only, not on the main port.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// `LECTERN_METRICS=off`: no `/metrics`, and requests are not counted.
    pub metrics: bool,
    /// `LECTERN_CLEANUP_INTERVAL` (default 1h, `off`): how often expired rows are deleted.
    pub cleanup_every: Option<Duration>,
    /// `LECTERN_AUDIT_RETENTION` (default 90d): how long audit events are kept. Recording
    /// itself is `auth.audit` (`LECTERN_AUDIT`).
    pub audit_retention: Duration,
    /// `LECTERN_INSIGHTS` (default `on`): whether asking records what the author's
    /// dashboard reads (docs/insights.md). `off` records nothing extra.
    pub insights: bool,
    /// `LECTERN_SHUTDOWN_GRACE` (default 30s): how long a stopping server lets requests and
    /// answers finish.
    pub shutdown_grace: Duration,
}

/// `LECTERN_SMTP_URL` with `LECTERN_MAIL_FROM`, or `LECTERN_MAIL_OUTBOX` (a directory of
/// `.eml` files, for development): where password-reset mail goes.
fn mailer(
    var: &impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<lectern_auth::mail::Mailer>> {
    use lectern_auth::mail::Mailer;
    let from = var("LECTERN_MAIL_FROM");
    match (var("LECTERN_SMTP_URL"), var("LECTERN_MAIL_OUTBOX")) {
        (Some(_), Some(_)) => bail!("set LECTERN_SMTP_URL or LECTERN_MAIL_OUTBOX, not both"),
        (Some(url), None) => {
            let from = from.context(
                "LECTERN_SMTP_URL needs LECTERN_MAIL_FROM, e.g. \"Book <no-reply@example.com>\"",
            )?;
            Ok(Some(
                Mailer::smtp(&url, &from).map_err(|e| anyhow::anyhow!("LECTERN_SMTP_URL: {e}"))?,
            ))
        }
        (None, Some(dir)) => {
            let from = from.unwrap_or_else(|| "Lectern <lectern@localhost>".to_owned());
            Ok(Some(
                Mailer::outbox(dir.into(), &from)
                    .map_err(|e| anyhow::anyhow!("LECTERN_MAIL_OUTBOX: {e}"))?,
            ))
        }
        (None, None) => Ok(None),
    }
}

/// `REDIS_URL` and `LECTERN_REDIS_PREFIX` (default `lectern:`), put before every key.
#[derive(Clone)]
pub struct RedisConfig {
    pub url: String,
    pub prefix: String,
}

impl std::fmt::Debug for RedisConfig {
    // Not the URL: it may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConfig").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// Where settings come from: the process environment, or a map in tests.
pub trait Vars {
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug)]
pub struct Env;

impl Vars for Env {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Vars for std::collections::HashMap<&str, &str> {
    fn get(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| (*v).to_owned())
    }
}

pub fn database_url(vars: &impl Vars) -> String {
    var(vars, "DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
}

/// One variable; an empty value counts as unset.
fn var(vars: &impl Vars, name: &str) -> Option<String> {
    vars.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A duration as `500ms`, `90s`, `15m`, `12h`, `30d` or plain seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let n: u64 = number.parse().ok()?;
    let seconds = match unit.trim() {
        "ms" => return Some(Duration::from_millis(n)),
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    Some(Duration::from_secs(seconds))
}

/// `LECTERN_ADMIN_EMAILS`: comma-separated addresses, lower-cased; a malformed one is an
/// error at start rather than an admin who silently never appears.
pub fn admin_emails(list: &str) -> anyhow::Result<Vec<String>> {
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| {
            lectern_auth::validate::email(e).ok_or_else(|| {
                anyhow::anyhow!("LECTERN_ADMIN_EMAILS: {e:?} is not an email address")
            })
        })
        .collect()
}

fn duration(name: &str, text: &str) -> anyhow::Result<Duration> {
    parse_duration(text).with_context(|| format!("{name} must be a duration like 15m, 12h or 30d"))
}

/// `BETTER_AUTH_SECRETS` (versioned, current first) and/or `BETTER_AUTH_SECRET`, as Better
/// Auth reads them; production refuses a missing, short or development current secret.
fn secrets(
    versioned: &Option<String>,
    legacy: Option<String>,
    production: bool,
) -> anyhow::Result<Secrets> {
    let secrets = match (versioned, legacy) {
        (Some(list), legacy) => Secrets::versioned(list, legacy.map(Secret::new))
            .map_err(|e| anyhow::anyhow!("BETTER_AUTH_SECRETS: {e}"))?,
        (None, Some(secret)) => Secrets::single(Secret::new(secret)),
        (None, None) if production => {
            bail!("BETTER_AUTH_SECRET must be set when LECTERN_ENV=production")
        }
        (None, None) => {
            tracing::warn!("BETTER_AUTH_SECRET is not set: using the development secret");
            Secrets::single(Secret::new(DEVELOPMENT_SECRET))
        }
    };
    let current = secrets.current().expose();
    if production && current == DEVELOPMENT_SECRET.as_bytes() {
        bail!("the current secret is the development secret; set a real one in production");
    }
    if production && current.len() < MIN_SECRET_LEN {
        bail!("the current secret must be at least {MIN_SECRET_LEN} characters in production");
    }
    Ok(secrets)
}

impl Config {
    pub fn from_vars(addr: SocketAddr, vars: &impl Vars) -> anyhow::Result<Self> {
        let var = |name: &str| var(vars, name);
        let production = var("LECTERN_ENV").is_some_and(|v| v == "production");
        let secrets = secrets(
            &var("BETTER_AUTH_SECRETS"),
            var("BETTER_AUTH_SECRET").or_else(|| var("LECTERN_SECRET")),
            production,
        )?;

        let mut trusted = TrustedOrigins::default();
        let base_url = match var("BETTER_AUTH_URL") {
            Some(url) => {
                let origin = lectern_auth::origin::origin_of(&url)
                    .with_context(|| format!("BETTER_AUTH_URL is not an http(s) URL: {url}"))?;
                trusted.extend([&origin]);
                origin
            }
            None if production => bail!("BETTER_AUTH_URL must be set when LECTERN_ENV=production"),
            None => {
                // Development: both spellings of the local address, so a browser works at once.
                let port = addr.port();
                trusted.extend([
                    format!("http://localhost:{port}"),
                    format!("http://127.0.0.1:{port}"),
                ]);
                format!("http://{addr}")
            }
        };
        if let Some(extra) =
            var("LECTERN_TRUSTED_ORIGINS").or_else(|| var("BETTER_AUTH_TRUSTED_ORIGINS"))
        {
            trusted.extend(extra.split(','));
        }

        let rate_limit = match var("LECTERN_RATE_LIMIT").as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => bail!("LECTERN_RATE_LIMIT must be on or off, not {other:?}"),
        };
        let trusted_proxies =
            TrustedProxies::parse(&var("LECTERN_TRUSTED_PROXIES").unwrap_or_default())
                .map_err(|e| anyhow::anyhow!("LECTERN_TRUSTED_PROXIES: {e}"))?;
        let password_hash = var("LECTERN_PASSWORD_HASH")
            .map(|v| v.parse::<HashAlgorithm>())
            .transpose()
            .map_err(|e| anyhow::anyhow!("LECTERN_PASSWORD_HASH: {e}"))?;

        let mut auth = AuthConfig::development(&base_url, Secret::new(DEVELOPMENT_SECRET));
        auth.secrets = secrets;
        auth.trusted_origins = trusted;
        auth.rate_limit = rate_limit;
        auth.trusted_proxies = trusted_proxies;
        if let Some(workers) = var("LECTERN_HASH_WORKERS") {
            auth.hash_workers = workers.parse().context("LECTERN_HASH_WORKERS must be a number")?;
        }
        if let Some(queue) = var("LECTERN_HASH_QUEUE") {
            auth.hash_queue = queue.parse().context("LECTERN_HASH_QUEUE must be a number")?;
        }
        if let Some(wait) = var("LECTERN_HASH_WAIT") {
            auth.hash_wait = duration("LECTERN_HASH_WAIT", &wait)?;
        }
        if let Some(alg) = var("LECTERN_JWT_ALG") {
            auth.jwt.alg = alg.parse().map_err(|e| anyhow::anyhow!("LECTERN_JWT_ALG: {e}"))?;
        }
        if let Some(lifetime) = var("LECTERN_JWT_LIFETIME") {
            auth.jwt.lifetime = duration("LECTERN_JWT_LIFETIME", &lifetime)?;
        }
        if let Some(rotation) = var("LECTERN_JWKS_ROTATION") {
            auth.jwt.rotation = Some(duration("LECTERN_JWKS_ROTATION", &rotation)?);
        }
        if let Some(grace) = var("LECTERN_JWKS_GRACE") {
            auth.jwt.grace = duration("LECTERN_JWKS_GRACE", &grace)?;
        }
        auth.mail = mailer(&var)?;
        // Mail names the book; without a title, the site readers know it by.
        let book = var("LECTERN_BOOK_TITLE").unwrap_or_else(|| {
            base_url.split_once("://").map_or(base_url.as_str(), |(_, host)| host).to_owned()
        });
        auth.mail_templates = match var("LECTERN_MAIL_TEMPLATES") {
            Some(dir) => lectern_auth::mail_templates::Templates::from_dir(&book, dir.as_ref())
                .map_err(|e| anyhow::anyhow!("LECTERN_MAIL_TEMPLATES: {e}"))?,
            None => lectern_auth::mail_templates::Templates::built_in(&book),
        };
        auth.providers =
            lectern_auth::oauth::config::from_vars(var).map_err(|e| anyhow::anyhow!(e))?;
        if let Some(timeout) = var("LECTERN_OAUTH_TIMEOUT") {
            let timeout = duration("LECTERN_OAUTH_TIMEOUT", &timeout)?;
            auth.providers.iter_mut().for_each(|p| p.timeout = timeout);
        }
        auth.email_verification = match var("LECTERN_EMAIL_VERIFICATION").as_deref() {
            None | Some("off") => lectern_auth::config::EmailVerification::Off,
            Some(mode @ ("optional" | "required")) if auth.mail.is_none() => {
                bail!(
                    "LECTERN_EMAIL_VERIFICATION={mode} needs mail (LECTERN_SMTP_URL or LECTERN_MAIL_OUTBOX)"
                )
            }
            Some("optional") => lectern_auth::config::EmailVerification::Optional,
            Some("required") => lectern_auth::config::EmailVerification::Required,
            Some(other) => {
                bail!("LECTERN_EMAIL_VERIFICATION must be off, optional or required, not {other:?}")
            }
        };
        auth.delete_user = match var("LECTERN_DELETE_USER").as_deref() {
            None | Some("on") => lectern_auth::config::DeleteUser::On,
            Some("off") => lectern_auth::config::DeleteUser::Off,
            Some("mail") if auth.mail.is_some() => lectern_auth::config::DeleteUser::Mail,
            Some("mail") => bail!(
                "LECTERN_DELETE_USER=mail needs mail (LECTERN_SMTP_URL or LECTERN_MAIL_OUTBOX)"
            ),
            Some(other) => bail!("LECTERN_DELETE_USER must be on, off or mail, not {other:?}"),
        };
        auth.audit = match var("LECTERN_AUDIT").as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => bail!("LECTERN_AUDIT must be on or off, not {other:?}"),
        };
        auth.admin_emails = match var("LECTERN_ADMIN_EMAILS") {
            Some(list) => admin_emails(&list)?,
            None => Vec::new(),
        };
        auth.trusted_providers = var("LECTERN_TRUSTED_PROVIDERS")
            .map(|v| v.split(',').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect())
            .unwrap_or_default();
        let session_cache_ttl = match var("LECTERN_SESSION_CACHE_TTL") {
            Some(ttl) => duration("LECTERN_SESSION_CACHE_TTL", &ttl)?,
            None => lectern_store::StoreOptions::default().session_cache_ttl,
        };
        let sqlite_durability = match var("LECTERN_SQLITE_SYNC").as_deref() {
            None | Some("full") => lectern_store::Durability::Full,
            Some("normal") => lectern_store::Durability::Normal,
            Some(other) => bail!("LECTERN_SQLITE_SYNC must be full or normal, not {other:?}"),
        };
        let verify = var("LECTERN_VERIFY")
            .map(|v| v.parse())
            .transpose()
            .map_err(|e| anyhow::anyhow!("LECTERN_VERIFY: {e}"))?
            .unwrap_or(crate::serve::Strategy::Jwks);
        let questionnaire = match var("LECTERN_PROFILE_SCHEMA") {
            None => lectern_api::profile::Questionnaire::default(),
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("LECTERN_PROFILE_SCHEMA: cannot read {path}"))?;
                lectern_api::profile::Questionnaire::from_json(&text)
                    .map_err(|e| anyhow::anyhow!("LECTERN_PROFILE_SCHEMA {path}: {e}"))?
            }
        };
        Ok(Self {
            database_url: database_url(vars),
            production,
            auth,
            password_hash,
            session_cache_ttl,
            sqlite_durability,
            verify,
            questionnaire,
            book: crate::book::BookConfig::from_vars(vars)?,
            cleanup_every: match var("LECTERN_CLEANUP_INTERVAL").as_deref() {
                None => Some(Duration::from_secs(3600)),
                Some("off" | "0") => None,
                Some(every) => Some(duration("LECTERN_CLEANUP_INTERVAL", every)?),
            },
            shutdown_grace: match var("LECTERN_SHUTDOWN_GRACE") {
                None => Duration::from_secs(30),
                Some(grace) => duration("LECTERN_SHUTDOWN_GRACE", &grace)?,
            },
            audit_retention: match var("LECTERN_AUDIT_RETENTION") {
                Some(keep) => duration("LECTERN_AUDIT_RETENTION", &keep)?,
                None => lectern_store::StoreOptions::default().audit_retention,
            },
            insights: match var("LECTERN_INSIGHTS").as_deref() {
                None | Some("on") => true,
                Some("off") => false,
                Some(other) => bail!("LECTERN_INSIGHTS must be on or off, not {other:?}"),
            },
            metrics: match var("LECTERN_METRICS").as_deref() {
                None | Some("on") => true,
                Some("off") => false,
                Some(other) => bail!("LECTERN_METRICS must be on or off, not {other:?}"),
            },
            metrics_addr: var("LECTERN_METRICS_ADDR")
                .map(|a| {
                    a.parse().context("LECTERN_METRICS_ADDR must be an address like 127.0.0.1:9464")
                })
                .transpose()?,
            redis: var("REDIS_URL").map(|url| RedisConfig {
                url,
                prefix: var("LECTERN_REDIS_PREFIX").unwrap_or_else(|| "lectern:".to_owned()),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&'static str, &'static str)]) -> anyhow::Result<Config> {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        Config::from_vars("127.0.0.1:3000".parse().expect("addr"), &vars)
    }

    const REAL_SECRET: &str = "a-real-secret-that-is-long-enough-0123456789";

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("15m"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("30d"), Some(Duration::from_secs(2_592_000)));
        for bad in ["", "m", "5 weeks", "-1h", "99999999999999999999d"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn development_defaults_trust_both_local_spellings() {
        let config = config(&[]).expect("development needs no settings");
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.auth.base_url, "http://127.0.0.1:3000");
        assert!(config.auth.trusted_origins.is_trusted("http://localhost:3000"));
        assert!(config.auth.trusted_origins.is_trusted("http://127.0.0.1:3000"));
        assert!(!config.auth.trusted_origins.is_trusted("http://localhost:3001"));
        assert!(config.auth.rate_limit);
        assert!(!config.auth.secure_cookies);
        assert!(config.redis.is_none(), "no Redis unless asked for");
        assert_eq!(config.sqlite_durability, lectern_store::Durability::Full);
    }

    #[test]
    fn admin_emails_are_lower_cased_and_checked() {
        let set = config(&[("LECTERN_ADMIN_EMAILS", " Ada@Example.com, ,bob@example.org")])
            .expect("valid");
        assert_eq!(set.auth.admin_emails, ["ada@example.com", "bob@example.org"]);
        assert!(config(&[]).expect("valid").auth.admin_emails.is_empty());
        let err = config(&[("LECTERN_ADMIN_EMAILS", "ada@example.com,not-an-address")])
            .expect_err("refused");
        assert!(format!("{err:#}").contains("not-an-address"), "{err:#}");
    }

    #[test]
    fn the_audit_trail_is_on_for_90_days_unless_told_otherwise() {
        let default = config(&[]).expect("valid");
        assert!(default.auth.audit);
        assert_eq!(default.audit_retention, Duration::from_secs(90 * 86_400));
        let set = config(&[("LECTERN_AUDIT", "off"), ("LECTERN_AUDIT_RETENTION", "400d")])
            .expect("valid");
        assert!(!set.auth.audit);
        assert_eq!(set.audit_retention, Duration::from_secs(400 * 86_400));
        for bad in [("LECTERN_AUDIT", "no"), ("LECTERN_AUDIT_RETENTION", "a year")] {
            let err = config(&[bad]).expect_err("refused").to_string();
            assert!(err.contains(bad.0), "{err}");
        }
    }

    #[test]
    fn mail_goes_to_smtp_with_a_sender_or_to_an_outbox() {
        assert!(config(&[]).expect("valid").auth.mail.is_none(), "no mail unless asked for");
        let smtp = ("LECTERN_SMTP_URL", "smtps://user:p4ss-word@smtp.example.com:465");
        let err = config(&[smtp]).expect_err("needs a sender").to_string();
        assert!(err.contains("LECTERN_MAIL_FROM"), "{err}");
        let from = ("LECTERN_MAIL_FROM", "Book <no-reply@example.com>");
        let ok = config(&[smtp, from]).expect("valid");
        assert!(ok.auth.mail.is_some());
        assert!(!format!("{ok:?}").contains("p4ss-word"), "the SMTP password stays out of Debug");
        assert!(config(&[smtp, ("LECTERN_MAIL_FROM", "not a mailbox")]).is_err());
        // `config` takes 'static pairs, as every other test writes them.
        let dir: &'static str = std::env::temp_dir().to_str().expect("utf-8").to_owned().leak();
        assert!(config(&[("LECTERN_MAIL_OUTBOX", dir)]).expect("valid").auth.mail.is_some());
        assert!(config(&[("LECTERN_MAIL_OUTBOX", "/no/such/dir")]).is_err());
        assert!(config(&[smtp, from, ("LECTERN_MAIL_OUTBOX", dir)]).is_err(), "one or the other");
    }

    #[test]
    fn redis_takes_a_url_and_a_prefix_and_never_shows_the_url() {
        let url = ("REDIS_URL", "rediss://:s3cret-pass@cache.example.com:6380/2");
        let redis = config(&[url]).expect("valid").redis.expect("REDIS_URL set");
        assert_eq!(redis.url, url.1);
        assert_eq!(redis.prefix, "lectern:");
        let custom = config(&[url, ("LECTERN_REDIS_PREFIX", "book-a:")]).expect("valid");
        assert_eq!(custom.redis.expect("set").prefix, "book-a:");
        assert!(!format!("{:?}", config(&[url]).expect("valid")).contains("s3cret"));
    }

    #[test]
    fn production_refuses_a_missing_short_or_development_secret() {
        let url = ("BETTER_AUTH_URL", "https://auth.example.com");
        let prod = ("LECTERN_ENV", "production");
        assert!(config(&[prod, url]).is_err());
        assert!(config(&[prod, url, ("BETTER_AUTH_SECRET", "short")]).is_err());
        assert!(config(&[prod, url, ("BETTER_AUTH_SECRET", DEVELOPMENT_SECRET)]).is_err());
        assert!(config(&[prod, ("BETTER_AUTH_SECRET", REAL_SECRET)]).is_err(), "needs a URL");
        let ok = config(&[prod, url, ("BETTER_AUTH_SECRET", REAL_SECRET)]).expect("valid");
        assert!(ok.auth.secure_cookies, "https base URL: Secure cookies");
        assert_eq!(ok.auth.base_url, "https://auth.example.com");
    }

    #[test]
    fn settings_are_parsed_or_refused_clearly() {
        let c = config(&[
            ("LECTERN_TRUSTED_ORIGINS", "https://book.example.com, https://*.docs.dev"),
            ("LECTERN_RATE_LIMIT", "off"),
            ("LECTERN_PASSWORD_HASH", "scrypt"),
            ("LECTERN_TRUSTED_PROXIES", "10.0.0.0/8"),
            ("LECTERN_SECRET", REAL_SECRET),
        ])
        .expect("valid");
        assert!(c.auth.trusted_origins.is_trusted("https://book.example.com"));
        assert!(c.auth.trusted_origins.is_trusted("https://a.docs.dev"));
        assert!(!c.auth.rate_limit);
        assert_eq!(c.password_hash, Some(HashAlgorithm::Scrypt));
        assert!(c.auth.trusted_proxies.contains("10.1.2.3".parse().expect("ip")));
        assert_eq!(c.auth.secrets.current().expose(), REAL_SECRET.as_bytes());
        let sync = |v| config(&[("LECTERN_SQLITE_SYNC", v)]).expect("valid").sqlite_durability;
        assert_eq!(sync("normal"), lectern_store::Durability::Normal);
        assert_eq!(sync("full"), lectern_store::Durability::Full);
        let err = config(&[("LECTERN_SQLITE_SYNC", "FULL!")]).expect_err("bad").to_string();
        assert!(err.contains("LECTERN_SQLITE_SYNC"), "{err}");
        let rotated =
            config(&[("BETTER_AUTH_SECRETS", "2:the-new-one, 1:the-old-one")]).expect("valid");
        assert_eq!(rotated.auth.secrets.current().expose(), b"the-new-one");
        assert!(config(&[("BETTER_AUTH_SECRETS", "two:secret")]).is_err());
        let jwt = config(&[
            ("LECTERN_JWT_ALG", "ES256"),
            ("LECTERN_JWT_LIFETIME", "5m"),
            ("LECTERN_JWKS_ROTATION", "30d"),
        ])
        .expect("valid");
        assert_eq!(jwt.auth.jwt.alg, lectern_auth::jwt::Alg::ES256);
        assert_eq!(jwt.auth.jwt.lifetime, Duration::from_secs(300));
        assert_eq!(jwt.auth.jwt.rotation, Some(Duration::from_secs(30 * 86_400)));
        for bad in [
            ("LECTERN_JWT_ALG", "HS256"),
            ("LECTERN_JWT_ALG", "none"),
            ("LECTERN_JWKS_GRACE", "soon"),
        ] {
            assert!(config(&[bad]).is_err(), "{bad:?}");
        }
        for bad in [
            ("LECTERN_RATE_LIMIT", "maybe"),
            ("LECTERN_PASSWORD_HASH", "md5"),
            ("LECTERN_TRUSTED_PROXIES", "not-an-ip"),
            ("BETTER_AUTH_URL", "ftp://example.com"),
            ("LECTERN_SQLITE_SYNC", "off"),
        ] {
            assert!(config(&[bad]).is_err(), "{bad:?}");
        }
    }
}
