//! Better Auth's signed session value (better-call `src/crypto.ts` and `src/cookies.ts`):
//! `encodeURIComponent(token + "." + base64(HMAC-SHA256(secret, token)))`, standard base64
//! with padding, so the signature is always 44 characters ending in `=`. The same value
//! travels as the `better-auth.session_token` cookie and, unencoded, as the bearer plugin's
//! `set-auth-token` header.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use percent_encoding::percent_decode_str;
use sha2::Sha256;

use crate::error::VerifyError;

/// The session token inside a presented value.
///
/// With a secret, a signed value is checked in constant time, and a raw token is accepted
/// unless `require_signature` (the bearer plugin's option of the same name). Without a
/// secret only raw tokens can be accepted: a signed value then is a configuration error,
/// reported as such rather than silently trusted.
pub fn session_token(
    presented: &str,
    secret: Option<&[u8]>,
    require_signature: bool,
) -> Result<String, VerifyError> {
    let decoded = percent_decode_str(presented)
        .decode_utf8()
        .map_err(|_| VerifyError::Malformed("session value is not UTF-8".into()))?;
    let Some((token, signature)) = decoded.rsplit_once('.') else {
        if require_signature {
            return Err(VerifyError::Malformed("unsigned session token".into()));
        }
        check_raw(&decoded)?;
        return Ok(decoded.into_owned());
    };
    check_raw(token)?;
    if signature.len() != 44 || !signature.ends_with('=') {
        return Err(VerifyError::Malformed("session signature is not 44 base64 characters".into()));
    }
    let Some(secret) = secret else {
        return Err(VerifyError::Config("a signed session value needs the shared secret".into()));
    };
    let signature = STANDARD.decode(signature).map_err(|_| VerifyError::BadSignature)?;
    let mut mac = mac(secret);
    mac.update(token.as_bytes());
    mac.verify_slice(&signature).map_err(|_| VerifyError::BadSignature)?;
    Ok(token.to_owned())
}

/// `token.signature`, as Better Auth signs a session token (before URL-encoding).
pub fn sign_session_token(token: &str, secret: &[u8]) -> String {
    let mut mac = mac(secret);
    mac.update(token.as_bytes());
    format!("{token}.{}", STANDARD.encode(mac.finalize().into_bytes()))
}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length; this cannot fail.
    Hmac::<Sha256>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
}

/// Better Auth's tokens are `generateId(32)`: 32 of `[A-Za-z0-9]`. Custom id generators
/// may differ, so length and `-`/`_` are tolerated within bounds.
fn check_raw(token: &str) -> Result<(), VerifyError> {
    let plausible = (16..=128).contains(&token.len())
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plausible { Ok(()) } else { Err(VerifyError::Malformed("not a session token".into())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"lectern-verify-fixture-secret-0123456789abcdef";
    const TOKEN: &str = "f2c584bzBAIJ27NXhn8TDKeZGS52C5DC";

    #[test]
    fn the_cookie_form_and_the_header_form_both_verify() {
        let signed = sign_session_token(TOKEN, SECRET);
        assert_eq!(
            signed,
            "f2c584bzBAIJ27NXhn8TDKeZGS52C5DC.qfzcFpgdniO5fvSvZ7Jsqd3Fp7q1wo8jBSZtXcc7UrA="
        );
        let cookie = signed.replace('=', "%3D");
        for value in [signed.as_str(), cookie.as_str()] {
            assert_eq!(session_token(value, Some(SECRET), true).as_deref(), Ok(TOKEN));
        }
    }

    #[test]
    fn a_wrong_signature_or_secret_is_refused() {
        let signed = sign_session_token(TOKEN, b"another secret");
        assert_eq!(session_token(&signed, Some(SECRET), false), Err(VerifyError::BadSignature));
        assert!(matches!(session_token(&signed, None, false), Err(VerifyError::Config(_))));
        let swapped = sign_session_token(TOKEN, SECRET).replacen('f', "g", 1);
        assert_eq!(session_token(&swapped, Some(SECRET), false), Err(VerifyError::BadSignature));
    }

    #[test]
    fn raw_tokens_follow_require_signature() {
        assert_eq!(session_token(TOKEN, Some(SECRET), false).as_deref(), Ok(TOKEN));
        assert_eq!(session_token(TOKEN, None, false).as_deref(), Ok(TOKEN));
        assert!(session_token(TOKEN, Some(SECRET), true).is_err());
        for junk in ["", "short", "has space in it 0123456789", "%ff%fe", "x.y"] {
            assert!(session_token(junk, Some(SECRET), false).is_err(), "{junk}");
        }
    }
}
