//! Trusted origins, and the CSRF checks Better Auth runs before any state-changing request
//! (`src/api/middlewares/origin-check.ts`, 1.7.x).

use axum::http::{HeaderMap, Method, header};

use crate::error::{AuthError, AuthResult};

/// Origins allowed to call the identity server from a browser: exact origins
/// (`https://book.example.com`) and host wildcards (`https://*.example.com`, `*.example.com`).
#[derive(Debug, Clone, Default)]
pub struct TrustedOrigins {
    patterns: Vec<String>,
}

impl TrustedOrigins {
    pub fn new<I, S>(origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut this = Self::default();
        this.extend(origins);
        this
    }

    pub fn extend<I, S>(&mut self, origins: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for origin in origins {
            let origin = origin.as_ref().trim();
            if origin.is_empty() {
                continue;
            }
            let pattern = origin_of(origin).unwrap_or_else(|| origin.to_ascii_lowercase());
            if !self.patterns.contains(&pattern) {
                self.patterns.push(pattern);
            }
        }
    }

    /// Whether `url` (an `Origin` or a full `Referer`) belongs to a trusted origin.
    pub fn is_trusted(&self, url: &str) -> bool {
        let Some(origin) = origin_of(url) else {
            return false;
        };
        self.patterns.iter().any(|p| matches(p, &origin))
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.patterns.iter().map(String::as_str)
    }
}

/// `scheme://host[:port]` of an absolute http(s) URL, lower-cased; `None` for anything else.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

fn matches(pattern: &str, origin: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == origin;
    }
    // `*.example.com` matches any scheme; `https://*.example.com` only https.
    let (scheme, host_pattern) = match pattern.split_once("://") {
        Some((s, h)) => (Some(s), h),
        None => (None, pattern),
    };
    let Some((origin_scheme, origin_host)) = origin.split_once("://") else {
        return false;
    };
    if scheme.is_some_and(|s| s != origin_scheme) {
        return false;
    }
    match host_pattern.strip_prefix('*') {
        Some(suffix) => origin_host.ends_with(suffix) && origin_host.len() > suffix.len(),
        None => host_pattern == origin_host,
    }
}

/// The request's claimed origin: `Origin`, else the origin of `Referer`.
fn claimed_origin(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())
}

/// Better Auth's origin check for a request to `path` (relative to `/api/auth`):
/// `originCheckMiddleware` for any request with cookies, and `formCsrfMiddleware` for the
/// email sign-in and sign-up forms, which a browser may post before it has any cookie.
pub fn check_request(
    trusted: &TrustedOrigins,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> AuthResult<()> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let must_check = if headers.contains_key(header::COOKIE) {
        true
    } else if path == "/sign-in/email" || path == "/sign-up/email" {
        let fetch_metadata = ["sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest"]
            .iter()
            .any(|h| header(h).is_some_and(|v| !v.trim().is_empty()));
        if header("sec-fetch-site") == Some("cross-site")
            && header("sec-fetch-mode") == Some("navigate")
        {
            return Err(AuthError::forbidden(
                "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED",
                "Cross-site navigation login blocked. This request appears to be a CSRF attack.",
            ));
        }
        // Without fetch metadata (curl, a server) only a claimed origin is checked.
        fetch_metadata || claimed_origin(headers).is_some()
    } else {
        false
    };
    if !must_check {
        return Ok(());
    }
    match claimed_origin(headers) {
        // A sandboxed same-origin document sends `Origin: null`; the browser vouches for
        // `Sec-Fetch-Site`, which a page cannot forge.
        Some("null") if header("sec-fetch-site") == Some("same-origin") => Ok(()),
        None | Some("") | Some("null") => {
            Err(AuthError::forbidden("MISSING_OR_NULL_ORIGIN", "Missing or null Origin"))
        }
        Some(o) if trusted.is_trusted(o) => Ok(()),
        Some(_) => Err(invalid_origin()),
    }
}

fn invalid_origin() -> AuthError {
    AuthError::forbidden("INVALID_ORIGIN", "Invalid origin")
}

/// The URL fields of Better Auth's origin check, each refused with its own error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlField {
    /// `callbackURL`
    Callback,
    /// `redirectTo`
    Redirect,
    /// `errorCallbackURL`
    ErrorCallback,
    /// `newUserCallbackURL`
    NewUserCallback,
}

/// `callbackURL`-style fields must be relative paths or on a trusted origin, so a sign-in
/// can never be turned into an open redirect.
pub fn check_callback(trusted: &TrustedOrigins, url: &str, field: UrlField) -> AuthResult<()> {
    let relative = url.starts_with('/') && !url.starts_with("//") && !url.contains('\\');
    if relative || trusted.is_trusted(url) { Ok(()) } else { Err(field.invalid()) }
}

impl UrlField {
    /// The error for a URL in this field that Lectern will not send a browser to.
    pub fn invalid(self) -> AuthError {
        match self {
            Self::Callback => AuthError::forbidden("INVALID_CALLBACK_URL", "Invalid callbackURL"),
            Self::Redirect => AuthError::forbidden("INVALID_REDIRECT_URL", "Invalid redirectURL"),
            Self::ErrorCallback => {
                AuthError::forbidden("INVALID_ERROR_CALLBACK_URL", "Invalid errorCallbackURL")
            }
            Self::NewUserCallback => {
                AuthError::forbidden("INVALID_NEW_USER_CALLBACK_URL", "Invalid newUserCallbackURL")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_exact_and_wildcard_origins() {
        let t =
            TrustedOrigins::new(["http://localhost:3000/", "https://*.example.com", "*.docs.dev"]);
        assert!(t.is_trusted("http://localhost:3000"));
        assert!(t.is_trusted("http://LOCALHOST:3000/some/page?x=1"));
        assert!(!t.is_trusted("http://localhost:3001"));
        assert!(t.is_trusted("https://book.example.com"));
        assert!(!t.is_trusted("http://book.example.com"));
        assert!(!t.is_trusted("https://example.com"));
        assert!(!t.is_trusted("https://evil-example.com"));
        assert!(t.is_trusted("http://a.docs.dev"));
        assert!(!t.is_trusted("null"));
        assert!(!t.is_trusted("javascript:alert(1)"));
    }

    #[test]
    fn callback_urls_are_relative_or_trusted() {
        let t = TrustedOrigins::new(["https://book.example.com"]);
        assert!(check_callback(&t, "/dashboard", UrlField::Callback).is_ok());
        assert!(check_callback(&t, "https://book.example.com/x", UrlField::Callback).is_ok());
        for bad in ["//evil.com", "https://evil.com", "/\\evil.com", "javascript:alert(1)"] {
            assert!(check_callback(&t, bad, UrlField::Callback).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn origin_parsing_never_panics_and_yields_http_origins(url in "\\PC{0,80}") {
            if let Some(origin) = origin_of(&url) {
                prop_assert!(origin.starts_with("http://") || origin.starts_with("https://"));
                prop_assert!(!origin["https://".len()..].contains('/'));
            }
            let trusted = TrustedOrigins::new(["https://book.example.com", "*.example.org"]);
            let _ = trusted.is_trusted(&url);
        }
    }
}
