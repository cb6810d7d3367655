//! Talking to a provider: the authorization URL (PKCE S256, and an OIDC `nonce`), the code
//! exchange, and who the reader is (GitHub's REST API, or a verified OpenID Connect ID
//! token). Every request is bounded in time and size and never follows a redirect, as
//! Better Auth's `fetchRefusingRedirects`.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use lectern_verify::{Algorithm, AlgorithmSet, JwtConfig, JwtVerifier, KeySource};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::config::{Protocol, ProviderConfig};

/// A provider's answers are small; anything larger is refused before it is parsed.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Why a round trip with the provider failed: Better Auth's `?error=` codes for the
/// callback (`src/oauth2/errors.ts`). The detail is for the log only.
#[derive(Debug)]
pub enum Failure {
    /// The code exchange failed: refused, answered an error, timed out.
    InvalidCode(String),
    /// The identity could not be established: a profile request failed, or the ID token
    /// did not verify (signature, issuer, audience, expiry, nonce).
    UserInfo(String),
    /// The provider cannot be reached or configured (discovery failed).
    Unavailable(String),
}

impl Failure {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidCode(_) => "invalid_code",
            Self::UserInfo(_) | Self::Unavailable(_) => "unable_to_get_user_info",
        }
    }

    pub fn detail(&self) -> &str {
        match self {
            Self::InvalidCode(d) | Self::UserInfo(d) | Self::Unavailable(d) => d,
        }
    }
}

/// What the token endpoint granted, as Better Auth stores it on the `account` row.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub access_token_expires_at: Option<DateTime<Utc>>,
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
    pub scopes: Vec<String>,
}

/// Who the provider says the reader is.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The provider's stable id for the reader (`account.accountId`): GitHub's numeric id,
    /// an OIDC `sub`.
    pub account_id: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: String,
    pub image: Option<String>,
}

/// A configured provider, with its discovered endpoints once known.
#[derive(Debug)]
pub struct Provider {
    pub config: ProviderConfig,
    http: reqwest::Client,
    /// Discovery runs on first use and again after a failure, so a provider that is down
    /// when Lectern starts works as soon as it is back.
    oidc: tokio::sync::Mutex<Option<Arc<Oidc>>>,
}

#[derive(Debug)]
struct Oidc {
    issuer: String,
    authorize: String,
    token: String,
    userinfo: Option<String>,
    /// One per accepted issuer spelling, sharing one key cache.
    verifiers: Vec<JwtVerifier>,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: Option<String>,
    jwks_uri: String,
    #[serde(default)]
    id_token_signing_alg_values_supported: Vec<String>,
}

impl Provider {
    pub fn new(config: ProviderConfig) -> Self {
        let http = reqwest::Client::builder()
            .user_agent(concat!("lectern/", env!("CARGO_PKG_VERSION")))
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client with rustls and no custom roots builds");
        Self { config, http, oidc: tokio::sync::Mutex::new(None) }
    }

    pub fn id(&self) -> &str {
        &self.config.id
    }

    /// Whether the flow binds an OIDC `nonce` into the ID token.
    pub fn uses_nonce(&self) -> bool {
        matches!(self.config.protocol, Protocol::Oidc { .. })
    }

    /// The issuer a callback's `iss` parameter must name (RFC 9207), when known.
    pub async fn issuer(&self) -> Option<String> {
        self.oidc().await.ok().map(|o| o.issuer.clone())
    }

