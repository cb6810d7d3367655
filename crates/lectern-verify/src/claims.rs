//! The JWT payload Better Auth's jwt plugin signs (`src/plugins/jwt/sign.ts`, 1.7.x): the
//! whole user object, plus `iat`, `sub = user.id`, `exp = iat + 15 min`, and `iss`/`aud`
//! set to the base URL's origin; and the checks run on it once the signature holds.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::algorithm::AlgorithmSet;
use crate::error::{VerifyError, clip};
use crate::user::UserFields;

/// Verified, typed claims.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    /// A single string from Better Auth; a list is accepted as RFC 7519 allows.
    #[serde(deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    #[serde(deserialize_with = "numeric_date")]
    pub exp: i64,
    #[serde(default, deserialize_with = "optional_numeric_date")]
    pub iat: Option<i64>,
    #[serde(default, deserialize_with = "optional_numeric_date")]
    pub nbf: Option<i64>,
    #[serde(flatten)]
    pub user: UserFields,
}

/// What a token must satisfy beyond its signature.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JwtConfig {
    /// Compared exactly with `iss`. For Better Auth: the base URL's origin, no trailing slash.
    pub issuer: String,
    /// Must be one of the token's `aud` values. For Better Auth: the same origin.
    pub audience: String,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
    /// Tokens longer than this are refused before they are parsed.
    pub max_token_bytes: usize,
    pub algorithms: AlgorithmSet,
}

impl JwtConfig {
    pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);
    /// Better Auth's tokens carry the user object and stay under 1 KiB; 8 KiB leaves room
    /// for large additional fields without letting a client make us base64-decode megabytes.
    pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;

    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            leeway: Self::DEFAULT_LEEWAY,
            max_token_bytes: Self::DEFAULT_MAX_TOKEN_BYTES,
            algorithms: AlgorithmSet::ALL,
        }
    }

    /// `iss` and `aud` both equal to the origin of Better Auth's `baseURL`, as it signs them.
    pub fn better_auth(base_url: &str) -> Result<Self, VerifyError> {
        let origin = origin_of(base_url)?;
        Ok(Self::new(origin.clone(), origin))
    }

    pub(crate) fn check(&self, claims: &Claims, now: i64) -> Result<(), VerifyError> {
        let leeway = i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX);
        if claims.exp.saturating_add(leeway) <= now {
            return Err(VerifyError::Expired);
        }
        if claims.nbf.is_some_and(|nbf| nbf.saturating_sub(leeway) > now) {
            return Err(VerifyError::NotYetValid);
        }
        if claims.iss != self.issuer {
            return Err(VerifyError::WrongIssuer(clip(&claims.iss)));
        }
        if !claims.aud.contains(&self.audience) {
            return Err(VerifyError::WrongAudience);
        }
        Ok(())
    }
}

/// `scheme://host[:port]` of a URL, as Better Auth derives `iss` from `baseURL`.
pub(crate) fn origin_of(base_url: &str) -> Result<String, VerifyError> {
    let url = reqwest::Url::parse(base_url)
        .map_err(|err| VerifyError::Config(format!("{base_url:?} is not a URL: {err}")))?;
    let origin = url.origin();
    if origin.is_tuple() {
        Ok(origin.ascii_serialization())
    } else {
        Err(VerifyError::Config(format!("{base_url:?} has no origin")))
    }
}

fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(aud) => vec![aud],
        OneOrMany::Many(auds) => auds,
    })
}

/// RFC 7519 allows fractional NumericDates; whole seconds are all the checks need.
fn numeric_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let seconds = f64::deserialize(deserializer)?;
    if seconds.is_finite() && seconds.abs() < 1e15 {
        // In range by the check above; the cast only drops the fraction.
        Ok(seconds.floor() as i64)
    } else {
        Err(serde::de::Error::custom("NumericDate out of range"))
    }
}

fn optional_numeric_date<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "numeric_date")] i64);
    Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(seconds)| seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(json: &str) -> Claims {
        serde_json::from_str(json).expect("claims parse")
    }

    const BASE: &str = r#""sub":"u1","iss":"https://a.example","aud":"https://a.example""#;

    #[test]
    fn leeway_applies_to_both_ends() {
        let config = JwtConfig::new("https://a.example", "https://a.example");
        let token = claims(&format!(r#"{{{BASE},"exp":1000,"nbf":900}}"#));
        assert_eq!(config.check(&token, 1029), Ok(()));
        assert_eq!(config.check(&token, 1030), Err(VerifyError::Expired));
        assert_eq!(config.check(&token, 871), Ok(()));
        assert_eq!(config.check(&token, 869), Err(VerifyError::NotYetValid));
    }

    #[test]
    fn audience_may_be_a_list_and_dates_may_be_fractional() {
        let token = claims(
            r#"{"sub":"u1","iss":"i","aud":["other","https://a.example"],"exp":1000.7,"iat":null}"#,
        );
        assert_eq!(token.exp, 1000);
        assert_eq!(token.iat, None);
        assert!(token.aud.contains(&"https://a.example".to_owned()));
    }

    #[test]
    fn a_payload_without_exp_is_refused() {
        assert!(serde_json::from_str::<Claims>(&format!("{{{BASE}}}")).is_err());
    }

    #[test]
    fn origin_drops_path_and_trailing_slash_but_keeps_a_port() {
        assert_eq!(origin_of("http://127.0.0.1:4177/").as_deref(), Ok("http://127.0.0.1:4177"));
        assert_eq!(
            origin_of("https://auth.example.com/api/auth").as_deref(),
            Ok("https://auth.example.com")
        );
        assert!(origin_of("not a url").is_err());
    }
}
