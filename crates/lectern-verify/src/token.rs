//! Compact JWS: `base64url(header).base64url(payload).base64url(signature)`.
//!
//! The order of work is the security argument: size limit, then the small header (alg
//! allow-list, kid), then the signature over the raw bytes, and only then the payload JSON.
//! Nothing an unauthenticated client sends reaches the claims parser.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::algorithm::Algorithm;
use crate::claims::{Claims, JwtConfig};
use crate::error::{VerifyError, clip};
use crate::jwk::KeySet;

/// A token whose header has been read and accepted, but whose signature is unchecked.
#[derive(Debug)]
pub(crate) struct Unverified<'t> {
    pub(crate) alg: Algorithm,
    pub(crate) kid: String,
    signing_input: &'t str,
    payload: &'t str,
    signature: &'t str,
}

/// Only what is needed to pick a key; Better Auth sends exactly `{alg, kid}`.
#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    alg: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    kid: Option<std::borrow::Cow<'a, str>>,
    /// RFC 7515 §4.1.11: extensions we do not understand must make the token invalid, and
    /// this crate understands none.
    #[serde(default)]
    crit: Option<IgnoredAny>,
}

pub(crate) fn parse<'t>(token: &'t str, config: &JwtConfig) -> Result<Unverified<'t>, VerifyError> {
    if token.len() > config.max_token_bytes {
        return Err(VerifyError::TooLarge { max: config.max_token_bytes });
    }
    if token.is_empty() {
        return Err(VerifyError::Missing);
    }
    let mut parts = token.splitn(4, '.');
    let (Some(header_b64), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(VerifyError::Malformed("not three dot-separated parts".into()));
    };
    let header_json = decode(header_b64, "header is not base64url")?;
    let header: Header<'_> = serde_json::from_slice(&header_json)
        .map_err(|_| VerifyError::Malformed("header is not a JSON object with alg".into()))?;
    let alg = Algorithm::from_jose(&header.alg)
        .filter(|alg| config.algorithms.contains(*alg))
        .ok_or_else(|| VerifyError::UnsupportedAlg(clip(&header.alg)))?;
    if header.crit.is_some() {
        return Err(VerifyError::Malformed("critical header extensions".into()));
    }
    let kid = match header.kid {
        Some(kid) if !kid.is_empty() => kid.into_owned(),
        _ => return Err(VerifyError::Malformed("header has no kid".into())),
    };
    let signing_input = &token[..header_b64.len() + 1 + payload.len()];
    Ok(Unverified { alg, kid, signing_input, payload, signature })
}

impl Unverified<'_> {
    pub(crate) fn verify(
        &self,
        keys: &KeySet,
        config: &JwtConfig,
        now: i64,
    ) -> Result<Claims, VerifyError> {
        let key = keys.get(&self.kid).ok_or_else(|| VerifyError::UnknownKid(clip(&self.kid)))?;
        if key.algorithm() != self.alg {
            return Err(VerifyError::UnsupportedAlg(format!(
                "{} with a {} key",
                self.alg,
                key.algorithm()
            )));
        }
        let signature = decode(self.signature, "signature is not base64url")?;
        key.verify(self.signing_input.as_bytes(), &signature)?;
        let payload = decode(self.payload, "payload is not base64url")?;
        let claims: Claims = serde_json::from_slice(&payload).map_err(|err| {
            VerifyError::Malformed(format!("payload: {}", clip(&err.to_string())))
        })?;
        config.check(&claims, now)?;
        Ok(claims)
    }
}

fn decode(part: &str, what: &'static str) -> Result<Vec<u8>, VerifyError> {
    URL_SAFE_NO_PAD.decode(part).map_err(|_| VerifyError::Malformed(what.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> JwtConfig {
        JwtConfig::new("i", "a")
    }

    fn b64(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn header_must_name_an_allowed_alg_and_a_kid() {
        let token = |header: &str| format!("{}.e30.c2ln", b64(header));
        let parse_err =
            |header: &str| parse(&token(header), &config()).map(|_| ()).expect_err("rejected");
        assert_eq!(parse_err(r#"{"alg":"none"}"#), VerifyError::UnsupportedAlg("none".into()));
        assert_eq!(
            parse_err(r#"{"alg":"HS256","kid":"k"}"#),
            VerifyError::UnsupportedAlg("HS256".into())
        );
        assert!(matches!(parse_err(r#"{"alg":"EdDSA"}"#), VerifyError::Malformed(_)));
        assert!(matches!(
            parse_err(r#"{"alg":"EdDSA","kid":"k","crit":["b64"]}"#),
            VerifyError::Malformed(_)
        ));
        let typed = token(r#"{"alg":"EdDSA","kid":"k","typ":"JWT"}"#);
        let parsed = parse(&typed, &config()).map(|u| (u.alg, u.kid));
        assert_eq!(parsed, Ok((Algorithm::EdDsa, "k".to_owned())));
    }

    #[test]
    fn structure_and_size_are_checked_first() {
        let mut small = config();
        small.max_token_bytes = 10;
        assert_eq!(
            parse("a.b.c.d.e.f.g", &small).map(|_| ()),
            Err(VerifyError::TooLarge { max: 10 })
        );
        for junk in ["abc", "a.b", "a.b.c.d", "!!!.e30.sig", "eyJ=.e30.sig"] {
            assert!(matches!(parse(junk, &config()), Err(VerifyError::Malformed(_))), "{junk}");
        }
    }
}