    /// Where to send the reader: the provider's authorization endpoint with our client id,
    /// the callback, `state`, the PKCE challenge and, for OIDC, the `nonce`.
    pub async fn authorization_url(
        &self,
        request: &AuthorizationRequest<'_>,
    ) -> Result<String, Failure> {
        let endpoint = match &self.config.protocol {
            Protocol::GitHub { authorize, .. } => authorize.clone(),
            Protocol::Oidc { .. } => self.oidc().await?.authorize.clone(),
        };
        let mut url = url::Url::parse(&endpoint)
            .map_err(|e| Failure::Unavailable(format!("authorization endpoint {endpoint}: {e}")))?;
        let mut scopes = self.config.scopes.clone();
        for scope in request.extra_scopes {
            if !scopes.contains(scope) {
                scopes.push(scope.clone());
            }
        }
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.config.client_id)
                .append_pair("state", request.state)
                .append_pair("scope", &scopes.join(" "))
                .append_pair("redirect_uri", request.redirect_uri);
            if let Some(hint) = request.login_hint {
                query.append_pair("login_hint", hint);
            }
            if let Some(nonce) = request.nonce {
                query.append_pair("nonce", nonce);
            }
            query
                .append_pair("code_challenge_method", "S256")
                .append_pair("code_challenge", &code_challenge(request.code_verifier));
        }
        Ok(url.into())
    }

    /// Trades the authorization code for tokens (`client_secret_post`, Better Auth's default).
    pub async fn exchange(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<Tokens, Failure> {
        let endpoint = match &self.config.protocol {
            Protocol::GitHub { token, .. } => token.clone(),
            Protocol::Oidc { .. } => self.oidc().await?.token.clone(),
        };
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
            ("redirect_uri", redirect_uri),
            ("client_id", &self.config.client_id),
            ("client_secret", &self.config.client_secret),
        ];
        let request = self.http.post(&endpoint).header("accept", "application/json").form(&form);
        let body = fetch_json(request).await.map_err(Failure::InvalidCode)?;
        if let Some(error) = body.get("error").and_then(Value::as_str) {
            return Err(Failure::InvalidCode(format!("token endpoint answered error {error}")));
        }
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
        let expiry = |k: &str| {
            body.get(k)
                .and_then(Value::as_i64)
                .map(|s| Utc::now() + chrono::Duration::seconds(s.clamp(0, 10 * 365 * 86_400)))
        };
        let tokens = Tokens {
            access_token: text("access_token"),
            refresh_token: text("refresh_token"),
            id_token: text("id_token"),
            access_token_expires_at: expiry("expires_in"),
            refresh_token_expires_at: expiry("refresh_token_expires_in"),
            scopes: text("scope")
                .map(|s| s.split([' ', ',']).filter(|s| !s.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default(),
        };
        if tokens.access_token.is_none() && tokens.id_token.is_none() {
            return Err(Failure::InvalidCode("token endpoint granted no token".into()));
        }
        Ok(tokens)
    }

    /// Who the tokens belong to. For OIDC the ID token must verify against the provider's
    /// keys, issuer, our client id as audience, its lifetime and `nonce`.
    pub async fn identity(
        &self,
        tokens: &Tokens,
        nonce: Option<&str>,
    ) -> Result<Identity, Failure> {
        match &self.config.protocol {
            Protocol::GitHub { api, .. } => self.github_identity(api, tokens).await,
            Protocol::Oidc { .. } => self.oidc_identity(tokens, nonce).await,
        }
    }

    async fn github_identity(&self, api: &str, tokens: &Tokens) -> Result<Identity, Failure> {
        let access = tokens
            .access_token
            .as_deref()
            .ok_or_else(|| Failure::UserInfo("no access token".into()))?;
        let get = |path: &str| {
            self.http
                .get(format!("{api}{path}"))
                .bearer_auth(access)
                .header("accept", "application/vnd.github+json")
        };
        let profile = fetch_json(get("/user")).await.map_err(Failure::UserInfo)?;
        // The emails list needs the `user:email` scope; without it the public email stands.
        let emails = fetch_json(get("/user/emails")).await.ok();
        let emails: &[Value] = emails.as_ref().and_then(Value::as_array).map_or(&[], Vec::as_slice);
        let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let email = field(&profile, "email").or_else(|| {
            let primary = emails.iter().find(|e| e.get("primary") == Some(&Value::Bool(true)));
            primary.or(emails.first()).and_then(|e| field(e, "email"))
        });
        let email_verified = email.as_deref().is_some_and(|email| {
            emails.iter().any(|e| {
                e.get("email").and_then(Value::as_str) == Some(email)
                    && e.get("verified") == Some(&Value::Bool(true))
            })
        });
        let account_id = match profile.get("id") {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(Failure::UserInfo("GitHub profile without an id".into())),
        };
        Ok(Identity {
            account_id,
            name: field(&profile, "name").or_else(|| field(&profile, "login")).unwrap_or_default(),
            email,
            email_verified,
            image: field(&profile, "avatar_url"),
        })
    }

    async fn oidc_identity(
        &self,
        tokens: &Tokens,
        nonce: Option<&str>,
    ) -> Result<Identity, Failure> {
        let oidc = self.oidc().await?;
        let id_token =
            tokens.id_token.as_deref().ok_or_else(|| Failure::UserInfo("no ID token".into()))?;
        let mut last = None;
        let mut claims = None;
        for verifier in &oidc.verifiers {
            match verifier.decode(id_token).await {
                Ok(c) => {
                    claims = Some(c);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let claims = claims.ok_or_else(|| {
            Failure::UserInfo(format!(
                "ID token rejected: {}",
                last.map(|e| e.to_string()).unwrap_or_default()
            ))
        })?;
        if claims.iat.is_none() || claims.sub.is_empty() {
            return Err(Failure::UserInfo("ID token lacks iat or sub".into()));
        }
        let extra = &claims.user.extra;
        if let Some(expected) = nonce {
            let got = extra.get("nonce").and_then(Value::as_str).unwrap_or("");
            if !bool::from(got.as_bytes().ct_eq(expected.as_bytes())) {
                return Err(Failure::UserInfo("ID token nonce does not match".into()));
            }
        }
        let mut identity = Identity {
            account_id: claims.sub.clone(),
            email: claims.user.email.clone(),
            email_verified: truthy(extra.get("email_verified")),
            name: claims.user.name.clone().unwrap_or_default(),
            image: extra.get("picture").and_then(Value::as_str).map(str::to_owned),
        };
        if identity.email.is_none() {
            if let (Some(userinfo), Some(access)) = (&oidc.userinfo, &tokens.access_token) {
                let info = fetch_json(self.http.get(userinfo).bearer_auth(access))
                    .await
                    .map_err(Failure::UserInfo)?;
                if info.get("sub").and_then(Value::as_str) != Some(claims.sub.as_str()) {
                    return Err(Failure::UserInfo("userinfo is about another subject".into()));
                }
                let text = |k: &str| info.get(k).and_then(Value::as_str).map(str::to_owned);
                identity.email = text("email");
                identity.email_verified = truthy(info.get("email_verified"));
                if identity.name.is_empty() {
                    identity.name = text("name").unwrap_or_default();
                }
                identity.image = identity.image.or_else(|| text("picture"));
            }
        }
        Ok(identity)
    }

    async fn oidc(&self) -> Result<Arc<Oidc>, Failure> {
        let Protocol::Oidc { discovery, issuers } = &self.config.protocol else {
            return Err(Failure::Unavailable("not an OpenID Connect provider".into()));
        };
        let mut known = self.oidc.lock().await;
        if let Some(oidc) = known.as_ref() {
            return Ok(Arc::clone(oidc));
        }
        let doc = fetch_json(self.http.get(discovery)).await.map_err(Failure::Unavailable)?;
        let doc: Discovery = serde_json::from_value(doc)
            .map_err(|e| Failure::Unavailable(format!("discovery document {discovery}: {e}")))?;
        let algorithms: Vec<Algorithm> = doc
            .id_token_signing_alg_values_supported
            .iter()
            .filter_map(|a| Algorithm::from_jose(a))
            .collect();
        let keys = KeySource::http(&doc.jwks_uri)
            .map_err(|e| Failure::Unavailable(format!("jwks_uri {}: {e}", doc.jwks_uri)))?;
        let verifiers = std::iter::once(&doc.issuer)
            .chain(issuers)
            .map(|issuer| {
                let mut config = JwtConfig::new(issuer.clone(), self.config.client_id.clone());
                if !algorithms.is_empty() {
                    config.algorithms = AlgorithmSet::only(&algorithms);
                }
                JwtVerifier::new(config, keys.clone())
            })
            .collect();
        let oidc = Arc::new(Oidc {
            issuer: doc.issuer,
            authorize: doc.authorization_endpoint,
            token: doc.token_endpoint,
            userinfo: doc.userinfo_endpoint,
            verifiers,
        });
        *known = Some(Arc::clone(&oidc));
        Ok(oidc)
    }
}

/// What a sign-in (or link) asks the provider for.
#[derive(Debug)]
pub struct AuthorizationRequest<'a> {
    pub state: &'a str,
    pub code_verifier: &'a str,
    pub nonce: Option<&'a str>,
    pub redirect_uri: &'a str,
    pub extra_scopes: &'a [String],
    pub login_hint: Option<&'a str>,
}

/// RFC 7636 S256: `BASE64URL(SHA256(verifier))`.
pub fn code_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `email_verified` as providers send it: a boolean, or the string `"true"` (Better Auth's
/// `parseStringBoolean`).
fn truthy(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    }
}

/// A JSON answer from a 2xx response, within the size limit.
async fn fetch_json(request: reqwest::RequestBuilder) -> Result<Value, String> {
    let mut response = request.send().await.map_err(|e| format!("request failed: {e}"))?;
    let status = response.status();
    let url = response.url().clone();
    if response.content_length().is_some_and(|len| len > MAX_RESPONSE_BYTES as u64) {
        return Err(format!("{url}: answer over {MAX_RESPONSE_BYTES} bytes"));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| format!("{url}: {e}"))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_RESPONSE_BYTES {
            return Err(format!("{url}: answer over {MAX_RESPONSE_BYTES} bytes"));
        }
    }
    if !status.is_success() {
        return Err(format!("{url} answered {status}"));
    }
    serde_json::from_slice(&body).map_err(|e| format!("{url}: not JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_is_unpadded_base64url_sha256() {
        // base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=") in Python.
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWEFgs9M"),
            "37g7nfbQFEEXM_yxMi6rYKo-sUg1qM0YIVICgGnCIbk"
        );
    }

    #[test]
    fn email_verified_reads_booleans_and_strings() {
        assert!(truthy(Some(&Value::Bool(true))));
        assert!(truthy(Some(&Value::String("true".into()))));
        assert!(!truthy(Some(&Value::String("yes".into()))));
        assert!(!truthy(None));
    }
}
