//! Better Auth's cookies: names, HMAC signatures and `Set-Cookie` attributes
//! (better-call `src/crypto.ts` and `src/cookies.ts`; better-auth `src/cookies/index.ts`, 1.7.x).

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode};

use crate::wire::URI_COMPONENT;
use sha2::Sha256;

use crate::config::Secret;
use crate::secrets::Secrets;

/// Length of a base64 (padded) HMAC-SHA256: Better Auth rejects any other signature length.
const SIGNATURE_LEN: usize = 44;

/// The cookie names for one deployment: `better-auth.<name>`, with the `__Secure-` prefix
/// when cookies are secure (`src/cookies/index.ts`).
#[derive(Debug, Clone)]
pub struct CookieNames {
    pub session_token: String,
    pub session_data: String,
    pub dont_remember: String,
    /// Binds a social sign-in to the browser that started it (`state`, signed, 5 minutes).
    pub state: String,
    /// The admin plugin's: while an admin impersonates a user, their own session token
    /// (`token:dontRemember`, signed), to go back to with `stop-impersonating`.
    pub admin_session: String,
    pub secure: bool,
}

impl CookieNames {
    pub fn new(prefix: &str, secure: bool) -> Self {
        let name = |n: &str| {
            if secure { format!("__Secure-{prefix}.{n}") } else { format!("{prefix}.{n}") }
        };
        Self {
            session_token: name("session_token"),
            session_data: name("session_data"),
            dont_remember: name("dont_remember"),
            state: name("state"),
            admin_session: name("admin_session"),
            secure,
        }
    }

    /// `Set-Cookie` for a signed value. `max_age: None` makes a browser-session cookie.
    pub fn set(&self, name: &str, signed_value: &str, max_age: Option<i64>) -> HeaderValue {
        let mut cookie = format!("{name}={signed_value}");
        if let Some(max_age) = max_age {
            cookie.push_str(&format!("; Max-Age={max_age}"));
        }
        self.push_attributes(&mut cookie);
        header_value(cookie)
    }

    /// `Set-Cookie` that deletes `name`, with the attributes it was set with.
    pub fn clear(&self, name: &str) -> HeaderValue {
        let mut cookie = format!("{name}=; Max-Age=0");
        self.push_attributes(&mut cookie);
        header_value(cookie)
    }

    fn push_attributes(&self, cookie: &mut String) {
        cookie.push_str("; Path=/; HttpOnly");
        if self.secure {
            cookie.push_str("; Secure");
        }
        cookie.push_str("; SameSite=Lax");
    }
}

fn header_value(cookie: String) -> HeaderValue {
    HeaderValue::try_from(cookie).expect("cookie names are ours and values percent-encoded")
}

fn mac(secret: &Secret, value: &str) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.expose()).expect("HMAC takes keys of any length");
    mac.update(value.as_bytes());
    mac
}

/// `value + "." + base64(HMAC-SHA256(secret, value))`: the `set-auth-token` header.
pub fn sign_raw(secret: &Secret, value: &str) -> String {
    let signature = STANDARD.encode(mac(secret, value).finalize().into_bytes());
    format!("{value}.{signature}")
}

/// [`sign_raw`] through `encodeURIComponent`: a signed cookie value as Better Auth sets it.
pub fn sign(secret: &Secret, value: &str) -> String {
    utf8_percent_encode(&sign_raw(secret, value), URI_COMPONENT).to_string()
}

/// The value inside a signed cookie (URL-encoded or not), if any of the secrets signed it:
/// a rotated secret keeps its readers signed in. The comparison is constant-time.
pub fn verify(secrets: &Secrets, signed: &str) -> Option<String> {
    let decoded = percent_decode_str(signed).decode_utf8().ok()?;
    let (value, signature) = decoded.rsplit_once('.')?;
    if signature.len() != SIGNATURE_LEN || !signature.ends_with('=') {
        return None;
    }
    let signature = STANDARD.decode(signature).ok()?;
    secrets
        .all()
        .any(|secret| mac(secret, value).verify_slice(&signature).is_ok())
        .then(|| value.to_owned())
}

/// The raw value of cookie `name` in the request's `Cookie` headers.
pub fn read<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn secret() -> Secret {
        Secret::new("the-same-secret-you-give-lectern-0123456789")
    }

    fn secrets() -> Secrets {
        Secrets::single(secret())
    }

    #[test]
    fn signs_like_better_auth() {
        // Computed with Node: encodeURIComponent(t + "." + createHmac("sha256", s).update(t).digest("base64"))
        let signed = sign(&secret(), "abc");
        assert!(signed.starts_with("abc."));
        assert!(signed.ends_with("%3D"));
        assert_eq!(verify(&secrets(), &signed).as_deref(), Some("abc"));
    }

    #[test]
    fn rejects_a_wrong_signature_or_secret() {
        let signed = sign(&secret(), "token");
        assert_eq!(
            verify(&Secrets::single(Secret::new("another-secret-another-secret-12")), &signed),
            None
        );
        let tampered = signed.replacen("token", "tokem", 1);
        assert_eq!(verify(&secrets(), &tampered), None);
        assert_eq!(verify(&secrets(), "token"), None);
        assert_eq!(verify(&secrets(), "token.short="), None);
    }

    #[test]
    fn reads_a_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; better-auth.session_token=x.y; b=2"),
        );
        assert_eq!(read(&headers, "better-auth.session_token"), Some("x.y"));
        assert_eq!(read(&headers, "c"), None);
    }

    #[test]
    fn a_rotated_secret_still_verifies_old_cookies() {
        let old = sign(&secret(), "token");
        let rotated = Secrets::versioned("2:the new secret", Some(secret())).expect("secrets");
        assert_eq!(verify(&rotated, &old).as_deref(), Some("token"));
        let retired = Secrets::versioned("3:a third secret", None).expect("secrets");
        assert_eq!(verify(&retired, &old), None);
    }

    proptest! {
        #[test]
        fn verify_never_panics_and_roundtrips(value in "[a-zA-Z0-9]{0,64}", junk in "\\PC{0,200}") {
            let _ = verify(&secrets(), &junk);
            let signed = sign(&secret(), &value);
            prop_assert_eq!(verify(&secrets(), &signed), Some(value));
        }
    }
}
