//! Which providers readers may sign in with, from the environment: Better Auth's names for
//! the built-in ones (`GITHUB_CLIENT_ID`, `GOOGLE_CLIENT_ID`, …), `LECTERN_OIDC_PROVIDERS`
//! for any OpenID Connect provider found by discovery, and endpoint overrides so tests and
//! air-gapped sites can point GitHub or Google at a server of their own.

use std::fmt;
use std::time::Duration;

const GITHUB_AUTHORIZE: &str = "https://github.com/login/oauth/authorize";
const GITHUB_TOKEN: &str = "https://github.com/login/oauth/access_token";
const GITHUB_API: &str = "https://api.github.com";
const GOOGLE_DISCOVERY: &str = "https://accounts.google.com/.well-known/openid-configuration";

/// One configured provider.
#[derive(Clone)]
pub struct ProviderConfig {
    /// In the paths: `/callback/<id>`, and in `account.providerId`.
    pub id: String,
    /// On the widget's button: "Continue with <name>".
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    pub protocol: Protocol,
    /// Bound on each request to the provider (`LECTERN_OAUTH_TIMEOUT`, default 10 s).
    pub timeout: Duration,
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How the provider proves who the reader is.
#[derive(Debug, Clone)]
pub enum Protocol {
    /// GitHub's OAuth 2 with its REST API for the profile and the verified emails.
    GitHub { authorize: String, token: String, api: String },
    /// OpenID Connect: endpoints and keys from the discovery document, identity from a
    /// verified ID token. `issuers` lists spellings accepted besides the discovered one
    /// (Google signs some tokens with `accounts.google.com`, no scheme).
    Oidc { discovery: String, issuers: Vec<String> },
}

impl fmt::Debug for ProviderConfig {
    // Not the client secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("id", &self.id)
            .field("client_id", &self.client_id)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

/// Every provider the variables configure, built-in ones first. `var` returns a
/// variable's value, `None` when unset or empty.
pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Vec<ProviderConfig>, String> {
    let mut providers = Vec::new();
    let credentials = |prefix: &str| -> Result<Option<(String, String)>, String> {
        match (var(&format!("{prefix}_CLIENT_ID")), var(&format!("{prefix}_CLIENT_SECRET"))) {
            (Some(id), Some(secret)) => Ok(Some((id, secret))),
            (None, None) => Ok(None),
            _ => Err(format!("set both {prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET, or neither")),
        }
    };
    if let Some((client_id, client_secret)) = credentials("GITHUB")? {
        providers.push(ProviderConfig {
            id: "github".into(),
            name: "GitHub".into(),
            client_id,
            client_secret,
            scopes: vec!["read:user".into(), "user:email".into()],
            timeout: DEFAULT_TIMEOUT,
            protocol: Protocol::GitHub {
                authorize: endpoint(&var, "LECTERN_GITHUB_AUTHORIZATION_URL", GITHUB_AUTHORIZE)?,
                token: endpoint(&var, "LECTERN_GITHUB_TOKEN_URL", GITHUB_TOKEN)?,
                api: endpoint(&var, "LECTERN_GITHUB_API_URL", GITHUB_API)?,
            },
        });
    }
    if let Some((client_id, client_secret)) = credentials("GOOGLE")? {
        providers.push(ProviderConfig {
            id: "google".into(),
            name: "Google".into(),
            client_id,
            client_secret,
            scopes: scopes(&["email", "profile", "openid"]),
            timeout: DEFAULT_TIMEOUT,
            protocol: Protocol::Oidc {
                discovery: endpoint(&var, "LECTERN_GOOGLE_DISCOVERY_URL", GOOGLE_DISCOVERY)?,
                issuers: vec!["accounts.google.com".into()],
            },
        });
    }
    for id in var("LECTERN_OIDC_PROVIDERS").iter().flat_map(|ids| ids.split(',')) {
        let id = id.trim();
        if id.is_empty() {
            continue;
        }
        if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(format!(
                "LECTERN_OIDC_PROVIDERS: {id:?} is not a provider id ([A-Za-z0-9_-])"
            ));
        }
        if providers.iter().any(|p| p.id == id) {
            return Err(format!("LECTERN_OIDC_PROVIDERS: {id} is configured twice"));
        }
        let prefix = format!("LECTERN_OIDC_{}", id.to_ascii_uppercase().replace('-', "_"));
        let discovery = var(&format!("{prefix}_DISCOVERY_URL"))
            .ok_or_else(|| format!("{prefix}_DISCOVERY_URL is required for provider {id}"))?;
        check_url(&format!("{prefix}_DISCOVERY_URL"), &discovery)?;
        let (client_id, client_secret) = credentials(&prefix)?
            .ok_or_else(|| format!("{prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET are required"))?;
        let scopes = var(&format!("{prefix}_SCOPES"))
            .map(|s| s.split([' ', ',']).filter(|s| !s.is_empty()).map(str::to_owned).collect())
            .unwrap_or_else(|| scopes(&["openid", "email", "profile"]));
        providers.push(ProviderConfig {
            id: id.to_owned(),
            name: var(&format!("{prefix}_NAME")).unwrap_or_else(|| id.to_owned()),
            client_id,
            client_secret,
            scopes,
            protocol: Protocol::Oidc { discovery, issuers: Vec::new() },
            timeout: DEFAULT_TIMEOUT,
        });
    }
    Ok(providers)
}

fn scopes(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

fn endpoint(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: &str,
) -> Result<String, String> {
    let url = var(name).unwrap_or_else(|| default.to_owned());
    check_url(name, &url)?;
    Ok(url.trim_end_matches('/').to_owned())
}

fn check_url(name: &str, url: &str) -> Result<(), String> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        _ => Err(format!("{name} is not an http(s) URL: {url}")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Result<Vec<ProviderConfig>, String> {
        let map: HashMap<String, String> =
            vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        from_vars(|name| map.get(name).cloned())
    }

    #[test]
    fn nothing_configured_means_no_providers() {
        assert!(parse(&[]).expect("valid").is_empty());
    }

    #[test]
    fn built_in_providers_take_better_auths_names_and_overrides() {
        let providers = parse(&[
            ("GITHUB_CLIENT_ID", "gh"),
            ("GITHUB_CLIENT_SECRET", "s"),
            ("LECTERN_GITHUB_API_URL", "http://127.0.0.1:9/github/api/"),
            ("GOOGLE_CLIENT_ID", "go"),
            ("GOOGLE_CLIENT_SECRET", "s"),
        ])
        .expect("valid");
        assert_eq!(
            providers.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            ["github", "google"]
        );
        let Protocol::GitHub { api, token, .. } = &providers[0].protocol else { panic!("github") };
        assert_eq!(api, "http://127.0.0.1:9/github/api");
        assert_eq!(token, GITHUB_TOKEN);
        assert!(!format!("{:?}", providers[0]).contains("\"s\""), "no secret in Debug");
    }

    #[test]
    fn generic_providers_need_discovery_and_credentials() {
        let ok = parse(&[
            ("LECTERN_OIDC_PROVIDERS", "campus, my-sso"),
            (
                "LECTERN_OIDC_CAMPUS_DISCOVERY_URL",
                "https://sso.example.edu/.well-known/openid-configuration",
            ),
            ("LECTERN_OIDC_CAMPUS_CLIENT_ID", "c"),
            ("LECTERN_OIDC_CAMPUS_CLIENT_SECRET", "s"),
            ("LECTERN_OIDC_CAMPUS_NAME", "Campus SSO"),
            (
                "LECTERN_OIDC_MY_SSO_DISCOVERY_URL",
                "https://id.example.com/.well-known/openid-configuration",
            ),
            ("LECTERN_OIDC_MY_SSO_CLIENT_ID", "c"),
            ("LECTERN_OIDC_MY_SSO_CLIENT_SECRET", "s"),
            ("LECTERN_OIDC_MY_SSO_SCOPES", "openid email"),
        ])
        .expect("valid");
        assert_eq!(ok[0].name, "Campus SSO");
        assert_eq!(ok[1].id, "my-sso");
        assert_eq!(ok[1].scopes, ["openid", "email"]);
        assert!(parse(&[("LECTERN_OIDC_PROVIDERS", "campus")]).is_err());
        assert!(parse(&[("LECTERN_OIDC_PROVIDERS", "a/b")]).is_err());
        assert!(parse(&[("GITHUB_CLIENT_ID", "only-id")]).is_err());
        assert!(
            parse(&[
                ("GITHUB_CLIENT_ID", "gh"),
                ("GITHUB_CLIENT_SECRET", "s"),
                ("LECTERN_GITHUB_TOKEN_URL", "ftp://x")
            ])
            .is_err()
        );
    }
}
