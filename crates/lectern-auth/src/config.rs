//! The identity server's settings, already parsed and checked by the binary.

use std::net::IpAddr;
use std::time::Duration;

use crate::jwt::JwtConfig;
use crate::origin::TrustedOrigins;
use crate::password::HashAlgorithm;
use crate::rate_limit::{SharedCounters, TrustedProxies};
use crate::secrets::Secrets;

/// The server secret. Its bytes never reach `Debug` output or logs.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into().into_bytes())
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Session lifetimes, Better Auth's defaults (`src/context/create-context.ts`, 1.7.x).
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Lifetime of a session, and `Max-Age` of its cookie: 7 days.
    pub expires_in: Duration,
    /// A session older than this (since its last extension) is extended on `get-session`: 1 day.
    pub update_age: Duration,
    /// `list-sessions` wants a session created at most this long ago: 1 day.
    pub fresh_age: Duration,
    /// Lifetime of a `rememberMe: false` session: 1 day.
    pub dont_remember: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        const DAY: Duration = Duration::from_secs(24 * 60 * 60);
        Self { expires_in: DAY * 7, update_age: DAY, fresh_age: DAY, dont_remember: DAY }
    }
}

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Signs cookies (the current secret) and encrypts private keys; older versions still
    /// verify and decrypt.
    pub secrets: Secrets,
    /// The public origin (`BETTER_AUTH_URL`), e.g. `https://auth.example.com`.
    pub base_url: String,
    pub trusted_origins: TrustedOrigins,
    /// `__Secure-` cookie names and the `Secure` attribute: on when the base URL is https.
    pub secure_cookies: bool,
    pub session: SessionPolicy,
    /// The format of new password hashes.
    pub password_hash: HashAlgorithm,
    pub rate_limit: bool,
    /// Where password-reset mail goes; `None`: the mail flows are not enabled.
    pub mail: Option<crate::mail::Mailer>,
    /// The words of each mail (`LECTERN_MAIL_TEMPLATES`, `LECTERN_BOOK_TITLE`).
    pub mail_templates: crate::mail_templates::Templates,
    /// The first wait before a failed mail is tried again; doubled on each failure.
    pub mail_retry: Duration,
    /// Counters in Redis shared by every replica (`REDIS_URL`); else each counts alone.
    pub shared_rate_limits: Option<SharedCounters>,
    pub trusted_proxies: TrustedProxies,
    /// Threads of the password-hashing pool; how many requests may wait for a turn on it,
    /// and for how long (then 503).
    pub hash_workers: usize,
    pub hash_queue: usize,
    pub hash_wait: Duration,
    pub jwt: JwtConfig,
    /// Social sign-in providers (GitHub, Google, OpenID Connect).
    pub providers: Vec<crate::oauth::ProviderConfig>,
    /// Providers whose emails link to an existing account even when they do not say the
    /// address is verified (Better Auth's `accountLinking.trustedProviders`).
    pub trusted_providers: Vec<String>,
    /// Whether addresses are verified by mail (`LECTERN_EMAIL_VERIFICATION`).
    pub email_verification: EmailVerification,
    /// How readers may delete their account (`LECTERN_DELETE_USER`).
    pub delete_user: DeleteUser,
    /// Whether the flows record to the audit trail (`LECTERN_AUDIT`).
    pub audit: bool,
    /// `LECTERN_ADMIN_EMAILS` (lower-cased): these accounts get the `admin` role when they
    /// sign up, and at start if they already exist (see [`crate::admin`]).
    pub admin_emails: Vec<String>,
}

/// Better Auth's `emailVerification` and `emailAndPassword.requireEmailVerification`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmailVerification {
    /// No verification mail; the flows answer "not enabled".
    #[default]
    Off,
    /// A link is mailed on sign-up (`sendOnSignUp`) and on request; following it verifies
    /// the address and signs the reader in; change of email is confirmed by mail.
    Optional,
    /// As `Optional`, and a reader with an unverified address cannot sign in
    /// (`EMAIL_NOT_VERIFIED`, with a fresh link); sign-up starts no session.
    Required,
}

/// Better Auth's `user.deleteUser`: off, on (password or a fresh session), or confirmed
/// through a mailed link (`sendDeleteAccountVerification`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeleteUser {
    Off,
    #[default]
    On,
    Mail,
}

impl AuthConfig {
    /// A development configuration for `base_url`, as `lectern serve` runs without settings.
    pub fn development(base_url: &str, secret: Secret) -> Self {
        let secrets = Secrets::single(secret);
        let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        Self {
            secrets,
            base_url: base_url.trim_end_matches('/').to_owned(),
            trusted_origins: TrustedOrigins::new([base_url]),
            secure_cookies: base_url.starts_with("https://"),
            session: SessionPolicy::default(),
            password_hash: HashAlgorithm::Argon2id,
            rate_limit: true,
            mail: None,
            mail_retry: Duration::from_secs(30),
            mail_templates: crate::mail_templates::Templates::built_in(base_url),
            shared_rate_limits: None,
            trusted_proxies: TrustedProxies::default(),
            hash_workers: workers,
            hash_queue: 1024,
            hash_wait: Duration::from_secs(5),
            jwt: JwtConfig::default(),
            providers: Vec::new(),
            trusted_providers: Vec::new(),
            email_verification: EmailVerification::Off,
            delete_user: DeleteUser::On,
            audit: true,
            admin_emails: Vec::new(),
        }
    }

    pub fn is_trusted_proxy(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.contains(ip)
    }
}
