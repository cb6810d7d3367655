//! The tokens in verification and change-of-email links, as Better Auth makes them
//! (`createEmailVerificationToken`, `src/crypto/jwt.ts`, 1.7.x): a JWT signed with HS256 and
//! the server secret, holding the address, the user, an optional new address and purpose,
//! valid an hour. Either server verifies the other's. Like Better Auth's, a link can be
//! opened more than once: verifying an address twice changes nothing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::config::Secret;
use crate::secrets::Secrets;

/// Better Auth's `emailVerification.expiresIn` default.
pub const LIFETIME_SECS: i64 = 3600;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailClaims {
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default)]
    pub iat: i64,
    #[serde(default)]
    pub exp: i64,
}

/// Why a link's token was refused: Better Auth's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Expired,
    Invalid,
}

fn mac(secret: &Secret, input: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose()).expect("HMAC takes any key");
    mac.update(input.as_bytes());
    mac
}

/// A token for `claims`, issued at `now` (seconds), signed with the current secret.
pub fn sign(secrets: &Secrets, mut claims: EmailClaims, now: i64) -> String {
    claims.iat = now;
    claims.exp = now + LIFETIME_SECS;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("claims serialize"));
    let input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(mac(secrets.current(), &input).finalize().into_bytes());
    format!("{input}.{signature}")
}

/// The claims of a token any of the secrets signed, if it has not expired at `now`.
pub fn verify(secrets: &Secrets, token: &str, now: i64) -> Result<EmailClaims, TokenError> {
    if token.len() > 4096 {
        return Err(TokenError::Invalid);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Invalid);
    };
    let header: serde_json::Value = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or(TokenError::Invalid)?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err(TokenError::Invalid);
    }
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Invalid)?;
    let input = &token[..token.len() - token.rsplit('.').next().map_or(0, str::len) - 1];
    if !secrets.all().any(|s| mac(s, input).verify_slice(&signature).is_ok()) {
        return Err(TokenError::Invalid);
    }
    let claims: EmailClaims = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|p| serde_json::from_slice(&p).ok())
        .ok_or(TokenError::Invalid)?;
    if claims.exp <= now {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets::single(Secret::new("better-auth-secret-123456789012345678901234"))
    }

    fn claims() -> EmailClaims {
        EmailClaims {
            email: "ada@example.com".into(),
            update_to: None,
            request_type: None,
            user_id: Some("u1".into()),
            iat: 0,
            exp: 0,
        }
    }

    #[test]
    fn verifies_what_better_auth_signs() {
        // jose: new SignJWT({email:"ada@example.com",userId:"u1"}).setProtectedHeader({alg:"HS256"})
        //   .setIssuedAt(1700000000).setExpirationTime(1700003600).sign(secret)
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFkYUBleGFtcGxlLmNvbSIsInVzZXJJZCI6InUxIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDM2MDB9.fD4KwhRiOrEveCU_shz_32uGbiICxGT6JEK5ASqc4Ck";
        let found = verify(&secrets(), token, 1_700_000_100);
        assert_eq!(found.map(|c| c.user_id), Ok(Some("u1".into())));
        assert_eq!(verify(&secrets(), token, 1_700_003_600), Err(TokenError::Expired));
    }

    #[test]
    fn round_trips_and_refuses_tampering() {
        let token = sign(&secrets(), claims(), 100);
        assert_eq!(verify(&secrets(), &token, 101).map(|c| c.email), Ok("ada@example.com".into()));
        let other = Secrets::single(Secret::new("another-secret-another-secret-another-12"));
        assert_eq!(verify(&other, &token, 101), Err(TokenError::Invalid));
        let forged = token.replacen("eyJ", "eyK", 2);
        assert_eq!(verify(&secrets(), &forged, 101), Err(TokenError::Invalid));
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            token.split('.').nth(1).unwrap_or("")
        );
        assert_eq!(verify(&secrets(), &none, 101), Err(TokenError::Invalid));
    }
}
